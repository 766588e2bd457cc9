//! A pass over the tokens, before parsing, that makes brackets balanced and
//! bounds their nesting:
//!
//! - when the indentation accounts for every unbalanced bracket (an `else` not
//!   after a `}`, or a line no deeper than the line that opened a block), the
//!   block is closed there and reported there, with a fix (`} else {`);
//! - otherwise a closing bracket with no opener is reported and dropped;
//! - an opener never closed is reported once, at the opener, and closed where
//!   the file ends, where an enclosing bracket closes, or where a new
//!   declaration starts at the beginning of a line (a `journey`, `trigger`...
//!   keyword in column 1 followed by its name and `{`), so that one missing `}`
//!   does not swallow the rest of the file;
//! - brackets nested deeper than [`MAX_NESTING`] are reported and their insides
//!   are dropped, so that no later stage recurses without bound.
//!
//! The parser then reports only real syntax errors, never one error per
//! unbalanced bracket.

use journey_diagnostics::{Code, Diagnostic, FileId, Span};

use crate::parser::ParseSpan;
use crate::token::TokenKind;

/// How deep `{ ( [` may nest. Journeys rarely go past 10.
pub const MAX_NESTING: usize = 64;

/// A token as the parser reads it.
type Token = (TokenKind, ParseSpan);

fn kind(token: &Token) -> TokenKind {
    token.0
}

fn span_of(token: &Token) -> Span {
    Span { start: token.1.start, end: token.1.end }
}

fn token(kind: TokenKind, span: Span) -> Token {
    (kind, ParseSpan::from(span.start..span.end))
}

/// Tokens with balanced brackets, and where the parser must stay silent.
pub(crate) struct Balanced {
    /// The tokens to parse.
    pub tokens: Vec<Token>,
    /// Regions whose insides were dropped; parse errors inside are not reported.
    pub silenced: Vec<Span>,
    /// Problems with brackets.
    pub diagnostics: Vec<Diagnostic>,
}

fn closer_of(kind: TokenKind) -> Option<TokenKind> {
    match kind {
        TokenKind::LBrace => Some(TokenKind::RBrace),
        TokenKind::LParen => Some(TokenKind::RParen),
        TokenKind::LBracket => Some(TokenKind::RBracket),
        _ => None,
    }
}

fn is_closer(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket)
}

fn symbol(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::LBrace => "{",
        TokenKind::RBrace => "}",
        TokenKind::LParen => "(",
        TokenKind::RParen => ")",
        TokenKind::LBracket => "[",
        _ => "]",
    }
}

/// Whether token `i` starts a declaration at the beginning of a line: a declaration
/// keyword in column 1, followed by `{` (for `profile`) or by a name and `{`.
fn starts_declaration_at_line_start(text: &str, tokens: &[Token], i: usize) -> bool {
    let start = tokens[i].1.start as usize;
    if start > 0 && text.as_bytes()[start - 1] != b'\n' {
        return false;
    }
    let next = |k: usize| tokens.get(i + k).map(kind);
    match tokens[i].0 {
        TokenKind::KwProfile => next(1) == Some(TokenKind::LBrace),
        TokenKind::KwTrigger
        | TokenKind::KwEmail
        | TokenKind::KwSms
        | TokenKind::KwPush
        | TokenKind::KwSegment
        | TokenKind::KwJourney => next(1).is_some_and(TokenKind::is_word) && next(2) == Some(TokenKind::LBrace),
        _ => false,
    }
}

fn unclosed(file: FileId, opener: Token, closed_at: Span, reason: &str) -> Diagnostic {
    let open = symbol(opener.0);
    let close = symbol(closer_of(opener.0).unwrap_or(TokenKind::RBrace));
    Diagnostic::error(Code::UnclosedDelimiter, format!("unclosed `{open}`"), file, span_of(&opener))
        .with_label(format!("this `{open}` is never closed"))
        .with_secondary(file, closed_at, reason)
        .with_help(format!("add the matching `{close}`"))
}

