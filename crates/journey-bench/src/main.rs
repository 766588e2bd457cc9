//! `journey-bench`: generators of large inputs and throughput measurements for
//! Journey. See BENCHMARKS.md at the root of the repository for the commands
//! and the recorded figures.

mod front_end;
mod project;
mod rng;

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
        Command::FrontEnd { dir, runs } => front_end::run(&dir, runs),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
