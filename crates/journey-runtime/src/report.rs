//! The report of a run (runtime.md §6): the metrics of seed 004 per journey,
//! channel, send step and stage; entries, exits, drop-off, goal progress; and
//! its renderings as JSON, CSV and a table.

use serde::{Deserialize, Serialize};

use journey_plan::{Action, Channel, Engagement, GoalMeasure, Plan, Target};
use journey_time::Timestamp;

use crate::actions::ActionParts;
use crate::engine::{Message, NotSent, Outcome, SendCounts, Texts};
use crate::input::Catalog;

/// The format tag of `report.json`.
pub const REPORT_FORMAT: &str = "journey-report/1";

/// `report.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `journey-report/1`.
    pub format: String,
    /// When the run started.
    pub start: String,
    /// When it stopped.
    pub until: String,
    /// What was read.
    pub input: InputSummary,
    /// One block per journey.
    pub journeys: Vec<JourneyReport>,
}

/// Counts of the input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InputSummary {
    /// Profiles read.
    pub profiles: u64,
    /// Events replayed.
    pub events: u64,
    /// Events ignored because their `id` was already seen.
    pub duplicates: u64,
    /// Channel events of a message never sent to that profile in the run (sent
    /// before the start, or by another tool): they change no metric.
    pub unmatched: u64,
    /// Events before `start`: they updated profiles and histories only.
    pub before_start: u64,
    /// Events after `until`: not replayed.
    pub after_until: u64,
    /// Lines set aside by `--rejects`.
    pub rejected: u64,
}

/// The report of one journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JourneyReport {
    /// Its name.
    pub journey: String,
    /// The plan version that ran.
    pub version: u32,
    /// Unique profiles that entered.
    pub entered: u64,
    /// All entries.
    pub entries: u64,
    /// Profiles still in it at the end.
    pub active: u64,
    /// Exits by reason.
    pub exits: Exits,
    /// The goal, if the journey has one.
    pub goal: Option<GoalReport>,
    /// Metrics: `all`, `email`, `sms`, `push`.
    pub metrics: ChannelMetrics,
    /// Every step, in order, with its reach, drop-off and (for sends) metrics.
    pub steps: Vec<StepReport>,
    /// The stage funnel.
    pub stages: Vec<StageReport>,
}

/// Exits by reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Exits {
    /// Finished the steps.
    pub completed: u64,
    /// Caused an `exit on` event.
    pub exit_trigger: u64,
    /// Became a member of a `suppress` segment.
    pub suppressed: u64,
    /// Reached `exit`.
    pub explicit: u64,
}

/// Goal progress (seed 000).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalReport {
    /// The goal type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The trigger measured, or `opened`/`clicked` for a notify goal.
    pub on: String,
    /// Unique profiles that reached it.
    pub reached: u64,
    /// The target: `{"count": n}` or `{"percent": p}`.
    pub target: Option<Target>,
    /// For a percentage: reached / entered; for a count: reached / target.
    pub progress: f64,
    /// Whether the target is reached (`null` without a target).
    pub met: Option<bool>,
}

/// Metrics for every channel and each one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelMetrics {
    /// All channels.
    pub all: Metrics,
    /// Email.
    pub email: Metrics,
    /// SMS.
    pub sms: Metrics,
    /// Push.
    pub push: Metrics,
}

/// The metrics of seed 004 (runtime.md §6). Rates are fractions, 0 when the denominator is 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Messages sent.
    pub total_sends: u64,
    /// Sends not sent because the profile had opted out of the channel (not in `total_sends`).
    pub opted_out: u64,
    /// Sends not sent because the profile had no address for them (not in `total_sends`).
    pub no_address: u64,
    /// Messages with a bounce (email, push).
    pub bounces: u64,
    /// SMS reported undelivered.
    pub undelivered: u64,
    /// `total_sends - bounces - undelivered`.
    pub deliveries: u64,
    /// `deliveries / total_sends`.
    pub delivery_rate: f64,
    /// `bounces / total_sends`.
    pub bounce_rate: f64,
    /// `undelivered / SMS sends`.
    pub undelivered_rate: f64,
    /// Delivered messages opened at least once.
    pub opened: u64,
    /// Open events.
    pub total_opens: u64,
    /// `opened / deliveries`.
    pub open_rate: f64,
    /// Delivered messages clicked at least once.
    pub clicked: u64,
    /// Click events.
    pub total_clicks: u64,
    /// `clicked / deliveries`.
    pub click_rate: f64,
    /// `clicked / opened`.
    pub clicks_per_unique_opens: f64,
    /// Messages followed by an unsubscribe.
    pub unsubscribed: u64,
    /// `unsubscribed / deliveries`.
    pub unsubscribe_rate: f64,
    /// Spam reports.
    pub abuse_reports: u64,
    /// `abuse_reports / deliveries`.
    pub abuse_report_rate: f64,
    /// Commerce events credited to the journey (per channel, step and stage: by last touch).
    pub orders: u64,
    /// Their revenue.
    pub revenue: f64,
    /// `revenue / orders`.
    pub average_order_revenue: f64,
    /// `orders / deliveries`.
    pub order_rate: f64,
    /// `revenue / profiles with at least one delivered message`.
    pub revenue_per_recipient: f64,
}

