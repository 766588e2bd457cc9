//! SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure DevOps) import.
//!
//! Artifact URIs are relative to `%SRCROOT%` (declared in `originalUriBaseIds`) for
//! files below the root folder, and absolute `file://` URIs for files outside it.
//! Each result carries `partialFingerprints` that stay the same while the reported
//! line's text does, so a code-scanning service tracks an alert across commits.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};

use crate::code::Code;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::render::region;
use crate::source::{FileId, SourceMap, Span};

/// Where the documentation of each rule is published (`helpUri`): the explanation
/// that `journey explain CODE` prints, in the repository.
const EXPLANATIONS: &str = "https://github.com/journey-lang/journey/blob/main/crates/journey-diagnostics/explain/";

/// How a SARIF log describes its run: the tool version, the folders URIs are
/// resolved against, and the errors that stopped the run, if any.
#[derive(Clone, Copy, Debug)]
pub struct SarifRun<'a> {
    /// The version of the `journey` binary.
    pub tool_version: &'a str,
    /// The folder `%SRCROOT%` stands for, absolute (`--sarif-root`, default the current folder).
    pub root: &'a Path,
    /// The folder relative file paths are relative to (the current folder), absolute.
    pub current_dir: &'a Path,
    /// Errors that stopped the run (exit status 2): each becomes a tool execution
    /// notification, and the invocation is marked as not successful.
    pub failures: &'a [String],
}

/// Percent-encodes a path for a SARIF `uri` (keeps `/` and unreserved characters).
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

/// `path` made absolute against `base`, with `.` and `..` resolved without reading the disk.
fn absolute(base: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A path with `/` separators.
fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The `file://` URI of an absolute path (`file:///C:/x` for a Windows drive).
fn file_uri(path: &Path) -> String {
    let shown = slashed(path);
    let rooted = if shown.starts_with('/') { shown } else { format!("/{shown}") };
    // A drive letter keeps its colon.
    match rooted.get(1..3) {
        Some(drive) if drive.ends_with(':') => format!("file://{}:{}", &rooted[..2], uri(&rooted[3..])),
        _ => format!("file://{}", uri(&rooted)),
    }
}

/// The SARIF artifact location of `path`: relative to `%SRCROOT%` when below the
/// root, else an absolute `file://` URI.
fn artifact_location(run: &SarifRun, path: &Path) -> Value {
    let full = absolute(run.current_dir, path);
    match full.strip_prefix(absolute(run.current_dir, run.root)) {
        Ok(relative) => json!({ "uri": uri(&slashed(relative)), "uriBaseId": "%SRCROOT%" }),
        Err(_) => json!({ "uri": file_uri(&full) }),
    }
}

/// 64-bit FNV-1a: a small stable hash, the same on every machine and version.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The text of the line where `span` starts, without its indentation and line ending.
fn line_text(map: &SourceMap, file: FileId, span: Span) -> &str {
    let source = map.get(file);
    let line = source.position(span.start as usize, crate::line_index::ColumnUnit::Utf8).line;
    let lines = source.lines();
    let (start, end) = (lines.line_start(line).unwrap_or(0), lines.line_end(line).unwrap_or(0));
    source.text().get(start..end).unwrap_or("").trim()
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

fn artifact(run: &SarifRun, map: &SourceMap, file: FileId) -> Value {
    artifact_location(run, map.get(file).path())
}

fn location(run: &SarifRun, map: &SourceMap, label: &Label, id: Option<usize>) -> Value {
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact(run, map, label.file),
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
        "helpUri": format!("{EXPLANATIONS}{}.md", code.as_str()),
        "defaultConfiguration": { "level": level(code.default_severity()) },
    })
}

/// Counts the results that share a line hash, so that two alerts on lines with the
/// same text get different fingerprints (`hash:1`, `hash:2`, as GitHub numbers them).
#[derive(Default)]
struct Occurrences(HashMap<u64, u32>);

impl Occurrences {
    /// The fingerprints of a result of `code` starting at `span` of `file`: the hash of
    /// the line's text (indentation aside), and the hash of code, file and line text.
    fn fingerprints(&mut self, run: &SarifRun, map: &SourceMap, code: Code, file: FileId, span: Span) -> Value {
        let line = line_text(map, file, span);
        let path = artifact(run, map, file)["uri"].as_str().unwrap_or_default().to_owned();
        let line_hash = fnv1a(&[line]);
        let identity = fnv1a(&[code.as_str(), &path, line]);
        let seen = self.0.entry(identity).or_insert(0);
        *seen += 1;
        json!({
            "primaryLocationLineHash": format!("{line_hash:016x}:{seen}"),
            "journey/v1": format!("{identity:016x}:{seen}"),
        })
    }
}

