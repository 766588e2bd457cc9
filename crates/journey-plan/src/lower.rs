//! Lowering: from the checked IR of a project to its [`Plan`].
//!
//! Node `i` of a journey is the step numbered `i` by the checker (pre-order),
//! so reports and editors can point from one to the other. An `else if` chain
//! that mixes immediate and event conditions needs a node per link: those
//! extra nodes come after the steps.

use std::collections::{BTreeMap, BTreeSet};

use journey_check::ir;
use journey_diagnostics::SourceMap;
use journey_time::Timestamp;
use sha2::{Digest, Sha256};
use smol_str::SmolStr;

use crate::model::*;
use crate::validate::Uses;

/// Lowers a project checked without errors to its plan. `previous` is the plan
/// built before, if any: a journey whose source is unchanged keeps its version,
/// a changed one gets the next version.
pub fn lower(program: &ir::Program, sources: &SourceMap, previous: Option<&Plan>) -> Plan {
    let lowering = Lowering { program };
    let profile = program.profile.as_ref().map(|p| lowering.record(&p.attributes)).unwrap_or_default();
    let triggers = program
        .triggers
        .iter()
        .map(|t| {
            let plan = TriggerPlan { source: source(t.source), attributes: lowering.record(&t.attributes) };
            (t.name.to_string(), plan)
        })
        .collect();
    let segments = program
        .segments
        .iter()
        .map(|s| {
            let plan = match &s.rule {
                ir::SegmentRule::Where(e) => SegmentPlan::Rule(lowering.expr(e)),
                ir::SegmentRule::List | ir::SegmentRule::Missing => SegmentPlan::List,
            };
            (s.name.to_string(), plan)
        })
        .collect();
    let contents = program.contents.iter().map(|c| (c.name.to_string(), lowering.content(c))).collect();
    let mut journeys: Vec<(&ir::JourneyDef, JourneyPlan)> =
        program.journeys.iter().filter_map(|j| Some((j, lowering.journey(j, sources)?))).collect();
    journeys.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let (definitions, journeys): (Vec<_>, Vec<_>) = journeys.into_iter().unzip();
    let mut plan = Plan { format: PLAN_FORMAT.to_owned(), profile, triggers, segments, contents, journeys };
    // The lists of what each journey uses, read from its lowered form (as the
    // loader does), then the hashes that cover them.
    let profile_json = serde_json::to_string(&plan.profile).unwrap_or_default();
    for (i, definition) in definitions.into_iter().enumerate() {
        let used = crate::validate::uses(&plan, &plan.journeys[i]);
        let list = |names: &BTreeSet<&str>| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let (contents, triggers, segments) = (list(&used.contents), list(&used.triggers), list(&used.segments));
        let source_hash = lowering.source_hash(definition, sources, &used, &profile_json);
        let journey = &mut plan.journeys[i];
        (journey.contents, journey.triggers, journey.segments) = (contents, triggers, segments);
        journey.source_hash = source_hash;
        journey.version = next_version(journey, previous);
    }
    let hashes: Vec<String> = plan.journeys.iter().map(|j| crate::plan_hash(&plan, j)).collect();
    for (journey, hash) in plan.journeys.iter_mut().zip(hashes) {
        journey.plan_hash = hash;
    }
    plan
}

/// The version of `journey`: the previous one when its source is unchanged, else one more.
fn next_version(journey: &JourneyPlan, previous: Option<&Plan>) -> u32 {
    let Some(before) = previous.and_then(|p| p.journeys.iter().find(|j| j.name == journey.name)) else {
        return 1;
    };
    if before.source_hash == journey.source_hash { before.version } else { before.version.saturating_add(1) }
}

fn source(source: ir::TriggerSource) -> TriggerSource {
    match source {
        ir::TriggerSource::Custom => TriggerSource::Custom,
        ir::TriggerSource::Commerce => TriggerSource::Commerce,
        ir::TriggerSource::Interaction => TriggerSource::Interaction,
        ir::TriggerSource::Dataverse => TriggerSource::Dataverse,
    }
}

fn channel(channel: ir::Channel) -> Channel {
    match channel {
        ir::Channel::Email => Channel::Email,
        ir::Channel::Sms => Channel::Sms,
        ir::Channel::Push => Channel::Push,
    }
}

