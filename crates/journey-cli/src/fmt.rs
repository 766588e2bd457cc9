//! `journey fmt [PATH]...`: lays `.journey` files out in the one canonical layout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use journey_check::Project;
use journey_diagnostics::render::{Summary, render_human};
use journey_diagnostics::{Diagnostic, FileId, SourceFile, SourceMap};
use journey_fmt::FormatError;

use crate::Outcome;
use crate::check::{files_of, files_phrase};
use crate::output::{ColorChoice, print_stdout, usage_error};

/// Arguments of `journey fmt`.
#[derive(Args)]
pub struct FmtArgs {
    /// Files, or folders (every `.journey` file below them; hidden folders and
    /// `target/` are skipped), or `-` to format standard input to standard output.
    /// Default: the current folder.
    paths: Vec<PathBuf>,

    /// Write nothing: list the files that are not formatted, and exit 1 if there is any.
    #[arg(long)]
    check: bool,
}

/// What became of the files given.
#[derive(Default)]
struct Tally {
    /// Files that are not formatted (written, or listed with `--check`).
    changed: usize,
    /// Files already formatted.
    unchanged: usize,
    /// Files left unchanged because of errors in them.
    refused: usize,
    /// Files that could not be read or written.
    unreadable: usize,
}

/// Runs `journey fmt`.
pub fn run(args: FmtArgs, color: ColorChoice) -> Outcome {
    let stdin = Path::new("-");
    if args.paths.iter().any(|p| p == stdin) {
        if args.paths.len() > 1 {
            usage_error("`-` (standard input) cannot be combined with other paths");
            return Outcome::Usage;
        }
        return format_stdin(args.check, color);
    }
    let mut files: Vec<PathBuf> = match files_of(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            usage_error(message);
            return Outcome::Usage;
        }
    };
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));

    let mut tally = Tally::default();
    for path in &files {
        format_file(path, args.check, color, &mut tally);
    }
    let _ = writeln!(std::io::stderr(), "{}", tally.summary(args.check));
    if tally.unreadable > 0 {
        Outcome::Usage
    } else if tally.refused > 0 || (args.check && tally.changed > 0) {
        Outcome::Errors
    } else {
        Outcome::Clean
    }
}

impl Tally {
    /// "2 files formatted, 6 unchanged"; with `--check`, "1 file would be reformatted,
    /// 7 unchanged"; then the files left alone because of errors, if any.
    fn summary(&self, check: bool) -> String {
        let done = if check { "would be reformatted" } else { "formatted" };
        let mut text = format!("{} {done}, {} unchanged", files_phrase(self.changed), self.unchanged);
        if self.refused > 0 {
            text.push_str(&format!(", {} not formatted because of errors", self.refused));
        }
        if self.unreadable > 0 {
            text.push_str(&format!(", {} not readable or writable", self.unreadable));
        }
        text
    }
}

/// Formats one file in place (or, with `check`, lists it when it is not formatted).
fn format_file(path: &Path, check: bool, color: ColorChoice, tally: &mut Tally) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            usage_error(format!("`{}` cannot be read: {error}", path.display()));
            tally.unreadable += 1;
            return;
        }
    };
    let Some(text) = utf8_or_report(path, bytes, color) else {
        tally.refused += 1;
        return;
    };
    let formatted = match journey_fmt::format(FileId(0), &text) {
        Ok(formatted) => formatted,
        Err(error) => {
            report_refusal(path, text, error, color);
            tally.refused += 1;
            return;
        }
    };
    if formatted == text {
        tally.unchanged += 1;
        return;
    }
    tally.changed += 1;
    if check {
        print_stdout(&format!("{}\n", path.display()));
    } else if let Err(error) = std::fs::write(path, formatted) {
        usage_error(format!("`{}` cannot be written: {error}", path.display()));
        tally.unreadable += 1;
    }
}

/// `journey fmt -`: standard input to standard output (for editors). With `check`,
/// nothing is written and `<stdin>` is listed when it is not formatted.
fn format_stdin(check: bool, color: ColorChoice) -> Outcome {
    let mut bytes = Vec::new();
    if let Err(error) = std::io::stdin().read_to_end(&mut bytes) {
        usage_error(format!("standard input cannot be read: {error}"));
        return Outcome::Usage;
    }
    let name = Path::new("<stdin>");
    let Some(text) = utf8_or_report(name, bytes, color) else {
        return Outcome::Errors;
    };
    match journey_fmt::format(FileId(0), &text) {
        Ok(formatted) if check => {
            if formatted == text {
                Outcome::Clean
            } else {
                print_stdout("<stdin>\n");
                Outcome::Errors
            }
        }
        Ok(formatted) => {
            print_stdout(&formatted);
            Outcome::Clean
        }
        Err(error) => {
            report_refusal(name, text, error, color);
            Outcome::Errors
        }
    }
}

/// The text of a file, or `None` after reporting that it is not UTF-8 (as `journey check` does).
fn utf8_or_report(path: &Path, bytes: Vec<u8>, color: ColorChoice) -> Option<String> {
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(error) => {
            let mut project = Project::default();
            project.add_bytes(path.to_path_buf(), error.into_bytes());
            let mut diagnostics = project.load_diagnostics.clone();
            diagnostics.extend(project.parses.iter().flat_map(|p| p.diagnostics.iter().cloned()));
            report(&project.sources, path, &diagnostics, color);
            None
        }
    }
}

/// Reports why a file was left unchanged.
fn report_refusal(path: &Path, text: String, error: FormatError, color: ColorChoice) {
    match error {
        FormatError::Syntax(diagnostics) => {
            let mut map = SourceMap::new();
            map.add(SourceFile::new(path, text));
            report(&map, path, &diagnostics, color);
        }
        FormatError::Internal(_) => usage_error(format!("`{}` was left unchanged: {error}", path.display())),
    }
}

/// Prints the diagnostics of a file that was not formatted, as `journey check` does.
fn report(map: &SourceMap, path: &Path, diagnostics: &[Diagnostic], color: ColorChoice) {
    // ariadne writes a character at a time: buffer, or each one is a system call.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    let _ = render_human(map, diagnostics, color.for_stderr(), &mut err);
    let _ = writeln!(err, "not formatted: `{}` has {}", path.display(), Summary::of(diagnostics).describe());
    let _ = err.flush();
}
