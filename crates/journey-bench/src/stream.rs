//! The streaming replay benchmark of issue 13: a generator of one journey's
//! project and data (seeded, the same bytes on every run), and a harness that
//! times, on one core and side by side, a serde_json typed parse of the events
//! file and the replay by `journey run` as a child process (wall time, peak RSS).
//!
//! The journey: `CartAbandoned` starts it; an email; if it is not opened within
//! a day, an SMS, a day's wait and a push; `OrderPlaced` (commerce) is the goal
//! and an exit. Events: 45% start triggers, 30% opens, 15% clicks, 10% orders,
//! spread over 30 days. Opens and clicks name a message the journey will have sent
//! to that profile (a model of the journey per profile, as in `run_data`), so
//! most match. Events carry no `id` unless `ids` is asked for (then `e1`, `e2`, ...
//! in time order), so the replay's duplicate check is not exercised by default.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use journey_time::Timestamp;
use serde::Deserialize;

use crate::rng::Rng;

const SCHEMA: &str = r#"// Streaming benchmark: the shop's data model.

/// A shop customer, with an address on every channel.
profile {
  email: email
  phone: phone
  push_token: text
  first_name: text
}

/// Fired by the web shop when a customer leaves with items still in the cart.
trigger CartAbandoned {
  source custom
  status published
  cart: { total: money, url: text }
}

/// Fired by the store for every order.
trigger OrderPlaced {
  source commerce
  status published
  revenue: money
}
"#;

const CONTENT: &str = r#"// Streaming benchmark: the three reminders.

email CartReminder {
  status ready
  subject "You left something in your cart"
  body "Hi {{profile.first_name}}, your cart is waiting: {{trigger.cart.url}}"
}

sms CartReminderSms {
  status ready
  text "Your cart is still waiting: {{trigger.cart.url}}"
}

push CartReminderPush {
  status ready
  title "Last chance"
  body "Your cart expires tonight"
}
"#;

const JOURNEY: &str = r#"// Streaming benchmark: the journey.

/// Email, then an SMS if the email is not opened within a day, then a push a day later.
journey CartRecovery {
  start on CartAbandoned
  goal purchase on OrderPlaced target 20%
  exit on OrderPlaced

  send CartReminder to profile.email
  if not opened CartReminder within 1d {
    send CartReminderSms to profile.phone
    wait 1d
    send CartReminderPush
  }
}
"#;

/// The generator's version, in the name of the data folders the harness reuses:
/// bump it when the bytes it writes change.
const GENERATOR: u32 = 1;

/// 2026-11-01T00:00:00Z, the start of the 30 days, in milliseconds.
const T0: i64 = 1_793_491_200_000;
const SECOND: i64 = 1_000;
const DAY: i64 = 24 * 3_600 * SECOND;
/// The events are spread over 30 days.
const SPAN: i64 = 30 * DAY;

const FIRST_NAMES: [&str; 8] = ["Ana", "Ben", "Chloé", "David", "Emma", "Farid", "Gina", "Hugo"];

/// What an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `CartAbandoned`, with the cart total in cents.
    Trigger,
    /// `email.opened` of `CartReminder`.
    EmailOpened,
    /// `push.opened` of `CartReminderPush`.
    PushOpened,
    /// `email.clicked` of `CartReminder`.
    EmailClicked,
    /// `sms.clicked` of `CartReminderSms`.
    SmsClicked,
    /// `OrderPlaced`, with the revenue in cents.
    Order,
}

/// One generated event, kept small so that 10M of them fit (24 bytes each).
#[derive(Clone, Copy)]
struct Event {
    ts: i64,
    profile: u32,
    /// The cart total or the revenue in cents; a cart number for the URL.
    amount: u32,
    kind: Kind,
}

/// The journey as far as one profile's events tell: where the profile is, and
/// which messages it has been sent (so that opens and clicks name one of them).
#[derive(Default)]
struct Model {
    /// Waiting for the email to be opened until this instant.
    open_deadline: Option<i64>,
    /// In the `wait 1d` after the SMS, until this instant.
    wait_end: Option<i64>,
    email_sent: bool,
    sms_sent: bool,
    push_sent: bool,
}

impl Model {
    /// The deadlines due before an event at `t` (at one instant, events come first).
    fn advance(&mut self, t: i64) {
        if let Some(deadline) = self.open_deadline
            && deadline < t
        {
            self.open_deadline = None;
            self.sms_sent = true;
            self.wait_end = Some(deadline + DAY);
        }
        if let Some(end) = self.wait_end
            && end < t
        {
            self.wait_end = None;
            self.push_sent = true;
        }
    }

