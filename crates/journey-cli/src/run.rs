//! `journey run PLAN_OR_PROJECT --profiles F --events F`: replays the data and reports.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use journey_runtime::input::MAX_LINE_BYTES;
use journey_runtime::replay::{self, Source};
use journey_runtime::source::{self as sources, InputFile};
use journey_runtime::{Options, Rejected, RunError};
use journey_time::Timestamp;

use crate::Outcome;
use crate::build::{publish, read_plan};
use crate::output::{ColorChoice, Format, print_stdout, usage_error};

/// Arguments of `journey run`.
#[derive(Args)]
pub struct RunArgs {
    /// A plan written by `journey build` (a `.json` file), or a project folder to build first.
    plan: PathBuf,

    /// Profiles, JSON Lines (`.gz` and `.zst` read as such): a file or a glob
    /// pattern such as `profiles/*.jsonl.gz`; may be given several times.
    #[arg(long, required = true, value_name = "FILE|GLOB")]
    profiles: Vec<String>,

    /// Events, JSON Lines (`.gz`, `.zst`): a file or a glob pattern; may be given
    /// several times. Files are merged by time (ties: the order given, then line).
    #[arg(long, required = true, value_name = "FILE|GLOB")]
    events: Vec<String>,

    /// The events files are in time order: a line out of order is an error
    /// naming it, instead of the file being sorted on disk.
    #[arg(long)]
    sorted: bool,

    /// Where an unsorted events file is sorted (default: the system's temporary folder).
    #[arg(long, value_name = "DIR")]
    temp_dir: Option<PathBuf>,

