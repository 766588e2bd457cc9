//! Input data: profiles and events in JSON Lines, typed by the plan's schemas.
//!
//! A bad line is an [`InputError`] naming the file, the line and the field. With
//! rejects allowed, bad lines are set aside as [`Rejected`] and reading goes on.

use std::borrow::{Borrow, Cow};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};

use journey_plan::{AttrType, Channel, Plan, ScalarType, SegmentPlan, TriggerSource};
use journey_time::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value as Json};

#[path = "scan.rs"]
mod scan;

/// The default longest line of a data file, in bytes (1 MiB): a longer line is bad input.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A typed attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `int`, `number`, `money`.
    Number(f64),
    /// `text`, `email`, `phone`.
    Text(std::sync::Arc<str>),
    /// `bool`.
    Bool(bool),
    /// `datetime`, in milliseconds since the epoch.
    Time(i64),
}

/// The scalar attributes of a record type, flattened: each dotted path gets a slot.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Each slot's dotted path and type.
    pub slots: Vec<(String, ScalarType)>,
    index: HashMap<String, usize>,
    tree: BTreeMap<String, Field>,
    /// The tree as the fast reader of event lines walks it.
    shape: scan::Shape,
}

/// An attribute of a record type, with its slot when it is a scalar.
#[derive(Clone, Debug)]
enum Field {
    Scalar(ScalarType, usize),
    Record(BTreeMap<String, Field>),
}

impl Layout {
    /// The layout of a record type.
    pub fn of(tree: &BTreeMap<String, AttrType>) -> Layout {
        fn walk(
            tree: &BTreeMap<String, AttrType>,
            prefix: &str,
            out: &mut Vec<(String, ScalarType)>,
        ) -> BTreeMap<String, Field> {
            let mut fields = BTreeMap::new();
            for (name, ty) in tree {
                let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                let field = match ty {
                    AttrType::Scalar(s) => {
                        out.push((path, *s));
                        Field::Scalar(*s, out.len() - 1)
                    }
                    AttrType::Record(inner) => Field::Record(walk(inner, &path, out)),
                };
                fields.insert(name.clone(), field);
            }
            fields
        }
        let mut slots = Vec::new();
        let tree = walk(tree, "", &mut slots);
        let index = slots.iter().enumerate().map(|(i, (p, _))| (p.clone(), i)).collect();
        let shape = scan::Shape::of(&tree, slots.len());
        Layout { slots, index, tree, shape }
    }

    /// The slot of a path.
    pub fn slot(&self, path: &[String]) -> Option<usize> {
        self.index.get(&path.join(".")).copied()
    }

    /// Reads a JSON object into `values`, checking every attribute against the type.
    /// `field` prefixes the paths in errors (`data.`).
    pub fn read(&self, object: &Map<String, Json>, field: &str, values: &mut [Option<Value>]) -> Result<(), Problem> {
        self.read_record(&self.tree, object, field, &mut String::new(), values)
    }

    /// Reads the attributes of the record at `path` (dotted, empty at the top).
    /// Strings for errors are only made on errors: this runs for every line.
    fn read_record(
        &self,
        tree: &BTreeMap<String, Field>,
        object: &Map<String, Json>,
        field: &str,
        path: &mut String,
        values: &mut [Option<Value>],
    ) -> Result<(), Problem> {
        for (name, json) in object {
            let full = |path: &str| if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            let shown = |path: &str| format!("{field}{}", full(path));
            let Some(ty) = tree.get(name) else {
                let known: Vec<&str> = tree.keys().map(String::as_str).collect();
                return Err(Problem::new(
                    shown(path),
                    format!("no attribute is declared with this name (declared: {})", known.join(", ")),
                ));
            };
            match (ty, json) {
                (_, Json::Null) => self.clear(&full(path), values),
                (Field::Record(inner), Json::Object(o)) => {
                    let len = path.len();
                    if len > 0 {
                        path.push('.');
                    }
                    path.push_str(name);
                    let read = self.read_record(inner, o, field, path, values);
                    path.truncate(len);
                    read?;
                }
                (Field::Record(_), other) => {
                    return Err(Problem::new(
                        shown(path),
                        format!("expected a record (a JSON object), found {}", kind(other)),
                    ));
                }
                (Field::Scalar(s, slot), json) => {
                    values[*slot] = Some(typed(*s, json).map_err(|m| Problem::new(shown(path), m))?);
                }
            }
        }
        Ok(())
    }

    /// Clears `path` and every slot below it.
    fn clear(&self, path: &str, values: &mut [Option<Value>]) {
        let nested = format!("{path}.");
        for (i, (p, _)) in self.slots.iter().enumerate() {
            if p == path || p.starts_with(&nested) {
                values[i] = None;
            }
        }
    }
}

