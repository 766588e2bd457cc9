//! The grammar of the Journey language as chumsky combinators over the token slice.
//!
//! Newlines are not significant. Errors recover at three levels: a broken step or
//! setting is skipped up to the next step, setting or closing `}` (balanced
//! `{ }` groups skipped whole); a broken body item up to the next word; a broken
//! declaration up to the next declaration keyword. Problems found while reading
//! literals and operators are emitted as secondary errors so that chumsky drops
//! them when it backtracks.

use chumsky::input::{Input, MapExtra, ValueInput};
use chumsky::inspector::SimpleState;
use chumsky::label::LabelError;
use chumsky::prelude::*;
use journey_diagnostics::{Code, Diagnostic, FileId, Span};
use smol_str::SmolStr;

use crate::ast::*;
use crate::literal;
use crate::token::TokenKind as T;

/// What the parser knows besides the tokens: the file and its text.
#[derive(Clone, Copy)]
pub(crate) struct Context<'src> {
    pub file: FileId,
    pub src: &'src str,
}

/// Spans as the parser sees them: byte offsets.
pub(crate) type ParseSpan = SimpleSpan<u32>;

/// A detailed parse error: chumsky's expected/found error, or one of our diagnostics.
pub(crate) type RichError<'tok> = Rich<'tok, T, ParseSpan, Diagnostic>;

/// The error types the grammar can run with: [`RichError`] for messages and
/// recovery, [`EmptyErr`] for the fast first pass that only needs to know whether
/// the file is valid.
pub(crate) trait SyntaxError<'tok, I: Input<'tok>>:
    chumsky::error::Error<'tok, I> + LabelError<'tok, I, &'static str>
{
    /// The error carrying one of our diagnostics.
    fn from_diagnostic(at: ParseSpan, diagnostic: Diagnostic) -> Self;
}

impl<'tok, I: Input<'tok, Token = T, Span = ParseSpan>> SyntaxError<'tok, I> for RichError<'tok> {
    fn from_diagnostic(at: ParseSpan, diagnostic: Diagnostic) -> Self {
        Rich::custom(at, diagnostic)
    }
}

impl<'tok, I: Input<'tok>> SyntaxError<'tok, I> for EmptyErr {
    fn from_diagnostic(_: ParseSpan, _: Diagnostic) -> Self {
        EmptyErr::default()
    }
}

type Extra<'tok, 'src, E> = extra::Full<E, SimpleState<Context<'src>>, ()>;

/// The deepest expression tree the parser builds (operators and parentheses).
pub const MAX_EXPR_DEPTH: u16 = 100;

/// Depth of an expression that already exceeded the limit (reported once).
const POISONED: u16 = u16::MAX;

/// A name's text, stored inline when short (almost always).
fn name_text(text: &str) -> SmolStr {
    if text.len() <= 23 { SmolStr::new_inline(text) } else { SmolStr::new(text) }
}

fn span(s: ParseSpan) -> Span {
    Span { start: s.start, end: s.end }
}

/// A journey item: a setting or a step, in any order as written (the order is checked).
#[derive(Clone, Debug)]
enum Item {
    Setting(Setting),
    Step(Step),
}

/// Emits `diagnostic` as a secondary parse error at the current span.
fn emit<'tok, 'src, 'b, I, E>(e: &mut MapExtra<'tok, 'b, I, Extra<'tok, 'src, E>>, diagnostic: Diagnostic)
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    let at = e.span();
    e.emit(E::from_diagnostic(at, diagnostic));
}

/// Applies the depth limit to a freshly built expression.
fn guard<'tok, 'src, 'b, I, E>(
    expr: Expr,
    depth: u16,
    e: &mut MapExtra<'tok, 'b, I, Extra<'tok, 'src, E>>,
) -> (Expr, u16)
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    if depth == POISONED {
        return (Expr { kind: ExprKind::Error, span: expr.span }, POISONED);
    }
    if depth > MAX_EXPR_DEPTH {
        let file = e.state().0.file;
        emit(e, too_deep(file, expr.span));
        return (Expr { kind: ExprKind::Error, span: expr.span }, POISONED);
    }
    (expr, depth)
}

fn deeper(a: u16, b: u16) -> u16 {
    if a == POISONED || b == POISONED { POISONED } else { a.max(b) + 1 }
}

/// The keywords that start a step.
pub(crate) const STEP_KEYWORDS: [T; 6] = [T::KwSend, T::KwWait, T::KwIf, T::KwSplit, T::KwStage, T::KwExit];
/// The keywords that start a journey setting.
pub(crate) const SETTING_KEYWORDS: [T; 7] =
    [T::KwStart, T::KwGoal, T::KwExclude, T::KwSuppress, T::KwAttribution, T::KwReentry, T::KwTransactional];
const DECLARATION_KEYWORDS: [T; 7] =
    [T::KwProfile, T::KwTrigger, T::KwEmail, T::KwSms, T::KwPush, T::KwSegment, T::KwJourney];

