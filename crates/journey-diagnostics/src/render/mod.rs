//! Renderings of diagnostics: for people (ariadne), as JSON, and as SARIF 2.1.0.

mod human;
mod json;
mod sarif;

pub use human::render_human;
pub use json::{json_document, render_json};
pub use sarif::{SarifRun, render_sarif};

use crate::diagnostic::{Diagnostic, Severity};
use crate::line_index::ColumnUnit;
use crate::source::{SourceMap, Span};

/// Counts of errors and warnings in a set of diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
}

impl Summary {
    /// Counts the diagnostics of each severity.
    pub fn of(diagnostics: &[Diagnostic]) -> Summary {
        let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        Summary { errors, warnings: diagnostics.len() - errors }
    }

    /// "2 errors and 1 warning", "1 error", "no problems".
    pub fn describe(self) -> String {
        fn plural(n: usize, word: &str) -> String {
            format!("{n} {word}{}", if n == 1 { "" } else { "s" })
        }
        match (self.errors, self.warnings) {
            (0, 0) => "no problems".to_owned(),
            (e, 0) => plural(e, "error"),
            (0, w) => plural(w, "warning"),
            (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
        }
    }
}

/// 1-based line and column (in characters) of the start and end of a span,
/// as machine outputs report them.
pub(crate) struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

pub(crate) fn region(map: &SourceMap, file: crate::FileId, span: Span) -> Region {
    let file = map.get(file);
    let start = file.position(span.start as usize, ColumnUnit::Char);
    let end = file.position(span.end as usize, ColumnUnit::Char);
    Region { start_line: start.line + 1, start_column: start.col + 1, end_line: end.line + 1, end_column: end.col + 1 }
}