/// A JSON value as the type it must have.
fn typed(ty: ScalarType, json: &Json) -> Result<Value, String> {
    let wrong = |expected: &str| Err(format!("expected {expected}, found {}", kind(json)));
    match ty {
        ScalarType::Int => match json.as_f64() {
            Some(n) if n.fract() == 0.0 => Ok(Value::Number(n)),
            Some(n) => Err(format!("expected a whole number (`int`), found {n}")),
            None => wrong("a whole number (`int`)"),
        },
        ScalarType::Number | ScalarType::Money => match json.as_f64() {
            Some(n) => Ok(Value::Number(n)),
            None => wrong(if ty == ScalarType::Money { "an amount (`money`)" } else { "a number" }),
        },
        ScalarType::Text | ScalarType::Email | ScalarType::Phone => match json.as_str() {
            Some(s) => Ok(Value::Text(s.into())),
            None => wrong("a string"),
        },
        ScalarType::Bool => match json.as_bool() {
            Some(b) => Ok(Value::Bool(b)),
            None => wrong("`true` or `false`"),
        },
        ScalarType::Datetime => match json.as_str() {
            Some(s) => Timestamp::parse(s).map(|t| Value::Time(t.0)).map_err(|e| format!("`{s}`: {e}")),
            None => wrong("an RFC 3339 date-time string"),
        },
    }
}

fn kind(json: &Json) -> String {
    match json {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("`{b}`"),
        Json::Number(n) => format!("the number {n}"),
        Json::String(s) => format!("the string {:?}", s),
        Json::Array(_) => "an array".into(),
        Json::Object(_) => "an object".into(),
    }
}

/// What is wrong with a line: the field, and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The field (`data.cart.total`), empty for the whole line.
    pub field: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { field: field.into(), message: message.into() }
    }
}

/// A bad input line: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The file.
    pub file: String,
    /// The line, 1-based.
    pub line: usize,
    /// The problem.
    pub problem: Problem,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problem.field.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.problem.message)
        } else {
            write!(f, "{}:{}: field `{}`: {}", self.file, self.line, self.problem.field, self.problem.message)
        }
    }
}

impl std::error::Error for InputError {}

/// A line set aside because of `--rejects`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// Why, with where.
    pub error: InputError,
    /// The line as it was.
    pub text: String,
}

/// A profile, typed.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Its id.
    pub id: Box<str>,
    /// Its attributes, by slot of the profile layout.
    pub attributes: Vec<Option<Value>>,
    /// Its memberships of `source list` segments, by segment index.
    pub lists: Vec<u16>,
    /// The channels it opted out of (runtime.md §10).
    pub opted_out: OptedOut,
}

/// The channels a profile opted out of (unsubscribed, reported spam, or came
/// opted out): sends on them are not sent, outside `transactional` journeys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OptedOut(u8);

impl OptedOut {
    /// Whether `channel` is one of them.
    pub fn contains(self, channel: Channel) -> bool {
        self.0 & OptedOut::bit(channel) != 0
    }

    /// Adds `channel`.
    pub fn insert(&mut self, channel: Channel) {
        self.0 |= OptedOut::bit(channel);
    }

    fn bit(channel: Channel) -> u8 {
        1 << Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0)
    }

    /// The `opted_out` field of a profile line or of a `profile.updated`'s
    /// `data`: an array of channel names (`field` names it in errors).
    fn read(json: &Json, field: &str) -> Result<OptedOut, Problem> {
        let Json::Array(items) = json else {
            return Err(Problem::new(
                field,
                format!("expected an array of channels such as [\"email\", \"sms\"], found {}", kind(json)),
            ));
        };
        let mut opted_out = OptedOut::default();
        for (i, item) in items.iter().enumerate() {
            let channel = item.as_str().and_then(|name| Channel::ALL.into_iter().find(|c| c.name() == name));
            match channel {
                Some(channel) => opted_out.insert(channel),
                None => {
                    return Err(Problem::new(
                        format!("{field}[{i}]"),
                        format!("expected a channel (email, sms or push), found {}", kind(item)),
                    ));
                }
            }
        }
        Ok(opted_out)
    }
}

/// The channel events of runtime.md §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelEvent {
    /// `*.delivered`
    Delivered,
    /// `email.bounced`, `push.bounced`
    Bounced,
    /// `sms.undelivered`
    Undelivered,
    /// `*.opened`
    Opened,
    /// `*.clicked`
    Clicked,
    /// `*.unsubscribed`
    Unsubscribed,
    /// `email.spam_reported`
    SpamReported,
}

