//! Where and how the command line writes: colour choice, diagnostics, usage errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use journey_diagnostics::render::{self, SarifRun, Summary};
use journey_diagnostics::{Diagnostic, SourceMap};

/// The `--color` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether output to standard error should be coloured.
    pub fn for_stderr(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// The format of diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Reports for people, on standard error.
    Human,
    /// One JSON document on standard output.
    Json,
    /// A SARIF 2.1.0 log on standard output, for code scanning.
    Sarif,
}

/// The options of `check` and `build` that say how and where diagnostics are written.
#[derive(Args, Clone, Debug)]
pub struct DiagnosticOptions {
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the diagnostics to FILE instead of standard output (JSON, SARIF) or
    /// standard error (human, then without colour).
    #[arg(long, value_name = "FILE")]
    pub diagnostics: Option<PathBuf>,

    /// The folder SARIF artifact URIs are relative to (`%SRCROOT%`); files outside it
    /// get absolute `file://` URIs. Default: the current folder.
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,
}

/// Where diagnostics go.
enum Sink<'a> {
    Stdout,
    Stderr,
    File(&'a Path),
}

impl DiagnosticOptions {
    /// Where the diagnostics go: `--diagnostics FILE`, else standard error for human
    /// reports and for machine formats when `stdout_taken` (the plan goes to standard
    /// output), else standard output.
    fn sink(&self, stdout_taken: bool) -> Sink<'_> {
        match (&self.diagnostics, self.format) {
            (Some(file), _) if file.as_os_str() != "-" => Sink::File(file),
            (Some(_), _) => Sink::Stdout,
            (None, Format::Human) => Sink::Stderr,
            (None, _) if stdout_taken => Sink::Stderr,
            (None, _) => Sink::Stdout,
        }
    }

    /// Writes diagnostics; human reports end with a summary line naming `what` was
    /// checked. `Err` is a usage error (the `--diagnostics` file or `--sarif-root`).
    pub fn write(
        &self,
        map: &SourceMap,
        diagnostics: &[Diagnostic],
        color: ColorChoice,
        what: &str,
        stdout_taken: bool,
    ) -> Result<(), String> {
        let sink = self.sink(stdout_taken);
        let text = match self.format {
            Format::Json => render::render_json(map, diagnostics),
            Format::Sarif => self.sarif(map, diagnostics, &[])?,
            Format::Human => {
                let color = matches!(sink, Sink::Stderr) && color.for_stderr();
                let mut text = Vec::new();
                let _ = render::render_human(map, diagnostics, color, &mut text);
                let _ = writeln!(text, "checked {what}: {}", Summary::of(diagnostics).describe());
                String::from_utf8_lossy(&text).into_owned()
            }
        };
        emit(&sink, &text)
    }

    /// Reports an error that stops the command (exit status 2): on standard error, and
    /// with `--format sarif` also as a SARIF log whose invocation says why.
    pub fn fail(&self, message: impl std::fmt::Display, stdout_taken: bool) {
        let message = message.to_string();
        usage_error(&message);
        self.failure_log(message, stdout_taken);
    }

    /// With `--format sarif`, writes a SARIF log without results whose invocation
    /// says why the command stopped; nothing otherwise.
    pub fn failure_log(&self, message: String, stdout_taken: bool) {
        if self.format == Format::Sarif {
            let failures = [message];
            let written = self
                .sarif(&SourceMap::new(), &[], &failures)
                .or_else(|_| sarif_text(&SourceMap::new(), &[], Path::new("."), &failures))
                .and_then(|text| emit(&self.sink(stdout_taken), &text));
            if let Err(error) = written {
                usage_error(error);
            }
        }
    }

    fn sarif(&self, map: &SourceMap, diagnostics: &[Diagnostic], failures: &[String]) -> Result<String, String> {
        let root = self.sarif_root.as_deref().unwrap_or(Path::new("."));
        if !root.is_dir() {
            return Err(format!("`--sarif-root {}` is not a folder; give the root of the repository", root.display()));
        }
        sarif_text(map, diagnostics, root, failures)
    }
}

/// The SARIF log, URIs relative to `root` (a folder, relative to the current one or absolute).
fn sarif_text(map: &SourceMap, diagnostics: &[Diagnostic], root: &Path, failures: &[String]) -> Result<String, String> {
    let current_dir = std::env::current_dir().map_err(|e| format!("the current folder cannot be read: {e}"))?;
    let root = root.canonicalize().unwrap_or_else(|_| current_dir.join(root));
    let run = SarifRun { tool_version: env!("CARGO_PKG_VERSION"), root: &root, current_dir: &current_dir, failures };
    Ok(render::render_sarif(map, diagnostics, &run))
}

fn emit(sink: &Sink, text: &str) -> Result<(), String> {
    match sink {
        Sink::Stdout => print_stdout(text),
        Sink::Stderr => {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        }
        Sink::File(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Prints a usage or I/O error the way every command does: `error: ...` on standard error.
pub fn usage_error(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "error: {message}");
}

/// Writes `text` to standard output, ignoring a closed pipe (`journey ... | head`).
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
