//! The plan document: what `journey build` writes and `journey run` reads.
//!
//! Every map is a `BTreeMap`, so the same project always gives the same bytes.
//! Durations are whole seconds; instants are RFC 3339 strings.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The format tag of this version of the plan document.
pub const PLAN_FORMAT: &str = "journey-plan/1";

/// The longest duration a plan holds, in seconds: 10 years of 365 days
/// (`runtime.md` §10). Every duration of a plan is at most this.
pub const MAX_DURATION_SECONDS: u64 = 315_360_000;

/// Leaves out the `default` of a field that the loader reads when missing only
/// to refuse it with a clear message.
fn without_default(schema: &mut schemars::Schema) {
    schema.remove("default");
}

/// Marks `plan_hash` required: the loader reads a journey without one only to
/// refuse it with a clear message.
fn plan_hash_required(schema: &mut schemars::Schema) {
    if let Some(serde_json::Value::Array(required)) = schema.get_mut("required") {
        required.insert(3, "plan_hash".into());
    }
}

/// A plan: every journey of a project, with everything needed to run them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always `journey-plan/1`.
    #[schemars(extend("const" = "journey-plan/1"))]
    pub format: String,
    /// The profile schema: the attributes of a profile.
    pub profile: BTreeMap<String, AttrType>,
    /// Every trigger of the project, by name (events of any of them are valid input).
    pub triggers: BTreeMap<String, TriggerPlan>,
    /// Every segment of the project, by name.
    pub segments: BTreeMap<String, SegmentPlan>,
    /// Every message of the project, by name, with its rendered templates.
    pub contents: BTreeMap<String, ContentPlan>,
    /// The journeys, in name order.
    pub journeys: Vec<JourneyPlan>,
}

/// The type of an attribute: a scalar type name or a nested record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AttrType {
    /// `text`, `int`, `number`, `money`, `bool`, `datetime`, `email` or `phone`.
    Scalar(ScalarType),
    /// A nested record.
    Record(BTreeMap<String, AttrType>),
}

/// The scalar types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScalarType {
    /// Text.
    Text,
    /// A whole number.
    Int,
    /// A number.
    Number,
    /// An amount of money.
    Money,
    /// `true` or `false`.
    Bool,
    /// An RFC 3339 instant.
    Datetime,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
}

/// Where a trigger's events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TriggerSource {
    /// Events sent by the company's own systems.
    Custom,
    /// Store orders, carrying `revenue`.
    Commerce,
    /// Interactions recorded by the platform.
    Interaction,
    /// Record changes.
    Dataverse,
}

/// A trigger: a kind of event with typed attributes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerPlan {
    /// Where its events come from.
    pub source: TriggerSource,
    /// The attributes of its events (`data` in the input).
    pub attributes: BTreeMap<String, AttrType>,
}

/// How a segment's members are known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum SegmentPlan {
    /// A profile is a member while the condition holds.
    Rule(Expr),
    /// Memberships come from the data (`segments` of a profile, `segment.joined`, `segment.left`).
    List,
}

/// The channel of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Email.
    Email,
    /// SMS.
    Sms,
    /// Push notification.
    Push,
}

impl Channel {
    /// Every channel, in report order.
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Push];

    /// The channel's name, as in event types (`email.opened`).
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }
}

/// A message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentPlan {
    /// Email, SMS or push.
    pub channel: Channel,
    /// Its templates by property (`subject`, `body`, `text`, `title`).
    pub templates: BTreeMap<String, TemplatePlan>,
}

/// A message text with its placeholders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePlan {
    /// The text, with `{{...}}` placeholders.
    pub text: String,
    /// What each placeholder reads, in order.
    pub placeholders: Vec<Placeholder>,
}

/// A placeholder of a template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Placeholder {
    /// The placeholder as written, such as `{{profile.first_name}}`.
    pub written: String,
    /// What it reads.
    pub reads: AttrRef,
}

/// A journey, ready to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = plan_hash_required)]
pub struct JourneyPlan {
    /// Its name.
    pub name: String,
    /// Its version: 1, then one more each time its source changes.
    #[schemars(range(min = 1))]
    pub version: u32,
    /// `sha256:` and the hash of the source of the journey and of every declaration it uses.
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub source_hash: String,
    /// `sha256:` and the hash of the journey as lowered, with the definitions it
    /// uses (see `docs/runtime.md`, "Plan integrity"): a plan edited after it was
    /// built does not match it. Read as empty when missing, which the loader refuses.
    #[serde(default)]
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"), transform = without_default)]
    pub plan_hash: String,
    /// How profiles enter.
    pub start: StartPlan,
    /// The business goal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<GoalPlan>,
    /// `exit on` settings.
    pub exit_on: Vec<TriggerMatch>,
    /// Segments whose members never enter.
    pub exclude: Vec<String>,
    /// Segments whose new members leave at once.
    pub suppress: Vec<String>,
    /// The attribution window after leaving, in seconds.
    #[schemars(range(min = 1, max = 315_360_000))]
    pub attribution: u64,
    /// The re-entry rule.
    pub reentry: Reentry,
    /// The `transactional` setting: the journey's sends go to profiles who opted
    /// out of their channel, and frequency caps neither limit nor count them.
    pub transactional: bool,
    /// The first node (`null` for a journey without steps).
    #[serde(deserialize_with = "Option::deserialize")]
    #[schemars(required, extend("type" = ["integer", "null"]))]
    pub entry: Option<u32>,
    /// The steps, as a flat graph: node `i` is at index `i`.
    pub nodes: Vec<Node>,
    /// The messages it sends.
    pub contents: Vec<String>,
    /// The triggers it uses.
    pub triggers: Vec<String>,
    /// The segments it uses (also through other segments).
    pub segments: Vec<String>,
}

