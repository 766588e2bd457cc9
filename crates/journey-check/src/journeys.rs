//! Journeys: settings, steps, and the rules that need the whole journey.

use journey_diagnostics::{Code, FileId, Span};
use journey_syntax::ast::{self, EventPattern, GoalMeasure as SynMeasure, LiteralKind, SettingKind, StepKind as Syn};
use smol_str::SmolStr;

use crate::checker::{Checker, FastMap, FastSet, list};
use crate::declarations::Sources;
use crate::expressions::{Scope, StartScope, attributes_read};
use crate::flow::analyse;
use crate::ir::*;

/// At most this many attributes in one trigger condition (seed 001).
pub const MAX_CONDITION_ATTRIBUTES: usize = 29;

/// What steps need while they are lowered.
struct StepContext {
    file: FileId,
    scope: Scope,
    next_id: u32,
}

impl Checker {
    /// Pass 4: every journey, then the rules across journeys.
    pub(crate) fn journeys(&mut self, sources: &Sources<'_>, texts: &[&str]) {
        for (index, (file, decl, journey)) in sources.journeys.iter().enumerate() {
            let def = self.journey(*file, decl, journey, texts[file.0 as usize]);
            self.program.journeys[index] = def;
        }
        self.shared_goal_triggers();
    }

    fn journey(&mut self, file: FileId, decl: &ast::Decl, journey: &ast::JourneyDecl, text: &str) -> JourneyDef {
        let mut def = JourneyDef::declared(
            journey.name.text.clone(),
            Loc { file, span: journey.name.span },
            Loc { file, span: decl.span },
            decl.docs.as_ref().map(|d| d.text.clone()),
        );

        // The start comes first: it decides what `trigger.x` means everywhere else.
        let starts: Vec<&ast::Setting> = journey
            .settings
            .iter()
            .filter(|s| matches!(s.kind, SettingKind::StartOn { .. } | SettingKind::StartSegment { .. }))
            .collect();
        let start_scope = match starts.first() {
            None => {
                let d = self
                    .error(
                        Code::MissingStart,
                        format!("the journey `{}` has no `start`", journey.name.text),
                        file,
                        journey.name.span,
                    )
                    .with_label("how do profiles enter?")
                    .with_help("add `start on Trigger` (a customer's action) or `start segment Segment` (an audience)");
                self.report(d);
                StartScope::Unknown
            }
            Some(first) => {
                for extra in &starts[1..] {
                    // Resolve the extra start's name all the same: the trigger or segment it
                    // names is then not also reported as unused (and a misspelt one is reported).
                    match &extra.kind {
                        SettingKind::StartOn { trigger, .. } => {
                            self.trigger(trigger, file);
                        }
                        SettingKind::StartSegment { segment, .. } => {
                            self.segment(segment, file);
                        }
                        _ => {}
                    }
                    let d = self
                        .error(Code::DuplicateStart, "a journey has exactly one `start`", file, extra.span)
                        .with_label("a second `start`")
                        .with_secondary(file, first.span, "the first `start` is here")
                        .with_help("write one journey per way in (journeys can send the same messages)");
                    self.report(d);
                }
                let (start, scope) = self.start(file, first);
                def.start = Some(start);
                scope
            }
        };
        let scope = Scope { file, event: None, start: start_scope, journey_branch: false, unknown_event: false };

        let mut goal_seen: Option<Span> = None;
        let mut attribution_seen: Option<Span> = None;
        let mut reentry_seen: Option<Span> = None;
        let mut transactional_seen: Option<Span> = None;
        for setting in &journey.settings {
            let loc = Loc { file, span: setting.span };
            match &setting.kind {
                SettingKind::StartOn { .. } | SettingKind::StartSegment { .. } => {}
                SettingKind::Goal(goal) => {
                    if let Some(first) = goal_seen {
                        let d = self
                            .error(Code::DuplicateGoal, "a journey has at most one `goal`", file, setting.span)
                            .with_label("a second goal")
                            .with_secondary(file, first, "the first goal is here")
                            .with_help(
                                "measure the other outcome in its own journey, or keep the goal that matters most",
                            );
                        self.report(d);
                        continue;
                    }
                    goal_seen = Some(setting.span);
                    def.goal = Some(self.goal(goal, loc, &scope, &def));
                }
                SettingKind::ExitOn { trigger, condition } => {
                    let id = self.trigger(trigger, file);
                    let condition = condition.as_ref().map(|c| self.trigger_condition(c, id, &scope));
                    def.exits.push(ExitOn { trigger: id, condition, loc });
                }
                SettingKind::Exclude(segment) => {
                    if let Some(id) = self.segment(segment, file) {
                        def.exclude.push(id);
                    }
                }
                SettingKind::Suppress(segment) => {
                    if let Some(id) = self.segment(segment, file) {
                        def.suppress.push(id);
                    }
                }
                SettingKind::Attribution(duration) => {
                    if let Some(first) = attribution_seen {
                        self.duplicate_setting("attribution", setting.span, first, file);
                        continue;
                    }
                    attribution_seen = Some(setting.span);
                    if let Some(seconds) = self.positive(duration, file, "the attribution window") {
                        def.attribution = seconds;
                    }
                }
                SettingKind::Reentry(reentry) => {
                    if let Some(first) = reentry_seen {
                        self.duplicate_setting("reentry", setting.span, first, file);
                        continue;
                    }
                    reentry_seen = Some(setting.span);
                    def.reentry = match reentry {
                        ast::Reentry::Always(_) => Reentry::Always,
                        ast::Reentry::Never(_) => Reentry::Never,
                        ast::Reentry::After(d) => {
                            self.positive(d, file, "the reentry delay").map_or(Reentry::Always, Reentry::After)
                        }
                        ast::Reentry::Unknown(word) => {
                            let mut d = self
                                .error(
                                    Code::InvalidSetting,
                                    format!("`reentry {}` is not a reentry rule", word.text),
                                    file,
                                    word.span,
                                )
                                .with_label("`always`, `never` or `after DURATION`");
                            if let Some(best) = journey_syntax::closest(&word.text, ["always", "never", "after"]) {
                                d = d.with_help(format!("did you mean `{best}`?"));
                                if best != "after" {
                                    d = d.with_replacement(format!("replace with `{best}`"), word.span, best);
                                }
                            }
                            self.report(d);
                            Reentry::Always
                        }
                    };
                }
                SettingKind::Transactional => {
                    if let Some(first) = transactional_seen {
                        self.duplicate_setting("transactional", setting.span, first, file);
                        continue;
                    }
                    transactional_seen = Some(setting.span);
                    def.transactional = true;
                }
            }
        }
        for segment in &def.exclude {
            if def.suppress.contains(segment) {
                let name = self.program.segment(*segment).name.clone();
                let at = journey
                    .settings
                    .iter()
                    .find(|s| matches!(&s.kind, SettingKind::Suppress(i) if i.text == name))
                    .map_or(journey.name.span, |s| s.span);
                let excluded = journey
                    .settings
                    .iter()
                    .find(|s| matches!(&s.kind, SettingKind::Exclude(i) if i.text == name))
                    .map_or(journey.name.span, |s| s.span);
                let d = self
                    .warning(Code::ExcludedAndSuppressed, format!("`{name}` is both excluded and suppressed"), file, at)
                    .with_label("suppressed here")
                    .with_secondary(file, excluded, "and excluded here")
                    .with_help("keep `exclude` to keep members out, or `suppress` to let them leave when they join the segment");
                self.report(d);
            }
        }

        let mut context = StepContext { file, scope: Scope { journey_branch: true, ..scope }, next_id: 0 };
        def.steps = self.steps(&journey.steps, &mut context, text);
        let (flow, summary) = analyse(self, &def, text);
        def.flow = flow;
        def.summary = summary;
        self.publish_readiness(&def, journey, text);
        self.trigger_placeholders(&def);
        def
    }