    fn in_journey(&self) -> bool {
        self.open_deadline.is_some() || self.wait_end.is_some()
    }

    /// An event of kind `roll` (0-99) at `t`: an open or a click names a message
    /// already sent when there is one.
    fn event(&mut self, t: i64, roll: u64, rng: &mut Rng) -> (Kind, u32) {
        self.advance(t);
        match roll {
            0..45 => {
                if !self.in_journey() {
                    self.email_sent = true;
                    self.open_deadline = Some(t + DAY);
                }
                (Kind::Trigger, 1_000 + rng.below(29_000) as u32)
            }
            45..75 => {
                let kind = if self.push_sent && (!self.email_sent || rng.chance(40)) {
                    Kind::PushOpened
                } else {
                    Kind::EmailOpened
                };
                if kind == Kind::EmailOpened && self.open_deadline.is_some() {
                    // The open ends the journey: the `if not opened` branch is not taken.
                    self.open_deadline = None;
                }
                (kind, 0)
            }
            75..90 => {
                let kind = if self.sms_sent && (!self.email_sent || rng.chance(40)) {
                    Kind::SmsClicked
                } else {
                    Kind::EmailClicked
                };
                if kind == Kind::EmailClicked && self.open_deadline.is_some() {
                    self.open_deadline = None;
                }
                (kind, 0)
            }
            _ => {
                self.open_deadline = None;
                self.wait_end = None;
                (Kind::Order, 500 + rng.below(40_000) as u32)
            }
        }
    }
}

