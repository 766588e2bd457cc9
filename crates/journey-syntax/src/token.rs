//! Tokens of the Journey language, recognised by a logos state machine.

use logos::Logos;

/// The kind of a token. Keywords such as `journey`, `send` or `email` are
/// *contextual*: they have their own kind so that the parser recognises them
/// quickly, but they remain usable as names wherever a name is expected
/// (`email: email`, `profile.email`); see [`TokenKind::is_word`]. Only
/// `and or not in true false` are reserved.
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\r\n\f\u{FEFF}]+")]
#[logos(error = LexError)]
pub enum TokenKind {
    /// A word: `[A-Za-z_][A-Za-z0-9_]*`.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    /// `profile` (contextual keyword)
    #[token("profile")]
    KwProfile,
    /// `trigger` (contextual keyword)
    #[token("trigger")]
    KwTrigger,
    /// `email` (contextual keyword)
    #[token("email")]
    KwEmail,
    /// `sms` (contextual keyword)
    #[token("sms")]
    KwSms,
    /// `push` (contextual keyword)
    #[token("push")]
    KwPush,
    /// `segment` (contextual keyword)
    #[token("segment")]
    KwSegment,
    /// `journey` (contextual keyword)
    #[token("journey")]
    KwJourney,
    /// `start` (contextual keyword)
    #[token("start")]
    KwStart,
    /// `on` (contextual keyword)
    #[token("on")]
    KwOn,
    /// `where` (contextual keyword)
    #[token("where")]
    KwWhere,
    /// `every` (contextual keyword)
    #[token("every")]
    KwEvery,
    /// `goal` (contextual keyword)
    #[token("goal")]
    KwGoal,
    /// `target` (contextual keyword)
    #[token("target")]
    KwTarget,
    /// `exit` (contextual keyword)
    #[token("exit")]
    KwExit,
    /// `exclude` (contextual keyword)
    #[token("exclude")]
    KwExclude,
    /// `suppress` (contextual keyword)
    #[token("suppress")]
    KwSuppress,
    /// `attribution` (contextual keyword)
    #[token("attribution")]
    KwAttribution,
    /// `reentry` (contextual keyword)
    #[token("reentry")]
    KwReentry,
    /// `transactional` (contextual keyword)
    #[token("transactional")]
    KwTransactional,
    /// `always` (contextual keyword)
    #[token("always")]
    KwAlways,
    /// `never` (contextual keyword)
    #[token("never")]
    KwNever,
    /// `after` (contextual keyword)
    #[token("after")]
    KwAfter,
    /// `send` (contextual keyword)
    #[token("send")]
    KwSend,
    /// `to` (contextual keyword)
    #[token("to")]
    KwTo,
    /// `wait` (contextual keyword)
    #[token("wait")]
    KwWait,
    /// `if` (contextual keyword)
    #[token("if")]
    KwIf,
    /// `else` (contextual keyword)
    #[token("else")]
    KwElse,
    /// `within` (contextual keyword)
    #[token("within")]
    KwWithin,
    /// `split` (contextual keyword)
    #[token("split")]
    KwSplit,
    /// `stage` (contextual keyword)
    #[token("stage")]
    KwStage,
    /// `opened` (contextual keyword)
    #[token("opened")]
    KwOpened,
    /// `clicked` (contextual keyword)
    #[token("clicked")]
    KwClicked,
    /// `delivered` (contextual keyword)
    #[token("delivered")]
    KwDelivered,
    /// `bounced` (contextual keyword)
    #[token("bounced")]
    KwBounced,
    /// `and`
    #[token("and")]
    And,
    /// `or`
    #[token("or")]
    Or,
    /// `not`
    #[token("not")]
    Not,
    /// `in`
    #[token("in")]
    In,
    /// `true`
    #[token("true")]
    True,
    /// `false`
    #[token("false")]
    False,
    /// A string `"..."` (the text includes the quotes).
    #[token("\"", lex_string)]
    String,
    /// A multi-line string `"""..."""`.
    #[token("\"\"\"", lex_triple_string)]
    TripleString,
    /// A number: `50`, `49.99`.
    #[regex(r"[0-9]+(\.[0-9]+)?")]
    Number,
    /// A percentage: `50%`, `12.5%`.
    #[regex(r"[0-9]+(\.[0-9]+)?%")]
    Percent,
    /// A duration such as `1d12h` (any digits followed by letters; the units are checked later).
    #[regex(r"[0-9]+(\.[0-9]+)?[A-Za-z_][A-Za-z0-9_]*")]
    Duration,
    /// A datetime `@2026-12-01T09:00:00Z` (checked later).
    #[regex(r"@[0-9A-Za-z:.+\-]*")]
    DateTime,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `,`
    #[token(",")]
    Comma,
    /// `:`
    #[token(":")]
    Colon,
    /// `.`
    #[token(".")]
    Dot,
    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    NotEq,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    Le,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    Ge,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// `/`
    #[token("/")]
    Slash,
    /// `=`: not an operator of the language; recognised to suggest `==`.
    #[token("=")]
    Eq,
    /// `&&`: recognised to suggest `and`.
    #[token("&&")]
    AmpAmp,
    /// `||`: recognised to suggest `or`.
    #[token("||")]
    PipePipe,
    /// `!`: recognised to suggest `not`.
    #[token("!")]
    Bang,
    /// A `// line comment` or a `/// doc comment` (trivia: not given to the parser).
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment,
    /// `# ...` to the end of the line: not a comment in Journey, recognised so that
    /// it is reported once (with a fix to `//`) and skipped like a comment.
    #[regex(r"#[^\n]*", allow_greedy = true)]
    HashComment,
    /// Characters that start no token (reported by the lexer; never given to the parser).
    Error,
    /// A `/* block comment */`, possibly nested (trivia).
    #[token("/*", lex_block_comment)]
    BlockComment,
}

