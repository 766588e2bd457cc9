//! What has been published: for each file, the diagnostics last sent, the
//! project they were computed in, and how recent that computation is.
//!
//! Handlers run concurrently, so a check computed earlier may reach the send
//! after a later one. Each check gets a *generation* (a counter taken while the
//! state is locked, so generations follow the order of the edits), and the
//! [`Ledger`] never sends a file a result older than one already sent.
//! It also clears the files that have left a project: a project that no longer
//! holds a file it published diagnostics for (the file was deleted, renamed, or
//! now belongs to another project) publishes an empty list for it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use tower_lsp_server::ls_types::{Diagnostic, Uri};

/// The diagnostics of one file, from one check of its project.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDiagnostics {
    /// The file.
    pub uri: Uri,
    /// Its path.
    pub path: PathBuf,
    /// The diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// The version of the open buffer they were computed from.
    pub version: Option<i32>,
}

/// The result of one check of one project, to publish.
#[derive(Debug, Clone)]
pub struct Batch {
    /// When it was computed: later checks have larger generations.
    pub generation: u64,
    /// The project folder.
    pub root: PathBuf,
    /// Every file of the project.
    pub files: Vec<FileDiagnostics>,
    /// Files published even when their diagnostics did not change (the file
    /// edited: the editor waits for its new version), and cleared when they are
    /// not in the project.
    pub own: Vec<(Uri, PathBuf)>,
}

/// What was last sent for one file.
#[derive(Debug, Clone)]
struct Sent {
    generation: u64,
    root: PathBuf,
    path: PathBuf,
    diagnostics: Vec<Diagnostic>,
}

/// What has been published, file by file.
#[derive(Debug, Default)]
pub struct Ledger {
    files: HashMap<Uri, Sent>,
}

impl Ledger {
    /// The notifications to send for `batch`, in order, as (file, diagnostics,
    /// version); records them as sent. Leaves out a file already sent a newer
    /// result, a file of the project whose diagnostics did not change (unless
    /// it is one of `own`), and clears the files this project published before
    /// and no longer holds.
    pub fn admit(&mut self, batch: Batch) -> Vec<(Uri, Vec<Diagnostic>, Option<i32>)> {
        let mut out = Vec::new();
        let Batch { generation, root, files, own } = batch;
        let held: HashSet<&Uri> = files.iter().map(|f| &f.uri).collect();
        let held_by = |uri: &Uri| held.contains(uri);
        let is_own = |uri: &Uri| own.iter().any(|(o, _)| o == uri);
        for file in &files {
            let sent = self.files.get(&file.uri);
            if sent.is_some_and(|s| s.generation > generation) {
                continue;
            }
            let same = sent.is_some_and(|s| s.diagnostics == file.diagnostics);
            if !same || is_own(&file.uri) {
                out.push((file.uri.clone(), file.diagnostics.clone(), file.version));
            }
            let sent =
                Sent { generation, root: root.clone(), path: file.path.clone(), diagnostics: file.diagnostics.clone() };
            self.files.insert(file.uri.clone(), sent);
        }
        // Files that left this project, and own files that are in no project.
        let mut gone: Vec<(Uri, PathBuf)> = self
            .files
            .iter()
            .filter(|(uri, s)| s.root == root && s.generation < generation && !held_by(uri))
            .map(|(uri, s)| (uri.clone(), s.path.clone()))
            .collect();
        gone.extend(own.iter().filter(|(uri, _)| !held_by(uri)).cloned());
        gone.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        gone.dedup_by(|a, b| a.0 == b.0);
        for (uri, path) in gone {
            let sent = self.files.get(&uri);
            if sent.is_some_and(|s| s.generation > generation) {
                continue;
            }
            if sent.is_none_or(|s| !s.diagnostics.is_empty()) || is_own(&uri) {
                out.push((uri.clone(), Vec::new(), None));
            }
            self.files.insert(uri, Sent { generation, root: root.clone(), path, diagnostics: Vec::new() });
        }
        out
    }

    /// The files published, with the project each was published in.
    pub fn placed(&self) -> Vec<(PathBuf, PathBuf)> {
        let mut out: Vec<(PathBuf, PathBuf)> = self.files.values().map(|s| (s.path.clone(), s.root.clone())).collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn file(name: &str, errors: usize, version: Option<i32>) -> FileDiagnostics {
        let path = PathBuf::from(format!("/p/{name}.journey"));
        let diagnostic = Diagnostic {
            range: Range::new(Position::new(0, 0), Position::new(0, 1)),
            message: "an error".into(),
            ..Diagnostic::default()
        };
        FileDiagnostics {
            uri: format!("file:///p/{name}.journey").parse().unwrap(),
            path,
            diagnostics: vec![diagnostic; errors],
            version,
        }
    }

    fn batch(generation: u64, files: Vec<FileDiagnostics>, own: &[&str]) -> Batch {
        let own = own
            .iter()
            .map(|n| (format!("file:///p/{n}.journey").parse().unwrap(), PathBuf::from(format!("/p/{n}.journey"))))
            .collect();
        Batch { generation, root: PathBuf::from("/p"), files, own }
    }

    fn sent(out: &[(Uri, Vec<Diagnostic>, Option<i32>)]) -> Vec<(String, usize)> {
        out.iter().map(|(u, d, _)| (u.as_str().trim_start_matches("file:///p/").to_owned(), d.len())).collect()
    }

    #[test]
    fn a_check_older_than_one_already_sent_is_not_sent() {
        // two quick `didOpen`s: the second check (generation 2) reaches the send first
        let mut ledger = Ledger::default();
        let newer = ledger.admit(batch(2, vec![file("a", 0, Some(1)), file("b", 0, Some(1))], &["b"]));
        assert_eq!(sent(&newer), [("a.journey".into(), 0), ("b.journey".into(), 0)]);
        let older = ledger.admit(batch(1, vec![file("a", 1, Some(1))], &["a"]));
        assert_eq!(sent(&older), [], "the older check of `a` is dropped, and `b` is not cleared by it");
        // a newer check goes through
        let next = ledger.admit(batch(3, vec![file("a", 2, Some(2)), file("b", 0, Some(1))], &["a"]));
        assert_eq!(sent(&next), [("a.journey".into(), 2)], "`b` did not change");
    }

    #[test]
    fn a_file_that_left_the_project_is_cleared_once() {
        let mut ledger = Ledger::default();
        ledger.admit(batch(1, vec![file("a", 0, Some(1)), file("gone", 1, None)], &["a"]));
        let after = ledger.admit(batch(2, vec![file("a", 0, Some(1))], &["a"]));
        assert_eq!(sent(&after), [("a.journey".into(), 0), ("gone.journey".into(), 0)]);
        let again = ledger.admit(batch(3, vec![file("a", 0, Some(1))], &[]));
        assert_eq!(sent(&again), []);
    }
}
