//! `journey compare DIR_A DIR_B [--format table|json|csv]` (runtime.md §9): two
//! runs side by side, per journey present in both, every count, exit, goal figure,
//! metric and score field, with the difference (B − A) and the relative change
//! ((B − A) / A).
//!
//! The reports are read as JSON, not as [`journey_runtime::report::Report`], so
//! that fields a later report adds (such as `score`) are compared when present
//! and a report without them still compares.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use journey_runtime::report::{METRIC_COLUMNS, MONEY_COLUMNS, REPORT_FORMAT, csv_line, number, table};
use serde::Serialize;
use serde_json::Value;

use crate::Outcome;
use crate::output::{print_stdout, usage_error};

/// The format tag of `journey compare --format json`.
pub const COMPARE_FORMAT: &str = "journey-compare/1";

/// The channels whose metrics are compared when one of the runs sent on them.
const CHANNELS: [&str; 3] = ["email", "sms", "push"];

/// How the comparison is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// One block per journey, aligned columns for people.
    Table,
    /// JSON (`journey-compare/1`), rates as fractions.
    Json,
    /// One row per journey and figure, rates as percentages.
    Csv,
}

/// Arguments of `journey compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// The `--out` folder of the first run (A, the reference).
    dir_a: PathBuf,

    /// The `--out` folder of the second run (B, compared with A).
    dir_b: PathBuf,

    /// The output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    format: CompareFormat,
}

/// What a figure measures, which decides how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A number of profiles, entries, messages or events.
    Count,
    /// A fraction (a percentage in tables and CSV).
    Rate,
    /// An amount of money (2 decimals in tables and CSV).
    Money,
    /// Any other number (such as a mean score).
    Number,
}

/// One figure of one journey in both runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The figure, such as `entered`, `exits.completed`, `all.open_rate`, `score.mean`.
    pub metric: String,
    /// How it is shown.
    pub kind: Kind,
    /// Its value in run A (`null` when A has no such figure).
    pub a: Option<f64>,
    /// Its value in run B.
    pub b: Option<f64>,
    /// B − A (`null` when either is missing).
    pub difference: Option<f64>,
    /// (B − A) / A, a fraction (`null` when A is 0 or either is missing).
    pub relative: Option<f64>,
}

/// A journey present in both runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JourneyComparison {
    /// Its name.
    pub journey: String,
    /// The plan version that ran in A.
    pub version_a: u64,
    /// The plan version that ran in B.
    pub version_b: u64,
    /// Whether the goal's target was met in A (`null` without a goal or a target).
    pub goal_met_a: Option<bool>,
    /// Whether it was met in B.
    pub goal_met_b: Option<bool>,
    /// Every figure, in the order of `journey report`.
    pub rows: Vec<Row>,
}

/// A journey present in one run only.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoneJourney {
    /// Its name.
    pub journey: String,
    /// Its version.
    pub version: u64,
}

/// One side of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSide {
    /// The folder, as given.
    pub dir: String,
    /// When the run started.
    pub start: String,
    /// When it stopped.
    pub until: String,
}

/// The comparison of two runs (`journey compare --format json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Always `journey-compare/1`.
    pub format: String,
    /// Run A.
    pub a: RunSide,
    /// Run B.
    pub b: RunSide,
    /// The journeys of both runs, in the order of A.
    pub journeys: Vec<JourneyComparison>,
    /// Journeys run in A only.
    pub only_in_a: Vec<LoneJourney>,
    /// Journeys run in B only.
    pub only_in_b: Vec<LoneJourney>,
}

/// Runs `journey compare`.
pub fn run(args: CompareArgs) -> Outcome {
    let reports = read_report(&args.dir_a).and_then(|a| Ok((a, read_report(&args.dir_b)?)));
    match reports {
        Ok((a, b)) => {
            let comparison = compare(&args.dir_a, &a, &args.dir_b, &b);
            print_stdout(&match args.format {
                CompareFormat::Table => comparison.to_table(),
                CompareFormat::Json => comparison.to_json(),
                CompareFormat::Csv => comparison.to_csv(),
            });
            Outcome::Clean
        }
        Err(message) => {
            usage_error(message);
            Outcome::Usage
        }
    }
}

