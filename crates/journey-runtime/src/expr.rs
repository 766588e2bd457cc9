//! Expressions compiled against the run's layouts, and their evaluation.
//!
//! A missing attribute (absent from the data, or `null`) makes the comparison
//! that reads it false, as SQL's `NULL` does: `not` of such a comparison is
//! false too, so a condition never holds because of a value nobody gave.

use journey_plan::{AttrRoot, BinaryOp, Expr, Literal};
use journey_time::Timestamp;

use crate::input::{Catalog, Layout, Value};

const DAY_MS: f64 = 86_400_000.0;

/// A compiled expression: names resolved to slots and indices.
#[derive(Clone, Debug)]
pub enum Compiled {
    /// A constant.
    Const(Value),
    /// An attribute slot of the profile.
    Profile(usize),
    /// An attribute slot of the event being matched.
    Event(usize),
    /// An attribute slot of the event that started the journey.
    Start(usize),
    /// Logical not.
    Not(Box<Compiled>),
    /// Negation.
    Neg(Box<Compiled>),
    /// A binary operation.
    Binary(BinaryOp, Box<Compiled>, Box<Compiled>),
    /// Segment membership.
    InSegment(u16),
    /// `count(T [where C] within D)`.
    Count { trigger: u16, condition: Option<Box<Compiled>>, within_ms: i64 },
    /// `sum(T.a [where C] within D)`.
    Sum { trigger: u16, slot: usize, condition: Option<Box<Compiled>>, within_ms: i64 },
    /// `days_since(T [where C])`.
    DaysSince { trigger: u16, condition: Option<Box<Compiled>> },
    /// A name the layouts do not have (a plan validated on load has none).
    Missing,
}

impl Compiled {
    /// Whether it reads the event that started the journey (`trigger.x`).
    pub fn reads_start(&self) -> bool {
        match self {
            Compiled::Start(_) => true,
            Compiled::Not(e) | Compiled::Neg(e) => e.reads_start(),
            Compiled::Binary(_, a, b) => a.reads_start() || b.reads_start(),
            Compiled::Count { condition, .. }
            | Compiled::Sum { condition, .. }
            | Compiled::DaysSince { condition, .. } => condition.as_ref().is_some_and(|c| c.reads_start()),
            Compiled::Const(_)
            | Compiled::Profile(_)
            | Compiled::Event(_)
            | Compiled::InSegment(_)
            | Compiled::Missing => false,
        }
    }
}

/// Compiles `expr`; `event` and `start` are the triggers bare names and `trigger.x` read.
pub fn compile(catalog: &Catalog, expr: &Expr, event: Option<u16>, start: Option<u16>) -> Compiled {
    let layout = |t: Option<u16>| t.map(|t| &catalog.trigger_layouts[t as usize]);
    let slot = |layout: Option<&Layout>, path: &[String]| layout.and_then(|l| l.slot(path));
    let sub = |e: &Expr| Box::new(compile(catalog, e, event, start));
    match expr {
        Expr::Literal(l) => Compiled::Const(match l {
            Literal::Number(n) => Value::Number(*n),
            Literal::Text(t) => Value::Text(t.as_str().into()),
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Datetime(t) => match Timestamp::parse(t) {
                Ok(t) => Value::Time(t.0),
                Err(_) => return Compiled::Missing,
            },
        }),
        Expr::Attr(a) => {
            let found = match a.root {
                AttrRoot::Profile => slot(Some(&catalog.profile), &a.path).map(Compiled::Profile),
                AttrRoot::Event => slot(layout(event), &a.path).map(Compiled::Event),
                AttrRoot::Start => slot(layout(start), &a.path).map(Compiled::Start),
            };
            found.unwrap_or(Compiled::Missing)
        }
        Expr::Not(e) => Compiled::Not(sub(e)),
        Expr::Neg(e) => Compiled::Neg(sub(e)),
        Expr::Binary { op, lhs, rhs } => Compiled::Binary(*op, sub(lhs), sub(rhs)),
        Expr::InSegment(s) => catalog.segment(s).map(Compiled::InSegment).unwrap_or(Compiled::Missing),
        Expr::Count { trigger, condition, within } => {
            let Some(t) = catalog.trigger(trigger) else { return Compiled::Missing };
            let condition = condition.as_ref().map(|c| Box::new(compile(catalog, c, Some(t), start)));
            Compiled::Count { trigger: t, condition, within_ms: journey_time::millis(*within) }
        }
        Expr::Sum { trigger, attribute, condition, within } => {
            let Some(t) = catalog.trigger(trigger) else { return Compiled::Missing };
            let Some(slot) = catalog.trigger_layouts[t as usize].slot(attribute) else { return Compiled::Missing };
            let condition = condition.as_ref().map(|c| Box::new(compile(catalog, c, Some(t), start)));
            Compiled::Sum { trigger: t, slot, condition, within_ms: journey_time::millis(*within) }
        }
        Expr::DaysSince { trigger, condition } => {
            let Some(t) = catalog.trigger(trigger) else { return Compiled::Missing };
            let condition = condition.as_ref().map(|c| Box::new(compile(catalog, c, Some(t), start)));
            Compiled::DaysSince { trigger: t, condition }
        }
    }
}

/// A value during evaluation, borrowing text.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Val<'a> {
    Number(f64),
    Text(&'a str),
    Bool(bool),
    Time(i64),
}

fn val(value: &Value) -> Val<'_> {
    match value {
        Value::Number(n) => Val::Number(*n),
        Value::Text(t) => Val::Text(t),
        Value::Bool(b) => Val::Bool(*b),
        Value::Time(t) => Val::Time(*t),
    }
}

