//! `actions.jsonl`: one line per send, written from the messages after the
//! replay (a message holds every field of its line), in chunks, not kept.

use std::io::{self, Write};

use journey_plan::{Action, Channel, Plan};
use journey_time::Timestamp;

use crate::engine::{Message, NO_ADDRESS, Texts};
use crate::input::Catalog;

/// The constant parts of a plan's action lines, escaped once per journey and
/// send node, so that a line is the variable parts written between them:
/// `{"ts","journey","version","profile","step","channel","content","to","message_id"}`.
#[derive(Debug)]
pub(crate) struct ActionParts {
    journeys: Vec<JourneyParts>,
}

#[derive(Debug)]
struct JourneyParts {
    /// `,"journey":..,"version":..,"profile":`.
    head: String,
    /// The start of its message ids, escaped for JSON: `NAME/VERSION/`.
    message_id_prefix: String,
    /// Per node, `,"step":..,"channel":..,"content":..,"to":` (send nodes only).
    steps: Vec<String>,
}

impl JourneyParts {
    /// `PROFILE,"step":..,"channel":..,"content":..,"to":TO`: the part an action
    /// line and a `messages.jsonl` row share, after `"profile":`.
    fn write_who_and_what(&self, buf: &mut Vec<u8>, m: &Message, profile: &str, address: Option<&str>) {
        json_string(buf, profile);
        buf.extend_from_slice(self.steps[m.node as usize].as_bytes());
        match address {
            Some(address) => json_string(buf, address),
            None => buf.extend_from_slice(b"null"),
        }
    }

    /// `,"message_id":"JOURNEY/VERSION/PROFILE/ENTRY/NODE` (without the closing quote).
    fn write_message_id(&self, buf: &mut Vec<u8>, m: &Message, profile: &str) {
        buf.extend_from_slice(b",\"message_id\":\"");
        buf.extend_from_slice(self.message_id_prefix.as_bytes());
        json_inner(buf, profile);
        buf.push(b'/');
        push_number(buf, m.entry);
        buf.push(b'/');
        push_number(buf, m.node);
    }
}

/// The size at which the text written so far goes to the output.
const CHUNK: usize = 1 << 16;

impl ActionParts {
    /// The parts of every journey of `plan`.
    pub(crate) fn of(plan: &Plan, catalog: &Catalog) -> ActionParts {
        let journeys = plan
            .journeys
            .iter()
            .map(|journey| {
                let steps = journey
                    .nodes
                    .iter()
                    .map(|node| match &node.action {
                        Action::Send { content, .. } => {
                            let c = catalog.content(content).unwrap_or(0) as usize;
                            let channel = catalog.channels.get(c).copied().unwrap_or(Channel::Email);
                            let mut step = b",\"step\":".to_vec();
                            json_string(&mut step, &node.step);
                            step.extend_from_slice(
                                format!(",\"channel\":\"{}\",\"content\":", channel.name()).as_bytes(),
                            );
                            json_string(&mut step, catalog.contents.get(c).map_or("", String::as_str));
                            step.extend_from_slice(b",\"to\":");
                            text(step)
                        }
                        _ => String::new(),
                    })
                    .collect();
                let mut head = b",\"journey\":".to_vec();
                json_string(&mut head, &journey.name);
                head.extend_from_slice(format!(",\"version\":{},\"profile\":", journey.version).as_bytes());
                let mut prefix = Vec::new();
                json_inner(&mut prefix, &journey.name);
                prefix.extend_from_slice(format!("/{}/", journey.version).as_bytes());
                JourneyParts { head: text(head), message_id_prefix: text(prefix), steps }
            })
            .collect();
        ActionParts { journeys }
    }

