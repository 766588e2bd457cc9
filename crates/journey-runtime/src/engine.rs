//! The interpreter: replays events on a virtual clock and moves profiles through journeys.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use journey_plan::{
    Action, AwaitedEvent, Channel, Engagement, GoalMeasure, Interaction, Plan, Reentry, SegmentPlan, StartPlan,
    TriggerSource,
};

use journey_time::millis;

use crate::expr::{Compiled, Past, Scope, compile};
use crate::input::{Catalog, ChannelEvent, Event, EventKind, Profile, Value};
use crate::store::{Mark, Membership, MemoryStore, Store, StoreLayout, UNKNOWN};
use crate::timers::Timers;

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
#[derive(Clone, Debug, PartialEq)]
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
    /// Its number among the run's sends (0, 1, ...): send order.
    pub seq: u64,
}

/// The `to` of a message sent without an address.
pub const NO_ADDRESS: u32 = u32::MAX;

/// The size of a message written as bytes ([`Message::to_bytes`]).
pub const MESSAGE_BYTES: usize = 2 + 4 + 4 + 2 + 1 + 8 + 4 + 4 + 1 + 4 + 4 + 4 + 8;

impl Message {
    /// The message as bytes, to keep it on disk (little-endian, fixed size).
    pub fn to_bytes(&self) -> [u8; MESSAGE_BYTES] {
        let mut out = [0u8; MESSAGE_BYTES];
        let flags = self.bounced as u8
            | (self.undelivered as u8) << 1
            | (self.delivered_reported as u8) << 2
            | (self.opened as u8) << 3
            | (self.clicked as u8) << 4
            | (self.unsubscribed as u8) << 5;
        let channel = Channel::ALL.iter().position(|c| *c == self.channel).unwrap_or(0) as u8;
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(&self.journey.to_le_bytes());
        put(&self.node.to_le_bytes());
        put(&self.profile.to_le_bytes());
        put(&self.content.to_le_bytes());
        put(&[channel]);
        put(&self.ts.to_le_bytes());
        put(&self.entry.to_le_bytes());
        put(&self.to.to_le_bytes());
        put(&[flags]);
        put(&self.opens.to_le_bytes());
        put(&self.clicks.to_le_bytes());
        put(&self.spam_reports.to_le_bytes());
        put(&self.seq.to_le_bytes());
        out
    }

    /// The message of [`Message::to_bytes`]; `None` when `bytes` are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Message> {
        let bytes: &[u8; MESSAGE_BYTES] = bytes.try_into().ok()?;
        let mut at = 0;
        let mut take = |n: usize| {
            let part = &bytes[at..at + n];
            at += n;
            part
        };
        let u16_ = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]);
        let u32_ = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let u64_ = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
        let journey = u16_(take(2));
        let node = u32_(take(4));
        let profile = u32_(take(4));
        let content = u16_(take(2));
        let channel = *Channel::ALL.get(take(1)[0] as usize)?;
        let ts = u64_(take(8)) as i64;
        let entry = u32_(take(4));
        let to = u32_(take(4));
        let flags = take(1)[0];
        let opens = u32_(take(4));
        let clicks = u32_(take(4));
        let spam_reports = u32_(take(4));
        let seq = u64_(take(8));
        let flag = |bit: u8| flags & (1 << bit) != 0;
        Some(Message {
            journey,
            node,
            profile,
            content,
            channel,
            ts,
            entry,
            to,
            bounced: flag(0),
            undelivered: flag(1),
            delivered_reported: flag(2),
            opened: flag(3),
            opens,
            clicked: flag(4),
            clicks,
            unsubscribed: flag(5),
            spam_reports,
            seq,
        })
    }

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
    /// What happened to the messages of each send node, added up as each
    /// message closes (no event can attach to it any more).
    pub node_counts: Vec<SendCounts>,
    /// Profiles with at least one delivered message, per recipient group of
    /// the journey: each node, then each stage, then each channel
    /// ([`Channel::ALL`] order), then the whole journey.
    pub recipients: Vec<u64>,
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