/// The parser of a whole file: declarations until the end of the input.
pub(crate) fn source_tree<'tok, 'src: 'tok, I, E>() -> impl Parser<'tok, I, SourceTree, Extra<'tok, 'src, E>>
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    // ----- names and literals -------------------------------------------------
    let name = any_token()
        .filter(|k: &T| k.is_word())
        .map_with(|_, e| {
            let s: ParseSpan = e.span();
            let src = e.state().0.src;
            Ident { text: name_text(&src[s.start as usize..s.end as usize]), span: span(s) }
        })
        .labelled("a name")
        .boxed();

    // A plain identifier, not a keyword (a message named after `goal notify opened`).
    let plain_name = tok(T::Ident)
        .map_with(|_, e| {
            let s: ParseSpan = e.span();
            let src = e.state().0.src;
            Ident { text: name_text(&src[s.start as usize..s.end as usize]), span: span(s) }
        })
        .boxed();

    let keyword = |kind: T| tok(kind).map_with(|_, e| span(e.span()));

    let path = name
        .clone()
        .separated_by(tok(T::Dot))
        .at_least(1)
        .collect::<Vec<_>>()
        .map_with(|segments, e| Path { segments, span: span(e.span()) })
        .labelled("a path")
        .boxed();

    let duration = choice((
        tok(T::Duration).map_with(|_, e| {
            let s = span(e.span());
            let Context { file, src } = e.state().0;
            let mut problems = Vec::new();
            let seconds = literal::duration(file, &src[s.range()], s, &mut problems);
            for problem in problems {
                emit(e, problem);
            }
            DurationLit { seconds, span: s }
        }),
        tok(T::Number).map_with(|_, e| {
            let s = span(e.span());
            let Context { file, src } = e.state().0;
            let raw = &src[s.range()];
            emit(
                e,
                Diagnostic::error(Code::InvalidLiteral, format!("`{raw}` needs a unit"), file, s)
                    .with_label("a duration needs a unit")
                    .with_help("add a unit: `s` seconds, `m` minutes, `h` hours, `d` days, `w` weeks, as in `1d`"),
            );
            DurationLit { seconds: None, span: s }
        }),
    ))
    .labelled("a duration")
    .boxed();

    let string = one_of_tokens([T::String, T::TripleString])
        .map_with(|_, e| {
            let s = span(e.span());
            let Context { file, src } = e.state().0;
            let mut problems = Vec::new();
            let lit = literal::string_literal(file, &src[s.range()], s.start as usize, &mut problems);
            for problem in problems {
                emit(e, problem);
            }
            lit
        })
        .labelled("a string")
        .boxed();

    let literal = choice((
        tok(T::Number).map_with(|_, e| {
            let s = span(e.span());
            LiteralKind::Number(literal::number(&e.state().0.src[s.range()]))
        }),
        tok(T::Percent).map_with(|_, e| {
            let s = span(e.span());
            LiteralKind::Percent(literal::percent(&e.state().0.src[s.range()]))
        }),
        duration.clone().map(|d| d.seconds.map_or(LiteralKind::Error, LiteralKind::Duration)),
        tok(T::True).to(LiteralKind::Bool(true)),
        tok(T::False).to(LiteralKind::Bool(false)),
        string.clone().map(|s| LiteralKind::String(Box::new(s))),
        tok(T::DateTime).map_with(|_, e| {
            let s = span(e.span());
            let Context { file, src } = e.state().0;
            let mut problems = Vec::new();
            let value = literal::datetime(file, &src[s.range()], s, &mut problems);
            for problem in problems {
                emit(e, problem);
            }
            value.map_or(LiteralKind::Error, LiteralKind::DateTime)
        }),
    ))
    .map_with(|kind, e| Literal { kind, span: span(e.span()) })
    .labelled("a value")
    .boxed();

    // A number or a percentage: goal targets and split shares. A minus sign is
    // read too, so that `target -5` gets the checker's rule 5 error, not a
    // syntax error.
    let amount = tok(T::Minus)
        .or_not()
        .then(one_of_tokens([T::Number, T::Percent]).map_with(|kind, e| (kind, span(e.span()))))
        .map_with(|(minus, (kind, at)), e| {
            let raw = &e.state().0.src[at.range()];
            let sign = if minus.is_some() { -1.0 } else { 1.0 };
            let kind = if kind == T::Percent {
                LiteralKind::Percent(sign * literal::percent(raw))
            } else {
                LiteralKind::Number(sign * literal::number(raw))
            };
            Literal { kind, span: span(e.span()) }
        })
        .labelled("a number or a percentage")
        .boxed();

    // ----- expressions --------------------------------------------------------
    let expr = recursive(|expr| {
        let where_clause = keyword(T::KwWhere)
            .then(expr.clone())
            .map(|(keyword, (condition, _)): (Span, (Expr, u16))| WhereClause { keyword, condition });

        let call = name
            .clone()
            .then_ignore(tok(T::LParen))
            .then(path.clone())
            .then(where_clause.or_not())
            .then(keyword(T::KwWithin).ignore_then(duration.clone()).or_not())
            .then_ignore(tok(T::RParen))
            .map_with(|(((function, event), condition), within), e| {
                let s = span(e.span());
                let depth = condition.as_ref().map_or(0, |_| 1);
                (
                    Expr {
                        kind: ExprKind::Call(Box::new(Call { function, event, condition, within, span: s })),
                        span: s,
                    },
                    depth,
                )
            });

        let atom = choice((
            literal.clone().map(|l| {
                let s = l.span;
                (Expr { kind: ExprKind::Literal(l), span: s }, 0u16)
            }),
            call,
            path.clone().map(|p| {
                let s = p.span;
                (Expr { kind: ExprKind::Path(p), span: s }, 0u16)
            }),
            expr.clone().delimited_by(tok(T::LParen), tok(T::RParen)).map_with(|(inner, depth): (Expr, u16), e| {
                let s = span(e.span());
                guard(Expr { kind: ExprKind::Paren(Box::new(inner)), span: s }, deeper(depth, 0), e)
            }),
        ))
        .labelled("an expression")
        .boxed();

        let negation = keyword(T::Minus).repeated().foldr_with(atom, |op_span, (operand, depth), e| {
            let s = op_span.cover(operand.span);
            guard(
                Expr { kind: ExprKind::Unary { op: UnaryOp::Neg, op_span, operand: Box::new(operand) }, span: s },
                deeper(depth, 0),
                e,
            )
        });

        // `not` (or a mistaken `!`) before an operand.
        let not_operator = one_of_tokens([T::Not, T::Bang]).map_with(|k: T, e| {
            let s = span(e.span());
            if k == T::Bang {
                let file = e.state().0.file;
                emit(
                    e,
                    Diagnostic::error(Code::ForeignOperator, "`!` is not an operator here", file, s)
                        .with_label("use `not` to negate")
                        .with_replacement("replace `!` with `not `", s, "not "),
                );
            }
            s
        });
        let operand = not_operator
            .repeated()
            .collect::<Vec<Span>>()
            .then(negation)
            .map(|(nots, (expr, depth))| Operand { nots, expr, depth });

        let operator = one_of_tokens([
            T::And,
            T::Or,
            T::EqEq,
            T::NotEq,
            T::Lt,
            T::Le,
            T::Gt,
            T::Ge,
            T::Plus,
            T::Minus,
            T::Star,
            T::Slash,
            T::Eq,
            T::AmpAmp,
            T::PipePipe,
        ])
        .map_with(|k: T, e| {
            let s = span(e.span());
            let op = match k {
                T::And | T::AmpAmp => BinaryOp::And,
                T::Or | T::PipePipe => BinaryOp::Or,
                T::NotEq => BinaryOp::Ne,
                T::Lt => BinaryOp::Lt,
                T::Le => BinaryOp::Le,
                T::Gt => BinaryOp::Gt,
                T::Ge => BinaryOp::Ge,
                T::Plus => BinaryOp::Add,
                T::Minus => BinaryOp::Sub,
                T::Star => BinaryOp::Mul,
                T::Slash => BinaryOp::Div,
                _ => BinaryOp::Eq,
            };
            if matches!(k, T::Eq | T::AmpAmp | T::PipePipe) {
                let Context { file, src } = e.state().0;
                let found = &src[s.range()];
                let (message, label) = match k {
                    T::Eq => ("`=` is not a comparison".to_owned(), "use `==` to compare"),
                    T::AmpAmp => ("`&&` is not an operator here".to_owned(), "use `and`"),
                    _ => ("`||` is not an operator here".to_owned(), "use `or`"),
                };
                let symbol = op.symbol();
                emit(
                    e,
                    Diagnostic::error(Code::ForeignOperator, message, file, s).with_label(label).with_replacement(
                        format!("replace `{found}` with `{symbol}`"),
                        s,
                        symbol,
                    ),
                );
            }
            (op, s)
        })
        .labelled("an operator");

        let tail = choice((
            keyword(T::In)
                .labelled("an operator")
                .then(name.clone())
                .map(|(op_span, segment)| Tail::In { op_span, segment }),
            operator.then(operand.clone()).map(|((op, op_span), rhs)| Tail::Binary { op, op_span, rhs }),
        ));
        operand
            .then(tail.repeated().collect::<Vec<Tail>>())
            .map_with(|(first, tails), e| {
                let file = e.state().0.file;
                let mut problems = Vec::new();
                let built = climb(file, first, tails, &mut problems);
                for problem in problems {
                    emit(e, problem);
                }
                built
            })
            .labelled("an expression")
    })
    .boxed();

    let expression = expr.clone().map(|(e, _)| e).boxed();
    let where_clause = keyword(T::KwWhere)
        .then(expression.clone())
        .map(|(keyword, condition)| WhereClause { keyword, condition })
        .boxed();

    // ----- recovery helpers -----------------------------------------------------
    // Skips one token or `{ ... }` group, then every token or group up to one of
    // `stops` or a `}`: the junk a recovery replaces by an error node.
    let skip_until = |stops: Vec<T>| {
        choice((group_parser(), none_of_tokens([T::LBrace, T::RBrace]).ignored()))
            .then(
                choice((
                    group_parser(),
                    any_token().filter(move |k: &T| *k != T::LBrace && *k != T::RBrace && !stops.contains(k)).ignored(),
                ))
                .repeated(),
            )
            .ignored()
            .boxed()
    };

    // ----- journey settings -------------------------------------------------------
    let start = keyword(T::KwStart).ignore_then(choice((
        keyword(T::KwOn)
            .ignore_then(name.clone())
            .then(where_clause.clone().or_not())
            .map(|(trigger, condition)| SettingKind::StartOn { trigger, condition }),
        keyword(T::KwSegment)
            .ignore_then(name.clone())
            .then(keyword(T::KwEvery).ignore_then(duration.clone()).or_not())
            .map(|(segment, every)| SettingKind::StartSegment { segment, every }),
    )));

    let interaction_word = any_token()
        .filter(|k: &T| matches!(k, T::KwOpened | T::KwClicked | T::KwDelivered | T::KwBounced))
        .map_with(|k: T, e| Ident { text: SmolStr::new_static(k.keyword().unwrap_or("opened")), span: span(e.span()) });

    let goal = keyword(T::KwGoal)
        .ignore_then(name.clone())
        .then(choice((
            keyword(T::KwOn)
                .then(name.clone())
                .then(where_clause.clone().or_not())
                .map(|((on, trigger), condition)| GoalMeasure::Trigger { on, trigger, condition }),
            interaction_word
                .clone()
                .then(plain_name.clone().or_not())
                .map(|(event, message)| GoalMeasure::Interaction { event, message }),
            plain_name.clone().map(GoalMeasure::Named),
            empty().map_with(|_, e| GoalMeasure::Missing(span(e.span()))),
        )))
        .then(keyword(T::KwTarget).then(amount.clone()).map(|(keyword, value)| Target { keyword, value }).or_not())
        .map(|((kind, mut measure), target)| {
            // The span of `empty()` runs from the next token back to the end of the
            // last one: the measure is missing right after the goal type.
            if let GoalMeasure::Missing(at) = &mut measure {
                *at = Span { start: kind.span.end, end: kind.span.end };
            }
            SettingKind::Goal(Box::new(Goal { kind, measure, target }))
        });

    let exit_on = keyword(T::KwExit)
        .ignore_then(keyword(T::KwOn))
        .ignore_then(name.clone())
        .then(where_clause.clone().or_not())
        .map(|(trigger, condition)| SettingKind::ExitOn { trigger, condition });

    let reentry = keyword(T::KwReentry).ignore_then(choice((
        keyword(T::KwAlways).map(Reentry::Always),
        keyword(T::KwNever).map(Reentry::Never),
        keyword(T::KwAfter).ignore_then(duration.clone()).map(Reentry::After),
        name.clone().map(Reentry::Unknown),
    )));

    let setting = choice((
        start,
        goal,
        exit_on,
        keyword(T::KwExclude).ignore_then(name.clone()).map(SettingKind::Exclude),
        keyword(T::KwSuppress).ignore_then(name.clone()).map(SettingKind::Suppress),
        keyword(T::KwAttribution).ignore_then(duration.clone()).map(SettingKind::Attribution),
        reentry.map(SettingKind::Reentry),
        keyword(T::KwTransactional).to(SettingKind::Transactional),
    ))
    .map_with(|kind, e| Setting { kind, span: span(e.span()) })
    .labelled("a journey setting")
    .boxed();

    // ----- steps ----------------------------------------------------------------
    let within = keyword(T::KwWithin).ignore_then(duration.clone());
    let not_keyword = keyword(T::Not).or_not();
    let message_event =
        not_keyword.clone().then(interaction_word.clone()).then(name.clone()).then(within.clone().or_not()).map_with(
            |(((negated, word), content), within), e| {
                let interaction = Interaction::from_keyword(&word.text).unwrap_or(Interaction::Opened);
                EventCondition {
                    negated,
                    event: EventPattern::Message { interaction, keyword: word.span, content },
                    within,
                    span: span(e.span()),
                }
            },
        );
    let trigger_event = not_keyword
        .then(name.clone())
        .then(choice((
            where_clause.clone().then(within.clone().or_not()).map(|(w, d)| (Some(w), d)),
            within.clone().map(|d| (None, Some(d))),
            tok(T::LBrace).rewind().to((None, None)),
        )))
        .map_with(|((negated, trigger), (condition, within)), e| EventCondition {
            negated,
            event: EventPattern::Trigger { trigger, condition },
            within,
            span: span(e.span()),
        });
    let condition = choice((
        message_event.map(Condition::Event),
        trigger_event.map(Condition::Event),
        expression.clone().map(Condition::Expr),
    ))
    .labelled("a condition")
    .boxed();

    let item_stops: Vec<T> = STEP_KEYWORDS.iter().chain(SETTING_KEYWORDS.iter()).copied().collect();
    let item_junk = skip_until(item_stops.clone());

    let item = recursive(|item| {
        let block = item
            .repeated()
            .collect::<Vec<Item>>()
            .delimited_by(tok(T::LBrace), tok(T::RBrace))
            .map_with(|items, e| {
                let block_span = span(e.span());
                let steps = steps_only(items, e);
                Block { steps, span: block_span }
            })
            .labelled("a block `{ ... }`")
            .boxed();

        let send = keyword(T::KwSend)
            .ignore_then(name.clone())
            .then(keyword(T::KwTo).ignore_then(path.clone()).or_not())
            .map(|(content, to)| StepKind::Send { content, to });

        let wait = keyword(T::KwWait).ignore_then(duration.clone()).map(StepKind::Wait);

        let branch = condition.clone().then(block.clone()).map(|(condition, block)| Branch { condition, block });
        // `elif` (Python), `elsif` (Ruby), `elseif` (PHP): read as `else if`, with a fix.
        let elif = tok(T::Ident)
            .map_with(|_, e| {
                let s = span(e.span());
                (s, &e.state().0.src[s.range()])
            })
            .filter(|(_, word): &(Span, &str)| matches!(*word, "elif" | "elsif" | "elseif"))
            .map_with(|(at, word), e| {
                let file = e.state().0.file;
                emit(
                    e,
                    Diagnostic::error(
                        Code::UnexpectedToken,
                        format!("`{word}` is not a keyword: write `else if`"),
                        file,
                        at,
                    )
                    .with_label(format!("`{word}` here"))
                    .with_help("a further branch of an `if` is written `} else if CONDITION {`")
                    .with_replacement(format!("replace `{word}` with `else if`"), at, "else if"),
                );
                at
            });
        // The keywords' value is used (not `ignore_then`), so that chumsky runs the
        // `elif` reader in the mode that emits its error.
        let else_if = choice((keyword(T::KwElse).then_ignore(keyword(T::KwIf)), elif));
        let if_step = keyword(T::KwIf)
            .ignore_then(branch.clone())
            .then(else_if.then(branch).map(|(_, branch)| branch).repeated().collect::<Vec<_>>())
            .then(keyword(T::KwElse).ignore_then(block.clone()).or_not())
            .map(|((first, mut rest), otherwise)| {
                rest.insert(0, first);
                StepKind::If(IfStep { branches: rest, otherwise })
            });

        let share = choice((
            tok(T::Percent).map_with(|_, e| {
                let s = span(e.span());
                Literal { kind: LiteralKind::Percent(literal::percent(&e.state().0.src[s.range()])), span: s }
            }),
            tok(T::Number).map_with(|_, e| {
                let s = span(e.span());
                let Context { file, src } = e.state().0;
                let raw = &src[s.range()];
                emit(
                    e,
                    Diagnostic::error(Code::InvalidLiteral, "a split share is a percentage", file, s)
                        .with_label("missing `%`")
                        .with_replacement(format!("write `{raw}%`"), Span::empty(s.end as usize), "%"),
                );
                Literal { kind: LiteralKind::Percent(literal::number(raw)), span: s }
            }),
        ))
        .labelled("a share such as `50%`");
        let split_branch = name
            .clone()
            .or_not()
            .then(share)
            .then(block.clone())
            .map_with(|((label, share), block), e| SplitBranch { label, share, block, span: span(e.span()) })
            .labelled("a split branch such as `A 50% { ... }`");
        let split = keyword(T::KwSplit)
            .then(
                split_branch
                    .recover_with(via_parser(skip_until(vec![T::Percent]).map_with(|_, e| SplitBranch {
                        label: None,
                        share: Literal { kind: LiteralKind::Error, span: span(e.span()) },
                        block: Block { steps: Vec::new(), span: span(e.span()) },
                        span: span(e.span()),
                    })))
                    .repeated()
                    .collect::<Vec<_>>()
                    .delimited_by(tok(T::LBrace), tok(T::RBrace))
                    .map_with(|branches, e| (branches, span(e.span()))),
            )
            .map(|(keyword, (branches, body_span))| StepKind::Split(SplitStep { keyword, branches, body_span }));

        // `stage "Welcome"`: a stage is named by a name, not a string.
        let quoted_stage_name = tok(T::String).map_with(|_, e| {
            let at = span(e.span());
            let Context { file, src } = e.state().0;
            let raw = &src[at.range()];
            let inner = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw.trim_matches('"'));
            let is_name = inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let error = Diagnostic::error(Code::UnexpectedToken, "a stage is named by a name, not a string", file, at)
                .with_label("a string");
            emit(
                e,
                if is_name {
                    error.with_help(format!("remove the quotes: `stage {inner} {{ ... }}`")).with_replacement(
                        format!("replace `{raw}` with `{inner}`"),
                        at,
                        inner,
                    )
                } else {
                    error.with_help("a stage name is letters, digits and `_`, as in `stage Welcome { ... }`")
                },
            );
            Ident { text: name_text(inner), span: at }
        });
        let stage = keyword(T::KwStage)
            .ignore_then(choice((name.clone(), quoted_stage_name)))
            .then(block)
            .map(|(name, block)| StepKind::Stage { name, block });

        let exit = keyword(T::KwExit).to(StepKind::Exit);

        let step = choice((send, wait, if_step, split, stage, exit))
            .map_with(|kind, e| Step { kind, span: span(e.span()) })
            .labelled("a step");

        choice((setting.clone().map(Item::Setting), step.map(Item::Step)))
            .recover_with(via_parser(
                item_junk.clone().map_with(|_, e| Item::Step(Step { kind: StepKind::Error, span: span(e.span()) })),
            ))
            .boxed()
    });

    let journey = keyword(T::KwJourney)
        .then(name.clone())
        .then(
            item.repeated()
                .collect::<Vec<Item>>()
                .delimited_by(tok(T::LBrace), tok(T::RBrace))
                .map_with(|items, e| (items, span(e.span()))),
        )
        .map_with(|((keyword, name), (items, body_span)), e| {
            let (settings, steps) = settings_then_steps(items, e);
            DeclKind::Journey(JourneyDecl { keyword, name, settings, steps, body_span })
        });

    // ----- declaration bodies --------------------------------------------------
    let ty = recursive(|ty| {
        let field = name.clone().then_ignore(tok(T::Colon)).then(ty).map_with(|(name, ty), e| Field {
            docs: None,
            name,
            ty,
            span: span(e.span()),
        });
        let record = field
            .recover_with(via_parser(skip_until(vec![T::Comma]).map_with(|_, e| Field {
                docs: None,
                name: Ident { text: SmolStr::new_static(""), span: span(e.span()) },
                ty: TypeExpr::Error(span(e.span())),
                span: span(e.span()),
            })))
            .then_ignore(tok(T::Comma).or_not())
            .repeated()
            .collect::<Vec<_>>()
            .delimited_by(tok(T::LBrace), tok(T::RBrace))
            .map_with(|fields, e| TypeExpr::Record(Record { fields, span: span(e.span()) }));
        choice((name.clone().map(TypeExpr::Named), record)).labelled("a type")
    })
    .boxed();

    let property_value = choice((
        string.clone().map(|s| PropertyValue::String(Box::new(s))),
        name.clone().map(PropertyValue::Word),
        literal.clone().map(PropertyValue::Literal),
    ))
    .labelled("a value");
    // `name: type` (an attribute) or `name value` (a property), told apart by the `:`.
    let field_or_property = name
        .clone()
        .then(choice((tok(T::Colon).ignore_then(ty).map(Ok), property_value.map(Err))))
        .map_with(|(name, rest), e| {
            let s = span(e.span());
            match rest {
                Ok(ty) => BodyItem::Field(Field { docs: None, name, ty, span: s }),
                Err(value) => BodyItem::Property(Property { key: name, value, span: s }),
            }
        });
    let body_item = choice((where_clause.clone().map(BodyItem::Where), field_or_property))
        .then_ignore(tok(T::Comma).or_not())
        .labelled("an attribute `name: type` or a property")
        .recover_with(via_parser(
            // Skip to the next word: every body item starts with one.
            choice((group_parser(), any_token().filter(|k: &T| *k != T::RBrace && *k != T::LBrace).ignored()))
                .then(
                    any_token().filter(|k: &T| !k.is_word() && *k != T::RBrace && *k != T::LBrace).ignored().repeated(),
                )
                .map_with(|_, e| {
                    BodyItem::Property(Property {
                        key: Ident { text: SmolStr::new_static(""), span: span(e.span()) },
                        value: PropertyValue::Error(span(e.span())),
                        span: span(e.span()),
                    })
                }),
        ))
        .boxed();
    let body = body_item
        .repeated()
        .collect::<Vec<_>>()
        .delimited_by(tok(T::LBrace), tok(T::RBrace))
        .map_with(|items, e| Body { items, span: span(e.span()) })
        .boxed();

    let profile = keyword(T::KwProfile)
        .then(body.clone())
        .map(|(keyword, body)| DeclKind::Profile(ProfileDecl { keyword, body }));
    let trigger = keyword(T::KwTrigger)
        .then(name.clone())
        .then(body.clone())
        .map(|((keyword, name), body)| DeclKind::Trigger(TriggerDecl { keyword, name, body }));
    let channel = any_token().filter(|k: &T| matches!(k, T::KwEmail | T::KwSms | T::KwPush)).map_with(|k: T, e| {
        let channel = match k {
            T::KwEmail => Channel::Email,
            T::KwSms => Channel::Sms,
            _ => Channel::Push,
        };
        (channel, span(e.span()))
    });
    let content = channel
        .then(name.clone())
        .then(body.clone())
        .map(|(((channel, keyword), name), body)| DeclKind::Content(ContentDecl { channel, keyword, name, body }));
    let segment = keyword(T::KwSegment)
        .then(name.clone())
        .then(body)
        .map(|((keyword, name), body)| DeclKind::Segment(SegmentDecl { keyword, name, body }));

    let declaration = choice((journey, trigger, content, segment, profile))
        .map_with(|kind, e| Some(Decl { docs: None, kind, span: span(e.span()) }))
        .labelled("a declaration (`profile`, `trigger`, `email`, `sms`, `push`, `segment` or `journey`)")
        .recover_with(via_parser(skip_until(DECLARATION_KEYWORDS.to_vec()).to(None)));

    declaration
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
        .map(|decls| SourceTree { decls: decls.into_iter().flatten().collect() })
}

