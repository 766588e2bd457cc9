//! The control-flow analysis of a journey, built once for every later user:
//! which steps are reachable, when a profile can be at each step (elapsed time
//! since entry, for editors' inlay hints), which messages are definitely sent
//! before each point (rule 10), and unreachable steps (rule 16).

use journey_diagnostics::{Code, Span};

use crate::checker::Checker;
use crate::ir::*;

/// A set of the messages a journey sends, as bits over the journey's own
/// numbering of them ([`Messages`]): copying it, which the analysis does at
/// every branch, costs nothing for journeys of up to 64 messages.
#[derive(Clone, Debug, Default)]
enum Sent {
    /// No message.
    #[default]
    Empty,
    /// Messages numbered below 64: a message's bit is `1 << its number`.
    Small(u64),
    /// More than 64 messages: bit `n` is bit `n % 64` of word `n / 64`.
    Large(Vec<u64>),
}

impl Sent {
    fn insert(&mut self, n: usize) {
        match self {
            Sent::Empty | Sent::Small(_) if n < 64 => {
                let bits = if let Sent::Small(b) = self { *b } else { 0 };
                *self = Sent::Small(bits | 1 << n);
            }
            Sent::Large(words) => {
                if words.len() <= n / 64 {
                    words.resize(n / 64 + 1, 0);
                }
                words[n / 64] |= 1 << (n % 64);
            }
            _ => {
                let first = if let Sent::Small(b) = self { *b } else { 0 };
                let mut words = vec![0; n / 64 + 1];
                words[0] = first;
                words[n / 64] |= 1 << (n % 64);
                *self = Sent::Large(words);
            }
        }
    }

    fn contains(&self, n: usize) -> bool {
        self.word(n / 64) & (1 << (n % 64)) != 0
    }

    fn word(&self, i: usize) -> u64 {
        match self {
            Sent::Empty => 0,
            Sent::Small(bits) => {
                if i == 0 {
                    *bits
                } else {
                    0
                }
            }
            Sent::Large(words) => words.get(i).copied().unwrap_or(0),
        }
    }

    fn words(&self) -> usize {
        match self {
            Sent::Empty => 0,
            Sent::Small(_) => 1,
            Sent::Large(words) => words.len(),
        }
    }

    /// Keeps what `other` also has.
    fn intersect(&mut self, other: &Sent) {
        *self = Sent::from_words((0..self.words()).map(|i| self.word(i) & other.word(i)));
    }

    /// Adds what `other` has.
    fn union(&mut self, other: &Sent) {
        let words = self.words().max(other.words());
        *self = Sent::from_words((0..words).map(|i| self.word(i) | other.word(i)));
    }

    fn from_words(words: impl ExactSizeIterator<Item = u64>) -> Sent {
        match words.len() {
            0 => Sent::Empty,
            1 => Sent::Small(words.fold(0, |_, w| w)),
            _ => Sent::Large(words.collect()),
        }
    }
}

/// The journey's numbering of the messages it sends (by first mention), for [`Sent`].
struct Messages(Vec<ContentId>);

impl Messages {
    fn number(&self, content: ContentId) -> Option<usize> {
        self.0.binary_search(&content).ok()
    }
}

/// What is known at a point of a journey.
#[derive(Clone, Debug)]
struct State {
    reachable: bool,
    elapsed: Elapsed,
    /// Messages sent on every path that reaches this point.
    sent: Sent,
    /// Messages sent on at least one path that reaches this point.
    maybe_sent: Sent,
    /// What made the point unreachable (an `exit`, or a step whose every branch exits).
    ended_by: Option<Span>,
}

impl State {
    fn after(&self, seconds: u64) -> State {
        State {
            elapsed: Elapsed {
                min: self.elapsed.min.saturating_add(seconds),
                max: self.elapsed.max.saturating_add(seconds),
            },
            ..self.clone()
        }
    }

    /// The event may come at any moment until the deadline.
    fn until(mut self, seconds: u64) -> State {
        self.elapsed.max = self.elapsed.max.saturating_add(seconds);
        self
    }

    /// The point after several paths meet: reachable if any is, sent what all sent.
    fn join(states: Vec<State>, ended_by: Span) -> State {
        let live: Vec<&State> = states.iter().filter(|s| s.reachable).collect();
        if live.is_empty() {
            let elapsed = states.iter().map(|s| s.elapsed).next().unwrap_or_default();
            return State {
                reachable: false,
                elapsed,
                sent: Sent::Empty,
                maybe_sent: Sent::Empty,
                ended_by: Some(ended_by),
            };
        }
        let mut sent = live[0].sent.clone();
        let mut maybe_sent = Sent::Empty;
        for s in &live[1..] {
            sent.intersect(&s.sent);
        }
        for s in &live {
            maybe_sent.union(&s.maybe_sent);
        }
        State {
            reachable: true,
            elapsed: Elapsed {
                min: live.iter().map(|s| s.elapsed.min).min().unwrap_or(0),
                max: live.iter().map(|s| s.elapsed.max).max().unwrap_or(0),
            },
            sent,
            maybe_sent,
            ended_by: None,
        }
    }
}

struct Analysis<'c> {
    checker: &'c mut Checker,
    journey: &'c JourneyDef,
    text: &'c str,
    flow: Vec<StepFlow>,
    /// Every message any path of the journey sends (to tell "never sent" from "not on every
    /// path"), sorted: the numbering of [`Sent`].
    ever_sent: Messages,
    latest: u64,
    messages: usize,
}

