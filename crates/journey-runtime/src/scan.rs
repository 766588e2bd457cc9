//! The fast way to read an event line: one walk over its bytes, borrowing its
//! strings, reading `data` straight into the slots of the event type's layout.
//!
//! [`event`] reads only the plain, valid line: JSON whitespace anywhere, the
//! envelope fields once each, strings without escapes, integers and decimals
//! without exponents that convert exactly as serde_json converts them. Any other
//! line (an escape, a field of another type, an unknown or repeated field or
//! attribute, a missing one, bad JSON, a problem of any kind) is declined with
//! `None`: the caller then reads it through serde_json, which gives the same
//! event or the precise problem. For every line the scanner reads, the event is
//! the one serde_json's reading gives, value for value and bit for bit
//! (docs/replay-at-scale.md, "Reading events fast").

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use journey_plan::{Channel, ScalarType};
use journey_time::Timestamp;

use super::{
    BUILT_IN_EVENTS, CHANNEL_EVENTS, Catalog, ChannelEvent, Event, EventId, EventKind, Field, OptedOut, Profiles, Value,
};

/// The attributes of a layout as the scanner walks them: each record's
/// attributes, and the slots each covers, as bits (so a repeated attribute is seen).
#[derive(Clone, Debug, Default)]
pub(super) struct Shape {
    /// The records, the top one first.
    records: Vec<Vec<Entry>>,
    /// False when the layout has more slots than the bits of a claim (128):
    /// then the scanner declines every `data` of the layout.
    fits: bool,
}

/// An attribute of a record of a [`Shape`].
#[derive(Clone, Debug)]
struct Entry {
    /// The name and its closing quote, as in the line.
    quoted: Box<[u8]>,
    kind: EntryKind,
    /// The slots at or under the attribute: the first, and one past the last.
    slots: (usize, usize),
    /// The same slots as bits.
    claim: u128,
}

#[derive(Clone, Copy, Debug)]
enum EntryKind {
    Scalar(ScalarType, usize),
    Record(usize),
}

impl Shape {
    /// The shape of a layout's tree of fields (slots numbered as in the layout).
    pub(super) fn of(tree: &BTreeMap<String, Field>, slot_count: usize) -> Shape {
        fn add(tree: &BTreeMap<String, Field>, records: &mut Vec<Vec<Entry>>) -> (usize, usize, usize) {
            let index = records.len();
            records.push(Vec::new());
            let (mut first, mut end) = (usize::MAX, 0);
            let mut entries = Vec::with_capacity(tree.len());
            for (name, field) in tree {
                let (kind, slots) = match field {
                    Field::Scalar(ty, slot) => (EntryKind::Scalar(*ty, *slot), (*slot, *slot + 1)),
                    Field::Record(inner) => {
                        let (inner_index, a, b) = add(inner, records);
                        (EntryKind::Record(inner_index), (a, b))
                    }
                };
                if slots.0 < slots.1 {
                    first = first.min(slots.0);
                    end = end.max(slots.1);
                }
                let claim = (slots.0..slots.1).filter(|s| *s < 128).fold(0u128, |bits, s| bits | 1 << s);
                let quoted = format!("{name}\"").into_bytes().into_boxed_slice();
                entries.push(Entry { quoted, kind, slots, claim });
            }
            records[index] = entries;
            if first == usize::MAX { (index, 0, 0) } else { (index, first, end) }
        }
        let mut records = Vec::new();
        add(tree, &mut records);
        Shape { records, fits: slot_count <= 128 }
    }
}

/// The names that event lines give (event types, messages, journeys), for the
/// scanner: looked up with a hash of a word at a time, not SipHash.
#[derive(Default)]
pub(super) struct Names {
    types: NameMap<Kind>,
    contents: NameMap<u16>,
    journeys: NameMap<u16>,
}

type NameMap<V> = HashMap<Box<str>, V, BuildHasherDefault<WordHasher>>;

impl Names {
    /// The names of a catalog's triggers, contents and journeys (by index), and
    /// the built-in event types; a trigger comes first, as in [`Catalog::trigger`].
    pub(super) fn of(triggers: &[String], contents: &[String], journeys: &[String]) -> Names {
        let index = |names: &[String]| names.iter().enumerate().map(|(i, n)| (n.as_str().into(), i as u16)).collect();
        let mut types: NameMap<Kind> =
            triggers.iter().enumerate().map(|(i, n)| (n.as_str().into(), Kind::Trigger(i as u16))).collect();
        for (name, channel, event) in CHANNEL_EVENTS {
            types.entry(name.into()).or_insert(Kind::Channel(channel, event));
        }
        for name in BUILT_IN_EVENTS {
            let kind = match name {
                "profile.updated" => Kind::ProfileUpdated,
                "segment.joined" => Kind::Segment(true),
                _ => Kind::Segment(false),
            };
            types.entry(name.into()).or_insert(kind);
        }
        Names { types, contents: index(contents), journeys: index(journeys) }
    }
}

