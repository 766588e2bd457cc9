//! Expressions: resolving paths against the profile schema and trigger payloads,
//! typing operators, and the behavioural functions.

use journey_diagnostics::{Code, Diagnostic, FileId, Span};
use journey_syntax::ast::{self, BinaryOp, ExprKind as Syn, Ident, LiteralKind, UnaryOp};
use smol_str::SmolStr;

use crate::checker::{Checker, list};
use crate::ir::*;

/// What `trigger.x` can read where an expression is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartScope {
    /// A trigger-based journey: the payload of its start trigger.
    Trigger(TriggerId),
    /// A segment-based journey: nothing.
    SegmentJourney,
    /// A segment declaration: nothing.
    Segment,
    /// A journey whose start did not resolve: nothing, and no further error.
    Unknown,
}

/// Where an expression is written, and what its names mean there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scope {
    /// The file it is written in.
    pub file: FileId,
    /// In a trigger condition: bare names are this trigger's attributes.
    pub event: Option<TriggerId>,
    /// What `trigger.x` reads.
    pub start: StartScope,
    /// In a journey's `if`: a bare trigger name means a missing `within`.
    pub journey_branch: bool,
    /// In a condition on the events of a trigger that does not resolve (already
    /// reported): its bare names cannot be checked, and are not reported.
    pub unknown_event: bool,
}

impl Scope {
    /// The scope of a segment's `where` rule.
    pub fn segment(file: FileId) -> Scope {
        Scope { file, event: None, start: StartScope::Segment, journey_branch: false, unknown_event: false }
    }

    /// The scope of a condition on the events of `trigger`, inside `outer`.
    pub fn event(outer: &Scope, trigger: Option<TriggerId>) -> Scope {
        Scope { event: trigger, journey_branch: false, unknown_event: trigger.is_none(), ..*outer }
    }
}