    /// Writes the line of each message of `list`, sent to the profiles `ids`, to `out`.
    pub(crate) fn write(
        &self,
        ids: &Texts,
        addresses: &Texts,
        list: &[Message],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        write_lines(ids, addresses, list, out, |buf, line| {
            let Line { message: m, profile, address, sent } = line;
            let journey = &self.journeys[m.journey as usize];
            buf.extend_from_slice(b"{\"ts\":\"");
            buf.extend_from_slice(sent.as_bytes());
            buf.push(b'"');
            buf.extend_from_slice(journey.head.as_bytes());
            journey.write_who_and_what(buf, m, profile, address);
            journey.write_message_id(buf, m, profile);
            buf.extend_from_slice(b"\"}\n");
            Ok(())
        })
    }
}

impl ActionParts {
    /// Writes the `messages.jsonl` row of each message of `list` to `out`:
    /// the bytes serde_json writes for a `RecipientRow` (the same fields, in
    /// order), from the parts the action lines share with it.
    pub(crate) fn write_rows(
        &self,
        ids: &Texts,
        addresses: &Texts,
        list: &[Message],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        write_lines(ids, addresses, list, out, |buf, line| {
            let Line { message: m, profile, address, sent } = line;
            let journey = &self.journeys[m.journey as usize];
            buf.push(b'{');
            // The head starts with the comma that follows `ts` in an action line.
            buf.extend_from_slice(&journey.head.as_bytes()[1..]);
            journey.write_who_and_what(buf, m, profile, address);
            buf.extend_from_slice(b",\"sent\":\"");
            buf.extend_from_slice(sent.as_bytes());
            buf.push(b'"');
            journey.write_message_id(buf, m, profile);
            let flag = |buf: &mut Vec<u8>, name: &[u8], value: bool| {
                buf.extend_from_slice(name);
                buf.extend_from_slice(if value { b"true" } else { b"false" });
            };
            let count = |buf: &mut Vec<u8>, name: &[u8], value: u32| {
                buf.extend_from_slice(name);
                push_number(buf, value);
            };
            buf.push(b'"');
            flag(buf, b",\"delivered\":", m.delivered());
            flag(buf, b",\"bounced\":", m.bounced);
            flag(buf, b",\"undelivered\":", m.undelivered);
            flag(buf, b",\"opened\":", m.opened);
            count(buf, b",\"opens\":", m.opens);
            flag(buf, b",\"clicked\":", m.clicked);
            count(buf, b",\"clicks\":", m.clicks);
            flag(buf, b",\"unsubscribed\":", m.unsubscribed);
            count(buf, b",\"abuse_reports\":", m.spam_reports);
            buf.extend_from_slice(b"}\n");
            Ok(())
        })
    }
}

/// A message with the texts its line needs.
pub(crate) struct Line<'a> {
    pub message: &'a Message,
    /// The id of the profile it was sent to.
    pub profile: &'a str,
    /// Where it went, if anywhere.
    pub address: Option<&'a str>,
    /// When it was sent, as RFC 3339 text.
    pub sent: &'a str,
}

