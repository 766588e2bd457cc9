//! `journey fmt`: one canonical layout for `.journey` files.
//!
//! [`format()`] lays a file out canonically (two-space indentation, one setting, step,
//! attribute or property per line, one blank line between declarations; the rules
//! are in docs/reference.md, "Formatting"). Every comment stays where it was relative
//! to the code around it, and the result means exactly what the input meant: before
//! returning, the formatter parses its own output and checks that the syntax tree
//! (positions aside) and the place of every comment in the token sequence are the
//! same, and refuses to return anything else. A file with syntax errors is refused
//! with its diagnostics. Each file keeps its line ending ([`LineEnding`]: the first
//! line break decides). The command line (`journey fmt`) and the language server
//! format through this crate.

mod expressions;
mod layout;
mod printer;
mod strings;

use std::fmt;

use journey_diagnostics::{Diagnostic, FileId};
use journey_syntax::{CommentKind, Parse, SourceTree, TokenKind, lex, parse};

/// Why a file was not formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The file has syntax errors: its diagnostics (errors and warnings), sorted by
    /// position. Nothing was formatted.
    Syntax(Vec<Diagnostic>),
    /// The layout would not have kept the file's meaning or comments: a bug in the
    /// formatter, caught by its own check. Nothing was formatted.
    Internal(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(diagnostics) => {
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                write!(f, "the file has {errors} syntax error{}", if errors == 1 { "" } else { "s" })
            }
            FormatError::Internal(reason) => write!(
                f,
                "the formatter could not lay this file out without changing it ({reason}); \
                 this is a bug in `journey fmt`, please report it with the file"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats `text`, the contents of `file`: the one entry point of the formatter, used by
/// `journey fmt` and the language server.
///
/// Returns the canonical text, which ends with exactly one line break (or is empty when
/// the file holds nothing) and keeps the file's line ending ([`LineEnding::of`]) and byte order mark, or why the file cannot be formatted: its syntax errors (with
/// their diagnostics, which name `file`), or an internal inconsistency. A file with
/// syntax errors is never formatted, so a half-written file is never mangled; warnings
/// do not prevent formatting. Formatting is idempotent (formatting the result again
/// returns it unchanged) and keeps the file's meaning and comments, which this function
/// verifies on its result before returning it.
///
/// ```
/// use journey_diagnostics::FileId;
///
/// let text = "trigger SignedUp{source custom status published}";
/// let formatted = journey_fmt::format(FileId(0), text).unwrap();
/// assert_eq!(formatted, "trigger SignedUp {\n  source custom\n  status published\n}\n");
/// assert!(journey_fmt::format(FileId(0), "journey J { sned X }").is_err());
/// ```
pub fn format(file: FileId, text: &str) -> Result<String, FormatError> {
    let parsed = parse(file, text);
    if parsed.has_errors() {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let tokens = lex(file, text).tokens;
    let mut printer = printer::Printer::new(text, tokens, &parsed.comments);
    printer.source_tree(&parsed.tree);
    let formatted = printer.finish().map_err(FormatError::Internal)?;
    same_meaning(file, text, &parsed, &formatted).map_err(FormatError::Internal)?;
    let formatted = with_line_ending(formatted, LineEnding::of(text));
    // A byte order mark (as some Windows editors write) is kept, as the line ending is.
    Ok(if text.starts_with(BOM) { format!("{BOM}{formatted}") } else { formatted })
}

/// The UTF-8 byte order mark, kept at the start of a file that has it.
const BOM: char = '\u{FEFF}';

/// The line ending a file is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n`, as on Unix (also the choice for a file without any line break).
    Lf,
    /// `\r\n`, as on Windows.
    CrLf,
}

impl LineEnding {
    /// The line ending of `text`, decided by its first line break (as rustfmt's
    /// `newline_style = "Auto"` does): a file checked out with Windows line endings
    /// is formatted with them, so `journey fmt --check` passes on it.
    pub fn of(text: &str) -> LineEnding {
        match text.find('\n') {
            Some(at) if text[..at].ends_with('\r') => LineEnding::CrLf,
            _ => LineEnding::Lf,
        }
    }
}

/// `text` (whose lines end in `\n`) with its lines ending in `ending`.
fn with_line_ending(text: String, ending: LineEnding) -> String {
    match ending {
        LineEnding::Lf => text,
        LineEnding::CrLf => {
            let mut out = String::with_capacity(text.len() + text.len() / 16);
            for line in text.split_inclusive('\n') {
                match line.strip_suffix('\n') {
                    Some(line) => {
                        out.push_str(line.strip_suffix('\r').unwrap_or(line));
                        out.push_str("\r\n");
                    }
                    None => out.push_str(line),
                }
            }
            out
        }
    }
}

/// Checks that `formatted` parses to the tree of `original` (positions aside) and
/// keeps every comment of `original`, in the same place in the token sequence.
fn same_meaning(file: FileId, original: &str, parsed: &Parse, formatted: &str) -> Result<(), String> {
    let reparsed = parse(file, formatted);
    if let Some(error) = reparsed.diagnostics.iter().find(|d| d.is_error()) {
        return Err(format!("the result does not parse: {}", error.message));
    }
    if tree_without_positions(&reparsed.tree) != tree_without_positions(&parsed.tree) {
        return Err("the result has another syntax tree".to_owned());
    }
    if comment_places(file, original, parsed) != comment_places(file, formatted, &reparsed) {
        return Err("a comment would be lost or moved".to_owned());
    }
    Ok(())
}

/// Each comment of a file, as the formatter writes it, with the number of tokens
/// before it (commas aside: the formatter writes its own).
fn comment_places(file: FileId, text: &str, parsed: &Parse) -> Vec<(String, usize)> {
    let tokens = lex(file, text).tokens;
    let mut before = 0;
    let mut next = tokens.iter().filter(|t| t.kind != TokenKind::Comma).peekable();
    parsed
        .comments
        .iter()
        .map(|comment| {
            while next.next_if(|t| t.span.start < comment.span.start).is_some() {
                before += 1;
            }
            let raw = text.get(comment.span.range()).unwrap_or("");
            let written = match comment.kind {
                CommentKind::Block => raw.replace("\r\n", "\n"),
                CommentKind::Line | CommentKind::Doc => raw.trim_end().to_owned(),
            };
            (written, before)
        })
        .collect()
}

/// The syntax tree printed without its positions: two files with the same value mean
/// the same thing to the language (the same declarations, settings, steps, expressions,
/// literal values and documentation).
fn tree_without_positions(tree: &SourceTree) -> String {
    let printed = format!("{tree:?}");
    let mut out = String::with_capacity(printed.len());
    let mut rest = printed.as_str();
    const SPAN: &str = "Span { start: ";
    while let Some(at) = rest.find(SPAN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + SPAN.len()..];
        let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let start_digits = digits(after);
        let tail = after[start_digits..].strip_prefix(", end: ").map(|t| (t, digits(t)));
        match tail.and_then(|(t, n)| t[n..].strip_prefix(" }")) {
            Some(remaining) if start_digits > 0 => {
                out.push_str("Span");
                rest = remaining;
            }
            _ => {
                out.push_str(SPAN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format(FileId(0), text) {
            Ok(formatted) => formatted,
            Err(error) => panic!("{error}: {error:?}"),
        }
    }

    #[test]
    fn positions_are_erased_and_nothing_else() {
        let a = parse(FileId(0), "trigger A { source custom }").tree;
        let b = parse(FileId(0), "trigger   A {\n  source custom\n}\n").tree;
        let c = parse(FileId(0), "trigger A { source commerce }").tree;
        assert_eq!(tree_without_positions(&a), tree_without_positions(&b));
        assert_ne!(tree_without_positions(&a), tree_without_positions(&c));
        assert!(!tree_without_positions(&a).contains("start:"));
    }

    #[test]
    fn the_first_line_ending_decides_the_line_ending_of_the_result() {
        let crlf = "email W {\r\n  status ready\r\n  subject \"Hi\"\r\n  body \"\"\"\r\n    Hello\r\n  \"\"\"\r\n}\r\n";
        let expected =
            "email W {\r\n  status ready\r\n  subject \"Hi\"\r\n  body \"\"\"\r\n    Hello\r\n  \"\"\"\r\n}\r\n";
        assert_eq!(fmt(crlf), expected);
        assert_eq!(fmt(expected), expected, "a formatted CRLF file is left as it is");
        // Mixed endings: the first one decides, for every line.
        assert_eq!(fmt("trigger A {\r\nsource custom\n}\n"), "trigger A {\r\n  source custom\r\n}\r\n");
        assert_eq!(fmt("trigger A {\nsource custom\r\n}\r\n"), "trigger A {\n  source custom\n}\n");
        assert_eq!(LineEnding::of("no break"), LineEnding::Lf);
    }

    #[test]
    fn a_byte_order_mark_is_kept_so_a_formatted_windows_file_is_left_as_it_is() {
        let windows = "\u{FEFF}trigger A {\r\n  source custom\r\n}\r\n";
        assert_eq!(fmt(windows), windows);
        assert_eq!(fmt("\u{FEFF}trigger A{source custom}"), "\u{FEFF}trigger A {\n  source custom\n}\n");
    }

    #[test]
    fn a_one_line_declaration_is_laid_out() {
        assert_eq!(
            fmt("trigger A{source custom status published cart:{total:money,url:text}}"),
            "trigger A {\n  source custom\n  status published\n  cart: { total: money, url: text }\n}\n"
        );
    }

    #[test]
    fn transactional_is_a_setting_on_its_own_line_in_its_written_place() {
        assert_eq!(
            fmt("journey Receipt{start on OrderPlaced transactional   reentry never send Receipt to profile.email}"),
            "journey Receipt {\n  start on OrderPlaced\n  transactional\n  reentry never\n\n  send Receipt to profile.email\n}\n"
        );
    }

    #[test]
    fn syntax_errors_are_refused_with_their_diagnostics() {
        let Err(FormatError::Syntax(diagnostics)) = format(FileId(0), "journey J { sned X }") else {
            panic!("a file with a syntax error must be refused");
        };
        assert!(diagnostics.iter().any(|d| d.is_error()));
    }

    #[test]
    fn empty_files_stay_empty() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("  \n\n"), "");
        assert_eq!(fmt("// only a comment"), "// only a comment\n");
    }
}