/// Whether `tokens` need no change: every bracket matched, none nested too deeply,
/// and no declaration keyword at the start of a line inside brackets.
fn already_balanced(text: &str, tokens: &[Token]) -> bool {
    let mut open: Vec<TokenKind> = Vec::with_capacity(MAX_NESTING);
    for (i, &(kind, _)) in tokens.iter().enumerate() {
        if let Some(closer) = closer_of(kind) {
            if open.len() >= MAX_NESTING {
                return false;
            }
            open.push(closer);
        } else if is_closer(kind) {
            if open.pop() != Some(kind) {
                return false;
            }
        } else if !open.is_empty() && kind.keyword().is_some() && starts_declaration_at_line_start(text, tokens, i) {
            return false;
        }
    }
    open.is_empty()
}

/// The line of each token, found by one scan of the text from token to token
/// (a long line with many tokens costs no more than a short one).
struct Lines<'a> {
    text: &'a str,
    /// How far the text was scanned for line breaks.
    scanned: usize,
    /// Where the line of the last token starts, its 1-based number and its indentation.
    start: usize,
    number: usize,
    indent: &'a str,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let mut lines = Lines { text, scanned: 0, start: 0, number: 1, indent: "" };
        lines.indent = lines.indentation();
        lines
    }

    fn indentation(&self) -> &'a str {
        let line = &self.text[self.start..];
        &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
    }

    /// Moves to the line of byte `offset` (offsets only grow).
    fn advance_to(&mut self, offset: usize) {
        let gap = &self.text[self.scanned..offset];
        if let Some(last) = gap.rfind('\n') {
            self.number += gap.bytes().filter(|&b| b == b'\n').count();
            self.start = self.scanned + last + 1;
            self.indent = self.indentation();
        }
        self.scanned = offset;
    }
}

/// A `{` still open during [`close_by_indentation`].
struct OpenBlock<'a> {
    opener: Token,
    /// The 1-based line of the opener.
    line: usize,
    /// The indentation of the opener's line.
    indent: &'a str,
    /// Whether a line inside the block is indented deeper than the opener's line:
    /// then the file's indentation shows where the block ends.
    indented_inside: bool,
}

/// Why a block is taken to end before a token.
enum ImpliedEnd {
    /// An `else` right after something else than `}`.
    Else,
    /// A line indented no deeper than the line that opened the block.
    Dedent,
}