/// One event of a profile's history, as behavioural functions read it.
#[derive(Clone, Debug)]
pub struct Past {
    /// The trigger.
    pub trigger: u16,
    /// When.
    pub ts: i64,
    /// Its attributes.
    pub data: Box<[Option<Value>]>,
}

/// What an expression can read.
pub struct Scope<'a> {
    /// The profile's attributes.
    pub profile: &'a [Option<Value>],
    /// The profile's history of the triggers behavioural functions read.
    pub history: &'a [Past],
    /// The event being matched.
    pub event: Option<&'a [Option<Value>]>,
    /// The event that started the journey.
    pub start: Option<&'a [Option<Value>]>,
    /// The current instant.
    pub now: i64,
    /// Whether the profile is a member of a segment (by index).
    pub member: &'a dyn Fn(u16) -> bool,
}

impl Scope<'_> {
    /// Whether a condition holds (a missing value makes it false).
    pub fn holds(&self, expr: &Compiled) -> bool {
        matches!(self.eval(expr), Some(Val::Bool(true)))
    }

    fn eval<'s>(&'s self, expr: &'s Compiled) -> Option<Val<'s>> {
        let slot = |values: Option<&'s [Option<Value>]>, i: usize| values?.get(i)?.as_ref().map(val);
        match expr {
            Compiled::Const(v) => Some(val(v)),
            Compiled::Profile(i) => slot(Some(self.profile), *i),
            Compiled::Event(i) => slot(self.event, *i),
            Compiled::Start(i) => slot(self.start, *i),
            Compiled::Missing => None,
            Compiled::Not(e) => match self.eval(e)? {
                Val::Bool(b) => Some(Val::Bool(!b)),
                _ => None,
            },
            Compiled::Neg(e) => match self.eval(e)? {
                Val::Number(n) => Some(Val::Number(-n)),
                _ => None,
            },
            Compiled::InSegment(s) => Some(Val::Bool((self.member)(*s))),
            Compiled::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs),
            Compiled::Count { trigger, condition, within_ms } => {
                let n = self.window(*trigger, condition.as_deref(), *within_ms).count();
                Some(Val::Number(n as f64))
            }
            Compiled::Sum { trigger, slot: s, condition, within_ms } => {
                let total = self
                    .window(*trigger, condition.as_deref(), *within_ms)
                    .filter_map(|p| match p.data.get(*s) {
                        Some(Some(Value::Number(n))) => Some(*n),
                        _ => None,
                    })
                    .sum();
                Some(Val::Number(total))
            }
            Compiled::DaysSince { trigger, condition } => {
                let latest = self.window(*trigger, condition.as_deref(), i64::MAX).map(|p| p.ts).max()?;
                Some(Val::Number(((self.now - latest) as f64 / DAY_MS).floor()))
            }
        }
    }

    /// The history events of `trigger` in the last `within_ms` (up to now) that match `condition`.
    fn window<'s>(
        &'s self,
        trigger: u16,
        condition: Option<&'s Compiled>,
        within_ms: i64,
    ) -> impl Iterator<Item = &'s Past> + 's {
        let from = self.now.saturating_sub(within_ms);
        self.history.iter().filter(move |p| {
            p.trigger == trigger
                && p.ts >= from
                && p.ts <= self.now
                && condition.is_none_or(|c| {
                    let scope = Scope { event: Some(&p.data), ..*self };
                    scope.holds(c)
                })
        })
    }

    fn binary<'s>(&'s self, op: BinaryOp, lhs: &'s Compiled, rhs: &'s Compiled) -> Option<Val<'s>> {
        use BinaryOp::*;
        match op {
            And => {
                // `false and missing` is false; `true and missing` is missing.
                let l = self.eval(lhs);
                if l == Some(Val::Bool(false)) {
                    return l;
                }
                let r = self.eval(rhs);
                match (l, r) {
                    (_, Some(Val::Bool(false))) => r,
                    (Some(Val::Bool(true)), Some(Val::Bool(true))) => r,
                    _ => None,
                }
            }
            Or => {
                let l = self.eval(lhs);
                if l == Some(Val::Bool(true)) {
                    return l;
                }
                let r = self.eval(rhs);
                match (l, r) {
                    (_, Some(Val::Bool(true))) => r,
                    (Some(Val::Bool(false)), Some(Val::Bool(false))) => r,
                    _ => None,
                }
            }
            _ => {
                let (l, r) = (self.eval(lhs)?, self.eval(rhs)?);
                let ordering = match (l, r) {
                    (Val::Number(a), Val::Number(b)) => a.partial_cmp(&b),
                    (Val::Text(a), Val::Text(b)) => Some(a.cmp(b)),
                    (Val::Time(a), Val::Time(b)) => Some(a.cmp(&b)),
                    (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(&b)),
                    _ => None,
                };
                let number = |f: fn(f64, f64) -> f64| match (l, r) {
                    (Val::Number(a), Val::Number(b)) => Some(Val::Number(f(a, b))),
                    _ => None,
                };
                match op {
                    Eq => Some(Val::Bool(ordering? == std::cmp::Ordering::Equal)),
                    Ne => Some(Val::Bool(ordering? != std::cmp::Ordering::Equal)),
                    Lt => Some(Val::Bool(ordering?.is_lt())),
                    Le => Some(Val::Bool(ordering?.is_le())),
                    Gt => Some(Val::Bool(ordering?.is_gt())),
                    Ge => Some(Val::Bool(ordering?.is_ge())),
                    Add => number(|a, b| a + b),
                    Sub => number(|a, b| a - b),
                    Mul => number(|a, b| a * b),
                    Div => match (l, r) {
                        (Val::Number(_), Val::Number(0.0)) => None,
                        _ => number(|a, b| a / b),
                    },
                    And | Or => None,
                }
            }
        }
    }
}
