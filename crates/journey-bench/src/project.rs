//! Generates a large, realistic Journey project: a profile schema, shared
//! triggers and segments, and journeys spread over many files, each with its own
//! start trigger and messages, using every setting and step of the language.

use std::fmt::Write as _;
use std::path::Path;

use crate::rng::Rng;

const SCHEMA: &str = r#"/// The attributes of a customer profile.
profile {
  email: email
  phone: phone
  push_token: text
  first_name: text
  age: int
  city: text
  subscribed: bool
  signed_up_at: datetime
  loyalty: { tier: text, points: int }
}

/// A store order.
trigger PurchaseCompleted {
  source commerce
  status published
  order_id: text
  revenue: money
}

trigger SurveyCompleted {
  source custom
  status published
  score: int
}

segment Subscribers {
  where profile.subscribed == true
}

segment Unsubscribed {
  where profile.subscribed == false
}

segment Complainers {
  source list
}

segment FrequentBuyers {
  where count(PurchaseCompleted within 90d) >= 3
    and days_since(PurchaseCompleted) <= 30
    and sum(PurchaseCompleted.revenue within 365d) > 500
}
"#;

const CITIES: [&str; 5] = ["Paris", "Lyon", "Lille", "Nantes", "Bordeaux"];
const STAGES: [&str; 4] = ["awareness", "consideration", "conversion", "retention"];

/// Writes one journey, its start trigger and its three messages.
fn journey(out: &mut String, i: usize, rng: &mut Rng) {
    let threshold = rng.below(200);
    let city = rng.pick(&CITIES);
    let _ = write!(
        out,
        r#"
/// Cart abandoned in campaign {i}.
trigger Cart{i} {{
  source custom
  status published
  cart: {{ total: money, items: int, url: text }}
  channel: text
}}

email Reminder{i} {{
  status ready
  subject "You left something in your cart"
  body """
    Hi {{{{profile.first_name}}}},
    your cart is waiting: {{{{trigger.cart.url}}}}
    See you soon in {city}!
  """
}}

sms Nudge{i} {{
  status ready
  text "Your cart is still waiting: {{{{trigger.cart.url}}}}"
}}

push Last{i} {{
  status ready
  title "Last chance"
  body "Your cart expires tonight"
}}

journey Recovery{i} {{
  start on Cart{i} where cart.total > {threshold} and cart.items >= {items}
  goal purchase on PurchaseCompleted target {target}%
  exit on PurchaseCompleted
"#,
        items = 1 + rng.below(3),
        target = 10 + rng.below(60),
    );
    if rng.chance(50) {
        out.push_str("  exclude Complainers\n");
    }
    if rng.chance(30) {
        out.push_str("  suppress Unsubscribed\n");
    }
    if rng.chance(30) {
        let _ = writeln!(out, "  attribution {}d", 1 + rng.below(7));
    }
    if rng.chance(30) {
        let _ = writeln!(out, "  reentry after {}d", 1 + rng.below(30));
    }
    let stage = rng.pick(&STAGES);
    let _ = write!(
        out,
        r#"
  stage {stage} {{
    send Reminder{i} to profile.email
  }}
  if not opened Reminder{i} within 1d {{
    send Nudge{i} to profile.phone
    wait {wait}h
    send Last{i}
  }} else if profile.loyalty.points > {points} and profile.city == "{city}" {{
    exit
  }}
"#,
        wait = 1 + rng.below(48),
        points = rng.below(1000),
    );
    if rng.chance(40) {
        let _ = write!(
            out,
            r#"  split {{
    A 50% {{ wait 2h }}
    B 50% {{ send Nudge{i} to profile.phone }}
  }}
"#
        );
    }
    if rng.chance(30) {
        let _ = write!(
            out,
            r#"  if PurchaseCompleted where revenue > {revenue} within 3d {{
    exit
  }} else if profile in FrequentBuyers {{
    wait 1d12h
  }}
"#,
            revenue = rng.below(300),
        );
    }
    out.push_str("}\n");
}

/// Writes a project of `journeys` journeys over `files` files (plus the shared
/// `schema.journey`) into `dir`, deterministically from `seed`. Returns the total size in bytes.
pub fn generate(dir: &Path, journeys: usize, files: usize, seed: u64) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir.join("journeys"))?;
    std::fs::write(dir.join("schema.journey"), SCHEMA)?;
    let mut total = SCHEMA.len() as u64;
    let files = files.max(1);
    let mut rng = Rng::new(seed);
    let per_file = journeys.div_ceil(files);
    for f in 0..files {
        let mut text = String::with_capacity(per_file * 1200);
        for i in f * per_file..((f + 1) * per_file).min(journeys) {
            journey(&mut text, i, &mut rng);
        }
        total += text.len() as u64;
        std::fs::write(dir.join("journeys").join(format!("part-{f:04}.journey")), text)?;
    }
    Ok(total)
}
