//! SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure DevOps) import.

use serde_json::{Value, json};

use crate::code::Code;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::render::region;
use crate::source::{FileId, SourceMap, Span};

/// Percent-encodes a relative path for a SARIF `uri` (keeps `/` and unreserved characters).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn sarif_region(map: &SourceMap, file: FileId, span: Span) -> Value {
    let r = region(map, file, span);
    json!({
        "startLine": r.start_line,
        "startColumn": r.start_column,
        "endLine": r.end_line,
        "endColumn": r.end_column,
        "byteOffset": span.start,
        "byteLength": span.len(),
    })
}

fn artifact(map: &SourceMap, file: FileId) -> Value {
    json!({ "uri": uri(&map.get(file).display_path()) })
}

fn location(map: &SourceMap, label: &Label, id: Option<usize>) -> Value {
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact(map, label.file),
            "region": sarif_region(map, label.file, label.span),
        }
    });
    if let Some(id) = id {
        location["id"] = json!(id);
    }
    if !label.message.is_empty() {
        location["message"] = json!({ "text": label.message });
    }
    location
}

fn rule(code: Code) -> Value {
    let explanation = code.explanation();
    let summary = explanation
        .lines()
        .skip(1)
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "id": code.as_str(),
        "name": code.title(),
        "shortDescription": { "text": code.title() },
        "fullDescription": { "text": summary },
        "help": { "text": explanation, "markdown": explanation },
        "defaultConfiguration": { "level": level(code.default_severity()) },
    })
}

fn result(map: &SourceMap, d: &Diagnostic) -> Value {
    let rule_index = Code::ALL.iter().position(|c| *c == d.code).expect("every code is in the catalogue");
    let mut text = d.message.clone();
    for help in &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [location(map, &d.primary, None)],
    });
    if !d.secondary.is_empty() {
        result["relatedLocations"] =
            Value::Array(d.secondary.iter().enumerate().map(|(i, l)| location(map, l, Some(i + 1))).collect());
    }
    if let Some(fix) = &d.fix {
        let changes: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "artifactLocation": artifact(map, e.file),
                    "replacements": [{
                        "deletedRegion": sarif_region(map, e.file, e.span),
                        "insertedContent": { "text": e.replacement },
                    }],
                })
            })
            .collect();
        result["fixes"] = json!([{ "description": { "text": fix.message }, "artifactChanges": changes }]);
    }
    result
}

/// The SARIF 2.1.0 log of one run of `journey` reporting `diagnostics`.
/// `tool_version` is the version of the `journey` binary.
pub fn render_sarif(map: &SourceMap, diagnostics: &[Diagnostic], tool_version: &str) -> String {
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "journey",
                    "version": tool_version,
                    "informationUri": "https://github.com/journey-lang/journey",
                    "rules": Code::ALL.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": diagnostics.iter().map(|d| result(map, d)).collect::<Vec<_>>(),
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).expect("JSON values always print");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_escape_what_is_not_a_path_character() {
        assert_eq!(uri("examples/a b/ça.journey"), "examples/a%20b/%C3%A7a.journey");
    }
}
