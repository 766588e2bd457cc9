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
pub mod replay;
pub mod report;
pub mod sort;
pub mod source;
pub mod store;
mod timers;

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
    /// A file could not be read or written (an unreadable or corrupt input,
    /// the sort's temporary folder, a full disk): the message says which.
    Io(String),
    /// A bad input line (rejects not kept).
    Input(InputError),
    /// A line earlier than the one before it, in files said to be sorted
    /// (`--sorted`): the replay cannot go on in order, rejects or not.
    OutOfOrder(InputError),
    /// The events file holds no event to replay and no start was given: there is
    /// no instant to run from (a usage error, not bad data).
    NothingToReplay {
        /// The events file.
        file: String,
        /// How many of its lines were set aside (with rejects kept).
        set_aside: u64,
        /// The first of them, with its reason.
        first: Option<Box<Rejected>>,
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
            RunError::Input(error) | RunError::OutOfOrder(error) => error.fmt(f),
            RunError::Io(message) => f.write_str(message),
            RunError::NothingToReplay { file, set_aside, first } => {
                write!(f, "`{file}` holds no event, so the run has no instant to start from")?;
                if let Some(first) = first {
                    let lines = if *set_aside == 1 { "line was" } else { "lines were" };
                    write!(f, " (its {set_aside} {lines} set aside; the first: {})", first.error)?;
                }
                write!(f, ": give `--start T` (RFC 3339) to run from T, or check that this is the events file")
            }
        }
    }
}

impl std::error::Error for RunError {}

/// What a run held in memory produces ([`run`]).
#[derive(Debug)]
pub struct RunOutput {
    /// `report.json`.
    pub report: Report,
    /// The text of `actions.jsonl`.
    pub actions: String,
    /// The text of `messages.jsonl`.
    pub messages: String,
    /// Lines set aside (only when rejects are kept), with the unmatched channel events.
    pub rejected: Vec<Rejected>,
}

impl RunOutput {
    /// One row per message, for `journey report --by recipient`.
    pub fn recipients(&self) -> Vec<RecipientRow> {
        self.messages.lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
    }

    /// The text of `actions.jsonl` (one line per send).
    pub fn actions(&self) -> &str {
        &self.actions
    }
}

/// The output of a run held in memory.
#[derive(Default)]
struct MemoryOutput {
    actions: Vec<u8>,
    messages: Vec<u8>,
    rejected: Vec<Rejected>,
}

impl replay::Output for MemoryOutput {
    fn actions(&mut self) -> &mut dyn std::io::Write {
        &mut self.actions
    }

    fn messages(&mut self) -> &mut dyn std::io::Write {
        &mut self.messages
    }

    fn reject(&mut self, rejected: &Rejected) -> std::io::Result<()> {
        self.rejected.push(rejected.clone());
        Ok(())
    }

    fn restart(&mut self) -> std::io::Result<()> {
        *self = MemoryOutput::default();
        Ok(())
    }
}

/// Runs `plan` over data held in memory (tests and small runs; `journey run`
/// streams files with [`replay::replay`]). With `keep_rejects`, bad lines are
/// set aside and the run goes on; without, the first bad line is the error.
/// No event to replay and no `options.start` is [`RunError::NothingToReplay`].
pub fn run(
    plan: &Plan,
    profiles: DataFile<'_>,
    events: DataFile<'_>,
    options: Options,
    keep_rejects: bool,
    progress: &mut dyn FnMut(replay::Progress),
) -> Result<RunOutput, RunError> {
    let profiles_file = replay::InMemory { name: profiles.name, bytes: profiles.text.as_bytes() };
    let events_file = replay::InMemory { name: events.name, bytes: events.text.as_bytes() };
    let input = replay::Input {
        profiles: vec![&profiles_file],
        events: vec![&events_file],
        max_line_bytes: profiles.max_line_bytes.min(events.max_line_bytes),
        sorted: false,
        temp_dir: std::env::temp_dir(),
        sort_memory: 8 << 20,
        keep_rejects,
    };
    let mut output = MemoryOutput::default();
    let report = replay::replay(plan, &input, options, &mut output, progress)?;
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap_or_default();
    Ok(RunOutput { report, actions: text(output.actions), messages: text(output.messages), rejected: output.rejected })
}