/// The messages of one send node, added up: the counts the metrics of
/// runtime.md §6 are made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendCounts {
    /// Messages sent.
    pub sends: u64,
    /// Of them, SMS.
    pub sms_sends: u64,
    /// Messages with a bounce.
    pub bounces: u64,
    /// Messages reported undelivered (and not bounced).
    pub undelivered: u64,
    /// Delivered messages opened at least once.
    pub opened: u64,
    /// Delivered messages clicked at least once.
    pub clicked: u64,
    /// Open events.
    pub opens: u64,
    /// Click events.
    pub clicks: u64,
    /// Messages followed by an unsubscribe.
    pub unsubscribed: u64,
    /// Spam reports.
    pub spam_reports: u64,
}

impl SendCounts {
    /// Adds message `m`.
    fn add(&mut self, m: &Message) {
        self.sends += 1;
        self.sms_sends += (m.channel == Channel::Sms) as u64;
        if m.bounced {
            self.bounces += 1;
        } else if m.undelivered {
            self.undelivered += 1;
        }
        if m.delivered() {
            self.opened += m.opened as u64;
            self.clicked += m.clicked as u64;
        }
        self.opens += m.opens as u64;
        self.clicks += m.clicks as u64;
        self.unsubscribed += m.unsubscribed as u64;
        self.spam_reports += m.spam_reports as u64;
    }

    /// Adds `other`.
    pub fn merge(&mut self, other: &SendCounts) {
        self.sends += other.sends;
        self.sms_sends += other.sms_sends;
        self.bounces += other.bounces;
        self.undelivered += other.undelivered;
        self.opened += other.opened;
        self.clicked += other.clicked;
        self.opens += other.opens;
        self.clicks += other.clicks;
        self.unsubscribed += other.unsubscribed;
        self.spam_reports += other.spam_reports;
    }
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
    /// Channel events naming no message sent to that profile in the run:
    /// counted, never changing a metric.
    pub unmatched: u64,
}

/// What the engine did with one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Replayed.
    Replayed,
    /// Ignored: its `id` was seen before.
    Duplicate,
    /// Before the start: it updated the profile and its history only.
    BeforeStart,
    /// After `until`: not replayed.
    AfterUntil,
    /// A channel event of no message the run sent that profile: counted, with
    /// this reason, and it changed nothing else.
    Unmatched(String),
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
    /// The stage of each node (index in the journey's stages).
    node_stage: Vec<Option<usize>>,
    /// Whether a condition of the journey reads the event that started the
    /// entry (`trigger.x`): its data is then kept while the profile is in.
    reads_start: bool,
}

/// How many recipient groups a journey of `nodes` nodes and `stages` stages
/// has: each node, each stage, each channel, the whole journey.
fn recipient_groups(nodes: usize, stages: usize) -> usize {
    nodes + stages + Channel::ALL.len() + 1
}

/// What an active membership waits for: a timer, then going on to a node (or
/// to the end of the steps), or the event or deadline of an await node. Four
/// bytes: a node, or one of two marks above every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Waiting(u32);

