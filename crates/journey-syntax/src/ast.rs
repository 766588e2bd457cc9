//! The syntax tree of a `.journey` file, exactly as written: every node keeps
//! its span, nothing is resolved. The checker turns it into a typed IR.

use journey_diagnostics::Span;
use smol_str::SmolStr;

/// A name as written, e.g. `AbandonedCart` or `total`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The text of the name.
    pub text: SmolStr,
    /// Where it is written.
    pub span: Span,
}

/// A parsed `.journey` file: its declarations in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceTree {
    /// The declarations, in the order they appear.
    pub decls: Vec<Decl>,
}

/// A top-level declaration with its documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    /// The `///` lines right before the declaration, without the `///` prefix.
    pub docs: Option<Box<Docs>>,
    /// The declaration itself.
    pub kind: DeclKind,
    /// From the keyword to the closing `}`.
    pub span: Span,
}

/// Documentation written with `///` lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Docs {
    /// The text, one line per `///` line, with the `///` and one following space removed.
    pub text: String,
    /// The span of all the `///` lines.
    pub span: Span,
}

/// The kinds of declarations.
#[derive(Clone, Debug, PartialEq)]
pub enum DeclKind {
    /// `profile { ... }`: the attributes of a customer profile.
    Profile(ProfileDecl),
    /// `trigger Name { ... }`: an event customers cause.
    Trigger(TriggerDecl),
    /// `email|sms|push Name { ... }`: a message.
    Content(ContentDecl),
    /// `segment Name { ... }`: an audience.
    Segment(SegmentDecl),
    /// `journey Name { ... }`: a customer path.
    Journey(JourneyDecl),
}

impl Decl {
    /// The declared name (`None` for `profile`, which has none).
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            DeclKind::Profile(_) => None,
            DeclKind::Trigger(d) => Some(&d.name),
            DeclKind::Content(d) => Some(&d.name),
            DeclKind::Segment(d) => Some(&d.name),
            DeclKind::Journey(d) => Some(&d.name),
        }
    }

    /// The keyword that starts the declaration, as written.
    pub fn keyword(&self) -> &'static str {
        match &self.kind {
            DeclKind::Profile(_) => "profile",
            DeclKind::Trigger(_) => "trigger",
            DeclKind::Content(d) => d.channel.keyword(),
            DeclKind::Segment(_) => "segment",
            DeclKind::Journey(_) => "journey",
        }
    }
}

/// `profile { email: email ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileDecl {
    /// The `profile` keyword.
    pub keyword: Span,
    /// The attributes and anything else written in the body.
    pub body: Body,
}

/// `trigger Name { source custom  status published  cart: {...} }`.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerDecl {
    /// The `trigger` keyword.
    pub keyword: Span,
    /// The trigger's name.
    pub name: Ident,
    /// Properties (`source`, `status`) and attributes.
    pub body: Body,
}

/// The channel of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// `email`
    Email,
    /// `sms`
    Sms,
    /// `push`
    Push,
}

impl Channel {
    /// The keyword that declares content of this channel.
    pub fn keyword(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }
}

/// `email|sms|push Name { status ready  subject "..." ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ContentDecl {
    /// The channel, from the keyword.
    pub channel: Channel,
    /// The keyword.
    pub keyword: Span,
    /// The message's name.
    pub name: Ident,
    /// Its properties.
    pub body: Body,
}

/// `segment Name { where ... }` or `segment Name { source list }`.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentDecl {
    /// The `segment` keyword.
    pub keyword: Span,
    /// The segment's name.
    pub name: Ident,
    /// Its `where` rule or its `source`.
    pub body: Body,
}

/// The `{ ... }` body of a profile, trigger, content or segment declaration: a list of
/// items the checker validates for each kind of declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// The items, in source order.
    pub items: Vec<BodyItem>,
    /// From `{` to `}`.
    pub span: Span,
}

/// One item of a declaration body.
#[derive(Clone, Debug, PartialEq)]
pub enum BodyItem {
    /// `name: type`, an attribute.
    Field(Field),
    /// `key value`, a property such as `status ready` or `subject "..."`.
    Property(Property),
    /// `where EXPR`, a segment rule.
    Where(WhereClause),
}

