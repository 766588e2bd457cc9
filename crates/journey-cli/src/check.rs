//! `journey check [PATH]...`: the design-time check of projects or files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use journey_check::{Mode, Project, check, discover};
use journey_diagnostics::{Diagnostic, FileId, Severity, SourceMap, sort_diagnostics};

use crate::Outcome;
use crate::manifest;
use crate::output::{ColorChoice, DiagnosticOptions};

/// Arguments of `journey check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Project folders (every `.journey` file below each is one project) or files
    /// (each checked within its project: the nearest folder above it with a
    /// `journey.toml`, else its own folder; only the files given are reported).
    /// Default: the current folder.
    paths: Vec<PathBuf>,

    #[command(flatten)]
    output: DiagnosticOptions,

    /// Treat warnings as errors (exit 1 when there is any warning).
    #[arg(long)]
    deny_warnings: bool,
}

/// One project to check: its files, and which of them are reported.
pub struct Target {
    /// Every file of the project.
    pub files: Vec<PathBuf>,
    /// The indices (in `files`) of the files whose diagnostics are reported; `None`: all.
    pub reported: Option<Vec<usize>>,
}

fn not_found(path: &Path, e: std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("`{}` does not exist", path.display()),
        _ => format!("`{}` cannot be read: {e}", path.display()),
    }
}

/// The `.journey` files below folder `dir` (an error when there is none), after
/// checking its `journey.toml` if it has one.
fn project_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    manifest::read(dir)?;
    let files = discover(dir).map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Err(format!("no `.journey` files in `{}` (hidden folders and `target/` are skipped)", dir.display()));
    }
    Ok(files)
}

/// The projects named by the arguments: each folder is one project; each file is
/// checked within its project (see [`manifest::project_root`]), and files of the
/// same project are checked together, only they being reported.
pub fn projects_of(paths: &[PathBuf]) -> Result<Vec<Target>, String> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let mut targets = Vec::new();
    // Given files, by the canonical path of their project's root.
    let mut by_root: BTreeMap<PathBuf, (PathBuf, Vec<PathBuf>)> = BTreeMap::new();
    for path in &paths {
        let metadata = std::fs::metadata(path).map_err(|e| not_found(path, e))?;
        if metadata.is_dir() {
            targets.push(Target { files: project_files(path)?, reported: None });
        } else {
            let root = manifest::project_root(path)?;
            let key = std::fs::canonicalize(&root).map_err(|e| not_found(&root, e))?;
            by_root.entry(key).or_insert_with(|| (root, Vec::new())).1.push(path.clone());
        }
    }
    for (root, given) in by_root.into_values() {
        manifest::read(&root)?;
        let mut files = discover(&root).map_err(|e| e.to_string())?;
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let mut index_of: std::collections::HashMap<PathBuf, usize> =
            files.iter().enumerate().map(|(i, f)| (canonical(f), i)).collect();
        let mut reported = Vec::new();
        for file in given {
            let wanted = canonical(&file);
            // The file as the user spelled it, in place of the same file found below the root.
            let index = match index_of.get(&wanted) {
                Some(&index) => {
                    files[index] = file;
                    index
                }
                None => {
                    files.push(file);
                    index_of.insert(wanted, files.len() - 1);
                    files.len() - 1
                }
            };
            if !reported.contains(&index) {
                reported.push(index);
            }
        }
        targets.push(Target { files, reported: Some(reported) });
    }
    Ok(targets)
}

/// Every file named by the arguments, for commands that take files one by one
/// (`journey fmt`): the `.journey` files below each folder, and each file given.
pub fn files_of(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let mut files = Vec::new();
    for path in &paths {
        let metadata = std::fs::metadata(path).map_err(|e| not_found(path, e))?;
        if metadata.is_dir() {
            files.extend(project_files(path)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Checks every project and gathers the files and the reported diagnostics into one
/// map for output; the count is that of the files reported.
pub fn check_all(targets: &[Target], mode: Mode) -> Result<(SourceMap, Vec<Diagnostic>, usize), String> {
    let mut map = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut files = 0;
    for target in targets {
        let mut project = Project::read(&target.files).map_err(|e| e.to_string())?;
        let analysis = check(&project, mode);
        // Renumber this project's files after those of the previous projects.
        let offset = map.len() as u32;
        files += target.reported.as_ref().map_or(project.sources.len(), Vec::len);
        for file in std::mem::take(&mut project.sources).into_files() {
            map.add(file);
        }
        // A one-shot command exits right after: freeing the syntax trees would only cost time.
        std::mem::forget(project);
        let shown: Option<std::collections::HashSet<usize>> =
            target.reported.as_ref().map(|r| r.iter().copied().collect());
        let reported = |file: FileId| shown.as_ref().is_none_or(|r| r.contains(&(file.0 as usize)));
        for mut diagnostic in analysis.diagnostics.into_iter().filter(|d| reported(d.primary.file)) {
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

/// "1 file", "3 files".
pub fn files_phrase(n: usize) -> String {
    format!("{n} file{}", if n == 1 { "" } else { "s" })
}

/// Runs `journey check`.
pub fn run(args: CheckArgs, color: ColorChoice) -> Outcome {
    let checked = projects_of(&args.paths).and_then(|targets| check_all(&targets, Mode::Design));
    let (map, mut diagnostics, files) = match checked {
        Ok(result) => result,
        Err(message) => {
            args.output.fail(message, false);
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
    if let Err(message) = args.output.write(&map, &diagnostics, color, &files_phrase(files), false) {
        args.output.fail(message, false);
        return Outcome::Usage;
    }
    if diagnostics.iter().any(Diagnostic::is_error) { Outcome::Errors } else { Outcome::Clean }
}