/// One token of kind `kind` (chumsky's `just`, with the extra type fixed so closures type-check).
fn tok<'tok, 'src: 'tok, I, E>(kind: T) -> impl Parser<'tok, I, T, Extra<'tok, 'src, E>> + Clone
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    just(kind)
}

/// Any one token.
fn any_token<'tok, 'src: 'tok, I, E>() -> impl Parser<'tok, I, T, Extra<'tok, 'src, E>> + Clone
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    any()
}

/// One token among `kinds`.
fn one_of_tokens<'tok, 'src: 'tok, I, E, const N: usize>(
    kinds: [T; N],
) -> impl Parser<'tok, I, T, Extra<'tok, 'src, E>> + Clone
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    one_of(kinds)
}

/// One token not among `kinds`.
fn none_of_tokens<'tok, 'src: 'tok, I, E, const N: usize>(
    kinds: [T; N],
) -> impl Parser<'tok, I, T, Extra<'tok, 'src, E>> + Clone
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    none_of(kinds)
}

/// A `{ ... }` group (used by recovery).
fn group_parser<'tok, 'src: 'tok, I, E>() -> impl Parser<'tok, I, (), Extra<'tok, 'src, E>> + Clone
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    recursive(|group| {
        tok(T::LBrace)
            .then(choice((group, none_of_tokens([T::LBrace, T::RBrace]).ignored())).repeated())
            .then(tok(T::RBrace))
            .ignored()
    })
}

