//! End-to-end tests of `journey compare` with the real binary: two runs of the
//! abandoned-cart example (the whole history against the first day and a half;
//! version 1 against a version 2 with a longer wait), compared as JSON, CSV and
//! a table; and the folders it refuses.

mod support;

use support::*;

fn scratch(name: &str) -> std::path::PathBuf {
    support::scratch("compare", name)
}

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Replays the abandoned-cart data with `plan` into `out`.
fn run_cart(plan: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        plan,
        "--profiles",
        "examples/abandoned-cart/profiles.jsonl",
        "--events",
        "examples/abandoned-cart/events.jsonl",
        "--out",
        path(out),
    ];
    args.extend_from_slice(extra);
    let run = journey(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

/// Two runs of the example: A the whole history, B until 2026-11-04T00:00:00Z.
fn two_runs(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = scratch(name);
    let (a, b) = (dir.join("a"), dir.join("b"));
    run_cart("examples/abandoned-cart", &a, &[]);
    run_cart("examples/abandoned-cart", &b, &["--until", "2026-11-04T00:00:00Z"]);
    (dir, a, b)
}

/// The row of `metric` in the first journey of a JSON comparison.
fn json_row<'a>(comparison: &'a Value, metric: &str) -> &'a Value {
    comparison["journeys"][0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["metric"] == metric)
        .unwrap_or_else(|| panic!("no row {metric}"))
}

