//! Generates a project and data for the runtime benchmark: three journeys (the
//! abandoned cart of the specification, a browse abandonment with stages, a
//! split and a behavioural segment, a weekly digest to a segment with `every`,
//! `exclude` and `suppress`), `profiles.jsonl` and `events.jsonl`.
//!
//! The events are generated profile by profile, with a small model of the
//! journeys, so that every channel event refers to a message that the run will
//! have sent to that profile before it (the runtime rejects the others); then
//! all events are sorted by time. Seeded: the same on every machine.

use std::fmt::Write as _;
use std::path::Path;

use journey_time::Timestamp;

use crate::rng::Rng;

const SCHEMA: &str = r#"// Runtime benchmark: the shop's data model.

/// A shop customer.
profile {
  email: email
  phone: phone
  push_token: text
  first_name: text
  age: int
  city: text
  subscribed: bool
  loyalty: { tier: text, points: int }
}

/// Fired by the web shop when a customer leaves with items still in the cart.
trigger AbandonedCart {
  source custom
  status published
  cart: { total: money, items: int, url: text }
}

/// Sent by the product page tracker when a signed-in visitor views a product.
trigger ProductViewed {
  source custom
  status published
  product: { sku: text, name: text, category: text, price: money, url: text }
}

/// Fired by the store for every completed order.
trigger PurchaseCompleted {
  source commerce
  status published
  order_id: text
  revenue: money
}

/// Everyone who opted in to the newsletter.
segment Subscribers {
  where profile.subscribed == true
}

/// People who withdrew their consent.
segment Unsubscribed {
  where profile.subscribed == false
}

/// People who reported one of our emails as spam (a list kept by the deliverability team).
segment Complainers {
  source list
}

/// Spent more than 300 over the last year.
segment VipCustomers {
  where sum(PurchaseCompleted.revenue within 365d) > 300
}
"#;

const CONTENT: &str = r#"// Runtime benchmark: messages.

email InitialReminder {
  status ready
  subject "You left something in your cart"
  body "Hi {{profile.first_name}}, your cart is waiting: {{trigger.cart.url}}"
}

sms SecondReminder {
  status ready
  text "Your cart is still waiting: {{trigger.cart.url}}"
}

push FinalNotification {
  status ready
  title "Last chance"
  body "Your cart expires tonight"
}

email StillThinking {
  status ready
  subject "Still thinking about the {{trigger.product.name}}?"
  body "Take another look: {{trigger.product.url}}"
}

email FreeShippingOffer {
  status ready
  subject "Free delivery on your {{trigger.product.name}}"
  body "Order in the next 72 hours and delivery is free."
}

email TenPercentOffer {
  status ready
  subject "10% off the {{trigger.product.name}}"
  body "Use code BACK10 at checkout."
}

sms StillThinkingSms {
  status ready
  text "{{profile.first_name}}, the {{trigger.product.name}} is still available: {{trigger.product.url}}"
}

push LastCallPush {
  status ready
  title "Still on your wish list?"
  body "The {{trigger.product.name}} is selling fast."
}

push VipPush {
  status ready
  title "A gift for our best customers"
  body "Free express delivery on the {{trigger.product.name}}."
}

email Digest {
  status ready
  subject "This week at the shop"
  body "Hello {{profile.first_name}}"
}
"#;

const JOURNEYS: &str = r#"// Runtime benchmark: the journeys.

/// The abandoned cart journey of the specification.
journey AbandonedCartRecovery {
  start on AbandonedCart where cart.total > 50
  goal purchase on PurchaseCompleted target 50%
  exit on PurchaseCompleted

  send InitialReminder to profile.email
  if not opened InitialReminder within 1d {
    send SecondReminder to profile.phone
    wait 1d
    send FinalNotification
  }
}

/// Turns product views into orders.
journey BrowseAbandonment {
  start on ProductViewed where product.price >= 40
  goal purchase on PurchaseCompleted target 20%
  exit on PurchaseCompleted
  reentry after 7d

  stage consideration {
    send StillThinking to profile.email
    if opened StillThinking within 2d {
      split {
        FreeShipping 50% { send FreeShippingOffer to profile.email }
        TenPercentOff 50% { send TenPercentOffer to profile.email }
      }
    } else {
      send StillThinkingSms to profile.phone
    }
  }

  stage conversion {
    wait 3d
    if profile in VipCustomers {
      send VipPush
    } else {
      send LastCallPush
    }
  }
}

