//! Throughput and memory of the interpreter over a project with data (as
//! written by `gen-run`): parsing the JSON Lines into typed events, replaying
//! them in memory, and the whole `journey_runtime::run`. One thread.

use std::path::Path;
use std::time::{Duration, Instant};

use journey_check::{Mode, Project, check, discover};
use journey_plan::Plan;
use journey_runtime::engine::{Engine, Outcome};
use journey_runtime::input::{self, Catalog, Event, Profiles};
use journey_runtime::replay::{self, InMemory};
use journey_runtime::{DataFile, Messages, Options};

use crate::alloc;

/// A field of `/proc/self/status` in kB (`VmRSS`, `VmHWM`), 0 where there is none.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the peak RSS (`VmHWM`) to the current RSS; false where the kernel does not allow it.
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Times `runs` runs of `f` on what `setup` prepares for each (untimed); what a
/// run returns is dropped outside the timing. Returns the times, sorted, and
/// the result of the last run.
fn timed<S, T>(
    runs: usize,
    mut setup: impl FnMut() -> S,
    mut f: impl FnMut(S) -> Result<T, String>,
) -> Result<(Vec<Duration>, T), String> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        drop(last.take());
        let input = setup();
        let start = Instant::now();
        let result = f(input)?;
        times.push(start.elapsed());
        last = Some(result);
    }
    times.sort();
    Ok((times, last.expect("at least one run")))
}

/// The profiles of `text`, as `journey run` reads them.
pub fn read_profiles(catalog: &Catalog, text: &str) -> Result<Profiles, String> {
    let file = InMemory { name: "profiles.jsonl", bytes: text.as_bytes() };
    replay::read_profiles(catalog, &[&file], input::MAX_LINE_BYTES).map_err(|e| e.to_string())
}

/// The events of `text`, read as `journey run` reads each line, in time order
/// (equal times in file order), held in memory for the replay alone to be timed.
fn read_events(catalog: &Catalog, profiles: &Profiles, text: &str) -> Result<Vec<Event>, String> {
    let mut list = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let mut event = input::read_event(catalog, profiles, line)
            .map_err(|p| format!("events.jsonl:{}: field `{}`: {}", n + 1, p.field, p.message))?;
        event.line = n as u32 + 1;
        list.push(event);
    }
    list.sort_by_key(|e| e.ts);
    Ok(list)
}

fn copy(profiles: &Profiles) -> Profiles {
    Profiles { list: profiles.list.clone(), index: profiles.index.clone() }
}

/// The replay as `journey run` does it: the engine over the events, the lines
/// of `actions.jsonl` and `messages.jsonl` written to nowhere as it goes.
/// Returns the outcome, the sends, and the engine's state at the end (bytes).
fn replay(
    plan: &Plan,
    catalog: &Catalog,
    profiles: Profiles,
    events: &[Event],
) -> Result<(Outcome, u64, usize), String> {
    let mut engine = Engine::new(plan, catalog, profiles.list);
    let start = events.first().map_or(0, |e| e.ts);
    engine.begin(start, Options::default());
    let messages = Messages::new(plan, catalog);
    let mut sends = 0u64;
    let mut write = |ids: &_, addresses: &_, sent: &[_], closed: &[_]| {
        sends += sent.len() as u64;
        messages.write_actions(ids, addresses, sent, &mut std::io::sink())?;
        messages.write_rows(ids, addresses, closed, &mut std::io::sink())
    };
    for (i, event) in events.iter().enumerate() {
        engine.event(event);
        if i % 1024 == 0 {
            engine.drain(&mut write).map_err(|e| e.to_string())?;
        }
    }
    let state = engine.state_bytes();
    for (part, bytes) in engine.state_parts() {
        eprintln!("  engine state part: {part}: {:.1} MB", bytes as f64 / 1e6);
    }
    let outcome = engine.finish(events.last().map_or(start, |e| e.ts), &mut write).map_err(|e| e.to_string())?;
    Ok((outcome, sends, state))
}

/// Builds the plan of the project in `dir` as `journey run DIR` does (publish-time check, then lowering).
pub fn plan_of(dir: &Path) -> Result<Plan, String> {
    let paths = discover(dir).map_err(|e| e.to_string())?;
    let project = Project::read(&paths).map_err(|e| e.to_string())?;
    let analysis = check(&project, Mode::Publish);
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        return Err(format!("the project has {errors} errors at publish time"));
    }
    Ok(journey_plan::lower(&analysis.program, &project.sources, None))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mb(bytes: f64) -> f64 {
    bytes / 1e6
}