/// The balancing a person reads from the indentation, as rustc does: a `{`
/// whose block is followed by an `else` not after a `}`, or by a line indented
/// no deeper than the `{`'s own line, was not closed there. Used only when it
/// accounts for every unbalanced bracket of the file (`None` otherwise, and
/// the plain balancing applies), so a file whose indentation means nothing is
/// never misread.
fn close_by_indentation(file: FileId, text: &str, tokens: &[Token]) -> Option<Balanced> {
    let mut out =
        Balanced { tokens: Vec::with_capacity(tokens.len() + 2), silenced: Vec::new(), diagnostics: Vec::new() };
    let mut open: Vec<OpenBlock> = Vec::new();
    let mut lines = Lines::new(text);
    let mut previous_end = 0;
    for (i, &current) in tokens.iter().enumerate() {
        let (current_kind, current_span) = (current.0, span_of(&current));
        let at = current_span.start as usize;
        lines.advance_to(at);
        // First of its line: the token before it ended on an earlier line.
        let starts_line = i == 0 || previous_end <= lines.start;
        previous_end = current_span.end as usize;
        let indent = lines.indent.len();
        let mut else_closed = false;
        while let Some(top) = open.last() {
            let after_closer = i > 0 && tokens[i - 1].0 == TokenKind::RBrace;
            let implied = if top.opener.0 != TokenKind::LBrace {
                None
            } else if current_kind == TokenKind::KwElse && !after_closer && !else_closed {
                Some(ImpliedEnd::Else)
            } else if starts_line
                && ((current_kind == TokenKind::RBrace && indent < top.indent.len())
                    || (!is_closer(current_kind) && top.indented_inside && indent <= top.indent.len()))
            {
                // A `}` left of the block's line, or any other line no deeper than it.
                Some(ImpliedEnd::Dedent)
            } else {
                None
            };
            let Some(implied) = implied else { break };
            let block = open.pop().expect("the loop saw a top block");
            else_closed |= matches!(implied, ImpliedEnd::Else);
            let new_declaration = starts_declaration_at_line_start(text, tokens, i);
            out.diagnostics.push(not_closed(file, &block, lines.start, current_span, &implied, new_declaration));
            out.tokens.push(token(TokenKind::RBrace, Span::empty(at)));
        }
        if starts_line
            && let Some(top) = open.last_mut()
            && indent > top.indent.len()
        {
            top.indented_inside = true;
        }
        if closer_of(current_kind).is_some() {
            if open.len() >= MAX_NESTING {
                return None;
            }
            open.push(OpenBlock { opener: current, line: lines.number, indent: lines.indent, indented_inside: false });
        } else if is_closer(current_kind) {
            if open.pop().and_then(|o| closer_of(o.opener.0)) != Some(current_kind) {
                return None;
            }
        } else if !open.is_empty() && starts_declaration_at_line_start(text, tokens, i) {
            return None;
        }
        out.tokens.push(current);
    }
    (open.is_empty() && !out.diagnostics.is_empty()).then_some(out)
}

/// The error for a block the indentation shows is not closed before `before`,
/// with the fix that closes it there.
/// `line_start` is where the line of `before` starts; `new_declaration`, whether
/// `before` starts a declaration.
fn not_closed(
    file: FileId,
    block: &OpenBlock,
    line_start: usize,
    before: Span,
    implied: &ImpliedEnd,
    new_declaration: bool,
) -> Diagnostic {
    let opener = span_of(&block.opener);
    let opened = format!("the `{{` on line {}", block.line);
    let error = Diagnostic::error(Code::UnclosedDelimiter, "this block is not closed", file, before).with_secondary(
        file,
        opener,
        "this `{` is never closed",
    );
    match implied {
        ImpliedEnd::Else => error
            .with_label("`}` is missing before this `else`")
            .with_help(format!("close {opened} before `else`: `}} else {{`"))
            .with_replacement("write `} else`", Span::empty(before.start as usize), "} "),
        ImpliedEnd::Dedent => {
            let indent = block.indent;
            let label = if new_declaration {
                "a new declaration starts here".to_owned()
            } else {
                "the indentation shows the block ends before this line".to_owned()
            };
            error
                .with_label(label)
                .with_help(format!("close {opened} with a `}}` on its own line before this one"))
                .with_replacement("add the `}`", Span::empty(line_start), format!("{indent}}}\n"))
        }
    }
}