/// An operand of a flat expression: `not`s before it, then a negated atom.
#[derive(Clone)]
struct Operand {
    nots: Vec<Span>,
    expr: Expr,
    depth: u16,
}

/// What follows an operand: an operator and the next operand, or `in Segment`.
#[derive(Clone)]
enum Tail {
    Binary { op: BinaryOp, op_span: Span, rhs: Operand },
    In { op_span: Span, segment: Ident },
}

/// Binding power of a binary operator (larger binds tighter). A `not` takes the
/// comparison after it, so it binds looser than comparisons and tighter than `and`.
fn precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 4,
        BinaryOp::Add | BinaryOp::Sub => 5,
        BinaryOp::Mul | BinaryOp::Div => 6,
    }
}

const COMPARISON_PRECEDENCE: u8 = 4;

/// Builds the tree of a flat `operand (op operand)*` sequence by precedence climbing.
fn climb(file: FileId, first: Operand, tails: Vec<Tail>, problems: &mut Vec<Diagnostic>) -> (Expr, u16) {
    let mut climber = Climber { file, tails: tails.into_iter().peekable(), problems, nesting: 0 };
    climber.expression(first, 0)
}

struct Climber<'p> {
    file: FileId,
    tails: std::iter::Peekable<std::vec::IntoIter<Tail>>,
    problems: &'p mut Vec<Diagnostic>,
    /// How many `not` operands are being built inside one another (each one recurses).
    nesting: u16,
}