/// How profiles enter a journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum StartPlan {
    /// A matching event enters the profile.
    Trigger(TriggerMatch),
    /// The members of a segment enter at the start of the run, and again every `every` seconds.
    Segment {
        /// The segment.
        segment: String,
        /// The repeat period, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(range(min = 1, max = 315_360_000))]
        every: Option<u64>,
    },
}

/// Events of a trigger, with an optional condition on each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerMatch {
    /// The trigger.
    pub trigger: String,
    /// The condition (bare names read the event).
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Expr>,
}

/// The goal types of seed 000.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GoalKind {
    /// Drive a purchase.
    Purchase,
    /// Engage customers.
    Engage,
    /// Increase loyalty.
    Loyalty,
    /// Onboard new people.
    Onboard,
    /// A general notification, measured by opens or clicks.
    Notify,
    /// A custom metric.
    Custom,
}

/// The business goal of a journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalPlan {
    /// Its type.
    #[serde(rename = "type")]
    pub kind: GoalKind,
    /// What counts as reaching it.
    pub measure: GoalMeasure,
    /// The target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

/// What a goal counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum GoalMeasure {
    /// Events of a trigger.
    Trigger(TriggerMatch),
    /// Opens or clicks of any message of the journey.
    Notify(Engagement),
}

/// The engagement a `notify` goal counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Engagement {
    /// Opens (a click with no open counts as an open).
    Opened,
    /// Clicks.
    Clicked,
}

/// A goal target.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Target {
    /// A number of unique profiles.
    Count(#[schemars(range(min = 1))] u64),
    /// A percentage of the unique profiles that entered, in (0, 100].
    Percent(#[schemars(extend("exclusiveMinimum" = 0, "maximum" = 100))] f64),
}

/// The re-entry rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Reentry {
    /// Whenever the profile is not in the journey.
    Always,
    /// Once.
    Never,
    /// This many seconds after the previous entry.
    After(#[schemars(range(min = 1, max = 315_360_000))] u64),
}

/// A step of the flat graph. `next: null` means the profile has finished its steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// The step as reports name it, such as `send InitialReminder`.
    pub step: String,
    /// The line of the step in its file (1-based).
    pub line: u32,
    /// The innermost `stage` the step is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// What it does.
    pub action: Action,
}

/// What a node does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Send a message, then go on.
    Send {
        /// The message.
        content: String,
        /// The address attribute of the profile (`null`: the push token).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Vec<String>>,
        /// The next node.
        #[serde(deserialize_with = "Option::deserialize")]
        #[schemars(required, extend("type" = ["integer", "null"]))]
        next: Option<u32>,
    },
    /// Wait, then go on.
    Wait {
        /// How long, in seconds.
        #[schemars(range(min = 1, max = 315_360_000))]
        seconds: u64,
        /// The next node.
        #[serde(deserialize_with = "Option::deserialize")]
        #[schemars(required, extend("type" = ["integer", "null"]))]
        next: Option<u32>,
    },
    /// Wait up to `within` seconds for an event.
    Await {
        /// The awaited event.
        event: AwaitedEvent,
        /// The deadline, in seconds after the step is reached.
        #[schemars(range(min = 1, max = 315_360_000))]
        within: u64,
        /// Where to go when the event happens in time.
        #[serde(deserialize_with = "Option::deserialize")]
        #[schemars(required, extend("type" = ["integer", "null"]))]
        on_event: Option<u32>,
        /// Where to go at the deadline.
        #[serde(deserialize_with = "Option::deserialize")]
        #[schemars(required, extend("type" = ["integer", "null"]))]
        on_timeout: Option<u32>,
    },
    /// Take the first arm whose condition holds, else `otherwise`.
    Branch {
        /// The arms, in order.
        arms: Vec<Arm>,
        /// Where to go when no arm holds.
        #[serde(deserialize_with = "Option::deserialize")]
        #[schemars(required, extend("type" = ["integer", "null"]))]
        otherwise: Option<u32>,
    },
    /// A random split, deterministic per profile.
    Split {
        /// The arms with their shares.
        arms: Vec<SplitArm>,
    },
    /// Enter a stage of the funnel, then go on.
    Stage {
        /// The stage.
        name: String,
        /// The next node.
        #[serde(deserialize_with = "Option::deserialize")]
        #[schemars(required, extend("type" = ["integer", "null"]))]
        next: Option<u32>,
    },
    /// Leave the journey (`explicit`).
    Exit,
}

