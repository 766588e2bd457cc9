//! Delivery: handing the outbox's messages to each channel's provider
//! (service.md §4).

use std::collections::BTreeMap;

/// One message to deliver, as the outbox holds it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outgoing {
    /// Its id: `JOURNEY/VERSION/PROFILE/ENTRY/NODE`, the idempotency key.
    pub message_id: String,
    /// The journey that sent it.
    pub journey: String,
    /// The journey's version.
    pub version: u32,
    /// The profile id.
    pub profile: String,
    /// `email`, `sms`, `push` (and `webhook` later).
    pub channel: String,
    /// The content's name.
    pub content: String,
    /// The address it goes to, when the send has one.
    pub to: Option<String>,
    /// The content's templates rendered for the profile, by property
    /// (`subject`, `body`, `text`, `title`).
    pub rendered: BTreeMap<String, String>,
    /// When it was sent (RFC 3339, UTC).
    pub ts: String,
    /// The action line of the send, as `journey run` writes it to `actions.jsonl`.
    pub action_line: String,
}

/// Why a delivery did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// It may succeed later (timeout, 5xx, 429, connection refused): retried with backoff.
    Retry(String),
    /// It will never succeed (4xx other than 408/429, a refused address): a dead letter at once.
    Permanent(String),
}

/// A channel's provider: hands one message over, blocking until the provider
/// accepted or refused it.
pub trait Provider: Send + Sync {
    /// Delivers `message`.
    fn deliver(&self, message: &Outgoing) -> Result<(), Failure>;
}
