//! A project: the `.journey` files of a folder (or a list of files), read into
//! a [`SourceMap`] and parsed.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use journey_diagnostics::{Code, Diagnostic, FileId, SourceFile, SourceMap, Span};
use journey_syntax::Parse;

/// Why the files of a project could not be read (an I/O problem, not a problem in the sources).
#[derive(Debug)]
pub struct LoadError {
    /// The path that could not be read.
    pub path: PathBuf,
    /// What went wrong.
    pub error: io::Error,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error.kind() {
            io::ErrorKind::NotFound => write!(f, "`{}` does not exist", self.path.display()),
            io::ErrorKind::PermissionDenied => write!(f, "`{}` cannot be read: permission denied", self.path.display()),
            _ => write!(f, "`{}` cannot be read: {}", self.path.display(), self.error),
        }
    }
}

impl std::error::Error for LoadError {}

/// Lists the `.journey` files below `dir`, sorted by path. Hidden folders (whose
/// name starts with `.`) and `target/` folders are skipped, as the language says.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|error| LoadError { path: folder.clone(), error })?;
        for entry in entries {
            let entry = entry.map_err(|error| LoadError { path: folder.clone(), error })?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let kind = entry.file_type().map_err(|error| LoadError { path: path.clone(), error })?;
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    pending.push(path);
                }
            } else if name.ends_with(".journey") && !name.starts_with('.') {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The files of a project, read and parsed.
#[derive(Debug, Default)]
pub struct Project {
    /// Every file, addressed by [`FileId`].
    pub sources: SourceMap,
    /// The parse of each file, indexed like `sources`.
    pub parses: Vec<Parse>,
    /// Problems found while reading the files (a file that is not UTF-8).
    pub load_diagnostics: Vec<Diagnostic>,
}

impl Project {
    /// A project of in-memory files `(path, text)`, in the given order.
    pub fn from_texts<P: Into<PathBuf>>(files: impl IntoIterator<Item = (P, String)>) -> Project {
        let mut project = Project::default();
        for (path, text) in files {
            project.add(path.into(), text);
        }
        project
    }

    /// Reads and parses `paths` (see [`Project::add_bytes`]).
    pub fn read(paths: &[PathBuf]) -> Result<Project, LoadError> {
        let mut project = Project::default();
        for path in paths {
            let bytes = std::fs::read(path).map_err(|error| LoadError { path: path.clone(), error })?;
            project.add_bytes(path.clone(), bytes);
        }
        Ok(project)
    }

    /// Adds a file from its bytes and parses it. A file that is not valid UTF-8 is
    /// kept, with invalid bytes replaced by U+FFFD so the rest is still checked, and
    /// reported as an error naming its first bad byte.
    pub fn add_bytes(&mut self, path: PathBuf, bytes: Vec<u8>) -> FileId {
        match String::from_utf8(bytes) {
            Ok(text) => self.add(path, text),
            Err(err) => {
                let valid_up_to = err.utf8_error().valid_up_to();
                let bytes = err.into_bytes();
                let bad = bytes[valid_up_to];
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let file = self.add(path, text);
                let replacement = Span::new(valid_up_to, valid_up_to + char::REPLACEMENT_CHARACTER.len_utf8());
                self.load_diagnostics.push(
                    Diagnostic::error(Code::InvalidUtf8, "this file is not valid UTF-8", file, replacement)
                        .with_label(format!("byte 0x{bad:02X} here is not UTF-8"))
                        .with_help("Journey files are UTF-8: save the file as UTF-8 (in most editors: \"Save with encoding\" / \"Reopen with encoding\")"),
                );
                file
            }
        }
    }

    /// Adds a file and parses it.
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let file = self.sources.add(SourceFile::new(path, text));
        let parse = journey_syntax::parse(file, self.sources.get(file).text());
        self.parses.push(parse);
        file
    }
}