/// Reads `DIR/report.json`, checking that it is a journey report.
fn read_report(dir: &Path) -> Result<Value, String> {
    let hint = "give the --out folder of a `journey run`";
    if !dir.is_dir() {
        return Err(format!("`{}` is not a folder; {hint}", dir.display()));
    }
    let path = dir.join("report.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!("`{}` cannot be read: {e}; is `{}` the --out folder of a `journey run`?", path.display(), dir.display())
    })?;
    let report: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}: not a journey report (not JSON: {e}); run `journey run` again into that folder",
            path.display(),
            e.line()
        )
    })?;
    let format = report.get("format").and_then(Value::as_str);
    if format != Some(REPORT_FORMAT) {
        let found = format.map_or_else(|| "no `format` field".to_owned(), |f| format!("format `{f}`"));
        return Err(format!("{}: not a journey report ({found}, expected `{REPORT_FORMAT}`); {hint}", path.display()));
    }
    let journeys = report.get("journeys").and_then(Value::as_array);
    let Some(journeys) = journeys else {
        return Err(format!("{}: field `journeys`: missing or not a list; {hint}", path.display()));
    };
    for (i, journey) in journeys.iter().enumerate() {
        if journey.get("journey").and_then(Value::as_str).is_none()
            || journey.get("version").and_then(Value::as_u64).is_none()
        {
            return Err(format!(
                "{}: field `journeys[{i}]`: a journey needs a `journey` name and a `version`; {hint}",
                path.display()
            ));
        }
    }
    Ok(report)
}

/// The name and version of a journey block (checked by [`read_report`]).
fn name_version(journey: &Value) -> (&str, u64) {
    (journey["journey"].as_str().unwrap_or_default(), journey["version"].as_u64().unwrap_or_default())
}

fn journeys(report: &Value) -> &[Value] {
    report["journeys"].as_array().map(Vec::as_slice).unwrap_or_default()
}

/// `x` rounded to 4 decimals, as the report's rates are (`-0` becomes `0`).
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0 + 0.0
}

/// Compares the reports `a` (read from `dir_a`) and `b`.
pub fn compare(dir_a: &Path, a: &Value, dir_b: &Path, b: &Value) -> Comparison {
    let side = |dir: &Path, r: &Value| RunSide {
        dir: dir.display().to_string(),
        start: r["start"].as_str().unwrap_or_default().to_owned(),
        until: r["until"].as_str().unwrap_or_default().to_owned(),
    };
    let find = |report: &Value, name: &str| journeys(report).iter().find(|j| name_version(j).0 == name).cloned();
    let lone = |j: &Value| {
        let (journey, version) = name_version(j);
        LoneJourney { journey: journey.to_owned(), version }
    };
    let mut compared = Vec::new();
    let mut only_in_a = Vec::new();
    for ja in journeys(a) {
        match find(b, name_version(ja).0) {
            Some(jb) => compared.push(compare_journey(ja, &jb)),
            None => only_in_a.push(lone(ja)),
        }
    }
    let only_in_b = journeys(b).iter().filter(|jb| find(a, name_version(jb).0).is_none()).map(lone).collect();
    Comparison {
        format: COMPARE_FORMAT.to_owned(),
        a: side(dir_a, a),
        b: side(dir_b, b),
        journeys: compared,
        only_in_a,
        only_in_b,
    }
}

/// The kind of metric `name` of a `metrics` block.
fn metric_kind(name: &str) -> Kind {
    if METRIC_COLUMNS.iter().any(|(n, rate)| *rate && *n == name) {
        Kind::Rate
    } else if MONEY_COLUMNS.contains(&name) {
        Kind::Money
    } else if METRIC_COLUMNS.iter().any(|(n, _)| *n == name) {
        Kind::Count
    } else {
        Kind::Number
    }
}