    fn duplicate_setting(&mut self, name: &str, at: Span, first: Span, file: FileId) {
        let d = self
            .error(Code::DuplicateItem, format!("`{name}` is set twice"), file, at)
            .with_label("set again here")
            .with_secondary(file, first, "first set here")
            .with_help(format!("keep one `{name}`"));
        self.report(d);
    }

    fn start(&mut self, file: FileId, setting: &ast::Setting) -> (Start, StartScope) {
        let loc = Loc { file, span: setting.span };
        match &setting.kind {
            SettingKind::StartOn { trigger, condition } => {
                let id = self.trigger(trigger, file);
                let scope = match id {
                    Some(id) => StartScope::Trigger(id),
                    None => StartScope::Unknown,
                };
                let outer = Scope { file, event: None, start: scope, journey_branch: false, unknown_event: false };
                let condition = condition.as_ref().map(|c| self.trigger_condition(c, id, &outer));
                (Start::Trigger { trigger: id, condition, loc }, scope)
            }
            SettingKind::StartSegment { segment, every } => {
                let id = self.segment(segment, file);
                let every = every.as_ref().and_then(|d| self.positive(d, file, "the repeat period"));
                (Start::Segment { segment: id, every, loc }, StartScope::SegmentJourney)
            }
            _ => unreachable!("only start settings are passed"),
        }
    }