fn scalar(scalar: ir::Scalar) -> ScalarType {
    match scalar {
        ir::Scalar::Text => ScalarType::Text,
        ir::Scalar::Int => ScalarType::Int,
        ir::Scalar::Number => ScalarType::Number,
        ir::Scalar::Money => ScalarType::Money,
        ir::Scalar::Bool => ScalarType::Bool,
        ir::Scalar::DateTime => ScalarType::Datetime,
        ir::Scalar::Email => ScalarType::Email,
        ir::Scalar::Phone => ScalarType::Phone,
    }
}

fn interaction(interaction: ir::Interaction) -> Interaction {
    match interaction {
        ir::Interaction::Opened => Interaction::Opened,
        ir::Interaction::Clicked => Interaction::Clicked,
        ir::Interaction::Delivered => Interaction::Delivered,
        ir::Interaction::Bounced => Interaction::Bounced,
    }
}

fn binary(op: ir::BinaryOp) -> BinaryOp {
    match op {
        ir::BinaryOp::Or => BinaryOp::Or,
        ir::BinaryOp::And => BinaryOp::And,
        ir::BinaryOp::Eq => BinaryOp::Eq,
        ir::BinaryOp::Ne => BinaryOp::Ne,
        ir::BinaryOp::Lt => BinaryOp::Lt,
        ir::BinaryOp::Le => BinaryOp::Le,
        ir::BinaryOp::Gt => BinaryOp::Gt,
        ir::BinaryOp::Ge => BinaryOp::Ge,
        ir::BinaryOp::Add => BinaryOp::Add,
        ir::BinaryOp::Sub => BinaryOp::Sub,
        ir::BinaryOp::Mul => BinaryOp::Mul,
        ir::BinaryOp::Div => BinaryOp::Div,
    }
}

fn strings(path: &[SmolStr]) -> Vec<String> {
    path.iter().map(|s| s.to_string()).collect()
}

struct Lowering<'a> {
    program: &'a ir::Program,
}