impl Climber<'_> {
    fn limit(&mut self, expr: Expr, depth: u16) -> (Expr, u16) {
        if depth == POISONED {
            return (Expr { kind: ExprKind::Error, span: expr.span }, POISONED);
        }
        if depth > MAX_EXPR_DEPTH {
            self.problems.push(too_deep(self.file, expr.span));
            return (Expr { kind: ExprKind::Error, span: expr.span }, POISONED);
        }
        (expr, depth)
    }

    /// An operand with its leading `not`s applied: each `not` covers the comparison after it.
    fn operand(&mut self, operand: Operand) -> (Expr, u16) {
        let Operand { nots, expr, depth } = operand;
        if nots.is_empty() {
            return (expr, depth);
        }
        if self.nesting >= MAX_EXPR_DEPTH {
            // `not a == not b == not c ...`: stop before the recursion gets deep; the
            // rest of the expression becomes one error node.
            let mut whole = expr.span;
            for tail in self.tails.by_ref() {
                whole = whole.cover(match tail {
                    Tail::Binary { rhs, .. } => rhs.expr.span,
                    Tail::In { segment, .. } => segment.span,
                });
            }
            self.problems.push(too_deep(self.file, whole));
            return (Expr { kind: ExprKind::Error, span: whole }, POISONED);
        }
        self.nesting += 1;
        // Each level is a few frames; grow the stack rather than trust the caller's.
        let (mut expr, mut depth) =
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expression_from(expr, depth, COMPARISON_PRECEDENCE));
        self.nesting -= 1;
        for op_span in nots.into_iter().rev() {
            let s = op_span.cover(expr.span);
            let built = Expr { kind: ExprKind::Unary { op: UnaryOp::Not, op_span, operand: Box::new(expr) }, span: s };
            (expr, depth) = self.limit(built, deeper(depth, 0));
        }
        (expr, depth)
    }

    fn expression(&mut self, first: Operand, min: u8) -> (Expr, u16) {
        let (lhs, depth) = self.operand(first);
        self.expression_from(lhs, depth, min)
    }

    /// The binding power of the next operator, if any.
    fn next_level(&mut self) -> Option<u8> {
        self.tails.peek().map(|tail| match tail {
            Tail::Binary { op, .. } => precedence(*op),
            Tail::In { .. } => COMPARISON_PRECEDENCE,
        })
    }

    /// Continues an expression whose left operand is built, taking operators that bind at least `min`.
    fn expression_from(&mut self, mut lhs: Expr, mut depth: u16, min: u8) -> (Expr, u16) {
        let mut compared = false;
        while let Some(level) = self.next_level() {
            if level < min {
                break;
            }
            if level == COMPARISON_PRECEDENCE {
                if compared {
                    let op_span = match self.tails.peek() {
                        Some(Tail::Binary { op_span, .. } | Tail::In { op_span, .. }) => *op_span,
                        None => break,
                    };
                    self.problems.push(
                        Diagnostic::error(Code::ChainedComparison, "comparisons cannot be chained", self.file, op_span)
                            .with_label("a second comparison follows the first")
                            .with_help("compare twice and join with `and`: `a < b and b < c`"),
                    );
                }
                compared = true;
            }
            let built = match self.tails.next() {
                Some(Tail::In { op_span, segment }) => {
                    let s = lhs.span.cover(segment.span);
                    let new_depth = deeper(depth, 0);
                    (Expr { kind: ExprKind::In { lhs: Box::new(lhs), op_span, segment }, span: s }, new_depth)
                }
                Some(Tail::Binary { op, op_span, rhs }) => {
                    let (mut rhs, mut rhs_depth) = self.operand(rhs);
                    // Operators binding tighter than this one belong to the right operand.
                    while self.next_level().is_some_and(|next| next > level) {
                        (rhs, rhs_depth) = self.expression_from(rhs, rhs_depth, level + 1);
                    }
                    let s = lhs.span.cover(rhs.span);
                    let new_depth = deeper(depth, rhs_depth);
                    (
                        Expr {
                            kind: ExprKind::Binary { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) },
                            span: s,
                        },
                        new_depth,
                    )
                }
                None => break,
            };
            (lhs, depth) = self.limit(built.0, built.1);
        }
        (lhs, depth)
    }
}