/// Every channel event type of runtime.md §3, as written in data, with its channel and meaning.
pub const CHANNEL_EVENTS: [(&str, Channel, ChannelEvent); 13] = [
    ("email.delivered", Channel::Email, ChannelEvent::Delivered),
    ("email.bounced", Channel::Email, ChannelEvent::Bounced),
    ("email.opened", Channel::Email, ChannelEvent::Opened),
    ("email.clicked", Channel::Email, ChannelEvent::Clicked),
    ("email.unsubscribed", Channel::Email, ChannelEvent::Unsubscribed),
    ("email.spam_reported", Channel::Email, ChannelEvent::SpamReported),
    ("sms.delivered", Channel::Sms, ChannelEvent::Delivered),
    ("sms.undelivered", Channel::Sms, ChannelEvent::Undelivered),
    ("sms.clicked", Channel::Sms, ChannelEvent::Clicked),
    ("sms.unsubscribed", Channel::Sms, ChannelEvent::Unsubscribed),
    ("push.delivered", Channel::Push, ChannelEvent::Delivered),
    ("push.bounced", Channel::Push, ChannelEvent::Bounced),
    ("push.opened", Channel::Push, ChannelEvent::Opened),
];

/// The event types built into every plan besides the channel events.
const BUILT_IN_EVENTS: [&str; 3] = ["profile.updated", "segment.joined", "segment.left"];

impl ChannelEvent {
    /// The channel event written `name` (`email.opened`).
    pub fn parse(name: &str) -> Option<(Channel, ChannelEvent)> {
        CHANNEL_EVENTS.iter().find(|(n, ..)| *n == name).map(|&(_, channel, event)| (channel, event))
    }
}

/// What an event is.
#[derive(Clone, Debug)]
pub enum EventKind {
    /// An event of a trigger, with its typed attributes.
    Trigger {
        /// The trigger's index in the run.
        trigger: u16,
        /// Its attributes, by slot of the trigger's layout.
        data: Box<[Option<Value>]>,
    },
    /// An interaction with a message.
    Channel {
        /// The interaction.
        event: ChannelEvent,
        /// The message's index in the run.
        content: u16,
        /// The journey named by the event, if any.
        journey: Option<u16>,
    },
    /// New values of profile attributes, and of its consent.
    ProfileUpdated {
        /// The attributes set (or cleared), by slot.
        changes: Vec<(usize, Option<Value>)>,
        /// The channels it is now opted out of, when `data` has `opted_out`.
        opted_out: Option<OptedOut>,
    },
    /// The profile joined a `source list` segment.
    SegmentJoined(u16),
    /// The profile left a `source list` segment.
    SegmentLeft(u16),
}

/// A typed event.
#[derive(Clone, Debug)]
pub struct Event {
    /// Its time, in milliseconds since the epoch.
    pub ts: i64,
    /// The profile's index.
    pub profile: u32,
    /// What happened.
    pub kind: EventKind,
    /// Its `id`, when it has one.
    pub id: Option<EventId>,
    /// Its line in the events file.
    pub line: u32,
}

/// An event's `id`, kept as a 128-bit fingerprint of its text (xxh3-128): no
/// event allocates for its id, and finding repeated ids keeps 16 bytes per id.
/// A numeric id is the fingerprint of its decimal text, as `"7"` for `7`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u128);

impl EventId {
    /// The id whose text is `text`.
    pub fn of(text: &str) -> EventId {
        EventId(xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
    }
}

impl From<&str> for EventId {
    fn from(text: &str) -> EventId {
        EventId::of(text)
    }
}

/// The names of a plan, indexed for reading data.
pub struct Catalog {
    /// The profile layout.
    pub profile: Layout,
    /// Trigger names, by index.
    pub triggers: Vec<String>,
    /// Trigger layouts, by index.
    pub trigger_layouts: Vec<Layout>,
    /// Content names, by index.
    pub contents: Vec<String>,
    /// Content channels, by index.
    pub channels: Vec<Channel>,
    /// Segment names, by index.
    pub segments: Vec<String>,
    /// Whether each segment is a `source list` segment.
    pub lists: Vec<bool>,
    /// Journey names, by index.
    pub journeys: Vec<String>,
    /// For each trigger: `None` when it is not a `commerce` trigger, else the
    /// slot of its `revenue` (`None` when the plan declares none).
    revenue: Vec<Option<Option<usize>>>,
    trigger_index: HashMap<String, u16>,
    content_index: HashMap<String, u16>,
    segment_index: HashMap<String, u16>,
    journey_index: HashMap<String, u16>,
    /// The same names, for the scanner of event lines.
    names: scan::Names,
}

impl Catalog {
    /// The catalog of a plan.
    pub fn of(plan: &Plan) -> Catalog {
        let triggers: Vec<String> = plan.triggers.keys().cloned().collect();
        let trigger_layouts: Vec<Layout> = plan.triggers.values().map(|t| Layout::of(&t.attributes)).collect();
        let contents: Vec<String> = plan.contents.keys().cloned().collect();
        let channels = plan.contents.values().map(|c| c.channel).collect();
        let segments: Vec<String> = plan.segments.keys().cloned().collect();
        let lists = plan.segments.values().map(|s| matches!(s, SegmentPlan::List)).collect();
        let journeys: Vec<String> = plan.journeys.iter().map(|j| j.name.clone()).collect();
        let revenue = plan
            .triggers
            .values()
            .zip(&trigger_layouts)
            .map(|(t, layout): (_, &Layout)| {
                (t.source == TriggerSource::Commerce).then(|| layout.slot(&["revenue".to_owned()]))
            })
            .collect();
        let index = |names: &[String]| names.iter().enumerate().map(|(i, n)| (n.clone(), i as u16)).collect();
        Catalog {
            names: scan::Names::of(&triggers, &contents, &journeys),
            profile: Layout::of(&plan.profile),
            trigger_index: index(&triggers),
            content_index: index(&contents),
            segment_index: index(&segments),
            journey_index: index(&journeys),
            triggers,
            trigger_layouts,
            contents,
            channels,
            segments,
            lists,
            journeys,
            revenue,
        }
    }

