//! The printer: writes the tokens of a file in their source order, separated as the
//! layout asks, and every comment right before the token that followed it in the
//! source. The layout (in `layout.rs` and `expressions.rs`) walks the syntax tree
//! and names each token it expects; the printer checks it against the file's own
//! token stream, so a token can never be dropped, invented or reordered, and a
//! comment can never move to another place in the token sequence.

use journey_diagnostics::Span;
use journey_syntax::{Comment, CommentKind, Token, TokenKind};

/// The widest line the layout aims for, in characters.
pub(crate) const WIDTH: usize = 100;

/// One level of indentation.
pub(crate) const INDENT: &str = "  ";

/// What separates the next thing written from the previous one. Ordered from weakest
/// to strongest: a request never weakens a separator already asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gap {
    /// Nothing: `profile.email`, `count(`.
    Glue,
    /// One space.
    Space,
    /// A line break inside an item, forced by a comment: the next line is indented
    /// one level deeper than the item (or at its level before `else` and `{`).
    Hang,
    /// A line break at the current indentation.
    Line,
    /// A line break between two items of a block, plus one blank line when the source
    /// had at least one there.
    Item,
    /// One blank line (between declarations).
    Blank,
}

/// What was written last, for the rules on blank lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Last {
    /// Nothing yet: the file starts without any separator.
    Start,
    /// An opening `{`: a block never starts with a blank line.
    Open,
    /// A `///` comment on its own line: it stays right above what it documents.
    Doc,
    /// Anything else.
    Other,
}

/// Writes the formatted text. See the module documentation.
pub(crate) struct Printer<'src> {
    /// The source text.
    text: &'src str,
    /// Its significant tokens, in order.
    tokens: Vec<Token>,
    /// The next token to write.
    next_token: usize,
    /// Its comments, in order.
    comments: &'src [Comment],
    /// The next comment to write.
    next_comment: usize,
    /// The formatted text so far.
    out: String,
    /// The indentation level of the current item.
    pub(crate) indent: usize,
    /// Extra levels of a line broken by a comment before the next token: 1, or 0 before
    /// `else` and a block's `{`, which then start a line at the item's indentation.
    hang_next: usize,
    /// The separator asked for before the next token.
    gap: Gap,
    /// The source offset where the last token or comment written ends.
    last_end: usize,
    /// What was written last.
    last: Last,
    /// After a block comment that starts an item's line with code after it
    /// (`/* c */ wait 1d`): the separator a line comment ending that line leaves
    /// before the item (`/* c */ // d` then the item on its own line).
    lead: Option<Gap>,
    /// Offsets in `out` where trailing `//` comments start, for their alignment.
    trailing: Vec<usize>,
    /// The first inconsistency met between the layout and the source (a formatter bug).
    error: Option<String>,
}