impl Waiting {
    /// Waiting at an await node for its event or deadline.
    pub(crate) const AWAIT: Waiting = Waiting(u32::MAX);
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

/// The interpreter: a deterministic state machine over a virtual clock. It
/// takes one input at a time ([`Engine::event`], [`Engine::advance_to`]) and
/// emits what it does: the messages it sends and, once no event can attach to
/// a message any more, the message closed ([`Engine::drain`]). `journey run`
/// drives it over a replayed history; the same engine serves live.
pub struct Engine<'a, S: Store = MemoryStore> {
    catalog: &'a Catalog,
    journeys: Vec<Journey>,
    segments: Vec<Option<Compiled>>,
    commerce: Vec<bool>,
    revenue_slot: Vec<Option<usize>>,
    remembered: Vec<bool>,
    /// Per trigger, how far back its history is read (`None`: all of it).
    horizon: Vec<Option<i64>>,
    push_slot: Option<usize>,
    /// What the engine knows of each profile.
    store: S,
    /// The ids of the profiles, end to end (the messages name profiles by index).
    ids: Texts,
    /// The data of the event that started each current entry, for journeys
    /// whose conditions read `trigger.x`; by membership.
    starts: HashMap<u32, Box<[Option<Value>]>, BuildHasherDefault<FxHasher>>,
    /// The (journey, content) pairs of the send nodes, grouped by journey.
    pairs: Pairs,
    /// The messages events can still attach to: the latest of each pair and profile.
    open: Vec<Message>,
    /// Sends so far.
    sends: u64,
    /// The messages sent since the last drain.
    sent: Vec<Message>,
    /// The messages closed since the last drain.
    closed: Vec<Message>,
    /// The profile attributes that sends use as addresses.
    address_slots: Vec<usize>,
    /// The addresses the messages went to, by index (each address of a profile
    /// once, as long as it stays the same).
    addresses: Texts,
    /// The event ids seen (their 128-bit fingerprints): a repeated id is ignored.
    seen: HashSet<u128, BuildHasherDefault<FxHasher>>,
    timers: Timers,
    /// Per segment journey, the instant of its next round.
    rounds: Vec<Option<i64>>,
    options: Options,
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

impl<'a> Engine<'a, MemoryStore> {
    /// Prepares a run of `plan` over `profiles`.
    pub fn new(plan: &Plan, catalog: &'a Catalog, profiles: Vec<Profile>) -> Engine<'a> {
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
        // Behavioural functions read the history of these triggers only, and
        // only as far back as their longest window (`days_since` without a
        // condition reads the latest event; with one, any).
        let mut remembered = vec![false; catalog.triggers.len()];
        let mut horizon: Vec<Option<i64>> = vec![Some(0); catalog.triggers.len()];
        let mut note = |e: &journey_plan::Expr| {
            journey_plan::walk(e, &mut |e| {
                let (trigger, reach) = match e {
                    journey_plan::Expr::Count { trigger, within, .. }
                    | journey_plan::Expr::Sum { trigger, within, .. } => (trigger, Some(millis(*within))),
                    journey_plan::Expr::DaysSince { trigger, condition } => (trigger, condition.is_none().then_some(0)),
                    _ => return,
                };
                if let Some(t) = catalog.trigger(trigger) {
                    remembered[t as usize] = true;
                    let h = &mut horizon[t as usize];
                    *h = match (*h, reach) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
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
                    node_counts: vec![SendCounts::default(); j.nodes.len()],
                    recipients: vec![0; recipient_groups(j.nodes.len(), stages.len())],
                    stage_reached: vec![0; stages.len()],
                    stages,
                    ..JourneyTally::default()
                }
            })
            .collect();
        let profile_count = profiles.len();
        let marks = [
            tallies.iter().map(|t| t.stages.len()).collect(),
            tallies.iter().map(|t| t.node_reached.len()).collect(),
            tallies.iter().map(|t| t.node_left.len()).collect(),
            journeys.iter().map(|j| j.awaits.len()).collect(),
            tallies.iter().map(|t| t.recipients.len()).collect(),
        ];
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
        let memberships = profile_count * journeys.len();
        let layout =
            StoreLayout { journeys: journeys.len(), pairs: pairs.count, address_slots: address_slots.len(), marks };
        let ids = Texts::of(profiles.iter().map(|p| &*p.id));
        Engine {
            catalog,
            store: MemoryStore::new(profiles, layout),
            starts: HashMap::default(),
            open: Vec::new(),
            sends: 0,
            sent: Vec::new(),
            closed: Vec::new(),
            pairs,
            address_slots,
            addresses: Texts::default(),
            seen: HashSet::default(),
            rounds: vec![None; journeys.len()],
            journeys,
            segments,
            commerce,
            revenue_slot,
            remembered,
            horizon,
            push_slot,
            ids,
            timers: Timers::new(memberships),
            options: Options::default(),
            out,
        }
    }
}

impl<'a, S: Store> Engine<'a, S> {
    /// Starts the run at `start` (the first event's time when `options.start`
    /// is not given): segment journeys hold their first round then.
    pub fn begin(&mut self, start: i64, options: Options) {
        self.options = options;
        self.out.start = start;
        for (j, journey) in self.journeys.iter().enumerate() {
            if let Start::Segment { .. } = journey.start {
                self.rounds[j] = Some(start);
            }
        }
    }

    /// Takes one event; events come in time order (the replay driver merges
    /// and sorts its files so). Timers due before it fire first; then it is replayed, or counted as a
    /// duplicate, before the start, after `until`, or unmatched.
    pub fn event(&mut self, event: &Event) -> Handled {
        if let Some(id) = event_fingerprint(event)
            && !self.seen.insert(id)
        {
            self.out.duplicates += 1;
            return Handled::Duplicate;
        }
        if self.options.until.is_some_and(|until| event.ts > until) {
            self.out.after_until += 1;
            return Handled::AfterUntil;
        }
        if event.ts < self.out.start {
            self.out.before_start += 1;
            self.remember(event);
            return Handled::BeforeStart;
        }
        self.fire_timers(|t| t < event.ts);
        self.out.events_processed += 1;
        let handled = self.replay(event);
        if matches!(handled, Handled::Unmatched(_)) {
            self.out.unmatched += 1;
        }
        handled
    }

    /// Moves the clock to `t`: every timer due at or before `t` fires.
    pub fn advance_to(&mut self, t: i64) {
        self.fire_timers(|due| due <= t);
    }

    /// Hands the messages sent and the messages closed since the last drain to
    /// `emit` (with the profile ids and the addresses their indices name), in
    /// the order they were sent and closed, then forgets them.
    pub fn drain<E>(
        &mut self,
        emit: impl FnOnce(&Texts, &Texts, &[Message], &[Message]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.sent.is_empty() && self.closed.is_empty() {
            return Ok(());
        }
        let result = emit(&self.ids, &self.addresses, &self.sent, &self.closed);
        self.sent.clear();
        self.closed.clear();
        result
    }

    /// The profile ids and the addresses that messages name by index.
    pub fn texts(&self) -> (&Texts, &Texts) {
        (&self.ids, &self.addresses)
    }

    /// Ends the run at `until`: the timers due by then fire, every message
    /// still open closes (in send order), handed to `emit` as [`Engine::drain`]
    /// does, a few thousand at a time; then the counts are returned.
    pub fn finish<E>(
        &mut self,
        until: i64,
        mut emit: impl FnMut(&Texts, &Texts, &[Message], &[Message]) -> Result<(), E>,
    ) -> Result<Outcome, E> {
        let until = until.max(self.out.start);
        self.advance_to(until);
        self.out.until = until;
        let mut open: Vec<u32> = (0..self.open.len() as u32).collect();
        open.sort_unstable_by_key(|&i| self.open[i as usize].seq);
        for chunk in open.chunks(4096) {
            for &i in chunk {
                let message = self.open[i as usize].clone();
                self.close(message);
            }
            self.drain(&mut emit)?;
        }
        self.drain(&mut emit)?;
        self.open = Vec::new();
        self.store.clear_latest();
        let tallies = &mut self.out.journeys;
        self.store.each_membership(&mut |j, m| {
            if m.active {
                let tally = &mut tallies[j as usize];
                tally.active += 1;
                tally.node_active[m.node as usize] += 1;
            }
        });
        Ok(std::mem::take(&mut self.out))
    }

    /// The heap memory of the engine's state, in bytes (for benchmarks):
    /// profiles excepted, everything kept per profile and in flight.
    pub fn state_bytes(&self) -> usize {
        self.state_parts().iter().map(|(_, bytes)| bytes).sum()
    }

    /// [`Engine::state_bytes`] part by part, named (for benchmarks).
    pub fn state_parts(&self) -> [(&'static str, usize); 7] {
        [
            ("store (memberships, latest messages, addresses, marks, history)", self.store.heap_bytes()),
            ("open messages", self.open.capacity() * size_of::<Message>()),
            ("timers", self.timers.heap_bytes()),
            ("start data", self.starts.capacity() * (size_of::<(u32, Box<[Option<Value>]>)>() + 1)),
            ("event id fingerprints", self.seen.capacity() * (size_of::<u128>() + 1)),
            ("profile ids", self.ids.heap_bytes()),
            ("addresses sent to", self.addresses.heap_bytes()),
        ]
    }

    /// Fires the timers `due` at their instant, in order: at one instant, the
    /// rounds of segment journeys (in journey order) before the timers of
    /// memberships (in order of setting).
    fn fire_timers(&mut self, due: impl Fn(i64) -> bool) {
        loop {
            let round = self.rounds.iter().enumerate().filter_map(|(j, t)| t.map(|t| (t, j))).min();
            let timer = self.timers.peek();
            match (round, timer) {
                (Some((t, j)), timer) if timer.is_none_or(|timer| t <= timer.at) => {
                    if !due(t) {
                        return;
                    }
                    let every = match self.journeys[j].start {
                        Start::Segment { every_ms: Some(every), .. } if every > 0 => t.checked_add(every),
                        _ => None,
                    };
                    self.rounds[j] = every.filter(|next| self.options.until.is_none_or(|until| *next <= until));
                    self.round(j as u16, t);
                }
                (_, Some(timer)) => {
                    if !due(timer.at) {
                        return;
                    }
                    self.timers.pop();
                    let journeys = self.journeys.len() as u32;
                    self.wake(timer.key / journeys, (timer.key % journeys) as u16, timer.at);
                }
                (_, None) => return,
            }
        }
    }

    /// State changes of an event before `--start`: attributes, lists and history, no journey.
    fn remember(&mut self, event: &Event) {
        let p = event.profile as usize;
        match &event.kind {
            EventKind::Trigger { trigger, data } => {
                if self.remembered[*trigger as usize] {
                    let horizon = self.horizon[*trigger as usize];
                    let history = self.store.history_mut(p as u32);
                    // Events out of every window are read by no function again
                    // (the clock never goes back).
                    if let Some(horizon) = horizon {
                        let from = event.ts.saturating_sub(horizon);
                        history.retain(|past| past.trigger != *trigger || past.ts >= from);
                    }
                    push_small(history, Past { trigger: *trigger, ts: event.ts, data: data.clone() });
                }
            }
            EventKind::ProfileUpdated { changes, opted_out } => {
                if let Some(opted_out) = opted_out {
                    self.store.profile_mut(p as u32).opted_out = *opted_out;
                }
                for (slot, value) in changes {
                    self.store.profile_mut(p as u32).attributes[*slot] = value.clone();
                    if let Some(cell) = self.address_cell(*slot) {
                        self.store.address_cells_mut(p as u32)[cell] = UNKNOWN;
                    }
                }
            }
            EventKind::SegmentJoined(s) => {
                let lists = &mut self.store.profile_mut(p as u32).lists;
                if !lists.contains(s) {
                    lists.push(*s);
                }
            }
            EventKind::SegmentLeft(s) => self.store.profile_mut(p as u32).lists.retain(|x| x != s),
            // An unsubscribe or a spam report opts the profile out of the
            // channel, whether or not the message is one of the run's.
            EventKind::Channel { event: ChannelEvent::Unsubscribed | ChannelEvent::SpamReported, content, .. } => {
                let channel = self.catalog.channels[*content as usize];
                self.store.profile_mut(p as u32).opted_out.insert(channel);
            }
            EventKind::Channel { .. } => {}
        }
    }

    /// Event `i` of the run; false when it is rejected (a channel event of no send),
    /// which then changes nothing, not even the suppression of its profile.
    fn replay(&mut self, event: &Event) -> Handled {
        let p = event.profile;
        let now = event.ts;
        let mut handled = Handled::Replayed;
        match &event.kind {
            EventKind::Trigger { trigger, data } => {
                self.remember(event);
                self.trigger_event(p, *trigger, data, now);
            }
            EventKind::ProfileUpdated { .. } | EventKind::SegmentJoined(_) | EventKind::SegmentLeft(_) => {
                self.remember(event);
            }
            EventKind::Channel { event: what, content, journey } => {
                handled = self.channel_event(p, *what, *content, *journey, now);
                // An unsubscribe opts out even when its message is not one of the run's.
                self.remember(event);
            }
        }
        self.check_suppression(p, now);
        handled
    }

    /// A trigger event with `data`.
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
                self.store.mark(Mark::Awaited, p, j, rank);
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
                self.try_enter(p, j, now, Some(data));
            }
        }
    }

    /// The data of the event that started `p`'s current entry in journey `j`.
    fn start_data(&self, p: u32, j: u16) -> Option<&[Option<Value>]> {
        if !self.journeys[j as usize].reads_start {
            return None;
        }
        self.starts.get(&self.key(p, j)).map(|data| &**data)
    }

    /// The key of `p`'s membership of journey `j` (its timer's, its start data's).
    fn key(&self, p: u32, j: u16) -> u32 {
        p * self.journeys.len() as u32 + j as u32
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
            profile: &self.store.profile(p).attributes,
            history: self.store.history(p),
            event: data,
            start: self.start_data(p, j),
            now,
            member: &member,
        };
        scope.holds(condition)
    }

