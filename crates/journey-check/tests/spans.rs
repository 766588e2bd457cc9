//! Spans and columns are those of the file's bytes: a file that is not UTF-8, a
//! byte order mark and CRLF line endings move no span and no column.

use std::path::PathBuf;

use journey_check::{Mode, Project, check};
use journey_diagnostics::render::render_json;
use journey_diagnostics::{Code, Diagnostic, Span};

fn checked(bytes: &[u8]) -> (Project, Vec<Diagnostic>) {
    let mut project = Project::default();
    project.add_bytes(PathBuf::from("a.journey"), bytes.to_vec());
    let diagnostics = check(&project, Mode::Design).diagnostics;
    (project, diagnostics)
}

fn find(diagnostics: &[Diagnostic], code: Code) -> &Diagnostic {
    diagnostics.iter().find(|d| d.code == code).unwrap_or_else(|| panic!("a {code} in {diagnostics:#?}"))
}

#[test]
fn a_byte_that_is_not_utf8_at_the_end_of_the_file_is_inside_the_file() {
    // 26 bytes of text, then 0xFF at offset 26: the file has 27 bytes.
    let bytes = b"segment S { source list }\n\xFF";
    let (project, diagnostics) = checked(bytes);
    let bad = find(&diagnostics, Code::InvalidUtf8);
    assert_eq!(bad.primary.span, Span::new(26, 27));
    assert_eq!(bad.primary.message, "byte 0xFF here is not UTF-8");
    assert_eq!(project.sources.get(bad.primary.file).text().len(), bytes.len());
    // The stand-in is not also reported as a character the user typed.
    assert!(!diagnostics.iter().any(|d| d.code == Code::InvalidCharacter), "{diagnostics:#?}");
}

#[test]
fn spans_after_bytes_that_are_not_utf8_are_those_of_the_file() {
    // Two Latin-1 bytes (`é` `è`) in the subject; `Missing` starts at byte 83 of the file.
    let bytes: &[u8] = b"email Welcome {\n  status ready\n  subject \"\xE9t\xE9\"\n  body \"x\"\n}\njourney J {\n  start on Missing\n  send Welcome to profile.email\n}\n";
    let at = bytes.windows(7).position(|w| w == b"Missing").expect("the name is in the file");
    assert_eq!(at, 83);
    let (project, diagnostics) = checked(bytes);
    assert_eq!(find(&diagnostics, Code::InvalidUtf8).primary.span, Span::new(42, 43));
    let unknown = diagnostics
        .iter()
        .find(|d| d.message.contains("Missing"))
        .unwrap_or_else(|| panic!("an error naming `Missing` in {diagnostics:#?}"));
    assert_eq!(unknown.primary.span, Span::new(83, 90));
    let json = render_json(&project.sources, std::slice::from_ref(unknown));
    assert!(json.contains("\"line\": 7,\n      \"column\": 12,"), "{json}");
    assert!(json.contains("\"start\": 83,\n        \"end\": 90"), "{json}");
}

#[test]
fn a_byte_order_mark_is_not_a_column() {
    // The BOM is bytes 0..3; the second `S` is byte 11, column 9 as an editor shows it.
    let (project, diagnostics) = checked(b"\xEF\xBB\xBFsegment S { source list }\nsegment S { source list }\n");
    let duplicate = find(&diagnostics, Code::DuplicateDeclaration);
    let first = &duplicate.secondary[0];
    assert_eq!(first.span, Span::new(11, 12));
    let json = render_json(&project.sources, std::slice::from_ref(duplicate));
    assert!(json.contains("\"line\": 1,\n          \"column\": 9,"), "{json}");
    assert!(json.contains("\"line\": 2,\n      \"column\": 9,"), "{json}");
}

#[test]
fn a_doc_comment_span_ends_before_the_carriage_return() {
    let text = b"segment S { source list }\r\n/// nothing follows\r\n";
    let (_, diagnostics) = checked(text);
    let dangling = find(&diagnostics, Code::DanglingDocComment);
    // `///` starts at byte 27; the comment is 19 bytes, the `\r` is byte 46.
    assert_eq!(dangling.primary.span, Span::new(27, 46));
}
