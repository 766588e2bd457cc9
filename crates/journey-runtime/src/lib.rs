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

use journey_plan::Plan;

pub use engine::Options;
pub use input::{InputError, Problem, Rejected};
pub use report::{Messages, RecipientRow, Report};

/// A data file: its name (for messages) and its text.
#[derive(Clone, Copy, Debug)]
pub struct DataFile<'a> {
    /// The name shown in errors.
    pub name: &'a str,
    /// The JSON Lines.
    pub text: &'a str,
}

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
/// the run goes on; without, the first bad line is the error.
pub fn run(
    plan: &Plan,
    profiles: DataFile<'_>,
    events: DataFile<'_>,
    options: Options,
    keep_rejects: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunOutput, InputError> {
    let catalog = input::Catalog::of(plan);
    let mut rejected = Vec::new();
    let parsed_profiles =
        input::read_profiles(&catalog, profiles.name, profiles.text, keep_rejects.then_some(&mut rejected))?;
    let parsed_events = input::read_events(
        &catalog,
        &parsed_profiles,
        events.name,
        events.text,
        keep_rejects.then_some(&mut rejected),
    )?;
    let profile_count = parsed_profiles.list.len() as u64;
    let total = parsed_events.list.len() as u64;
    let engine = engine::Engine::new(plan, &catalog, parsed_profiles);
    let outcome = engine.run(&parsed_events.list, options, &mut |done| progress(done, total));
    if let Some((line, message)) = outcome.unmatched.first() {
        let error = |line: u32, message: &str| InputError {
            file: events.name.to_owned(),
            line: line as usize,
            problem: Problem { field: "content".to_owned(), message: message.to_owned() },
        };
        if !keep_rejects {
            return Err(error(*line, message));
        }
        let lines: Vec<&str> = events.text.lines().collect();
        for (line, message) in &outcome.unmatched {
            let text = lines.get(*line as usize - 1).copied().unwrap_or_default().to_owned();
            rejected.push(Rejected { error: error(*line, message), text });
        }
    }
    let summary = report::InputSummary {
        profiles: profile_count,
        events: outcome.events_processed - outcome.unmatched.len() as u64,
        duplicates: outcome.duplicates,
        before_start: outcome.before_start,
        after_until: outcome.after_until,
        rejected: rejected.len() as u64,
    };
    let report = report::build(plan, &catalog, &outcome, summary);
    let messages = Messages::new(plan, &catalog, outcome.profile_ids, outcome.addresses, outcome.messages);
    Ok(RunOutput { report, messages, rejected })
}
