//! Turns source text into tokens, comments and lexical diagnostics. Never fails:
//! a bad character becomes a diagnostic and is skipped.

use journey_diagnostics::{Code, Diagnostic, FileId, Span};
use logos::Logos;

use crate::parser::ParseSpan;
use crate::token::{LexError, TokenKind};

/// A significant token: its kind and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// The bytes it covers.
    pub span: Span,
}

/// The kind of a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// `// ...`
    Line,
    /// `/// ...`, documentation of the next declaration.
    Doc,
    /// `/* ... */`
    Block,
}

/// A comment kept beside the tokens, for the formatter and for hover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Line, doc or block comment.
    pub kind: CommentKind,
    /// The bytes of the whole comment, delimiters included.
    pub span: Span,
}

/// The result of lexing one file.
#[derive(Clone, Debug, Default)]
pub struct Lexed {
    /// The significant tokens, in order, including [`TokenKind::Error`] tokens for
    /// runs of invalid characters.
    pub tokens: Vec<Token>,
    /// The comments, in order.
    pub comments: Vec<Comment>,
    /// Problems found: invalid characters, unterminated strings and comments.
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether a lexing problem made a token run to the end of the file (an unclosed
/// `"""` string or `/*` comment): then brackets left open at the end are a
/// consequence, not a mistake of their own.
pub(crate) fn swallows_the_end(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.message == "unterminated multi-line string" || d.code == Code::UnterminatedComment)
}

/// Lexes `text`, the contents of `file`.
pub fn lex(file: FileId, text: &str) -> Lexed {
    let raw = lex_for_parser(file, text);
    let mut tokens: Vec<Token> =
        raw.tokens.iter().map(|(kind, s)| Token { kind: *kind, span: Span { start: s.start, end: s.end } }).collect();
    if !raw.invalid.is_empty() {
        tokens.extend(raw.invalid.iter().map(|&span| Token { kind: TokenKind::Error, span }));
        tokens.sort_by_key(|t| t.span.start);
    }
    Lexed { tokens, comments: raw.comments, diagnostics: raw.diagnostics }
}

/// Lexed tokens in the form the parser reads.
pub(crate) struct RawLexed {
    pub tokens: Vec<(TokenKind, ParseSpan)>,
    /// Runs of invalid characters (reported, and left out of `tokens`).
    pub invalid: Vec<Span>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lexes `text` into the parser's token vector.
pub(crate) fn lex_for_parser(file: FileId, text: &str) -> RawLexed {
    let mut out = RawLexed {
        tokens: Vec::with_capacity(text.len() / 6 + 16),
        invalid: Vec::new(),
        comments: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut lexer = TokenKind::lexer(text);
    let mut invalid: Option<Span> = None;
    while let Some(result) = lexer.next() {
        let mut span = Span::from(lexer.span());
        let kind = match result {
            Ok(kind) => kind,
            Err(LexError::InvalidCharacter) => {
                // Runs of invalid characters make one diagnostic.
                invalid = Some(match invalid {
                    Some(run) if run.end == span.start => run.cover(span),
                    Some(run) => {
                        out.diagnostics.push(invalid_character(file, text, run));
                        out.invalid.push(run);
                        span
                    }
                    None => span,
                });
                continue;
            }
            Err(LexError::UnterminatedString) => {
                out.diagnostics.push(
                    Diagnostic::error(Code::UnterminatedString, "unterminated string", file, span)
                        .with_label("this string has no closing `\"` on its line")
                        .with_help("close the string with `\"`; for text over several lines use a `\"\"\"` string"),
                );
                TokenKind::String
            }
            Err(LexError::UnterminatedTripleString) => {
                out.diagnostics.push(
                    Diagnostic::error(
                        Code::UnterminatedString,
                        "unterminated multi-line string",
                        file,
                        Span::new(span.start as usize, span.start as usize + 3),
                    )
                    .with_label("this `\"\"\"` string is never closed")
                    .with_help("close the string with `\"\"\"`"),
                );
                TokenKind::TripleString
            }
            Err(LexError::UnterminatedComment) => {
                out.diagnostics.push(
                    Diagnostic::error(
                        Code::UnterminatedComment,
                        "unterminated block comment",
                        file,
                        Span::new(span.start as usize, span.start as usize + 2),
                    )
                    .with_label("this comment is never closed")
                    .with_help("close it with `*/` (block comments nest: every `/*` needs its own `*/`)"),
                );
                TokenKind::BlockComment
            }
        };
        if let Some(run) = invalid.take() {
            out.diagnostics.push(invalid_character(file, text, run));
            out.invalid.push(run);
        }
        if matches!(kind, TokenKind::LineComment | TokenKind::HashComment) && text[span.range()].ends_with('\r') {
            // The `\r` of a `\r\n` line ending is not part of the comment.
            span.end -= 1;
        }
        match kind {
            TokenKind::LineComment => {
                let slice = &text[span.range()];
                let doc = slice.starts_with("///") && !slice.starts_with("////");
                out.comments.push(Comment { kind: if doc { CommentKind::Doc } else { CommentKind::Line }, span });
            }
            TokenKind::BlockComment => out.comments.push(Comment { kind: CommentKind::Block, span }),
            TokenKind::HashComment => {
                out.diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidCharacter,
                        "`#` does not start a comment",
                        file,
                        Span::new(span.start as usize, span.start as usize + 1),
                    )
                    .with_label("not a comment")
                    .with_help("comments start with `//` (or `///` to document a declaration)")
                    .with_replacement(
                        "replace `#` with `//`",
                        Span::new(span.start as usize, span.start as usize + 1),
                        "//",
                    ),
                );
                out.comments.push(Comment { kind: CommentKind::Line, span });
            }
            _ => out.tokens.push((kind, ParseSpan::from(span.start..span.end))),
        }
    }
    if let Some(run) = invalid {
        out.diagnostics.push(invalid_character(file, text, run));
        out.invalid.push(run);
    }
    join_spaced_durations(text, &mut out.tokens);
    out
}

/// Makes one duration token of a number and a unit word after it on the same
/// line (`1 d`, `3 days`, `1 mo`): the parser then reports one error with a fix
/// (`1d`), not a number without a unit and a stray word.
fn join_spaced_durations(text: &str, tokens: &mut Vec<(TokenKind, ParseSpan)>) {
    let spaced = |pair: &[(TokenKind, ParseSpan)]| {
        let [(TokenKind::Number, number), (TokenKind::Ident, word)] = pair else { return false };
        let gap = &text[number.end as usize..word.start as usize];
        !gap.is_empty()
            && gap.bytes().all(|b| b == b' ' || b == b'\t')
            && !text[number.start as usize..number.end as usize].contains('.')
            && crate::literal::is_unit_word(&text[word.start as usize..word.end as usize])
    };
    if !tokens.windows(2).any(spaced) {
        return;
    }
    let mut joined = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if i + 1 < tokens.len() && spaced(&tokens[i..i + 2]) {
            joined.push((TokenKind::Duration, ParseSpan::from(tokens[i].1.start..tokens[i + 1].1.end)));
            i += 2;
        } else {
            joined.push(tokens[i]);
            i += 1;
        }
    }
    *tokens = joined;
}