impl Lowering<'_> {
    fn record(&self, record: &ir::Record) -> BTreeMap<String, AttrType> {
        record
            .fields
            .iter()
            .map(|f| {
                let ty = match &f.ty {
                    ir::AttrType::Scalar(s) => AttrType::Scalar(scalar(*s)),
                    ir::AttrType::Record(r) => AttrType::Record(self.record(r)),
                };
                (f.name.to_string(), ty)
            })
            .collect()
    }

    fn content(&self, content: &ir::ContentDef) -> ContentPlan {
        let templates = content
            .templates()
            .map(|(property, template)| {
                let placeholders = template
                    .placeholders
                    .iter()
                    .filter_map(|p| {
                        let root = match p.root? {
                            ir::PlaceholderRoot::Profile => AttrRoot::Profile,
                            ir::PlaceholderRoot::Trigger => AttrRoot::Start,
                        };
                        Some(Placeholder {
                            written: p.written.clone(),
                            reads: AttrRef { root, path: strings(&p.path) },
                        })
                    })
                    .collect();
                (property.to_owned(), TemplatePlan { text: template.text.clone(), placeholders })
            })
            .collect();
        ContentPlan { channel: channel(content.channel), templates }
    }

    fn trigger_name(&self, id: ir::TriggerId) -> String {
        self.program.trigger(id).name.to_string()
    }

    fn segment_name(&self, id: ir::SegmentId) -> String {
        self.program.segment(id).name.to_string()
    }

    fn expr(&self, expr: &ir::Expr) -> Expr {
        let boxed = |e: &ir::Expr| Box::new(self.expr(e));
        let condition = |c: &Option<Box<ir::Expr>>| c.as_deref().map(boxed);
        match &expr.kind {
            ir::ExprKind::Literal(value) => Expr::Literal(match value {
                ir::Value::Number(n) => Literal::Number(*n),
                ir::Value::Text(t) => Literal::Text(t.clone()),
                ir::Value::Bool(b) => Literal::Bool(*b),
                ir::Value::DateTime(ms) => Literal::Datetime(Timestamp(*ms).to_string()),
            }),
            ir::ExprKind::Attribute(attr) => Expr::Attr(self.attr(attr)),
            ir::ExprKind::Not(e) => Expr::Not(boxed(e)),
            ir::ExprKind::Neg(e) => Expr::Neg(boxed(e)),
            ir::ExprKind::Binary { op, lhs, rhs } => Expr::Binary { op: binary(*op), lhs: boxed(lhs), rhs: boxed(rhs) },
            ir::ExprKind::InSegment(s) => Expr::InSegment(self.segment_name(*s)),
            ir::ExprKind::Count { trigger, condition: c, within } => {
                Expr::Count { trigger: self.trigger_name(*trigger), condition: condition(c), within: *within }
            }
            ir::ExprKind::Sum { trigger, attribute, condition: c, within } => Expr::Sum {
                trigger: self.trigger_name(*trigger),
                attribute: strings(attribute),
                condition: condition(c),
                within: *within,
            },
            ir::ExprKind::DaysSince { trigger, condition: c } => {
                Expr::DaysSince { trigger: self.trigger_name(*trigger), condition: condition(c) }
            }
            // A checked project has no error expression; `false` keeps the plan well-formed.
            ir::ExprKind::Error => Expr::Literal(Literal::Bool(false)),
        }
    }

    fn attr(&self, attr: &ir::AttrRef) -> AttrRef {
        let root = match attr.root {
            ir::AttrRoot::Profile => AttrRoot::Profile,
            ir::AttrRoot::Event(_) => AttrRoot::Event,
            ir::AttrRoot::StartTrigger(_) => AttrRoot::Start,
        };
        AttrRef { root, path: strings(&attr.path) }
    }

    fn trigger_match(&self, trigger: ir::TriggerId, condition: &Option<ir::Expr>) -> TriggerMatch {
        TriggerMatch { trigger: self.trigger_name(trigger), condition: condition.as_ref().map(|c| self.expr(c)) }
    }

    /// Lowers one journey; `None` for a journey with an unresolved start (a project with errors).
    /// Its lists of contents, triggers and segments and its hashes are filled in by [`lower`].
    fn journey(&self, journey: &ir::JourneyDef, sources: &SourceMap) -> Option<JourneyPlan> {
        let start = match journey.start.as_ref()? {
            ir::Start::Trigger { trigger, condition, .. } => {
                StartPlan::Trigger(self.trigger_match((*trigger)?, condition))
            }
            ir::Start::Segment { segment, every, .. } => {
                StartPlan::Segment { segment: self.segment_name((*segment)?), every: *every }
            }
        };
        let goal = journey.goal.as_ref().and_then(|g| {
            let measure = match g.measure.as_ref()? {
                ir::GoalMeasure::Trigger { trigger, condition } => {
                    GoalMeasure::Trigger(self.trigger_match((*trigger)?, condition))
                }
                ir::GoalMeasure::Notify { clicked } => {
                    GoalMeasure::Notify(if *clicked { Engagement::Clicked } else { Engagement::Opened })
                }
            };
            let target = g.target.map(|t| match t {
                ir::Target::Count(n) => Target::Count(n),
                ir::Target::Percent(p) => Target::Percent(p),
            });
            let kind = match g.kind? {
                ir::GoalKind::Purchase => GoalKind::Purchase,
                ir::GoalKind::Engage => GoalKind::Engage,
                ir::GoalKind::Loyalty => GoalKind::Loyalty,
                ir::GoalKind::Onboard => GoalKind::Onboard,
                ir::GoalKind::Notify => GoalKind::Notify,
                ir::GoalKind::Custom => GoalKind::Custom,
            };
            Some(GoalPlan { kind, measure, target })
        });
        let exit_on = journey.exits.iter().filter_map(|e| Some(self.trigger_match(e.trigger?, &e.condition))).collect();
        let names = |ids: &[ir::SegmentId]| -> Vec<String> { ids.iter().map(|s| self.segment_name(*s)).collect() };
        let exclude = names(&journey.exclude);
        let suppress = names(&journey.suppress);
        let reentry = match journey.reentry {
            ir::Reentry::Always => Reentry::Always,
            ir::Reentry::Never => Reentry::Never,
            ir::Reentry::After(s) => Reentry::After(s),
        };
        let file = sources.get(journey.decl.file);
        let steps = journey.all_steps();
        let mut graph = Graph { lowering: self, file, nodes: vec![None; steps.len()] };
        let entry = graph.block(&journey.steps, None, None);
        let Graph { nodes, .. } = graph;
        let nodes: Vec<Node> = nodes.into_iter().map(|n| n.unwrap_or_else(unreachable_node)).collect();
        let (entry, nodes) = reachable_only(entry, nodes);
        Some(JourneyPlan {
            name: journey.name.to_string(),
            version: 1,
            source_hash: String::new(),
            plan_hash: String::new(),
            start,
            goal,
            exit_on,
            exclude,
            suppress,
            attribution: journey.attribution,
            reentry,
            transactional: journey.transactional,
            entry,
            nodes,
            contents: Vec::new(),
            triggers: Vec::new(),
            segments: Vec::new(),
        })
    }

    /// `sha256:` and the hash of the texts of the journey and of every declaration it uses.
    fn source_hash(&self, journey: &ir::JourneyDef, sources: &SourceMap, uses: &Uses, profile_json: &str) -> String {
        let mut hasher = Sha256::new();
        let mut add = |loc: ir::Loc| {
            let text = sources.get(loc.file).slice(loc.span);
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        };
        add(journey.decl);
        for name in &uses.triggers {
            if let Some(id) = self.program.trigger_named(name) {
                add(self.program.trigger(id).decl);
            }
        }
        for name in &uses.contents {
            if let Some(id) = self.program.content_named(name) {
                add(self.program.content(id).decl);
            }
        }
        for name in &uses.segments {
            if let Some(id) = self.program.segment_named(name) {
                add(self.program.segment(id).decl);
            }
        }
        hasher.update(profile_json.as_bytes());
        let digest = hasher.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }
}

