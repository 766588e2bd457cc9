//! Reading an events file (as written by `gen-run`) line by line, one thread:
//! (a) serde_json into an owned, typed struct of the line, the baseline of
//! issue 13; (b) the serde_json reading of `journey run` (an envelope, `data` as
//! a JSON map, typed through the layouts); (c) `journey run`'s reading, whose
//! scanner reads the plain lines. Each reader makes and drops the value of every
//! line: the reading alone, without keeping the events.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use journey_runtime::input::{self, Catalog, Event, Profiles};
use serde::Deserialize;

use crate::runtime::plan_of;

/// An event line as a plain serde_json program would read it: owned, typed.
#[derive(Deserialize)]
#[allow(dead_code)] // Read, not used: the parse is what is measured.
struct TypedEvent {
    id: Option<String>,
    ts: String,
    profile: String,
    #[serde(rename = "type")]
    kind: String,
    content: Option<String>,
    journey: Option<String>,
    segment: Option<String>,
    data: Option<Data>,
}

/// Every data field that `gen-run` writes.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Data {
    cart: Option<Cart>,
    product: Option<Product>,
    order_id: Option<String>,
    revenue: Option<f64>,
    subscribed: Option<bool>,
    loyalty: Option<Loyalty>,
    city: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Cart {
    total: Option<f64>,
    items: Option<i64>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Product {
    sku: Option<String>,
    name: Option<String>,
    category: Option<String>,
    price: Option<f64>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Loyalty {
    tier: Option<String>,
    points: Option<i64>,
}

/// The time this thread has run on a CPU (`/proc/thread-self/schedstat`, in ns):
/// on a shared machine, the time a reading takes without the time others took
/// the core. `None` where the kernel does not tell.
fn on_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

/// A reader of lines: whether it read the line.
type Reader<'a> = Box<dyn FnMut(&str) -> bool + 'a>;

/// One pass of `read` over every line: its time on the CPU (wall time where
/// there is none) and the lines it read.
fn pass(lines: &[&str], read: &mut Reader<'_>) -> (Duration, usize) {
    let (start, cpu) = (Instant::now(), on_cpu());
    let read_lines = lines.iter().filter(|line| read(black_box(line))).count();
    let time = match (cpu, on_cpu()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => start.elapsed(),
    };
    (time, read_lines)
}

/// The best time of each reader over `runs` rounds, each round a pass of every
/// reader in turn (so that a change in the machine's load falls on all alike).
fn best(runs: usize, lines: &[&str], readers: &mut [Reader<'_>]) -> Vec<(Duration, usize)> {
    let mut best = vec![(Duration::MAX, 0); readers.len()];
    for _ in 0..runs.max(1) {
        for (read, best) in readers.iter_mut().zip(&mut best) {
            let (time, read_lines) = pass(lines, read);
            *best = (best.0.min(time), read_lines);
        }
    }
    best
}

/// Whether `event` was read (and dropped).
fn made(event: Option<Event>) -> bool {
    black_box(event).is_some()
}

/// Measures and prints the three readings of the events file.
/// With `only`, times that reader alone, `runs` times, and prints its best time: for profilers.
pub fn run(
    dir: &Path,
    profiles_path: &Path,
    events_path: &Path,
    runs: usize,
    only: Option<&str>,
) -> Result<(), String> {
    let plan = plan_of(dir)?;
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let profile_text = read(profiles_path)?;
    let event_text = read(events_path)?;
    let catalog = Catalog::of(&plan);
    let profiles: Profiles = crate::runtime::read_profiles(&catalog, &profile_text)?;
    let lines: Vec<&str> = event_text.lines().filter(|l| !l.trim().is_empty()).collect();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();

    let typed_read = |line: &str| black_box(serde_json::from_str::<TypedEvent>(line)).is_ok();
    // The same, and the profile's index, which a replay needs and the scanner finds.
    let typed_profile_read = |line: &str| {
        serde_json::from_str::<TypedEvent>(line)
            .is_ok_and(|event| black_box(profiles.index.get(event.profile.as_str())).is_some())
    };
    let serde_read = |line: &str| made(input::read_event_by_serde(&catalog, &profiles, line).ok());
    let scanner_read = |line: &str| made(input::read_event(&catalog, &profiles, line).ok());
    let names = ["typed", "typed-profile", "serde", "scanner"];
    let mut readers: Vec<Reader<'_>> =
        vec![Box::new(typed_read), Box::new(typed_profile_read), Box::new(serde_read), Box::new(scanner_read)];
    if let Some(reader) = only {
        let Some(at) = names.iter().position(|n| *n == reader) else {
            return Err(format!("no reader `{reader}` ({})", names.join(", ")));
        };
        let (time, _) = best(runs, &lines, &mut readers[at..=at])[0];
        println!("{reader}: {:.1}ms", time.as_secs_f64() * 1e3);
        return Ok(());
    }
    let times = best(runs, &lines, &mut readers);
    let typed = times[0];
    let scanned = lines.iter().filter(|line| made(input::read_event_by_scanner(&catalog, &profiles, line))).count();

    println!(
        "{} event lines, {:.1} MB, {} profiles; {scanned} lines read by the scanner, {} declined",
        lines.len(),
        bytes as f64 / 1e6,
        profiles.list.len(),
        lines.len() - scanned
    );
    println!("{:<40} {:>9} {:>9} {:>8} {:>8}", "reader", "best CPU", "ns/line", "MB/s", "vs (a)");
    let shown = [
        "(a) serde_json, typed struct",
        "(a') the same + profile lookup",
        "(b) journey run before (serde_json)",
        "(c) journey run (scanner)",
    ];
    for (name, (time, read)) in shown.into_iter().zip(times) {
        if read != lines.len() {
            return Err(format!("{name} read {read} lines of {}", lines.len()));
        }
        let secs = time.as_secs_f64();
        println!(
            "{name:<40} {:>7.1}ms {:>9.1} {:>8.1} {:>7.2}x",
            secs * 1e3,
            secs * 1e9 / lines.len() as f64,
            bytes as f64 / secs / 1e6,
            typed.0.as_secs_f64() / secs
        );
    }
    println!(
        "(best of {runs} rounds of every reader in turn, one thread, in CPU time; each line's value is made and dropped)"
    );
    Ok(())
}
