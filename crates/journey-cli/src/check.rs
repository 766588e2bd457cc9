//! `journey check [PATH]...`: the design-time check of projects or files.

use std::path::PathBuf;

use clap::Args;
use journey_check::{Mode, Project, check, discover};
use journey_diagnostics::{Diagnostic, FileId, Severity, SourceMap, sort_diagnostics};

use crate::Outcome;
use crate::output::{ColorChoice, Format, usage_error, write_diagnostics};

/// Arguments of `journey check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Project folders (every `.journey` file below each is one project) or files
    /// (all files given form one project). Default: the current folder.
    paths: Vec<PathBuf>,

    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Treat warnings as errors (exit 1 when there is any warning).
    #[arg(long)]
    deny_warnings: bool,
}

/// The projects named by the arguments: each folder is one, and the loose files form one more.
pub fn projects_of(paths: &[PathBuf]) -> Result<Vec<Vec<PathBuf>>, String> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let mut projects = Vec::new();
    let mut loose = Vec::new();
    for path in &paths {
        let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("`{}` does not exist", path.display()),
            _ => format!("`{}` cannot be read: {e}", path.display()),
        })?;
        if metadata.is_dir() {
            let files = discover(path).map_err(|e| e.to_string())?;
            if files.is_empty() {
                return Err(format!(
                    "no `.journey` files in `{}` (hidden folders and `target/` are skipped)",
                    path.display()
                ));
            }
            projects.push(files);
        } else {
            loose.push(path.clone());
        }
    }
    if !loose.is_empty() {
        projects.push(loose);
    }
    Ok(projects)
}

/// Checks every project and gathers the files and diagnostics into one map for output.
pub fn check_all(projects: &[Vec<PathBuf>], mode: Mode) -> Result<(SourceMap, Vec<Diagnostic>, usize), String> {
    let mut map = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut files = 0;
    for paths in projects {
        let mut project = Project::read(paths).map_err(|e| e.to_string())?;
        let analysis = check(&project, mode);
        // Renumber this project's files after those of the previous projects.
        let offset = map.len() as u32;
        files += project.sources.len();
        for file in std::mem::take(&mut project.sources).into_files() {
            map.add(file);
        }
        // A one-shot command exits right after: freeing the syntax trees would only cost time.
        std::mem::forget(project);
        for mut diagnostic in analysis.diagnostics {
            diagnostic.primary.file = FileId(diagnostic.primary.file.0 + offset);
            for label in &mut diagnostic.secondary {
                label.file = FileId(label.file.0 + offset);
            }
            if let Some(fix) = &mut diagnostic.fix {
                for edit in &mut fix.edits {
                    edit.file = FileId(edit.file.0 + offset);
                }
            }
            diagnostics.push(diagnostic);
        }
    }
    sort_diagnostics(&mut diagnostics);
    Ok((map, diagnostics, files))
}

/// Runs `journey check`.
pub fn run(args: CheckArgs, color: ColorChoice) -> Outcome {
    let projects = match projects_of(&args.paths) {
        Ok(projects) => projects,
        Err(message) => {
            usage_error(message);
            return Outcome::Usage;
        }
    };
    let (map, mut diagnostics, files) = match check_all(&projects, Mode::Design) {
        Ok(result) => result,
        Err(message) => {
            usage_error(message);
            return Outcome::Usage;
        }
    };
    if args.deny_warnings {
        for diagnostic in &mut diagnostics {
            if diagnostic.severity == Severity::Warning {
                diagnostic.severity = Severity::Error;
                diagnostic.help.push("this warning is an error because of `--deny-warnings`".to_owned());
            }
        }
    }
    let what = format!("{files} file{}", if files == 1 { "" } else { "s" });
    write_diagnostics(&map, &diagnostics, args.format, color, &what);
    if diagnostics.iter().any(Diagnostic::is_error) { Outcome::Errors } else { Outcome::Clean }
}
