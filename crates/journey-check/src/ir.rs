//! The typed IR: a checked project with every name resolved and every
//! expression typed. It is the single source of truth for later stages: plan
//! lowering and the language server read it, never the syntax tree.
//!
//! The IR is built even for projects with errors (so that editors keep working);
//! references that did not resolve are `None`. A project is only lowered to a
//! plan when its check has no error.

use std::sync::Arc;

use journey_diagnostics::{FileId, Span};
use smol_str::SmolStr;

pub use journey_syntax::ast::{BinaryOp, Channel, Interaction};

/// Where something is written: a file and a span in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// The file.
    pub file: FileId,
    /// The bytes.
    pub span: Span,
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The index of the declaration in its list of the [`Program`].
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

ids! {
    /// A trigger of the [`Program`].
    TriggerId;
    /// A message (email, SMS or push) of the [`Program`].
    ContentId;
    /// A segment of the [`Program`].
    SegmentId;
    /// A journey of the [`Program`].
    JourneyId;
    /// A step of a journey, numbered in source order from 0 (pre-order).
    StepId;
}

/// The scalar types of attributes and expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    /// `text`
    Text,
    /// `int`
    Int,
    /// `number`
    Number,
    /// `money`
    Money,
    /// `bool`
    Bool,
    /// `datetime`
    DateTime,
    /// `email`: an email address.
    Email,
    /// `phone`: a phone number.
    Phone,
}

impl Scalar {
    /// Every type name, as written in schemas.
    pub const NAMES: [&'static str; 8] = ["text", "int", "number", "money", "bool", "datetime", "email", "phone"];

    /// The type as written in a schema.
    pub fn name(self) -> &'static str {
        match self {
            Scalar::Text => "text",
            Scalar::Int => "int",
            Scalar::Number => "number",
            Scalar::Money => "money",
            Scalar::Bool => "bool",
            Scalar::DateTime => "datetime",
            Scalar::Email => "email",
            Scalar::Phone => "phone",
        }
    }

    /// The type named `name` in a schema.
    pub fn from_name(name: &str) -> Option<Scalar> {
        Some(match name {
            "text" => Scalar::Text,
            "int" => Scalar::Int,
            "number" => Scalar::Number,
            "money" => Scalar::Money,
            "bool" => Scalar::Bool,
            "datetime" => Scalar::DateTime,
            "email" => Scalar::Email,
            "phone" => Scalar::Phone,
            _ => return None,
        })
    }

    /// Numbers: `int`, `number` and `money` compare and combine with each other.
    pub fn is_numeric(self) -> bool {
        matches!(self, Scalar::Int | Scalar::Number | Scalar::Money)
    }

    /// Text: `text`, `email` and `phone` compare with each other and with strings.
    pub fn is_textual(self) -> bool {
        matches!(self, Scalar::Text | Scalar::Email | Scalar::Phone)
    }
}

/// The type of an attribute: a scalar or a nested record.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrType {
    /// A scalar value.
    Scalar(Scalar),
    /// A nested record of attributes.
    Record(Record),
}

/// A record of attributes: the profile schema, a trigger's payload, a nested record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// The attributes, in source order.
    pub fields: Vec<Attribute>,
    /// Attributes declared with a type that does not exist (already reported as
    /// J0123): they are not in `fields`, and a use of one is not reported again,
    /// as rustc does not report the uses of a value whose type is an error.
    pub untyped: Vec<SmolStr>,
}

impl Record {
    /// The attribute named `name`.
    pub fn field(&self, name: &str) -> Option<&Attribute> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The attribute at the dotted `path` (`["loyalty", "tier"]`).
    pub fn lookup<S: AsRef<str>>(&self, path: &[S]) -> Option<&Attribute> {
        let (first, rest) = path.split_first()?;
        let field = self.field(first.as_ref())?;
        match (&field.ty, rest.is_empty()) {
            (_, true) => Some(field),
            (AttrType::Record(inner), false) => inner.lookup(rest),
            (AttrType::Scalar(_), false) => None,
        }
    }

