//! Helpers shared by the formatter's integration tests: the files to test, and the
//! two independent witnesses that formatting kept a file's meaning (the typed IR of
//! the checker, positions aside, and the token stream without comments and layout).

#![allow(dead_code)] // Each test binary uses its own subset.

use std::path::{Path, PathBuf};

use journey_check::{Mode, Project, check};
use journey_diagnostics::FileId;
use journey_fmt::FormatError;
use journey_syntax::{TokenKind, lex, literal};

pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root exists")
}

/// The `.journey` files below `dir` (recursively), sorted; none when it does not exist.
pub fn journey_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "journey") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The example projects: one folder of `examples/` each.
pub fn example_projects() -> Vec<PathBuf> {
    let mut projects: Vec<PathBuf> = std::fs::read_dir(repository_root().join("examples"))
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    projects.sort();
    projects
}

/// The single-file projects of the test corpora (`tests/diagnostics`, `tests/rules`,
/// read at test time, since they grow) and the formatter's messy inputs. A file that
/// is not UTF-8 is left out: the command line refuses it before the formatter sees it.
pub fn corpus_files() -> Vec<PathBuf> {
    let root = repository_root();
    let mut files = journey_files(&root.join("tests/diagnostics"));
    files.extend(journey_files(&root.join("tests/rules")));
    files.extend(messy_files());
    files.retain(|f| std::fs::read(f).is_ok_and(|bytes| String::from_utf8(bytes).is_ok()));
    files
}

/// The deliberately messy inputs of the snapshot tests.
pub fn messy_files() -> Vec<PathBuf> {
    journey_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/messy"))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Formats `text`, panicking with the reason when the formatter refuses it.
pub fn format(name: &str, text: &str) -> String {
    match journey_fmt::format(FileId(0), text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax(diagnostics)) => {
            let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
            panic!("{name}: refused for syntax errors: {messages:?}")
        }
        Err(error) => panic!("{name}: {error}\n--- input ---\n{text}"),
    }
}

/// Whether the file parses without errors (warnings allowed).
pub fn parses(text: &str) -> bool {
    !journey_syntax::parse(FileId(0), text).has_errors()
}

