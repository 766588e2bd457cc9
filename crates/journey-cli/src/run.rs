//! `journey run PLAN_OR_PROJECT --profiles F --events F`: replays the data and reports.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use journey_runtime::input::{MAX_LINE_BYTES, read_text};
use journey_runtime::{DataFile, Options, RunError};
use journey_time::Timestamp;

use crate::Outcome;
use crate::build::{publish, read_plan};
use crate::output::{ColorChoice, Format, print_stdout, usage_error};

/// Arguments of `journey run`.
#[derive(Args)]
pub struct RunArgs {
    /// A plan written by `journey build` (a `.json` file), or a project folder to build first.
    plan: PathBuf,

    /// Profiles, JSON Lines.
    #[arg(long)]
    profiles: PathBuf,

    /// Events, JSON Lines.
    #[arg(long)]
    events: PathBuf,

    /// Where to write actions.jsonl, report.json, report.csv and messages.jsonl.
    #[arg(long, default_value = "out")]
    out: PathBuf,

    /// When the run starts (RFC 3339). Default: the first event's time.
    #[arg(long, value_parser = parse_instant)]
    start: Option<Timestamp>,

    /// When the run stops (RFC 3339). Default: the last event's time.
    #[arg(long, value_parser = parse_instant)]
    until: Option<Timestamp>,

    /// Set bad input lines aside in this file (JSON Lines, with the reason) and go on.
    #[arg(long)]
    rejects: Option<PathBuf>,

    /// The longest line of the data files, in bytes: a longer line is bad input (1 MiB by default).
    #[arg(long, value_name = "N", default_value_t = MAX_LINE_BYTES as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_line_bytes: u64,
}

fn parse_instant(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|e| e.to_string())
}

/// Reads a data file in bounded chunks: a line over the limit is never held whole.
fn read(path: &Path, max_line_bytes: usize) -> Result<String, Outcome> {
    let file = std::fs::File::open(path);
    file.and_then(|file| read_text(std::io::BufReader::with_capacity(1 << 16, file), max_line_bytes)).map_err(|e| {
        usage_error(format!("`{}` cannot be read: {e}", path.display()));
        Outcome::Usage
    })
}

/// Runs `journey run`.
pub fn run(args: RunArgs, color: ColorChoice) -> Outcome {
    match execute(args, color) {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

fn execute(args: RunArgs, color: ColorChoice) -> Result<Outcome, Outcome> {
    let extension = args.plan.extension().and_then(|e| e.to_str());
    let is_plan = args.plan.is_file() && extension == Some("json");
    if args.plan.is_file() && !matches!(extension, Some("json" | "journey")) {
        usage_error(format!(
            "`{}` is neither a plan nor a project: give a plan written by `journey build` (a `.json` file), \
             a project folder, or a `.journey` file",
            args.plan.display()
        ));
        return Err(Outcome::Usage);
    }
    let plan = if is_plan {
        read_plan(&args.plan).map_err(|message| {
            usage_error(message);
            Outcome::Errors
        })?
    } else {
        publish(std::slice::from_ref(&args.plan), None, Format::Human, color)?
    };
    if let (Some(start), Some(until)) = (args.start, args.until)
        && until < start
    {
        usage_error(format!("--until {until} is before --start {start}"));
        return Err(Outcome::Usage);
    }
    let max_line_bytes = usize::try_from(args.max_line_bytes).unwrap_or(usize::MAX);
    let profiles = read(&args.profiles, max_line_bytes)?;
    let events = read(&args.events, max_line_bytes)?;
    let profiles_name = args.profiles.display().to_string();
    let events_name = args.events.display().to_string();
    let bar = progress_bar(events.len());
    let options = Options { start: args.start.map(|t| t.0), until: args.until.map(|t| t.0) };
    let result = journey_runtime::run(
        &plan,
        DataFile { name: &profiles_name, text: &profiles, max_line_bytes },
        DataFile { name: &events_name, text: &events, max_line_bytes },
        options,
        args.rejects.is_some(),
        &mut |done, total| {
            if let Some(bar) = &bar {
                bar.set_length(total);
                bar.set_position(done);
            }
        },
    );
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let output = result.map_err(|error| match error {
        RunError::Input(error) => {
            usage_error(format!("{error}\nfix the line, or pass `--rejects FILE` to set bad lines aside and go on"));
            Outcome::Errors
        }
        nothing @ RunError::NothingToReplay { .. } => {
            // The lines set aside are written all the same, for the user to read.
            if let (Some(path), RunError::NothingToReplay { rejected, .. }) = (&args.rejects, &nothing)
                && write_rejects(path, rejected).is_err()
            {
                return Outcome::Usage;
            }
            usage_error(nothing.to_string());
            Outcome::Usage
        }
    })?;
    let write = |name: &str, text: &str| -> Result<(), Outcome> {
        let path = args.out.join(name);
        std::fs::write(&path, text).map_err(|e| {
            usage_error(format!("cannot write `{}`: {e}", path.display()));
            Outcome::Usage
        })
    };
    std::fs::create_dir_all(&args.out).map_err(|e| {
        if args.out.is_file() {
            usage_error(format!(
                "--out `{}` is a file: --out names the folder the run writes its files into",
                args.out.display()
            ));
        } else {
            usage_error(format!("cannot create `{}`: {e}", args.out.display()));
        }
        Outcome::Usage
    })?;
    // The messages are written straight to their files, in chunks.
    let stream = |name: &str, lines: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
        let path = args.out.join(name);
        std::fs::File::create(&path).and_then(|mut file| lines(&mut file)).map_err(|e| {
            usage_error(format!("cannot write `{}`: {e}", path.display()));
            Outcome::Usage
        })
    };
    stream("actions.jsonl", &|out| output.messages.write_actions(out))?;
    write("report.json", &output.report.to_json())?;
    write("report.csv", &output.report.to_csv())?;
    stream("messages.jsonl", &|out| output.messages.write_jsonl(out))?;
    if let Some(path) = &args.rejects {
        write_rejects(path, &output.rejected)?;
        let input = &output.report.input;
        let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut set_aside = Vec::new();
        if input.rejected > 0 {
            set_aside.push(plural(input.rejected, "line rejected", "lines rejected"));
        }
        if input.unmatched > 0 {
            set_aside.push(plural(input.unmatched, "unmatched channel event", "unmatched channel events"));
        }
        if !set_aside.is_empty() {
            eprintln!("{}: see {}", set_aside.join(" and "), path.display());
        }
    }
    print_stdout(&output.report.to_table());
    eprintln!("wrote {}/{{actions.jsonl, report.json, report.csv, messages.jsonl}}", args.out.display());
    Ok(Outcome::Clean)
}

/// A progress bar on standard error, only on a terminal and for large inputs.
fn progress_bar(bytes: usize) -> Option<indicatif::ProgressBar> {
    if bytes < 10_000_000 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    Some(bar)
}

/// Writes the lines set aside to `path`, one JSON object a line:
/// `{"file","line","field","reason","text"}`.
fn write_rejects(path: &std::path::Path, rejected: &[journey_runtime::Rejected]) -> Result<(), Outcome> {
    let mut text = String::new();
    for r in rejected {
        let line = serde_json::json!({
            "file": r.error.file,
            "line": r.error.line,
            "field": r.error.problem.field,
            "reason": r.error.problem.message,
            "text": r.text,
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| {
        usage_error(format!("cannot write `{}`: {e}", path.display()));
        Outcome::Usage
    })
}