    /// A `where` condition on the events of `trigger` (rule 6 limits its attributes).
    pub(crate) fn trigger_condition(
        &mut self,
        clause: &ast::WhereClause,
        trigger: Option<TriggerId>,
        outer: &Scope,
    ) -> Expr {
        let scope = Scope::event(outer, trigger);
        let condition = self.condition(&clause.condition, &scope);
        let read = attributes_read(&condition);
        if read.len() > MAX_CONDITION_ATTRIBUTES {
            let d = self
                .error(
                    Code::TooManyConditionAttributes,
                    format!(
                        "this condition uses {} attributes; a trigger condition may use {MAX_CONDITION_ATTRIBUTES}",
                        read.len()
                    ),
                    outer.file,
                    clause.condition.span,
                )
                .with_label(format!("{} distinct attributes", read.len()))
                .with_help(if read.iter().any(|(root, _)| *root == AttrRoot::Profile) {
                    "move the part on the profile into a segment and test `profile in Segment`"
                } else {
                    "send a ready-made value with the event (a score, a category) and test that instead"
                });
            self.report(d);
        }
        condition
    }

    fn goal(&mut self, goal: &ast::Goal, loc: Loc, scope: &Scope, journey: &JourneyDef) -> Goal {
        let file = loc.file;
        let kind = GoalKind::from_keyword(&goal.kind.text);
        if kind.is_none() {
            let mut d = self
                .error(Code::InvalidGoal, format!("`{}` is not a goal type", goal.kind.text), file, goal.kind.span)
                .with_label(format!("the goal types are {}", list(GoalKind::NAMES)));
            if let Some(best) = journey_syntax::closest(&goal.kind.text, GoalKind::NAMES) {
                d = d.with_help(format!("did you mean `{best}`?")).with_replacement(
                    format!("replace with `{best}`"),
                    goal.kind.span,
                    best,
                );
            }
            self.report(d);
        }
        let notify = kind == Some(GoalKind::Notify);
        let measure = match (&goal.measure, notify) {
            (SynMeasure::Trigger { trigger, condition, .. }, false) => {
                let id = self.trigger(trigger, file);
                if let Some(id) = id {
                    self.goal_trigger(id, trigger.span, file);
                    if journey.start.as_ref().and_then(Start::trigger) == Some(id) {
                        let d = self
                            .warning(Code::GoalOnStartTrigger, "the goal is the start trigger", file, trigger.span)
                            .with_label("every profile that enters has already reached it")
                            .with_help(
                                "measure what the journey should lead to, such as a purchase after an abandoned cart",
                            );
                        self.report(d);
                    }
                }
                let condition = condition.as_ref().map(|c| self.trigger_condition(c, id, scope));
                Some(GoalMeasure::Trigger { trigger: id, condition })
            }
            (SynMeasure::Trigger { on, trigger, .. }, true) => {
                // Resolved all the same, so that the trigger is not also reported as unused.
                self.trigger(trigger, file);
                let d = self
                    .error(Code::InvalidGoal, "a `notify` goal is measured by opens or clicks, not by a trigger", file, on.cover(trigger.span))
                    .with_label("not for `notify`")
                    .with_help("write `goal notify opened` or `goal notify clicked`; to count a trigger, use another goal type such as `custom`");
                self.report(d);
                None
            }
            (SynMeasure::Interaction { event, message }, true) => {
                let clicked = match event.text.as_str() {
                    "opened" => Some(false),
                    "clicked" => Some(true),
                    other => {
                        let d = self
                            .error(
                                Code::InvalidGoal,
                                format!("a `notify` goal counts opens or clicks, not `{other}`"),
                                file,
                                event.span,
                            )
                            .with_label("`opened` or `clicked`")
                            .with_help("write `goal notify opened` or `goal notify clicked`");
                        self.report(d);
                        None
                    }
                };
                if let Some(message) = message {
                    let d = self
                        .error(Code::InvalidGoal, "a `notify` goal cannot name a message", file, message.span)
                        .with_label("it counts every message of the journey")
                        .with_help("the goal is reached when a profile opens (or clicks) any message of the journey")
                        .with_replacement(
                            "remove the message name",
                            Span::new(event.span.end as usize, message.span.end as usize),
                            "",
                        );
                    self.report(d);
                }
                clicked.map(|clicked| GoalMeasure::Notify { clicked })
            }
            (SynMeasure::Interaction { event, .. }, false) => {
                let name = kind.map_or("this", GoalKind::keyword);
                let d = self
                    .error(Code::InvalidGoal, format!("a `{name}` goal is measured by a trigger"), file, event.span)
                    .with_label("opens and clicks measure `notify` goals")
                    .with_help(if event.text == "clicked" {
                        format!("write `goal {name} on Trigger`, or `goal notify clicked` to count clicks")
                    } else {
                        format!("write `goal {name} on Trigger`, or `goal notify opened` to count opens")
                    });
                self.report(d);
                None
            }
            (SynMeasure::Named(name), true) => {
                // A message of that name is not also reported as unused (nor is an
                // unknown name reported: the name itself is the mistake).
                if let Some(&id) = self.contents.get(&name.text) {
                    self.used.insert(DeclRef::Content(id));
                }
                let d = self
                    .error(Code::InvalidGoal, "a `notify` goal cannot name a message", file, name.span)
                    .with_label("it counts every message of the journey")
                    .with_help("write `goal notify opened` or `goal notify clicked`: the goal is reached when a profile opens (or clicks) any message of the journey")
                    .with_replacement("measure opens", name.span, "opened");
                self.report(d);
                None
            }
            (SynMeasure::Named(name), false) => {
                let id = self.trigger(name, file);
                let kind = kind.map_or("custom", GoalKind::keyword);
                let d = self
                    .error(Code::InvalidGoal, "the goal's trigger comes after `on`", file, name.span)
                    .with_label("`on` is missing before this trigger")
                    .with_help(format!("write `goal {kind} on {}`", name.text))
                    .with_replacement("add `on`", Span::empty(name.span.start as usize), "on ");
                self.report(d);
                id.map(|id| GoalMeasure::Trigger { trigger: Some(id), condition: None })
            }
            (SynMeasure::Missing(_), _) => {
                let example = if notify {
                    "goal notify opened".to_owned()
                } else {
                    format!("goal {} on PurchaseCompleted", goal.kind.text)
                };
                // The missing measure is an empty span after the goal type: the
                // label goes on the goal type, which the reader can see.
                let d = self
                    .error(Code::InvalidGoal, "the goal does not say what it measures", file, goal.kind.span)
                    .with_label("missing measure")
                    .with_help(format!("write `{example}`"));
                self.report(d);
                None
            }
        };
        let target = goal.target.as_ref().and_then(|t| self.target(t, file));
        Goal { kind, measure, target, loc }
    }

