//! Conversions between the checker's values (byte spans, diagnostics) and LSP's
//! (ranges in UTF-16 or UTF-8 columns, diagnostics with related information).

use std::path::Path;

use journey_diagnostics::{ColumnUnit, Diagnostic, LineCol, Severity, SourceFile, Span};
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range, Uri,
};

use crate::world::Snapshot;

/// The byte offset of `pos` in `file`.
pub fn offset(file: &SourceFile, pos: Position, unit: ColumnUnit) -> usize {
    file.offset(LineCol { line: pos.line, col: pos.character }, unit)
}

/// The LSP position of byte `offset` of `file`.
pub fn position(file: &SourceFile, offset: usize, unit: ColumnUnit) -> Position {
    let lc = file.position(offset, unit);
    Position { line: lc.line, character: lc.col }
}

/// The LSP range of `span` in `file`.
pub fn range(file: &SourceFile, span: Span, unit: ColumnUnit) -> Range {
    Range { start: position(file, span.start as usize, unit), end: position(file, span.end as usize, unit) }
}

/// The `file://` URI of `path`.
pub fn uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// The path of a `file://` URI (`None` for other schemes, such as `untitled:`).
pub fn path(uri: &Uri) -> Option<std::path::PathBuf> {
    if !uri.as_str().starts_with("file:") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// A checker diagnostic as an LSP diagnostic: the same code and message, the
/// help lines after the message, secondary labels as related information.
pub fn diagnostic(snap: &Snapshot, d: &Diagnostic) -> lsp::Diagnostic {
    let file = snap.file(d.primary.file);
    let mut message = d.message.clone();
    for help in &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            let f = snap.file(label.file);
            Some(DiagnosticRelatedInformation {
                location: Location { uri: uri(f.path())?, range: range(f, label.span, snap.unit) },
                message: label.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(file, d.primary.span, snap.unit),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        code_description: None,
        source: Some("journey".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