    /// Whether the dotted `path` goes through an attribute declared with an
    /// unknown type: what it names cannot be checked, and is not reported.
    pub fn is_untyped<S: AsRef<str>>(&self, path: &[S]) -> bool {
        let Some((first, rest)) = path.split_first() else { return false };
        match self.field(first.as_ref()) {
            Some(Attribute { ty: AttrType::Record(inner), .. }) => inner.is_untyped(rest),
            Some(_) => false,
            None => self.untyped.iter().any(|name| name == first.as_ref()),
        }
    }

    /// Every scalar attribute with its dotted path, depth first.
    pub fn scalar_paths(&self) -> Vec<(String, Scalar)> {
        let mut out = Vec::new();
        fn walk(record: &Record, prefix: &str, out: &mut Vec<(String, Scalar)>) {
            for field in &record.fields {
                let path = if prefix.is_empty() { field.name.to_string() } else { format!("{prefix}.{}", field.name) };
                match &field.ty {
                    AttrType::Scalar(s) => out.push((path, *s)),
                    AttrType::Record(r) => walk(r, &path, out),
                }
            }
        }
        walk(self, "", &mut out);
        out
    }
}

/// The dotted path of an attribute inside its record (`["loyalty", "tier"]`).
/// Built once per declared attribute and shared by every expression and use that
/// reads it, so that resolving a name allocates nothing.
pub type AttrPath = Arc<[SmolStr]>;

/// An attribute of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Its name.
    pub name: SmolStr,
    /// Its path from the root of the schema or payload (its name last).
    pub path: AttrPath,
    /// Its type.
    pub ty: AttrType,
    /// Where its name is written.
    pub loc: Loc,
    /// Its `///` documentation.
    pub docs: Option<String>,
}

/// The `profile { ... }` schema.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileDef {
    /// Where the `profile` keyword is.
    pub loc: Loc,
    /// Its documentation.
    pub docs: Option<String>,
    /// The attributes of a profile.
    pub attributes: Record,
}

/// Where a trigger's events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerSource {
    /// `custom` (the default): events sent by the company's own systems.
    Custom,
    /// `commerce`: store orders; carries `revenue: money`.
    Commerce,
    /// `interaction`: interactions recorded by the platform.
    Interaction,
    /// `dataverse`: changes of records; never a goal.
    Dataverse,
}

impl TriggerSource {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            TriggerSource::Custom => "custom",
            TriggerSource::Commerce => "commerce",
            TriggerSource::Interaction => "interaction",
            TriggerSource::Dataverse => "dataverse",
        }
    }
}

/// A declared trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerDef {
    /// Its name.
    pub name: SmolStr,
    /// Where its name is written.
    pub loc: Loc,
    /// The whole declaration.
    pub decl: Loc,
    /// Its documentation.
    pub docs: Option<String>,
    /// Where its events come from.
    pub source: TriggerSource,
    /// Whether it is `status published` (required to publish a journey using it).
    pub published: bool,
    /// The attributes of its events.
    pub attributes: Record,
}

/// A message's text with its placeholders.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    /// The text, escapes resolved (placeholders still written `{{...}}`).
    pub text: String,
    /// The placeholders, in order.
    pub placeholders: Vec<PlaceholderRef>,
    /// Where the string literal is.
    pub loc: Loc,
}

/// What a placeholder reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceholderRoot {
    /// `{{profile.x}}`
    Profile,
    /// `{{trigger.x}}`: the payload of the event that started the journey.
    Trigger,
}

/// A `{{root.path}}` placeholder.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceholderRef {
    /// `profile` or `trigger` (`None` for another root, already reported).
    pub root: Option<PlaceholderRoot>,
    /// The attribute path after the root.
    pub path: Vec<SmolStr>,
    /// The placeholder as written (`{{profile.first_name}}`).
    pub written: String,
    /// Where it is.
    pub loc: Loc,
}

/// A declared message.
#[derive(Clone, Debug, PartialEq)]
pub struct ContentDef {
    /// Its name.
    pub name: SmolStr,
    /// Where its name is written.
    pub loc: Loc,
    /// The whole declaration.
    pub decl: Loc,
    /// Its documentation.
    pub docs: Option<String>,
    /// Email, SMS or push.
    pub channel: Channel,
    /// Whether it is `status ready` (required to publish a journey sending it).
    pub ready: bool,
    /// `subject` (email).
    pub subject: Option<Template>,
    /// `body` (email, push).
    pub body: Option<Template>,
    /// `text` (SMS).
    pub text: Option<Template>,
    /// `title` (push).
    pub title: Option<Template>,
}