/// Writes one line per message of `list` to `out`, in send order: `line` adds
/// a message's line to the buffer, flushed to `out` in chunks of about 64 KB.
/// The output files of a run (`actions.jsonl`, `messages.jsonl`) are written so.
pub(crate) fn write_lines(
    ids: &Texts,
    addresses: &Texts,
    list: &[Message],
    out: &mut dyn Write,
    mut line: impl FnMut(&mut Vec<u8>, Line<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    let mut time = SendTime::default();
    for batch in list.chunks(BATCH) {
        let texts = batch_texts(ids, addresses, batch);
        for (message, (profile, address)) in batch.iter().zip(texts) {
            line(&mut buf, Line { message, profile, address, sent: time.text(message.ts) })?;
        }
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// How many messages have their texts looked up together.
const BATCH: usize = 16;

/// The profile id and the address of each message of `batch` (at most
/// [`BATCH`]). The texts of random profiles are mostly not in the cache: looked
/// up together, before any line is written, their cache misses overlap instead
/// of coming one after the other.
fn batch_texts<'t>(ids: &'t Texts, addresses: &'t Texts, batch: &[Message]) -> [(&'t str, Option<&'t str>); BATCH] {
    let mut texts = [("", None); BATCH];
    let mut first_bytes = 0u8;
    for (text, m) in texts.iter_mut().zip(batch) {
        let id = ids.get(m.profile);
        let address = (m.to != NO_ADDRESS).then(|| addresses.get(m.to));
        // Reading a byte of each text brings it into the cache now.
        first_bytes ^= id.as_bytes().first().copied().unwrap_or(0);
        first_bytes ^= address.and_then(|a| a.as_bytes().first().copied()).unwrap_or(0);
        *text = (id, address);
    }
    std::hint::black_box(first_bytes);
    texts
}

/// The text of send times (RFC 3339, as [`Timestamp`] writes it), remade only
/// when the time changes (sends come in bursts at one instant), and then
/// without formatting the date again within a day.
#[derive(Debug, Default)]
struct SendTime {
    ts: Option<i64>,
    text: String,
    /// The day of `date`, and `YYYY-MM-DDT` (empty for years not of four digits).
    day: Option<i64>,
    date: String,
}

const MS_PER_DAY: i64 = 86_400_000;

impl SendTime {
    /// The text of `ts`.
    fn text(&mut self, ts: i64) -> &str {
        if self.ts == Some(ts) {
            return &self.text;
        }
        self.ts = Some(ts);
        let day = ts.div_euclid(MS_PER_DAY);
        if self.day != Some(day) {
            self.day = Some(day);
            let midnight = Timestamp(day * MS_PER_DAY).to_string();
            self.date.clear();
            if midnight.len() == "2026-11-02T00:00:00Z".len() {
                self.date.push_str(&midnight[..11]);
            }
        }
        self.text.clear();
        if self.date.is_empty() {
            self.text = Timestamp(ts).to_string();
            return &self.text;
        }
        let ms = ts.rem_euclid(MS_PER_DAY);
        let (seconds, millis) = (ms / 1000, ms % 1000);
        let two = |n: i64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let mut time = Vec::with_capacity(13);
        time.extend_from_slice(&two(seconds / 3600));
        time.push(b':');
        time.extend_from_slice(&two(seconds / 60 % 60));
        time.push(b':');
        time.extend_from_slice(&two(seconds % 60));
        if millis != 0 {
            time.extend_from_slice(&[b'.', b'0' + (millis / 100) as u8, b'0' + (millis / 10 % 10) as u8]);
            time.push(b'0' + (millis % 10) as u8);
        }
        time.push(b'Z');
        self.text.push_str(&self.date);
        self.text.push_str(std::str::from_utf8(&time).unwrap_or_default());
        &self.text
    }
}

/// Text made of whole strings and ASCII: always UTF-8.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_default()
}

/// Writes `text` as a JSON string, as serde_json writes it (only `"`, `\\` and
/// control characters are escaped); without a copy when nothing needs escaping.
fn json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    json_inner(out, text);
    out.push(b'"');
}

/// Writes `text` escaped for the inside of a JSON string. Escaping works
/// character by character, so parts of a string can be escaped separately.
fn json_inner(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(text.as_bytes());
    } else {
        let quoted = serde_json::to_string(text).unwrap_or_default();
        out.extend_from_slice(&quoted.as_bytes()[1..quoted.len() - 1]);
    }
}

/// Writes a number in decimal.
fn push_number(out: &mut Vec<u8>, n: u32) {
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
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_times_read_as_timestamps_write_them() {
        let mut time = SendTime::default();
        let day = MS_PER_DAY;
        let instants = [
            0,
            1,
            999,
            1000,
            day - 1,
            day,
            day + 3_600_000 + 61_250,
            day + 3_600_000 + 61_250,
            1_793_000_000_000,
            1_793_000_000_007,
            -1,
            -day - 1,
            253_402_300_799_999,
            253_402_300_800_000,
            -62_167_219_200_001,
        ];
        for ts in instants {
            assert_eq!(time.text(ts), Timestamp(ts).to_string(), "{ts}");
        }
    }
}