impl Action {
    /// Where the action can go next, in order (`None`: the steps are finished).
    pub fn targets(&self) -> Vec<Option<u32>> {
        match self {
            Action::Send { next, .. } | Action::Wait { next, .. } | Action::Stage { next, .. } => vec![*next],
            Action::Await { on_event, on_timeout, .. } => vec![*on_event, *on_timeout],
            Action::Branch { arms, otherwise } => arms.iter().map(|a| a.next).chain([*otherwise]).collect(),
            Action::Split { arms } => arms.iter().map(|a| a.next).collect(),
            Action::Exit => vec![],
        }
    }

    /// The places [`Action::targets`] reads, to change them.
    pub fn targets_mut(&mut self) -> Vec<&mut Option<u32>> {
        match self {
            Action::Send { next, .. } | Action::Wait { next, .. } | Action::Stage { next, .. } => vec![next],
            Action::Await { on_event, on_timeout, .. } => vec![on_event, on_timeout],
            Action::Branch { arms, otherwise } => arms.iter_mut().map(|a| &mut a.next).chain([otherwise]).collect(),
            Action::Split { arms } => arms.iter_mut().map(|a| &mut a.next).collect(),
            Action::Exit => vec![],
        }
    }
}

/// An event awaited by an `if ... within` step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum AwaitedEvent {
    /// An interaction with the latest send of a message in this journey.
    Message {
        /// `opened`, `clicked`, `delivered` or `bounced`.
        interaction: Interaction,
        /// The message.
        content: String,
    },
    /// An event of a trigger.
    Trigger(TriggerMatch),
}

/// Interactions with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interaction {
    /// Opened (or clicked without an open).
    Opened,
    /// Clicked.
    Clicked,
    /// Reported delivered.
    Delivered,
    /// Bounced (email, push) or undelivered (SMS).
    Bounced,
}

/// An arm of a branch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// The condition.
    pub when: Expr,
    /// Where to go when it holds.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schemars(required, extend("type" = ["integer", "null"]))]
    pub next: Option<u32>,
}

/// An arm of a split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitArm {
    /// Its label.
    pub label: String,
    /// Its share, in percent, in (0, 100].
    #[schemars(extend("exclusiveMinimum" = 0, "maximum" = 100))]
    pub share: f64,
    /// Where it goes.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schemars(required, extend("type" = ["integer", "null"]))]
    pub next: Option<u32>,
}

/// Whose attribute a path reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttrRoot {
    /// The profile.
    Profile,
    /// The event being matched (bare names in a trigger condition).
    Event,
    /// The event that started the journey (`trigger.x`).
    Start,
}

/// An attribute path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttrRef {
    /// Whose attribute.
    pub root: AttrRoot,
    /// The path.
    pub path: Vec<String>,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BinaryOp {
    /// Logical or.
    #[serde(rename = "or")]
    Or,
    /// Logical and.
    #[serde(rename = "and")]
    And,
    /// Equal.
    #[serde(rename = "==")]
    Eq,
    /// Not equal.
    #[serde(rename = "!=")]
    Ne,
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// Less or equal.
    #[serde(rename = "<=")]
    Le,
    /// Greater than.
    #[serde(rename = ">")]
    Gt,
    /// Greater or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Addition.
    #[serde(rename = "+")]
    Add,
    /// Subtraction.
    #[serde(rename = "-")]
    Sub,
    /// Multiplication.
    #[serde(rename = "*")]
    Mul,
    /// Division.
    #[serde(rename = "/")]
    Div,
}

/// A constant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Literal {
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An RFC 3339 instant.
    Datetime(String),
}

/// An expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Expr {
    /// A constant.
    Literal(Literal),
    /// An attribute.
    Attr(AttrRef),
    /// Logical not.
    Not(Box<Expr>),
    /// Arithmetic negation.
    Neg(Box<Expr>),
    /// A binary operation.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// Membership of a segment.
    InSegment(String),
    /// How many events of a trigger the profile caused in the last `within` seconds.
    Count {
        /// The trigger.
        trigger: String,
        /// The condition on each event.
        #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
        condition: Option<Box<Expr>>,
        /// The window, in seconds.
        #[schemars(range(max = 315_360_000))]
        within: u64,
    },
    /// The sum of an attribute of a trigger's events in the last `within` seconds.
    Sum {
        /// The trigger.
        trigger: String,
        /// The summed attribute.
        attribute: Vec<String>,
        /// The condition on each event.
        #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
        condition: Option<Box<Expr>>,
        /// The window, in seconds.
        #[schemars(range(max = 315_360_000))]
        within: u64,
    },
    /// Days since the latest event of a trigger.
    DaysSince {
        /// The trigger.
        trigger: String,
        /// The condition on each event.
        #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
        condition: Option<Box<Expr>>,
    },
}