/// The weekly digest, to every subscriber not on the complainers list.
journey WeeklyDigest {
  start segment Subscribers every 7d
  exclude Complainers
  suppress Unsubscribed
  goal notify opened target 30%

  send Digest to profile.email
}
"#;

/// 2026-11-01T00:00:00Z, the first event, in milliseconds.
const T0: i64 = 1_793_491_200_000;
const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// The events of a profile start in the first 20 days and mostly end within 28.
const FIRST_WINDOW: i64 = 20 * DAY;
const SPAN: i64 = 28 * DAY;

const FIRST_NAMES: [&str; 8] = ["Ana", "Ben", "Chloé", "David", "Emma", "Farid", "Gina", "Hugo"];
const CITIES: [&str; 6] = ["Paris", "Lyon", "Lille", "Nantes", "Bordeaux", "Marseille"];
const TIERS: [&str; 3] = ["bronze", "silver", "gold"];
const CATEGORIES: [&str; 4] = ["shoes", "coats", "bags", "watches"];

/// What the journeys have sent to one profile so far, as far as the events
/// generated for it tell (a model of the three journeys, enough to know which
/// channel events may be generated).
#[derive(Default)]
struct Model {
    /// In the abandoned cart journey since this instant, still waiting for the open.
    cart: Option<i64>,
    /// In the abandoned cart journey, past the SMS, in its `wait 1d` that ends here.
    cart_wait: Option<i64>,
    initial_sent: bool,
    sms_sent: bool,
    push_sent: bool,
    /// `StillThinking` sent at least once (the first qualifying view always enters).
    browse_sent: bool,
    digest_sent: bool,
    subscribed: bool,
    complainer: bool,
    /// The next digest round not yet accounted for.
    round: i64,
}

impl Model {
    /// Timers and rounds due before an event at `t` (at one instant, events come first).
    fn advance(&mut self, t: i64) {
        while self.round < t {
            if self.subscribed && !self.complainer {
                self.digest_sent = true;
            }
            self.round += 7 * DAY;
        }
        if let Some(entered) = self.cart
            && entered + DAY < t
        {
            self.cart = None;
            self.sms_sent = true;
            self.cart_wait = Some(entered + 2 * DAY);
        }
        if let Some(end) = self.cart_wait
            && end < t
        {
            self.cart_wait = None;
            self.push_sent = true;
        }
    }

    fn in_cart_journey(&self) -> bool {
        self.cart.is_some() || self.cart_wait.is_some()
    }
}

/// The channel events a message of each content may get.
const EMAIL_EVENTS: [&str; 7] = [
    "email.delivered",
    "email.opened",
    "email.opened",
    "email.clicked",
    "email.bounced",
    "email.opened",
    "email.delivered",
];
const SMS_EVENTS: [&str; 4] = ["sms.delivered", "sms.delivered", "sms.clicked", "sms.undelivered"];
const PUSH_EVENTS: [&str; 3] = ["push.delivered", "push.opened", "push.opened"];
const DIGEST_EVENTS: [&str; 8] = [
    "email.delivered",
    "email.opened",
    "email.opened",
    "email.clicked",
    "email.opened",
    "email.bounced",
    "email.unsubscribed",
    "email.spam_reported",
];

struct Writer {
    events: Vec<(i64, String)>,
    next_id: u64,
}

impl Writer {
    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("e{}", self.next_id)
    }

    fn push(&mut self, ts: i64, line: String) {
        self.events.push((ts, line));
    }
}

