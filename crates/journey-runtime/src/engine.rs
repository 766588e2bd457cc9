//! The interpreter: replays events on a virtual clock and moves profiles through journeys.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use journey_plan::{
    Action, AwaitedEvent, Channel, Engagement, GoalMeasure, Interaction, Plan, Reentry, SegmentPlan, StartPlan,
    TriggerSource,
};

use journey_time::millis;

use crate::expr::{Compiled, Past, Scope, compile};
use crate::input::{Catalog, ChannelEvent, Event, EventId, EventKind, Profile, Profiles, Value};

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
    /// The address it went to: an index in [`Outcome::addresses`], or [`NO_ADDRESS`].
    pub to: u32,
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
    /// The message the journey sent the profile before this one (index in the
    /// messages), or `u32::MAX`: last touch walks back past bounced messages.
    pub previous: u32,
}

/// The `to` of a message sent without an address.
pub const NO_ADDRESS: u32 = u32::MAX;

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
    /// Sends not sent at each send node (runtime.md §10).
    pub node_not_sent: Vec<NotSent>,
    /// Profiles that reached each node (unique: once however often they re-enter).
    pub node_reached: Vec<u64>,
    /// Profiles that left the journey at each node other than by completing it
    /// (unique, as `node_reached`).
    pub node_left: Vec<u64>,
    /// Profiles waiting at each node at the end.
    pub node_active: Vec<u64>,
    /// The stages, in order of first appearance.
    pub stages: Vec<String>,
    /// Unique profiles that reached each stage.
    pub stage_reached: Vec<u64>,
}

/// Sends of one step that were not sent, by reason (runtime.md §10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotSent {
    /// The profile had opted out of the channel (and the journey is not `transactional`).
    pub opted_out: u64,
    /// The profile had no address for it: its `to` attribute missing or null.
    pub no_address: u64,
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
    /// Channel events naming no message sent to that profile in the run, with
    /// their line and reason: counted, never changing a metric.
    pub unmatched: Vec<(u32, String)>,
    /// The ids of the profiles, by index (the messages name profiles by index).
    pub profile_ids: Texts,
    /// The addresses the messages went to, by index (each address of a profile
    /// once, as long as it stays the same).
    pub addresses: Texts,
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
    Send {
        content: u16,
        channel: Channel,
        to: Option<usize>,
        next: Option<u32>,
    },
    Wait {
        ms: i64,
        next: Option<u32>,
    },
    AwaitMessage {
        interaction: Interaction,
        content: u16,
        ms: i64,
        on_event: Option<u32>,
        on_timeout: Option<u32>,
    },
    AwaitTrigger {
        trigger: u16,
        condition: Option<Compiled>,
        ms: i64,
        on_event: Option<u32>,
        on_timeout: Option<u32>,
        /// Its rank among the journey's trigger awaits (its bit in [`Engine::awaited`]).
        rank: usize,
    },
    Branch {
        arms: Vec<(Compiled, Option<u32>)>,
        otherwise: Option<u32>,
    },
    Split {
        arms: Vec<(f64, Option<u32>)>,
    },
    Stage {
        stage: usize,
        next: Option<u32>,
    },
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
    transactional: bool,
    entry: Option<u32>,
    nodes: Vec<Node>,
    /// The trigger awaits among the nodes (`if [not] TRIGGER within D`), by rank.
    awaits: Vec<u32>,
}

/// What an active membership waits for: a timer, then going on to a node (or
/// to the end of the steps), or the event or deadline of an await node. Four
/// bytes: a node, or one of two marks above every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Waiting(u32);

impl Waiting {
    /// Waiting at an await node for its event or deadline.
    const AWAIT: Waiting = Waiting(u32::MAX);
    /// The mark of a timer after which the steps are finished.
    const TIMER_TO_END: u32 = u32::MAX - 1;

    /// Waiting for a timer, then going to `next`.
    fn timer(next: Option<u32>) -> Waiting {
        Waiting(next.unwrap_or(Waiting::TIMER_TO_END))
    }

    /// Where a timer goes on (for a timer wait).
    fn next(self) -> Option<u32> {
        (self.0 != Waiting::TIMER_TO_END).then_some(self.0)
    }
}

/// No event, no message: the empty value of index fields.
const NONE: u32 = u32::MAX;

/// An address not looked up yet.
const UNKNOWN: u32 = u32::MAX - 1;

/// A profile's membership of one journey. The memberships are one flat array,
/// a row of one per journey for each profile: no heap object per profile.
#[derive(Clone, Copy, Debug)]
struct Membership {
    /// Entries so far (0: it never entered, the other fields mean nothing).
    entries: u32,
    /// The node it is at, while in the journey.
    node: u32,
    /// The token of its pending timer: an older timer is stale.
    token: u32,
    /// What it waits for, while in the journey.
    waiting: Waiting,
    /// The event that started the current entry (index in the events), or [`NONE`].
    start: u32,
    /// In the journey now.
    active: bool,
    goal_reached: bool,
    /// Why it last left, if it did.
    left: Option<Reason>,
    last_entry: i64,
    /// When it last left.
    last_left: i64,
}

impl Membership {
    const NEVER: Membership = Membership {
        entries: 0,
        node: 0,
        token: 0,
        waiting: Waiting::AWAIT,
        start: NONE,
        active: false,
        goal_reached: false,
        left: None,
        last_entry: 0,
        last_left: 0,
    };
}