/// Analyses `journey` (whose source is `text`), reporting rule 10 and unreachable steps.
pub(crate) fn analyse(checker: &mut Checker, journey: &JourneyDef, text: &str) -> (Vec<StepFlow>, JourneySummary) {
    let mut count = 0;
    let mut ever_sent = Vec::new();
    journey.for_each_step(&mut |s| {
        count += 1;
        if let StepKind::Send { content: Some(c), .. } = s.kind {
            ever_sent.push(c);
        }
    });
    ever_sent.sort_unstable();
    ever_sent.dedup();
    let ever_sent = Messages(ever_sent);
    let mut analysis =
        Analysis { checker, journey, text, flow: vec![StepFlow::default(); count], ever_sent, latest: 0, messages: 0 };
    let entry = State {
        reachable: true,
        elapsed: Elapsed::default(),
        sent: Sent::Empty,
        maybe_sent: Sent::Empty,
        ended_by: None,
    };
    let end = analysis.block(&journey.steps, entry);
    if end.reachable {
        analysis.latest = analysis.latest.max(end.elapsed.max);
    }
    let summary = JourneySummary { messages: analysis.messages, longest: analysis.latest };
    (analysis.flow, summary)
}

impl Analysis<'_> {
    fn block(&mut self, steps: &[Step], mut state: State) -> State {
        let mut warned = false;
        for step in steps {
            if !state.reachable {
                // Only the first unreachable step of a block that was itself reachable is
                // reported: not the steps after it, nor those inside it (whose blocks
                // start without a cause to report).
                if !warned && let Some(ended_by) = state.ended_by {
                    self.unreachable(step, ended_by);
                }
                warned = true;
                state.ended_by = None;
            }
            state = self.step(step, state);
        }
        state
    }

    fn unreachable(&mut self, step: &Step, ended_by: Span) {
        let file = self.journey.loc.file;
        let d = self
            .checker
            .warning(Code::UnreachableStep, "this step is never reached", file, step.span.first_line(self.text))
            .with_label("no profile gets here")
            .with_secondary(file, ended_by.first_line(self.text), "every profile has left before")
            .with_help("remove the steps that follow, or let some profiles go on: an `exit` inside a branch ends only that branch");
        self.checker.report(d);
    }

    fn step(&mut self, step: &Step, state: State) -> State {
        self.flow[step.id.index()] = StepFlow { reachable: state.reachable, elapsed: state.elapsed };
        if state.reachable {
            self.latest = self.latest.max(state.elapsed.max);
        }
        match &step.kind {
            StepKind::Send { content, .. } => {
                self.messages += 1;
                let mut next = state;
                if let Some(n) = content.and_then(|c| self.ever_sent.number(c)) {
                    next.sent.insert(n);
                    next.maybe_sent.insert(n);
                }
                next
            }
            StepKind::Wait(seconds) => {
                let mut next = state;
                next.elapsed.min = next.elapsed.min.saturating_add(*seconds);
                next.elapsed.max = next.elapsed.max.saturating_add(*seconds);
                next
            }
            StepKind::Exit => {
                if state.reachable {
                    self.latest = self.latest.max(state.elapsed.max);
                }
                // An `exit` no profile reaches ends nothing worth reporting.
                State { reachable: false, ended_by: state.reachable.then_some(step.span), ..state }
            }
            StepKind::Error => state,
            StepKind::Stage { steps, .. } => self.block(steps, state),
            StepKind::Split { branches } => {
                let outcomes: Vec<State> = branches.iter().map(|b| self.block(&b.steps, state.clone())).collect();
                if outcomes.is_empty() { state } else { State::join(outcomes, step.span) }
            }
            StepKind::If { branches, otherwise } => {
                let mut outcomes = Vec::new();
                let mut rest = state;
                for branch in branches {
                    let (taken, not_taken) = match &branch.condition {
                        Condition::Expr(_) => (rest.clone(), rest),
                        Condition::Event { negated, event, within } => {
                            if rest.reachable {
                                self.message_sent(event, &rest, branch.span);
                            }
                            let deadline = rest.after(*within);
                            let happened = rest.until(*within);
                            if *negated { (deadline, happened) } else { (happened, deadline) }
                        }
                    };
                    outcomes.push(self.block(&branch.steps, taken));
                    rest = not_taken;
                }
                outcomes.push(match otherwise {
                    Some(steps) => self.block(steps, rest),
                    None => rest,
                });
                State::join(outcomes, step.span)
            }
        }
    }

    /// Rule 10: `opened M` (and the other interactions) needs M sent on every path before.
    fn message_sent(&mut self, event: &Event, state: &State, at: Span) {
        let Event::Message { interaction, content: Some(content) } = event else { return };
        let number = self.ever_sent.number(*content);
        if number.is_some_and(|n| state.sent.contains(n)) {
            return;
        }
        let file = self.journey.loc.file;
        let name = self.checker.program.content(*content).name.clone();
        let verb = interaction.keyword();
        let (message, label, help) = if number.is_some_and(|n| state.maybe_sent.contains(n)) {
            (
                format!("`{verb} {name}` waits for a message that not every path has sent"),
                format!("`{name}` may not have been sent when a profile gets here"),
                format!(
                    "send `{name}` before this step on every path, or move this condition into the branch that sends it"
                ),
            )
        } else if number.is_some() {
            (
                format!("`{verb} {name}` waits for a message that is only sent later"),
                format!("`{name}` has not been sent yet when a profile gets here"),
                format!("send `{name}` before this step, or move this condition after the step that sends it"),
            )
        } else {
            let journey = &self.journey.name;
            (
                format!("`{verb} {name}` waits for a message this journey never sends"),
                format!("`{journey}` does not send `{name}`"),
                format!(
                    "a journey waits for its own messages: send `{name}` before this step, or wait for a message `{journey}` sends"
                ),
            )
        };
        let d = self.checker.error(Code::MessageNotSentBefore, message, file, at).with_label(label).with_help(help);
        self.checker.report(d);
    }
}