/// `name: type`, with optional `///` documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The `///` lines right before the attribute.
    pub docs: Option<Box<Docs>>,
    /// The attribute name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// From the name to the end of the type.
    pub span: Span,
}

/// A type as written: a type name or a nested record.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// `text`, `int`, `money`...
    Named(Ident),
    /// `{ name: type, ... }`
    Record(Record),
    /// A type that could not be parsed (already reported).
    Error(Span),
}

impl TypeExpr {
    /// Where the type is written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::Record(r) => r.span,
            TypeExpr::Error(s) => *s,
        }
    }
}

/// `{ name: type, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The fields, in order.
    pub fields: Vec<Field>,
    /// From `{` to `}`.
    pub span: Span,
}

/// `key value`, such as `status ready` or `subject "..."`.
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    /// The property name.
    pub key: Ident,
    /// Its value.
    pub value: PropertyValue,
    /// From the key to the end of the value.
    pub span: Span,
}

/// The value of a property.
#[derive(Clone, Debug, PartialEq)]
pub enum PropertyValue {
    /// A word such as `ready` or `published`.
    Word(Ident),
    /// A string.
    String(Box<StringLit>),
    /// Any other literal (numbers, durations...), which no property takes.
    Literal(Literal),
    /// A value that could not be parsed (already reported).
    Error(Span),
}

impl PropertyValue {
    /// Where the value is written.
    pub fn span(&self) -> Span {
        match self {
            PropertyValue::Word(i) => i.span,
            PropertyValue::String(s) => s.span,
            PropertyValue::Literal(l) => l.span,
            PropertyValue::Error(s) => *s,
        }
    }
}

/// `where EXPR`.
#[derive(Clone, Debug, PartialEq)]
pub struct WhereClause {
    /// The `where` keyword.
    pub keyword: Span,
    /// The condition.
    pub condition: Expr,
}

/// `journey Name { settings... steps... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct JourneyDecl {
    /// The `journey` keyword.
    pub keyword: Span,
    /// The journey's name.
    pub name: Ident,
    /// Settings, in source order (they come before the steps).
    pub settings: Vec<Setting>,
    /// The top-level steps.
    pub steps: Vec<Step>,
    /// From `{` to `}`.
    pub body_span: Span,
}

/// A journey setting.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// Which setting, with its arguments.
    pub kind: SettingKind,
    /// The whole setting.
    pub span: Span,
}

/// The journey settings of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum SettingKind {
    /// `start on TRIGGER [where EXPR]`
    StartOn {
        /// The start trigger.
        trigger: Ident,
        /// The trigger condition.
        condition: Option<WhereClause>,
    },
    /// `start segment SEGMENT [every DURATION]`
    StartSegment {
        /// The audience.
        segment: Ident,
        /// The repeat period.
        every: Option<DurationLit>,
    },
    /// `goal TYPE ...`
    Goal(Box<Goal>),
    /// `exit on TRIGGER [where EXPR]`
    ExitOn {
        /// The exit trigger.
        trigger: Ident,
        /// Its condition.
        condition: Option<WhereClause>,
    },
    /// `exclude SEGMENT`
    Exclude(Ident),
    /// `suppress SEGMENT`
    Suppress(Ident),
    /// `attribution DURATION`
    Attribution(DurationLit),
    /// `reentry always|never|after DURATION`
    Reentry(Reentry),
    /// `transactional`: the journey sends order confirmations, password resets and
    /// the like, which go to profiles who opted out and are not frequency-capped.
    Transactional,
}

/// `goal TYPE on TRIGGER [where EXPR] [target ...]` or `goal notify opened|clicked [target ...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// `purchase`, `engage`, `loyalty`, `onboard`, `custom` or `notify` as written.
    pub kind: Ident,
    /// What measures the goal.
    pub measure: GoalMeasure,
    /// The target, if any.
    pub target: Option<Target>,
}