/// A timer: when, order of setting, profile (or `u32::MAX` for a segment round), journey, token.
type Timer = (i64, u64, u32, u16, u32);

const ROUND: u32 = u32::MAX;

/// The pending timers, due in (time, order of setting) order. A timer is set at
/// `now + delay` and `now` never goes back, so the timers of one delay come due
/// in the order they were set: one queue per delay, merged at their fronts,
/// instead of a heap of every timer. A timer that would break the order of its
/// queue (rounds, events out of order, too many delays) goes to a heap.
#[derive(Default)]
struct Timers {
    queues: Vec<(i64, VecDeque<Timer>)>,
    heap: BinaryHeap<Reverse<Timer>>,
    seq: u64,
}

/// The most delays with a queue of their own; others go to the heap.
const DELAY_QUEUES: usize = 16;

impl Timers {
    /// Sets a timer at `at`, `delay` after now.
    fn push(&mut self, delay: i64, at: i64, profile: u32, journey: u16, token: u32) {
        self.seq += 1;
        let timer = (at, self.seq, profile, journey, token);
        let queue = match self.queues.iter().position(|(d, _)| *d == delay) {
            Some(q) => Some(q),
            None if self.queues.len() < DELAY_QUEUES && delay >= 0 => {
                self.queues.push((delay, VecDeque::new()));
                Some(self.queues.len() - 1)
            }
            None => None,
        };
        match queue.map(|q| &mut self.queues[q].1) {
            Some(queue) if queue.back().is_none_or(|last| *last <= timer) => queue.push_back(timer),
            _ => self.heap.push(Reverse(timer)),
        }
    }

    /// Removes and returns the first timer, if it is `due`.
    fn pop_due(&mut self, due: impl Fn(i64) -> bool) -> Option<Timer> {
        let mut first: Option<(Timer, usize)> = self.heap.peek().map(|Reverse(t)| (*t, usize::MAX));
        for (q, (_, queue)) in self.queues.iter().enumerate() {
            if let Some(&t) = queue.front()
                && first.is_none_or(|(f, _)| t < f)
            {
                first = Some((t, q));
            }
        }
        let (timer, from) = first?;
        if !due(timer.0) {
            return None;
        }
        match from {
            usize::MAX => self.heap.pop(),
            q => self.queues[q].1.pop_front().map(Reverse),
        };
        Some(timer)
    }
}

/// Texts by index, kept end to end in one string: the profile ids and the
/// addresses of a run's messages (no heap object per text).
#[derive(Debug, Default)]
pub struct Texts {
    text: String,
    ends: Vec<usize>,
}

impl Texts {
    /// The texts of `list`, in order.
    pub fn of<'t>(list: impl Iterator<Item = &'t str>) -> Texts {
        let mut texts = Texts::default();
        for text in list {
            texts.push(text);
        }
        texts.text.shrink_to_fit();
        texts.ends.shrink_to_fit();
        texts
    }

    /// Adds `text` at the end and returns its index.
    pub fn push(&mut self, text: &str) -> u32 {
        self.text.push_str(text);
        self.ends.push(self.text.len());
        self.ends.len() as u32 - 1
    }

    /// Text `i`.
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The heap it holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * size_of::<usize>()
    }

    /// How many texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// The interpreter's state during a run.
pub struct Engine<'a> {
    catalog: &'a Catalog,
    /// The events being replayed (an entry's start event is kept as its index).
    events: &'a [Event],
    journeys: Vec<Journey>,
    segments: Vec<Option<Compiled>>,
    commerce: Vec<bool>,
    revenue_slot: Vec<Option<usize>>,
    remembered: Vec<bool>,
    push_slot: Option<usize>,
    /// The profiles: ids, attributes and lists, updated by events.
    profiles: Vec<Profile>,
    /// Per profile, its history of the triggers behavioural functions read.
    history: Vec<Vec<Past>>,
    /// Per profile, one membership per journey.
    memberships: Vec<Membership>,
    /// The (journey, content) pairs of the send nodes, grouped by journey.
    pairs: Pairs,
    /// Per profile, its latest message of each pair (index in the messages, or [`NONE`]).
    latest: Vec<u32>,
    /// The stages each profile has reached.
    stages_reached: FirstTimes,
    /// The steps (nodes) each profile has reached.
    nodes_reached: FirstTimes,
    /// The steps (nodes) each profile has left a journey at.
    nodes_left: FirstTimes,
    /// Per profile and journey, the trigger awaits whose event the profile has
    /// caused since its current entry (runtime.md §10: an earlier event counts).
    awaited: FirstTimes,
    /// The profile attributes that sends use as addresses.
    address_slots: Vec<usize>,
    /// Per profile, per address slot: its current value in the outcome's
    /// addresses, [`NO_ADDRESS`], or [`UNKNOWN`] until a send needs it.
    address_of: Vec<u32>,
    timers: Timers,
    token: u32,
    out: Outcome,
}

/// The (journey, content) pairs that send nodes make: the latest send of each is
/// what channel events and `if opened ...` steps refer to.
#[derive(Debug, Default)]
struct Pairs {
    /// Per journey, its pairs (a range of pair indices).
    of_journey: Vec<std::ops::Range<u32>>,
    /// Per journey, per content: its pair, or [`NONE`].
    index: Vec<Vec<u32>>,
    /// Per content, the pairs that send it, with their journey.
    of_content: Vec<Vec<(u16, u32)>>,
    /// How many.
    count: usize,
}