impl<'src> Printer<'src> {
    /// A printer of `text`, whose significant tokens are `tokens` and comments `comments`.
    pub(crate) fn new(text: &'src str, tokens: Vec<Token>, comments: &'src [Comment]) -> Printer<'src> {
        Printer {
            text,
            tokens,
            next_token: 0,
            comments,
            next_comment: 0,
            out: String::with_capacity(text.len() + text.len() / 8),
            indent: 0,
            hang_next: 1,
            // The file's first comments and declaration are items (no separator is
            // written before the first one).
            gap: Gap::Item,
            last_end: 0,
            last: Last::Start,
            lead: None,
            trailing: Vec::new(),
            error: None,
        }
    }

    /// Asks for at least `gap` before the next token.
    pub(crate) fn request(&mut self, gap: Gap) {
        self.gap = self.gap.max(gap);
    }

    /// Replaces the separator asked for before the next token by `gap`.
    pub(crate) fn set_gap(&mut self, gap: Gap) {
        self.gap = gap;
    }

    /// Asks for a space before the next token.
    pub(crate) fn space(&mut self) {
        self.request(Gap::Space);
    }

    /// If a comment forces a line break before the next token, that token starts its
    /// line at the item's indentation (used for `else` and for the `{` of a block).
    pub(crate) fn flush_left_next(&mut self) {
        self.hang_next = 0;
    }

    /// Records the first inconsistency between the layout and the source.
    pub(crate) fn fail(&mut self, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(message.into());
        }
    }

    /// Writes the next source token, which must be `expected`.
    pub(crate) fn token(&mut self, expected: &str) {
        self.write_next(|text, _| text == expected, expected);
    }

    /// Writes the next source token, which must be the one at `span` (a name or a literal).
    pub(crate) fn token_at(&mut self, span: Span) {
        self.write_next(|_, token| token.span == span, "a name or a value");
    }

    /// Writes the number or percentage at `span`, and the `-` before it when the
    /// span starts with one (a negative goal target, which the checker refuses).
    pub(crate) fn amount_at(&mut self, span: Span) {
        if self.tokens.get(self.next_token).is_some_and(|t| t.kind == TokenKind::Minus && t.span.start == span.start) {
            self.token("-");
            self.write_next(|_, token| token.span.end == span.end, "a number or a percentage");
        } else {
            self.token_at(span);
        }
    }

    /// Writes a token that is not in the source: the `,` between the fields of a record
    /// laid out on one line.
    pub(crate) fn synthetic(&mut self, text: &str) {
        self.separate(self.last_end, 1);
        self.out.push_str(text);
        self.last = Last::Other;
    }

    /// Drops the next source token if it is a `,` (the separators between body items and
    /// record fields are optional; the layout writes its own). Comments around it are
    /// written before the next token.
    pub(crate) fn skip_comma(&mut self) {
        if self.tokens.get(self.next_token).is_some_and(|t| t.kind == TokenKind::Comma) {
            self.next_token += 1;
        }
    }

    /// Writes the comments that come before the next source token.
    pub(crate) fn flush_comments(&mut self) {
        let before = self.tokens.get(self.next_token).map_or(usize::MAX, |t| t.span.start as usize);
        self.write_comments_before(before, 1);
    }

    fn write_next(&mut self, matches: impl Fn(&str, &Token) -> bool, expected: &str) {
        let Some(&token) = self.tokens.get(self.next_token) else {
            self.fail(format!("expected {expected} at the end of the file"));
            return;
        };
        let text = self.text.get(token.span.range()).unwrap_or("");
        if !matches(text, &token) {
            self.fail(format!("expected {expected}, found `{text}` at byte {}", token.span.start));
        }
        self.next_token += 1;
        let start = token.span.start as usize;
        let hang = std::mem::replace(&mut self.hang_next, 1);
        self.write_comments_before(start, hang);
        self.separate(start, hang);
        if token.kind == TokenKind::TripleString {
            let reindented = crate::strings::reindent(text, self.line_indentation());
            self.out.push_str(&reindented);
        } else {
            self.out.push_str(text);
        }
        self.last_end = token.span.end as usize;
        self.last = if token.kind == TokenKind::LBrace { Last::Open } else { Last::Other };
        self.lead = None;
    }

    fn write_comments_before(&mut self, before: usize, hang: usize) {
        while let Some(&comment) = self.comments.get(self.next_comment) {
            if comment.span.start as usize >= before {
                break;
            }
            self.next_comment += 1;
            self.comment(comment, hang);
        }
    }

    /// Writes one comment where it belongs: on its own line when it was on its own line
    /// in the source (and always for a doc comment), at the end of the current line
    /// otherwise.
    fn comment(&mut self, comment: Comment, hang: usize) {
        let (start, end) = (comment.span.start as usize, comment.span.end as usize);
        let raw = self.text.get(start..end).unwrap_or("");
        let text = match comment.kind {
            CommentKind::Block => raw.replace("\r\n", "\n"),
            CommentKind::Line | CommentKind::Doc => raw.trim_end().to_owned(),
        };
        let line_after = comment.kind != CommentKind::Block || followed_by_newline(self.text, end);
        let before = match self.lead {
            // `/* c */ /// doc`: the doc comment goes below, where the item starts.
            Some(gap) if comment.kind == CommentKind::Doc => gap,
            _ => self.gap,
        };
        // A block comment between a `{` and code on the same line (`{ /* c */ wait 1d }`)
        // opens the block's first line, since the block is laid out over lines.
        let opens_block = self.last == Last::Open && before >= Gap::Line && !line_after;
        // A doc comment documents what follows it: it always stands on its own line.
        let own_line = opens_block
            || comment.kind == CommentKind::Doc
            || self.last == Last::Start
            || self.text.get(self.last_end..start).is_some_and(|g| g.contains('\n'));
        if own_line {
            self.gap = if before >= Gap::Line { before } else { Gap::Hang };
            self.separate(start, hang);
            self.out.push_str(&text);
            let item_gap = if comment.kind == CommentKind::Doc || before == Gap::Line { Gap::Line } else { Gap::Item };
            self.lead = None;
            self.gap = if before >= Gap::Line {
                if line_after {
                    item_gap
                } else {
                    // `/* c */ wait 1d`: the code stays on the comment's line.
                    self.lead = Some(item_gap);
                    Gap::Space
                }
            } else if line_after {
                Gap::Hang
            } else {
                before
            };
            self.last = if comment.kind == CommentKind::Doc { Last::Doc } else { Last::Other };
        } else {
            self.out.push(' ');
            if comment.kind != CommentKind::Block {
                self.trailing.push(self.out.len());
            }
            self.out.push_str(&text);
            self.gap = match self.lead {
                Some(gap) if line_after => {
                    self.lead = None;
                    if comment.kind == CommentKind::Doc { Gap::Line } else { gap }
                }
                _ if line_after => before.max(Gap::Hang),
                _ => before,
            };
        }
        self.last_end = end;
    }

    /// Writes the separator asked for, before something that starts at `next_start` in
    /// the source; a line broken inside an item is indented `hang` levels deeper.
    fn separate(&mut self, next_start: usize, hang: usize) {
        let gap = std::mem::replace(&mut self.gap, Gap::Glue);
        if self.last == Last::Start {
            return;
        }
        match gap {
            Gap::Glue => {}
            Gap::Space => self.out.push(' '),
            Gap::Hang => self.line_break(self.indent + hang),
            Gap::Line => self.line_break(self.indent),
            Gap::Item => {
                let blank = self.text.get(self.last_end..next_start).is_some_and(|g| g.matches('\n').count() >= 2);
                if blank && !matches!(self.last, Last::Open | Last::Doc) {
                    self.out.push('\n');
                }
                self.line_break(self.indent);
            }
            Gap::Blank => {
                self.out.push('\n');
                self.line_break(self.indent);
            }
        }
    }

    fn line_break(&mut self, levels: usize) {
        let kept = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(kept);
        self.out.push('\n');
        for _ in 0..levels {
            self.out.push_str(INDENT);
        }
    }

    /// The current output line.
    fn current_line(&self) -> &str {
        &self.out[self.out.rfind('\n').map_or(0, |i| i + 1)..]
    }

    /// The number of spaces that start the current output line.
    pub(crate) fn line_indentation(&self) -> usize {
        let line = self.current_line();
        line.len() - line.trim_start_matches(' ').len()
    }

    /// The column the next token will start at, in characters.
    pub(crate) fn next_column(&self) -> usize {
        match self.gap {
            Gap::Glue => self.current_line().chars().count(),
            Gap::Space => self.current_line().chars().count() + usize::from(self.last != Last::Start),
            Gap::Hang => (self.indent + self.hang_next) * INDENT.len(),
            Gap::Line | Gap::Item | Gap::Blank => self.indent * INDENT.len(),
        }
    }

    /// How many bytes have been written (to tell whether a part of the layout broke lines).
    pub(crate) fn written(&self) -> usize {
        self.out.len()
    }

    /// Whether a line break was written since `mark` (a value of [`Printer::written`]).
    pub(crate) fn broke_line_since(&self, mark: usize) -> bool {
        self.out.get(mark..).is_some_and(|s| s.contains('\n'))
    }

    /// The source text of `span`.
    pub(crate) fn source(&self, span: Span) -> &'src str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The comments that start strictly inside `span`.
    fn comments_in(&self, span: Span) -> &'src [Comment] {
        let comments = self.comments;
        let from = comments.partition_point(|c| c.span.start <= span.start);
        let to = comments.partition_point(|c| c.span.start < span.end).max(from);
        comments.get(from..to).unwrap_or(&[])
    }

    /// Whether the source breaks the line between `from` and `to`.
    pub(crate) fn line_break_between(&self, from: usize, to: usize) -> bool {
        self.text.get(from..to).is_some_and(|between| between.contains('\n'))
    }

    /// Whether a comment lies inside `span`.
    pub(crate) fn has_comments_in(&self, span: Span) -> bool {
        !self.comments_in(span).is_empty()
    }

    /// Whether a comment inside `span` forces a line break: a `//` comment, or a block
    /// comment written on its own line or followed by a line break.
    pub(crate) fn comment_breaks_inside(&self, span: Span) -> bool {
        self.comments_in(span).iter().any(|c| {
            c.kind != CommentKind::Block
                || preceded_by_newline(self.text, c.span.start as usize)
                || followed_by_newline(self.text, c.span.end as usize)
        })
    }

    /// Writes the comments left at the end of the file and returns the formatted text,
    /// or the first inconsistency met.
    pub(crate) fn finish(mut self) -> Result<String, String> {
        self.request(Gap::Item);
        self.write_comments_before(usize::MAX, 1);
        if let Some(error) = self.error {
            return Err(error);
        }
        if let Some(token) = self.tokens.get(self.next_token) {
            let text = self.text.get(token.span.range()).unwrap_or("");
            return Err(format!("the layout left out `{text}` at byte {}", token.span.start));
        }
        let mut out = align_trailing_comments(&self.out, &self.trailing);
        let kept = out.trim_end().len();
        out.truncate(kept);
        if !out.is_empty() {
            out.push('\n');
        }
        Ok(out)
    }
}