/// A hasher of short names and ids, a word of 8 bytes at a time: each word
/// is mixed in with a folded multiply (the high and low halves of a 128-bit
/// product, xored), which spreads every bit of the word over the whole hash.
#[derive(Default)]
struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0; 8];
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word) ^ (bytes.len() as u64) << 59);
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The event of a plain, valid line, or `None` for any other line (read it through serde_json).
pub(super) fn event(catalog: &Catalog, profiles: &Profiles, line: &str) -> Option<Event> {
    let mut c = Cursor { text: line, bytes: line.as_bytes(), pos: 0 };
    let mut seen = 0u8;
    let mut id = None;
    let mut ts = None;
    let mut profile = None;
    let mut kind: Option<Kind> = None;
    let mut data = Data::Absent;
    let (mut content, mut journey, mut segment) = (None, None, None);
    c.space();
    c.expect(b'{')?;
    loop {
        c.space();
        // A field's name, compared with its closing quote (an escape is no name).
        c.expect(b'"')?;
        let bit = match c.peek()? {
            b'i' if c.word(b"id\"") => 1,
            b't' if c.word(b"ts\"") => 2,
            b'p' if c.word(b"profile\"") => 4,
            b't' if c.word(b"type\"") => 8,
            b'd' if c.word(b"data\"") => 16,
            b'c' if c.word(b"content\"") => 32,
            b'j' if c.word(b"journey\"") => 64,
            b's' if c.word(b"segment\"") => 128,
            _ => return None,
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        c.colon()?;
        match bit {
            1 => id = c.event_id()?,
            2 => ts = Some(timestamp(c.string()?)?),
            4 => profile = Some(c.profile(profiles)?),
            8 => kind = Some(*catalog.names.types.get(c.string()?)?),
            16 => {
                data = match (c.peek()?, &kind) {
                    (b'n', _) => {
                        c.literal(b"null")?;
                        Data::Absent
                    }
                    (b'{', Some(kind)) => Data::Read(read_data(&mut c, catalog, kind)?),
                    (b'{', None) => {
                        let start = c.pos;
                        c.skip_object()?;
                        Data::Later(start, c.pos)
                    }
                    _ => return None,
                }
            }
            32 => content = c.optional_string()?,
            64 => journey = c.optional_string()?,
            _ => segment = c.optional_string()?,
        }
        c.space();
        match c.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    c.space();
    if c.pos != c.bytes.len() {
        return None;
    }
    let (ts, profile, kind) = (ts?, profile?, kind?);
    let data = match data {
        Data::Absent => None,
        Data::Read(read) => Some(read),
        Data::Later(start, end) => {
            let mut later = Cursor { text: c.text, bytes: c.bytes, pos: start };
            let read = read_data(&mut later, catalog, &kind)?;
            if later.pos != end {
                return None;
            }
            Some(read)
        }
    };
    let kind = match kind {
        Kind::Trigger(trigger) => {
            if content.is_some() || journey.is_some() || segment.is_some() {
                return None;
            }
            let values = match data {
                Some(Read::Values(values)) => values,
                None => vec![None; catalog.trigger_layouts[trigger as usize].slots.len()],
                Some(_) => return None,
            };
            // A `commerce` event needs its amount.
            if let Some(slot) = catalog.revenue[trigger as usize]
                && !matches!(slot.and_then(|s| values.get(s)), Some(Some(Value::Number(_))))
            {
                return None;
            }
            EventKind::Trigger { trigger, data: values.into_boxed_slice() }
        }
        Kind::Channel(channel, event) => {
            if segment.is_some() || !matches!(data, None | Some(Read::Empty)) {
                return None;
            }
            let content = *catalog.names.contents.get(content?)?;
            if catalog.channels[content as usize] != channel {
                return None;
            }
            let journey = match journey {
                None => None,
                Some(name) => Some(*catalog.names.journeys.get(name)?),
            };
            EventKind::Channel { event, content, journey }
        }
        Kind::ProfileUpdated => {
            if content.is_some() || journey.is_some() || segment.is_some() {
                return None;
            }
            let Some(Read::Changes(mut changes, opted_out)) = data else { return None };
            // serde_json's map walks the attributes by name, which is slot order.
            changes.sort_by_key(|(slot, _)| *slot);
            EventKind::ProfileUpdated { changes, opted_out }
        }
        Kind::Segment(joined) => {
            if content.is_some() || journey.is_some() || !matches!(data, None | Some(Read::Empty)) {
                return None;
            }
            let segment = catalog.list_segment(segment?, "segment").ok()?;
            if joined { EventKind::SegmentJoined(segment) } else { EventKind::SegmentLeft(segment) }
        }
    };
    Some(Event { ts, profile, kind, id, line: 0 })
}

/// The type of an event, looked up in the plan.
#[derive(Clone, Copy)]
enum Kind {
    Trigger(u16),
    Channel(Channel, ChannelEvent),
    ProfileUpdated,
    /// `segment.joined` (true) or `segment.left`.
    Segment(bool),
}

/// Where `data` is.
enum Data {
    /// Not there, or `null`.
    Absent,
    /// Read (the type came first).
    Read(Read),
    /// Before the type: its bytes, read once the type is known.
    Later(usize, usize),
}

/// A `data` object, read for the type of its event.
enum Read {
    /// A trigger's values, by slot.
    Values(Vec<Option<Value>>),
    /// `{}`, for the types that carry no data.
    Empty,
    /// A `profile.updated`: the slots set or cleared, and the consent.
    Changes(Vec<(usize, Option<Value>)>, Option<OptedOut>),
}

/// Reads a `data` object (at its `{`) as `kind` takes it.
fn read_data(c: &mut Cursor<'_>, catalog: &Catalog, kind: &Kind) -> Option<Read> {
    match kind {
        Kind::Trigger(trigger) => {
            let layout = &catalog.trigger_layouts[*trigger as usize];
            let mut sink = Values(vec![None; layout.slots.len()]);
            record(c, &layout.shape, 0, &mut sink, &mut 0, None)?;
            Some(Read::Values(sink.0))
        }
        Kind::ProfileUpdated => {
            let mut sink = Changes(Vec::new());
            let mut opted_out = None;
            record(c, &catalog.profile.shape, 0, &mut sink, &mut 0, Some(&mut opted_out))?;
            Some(Read::Changes(sink.0, opted_out))
        }
        Kind::Channel(..) | Kind::Segment(_) => {
            c.expect(b'{')?;
            c.space();
            c.expect(b'}')?;
            Some(Read::Empty)
        }
    }
}

/// Where the attributes of a `data` go.
trait Sink {
    /// The value of a slot.
    fn set(&mut self, slot: usize, value: Value);
    /// `null` for the attribute (and all under it) of these slots.
    fn clear(&mut self, slots: (usize, usize));
}

/// A trigger's values: `null` leaves the slots empty, as they start.
struct Values(Vec<Option<Value>>);

impl Sink for Values {
    fn set(&mut self, slot: usize, value: Value) {
        self.0[slot] = Some(value);
    }

    fn clear(&mut self, _: (usize, usize)) {}
}

/// A profile's changes: `null` clears.
struct Changes(Vec<(usize, Option<Value>)>);

impl Sink for Changes {
    fn set(&mut self, slot: usize, value: Value) {
        self.0.push((slot, Some(value)));
    }

    fn clear(&mut self, (first, end): (usize, usize)) {
        self.0.extend((first..end).map(|slot| (slot, None)));
    }
}

/// Reads the record `index` of `shape` (at its `{`). `claimed` holds the slots of
/// the attributes read so far, so that a repeated one is declined (serde_json
/// keeps the last). `consent` is given at the top of a `profile.updated`'s data,
/// where `opted_out` is the consent, not an attribute.
fn record(
    c: &mut Cursor<'_>,
    shape: &Shape,
    index: usize,
    sink: &mut impl Sink,
    claimed: &mut u128,
    mut consent: Option<&mut Option<OptedOut>>,
) -> Option<()> {
    if !shape.fits {
        return None;
    }
    c.expect(b'{')?;
    c.space();
    if c.peek()? == b'}' {
        c.pos += 1;
        return Some(());
    }
    loop {
        c.expect(b'"')?;
        match consent.as_deref_mut() {
            Some(slot) if c.word(b"opted_out\"") => {
                c.colon()?;
                if slot.is_some() {
                    return None;
                }
                *slot = Some(c.opted_out()?);
            }
            _ => {
                // The attribute's name, compared with its closing quote (an escape is no name).
                let rest = c.bytes.get(c.pos..)?;
                let first = *rest.first()?;
                let entry = shape.records[index]
                    .iter()
                    .find(|e| e.quoted.first() == Some(&first) && rest.starts_with(&e.quoted))?;
                c.pos += entry.quoted.len();
                c.colon()?;
                if *claimed & entry.claim != 0 {
                    return None;
                }
                match (entry.kind, c.peek()?) {
                    (_, b'n') => {
                        c.literal(b"null")?;
                        sink.clear(entry.slots);
                    }
                    (EntryKind::Record(inner), b'{') => record(c, shape, inner, sink, claimed, None)?,
                    (EntryKind::Record(_), _) => return None,
                    (EntryKind::Scalar(ty, slot), _) => sink.set(slot, c.scalar(ty)?),
                }
                *claimed |= entry.claim;
            }
        }
        c.space();
        match c.next()? {
            b',' => c.space(),
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// A JSON number as written: its sign, its digits as an integer, the digits
/// after the point, and its text.
struct Number<'a> {
    negative: bool,
    digits: u64,
    /// Digits after the decimal point; `None` for an integer.
    scale: Option<u32>,
    text: &'a str,
}

/// 10^0 to 10^22: the powers of ten that an `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

impl Number<'_> {
    /// The number as serde_json reads it, when that is sure to be the same:
    /// an integer is converted once (as serde_json converts a `u64` or `i64`);
    /// a decimal of at most 2^53 and 22 decimals is one division of two exact
    /// `f64`s, correctly rounded, as both serde_json's readings give.
    fn to_f64(&self) -> Option<f64> {
        let magnitude = match self.scale {
            None => self.digits as f64,
            Some(scale) if self.digits <= 1 << 53 => self.digits as f64 / POW10.get(scale as usize)?,
            Some(_) => return None,
        };
        Some(if self.negative { -magnitude } else { magnitude })
    }

    /// Whether serde_json reads it as an `i64` or a `u64` (whose decimal text is
    /// then this text): `-0` and integers out of range are floats to it.
    fn is_integer(&self) -> bool {
        self.scale.is_none() && (!self.negative || (1..=1 << 63).contains(&self.digits))
    }
}

/// A position in a line.
struct Cursor<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// Skips JSON whitespace.
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Moves past `word` when the text at the cursor starts with it.
    fn word(&mut self, word: &[u8]) -> bool {
        let found = self.bytes.get(self.pos..).is_some_and(|rest| rest.starts_with(word));
        if found {
            self.pos += word.len();
        }
        found
    }

    /// The `:` after a name, with the whitespace around it.
    fn colon(&mut self) -> Option<()> {
        self.space();
        self.expect(b':')?;
        self.space();
        Some(())
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// A string without escapes or control characters, borrowed.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.pos;
        let rest = self.bytes.get(start..)?;
        let len = string_end(rest)?;
        if rest[len] != b'"' {
            return None;
        }
        self.pos = start + len + 1;
        // Between two `"`, so on character boundaries: no need to check the UTF-8 again.
        self.text.get(start..start + len)
    }

    /// A string, or `null` for none.
    fn optional_string(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A number without exponent whose digits fit a `u64`.
    fn number(&mut self) -> Option<Number<'a>> {
        let start = self.pos;
        let negative = self.peek()? == b'-';
        if negative {
            self.pos += 1;
        }
        let mut digits: u64 = 0;
        let mut count = 0;
        let mut scale = None;
        while let Some(b) = self.peek() {
            match b {
                b'0'..=b'9' => {
                    digits = digits.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                    count += 1;
                    if let Some(s) = scale.as_mut() {
                        *s += 1;
                    } else if count == 2 && self.bytes[self.pos - 1] == b'0' {
                        return None; // a leading zero: not JSON
                    }
                }
                b'.' if scale.is_none() && count > 0 => scale = Some(0),
                b'e' | b'E' => return None,
                _ => break,
            }
            self.pos += 1;
        }
        if count == 0 || scale == Some(0) {
            return None;
        }
        let text = self.text.get(start..self.pos)?;
        Some(Number { negative, digits, scale, text })
    }

    /// An event's `id`: a string, an integer (its decimal text), or `null`.
    fn event_id(&mut self) -> Option<Option<EventId>> {
        match self.peek()? {
            b'"' => Some(Some(EventId::of(self.string()?))),
            b'n' => self.literal(b"null").map(|()| None),
            _ => {
                let n = self.number()?;
                n.is_integer().then(|| Some(EventId::of(n.text)))
            }
        }
    }

    /// A profile, by its id: a string, or an integer as its decimal text.
    fn profile(&mut self, profiles: &Profiles) -> Option<u32> {
        let id = if self.peek()? == b'"' {
            self.string()?
        } else {
            let n = self.number()?;
            if !n.is_integer() {
                return None;
            }
            n.text
        };
        profiles.index.get(id).copied()
    }

    /// A data attribute of type `ty`.
    fn scalar(&mut self, ty: ScalarType) -> Option<Value> {
        match ty {
            ScalarType::Int => {
                let n = self.number()?.to_f64()?;
                (n.fract() == 0.0).then_some(Value::Number(n))
            }
            ScalarType::Number | ScalarType::Money => Some(Value::Number(self.number()?.to_f64()?)),
            ScalarType::Text | ScalarType::Email | ScalarType::Phone => Some(Value::Text(self.string()?.into())),
            ScalarType::Bool => match self.peek()? {
                b't' => self.literal(b"true").map(|()| Value::Bool(true)),
                _ => self.literal(b"false").map(|()| Value::Bool(false)),
            },
            ScalarType::Datetime => Some(Value::Time(timestamp(self.string()?)?)),
        }
    }

    /// The consent of a `profile.updated`: `null` (none) or an array of channel names.
    fn opted_out(&mut self) -> Option<OptedOut> {
        let mut opted_out = OptedOut::default();
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(opted_out);
        }
        self.expect(b'[')?;
        self.space();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(opted_out);
        }
        loop {
            let name = self.string()?;
            opted_out.insert(Channel::ALL.into_iter().find(|c| c.name() == name)?);
            self.space();
            match self.next()? {
                b',' => self.space(),
                b']' => return Some(opted_out),
                _ => return None,
            }
        }
    }

    /// Moves past an object (at its `{`) whose strings have no escapes, to read it later.
    fn skip_object(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Some(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }
}

/// Where a string's text ends: the first `"`, `\\` or control character of
/// `rest`. Eight bytes at a time: in a word, the lowest byte flagged by these
/// tests is exact (a borrow only flags bytes above a true one).
fn string_end(rest: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(chunk) = rest.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let found = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        if found & HIGH != 0 {
            return Some(at + ((found & HIGH).trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    rest[at..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|n| at + n)
}

/// Milliseconds since the epoch of an RFC 3339 timestamp, as [`Timestamp::parse`]
/// gives them; `None` where it finds a problem.
pub(super) fn timestamp(text: &str) -> Option<i64> {
    quick_timestamp(text.as_bytes()).or_else(|| Timestamp::parse(text).ok().map(|t| t.0))
}

/// The common forms, `2026-11-02T10:00:00Z`, `2026-11-02T10:00:00.250Z` and
/// `2026-11-02T10:00:00+01:00` (with or without `.250`), read at fixed places;
/// `None` for any other text, valid or not.
fn quick_timestamp(b: &[u8]) -> Option<i64> {
    fn two(b: &[u8], at: usize) -> Option<u32> {
        let (hi, lo) = (b[at].wrapping_sub(b'0'), b[at + 1].wrapping_sub(b'0'));
        (hi < 10 && lo < 10).then(|| u32::from(hi) * 10 + u32::from(lo))
    }
    // `YYYY-MM-DDTHH:MM:SS`, at fixed places of a fixed array: no bounds to check.
    const DIGITS: [usize; 14] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let head: &[u8; 20] = b.first_chunk()?;
    let digit = |at: usize| u32::from(head[at].wrapping_sub(b'0'));
    if DIGITS.iter().any(|&at| digit(at) > 9)
        || head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let two_at = |at: usize| digit(at) * 10 + digit(at + 1);
    let year = two_at(0) * 100 + two_at(2);
    let (month, day) = (two_at(5), two_at(8));
    let (hour, minute, second) = (two_at(11), two_at(14), two_at(17));
    let (millis, zone) = if b[19] == b'.' {
        if b.len() < 24 {
            return None;
        }
        let frac = (b[20].wrapping_sub(b'0'), b[21].wrapping_sub(b'0'), b[22].wrapping_sub(b'0'));
        if frac.0 > 9 || frac.1 > 9 || frac.2 > 9 {
            return None;
        }
        (i64::from(frac.0) * 100 + i64::from(frac.1) * 10 + i64::from(frac.2), 23)
    } else {
        (0, 19)
    };
    let offset_minutes = match (b.len() - zone, b[zone]) {
        (1, b'Z') => 0,
        (6, sign @ (b'+' | b'-')) => {
            let (oh, om) = (two(b, zone + 1)?, two(b, zone + 4)?);
            if b[zone + 3] != b':' || oh > 23 || om > 59 {
                return None;
            }
            let minutes = i64::from(oh * 60 + om);
            if sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = i64::from(hour * 3600 + minute * 60 + second) - offset_minutes * 60;
    Some(days * 86_400_000 + seconds * 1000 + millis)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (as journey-time counts them).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::super::{MAX_LINE_BYTES, read_event, read_event_by_serde};
    use super::*;
    use crate::replay::{InMemory, read_profiles};
    use proptest::prelude::*;

    const SOURCE: &str = r#"
profile {
  email: email
  phone: phone
  points: int
  vip: bool
  loyalty: { tier: text, since: datetime }
}

trigger Cart {
  source custom
  status published
  cart: { total: money, url: text, items: int }
}

trigger Order {
  source commerce
  status published
  order_id: text
  revenue: money
  at: datetime
}

email Hello {
  status ready
  subject "Hello"
  body "Hello"
}

sms Nudge {
  status ready
  text "Hello"
}

segment Vip {
  source list
}

segment Big {
  where profile.points > 10
}

journey Welcome {
  start on Cart
  exclude Vip
  goal purchase on Order
  send Hello to profile.email
  send Nudge to profile.phone
}
"#;

    const LONG_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    /// 2026-11-02T10:00:00Z (`date -u -d 2026-11-02T10:00:00Z +%s`, in ms).
    const T: i64 = 1_793_613_600_000;

    /// The catalog of [`SOURCE`] and four profiles: `p1`, [`LONG_ID`], `42` and `-7`.
    fn setup() -> (&'static Catalog, &'static Profiles) {
        static DATA: std::sync::OnceLock<(Catalog, Profiles)> = std::sync::OnceLock::new();
        let (catalog, profiles) = DATA.get_or_init(read_setup);
        (catalog, profiles)
    }

    fn read_setup() -> (Catalog, Profiles) {
        let project = journey_check::Project::from_texts([("t.journey", SOURCE.to_owned())]);
        let analysis = journey_check::check(&project, journey_check::Mode::Publish);
        let errors: Vec<_> = analysis.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let catalog = Catalog::of(&journey_plan::lower(&analysis.program, &project.sources, None));
        let text = format!("{{\"id\":\"p1\"}}\n{{\"id\":\"{LONG_ID}\"}}\n{{\"id\":42}}\n{{\"id\":-7}}\n");
        let profiles =
            read_profiles(&catalog, &[&InMemory { name: "profiles.jsonl", bytes: text.as_bytes() }], MAX_LINE_BYTES)
                .expect("valid profiles");
        (catalog, profiles)
    }

    /// The scanner's event for `line`, checked to be the one serde_json's reading gives.
    fn fast(catalog: &Catalog, profiles: &Profiles, line: &str) -> Option<Event> {
        let event = event(catalog, profiles, line);
        if let Some(e) = &event {
            let slow = read_event_by_serde(catalog, profiles, line);
            assert_eq!(format!("{:?}", Ok::<_, Problem>(e)), format!("{:?}", slow.as_ref()), "{line}");
        }
        event
    }

    use super::super::Problem;

    fn trigger_data(event: &Event) -> Vec<Option<Value>> {
        match &event.kind {
            EventKind::Trigger { data, .. } => data.to_vec(),
            other => panic!("not a trigger event: {other:?}"),
        }
    }

    fn text(s: &str) -> Option<Value> {
        Some(Value::Text(s.into()))
    }

    #[test]
    fn a_plain_trigger_line_is_read_into_its_slots() {
        let (catalog, profiles) = setup();
        let line = r#"{"id":"e1","ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":{"total":72.5,"url":"u","items":2}}}"#;
        let e = fast(catalog, profiles, line).expect("read by the scanner");
        assert_eq!((e.ts, e.profile, e.id), (T, 0, Some(EventId::of("e1"))));
        // Slots by path, sorted: cart.items, cart.total, cart.url.
        assert_eq!(trigger_data(&e), [Some(Value::Number(2.0)), Some(Value::Number(72.5)), text("u")]);
        // The whole reading takes the same way.
        assert_eq!(format!("{:?}", read_event(catalog, profiles, line)), format!("{:?}", Ok::<_, Problem>(e)));
    }

    #[test]
    fn every_envelope_field_is_read() {
        let (catalog, profiles) = setup();
        let line = r#"{"id":null,"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"email.opened","content":"Hello","journey":"Welcome","segment":null,"data":{}}"#;
        let e = fast(catalog, profiles, line).expect("read");
        assert_eq!(e.id, None);
        assert!(matches!(e.kind, EventKind::Channel { event: ChannelEvent::Opened, content: 0, journey: Some(0) }));
        let line = r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"sms.clicked","content":"Nudge","data":null}"#;
        let e = fast(catalog, profiles, line).expect("read");
        assert!(matches!(e.kind, EventKind::Channel { event: ChannelEvent::Clicked, content: 1, journey: None }));
        let line = r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"segment.left","segment":"Vip"}"#;
        let vip = catalog.segment("Vip").expect("declared");
        assert!(matches!(fast(catalog, profiles, line).expect("read").kind, EventKind::SegmentLeft(s) if s == vip));
        // `data` before `type` is read once the type is known.
        let line = r#"{"data":{"revenue":10.25,"order_id":"o-1","at":"2026-11-02T10:00:00.250Z"},"type":"Order","ts":"2026-11-02T10:00:00Z","profile":"p1"}"#;
        let e = fast(catalog, profiles, line).expect("read");
        // Slots: at, order_id, revenue.
        assert_eq!(trigger_data(&e), [Some(Value::Time(T + 250)), text("o-1"), Some(Value::Number(10.25))]);
    }

    #[test]
    fn whitespace_between_tokens_is_json_whitespace() {
        let (catalog, profiles) = setup();
        let line = " { \"ts\" :\t\"2026-11-02T10:00:00Z\" , \"profile\": \"p1\",\"type\":\"Cart\",\"data\":{ \"cart\" : { \"items\" : 3 } } } ";
        let e = fast(catalog, profiles, line).expect("read");
        assert_eq!(trigger_data(&e), [Some(Value::Number(3.0)), None, None]);
        // A no-break space is not JSON whitespace: declined, and serde_json says why.
        let line = "{\u{a0}\"ts\":\"2026-11-02T10:00:00Z\",\"profile\":\"p1\",\"type\":\"Cart\"}";
        assert!(fast(catalog, profiles, line).is_none());
        assert!(read_event(catalog, profiles, line).is_err());
    }

    #[test]
    fn escapes_are_declined_and_read_by_serde() {
        let (catalog, profiles) = setup();
        for line in [
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p\u0031","type":"Cart"}"#,
            r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":{"url":"a\"b"}}}"#,
            r#"{"id":"e\n1","ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart"}"#,
            r#"{"t\u0073":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart"}"#,
        ] {
            assert!(fast(catalog, profiles, line).is_none(), "{line}");
            let e = read_event(catalog, profiles, line).expect("valid all the same");
            assert_eq!((e.ts, e.profile), (T, 0));
        }
    }

    #[test]
    fn an_integer_profile_or_id_is_its_decimal_text() {
        let (catalog, profiles) = setup();
        let line = r#"{"id":7,"ts":"2026-11-02T10:00:00Z","profile":42,"type":"Cart"}"#;
        let e = fast(catalog, profiles, line).expect("read");
        assert_eq!((e.profile, e.id), (2, Some(EventId::of("7"))));
        let line = r#"{"id":-12,"ts":"2026-11-02T10:00:00Z","profile":-7,"type":"Cart"}"#;
        let e = fast(catalog, profiles, line).expect("read");
        assert_eq!((e.profile, e.id), (3, Some(EventId::of("-12"))));
        // Floats to serde_json: `-0`, `7.0`, out of the range of 64 bits.
        for profile in ["-0", "42.0", "18446744073709551616", "042"] {
            let line = format!(r#"{{"ts":"2026-11-02T10:00:00Z","profile":{profile},"type":"Cart"}}"#);
            assert!(fast(catalog, profiles, &line).is_none(), "{line}");
            assert!(read_event(catalog, profiles, &line).is_err(), "{line}");
        }
    }

    #[test]
    fn nested_data_and_nulls() {
        let (catalog, profiles) = setup();
        let line = r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":null}}"#;
        assert_eq!(trigger_data(&fast(catalog, profiles, line).expect("read")), [None, None, None]);
        let line = r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"cart":{"total":-0.0,"items":-3,"url":null}}}"#;
        let data = trigger_data(&fast(catalog, profiles, line).expect("read"));
        assert_eq!(data, [Some(Value::Number(-3.0)), Some(Value::Number(-0.0)), None]);
        assert!(matches!(data[1], Some(Value::Number(n)) if n.is_sign_negative()));
        // profile.updated: slots email, loyalty.since, loyalty.tier, phone, points, vip.
        let line = r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"profile.updated","data":{"points":4,"loyalty":null,"opted_out":["sms","email"]}}"#;
        let e = fast(catalog, profiles, line).expect("read");
        let EventKind::ProfileUpdated { changes, opted_out } = e.kind else { panic!("{:?}", e.kind) };
        assert_eq!(changes, [(1, None), (2, None), (4, Some(Value::Number(4.0)))]);
        let opted_out = opted_out.expect("given");
        assert!(opted_out.contains(Channel::Sms) && opted_out.contains(Channel::Email));
        assert!(!opted_out.contains(Channel::Push));
    }

    #[test]
    fn wrong_types_and_odd_fields_are_declined() {
        let (catalog, profiles) = setup();
        let start = r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"#;
        for rest in [
            r#""Cart","data":{"cart":{"total":"12"}}}"#,
            r#""Cart","data":{"cart":{"items":1.5}}}"#,
            r#""Cart","data":{"cart":5}}"#,
            r#""Cart","data":{"cart":{"items":1},"cart":{"url":"u"}}}"#,
            r#""Cart","data":{"cart":{"items":1,"items":2}}}"#,
            r#""Cart","data":{"basket":1}}"#,
            r#""Cart","data":[1]}"#,
            r#""Cart","content":"Hello"}"#,
            r#""Cart","type":"Cart"}"#,
            r#""Cart","when":"now"}"#,
            r#""Cart","data":{"cart":{"total":1e2}}}"#,
            r#""Cart","data":{"cart":{"total":0.1234567890123456789}}}"#,
            r#""Order","data":{"order_id":"o"}}"#,
            r#""email.opened","content":"Nudge"}"#,
            r#""email.opened","content":"Hello","data":{"x":1}}"#,
            r#""email.opened"}"#,
            r#""segment.joined","segment":"Big"}"#,
            r#""profile.updated"}"#,
            r#""profile.updated","data":{"opted_out":["fax"]}}"#,
            r#""Basket"}"#,
            r#""Cart"} x"#,
            r#""Cart""#,
        ] {
            let line = format!("{start}{rest}");
            assert!(fast(catalog, profiles, &line).is_none(), "{line}");
        }
        // Valid to serde_json all the same: read by it.
        let line = format!(r#"{start}"Cart","data":{{"cart":{{"items":1}},"cart":{{"url":"u"}}}}}}"#);
        let e = read_event(catalog, profiles, &line).expect("serde_json keeps the last");
        assert_eq!(trigger_data(&e), [None, None, text("u")]);
    }

    #[test]
    fn a_string_ends_at_its_first_quote_backslash_or_control_character() {
        for (text, end) in [
            ("abc\"", Some(3)),
            ("0123456789abcdef\"", Some(16)),
            ("01234567\\\"", Some(8)),
            ("Chloé, à Paris\"xx", Some(16)),
            ("0123456\u{1}\"", Some(7)),
            ("\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{1f}", Some(8)),
            ("no end at all", None),
            ("", None),
        ] {
            assert_eq!(string_end(text.as_bytes()), end, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn string_end_is_the_first_special_byte(bytes in prop::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x21, any::<u8>(), 0x20u8..0x7f], 0..40)) {
            let expected = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(string_end(&bytes), expected);
        }
    }

    #[test]
    fn timestamps_fractions_and_offsets() {
        for (text, ms) in [
            ("2026-11-02T10:00:00Z", T),
            ("2026-11-02T10:00:00.250Z", T + 250),
            ("2026-11-02T10:00:00.5Z", T + 500),
            ("2026-11-02T10:00:00.2509Z", T + 250),
            ("2026-11-02T10:00:00+01:00", T - 3_600_000),
            ("2026-11-02T10:00:00.001-01:30", T + 5_400_001),
            ("2026-11-02 10:00:00z", T),
            ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ] {
            assert_eq!(timestamp(text), Some(ms), "{text}");
        }
        assert_eq!(quick_timestamp(b"2026-11-02T10:00:00.5Z"), None, "left to Timestamp::parse");
        for text in ["2026-02-29T00:00:00Z", "2026-11-02T24:00:00Z", "2026-11-02T10:00:00", "2026-11-02T10:00:00+24:00"]
        {
            assert_eq!(timestamp(text), None, "{text}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn quick_timestamps_are_those_of_timestamp_parse(
            ms in -62_135_596_800_000i64..253_402_300_799_999i64,
            offset in prop_oneof![Just(None), (0u32..24, 0u32..60, any::<bool>()).prop_map(Some)],
            whole in any::<bool>(),
        ) {
            let mut text = Timestamp(ms).to_string();
            if whole {
                text = text.replace(&format!(".{:03}", ms.rem_euclid(1000)), "");
            } else if ms.rem_euclid(1000) == 0 {
                text.insert_str(19, ".000");
            }
            if let Some((h, m, minus)) = offset {
                text.pop();
                text.push_str(&format!("{}{h:02}:{m:02}", if minus { '-' } else { '+' }));
            }
            prop_assert_eq!(quick_timestamp(text.as_bytes()), Timestamp::parse(&text).ok().map(|t| t.0), "{}", text);
        }

        /// The scanner reads a line as serde_json does, or declines it; and
        /// `read_event` always gives what serde_json's reading gives.
        #[test]
        fn the_scanner_reads_lines_as_serde_json_does(line in event_line()) {
            let (catalog, profiles) = setup();
            let slow = read_event_by_serde(catalog, profiles, &line);
            if let Some(e) = event(catalog, profiles, &line) {
                prop_assert_eq!(format!("{:?}", Ok::<_, Problem>(e)), format!("{:?}", slow), "{}", line);
            }
            prop_assert_eq!(format!("{:?}", read_event(catalog, profiles, &line)), format!("{:?}", slow), "{}", line);
        }
    }

    /// The generated lines are worth testing: many are read by the scanner,
    /// of every kind (the rest are declined, valid or not).
    #[test]
    fn generated_lines_are_mostly_plain() {
        use proptest::strategy::ValueTree;
        let (catalog, profiles) = setup();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = event_line();
        let mut read = [0usize; 5];
        for _ in 0..2000 {
            let line = strategy.new_tree(&mut runner).expect("a line").current();
            if let Some(e) = event(catalog, profiles, &line) {
                read[match e.kind {
                    EventKind::Trigger { .. } => 0,
                    EventKind::Channel { .. } => 1,
                    EventKind::ProfileUpdated { .. } => 2,
                    EventKind::SegmentJoined(_) => 3,
                    EventKind::SegmentLeft(_) => 4,
                }] += 1;
            }
        }
        assert!(read.iter().sum::<usize>() > 500, "{read:?}");
        assert!(read.iter().all(|n| *n > 20), "{read:?}");
    }

    /// A string, now and then with an escape or a control character.
    fn string(s: impl Into<String>) -> BoxedStrategy<String> {
        let s: String = s.into();
        let first = s.chars().next().map_or(0x41, u32::from);
        let rest = s.chars().skip(1).collect::<String>();
        prop_oneof![
            80 => Just(format!("\"{s}\"")),
            1 => Just(format!("\"\\u{first:04x}{rest}\"")),
            1 => Just(format!("\"{s}\t\"")),
        ]
        .boxed()
    }

    /// JSON whitespace, mostly none, and now and then a no-break space (not JSON).
    fn space() -> impl Strategy<Value = &'static str> {
        prop_oneof![200 => Just(""), 20 => Just(" "), 5 => Just("\t"), 5 => Just(" \r\n "), 1 => Just("\u{a0}")]
    }

    /// Any value, mostly of the wrong type for where it goes.
    fn odd() -> BoxedStrategy<String> {
        prop::sample::select(
            &[
                "\"12\"",
                "1.5",
                "-0",
                "2.5e1",
                "123456789012345678901",
                "true",
                "null",
                "[\"sms\"]",
                "[]",
                "{}",
                "{\"x\":1}",
                "\"2026-11-02T10:00:00.5Z\"",
                "\"fax\"",
            ][..],
        )
        .prop_map(str::to_owned)
        .boxed()
    }

    /// Mostly `good`, now and then an odd value.
    fn mostly(good: BoxedStrategy<String>) -> BoxedStrategy<String> {
        prop_oneof![80 => good, 1 => odd()].boxed()
    }

    /// Decimals of up to 18 digits (some beyond 2^53), integers, and now and then an exponent.
    fn number() -> BoxedStrategy<String> {
        prop_oneof![
        4 => (0u64..100_000, 0usize..4).prop_map(|(n, k)| with_point(n, k)),
        2 => (any::<u64>(), 0usize..21, any::<bool>()).prop_map(|(n, k, minus)| {
            let n = n % 1_000_000_000_000_000_000;
            format!("{}{}", if minus { "-" } else { "" }, with_point(n, k))
        }),
                ]
        .boxed()
    }

    /// `n` with a decimal point `k` digits from the right (none for 0).
    fn with_point(n: u64, k: usize) -> String {
        let digits = format!("{n:0width$}", width = k + 1);
        if k == 0 { digits } else { format!("{}.{}", &digits[..digits.len() - k], &digits[digits.len() - k..]) }
    }

    fn int() -> BoxedStrategy<String> {
        prop_oneof![4 => any::<i64>().prop_map(|n| (n % 100_000).to_string()), 1 => Just("2.0".to_owned()), 1 => any::<i64>().prop_map(|n| n.to_string())].boxed()
    }

    fn datetime() -> BoxedStrategy<String> {
        prop_oneof![
            12 => (0i64..4_000_000_000_000).prop_flat_map(|ms| string(Timestamp(ms).to_string())),
            1 => prop::sample::select(&["2026-11-02T10:00:00.25+01:00", "2026-11-02 10:00:00z", "2026-11-02T10:00:00-05:30", "2026-02-29T10:00:00Z", "2026-11-02"][..]).prop_flat_map(string),
        ]
        .boxed()
    }

    fn words() -> BoxedStrategy<String> {
        prop::sample::select(&["u", "Chloé", "", "https://shop.example.com/p/1"][..]).prop_flat_map(string).boxed()
    }

    /// An object of `attributes`, each there or not (now and then twice), an
    /// unknown one now and then, in any order, with whitespace.
    fn object(attributes: Vec<(&'static str, BoxedStrategy<String>)>) -> BoxedStrategy<String> {
        let mut parts: Vec<BoxedStrategy<Vec<(&'static str, String)>>> = attributes
            .into_iter()
            .map(|(key, value)| {
                let once = value.clone().prop_map(move |v| vec![(key, v)]);
                let twice = (value.clone(), value).prop_map(move |(a, b)| vec![(key, a), (key, b)]);
                prop_oneof![15 => Just(Vec::new()), 40 => once, 1 => twice].boxed()
            })
            .collect();
        parts.push(prop_oneof![80 => Just(Vec::new()), 1 => odd().prop_map(|v| vec![("x", v)])].boxed());
        (parts, prop::collection::vec(space(), 8))
            .prop_flat_map(|(parts, spaces)| {
                let pairs: Vec<(&'static str, String)> = parts.into_iter().flatten().collect();
                (Just(pairs).prop_shuffle(), Just(spaces))
            })
            .prop_map(|(pairs, spaces)| {
                let fields: Vec<String> = pairs
                    .iter()
                    .enumerate()
                    .map(|(i, (k, v))| {
                        let s = spaces[i % 8];
                        format!("{s}\"{k}\"{s}:{s}{v}{s}")
                    })
                    .collect();
                format!("{}{{{}}}", spaces[7], fields.join(","))
            })
            .boxed()
    }

    /// The `type` and `data` (and `content`, `journey`, `segment`) of an event, mostly fitting.
    fn body() -> BoxedStrategy<Vec<(&'static str, BoxedStrategy<String>)>> {
        let cart = object(vec![("total", mostly(number())), ("url", mostly(words())), ("items", mostly(int()))]);
        let cart_data = object(vec![("cart", prop_oneof![8 => cart, 1 => odd()].boxed())]);
        let order_data =
            object(vec![("order_id", mostly(words())), ("revenue", mostly(number())), ("at", mostly(datetime()))]);
        let loyalty = object(vec![("tier", mostly(words())), ("since", mostly(datetime()))]);
        let consent =
            prop::sample::select(&["[\"sms\"]", "[\"push\", \"email\"]", "[]", "null", "[\"fax\"]", "\"sms\""][..])
                .prop_map(str::to_owned)
                .boxed();
        let profile_data = object(vec![
            ("email", mostly(words())),
            ("points", mostly(int())),
            ("vip", mostly(prop::sample::select(&["true", "false"][..]).prop_map(str::to_owned).boxed())),
            ("loyalty", prop_oneof![6 => loyalty, 1 => Just("null".to_owned())].boxed()),
            ("opted_out", consent),
        ]);
        let channel_type = prop::sample::select(&["email.opened", "email.clicked", "sms.delivered", "push.opened"][..]);
        let empty = prop_oneof![Just("{}".to_owned()), Just("{ }".to_owned()), Just("null".to_owned())].boxed();
        let content = prop_oneof![string("Hello"), string("Nudge"), Just("\"Nope\"".to_owned())].boxed();
        let journey =
            prop_oneof![4 => string("Welcome"), 1 => Just("\"Nope\"".to_owned()), 1 => Just("null".to_owned())].boxed();
        let segment =
            prop_oneof![6 => string("Vip"), 1 => Just("\"Big\"".to_owned()), 1 => Just("null".to_owned())].boxed();
        let of = |name: &'static str| string(name);
        prop_oneof![
            Just(vec![("type", of("Cart")), ("data", cart_data)]),
            Just(vec![("type", of("Order")), ("data", order_data)]),
            Just(vec![("type", of("profile.updated")), ("data", profile_data)]),
            channel_type.prop_map(move |t| vec![
                ("type", string(t)),
                ("content", content.clone()),
                ("journey", journey.clone()),
                ("data", empty.clone())
            ]),
            prop::sample::select(&["segment.joined", "segment.left"][..])
                .prop_map(move |t| vec![("type", string(t)), ("segment", segment.clone())]),
        ]
        .boxed()
    }

    /// Event lines over the catalog of [`SOURCE`]: mostly valid, some slightly broken.
    fn event_line() -> impl Strategy<Value = String> {
        body().prop_flat_map(|mut fields| {
            fields.push(("id", mostly(prop_oneof![any::<u32>().prop_flat_map(|n| string(format!("e{n}"))), Just("7".to_owned()), Just("null".to_owned())].boxed())));
            fields.push(("ts", mostly(datetime())));
            fields.push(("profile", mostly(prop_oneof![12 => string("p1"), 2 => string(LONG_ID), 1 => string("nobody"), 1 => Just("42".to_owned()), 1 => Just("-7".to_owned())].boxed())));
            // A field the type does not take, now and then.
            fields.push(("when", string("now")));
            fields.push(("content", string("Hello")));
            // The last two are rare.
            let rare = fields.len() - 2;
            let parts: Vec<BoxedStrategy<Vec<(&'static str, String)>>> = fields
                .into_iter()
                .enumerate()
                .map(|(i, (key, value))| {
                    let w = if i >= rare { 1 } else { 400 };
                    let once = value.clone().prop_map(move |v| vec![(key, v)]);
                    let twice = (value.clone(), value).prop_map(move |(a, b)| vec![(key, a), (key, b)]);
                    prop_oneof![if w == 1 { 100 } else { 4 } => Just(Vec::new()), w => once, 1 => twice].boxed()
                })
                .collect();
            (parts, prop::collection::vec(space(), 10))
                .prop_flat_map(|(parts, spaces)| {
                    let pairs: Vec<(&'static str, String)> = parts.into_iter().flatten().collect();
                    (Just(pairs).prop_shuffle(), Just(spaces))
                })
                .prop_map(|(pairs, spaces)| {
                    let fields: Vec<String> = pairs
                        .iter()
                        .enumerate()
                        .map(|(i, (k, v))| {
                            let s = spaces[i % 9];
                            format!("{s}\"{k}\"{s}:{s}{v}{s}")
                        })
                        .collect();
                    format!("{}{{{}}}{}", spaces[9], fields.join(","), spaces[8])
                })
        })
    }
}