/// Where a score field comes among the rows: `score.mean`, `score.frictions`,
/// `score.buckets[0]` to `[9]`, `score.by_step[...]` (in report order), then any other.
fn score_rank(name: &str) -> (u8, usize) {
    if name == "score.mean" {
        (0, 0)
    } else if name == "score.frictions" {
        (1, 0)
    } else if let Some(index) = name.strip_prefix("score.buckets[").and_then(|r| r.strip_suffix(']')) {
        (2, index.parse().unwrap_or(usize::MAX))
    } else if name.starts_with("score.by_step[") {
        (3, 0)
    } else {
        (4, 0)
    }
}

/// The numeric leaves of `value` under `prefix`, in order: object fields by name,
/// list items by their `step` (or `label`) when they have one, else by index.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, f64)>) {
    match value {
        Value::Number(n) => out.push((prefix.to_owned(), n.as_f64().unwrap_or_default())),
        Value::Object(fields) => {
            for (key, v) in fields {
                leaves(&format!("{prefix}.{key}"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let label = ["step", "label"].iter().find_map(|k| item.get(*k).and_then(Value::as_str));
                let key = label.map_or_else(|| format!("{prefix}[{i}]"), |l| format!("{prefix}[{l}]"));
                leaves(&key, item, out);
            }
        }
        _ => {}
    }
}

/// One row per figure of a journey found in either run, in the order of
/// `journey report`: counts, exits, goal, `all` metrics, each channel with sends,
/// then the score.
fn compare_journey(a: &Value, b: &Value) -> JourneyComparison {
    let mut rows = Vec::new();
    let get = |j: &Value, path: &[&str]| path.iter().try_fold(j, |v, k| v.get(*k)).and_then(Value::as_f64);
    let mut push = |metric: String, kind: Kind, path: &[&str]| {
        rows.push(row(metric, kind, get(a, path), get(b, path)));
    };
    for field in ["entered", "entries", "active"] {
        push(field.to_owned(), Kind::Count, &[field]);
    }
    for reason in ["completed", "exit_trigger", "suppressed", "explicit"] {
        push(format!("exits.{reason}"), Kind::Count, &["exits", reason]);
    }
    if !a["goal"].is_null() || !b["goal"].is_null() {
        push("goal.reached".to_owned(), Kind::Count, &["goal", "reached"]);
        push("goal.progress".to_owned(), Kind::Rate, &["goal", "progress"]);
    }
    let sends = |j: &Value, channel: &str| get(j, &["metrics", channel, "total_sends"]).unwrap_or(0.0) > 0.0;
    let blocks =
        std::iter::once("all").chain(CHANNELS.into_iter().filter(|c| sends(a, c) || sends(b, c))).collect::<Vec<_>>();
    for block in blocks {
        // The known metrics in report order, then any others a later report adds.
        let mut names: Vec<&str> = METRIC_COLUMNS.iter().map(|(n, _)| *n).collect();
        let mut extra: Vec<&str> = [a, b]
            .iter()
            .filter_map(|j| j["metrics"][block].as_object())
            .flat_map(|m| m.iter().filter(|(_, v)| v.is_number()).map(|(k, _)| k.as_str()))
            .filter(|k| !names.contains(k))
            .collect();
        extra.sort_unstable();
        extra.dedup();
        names.extend(extra);
        for name in names {
            push(format!("{block}.{name}"), metric_kind(name), &["metrics", block, name]);
        }
    }
    // The score (a later report adds it): every number in it, found in either run.
    let (mut score_a, mut score_b) = (Vec::new(), Vec::new());
    leaves("score", &a["score"], &mut score_a);
    leaves("score", &b["score"], &mut score_b);
    let mut names: Vec<String> = score_a.iter().map(|(n, _)| n.clone()).collect();
    names.extend(score_b.iter().map(|(n, _)| n.clone()).filter(|n| !score_a.iter().any(|(m, _)| m == n)));
    // In the documented order: mean, frictions, the buckets by index, the steps.
    names.sort_by_key(|name| score_rank(name));
    let value = |list: &[(String, f64)], name: &str| list.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    for name in names {
        let kind = if name == "score.mean" { Kind::Number } else { Kind::Count };
        rows.push(row(name.clone(), kind, value(&score_a, &name), value(&score_b, &name)));
    }
    let (journey, version_a) = name_version(a);
    JourneyComparison {
        journey: journey.to_owned(),
        version_a,
        version_b: name_version(b).1,
        goal_met_a: a["goal"]["met"].as_bool(),
        goal_met_b: b["goal"]["met"].as_bool(),
        rows,
    }
}

/// A row with its difference and relative change (rounded to 4 decimals, as rates are).
fn row(metric: String, kind: Kind, a: Option<f64>, b: Option<f64>) -> Row {
    let difference = a.zip(b).map(|(a, b)| round4(b - a));
    let relative = a.zip(b).filter(|(a, _)| *a != 0.0).map(|(a, b)| round4((b - a) / a));
    Row { metric, kind, a, b, difference, relative }
}

/// A value as JSON: counts as integers, the rest as numbers, missing as `null`.
fn json_number(kind: Kind, v: Option<f64>) -> Value {
    match v {
        Some(v) if kind == Kind::Count && v.fract() == 0.0 && v.abs() < 1e15 => Value::from(v as i64),
        Some(v) => Value::from(v),
        None => Value::Null,
    }
}

impl Row {
    /// The value cell: rates as percentages, money with 2 decimals, `—` when missing.
    fn cell(&self, v: Option<f64>) -> String {
        match (v, self.kind) {
            (None, _) => "—".to_owned(),
            (Some(v), Kind::Rate) => format!("{:.2}%", v * 100.0),
            (Some(v), Kind::Money) => format!("{v:.2}"),
            (Some(v), Kind::Count | Kind::Number) => number(v),
        }
    }

    /// The difference cell, signed (`+3`, `-1.50`, `+7.14%` for rates: percentage points; `0` when equal).
    fn difference_cell(&self) -> String {
        match self.difference {
            Some(d) if d > 0.0 => format!("+{}", self.cell(Some(d))),
            Some(0.0) => self.cell(Some(0.0)),
            d => self.cell(d),
        }
    }

    /// The relative change as a signed percentage, `—` when A is 0.
    fn relative_cell(&self) -> String {
        match self.relative {
            Some(r) if r > 0.0 => format!("+{:.2}%", r * 100.0),
            Some(r) => format!("{:.2}%", r * 100.0),
            None => "—".to_owned(),
        }
    }
}

/// `version 1 → version 2`, or `version 1` when both ran the same.
fn versions(j: &JourneyComparison) -> String {
    if j.version_a == j.version_b {
        format!("version {} in both", j.version_a)
    } else {
        format!("version {} → version {}", j.version_a, j.version_b)
    }
}

impl Comparison {
    /// The JSON document: pretty, with a final newline.
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        // Counts as integers (`3`, not `3.0`).
        for (j, journey) in self.journeys.iter().enumerate() {
            for (r, row) in journey.rows.iter().enumerate() {
                let cell = &mut value["journeys"][j]["rows"][r];
                cell["a"] = json_number(row.kind, row.a);
                cell["b"] = json_number(row.kind, row.b);
                cell["difference"] = json_number(row.kind, row.difference);
            }
        }
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }

    /// CSV: `journey,version_a,version_b,metric,a,b,difference,relative`, one row per
    /// journey and figure, as in the table (empty cells where there is no value).
    pub fn to_csv(&self) -> String {
        let header = ["journey", "version_a", "version_b", "metric", "a", "b", "difference", "relative"];
        let mut out = csv_line(&header.map(str::to_owned));
        let blank = |cell: String| if cell == "—" { String::new() } else { cell };
        for journey in &self.journeys {
            for row in &journey.rows {
                out.push_str(&csv_line(&[
                    journey.journey.clone(),
                    journey.version_a.to_string(),
                    journey.version_b.to_string(),
                    row.metric.clone(),
                    blank(row.cell(row.a)),
                    blank(row.cell(row.b)),
                    blank(row.difference_cell()),
                    blank(row.relative_cell()),
                ]));
            }
        }
        // A journey of one run only: one row that says so.
        for (side, list) in [("A", &self.only_in_a), ("B", &self.only_in_b)] {
            for lone in list {
                let version = lone.version.to_string();
                let (a, b) = if side == "A" { (version, String::new()) } else { (String::new(), version) };
                let cells = [lone.journey.clone(), a, b, format!("only in {side}")];
                out.push_str(&csv_line(
                    &[&cells[..], &[String::new(), String::new(), String::new(), String::new()]].concat(),
                ));
            }
        }
        out
    }

    /// The comparison as people read it: one block per journey.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        for (label, side) in [("A", &self.a), ("B", &self.b)] {
            out.push_str(&format!("{label}: {} (run from {} to {})\n", side.dir, side.start, side.until));
        }
        let met = |m: Option<bool>| match m {
            Some(true) => "met",
            Some(false) => "not met",
            None => "no target",
        };
        for journey in &self.journeys {
            out.push('\n');
            out.push_str(&format!("Journey {} ({})\n", journey.journey, versions(journey)));
            if journey.rows.iter().any(|r| r.metric == "goal.reached") {
                out.push_str(&format!("  goal: {} in A, {} in B\n", met(journey.goal_met_a), met(journey.goal_met_b)));
            }
            let mut rows = vec![["metric", "A", "B", "difference", "relative"].map(str::to_owned).to_vec()];
            for row in &journey.rows {
                rows.push(vec![
                    row.metric.clone(),
                    row.cell(row.a),
                    row.cell(row.b),
                    row.difference_cell(),
                    row.relative_cell(),
                ]);
            }
            out.push_str(&table(&rows, "  "));
        }
        for (label, list) in [("A", &self.only_in_a), ("B", &self.only_in_b)] {
            for lone in list {
                out.push('\n');
                out.push_str(&format!("Journey {} (version {}): only in {label}\n", lone.journey, lone.version));
            }
        }
        if self.journeys.is_empty() {
            out.push_str("\nNo journey ran in both.\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_gives_the_difference_and_the_relative_change() {
        let r = row("all.open_rate".to_owned(), Kind::Rate, Some(0.4286), Some(0.5));
        assert_eq!(r.difference, Some(0.0714));
        assert_eq!(r.relative, Some(0.1666));
        assert_eq!(
            (r.cell(r.a), r.difference_cell(), r.relative_cell()),
            ("42.86%".into(), "+7.14%".into(), "+16.66%".into())
        );
        let zero = row("entered".to_owned(), Kind::Count, Some(0.0), Some(3.0));
        assert_eq!((zero.difference, zero.relative), (Some(3.0), None));
        assert_eq!((zero.difference_cell(), zero.relative_cell()), ("+3".into(), "—".into()));
        let down = row("all.revenue".to_owned(), Kind::Money, Some(397.4), Some(277.4));
        assert_eq!((down.difference_cell(), down.relative_cell()), ("-120.00".into(), "-30.20%".into()));
        let tiny = row("all.open_rate".to_owned(), Kind::Rate, Some(0.33334), Some(0.33333));
        assert_eq!((tiny.difference_cell(), tiny.relative_cell()), ("0.00%".into(), "0.00%".into()));
        let missing = row("score.mean".to_owned(), Kind::Number, None, Some(71.5));
        assert_eq!((missing.difference, missing.relative), (None, None));
    }

    #[test]
    fn score_leaves_are_named_by_field_step_and_index() {
        let score =
            serde_json::json!({"mean": 71.5, "buckets": [0, 2], "by_step": [{"step": "send A", "frictions": 3}]});
        let mut out = Vec::new();
        leaves("score", &score, &mut out);
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["score.buckets[0]", "score.buckets[1]", "score.by_step[send A].frictions", "score.mean"]);
    }
}