/// Balances the brackets of `tokens` (lexed from `text`). When `end_swallowed`
/// (an unclosed string or comment ran to the end of the file), brackets still open
/// at the end are closed silently: the lexer's error already explains them.
pub(crate) fn balance(file: FileId, text: &str, tokens: Vec<Token>, end_swallowed: bool) -> Balanced {
    if already_balanced(text, &tokens) {
        return Balanced { tokens, silenced: Vec::new(), diagnostics: Vec::new() };
    }
    if !end_swallowed && let Some(balanced) = close_by_indentation(file, text, &tokens) {
        return balanced;
    }
    let mut out =
        Balanced { tokens: Vec::with_capacity(tokens.len() + 4), silenced: Vec::new(), diagnostics: Vec::new() };
    let mut open: Vec<Token> = Vec::new();
    let close_all = |open: &mut Vec<Token>, out: &mut Balanced, at: Span, reason: &str| {
        while let Some(opener) = open.pop() {
            out.diagnostics.push(unclosed(file, opener, at, reason));
            let closer = closer_of(opener.0).expect("only openers are pushed");
            out.tokens.push(token(closer, Span::empty(at.start as usize)));
        }
    };
    let mut i = 0;
    while i < tokens.len() {
        let current = tokens[i];
        let (current_kind, current_span) = (current.0, span_of(&current));
        if !open.is_empty() && starts_declaration_at_line_start(text, &tokens, i) {
            close_all(&mut open, &mut out, current_span, "a new declaration starts here");
        }
        if let Some(closer) = closer_of(current_kind) {
            if open.len() >= MAX_NESTING {
                // Drop everything inside this bracket, keeping the pair so the parser stays in step.
                let mut depth = 0usize;
                let mut j = i;
                while j < tokens.len() {
                    if closer_of(tokens[j].0).is_some() {
                        depth += 1;
                    } else if is_closer(tokens[j].0) {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                let end = tokens.get(j).map_or(text.len(), |t| t.1.end as usize);
                out.diagnostics.push(
                    Diagnostic::error(Code::NestingTooDeep, "nested too deeply", file, current_span)
                        .with_label(format!("this `{}` is the {}th level of nesting", symbol(current_kind), MAX_NESTING + 1))
                        .with_help(format!(
                            "at most {MAX_NESTING} levels of `{{`, `(` and `[` may nest; flatten the steps with `else if` or split the condition"
                        )),
                );
                out.silenced.push(Span::new(current_span.start as usize, end));
                out.tokens.push(current);
                out.tokens.push(token(closer, tokens.get(j).map_or(Span::empty(text.len()), span_of)));
                i = j + 1;
                continue;
            }
            open.push(current);
            out.tokens.push(current);
        } else if is_closer(current_kind) {
            match open.iter().rposition(|o| closer_of(o.0) == Some(current_kind)) {
                Some(position) => {
                    // Openers above the match were never closed: close them here.
                    while open.len() > position + 1 {
                        let inner = open.pop().expect("open has more than position + 1 items");
                        out.diagnostics.push(unclosed(
                            file,
                            inner,
                            current_span,
                            &format!("`{}` closes an outer bracket here", symbol(current_kind)),
                        ));
                        let closer = closer_of(inner.0).expect("only openers are pushed");
                        out.tokens.push(token(closer, Span::empty(current_span.start as usize)));
                    }
                    open.pop();
                    out.tokens.push(current);
                }
                None => {
                    let close = symbol(current_kind);
                    out.diagnostics.push(
                        Diagnostic::error(
                            Code::UnexpectedClosingDelimiter,
                            format!("unexpected `{close}`"),
                            file,
                            current_span,
                        )
                        .with_label(format!("this `{close}` closes nothing"))
                        .with_help(format!(
                            "remove it, or add the `{}` it should close",
                            match current_kind {
                                TokenKind::RBrace => "{",
                                TokenKind::RParen => "(",
                                _ => "[",
                            }
                        ))
                        .with_replacement(format!("remove the `{close}`"), current_span, ""),
                    );
                }
            }
        } else {
            out.tokens.push(current);
        }
        i += 1;
    }
    if end_swallowed {
        while let Some(opener) = open.pop() {
            let closer = closer_of(opener.0).expect("only openers are pushed");
            out.tokens.push(token(closer, Span::empty(text.len())));
        }
    }
    close_all(&mut open, &mut out, Span::empty(text.len()), "the file ends here");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex_for_parser;

    fn shape(text: &str) -> (String, Vec<String>) {
        let lexed = lex_for_parser(FileId(0), text);
        let balanced = balance(FileId(0), text, lexed.tokens, false);
        let tokens = balanced
            .tokens
            .iter()
            .filter(|t| closer_of(t.0).is_some() || is_closer(t.0))
            .map(|t| symbol(t.0))
            .collect::<Vec<_>>()
            .join("");
        (tokens, balanced.diagnostics.iter().map(|d| format!("{} {}", d.code, d.message)).collect())
    }

    #[test]
    fn balanced_input_is_untouched() {
        assert_eq!(shape("journey A { if (x) { } }"), ("{(){}}".into(), vec![]));
    }

    #[test]
    fn stray_closers_are_dropped() {
        assert_eq!(shape("a ) { }"), ("{}".into(), vec!["J0009 unexpected `)`".into()]));
    }

    #[test]
    fn unclosed_openers_close_at_the_next_declaration_or_the_end() {
        let text = "journey A {\n  send X\njourney B {\n  wait 1d\n";
        assert_eq!(shape(text), ("{}{}".into(), vec!["J0008 unclosed `{`".into(), "J0008 unclosed `{`".into()]));
        // An indented keyword is not taken for a new declaration; the `}` in
        // column 1 closes the journey, as its indentation shows.
        assert_eq!(
            shape("journey A {\n  email E {\n}"),
            ("{{}}".into(), vec!["J0008 this block is not closed".into()])
        );
    }

    /// The diagnostics of balancing `text`: (primary span, label, the fix's span and text).
    fn not_closed(text: &str) -> Vec<(Span, String, Span, String)> {
        let lexed = lex_for_parser(FileId(0), text);
        let balanced = balance(FileId(0), text, lexed.tokens, false);
        balanced
            .diagnostics
            .iter()
            .map(|d| {
                let edit = &d.fix.as_ref().expect("a fix").edits[0];
                (d.primary.span, d.primary.message.clone(), edit.span, edit.replacement.clone())
            })
            .collect()
    }

    #[test]
    fn a_missing_brace_before_else_is_found_where_the_else_is() {
        // `else` is bytes 34..38, on line 4; the `if` block opens on line 2.
        let text = "journey A {\n  if x {\n    send M\n  else {\n    send N\n  }\n}\njourney B {\n}\n";
        assert_eq!(text.find("else"), Some(34));
        let found = not_closed(text);
        assert_eq!(
            found,
            [(Span::new(34, 38), "`}` is missing before this `else`".to_owned(), Span::empty(34), "} ".to_owned())]
        );
        let (tokens, _) = shape(text);
        assert_eq!(tokens, "{{}{}}{}", "the `if` block closes before `else`, the journey at its own `}}`");
    }

    #[test]
    fn a_line_indented_like_the_opening_line_ends_the_block() {
        // The `}` at column 1 (byte 32, line 4) is the journey's: the `if` block ends before it.
        let text = "journey A {\n  if x {\n    send M\n}\n";
        let found = not_closed(text);
        assert_eq!(
            found,
            [(
                Span::new(32, 33),
                "the indentation shows the block ends before this line".to_owned(),
                Span::empty(32),
                "  }\n".to_owned()
            )]
        );
    }

    #[test]
    fn indentation_that_means_nothing_is_not_read() {
        // Nothing is indented: the plain balancing applies (closed at the end of the file).
        let (tokens, diagnostics) = shape("journey A {\nif x {\nsend M\n}\n");
        assert_eq!(tokens, "{{}}");
        assert_eq!(diagnostics, ["J0008 unclosed `{`"]);
    }

    #[test]
    fn a_closer_closes_the_inner_openers_it_skips() {
        assert_eq!(shape("{ count( }"), ("{()}".into(), vec!["J0008 unclosed `(`".into()]));
    }

    #[test]
    fn deep_nesting_is_cut() {
        let text = format!("{}{}", "{".repeat(100), "}".repeat(100));
        let (tokens, diagnostics) = shape(&text);
        assert_eq!(tokens.len(), 2 * (MAX_NESTING + 1));
        assert_eq!(diagnostics, ["J0010 nested too deeply"]);
    }
}
