//! The front end of the Journey language: lexer, syntax tree and parser.
//!
//! [`parse`] turns the text of one `.journey` file into a [`SourceTree`], the
//! comments of the file (kept for the formatter and hover) and the syntax
//! diagnostics. It never fails and never panics: every problem becomes a
//! diagnostic and the rest of the file still parses. Nothing here knows about
//! name resolution, types, plans or editors: those live in the crates above.

pub mod ast;
mod delimiters;
mod event_hints;
mod lexer;
pub mod literal;
mod lost_items;
mod parser;
mod suggest;
mod token;

use chumsky::error::{RichPattern, RichReason};
use chumsky::input::Input as _;
use chumsky::inspector::SimpleState;
use chumsky::prelude::*;
use journey_diagnostics::{Code, Diagnostic, FileId, Span, sort_diagnostics};
use parser::ParseSpan;

pub use ast::SourceTree;
pub use delimiters::MAX_NESTING;
pub use lexer::{Comment, CommentKind, Lexed, Token, lex};
pub use parser::MAX_EXPR_DEPTH;
pub use suggest::closest;
pub use token::TokenKind;

/// The result of parsing one file.
#[derive(Clone, Debug, Default)]
pub struct Parse {
    /// The syntax tree; parts that could not be parsed are left out or marked as errors.
    pub tree: SourceTree,
    /// Every comment of the file, in order.
    pub comments: Vec<Comment>,
    /// Syntax errors and warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parse {
    /// Whether the file has syntax errors (warnings do not count).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses `text`, the contents of `file`.
///
/// A valid file is parsed once, with chumsky's zero-cost error type; a file with
/// syntax errors is parsed again with detailed errors and recovery, so that
/// checking a large valid project stays fast.
pub fn parse(file: FileId, text: &str) -> Parse {
    let lexed = lexer::lex_for_parser(file, text);
    let end_swallowed = lexer::swallows_the_end(&lexed.diagnostics);
    let mut diagnostics = lexed.diagnostics;
    let balanced = delimiters::balance(file, text, lexed.tokens, end_swallowed);
    diagnostics.extend(balanced.diagnostics);

    let end = text.len() as u32;
    let eoi = ParseSpan::from(end..end);
    let input = || balanced.tokens.as_slice().split_token_span(eoi);
    let mut state = SimpleState(parser::Context { file, src: text });
    let fast = parser::source_tree::<_, EmptyErr>().parse_with_state(input(), &mut state);
    let tree = if fast.has_errors() {
        let (tree, errors) = parser::source_tree::<_, parser::RichError<'_>>()
            .parse_with_state(input(), &mut state)
            .into_output_errors();
        for error in errors {
            // A closing bracket the balancing pass inserted has no width; the
            // unclosed-bracket error already covers it.
            let synthetic = error.span().start == error.span().end
                && error
                    .found()
                    .is_some_and(|t| matches!(t, TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket));
            if synthetic {
                continue;
            }
            let diagnostic = syntax_error(file, text, error);
            let at = diagnostic.primary.span;
            if balanced.silenced.iter().any(|s| s.start <= at.start && at.end <= s.end && at != *s) {
                continue;
            }
            diagnostics.push(diagnostic);
        }
        if let Some(tree) = &tree {
            let tokens: Vec<(TokenKind, Span)> =
                balanced.tokens.iter().map(|(kind, at)| (*kind, Span { start: at.start, end: at.end })).collect();
            lost_items::report(file, text, tree, &tokens, &mut diagnostics);
            event_hints::add(text, &tokens, &mut diagnostics);
        }
        tree
    } else {
        fast.into_output()
    };
    let mut tree = tree.unwrap_or_default();
    attach_docs(file, text, &mut tree, &lexed.comments, &mut diagnostics);
    sort_diagnostics(&mut diagnostics);
    Parse { tree, comments: lexed.comments, diagnostics }
}

/// How a found token is named in a message: "`sned`", "a string", "the end of the file".
fn describe_found(text: &str, found: Option<TokenKind>, at: ParseSpan) -> String {
    let Some(kind) = found else {
        return "the end of the file".to_owned();
    };
    let slice = text.get(at.start as usize..at.end as usize).unwrap_or("");
    match kind {
        TokenKind::String | TokenKind::TripleString => "a string".to_owned(),
        _ if slice.is_empty() => kind.describe().to_owned(),
        TokenKind::Number | TokenKind::Percent | TokenKind::Duration | TokenKind::DateTime => format!("`{slice}`"),
        k if k.is_word() => format!("`{slice}`"),
        k => k.describe().to_owned(),
    }
}

/// "a, b or c".
fn one_of_list(items: &[String]) -> String {
    match items {
        [] => "something else".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Keywords implied by a label in an expected list, for did-you-mean.
fn keywords_of_label(label: &str) -> &'static [&'static str] {
    if label == "a step" {
        &["send", "wait", "if", "split", "stage", "exit"]
    } else if label == "a journey setting" {
        &["start", "goal", "exit", "exclude", "suppress", "attribution", "reentry", "transactional"]
    } else if label.starts_with("a declaration") {
        &["profile", "trigger", "email", "sms", "push", "segment", "journey"]
    } else {
        &[]
    }
}

/// Turns a chumsky error into a diagnostic: our own diagnostics pass through;
/// expected/found errors become J0007 with a did-you-mean when a keyword is misspelt.
fn syntax_error(file: FileId, text: &str, error: parser::RichError<'_>) -> Diagnostic {
    let at = *error.span();
    let span = Span { start: at.start, end: at.end };
    match error.into_reason() {
        RichReason::Custom(diagnostic) => diagnostic,
        RichReason::ExpectedFound { expected, found } => {
            let found = found.map(|f| *f);
            let found_text = describe_found(text, found, at);
            let mut labels: Vec<String> = Vec::new();
            let mut candidates: Vec<&'static str> = Vec::new();
            for pattern in &expected {
                let described = match pattern {
                    RichPattern::Token(t) => {
                        if let Some(word) = t.keyword() {
                            candidates.push(word);
                        }
                        t.describe().to_owned()
                    }
                    RichPattern::Label(l) => {
                        candidates.extend_from_slice(keywords_of_label(l));
                        l.to_string()
                    }
                    RichPattern::EndOfInput => "the end of the file".to_owned(),
                    _ => continue,
                };
                if !labels.contains(&described) {
                    labels.push(described);
                }
            }
            // Inside a journey or a block, what may come next is a setting, a step or the
            // closing `}`; tokens that could have continued the previous expression only
            // confuse the message.
            if labels.iter().any(|l| l == "a step" || l == "a journey setting") {
                labels.retain(|l| !l.starts_with('`') || l == "`}`");
                if !labels.iter().any(|l| l == "`}`") {
                    labels.push("`}`".to_owned());
                }
            }
            // Tokens that can only start something already named by a description.
            if labels.iter().any(|l| l == "an expression") {
                labels.retain(|l| !matches!(l.as_str(), "`!`" | "`-`" | "`not`" | "`(`"));
            }
            // Descriptions ("a step") before tokens ("`}`"), each group sorted, so output is stable.
            labels.sort_by(|a, b| (a.starts_with('`'), a).cmp(&(b.starts_with('`'), b)));
            let expected_text = one_of_list(&labels);
            let message = format!("expected {expected_text}, found {found_text}");
            // "unexpected string", not "unexpected a string".
            let noun = found_text.strip_prefix("a ").or_else(|| found_text.strip_prefix("an ")).unwrap_or(&found_text);
            let label = if found.is_none() { "the file ends here".to_owned() } else { format!("unexpected {noun}") };
            let mut diagnostic = Diagnostic::error(Code::UnexpectedToken, message, file, span).with_label(label);
            if found == Some(TokenKind::Ident) {
                let word = &text[at.start as usize..at.end as usize];
                if let Some(best) = closest(word, candidates.iter().copied()) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{best}`?")).with_replacement(
                        format!("replace `{word}` with `{best}`"),
                        span,
                        best,
                    );
                }
            }
            if found.is_none() {
                diagnostic =
                    diagnostic.with_help("the file ends in the middle of a declaration: complete it or remove it");
            }
            diagnostic
        }
    }
}

/// Attaches `///` comments to the declaration or attribute right after them, and
/// warns about doc comments that document nothing.
fn attach_docs(
    file: FileId,
    text: &str,
    tree: &mut SourceTree,
    comments: &[Comment],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut used = vec![false; comments.len()];
    let docs_before = |start: u32, used: &mut Vec<bool>| -> Option<Box<ast::Docs>> {
        let mut index = comments.partition_point(|c| c.span.end <= start);
        let mut next_start = start;
        let mut lines = Vec::new();
        while index > 0 {
            let comment = comments[index - 1];
            let gap = &text[comment.span.end as usize..next_start as usize];
            if comment.kind != CommentKind::Doc || !gap.trim().is_empty() {
                break;
            }
            used[index - 1] = true;
            lines.push(comment);
            next_start = comment.span.start;
            index -= 1;
        }
        let first = *lines.last()?;
        let last = lines[0];
        let text = lines
            .iter()
            .rev()
            .map(|c| {
                let line = &text[c.span.range()][3..];
                line.strip_prefix(' ').unwrap_or(line).trim_end()
            })
            .collect::<Vec<_>>()
            .join("\n");
        Some(Box::new(ast::Docs { text, span: first.span.cover(last.span) }))
    };
    for decl in &mut tree.decls {
        decl.docs = docs_before(decl.span.start, &mut used);
        let body = match &mut decl.kind {
            ast::DeclKind::Profile(d) => Some(&mut d.body),
            ast::DeclKind::Trigger(d) => Some(&mut d.body),
            _ => None,
        };
        if let Some(body) = body {
            let mut stack: Vec<&mut ast::Field> = body
                .items
                .iter_mut()
                .filter_map(|i| if let ast::BodyItem::Field(f) = i { Some(f) } else { None })
                .collect();
            while let Some(field) = stack.pop() {
                field.docs = docs_before(field.span.start, &mut used);
                if let ast::TypeExpr::Record(record) = &mut field.ty {
                    stack.extend(record.fields.iter_mut());
                }
            }
        }
    }
    // Runs of unused doc comments, each reported once.
    let mut i = 0;
    while i < comments.len() {
        if comments[i].kind != CommentKind::Doc || used[i] {
            i += 1;
            continue;
        }
        let mut run = comments[i].span;
        let mut j = i + 1;
        while j < comments.len()
            && comments[j].kind == CommentKind::Doc
            && !used[j]
            && text[run.end as usize..comments[j].span.start as usize].trim().is_empty()
        {
            run = run.cover(comments[j].span);
            j += 1;
        }
        diagnostics.push(
            Diagnostic::warning(Code::DanglingDocComment, "this doc comment documents nothing", file, run)
                .with_label("`///` documents the declaration or attribute right after it")
                .with_help("move it right above a declaration or an attribute, or use `//` for an ordinary comment"),
        );
        i = j;
    }
}
