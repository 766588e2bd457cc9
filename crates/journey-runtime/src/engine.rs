//! The interpreter: replays events on a virtual clock and moves profiles through journeys.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use journey_plan::{
    Action, AwaitedEvent, Channel, Engagement, GoalMeasure, Interaction, Plan, Reentry, SegmentPlan, StartPlan,
    TriggerSource,
};

use crate::expr::{Compiled, Past, Scope, compile};
use crate::input::{Catalog, ChannelEvent, Event, EventKind, Profiles, Value};

/// Why a profile left a journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// It finished its steps.
    Completed,
    /// It caused an `exit on` event.
    ExitTrigger,
    /// It became a member of a `suppress` segment.
    Suppressed,
    /// It reached `exit`.
    Explicit,
}

impl Reason {
    /// Every reason, in report order.
    pub const ALL: [Reason; 4] = [Reason::Completed, Reason::ExitTrigger, Reason::Suppressed, Reason::Explicit];

    /// The reason as reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Completed => "completed",
            Reason::ExitTrigger => "exit_trigger",
            Reason::Suppressed => "suppressed",
            Reason::Explicit => "explicit",
        }
    }
}

/// One message: a send to one profile, and what happened to it.
#[derive(Clone, Debug)]
pub struct Message {
    /// The journey (index in the plan).
    pub journey: u16,
    /// The send node.
    pub node: u32,
    /// The profile (index).
    pub profile: u32,
    /// The content (catalog index).
    pub content: u16,
    /// The channel.
    pub channel: Channel,
    /// When it was sent.
    pub ts: i64,
    /// Which entry of the profile in the journey sent it (1, 2, ...).
    pub entry: u32,
    /// The address it went to.
    pub to: Option<std::sync::Arc<str>>,
    /// A bounce (email, push) was reported.
    pub bounced: bool,
    /// An SMS was reported undelivered.
    pub undelivered: bool,
    /// A delivery was reported.
    pub delivered_reported: bool,
    /// Opened at least once (a click without an open counts).
    pub opened: bool,
    /// Open events (with the open a first click stands for).
    pub opens: u32,
    /// Clicked at least once.
    pub clicked: bool,
    /// Click events.
    pub clicks: u32,
    /// An unsubscribe followed it.
    pub unsubscribed: bool,
    /// Spam reports.
    pub spam_reports: u32,
}

impl Message {
    /// Whether it counts as delivered: no bounce and no undelivered report.
    pub fn delivered(&self) -> bool {
        !self.bounced && !self.undelivered
    }
}

/// What a run counted for one journey.
#[derive(Clone, Debug, Default)]
pub struct JourneyTally {
    /// Unique profiles that entered.
    pub entered: u64,
    /// All entries.
    pub entries: u64,
    /// Profiles still in the journey at the end.
    pub active: u64,
    /// Exits, by [`Reason::ALL`] order.
    pub exits: [u64; 4],
    /// Unique profiles that reached the goal.
    pub goal_reached: u64,
    /// Commerce events credited to the journey.
    pub orders: u64,
    /// Their revenue.
    pub revenue: f64,
    /// Orders and revenue credited to each send node: the last message of the
    /// journey delivered to the profile before the order (last touch).
    pub node_orders: Vec<(u64, f64)>,
    /// Arrivals at each node.
    pub node_reached: Vec<u64>,
    /// Profiles that left the journey at each node (other than by completing it).
    pub node_left: Vec<u64>,
    /// Profiles waiting at each node at the end.
    pub node_active: Vec<u64>,
    /// The stages, in order of first appearance.
    pub stages: Vec<String>,
    /// Unique profiles that reached each stage.
    pub stage_reached: Vec<u64>,
}

/// What a whole run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The instant the run started.
    pub start: i64,
    /// The instant the run stopped.
    pub until: i64,
    /// Every message, in send order.
    pub messages: Vec<Message>,
    /// One JSON line per send (`actions.jsonl`).
    pub actions: String,
    /// Per journey, in plan order.
    pub journeys: Vec<JourneyTally>,
    /// Events replayed.
    pub events_processed: u64,
    /// Events ignored because their `id` was seen before.
    pub duplicates: u64,
    /// Events before `--start` (they update profiles and histories only).
    pub before_start: u64,
    /// Events after `--until` (not replayed).
    pub after_until: u64,
    /// Channel events naming a message never sent to that profile.
    pub unmatched: Vec<(u32, String)>,
}

/// Run options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// When the run starts (default: the first event's time).
    pub start: Option<i64>,
    /// When it stops (default: the last event's time).
    pub until: Option<i64>,
}

#[derive(Clone, Debug)]
enum Node {
    Send { content: u16, channel: Channel, to: Option<usize>, next: Option<u32> },
    Wait { ms: i64, next: Option<u32> },
    AwaitMessage { interaction: Interaction, content: u16, ms: i64, on_event: Option<u32>, on_timeout: Option<u32> },
    AwaitTrigger { trigger: u16, condition: Option<Compiled>, ms: i64, on_event: Option<u32>, on_timeout: Option<u32> },
    Branch { arms: Vec<(Compiled, Option<u32>)>, otherwise: Option<u32> },
    Split { arms: Vec<(f64, Option<u32>)> },
    Stage { stage: usize, next: Option<u32> },
    Exit,
}