/// One step of a journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// The step, such as `send InitialReminder`.
    pub step: String,
    /// Its node in the plan.
    pub node: u32,
    /// Its line in the source.
    pub line: u32,
    /// The stage it is in.
    pub stage: Option<String>,
    /// For a send: the message.
    pub content: Option<String>,
    /// For a send: the channel.
    pub channel: Option<Channel>,
    /// Arrivals at the step.
    pub reached: u64,
    /// Profiles that left the journey there (exit trigger, suppression, `exit`).
    pub left: u64,
    /// Profiles waiting there at the end.
    pub active: u64,
    /// For a send: its metrics.
    pub metrics: Option<Metrics>,
}

/// One stage of the funnel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// The stage.
    pub stage: String,
    /// Unique profiles that reached it.
    pub reached: u64,
    /// The metrics of the messages sent in it.
    pub metrics: Metrics,
}

/// One message, for `journey report --by recipient` (`messages.jsonl`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecipientRow {
    /// The journey.
    pub journey: String,
    /// Its version.
    pub version: u32,
    /// The profile.
    pub profile: String,
    /// The send step.
    pub step: String,
    /// The channel.
    pub channel: Channel,
    /// The message.
    pub content: String,
    /// The address.
    pub to: Option<String>,
    /// When it was sent.
    pub sent: String,
    /// Its id (as in `actions.jsonl`).
    pub message_id: String,
    /// Delivered (no bounce, no undelivered report).
    pub delivered: bool,
    /// Bounced.
    pub bounced: bool,
    /// Undelivered (SMS).
    pub undelivered: bool,
    /// Opened.
    pub opened: bool,
    /// Open events.
    pub opens: u32,
    /// Clicked.
    pub clicked: bool,
    /// Click events.
    pub clicks: u32,
    /// Unsubscribed after it.
    pub unsubscribed: bool,
    /// Spam reports.
    pub abuse_reports: u32,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { round4(a / b) }
}

/// The metrics of the messages of the send nodes `keep` selects (orders and
/// revenue are set by the caller).
fn metrics(nodes: &[SendCounts], keep: impl Fn(usize) -> bool) -> Metrics {
    let mut c = SendCounts::default();
    for (_, counts) in nodes.iter().enumerate().filter(|(n, _)| keep(*n)) {
        c.merge(counts);
    }
    let mut m = Metrics {
        total_sends: c.sends,
        bounces: c.bounces,
        undelivered: c.undelivered,
        opened: c.opened,
        clicked: c.clicked,
        total_opens: c.opens,
        total_clicks: c.clicks,
        unsubscribed: c.unsubscribed,
        abuse_reports: c.spam_reports,
        ..Metrics::default()
    };
    m.deliveries = m.total_sends - m.bounces - m.undelivered;
    let d = m.deliveries as f64;
    m.delivery_rate = ratio(d, m.total_sends as f64);
    m.bounce_rate = ratio(m.bounces as f64, m.total_sends as f64);
    m.undelivered_rate = ratio(m.undelivered as f64, c.sms_sends as f64);
    m.open_rate = ratio(m.opened as f64, d);
    m.click_rate = ratio(m.clicked as f64, d);
    m.clicks_per_unique_opens = ratio(m.clicked as f64, m.opened as f64);
    m.unsubscribe_rate = ratio(m.unsubscribed as f64, d);
    m.abuse_report_rate = ratio(m.abuse_reports as f64, d);
    m
}

