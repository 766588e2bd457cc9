//! End-to-end tests of `journey run` over real histories (runtime.md §7), with
//! the real binary: several files and glob patterns, `.gz` and `.zst`,
//! unsorted files sorted on disk, `--sorted`, and the errors of each.

mod support;

use support::*;

fn scratch(name: &str) -> std::path::PathBuf {
    support::scratch("streaming", name)
}

use std::io::Write as _;
use std::path::Path;

const PROFILES: &str = "examples/abandoned-cart/profiles.jsonl";

/// `journey run` of the example project over `events` (each after `--events`)
/// into `out`, with `extra` arguments.
fn run_cart(events: &[&str], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "examples/abandoned-cart", "--profiles", PROFILES];
    for e in events {
        args.extend(["--events", e]);
    }
    args.extend(["--out", path(out)]);
    args.extend(extra);
    journey(&args)
}

/// The lines of the example's events.
fn example_events() -> Vec<String> {
    read(&repository_root().join("examples/abandoned-cart/events.jsonl")).lines().map(str::to_owned).collect()
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip");
    gz.finish().expect("gzip")
}

/// The files a run wrote, as text, but the table on stdout.
fn outputs(out: &Path) -> [String; 4] {
    ["report.json", "report.csv", "actions.jsonl", "messages.jsonl"].map(|f| read(&out.join(f)))
}

/// The example run over its one sorted file.
fn reference(dir: &Path) -> [String; 4] {
    let out = dir.join("reference");
    let run = run_cart(&["examples/abandoned-cart/events.jsonl"], &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    outputs(&out)
}

#[test]
fn events_in_several_files_by_a_glob_gzip_and_zstd_give_the_run_of_one_file() {
    // The example's 29 events cut in three parts (each in time order, every
    // instant in one part): part 1 plain, part 2 gzip, part 3 zstd, named so
    // that the pattern gives them in order.
    let dir = scratch("parts");
    let expected = reference(&dir);
    let lines = example_events();
    let parts = [&lines[..10], &lines[10..20], &lines[20..]];
    let text = |part: &[String]| part.iter().map(|l| format!("{l}\n")).collect::<String>();
    std::fs::create_dir_all(dir.join("events")).expect("folder");
    std::fs::write(dir.join("events/part1.jsonl"), text(parts[0])).expect("written");
    std::fs::write(dir.join("events/part2.jsonl.gz"), gzip(&text(parts[1]))).expect("written");
    std::fs::write(dir.join("events/part3.jsonl.zst"), zstd::encode_all(text(parts[2]).as_bytes(), 3).expect("zstd"))
        .expect("written");
    let out = dir.join("out");
    let pattern = format!("{}/events/part*", path(&dir));
    let run = run_cart(&[&pattern], &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(outputs(&out), expected);
    // The same parts given one by one, in another order: merged by time, the same run.
    let out = dir.join("out2");
    let run = run_cart(
        &[
            &format!("{}/events/part3.jsonl.zst", path(&dir)),
            &format!("{}/events/part1.jsonl", path(&dir)),
            &format!("{}/events/part2.jsonl.gz", path(&dir)),
        ],
        &out,
        &[],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(outputs(&out), expected);
}

#[test]
fn an_unsorted_file_is_sorted_on_disk_and_with_sorted_it_is_an_error_naming_the_line() {
    let dir = scratch("unsorted");
    let expected = reference(&dir);
    // Reversed: the events of one instant come reversed too, so sort them
    // stably back by time for the expected run; the example has no two events
    // at one instant, so reversed-then-sorted is the file itself.
    let mut lines = example_events();
    lines.reverse();
    let events = dir.join("reversed.jsonl");
    std::fs::write(&events, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).expect("written");
    let out = dir.join("out");
    let temp = dir.join("tmp");
    std::fs::create_dir_all(&temp).expect("folder");
    let run = run_cart(&[path(&events)], &out, &["--temp-dir", path(&temp), "--sort-memory", "1"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(outputs(&out), expected);
    // The sort's private folder is gone.
    assert_eq!(std::fs::read_dir(&temp).expect("folder").count(), 0);

    let out = dir.join("sorted");
    let run = run_cart(&[path(&events)], &out, &["--sorted", "--rejects", path(&dir.join("rejects.jsonl"))]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let message = stderr(&run);
    assert!(message.contains(&format!("{}:2: field `ts`: out of time order:", path(&events))), "{message}");
    // Rejects do not help here: the message does not offer them.
    assert!(!message.contains("--rejects FILE"), "{message}");
    assert!(!out.exists(), "a failed run leaves no output");
    assert!(!dir.join("rejects.jsonl").exists(), "nor rejects");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".part")), "{names:?}");
}

#[test]
fn a_pattern_matching_nothing_and_a_corrupt_gzip_are_clear_errors_that_write_nothing() {
    let dir = scratch("errors");
    let out = dir.join("out");
    let pattern = format!("{}/none-*.jsonl", path(&dir));
    let run = run_cart(&[&pattern], &out, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains(&format!("`{pattern}` matches no file")), "{}", stderr(&run));
    assert!(!out.exists());

    // A gzip file cut in the middle.
    let text: String = example_events().iter().map(|l| format!("{l}\n")).collect();
    let whole = gzip(&text);
    let cut = dir.join("events.jsonl.gz");
    std::fs::write(&cut, &whole[..whole.len() / 2]).expect("written");
    let run = run_cart(&[path(&cut)], &out, &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let message = stderr(&run);
    assert!(message.contains(&format!("`{}` is not a valid gzip stream", path(&cut))), "{message}");
    assert!(!out.exists(), "a failed run leaves no output");
}

#[test]
fn the_report_has_the_input_block() {
    // The example (its README): 9 profiles, 29 events of which one repeats the
    // id `op-8` (a duplicate); added at the end, an open by p3 (cart 45, never
    // entered) of the InitialReminder it was never sent: unmatched, not an event.
    let dir = scratch("input");
    let mut lines = example_events();
    lines.push(
        r#"{"ts":"2026-11-08T23:00:00Z","profile":"p3","type":"email.opened","content":"InitialReminder"}"#.to_owned(),
    );
    let events = dir.join("events.jsonl");
    std::fs::write(&events, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).expect("written");
    let out = dir.join("out");
    let run = run_cart(&[path(&events)], &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let report: serde_json::Value = serde_json::from_str(&read(&out.join("report.json"))).expect("JSON");
    assert_eq!(
        report["input"],
        serde_json::json!({
            "profiles": 9, "events": 28, "duplicates": 1, "unmatched": 1,
            "before_start": 0, "after_until": 0, "rejected": 0
        })
    );
}