    /// The index of trigger `name`.
    pub fn trigger(&self, name: &str) -> Option<u16> {
        self.trigger_index.get(name).copied()
    }

    /// The index of content `name`.
    pub fn content(&self, name: &str) -> Option<u16> {
        self.content_index.get(name).copied()
    }

    /// The index of segment `name`.
    pub fn segment(&self, name: &str) -> Option<u16> {
        self.segment_index.get(name).copied()
    }

    /// The index of journey `name`.
    pub fn journey(&self, name: &str) -> Option<u16> {
        self.journey_index.get(name).copied()
    }

    fn list_segment(&self, name: &str, field: &str) -> Result<u16, Problem> {
        let Some(index) = self.segment(name) else {
            return Err(Problem::new(
                field,
                format!("no segment is named `{name}` (known: {})", self.segments.join(", ")),
            ));
        };
        if !self.lists[index as usize] {
            return Err(Problem::new(
                field,
                format!(
                    "`{name}` is computed from its `where` rule; only `source list` segments take memberships from data"
                ),
            ));
        }
        Ok(index)
    }
}

/// The profiles of a run, by index, with their ids.
#[derive(Debug, Default)]
pub struct Profiles {
    /// The profiles, in file order.
    pub list: Vec<Profile>,
    /// Index of each id.
    pub index: HashMap<Id, u32>,
}

/// A profile id as a key of [`Profiles::index`], looked up as a `&str`. Ids of
/// up to 22 bytes are kept inline: a lookup (one per event) then compares
/// without following a pointer to a string elsewhere in memory, a cache miss
/// once there are many profiles.
#[derive(Clone, Debug)]
pub struct Id(IdRepr);

#[derive(Clone, Debug)]
enum IdRepr {
    Inline(u8, [u8; 22]),
    Heap(Box<str>),
}

impl Id {
    /// The id.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // The bytes are those of a `&str`, so always valid.
            IdRepr::Inline(len, bytes) => std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default(),
            IdRepr::Heap(text) => text,
        }
    }
}

impl From<&str> for Id {
    fn from(text: &str) -> Id {
        let mut bytes = [0; 22];
        match bytes.get_mut(..text.len()) {
            Some(inline) => {
                inline.copy_from_slice(text.as_bytes());
                Id(IdRepr::Inline(text.len() as u8, bytes))
            }
            None => Id(IdRepr::Heap(text.into())),
        }
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for Id {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Id) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Id {}

fn object(line: &str) -> Result<Map<String, Json>, Problem> {
    match serde_json::from_str::<Json>(line) {
        Ok(Json::Object(o)) => Ok(o),
        Ok(other) => Err(Problem::new("", format!("expected a JSON object, found {}", kind(&other)))),
        Err(e) => {
            // serde_json counts lines inside the line: only the column means something here.
            let text = e.to_string();
            let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m).to_owned();
            Err(Problem::new("", format!("not valid JSON at column {}: {message}", e.column())))
        }
    }
}

fn string_field<'a>(o: &'a Map<String, Json>, name: &str, required: bool) -> Result<Option<&'a str>, Problem> {
    match o.get(name) {
        None | Some(Json::Null) if !required => Ok(None),
        None | Some(Json::Null) => Err(Problem::new(name, "missing; every line needs it")),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(other) => Err(Problem::new(name, format!("expected a string, found {}", kind(other)))),
    }
}

/// A profile id that is not a string: an integer is its decimal text (`42` and
/// `"42"` are one profile); any other value is refused.
fn integer_id(json: &Json, field: &str) -> Result<String, Problem> {
    match json {
        Json::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        other => {
            Err(Problem::new(field, format!("expected a profile id (a string or an integer), found {}", kind(other))))
        }
    }
}