/// A problem the lexer found at the current token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LexError {
    /// A character that starts no token.
    #[default]
    InvalidCharacter,
    /// A `"` string whose line ends first (the token runs to the end of the line).
    UnterminatedString,
    /// A `"""` string never closed (the token runs to the end of the file).
    UnterminatedTripleString,
    /// A `/*` comment never closed (the token runs to the end of the file).
    UnterminatedComment,
}

/// Scans a `"..."` string after its opening quote. An unterminated string stops
/// at the end of the line; the parser reports it.
fn lex_string(lex: &mut logos::Lexer<'_, TokenKind>) -> Result<(), LexError> {
    let rest = lex.remainder().as_bytes();
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'\\' if i + 1 < rest.len() && rest[i + 1] != b'\n' => i += 2,
            b'"' => {
                lex.bump(i + 1);
                return Ok(());
            }
            b'\n' => break,
            _ => i += 1,
        }
    }
    // Stop before the line break (and the `\r` of a `\r\n`); the parser reports the string.
    let end = i.min(rest.len());
    let end = if end > 0 && rest[end - 1] == b'\r' { end - 1 } else { end };
    lex.bump(end);
    Err(LexError::UnterminatedString)
}

/// Scans a `"""..."""` string after its opening quotes; an unterminated one runs to the end of the file.
fn lex_triple_string(lex: &mut logos::Lexer<'_, TokenKind>) -> Result<(), LexError> {
    let rest = lex.remainder().as_bytes();
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'\\' => i += 2,
            b'"' if rest[i..].starts_with(b"\"\"\"") => {
                // A run of more than three quotes closes at its end: `""""` ends with a quote in the text.
                let mut end = i + 3;
                while end < rest.len() && rest[end] == b'"' {
                    end += 1;
                }
                lex.bump(end);
                return Ok(());
            }
            _ => i += 1,
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedTripleString)
}

/// Scans a block comment after its opening `/*`, counting nested `/* */` pairs.
/// An unterminated comment runs to the end of the file.
fn lex_block_comment(lex: &mut logos::Lexer<'_, TokenKind>) -> Result<(), LexError> {
    let rest = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        if rest[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                lex.bump(i);
                return Ok(());
            }
        } else if rest[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedComment)
}