/// What a goal is measured by.
#[derive(Clone, Debug, PartialEq)]
pub enum GoalMeasure {
    /// `on TRIGGER [where EXPR]`
    Trigger {
        /// The `on` keyword.
        on: Span,
        /// The goal trigger.
        trigger: Ident,
        /// Its condition.
        condition: Option<WhereClause>,
    },
    /// `opened` or `clicked` (for `notify`), optionally followed by a message name,
    /// which rule 4 forbids.
    Interaction {
        /// `opened` or `clicked` as written.
        event: Ident,
        /// A message name written after it (an error the checker reports).
        message: Option<Ident>,
    },
    /// A bare name after the goal type: `goal purchase PurchaseCompleted`
    /// (without `on`) or `goal notify Newsletter` (rule 4); the checker reports it.
    Named(Ident),
    /// Nothing: `goal purchase target 50%` (the checker reports it).
    Missing(Span),
}

/// `target N` or `target P%`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The `target` keyword.
    pub keyword: Span,
    /// The number or percentage.
    pub value: Literal,
}

/// `reentry always | never | after DURATION`.
#[derive(Clone, Debug, PartialEq)]
pub enum Reentry {
    /// `always`
    Always(Span),
    /// `never`
    Never(Span),
    /// `after DURATION`
    After(DurationLit),
    /// Any other word (reported by the checker).
    Unknown(Ident),
}

/// A block of steps `{ ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// From `{` to `}`.
    pub span: Span,
}

/// A step of a journey.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Which step, with its arguments.
    pub kind: StepKind,
    /// The whole step.
    pub span: Span,
}

/// The steps of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// `send CONTENT [to PATH]`
    Send {
        /// The message.
        content: Ident,
        /// The address attribute.
        to: Option<Path>,
    },
    /// `wait DURATION`
    Wait(DurationLit),
    /// `if COND { ... } [else if COND { ... }]... [else { ... }]`
    If(IfStep),
    /// `split { [LABEL] P% { ... } ... }`
    Split(SplitStep),
    /// `stage NAME { ... }`
    Stage {
        /// The stage name.
        name: Ident,
        /// Its steps.
        block: Block,
    },
    /// `exit`
    Exit,
    /// A step that could not be parsed (already reported).
    Error,
}

/// An `if` with its `else if` branches and `else` block.
#[derive(Clone, Debug, PartialEq)]
pub struct IfStep {
    /// `if` and each `else if`, in order.
    pub branches: Vec<Branch>,
    /// The final `else` block.
    pub otherwise: Option<Block>,
}

/// One `if COND { ... }` branch.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    /// The condition.
    pub condition: Condition,
    /// The steps taken when it holds.
    pub block: Block,
}

/// The condition of a branch.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// An immediate condition on attributes or segment membership.
    Expr(Expr),
    /// `[not] EVENT [within DURATION]`: wait up to the deadline for the event.
    Event(EventCondition),
}

impl Condition {
    /// Where the condition is written.
    pub fn span(&self) -> Span {
        match self {
            Condition::Expr(e) => e.span,
            Condition::Event(e) => e.span,
        }
    }
}

/// `[not] EVENT within DURATION`.
#[derive(Clone, Debug, PartialEq)]
pub struct EventCondition {
    /// The `not` keyword, when the branch is taken if the event does *not* happen.
    pub negated: Option<Span>,
    /// The event waited for.
    pub event: EventPattern,
    /// The deadline (`None` when missing: rule 11, reported by the checker).
    pub within: Option<DurationLit>,
    /// The whole condition.
    pub span: Span,
}

/// The built-in interactions with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Interaction {
    /// `opened`
    Opened,
    /// `clicked`
    Clicked,
    /// `delivered`
    Delivered,
    /// `bounced`
    Bounced,
}

impl Interaction {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Interaction::Opened => "opened",
            Interaction::Clicked => "clicked",
            Interaction::Delivered => "delivered",
            Interaction::Bounced => "bounced",
        }
    }

    /// The interaction named by `word`, if any.
    pub fn from_keyword(word: &str) -> Option<Interaction> {
        Some(match word {
            "opened" => Interaction::Opened,
            "clicked" => Interaction::Clicked,
            "delivered" => Interaction::Delivered,
            "bounced" => Interaction::Bounced,
            _ => return None,
        })
    }
}

/// An event a branch waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum EventPattern {
    /// `opened M`, `clicked M`, `delivered M`, `bounced M`.
    Message {
        /// Which interaction.
        interaction: Interaction,
        /// The keyword's span.
        keyword: Span,
        /// The message.
        content: Ident,
    },
    /// `TRIGGER [where EXPR]`.
    Trigger {
        /// The trigger.
        trigger: Ident,
        /// Its condition.
        condition: Option<WhereClause>,
    },
}