/// Reads one profile line (`profiles` holds those read before, for repeated ids).
pub(crate) fn read_profile(catalog: &Catalog, line: &str, profiles: &Profiles) -> Result<Profile, Problem> {
    let mut o = object(line)?;
    let id = match o.get("id") {
        Some(json @ (Json::Number(_) | Json::Bool(_) | Json::Array(_) | Json::Object(_))) => integer_id(json, "id")?,
        _ => string_field(&o, "id", true)?.unwrap_or_default().to_owned(),
    };
    if profiles.index.contains_key(id.as_str()) {
        return Err(Problem::new("id", format!("a second profile with id `{id}`")));
    }
    let mut lists = Vec::new();
    match o.remove("segments") {
        None | Some(Json::Null) => {}
        Some(Json::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let field = format!("segments[{i}]");
                let Some(name) = item.as_str() else {
                    return Err(Problem::new(field, format!("expected a segment name, found {}", kind(item))));
                };
                let segment = catalog.list_segment(name, &field)?;
                if !lists.contains(&segment) {
                    lists.push(segment);
                }
            }
        }
        Some(other) => {
            return Err(Problem::new("segments", format!("expected an array of names, found {}", kind(&other))));
        }
    }
    let opted_out = match o.remove("opted_out") {
        None | Some(Json::Null) => OptedOut::default(),
        Some(json) => OptedOut::read(&json, "opted_out")?,
    };
    o.remove("id");
    let mut attributes = vec![None; catalog.profile.slots.len()];
    catalog.profile.read(&o, "", &mut attributes)?;
    Ok(Profile { id: id.into(), attributes, lists, opted_out })
}

const EVENT_FIELDS: [&str; 8] = ["id", "ts", "profile", "type", "data", "content", "journey", "segment"];

/// An event line whose fields have their usual types (strings, `data` an object):
/// most lines are read straight into this, without a JSON tree for the line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    profile: Option<ProfileRef<'a>>,
    #[serde(borrow, default, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    data: Option<Map<String, Json>>,
    #[serde(borrow, default)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    journey: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    segment: Option<Cow<'a, str>>,
}

/// The `profile` of an [`Envelope`]: a string, or an integer as its decimal text.
struct ProfileRef<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for ProfileRef<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ProfileRef<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a profile id (a string or an integer)")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(ProfileRef(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
                Ok(ProfileRef(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
                Ok(ProfileRef(Cow::Owned(text)))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
                Ok(ProfileRef(Cow::Owned(n.to_string())))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
                Ok(ProfileRef(Cow::Owned(n.to_string())))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The fields of an event line: an [`Envelope`], or the line's JSON object.
trait Fields {
    /// A string field; missing or `null` is `None`, or an error when `required`.
    fn text(&self, name: &str, required: bool) -> Result<Option<&str>, Problem>;
    /// The `data` object, if any.
    fn data(&self) -> Result<Option<&Map<String, Json>>, Problem>;
}

impl Fields for Map<String, Json> {
    fn text(&self, name: &str, required: bool) -> Result<Option<&str>, Problem> {
        string_field(self, name, required)
    }

    fn data(&self) -> Result<Option<&Map<String, Json>>, Problem> {
        match self.get("data") {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Object(d)) => Ok(Some(d)),
            Some(other) => Err(Problem::new("data", format!("expected an object, found {}", kind(other)))),
        }
    }
}

impl Fields for Envelope<'_> {
    fn text(&self, name: &str, required: bool) -> Result<Option<&str>, Problem> {
        let value = match name {
            "ts" => self.ts.as_deref(),
            "profile" => self.profile.as_ref().map(|p| &*p.0),
            "type" => self.kind.as_deref(),
            "content" => self.content.as_deref(),
            "journey" => self.journey.as_deref(),
            "segment" => self.segment.as_deref(),
            _ => None,
        };
        match value {
            Some(text) => Ok(Some(text)),
            None if required => Err(Problem::new(name, "missing; every line needs it")),
            None => Ok(None),
        }
    }

    fn data(&self) -> Result<Option<&Map<String, Json>>, Problem> {
        Ok(self.data.as_ref())
    }
}

/// Reads an event line: the plain, valid line by the scanner of `scan.rs` (one
/// borrowed walk, `data` straight into the slots), any other one as
/// [`read_event_by_serde`] does, which gives the same event, or the problem.
pub fn read_event(catalog: &Catalog, profiles: &Profiles, line: &str) -> Result<Event, Problem> {
    match scan::event(catalog, profiles, line) {
        Some(event) => Ok(event),
        None => read_event_by_serde(catalog, profiles, line),
    }
}

/// The scanner of [`read_event`] alone: the event of a plain, valid line, or
/// `None` for a line it declines (for benchmarks and tests).
pub fn read_event_by_scanner(catalog: &Catalog, profiles: &Profiles, line: &str) -> Option<Event> {
    scan::event(catalog, profiles, line)
}