impl ContentDef {
    /// Its templates with their property names, in a fixed order.
    pub fn templates(&self) -> impl Iterator<Item = (&'static str, &Template)> {
        [("subject", &self.subject), ("title", &self.title), ("text", &self.text), ("body", &self.body)]
            .into_iter()
            .filter_map(|(k, t)| t.as_ref().map(|t| (k, t)))
    }
}

/// How a segment's members are known.
#[derive(Clone, Debug, PartialEq)]
pub enum SegmentRule {
    /// `where EXPR`: a profile is a member when the condition holds.
    Where(Expr),
    /// `source list`: memberships come from the data.
    List,
    /// Neither (already reported).
    Missing,
}

/// A declared segment.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentDef {
    /// Its name.
    pub name: SmolStr,
    /// Where its name is written.
    pub loc: Loc,
    /// The whole declaration.
    pub decl: Loc,
    /// Its documentation.
    pub docs: Option<String>,
    /// Its rule.
    pub rule: SegmentRule,
}

/// A constant value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number (ints, numbers and money alike).
    Number(f64),
    /// Text.
    Text(String),
    /// `true` or `false`.
    Bool(bool),
    /// An instant, milliseconds since the Unix epoch.
    DateTime(i64),
}

/// Whose attribute a path reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttrRoot {
    /// `profile.x`: the profile.
    Profile,
    /// A bare name in a trigger condition: the event being matched.
    Event(TriggerId),
    /// `trigger.x`: the event that started the journey.
    StartTrigger(TriggerId),
}

/// A resolved attribute path.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrRef {
    /// Whose attribute.
    pub root: AttrRoot,
    /// The path inside that record.
    pub path: AttrPath,
}

/// A typed expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type (`None` when it has an error, already reported).
    pub ty: Option<Scalar>,
    /// Where it is written (in the file of the declaration holding it).
    pub span: Span,
}

impl Expr {
    /// Calls `f` on this expression and on every expression inside it, parents first.
    pub fn visit(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Not(e) | ExprKind::Neg(e) => e.visit(f),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.visit(f);
                rhs.visit(f);
            }
            ExprKind::Count { condition, .. }
            | ExprKind::Sum { condition, .. }
            | ExprKind::DaysSince { condition, .. } => {
                if let Some(c) = condition {
                    c.visit(f);
                }
            }
            ExprKind::Literal(_) | ExprKind::Attribute(_) | ExprKind::InSegment(_) | ExprKind::Error => {}
        }
    }
}

/// The expressions of the IR.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A constant.
    Literal(Value),
    /// An attribute.
    Attribute(AttrRef),
    /// `not E`
    Not(Box<Expr>),
    /// `-E`
    Neg(Box<Expr>),
    /// `A op B`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `profile in Segment`
    InSegment(SegmentId),
    /// `count(T [where C] within D)`: how many such events the profile caused in the window.
    Count {
        /// The trigger.
        trigger: TriggerId,
        /// The condition on each event.
        condition: Option<Box<Expr>>,
        /// The window, in seconds.
        within: u64,
    },
    /// `sum(T.attr [where C] within D)`
    Sum {
        /// The trigger.
        trigger: TriggerId,
        /// The summed attribute.
        attribute: AttrPath,
        /// The condition on each event.
        condition: Option<Box<Expr>>,
        /// The window, in seconds.
        within: u64,
    },
    /// `days_since(T [where C])`: days since the latest such event.
    DaysSince {
        /// The trigger.
        trigger: TriggerId,
        /// The condition on each event.
        condition: Option<Box<Expr>>,
    },
    /// An expression with an error (already reported).
    Error,
}

/// How a journey is entered.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// `start on TRIGGER [where EXPR]`
    Trigger {
        /// The trigger (`None` when unresolved).
        trigger: Option<TriggerId>,
        /// The condition on the event.
        condition: Option<Expr>,
        /// The setting.
        loc: Loc,
    },
    /// `start segment SEGMENT [every DURATION]`
    Segment {
        /// The segment (`None` when unresolved).
        segment: Option<SegmentId>,
        /// The repeat period in seconds.
        every: Option<u64>,
        /// The setting.
        loc: Loc,
    },
}