#[derive(Clone, Debug)]
enum Start {
    Trigger { trigger: u16, condition: Option<Compiled> },
    Segment { segment: u16, every_ms: Option<i64> },
}

#[derive(Clone, Debug)]
enum Goal {
    Trigger { trigger: u16, condition: Option<Compiled> },
    Notify(Engagement),
}

struct Journey {
    name: String,
    start: Start,
    goal: Option<Goal>,
    exits: Vec<(u16, Option<Compiled>)>,
    exclude: Vec<u16>,
    suppress: Vec<u16>,
    attribution_ms: i64,
    reentry: Reentry,
    entry: Option<u32>,
    nodes: Vec<Node>,
    /// The constant parts of its action lines, as JSON: `,"journey":..,"version":..,"profile":`.
    action_journey: String,
    /// Per node, `,"step":..,"channel":..,"content":..,"to":` (send nodes only).
    action_step: Vec<String>,
    /// The start of its message ids, escaped for JSON: `NAME/VERSION/`.
    message_id_prefix: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiting {
    /// Waiting for a timer, then going to `next`.
    Timer(Option<u32>),
    /// Waiting at an await node for its event or deadline.
    Await,
}

#[derive(Debug)]
struct Instance {
    node: u32,
    token: u32,
    waiting: Waiting,
    start_data: Option<Box<[Option<Value>]>>,
}

#[derive(Debug)]
struct Membership {
    journey: u16,
    /// Boxed: most memberships are of profiles that have left (8 bytes, not 32).
    instance: Option<Box<Instance>>,
    entries: u32,
    last_entry: i64,
    last_left: Option<(Reason, i64)>,
    goal_reached: bool,
    stages: Box<[bool]>,
}

#[derive(Debug, Default)]
struct ProfileState {
    attributes: Vec<Option<Value>>,
    lists: Vec<u16>,
    history: Vec<Past>,
    memberships: Vec<Membership>,
    /// The latest send of each (content, journey) pair.
    latest: Vec<(u16, u16, u32)>,
}

/// A timer: when, order of setting, profile (or `u32::MAX` for a segment round), journey, token.
type Timer = Reverse<(i64, u64, u32, u16, u32)>;

const ROUND: u32 = u32::MAX;

/// The interpreter's state during a run.
pub struct Engine<'a> {
    catalog: &'a Catalog,
    ids: Vec<Box<str>>,
    journeys: Vec<Journey>,
    segments: Vec<Option<Compiled>>,
    commerce: Vec<bool>,
    revenue_slot: Vec<Option<usize>>,
    remembered: Vec<bool>,
    push_slot: Option<usize>,
    profiles: Vec<ProfileState>,
    timers: BinaryHeap<Timer>,
    seq: u64,
    token: u32,
    /// The latest send time and its text (sends come in bursts at one instant).
    ts_text: (i64, String),
    out: Outcome,
}