/// Sets the e-commerce metrics: `orders` and `revenue`, and the ratios over the
/// deliveries and the `recipients` (profiles with a delivered message).
fn commerce(m: &mut Metrics, orders: u64, revenue: f64, recipients: u64) {
    m.orders = orders;
    m.revenue = round4(revenue);
    m.average_order_revenue = ratio(revenue, orders as f64);
    m.order_rate = ratio(orders as f64, m.deliveries as f64);
    m.revenue_per_recipient = ratio(revenue, recipients as f64);
}

/// Sets the counts of the sends that were not sent, from those of the nodes `keep` selects.
fn not_sent(m: &mut Metrics, nodes: &[NotSent], keep: impl Fn(usize) -> bool) {
    for (_, n) in nodes.iter().enumerate().filter(|(n, _)| keep(*n)) {
        m.opted_out += n.opted_out;
        m.no_address += n.no_address;
    }
}

/// Builds the report of a run.
pub fn build(plan: &Plan, catalog: &Catalog, outcome: &Outcome, input: InputSummary) -> Report {
    let journeys = plan
        .journeys
        .iter()
        .zip(&outcome.journeys)
        .map(|(journey, tally)| {
            // The recipient groups of the tally: nodes, stages, channels, all.
            let (nodes, stage_count) = (journey.nodes.len(), tally.stages.len());
            let channel_group =
                |c: Channel| nodes + stage_count + Channel::ALL.iter().position(|x| *x == c).unwrap_or(0);
            let recipients = |group: usize| tally.recipients.get(group).copied().unwrap_or(0);
            // Orders and revenue: the journey's in `all`; per channel, step and stage,
            // those whose last touch was a message of that channel, step or stage.
            let mut all = metrics(&tally.node_counts, |_| true);
            commerce(&mut all, tally.orders, tally.revenue, recipients(nodes + stage_count + Channel::ALL.len()));
            not_sent(&mut all, &tally.node_not_sent, |_| true);
            let nodes_where = |keep: &dyn Fn(usize) -> bool| -> (u64, f64) {
                tally
                    .node_orders
                    .iter()
                    .enumerate()
                    .filter(|(n, _)| keep(*n))
                    .fold((0, 0.0), |(o, r), (_, (no, nr))| (o + no, r + nr))
            };
            let channel_of = |n: usize| match &journey.nodes[n].action {
                Action::Send { content, .. } => catalog.content(content).map(|c| catalog.channels[c as usize]),
                _ => None,
            };
            let channel = |c: Channel| {
                let mut m = metrics(&tally.node_counts, |n| channel_of(n) == Some(c));
                let (orders, revenue) = nodes_where(&|n| channel_of(n) == Some(c));
                commerce(&mut m, orders, revenue, recipients(channel_group(c)));
                not_sent(&mut m, &tally.node_not_sent, |n| channel_of(n) == Some(c));
                m
            };
            let metrics_of = ChannelMetrics {
                all,
                email: channel(Channel::Email),
                sms: channel(Channel::Sms),
                push: channel(Channel::Push),
            };
            let steps = journey
                .nodes
                .iter()
                .enumerate()
                .map(|(n, node)| {
                    let (content, channel) = match &node.action {
                        Action::Send { content, .. } => {
                            (Some(content.clone()), catalog.content(content).map(|c| catalog.channels[c as usize]))
                        }
                        _ => (None, None),
                    };
                    StepReport {
                        step: node.step.clone(),
                        node: n as u32,
                        line: node.line,
                        stage: node.stage.clone(),
                        metrics: content.is_some().then(|| {
                            let mut m = metrics(&tally.node_counts, |i| i == n);
                            let (orders, revenue) = tally.node_orders[n];
                            commerce(&mut m, orders, revenue, recipients(n));
                            not_sent(&mut m, &tally.node_not_sent, |i| i == n);
                            m
                        }),
                        content,
                        channel,
                        reached: tally.node_reached[n],
                        left: tally.node_left[n],
                        active: tally.node_active[n],
                    }
                })
                .collect();
            let stages = tally
                .stages
                .iter()
                .zip(&tally.stage_reached)
                .enumerate()
                .map(|(s, (stage, reached))| {
                    let in_stage = |n: usize| journey.nodes[n].stage.as_deref() == Some(stage.as_str());
                    let mut m = metrics(&tally.node_counts, in_stage);
                    let (orders, revenue) = nodes_where(&in_stage);
                    commerce(&mut m, orders, revenue, recipients(nodes + s));
                    not_sent(&mut m, &tally.node_not_sent, in_stage);
                    StageReport { stage: stage.clone(), reached: *reached, metrics: m }
                })
                .collect();
            let goal = journey.goal.as_ref().map(|g| {
                let reached = tally.goal_reached;
                let (progress, met) = match g.target {
                    Some(Target::Percent(p)) => {
                        let share = if tally.entered == 0 { 0.0 } else { reached as f64 / tally.entered as f64 };
                        (round4(share), Some(tally.entered > 0 && share * 100.0 >= p - 1e-9))
                    }
                    Some(Target::Count(n)) => (ratio(reached as f64, n as f64), Some(reached >= n)),
                    None => (ratio(reached as f64, tally.entered as f64), None),
                };
                GoalReport {
                    kind: serde_json::to_value(g.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    on: match &g.measure {
                        GoalMeasure::Trigger(m) => m.trigger.clone(),
                        GoalMeasure::Notify(Engagement::Opened) => "opened".to_owned(),
                        GoalMeasure::Notify(Engagement::Clicked) => "clicked".to_owned(),
                    },
                    reached,
                    target: g.target,
                    progress,
                    met,
                }
            });
            let e = tally.exits;
            JourneyReport {
                journey: journey.name.clone(),
                version: journey.version,
                entered: tally.entered,
                entries: tally.entries,
                active: tally.active,
                exits: Exits { completed: e[0], exit_trigger: e[1], suppressed: e[2], explicit: e[3] },
                goal,
                metrics: metrics_of,
                steps,
                stages,
            }
        })
        .collect();
    Report {
        format: REPORT_FORMAT.to_owned(),
        start: Timestamp(outcome.start).to_string(),
        until: Timestamp(outcome.until).to_string(),
        input,
        journeys,
    }
}

/// The lines a run writes about its messages: `actions.jsonl` (one line per
/// send, as it is sent) and `messages.jsonl` (one row per message, once it is
/// closed, the fields of [`RecipientRow`] in order), formatted from the
/// engine's messages without keeping them.
#[derive(Debug)]
pub struct Messages {
    parts: ActionParts,
}

impl Messages {
    /// The lines of the messages of `plan`.
    pub fn new(plan: &Plan, catalog: &Catalog) -> Messages {
        Messages { parts: ActionParts::of(plan, catalog) }
    }

    /// Writes the `actions.jsonl` line of each message of `list` (sent to the
    /// profiles `ids`, at the `addresses`) to `out`.
    pub fn write_actions(
        &self,
        ids: &Texts,
        addresses: &Texts,
        list: &[Message],
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        self.parts.write(ids, addresses, list, out)
    }

    /// Writes the `messages.jsonl` row of each message of `list` to `out`: the
    /// bytes serde_json writes for its [`RecipientRow`].
    pub fn write_rows(
        &self,
        ids: &Texts,
        addresses: &Texts,
        list: &[Message],
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        self.parts.write_rows(ids, addresses, list, out)
    }
}

/// The metric columns of CSV files and tables, in order, with whether each is a rate.
pub const METRIC_COLUMNS: [(&str, bool); 25] = [
    ("total_sends", false),
    ("opted_out", false),
    ("no_address", false),
    ("bounces", false),
    ("undelivered", false),
    ("deliveries", false),
    ("delivery_rate", true),
    ("bounce_rate", true),
    ("undelivered_rate", true),
    ("opened", false),
    ("total_opens", false),
    ("open_rate", true),
    ("clicked", false),
    ("total_clicks", false),
    ("click_rate", true),
    ("clicks_per_unique_opens", true),
    ("unsubscribed", false),
    ("unsubscribe_rate", true),
    ("abuse_reports", false),
    ("abuse_report_rate", true),
    ("orders", false),
    ("revenue", false),
    ("average_order_revenue", false),
    ("order_rate", true),
    ("revenue_per_recipient", false),
];

/// The metric columns that are amounts of money: shown with 2 decimals in tables and
/// CSV (JSON keeps full precision).
pub const MONEY_COLUMNS: [&str; 3] = ["revenue", "average_order_revenue", "revenue_per_recipient"];

impl Metrics {
    /// The metrics as table or CSV cells: rates as percentages, money with 2 decimals.
    pub fn cells(&self) -> Vec<String> {
        let value = serde_json::to_value(self).unwrap_or_default();
        METRIC_COLUMNS
            .iter()
            .map(|(name, _)| metric_cell(name, value.get(*name).and_then(|v| v.as_f64()).unwrap_or(0.0)))
            .collect()
    }
}

/// The table or CSV cell of metric `name` (one of [`METRIC_COLUMNS`]) worth `v`: a
/// rate as a percentage (`42.86%`), money with 2 decimals (`45.60`), a count as is.
fn metric_cell(name: &str, v: f64) -> String {
    if METRIC_COLUMNS.iter().any(|(n, rate)| *rate && *n == name) {
        format!("{:.2}%", v * 100.0)
    } else if MONEY_COLUMNS.contains(&name) {
        format!("{v:.2}")
    } else {
        number(v)
    }
}

/// `1 duplicate`, `2 duplicates`, `0 duplicates`: a count and its noun, which gets
/// `plural` unless the count is 1.
fn count(n: u64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// A number without a useless fraction: `3`, `397.4`.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{}", round4(v)) }
}

/// A CSV cell, quoted when needed.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// One CSV line (with its final newline) of `cells`, each quoted when needed.
pub fn csv_line(cells: &[String]) -> String {
    let mut line = cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

impl Report {
    /// `report.json`: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// `report.csv`: one row per journey step, with the step's metrics (sends only).
    pub fn to_csv(&self) -> String {
        let mut header: Vec<String> =
            ["journey", "version", "node", "step", "stage", "channel", "content", "reached", "left", "active"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        header.extend(METRIC_COLUMNS.iter().map(|(n, _)| n.to_string()));
        let mut out = csv_line(&header);
        for journey in &self.journeys {
            for step in &journey.steps {
                let mut row = vec![
                    journey.journey.clone(),
                    journey.version.to_string(),
                    step.node.to_string(),
                    step.step.clone(),
                    step.stage.clone().unwrap_or_default(),
                    step.channel.map(|c| c.name().to_owned()).unwrap_or_default(),
                    step.content.clone().unwrap_or_default(),
                    step.reached.to_string(),
                    step.left.to_string(),
                    step.active.to_string(),
                ];
                match &step.metrics {
                    Some(m) => row.extend(m.cells()),
                    None => row.extend(METRIC_COLUMNS.iter().map(|_| String::new())),
                }
                out.push_str(&csv_line(&row));
            }
        }
        out
    }

    /// The report as people read it in a terminal.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("Run from {} to {}\n", self.start, self.until));
        let i = &self.input;
        out.push_str(&format!(
            "{}, {} replayed ({} ignored, {} unmatched, {} before start, {} after until, {} rejected)\n",
            count(i.profiles, "profile", "profiles"),
            count(i.events, "event", "events"),
            count(i.duplicates, "duplicate", "duplicates"),
            i.unmatched,
            i.before_start,
            i.after_until,
            i.rejected
        ));
        for journey in &self.journeys {
            out.push('\n');
            out.push_str(&format!("Journey {} (version {})\n", journey.journey, journey.version));
            let e = &journey.exits;
            out.push_str(&format!(
                "  entered {} ({}), {} still active\n  exits: completed {}, exit_trigger {}, suppressed {}, explicit {}\n",
                count(journey.entered, "profile", "profiles"),
                count(journey.entries, "entry", "entries"),
                journey.active,
                e.completed,
                e.exit_trigger,
                e.suppressed,
                e.explicit
            ));
            if let Some(goal) = &journey.goal {
                let target = match goal.target {
                    Some(Target::Percent(p)) => format!("target {}% of entered", number(p)),
                    Some(Target::Count(n)) => format!("target {n}"),
                    None => "no target".to_owned(),
                };
                let met = match goal.met {
                    Some(true) => "met",
                    Some(false) => "not met",
                    None => "",
                };
                out.push_str(&format!(
                    "  goal {} on {}: reached {}, {}, progress {:.2}% {}\n",
                    goal.kind,
                    goal.on,
                    goal.reached,
                    target,
                    goal.progress * 100.0,
                    met
                ));
            }
            let m = &journey.metrics;
            let columns = [("all", &m.all), ("email", &m.email), ("sms", &m.sms), ("push", &m.push)];
            let cells: Vec<Vec<String>> = columns.iter().map(|(_, m)| m.cells()).collect();
            let mut rows =
                vec![std::iter::once("metric".to_owned()).chain(columns.iter().map(|(n, _)| n.to_string())).collect()];
            for (r, (name, _)) in METRIC_COLUMNS.iter().enumerate() {
                rows.push(std::iter::once(name.to_string()).chain(cells.iter().map(|c| c[r].clone())).collect());
            }
            out.push_str(&table(&rows, "  "));
            let mut steps = vec![
                ["step", "reached", "left", "active", "sends", "delivered", "opened", "clicked"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            ];
            for step in &journey.steps {
                let m = step.metrics.as_ref();
                let cell = |f: fn(&Metrics) -> u64| m.map(|m| f(m).to_string()).unwrap_or_default();
                steps.push(vec![
                    step.step.clone(),
                    step.reached.to_string(),
                    step.left.to_string(),
                    step.active.to_string(),
                    cell(|m| m.total_sends),
                    cell(|m| m.deliveries),
                    cell(|m| m.opened),
                    cell(|m| m.clicked),
                ]);
            }
            out.push('\n');
            out.push_str(&table(&steps, "  "));
            if !journey.stages.is_empty() {
                let mut funnel = vec![vec!["stage".to_owned(), "reached".to_owned()]];
                funnel.extend(journey.stages.iter().map(|s| vec![s.stage.clone(), s.reached.to_string()]));
                out.push('\n');
                out.push_str(&table(&funnel, "  "));
            }
        }
        out
    }
}

/// Whether a table cell is a number (`12`, `-3`, `+4`, `45.60`, `12.50%`), or `—`
/// (no value, in a column of numbers), to be aligned right.
fn is_number(cell: &str) -> bool {
    if cell == "—" {
        return true;
    }
    let digits = cell.strip_suffix('%').unwrap_or(cell);
    !digits.is_empty() && digits.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Lays rows out in aligned columns, the first row being the headers: a column whose
/// cells (below the header, empty ones aside) are all numbers is aligned right, its
/// header included, so that each header ends where its numbers end; the first column
/// and every other column are aligned left.
pub fn table(rows: &[Vec<String>], indent: &str) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let numeric: Vec<bool> = (0..columns)
        .map(|c| {
            let mut cells = rows.iter().skip(1).filter_map(|r| r.get(c)).filter(|s| !s.is_empty()).peekable();
            c > 0 && cells.peek().is_some() && cells.all(|cell| is_number(cell))
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        out.push_str(indent);
        let cells: Vec<String> =
            row.iter()
                .enumerate()
                .map(|(c, cell)| {
                    if numeric[c] { format!("{cell:>w$}", w = widths[c]) } else { format!("{cell:<w$}", w = widths[c]) }
                })
                .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The recipient rows as CSV.
pub fn recipients_csv(rows: &[RecipientRow]) -> String {
    let header = [
        "journey",
        "version",
        "profile",
        "step",
        "channel",
        "content",
        "to",
        "sent",
        "message_id",
        "delivered",
        "bounced",
        "undelivered",
        "opened",
        "opens",
        "clicked",
        "clicks",
        "unsubscribed",
        "abuse_reports",
    ];
    let mut out = csv_line(&header.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    for r in rows {
        out.push_str(&csv_line(&[
            r.journey.clone(),
            r.version.to_string(),
            r.profile.clone(),
            r.step.clone(),
            r.channel.name().to_owned(),
            r.content.clone(),
            r.to.clone().unwrap_or_default(),
            r.sent.clone(),
            r.message_id.clone(),
            r.delivered.to_string(),
            r.bounced.to_string(),
            r.undelivered.to_string(),
            r.opened.to_string(),
            r.opens.to_string(),
            r.clicked.to_string(),
            r.clicks.to_string(),
            r.unsubscribed.to_string(),
            r.abuse_reports.to_string(),
        ]));
    }
    out
}

/// The recipient rows as a table: one row per message, with its address, its id,
/// and what became of it (`yes`/`no`, and the number of opens, clicks and spam reports).
pub fn recipients_table(rows: &[RecipientRow]) -> String {
    let mut table_rows = vec![
        [
            "journey",
            "profile",
            "step",
            "to",
            "message_id",
            "sent",
            "delivered",
            "bounced",
            "opens",
            "clicks",
            "unsubscribed",
            "spam_reports",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
    for r in rows {
        table_rows.push(vec![
            r.journey.clone(),
            r.profile.clone(),
            r.step.clone(),
            r.to.clone().unwrap_or_else(|| "-".to_owned()),
            r.message_id.clone(),
            r.sent.clone(),
            yes(r.delivered),
            yes(r.bounced),
            r.opens.to_string(),
            r.clicks.to_string(),
            yes(r.unsubscribed),
            r.abuse_reports.to_string(),
        ]);
    }
    table(&table_rows, "")
}