/// `split { A 50% { ... } B 50% { ... } }`.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitStep {
    /// The `split` keyword.
    pub keyword: Span,
    /// The branches, in order.
    pub branches: Vec<SplitBranch>,
    /// From `{` to `}`.
    pub body_span: Span,
}

/// One branch of a split: `[LABEL] P% { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitBranch {
    /// The optional label.
    pub label: Option<Ident>,
    /// The share, a percentage literal.
    pub share: Literal,
    /// The steps of the branch.
    pub block: Block,
    /// The whole branch.
    pub span: Span,
}

/// A dotted path such as `profile.loyalty.tier` or `cart.total`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// The names, in order (never empty).
    pub segments: Vec<Ident>,
    /// The whole path.
    pub span: Span,
}

impl Path {
    /// The path as written with dots, e.g. `profile.email`.
    pub fn dotted(&self) -> String {
        dotted(&self.segments)
    }
}

/// Names joined with dots, e.g. `loyalty.tier`: a path, or the start of one.
pub fn dotted(segments: &[Ident]) -> String {
    let mut out = String::new();
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&s.text);
    }
    out
}

/// A duration literal with its value.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationLit {
    /// The value in seconds (`None` when the literal is malformed, already reported).
    pub seconds: Option<u64>,
    /// Where it is written.
    pub span: Span,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    /// Its value.
    pub kind: LiteralKind,
    /// Where it is written.
    pub span: Span,
}

/// The values literals denote.
#[derive(Clone, Debug, PartialEq)]
pub enum LiteralKind {
    /// `50`, `49.99`.
    Number(f64),
    /// `50%`: the number before `%`.
    Percent(f64),
    /// `1d12h`, in seconds.
    Duration(u64),
    /// `true`, `false`.
    Bool(bool),
    /// `"..."`.
    String(Box<StringLit>),
    /// `@2026-12-01T09:00:00Z`, in milliseconds since the Unix epoch.
    DateTime(i64),
    /// A malformed literal (already reported).
    Error,
}

/// A string literal with its escapes resolved and its placeholders found.
#[derive(Clone, Debug, PartialEq)]
pub struct StringLit {
    /// The text after escapes are resolved (and, for `"""` strings, indentation removed).
    pub value: String,
    /// The `{{path}}` placeholders inside, in order.
    pub placeholders: Vec<Placeholder>,
    /// Whether it was written with `"""`.
    pub multiline: bool,
    /// The whole literal, quotes included.
    pub span: Span,
}

/// A `{{path}}` placeholder inside a string.
#[derive(Clone, Debug, PartialEq)]
pub struct Placeholder {
    /// The path inside the braces.
    pub path: Path,
    /// From `{{` to `}}`.
    pub span: Span,
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The expressions of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A path: an attribute, `profile.x`, `trigger.x`.
    Path(Path),
    /// `not E`, `-E`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its span.
        op_span: Span,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `A op B`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Its span.
        op_span: Span,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `profile in Segment`.
    In {
        /// The left side (the checker requires `profile`).
        lhs: Box<Expr>,
        /// The `in` keyword.
        op_span: Span,
        /// The segment.
        segment: Ident,
    },
    /// `count(...)`, `sum(...)`, `days_since(...)`.
    Call(Box<Call>),
    /// `( E )`, kept so that the formatter keeps the parentheses.
    Paren(Box<Expr>),
    /// An expression that could not be parsed (already reported).
    Error,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Binary operators, loosest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Whether the operator compares two values.
    pub fn is_comparison(self) -> bool {
        matches!(self, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
    }
}

/// A behavioural function call: `count(T [where C] within D)`, `sum(T.attr [where C] within D)`,
/// `days_since(T [where C])`.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The function name as written.
    pub function: Ident,
    /// The trigger, with an attribute path for `sum` (`PurchaseCompleted.revenue`).
    pub event: Path,
    /// The `where` condition on the trigger's attributes.
    pub condition: Option<WhereClause>,
    /// The `within` window.
    pub within: Option<DurationLit>,
    /// From the name to `)`.
    pub span: Span,
}