    /// The memory the sort of an unsorted file may use before it writes sorted
    /// runs to disk, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..))]
    sort_memory: u64,

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
    let files = |arguments: &[String]| {
        sources::expand(arguments).map_err(|e| {
            usage_error(e.to_string());
            Outcome::Usage
        })
    };
    let profiles: Vec<InputFile> = files(&args.profiles)?;
    let events: Vec<InputFile> = files(&args.events)?;
    let out_existed = args.out.exists();
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
    let input = replay::Input {
        profiles: profiles.iter().map(|f| f as &dyn Source).collect(),
        events: events.iter().map(|f| f as &dyn Source).collect(),
        max_line_bytes,
        sorted: args.sorted,
        temp_dir: args.temp_dir.clone().unwrap_or_else(std::env::temp_dir),
        sort_memory: usize::try_from(args.sort_memory.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
        keep_rejects: args.rejects.is_some(),
    };
    let mut files = RunFiles::create(&args.out, args.rejects.as_deref()).inspect_err(|_| {
        if !out_existed {
            let _ = std::fs::remove_dir(&args.out);
        }
    })?;
    let bar = progress_bar();
    let options = Options { start: args.start.map(|t| t.0), until: args.until.map(|t| t.0) };
    let result = replay::replay(&plan, &input, options, &mut files, &mut |p| {
        if let Some(bar) = &bar {
            bar.set_position(p.events);
            bar.set_message(Timestamp(p.now).to_string());
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            let outcome = match &error {
                RunError::Input(error) => {
                    usage_error(format!(
                        "{error}\nfix the line, or pass `--rejects FILE` to set bad lines aside and go on"
                    ));
                    Outcome::Errors
                }
                RunError::OutOfOrder(error) => {
                    usage_error(error.to_string());
                    Outcome::Errors
                }
                other => {
                    usage_error(other.to_string());
                    Outcome::Usage
                }
            };
            // Nothing is left of a failed run, but the lines set aside of a run
            // with nothing to replay: they say why.
            let keep_rejects = matches!(error, RunError::NothingToReplay { .. });
            files.abandon(keep_rejects);
            if !out_existed {
                let _ = std::fs::remove_dir(&args.out);
            }
            return Err(outcome);
        }
    };
    files.commit(&report).inspect_err(|_| {
        if !out_existed {
            let _ = std::fs::remove_dir(&args.out);
        }
    })?;
    if let Some(path) = &args.rejects {
        let input = &report.input;
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
    print_stdout(&report.to_table());
    eprintln!("wrote {}/{{actions.jsonl, report.json, report.csv, messages.jsonl}}", args.out.display());
    Ok(Outcome::Clean)
}

/// A progress bar on standard error, only on a terminal: events read, events
/// per second, the simulated date.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {human_pos} events read, {per_sec}, simulated time {msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// The files a run writes: `actions.jsonl` and `messages.jsonl` as it goes,
/// `report.json` and `report.csv` at the end, and the rejects, each under a
/// temporary name (`.NAME.part`, beside it) renamed only when the run succeeds.
struct RunFiles {
    dir: PathBuf,
    actions: Part,
    messages: Part,
    rejects: Option<Part>,
}

/// An output file written under a temporary name (`.NAME.part`), renamed at the end.
struct Part {
    path: PathBuf,
    part: PathBuf,
    file: BufWriter<File>,
}

impl Part {
    /// `path`, written as `.NAME.part` in its folder.
    fn create(path: PathBuf) -> Result<Part, Outcome> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let part = path.with_file_name(format!(".{name}.part"));
        let file = create(&part)?;
        Ok(Part { path, part, file })
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, Outcome> {
    File::create(path).map(|f| BufWriter::with_capacity(1 << 16, f)).map_err(|e| {
        usage_error(format!("cannot write `{}`: {e}", path.display()));
        Outcome::Usage
    })
}

impl RunFiles {
    fn create(dir: &Path, rejects: Option<&Path>) -> Result<RunFiles, Outcome> {
        let rejects = rejects.map(|path| Part::create(path.to_owned())).transpose()?;
        let actions = Part::create(dir.join("actions.jsonl")).inspect_err(|_| remove_parts(rejects.iter()))?;
        let messages =
            Part::create(dir.join("messages.jsonl")).inspect_err(|_| remove_parts(rejects.iter().chain([&actions])))?;
        Ok(RunFiles { dir: dir.to_owned(), actions, messages, rejects })
    }

    fn parts(&self) -> impl Iterator<Item = &Part> {
        [&self.actions, &self.messages].into_iter().chain(self.rejects.as_ref())
    }

    /// Writes the report, flushes every file and gives them their names; on
    /// any failure nothing is left.
    fn commit(mut self, report: &journey_runtime::Report) -> Result<(), Outcome> {
        let fail = |path: &Path, e: &dyn std::fmt::Display| {
            usage_error(format!("cannot write `{}`: {e}", path.display()));
            Outcome::Usage
        };
        let mut reports = Vec::new();
        for (name, text) in [("report.json", report.to_json()), ("report.csv", report.to_csv())] {
            let written = Part::create(self.dir.join(name)).and_then(|mut part| {
                part.file.write_all(text.as_bytes()).map_err(|e| fail(&part.path, &e))?;
                Ok(part)
            });
            match written {
                Ok(part) => reports.push(part),
                Err(outcome) => {
                    remove_parts(self.parts().chain(&reports));
                    return Err(outcome);
                }
            }
        }
        let mut all: Vec<&mut Part> = vec![&mut self.actions, &mut self.messages];
        all.extend(self.rejects.as_mut());
        all.extend(reports.iter_mut());
        let flushed = all.iter_mut().try_for_each(|part| part.file.flush().map_err(|e| fail(&part.path, &e)));
        if let Err(outcome) = flushed {
            remove_parts(all.iter().map(|p| &**p));
            return Err(outcome);
        }
        for (i, part) in all.iter().enumerate() {
            if let Err(e) = std::fs::rename(&part.part, &part.path) {
                // Those renamed already go too: a run is written whole or not at all.
                for done in &all[..i] {
                    let _ = std::fs::remove_file(&done.path);
                }
                remove_parts(all[i..].iter().map(|p| &**p));
                return Err(fail(&part.path, &e));
            }
        }
        Ok(())
    }

    /// Removes the files of a run that failed; with `keep_rejects`, the
    /// rejects are kept (flushed and named).
    fn abandon(mut self, keep_rejects: bool) {
        if keep_rejects
            && let Some(rejects) = &mut self.rejects
            && rejects.file.flush().is_ok()
            && std::fs::rename(&rejects.part, &rejects.path).is_ok()
        {
            self.rejects = None;
        }
        remove_parts(self.parts());
    }
}

/// Removes the temporary files of `parts`.
fn remove_parts<'p>(parts: impl Iterator<Item = &'p Part>) {
    for part in parts {
        let _ = std::fs::remove_file(&part.part);
    }
}

impl replay::Output for RunFiles {
    fn actions(&mut self) -> &mut dyn Write {
        &mut self.actions.file
    }

    fn messages(&mut self) -> &mut dyn Write {
        &mut self.messages.file
    }

    fn reject(&mut self, r: &Rejected) -> std::io::Result<()> {
        let Some(rejects) = &mut self.rejects else { return Ok(()) };
        let line = RejectLine {
            file: &r.error.file,
            line: r.error.line,
            field: &r.error.problem.field,
            reason: &r.error.problem.message,
            text: &r.text,
        };
        serde_json::to_writer(&mut rejects.file, &line)?;
        rejects.file.write_all(b"\n")
    }

    fn restart(&mut self) -> std::io::Result<()> {
        for part in [&mut self.actions, &mut self.messages] {
            part.file = BufWriter::with_capacity(1 << 16, File::create(&part.part)?);
        }
        if let Some(rejects) = &mut self.rejects {
            rejects.file = BufWriter::with_capacity(1 << 16, File::create(&rejects.part)?);
        }
        Ok(())
    }
}

/// A line of the rejects file: `{"file","line","field","reason","text"}`, in that order.
#[derive(serde::Serialize)]
struct RejectLine<'a> {
    file: &'a str,
    line: usize,
    field: &'a str,
    reason: &'a str,
    text: &'a str,
}