/// Replaces every `Span { start: N, end: M }` of a `Debug` rendering (compact or
/// pretty) by `Span`: what is left is the value without its source positions.
pub fn without_spans(debug: &str) -> String {
    const SPAN: &str = "Span {";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(SPAN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + SPAN.len()..];
        let end = after.find('}').expect("a span ends with `}`");
        let fields: String = after[..end].chars().filter(|c| !c.is_whitespace() && *c != ',').collect();
        let is_span = fields
            .strip_prefix("start:")
            .and_then(|f| f.split_once("end:"))
            .is_some_and(|(s, e)| s.parse::<u32>().is_ok() && e.parse::<u32>().is_ok());
        assert!(is_span, "unexpected Debug rendering of a span: {}", &rest[at..at + SPAN.len() + end + 1]);
        out.push_str("Span");
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// What the checker makes of a project of `files` (path, text): the typed IR and the
/// diagnostics (severity, code, message), all without source positions.
pub fn meaning(files: &[(PathBuf, String)]) -> String {
    let project = Project::from_texts(files.iter().cloned());
    let analysis = check(&project, Mode::Design);
    let diagnostics: Vec<String> =
        analysis.diagnostics.iter().map(|d| format!("{:?} {} {}", d.severity, d.code, d.message)).collect();
    without_spans(&format!("{:#?}\n{diagnostics:#?}", analysis.program))
}

/// The significant tokens of `text` as `kind text`, without comments, layout and the
/// optional `,` separators; a `"""` string is its value (the formatter re-indents it).
pub fn significant_tokens(text: &str) -> Vec<String> {
    lex(FileId(0), text)
        .tokens
        .iter()
        .filter(|t| t.kind != TokenKind::Comma)
        .map(|t| {
            let raw = &text[t.span.range()];
            if t.kind == TokenKind::TripleString {
                let value = literal::string_literal(FileId(0), raw, t.span.start as usize, &mut Vec::new()).value;
                format!("{:?} {value:?}", t.kind)
            } else {
                format!("{:?} {raw}", t.kind)
            }
        })
        .collect()
}

/// The comments of `text`, in order, as written (line comments without trailing spaces).
pub fn comments(text: &str) -> Vec<String> {
    lex(FileId(0), text).comments.iter().map(|c| text[c.span.range()].trim_end().replace("\r\n", "\n")).collect()
}

/// Asserts that `formatted` is the canonical form of `original` as far as the tests can
/// tell without the checker: formatting it again changes nothing, and it has the same
/// significant tokens and the same comments in the same order.
pub fn assert_formatted_form(name: &str, original: &str, formatted: &str) {
    let again = format(name, formatted);
    assert!(
        again == formatted,
        "{name}: formatting is not idempotent\n--- once ---\n{formatted}\n--- twice ---\n{again}"
    );
    assert_eq!(significant_tokens(original), significant_tokens(formatted), "{name}: the tokens changed");
    assert_eq!(comments(original), comments(formatted), "{name}: the comments changed");
    assert!(
        formatted.is_empty() || (formatted.ends_with('\n') && !formatted.ends_with("\n\n")),
        "{name}: the result must end with exactly one line break"
    );
    assert_indentation_follows_braces(name, formatted);
    for (i, line) in formatted.lines().enumerate() {
        assert!(!line.contains('\t') || in_string_or_comment(formatted, i), "{name}: a tab on line {}", i + 1);
    }
}

/// Whether line `index` of `text` lies (at least partly) inside a string or comment,
/// whose text the formatter keeps as written.
fn in_string_or_comment(text: &str, index: usize) -> bool {
    let start: usize = text.split_inclusive('\n').take(index).map(str::len).sum();
    let end = start + text.split_inclusive('\n').nth(index).map_or(0, str::len);
    let lexed = lex(FileId(0), text);
    let overlaps = |s: u32, e: u32| (s as usize) < end && start < e as usize;
    lexed.comments.iter().any(|c| overlaps(c.span.start, c.span.end))
        || lexed.tokens.iter().any(|t| {
            matches!(t.kind, TokenKind::String | TokenKind::TripleString) && overlaps(t.span.start, t.span.end)
        })
}

/// Asserts that a `}` starting a line is indented two spaces per enclosing block,
/// and that declarations and the comments between them start their lines.
fn assert_indentation_follows_braces(name: &str, text: &str) {
    let lexed = lex(FileId(0), text);
    // Tokens and comments in order: (start, end, kind; `None` for a comment).
    let mut pieces: Vec<(usize, usize, Option<TokenKind>)> =
        lexed.tokens.iter().map(|t| (t.span.start as usize, t.span.end as usize, Some(t.kind))).collect();
    pieces.extend(lexed.comments.iter().map(|c| (c.span.start as usize, c.span.end as usize, None)));
    pieces.sort_by_key(|p| p.0);
    let mut depth: usize = 0;
    // Between declarations: at the start of the file, or after a `}` that closed one.
    let mut between = true;
    let mut previous_end = 0;
    for (start, end, kind) in pieces {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let first_on_line = previous_end <= line_start && text[line_start..start].chars().all(|c| c == ' ');
        let line = text[..start].matches('\n').count() + 1;
        if kind == Some(TokenKind::RBrace) {
            depth = depth.saturating_sub(1);
            if first_on_line {
                assert_eq!(
                    start - line_start,
                    2 * depth,
                    "{name}: line {line}: a `}}` indented unlike its depth\n{text}"
                );
            }
        } else if between && first_on_line {
            assert_eq!(
                start, line_start,
                "{name}: line {line}: a declaration or comment between them is indented\n{text}"
            );
        }
        match kind {
            Some(TokenKind::LBrace) => depth += 1,
            Some(TokenKind::RBrace) => between = depth == 0,
            Some(_) => between = false,
            None => {}
        }
        previous_end = end;
    }
}
