//! The Journey interpreter: runs an executable plan over profiles and events on a
//! virtual clock (runtime.md §4, §5) and computes the report (§6).
//!
//! It reads nothing but a [`journey_plan::Plan`] and the data: [`run`] parses
//! the JSON Lines, replays the events and returns the report and the messages,
//! from which `actions.jsonl` and `messages.jsonl` are written.

mod actions;
pub mod engine;
pub mod expr;
pub mod input;
pub mod report;
pub mod sort;
pub mod source;

use journey_plan::Plan;

pub use engine::Options;
pub use input::{InputError, Problem, Rejected};
pub use report::{Messages, RecipientRow, Report};

/// A data file: its name (for messages), its text, and its longest line.
#[derive(Clone, Copy, Debug)]
pub struct DataFile<'a> {
    /// The name shown in errors.
    pub name: &'a str,
    /// The JSON Lines (a UTF-8 byte order mark at the start is skipped).
    pub text: &'a str,
    /// A line longer than this, in bytes, is bad input ([`input::MAX_LINE_BYTES`] by default).
    pub max_line_bytes: usize,
}

impl<'a> DataFile<'a> {
    /// The file `name` holding `text`, with the default line limit (1 MiB).
    pub fn new(name: &'a str, text: &'a str) -> DataFile<'a> {
        DataFile { name, text, max_line_bytes: input::MAX_LINE_BYTES }
    }
}

/// Why a run did not happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// A bad input line (rejects not kept).
    Input(InputError),
    /// The events file holds no event to replay and no start was given: there is
    /// no instant to run from (a usage error, not bad data).
    NothingToReplay {
        /// The events file.
        file: String,
        /// Its lines set aside (with rejects kept), the first with its reason.
        rejected: Vec<Rejected>,
    },
}

impl From<InputError> for RunError {
    fn from(error: InputError) -> RunError {
        RunError::Input(error)
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Input(error) => error.fmt(f),
            RunError::NothingToReplay { file, rejected } => {
                write!(f, "`{file}` holds no event, so the run has no instant to start from")?;
                if let Some(first) = rejected.first() {
                    let lines = if rejected.len() == 1 { "line was" } else { "lines were" };
                    write!(f, " (its {} {lines} set aside; the first: {})", rejected.len(), first.error)?;
                }
                write!(f, ": give `--start T` (RFC 3339) to run from T, or check that this is the events file")
            }
        }
    }
}

impl std::error::Error for RunError {}

/// What a run produces.
#[derive(Debug)]
pub struct RunOutput {
    /// `report.json`.
    pub report: Report,
    /// Every message, for `actions.jsonl` and `messages.jsonl` (`journey report --by recipient`).
    pub messages: Messages,
    /// Lines set aside (only when rejects are kept).
    pub rejected: Vec<Rejected>,
}

impl RunOutput {
    /// One row per message, for `journey report --by recipient`.
    pub fn recipients(&self) -> Vec<RecipientRow> {
        self.messages.rows()
    }

    /// The text of `actions.jsonl` (one line per send), for tests and small runs:
    /// `journey run` streams it with [`Messages::write_actions`].
    pub fn actions(&self) -> String {
        let mut text = Vec::new();
        // Writing to a `Vec` cannot fail, and the lines are UTF-8.
        let _ = self.messages.write_actions(&mut text);
        String::from_utf8(text).unwrap_or_default()
    }
}

/// Runs `plan` over the data. With `keep_rejects`, bad lines are set aside and
/// the run goes on; without, the first bad line is the error. No event to replay
/// and no `options.start` is [`RunError::NothingToReplay`].
pub fn run(
    plan: &Plan,
    profiles: DataFile<'_>,
    events: DataFile<'_>,
    options: Options,
    keep_rejects: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunOutput, RunError> {
    let catalog = input::Catalog::of(plan);
    let mut rejected = Vec::new();
    let parsed_profiles = input::read_profiles(&catalog, profiles, keep_rejects.then_some(&mut rejected))?;
    let parsed_events = input::read_events(&catalog, &parsed_profiles, events, keep_rejects.then_some(&mut rejected))?;
    if parsed_events.list.is_empty() && options.start.is_none() {
        rejected.retain(|r| r.error.file == events.name);
        return Err(RunError::NothingToReplay { file: events.name.to_owned(), rejected });
    }
    let profile_count = parsed_profiles.list.len() as u64;
    let total = parsed_events.list.len() as u64;
    let engine = engine::Engine::new(plan, &catalog, parsed_profiles);
    let outcome = engine.run(&parsed_events.list, options, &mut |done| progress(done, total));
    let rejected_lines = rejected.len() as u64;
    // Unmatched channel events are no error (runtime.md §7): counted, and written
    // with the rejects, with their reason, when those are kept.
    if keep_rejects && !outcome.unmatched.is_empty() {
        let lines: Vec<&str> = input::without_bom(events.text).lines().collect();
        for (line, message) in &outcome.unmatched {
            let text = lines.get(*line as usize - 1).copied().unwrap_or_default().to_owned();
            let problem = Problem { field: "content".to_owned(), message: message.to_owned() };
            rejected.push(Rejected {
                error: InputError { file: events.name.to_owned(), line: *line as usize, problem },
                text,
            });
        }
    }
    let summary = report::InputSummary {
        profiles: profile_count,
        events: outcome.events_processed - outcome.unmatched.len() as u64,
        duplicates: outcome.duplicates,
        unmatched: outcome.unmatched.len() as u64,
        before_start: outcome.before_start,
        after_until: outcome.after_until,
        rejected: rejected_lines,
    };
    let report = report::build(plan, &catalog, &outcome, summary);
    let messages = Messages::new(plan, &catalog, outcome.profile_ids, outcome.addresses, outcome.messages);
    Ok(RunOutput { report, messages, rejected })
}
