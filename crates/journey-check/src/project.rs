//! A project: the `.journey` files of a folder (or a list of files), read into
//! a [`SourceMap`] and parsed.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use journey_diagnostics::{Code, Diagnostic, FileId, INVALID_BYTE_STAND_IN, SourceFile, SourceMap, Span};
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
    /// A project of in-memory files `(path, text)`, in the given order, parsed
    /// on every core (see [`Project::add_files`]).
    pub fn from_texts<P: Into<PathBuf>>(files: impl IntoIterator<Item = (P, String)>) -> Project {
        let mut project = Project::default();
        for (path, text) in files {
            project.sources.add(SourceFile::new(path.into(), text));
        }
        project.parse_new_files();
        project
    }

    /// Reads and parses `paths` (see [`Project::add_files`]).
    pub fn read(paths: &[PathBuf]) -> Result<Project, LoadError> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = std::fs::read(path).map_err(|error| LoadError { path: path.clone(), error })?;
            files.push((path.clone(), bytes));
        }
        let mut project = Project::default();
        project.add_files(files);
        Ok(project)
    }

    /// Adds files from their bytes (as [`Project::add_bytes`] does) and parses
    /// them together: files are independent, so they are parsed on as many
    /// threads as the machine has cores, and the result is the same as parsing
    /// them one by one. Returns their ids, in order.
    pub fn add_files(&mut self, files: impl IntoIterator<Item = (PathBuf, Vec<u8>)>) -> Vec<FileId> {
        let ids = files.into_iter().map(|(path, bytes)| self.add_source(path, bytes)).collect();
        self.parse_new_files();
        ids
    }

    /// Adds a file from its bytes and parses it. A file that is not valid UTF-8 is
    /// kept, with each invalid byte read as `?` (one byte, so that spans stay those of
    /// the file's bytes) so the rest is still checked, and reported as an error
    /// naming its first bad byte.
    pub fn add_bytes(&mut self, path: PathBuf, bytes: Vec<u8>) -> FileId {
        let file = self.add_source(path, bytes);
        self.parse_new_files();
        file
    }

    /// Adds a file and parses it.
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let file = self.sources.add(SourceFile::new(path, text));
        self.parse_new_files();
        file
    }

    /// Adds a file from its bytes without parsing it (see [`Project::add_bytes`]).
    fn add_source(&mut self, path: PathBuf, bytes: Vec<u8>) -> FileId {
        let source = SourceFile::from_bytes(path, bytes);
        let first_invalid = source.invalid_bytes().first().copied();
        let file = self.sources.add(source);
        if let Some(bad) = first_invalid {
            let at = bad.offset as usize;
            self.load_diagnostics.push(
                Diagnostic::error(Code::InvalidUtf8, "this file is not valid UTF-8", file, Span::new(at, at + 1))
                    .with_label(format!("byte 0x{:02X} here is not UTF-8", bad.value))
                    .with_help(format!(
                        "Journey files are UTF-8: save the file as UTF-8 (in most editors: \"Save with encoding\" / \"Reopen with encoding\"); until then each byte that is not UTF-8 is read as `{INVALID_BYTE_STAND_IN}`"
                    )),
            );
        }
        file
    }

    /// Parses the files added since the last parse, so that `parses` is indexed
    /// like `sources` again.
    fn parse_new_files(&mut self) {
        let files: Vec<(FileId, &str)> =
            self.sources.iter().skip(self.parses.len()).map(|(id, f)| (id, f.text())).collect();
        let mut parses = parse_files(&files);
        for (parse, (id, _)) in parses.iter_mut().zip(&files) {
            let invalid = self.sources.get(*id).invalid_bytes();
            if !invalid.is_empty() {
                // The stand-ins of bytes that are not UTF-8 are not characters the
                // user typed: the J0011 error already reports them.
                let stand_in = |offset: u32| invalid.binary_search_by_key(&offset, |b| b.offset).is_ok();
                parse.diagnostics.retain(|d| {
                    let at = d.primary.span;
                    d.code != Code::InvalidCharacter || at.is_empty() || !(at.start..at.end).all(stand_in)
                });
            }
        }
        self.parses.extend(parses);
    }
}

/// Below this many bytes of source, files are parsed on the calling thread:
/// starting threads would cost more than it saves.
const PARALLEL_FROM: usize = 256 * 1024;

/// Parses `files`, in order, on up to as many threads as there are cores (the
/// calling thread is one of them): each takes the largest file not yet taken.
/// Parsing is a pure function of a file's text, so the result does not depend
/// on the number of threads or on which thread parsed what.
fn parse_files(files: &[(FileId, &str)]) -> Vec<Parse> {
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || files.len() < 2 || bytes < PARALLEL_FROM {
        return files.iter().map(|(id, text)| journey_syntax::parse(*id, text)).collect();
    }
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].1.len()));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let (id, text) = files[i];
            done.push((i, journey_syntax::parse(id, text)));
        }
        done
    };
    let mut parsed: Vec<(usize, Parse)> = std::thread::scope(|scope| {
        // A thread that cannot be started leaves its share to the others.
        let helpers: Vec<_> = (1..cores.min(files.len()))
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut parsed = work();
        for helper in helpers {
            match helper.join() {
                Ok(done) => parsed.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parsed
    });
    parsed.sort_unstable_by_key(|(i, _)| *i);
    parsed.into_iter().map(|(_, parse)| parse).collect()
}