// Worked out from examples/abandoned-cart/events.jsonl. Until 2026-11-04T00:00 (B):
// the carts of p1 p2 p4 p5 p6 p8 (2 Nov) and p7 (3 Nov 09:00) enter, 7 profiles,
// 7 entries (p3's cart is 45, under 50; p7's second cart comes while it is in the
// journey; p7's third and p9's come later). Sends: 7 emails, and an SMS a day
// later to p2, p4 and p5 (p1 and p8 opened, p6 clicked; p7's day ends after
// `until`): 10. Orders: p2's 120.00 only (p3 never entered). The whole history
// (A, the example's README): 8 profiles, 9 entries, 16 sends, 5 orders, 397.40.
#[test]
fn json_gives_both_values_the_difference_and_the_relative_change() {
    let (dir, a, b) = two_runs("json");
    let result = journey(&["compare", path(&a), path(&b), "--format", "json"]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let comparison: Value = serde_json::from_str(&stdout(&result)).expect("JSON");
    assert_eq!(comparison["format"], "journey-compare/1");
    assert_eq!(comparison["b"]["until"], "2026-11-04T00:00:00Z");
    let journey_block = &comparison["journeys"][0];
    assert_eq!(journey_block["journey"], "AbandonedCartRecovery");
    assert_eq!((journey_block["version_a"].as_u64(), journey_block["version_b"].as_u64()), (Some(1), Some(1)));
    // Goal: 4 of 8 (50%, met) against 1 of 7 (p2; 14.29%, not met).
    assert_eq!(
        (journey_block["goal_met_a"].as_bool(), journey_block["goal_met_b"].as_bool()),
        (Some(true), Some(false))
    );

    let entered = json_row(&comparison, "entered");
    assert_eq!(entered["kind"], "count");
    assert_eq!(
        (entered["a"].as_i64(), entered["b"].as_i64(), entered["difference"].as_i64()),
        (Some(8), Some(7), Some(-1))
    );
    assert_eq!(entered["relative"].as_f64(), Some(-0.125));
    let sends = json_row(&comparison, "all.total_sends");
    assert_eq!(
        (sends["a"].as_i64(), sends["b"].as_i64(), sends["difference"].as_i64()),
        (Some(16), Some(10), Some(-6))
    );
    assert_eq!(sends["relative"].as_f64(), Some(-0.375));
    let revenue = json_row(&comparison, "all.revenue");
    assert_eq!(revenue["kind"], "money");
    assert_eq!((revenue["a"].as_f64(), revenue["b"].as_f64()), (Some(397.4), Some(120.0)));
    assert_eq!(revenue["difference"].as_f64(), Some(-277.4));
    // -277.4 / 397.4 = -0.69804...
    assert_eq!(revenue["relative"].as_f64(), Some(-0.698));
    let progress = json_row(&comparison, "goal.progress");
    assert_eq!(progress["kind"], "rate");
    // 0.1429 - 0.5 and its share of 0.5.
    assert_eq!((progress["difference"].as_f64(), progress["relative"].as_f64()), (Some(-0.3571), Some(-0.7142)));
    // A is 0: no relative change.
    let suppressed = json_row(&comparison, "exits.suppressed");
    assert_eq!((suppressed["difference"].as_i64(), suppressed["relative"].is_null()), (Some(0), true));
    // B sent no push, A did: the push block is compared; there is no score yet.
    assert_eq!(json_row(&comparison, "push.total_sends")["difference"].as_i64(), Some(-3));
    let rows = comparison["journeys"][0]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3 + 4 + 2 + 4 * 25, "counts, exits, goal, all and three channels");
    assert!(rows.iter().all(|r| !r["metric"].as_str().unwrap_or_default().starts_with("score")));
    assert_eq!(comparison["only_in_a"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_has_one_row_per_journey_and_metric_rates_as_percentages() {
    let (dir, a, b) = two_runs("csv");
    let result = journey(&["compare", path(&a), path(&b), "--format", "csv"]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let text = stdout(&result);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "journey,version_a,version_b,metric,a,b,difference,relative");
    assert_eq!(lines.len(), 1 + 109);
    let line = |metric: &str| {
        lines.iter().find(|l| l.split(',').nth(3) == Some(metric)).copied().unwrap_or_else(|| panic!("no {metric}"))
    };
    assert_eq!(line("entries"), "AbandonedCartRecovery,1,1,entries,9,7,-2,-22.22%");
    assert_eq!(line("active"), "AbandonedCartRecovery,1,1,active,1,3,+2,+200.00%");
    assert_eq!(line("all.orders"), "AbandonedCartRecovery,1,1,all.orders,5,1,-4,-80.00%");
    assert_eq!(line("all.revenue"), "AbandonedCartRecovery,1,1,all.revenue,397.40,120.00,-277.40,-69.80%");
    // 14 of 16 delivered against 8 of 10: 87.50% and 80.00%, 7.50 points less.
    assert_eq!(line("all.delivery_rate"), "AbandonedCartRecovery,1,1,all.delivery_rate,87.50%,80.00%,-7.50%,-8.57%");
    assert_eq!(line("exits.explicit"), "AbandonedCartRecovery,1,1,exits.explicit,0,0,0,");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_table_shows_one_block_per_journey() {
    let (dir, a, b) = two_runs("table");
    let result = journey(&["compare", path(&a), path(&b)]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    // The folders differ from run to run: name them A and B in the snapshot.
    let text = stdout(&result).replace(path(&a), "A_DIR").replace(path(&b), "B_DIR");
    insta::assert_snapshot!("compare_table_until", text);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Version 1 of the example against a version 2 that waits 2 days before the push.
#[test]
fn version_1_against_version_2_on_the_same_history() {
    let dir = scratch("versions");
    let plan = dir.join("plan.json");
    let v1 = dir.join("plan-v1.json");
    let build = journey(&["build", "examples/abandoned-cart", "-o", path(&plan)]);
    assert_eq!(build.status.code(), Some(0), "{}", stderr(&build));
    std::fs::copy(&plan, &v1).expect("copied");
    let project = dir.join("project");
    std::fs::create_dir_all(&project).expect("a folder");
    for entry in std::fs::read_dir(repository_root().join("examples/abandoned-cart")).expect("the example") {
        let entry = entry.expect("an entry");
        let text = std::fs::read_to_string(entry.path()).expect("readable");
        std::fs::write(project.join(entry.file_name()), text.replace("wait 1d", "wait 2d")).expect("written");
    }
    let build = journey(&["build", path(&project), "-o", path(&plan)]);
    assert_eq!(build.status.code(), Some(0), "{}", stderr(&build));
    let (a, b) = (dir.join("a"), dir.join("b"));
    run_cart(path(&v1), &a, &[]);
    run_cart(path(&plan), &b, &[]);
    let result = journey(&["compare", path(&a), path(&b), "--format", "csv"]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let text = stdout(&result);
    let line = |metric: &str| {
        text.lines().find(|l| l.split(',').nth(3) == Some(metric)).map(str::to_owned).unwrap_or_default()
    };
    // p5: email 2 Nov 14:00, SMS 3 Nov 14:00, then the push 4 Nov 14:00 (v1) or 5 Nov
    // 14:00 (v2), when it completes. Its 64.00 order of 7 Nov 15:00 is past v1's 3-day
    // attribution window (7 Nov 14:00) and within v2's: one more order, 64.00 more,
    // one more profile reaching the goal. Its push.opened of 4 Nov 18:00 comes before
    // v2's push: unmatched, one open less.
    assert_eq!(line("entered"), "AbandonedCartRecovery,1,2,entered,8,8,0,0.00%");
    assert_eq!(line("goal.reached"), "AbandonedCartRecovery,1,2,goal.reached,4,5,+1,+25.00%");
    assert_eq!(line("all.orders"), "AbandonedCartRecovery,1,2,all.orders,5,6,+1,+20.00%");
    assert_eq!(line("all.revenue"), "AbandonedCartRecovery,1,2,all.revenue,397.40,461.40,+64.00,+16.10%");
    assert_eq!(line("push.opened"), "AbandonedCartRecovery,1,2,push.opened,1,0,-1,-100.00%");
    let table = journey(&["compare", path(&a), path(&b)]);
    assert!(stdout(&table).contains("Journey AbandonedCartRecovery (version 1 → version 2)\n"), "{}", stdout(&table));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_journey_of_one_run_only_is_listed_as_such() {
    let (dir, a, b) = two_runs("lone");
    // B renamed: its journey is not in A, A's is not in B.
    let report = b.join("report.json");
    let text = std::fs::read_to_string(&report).expect("a report");
    std::fs::write(&report, text.replace("\"AbandonedCartRecovery\"", "\"CartRecoveryV2\"")).expect("written");
    let result = journey(&["compare", path(&a), path(&b)]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let out = stdout(&result);
    assert!(out.contains("Journey AbandonedCartRecovery (version 1): only in A\n"), "{out}");
    assert!(out.contains("Journey CartRecoveryV2 (version 1): only in B\n"), "{out}");
    assert!(out.contains("No journey ran in both."), "{out}");
    let json = journey(&["compare", path(&a), path(&b), "--format", "json"]);
    let comparison: Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(comparison["only_in_b"], serde_json::json!([{"journey": "CartRecoveryV2", "version": 1}]));
    assert_eq!(comparison["journeys"], serde_json::json!([]));
    // The CSV says so too, one row each.
    let csv = stdout(&journey(&["compare", path(&a), path(&b), "--format", "csv"]));
    assert_eq!(
        csv,
        "journey,version_a,version_b,metric,a,b,difference,relative\n\
         AbandonedCartRecovery,1,,only in A,,,,\n\
         CartRecoveryV2,,1,only in B,,,,\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_score_is_compared_when_a_report_has_one() {
    let (dir, a, b) = two_runs("score");
    for (side, mean, frictions) in [(&a, 60.0, 4), (&b, 75.0, 1)] {
        let report = side.join("report.json");
        let mut value: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).expect("a report")).expect("JSON");
        value["journeys"][0]["score"] = serde_json::json!({"mean": mean, "frictions": frictions,
            "by_step": [{"step": "send SecondReminder", "frictions": frictions}]});
        std::fs::write(&report, value.to_string()).expect("written");
    }
    let result = journey(&["compare", path(&a), path(&b), "--format", "csv"]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let text = stdout(&result);
    assert!(text.contains("\nAbandonedCartRecovery,1,1,score.mean,60,75,+15,+25.00%\n"), "{text}");
    assert!(text.contains("\nAbandonedCartRecovery,1,1,score.frictions,4,1,-3,-75.00%\n"), "{text}");
    assert!(text.contains("\nAbandonedCartRecovery,1,1,score.by_step[send SecondReminder].frictions,4,1,-3,-75.00%\n"));
    // In the documented order: mean, frictions, then the steps.
    let order: Vec<&str> =
        text.lines().filter_map(|l| l.split(',').nth(3)).filter(|m| m.starts_with("score")).collect();
    assert_eq!(order, ["score.mean", "score.frictions", "score.by_step[send SecondReminder].frictions"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_or_foreign_report_is_a_usage_error_naming_the_file() {
    let (dir, a, _) = two_runs("errors");
    let missing = dir.join("nowhere");
    let result = journey(&["compare", path(&a), path(&missing)]);
    assert_eq!(result.status.code(), Some(2));
    assert!(stderr(&result).contains(&format!("`{}` is not a folder", missing.display())), "{}", stderr(&result));
    assert!(stdout(&result).is_empty());

    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).expect("a folder");
    let result = journey(&["compare", path(&empty), path(&a)]);
    assert_eq!(result.status.code(), Some(2));
    let expected = format!("`{}` cannot be read", empty.join("report.json").display());
    assert!(stderr(&result).contains(&expected), "{}", stderr(&result));
    assert!(stderr(&result).contains("the --out folder of a `journey run`"), "{}", stderr(&result));

    let garbled = dir.join("garbled");
    std::fs::create_dir_all(&garbled).expect("a folder");
    std::fs::write(garbled.join("report.json"), "{\n  \"format\": \n").expect("written");
    let result = journey(&["compare", path(&a), path(&garbled)]);
    assert_eq!(result.status.code(), Some(2));
    let expected = format!("{}:3: not a journey report (not JSON", garbled.join("report.json").display());
    assert!(stderr(&result).contains(&expected), "{}", stderr(&result));

    let plan = dir.join("plan");
    std::fs::create_dir_all(&plan).expect("a folder");
    std::fs::write(plan.join("report.json"), "{\"format\": \"journey-plan/1\", \"journeys\": []}").expect("written");
    let result = journey(&["compare", path(&a), path(&plan), "--format", "json"]);
    assert_eq!(result.status.code(), Some(2));
    let expected = format!(
        "{}: not a journey report (format `journey-plan/1`, expected `journey-report/1`)",
        plan.join("report.json").display()
    );
    assert!(stderr(&result).contains(&expected), "{}", stderr(&result));
    let _ = std::fs::remove_dir_all(&dir);
}
