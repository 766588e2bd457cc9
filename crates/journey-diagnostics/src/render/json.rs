//! The JSON rendering read by scripts and editors (`journey check --format json`).

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Label};
use crate::render::{Summary, region};
use crate::source::SourceMap;

#[derive(Serialize)]
struct JsonDocument<'a> {
    format: &'static str,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    #[serde(flatten)]
    location: JsonLocation,
    label: &'a str,
    related: Vec<JsonRelated<'a>>,
    help: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    span: JsonSpan,
}

#[derive(Serialize)]
struct JsonSpan {
    start: u32,
    end: u32,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    #[serde(flatten)]
    location: JsonLocation,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    #[serde(flatten)]
    location: JsonLocation,
    replacement: &'a str,
}

fn location(map: &SourceMap, file: crate::FileId, span: crate::Span) -> JsonLocation {
    let r = region(map, file, span);
    JsonLocation {
        file: map.get(file).display_path(),
        line: r.start_line,
        column: r.start_column,
        end_line: r.end_line,
        end_column: r.end_column,
        span: JsonSpan { start: span.start, end: span.end },
    }
}

fn label_location(map: &SourceMap, label: &Label) -> JsonLocation {
    location(map, label.file, label.span)
}

fn document<'a>(map: &SourceMap, diagnostics: &'a [Diagnostic]) -> JsonDocument<'a> {
    let summary = Summary::of(diagnostics);
    JsonDocument {
        format: "journey-diagnostics/1",
        errors: summary.errors,
        warnings: summary.warnings,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
                location: label_location(map, &d.primary),
                label: &d.primary.message,
                related: d
                    .secondary
                    .iter()
                    .map(|l| JsonRelated { location: label_location(map, l), message: &l.message })
                    .collect(),
                help: &d.help,
                fix: d.fix.as_ref().map(|fix| JsonFix {
                    message: &fix.message,
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| JsonEdit { location: location(map, e.file, e.span), replacement: &e.replacement })
                        .collect(),
                }),
            })
            .collect(),
    }
}

/// The JSON document for `diagnostics`: `{"format":"journey-diagnostics/1","errors":..,
/// "warnings":..,"diagnostics":[...]}`. Lines and columns are 1-based, columns count
/// characters, `span` holds byte offsets.
pub fn json_document(map: &SourceMap, diagnostics: &[Diagnostic]) -> serde_json::Value {
    serde_json::to_value(document(map, diagnostics)).expect("diagnostics always serialize")
}

/// The JSON document as pretty-printed text ending in a newline, fields in a fixed order.
pub fn render_json(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut text = serde_json::to_string_pretty(&document(map, diagnostics)).expect("diagnostics always serialize");
    text.push('\n');
    text
}
