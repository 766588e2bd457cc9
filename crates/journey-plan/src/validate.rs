//! Loading a plan: the JSON, its shape, then the references inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::*;

/// Why a plan cannot be used: every problem found, each with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// The file the plan came from.
    pub origin: String,
    /// The problems, each starting with its place in the document (`journeys[0].nodes[3].next`).
    pub problems: Vec<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} is not a valid plan:", self.origin)?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        write!(f, "rebuild it with `journey build`; plans are not meant to be edited by hand")
    }
}

impl std::error::Error for PlanError {}

pub(crate) fn load(origin: &str, text: &str) -> Result<Plan, PlanError> {
    let fail = |problem: String| PlanError { origin: origin.to_owned(), problems: vec![problem] };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| fail(format!("not JSON: {e}")))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(PLAN_FORMAT) => {}
        Some(other) => {
            return Err(fail(format!(
                "format: `{other}` is not a format this version reads (it reads `{PLAN_FORMAT}`)"
            )));
        }
        None => return Err(fail(format!("format: missing; a plan starts with \"format\": \"{PLAN_FORMAT}\""))),
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let plan: Plan = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        fail(format!("{path}: {inner}"))
    })?;
    let problems = check(&plan);
    if problems.is_empty() { Ok(plan) } else { Err(PlanError { origin: origin.to_owned(), problems }) }
}

/// The references and invariants that the JSON shape alone does not give.
fn check(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for (name, segment) in &plan.segments {
        if let SegmentPlan::Rule(rule) = segment {
            let scope = Scope { plan, event: None, start: None };
            scope.expr(rule, &format!("segments.{name}"), &mut problems);
        }
    }
    if let Some(cycle) = segment_cycle(plan) {
        problems.push(format!("segments.{cycle}: the segment depends on itself"));
    }
    for (i, journey) in plan.journeys.iter().enumerate() {
        let at = format!("journeys[{i}] (`{}`)", journey.name);
        if !names.insert(journey.name.as_str()) {
            problems.push(format!("{at}: a second journey with this name"));
        }
        check_journey(plan, journey, &at, &mut problems);
    }
    problems
}