/// Splits `events` over `profiles`: 1 to about twice the mean each, adding up exactly.
fn budgets(profiles: usize, events: usize, rng: &mut Rng) -> Vec<usize> {
    let mean = (events / profiles.max(1)).max(1);
    let mut budgets: Vec<usize> = (0..profiles).map(|_| 1 + rng.below((2 * mean - 1) as u64) as usize).collect();
    let mut total: usize = budgets.iter().sum();
    let mut i = 0;
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

/// The events of profile `p` (`budget` of them), in time order, at distinct
/// instants: their kinds are drawn first (45/30/15/10), the first start trigger
/// moved to the front.
fn profile_events(p: u32, budget: usize, rng: &mut Rng, out: &mut Vec<Event>) {
    let mut times: Vec<i64> = (0..budget).map(|_| T0 + rng.below((SPAN / SECOND) as u64) as i64 * SECOND).collect();
    times.sort_unstable();
    // A profile's events have distinct instants, so that any order of the lines,
    // stably sorted, replays to the same report.
    for i in 1..times.len() {
        times[i] = times[i].max(times[i - 1] + SECOND);
    }
    let mut rolls: Vec<u64> = (0..budget).map(|_| rng.below(100)).collect();
    if let Some(first_trigger) = rolls.iter().position(|r| *r < 45) {
        rolls.swap(0, first_trigger);
    }
    let mut model = Model::default();
    for (t, roll) in times.into_iter().zip(rolls) {
        let (kind, amount) = model.event(t, roll, rng);
        out.push(Event { ts: t, profile: p, amount, kind });
    }
}

/// Writes one event line.
fn event_line(line: &mut String, e: &Event, id: Option<usize>) {
    line.clear();
    line.push('{');
    if let Some(id) = id {
        let _ = write!(line, r#""id":"e{id}","#);
    }
    let _ = write!(line, r#""ts":"{}","profile":"c{}","type":""#, Timestamp(e.ts), e.profile);
    let cents = |c: u32| format!("{}.{:02}", c / 100, c % 100);
    let _ = match e.kind {
        Kind::Trigger => write!(
            line,
            r#"CartAbandoned","data":{{"cart":{{"total":{},"url":"https://shop.example.com/cart/{}-{}"}}}}}}"#,
            cents(e.amount),
            e.profile,
            e.amount
        ),
        Kind::EmailOpened => write!(line, r#"email.opened","content":"CartReminder"}}"#),
        Kind::PushOpened => write!(line, r#"push.opened","content":"CartReminderPush"}}"#),
        Kind::EmailClicked => write!(line, r#"email.clicked","content":"CartReminder"}}"#),
        Kind::SmsClicked => write!(line, r#"sms.clicked","content":"CartReminderSms"}}"#),
        Kind::Order => write!(line, r#"OrderPlaced","data":{{"revenue":{}}}}}"#, cents(e.amount)),
    };
    line.push('\n');
}

/// What [`generate`] wrote.
pub struct Written {
    /// The events files: in time order, and the same lines shuffled.
    pub sorted: PathBuf,
    /// The same lines shuffled (seeded).
    pub unsorted: PathBuf,
    /// The profiles file.
    pub profiles: PathBuf,
    /// Bytes of the events file.
    pub event_bytes: u64,
}

/// Writes the project (`schema.journey`, `content.journey`, `journey.journey`),
/// `profiles.jsonl`, `events.jsonl` (sorted by `ts`, a profile's events in
/// their order) and `events-unsorted.jsonl` (the same lines shuffled) into `out`.
pub fn generate(out: &Path, profiles: usize, events: usize, seed: u64, ids: bool) -> std::io::Result<Written> {
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("schema.journey"), SCHEMA)?;
    std::fs::write(out.join("content.journey"), CONTENT)?;
    std::fs::write(out.join("journey.journey"), JOURNEY)?;
    let mut rng = Rng::new(seed);
    let profiles_path = out.join("profiles.jsonl");
    let mut file = BufWriter::new(File::create(&profiles_path)?);
    for i in 0..profiles {
        let name = rng.pick(&FIRST_NAMES);
        writeln!(
            file,
            r#"{{"id":"c{i}","email":"c{i}@example.com","phone":"+336{i:08}","push_token":"fcm-{i}","first_name":"{name}"}}"#
        )?;
    }
    file.flush()?;
    let mut list: Vec<Event> = Vec::with_capacity(events);
    for (p, budget) in budgets(profiles, events, &mut rng).into_iter().enumerate() {
        profile_events(p as u32, budget, &mut rng, &mut list);
    }
    // Stable: a profile's events keep their order; ties between profiles by profile number.
    list.sort_by_key(|e| e.ts);
    let write = |path: &Path, order: &mut dyn Iterator<Item = usize>| -> std::io::Result<u64> {
        let mut file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let mut line = String::new();
        let mut bytes = 0;
        for i in order {
            event_line(&mut line, &list[i], ids.then_some(i + 1));
            file.write_all(line.as_bytes())?;
            bytes += line.len() as u64;
        }
        file.flush()?;
        Ok(bytes)
    };
    let sorted = out.join("events.jsonl");
    let event_bytes = write(&sorted, &mut (0..list.len()))?;
    // Fisher-Yates, seeded.
    let mut order: Vec<usize> = (0..list.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let unsorted = out.join("events-unsorted.jsonl");
    write(&unsorted, &mut order.into_iter())?;
    Ok(Written { sorted, unsorted, profiles: profiles_path, event_bytes })
}

/// The cart of a `CartAbandoned` event.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Cart {
    total: Option<f64>,
    url: Option<String>,
}

/// The `data` of an event, typed.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Data {
    cart: Option<Cart>,
    revenue: Option<f64>,
}

/// An event line as a typed, owned serde_json parse reads it (the reference speed).
#[derive(Deserialize)]
#[allow(dead_code)]
struct TypedEvent {
    id: Option<String>,
    ts: String,
    profile: String,
    #[serde(rename = "type")]
    kind: String,
    content: Option<String>,
    data: Option<Data>,
}

/// Reads `events` whole, then parses every line into a [`TypedEvent`]; returns the lines parsed.
pub fn typed_parse(events: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(events).map_err(|e| format!("{}: {e}", events.display()))?;
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let event: TypedEvent =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", events.display(), i + 1))?;
        std::hint::black_box(&event);
        n += 1;
    }
    Ok(n)
}

/// Pins this process (and the children it starts) to CPU 0; false where the system refuses.
fn pin_to_one_core() -> bool {
    // SAFETY: `set` is a zeroed cpu_set_t owned here, passed with its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// One replay: wall time, CPU time (user and system) and peak RSS in bytes of the child.
fn replay_once(
    journey: &Path,
    project: &Path,
    profiles: &Path,
    events: &Path,
    out: &Path,
) -> Result<(Duration, Duration, u64), String> {
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let log_path = out.with_extension("stderr.txt");
    let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let mut command = Command::new(journey);
    command
        .arg("run")
        .arg(project)
        .arg("--profiles")
        .arg(profiles)
        .arg("--events")
        .arg(events)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(log);
    child_usage(&mut command, "journey run").map_err(|e| {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        format!("{e} on {}: {}", events.display(), text.trim())
    })
}

/// Runs `command` to its end: wall time, CPU time (user and system) and peak RSS in bytes.
fn child_usage(command: &mut Command, what: &str) -> Result<(Duration, Duration, u64), String> {
    let start = Instant::now();
    let child = command.spawn().map_err(|e| {
        format!("cannot start {what}: {e}; build it with `cargo build --release -p journey-cli -p journey-bench`")
    })?;
    let mut status = 0;
    // SAFETY: a zeroed rusage filled by wait4 for the child just started (std does not reap it).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    if pid < 0 {
        return Err(format!("waiting for {what}: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{what} failed"));
    }
    let seconds = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    // ru_maxrss is in kilobytes on Linux.
    Ok((elapsed, seconds(usage.ru_utime) + seconds(usage.ru_stime), usage.ru_maxrss as u64 * 1024))
}

/// A scenario's figures.
struct Figures {
    name: &'static str,
    profiles: usize,
    events: usize,
    bytes: u64,
    parse: Duration,
    replay: Duration,
    /// User and system time of the best replay (the rest of the wall time is waiting, mostly for the disk).
    cpu: Duration,
    rss: u64,
}

impl Figures {
    fn parse_speed(&self) -> f64 {
        self.events as f64 / self.parse.as_secs_f64()
    }
    fn replay_speed(&self) -> f64 {
        self.events as f64 / self.replay.as_secs_f64()
    }
}

/// The benchmark's settings (the `stream` subcommand's flags).
pub struct Settings {
    /// Profiles of the base scenario.
    pub profiles: usize,
    /// Events of the base scenario.
    pub events: usize,
    /// How many times the base's events the large scenarios (`events10x`, `profiles`, `unsorted`) have.
    pub scale: usize,
    /// Profiles of the large-profile scenario.
    pub big_profiles: usize,
    /// Scenarios to run: `base`, `events10x`, `profiles`, `unsorted`.
    pub scenarios: Vec<String>,
    /// Runs per measure of the base scenario; the best is kept.
    pub runs: usize,
    /// Runs per measure of the large scenarios.
    pub large_runs: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Give events ids.
    pub ids: bool,
    /// Where data and run outputs go (data is generated once per size and seed).
    pub work: PathBuf,
    /// The `journey` binary.
    pub journey: PathBuf,
}

/// The data of `profiles` × `events`, generated unless already there.
fn data(s: &Settings, profiles: usize, events: usize) -> Result<Written, String> {
    let ids = if s.ids { "-ids" } else { "" };
    let dir = s.work.join(format!("g{GENERATOR}-p{profiles}-e{events}-s{}{ids}", s.seed));
    let stamp = dir.join("complete");
    if stamp.exists() {
        let sorted = dir.join("events.jsonl");
        let event_bytes = std::fs::metadata(&sorted).map(|m| m.len()).unwrap_or(0);
        return Ok(Written {
            unsorted: dir.join("events-unsorted.jsonl"),
            profiles: dir.join("profiles.jsonl"),
            sorted,
            event_bytes,
        });
    }
    eprintln!("generating {profiles} profiles and {events} events in {}", dir.display());
    let written =
        generate(&dir, profiles, events, s.seed, s.ids).map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
    std::fs::write(&stamp, "").map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(written)
}

/// Measures one scenario: the typed parse and the replay of `events`, best of `runs` each.
fn measure(
    s: &Settings,
    name: &'static str,
    profiles: usize,
    events: usize,
    unsorted: bool,
    runs: usize,
) -> Result<Figures, String> {
    let written = data(s, profiles, events)?;
    let file = if unsorted { &written.unsorted } else { &written.sorted };
    let project = written.profiles.parent().unwrap_or(Path::new(".")).to_path_buf();
    eprintln!("{name}: typed parse of {}", file.display());
    // In a child process, as the replay: memory this process held before starting
    // a child would count in the child's peak RSS (Linux carries the high-water
    // mark of the memory it starts from), and the typed parse reads the file whole.
    let mut parse = Duration::MAX;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this benchmark's binary: {e}"))?;
    for _ in 0..runs.max(1) {
        let (_, cpu, _) =
            child_usage(Command::new(&exe).arg("typed-parse").arg(file).stdout(Stdio::null()), "typed parse")?;
        parse = parse.min(cpu);
    }
    let mut replay = Duration::MAX;
    let mut cpu = Duration::ZERO;
    let mut rss = 0;
    for run in 0..runs.max(1) {
        eprintln!("{name}: replay {}/{}", run + 1, runs.max(1));
        let out = s.work.join(format!("out-{name}"));
        let (time, cpu_time, peak) = replay_once(&s.journey, &project, &written.profiles, file, &out)?;
        if time < replay {
            replay = time;
            cpu = cpu_time;
        }
        rss = rss.max(peak);
    }
    Ok(Figures { name, profiles, events, bytes: written.event_bytes, parse, replay, cpu, rss })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn yes_no(ok: bool) -> &'static str {
    if ok { "**yes**" } else { "no" }
}

/// Runs the scenarios and prints a Markdown table and the targets of issue 13.
pub fn run(s: &Settings) -> Result<(), String> {
    let pinned = pin_to_one_core();
    let big_events = s.events * s.scale;
    let mut figures: Vec<Figures> = Vec::new();
    for scenario in &s.scenarios {
        let f = match scenario.as_str() {
            "base" => measure(s, "base", s.profiles, s.events, false, s.runs)?,
            "events10x" => measure(s, "events10x", s.profiles, big_events, false, s.large_runs)?,
            "profiles" => measure(s, "profiles", s.big_profiles, big_events, false, s.large_runs)?,
            "unsorted" => measure(s, "unsorted", s.profiles, big_events, true, s.large_runs)?,
            other => {
                return Err(format!(
                    "unknown scenario `{other}`; the scenarios are base, events10x, profiles, unsorted"
                ));
            }
        };
        figures.push(f);
    }
    println!(
        "best of {} runs (base), {} (larger scenarios); {}; replay: `{} run PROJECT --profiles P --events E --out D` as a child process\n",
        s.runs.max(1),
        s.large_runs.max(1),
        if pinned {
            "pinned to CPU 0 (sched_setaffinity, as `taskset -c 0`)"
        } else {
            "NOT pinned to one core (sched_setaffinity refused)"
        },
        s.journey.display()
    );
    println!(
        "| scenario | profiles | events | input | serde_json typed parse | replay (wall) | replay CPU (user + sys) | replay / parse speed | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in &figures {
        println!(
            "| {}{} | {} | {} | {:.0} MB | {:.2} s, {:.2} M events/s | {:.2} s, {:.2} M events/s | {:.2} s | {:.2}x | {:.0} MiB |",
            f.name,
            if f.name == "unsorted" { " (shuffled lines)" } else { "" },
            f.profiles,
            f.events,
            f.bytes as f64 / 1e6,
            f.parse.as_secs_f64(),
            f.parse_speed() / 1e6,
            f.replay.as_secs_f64(),
            f.replay_speed() / 1e6,
            f.cpu.as_secs_f64(),
            f.replay_speed() / f.parse_speed(),
            mib(f.rss),
        );
    }
    let find = |name: &str| figures.iter().find(|f| f.name == name);
    println!("\n| target (issue 13) | figure | met |");
    println!("|---|---|---|");
    if let Some(base) = find("base") {
        let ratio = base.replay_speed() / base.parse_speed();
        println!("| replay at least 1.0x the typed parse (base) | {ratio:.2}x | {} |", yes_no(ratio >= 1.0));
    }
    if let (Some(base), Some(big)) = (find("base"), find("events10x")) {
        let growth = big.rss as f64 / base.rss as f64 - 1.0;
        println!(
            "| peak RSS with {}x the events within 10% | {:.0} → {:.0} MiB ({:+.0}%) | {} |",
            s.scale,
            mib(base.rss),
            mib(big.rss),
            growth * 100.0,
            yes_no(growth <= 0.10)
        );
    }
    if let Some(big) = find("profiles") {
        println!(
            "| {} profiles × {} events under 1 GiB | {:.0} MiB | {} |",
            big.profiles,
            big.events,
            mib(big.rss),
            yes_no(big.rss < 1 << 30)
        );
    }
    if let (Some(sorted), Some(unsorted)) = (find("events10x"), find("unsorted")) {
        let report = |name: &str| {
            let path = s.work.join(format!("out-{name}")).join("report.json");
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            serde_json::from_str::<serde_json::Value>(&text).ok().map(|r| (r["input"].clone(), r["journeys"].clone()))
        };
        let same = report("events10x").is_some() && report("events10x") == report("unsorted");
        println!("| unsorted replays to the same report as sorted (input and journeys) | | {} |", yes_no(same));
        let ratio = unsorted.replay.as_secs_f64() / sorted.replay.as_secs_f64();
        println!("| unsorted under 3x the sorted time | {ratio:.2}x | {} |", yes_no(ratio < 3.0));
        let growth = unsorted.rss as f64 / sorted.rss as f64 - 1.0;
        println!(
            "| unsorted in the same memory bound (within 10% of sorted) | {:.0} vs {:.0} MiB | {} |",
            mib(unsorted.rss),
            mib(sorted.rss),
            yes_no(growth <= 0.10)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use journey_check::{Mode, Project, check, discover};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("journey-bench-stream-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_generator_writes_the_same_bytes_every_time_and_a_project_that_checks() {
        let (a, b) = (scratch("a"), scratch("b"));
        let wa = generate(&a, 100, 1_000, 7, false).expect("written");
        generate(&b, 100, 1_000, 7, false).expect("written");
        for file in ["profiles.jsonl", "events.jsonl", "events-unsorted.jsonl", "journey.journey"] {
            assert_eq!(std::fs::read(a.join(file)).ok(), std::fs::read(b.join(file)).ok(), "{file}");
        }
        let paths = discover(&a).expect("a project");
        let texts = paths.iter().map(|p| (p.clone(), std::fs::read_to_string(p).expect("readable")));
        let analysis = check(&Project::from_texts(texts), Mode::Publish);
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);

        let sorted = std::fs::read_to_string(&wa.sorted).expect("events");
        let lines: Vec<&str> = sorted.lines().collect();
        assert_eq!(lines.len(), 1_000);
        assert_eq!(std::fs::read_to_string(&wa.profiles).expect("profiles").lines().count(), 100);
        // In time order (the timestamp is the first field without ids), and no id;
        // a profile's events at distinct instants.
        let ts = |l: &str| l[7..27].to_owned();
        assert!(lines.windows(2).all(|w| ts(w[0]) <= ts(w[1])));
        let profile = |l: &str| l.split("\"profile\":\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned);
        let mut instants: Vec<(Option<String>, String)> = lines.iter().map(|l| (profile(l), ts(l))).collect();
        assert!(instants.iter().all(|(p, _)| p.is_some()));
        let count = instants.len();
        instants.sort_unstable();
        instants.dedup();
        assert_eq!(instants.len(), count);
        assert!(lines.iter().all(|l| !l.contains("\"id\"")));
        // The unsorted copy holds the same lines, in another order.
        let unsorted = std::fs::read_to_string(&wa.unsorted).expect("events");
        assert_ne!(unsorted, sorted);
        let (mut x, mut y): (Vec<&str>, Vec<&str>) = (unsorted.lines().collect(), lines.clone());
        x.sort_unstable();
        y.sort_unstable();
        assert_eq!(x, y);
        // The mix: 45% triggers, 30% opens, 15% clicks, 10% orders (within 4 points on 1,000).
        let share = |what: &[&str]| {
            lines.iter().filter(|l| what.iter().any(|w| l.contains(w))).count() as f64 / lines.len() as f64
        };
        assert!((share(&["CartAbandoned"]) - 0.45).abs() < 0.04);
        assert!((share(&[".opened"]) - 0.30).abs() < 0.04);
        assert!((share(&[".clicked"]) - 0.15).abs() < 0.04);
        assert!((share(&["OrderPlaced"]) - 0.10).abs() < 0.04);
        // Every line parses as the typed reference does.
        assert_eq!(typed_parse(&wa.sorted), Ok(1_000));
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }

    #[test]
    fn ids_number_the_events_in_time_order() {
        let dir = scratch("ids");
        let w = generate(&dir, 10, 50, 3, true).expect("written");
        let text = std::fs::read_to_string(&w.sorted).expect("events");
        assert!(text.starts_with("{\"id\":\"e1\",\"ts\":"));
        assert!(text.lines().nth(49).is_some_and(|l| l.starts_with("{\"id\":\"e50\",")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_open_within_the_day_ends_the_journey_and_no_sms_is_sent() {
        let mut rng = Rng::new(1);
        let mut m = Model::default();
        assert_eq!(m.event(T0, 0, &mut rng).0, Kind::Trigger);
        assert_eq!(m.event(T0 + DAY, 50, &mut rng).0, Kind::EmailOpened);
        m.advance(T0 + 5 * DAY);
        assert!(!m.sms_sent && !m.push_sent && !m.in_journey());
        // Not opened: the SMS at the deadline, the push a day after it.
        let mut m = Model::default();
        m.event(T0, 0, &mut rng);
        m.advance(T0 + DAY + 1);
        assert!(m.sms_sent && !m.push_sent);
        m.advance(T0 + 2 * DAY + 1);
        assert!(m.push_sent && !m.in_journey());
    }
}