/// Reads an event line through serde_json: the reference reading, with the
/// precise problems, for the lines that the scanner of [`read_event`] declines
/// (also for its tests and benchmarks).
pub fn read_event_by_serde(catalog: &Catalog, profiles: &Profiles, line: &str) -> Result<Event, Problem> {
    // The quick way: an object (a struct would also take an array) that fits the envelope.
    if line.trim_start().starts_with('{')
        && let Ok(envelope) = serde_json::from_str::<Envelope>(line)
    {
        let id = envelope.id.as_deref().map(EventId::of);
        return typed_event(catalog, profiles, &envelope, id);
    }
    // Any other line (not JSON, an unknown or repeated field, a field of another
    // type) is read as a JSON value: the precise error, or the event when the
    // line is valid all the same (a numeric `id`, a field the type ignores).
    read_event_value(catalog, profiles, line)
}

/// Reads an event line through a JSON value: any line, with precise errors.
fn read_event_value(catalog: &Catalog, profiles: &Profiles, line: &str) -> Result<Event, Problem> {
    let mut o = object(line)?;
    if let Some(unknown) = o.keys().find(|k| !EVENT_FIELDS.contains(&k.as_str())) {
        return Err(Problem::new(
            unknown.as_str(),
            format!("not a field of events (fields: {})", EVENT_FIELDS.join(", ")),
        ));
    }
    // A profile given by an integer is the profile of its decimal text.
    if let Some(profile @ (Json::Number(_) | Json::Bool(_) | Json::Array(_) | Json::Object(_))) = o.get_mut("profile") {
        *profile = Json::String(integer_id(profile, "profile")?);
    }
    // Taken out of the object, as its fingerprint.
    let id = match o.remove("id") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(EventId::of(&s)),
        Some(Json::Number(n)) => Some(EventId::of(&n.to_string())),
        Some(other) => return Err(Problem::new("id", format!("expected a string, found {}", kind(&other)))),
    };
    typed_event(catalog, profiles, &o, id)
}

/// The event of a line from its fields, checked in a fixed order (the first problem is the one reported).
fn typed_event(catalog: &Catalog, profiles: &Profiles, o: &impl Fields, id: Option<EventId>) -> Result<Event, Problem> {
    let ts = o.text("ts", true)?.unwrap_or_default();
    let ts = Timestamp::parse(ts).map_err(|e| Problem::new("ts", format!("`{ts}`: {e}")))?.0;
    let profile_id = o.text("profile", true)?.unwrap_or_default();
    let Some(&profile) = profiles.index.get(profile_id) else {
        return Err(Problem::new("profile", format!("no profile has the id `{profile_id}` in the profiles file")));
    };
    let kind_name = o.text("type", true)?.unwrap_or_default();
    let data = o.data()?;
    let no_data = |what: &str| -> Result<(), Problem> {
        match data {
            Some(d) if !d.is_empty() => Err(Problem::new("data", format!("{what} events carry no `data`"))),
            _ => Ok(()),
        }
    };
    // A field that this type of event does not use is refused, never ignored.
    let unused = |fields: &[&str]| -> Result<(), Problem> {
        for field in fields {
            if !matches!(o.text(field, false), Ok(None)) {
                return Err(Problem::new(*field, format!("`{kind_name}` events have no `{field}`; remove it")));
            }
        }
        Ok(())
    };
    let kind = if let Some(trigger) = catalog.trigger(kind_name) {
        unused(&["content", "journey", "segment"])?;
        let layout = &catalog.trigger_layouts[trigger as usize];
        let mut values = vec![None; layout.slots.len()];
        if let Some(d) = data {
            layout.read(d, "data.", &mut values)?;
        }
        // An order needs its amount: a missing one is not an order worth 0.
        if let Some(slot) = catalog.revenue[trigger as usize]
            && !matches!(slot.and_then(|s| values.get(s)), Some(Some(Value::Number(_))))
        {
            return Err(Problem::new(
                "data.revenue",
                format!(
                    "missing; `{kind_name}` is a `commerce` trigger, so each of its events needs `revenue`, \
                     the order's amount (a number)"
                ),
            ));
        }
        EventKind::Trigger { trigger, data: values.into_boxed_slice() }
    } else if let Some((channel, event)) = ChannelEvent::parse(kind_name) {
        no_data("channel")?;
        unused(&["segment"])?;
        let name = o.text("content", true)?.unwrap_or_default();
        let Some(content) = catalog.content(name) else {
            return Err(Problem::new("content", format!("no message is named `{name}` in the plan")));
        };
        let actual = catalog.channels[content as usize];
        if actual != channel {
            return Err(Problem::new(
                "type",
                format!("`{kind_name}` is {} event, but `{name}` is {} message", article(channel), article(actual)),
            ));
        }
        let journey = match o.text("journey", false)? {
            None => None,
            Some(j) => Some(
                catalog
                    .journey(j)
                    .ok_or_else(|| Problem::new("journey", format!("no journey is named `{j}` in the plan")))?,
            ),
        };
        EventKind::Channel { event, content, journey }
    } else if kind_name == "profile.updated" {
        unused(&["content", "journey", "segment"])?;
        let Some(d) = data else {
            return Err(Problem::new("data", "`profile.updated` needs `data` with the new attribute values"));
        };
        // `opted_out` is the profile's consent, not an attribute of the schema.
        let (opted_out, attributes) = match d.get("opted_out") {
            None => (None, Cow::Borrowed(d)),
            Some(json) => {
                let opted_out = match json {
                    Json::Null => OptedOut::default(),
                    json => OptedOut::read(json, "data.opted_out")?,
                };
                let mut rest = d.clone();
                rest.remove("opted_out");
                (Some(opted_out), Cow::Owned(rest))
            }
        };
        let mut values = vec![None; catalog.profile.slots.len()];
        catalog.profile.read(&attributes, "data.", &mut values)?;
        let mut changes = Vec::new();
        collect_changes(&catalog.profile, &attributes, "", &values, &mut changes);
        EventKind::ProfileUpdated { changes, opted_out }
    } else if kind_name == "segment.joined" || kind_name == "segment.left" {
        no_data("segment")?;
        unused(&["content", "journey"])?;
        let name = o.text("segment", true)?.unwrap_or_default();
        let segment = catalog.list_segment(name, "segment")?;
        if kind_name == "segment.joined" { EventKind::SegmentJoined(segment) } else { EventKind::SegmentLeft(segment) }
    } else {
        return Err(Problem::new("type", unknown_event_type(catalog, kind_name)));
    };
    Ok(Event { ts, profile, kind, id, line: 0 })
}