    /// Rule 3: only custom and commerce triggers measure goals.
    fn goal_trigger(&mut self, id: TriggerId, at: Span, file: FileId) {
        let trigger = self.program.trigger(id);
        let source = trigger.source;
        if matches!(source, TriggerSource::Custom | TriggerSource::Commerce) {
            return;
        }
        let (message, help) = match source {
            TriggerSource::Dataverse => (
                format!("the Dataverse trigger `{}` cannot measure a goal", trigger.name),
                "goals are measured by custom or commerce triggers; Dataverse triggers never are",
            ),
            _ => (
                format!("the interaction trigger `{}` cannot measure a goal", trigger.name),
                "goals are measured by custom or commerce triggers: declare a custom trigger for the outcome",
            ),
        };
        let decl = trigger.decl;
        let d = self
            .error(Code::InvalidGoalTrigger, message, file, at)
            .with_label(format!("`source {}`", source.keyword()))
            .with_secondary(decl.file, trigger.loc.span, "declared here")
            .with_help(help);
        self.report(d);
    }

    /// Rule 5: a count is a whole number of at least 1, a percentage is in (0%, 100%].
    fn target(&mut self, target: &ast::Target, file: FileId) -> Option<Target> {
        let span = target.value.span;
        match target.value.kind {
            LiteralKind::Number(n) if n >= 1.0 && n.fract() == 0.0 && n <= 1e15 => Some(Target::Count(n as u64)),
            LiteralKind::Number(_) => {
                let d = self
                    .error(
                        Code::InvalidTarget,
                        "a target count must be a whole number of profiles, at least 1",
                        file,
                        span,
                    )
                    .with_label("not a whole number of at least 1")
                    .with_help("write a count such as `target 100`, or a percentage such as `target 50%`");
                self.report(d);
                None
            }
            LiteralKind::Percent(p) if p > 0.0 && p <= 100.0 => Some(Target::Percent(p)),
            LiteralKind::Percent(_) => {
                let d = self
                    .error(Code::InvalidTarget, "a target percentage must be above 0% and at most 100%", file, span)
                    .with_label("out of range")
                    .with_help("write a percentage of the profiles that entered, such as `target 50%`");
                self.report(d);
                None
            }
            _ => None,
        }
    }

    /// Lowers a block of steps, numbering them in pre-order.
    fn steps(&mut self, steps: &[ast::Step], context: &mut StepContext, text: &str) -> Vec<Step> {
        steps.iter().map(|s| self.step(s, context, text)).collect()
    }

    fn step(&mut self, step: &ast::Step, context: &mut StepContext, text: &str) -> Step {
        let id = StepId(context.next_id);
        context.next_id += 1;
        let file = context.file;
        let kind = match &step.kind {
            Syn::Send { content, to } => {
                let id = self.content(content, file);
                let to = self.address(id, content, to.as_ref(), context);
                StepKind::Send { content: id, to }
            }
            Syn::Wait(duration) => match self.positive(duration, file, "a wait") {
                Some(seconds) => StepKind::Wait(seconds),
                None => StepKind::Error,
            },
            Syn::If(if_step) => {
                let branches = if_step
                    .branches
                    .iter()
                    .map(|b| {
                        let condition = self.branch_condition(&b.condition, context);
                        let steps = self.steps(&b.block.steps, context, text);
                        Branch { condition, steps, span: b.condition.span() }
                    })
                    .collect();
                let otherwise = if_step.otherwise.as_ref().map(|b| self.steps(&b.steps, context, text));
                StepKind::If { branches, otherwise }
            }
            Syn::Split(split) => self.split(split, context, text),
            Syn::Stage { name, block } => {
                StepKind::Stage { name: name.text.clone(), steps: self.steps(&block.steps, context, text) }
            }
            Syn::Exit => StepKind::Exit,
            Syn::Error => StepKind::Error,
        };
        Step { id, span: step.span, kind }
    }