/// A node that no checked journey produces (a step with an error); it ends the journey.
fn unreachable_node() -> Node {
    Node { step: "exit".to_owned(), line: 0, stage: None, action: Action::Exit }
}

/// The nodes reachable from `entry`, in their order, renumbered to close up the
/// gaps. Steps the checker reports as never reached (after an `exit`) are left
/// out of the plan, as a compiler leaves out dead code.
fn reachable_only(entry: Option<u32>, mut nodes: Vec<Node>) -> (Option<u32>, Vec<Node>) {
    let reached = crate::validate::reached(entry, &nodes);
    if reached.iter().all(|r| *r) {
        return (entry, nodes);
    }
    let mut number = vec![None; nodes.len()];
    let mut count = 0u32;
    for (n, kept) in reached.iter().enumerate() {
        if *kept {
            number[n] = Some(count);
            count += 1;
        }
    }
    let renumber = |target: &mut Option<u32>| *target = target.and_then(|t| number[t as usize]);
    for node in &mut nodes {
        node.action.targets_mut().into_iter().for_each(renumber);
    }
    let kept = nodes.into_iter().zip(reached).filter_map(|(node, kept)| kept.then_some(node)).collect();
    (entry.and_then(|e| number[e as usize]), kept)
}

/// Calls `f` on `expr` and every expression inside it.
pub fn walk<'a>(expr: &'a Expr, f: &mut impl FnMut(&'a Expr)) {
    f(expr);
    match expr {
        Expr::Not(e) | Expr::Neg(e) => walk(e, f),
        Expr::Binary { lhs, rhs, .. } => {
            walk(lhs, f);
            walk(rhs, f);
        }
        Expr::Count { condition, .. } | Expr::Sum { condition, .. } | Expr::DaysSince { condition, .. } => {
            if let Some(c) = condition {
                walk(c, f);
            }
        }
        Expr::Literal(_) | Expr::Attr(_) | Expr::InSegment(_) => {}
    }
}

/// The flat graph of one journey, built step by step.
struct Graph<'a> {
    lowering: &'a Lowering<'a>,
    file: &'a journey_diagnostics::SourceFile,
    nodes: Vec<Option<Node>>,
}