/// Whether only spaces, tabs or a line break follow `at` before the next character.
fn followed_by_newline(text: &str, at: usize) -> bool {
    match text.get(at..).and_then(|rest| rest.chars().find(|c| !matches!(c, ' ' | '\t' | '\r'))) {
        Some(c) => c == '\n',
        None => true,
    }
}

/// Whether a line break comes between `at` and the previous character that is not whitespace.
fn preceded_by_newline(text: &str, at: usize) -> bool {
    match text.get(..at).and_then(|before| before.chars().rev().find(|c| !matches!(c, ' ' | '\t' | '\r'))) {
        Some(c) => c == '\n',
        None => true,
    }
}

/// Aligns the `//` comments that end consecutive lines of the same indentation in one
/// column, one space after the longest line's code (as gofmt does). `trailing` holds
/// the offsets in `out` where such comments start, in order.
fn align_trailing_comments(out: &str, trailing: &[usize]) -> String {
    if trailing.len() < 2 {
        return out.to_owned();
    }
    // Each line, with where its trailing comment starts (relative to the line).
    let mut lines: Vec<(&str, Option<usize>)> = Vec::new();
    let mut start = 0;
    let mut next = trailing.iter().copied().peekable();
    for line in out.split('\n') {
        let end = start + line.len();
        while next.peek().is_some_and(|&at| at < start) {
            next.next();
        }
        let comment = next.peek().copied().filter(|&at| at <= end).map(|at| at - start);
        lines.push((line, comment));
        start = end + 1;
    }
    // A line that opens or closes a block (`if ... { // c`, `} // c`) keeps its comment
    // one space after its code: aligning it with the items around it would make the
    // comment look like theirs.
    for (line, comment) in &mut lines {
        let code = comment.and_then(|at| line.get(..at)).map(str::trim);
        if code.is_some_and(|code| code.ends_with('{') || code.starts_with('}')) {
            *comment = None;
        }
    }
    let indentation = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let mut result = String::with_capacity(out.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        if lines[i].1.is_some() {
            while j < lines.len() && lines[j].1.is_some() && indentation(lines[j].0) == indentation(lines[i].0) {
                j += 1;
            }
        }
        let run = &lines[i..j];
        let column = run
            .iter()
            .filter_map(|(line, at)| at.map(|at| line.get(..at).unwrap_or(line).trim_end().chars().count()))
            .max()
            .unwrap_or(0);
        for (line, at) in run {
            match at.and_then(|at| Some((line.get(..at)?, line.get(at..)?))) {
                Some((code, comment)) if run.len() > 1 => {
                    let code = code.trim_end();
                    result.push_str(code);
                    for _ in code.chars().count()..=column {
                        result.push(' ');
                    }
                    result.push_str(comment);
                }
                _ => result.push_str(line),
            }
            result.push('\n');
        }
        i = j;
    }
    result.pop();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_runs_of_trailing_comments_of_one_indentation() {
        let out = "a // x\nlonger // y\nz\nb // w\n  c // v";
        let starts = [2, 14, 25, 34];
        assert_eq!(align_trailing_comments(out, &starts), "a      // x\nlonger // y\nz\nb // w\n  c // v");
        let out = "a // x\nif b { // y\n} // z\nlonger // w";
        let starts = [2, 14, 22, 35];
        assert_eq!(align_trailing_comments(out, &starts), out, "lines with `{{` or `}}` are left as they are");
    }

    #[test]
    fn line_breaks_around_a_position() {
        assert!(followed_by_newline("a /* c */  \r\nb", 9));
        assert!(!followed_by_newline("a /* c */ b", 9));
        assert!(preceded_by_newline("a\n  /* c */", 4));
        assert!(!preceded_by_newline("a /* c */", 2));
    }
}