    /// Rule 9: the address of a send.
    fn address(
        &mut self,
        content: Option<ContentId>,
        name: &ast::Ident,
        to: Option<&ast::Path>,
        context: &StepContext,
    ) -> Option<AttrRef> {
        let file = context.file;
        let channel = content.map(|c| self.program.content(c).channel);
        let wanted = match channel {
            Some(Channel::Email) => Some(Scalar::Email),
            Some(Channel::Sms) => Some(Scalar::Phone),
            _ => None,
        };
        let Some(path) = to else {
            if let (Some(wanted), Some(channel)) = (wanted, channel) {
                let noun = if channel == Channel::Email { "an email" } else { "an SMS" };
                let candidates: Vec<String> = self
                    .program
                    .profile
                    .as_ref()
                    .map(|p| {
                        p.attributes.scalar_paths().into_iter().filter(|(_, t)| *t == wanted).map(|(p, _)| p).collect()
                    })
                    .unwrap_or_default();
                let mut d = self
                    .error(
                        Code::InvalidAddress,
                        format!("{noun} needs an address: `send {} to ...`", name.text),
                        file,
                        name.span,
                    )
                    .with_label(format!("to which `{}` attribute?", wanted.name()));
                d = match candidates.as_slice() {
                    [only] => d.with_replacement(
                        format!("send to `profile.{only}`"),
                        Span::empty(name.span.end as usize),
                        format!(" to profile.{only}"),
                    ),
                    _ => d.with_help(format!(
                        "add `to profile.x` where `x` is a `{}` attribute of the profile",
                        wanted.name()
                    )),
                };
                self.report(d);
            }
            return None;
        };
        let typed = self.expr(
            &ast::Expr { kind: ast::ExprKind::Path(path.clone()), span: path.span },
            &Scope { journey_branch: false, ..context.scope },
        );
        let (ExprKind::Attribute(attr), Some(ty)) = (typed.kind, typed.ty) else { return None };
        let ok = match channel {
            Some(Channel::Push) => ty.is_textual(),
            Some(_) => Some(ty) == wanted,
            None => true,
        };
        if !ok {
            let expected = wanted.map_or("text".to_owned(), |w| w.name().to_owned());
            let noun = match channel {
                Some(Channel::Email) => "an email is sent to an `email` attribute",
                Some(Channel::Sms) => "an SMS is sent to a `phone` attribute",
                _ => "a push is sent to a `text` attribute (a device token)",
            };
            let d = self
                .error(
                    Code::InvalidAddress,
                    format!("`{}` is `{}`, not `{expected}`", path.dotted(), ty.name()),
                    file,
                    path.span,
                )
                .with_label(format!("not an address for {}", channel.map_or("this message", |c| c.keyword())))
                .with_help(noun.to_owned());
            self.report(d);
            return None;
        }
        Some(attr)
    }

    fn branch_condition(&mut self, condition: &ast::Condition, context: &StepContext) -> Condition {
        let file = context.file;
        match condition {
            ast::Condition::Expr(expr) => Condition::Expr(self.condition(expr, &context.scope)),
            ast::Condition::Event(event) => {
                let lowered = match &event.event {
                    EventPattern::Message { interaction, content, .. } => {
                        let id = self.content(content, file);
                        if let (Some(id), Interaction::Clicked) = (id, interaction)
                            && self.program.content(id).channel == Channel::Push
                        {
                            let d = self
                                .warning(Code::ImpossibleEvent, "push notifications report no clicks", file, event.span)
                                .with_label("an event that is never reported")
                                .with_help("wait for `opened` instead: a push is opened when it is tapped");
                            self.report(d);
                        }
                        Event::Message { interaction: *interaction, content: id }
                    }
                    EventPattern::Trigger { trigger, condition } => {
                        let id = self.trigger(trigger, file);
                        let condition = condition.as_ref().map(|c| self.trigger_condition(c, id, &context.scope));
                        Event::Trigger { trigger: id, condition }
                    }
                };
                let within = match &event.within {
                    Some(d) => self.positive(d, file, "the deadline").unwrap_or(0),
                    None => {
                        let d = self
                            .error(Code::MissingWithin, "an event condition needs a `within` limit", file, event.span)
                            .with_label("how long to wait?")
                            .with_help("say how long to wait before taking the other branch, as in `within 1d`")
                            .with_replacement("wait up to one day", Span::empty(event.span.end as usize), " within 1d");
                        self.report(d);
                        0
                    }
                };
                Condition::Event { negated: event.negated.is_some(), event: lowered, within }
            }
        }
    }

