//! End-to-end tests of `journey build`, `journey run` and `journey report` with
//! the real binary, over the example projects.

mod support;

use support::*;

fn scratch(name: &str) -> std::path::PathBuf {
    support::scratch("run", name)
}

use std::path::{Path, PathBuf};
use std::process::Output;

const EXAMPLES: [&str; 8] = [
    "abandoned-cart",
    "newsletter",
    "goal-purchase",
    "goal-engage",
    "goal-loyalty",
    "goal-onboard",
    "goal-notify",
    "goal-custom",
];

/// `journey run PLAN --profiles examples/X/profiles.jsonl --events examples/X/events.jsonl --out OUT [EXTRA]`.
fn run_example(plan: &str, example: &str, out: &Path, extra: &[&str]) -> Output {
    let profiles = format!("examples/{example}/profiles.jsonl");
    let events = format!("examples/{example}/events.jsonl");
    let mut args = vec!["run", plan, "--profiles", &profiles, "--events", &events, "--out", path(out)];
    args.extend_from_slice(extra);
    journey(&args)
}

#[test]
fn every_example_runs_and_its_report_matches_the_snapshot() {
    for name in EXAMPLES {
        let out = scratch(&format!("example-{name}"));
        let result = run_example(&format!("examples/{name}"), name, &out, &[]);
        assert_eq!(result.status.code(), Some(0), "{name}: {}", stderr(&result));
        let report = read(&out.join("report.json"));
        insta::assert_snapshot!(format!("report_{name}"), report);
        // The sends, in time order, as the README lists them.
        let actions = read(&out.join("actions.jsonl"));
        insta::assert_snapshot!(format!("actions_{name}"), actions);
        // The other outputs are there, and the table is printed.
        let json: serde_json::Value = serde_json::from_str(&report).expect("report.json is JSON");
        let sends = json["journeys"][0]["metrics"]["all"]["total_sends"].as_u64().expect("a count");
        assert_eq!(actions.lines().count() as u64, sends, "{name}: one action per send");
        assert_eq!(read(&out.join("messages.jsonl")).lines().count() as u64, sends, "{name}");
        let csv = read(&out.join("report.csv"));
        let steps = json["journeys"][0]["steps"].as_array().expect("steps").len();
        assert_eq!(csv.lines().count(), steps + 1, "{name}: a header and one row per step");
        assert!(stdout(&result).starts_with("Run from "), "{name}: {}", stdout(&result));
        assert!(!stdout(&result).contains('\u{1b}'), "{name}: no colour in a pipe");
        let _ = std::fs::remove_dir_all(&out);
    }
}