fn too_deep(file: FileId, at: Span) -> Diagnostic {
    Diagnostic::error(Code::NestingTooDeep, "expression nested too deeply", file, at)
        .with_label(format!("this expression nests more than {MAX_EXPR_DEPTH} operators or parentheses"))
        .with_help("split the condition into segments, or simplify it")
}

fn setting_name(kind: &SettingKind) -> &'static str {
    match kind {
        SettingKind::StartOn { .. } | SettingKind::StartSegment { .. } => "start",
        SettingKind::Goal(_) => "goal",
        SettingKind::ExitOn { .. } => "exit on",
        SettingKind::Exclude(_) => "exclude",
        SettingKind::Suppress(_) => "suppress",
        SettingKind::Attribution(_) => "attribution",
        SettingKind::Reentry(_) => "reentry",
        SettingKind::Transactional => "transactional",
    }
}

/// Splits the items of a journey body into its settings and steps, reporting
/// settings written after the first step.
fn settings_then_steps<'tok, 'src, 'b, I, E>(
    items: Vec<Item>,
    e: &mut MapExtra<'tok, 'b, I, Extra<'tok, 'src, E>>,
) -> (Vec<Setting>, Vec<Step>)
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    let mut settings = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let Context { file, src } = e.state().0;
    for item in items {
        match item {
            Item::Setting(setting) => {
                if let Some(first) = steps.iter().find(|s| s.kind != StepKind::Error) {
                    let name = setting_name(&setting.kind);
                    let d = Diagnostic::error(
                        Code::SettingAfterStep,
                        format!("the `{name}` setting comes after a step"),
                        file,
                        setting.span,
                    )
                    .with_label("settings go before the steps")
                    .with_secondary(file, first.span.first_line(src), "the first step is here")
                    .with_help(format!("move `{name}` above the first step"));
                    e.emit(E::from_diagnostic(ParseSpan::from(setting.span.start..setting.span.end), d));
                }
                settings.push(setting);
            }
            Item::Step(step) => steps.push(step),
        }
    }
    (settings, steps)
}

/// The steps of a nested block, reporting settings written inside it.
fn steps_only<'tok, 'src, 'b, I, E>(items: Vec<Item>, e: &mut MapExtra<'tok, 'b, I, Extra<'tok, 'src, E>>) -> Vec<Step>
where
    I: ValueInput<'tok, Token = T, Span = ParseSpan>,
    E: SyntaxError<'tok, I> + 'tok,
{
    let file = e.state().0.file;
    let mut steps = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Step(step) => steps.push(step),
            Item::Setting(setting) => {
                let name = setting_name(&setting.kind);
                let d = Diagnostic::error(
                    Code::SettingAfterStep,
                    format!("the `{name}` setting is inside a block"),
                    file,
                    setting.span,
                )
                .with_label("settings apply to the whole journey")
                .with_help(format!("move `{name}` to the top of the journey, before the first step"));
                e.emit(E::from_diagnostic(ParseSpan::from(setting.span.start..setting.span.end), d));
            }
        }
    }
    steps
}