    /// Rule 14: split shares are positive and add up to 100%.
    fn split(&mut self, split: &ast::SplitStep, context: &mut StepContext, text: &str) -> StepKind {
        let file = context.file;
        let mut total = 0.0;
        let mut valid = true;
        let mut branches = Vec::new();
        for (i, branch) in split.branches.iter().enumerate() {
            let share = match branch.share.kind {
                LiteralKind::Percent(p) => p,
                _ => {
                    valid = false;
                    0.0
                }
            };
            if share <= 0.0 && matches!(branch.share.kind, LiteralKind::Percent(_)) {
                let d = self
                    .error(Code::SplitShares, "a split share must be above 0%", file, branch.share.span)
                    .with_label("no profile would take this branch")
                    .with_help("remove the branch, or give it a share");
                self.report(d);
                valid = false;
            }
            total += share;
            let label = branch.label.as_ref().map_or_else(|| SmolStr::new((i + 1).to_string()), |l| l.text.clone());
            branches.push(SplitBranch { label, share, steps: self.steps(&branch.block.steps, context, text) });
        }
        let mut labels: FastMap<&str, Span> = FastMap::default();
        for branch in &split.branches {
            if let Some(label) = &branch.label
                && let Some(first) = labels.insert(label.text.as_str(), label.span)
            {
                let d = self
                    .error(
                        Code::DuplicateItem,
                        format!("two split branches are labelled `{}`", label.text),
                        file,
                        label.span,
                    )
                    .with_label("labelled again here")
                    .with_secondary(file, first, "first labelled here")
                    .with_help("labels name the branches in reports: make them unique");
                self.report(d);
            }
        }
        if branches.is_empty() {
            let d = self
                .error(Code::SplitShares, "a split needs branches", file, split.keyword)
                .with_label("no branch")
                .with_help("write `split { A 50% { ... } B 50% { ... } }`");
            self.report(d);
        } else if valid && (total - 100.0).abs() > 1e-9 {
            let shares: Vec<String> = split.branches.iter().map(|b| text[b.share.span.range()].to_owned()).collect();
            let d = self
                .error(
                    Code::SplitShares,
                    format!("the split shares add up to {}%, not 100%", format_percent(total)),
                    file,
                    split.keyword,
                )
                .with_label(format!("{} = {}%", shares.join(" + "), format_percent(total)))
                .with_help("every profile takes exactly one branch: make the shares add up to 100%");
            self.report(d);
        }
        StepKind::Split { branches }
    }

    /// Rule 12: messages sent must be ready and triggers used must be published
    /// (warnings at design time, errors at publish time).
    fn publish_readiness(&mut self, journey: &JourneyDef, syntax: &ast::JourneyDecl, text: &str) {
        let file = journey.loc.file;
        // Messages: once each, at the first step that sends it.
        let mut reported: FastSet<ContentId> = FastSet::default();
        let mut sends: Vec<(ContentId, Span)> = Vec::new();
        journey.for_each_step(&mut |step| {
            if let StepKind::Send { content: Some(c), .. } = step.kind {
                sends.push((c, step.span));
            }
        });
        for (content, span) in sends {
            let def = self.program.content(content);
            if def.ready || !reported.insert(content) {
                continue;
            }
            let (name, decl, channel) = (def.name.clone(), def.loc, def.channel.keyword());
            let d = self
                .readiness(
                    Code::ContentNotReady,
                    format!("the {channel} `{name}` is not ready to send"),
                    file,
                    span.first_line(text),
                )
                .with_label("sent here")
                .with_secondary(decl.file, decl.span, "its status is draft")
                .with_help(format!("to publish, set `status ready` in `{channel} {name}` once its content is final"));
            self.report(d);
        }
        // Triggers: everything the journey listens to, directly or through its segments.
        let mut used: Vec<(TriggerId, Span)> = Vec::new();
        match &journey.start {
            Some(Start::Trigger { trigger: Some(t), loc, condition }) => {
                used.push((*t, loc.span));
                if let Some(c) = condition {
                    triggers_in(c, c.span, &mut used);
                }
            }
            Some(Start::Segment { segment: Some(s), loc, .. }) => self.segment_triggers(*s, loc.span, &mut used),
            _ => {}
        }
        if let Some(Goal { measure: Some(GoalMeasure::Trigger { trigger: Some(t), condition }), loc, .. }) =
            &journey.goal
        {
            used.push((*t, loc.span));
            if let Some(c) = condition {
                triggers_in(c, c.span, &mut used);
            }
        }
        for exit in &journey.exits {
            if let Some(t) = exit.trigger {
                used.push((t, exit.loc.span));
            }
        }
        for setting in &syntax.settings {
            if let SettingKind::Exclude(name) | SettingKind::Suppress(name) = &setting.kind
                && let Some(&s) = self.segments.get(&name.text)
            {
                self.segment_triggers(s, setting.span, &mut used);
            }
        }
        let this = &*self;
        journey.for_each_step(&mut |step| {
            if let StepKind::If { branches, .. } = &step.kind {
                for branch in branches {
                    match &branch.condition {
                        Condition::Event { event: Event::Trigger { trigger: Some(t), condition }, .. } => {
                            used.push((*t, branch.span));
                            if let Some(c) = condition {
                                triggers_in(c, c.span, &mut used);
                            }
                        }
                        Condition::Expr(e) => {
                            triggers_in(e, e.span, &mut used);
                            let mut segments = Vec::new();
                            e.visit(&mut |x| {
                                if let ExprKind::InSegment(s) = x.kind {
                                    segments.push((s, x.span));
                                }
                            });
                            for (s, at) in segments {
                                this.segment_triggers(s, at, &mut used);
                            }
                        }
                        _ => {}
                    }
                }
            }
        });
        let mut seen: FastSet<TriggerId> = FastSet::default();
        for (trigger, span) in used {
            let def = self.program.trigger(trigger);
            if def.published || !seen.insert(trigger) {
                continue;
            }
            let (name, decl) = (def.name.clone(), def.loc);
            let d = self
                .readiness(
                    Code::TriggerNotPublished,
                    format!("the trigger `{name}` is not published"),
                    file,
                    span.first_line(text),
                )
                .with_label("used here")
                .with_secondary(decl.file, decl.span, "its status is draft")
                .with_help(format!(
                    "to publish, set `status published` in `trigger {name}` once its events are sent by your systems"
                ));
            self.report(d);
        }
    }