#[test]
fn a_built_plan_runs_to_the_same_report_as_the_project() {
    for name in EXAMPLES {
        let dir = scratch(&format!("plan-{name}"));
        let plan = dir.join("plan.json");
        let build = journey(&["build", &format!("examples/{name}"), "-o", path(&plan)]);
        assert_eq!(build.status.code(), Some(0), "{name}: {}", stderr(&build));
        let from_plan = run_example(path(&plan), name, &dir.join("from-plan"), &[]);
        assert_eq!(from_plan.status.code(), Some(0), "{name}: {}", stderr(&from_plan));
        let from_project = run_example(&format!("examples/{name}"), name, &dir.join("from-project"), &[]);
        assert_eq!(from_project.status.code(), Some(0), "{name}: {}", stderr(&from_project));
        for file in ["report.json", "actions.jsonl", "report.csv", "messages.jsonl"] {
            assert_eq!(
                read(&dir.join("from-plan").join(file)),
                read(&dir.join("from-project").join(file)),
                "{name}: {file}"
            );
        }
        assert_eq!(stdout(&from_plan), stdout(&from_project), "{name}: the printed table");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn report_exports_by_step_and_by_recipient() {
    let out = scratch("report");
    let run = run_example("examples/abandoned-cart", "abandoned-cart", &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));

    // By step: the run's files again, and the same table.
    let json = journey(&["report", path(&out), "--by", "step", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    assert_eq!(stdout(&json), read(&out.join("report.json")));
    let csv = journey(&["report", path(&out), "--by", "step", "--format", "csv"]);
    assert_eq!(stdout(&csv), read(&out.join("report.csv")));
    let table = journey(&["report", path(&out)]);
    assert_eq!(stdout(&table), stdout(&run));

    // By recipient: one row per message (16 sends, runtime.md §6 "journey analysis").
    let recipients = journey(&["report", path(&out), "--by", "recipient", "--format", "csv"]);
    assert_eq!(recipients.status.code(), Some(0), "{}", stderr(&recipients));
    let text = stdout(&recipients);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "journey,version,profile,step,channel,content,to,sent,message_id,delivered,bounced,undelivered,opened,opens,\
         clicked,clicks,unsubscribed,abuse_reports"
    );
    assert_eq!(rows.len(), 17);
    assert_eq!(
        rows[1],
        "AbandonedCartRecovery,1,p1,send InitialReminder,email,InitialReminder,ana.martin@example.com,\
         2026-11-02T10:00:00Z,AbandonedCartRecovery/1/p1/1/0,true,false,false,true,1,false,0,false,0"
    );
    // p4's email bounced; p6 clicked without opening (counted as one open).
    assert!(
        rows.iter().any(|r| r.starts_with("AbandonedCartRecovery,1,p4,send InitialReminder,")
            && r.contains(",false,true,false,false,0,")),
        "{text}"
    );
    assert!(
        rows.iter().any(|r| r.starts_with("AbandonedCartRecovery,1,p6,send InitialReminder,")
            && r.ends_with(",true,false,false,true,1,true,1,false,0")),
        "{text}"
    );
    let table = journey(&["report", path(&out), "--by", "recipient"]);
    assert_eq!(table.status.code(), Some(0));
    assert_eq!(stdout(&table).lines().count(), 17);

    // A folder that is not a run.
    let empty = scratch("report-empty");
    let missing = journey(&["report", path(&empty)]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("is `"), "{}", stderr(&missing));
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&empty);
}

#[test]
fn a_corrupt_plan_exits_1_with_a_clear_message_and_writes_nothing() {
    let dir = scratch("corrupt");
    let plan = dir.join("plan.json");
    let build = journey(&["build", "examples/abandoned-cart", "-o", path(&plan)]);
    assert_eq!(build.status.code(), Some(0), "{}", stderr(&build));
    let good = read(&plan);

    // A node that points nowhere.
    let dangling = dir.join("dangling.json");
    let edited = good.replacen("\"next\": 1", "\"next\": 42", 1);
    assert_ne!(edited, good, "the plan has a `\"next\": 1` to break");
    std::fs::write(&dangling, edited).expect("writable");
    let out = run_example(path(&dangling), "abandoned-cart", &dir.join("out"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("dangling.json"), "{err}");
    assert!(err.contains("42"), "{err}");
    assert!(err.contains("rebuild it with `journey build`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("out").exists(), "nothing is written");

    // Not JSON at all: truncated.
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, &good[..good.len() / 2]).expect("writable");
    let out = run_example(path(&truncated), "abandoned-cart", &dir.join("out"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("truncated.json"), "{err}");
    assert!(err.contains("rebuild it with `journey build`"), "{err}");
    assert!(!dir.join("out").exists(), "nothing is written");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_plan_edited_after_it_was_built_exits_1_naming_the_journey() {
    let dir = scratch("edited");
    let plan = dir.join("plan.json");
    let build = journey(&["build", "examples/abandoned-cart", "-o", path(&plan)]);
    assert_eq!(build.status.code(), Some(0), "{}", stderr(&build));
    let good = read(&plan);

    // `wait 1d` made `wait 1h`: the structure is sound and the source hash the same.
    let edited = dir.join("edited.json");
    let text = good.replacen("\"seconds\": 86400", "\"seconds\": 3600", 1);
    assert_ne!(text, good, "the plan has a `wait 1d` to edit");
    std::fs::write(&edited, text).expect("writable");
    let out = run_example(path(&edited), "abandoned-cart", &dir.join("out"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("edited.json is not a valid plan"), "{err}");
    assert!(
        err.contains(
            "journeys[0] (`AbandonedCartRecovery`): this plan was edited after it was built: \
             rebuild it with `journey build`"
        ),
        "{err}"
    );
    assert!(!dir.join("out").exists(), "nothing is written");

    // Without `plan_hash` (a plan built before it existed): refused with the same advice.
    let older = dir.join("older.json");
    let text: String = good.lines().filter(|l| !l.contains("\"plan_hash\"")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&older, &text).expect("writable");
    let out = run_example(path(&older), "abandoned-cart", &dir.join("out"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("(`AbandonedCartRecovery`).plan_hash: missing"), "{err}");
    assert!(err.contains("rebuild it with `journey build`"), "{err}");
    assert!(!dir.join("out").exists(), "nothing is written");

    // `journey build` over that older plan reads its versions and writes a sealed plan.
    let rebuild = journey(&["build", "examples/abandoned-cart", "-o", path(&older)]);
    assert_eq!(rebuild.status.code(), Some(0), "{}", stderr(&rebuild));
    assert_eq!(read(&older), good, "same source, same bytes");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_plan_that_is_neither_plan_nor_project_and_an_out_that_is_a_file_are_usage_errors() {
    let dir = scratch("neither");
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "").expect("writable");
    let out = run_example(path(&notes), "abandoned-cart", &dir.join("out"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("notes.txt` is neither a plan nor a project"), "{err}");
    assert!(!dir.join("out").exists(), "nothing is written");
    // `--out` naming a file.
    let out = run_example("examples/abandoned-cart", "abandoned-cart", &notes, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a file: --out names the folder"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_data_exits_1_naming_file_line_and_field() {
    let dir = scratch("bad-data");
    let events = dir.join("events.jsonl");
    let mut text = read(&repository_root().join("examples/abandoned-cart/events.jsonl"));
    text.push_str("{\"ts\":\"2026-11-08T13:00:00Z\",\"profile\":\"p42\",\"type\":\"AbandonedCart\"}\n");
    let line = text.lines().count();
    std::fs::write(&events, &text).expect("writable");
    let out = dir.join("out");
    let result = journey(&[
        "run",
        "examples/abandoned-cart",
        "--profiles",
        "examples/abandoned-cart/profiles.jsonl",
        "--events",
        path(&events),
        "--out",
        path(&out),
    ]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    let expected =
        format!("{}:{line}: field `profile`: no profile has the id `p42` in the profiles file", events.display());
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("--rejects"), "the message says how to go on: {err}");
    assert!(!out.exists(), "nothing is written");

    // A bad profiles file, too.
    let profiles = dir.join("profiles.jsonl");
    std::fs::write(&profiles, "{\"id\":\"p1\",\"age\":\"old\"}\n").expect("writable");
    let result = journey(&[
        "run",
        "examples/abandoned-cart",
        "--profiles",
        path(&profiles),
        "--events",
        "examples/abandoned-cart/events.jsonl",
        "--out",
        path(&out),
    ]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains(&format!("{}:1: field `age`: expected a whole number", profiles.display())), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rejects_writes_the_bad_lines_and_the_run_goes_on() {
    let dir = scratch("rejects");
    let events = dir.join("events.jsonl");
    let mut text = read(&repository_root().join("examples/abandoned-cart/events.jsonl"));
    let bad = "{\"ts\":\"2026-11-08T11:00:00Z\",\"profile\":\"p9\",\"type\":\"Checkout\"}";
    text.push_str(bad);
    text.push('\n');
    let line = text.lines().count();
    std::fs::write(&events, &text).expect("writable");
    let rejects = dir.join("rejects.jsonl");
    let out = dir.join("out");
    let result = journey(&[
        "run",
        "examples/abandoned-cart",
        "--profiles",
        "examples/abandoned-cart/profiles.jsonl",
        "--events",
        path(&events),
        "--out",
        path(&out),
        "--rejects",
        path(&rejects),
    ]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stderr(&result).contains("1 line rejected: see"), "{}", stderr(&result));
    let written = read(&rejects);
    assert_eq!(written.lines().count(), 1, "{written}");
    let row: serde_json::Value = serde_json::from_str(written.trim_end()).expect("a JSON line");
    assert_eq!(row["file"], events.display().to_string());
    assert_eq!(row["line"], line);
    assert_eq!(row["field"], "type");
    assert!(row["reason"].as_str().is_some_and(|r| r.contains("`Checkout` is not a trigger")), "{row}");
    assert_eq!(row["text"], bad);

    // The run is the example's, with the rejected line counted.
    let report: serde_json::Value = serde_json::from_str(&read(&out.join("report.json"))).expect("JSON");
    assert_eq!(report["input"]["rejected"], 1);
    assert_eq!(report["journeys"][0]["entered"], 8);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `journey run examples/abandoned-cart --profiles PROFILES --events EVENTS --out OUT [EXTRA]`.
fn run_cart(profiles: &Path, events: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "examples/abandoned-cart",
        "--profiles",
        path(profiles),
        "--events",
        path(events),
        "--out",
        path(out),
    ];
    args.extend_from_slice(extra);
    journey(&args)
}

#[test]
fn data_files_with_a_byte_order_mark_run_as_without() {
    // runtime.md §10: both files start with U+FEFF, as Windows tools write them.
    let dir = scratch("bom");
    let root = repository_root().join("examples/abandoned-cart");
    let (profiles, events) = (dir.join("profiles.jsonl"), dir.join("events.jsonl"));
    for (file, name) in [(&profiles, "profiles.jsonl"), (&events, "events.jsonl")] {
        std::fs::write(file, format!("\u{feff}{}", read(&root.join(name)))).expect("writable");
    }
    let with_bom = run_cart(&profiles, &events, &dir.join("bom"), &[]);
    assert_eq!(with_bom.status.code(), Some(0), "{}", stderr(&with_bom));
    let plain = run_example("examples/abandoned-cart", "abandoned-cart", &dir.join("plain"), &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    for file in ["report.json", "actions.jsonl"] {
        assert_eq!(read(&dir.join("bom").join(file)), read(&dir.join("plain").join(file)), "{file}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_line_over_max_line_bytes_is_bad_input_named_by_its_line() {
    // The example's 29 events, then a line of 2 MiB (over the default 1 MiB limit).
    let dir = scratch("long-line");
    let profiles = repository_root().join("examples/abandoned-cart/profiles.jsonl");
    let events = dir.join("events.jsonl");
    let mut text = read(&repository_root().join("examples/abandoned-cart/events.jsonl"));
    text.push_str(&"x".repeat(2 << 20));
    text.push('\n');
    std::fs::write(&events, &text).expect("writable");
    let out = dir.join("out");
    let result = run_cart(&profiles, &events, &out, &[]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let expected = format!(
        "{}:30: the line is longer than the limit of 1048576 bytes (raise it with `--max-line-bytes`)",
        events.display()
    );
    assert!(stderr(&result).contains(&expected), "{}", stderr(&result));
    assert!(!out.exists(), "nothing is written");

    // With rejects: the run goes on, and the reject's text is the line's first 1 MiB.
    let rejects = dir.join("rejects.jsonl");
    let result = run_cart(&profiles, &events, &out, &["--rejects", path(&rejects)]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let row: serde_json::Value = serde_json::from_str(read(&rejects).trim_end()).expect("one JSON line");
    assert_eq!((row["line"].as_u64(), row["field"].as_str()), (Some(30), Some("")));
    assert_eq!(row["text"].as_str().map(str::len), Some(1 << 20));

    // A raised limit reads the line (not JSON, then); a lower one refuses the first profile (195 bytes).
    let result = run_cart(&profiles, &events, &out, &["--max-line-bytes", "3000000"]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains(":30: not valid JSON at column 1"), "{}", stderr(&result));
    let result = run_cart(&profiles, &events, &out, &["--max-line-bytes", "100"]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("profiles.jsonl:1: the line is longer than the limit of 100 bytes"),
        "{}",
        stderr(&result)
    );
    let result = run_cart(&profiles, &events, &out, &["--max-line-bytes", "0"]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_events_file_with_no_event_is_a_usage_error_unless_start_is_given() {
    // runtime.md §10: not a run from 1970.
    let dir = scratch("no-events");
    let profiles = repository_root().join("examples/abandoned-cart/profiles.jsonl");
    let events = dir.join("events.jsonl");
    std::fs::write(&events, "\n").expect("writable");
    let out = dir.join("out");
    let result = run_cart(&profiles, &events, &out, &[]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let expected = format!("`{}` holds no event, so the run has no instant to start from", events.display());
    assert!(stderr(&result).contains(&expected), "{}", stderr(&result));
    assert!(stderr(&result).contains("--start"), "{}", stderr(&result));
    assert!(!out.exists(), "nothing is written");

    let result = run_cart(&profiles, &events, &out, &["--start", "2026-11-02T00:00:00Z"]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let report: serde_json::Value = serde_json::from_str(&read(&out.join("report.json"))).expect("JSON");
    assert_eq!((report["start"].as_str(), report["input"]["events"].as_u64()), (Some("2026-11-02T00:00:00Z"), Some(0)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn start_and_until_bound_the_run() {
    // Until 11-04 12:00 (before p7's second cart, p9, and the late purchases):
    // the report says so and counts the events left out.
    let dir = scratch("until");
    let result = run_example(
        "examples/abandoned-cart",
        "abandoned-cart",
        &dir,
        &["--start", "2026-11-02T10:00:00Z", "--until", "2026-11-04T12:00:00Z"],
    );
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let report: serde_json::Value = serde_json::from_str(&read(&dir.join("report.json"))).expect("JSON");
    assert_eq!(report["start"], "2026-11-02T10:00:00Z");
    assert_eq!(report["until"], "2026-11-04T12:00:00Z");
    assert!(report["input"]["after_until"].as_u64().is_some_and(|n| n > 0), "{}", report["input"]);

    let backwards = run_example(
        "examples/abandoned-cart",
        "abandoned-cart",
        &dir,
        &["--start", "2026-11-04T12:00:00Z", "--until", "2026-11-02T10:00:00Z"],
    );
    assert_eq!(backwards.status.code(), Some(2));
    assert!(stderr(&backwards).contains("is before --start"), "{}", stderr(&backwards));
    let bad_instant = run_example("examples/abandoned-cart", "abandoned-cart", &dir, &["--until", "tomorrow"]);
    assert_eq!(bad_instant.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What an example's README works out by hand (its "Totals" section).
struct Expected {
    name: &'static str,
    entered: u64,
    entries: u64,
    active: u64,
    /// completed, exit_trigger, suppressed, explicit
    exits: [u64; 4],
    reached: u64,
    progress: f64,
    met: bool,
    stages: &'static [(&'static str, u64)],
    /// Sends per send step; several contents add up (a random split).
    steps: &'static [(&'static [&'static str], u64)],
    /// Other numbers of the README's text: (channel, metric, value).
    more: &'static [(&'static str, &'static str, f64)],
}

const README: [Expected; 8] = [
    Expected {
        name: "abandoned-cart",
        entered: 8,
        entries: 9,
        active: 1,
        exits: [7, 1, 0, 0],
        reached: 4,
        progress: 0.5,
        met: true,
        stages: &[],
        steps: &[(&["InitialReminder"], 9), (&["SecondReminder"], 4), (&["FinalNotification"], 3)],
        more: &[
            ("email", "delivery_rate", 0.8889),
            ("email", "open_rate", 0.5),
            ("email", "click_rate", 0.125),
            ("all", "orders", 5.0),
            ("all", "revenue", 397.4),
            ("all", "average_order_revenue", 79.48),
            ("all", "order_rate", 0.3571),
            ("all", "revenue_per_recipient", 49.675),
        ],
    },
    Expected {
        name: "newsletter",
        entered: 7,
        entries: 11,
        active: 0,
        exits: [11, 0, 0, 0],
        reached: 5,
        progress: 0.7143,
        met: true,
        stages: &[],
        steps: &[(&["Newsletter"], 11)],
        more: &[
            ("all", "delivery_rate", 0.9091),
            ("all", "open_rate", 0.7),
            ("all", "click_rate", 0.2),
            ("all", "unsubscribe_rate", 0.1),
            ("all", "abuse_report_rate", 0.1),
            ("all", "orders", 0.0),
            ("all", "revenue", 0.0),
        ],
    },
    Expected {
        name: "goal-purchase",
        entered: 6,
        entries: 6,
        active: 1,
        exits: [3, 2, 0, 0],
        reached: 3,
        progress: 1.0,
        met: true,
        stages: &[("consideration", 6), ("conversion", 5)],
        steps: &[
            (&["StillThinking"], 6),
            (&["FreeShippingOffer", "TenPercentOffer"], 3),
            (&["StillThinkingSms"], 2),
            (&["LastCallPush"], 3),
        ],
        more: &[
            ("all", "orders", 3.0),
            ("all", "revenue", 288.0),
            ("all", "average_order_revenue", 96.0),
            ("all", "revenue_per_recipient", 48.0),
        ],
    },
    Expected {
        name: "goal-engage",
        entered: 6,
        entries: 7,
        active: 1,
        exits: [4, 1, 0, 1],
        reached: 3,
        progress: 0.5,
        met: false,
        stages: &[],
        steps: &[(&["MasterclassInvite"], 7), (&["SeatsLeftPush"], 3), (&["MasterclassReminder"], 1)],
        more: &[
            ("email", "open_rate", 0.6667),
            ("email", "click_rate", 0.5),
            ("email", "clicks_per_unique_opens", 0.75),
            ("all", "orders", 0.0),
        ],
    },
    Expected {
        name: "goal-loyalty",
        entered: 6,
        entries: 6,
        active: 1,
        exits: [4, 1, 0, 0],
        reached: 3,
        progress: 0.75,
        met: false,
        stages: &[],
        steps: &[
            (&["PointsWaiting"], 6),
            (&["RewardsCatalogPush"], 4),
            (&["PointsReminderSms"], 2),
            (&["GoldMemberPerk"], 3),
        ],
        more: &[("all", "orders", 0.0)],
    },
    Expected {
        name: "goal-onboard",
        entered: 6,
        entries: 6,
        active: 1,
        exits: [4, 1, 0, 0],
        reached: 3,
        progress: 0.5,
        met: true,
        stages: &[("awareness", 6), ("consideration", 6), ("conversion", 5)],
        steps: &[
            (&["WelcomeGuide"], 6),
            (&["WelcomeSms"], 1),
            (&["EnterpriseIntro"], 1),
            (&["TeamWebinarInvite"], 2),
            (&["StarterTips"], 2),
            (&["BookACallSms"], 4),
        ],
        more: &[("all", "orders", 0.0)],
    },
    Expected {
        name: "goal-notify",
        entered: 6,
        entries: 6,
        active: 0,
        exits: [5, 0, 1, 0],
        reached: 3,
        progress: 1.0,
        met: true,
        stages: &[],
        steps: &[(&["StoreOpeningEmail"], 6), (&["StoreOpeningSms"], 2), (&["OpeningDayPush"], 5)],
        more: &[
            ("email", "open_rate", 0.8),
            ("email", "click_rate", 0.8),
            ("email", "unsubscribe_rate", 0.2),
            ("all", "orders", 0.0),
        ],
    },
    Expected {
        name: "goal-custom",
        entered: 6,
        entries: 6,
        active: 1,
        exits: [4, 1, 0, 0],
        reached: 3,
        progress: 0.03,
        met: false,
        stages: &[],
        steps: &[(&["SurveyInvite"], 6), (&["VipThankYou"], 1), (&["ThankYouPush"], 1), (&["SurveyReminderSms"], 2)],
        more: &[("all", "orders", 0.0)],
    },
];

/// The rows of a README's metric table (`| total_sends | 16 | 9 | 4 | 3 |`,
/// `| unsubscribed / abuse_reports | 0 / 0 | ... |`) as (channel, metric, value).
fn readme_metric_table(readme: &str, known: &serde_json::Value) -> Vec<(&'static str, String, f64)> {
    let mut cells = Vec::new();
    for line in readme.lines() {
        let parts: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        if !line.starts_with('|') || parts.len() < 2 {
            continue;
        }
        let names: Vec<&str> = parts[0].split('/').map(str::trim).collect();
        if !names.iter().all(|n| known.get(n).is_some()) {
            continue;
        }
        for (channel, cell) in ["all", "email", "sms", "push"].into_iter().zip(&parts[1..]) {
            if cell.is_empty() {
                continue;
            }
            for (name, value) in names.iter().zip(cell.split('/')) {
                let value: f64 = value.trim().parse().unwrap_or_else(|_| panic!("a number in `{line}`"));
                cells.push((channel, name.to_string(), value));
            }
        }
    }
    cells
}

#[test]
fn every_example_report_agrees_with_the_outcome_worked_out_in_its_readme() {
    for expected in &README {
        let name = expected.name;
        let out = scratch(&format!("readme-{name}"));
        let result = run_example(&format!("examples/{name}"), name, &out, &[]);
        assert_eq!(result.status.code(), Some(0), "{name}: {}", stderr(&result));
        let report: serde_json::Value = serde_json::from_str(&read(&out.join("report.json"))).expect("JSON");
        let j = &report["journeys"][0];
        let n = |v: &serde_json::Value| v.as_u64().unwrap_or_else(|| panic!("{name}: a count, found {v}"));
        assert_eq!(
            (n(&j["entered"]), n(&j["entries"]), n(&j["active"])),
            (expected.entered, expected.entries, expected.active),
            "{name}"
        );
        let e = &j["exits"];
        assert_eq!(
            [n(&e["completed"]), n(&e["exit_trigger"]), n(&e["suppressed"]), n(&e["explicit"])],
            expected.exits,
            "{name}: exits"
        );
        let goal = &j["goal"];
        assert_eq!(n(&goal["reached"]), expected.reached, "{name}: goal reached");
        assert_eq!(goal["progress"].as_f64(), Some(expected.progress), "{name}: goal progress");
        assert_eq!(goal["met"].as_bool(), Some(expected.met), "{name}: goal met");
        let stages: Vec<(String, u64)> = j["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .map(|s| (s["stage"].as_str().unwrap_or_default().to_owned(), n(&s["reached"])))
            .collect();
        let want: Vec<(String, u64)> = expected.stages.iter().map(|(s, r)| (s.to_string(), *r)).collect();
        assert_eq!(stages, want, "{name}: funnel");
        for (contents, sends) in expected.steps {
            let total: u64 = j["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .filter(|s| s["content"].as_str().is_some_and(|c| contents.contains(&c)))
                .map(|s| n(&s["metrics"]["total_sends"]))
                .sum();
            assert_eq!(total, *sends, "{name}: sends of {contents:?}");
        }
        let metrics = &j["metrics"];
        let readme = read(&repository_root().join("examples").join(name).join("README.md"));
        let table = readme_metric_table(&readme, &metrics["all"]);
        assert!(table.len() >= 32, "{name}: the README's metric table was found ({} cells)", table.len());
        let more = expected.more.iter().map(|(c, m, v)| (*c, m.to_string(), *v));
        for (channel, metric, value) in table.into_iter().chain(more) {
            assert_eq!(metrics[channel][&metric].as_f64(), Some(value), "{name}: {channel} {metric}");
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

// Tables and CSV files people read after a run: aligned headers, money with 2
// decimals, counts with the right plural, and the per-recipient table.

/// Runs example `name` into a fresh folder and returns the folder and the printed table.
/// `test` names the folder: tests run at once, each needs its own.
fn run_for_tables(name: &str, test: &str) -> (PathBuf, String) {
    let out = scratch(&format!("tables-{name}-{test}"));
    let result = run_example(&format!("examples/{name}"), name, &out, &[]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    (out, stdout(&result))
}

/// The lines of the block of `text` whose first line starts with `header` (up to a blank line).
fn block<'a>(text: &'a str, header: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().collect();
    let start =
        lines.iter().position(|l| l.trim_start().starts_with(header)).unwrap_or_else(|| panic!("{header} in {text}"));
    lines[start..].iter().take_while(|l| !l.trim().is_empty()).copied().collect()
}

/// Checks that each header named in `numeric` ends in the column where every
/// non-empty cell below it ends (numbers are aligned right, and so is their header).
fn assert_right_aligned(lines: &[&str], numeric: &[&str]) {
    let header = lines[0];
    for name in numeric {
        let at = header.find(&format!(" {name}")).unwrap_or_else(|| panic!("`{name}` in `{header}`")) + 1;
        let end = at + name.len();
        assert!(header[end..].is_empty() || header[end..].starts_with(' '), "`{name}` is a whole header");
        for line in &lines[1..] {
            let chars: Vec<char> = line.chars().collect();
            let last = chars.get(end - 1).copied().unwrap_or(' ');
            let after = chars.get(end).copied().unwrap_or(' ');
            if chars[at.min(chars.len())..end.min(chars.len())].iter().all(|c| *c == ' ') {
                continue; // an empty cell
            }
            assert!(
                last != ' ' && after == ' ',
                "`{name}` ends at column {end} but its cell does not:\n{header}\n{line}"
            );
        }
    }
}

#[test]
fn headers_of_numeric_columns_end_where_their_numbers_end() {
    let (out, table) = run_for_tables("goal-purchase", "headers");
    let metrics = block(&table, "metric");
    assert_right_aligned(&metrics, &["all", "email", "sms", "push"]);
    let steps = block(&table, "step ");
    assert_right_aligned(&steps, &["reached", "left", "active", "sends", "delivered", "opened", "clicked"]);
    let recipients = stdout(&journey(&["report", path(&out), "--by", "recipient"]));
    let lines: Vec<&str> = recipients.lines().collect();
    assert_right_aligned(&lines, &["opens", "clicks", "spam_reports"]);
}

#[test]
fn money_has_2_decimals_in_tables_and_csv_and_full_precision_in_json() {
    let (out, table) = run_for_tables("goal-purchase", "money");
    for (metric, all) in [("revenue", "288.00"), ("average_order_revenue", "96.00"), ("revenue_per_recipient", "48.00")]
    {
        let line = block(&table, metric)[0];
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[1], all, "{line}");
        assert!(cells[1..].iter().all(|c| c.split_once('.').is_some_and(|(_, d)| d.len() == 2)), "{line}");
    }
    assert!(block(&table, "revenue_per_recipient")[0].contains("45.60"), "not 45.6");
    let csv = read(&out.join("report.csv"));
    let header: Vec<&str> = csv.lines().next().expect("a header").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect("the column");
    for row in csv.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        for name in ["revenue", "average_order_revenue", "revenue_per_recipient"] {
            let cell = cells[column(name)];
            assert!(
                cell.is_empty() || cell.split_once('.').is_some_and(|(_, d)| d.len() == 2),
                "{name} `{cell}` in {row}"
            );
        }
    }
    assert!(csv.contains(",19.80\n"), "revenue_per_recipient of the first send, 99 / 5: {csv}");
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("report.json"))).expect("JSON");
    assert_eq!(json["journeys"][0]["metrics"]["email"]["revenue_per_recipient"].as_f64(), Some(45.6));
}

#[test]
fn counts_take_the_singular_for_one() {
    let (out, table) = run_for_tables("newsletter", "singular");
    assert!(table.contains("(1 duplicate ignored,"), "{table}");
    // The same report with every count at 1, then at 2.
    let report_path = out.join("report.json");
    let mut report: serde_json::Value = serde_json::from_str(&read(&report_path)).expect("JSON");
    for n in [1, 2] {
        for key in ["profiles", "events", "duplicates"] {
            report["input"][key] = n.into();
        }
        report["journeys"][0]["entered"] = n.into();
        report["journeys"][0]["entries"] = n.into();
        std::fs::write(&report_path, serde_json::to_string(&report).expect("JSON")).expect("writable");
        let table = stdout(&journey(&["report", path(&out)]));
        let expected = if n == 1 {
            ["1 profile, 1 event replayed (1 duplicate ignored,", "entered 1 profile (1 entry),"]
        } else {
            ["2 profiles, 2 events replayed (2 duplicates ignored,", "entered 2 profiles (2 entries),"]
        };
        for phrase in expected {
            assert!(table.contains(phrase), "`{phrase}` in:\n{table}");
        }
    }
}

#[test]
fn the_recipient_table_shows_address_message_id_and_what_became_of_each_message() {
    let (out, _) = run_for_tables("goal-purchase", "recipients");
    let table = stdout(&journey(&["report", path(&out), "--by", "recipient"]));
    let header: Vec<&str> = table.lines().next().expect("a header").split_whitespace().collect();
    let expected = "journey profile step to message_id sent delivered bounced opens clicks unsubscribed spam_reports";
    assert_eq!(header.join(" "), expected);
    let q1 = table.lines().find(|l| l.contains(" q1 ")).expect("a row of q1");
    assert!(q1.contains("alice.girard@example.com") && q1.contains("BrowseAbandonment/1/q1/1/1"), "{q1}");
    let q4 = table.lines().find(|l| l.contains(" q4 ")).expect("a row of q4");
    let cells: Vec<&str> = q4.split_whitespace().collect();
    // q4's first email bounced: delivered no, bounced yes.
    assert_eq!(&cells[cells.len() - 6..cells.len() - 4], ["no", "yes"], "{q4}");
}

#[test]
fn rejects_and_unmatched_events_are_told_apart_and_written_even_when_nothing_is_left() {
    // A garbage line and p1's open of a push never sent to p1 in this run
    // (unmatched: counted, not rejected) after the example's first cart.
    let dir = scratch("told-apart");
    let profiles = repository_root().join("examples/abandoned-cart/profiles.jsonl");
    let events = dir.join("events.jsonl");
    let first = read(&repository_root().join("examples/abandoned-cart/events.jsonl"))
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    std::fs::write(
        &events,
        format!(
            "{first}\nnot json\n{}\n",
            r#"{"ts":"2026-11-02T10:30:00Z","profile":"p1","type":"push.opened","content":"FinalNotification"}"#
        ),
    )
    .expect("writable");
    let (out, rejects) = (dir.join("out"), dir.join("rejects.jsonl"));
    let result = run_cart(&profiles, &events, &out, &["--rejects", path(&rejects)]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    assert!(stderr(&result).contains("1 line rejected and 1 unmatched channel event: see"), "{}", stderr(&result));
    let lines: Vec<serde_json::Value> =
        read(&rejects).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.iter().map(|l| l["line"].as_u64()).collect::<Vec<_>>(), [Some(2), Some(3)]);

    // Every line set aside: a usage error (exit 2), and the rejects are still written.
    std::fs::write(&events, "not json\n").expect("writable");
    let _ = std::fs::remove_file(&rejects);
    let result = run_cart(&profiles, &events, &out, &["--rejects", path(&rejects)]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(stderr(&result).contains("(its 1 line was set aside; the first:"), "{}", stderr(&result));
    assert_eq!(read(&rejects).lines().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