fn check_journey(plan: &Plan, journey: &JourneyPlan, at: &str, problems: &mut Vec<String>) {
    if journey.version == 0 {
        problems.push(format!("{at}.version: versions start at 1"));
    }
    if journey.attribution == 0 {
        problems.push(format!("{at}.attribution: the window must be longer than 0 seconds"));
    }
    if let Reentry::After(0) = journey.reentry {
        problems.push(format!("{at}.reentry.after: must be longer than 0 seconds"));
    }
    let start_trigger = match &journey.start {
        StartPlan::Trigger(m) => Some(m.trigger.as_str()),
        StartPlan::Segment { segment, every } => {
            segment_exists(plan, segment, &format!("{at}.start.segment.segment"), problems);
            if *every == Some(0) {
                problems.push(format!("{at}.start.segment.every: must be longer than 0 seconds"));
            }
            None
        }
    };
    let scope = Scope { plan, event: None, start: start_trigger };
    if let StartPlan::Trigger(m) = &journey.start {
        scope.trigger_match(m, &format!("{at}.start.trigger"), problems);
    }
    if let Some(goal) = &journey.goal {
        if let GoalMeasure::Trigger(m) = &goal.measure {
            scope.trigger_match(m, &format!("{at}.goal.measure.trigger"), problems);
        }
        match goal.target {
            Some(Target::Count(0)) => problems.push(format!("{at}.goal.target.count: must be at least 1")),
            Some(Target::Percent(p)) if !(p > 0.0 && p <= 100.0) => {
                problems.push(format!("{at}.goal.target.percent: {p} is not in (0, 100]"))
            }
            _ => {}
        }
    }
    for (i, m) in journey.exit_on.iter().enumerate() {
        scope.trigger_match(m, &format!("{at}.exit_on[{i}]"), problems);
    }
    for (list, segments) in [("exclude", &journey.exclude), ("suppress", &journey.suppress)] {
        for (i, s) in segments.iter().enumerate() {
            segment_exists(plan, s, &format!("{at}.{list}[{i}]"), problems);
        }
    }
    let count = journey.nodes.len();
    let target = |next: Option<u32>, place: String, problems: &mut Vec<String>| {
        if let Some(n) = next
            && n as usize >= count
        {
            problems.push(format!("{place}: node {n} does not exist (the journey has {count} nodes)"));
        }
    };
    target(journey.entry, format!("{at}.entry"), problems);
    for (n, node) in journey.nodes.iter().enumerate() {
        let place = format!("{at}.nodes[{n}]");
        match &node.action {
            Action::Send { content, to, next } => {
                match plan.contents.get(content) {
                    None => problems.push(format!("{place}.content: no content is named `{content}`")),
                    Some(c) if c.channel != Channel::Push && to.is_none() => {
                        problems.push(format!("{place}.to: an {} needs an address attribute", c.channel.name()))
                    }
                    Some(_) => {}
                }
                if let Some(path) = to
                    && lookup(&plan.profile, path).is_none()
                {
                    problems.push(format!("{place}.to: the profile has no attribute `{}`", path.join(".")));
                }
                target(*next, format!("{place}.next"), problems);
            }
            Action::Wait { seconds, next } => {
                if *seconds == 0 {
                    problems.push(format!("{place}.seconds: must be longer than 0 seconds"));
                }
                target(*next, format!("{place}.next"), problems);
            }
            Action::Await { event, within, on_event, on_timeout } => {
                if *within == 0 {
                    problems.push(format!("{place}.within: must be longer than 0 seconds"));
                }
                match event {
                    AwaitedEvent::Message { content, .. } => {
                        if !plan.contents.contains_key(content) {
                            problems.push(format!("{place}.event.message.content: no content is named `{content}`"));
                        }
                    }
                    AwaitedEvent::Trigger(m) => scope.trigger_match(m, &format!("{place}.event.trigger"), problems),
                }
                target(*on_event, format!("{place}.on_event"), problems);
                target(*on_timeout, format!("{place}.on_timeout"), problems);
            }
            Action::Branch { arms, otherwise } => {
                for (i, arm) in arms.iter().enumerate() {
                    scope.expr(&arm.when, &format!("{place}.arms[{i}].when"), problems);
                    target(arm.next, format!("{place}.arms[{i}].next"), problems);
                }
                target(*otherwise, format!("{place}.otherwise"), problems);
            }
            Action::Split { arms } => {
                let total: f64 = arms.iter().map(|a| a.share).sum();
                if arms.is_empty() || (total - 100.0).abs() > 1e-9 {
                    problems.push(format!("{place}.arms: the shares add up to {total}%, not 100%"));
                }
                for (i, arm) in arms.iter().enumerate() {
                    target(arm.next, format!("{place}.arms[{i}].next"), problems);
                }
            }
            Action::Stage { next, .. } => target(*next, format!("{place}.next"), problems),
            Action::Exit => {}
        }
    }
    if problems.is_empty()
        && let Some(n) = node_cycle(journey)
    {
        problems.push(format!("{at}.nodes[{n}]: the steps loop back to this node without end"));
    }
}

fn segment_exists(plan: &Plan, name: &str, place: &str, problems: &mut Vec<String>) {
    if !plan.segments.contains_key(name) {
        problems.push(format!("{place}: no segment is named `{name}`"));
    }
}

/// The attribute at `path` in a record.
fn lookup<'a>(record: &'a BTreeMap<String, AttrType>, path: &[String]) -> Option<&'a AttrType> {
    let (first, rest) = path.split_first()?;
    let ty = record.get(first)?;
    match (ty, rest.is_empty()) {
        (_, true) => Some(ty),
        (AttrType::Record(inner), false) => lookup(inner, rest),
        (AttrType::Scalar(_), false) => None,
    }
}

/// What the names of an expression can read.
struct Scope<'a> {
    plan: &'a Plan,
    event: Option<&'a str>,
    start: Option<&'a str>,
}

impl<'a> Scope<'a> {
    fn trigger_match(&self, m: &'a TriggerMatch, place: &str, problems: &mut Vec<String>) {
        if !self.plan.triggers.contains_key(&m.trigger) {
            problems.push(format!("{place}.trigger: no trigger is named `{}`", m.trigger));
            return;
        }
        if let Some(c) = &m.condition {
            let scope = Scope { event: Some(&m.trigger), ..*self };
            scope.expr(c, &format!("{place}.where"), problems);
        }
    }