    /// The triggers a segment reads, directly or through the segments it uses.
    fn segment_triggers(&self, segment: SegmentId, at: Span, out: &mut Vec<(TriggerId, Span)>) {
        let mut pending = vec![segment];
        let mut visited = FastSet::default();
        while let Some(s) = pending.pop() {
            if !visited.insert(s) {
                continue;
            }
            if let SegmentRule::Where(expr) = &self.program.segment(s).rule {
                triggers_in(expr, at, out);
                expr.visit(&mut |e| {
                    if let ExprKind::InSegment(inner) = e.kind {
                        pending.push(inner);
                    }
                });
            }
        }
    }

    /// Rule 13 for `{{trigger.x}}`: checked against the start trigger of each journey sending the message.
    fn trigger_placeholders(&mut self, journey: &JourneyDef) {
        let mut checked: FastSet<ContentId> = FastSet::default();
        let mut sends: Vec<(ContentId, Span)> = Vec::new();
        journey.for_each_step(&mut |s| {
            if let StepKind::Send { content: Some(c), .. } = s.kind {
                sends.push((c, s.span));
            }
        });
        for (content, send_span) in sends {
            if !checked.insert(content) {
                continue;
            }
            if !matches!(journey.start, Some(Start::Trigger { trigger: Some(_), .. } | Start::Segment { .. })) {
                continue;
            }
            // The placeholders that resolve are recorded here, borrowing the program
            // instead of cloning them; only those that do not are kept for the messages.
            let mut placeholders: Vec<PlaceholderRef> = Vec::new();
            let program = &mut self.program;
            let start_trigger = match &journey.start {
                Some(Start::Trigger { trigger: Some(t), .. }) => Some(*t),
                _ => None,
            };
            for placeholder in program.contents[content.index()]
                .templates()
                .flat_map(|(_, t)| t.placeholders.iter())
                .filter(|p| p.root == Some(PlaceholderRoot::Trigger) && !p.path.is_empty())
            {
                if let Some(t) = start_trigger
                    && let Some(Attribute { ty: AttrType::Scalar(_), path, .. }) =
                        program.triggers[t.index()].attributes.lookup(&placeholder.path)
                {
                    program.uses.push(Use { loc: placeholder.loc, symbol: Symbol::TriggerAttribute(t, path.clone()) });
                    continue;
                }
                placeholders.push(placeholder.clone());
            }
            for placeholder in placeholders {
                match &journey.start {
                    Some(Start::Trigger { trigger: Some(t), .. }) => {
                        let def = self.program.trigger(*t);
                        match def.attributes.lookup(&placeholder.path) {
                            Some(Attribute { ty: AttrType::Scalar(_), path, .. }) => {
                                let symbol = Symbol::TriggerAttribute(*t, path.clone());
                                self.record_use(placeholder.loc, symbol);
                            }
                            None if def.attributes.is_untyped(&placeholder.path) => {}
                            found => {
                                let path = placeholder.path.join(".");
                                let (message, label) = match found {
                                    Some(_) => (
                                        format!("`trigger.{path}` is a record, not a value"),
                                        "a record cannot be written in a message",
                                    ),
                                    None => (
                                        format!(
                                            "the start trigger `{}` of journey `{}` has no attribute `{path}`",
                                            def.name, journey.name
                                        ),
                                        "unknown attribute of the start trigger",
                                    ),
                                };
                                let mut d = self
                                    .error(
                                        Code::UnresolvedPlaceholder,
                                        message,
                                        placeholder.loc.file,
                                        placeholder.loc.span,
                                    )
                                    .with_label(label)
                                    .with_secondary(
                                        journey.loc.file,
                                        send_span,
                                        format!("sent by `{}` here", journey.name),
                                    );
                                let paths = def.attributes.scalar_paths();
                                if let Some(best) =
                                    journey_syntax::closest(&path, paths.iter().map(|(p, _)| p.as_str()))
                                {
                                    d = d
                                        .with_help(format!("did you mean `{{{{trigger.{best}}}}}`?"))
                                        .with_replacement(
                                            format!("replace with `{{{{trigger.{best}}}}}`"),
                                            placeholder.loc.span,
                                            format!("{{{{trigger.{best}}}}}"),
                                        );
                                } else {
                                    d = d.with_help(format!(
                                        "`{}` has the attributes {}",
                                        def.name,
                                        list(paths.iter().map(|(p, _)| p.as_str()))
                                    ));
                                }
                                self.report(d);
                            }
                        }
                    }
                    Some(Start::Segment { .. }) => {
                        let d = self
                            .error(
                                Code::UnresolvedPlaceholder,
                                format!("`{}` has nothing to read in journey `{}`", placeholder.written, journey.name),
                                placeholder.loc.file,
                                placeholder.loc.span,
                            )
                            .with_label("reads the start trigger's event")
                            .with_secondary(journey.loc.file, send_span, format!("`{}` starts on a segment and sends it here", journey.name))
                            .with_help("a journey that starts on a segment has no trigger: read the profile (`{{profile.x}}`) instead");
                        self.report(d);
                    }
                    _ => {}
                }
            }
        }
    }