impl Start {
    /// The start trigger, for a trigger-based journey.
    pub fn trigger(&self) -> Option<TriggerId> {
        match self {
            Start::Trigger { trigger, .. } => *trigger,
            Start::Segment { .. } => None,
        }
    }
}

/// The business goal types of seed 000.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GoalKind {
    /// Drive a purchase.
    Purchase,
    /// Engage customers (event registration...).
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

impl GoalKind {
    /// Every goal type, as written.
    pub const NAMES: [&'static str; 6] = ["purchase", "engage", "loyalty", "onboard", "notify", "custom"];

    /// The goal type as written.
    pub fn keyword(self) -> &'static str {
        match self {
            GoalKind::Purchase => "purchase",
            GoalKind::Engage => "engage",
            GoalKind::Loyalty => "loyalty",
            GoalKind::Onboard => "onboard",
            GoalKind::Notify => "notify",
            GoalKind::Custom => "custom",
        }
    }

    /// The goal type written `word`.
    pub fn from_keyword(word: &str) -> Option<GoalKind> {
        Some(match word {
            "purchase" => GoalKind::Purchase,
            "engage" => GoalKind::Engage,
            "loyalty" => GoalKind::Loyalty,
            "onboard" => GoalKind::Onboard,
            "notify" => GoalKind::Notify,
            "custom" => GoalKind::Custom,
            _ => return None,
        })
    }
}

/// What a goal counts.
#[derive(Clone, Debug, PartialEq)]
pub enum GoalMeasure {
    /// Events of a trigger, with an optional condition.
    Trigger {
        /// The trigger (`None` when unresolved).
        trigger: Option<TriggerId>,
        /// The condition on the event.
        condition: Option<Expr>,
    },
    /// Opens (`true`: clicks) of any message of the journey.
    Notify {
        /// Clicks rather than opens.
        clicked: bool,
    },
}

/// A goal target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// A number of unique profiles.
    Count(u64),
    /// A percentage of the unique profiles that entered.
    Percent(f64),
}

/// A journey's business goal.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// The type (`None` when unknown, already reported).
    pub kind: Option<GoalKind>,
    /// What it counts.
    pub measure: Option<GoalMeasure>,
    /// The target.
    pub target: Option<Target>,
    /// The setting.
    pub loc: Loc,
}

/// An `exit on TRIGGER [where EXPR]` setting.
#[derive(Clone, Debug, PartialEq)]
pub struct ExitOn {
    /// The trigger.
    pub trigger: Option<TriggerId>,
    /// The condition on the event.
    pub condition: Option<Expr>,
    /// The setting.
    pub loc: Loc,
}

/// The `reentry` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reentry {
    /// A profile may enter again whenever it is not in the journey (the default).
    Always,
    /// A profile enters at most once.
    Never,
    /// A profile may enter again this many seconds after its previous entry.
    After(u64),
}

/// A step of a journey.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Its number in the journey.
    pub id: StepId,
    /// Where it is written.
    pub span: Span,
    /// What it does.
    pub kind: StepKind,
}

/// The steps of the IR.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// Send a message.
    Send {
        /// The message (`None` when unresolved).
        content: Option<ContentId>,
        /// The address attribute.
        to: Option<AttrRef>,
    },
    /// Wait this many seconds.
    Wait(u64),
    /// Branches tried in order, then `otherwise`.
    If {
        /// The branches.
        branches: Vec<Branch>,
        /// The `else` steps.
        otherwise: Option<Vec<Step>>,
    },
    /// A random split.
    Split {
        /// The branches.
        branches: Vec<SplitBranch>,
    },
    /// A named stage of the funnel.
    Stage {
        /// The stage name.
        name: SmolStr,
        /// Its steps.
        steps: Vec<Step>,
    },
    /// Leave the journey now.
    Exit,
    /// A step with an error (already reported).
    Error,
}