impl Graph<'_> {
    /// Lowers `steps`, followed by `next`; returns the first node (or `next` when empty).
    fn block(&mut self, steps: &[ir::Step], next: Option<u32>, stage: Option<&str>) -> Option<u32> {
        let mut next = next;
        for step in steps.iter().rev() {
            next = Some(self.step(step, next, stage));
        }
        next
    }

    fn line(&self, span: journey_diagnostics::Span) -> u32 {
        self.file.position(span.start as usize, journey_diagnostics::ColumnUnit::Utf8).line + 1
    }

    /// The step as reports name it: its text up to its first block (`if opened
    /// M within 1d`, `split`, `stage awareness`, `send M to profile.email`),
    /// each run of spaces, line breaks and comments between two tokens written
    /// as one space, so that the name does not depend on the layout.
    fn label(&self, span: journey_diagnostics::Span) -> String {
        let text = self.file.text().get(span.range()).unwrap_or("");
        let mut label = String::new();
        let mut end = None;
        for token in journey_syntax::lex(journey_diagnostics::FileId(0), text).tokens {
            if token.kind == journey_syntax::TokenKind::LBrace {
                break;
            }
            let range = token.span.range();
            if end.is_some_and(|end| range.start > end) {
                label.push(' ');
            }
            label.push_str(&text[range.clone()]);
            end = Some(range.end);
        }
        label
    }

    fn push(&mut self, node: Node) -> u32 {
        self.nodes.push(Some(node));
        (self.nodes.len() - 1) as u32
    }

    fn step(&mut self, step: &ir::Step, next: Option<u32>, stage: Option<&str>) -> u32 {
        let id = step.id.0;
        let line = self.line(step.span);
        let mut label = self.label(step.span);
        let action = match &step.kind {
            ir::StepKind::Send { content, to } => {
                let name = content.map(|c| self.lowering.program.content(c).name.to_string()).unwrap_or_default();
                label = format!("send {name}");
                Action::Send { content: name, to: to.as_ref().map(|t| strings(&t.path)), next }
            }
            ir::StepKind::Wait(seconds) => Action::Wait { seconds: *seconds, next },
            ir::StepKind::Exit | ir::StepKind::Error => Action::Exit,
            ir::StepKind::Stage { name, steps } => {
                label = format!("stage {name}");
                let inner = self.block(steps, next, Some(name));
                Action::Stage { name: name.to_string(), next: inner }
            }
            ir::StepKind::Split { branches } => {
                let arms = branches
                    .iter()
                    .map(|b| SplitArm {
                        label: b.label.to_string(),
                        share: b.share,
                        next: self.block(&b.steps, next, stage),
                    })
                    .collect();
                Action::Split { arms }
            }
            ir::StepKind::If { branches, otherwise } => {
                let otherwise = otherwise.as_ref().map(|o| self.block(o, next, stage)).unwrap_or(next);
                return self.chain(id, line, label, stage, branches, otherwise, next);
            }
        };
        self.nodes[id as usize] = Some(Node { step: label, line, stage: stage.map(str::to_owned), action });
        id
    }

    /// An `if` chain: consecutive immediate conditions share a branch node, each
    /// event condition gets an await node. The first link is node `id`.
    #[allow(clippy::too_many_arguments)]
    fn chain(
        &mut self,
        id: u32,
        line: u32,
        label: String,
        stage: Option<&str>,
        branches: &[ir::Branch],
        otherwise: Option<u32>,
        next: Option<u32>,
    ) -> u32 {
        // Links are built from the last one, so each knows where failing goes.
        let mut links: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < branches.len() {
            let start = i;
            if matches!(branches[i].condition, ir::Condition::Expr(_)) {
                while i < branches.len() && matches!(branches[i].condition, ir::Condition::Expr(_)) {
                    i += 1;
                }
            } else {
                i += 1;
            }
            links.push((start, i));
        }
        let mut failing = otherwise;
        let mut first = id;
        for (position, &(from, to)) in links.iter().enumerate().rev() {
            let action = match &branches[from].condition {
                ir::Condition::Expr(_) => Action::Branch {
                    arms: branches[from..to]
                        .iter()
                        .map(|b| {
                            let when = match &b.condition {
                                ir::Condition::Expr(e) => self.lowering.expr(e),
                                ir::Condition::Event { .. } => Expr::Literal(Literal::Bool(false)),
                            };
                            Arm { when, next: self.block(&b.steps, next, stage) }
                        })
                        .collect(),
                    otherwise: failing,
                },
                ir::Condition::Event { negated, event, within } => {
                    let taken = self.block(&branches[from].steps, next, stage);
                    let event = match event {
                        ir::Event::Message { interaction: i, content } => {
                            let name =
                                content.map(|c| self.lowering.program.content(c).name.to_string()).unwrap_or_default();
                            AwaitedEvent::Message { interaction: interaction(*i), content: name }
                        }
                        ir::Event::Trigger { trigger, condition } => match trigger {
                            Some(t) => AwaitedEvent::Trigger(self.lowering.trigger_match(*t, condition)),
                            None => AwaitedEvent::Trigger(TriggerMatch { trigger: String::new(), condition: None }),
                        },
                    };
                    let (on_event, on_timeout) = if *negated { (failing, taken) } else { (taken, failing) };
                    Action::Await { event, within: *within, on_event, on_timeout }
                }
            };
            let node_label =
                if position == 0 { label.clone() } else { format!("else if {}", self.label(branches[from].span)) };
            let node = Node {
                step: node_label,
                line: self.line(branches[from].span),
                stage: stage.map(str::to_owned),
                action,
            };
            if position == 0 {
                let node = Node { line, ..node };
                self.nodes[id as usize] = Some(node);
                first = id;
            } else {
                failing = Some(self.push(node));
            }
        }
        first
    }
}
