//! Executable plans: what `journey build` writes and `journey run` reads.
//!
//! A [`Plan`] is a self-contained JSON document (`"format": "journey-plan/1"`)
//! holding every journey of a project as a flat graph of numbered nodes, with
//! the profile schema, triggers, segments and messages they need. [`lower()`]
//! builds it from the checker's typed IR; [`Plan::from_json`] reads one back and
//! validates it, so that a hand-edited or corrupt plan gets a clear error. Each
//! journey carries a [`plan_hash`] of its lowered content (RFC 8785 canonical
//! JSON, SHA-256), so a plan edited after `journey build` wrote it is refused.
//! The JSON Schema of the format is `schema/journey-plan.schema.json` (see [`json_schema`]).

mod integrity;
mod lower;
mod model;
mod validate;

pub use integrity::plan_hash;
pub use lower::{lower, walk};
pub use model::*;
pub use validate::PlanError;

impl Plan {
    /// The plan as pretty-printed JSON with a final newline: same plan, same bytes.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads and validates a plan, including each journey's `plan_hash`: a plan
    /// edited after `journey build` wrote it is refused. `origin` names the file
    /// in error messages.
    pub fn from_json(origin: &str, text: &str) -> Result<Plan, PlanError> {
        validate::load(origin, text, validate::Integrity::Checked)
    }

    /// Reads and validates a plan like [`Plan::from_json`] but accepts a journey
    /// whose `plan_hash` is missing or does not match: for the plan that
    /// `journey build` is about to replace, of which it reads only the versions.
    pub fn from_json_to_replace(origin: &str, text: &str) -> Result<Plan, PlanError> {
        validate::load(origin, text, validate::Integrity::Ignored)
    }

    /// The journey named `name`.
    pub fn journey(&self, name: &str) -> Option<&JourneyPlan> {
        self.journeys.iter().find(|j| j.name == name)
    }
}

/// The JSON Schema of the plan format, as pretty-printed JSON.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Plan);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