/// Why `name` is not an event type: the closest trigger or built-in type when
/// one is a likely typo, else every type the data may use.
fn unknown_event_type(catalog: &Catalog, name: &str) -> String {
    let built_in = BUILT_IN_EVENTS.iter().copied().chain(CHANNEL_EVENTS.iter().map(|(n, ..)| *n));
    let triggers = catalog.triggers.iter().map(String::as_str);
    let start = format!("`{name}` is not a trigger of the plan nor a built-in event type");
    // `sms.opened`: a real interaction, of another channel than this one.
    if let Some((prefix, what)) = name.split_once('.')
        && let Some(channel) = Channel::ALL.into_iter().find(|c| c.name() == prefix)
        && CHANNEL_EVENTS.iter().any(|(n, ..)| n.split_once('.').is_some_and(|(_, w)| w == what))
    {
        let own: Vec<&str> = CHANNEL_EVENTS.iter().filter(|(_, c, _)| *c == channel).map(|(n, ..)| *n).collect();
        return format!(
            "{start}: the {} channel reports no `{what}` events; its events are {}",
            channel.name(),
            own.join(", ")
        );
    }
    match journey_syntax::closest(name, triggers.chain(built_in)) {
        Some(close) if catalog.trigger(close).is_some() => format!("{start}; did you mean the trigger `{close}`?"),
        Some(close) => format!("{start}; did you mean `{close}`?"),
        None => {
            let channel: Vec<&str> = CHANNEL_EVENTS.iter().map(|(n, ..)| *n).collect();
            format!(
                "{start} (triggers: {}; built in: {}; channel events: {})",
                catalog.triggers.join(", "),
                BUILT_IN_EVENTS.join(", "),
                channel.join(", ")
            )
        }
    }
}

/// The slots a `profile.updated` sets (or clears, with `null`), in slot order.
fn collect_changes(
    layout: &Layout,
    data: &Map<String, Json>,
    prefix: &str,
    values: &[Option<Value>],
    out: &mut Vec<(usize, Option<Value>)>,
) {
    for (name, json) in data {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match json {
            Json::Object(inner) => collect_changes(layout, inner, &path, values, out),
            Json::Null => {
                let nested = format!("{path}.");
                for (i, (p, _)) in layout.slots.iter().enumerate() {
                    if *p == path || p.starts_with(&nested) {
                        out.push((i, None));
                    }
                }
            }
            _ => {
                if let Some(&slot) = layout.index.get(&path) {
                    out.push((slot, values[slot].clone()));
                }
            }
        }
    }
}