/// One `if` branch.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    /// The condition.
    pub condition: Condition,
    /// The steps taken when it holds.
    pub steps: Vec<Step>,
    /// Where the condition is written.
    pub span: Span,
}

/// A branch condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// An immediate condition.
    Expr(Expr),
    /// Wait up to `within` seconds for `event`.
    Event {
        /// The branch is taken when the event does *not* happen in time.
        negated: bool,
        /// The awaited event.
        event: Event,
        /// The deadline, in seconds after the step is reached.
        within: u64,
    },
}

/// An awaited event.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// An interaction with a message sent earlier.
    Message {
        /// Which interaction.
        interaction: Interaction,
        /// The message.
        content: Option<ContentId>,
    },
    /// An event of a trigger.
    Trigger {
        /// The trigger.
        trigger: Option<TriggerId>,
        /// The condition on the event.
        condition: Option<Expr>,
    },
}

/// One branch of a split.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitBranch {
    /// Its label (`A`, `B`, or the position when unlabelled).
    pub label: SmolStr,
    /// Its share, in percent.
    pub share: f64,
    /// Its steps.
    pub steps: Vec<Step>,
}

/// Elapsed time since entry, in seconds: the earliest and latest a profile can be there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Elapsed {
    /// The earliest.
    pub min: u64,
    /// The latest.
    pub max: u64,
}

/// What the control-flow analysis knows of a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepFlow {
    /// Whether a profile can reach the step.
    pub reachable: bool,
    /// When a profile reaches it, after entering.
    pub elapsed: Elapsed,
}

/// A summary of a journey, for reports and editors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JourneySummary {
    /// How many `send` steps it has.
    pub messages: usize,
    /// The longest time a profile can spend in it, in seconds.
    pub longest: u64,
}

/// A checked journey.
#[derive(Clone, Debug, PartialEq)]
pub struct JourneyDef {
    /// Its name.
    pub name: SmolStr,
    /// Where its name is written.
    pub loc: Loc,
    /// The whole declaration.
    pub decl: Loc,
    /// Its documentation.
    pub docs: Option<String>,
    /// How profiles enter (`None` when missing, already reported).
    pub start: Option<Start>,
    /// The goal.
    pub goal: Option<Goal>,
    /// The `exit on` settings.
    pub exits: Vec<ExitOn>,
    /// Excluded segments.
    pub exclude: Vec<SegmentId>,
    /// Suppression segments.
    pub suppress: Vec<SegmentId>,
    /// The attribution window in seconds (default 3 days).
    pub attribution: u64,
    /// The reentry rule.
    pub reentry: Reentry,
    /// The `transactional` setting: the journey sends to profiles who opted out
    /// and is neither limited nor counted by frequency caps.
    pub transactional: bool,
    /// The top-level steps.
    pub steps: Vec<Step>,
    /// Flow facts per step, indexed by [`StepId`].
    pub flow: Vec<StepFlow>,
    /// A summary.
    pub summary: JourneySummary,
}

impl JourneyDef {
    /// A journey as declared, before its settings and steps are read: no start,
    /// no goal, the default attribution window (3 days), `reentry always`, not transactional.
    pub fn declared(name: SmolStr, loc: Loc, decl: Loc, docs: Option<String>) -> JourneyDef {
        JourneyDef {
            name,
            loc,
            decl,
            docs,
            start: None,
            goal: None,
            exits: Vec::new(),
            exclude: Vec::new(),
            suppress: Vec::new(),
            attribution: 3 * 86_400,
            reentry: Reentry::Always,
            transactional: false,
            steps: Vec::new(),
            flow: Vec::new(),
            summary: JourneySummary::default(),
        }
    }

    /// Calls `f` on every step, in pre-order (the order of their ids), without
    /// collecting them.
    pub fn for_each_step<'a>(&'a self, f: &mut impl FnMut(&'a Step)) {
        fn walk<'a>(steps: &'a [Step], f: &mut impl FnMut(&'a Step)) {
            for step in steps {
                f(step);
                match &step.kind {
                    StepKind::If { branches, otherwise } => {
                        for b in branches {
                            walk(&b.steps, f);
                        }
                        if let Some(o) = otherwise {
                            walk(o, f);
                        }
                    }
                    StepKind::Split { branches } => {
                        for b in branches {
                            walk(&b.steps, f);
                        }
                    }
                    StepKind::Stage { steps, .. } => walk(steps, f),
                    _ => {}
                }
            }
        }
        walk(&self.steps, f);
    }