fn typed(kind: ExprKind, ty: Option<Scalar>, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn error(span: Span) -> Expr {
    typed(ExprKind::Error, None, span)
}

fn type_name(ty: Scalar) -> String {
    format!("`{}`", ty.name())
}

impl Checker {
    /// Types `expr` and requires a true/false value.
    pub(crate) fn condition(&mut self, expr: &ast::Expr, scope: &Scope) -> Expr {
        let typed = self.expr(expr, scope);
        if let Some(ty) = typed.ty
            && ty != Scalar::Bool
        {
            let d = self
                .error(Code::TypeMismatch, "a condition must be true or false", scope.file, expr.span)
                .with_label(format!("this is {}", type_name(ty)))
                .with_help(if ty.is_numeric() {
                    "compare it with a value: `... > 0`"
                } else {
                    "compare it with a value: `... == \"value\"`"
                });
            self.report(d);
            return error(expr.span);
        }
        typed
    }

    /// Types an expression.
    pub(crate) fn expr(&mut self, expr: &ast::Expr, scope: &Scope) -> Expr {
        stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.expr_inner(expr, scope))
    }

    fn expr_inner(&mut self, expr: &ast::Expr, scope: &Scope) -> Expr {
        let span = expr.span;
        match &expr.kind {
            Syn::Literal(literal) => self.literal(literal, scope),
            Syn::Path(path) => self.path(path, scope),
            Syn::Paren(inner) => {
                let mut typed = self.expr(inner, scope);
                typed.span = span;
                typed
            }
            Syn::Unary { op: UnaryOp::Not, operand, .. } => {
                let operand = self.expr(operand, scope);
                match operand.ty {
                    Some(Scalar::Bool) => typed(ExprKind::Not(Box::new(operand)), Some(Scalar::Bool), span),
                    Some(ty) => {
                        let d = self
                            .error(Code::TypeMismatch, "`not` negates a true/false value", scope.file, operand.span)
                            .with_label(format!("this is {}", type_name(ty)));
                        self.report(d);
                        error(span)
                    }
                    None => error(span),
                }
            }
            Syn::Unary { op: UnaryOp::Neg, operand, .. } => {
                let operand = self.expr(operand, scope);
                match operand.ty {
                    Some(ty) if ty.is_numeric() => typed(ExprKind::Neg(Box::new(operand)), Some(ty), span),
                    Some(ty) => {
                        let d = self
                            .error(Code::TypeMismatch, "`-` negates a number", scope.file, operand.span)
                            .with_label(format!("this is {}", type_name(ty)));
                        self.report(d);
                        error(span)
                    }
                    None => error(span),
                }
            }
            Syn::Binary { op, op_span, lhs, rhs } => {
                let lhs = self.expr(lhs, scope);
                let rhs = self.expr(rhs, scope);
                self.binary(*op, *op_span, lhs, rhs, span, scope)
            }
            Syn::In { lhs, segment, .. } => {
                let is_profile =
                    matches!(&lhs.kind, Syn::Path(p) if p.segments.len() == 1 && p.segments[0].text == "profile");
                let target = self.segment(segment, scope.file);
                if !is_profile {
                    let d = self
                        .error(
                            Code::TypeMismatch,
                            "`in` tests the profile's membership of a segment",
                            scope.file,
                            lhs.span,
                        )
                        .with_label("write `profile` here")
                        .with_replacement("replace with `profile`", lhs.span, "profile");
                    self.report(d);
                    return error(span);
                }
                match target {
                    Some(id) => typed(ExprKind::InSegment(id), Some(Scalar::Bool), span),
                    None => error(span),
                }
            }
            Syn::Call(call) => self.call(call, scope),
            Syn::Error => error(span),
        }
    }

    fn literal(&mut self, literal: &ast::Literal, scope: &Scope) -> Expr {
        let span = literal.span;
        match &literal.kind {
            LiteralKind::Number(n) => typed(ExprKind::Literal(Value::Number(*n)), Some(Scalar::Number), span),
            LiteralKind::Bool(b) => typed(ExprKind::Literal(Value::Bool(*b)), Some(Scalar::Bool), span),
            LiteralKind::String(s) => typed(ExprKind::Literal(Value::Text(s.value.clone())), Some(Scalar::Text), span),
            LiteralKind::DateTime(t) => typed(ExprKind::Literal(Value::DateTime(*t)), Some(Scalar::DateTime), span),
            LiteralKind::Percent(p) => {
                let d = self
                    .error(Code::TypeMismatch, "a percentage is not a value in a condition", scope.file, span)
                    .with_label("percentages are goal targets and split shares")
                    .with_replacement("write it as a number", span, format_number(*p));
                self.report(d);
                error(span)
            }
            LiteralKind::Duration(_) => {
                let d = self
                    .error(Code::TypeMismatch, "a duration is not a value in a condition", scope.file, span)
                    .with_label("durations are waits and windows")
                    .with_help("`days_since(Trigger)` is a number of days: compare it with a number, as in `days_since(PurchaseCompleted) <= 30`");
                self.report(d);
                error(span)
            }
            LiteralKind::Error => error(span),
        }
    }

    fn binary(&mut self, op: BinaryOp, op_span: Span, lhs: Expr, rhs: Expr, span: Span, scope: &Scope) -> Expr {
        let (Some(l), Some(r)) = (lhs.ty, rhs.ty) else {
            return error(span);
        };
        let symbol = op.symbol();
        let result = match op {
            BinaryOp::And | BinaryOp::Or => {
                if l == Scalar::Bool && r == Scalar::Bool {
                    Some(Scalar::Bool)
                } else {
                    let (bad, ty) = if l != Scalar::Bool { (&lhs, l) } else { (&rhs, r) };
                    let d = self
                        .error(Code::TypeMismatch, format!("`{symbol}` joins true/false values"), scope.file, bad.span)
                        .with_label(format!("this is {}", type_name(ty)))
                        .with_help("compare it with a value first: `profile.age > 30 and ...`");
                    self.report(d);
                    return error(span);
                }
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let comparable = (l.is_numeric() && r.is_numeric()) || (l.is_textual() && r.is_textual()) || l == r;
                comparable.then_some(Scalar::Bool)
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ordered = (l.is_numeric() && r.is_numeric()) || (l == Scalar::DateTime && r == Scalar::DateTime);
                ordered.then_some(Scalar::Bool)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                if l.is_numeric() && r.is_numeric() {
                    Some(if l == Scalar::Money || r == Scalar::Money {
                        Scalar::Money
                    } else if l == Scalar::Int && r == Scalar::Int && op != BinaryOp::Div {
                        Scalar::Int
                    } else {
                        Scalar::Number
                    })
                } else {
                    None
                }
            }
        };
        match result {
            Some(ty) => typed(ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, Some(ty), span),
            None => {
                self.mismatch(op, op_span, &lhs, l, &rhs, r, scope);
                error(span)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn mismatch(&mut self, op: BinaryOp, op_span: Span, lhs: &Expr, l: Scalar, rhs: &Expr, r: Scalar, scope: &Scope) {
        let symbol = op.symbol();
        let message = if op.is_comparison() {
            if (l == r || (l.is_textual() && r.is_textual())) && !matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                format!("`{symbol}` orders numbers and datetimes, not {}", type_name(l))
            } else {
                format!("`{symbol}` cannot compare {} with {}", type_name(l), type_name(r))
            }
        } else {
            format!("`{symbol}` works on numbers, not {} and {}", type_name(l), type_name(r))
        };
        let mut d = self
            .error(Code::TypeMismatch, message, scope.file, op_span)
            .with_secondary(scope.file, lhs.span, format!("this is {}", type_name(l)))
            .with_secondary(scope.file, rhs.span, format!("this is {}", type_name(r)))
            .with_label("incompatible operands");
        // `cart.total > "50"`: a number written as a string.
        for (this, other) in [(rhs, l), (lhs, r)] {
            if let ExprKind::Literal(Value::Text(text)) = &this.kind
                && other.is_numeric()
                && text.trim().parse::<f64>().is_ok()
            {
                d = d.with_replacement(
                    format!("write the number without quotes: `{}`", text.trim()),
                    this.span,
                    text.trim().to_owned(),
                );
                break;
            }
            if let ExprKind::Literal(Value::Number(n)) = &this.kind
                && other.is_textual()
            {
                d = d.with_replacement(
                    format!("quote the text: `\"{}\"`", format_number(*n)),
                    this.span,
                    format!("\"{}\"", format_number(*n)),
                );
                break;
            }
        }
        if d.fix.is_none() && (l == Scalar::Bool || r == Scalar::Bool) && op.is_comparison() {
            d = d.with_help("a `bool` compares with `true` or `false`, as in `profile.subscribed == true`");
        }
        if d.fix.is_none() && d.help.is_empty() {
            d = d.with_help(if !op.is_comparison() {
                "`+`, `-`, `*` and `/` work on `int`, `number` and `money`"
            } else if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                "`int`, `number` and `money` compare with each other; `text`, `email` and `phone` with each other and with strings"
            } else {
                "`<`, `<=`, `>` and `>=` order `int`, `number` and `money` values, or two datetimes; test other values with `==` or `!=`"
            });
        }
        self.report(d);
    }

    /// Resolves a dotted path.
    fn path(&mut self, path: &ast::Path, scope: &Scope) -> Expr {
        let span = path.span;
        let first = &path.segments[0];
        let rest = &path.segments[1..];
        match first.text.as_str() {
            "profile" => {
                if rest.is_empty() {
                    let d = self
                        .error(Code::UnknownAttribute, "`profile` is the whole profile, not a value", scope.file, span)
                        .with_label("which attribute?")
                        .with_help("read one of its attributes (`profile.email`), or test membership with `profile in Segment`");
                    self.report(d);
                    return error(span);
                }
                self.profile_path(rest, scope.file, span)
            }
            "trigger" => {
                if rest.is_empty() {
                    let d = self
                        .error(Code::UnknownAttribute, "`trigger` is the whole event, not a value", scope.file, span)
                        .with_label("which attribute?")
                        .with_help("read one of its attributes, such as `trigger.cart.total`");
                    self.report(d);
                    return error(span);
                }
                match scope.start {
                    StartScope::Trigger(trigger) => {
                        self.trigger_path(trigger, AttrRoot::StartTrigger(trigger), rest, scope.file, span)
                    }
                    StartScope::Unknown => error(span),
                    StartScope::SegmentJourney => {
                        let d = self
                            .error(
                                Code::UnknownAttribute,
                                "this journey has no start trigger to read",
                                scope.file,
                                first.span,
                            )
                            .with_label("the journey starts on a segment")
                            .with_help(
                                "`trigger.x` reads the event that started a journey begun with `start on Trigger`",
                            );
                        self.report(d);
                        error(span)
                    }
                    StartScope::Segment => {
                        let d = self
                            .error(Code::UnknownAttribute, "a segment has no trigger to read", scope.file, first.span)
                            .with_label("segments describe profiles, not events")
                            .with_help("use the profile's attributes (`profile.x`) or its history (`count(Trigger within 30d)`)");
                        self.report(d);
                        error(span)
                    }
                }
            }
            _ => match scope.event {
                Some(trigger) => {
                    if let Some(d) = self.event_name_hint(trigger, path, scope.file) {
                        self.report(d);
                        return error(span);
                    }
                    self.trigger_path(trigger, AttrRoot::Event(trigger), &path.segments, scope.file, span)
                }
                None if scope.unknown_event => error(span),
                None => {
                    self.bare_name(first, path, scope);
                    error(span)
                }
            },
        }
    }

    /// In a trigger's `where`, a bare name that is not one of the trigger's
    /// attributes nor close to one: the diagnostic, with the fix to read the
    /// profile's attribute of that name (`profile.first_name`) or the trigger's
    /// one nested attribute ending with it (`cart.total`); `None` when neither
    /// fits (the usual "no attribute" error follows).
    fn event_name_hint(&self, trigger: TriggerId, path: &ast::Path, file: FileId) -> Option<Diagnostic> {
        let first = &path.segments[0];
        let def = &self.program.triggers[trigger.index()];
        let attributes = &def.attributes;
        let names: Vec<&str> = attributes.fields.iter().map(|f| f.name.as_str()).collect();
        if attributes.field(&first.text).is_some()
            || attributes.untyped.contains(&first.text)
            || journey_syntax::closest(&first.text, names.iter().copied()).is_some()
        {
            return None;
        }
        let dotted = path.dotted();
        let on_profile = self
            .program
            .profile
            .as_ref()
            .and_then(|p| p.attributes.lookup(&path.segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>()))
            .is_some();
        let nested: Vec<String> = attributes
            .scalar_paths()
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| p.strip_suffix(dotted.as_str()).is_some_and(|head| head.ends_with('.')))
            .collect();
        let d = Diagnostic::error(
            Code::UnknownAttribute,
            format!("the trigger `{}` has no attribute `{}`", def.name, first.text),
            file,
            first.span,
        )
        .with_label("unknown attribute");
        Some(if on_profile {
            d.with_help(format!(
                "bare names are the trigger's attributes: to read the profile, write `profile.{dotted}`"
            ))
            .with_replacement("read the profile", Span::empty(first.span.start as usize), "profile.")
        } else if let [only] = nested.as_slice() {
            d.with_help(format!("did you mean `{only}`?")).with_replacement(
                format!("replace `{dotted}` with `{only}`"),
                path.span,
                only.as_str(),
            )
        } else {
            return None;
        })
    }

    /// A bare name outside a trigger condition.
    fn bare_name(&mut self, first: &Ident, path: &ast::Path, scope: &Scope) {
        if scope.journey_branch && path.segments.len() == 1 && self.triggers.contains_key(&first.text) {
            self.trigger(first, scope.file); // a use of the trigger all the same
            let d = self
                .error(
                    Code::MissingWithin,
                    format!("waiting for `{}` needs a `within` limit", first.text),
                    scope.file,
                    first.span,
                )
                .with_label("an event condition without a deadline")
                .with_help(format!("say how long to wait: `if {} within 1d {{ ... }}`", first.text))
                .with_replacement("wait up to one day", Span::empty(first.span.end as usize), " within 1d");
            self.report(d);
            return;
        }
        let on_profile = self.program.profile.as_ref().is_some_and(|p| p.attributes.field(&first.text).is_some());
        let names: Vec<SmolStr> = path.segments.iter().map(|s| s.text.clone()).collect();
        let on_start = match scope.start {
            StartScope::Trigger(t) => self.program.trigger(t).attributes.lookup(&names).is_some(),
            _ => false,
        };
        let mut d = self
            .error(Code::UnknownAttribute, format!("unknown name `{}`", path.dotted()), scope.file, path.span)
            .with_label("not an attribute here");
        if on_start && !on_profile {
            d = d
                .with_help(format!("to read the event that started the journey, write `trigger.{}`", path.dotted()))
                .with_replacement("read the start trigger", Span::empty(first.span.start as usize), "trigger.");
        } else if on_profile {
            d = d.with_help(format!("to read the profile, write `profile.{}`", path.dotted())).with_replacement(
                "read the profile",
                Span::empty(first.span.start as usize),
                "profile.",
            );
        } else {
            d = d.with_help(match scope.start {
                StartScope::Segment => "in a segment, read the profile's attributes as `profile.x`",
                _ => "read the profile as `profile.x`, or the start trigger's event as `trigger.x`",
            });
        }
        self.report(d);
    }

    fn profile_path(&mut self, rest: &[Ident], file: FileId, span: Span) -> Expr {
        let Some(profile) = &self.program.profile else {
            let d = self
                .error(Code::MissingProfile, "there is no profile schema to read", file, span)
                .with_label("`profile.` reads the profile schema")
                .with_help("declare the attributes of a profile: `profile { email: email ... }`");
            self.report(d);
            return error(span);
        };
        // The record is borrowed from the program while the uses go to `program.uses`
        // (attribute uses are not declarations: `used` is not concerned).
        let found = resolve_attribute(
            &profile.attributes,
            rest,
            file,
            span,
            || "the profile".to_owned(),
            Symbol::ProfileAttribute,
            &mut self.program.uses,
        );
        match found {
            Ok((path, ty)) => typed(ExprKind::Attribute(AttrRef { root: AttrRoot::Profile, path }), Some(ty), span),
            Err(diagnostic) => {
                if let Some(d) = diagnostic {
                    self.report(*d);
                }
                error(span)
            }
        }
    }

    fn trigger_path(&mut self, trigger: TriggerId, root: AttrRoot, rest: &[Ident], file: FileId, span: Span) -> Expr {
        let def = &self.program.triggers[trigger.index()];
        let found = resolve_attribute(
            &def.attributes,
            rest,
            file,
            span,
            || format!("the trigger `{}`", def.name),
            |path| Symbol::TriggerAttribute(trigger, path),
            &mut self.program.uses,
        );
        match found {
            Ok((path, ty)) => typed(ExprKind::Attribute(AttrRef { root, path }), Some(ty), span),
            Err(diagnostic) => {
                if let Some(d) = diagnostic {
                    self.report(*d);
                }
                error(span)
            }
        }
    }

    /// `count(...)`, `sum(...)`, `days_since(...)`.
    fn call(&mut self, call: &ast::Call, scope: &Scope) -> Expr {
        let span = call.span;
        let name = call.function.text.as_str();
        if !matches!(name, "count" | "sum" | "days_since") {
            let mut d = self
                .error(Code::UnknownName, format!("unknown function `{name}`"), scope.file, call.function.span)
                .with_label("not a function");
            match journey_syntax::closest(name, ["count", "sum", "days_since"]) {
                Some(best) => {
                    d = d.with_help(format!("did you mean `{best}`?")).with_replacement(
                        format!("replace `{name}` with `{best}`"),
                        call.function.span,
                        best,
                    )
                }
                None => d = d.with_help("the functions are `count`, `sum` and `days_since`"),
            }
            self.report(d);
            return error(span);
        }
        let segments = &call.event.segments;
        let wants_attribute = name == "sum";
        if wants_attribute && segments.len() < 2 {
            // The trigger is still resolved (and so not reported as unused).
            self.trigger(&segments[0], scope.file);
            let d = self
                .error(Code::InvalidCall, "`sum` adds up an attribute of the events", scope.file, call.event.span)
                .with_label("which attribute?")
                .with_help(format!("write `sum({}.revenue within 365d)`", segments[0].text));
            self.report(d);
            return error(span);
        }
        if !wants_attribute && segments.len() > 1 {
            self.trigger(&segments[0], scope.file);
            let trigger = &segments[0].text;
            let example =
                if name == "count" { format!("count({trigger} within 90d)") } else { format!("{name}({trigger})") };
            let d = self
                .error(
                    Code::InvalidCall,
                    format!("`{name}` takes a trigger, not an attribute"),
                    scope.file,
                    call.event.span,
                )
                .with_label("a trigger name")
                .with_help(format!("name the trigger alone, as in `{example}`; to add up an attribute use `sum`"))
                .with_replacement(format!("keep `{trigger}`"), call.event.span, trigger.clone());
            self.report(d);
            return error(span);
        }
        let trigger = self.trigger(&segments[0], scope.file);
        // A condition on the trigger's events, as in `start on T where ...` (rule 6 too).
        let condition = call.condition.as_ref().map(|c| Box::new(self.trigger_condition(c, trigger, scope)));
        let within = match (&call.within, name) {
            (Some(d), "days_since") => {
                let diag = self
                    .error(Code::InvalidCall, "`days_since` has no window", scope.file, d.span)
                    .with_label("not allowed here")
                    .with_help("`days_since(T)` counts the days since the latest event, however old");
                self.report(diag);
                None
            }
            (Some(d), _) => self.positive(d, scope.file, "a window"),
            (None, "days_since") => None,
            (None, _) => {
                let d = self
                    .error(Code::MissingWithin, format!("`{name}` needs a `within` window"), scope.file, call.span)
                    .with_label("over which period?")
                    .with_help(format!("add a window: `{name}({} within 90d)`", call.event.dotted()))
                    .with_replacement(
                        if name == "sum" { "sum over 90 days" } else { "count over 90 days" },
                        Span::empty(call.span.end as usize - 1),
                        " within 90d",
                    );
                self.report(d);
                None
            }
        };
        let Some(trigger) = trigger else { return error(span) };
        match name {
            "count" => match within {
                Some(within) => typed(ExprKind::Count { trigger, condition, within }, Some(Scalar::Int), span),
                None => error(span),
            },
            "days_since" => typed(ExprKind::DaysSince { trigger, condition }, Some(Scalar::Number), span),
            _ => {
                let attribute =
                    self.trigger_path(trigger, AttrRoot::Event(trigger), &segments[1..], scope.file, call.event.span);
                match (attribute.ty, attribute.kind, within) {
                    (Some(ty), ExprKind::Attribute(attr), Some(within)) if ty.is_numeric() => {
                        typed(ExprKind::Sum { trigger, attribute: attr.path, condition, within }, Some(ty), span)
                    }
                    (Some(ty), _, _) if !ty.is_numeric() => {
                        let d = self
                            .error(Code::TypeMismatch, "`sum` adds up numbers", scope.file, call.event.span)
                            .with_label(format!("this is {}", type_name(ty)));
                        self.report(d);
                        error(span)
                    }
                    _ => error(span),
                }
            }
        }
    }
}