    /// Whether profile `p` is a member of segment `s` now.
    fn member(&self, p: u32, s: u16, now: i64) -> bool {
        let profile = self.store.profile(p);
        match &self.segments[s as usize] {
            None => profile.lists.contains(&s),
            Some(rule) => {
                let member = |s: u16| self.member(p, s, now);
                let scope = Scope {
                    profile: &profile.attributes,
                    history: self.store.history(p),
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
        self.store.membership(p, j)
    }

    fn membership_mut(&mut self, p: u32, j: u16) -> &mut Membership {
        self.store.membership_mut(p, j)
    }

    /// Whether `p` is in journey `j` now.
    fn active(&self, p: u32, j: u16) -> bool {
        self.membership(p, j).active
    }

    /// The latest messages of `p`, one per pair.
    fn latest(&self, p: u32) -> &[u32] {
        self.store.latest(p)
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
    fn channel_event(&mut self, p: u32, what: ChannelEvent, content: u16, journey: Option<u16>, now: i64) -> Handled {
        let latest = self.latest(p);
        let found = self.pairs.of_content[content as usize]
            .iter()
            .filter(|(j, _)| journey.is_none_or(|x| x == *j))
            .map(|&(_, pair)| latest[pair as usize])
            .filter(|&m| m != NONE)
            .max_by_key(|&m| self.open[m as usize].seq);
        let Some(index) = found else {
            let name = &self.catalog.contents[content as usize];
            return Handled::Unmatched(format!(
                "unmatched: `{name}` was never sent to profile `{}` in this run before this event",
                self.store.profile(p).id
            ));
        };
        let message = &mut self.open[index as usize];
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
        Handled::Replayed
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
        for p in 0..self.store.len() as u32 {
            if self.member(p, segment, now) {
                self.try_enter(p, j, now, None);
            }
        }
    }

    /// Enters `p` into journey `j` if the rules allow it; `start` is the data
    /// of the event that starts it (`None` for a segment round).
    fn try_enter(&mut self, p: u32, j: u16, now: i64, start: Option<&[Option<Value>]>) {
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
        let entry = journey.entry;
        if journey.reads_start
            && let Some(data) = start
        {
            let key = self.key(p, j);
            self.starts.insert(key, data.into());
        }
        let m = self.membership_mut(p, j);
        let first = m.entries == 0;
        m.entries += 1;
        m.last_entry = now;
        m.active = true;
        m.node = entry.unwrap_or(0);
        m.waiting = Waiting::AWAIT;
        let tally = &mut self.out.journeys[j as usize];
        tally.entries += 1;
        if first {
            tally.entered += 1;
        }
        let awaits = self.journeys[j as usize].awaits.len();
        self.store.unmark(Mark::Awaited, p, j, awaits);
        if self.suppressed(p, j, now) {
            // A member of a `suppress` segment enters (only `exclude` keeps it
            // out) and leaves at once, before its first step.
            self.membership_mut(p, j).node = NONE;
            self.leave(p, j, Reason::Suppressed, now);
            return;
        }
        self.advance(p, j, entry, now);
    }

    /// The timer of `p`'s membership of `j` is due.
    fn wake(&mut self, p: u32, j: u16, now: i64) {
        let m = *self.membership(p, j);
        if !m.active {
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

    /// Continues from a wait: its pending timer is cancelled.
    fn resume(&mut self, p: u32, j: u16, next: Option<u32>, now: i64) {
        let key = self.key(p, j);
        self.timers.cancel(key);
        self.advance(p, j, next, now);
    }

    /// Suspends `p` at `node` until `delay` from now (or its event).
    fn set_timer(&mut self, p: u32, j: u16, now: i64, delay: i64, node: u32, waiting: Waiting) {
        let key = self.key(p, j);
        let m = self.membership_mut(p, j);
        if m.active {
            m.node = node;
            m.waiting = waiting;
            self.timers.set(key, now.saturating_add(delay));
        }
    }

    /// Runs steps from `node` until the profile waits or leaves.
    fn advance(&mut self, p: u32, j: u16, mut node: Option<u32>, now: i64) {
        loop {
            let Some(n) = node else {
                self.leave(p, j, Reason::Completed, now);
                return;
            };
            if self.store.mark(Mark::Step, p, j, n as usize) {
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
                    if self.store.marked(Mark::Awaited, p, j, rank) {
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
                    let draw = split_draw(&journey.name, n, &self.store.profile(p).id);
                    node = arms.iter().find(|(upto, _)| draw < *upto).or(arms.last()).and_then(|(_, next)| *next);
                }
                Node::Stage { stage, next } => {
                    let (stage, next) = (*stage, *next);
                    if self.store.mark(Mark::Stage, p, j, stage) {
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

    /// The send node of the last message of journey `j` delivered to `p` (last
    /// touch): among its open messages and the latest closed one delivered.
    fn last_touch(&self, p: u32, j: u16) -> Option<u32> {
        let range = self.pairs.of_journey[j as usize].clone();
        let m = self.membership(p, j);
        let closed = (m.touch_seq > 0).then(|| (m.touch_seq - 1, m.touch_node));
        self.latest(p)[range.start as usize..range.end as usize]
            .iter()
            .filter(|&&i| i != NONE)
            .map(|&i| &self.open[i as usize])
            .filter(|message| message.delivered())
            .map(|message| (message.seq, message.node))
            .chain(closed)
            .max()
            .map(|(_, node)| node)
    }

    /// The latest message of `content` that journey `j` sent to `p`, if any.
    fn latest_send(&self, p: u32, j: u16, content: u16) -> Option<&Message> {
        let pair = self.pairs.get(j, content);
        let index = *self.latest(p).get(pair as usize)?;
        (index != NONE).then(|| &self.open[index as usize])
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
        if !self.journeys[j as usize].transactional && self.store.profile(p).opted_out.contains(channel) {
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
        let m = self.membership(p, j);
        let entry = if m.entries > 0 { m.entries } else { 1 };
        let message = Message {
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
            seq: self.sends,
        };
        self.sends += 1;
        self.sent.push(message.clone());
        let pair = self.pairs.get(j, content);
        if pair == NONE {
            self.close(message);
            return;
        }
        match self.store.latest(p)[pair as usize] {
            NONE => {
                self.store.latest_mut(p)[pair as usize] = self.open.len() as u32;
                self.open.push(message);
            }
            i => {
                // The previous send of this message to the profile: no event
                // can attach to it any more.
                let previous = std::mem::replace(&mut self.open[i as usize], message);
                self.close(previous);
            }
        }
    }

    /// Folds a message no event can attach to any more into the counts of its
    /// step and of the last touch, and hands it out (for `messages.jsonl`).
    fn close(&mut self, message: Message) {
        let (p, j, n) = (message.profile, message.journey, message.node as usize);
        let tally = &mut self.out.journeys[j as usize];
        tally.node_counts[n].add(&message);
        if message.delivered() {
            let journey = &self.journeys[j as usize];
            let (nodes, stages) = (journey.nodes.len(), tally.stages.len());
            let channel = Channel::ALL.iter().position(|c| *c == message.channel).unwrap_or(0);
            let groups = [
                Some(n),
                journey.node_stage[n].map(|s| nodes + s),
                Some(nodes + stages + channel),
                Some(nodes + stages + 3),
            ];
            for group in groups.into_iter().flatten() {
                if self.store.mark(Mark::Recipient, p, j, group) {
                    tally.recipients[group] += 1;
                }
            }
            let m = self.membership_mut(p, j);
            if message.seq + 1 > m.touch_seq {
                m.touch_seq = message.seq + 1;
                m.touch_node = message.node;
            }
        }
        self.closed.push(message);
    }

    /// The address in attribute `slot` of `p`, as an index in the outcome's
    /// addresses: copied there at its first send, reused until it changes.
    fn address(&mut self, p: u32, slot: usize) -> u32 {
        // Every address attribute a send uses is one of `address_slots`.
        let Some(cell) = self.address_cell(slot) else { return NO_ADDRESS };
        if self.store.address_cells(p)[cell] == UNKNOWN {
            let address = match &self.store.profile(p).attributes[slot] {
                Some(Value::Text(t)) => self.addresses.push(t),
                _ => NO_ADDRESS,
            };
            self.store.address_cells_mut(p)[cell] = address;
        }
        self.store.address_cells(p)[cell]
    }

    /// The address cell of attribute `slot`, if sends use it as an address.
    fn address_cell(&self, slot: usize) -> Option<usize> {
        self.address_slots.iter().position(|s| *s == slot)
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
        let key = self.key(p, j);
        self.timers.cancel(key);
        if self.journeys[j as usize].reads_start {
            self.starts.remove(&key);
        }
        // A profile suppressed as it enters left before any step.
        let at_step = reason != Reason::Completed && node != NONE && self.store.mark(Mark::LeftAt, p, j, node as usize);
        let tally = &mut self.out.journeys[j as usize];
        tally.exits[Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0)] += 1;
        if at_step {
            tally.node_left[node as usize] += 1;
        }
    }
}

/// The 128-bit fingerprint of an event's `id`, if it has one: a repeated id
/// is found by its fingerprint, 16 bytes kept per id.
fn event_fingerprint(event: &Event) -> Option<u128> {
    event.id.map(|id| id.0)
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
    let node_stage = plan
        .nodes
        .iter()
        .map(|node| node.stage.as_ref().and_then(|name| stages.iter().position(|s| s == name)))
        .collect();
    let conditions = nodes.iter().flat_map(|node| match node {
        Node::AwaitTrigger { condition, .. } => condition.iter().collect::<Vec<_>>(),
        Node::Branch { arms, .. } => arms.iter().map(|(c, _)| c).collect(),
        _ => Vec::new(),
    });
    let goal_condition = match &goal {
        Some(Goal::Trigger { condition, .. }) => condition.as_ref(),
        _ => None,
    };
    let exits: Vec<(u16, Option<Compiled>)> = plan.exit_on.iter().map(|m| (trigger(&m.trigger), cond(m))).collect();
    let reads_start =
        conditions.chain(goal_condition).chain(exits.iter().filter_map(|(_, c)| c.as_ref())).any(Compiled::reads_start);
    Journey {
        name: plan.name.clone(),
        node_stage,
        reads_start,
        start,
        goal,
        exits,
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
    fn the_state_kept_per_membership_and_per_open_message_has_the_size_the_docs_give() {
        // docs/replay-at-scale.md, "Memory".
        assert_eq!(size_of::<Membership>(), 48);
        assert_eq!(size_of::<Message>(), 56);
        assert_eq!(size_of::<crate::timers::Timer>(), 24);
    }

    #[test]
    fn a_message_written_as_bytes_reads_back_the_same() {
        let message = Message {
            journey: 3,
            node: 70_000,
            profile: 123_456,
            content: 9,
            channel: Channel::Push,
            ts: -1_793_000_000_007,
            entry: 2,
            to: NO_ADDRESS,
            bounced: true,
            undelivered: false,
            delivered_reported: true,
            opened: false,
            opens: 5,
            clicked: true,
            clicks: 4,
            unsubscribed: true,
            spam_reports: 1,
            seq: u64::MAX - 1,
        };
        assert_eq!(Message::from_bytes(&message.to_bytes()), Some(message.clone()));
        let plain = Message { bounced: false, clicked: false, unsubscribed: false, channel: Channel::Email, ..message };
        assert_eq!(Message::from_bytes(&plain.to_bytes()), Some(plain));
        assert_eq!(Message::from_bytes(&[0; 3]), None);
    }
}