    /// Every step, in pre-order (the order of their ids).
    pub fn all_steps(&self) -> Vec<&Step> {
        let mut out = Vec::new();
        fn walk<'a>(steps: &'a [Step], out: &mut Vec<&'a Step>) {
            for step in steps {
                out.push(step);
                match &step.kind {
                    StepKind::If { branches, otherwise } => {
                        for b in branches {
                            walk(&b.steps, out);
                        }
                        if let Some(o) = otherwise {
                            walk(o, out);
                        }
                    }
                    StepKind::Split { branches } => {
                        for b in branches {
                            walk(&b.steps, out);
                        }
                    }
                    StepKind::Stage { steps, .. } => walk(steps, out),
                    _ => {}
                }
            }
        }
        walk(&self.steps, &mut out);
        out
    }
}

/// A named declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclRef {
    /// A trigger.
    Trigger(TriggerId),
    /// A message.
    Content(ContentId),
    /// A segment.
    Segment(SegmentId),
    /// A journey.
    Journey(JourneyId),
}

/// What a name written somewhere refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// A declaration.
    Decl(DeclRef),
    /// An attribute of the profile, by path.
    ProfileAttribute(AttrPath),
    /// An attribute of a trigger's events, by path.
    TriggerAttribute(TriggerId, AttrPath),
}

/// A use of a name: where it is written and what it refers to (for go to
/// definition, find references and rename).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// Where the name is written (just the name, not the whole path).
    pub loc: Loc,
    /// What it refers to.
    pub symbol: Symbol,
}

/// A checked project.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// The profile schema.
    pub profile: Option<ProfileDef>,
    /// The triggers, by [`TriggerId`].
    pub triggers: Vec<TriggerDef>,
    /// The messages, by [`ContentId`].
    pub contents: Vec<ContentDef>,
    /// The segments, by [`SegmentId`].
    pub segments: Vec<SegmentDef>,
    /// The journeys, by [`JourneyId`].
    pub journeys: Vec<JourneyDef>,
    /// Every resolved use of a name, in file and position order.
    pub uses: Vec<Use>,
}

impl Program {
    /// The trigger `id`.
    pub fn trigger(&self, id: TriggerId) -> &TriggerDef {
        &self.triggers[id.index()]
    }

    /// The message `id`.
    pub fn content(&self, id: ContentId) -> &ContentDef {
        &self.contents[id.index()]
    }

    /// The segment `id`.
    pub fn segment(&self, id: SegmentId) -> &SegmentDef {
        &self.segments[id.index()]
    }

    /// The trigger named `name`.
    pub fn trigger_named(&self, name: &str) -> Option<TriggerId> {
        self.triggers.iter().position(|t| t.name == name).map(|i| TriggerId(i as u32))
    }

    /// The message named `name`.
    pub fn content_named(&self, name: &str) -> Option<ContentId> {
        self.contents.iter().position(|t| t.name == name).map(|i| ContentId(i as u32))
    }

    /// The segment named `name`.
    pub fn segment_named(&self, name: &str) -> Option<SegmentId> {
        self.segments.iter().position(|t| t.name == name).map(|i| SegmentId(i as u32))
    }

    /// The journey named `name`.
    pub fn journey_named(&self, name: &str) -> Option<JourneyId> {
        self.journeys.iter().position(|t| t.name == name).map(|i| JourneyId(i as u32))
    }

    /// The name and place of a declaration.
    pub fn decl_name(&self, decl: DeclRef) -> (&SmolStr, Loc) {
        match decl {
            DeclRef::Trigger(id) => (&self.triggers[id.index()].name, self.triggers[id.index()].loc),
            DeclRef::Content(id) => (&self.contents[id.index()].name, self.contents[id.index()].loc),
            DeclRef::Segment(id) => (&self.segments[id.index()].name, self.segments[id.index()].loc),
            DeclRef::Journey(id) => (&self.journeys[id.index()].name, self.journeys[id.index()].loc),
        }
    }
}
