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
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
        // Sends come in bursts at one instant: the time text is made once a burst.
        let mut ts = (i64::MIN, String::new());
        for m in list {
            let journey = &self.journeys[m.journey as usize];
            let profile = ids.get(m.profile);
            if ts.0 != m.ts {
                ts = (m.ts, Timestamp(m.ts).to_string());
            }
            buf.extend_from_slice(b"{\"ts\":\"");
            buf.extend_from_slice(ts.1.as_bytes());
            buf.push(b'"');
            buf.extend_from_slice(journey.head.as_bytes());
            json_string(&mut buf, profile);
            buf.extend_from_slice(journey.steps[m.node as usize].as_bytes());
            match m.to {
                NO_ADDRESS => buf.extend_from_slice(b"null"),
                address => json_string(&mut buf, addresses.get(address)),
            }
            buf.extend_from_slice(b",\"message_id\":\"");
            buf.extend_from_slice(journey.message_id_prefix.as_bytes());
            json_inner(&mut buf, profile);
            buf.push(b'/');
            push_number(&mut buf, m.entry);
            buf.push(b'/');
            push_number(&mut buf, m.node);
            buf.extend_from_slice(b"\"}\n");
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        out.write_all(&buf)
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
