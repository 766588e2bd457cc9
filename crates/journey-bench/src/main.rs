//! `journey-bench`: generators of large inputs and throughput measurements for
//! Journey. See BENCHMARKS.md at the root of the repository for the commands
//! and the recorded figures.

mod alloc;
mod front_end;
mod parse_events;
mod project;
mod render;
mod rng;
mod run_data;
mod runtime;
mod stream;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Benchmarks of Journey.
#[derive(Parser)]
#[command(name = "journey-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a large project (deterministic for a given seed).
    GenProject {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// Number of journeys (each with its own trigger, email, SMS and push).
        #[arg(long, default_value_t = 20_000)]
        journeys: usize,
        /// Number of files the journeys are spread over.
        #[arg(long, default_value_t = 200)]
        files: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measure lexing, parsing and whole-check throughput on a project.
    FrontEnd {
        /// The project folder.
        dir: PathBuf,
        /// Runs per stage; the best is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Run only the semantic pass, `runs` times, and print nothing else (for profiling).
        #[arg(long)]
        only_semantic: bool,
    },
    /// Measure the drawing of diagnostics: one file, every report pointing at line 1 and at a line far below.
    Render {
        /// Number of reports (each about 400 bytes of source: 20,000 make an 8 MB file).
        #[arg(long, default_value_t = 20_000)]
        reports: usize,
        /// Runs per rendering; the best is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Also write the file there, to time `journey check FILE` end to end.
        #[arg(long)]
        write: Option<PathBuf>,
    },
    /// Generate a project and its data for `runtime` (deterministic for a given seed).
    GenRun {
        /// Folder to write into: three journeys, `profiles.jsonl`, `events.jsonl`.
        #[arg(long)]
        out: PathBuf,
        /// Number of profiles.
        #[arg(long, default_value_t = 200_000)]
        profiles: usize,
        /// Number of events (at least one a profile).
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measure the reading of an events file line by line: a serde_json typed parse, the serde_json
    /// reading of `journey run`, and its scanner.
    ParseEvents {
        /// The project folder (with `profiles.jsonl` and `events.jsonl` unless given), as written by `gen-run`.
        dir: PathBuf,
        /// Profiles (default: DIR/profiles.jsonl).
        #[arg(long)]
        profiles: Option<PathBuf>,
        /// Events (default: DIR/events.jsonl).
        #[arg(long)]
        events: Option<PathBuf>,
        /// Runs per reader; the best is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Time one reader alone (`typed`, `typed-profile`, `serde` or `scanner`), for a profiler.
        #[arg(long)]
        only: Option<String>,
    },
    /// The typed parse of `stream`, alone (the harness runs it as a child process, so
    /// that the memory it takes is not counted in the replay's peak RSS).
    #[command(hide = true)]
    TypedParse {
        /// The events file.
        events: PathBuf,
    },
    /// Generate the streaming benchmark's project and data (issue 13), without measuring.
    GenStream {
        /// Folder to write into: one journey, `profiles.jsonl`, `events.jsonl`, `events-unsorted.jsonl`.
        #[arg(long)]
        out: PathBuf,
        /// Number of profiles.
        #[arg(long, default_value_t = 200_000)]
        profiles: usize,
        /// Number of events.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Give every event an `id` (`e1`, `e2`, ... in time order); by default events have none.
        #[arg(long)]
        ids: bool,
    },
    /// Time, on one core, a serde_json typed parse of the events against `journey run` (issue 13).
    Stream {
        /// Profiles of the base scenario (and of `events10x` and `unsorted`).
        #[arg(long, default_value_t = 200_000)]
        profiles: usize,
        /// Events of the base scenario.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// The large scenarios (`events10x`, `profiles`, `unsorted`) have this many times the events.
        #[arg(long, default_value_t = 10)]
        scale: usize,
        /// Profiles of the `profiles` scenario.
        #[arg(long, default_value_t = 1_000_000)]
        big_profiles: usize,
        /// Scenarios, comma-separated: base, events10x, profiles, unsorted.
        #[arg(long, value_delimiter = ',', default_value = "base,events10x,profiles,unsorted")]
        scenarios: Vec<String>,
        /// Runs per measure; the best is kept.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Runs per measure of the large scenarios (default: `--runs`).
        #[arg(long)]
        large_runs: Option<usize>,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Give every event an `id`.
        #[arg(long)]
        ids: bool,
        /// Where the data (generated once per size and seed) and the run outputs go.
        #[arg(long, default_value = "target/stream-bench")]
        work: PathBuf,
        /// The `journey` binary (default: `journey` next to this one, as in target/release).
        #[arg(long)]
        journey: Option<PathBuf>,
    },
    /// Measure parsing, in-memory replay and whole-run throughput, and the memory of a replay.
    Runtime {
        /// The project folder (with `profiles.jsonl` and `events.jsonl` unless given).
        dir: PathBuf,
        /// Profiles (default: DIR/profiles.jsonl).
        #[arg(long)]
        profiles: Option<PathBuf>,
        /// Events (default: DIR/events.jsonl).
        #[arg(long)]
        events: Option<PathBuf>,
        /// Runs per stage; the best and the median are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Time one stage alone (`parse`, `replay` or `whole`), for a profiler.
        #[arg(long)]
        only: Option<String>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::GenProject { out, journeys, files, seed } => project::generate(&out, journeys, files, seed)
            .map(|bytes| {
                println!(
                    "wrote {journeys} journeys in {files} files ({:.2} MB) to {}",
                    bytes as f64 / 1e6,
                    out.display()
                )
            })
            .map_err(|e| format!("cannot write {}: {e}", out.display())),
        Command::FrontEnd { dir, runs, only_semantic } => front_end::run(&dir, runs, only_semantic),
        Command::Render { reports, runs, write } => render::run(reports, runs, write.as_deref()),
        Command::GenRun { out, profiles, events, seed } => run_data::generate(&out, profiles, events, seed)
            .map(|w| {
                println!(
                    "wrote {profiles} profiles ({:.1} MB) and {} events ({:.1} MB) to {}",
                    w.profile_bytes as f64 / 1e6,
                    w.events,
                    w.event_bytes as f64 / 1e6,
                    out.display()
                )
            })
            .map_err(|e| format!("cannot write {}: {e}", out.display())),
        Command::ParseEvents { dir, profiles, events, runs, only } => {
            let profiles = profiles.unwrap_or_else(|| dir.join("profiles.jsonl"));
            let events = events.unwrap_or_else(|| dir.join("events.jsonl"));
            parse_events::run(&dir, &profiles, &events, runs, only.as_deref())
        }
        Command::TypedParse { events } => stream::typed_parse(&events).map(|n| println!("{n}")),
        Command::GenStream { out, profiles, events, seed, ids } => stream::generate(&out, profiles, events, seed, ids)
            .map(|w| {
                println!(
                    "wrote {profiles} profiles and {events} events ({:.1} MB, and a shuffled copy) to {}",
                    w.event_bytes as f64 / 1e6,
                    out.display()
                )
            })
            .map_err(|e| format!("cannot write {}: {e}", out.display())),
        Command::Stream {
            profiles,
            events,
            scale,
            big_profiles,
            scenarios,
            runs,
            large_runs,
            seed,
            ids,
            work,
            journey,
        } => {
            let journey = journey.unwrap_or_else(|| {
                let exe = std::env::current_exe().unwrap_or_default();
                exe.with_file_name(format!("journey{}", std::env::consts::EXE_SUFFIX))
            });
            let settings = stream::Settings {
                profiles,
                events,
                scale,
                big_profiles,
                scenarios,
                runs,
                large_runs: large_runs.unwrap_or(runs),
                seed,
                ids,
                work,
                journey,
            };
            stream::run(&settings)
        }
        Command::Runtime { dir, profiles, events, runs, only } => {
            let profiles = profiles.unwrap_or_else(|| dir.join("profiles.jsonl"));
            let events = events.unwrap_or_else(|| dir.join("events.jsonl"));
            runtime::run(&dir, &profiles, &events, runs, only.as_deref())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
