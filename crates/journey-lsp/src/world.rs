//! The server's state: the workspace roots, the open buffers, and the checked
//! projects (cached until one of their files changes).
//!
//! # Which project a file belongs to
//!
//! A project is a folder (spec §1). A workspace folder the editor opens is
//! usually one project, but it may hold several (this repository's `examples/`
//! holds eight). The rule: the project of a file is the **shallowest folder,
//! from its workspace folder down to the file's own folder, that directly
//! holds a `.journey` file**. So a workspace folder with `.journey` files at
//! its top is one project (subfolders included, as `journey check` would see
//! it); a workspace folder without any, such as `examples/`, holds one project
//! per subfolder. A file outside every workspace folder is a project with the
//! other files of its own folder.
//!
//! Unopened files are read from disk; an open buffer overrides its file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use journey_check::{Analysis, Mode, Project};
use journey_diagnostics::{ColumnUnit, FileId, LineCol, LineIndex, SourceFile};
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent};

/// An open buffer.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The version the client gave it last.
    pub version: i32,
    /// Its text, with every change applied so far.
    pub text: String,
}

/// A checked project: its files (open buffers over disk), their check, and the
/// versions of the open buffers it was built from.
#[derive(Debug)]
pub struct Snapshot {
    /// The project folder.
    pub root: PathBuf,
    /// The files, read and parsed.
    pub project: Project,
    /// The checker's diagnostics and typed IR.
    pub analysis: Analysis,
    /// The version of each file that came from an open buffer.
    pub versions: HashMap<FileId, i32>,
    /// How columns are counted (the negotiated position encoding).
    pub unit: ColumnUnit,
}

impl Snapshot {
    /// The file at `path`, if it is part of the project.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.project.sources.iter().find(|(_, f)| f.path() == path).map(|(id, _)| id)
    }

    /// The source file `id`.
    pub fn file(&self, id: FileId) -> &SourceFile {
        self.project.sources.get(id)
    }
}

/// What the server knows.
#[derive(Debug)]
pub struct World {
    /// The workspace folders.
    pub roots: Vec<PathBuf>,
    /// How columns are counted: UTF-16 (the LSP default) or UTF-8 when the client offers it.
    pub unit: ColumnUnit,
    docs: HashMap<PathBuf, Doc>,
    cache: HashMap<PathBuf, Arc<Snapshot>>,
}

impl Default for World {
    fn default() -> Self {
        World { roots: Vec::new(), unit: ColumnUnit::Utf16, docs: HashMap::new(), cache: HashMap::new() }
    }
}

/// What happened to a change sent by the client.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied.
    Yes,
    /// Ignored: the buffer is not open, or the version is not newer.
    Stale,
}

impl World {
    /// A world with the given workspace folders.
    pub fn new(roots: Vec<PathBuf>, unit: ColumnUnit) -> World {
        World { roots, unit, ..World::default() }
    }

    /// The open buffer at `path`.
    pub fn doc(&self, path: &Path) -> Option<&Doc> {
        self.docs.get(path)
    }