/// Measures and prints parse, replay and whole-run throughput and the memory of a replay.
/// With `only`, runs that stage alone (`parse`, `replay` or `whole`), `runs` times, and prints its
/// times: for profilers.
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
    if let Some(stage) = only {
        let times = match stage {
            "parse" => {
                timed(
                    runs,
                    || (),
                    |()| {
                        let profiles = read_profiles(&catalog, &profile_text)?;
                        Ok((read_events(&catalog, &profiles, &event_text)?, profiles))
                    },
                )?
                .0
            }
            "replay" => {
                let profiles = read_profiles(&catalog, &profile_text)?;
                let events = read_events(&catalog, &profiles, &event_text)?;
                timed(runs, || copy(&profiles), |p| replay(&plan, &catalog, p, &events))?.0
            }
            "whole" => {
                timed(
                    runs,
                    || (),
                    |()| {
                        let data = DataFile::new;
                        let output = journey_runtime::run(
                            &plan,
                            data("profiles.jsonl", &profile_text),
                            data("events.jsonl", &event_text),
                            Options::default(),
                            false,
                            &mut |_| {},
                        )
                        .map_err(|e| e.to_string())?;
                        Ok(output)
                    },
                )?
                .0
            }
            other => return Err(format!("no stage `{other}` (parse, replay, whole)")),
        };
        let shown: Vec<String> = times.iter().map(|t| format!("{:.1}ms", ms(*t))).collect();
        println!("{stage}: {}", shown.join(" "));
        return Ok(());
    }

    // (a) Parse only: the JSON Lines into typed profiles and events, as the run does.
    let (parse_times, (profiles, events)) = timed(
        runs,
        || (),
        |()| {
            let profiles = read_profiles(&catalog, &profile_text)?;
            let events = read_events(&catalog, &profiles, &event_text)?;
            Ok((profiles, events))
        },
    )?;
    let event_count = events.len();
    let profile_count = profiles.list.len();
    // The replay keeps the 128-bit fingerprint of every event id (duplicates are dropped).
    let ids = events.iter().filter(|e| e.id.is_some()).count();

    // (b) Replay only: engine construction and the replay of the parsed events.
    // The engine takes the profiles: each run gets a copy, made before the clock starts.
    let (replay_times, (outcome, sends, _)) = timed(runs, || copy(&profiles), |p| replay(&plan, &catalog, p, &events))?;
    // Channel events of sends that were not sent (no address, opted out) are
    // unmatched: counted, as `journey run` counts them.
    let unmatched = outcome.unmatched;
    let not_sent = outcome
        .journeys
        .iter()
        .flat_map(|j| &j.node_not_sent)
        .fold((0, 0), |(o, n), s| (o + s.opted_out, n + s.no_address));
    let entered: u64 = outcome.journeys.iter().map(|j| j.entered).sum();
    let entries: u64 = outcome.journeys.iter().map(|j| j.entries).sum();
    let active: u64 = outcome.journeys.iter().map(|j| j.active).sum();
    let (processed, duplicates) = (outcome.events_processed, outcome.duplicates);
    drop(outcome);

    // (c) The whole run, as `journey run` calls it (parse, replay, report; files already in memory),
    // and the text of `messages.jsonl`, written to nowhere.
    let (whole_times, _) = timed(
        runs,
        || (),
        |()| {
            let output = journey_runtime::run(
                &plan,
                DataFile::new("profiles.jsonl", &profile_text),
                DataFile::new("events.jsonl", &event_text),
                Options::default(),
                false,
                &mut |_| {},
            )
            .map_err(|e| e.to_string())?;
            Ok(output)
        },
    )?;

    // Memory: an untimed replay with the allocator counting, and the RSS around it.
    let copied = copy(&profiles);
    let hwm_reset = reset_hwm();
    let rss_before = status_kb("VmRSS");
    alloc::start();
    let replayed = replay(&plan, &catalog, copied, &events)?;
    let heap_peak = alloc::peak();
    alloc::stop();
    let rss_after = status_kb("VmRSS");
    let hwm_replay = status_kb("VmHWM");
    let engine_state = replayed.2;
    drop(replayed);
    // The heap of the parsed input, from a counted parse.
    drop((profiles, events));
    alloc::start();
    let profiles = read_profiles(&catalog, &profile_text)?;
    let profile_heap = alloc::live();
    alloc::start();
    let events = read_events(&catalog, &profiles, &event_text)?;
    let event_heap = alloc::live();
    alloc::stop();
    drop((profiles, events));

    // Report.
    let best = |t: &[Duration]| t[0];
    let median = |t: &[Duration]| t[t.len() / 2];
    let rate = |d: Duration| event_count as f64 / d.as_secs_f64() / 1e6;
    println!(
        "data: {profile_count} profiles ({:.1} MB), {event_count} events ({:.1} MB), {} journeys",
        mb(profile_text.len() as f64),
        mb(event_text.len() as f64),
        plan.journeys.len()
    );
    println!(
        "run: {processed} events replayed ({duplicates} duplicates, {unmatched} unmatched), {entries} entries, \
         {} profiles entered, {sends} sends ({} not sent: opted out, {} without an address), {active} still in a \
         journey at the end",
        entered, not_sent.0, not_sent.1
    );
    println!("{:<24} {:>10} {:>10} {:>12} {:>12}", "stage", "best", "median", "Mevents/s", "(median)");
    for (name, times) in
        [("(a) parse", &parse_times), ("(b) replay, in memory", &replay_times), ("(c) whole run", &whole_times)]
    {
        println!(
            "{name:<24} {:>8.1}ms {:>8.1}ms {:>12.2} {:>12.2}",
            ms(best(times)),
            ms(median(times)),
            rate(best(times)),
            rate(median(times))
        );
    }
    println!(
        "(b) does {sends} sends and {entries} entries besides the events: {:.2} M events + sends a second",
        (event_count as u64 + sends) as f64 / best(&replay_times).as_secs_f64() / 1e6
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let (pa, pb, pc) = (best(&parse_times), best(&replay_times), best(&whole_times));
    println!(
        "ratios (best): replay/parse {:.2}, (parse+replay)/parse {:.2}, whole/parse {:.2}",
        ratio(pb, pa),
        ratio(pa + pb, pa),
        ratio(pc, pa)
    );
    let state = engine_state as f64;
    println!(
        "replay heap: peak {:.1} MB above the parsed input; engine state at the end {:.1} MB",
        mb(heap_peak as f64),
        mb(state),
    );
    println!(
        "  engine state: {:.0} B a profile (of {profile_count}), {:.0} B a profile that entered a journey (of {entered})",
        state / profile_count.max(1) as f64,
        state / entered.max(1) as f64,
    );
    // The id set: a hash table of 16-byte fingerprints (load factor at most 7/8, a control byte each).
    let id_bytes = ids.next_power_of_two() as f64 * 17.0;
    let per_profile = (state - id_bytes) / profile_count.max(1) as f64;
    println!(
        "  of which the fingerprints of {ids} event ids about {:.1} MB (it grows with events carrying an id, \
         not with profiles): {per_profile:.0} B a profile without them",
        mb(id_bytes)
    );
    let hwm = if hwm_reset { format!("{:.1} MB", hwm_replay as f64 / 1e3) } else { "not measurable".to_owned() };
    println!(
        "  RSS: {:.1} MB before the replay, {:.1} MB after, peak during it {hwm}: {:.0} B a profile above the RSS before",
        rss_before as f64 / 1e3,
        rss_after as f64 / 1e3,
        (hwm_replay.saturating_sub(rss_before) * 1024) as f64 / profile_count.max(1) as f64
    );
    println!(
        "parsed input heap: profiles {:.1} MB ({:.0} B a profile), events {:.1} MB ({:.0} B an event; \
         size_of Event {} B)",
        mb(profile_heap as f64),
        profile_heap as f64 / profile_count.max(1) as f64,
        mb(event_heap as f64),
        event_heap as f64 / event_count.max(1) as f64,
        size_of::<Event>(),
    );
    println!(
        "(best and median of {runs} runs, one thread; peak RSS of this process {:.1} MB)",
        status_kb("VmHWM") as f64 / 1e3
    );
    Ok(())
}