/// A number as written in a fix: `50`, `12.5`.
fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

/// The distinct attributes an expression reads (rule 6 counts them).
pub(crate) fn attributes_read(expr: &Expr) -> Vec<(AttrRoot, AttrPath)> {
    let mut found: Vec<(AttrRoot, AttrPath)> = Vec::new();
    expr.visit(&mut |e| {
        if let ExprKind::Attribute(a) = &e.kind {
            let key = (a.root, a.path.clone());
            if !found.contains(&key) {
                found.push(key);
            }
        }
    });
    found
}

/// Looks `segments` up in `record`, recording each use in `uses`; what does not
/// resolve is returned as the diagnostic to report.
fn resolve_attribute(
    record: &Record,
    segments: &[Ident],
    file: FileId,
    span: Span,
    owner: impl FnOnce() -> String,
    symbol: impl Fn(AttrPath) -> Symbol,
    uses: &mut Vec<Use>,
) -> Result<(AttrPath, Scalar), Option<Box<Diagnostic>>> {
    let mut current = record;
    for (i, segment) in segments.iter().enumerate() {
        let Some(field) = current.field(&segment.text) else {
            if current.untyped.contains(&segment.text) {
                return Err(None);
            }
            let so_far = if i == 0 { owner() } else { format!("`{}`", ast::dotted(&segments[..i])) };
            // Attributes of unknown types are declared names too: suggested, listed.
            let candidates: Vec<&str> = current
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .chain(current.untyped.iter().map(|n| n.as_str()))
                .collect();
            let mut d = Diagnostic::error(
                Code::UnknownAttribute,
                format!("{so_far} has no attribute `{}`", segment.text),
                file,
                segment.span,
            )
            .with_label("unknown attribute");
            if let Some(best) = journey_syntax::closest(&segment.text, candidates.iter().copied()) {
                d = d.with_help(format!("did you mean `{best}`?")).with_replacement(
                    format!("replace `{}` with `{best}`", segment.text),
                    segment.span,
                    best,
                );
            } else if candidates.is_empty() {
                d = d.with_help(format!("{so_far} declares no attributes"));
            } else {
                d = d.with_help(format!("its attributes are {}", list(candidates)));
            }
            return Err(Some(Box::new(d)));
        };
        uses.push(Use { loc: Loc { file, span: segment.span }, symbol: symbol(field.path.clone()) });
        match &field.ty {
            AttrType::Scalar(scalar) if i + 1 == segments.len() => return Ok((field.path.clone(), *scalar)),
            AttrType::Scalar(scalar) => {
                let d = Diagnostic::error(
                    Code::UnknownAttribute,
                    format!("`{}` is {}, it has no attributes", field.path.join("."), type_name(*scalar)),
                    file,
                    segments[i + 1].span,
                )
                .with_label("nothing to read here");
                return Err(Some(Box::new(d)));
            }
            AttrType::Record(inner) if i + 1 == segments.len() => {
                let fields: Vec<&str> = inner.fields.iter().map(|f| f.name.as_str()).collect();
                let d = Diagnostic::error(
                    Code::UnknownAttribute,
                    format!("`{}` is a record, not a value", field.path.join(".")),
                    file,
                    span,
                )
                .with_label("a record, not one value")
                .with_help(format!("read one of its attributes: {}", list(fields)));
                return Err(Some(Box::new(d)));
            }
            AttrType::Record(inner) => current = inner,
        }
    }
    Err(None)
}