fn invalid_character(file: FileId, text: &str, span: Span) -> Diagnostic {
    let found = &text[span.range()];
    let first = found.chars().next().unwrap_or(' ');
    let shown =
        if found.chars().count() == 1 { format!("character `{found}`") } else { format!("characters `{found}`") };
    let diagnostic = Diagnostic::error(Code::InvalidCharacter, format!("invalid {shown}"), file, span);
    match first {
        ';' => diagnostic
            .with_label("`;` is not needed")
            .with_help("settings and steps are separated by spaces or new lines; remove the `;`")
            .with_replacement("remove the `;`", span, ""),
        '\'' => diagnostic.with_label("not a string delimiter").with_help("strings are written between double quotes: \"...\""),
        '%' => diagnostic.with_label("a `%` must follow a number").with_help("write a percentage as `50%`"),
        '@' => diagnostic.with_label("not a datetime").with_help("write a datetime as `@2026-12-01T09:00:00Z`"),
        _ => diagnostic.with_label("this character cannot appear here").with_help(
            "outside strings and comments, journeys use letters, digits, `_`, spaces and the symbols { } ( ) [ ] , : . == != < <= > >= + - * /",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        lex(FileId(0), text).tokens.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn words_numbers_and_operators() {
        use TokenKind::*;
        assert_eq!(
            kinds("start on AbandonedCart where cart.total > 50 and x != 1.5"),
            [KwStart, KwOn, Ident, KwWhere, Ident, Dot, Ident, Gt, Number, And, Ident, NotEq, Number]
        );
        assert_eq!(
            kinds("50% 12.5% 45s 1d12h 3days @2026-12-01T09:00:00Z"),
            [Percent, Percent, Duration, Duration, Duration, DateTime]
        );
        assert_eq!(kinds("= == ! != && || <= >= < >"), [Eq, EqEq, Bang, NotEq, AmpAmp, PipePipe, Le, Ge, Lt, Gt]);
    }

    #[test]
    fn strings_and_comments() {
        let text = "\"a \\\" b\" \"\"\"x\n\"y\"\n\"\"\" // c\n/// doc\n/* a /* nested */ b */ x";
        let lexed = lex(FileId(0), text);
        assert_eq!(
            lexed.tokens.iter().map(|t| t.kind).collect::<Vec<_>>(),
            [TokenKind::String, TokenKind::TripleString, TokenKind::Ident]
        );
        assert_eq!(
            lexed.comments.iter().map(|c| c.kind).collect::<Vec<_>>(),
            [CommentKind::Line, CommentKind::Doc, CommentKind::Block]
        );
        assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
    }

    #[test]
    fn unterminated_strings_stop_at_the_end_of_the_line() {
        let lexed = lex(FileId(0), "subject \"oops\nbody \"fine\"");
        assert_eq!(lexed.tokens.len(), 4);
        assert_eq!(lexed.tokens[1].span, Span::new(8, 13));
        assert_eq!(lexed.diagnostics.len(), 1);
        assert_eq!(lexed.diagnostics[0].code, Code::UnterminatedString);
        let escaped = lex(FileId(0), "\"a\\\\\" \"b\\\"");
        assert_eq!(escaped.diagnostics.len(), 1, "only the second string is unterminated");
        assert_eq!(escaped.diagnostics[0].primary.span, Span::new(6, 10));
    }

    #[test]
    fn invalid_characters_are_reported_once_per_run_and_skipped() {
        let lexed = lex(FileId(0), "send € €€ x; y");
        let kinds: Vec<_> = lexed.tokens.iter().map(|t| t.kind).collect();
        use TokenKind::*;
        assert_eq!(kinds, [KwSend, Error, Error, Ident, Error, Ident]);
        assert_eq!(lexed.tokens[2].span, Span::new(9, 15), "a run of invalid characters is one token");
        assert_eq!(lex_for_parser(FileId(0), "send € €€ x; y").tokens.len(), 3, "the parser never sees them");
        let messages: Vec<_> = lexed.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["invalid character `€`", "invalid characters `€€`", "invalid character `;`"]);
    }

    #[test]
    fn line_comments_end_before_the_carriage_return_of_a_crlf() {
        let text = "// a\r\n/// b\r\n# c\r\nx // d\r";
        let spans: Vec<Span> = lex(FileId(0), text).comments.iter().map(|c| c.span).collect();
        assert_eq!(spans, [Span::new(0, 4), Span::new(6, 11), Span::new(13, 16), Span::new(20, 24)]);
    }

    #[test]
    fn unterminated_block_comment() {
        let lexed = lex(FileId(0), "x /* a /* b */");
        assert_eq!(lexed.diagnostics.len(), 1);
        assert_eq!(lexed.diagnostics[0].code, Code::UnterminatedComment);
    }
}