    fn expr(&self, expr: &'a Expr, place: &str, problems: &mut Vec<String>) {
        match expr {
            Expr::Attr(attr) => {
                let record = match attr.root {
                    AttrRoot::Profile => Some(&self.plan.profile),
                    AttrRoot::Event => self.event.and_then(|t| self.plan.triggers.get(t)).map(|t| &t.attributes),
                    AttrRoot::Start => self.start.and_then(|t| self.plan.triggers.get(t)).map(|t| &t.attributes),
                };
                if !matches!(record.and_then(|r| lookup(r, &attr.path)), Some(AttrType::Scalar(_))) {
                    problems.push(format!("{place}: `{}` reads no attribute here", attr.path.join(".")));
                }
            }
            Expr::InSegment(s) => segment_exists(self.plan, s, place, problems),
            Expr::Count { trigger, condition, .. }
            | Expr::Sum { trigger, condition, .. }
            | Expr::DaysSince { trigger, condition, .. } => {
                let Some(counted) = self.plan.triggers.get(trigger) else {
                    problems.push(format!("{place}: no trigger is named `{trigger}`"));
                    return;
                };
                if let Expr::Sum { attribute, .. } = expr
                    && !matches!(lookup(&counted.attributes, attribute), Some(AttrType::Scalar(_)))
                {
                    problems.push(format!("{place}: `{trigger}.{}` is not an attribute to sum", attribute.join(".")));
                }
                // In the `where` of `count(T where ...)`, bare names are T's attributes.
                if let Some(c) = condition {
                    Scope { event: Some(trigger), ..*self }.expr(c, place, problems);
                }
            }
            Expr::Not(e) | Expr::Neg(e) => self.expr(e, place, problems),
            Expr::Binary { lhs, rhs, .. } => {
                self.expr(lhs, place, problems);
                self.expr(rhs, place, problems);
            }
            Expr::Literal(_) => {}
        }
    }
}

/// A segment whose rule reaches itself, if any.
fn segment_cycle(plan: &Plan) -> Option<&str> {
    let reads = |name: &str| -> Vec<String> {
        let mut out = Vec::new();
        if let Some(SegmentPlan::Rule(rule)) = plan.segments.get(name) {
            crate::walk(rule, &mut |e| {
                if let Expr::InSegment(s) = e {
                    out.push(s.clone());
                }
            });
        }
        out
    };
    for name in plan.segments.keys() {
        let mut seen = BTreeSet::new();
        let mut stack = reads(name);
        while let Some(next) = stack.pop() {
            if next == *name {
                return Some(name);
            }
            if seen.insert(next.clone()) {
                stack.extend(reads(&next));
            }
        }
    }
    None
}

/// A node reachable from itself without passing a wait (an endless loop), if any.
/// Lowered plans never loop at all, so any cycle is reported.
fn node_cycle(journey: &JourneyPlan) -> Option<usize> {
    let successors = |node: &Node| -> Vec<u32> {
        let list: Vec<Option<u32>> = match &node.action {
            Action::Send { next, .. } | Action::Wait { next, .. } | Action::Stage { next, .. } => vec![*next],
            Action::Await { on_event, on_timeout, .. } => vec![*on_event, *on_timeout],
            Action::Branch { arms, otherwise } => arms.iter().map(|a| a.next).chain([*otherwise]).collect(),
            Action::Split { arms } => arms.iter().map(|a| a.next).collect(),
            Action::Exit => vec![],
        };
        list.into_iter().flatten().collect()
    };
    // Iterative depth-first search with colours: 0 new, 1 on the stack, 2 done.
    let mut colour = vec![0u8; journey.nodes.len()];
    for root in 0..journey.nodes.len() {
        if colour[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, successors(&journey.nodes[root]), 0usize)];
        colour[root] = 1;
        while let Some((node, next, index)) = stack.last_mut() {
            if let Some(&child) = next.get(*index) {
                *index += 1;
                let child = child as usize;
                match colour[child] {
                    0 => {
                        colour[child] = 1;
                        let succ = successors(&journey.nodes[child]);
                        stack.push((child, succ, 0));
                    }
                    1 => return Some(child),
                    _ => {}
                }
            } else {
                colour[*node] = 2;
                stack.pop();
            }
        }
    }
    None
}