impl<'a> Engine<'a> {
    /// Prepares a run of `plan` over `profiles`.
    pub fn new(plan: &Plan, catalog: &'a Catalog, profiles: Profiles) -> Engine<'a> {
        let journeys: Vec<Journey> = plan.journeys.iter().map(|j| compile_journey(catalog, j)).collect();
        let segments = plan
            .segments
            .values()
            .map(|s| match s {
                SegmentPlan::Rule(e) => Some(compile(catalog, e, None, None)),
                SegmentPlan::List => None,
            })
            .collect();
        let commerce = plan.triggers.values().map(|t| t.source == TriggerSource::Commerce).collect();
        let revenue_slot = catalog.trigger_layouts.iter().map(|l| l.slot(&["revenue".to_owned()])).collect::<Vec<_>>();
        // Behavioural functions read the history of these triggers only.
        let mut remembered = vec![false; catalog.triggers.len()];
        let mut note = |e: &journey_plan::Expr| {
            journey_plan::walk(e, &mut |e| match e {
                journey_plan::Expr::Count { trigger, .. }
                | journey_plan::Expr::Sum { trigger, .. }
                | journey_plan::Expr::DaysSince { trigger, .. } => {
                    if let Some(t) = catalog.trigger(trigger) {
                        remembered[t as usize] = true;
                    }
                }
                _ => {}
            })
        };
        for segment in plan.segments.values() {
            if let SegmentPlan::Rule(e) = segment {
                note(e);
            }
        }
        for journey in &plan.journeys {
            for node in &journey.nodes {
                if let Action::Branch { arms, .. } = &node.action {
                    arms.iter().for_each(|a| note(&a.when));
                }
            }
        }
        let ids = profiles.list.iter().map(|p| p.id.clone()).collect();
        let states = profiles
            .list
            .into_iter()
            .map(|p| ProfileState { attributes: p.attributes, lists: p.lists, ..ProfileState::default() })
            .collect();
        let tallies = journeys
            .iter()
            .zip(&plan.journeys)
            .map(|(j, p)| {
                let mut stages: Vec<String> = Vec::new();
                for node in &p.nodes {
                    if let Action::Stage { name, .. } = &node.action
                        && !stages.contains(name)
                    {
                        stages.push(name.clone());
                    }
                }
                JourneyTally {
                    node_reached: vec![0; j.nodes.len()],
                    node_left: vec![0; j.nodes.len()],
                    node_active: vec![0; j.nodes.len()],
                    node_orders: vec![(0, 0.0); j.nodes.len()],
                    stage_reached: vec![0; stages.len()],
                    stages,
                    ..JourneyTally::default()
                }
            })
            .collect();
        let out = Outcome { journeys: tallies, ..Outcome::default() };
        Engine {
            catalog,
            ids,
            journeys,
            segments,
            commerce,
            revenue_slot,
            remembered,
            push_slot: catalog.profile.slot(&["push_token".to_owned()]),
            profiles: states,
            timers: BinaryHeap::new(),
            seq: 0,
            token: 0,
            ts_text: (0, String::new()),
            out,
        }
    }

    /// Replays `events` (sorted by time) and returns what happened.
    pub fn run(mut self, events: &[Event], options: Options, progress: &mut dyn FnMut(u64)) -> Outcome {
        let start = options.start.or(events.first().map(|e| e.ts)).unwrap_or(0);
        let until = options.until.or(events.last().map(|e| e.ts)).unwrap_or(start).max(start);
        self.out.start = start;
        self.out.until = until;
        for (j, journey) in self.journeys.iter().enumerate() {
            if let Start::Segment { every_ms, .. } = journey.start {
                let mut t = start;
                loop {
                    self.seq += 1;
                    self.timers.push(Reverse((t, self.seq, ROUND, j as u16, 0)));
                    match every_ms {
                        Some(every) if every > 0 && t + every <= until => t += every,
                        _ => break,
                    }
                }
            }
        }
        // Sized once: growing it would hash every id again.
        let ids = events.iter().filter(|e| e.id.is_some()).count();
        let mut seen: HashSet<&str, BuildHasherDefault<FxHasher>> =
            HashSet::with_capacity_and_hasher(ids, BuildHasherDefault::default());
        for (i, event) in events.iter().enumerate() {
            if i % 65_536 == 0 {
                progress(i as u64);
            }
            if let Some(id) = &event.id
                && !seen.insert(id)
            {
                self.out.duplicates += 1;
                continue;
            }
            if event.ts > until {
                self.out.after_until += 1;
                continue;
            }
            if event.ts < start {
                self.out.before_start += 1;
                self.remember(event);
                continue;
            }
            self.fire_timers(|t| t < event.ts);
            self.out.events_processed += 1;
            self.event(event);
        }
        self.fire_timers(|t| t <= until);
        progress(events.len() as u64);
        for state in &self.profiles {
            for m in &state.memberships {
                if let Some(instance) = &m.instance {
                    let tally = &mut self.out.journeys[m.journey as usize];
                    tally.active += 1;
                    tally.node_active[instance.node as usize] += 1;
                }
            }
        }
        self.out
    }

    fn fire_timers(&mut self, due: impl Fn(i64) -> bool) {
        while let Some(&Reverse((t, _, profile, journey, token))) = self.timers.peek() {
            if !due(t) {
                break;
            }
            self.timers.pop();
            if profile == ROUND {
                self.round(journey, t);
            } else {
                self.wake(profile, journey, token, t);
            }
        }
    }

    /// State changes of an event before `--start`: attributes, lists and history, no journey.
    fn remember(&mut self, event: &Event) {
        let state = &mut self.profiles[event.profile as usize];
        match &event.kind {
            EventKind::Trigger { trigger, data } => {
                if self.remembered[*trigger as usize] {
                    push_small(&mut state.history, Past { trigger: *trigger, ts: event.ts, data: data.clone() });
                }
            }
            EventKind::ProfileUpdated(changes) => {
                for (slot, value) in changes {
                    state.attributes[*slot] = value.clone();
                }
            }
            EventKind::SegmentJoined(s) => {
                if !state.lists.contains(s) {
                    state.lists.push(*s);
                }
            }
            EventKind::SegmentLeft(s) => state.lists.retain(|x| x != s),
            EventKind::Channel { .. } => {}
        }
    }

    fn event(&mut self, event: &Event) {
        let p = event.profile;
        let now = event.ts;
        match &event.kind {
            EventKind::Trigger { trigger, data } => {
                self.remember(event);
                self.trigger_event(p, *trigger, data, now);
            }
            EventKind::ProfileUpdated(_) | EventKind::SegmentJoined(_) | EventKind::SegmentLeft(_) => {
                self.remember(event);
            }
            EventKind::Channel { event: what, content, journey } => {
                self.channel_event(p, *what, *content, *journey, now, event.line);
            }
        }
        self.check_suppression(p, now);
    }

    fn trigger_event(&mut self, p: u32, trigger: u16, data: &[Option<Value>], now: i64) {
        // 1. Goals, before any exit.
        let mut goal_candidates = Vec::new();
        for (j, journey) in self.journeys.iter().enumerate() {
            if let Some(Goal::Trigger { trigger: t, condition }) = &journey.goal
                && *t == trigger
                && self.matches(p, j as u16, condition.as_ref(), data, now)
            {
                goal_candidates.push(j as u16);
            }
        }
        for j in self.credited(p, &goal_candidates, now) {
            self.reach_goal(p, j);
        }
        // 2. Orders: every commerce event, under the same attribution rules.
        if self.commerce[trigger as usize] {
            let all: Vec<u16> = (0..self.journeys.len() as u16).collect();
            let revenue = match self.revenue_slot[trigger as usize].and_then(|s| data.get(s)) {
                Some(Some(Value::Number(n))) => *n,
                _ => 0.0,
            };
            for j in self.credited(p, &all, now) {
                let touch = self.last_touch(p, j);
                let tally = &mut self.out.journeys[j as usize];
                tally.orders += 1;
                tally.revenue += revenue;
                if let Some(node) = touch {
                    let cell = &mut tally.node_orders[node as usize];
                    cell.0 += 1;
                    cell.1 += revenue;
                }
            }
        }
        // 3. Exits.
        for j in 0..self.journeys.len() as u16 {
            if self.instance(p, j).is_none() {
                continue;
            }
            let exits = self.journeys[j as usize]
                .exits
                .iter()
                .any(|(t, condition)| *t == trigger && self.matches(p, j, condition.as_ref(), data, now));
            if exits {
                self.leave(p, j, Reason::ExitTrigger, now);
            }
        }
        // 4. Steps waiting for this trigger.
        for j in 0..self.journeys.len() as u16 {
            let Some(instance) = self.instance(p, j) else { continue };
            if instance.waiting != Waiting::Await {
                continue;
            }
            let node = instance.node;
            if let Node::AwaitTrigger { trigger: t, condition, on_event, .. } =
                &self.journeys[j as usize].nodes[node as usize]
                && *t == trigger
                && self.matches(p, j, condition.as_ref(), data, now)
            {
                let next = *on_event;
                self.resume(p, j, next, now);
            }
        }
        // 5. Entries.
        for j in 0..self.journeys.len() as u16 {
            if let Start::Trigger { trigger: t, condition } = &self.journeys[j as usize].start
                && *t == trigger
                && self.matches(p, j, condition.as_ref(), data, now)
            {
                self.try_enter(p, j, now, Some(data.into()));
            }
        }
    }

    /// Whether an event with `data` satisfies `condition` for journey `j`.
    fn matches(&self, p: u32, j: u16, condition: Option<&Compiled>, data: &[Option<Value>], now: i64) -> bool {
        let Some(condition) = condition else { return true };
        let state = &self.profiles[p as usize];
        let start = self.instance(p, j).and_then(|i| i.start_data.as_deref());
        let member = |s: u16| self.member(p, s, now);
        let scope = Scope {
            profile: &state.attributes,
            history: &state.history,
            event: Some(data),
            start,
            now,
            member: &member,
        };
        scope.holds(condition)
    }

    fn holds(&self, p: u32, j: u16, condition: &Compiled, now: i64) -> bool {
        let state = &self.profiles[p as usize];
        let start = self.instance(p, j).and_then(|i| i.start_data.as_deref());
        let member = |s: u16| self.member(p, s, now);
        let scope =
            Scope { profile: &state.attributes, history: &state.history, event: None, start, now, member: &member };
        scope.holds(condition)
    }

    /// Whether profile `p` is a member of segment `s` now.
    fn member(&self, p: u32, s: u16, now: i64) -> bool {
        let state = &self.profiles[p as usize];
        match &self.segments[s as usize] {
            None => state.lists.contains(&s),
            Some(rule) => {
                let member = |s: u16| self.member(p, s, now);
                let scope = Scope {
                    profile: &state.attributes,
                    history: &state.history,
                    event: None,
                    start: None,
                    now,
                    member: &member,
                };
                scope.holds(rule)
            }
        }
    }

    fn membership(&self, p: u32, j: u16) -> Option<&Membership> {
        self.profiles[p as usize].memberships.iter().find(|m| m.journey == j)
    }

    fn membership_mut(&mut self, p: u32, j: u16) -> Option<&mut Membership> {
        self.profiles[p as usize].memberships.iter_mut().find(|m| m.journey == j)
    }

    fn instance(&self, p: u32, j: u16) -> Option<&Instance> {
        self.membership(p, j)?.instance.as_deref()
    }

    /// Among `candidates`, the journeys a goal or order event of `p` is credited to
    /// (runtime.md §5): those where `p` is active; if none, the one it left most
    /// recently within its attribution window, never after a `suppressed` exit.
    fn credited(&self, p: u32, candidates: &[u16], now: i64) -> Vec<u16> {
        let mut active = Vec::new();
        let mut latest: Option<(i64, u16)> = None;
        for &j in candidates {
            let Some(m) = self.membership(p, j) else { continue };
            if m.instance.is_some() {
                active.push(j);
            } else if let Some((reason, left)) = m.last_left
                && reason != Reason::Suppressed
                && now - left <= self.journeys[j as usize].attribution_ms
                && latest.is_none_or(|(t, _)| left > t)
            {
                latest = Some((left, j));
            }
        }
        if active.is_empty() { latest.map(|(_, j)| vec![j]).unwrap_or_default() } else { active }
    }

    fn reach_goal(&mut self, p: u32, j: u16) {
        if let Some(m) = self.membership_mut(p, j)
            && !m.goal_reached
        {
            m.goal_reached = true;
            self.out.journeys[j as usize].goal_reached += 1;
        }
    }

    fn channel_event(&mut self, p: u32, what: ChannelEvent, content: u16, journey: Option<u16>, now: i64, line: u32) {
        let state = &self.profiles[p as usize];
        let found = state
            .latest
            .iter()
            .filter(|(c, j, _)| *c == content && journey.is_none_or(|x| x == *j))
            .map(|(_, _, m)| *m)
            .max();
        let Some(index) = found else {
            let name = &self.catalog.contents[content as usize];
            self.out.unmatched.push((
                line,
                format!("`{name}` was never sent to profile `{}` before this event", self.ids[p as usize]),
            ));
            return;
        };
        let message = &mut self.out.messages[index as usize];
        let mut counts_as_open = false;
        let mut is_click = false;
        match what {
            ChannelEvent::Delivered => message.delivered_reported = true,
            ChannelEvent::Bounced => message.bounced = true,
            ChannelEvent::Undelivered => message.undelivered = true,
            ChannelEvent::Opened => {
                message.opened = true;
                message.opens += 1;
                counts_as_open = true;
            }
            ChannelEvent::Clicked => {
                if !message.opened {
                    message.opened = true;
                    message.opens += 1;
                    counts_as_open = true;
                }
                message.clicked = true;
                message.clicks += 1;
                is_click = true;
            }
            ChannelEvent::Unsubscribed => message.unsubscribed = true,
            ChannelEvent::SpamReported => message.spam_reports += 1,
        }
        let j = message.journey;
        // A notify goal counts opens or clicks of any message of the journey.
        if let Some(Goal::Notify(engagement)) = &self.journeys[j as usize].goal {
            let counts = match engagement {
                Engagement::Opened => counts_as_open,
                Engagement::Clicked => is_click,
            };
            if counts && !self.credited(p, &[j], now).is_empty() {
                self.reach_goal(p, j);
            }
        }
        // A step waiting for this interaction with this message goes on.
        if let Some(instance) = self.instance(p, j)
            && instance.waiting == Waiting::Await
            && let Node::AwaitMessage { interaction, content: c, on_event, .. } =
                &self.journeys[j as usize].nodes[instance.node as usize]
            && *c == content
            && interaction_happened(*interaction, what, counts_as_open)
        {
            let next = *on_event;
            self.resume(p, j, next, now);
        }
    }

    fn check_suppression(&mut self, p: u32, now: i64) {
        for j in 0..self.journeys.len() as u16 {
            if self.instance(p, j).is_some() && self.suppressed(p, j, now) {
                self.leave(p, j, Reason::Suppressed, now);
            }
        }
    }

    fn suppressed(&self, p: u32, j: u16, now: i64) -> bool {
        self.journeys[j as usize].suppress.iter().any(|&s| self.member(p, s, now))
    }

    /// A segment journey's round: every member not excluded enters.
    fn round(&mut self, j: u16, now: i64) {
        let Start::Segment { segment, .. } = self.journeys[j as usize].start else { return };
        for p in 0..self.profiles.len() as u32 {
            if self.member(p, segment, now) {
                self.try_enter(p, j, now, None);
            }
        }
    }

    fn try_enter(&mut self, p: u32, j: u16, now: i64, start_data: Option<Box<[Option<Value>]>>) {
        let journey = &self.journeys[j as usize];
        if let Some(m) = self.membership(p, j) {
            if m.instance.is_some() {
                return;
            }
            match journey.reentry {
                Reentry::Always => {}
                Reentry::Never if m.entries > 0 => return,
                Reentry::After(seconds) if m.entries > 0 && now - m.last_entry < seconds as i64 * 1000 => return,
                _ => {}
            }
        }
        if journey.exclude.iter().any(|&s| self.member(p, s, now)) || self.suppressed(p, j, now) {
            return;
        }
        let stage_count = self.out.journeys[j as usize].stages.len();
        if self.membership(p, j).is_none() {
            // Most profiles are in one or two journeys: no room for four.
            let memberships = &mut self.profiles[p as usize].memberships;
            memberships.reserve_exact(1);
            memberships.push(Membership {
                journey: j,
                instance: None,
                entries: 0,
                last_entry: now,
                last_left: None,
                goal_reached: false,
                stages: vec![false; stage_count].into_boxed_slice(),
            });
        }
        self.token += 1;
        let token = self.token;
        let entry = self.journeys[j as usize].entry;
        let m = self.membership_mut(p, j).expect("just ensured");
        let first = m.entries == 0;
        m.entries += 1;
        m.last_entry = now;
        m.instance = Some(Box::new(Instance { node: entry.unwrap_or(0), token, waiting: Waiting::Await, start_data }));
        let tally = &mut self.out.journeys[j as usize];
        tally.entries += 1;
        if first {
            tally.entered += 1;
        }
        self.advance(p, j, entry, now);
    }

    fn wake(&mut self, p: u32, j: u16, token: u32, now: i64) {
        let Some(instance) = self.instance(p, j) else { return };
        if instance.token != token {
            return;
        }
        if self.suppressed(p, j, now) {
            self.leave(p, j, Reason::Suppressed, now);
            return;
        }
        let next = match instance.waiting {
            Waiting::Timer(next) => next,
            Waiting::Await => match &self.journeys[j as usize].nodes[instance.node as usize] {
                Node::AwaitMessage { on_timeout, .. } | Node::AwaitTrigger { on_timeout, .. } => *on_timeout,
                _ => None,
            },
        };
        self.resume(p, j, next, now);
    }

    /// Continues from a wait: a new token invalidates the pending timer.
    fn resume(&mut self, p: u32, j: u16, next: Option<u32>, now: i64) {
        self.token += 1;
        let token = self.token;
        if let Some(instance) = self.membership_mut(p, j).and_then(|m| m.instance.as_mut()) {
            instance.token = token;
        }
        self.advance(p, j, next, now);
    }

    fn set_timer(&mut self, p: u32, j: u16, at: i64, node: u32, waiting: Waiting) {
        self.token += 1;
        let token = self.token;
        if let Some(instance) = self.membership_mut(p, j).and_then(|m| m.instance.as_mut()) {
            instance.token = token;
            instance.node = node;
            instance.waiting = waiting;
        }
        self.seq += 1;
        self.timers.push(Reverse((at, self.seq, p, j, token)));
    }

    /// Runs steps from `node` until the profile waits or leaves.
    fn advance(&mut self, p: u32, j: u16, mut node: Option<u32>, now: i64) {
        loop {
            let Some(n) = node else {
                self.leave(p, j, Reason::Completed, now);
                return;
            };
            self.out.journeys[j as usize].node_reached[n as usize] += 1;
            if let Some(instance) = self.membership_mut(p, j).and_then(|m| m.instance.as_mut()) {
                instance.node = n;
            }
            let journey = &self.journeys[j as usize];
            match &journey.nodes[n as usize] {
                Node::Send { content, channel, to, next } => {
                    let (content, channel, to, next) = (*content, *channel, *to, *next);
                    self.send(p, j, n, content, channel, to, now);
                    node = next;
                }
                Node::Wait { ms, next } => {
                    let (at, next) = (now + ms, *next);
                    self.set_timer(p, j, at, n, Waiting::Timer(next));
                    return;
                }
                Node::AwaitMessage { interaction, content, ms, on_event, .. } => {
                    let (interaction, content, at, on_event) = (*interaction, *content, now + ms, *on_event);
                    if self.already(p, j, content, interaction) {
                        node = on_event;
                    } else {
                        self.set_timer(p, j, at, n, Waiting::Await);
                        return;
                    }
                }
                Node::AwaitTrigger { ms, .. } => {
                    let at = now + ms;
                    self.set_timer(p, j, at, n, Waiting::Await);
                    return;
                }
                Node::Branch { arms, otherwise } => {
                    node = arms
                        .iter()
                        .find(|(c, _)| self.holds(p, j, c, now))
                        .map(|(_, next)| *next)
                        .unwrap_or(*otherwise);
                }
                Node::Split { arms } => {
                    let draw = split_draw(&journey.name, n, &self.ids[p as usize]);
                    node = arms.iter().find(|(upto, _)| draw < *upto).or(arms.last()).and_then(|(_, next)| *next);
                }
                Node::Stage { stage, next } => {
                    let (stage, next) = (*stage, *next);
                    if let Some(m) = self.membership_mut(p, j)
                        && let Some(reached) = m.stages.get_mut(stage)
                        && !*reached
                    {
                        *reached = true;
                        self.out.journeys[j as usize].stage_reached[stage] += 1;
                    }
                    node = next;
                }
                Node::Exit => {
                    self.leave(p, j, Reason::Explicit, now);
                    return;
                }
            }
        }
    }

    /// The send node of the last message of journey `j` delivered to `p` (last touch).
    fn last_touch(&self, p: u32, j: u16) -> Option<u32> {
        let state = &self.profiles[p as usize];
        state
            .latest
            .iter()
            .filter(|(_, x, _)| *x == j)
            .map(|(_, _, m)| *m)
            .filter(|m| self.out.messages[*m as usize].delivered())
            .max()
            .map(|m| self.out.messages[m as usize].node)
    }

    /// Whether the latest send of `content` in journey `j` already had `interaction`.
    fn already(&self, p: u32, j: u16, content: u16, interaction: Interaction) -> bool {
        let state = &self.profiles[p as usize];
        let Some(&(_, _, index)) = state.latest.iter().find(|(c, x, _)| *c == content && *x == j) else { return false };
        let m = &self.out.messages[index as usize];
        match interaction {
            Interaction::Opened => m.opened,
            Interaction::Clicked => m.clicked,
            Interaction::Delivered => m.delivered_reported,
            Interaction::Bounced => m.bounced || m.undelivered,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn send(&mut self, p: u32, j: u16, n: u32, content: u16, channel: Channel, to: Option<usize>, now: i64) {
        let slot = to.or(if channel == Channel::Push { self.push_slot } else { None });
        let state = &self.profiles[p as usize];
        let address: Option<std::sync::Arc<str>> = slot.and_then(|s| match &state.attributes[s] {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        });
        let entry = self.membership(p, j).map(|m| m.entries).unwrap_or(1);
        let journey = &self.journeys[j as usize];
        let profile_id = &self.ids[p as usize];
        if self.ts_text.0 != now || self.ts_text.1.is_empty() {
            self.ts_text = (now, journey_time::Timestamp(now).to_string());
        }
        // The line is written in place, from the parts compiled with the journey:
        // {"ts","journey","version","profile","step","channel","content","to","message_id"}.
        let out = &mut self.out.actions;
        out.push_str("{\"ts\":\"");
        out.push_str(&self.ts_text.1);
        out.push('"');
        out.push_str(&journey.action_journey);
        json_string(out, profile_id);
        out.push_str(&journey.action_step[n as usize]);
        match &address {
            Some(address) => json_string(out, address),
            None => out.push_str("null"),
        }
        out.push_str(",\"message_id\":\"");
        out.push_str(&journey.message_id_prefix);
        json_inner(out, profile_id);
        out.push('/');
        push_number(out, entry);
        out.push('/');
        push_number(out, n);
        out.push_str("\"}\n");
        let index = self.out.messages.len() as u32;
        self.out.messages.push(Message {
            journey: j,
            node: n,
            profile: p,
            content,
            channel,
            ts: now,
            entry,
            to: address,
            bounced: false,
            undelivered: false,
            delivered_reported: false,
            opened: false,
            opens: 0,
            clicked: false,
            clicks: 0,
            unsubscribed: false,
            spam_reports: 0,
        });
        let latest = &mut self.profiles[p as usize].latest;
        match latest.iter_mut().find(|(c, x, _)| *c == content && *x == j) {
            Some(slot) => slot.2 = index,
            None => push_small(latest, (content, j, index)),
        }
    }

    fn leave(&mut self, p: u32, j: u16, reason: Reason, now: i64) {
        let Some(m) = self.membership_mut(p, j) else { return };
        let Some(instance) = m.instance.take() else { return };
        m.last_left = Some((reason, now));
        let tally = &mut self.out.journeys[j as usize];
        tally.exits[Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0)] += 1;
        if reason != Reason::Completed {
            tally.node_left[instance.node as usize] += 1;
        }
    }
}

/// Pushes onto a list that is short for most profiles: exactly sized up to
/// four items (a first push would make room for four), doubling after that.
fn push_small<T>(list: &mut Vec<T>, item: T) {
    if list.len() < 4 {
        list.reserve_exact(1);
    }
    list.push(item);
}

/// Whether a channel event is the interaction an `if ... within` waits for.
fn interaction_happened(interaction: Interaction, what: ChannelEvent, counts_as_open: bool) -> bool {
    match interaction {
        Interaction::Opened => counts_as_open || what == ChannelEvent::Opened,
        Interaction::Clicked => what == ChannelEvent::Clicked,
        Interaction::Delivered => what == ChannelEvent::Delivered,
        Interaction::Bounced => matches!(what, ChannelEvent::Bounced | ChannelEvent::Undelivered),
    }
}

/// A number in [0, 100) fixed by journey, node and profile: the same profile
/// always takes the same arm of a split (FNV-1a, stable across platforms and versions).
fn split_draw(journey: &str, node: u32, profile: &str) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in journey.bytes().chain(node.to_le_bytes()).chain([0xff]).chain(profile.bytes()) {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 10_000) as f64 / 100.0
}

fn compile_journey(catalog: &Catalog, plan: &journey_plan::JourneyPlan) -> Journey {
    let trigger = |name: &str| catalog.trigger(name).unwrap_or(u16::MAX);
    let start_trigger = match &plan.start {
        StartPlan::Trigger(m) => catalog.trigger(&m.trigger),
        StartPlan::Segment { .. } => None,
    };
    let cond = |m: &journey_plan::TriggerMatch| {
        m.condition.as_ref().map(|c| compile(catalog, c, catalog.trigger(&m.trigger), start_trigger))
    };
    let start = match &plan.start {
        StartPlan::Trigger(m) => Start::Trigger { trigger: trigger(&m.trigger), condition: cond(m) },
        StartPlan::Segment { segment, every } => Start::Segment {
            segment: catalog.segment(segment).unwrap_or(u16::MAX),
            every_ms: every.map(|e| e as i64 * 1000),
        },
    };
    let goal = plan.goal.as_ref().map(|g| match &g.measure {
        GoalMeasure::Trigger(m) => Goal::Trigger { trigger: trigger(&m.trigger), condition: cond(m) },
        GoalMeasure::Notify(e) => Goal::Notify(*e),
    });
    let mut stages: Vec<String> = Vec::new();
    let nodes: Vec<Node> = plan
        .nodes
        .iter()
        .map(|node| match &node.action {
            Action::Send { content, to, next } => {
                let c = catalog.content(content).unwrap_or(0);
                Node::Send {
                    content: c,
                    channel: catalog.channels.get(c as usize).copied().unwrap_or(Channel::Email),
                    to: to.as_ref().and_then(|t| catalog.profile.slot(t)),
                    next: *next,
                }
            }
            Action::Wait { seconds, next } => Node::Wait { ms: *seconds as i64 * 1000, next: *next },
            Action::Await { event, within, on_event, on_timeout } => match event {
                AwaitedEvent::Message { interaction, content } => Node::AwaitMessage {
                    interaction: *interaction,
                    content: catalog.content(content).unwrap_or(0),
                    ms: *within as i64 * 1000,
                    on_event: *on_event,
                    on_timeout: *on_timeout,
                },
                AwaitedEvent::Trigger(m) => Node::AwaitTrigger {
                    trigger: trigger(&m.trigger),
                    condition: cond(m),
                    ms: *within as i64 * 1000,
                    on_event: *on_event,
                    on_timeout: *on_timeout,
                },
            },
            Action::Branch { arms, otherwise } => Node::Branch {
                arms: arms.iter().map(|a| (compile(catalog, &a.when, None, start_trigger), a.next)).collect(),
                otherwise: *otherwise,
            },
            Action::Split { arms } => {
                let mut upto = 0.0;
                Node::Split {
                    arms: arms
                        .iter()
                        .map(|a| {
                            upto += a.share;
                            (upto, a.next)
                        })
                        .collect(),
                }
            }
            Action::Stage { name, next } => {
                let stage = stages.iter().position(|s| s == name).unwrap_or_else(|| {
                    stages.push(name.clone());
                    stages.len() - 1
                });
                Node::Stage { stage, next: *next }
            }
            Action::Exit => Node::Exit,
        })
        .collect();
    Journey {
        name: plan.name.clone(),
        start,
        goal,
        exits: plan.exit_on.iter().map(|m| (trigger(&m.trigger), cond(m))).collect(),
        exclude: plan.exclude.iter().filter_map(|s| catalog.segment(s)).collect(),
        suppress: plan.suppress.iter().filter_map(|s| catalog.segment(s)).collect(),
        attribution_ms: plan.attribution as i64 * 1000,
        reentry: plan.reentry,
        entry: plan.entry,
        action_journey: format!(",\"journey\":{},\"version\":{},\"profile\":", json(&plan.name), plan.version),
        action_step: plan
            .nodes
            .iter()
            .zip(&nodes)
            .map(|(n, node)| match node {
                Node::Send { content, channel, .. } => format!(
                    ",\"step\":{},\"channel\":\"{}\",\"content\":{},\"to\":",
                    json(&n.step),
                    channel.name(),
                    json(catalog.contents.get(*content as usize).map_or("", String::as_str))
                ),
                _ => String::new(),
            })
            .collect(),
        message_id_prefix: {
            let mut prefix = String::new();
            json_inner(&mut prefix, &plan.name);
            format!("{prefix}/{}/", plan.version)
        },
        nodes,
    }
}

/// `text` as a JSON string, as serde_json writes it.
fn json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    json_string(&mut out, text);
    out
}

/// Writes `text` as a JSON string, as serde_json writes it (only `"`, `\\` and
/// control characters are escaped); without a copy when nothing needs escaping.
fn json_string(out: &mut String, text: &str) {
    out.push('"');
    json_inner(out, text);
    out.push('"');
}

/// Writes `text` escaped for the inside of a JSON string. Escaping works
/// character by character, so parts of a string can be escaped separately.
fn json_inner(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(text);
    } else {
        let quoted = serde_json::to_string(text).unwrap_or_default();
        out.push_str(&quoted[1..quoted.len() - 1]);
    }
}

/// Writes a number in decimal.
fn push_number(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}

/// The hash of the set of event ids seen: FxHash (of rustc), a multiply and a
/// rotate a word, several times cheaper than SipHash on short ids. Not resistant
/// to crafted collisions, which would only slow a run down.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((word, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*word));
            bytes = rest;
        }
        if bytes.len() >= 4 {
            let (word, rest) = bytes.split_first_chunk::<4>().expect("4 bytes");
            self.add(u32::from_le_bytes(*word) as u64);
            bytes = rest;
        }
        for &b in bytes {
            self.add(b as u64);
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(b as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The table indexes by the low bits: bring the well-mixed middle bits of
        // the last product down (as rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}
