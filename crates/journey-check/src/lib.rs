//! The Journey checker.
//!
//! [`Project`] holds the files of a project, read and parsed; [`check`] runs
//! every rule of the language over them and returns the diagnostics. The
//! command line (`journey check`, `journey build`) and the language server call
//! this same analysis.

mod project;

pub use project::{LoadError, Project, discover};

use journey_diagnostics::{Diagnostic, sort_diagnostics};

/// When the check runs: while editing, or before publishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `journey check` and the editor: publish-readiness problems are warnings.
    Design,
    /// `journey build`: publish-readiness problems are errors.
    Publish,
}

/// The result of checking a project.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks `project` in `mode`.
pub fn check(project: &Project, mode: Mode) -> Analysis {
    let _ = mode;
    let mut diagnostics: Vec<Diagnostic> = project.load_diagnostics.clone();
    for parse in &project.parses {
        diagnostics.extend(parse.diagnostics.iter().cloned());
    }
    sort_diagnostics(&mut diagnostics);
    Analysis { diagnostics }
}