/// "an email", "an SMS", "a push", for messages.
fn article(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "an email",
        Channel::Sms => "an SMS",
        Channel::Push => "a push",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
profile {
  email: email
  points: int
  loyalty: { tier: text, since: datetime }
}

trigger Cart {
  source custom
  status published
  cart: { total: money, url: text }
}

email Hello {
  status ready
  subject "Hello"
  body "Hello"
}

segment Vip {
  source list
}

journey Welcome {
  start on Cart
  exclude Vip
  send Hello to profile.email
}
"#;

    fn catalog() -> Catalog {
        let project = journey_check::Project::from_texts([("t.journey", SOURCE.to_owned())]);
        let analysis = journey_check::check(&project, journey_check::Mode::Publish);
        assert!(analysis.diagnostics.is_empty(), "{:?}", analysis.diagnostics);
        Catalog::of(&journey_plan::lower(&analysis.program, &project.sources, None))
    }

    const LONG_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    fn profiles(catalog: &Catalog) -> Profiles {
        let text = format!(
            "{{\"id\":\"p1\",\"email\":\"a@example.com\",\"points\":3,\"loyalty\":{{\"tier\":\"gold\"}}}}\n\
             {{\"id\":\"{LONG_ID}\",\"email\":null}}\n"
        );
        crate::replay::read_profiles(
            catalog,
            &[&crate::replay::InMemory { name: "profiles.jsonl", bytes: text.as_bytes() }],
            MAX_LINE_BYTES,
        )
        .expect("valid profiles")
    }

    /// The quick way (the envelope) and the JSON value read every line alike:
    /// the same event, or the same problem.
    #[test]
    fn envelope_and_json_value_read_lines_alike() {
        let catalog = catalog();
        let profiles = profiles(&catalog);
        let lines = [
            r#"{"id":"e1","ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":{"total":72.5,"url":"u"}}}"#,
            r#"  {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":null,"id":null}"#,
            r#"{"id":7,"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart"}"#,
            r#"{"id":true,"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","ts":"2026-11-03T10:00:00Z","profile":"p1","type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":{"url":"a"b"}}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":{"total":"12"}}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":null}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":[1]}"#,
            r#"{"ts":"2026-11-02","profile":"p1","type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":7,"type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":-7,"type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":7.5,"type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":true,"type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opend","content":"Hello"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","when":"now"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Basket"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opened","content":"Hello","journey":"Welcome"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opened","content":"Hello","segment":5}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opened","content":"Hello","data":{}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opened","content":"Hello","data":{"x":1}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opened","content":"Hello","journey":"Nope"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"sms.delivered","content":"Hello"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opened"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"profile.updated","data":{"loyalty":{"tier":null},"points":4}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"profile.updated","data":{"loyalty":null}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"profile.updated","data":{"points":1.5}}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"profile.updated"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"0f8fad5b-d9cb-469f-a165-70867728950e","type":"segment.joined","segment":"Vip"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"segment.left","segment":"Nope"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"segment.left"}"#,
            r#"["2026-11-02T10:00:00Z","p1","Cart"]"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart"} x"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart""#,
            "not json",
        ];
        assert!(serde_json::from_str::<Envelope>(lines[0]).is_ok(), "an ordinary line fits the envelope");
        for line in lines {
            let quick = read_event(&catalog, &profiles, line);
            let value = read_event_value(&catalog, &profiles, line);
            assert_eq!(format!("{quick:?}"), format!("{value:?}"), "{line}");
        }
    }

    /// A profile given by an integer is the profile of its decimal text, read the quick way.
    #[test]
    fn an_integer_profile_is_its_decimal_text() {
        let catalog = catalog();
        let text = "{\"id\":42}\n{\"id\":-7}\n";
        let profiles = crate::replay::read_profiles(
            &catalog,
            &[&crate::replay::InMemory { name: "profiles.jsonl", bytes: text.as_bytes() }],
            MAX_LINE_BYTES,
        )
        .expect("valid profiles");
        let ids: Vec<&str> = profiles.list.iter().map(|p| &*p.id).collect();
        assert_eq!(ids, ["42", "-7"]);
        let line = r#"{"ts":"2026-11-02T10:00:00Z","profile":-7,"type":"Cart"}"#;
        assert!(serde_json::from_str::<Envelope>(line).is_ok(), "the envelope takes an integer profile");
        assert_eq!(read_event(&catalog, &profiles, line).map(|e| e.profile), Ok(1));
    }

    #[test]
    fn every_channel_event_type_parses_to_its_channel() {
        for (name, channel, event) in CHANNEL_EVENTS {
            assert_eq!(ChannelEvent::parse(name), Some((channel, event)));
            assert!(name.starts_with(&format!("{}.", format!("{channel:?}").to_lowercase())), "{name}");
        }
        assert_eq!(ChannelEvent::parse("sms.opened"), None);
    }

    #[test]
    fn ids_short_and_long_are_found() {
        let catalog = catalog();
        let profiles = profiles(&catalog);
        assert_eq!(profiles.index.get("p1"), Some(&0));
        assert_eq!(profiles.index.get(LONG_ID), Some(&1));
        assert_eq!(profiles.index.get("p"), None);
        assert_eq!(Id::from(LONG_ID).as_str(), LONG_ID);
        assert_eq!(Id::from("").as_str(), "");
        assert_eq!(Id::from("22 bytes, just inline.").as_str(), "22 bytes, just inline.");
    }
}