fn profile_line(out: &mut String, i: usize, rng: &mut Rng, model: &Model) {
    let name = rng.pick(&FIRST_NAMES);
    let _ = write!(out, r#"{{"id":"c{i}","email":"{}.{i}@example.com""#, name.to_lowercase().replace('é', "e"));
    if !rng.chance(5) {
        let _ = write!(out, r#","phone":"+336{:08}""#, i);
    }
    if rng.chance(70) {
        let _ = write!(out, r#","push_token":"fcm-{i}-{:04x}""#, rng.below(65_536));
    }
    let _ = write!(
        out,
        r#","first_name":"{name}","age":{},"city":"{}","subscribed":{},"loyalty":{{"tier":"{}","points":{}}}"#,
        18 + rng.below(60),
        rng.pick(&CITIES),
        model.subscribed,
        rng.pick(&TIERS),
        rng.below(5_000),
    );
    if model.complainer {
        out.push_str(r#","segments":["Complainers"]"#);
    }
    out.push_str("}\n");
}

/// Generates the events of profile `i` (`budget` of them) and its profile line.
fn profile_events(i: usize, budget: usize, rng: &mut Rng, w: &mut Writer, profiles: &mut String) {
    let mut m = Model { subscribed: rng.chance(70), complainer: rng.chance(2), round: T0, ..Model::default() };
    profile_line(profiles, i, rng, &m);
    let p = format!("c{i}");
    // Profile 0 starts at T0, so the run starts there and the digest rounds fall where the model puts them.
    let mut t = if i == 0 { T0 } else { T0 + (rng.below((FIRST_WINDOW / SECOND) as u64) as i64) * SECOND };
    let mean_gap = ((T0 + SPAN - t) / budget.max(1) as i64).max(2 * MINUTE);
    let mut left = budget;
    let mut first = true;
    while left > 0 {
        if !first {
            t += MINUTE + (rng.below(((2 * mean_gap - MINUTE) / SECOND) as u64) as i64) * SECOND;
        }
        m.advance(t);
        let ts = Timestamp(t);
        // The messages that may get a channel event now.
        let mut sent: Vec<(&str, &[&str])> = Vec::new();
        if m.initial_sent {
            sent.push(("InitialReminder", &EMAIL_EVENTS));
        }
        if m.sms_sent {
            sent.push(("SecondReminder", &SMS_EVENTS));
        }
        if m.push_sent {
            sent.push(("FinalNotification", &PUSH_EVENTS));
        }
        if m.browse_sent {
            sent.push(("StillThinking", &EMAIL_EVENTS));
        }
        if m.digest_sent {
            sent.push(("Digest", &DIGEST_EVENTS));
        }
        let roll = rng.below(100);
        if !first && !sent.is_empty() && roll < 45 {
            let (content, kinds) = sent[rng.below(sent.len() as u64) as usize];
            let kind = *rng.pick(kinds);
            let id = if rng.chance(70) { format!(r#""id":"{}","#, w.id()) } else { String::new() };
            let journey = if content == "InitialReminder" && rng.chance(20) {
                r#","journey":"AbandonedCartRecovery""#
            } else {
                ""
            };
            let line = format!(r#"{{{id}"ts":"{ts}","profile":"{p}","type":"{kind}","content":"{content}"{journey}}}"#);
            // An open or a click of the first reminder while the journey waits for it ends the journey.
            if content == "InitialReminder"
                && (kind == "email.opened" || kind == "email.clicked")
                && m.cart.is_some_and(|entered| t <= entered + DAY)
            {
                m.cart = None;
            }
            w.push(t, line.clone());
            // Now and then a client sends an event twice: the copy has the same id and is ignored.
            if !id.is_empty() && left >= 2 && rng.chance(2) {
                t += 30 * SECOND;
                w.push(t, line);
                left -= 1;
            }
        } else if first || roll < 70 {
            if rng.chance(45) {
                let total = (rng.below(30_000) as f64) / 100.0;
                let line = format!(
                    r#"{{"id":"{}","ts":"{ts}","profile":"{p}","type":"AbandonedCart","data":{{"cart":{{"total":{total},"items":{},"url":"https://shop.example.com/cart/{i}-{}"}}}}}}"#,
                    w.id(),
                    1 + rng.below(6),
                    rng.below(1000),
                );
                w.push(t, line);
                if total > 50.0 && !m.in_cart_journey() {
                    m.cart = Some(t);
                    m.initial_sent = true;
                }
            } else {
                let price = (rng.below(20_000) as f64) / 100.0;
                let sku = rng.below(10_000);
                let line = format!(
                    r#"{{"id":"{}","ts":"{ts}","profile":"{p}","type":"ProductViewed","data":{{"product":{{"sku":"SKU-{sku}","name":"Product {sku}","category":"{}","price":{price},"url":"https://shop.example.com/p/{sku}"}}}}}}"#,
                    w.id(),
                    rng.pick(&CATEGORIES),
                );
                w.push(t, line);
                if price >= 40.0 {
                    m.browse_sent = true;
                }
            }
        } else if roll < 82 {
            let revenue = (10 + rng.below(40_000)) as f64 / 100.0;
            let line = format!(
                r#"{{"id":"{}","ts":"{ts}","profile":"{p}","type":"PurchaseCompleted","data":{{"order_id":"o-{}","revenue":{revenue}}}}}"#,
                w.id(),
                rng.below(100_000_000),
            );
            w.push(t, line);
            m.cart = None;
            m.cart_wait = None;
        } else if roll < 97 {
            let data = match rng.below(10) {
                0..=2 => {
                    m.subscribed = !m.subscribed;
                    format!(r#"{{"subscribed":{}}}"#, m.subscribed)
                }
                3..=6 => format!(r#"{{"loyalty":{{"points":{}}}}}"#, rng.below(5_000)),
                _ => format!(r#"{{"city":"{}"}}"#, rng.pick(&CITIES)),
            };
            let line =
                format!(r#"{{"id":"{}","ts":"{ts}","profile":"{p}","type":"profile.updated","data":{data}}}"#, w.id());
            w.push(t, line);
        } else {
            let kind = if m.complainer { "segment.left" } else { "segment.joined" };
            m.complainer = !m.complainer;
            let line = format!(r#"{{"ts":"{ts}","profile":"{p}","type":"{kind}","segment":"Complainers"}}"#);
            w.push(t, line);
        }
        first = false;
        left -= 1;
    }
}

/// Splits `events` over `profiles`: 1 to about twice the mean each, adding up exactly.
fn budgets(profiles: usize, events: usize, rng: &mut Rng) -> Vec<usize> {
    let mean = (events / profiles.max(1)).max(1);
    let mut budgets: Vec<usize> = (0..profiles).map(|_| 1 + rng.below((2 * mean - 1) as u64) as usize).collect();
    let mut total: usize = budgets.iter().sum();
    let mut i = 0;
    // Every profile has at least one event; beyond that, add or remove one at a time.
    while total != events && profiles > 0 && i < 4 * (profiles + events) {
        let b = &mut budgets[i % profiles];
        if total < events {
            *b += 1;
            total += 1;
        } else if *b > 1 {
            *b -= 1;
            total -= 1;
        }
        i += 1;
    }
    budgets
}

/// What [`generate`] wrote.
pub struct Written {
    pub events: usize,
    pub profile_bytes: usize,
    pub event_bytes: usize,
}

/// Writes the project, `profiles.jsonl` and `events.jsonl` into `out`.
pub fn generate(out: &Path, profiles: usize, events: usize, seed: u64) -> std::io::Result<Written> {
    let mut rng = Rng::new(seed);
    let mut writer = Writer { events: Vec::with_capacity(events), next_id: 0 };
    let mut profile_text = String::with_capacity(profiles * 220);
    for (i, budget) in budgets(profiles, events, &mut rng).into_iter().enumerate() {
        profile_events(i, budget, &mut rng, &mut writer, &mut profile_text);
    }
    // Stable: a profile's events keep their order.
    writer.events.sort_by_key(|(ts, _)| *ts);
    let mut event_text = String::with_capacity(writer.events.iter().map(|(_, l)| l.len() + 1).sum());
    for (_, line) in &writer.events {
        event_text.push_str(line);
        event_text.push('\n');
    }
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("schema.journey"), SCHEMA)?;
    std::fs::write(out.join("content.journey"), CONTENT)?;
    std::fs::write(out.join("journeys.journey"), JOURNEYS)?;
    std::fs::write(out.join("profiles.jsonl"), &profile_text)?;
    std::fs::write(out.join("events.jsonl"), &event_text)?;
    Ok(Written { events: writer.events.len(), profile_bytes: profile_text.len(), event_bytes: event_text.len() })
}