    /// Rule 16: journeys with the same goal trigger share its attribution. One
    /// warning per group of such journeys, at the first of them in source order,
    /// naming a few and counting the rest, so that its size does not grow with
    /// the group's.
    fn shared_goal_triggers(&mut self) {
        let mut by_trigger: FastMap<TriggerId, Vec<(SmolStr, Loc)>> = FastMap::default();
        for journey in &self.program.journeys {
            if let Some(Goal { measure: Some(GoalMeasure::Trigger { trigger: Some(t), .. }), loc, .. }) = &journey.goal
            {
                by_trigger.entry(*t).or_default().push((journey.name.clone(), *loc));
            }
        }
        let mut groups: Vec<(TriggerId, Vec<(SmolStr, Loc)>)> =
            by_trigger.into_iter().filter(|(_, v)| v.len() > 1).collect();
        groups.sort_by_key(|(t, _)| *t);
        for (trigger, mut journeys) in groups {
            let trigger_name = self.program.trigger(trigger).name.clone();
            journeys.sort_by_key(|(_, loc)| *loc);
            let named = &journeys[..journeys.len().min(SHARED_GOALS_NAMED)];
            let mut names = String::new();
            for (i, (name, _)) in named.iter().enumerate() {
                if i > 0 {
                    names.push_str(if i + 1 == named.len() && named.len() == journeys.len() { " and " } else { ", " });
                }
                names.push_str(&format!("`{name}`"));
            }
            if journeys.len() > named.len() {
                names.push_str(&format!(" and {} more", journeys.len() - named.len()));
            }
            let (first_name, first) = &named[0];
            let mut d = self
                .warning(
                    Code::SharedGoalTrigger,
                    format!("{} journeys share the goal trigger `{trigger_name}`: {names}", journeys.len()),
                    first.file,
                    first.span,
                )
                .with_label(format!("the goal of `{first_name}`"))
                .with_help("a goal event is credited only to the journeys the profile is in or, if it is in none, to the one it left most recently");
            for (name, loc) in &named[1..] {
                d = d.with_secondary(loc.file, loc.span, format!("the goal of `{name}`"));
            }
            self.report(d);
        }
    }
}

/// How many journeys of a shared-goal group the warning names and points at;
/// the others are counted.
const SHARED_GOALS_NAMED: usize = 5;

/// The triggers that behavioural functions of `expr` read, all reported at `at`.
fn triggers_in(expr: &Expr, at: Span, out: &mut Vec<(TriggerId, Span)>) {
    expr.visit(&mut |e| match &e.kind {
        ExprKind::Count { trigger, .. } | ExprKind::Sum { trigger, .. } | ExprKind::DaysSince { trigger, .. } => {
            out.push((*trigger, at));
        }
        _ => {}
    });
}

fn format_percent(p: f64) -> String {
    if p.fract() == 0.0 { format!("{}", p as i64) } else { format!("{}", (p * 1000.0).round() / 1000.0) }
}