fn result(run: &SarifRun, map: &SourceMap, d: &Diagnostic, occurrences: &mut Occurrences) -> Value {
    let rule_index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or_default();
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
        "locations": [location(run, map, &d.primary, None)],
        "partialFingerprints": occurrences.fingerprints(run, map, d.code, d.primary.file, d.primary.span),
    });
    if !d.secondary.is_empty() {
        result["relatedLocations"] =
            Value::Array(d.secondary.iter().enumerate().map(|(i, l)| location(run, map, l, Some(i + 1))).collect());
    }
    if let Some(fix) = &d.fix {
        let changes: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "artifactLocation": artifact(run, map, e.file),
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

/// The `uri` of a folder for `originalUriBaseIds`: a `file://` URI ending in `/`.
fn folder_uri(path: &Path) -> String {
    let mut uri = file_uri(path);
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The SARIF 2.1.0 log of one run of `journey` reporting `diagnostics`. When
/// `run.failures` is not empty, the run stopped early (exit status 2): the log
/// still has a run, whose invocation says why.
pub fn render_sarif(map: &SourceMap, diagnostics: &[Diagnostic], run: &SarifRun) -> String {
    let mut occurrences = Occurrences::default();
    let results: Vec<Value> = diagnostics.iter().map(|d| result(run, map, d, &mut occurrences)).collect();
    let notifications: Vec<Value> =
        run.failures.iter().map(|message| json!({ "level": "error", "message": { "text": message } })).collect();
    let mut invocation = json!({ "executionSuccessful": run.failures.is_empty() });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let root = absolute(run.current_dir, run.root);
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "journey",
                    "version": run.tool_version,
                    "informationUri": "https://github.com/journey-lang/journey",
                    "rules": Code::ALL.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
                }
            },
            "invocations": [invocation],
            "originalUriBaseIds": { "%SRCROOT%": { "uri": folder_uri(&root) } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceFile;

    #[test]
    fn uris_escape_what_is_not_a_path_character() {
        assert_eq!(uri("examples/a b/ça.journey"), "examples/a%20b/%C3%A7a.journey");
    }

    fn run<'a>(root: &'a Path, current_dir: &'a Path, failures: &'a [String]) -> SarifRun<'a> {
        SarifRun { tool_version: "0.1.0", root, current_dir, failures }
    }

    #[test]
    fn files_below_the_root_are_relative_to_srcroot_and_others_are_file_uris() {
        let (root, cwd) = (Path::new("/work/repo"), Path::new("/work/repo/examples"));
        let run = run(root, cwd, &[]);
        assert_eq!(
            artifact_location(&run, Path::new("cart/a b.journey")),
            json!({ "uri": "examples/cart/a%20b.journey", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location(&run, Path::new("../x.journey")),
            json!({ "uri": "x.journey", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location(&run, Path::new("/tmp/ça.journey")),
            json!({ "uri": "file:///tmp/%C3%A7a.journey" })
        );
        assert_eq!(
            artifact_location(&run, Path::new("../../other/y.journey")),
            json!({ "uri": "file:///work/other/y.journey" })
        );
        assert_eq!(folder_uri(root), "file:///work/repo/");
        assert_eq!(file_uri(Path::new("C:/src/a.journey")), "file:///C:/src/a.journey");
    }

    #[test]
    fn fingerprints_follow_the_line_text_not_its_place() {
        let fingerprint = |text: &str, at: &str| {
            let mut map = SourceMap::new();
            let file = map.add(SourceFile::new("a.journey", text));
            let start = text.find(at).expect("the place is in the text");
            let d = Diagnostic::error(Code::DuplicateItem, "twice", file, Span::new(start, start + 1));
            let log: Value =
                serde_json::from_str(&render_sarif(&map, &[d.clone(), d], &run(Path::new("/r"), Path::new("/r"), &[])))
                    .expect("JSON");
            let results = &log["runs"][0]["results"];
            (results[0]["partialFingerprints"].clone(), results[1]["partialFingerprints"].clone())
        };
        let (first, second) = fingerprint("trigger T {}\n", "T {");
        // Lines added above, and indentation, change neither fingerprint.
        assert_eq!(fingerprint("// new\n\n    trigger T {}\n", "T {"), (first.clone(), second.clone()));
        // The same line twice: numbered occurrences.
        let hash = first["primaryLocationLineHash"].as_str().expect("a string");
        assert_eq!(hash, format!("{:016x}:1", fnv1a(&["trigger T {}"])));
        assert_eq!(second["primaryLocationLineHash"], format!("{:016x}:2", fnv1a(&["trigger T {}"])));
        assert_ne!(first["journey/v1"], second["journey/v1"]);
        // Another line text: another fingerprint.
        assert_ne!(fingerprint("trigger T { }\n", "T {").0, first);
    }

    #[test]
    fn a_run_that_stopped_says_why_in_its_invocation() {
        let failures = ["`nowhere` does not exist".to_owned()];
        let log: Value = serde_json::from_str(&render_sarif(
            &SourceMap::new(),
            &[],
            &run(Path::new("/r"), Path::new("/r"), &failures),
        ))
        .expect("JSON");
        let run = &log["runs"][0];
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
        assert_eq!(
            run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"],
            "`nowhere` does not exist"
        );
        assert_eq!(run["invocations"][0]["toolExecutionNotifications"][0]["level"], "error");
        assert_eq!(run["results"], json!([]));
        assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///r/");
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(
            rule["helpUri"],
            format!(
                "https://github.com/journey-lang/journey/blob/main/crates/journey-diagnostics/explain/{}.md",
                rule["id"].as_str().unwrap_or_default()
            )
        );
    }
}