impl TokenKind {
    /// How the token is named in messages: "`{`", "a string", "a number"...
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::Ident => "a name",
            TokenKind::KwProfile => "`profile`",
            TokenKind::KwTrigger => "`trigger`",
            TokenKind::KwEmail => "`email`",
            TokenKind::KwSms => "`sms`",
            TokenKind::KwPush => "`push`",
            TokenKind::KwSegment => "`segment`",
            TokenKind::KwJourney => "`journey`",
            TokenKind::KwStart => "`start`",
            TokenKind::KwOn => "`on`",
            TokenKind::KwWhere => "`where`",
            TokenKind::KwEvery => "`every`",
            TokenKind::KwGoal => "`goal`",
            TokenKind::KwTarget => "`target`",
            TokenKind::KwExit => "`exit`",
            TokenKind::KwExclude => "`exclude`",
            TokenKind::KwSuppress => "`suppress`",
            TokenKind::KwAttribution => "`attribution`",
            TokenKind::KwReentry => "`reentry`",
            TokenKind::KwTransactional => "`transactional`",
            TokenKind::KwAlways => "`always`",
            TokenKind::KwNever => "`never`",
            TokenKind::KwAfter => "`after`",
            TokenKind::KwSend => "`send`",
            TokenKind::KwTo => "`to`",
            TokenKind::KwWait => "`wait`",
            TokenKind::KwIf => "`if`",
            TokenKind::KwElse => "`else`",
            TokenKind::KwWithin => "`within`",
            TokenKind::KwSplit => "`split`",
            TokenKind::KwStage => "`stage`",
            TokenKind::KwOpened => "`opened`",
            TokenKind::KwClicked => "`clicked`",
            TokenKind::KwDelivered => "`delivered`",
            TokenKind::KwBounced => "`bounced`",
            TokenKind::And => "`and`",
            TokenKind::Or => "`or`",
            TokenKind::Not => "`not`",
            TokenKind::In => "`in`",
            TokenKind::True => "`true`",
            TokenKind::False => "`false`",
            TokenKind::String | TokenKind::TripleString => "a string",
            TokenKind::Number => "a number",
            TokenKind::Percent => "a percentage",
            TokenKind::Duration => "a duration",
            TokenKind::DateTime => "a datetime",
            TokenKind::LBrace => "`{`",
            TokenKind::RBrace => "`}`",
            TokenKind::LParen => "`(`",
            TokenKind::RParen => "`)`",
            TokenKind::LBracket => "`[`",
            TokenKind::RBracket => "`]`",
            TokenKind::Comma => "`,`",
            TokenKind::Colon => "`:`",
            TokenKind::Dot => "`.`",
            TokenKind::EqEq => "`==`",
            TokenKind::NotEq => "`!=`",
            TokenKind::Lt => "`<`",
            TokenKind::Le => "`<=`",
            TokenKind::Gt => "`>`",
            TokenKind::Ge => "`>=`",
            TokenKind::Plus => "`+`",
            TokenKind::Minus => "`-`",
            TokenKind::Star => "`*`",
            TokenKind::Slash => "`/`",
            TokenKind::Eq => "`=`",
            TokenKind::AmpAmp => "`&&`",
            TokenKind::PipePipe => "`||`",
            TokenKind::Bang => "`!`",
            TokenKind::LineComment | TokenKind::HashComment => "a comment",
            TokenKind::Error => "an invalid character",
            TokenKind::BlockComment => "a comment",
        }
    }

    /// Whether the token is a comment (trivia).
    pub fn is_comment(self) -> bool {
        matches!(self, TokenKind::LineComment | TokenKind::BlockComment | TokenKind::HashComment)
    }

    /// Whether the token is a word the parser may read as a name (identifiers and
    /// contextual keywords; not the reserved `and or not in true false`).
    pub fn is_word(self) -> bool {
        self == TokenKind::Ident || self.keyword().is_some()
    }

    /// The text of a contextual keyword.
    pub fn keyword(self) -> Option<&'static str> {
        Some(match self {
            TokenKind::KwProfile => "profile",
            TokenKind::KwTrigger => "trigger",
            TokenKind::KwEmail => "email",
            TokenKind::KwSms => "sms",
            TokenKind::KwPush => "push",
            TokenKind::KwSegment => "segment",
            TokenKind::KwJourney => "journey",
            TokenKind::KwStart => "start",
            TokenKind::KwOn => "on",
            TokenKind::KwWhere => "where",
            TokenKind::KwEvery => "every",
            TokenKind::KwGoal => "goal",
            TokenKind::KwTarget => "target",
            TokenKind::KwExit => "exit",
            TokenKind::KwExclude => "exclude",
            TokenKind::KwSuppress => "suppress",
            TokenKind::KwAttribution => "attribution",
            TokenKind::KwReentry => "reentry",
            TokenKind::KwTransactional => "transactional",
            TokenKind::KwAlways => "always",
            TokenKind::KwNever => "never",
            TokenKind::KwAfter => "after",
            TokenKind::KwSend => "send",
            TokenKind::KwTo => "to",
            TokenKind::KwWait => "wait",
            TokenKind::KwIf => "if",
            TokenKind::KwElse => "else",
            TokenKind::KwWithin => "within",
            TokenKind::KwSplit => "split",
            TokenKind::KwStage => "stage",
            TokenKind::KwOpened => "opened",
            TokenKind::KwClicked => "clicked",
            TokenKind::KwDelivered => "delivered",
            TokenKind::KwBounced => "bounced",
            _ => return None,
        })
    }
}