impl Pairs {
    fn of(journeys: &[Journey], contents: usize) -> Pairs {
        let mut pairs = Pairs { of_content: vec![Vec::new(); contents], ..Pairs::default() };
        for (j, journey) in journeys.iter().enumerate() {
            let first = pairs.count as u32;
            let mut index = vec![NONE; contents];
            for node in &journey.nodes {
                if let Node::Send { content, .. } = node
                    && let Some(slot) = index.get_mut(*content as usize)
                    && *slot == NONE
                {
                    *slot = pairs.count as u32;
                    pairs.of_content[*content as usize].push((j as u16, pairs.count as u32));
                    pairs.count += 1;
                }
            }
            pairs.of_journey.push(first..pairs.count as u32);
            pairs.index.push(index);
        }
        pairs
    }

    /// The pair of `content` in journey `j`, or [`NONE`].
    fn get(&self, j: u16, content: u16) -> u32 {
        self.index[j as usize].get(content as usize).copied().unwrap_or(NONE)
    }
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
        let tallies: Vec<JourneyTally> = journeys
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
                    node_not_sent: vec![NotSent::default(); j.nodes.len()],
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
        let profile_count = profiles.list.len();
        let stages_reached = FirstTimes::new(profile_count, tallies.iter().map(|t| t.stages.len()));
        let nodes_reached = FirstTimes::new(profile_count, tallies.iter().map(|t| t.node_reached.len()));
        let nodes_left = FirstTimes::new(profile_count, tallies.iter().map(|t| t.node_left.len()));
        let awaited = FirstTimes::new(profile_count, journeys.iter().map(|j| j.awaits.len()));
        let pairs = Pairs::of(&journeys, catalog.contents.len());
        let push_slot = catalog.profile.slot(&["push_token".to_owned()]);
        let mut address_slots: Vec<usize> = push_slot.into_iter().collect();
        for journey in &journeys {
            for node in &journey.nodes {
                if let Node::Send { to: Some(slot), .. } = node
                    && !address_slots.contains(slot)
                {
                    address_slots.push(*slot);
                }
            }
        }
        let out = Outcome { journeys: tallies, ..Outcome::default() };
        Engine {
            catalog,
            events: &[],
            memberships: vec![Membership::NEVER; profile_count * journeys.len()],
            latest: vec![NONE; profile_count * pairs.count],
            pairs,
            stages_reached,
            nodes_reached,
            nodes_left,
            awaited,
            address_of: vec![UNKNOWN; profile_count * address_slots.len()],
            address_slots,
            journeys,
            segments,
            commerce,
            revenue_slot,
            remembered,
            push_slot,
            history: std::iter::repeat_with(Vec::new).take(profile_count).collect(),
            profiles: profiles.list,
            timers: Timers::default(),
            token: 0,
            out,
        }
    }

    /// Replays `events` (sorted by time) and returns what happened.
    pub fn run(mut self, events: &'a [Event], options: Options, progress: &mut dyn FnMut(u64)) -> Outcome {
        self.events = events;
        let start = options.start.or(events.first().map(|e| e.ts)).unwrap_or(0);
        let until = options.until.or(events.last().map(|e| e.ts)).unwrap_or(start).max(start);
        self.out.start = start;
        self.out.until = until;
        for (j, journey) in self.journeys.iter().enumerate() {
            if let Start::Segment { every_ms, .. } = journey.start {
                let mut t = start;
                loop {
                    self.timers.push(i64::MIN, t, ROUND, j as u16, 0);
                    match every_ms {
                        Some(every) if every > 0 && t.saturating_add(every) <= until => t += every,
                        _ => break,
                    }
                }
            }
        }
        // A line set aside as bad input never reaches the engine: only the ids
        // of events register.
        let repeated = repeated_ids(events);
        for (i, event) in events.iter().enumerate() {
            if i % 65_536 == 0 {
                progress(i as u64);
            }
            if repeated[i] {
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
            self.event(i as u32, event);
        }
        self.fire_timers(|t| t <= until);
        progress(events.len() as u64);
        let journey_count = self.journeys.len().max(1);
        for (i, m) in self.memberships.iter().enumerate() {
            if m.active {
                let tally = &mut self.out.journeys[i % journey_count];
                tally.active += 1;
                tally.node_active[m.node as usize] += 1;
            }
        }
        self.out.profile_ids = Texts::of(self.profiles.iter().map(|p| &*p.id));
        self.out
    }

    fn fire_timers(&mut self, due: impl Fn(i64) -> bool) {
        while let Some((t, _, profile, journey, token)) = self.timers.pop_due(&due) {
            if profile == ROUND {
                self.round(journey, t);
            } else {
                self.wake(profile, journey, token, t);
            }
        }
    }

    /// State changes of an event before `--start`: attributes, lists and history, no journey.
    fn remember(&mut self, event: &Event) {
        let p = event.profile as usize;
        match &event.kind {
            EventKind::Trigger { trigger, data } => {
                if self.remembered[*trigger as usize] {
                    push_small(&mut self.history[p], Past { trigger: *trigger, ts: event.ts, data: data.clone() });
                }
            }
            EventKind::ProfileUpdated { changes, opted_out } => {
                if let Some(opted_out) = opted_out {
                    self.profiles[p].opted_out = *opted_out;
                }
                for (slot, value) in changes {
                    self.profiles[p].attributes[*slot] = value.clone();
                    if let Some(cell) = self.address_cell(p as u32, *slot) {
                        self.address_of[cell] = UNKNOWN;
                    }
                }
            }
            EventKind::SegmentJoined(s) => {
                let lists = &mut self.profiles[p].lists;
                if !lists.contains(s) {
                    lists.push(*s);
                }
            }
            EventKind::SegmentLeft(s) => self.profiles[p].lists.retain(|x| x != s),
            // An unsubscribe or a spam report opts the profile out of the
            // channel, whether or not the message is one of the run's.
            EventKind::Channel { event: ChannelEvent::Unsubscribed | ChannelEvent::SpamReported, content, .. } => {
                let channel = self.catalog.channels[*content as usize];
                self.profiles[p].opted_out.insert(channel);
            }
            EventKind::Channel { .. } => {}
        }
    }

    /// Event `i` of the run; false when it is rejected (a channel event of no send),
    /// which then changes nothing, not even the suppression of its profile.
    fn event(&mut self, i: u32, event: &Event) {
        let p = event.profile;
        let now = event.ts;
        match &event.kind {
            EventKind::Trigger { trigger, data } => {
                self.remember(event);
                self.trigger_event(p, i, *trigger, data, now);
            }
            EventKind::ProfileUpdated { .. } | EventKind::SegmentJoined(_) | EventKind::SegmentLeft(_) => {
                self.remember(event);
            }
            EventKind::Channel { event: what, content, journey } => {
                self.channel_event(p, *what, *content, *journey, now, event.line);
                // An unsubscribe opts out even when its message is not one of the run's.
                self.remember(event);
            }
        }
        self.check_suppression(p, now);
    }

    /// A trigger event, event `i` of the run, with `data`.
    fn trigger_event(&mut self, p: u32, i: u32, trigger: u16, data: &[Option<Value>], now: i64) {
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
        if !goal_candidates.is_empty() {
            for j in self.credited(p, &goal_candidates, now) {
                self.reach_goal(p, j);
            }
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
            if !self.active(p, j) {
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
        // 4. Steps waiting for this trigger; the steps ahead note it, for an
        // event since entry counts when the profile reaches them (runtime.md §10).
        for j in 0..self.journeys.len() as u16 {
            let m = *self.membership(p, j);
            if !m.active {
                continue;
            }
            let journey = &self.journeys[j as usize];
            let mut noted = Vec::new();
            for &n in &journey.awaits {
                if let Node::AwaitTrigger { trigger: t, condition, rank, .. } = &journey.nodes[n as usize]
                    && *t == trigger
                    && self.matches(p, j, condition.as_ref(), data, now)
                {
                    noted.push((n, *rank));
                }
            }
            for &(_, rank) in &noted {
                self.awaited.first(p, j, rank);
            }
            if m.waiting == Waiting::AWAIT
                && noted.iter().any(|&(n, _)| n == m.node)
                && let Node::AwaitTrigger { on_event, .. } = &self.journeys[j as usize].nodes[m.node as usize]
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
                self.try_enter(p, j, now, i);
            }
        }
    }

    /// The data of the event that started `p`'s current entry in journey `j`.
    fn start_data(&self, p: u32, j: u16) -> Option<&'a [Option<Value>]> {
        let m = self.membership(p, j);
        if !m.active || m.start == NONE {
            return None;
        }
        match &self.events.get(m.start as usize)?.kind {
            EventKind::Trigger { data, .. } => Some(data),
            _ => None,
        }
    }

    /// Whether an event with `data` satisfies `condition` for journey `j`.
    fn matches(&self, p: u32, j: u16, condition: Option<&Compiled>, data: &[Option<Value>], now: i64) -> bool {
        condition.is_none_or(|condition| self.evaluate(p, j, condition, Some(data), now))
    }

    /// Whether `condition` holds for `p` in journey `j` now.
    fn holds(&self, p: u32, j: u16, condition: &Compiled, now: i64) -> bool {
        self.evaluate(p, j, condition, None, now)
    }

    /// `condition` for `p` in journey `j`, reading the event `data` if any.
    fn evaluate(&self, p: u32, j: u16, condition: &Compiled, data: Option<&[Option<Value>]>, now: i64) -> bool {
        let member = |s: u16| self.member(p, s, now);
        let scope = Scope {
            profile: &self.profiles[p as usize].attributes,
            history: &self.history[p as usize],
            event: data,
            start: self.start_data(p, j),
            now,
            member: &member,
        };
        scope.holds(condition)
    }

    /// Whether profile `p` is a member of segment `s` now.
    fn member(&self, p: u32, s: u16, now: i64) -> bool {
        let profile = &self.profiles[p as usize];
        match &self.segments[s as usize] {
            None => profile.lists.contains(&s),
            Some(rule) => {
                let member = |s: u16| self.member(p, s, now);
                let scope = Scope {
                    profile: &profile.attributes,
                    history: &self.history[p as usize],
                    event: None,
                    start: None,
                    now,
                    member: &member,
                };
                scope.holds(rule)
            }
        }
    }

    fn membership(&self, p: u32, j: u16) -> &Membership {
        &self.memberships[p as usize * self.journeys.len() + j as usize]
    }

    fn membership_mut(&mut self, p: u32, j: u16) -> &mut Membership {
        &mut self.memberships[p as usize * self.journeys.len() + j as usize]
    }

    /// Whether `p` is in journey `j` now.
    fn active(&self, p: u32, j: u16) -> bool {
        self.membership(p, j).active
    }

    /// The latest messages of `p`, one per pair.
    fn latest(&self, p: u32) -> &[u32] {
        &self.latest[p as usize * self.pairs.count..(p as usize + 1) * self.pairs.count]
    }

    /// Among `candidates`, the journeys a goal or order event of `p` is credited to
    /// (runtime.md §5): those where `p` is active; if none, the one it left most
    /// recently within its attribution window, never after a `suppressed` exit.
    fn credited(&self, p: u32, candidates: &[u16], now: i64) -> Vec<u16> {
        let mut active = Vec::new();
        let mut latest: Option<(i64, u16)> = None;
        for &j in candidates {
            let m = self.membership(p, j);
            if m.entries == 0 {
                continue;
            }
            if m.active {
                active.push(j);
            } else if let Some(reason) = m.left
                && reason != Reason::Suppressed
                && now - m.last_left <= self.journeys[j as usize].attribution_ms
                && latest.is_none_or(|(t, _)| m.last_left > t)
            {
                latest = Some((m.last_left, j));
            }
        }
        if active.is_empty() { latest.map(|(_, j)| vec![j]).unwrap_or_default() } else { active }
    }

    fn reach_goal(&mut self, p: u32, j: u16) {
        let m = self.membership_mut(p, j);
        if m.entries > 0 && !m.goal_reached {
            m.goal_reached = true;
            self.out.journeys[j as usize].goal_reached += 1;
        }
    }

    /// A channel event of `p` about `content`. One that matches no send of the
    /// run (a message sent before the start, or by another tool) is counted as
    /// unmatched and changes no metric (runtime.md §7).
    fn channel_event(&mut self, p: u32, what: ChannelEvent, content: u16, journey: Option<u16>, now: i64, line: u32) {
        let latest = self.latest(p);
        let found = self.pairs.of_content[content as usize]
            .iter()
            .filter(|(j, _)| journey.is_none_or(|x| x == *j))
            .map(|&(_, pair)| latest[pair as usize])
            .filter(|&m| m != NONE)
            .max();
        let Some(index) = found else {
            let name = &self.catalog.contents[content as usize];
            self.out.unmatched.push((
                line,
                format!(
                    "unmatched: `{name}` was never sent to profile `{}` in this run before this event",
                    self.profiles[p as usize].id
                ),
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
        let m = self.membership(p, j);
        if m.active
            && m.waiting == Waiting::AWAIT
            && let Node::AwaitMessage { interaction, content: c, on_event, .. } =
                &self.journeys[j as usize].nodes[m.node as usize]
            && *c == content
            && interaction_happened(*interaction, what, counts_as_open)
        {
            let next = *on_event;
            self.resume(p, j, next, now);
        }
    }

    fn check_suppression(&mut self, p: u32, now: i64) {
        for j in 0..self.journeys.len() as u16 {
            if self.active(p, j) && self.suppressed(p, j, now) {
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
                self.try_enter(p, j, now, NONE);
            }
        }
    }

    /// Enters `p` into journey `j` if the rules allow it; `start` is the index
    /// of the event that starts it ([`NONE`] for a segment round).
    fn try_enter(&mut self, p: u32, j: u16, now: i64, start: u32) {
        let journey = &self.journeys[j as usize];
        let m = self.membership(p, j);
        if m.entries > 0 {
            if m.active {
                return;
            }
            match journey.reentry {
                Reentry::Always => {}
                Reentry::Never => return,
                Reentry::After(seconds) if now.saturating_sub(m.last_entry) < millis(seconds) => return,
                _ => {}
            }
        }
        if journey.exclude.iter().any(|&s| self.member(p, s, now)) {
            return;
        }
        self.token += 1;
        let token = self.token;
        let entry = journey.entry;
        let m = self.membership_mut(p, j);
        let first = m.entries == 0;
        m.entries += 1;
        m.last_entry = now;
        m.active = true;
        m.node = entry.unwrap_or(0);
        m.token = token;
        m.waiting = Waiting::AWAIT;
        m.start = start;
        let tally = &mut self.out.journeys[j as usize];
        tally.entries += 1;
        if first {
            tally.entered += 1;
        }
        self.awaited.clear(p, j, self.journeys[j as usize].awaits.len());
        if self.suppressed(p, j, now) {
            // A member of a `suppress` segment enters (only `exclude` keeps it
            // out) and leaves at once, before its first step.
            self.membership_mut(p, j).node = NONE;
            self.leave(p, j, Reason::Suppressed, now);
            return;
        }
        self.advance(p, j, entry, now);
    }

    fn wake(&mut self, p: u32, j: u16, token: u32, now: i64) {
        let m = *self.membership(p, j);
        if !m.active || m.token != token {
            return;
        }
        if self.suppressed(p, j, now) {
            self.leave(p, j, Reason::Suppressed, now);
            return;
        }
        let next = match m.waiting {
            Waiting::AWAIT => match self.journeys[j as usize].nodes[m.node as usize] {
                // A send counts as delivered unless a bounce or an undelivered report
                // arrives for it (runtime.md §3): at the deadline, a send of M that
                // did not bounce is delivered, with or without a delivery event.
                Node::AwaitMessage { interaction: Interaction::Delivered, content, on_event, on_timeout, .. } => {
                    if self.sent(p, j, content) && !self.already(p, j, content, Interaction::Bounced) {
                        on_event
                    } else {
                        on_timeout
                    }
                }
                Node::AwaitMessage { on_timeout, .. } | Node::AwaitTrigger { on_timeout, .. } => on_timeout,
                _ => None,
            },
            timer => timer.next(),
        };
        self.resume(p, j, next, now);
    }

    /// Continues from a wait: a new token invalidates the pending timer.
    fn resume(&mut self, p: u32, j: u16, next: Option<u32>, now: i64) {
        self.token += 1;
        let token = self.token;
        let m = self.membership_mut(p, j);
        if m.active {
            m.token = token;
        }
        self.advance(p, j, next, now);
    }

    /// Suspends `p` at `node` until `delay` from now (or its event).
    fn set_timer(&mut self, p: u32, j: u16, now: i64, delay: i64, node: u32, waiting: Waiting) {
        self.token += 1;
        let token = self.token;
        let m = self.membership_mut(p, j);
        if m.active {
            m.token = token;
            m.node = node;
            m.waiting = waiting;
        }
        self.timers.push(delay, now.saturating_add(delay), p, j, token);
    }

    /// Runs steps from `node` until the profile waits or leaves.
    fn advance(&mut self, p: u32, j: u16, mut node: Option<u32>, now: i64) {
        loop {
            let Some(n) = node else {
                self.leave(p, j, Reason::Completed, now);
                return;
            };
            if self.nodes_reached.first(p, j, n as usize) {
                self.out.journeys[j as usize].node_reached[n as usize] += 1;
            }
            let m = self.membership_mut(p, j);
            if m.active {
                m.node = n;
            }
            let journey = &self.journeys[j as usize];
            match &journey.nodes[n as usize] {
                Node::Send { content, channel, to, next } => {
                    let (content, channel, to, next) = (*content, *channel, *to, *next);
                    self.send(p, j, n, content, channel, to, now);
                    node = next;
                }
                Node::Wait { ms, next } => {
                    let (ms, next) = (*ms, *next);
                    self.set_timer(p, j, now, ms, n, Waiting::timer(next));
                    return;
                }
                Node::AwaitMessage { interaction, content, ms, on_event, .. } => {
                    let (interaction, content, ms, on_event) = (*interaction, *content, *ms, *on_event);
                    if self.already(p, j, content, interaction) {
                        node = on_event;
                    } else {
                        self.set_timer(p, j, now, ms, n, Waiting::AWAIT);
                        return;
                    }
                }
                Node::AwaitTrigger { ms, rank, on_event, .. } => {
                    let (ms, rank, on_event) = (*ms, *rank, *on_event);
                    if self.awaited.marked(p, j, rank) {
                        node = on_event;
                    } else {
                        self.set_timer(p, j, now, ms, n, Waiting::AWAIT);
                        return;
                    }
                }
                Node::Branch { arms, otherwise } => {
                    node = arms
                        .iter()
                        .find(|(c, _)| self.holds(p, j, c, now))
                        .map(|(_, next)| *next)
                        .unwrap_or(*otherwise);
                }
                Node::Split { arms } => {
                    let draw = split_draw(&journey.name, n, &self.profiles[p as usize].id);
                    node = arms.iter().find(|(upto, _)| draw < *upto).or(arms.last()).and_then(|(_, next)| *next);
                }
                Node::Stage { stage, next } => {
                    let (stage, next) = (*stage, *next);
                    if self.stages_reached.first(p, j, stage) {
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

    /// The latest message of journey `j` to `p` (index in the messages), or [`NONE`].
    fn latest_of_journey(&self, p: u32, j: u16) -> u32 {
        let range = self.pairs.of_journey[j as usize].clone();
        self.latest(p)[range.start as usize..range.end as usize]
            .iter()
            .copied()
            .filter(|&m| m != NONE)
            .max()
            .unwrap_or(NONE)
    }

    /// The send node of the last message of journey `j` delivered to `p` (last
    /// touch): the latest message, or the one before it while they bounced.
    fn last_touch(&self, p: u32, j: u16) -> Option<u32> {
        let mut m = self.latest_of_journey(p, j);
        while m != NONE {
            let message = &self.out.messages[m as usize];
            if message.delivered() {
                return Some(message.node);
            }
            m = message.previous;
        }
        None
    }

    /// The latest message of `content` that journey `j` sent to `p`, if any.
    fn latest_send(&self, p: u32, j: u16, content: u16) -> Option<&Message> {
        let pair = self.pairs.get(j, content);
        let index = *self.latest(p).get(pair as usize)?;
        (index != NONE).then(|| &self.out.messages[index as usize])
    }

    /// Whether `p` has been sent `content` by journey `j`.
    fn sent(&self, p: u32, j: u16, content: u16) -> bool {
        self.latest_send(p, j, content).is_some()
    }

    /// Whether the latest send of `content` in journey `j` already had `interaction`.
    fn already(&self, p: u32, j: u16, content: u16, interaction: Interaction) -> bool {
        let Some(m) = self.latest_send(p, j, content) else { return false };
        match interaction {
            Interaction::Opened => m.opened,
            Interaction::Clicked => m.clicked,
            Interaction::Delivered => m.delivered_reported,
            Interaction::Bounced => m.bounced || m.undelivered,
        }
    }

    /// Sends `content` to `p` at node `n`, unless the profile opted out of the
    /// channel (outside a `transactional` journey) or has no address for it: then
    /// nothing is sent, and the step counts why (runtime.md §10).
    #[allow(clippy::too_many_arguments)]
    fn send(&mut self, p: u32, j: u16, n: u32, content: u16, channel: Channel, to: Option<usize>, now: i64) {
        let not_sent = &mut self.out.journeys[j as usize].node_not_sent[n as usize];
        if !self.journeys[j as usize].transactional && self.profiles[p as usize].opted_out.contains(channel) {
            not_sent.opted_out += 1;
            return;
        }
        // A push without `to` goes to the `push_token` attribute, when the schema
        // has one; a push with neither goes to the profile's devices (no address).
        let slot = to.or(if channel == Channel::Push { self.push_slot } else { None });
        let address = match slot {
            Some(slot) => self.address(p, slot),
            None => NO_ADDRESS,
        };
        if slot.is_some() && address == NO_ADDRESS {
            self.out.journeys[j as usize].node_not_sent[n as usize].no_address += 1;
            return;
        }
        let previous = self.latest_of_journey(p, j);
        let m = self.membership(p, j);
        let entry = if m.entries > 0 { m.entries } else { 1 };
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
            previous,
        });
        let pair = self.pairs.get(j, content);
        if pair != NONE {
            self.latest[p as usize * self.pairs.count + pair as usize] = index;
        }
    }

    /// The address in attribute `slot` of `p`, as an index in the outcome's
    /// addresses: copied there at its first send, reused until it changes.
    fn address(&mut self, p: u32, slot: usize) -> u32 {
        // Every address attribute a send uses is one of `address_slots`.
        let Some(cell) = self.address_cell(p, slot) else { return NO_ADDRESS };
        if self.address_of[cell] == UNKNOWN {
            self.address_of[cell] = match &self.profiles[p as usize].attributes[slot] {
                Some(Value::Text(t)) => self.out.addresses.push(t),
                _ => NO_ADDRESS,
            };
        }
        self.address_of[cell]
    }

    /// The cell of `address_of` for attribute `slot` of `p`, if sends use it as an address.
    fn address_cell(&self, p: u32, slot: usize) -> Option<usize> {
        let a = self.address_slots.iter().position(|s| *s == slot)?;
        Some(p as usize * self.address_slots.len() + a)
    }

    fn leave(&mut self, p: u32, j: u16, reason: Reason, now: i64) {
        let m = self.membership_mut(p, j);
        if !m.active {
            return;
        }
        m.active = false;
        m.left = Some(reason);
        m.last_left = now;
        let node = m.node;
        // A profile suppressed as it enters left before any step.
        let at_step = reason != Reason::Completed && node != NONE && self.nodes_left.first(p, j, node as usize);
        let tally = &mut self.out.journeys[j as usize];
        tally.exits[Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0)] += 1;
        if at_step {
            tally.node_left[node as usize] += 1;
        }
    }
}

/// One bit per profile and per item (stage or step) of every journey: whether
/// the profile has been counted for it, so that reports count profiles, not
/// arrivals.
struct FirstTimes {
    /// Per journey, the bit of its first item.
    base: Vec<usize>,
    /// Words per profile.
    words: usize,
    bits: Vec<u64>,
}

impl FirstTimes {
    /// Bits for `profiles` profiles, with the item counts of the journeys in order.
    fn new(profiles: usize, items: impl Iterator<Item = usize>) -> FirstTimes {
        let mut base = Vec::new();
        let mut count = 0;
        for n in items {
            base.push(count);
            count += n;
        }
        let words = count.div_ceil(64);
        FirstTimes { base, words, bits: vec![0; profiles * words] }
    }

    /// Whether item `i` of journey `j` is marked for profile `p`.
    fn marked(&self, p: u32, j: u16, i: usize) -> bool {
        let bit = self.base[j as usize] + i;
        self.bits[p as usize * self.words + bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Unmarks the `count` items of journey `j` for profile `p`.
    fn clear(&mut self, p: u32, j: u16, count: usize) {
        let base = self.base[j as usize];
        for bit in base..base + count {
            self.bits[p as usize * self.words + bit / 64] &= !(1 << (bit % 64));
        }
    }

    /// Marks item `i` of journey `j` for profile `p`; true the first time.
    fn first(&mut self, p: u32, j: u16, i: usize) -> bool {
        let bit = self.base[j as usize] + i;
        let word = &mut self.bits[p as usize * self.words + bit / 64];
        let mask = 1 << (bit % 64);
        let first = *word & mask == 0;
        *word |= mask;
        first
    }
}

/// Which events repeat the `id` of an earlier event (in list order): those a
/// run ignores as duplicates. The ids are sorted by hash (with their index), so
/// that equal ids are neighbours, instead of kept in a set during the run.
fn repeated_ids(events: &[Event]) -> Vec<bool> {
    let mut keys: Vec<u64> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            // The id is a hash already: its top 32 bits sort it.
            let id = e.id?;
            Some((((id.0 >> 96) as u64) << 32) | i as u64)
        })
        .collect();
    keys.sort_unstable();
    let mut repeated = vec![false; events.len()];
    let id = |key: u64| events[key as u32 as usize].id;
    let mut group = 0;
    while group < keys.len() {
        let hash = keys[group] >> 32;
        let end = keys[group..].iter().position(|k| k >> 32 != hash).map_or(keys.len(), |n| group + n);
        // Ids of one hash, in list order: a later one equal to an earlier one is repeated.
        if end - group > 1 {
            let mut seen: HashSet<Option<EventId>, BuildHasherDefault<FxHasher>> = HashSet::default();
            for &key in &keys[group..end] {
                if !seen.insert(id(key)) {
                    repeated[key as u32 as usize] = true;
                }
            }
        }
        group = end;
    }
    repeated
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
        StartPlan::Segment { segment, every } => {
            Start::Segment { segment: catalog.segment(segment).unwrap_or(u16::MAX), every_ms: every.map(millis) }
        }
    };
    let goal = plan.goal.as_ref().map(|g| match &g.measure {
        GoalMeasure::Trigger(m) => Goal::Trigger { trigger: trigger(&m.trigger), condition: cond(m) },
        GoalMeasure::Notify(e) => Goal::Notify(*e),
    });
    let mut stages: Vec<String> = Vec::new();
    let mut awaits = 0;
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
            Action::Wait { seconds, next } => Node::Wait { ms: millis(*seconds), next: *next },
            Action::Await { event, within, on_event, on_timeout } => match event {
                AwaitedEvent::Message { interaction, content } => Node::AwaitMessage {
                    interaction: *interaction,
                    content: catalog.content(content).unwrap_or(0),
                    ms: millis(*within),
                    on_event: *on_event,
                    on_timeout: *on_timeout,
                },
                AwaitedEvent::Trigger(m) => {
                    awaits += 1;
                    Node::AwaitTrigger {
                        trigger: trigger(&m.trigger),
                        condition: cond(m),
                        ms: millis(*within),
                        on_event: *on_event,
                        on_timeout: *on_timeout,
                        rank: awaits - 1,
                    }
                }
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
        attribution_ms: millis(plan.attribution),
        reentry: plan.reentry,
        transactional: plan.transactional,
        entry: plan.entry,
        awaits: nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| matches!(node, Node::AwaitTrigger { .. }))
            .map(|(n, _)| n as u32)
            .collect(),
        nodes,
    }
}

/// The hash of event ids, to find repeated ones: FxHash (of rustc), a multiply and a
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_come_due_in_time_then_setting_order_as_a_heap_would_give_them() {
        let mut timers = Timers::default();
        let mut heap: BinaryHeap<Reverse<Timer>> = BinaryHeap::new();
        let mut seq = 0;
        let mut push = |timers: &mut Timers, heap: &mut BinaryHeap<Reverse<Timer>>, delay: i64, at: i64, p: u32| {
            timers.push(delay, at, p, 0, p);
            seq += 1;
            heap.push(Reverse((at, seq, p, 0, p)));
        };
        // Rounds first, as a run sets them, then timers of a few delays from
        // a clock that never goes back, popped as they come due; one timer
        // set in the past (events out of order) goes to the heap.
        for k in 0..5 {
            push(&mut timers, &mut heap, i64::MIN, k * 700, u32::MAX);
        }
        let delays = [1000, 86_400, 0, 300, 1000 * 60];
        let mut now = 0i64;
        let mut state = 7u64;
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        for p in 0..2000u32 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            now += (state >> 60) as i64 * 10;
            let delay = delays[(state >> 33) as usize % delays.len()];
            let at = if p == 999 { now - 5000 } else { now + delay };
            push(&mut timers, &mut heap, delay, at, p);
            while let Some(t) = timers.pop_due(|t| t <= now) {
                popped.push(t);
            }
            while heap.peek().is_some_and(|Reverse(t)| t.0 <= now) {
                expected.push(heap.pop().map(|Reverse(t)| t));
            }
        }
        while let Some(t) = timers.pop_due(|_| true) {
            popped.push(t);
        }
        expected.extend(std::iter::from_fn(|| heap.pop().map(|Reverse(t)| Some(t))));
        let expected: Vec<Timer> = expected.into_iter().flatten().collect();
        assert_eq!(popped.len(), 2005);
        assert_eq!(popped, expected);
    }

    #[test]
    fn an_event_repeating_the_id_of_an_earlier_one_is_marked() {
        let event = |id: Option<&str>| Event {
            ts: 0,
            profile: 0,
            kind: EventKind::SegmentJoined(0),
            id: id.map(Into::into),
            line: 1,
        };
        let ids = [Some("a"), Some("b"), Some("a"), None, Some("c"), Some("b"), None, Some("a"), Some("")];
        let events: Vec<Event> = ids.iter().map(|id| event(*id)).collect();
        assert_eq!(repeated_ids(&events), [false, false, true, false, false, true, false, true, false]);
        assert!(repeated_ids(&[]).is_empty());
    }
}