    /// The paths of the open buffers, sorted.
    pub fn open_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.docs.keys().cloned().collect();
        paths.sort();
        paths
    }

    /// Opens (or reopens) a buffer.
    pub fn open(&mut self, path: PathBuf, version: i32, text: String) {
        self.invalidate(&path);
        self.docs.insert(path, Doc { version, text });
    }

    /// Closes a buffer: the file is read from disk again.
    pub fn close(&mut self, path: &Path) {
        self.invalidate(path);
        self.docs.remove(path);
    }

    /// Applies the changes of `version` to the buffer at `path`, in order.
    ///
    /// Changes are applied in the order they arrive, which is the order the
    /// client sent them (see [`crate::server`]). Versions only grow, but not
    /// always by one (Neovim sends its `changedtick`), so any newer version is
    /// applied and a version that is not newer than the buffer's is ignored.
    pub fn change(&mut self, path: &Path, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> Applied {
        let unit = self.unit;
        let Some(doc) = self.docs.get_mut(path) else { return Applied::Stale };
        if version <= doc.version {
            return Applied::Stale;
        }
        apply(&mut doc.text, &changes, unit);
        doc.version = version;
        self.invalidate(path);
        Applied::Yes
    }

    /// Forgets every checked project (files changed on disk).
    pub fn invalidate_all(&mut self) {
        self.cache.clear();
    }

    fn invalidate(&mut self, path: &Path) {
        let root = self.project_root(path);
        self.cache.remove(&root);
    }

    /// Forgets the checked project in folder `root`.
    pub fn invalidate_root(&mut self, root: &Path) {
        self.cache.remove(root);
    }

    /// The project folder of the file at `path` (see the module documentation).
    pub fn project_root(&self, path: &Path) -> PathBuf {
        self.project_root_with(path, &mut HashMap::new())
    }

    /// [`World::project_root`], remembering in `holds` which folders hold `.journey` files.
    fn project_root_with(&self, path: &Path, holds: &mut HashMap<PathBuf, bool>) -> PathBuf {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let workspace = self.roots.iter().filter(|r| path.starts_with(r)).max_by_key(|r| r.components().count());
        let Some(workspace) = workspace else { return dir };
        let mut chain: Vec<&Path> = dir.ancestors().take_while(|a| a.starts_with(workspace)).collect();
        chain.reverse();
        for folder in chain {
            let found = match holds.get(folder) {
                Some(&found) => found,
                None => {
                    let found = self.holds_journey_files(folder);
                    holds.insert(folder.to_path_buf(), found);
                    found
                }
            };
            if found {
                return folder.to_path_buf();
            }
        }
        dir
    }

    fn holds_journey_files(&self, folder: &Path) -> bool {
        if self.docs.keys().any(|p| p.parent() == Some(folder)) {
            return true;
        }
        let Ok(entries) = std::fs::read_dir(folder) else { return false };
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".journey") && !name.starts_with('.') && e.file_type().is_ok_and(|t| t.is_file())
        })
    }

    /// The checked project of the file at `path` (from the cache, or checked now).
    pub fn snapshot_of(&mut self, path: &Path) -> Arc<Snapshot> {
        let root = self.project_root(path);
        self.snapshot(&root)
    }

    /// The checked project in folder `root`.
    pub fn snapshot(&mut self, root: &Path) -> Arc<Snapshot> {
        if let Some(s) = self.cache.get(root) {
            return s.clone();
        }
        let snapshot = Arc::new(self.build(root));
        self.cache.insert(root.to_path_buf(), snapshot.clone());
        snapshot
    }

    fn build(&self, root: &Path) -> Snapshot {
        // The files under `root` that belong to another project (a subfolder's,
        // when `root` holds no `.journey` file of its own) are left out.
        let mut holds = HashMap::new();
        let mut paths = journey_check::discover(root).unwrap_or_default();
        paths.retain(|path| self.project_root_with(path, &mut holds) == root);
        for path in self.docs.keys() {
            if path.starts_with(root) && !paths.contains(path) && self.project_root_with(path, &mut holds) == root {
                paths.push(path.clone());
            }
        }
        paths.sort();
        // Open documents as the editor has them, the other files as on disk; a file
        // that cannot be read is left out. Parsed together, on every core.
        let mut files = Vec::with_capacity(paths.len());
        let mut open = Vec::with_capacity(paths.len());
        for path in paths {
            let (bytes, version) = match self.docs.get(&path) {
                Some(doc) => (doc.text.clone().into_bytes(), Some(doc.version)),
                None => match std::fs::read(&path) {
                    Ok(bytes) => (bytes, None),
                    Err(_) => continue,
                },
            };
            files.push((path, bytes));
            open.push(version);
        }
        let mut project = Project::default();
        let ids = project.add_files(files);
        let versions: HashMap<_, _> =
            ids.into_iter().zip(open).filter_map(|(id, version)| Some((id, version?))).collect();
        let analysis = journey_check::check(&project, Mode::Design);
        Snapshot { root: root.to_path_buf(), project, analysis, versions, unit: self.unit }
    }

    /// Every project folder of the workspace (for workspace symbols).
    pub fn project_roots(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        let mut files: Vec<PathBuf> = self.docs.keys().cloned().collect();
        for root in &self.roots {
            files.extend(journey_check::discover(root).unwrap_or_default());
        }
        for file in files {
            let root = self.project_root(&file);
            if !out.contains(&root) {
                out.push(root);
            }
        }
        out.sort();
        out
    }
}

/// Applies LSP content changes to `text`, in order.
pub fn apply(text: &mut String, changes: &[TextDocumentContentChangeEvent], unit: ColumnUnit) {
    for change in changes {
        match change.range {
            None => *text = change.text.clone(),
            Some(range) => {
                let index = LineIndex::new(text);
                let start = offset_in(&index, text, range.start, unit);
                let end = offset_in(&index, text, range.end, unit).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
}

fn offset_in(index: &LineIndex, text: &str, pos: Position, unit: ColumnUnit) -> usize {
    index.offset(text, LineCol { line: pos.line, col: pos.character }, unit)
}
