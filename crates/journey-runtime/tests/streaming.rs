//! Replay at scale (runtime.md §7): the same events give the same run however
//! they come — one file, several files merged by time (ties: file order, then
//! line), compressed or not, sorted or not (unsorted files are sorted on disk).
//! Each property compares the report and the bytes of `actions.jsonl` and
//! `messages.jsonl` with those of the one sorted file.

use std::io::Write as _;

use journey_check::{Mode, Project, check};
use journey_plan::{Plan, lower};
use journey_runtime::replay::{self, InMemory, Input, Output, Source};
use journey_runtime::report::Report;
use journey_runtime::source::InputFile;
use journey_runtime::{Options, Rejected, RunError};
use proptest::prelude::*;

const PROJECT: &str = r#"
profile {
  email: email
  phone: phone
  push_token: text
}

trigger Cart {
  source custom
  status published
  total: money
}

trigger Buy {
  source commerce
  status published
  revenue: money
}

email Mail {
  status ready
  subject "Your cart"
  body "Come back"
}

sms Text {
  status ready
  text "Your cart is waiting"
}

push Note {
  status ready
  title "Cart"
  body "Still there"
}

journey Cart {
  start on Cart
  goal purchase on Buy
  reentry after 1d
  send Mail to profile.email
  if not opened Mail within 1d {
    send Text to profile.phone
  }
  wait 1d
  send Note
}
"#;

fn plan() -> Plan {
    let project = Project::from_texts([("x.journey", PROJECT.to_owned())]);
    let analysis = check(&project, Mode::Publish);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    lower(&analysis.program, &project.sources, None)
}

const PROFILES: usize = 6;

fn profiles() -> String {
    (0..PROFILES)
        .map(|p| {
            format!(r#"{{"id":"p{p}","email":"p{p}@example.com","phone":"+3360000000{p}","push_token":"t{p}"}}"#) + "\n"
        })
        .collect()
}

/// An event line of profile `p` at `minute` minutes after 2026-11-02T00:00Z.
fn event(kind: u8, p: usize, minute: u32, n: usize) -> String {
    let ts = format!("2026-11-{:02}T{:02}:{:02}:00Z", 2 + minute / 1440, minute / 60 % 24, minute % 60);
    match kind % 6 {
        0 | 1 => format!(r#"{{"ts":"{ts}","profile":"p{p}","type":"Cart","data":{{"total":{n}}}}}"#),
        2 => format!(r#"{{"ts":"{ts}","profile":"p{p}","type":"email.opened","content":"Mail"}}"#),
        3 => format!(r#"{{"ts":"{ts}","profile":"p{p}","type":"email.clicked","content":"Mail"}}"#),
        4 => format!(r#"{{"ts":"{ts}","profile":"p{p}","type":"sms.clicked","content":"Text"}}"#),
        _ => format!(r#"{{"ts":"{ts}","profile":"p{p}","type":"Buy","data":{{"revenue":{n}.5}}}}"#),
    }
}

/// Events at few distinct instants (many ties), over three days: (minute, line).
fn events() -> impl Strategy<Value = Vec<(u32, String)>> {
    prop::collection::vec((0u8..6, 0..PROFILES, 0u32..72), 1..60).prop_map(|list| {
        let mut lines: Vec<(u32, String)> =
            list.into_iter().enumerate().map(|(n, (k, p, slot))| (slot * 60, event(k, p, slot * 60, n))).collect();
        // The one file is in time order; equal times keep their order.
        lines.sort_by_key(|(minute, _)| *minute);
        lines
    })
}

/// What a run wrote.
#[derive(Debug, PartialEq)]
struct Written {
    report: String,
    actions: String,
    messages: String,
    rejected: Vec<(String, usize)>,
}

#[derive(Default)]
struct Memory {
    actions: Vec<u8>,
    messages: Vec<u8>,
    rejected: Vec<(String, usize)>,
}

impl Output for Memory {
    fn actions(&mut self) -> &mut dyn std::io::Write {
        &mut self.actions
    }
    fn messages(&mut self) -> &mut dyn std::io::Write {
        &mut self.messages
    }
    fn reject(&mut self, r: &Rejected) -> std::io::Result<()> {
        self.rejected.push((r.error.file.clone(), r.error.line));
        Ok(())
    }
    fn restart(&mut self) -> std::io::Result<()> {
        *self = Memory::default();
        Ok(())
    }
}

fn run_sources(plan: &Plan, events: &[&dyn Source], sorted: bool) -> Result<Written, RunError> {
    let profiles = profiles();
    let profiles = InMemory { name: "profiles.jsonl", bytes: profiles.as_bytes() };
    let input = Input {
        profiles: vec![&profiles],
        events: events.to_vec(),
        max_line_bytes: 1 << 20,
        sorted,
        temp_dir: std::env::temp_dir(),
        // Small: the sort of any file of a few lines writes several runs.
        sort_memory: 512,
        keep_rejects: true,
    };
    let mut out = Memory::default();
    let report: Report = replay::replay(plan, &input, Options::default(), &mut out, &mut |_| {})?;
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8");
    Ok(Written {
        report: report.to_json(),
        actions: text(out.actions),
        messages: text(out.messages),
        rejected: out.rejected,
    })
}

fn text_of(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The run over the one sorted file.
fn reference(plan: &Plan, lines: &[(u32, String)]) -> Written {
    let text = text_of(&lines.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>());
    let one = InMemory { name: "events.jsonl", bytes: text.as_bytes() };
    run_sources(plan, &[&one], true).expect("the sorted file runs")
}

/// A folder of its own under the temporary folder.
fn folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-streaming-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Split into files (each keeping the order; a tie goes to a file no
    /// earlier than the lines before it at that instant), some compressed:
    /// the same run as one file.
    #[test]
    fn events_split_into_files_some_compressed_give_the_same_run(
        lines in events(),
        cuts in prop::collection::vec(0usize..3, 60),
        compression in prop::collection::vec(0u8..3, 3),
    ) {
        let plan = plan();
        let expected = reference(&plan, &lines);
        // Assign each line a file: at a new instant any file, within an
        // instant a file at least that of the line before.
        let mut parts: Vec<Vec<&str>> = vec![Vec::new(); 3];
        let mut previous: Option<(u32, usize)> = None;
        for (i, (minute, line)) in lines.iter().enumerate() {
            let mut file = cuts[i % cuts.len()];
            if let Some((m, f)) = previous && m == *minute {
                file = file.max(f);
            }
            parts[file].push(line);
            previous = Some((*minute, file));
        }
        let dir = folder("split");
        let files: Vec<InputFile> = parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                let text = text_of(part);
                let (name, bytes) = match compression[i] {
                    0 => (format!("part{i}.jsonl"), text.into_bytes()),
                    1 => {
                        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                        gz.write_all(text.as_bytes()).expect("gzip");
                        (format!("part{i}.jsonl.gz"), gz.finish().expect("gzip"))
                    }
                    _ => (format!("part{i}.jsonl.zst"), zstd::encode_all(text.as_bytes(), 1).expect("zstd")),
                };
                let path = dir.join(&name);
                std::fs::write(&path, bytes).expect("written");
                InputFile { path, name: "events.jsonl".to_owned() }
            })
            .collect();
        let sources: Vec<&dyn Source> = files.iter().map(|f| f as &dyn Source).collect();
        let got = run_sources(&plan, &sources, true).expect("the parts run");
        // The rejects (unmatched events) name lines of the parts: as many.
        prop_assert_eq!(&got.report, &expected.report);
        prop_assert_eq!(&got.actions, &expected.actions);
        prop_assert_eq!(&got.messages, &expected.messages);
        prop_assert_eq!(got.rejected.len(), expected.rejected.len());
    }

    /// Shuffled: the same run as the file stably sorted by time, with the
    /// sort on disk in runs of a few lines.
    #[test]
    fn an_unsorted_file_gives_the_run_of_its_stable_sorted_copy(
        lines in events(),
        keys in prop::collection::vec(any::<u32>(), 60),
    ) {
        let plan = plan();
        let mut shuffled: Vec<(u32, String)> = lines.clone();
        let mut order: Vec<usize> = (0..shuffled.len()).collect();
        order.sort_by_key(|&i| keys[i % keys.len()]);
        shuffled = order.iter().map(|&i| shuffled[i].clone()).collect();
        let mut sorted_copy = shuffled.clone();
        sorted_copy.sort_by_key(|(minute, _)| *minute);
        let expected = reference(&plan, &sorted_copy);
        let text = text_of(&shuffled.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>());
        let file = InMemory { name: "events.jsonl", bytes: text.as_bytes() };
        let got = run_sources(&plan, &[&file], false).expect("the unsorted file runs");
        // The rejects (unmatched events) name lines of the unsorted file: as many.
        prop_assert_eq!(&got.report, &expected.report);
        prop_assert_eq!(&got.actions, &expected.actions);
        prop_assert_eq!(&got.messages, &expected.messages);
        prop_assert_eq!(got.rejected.len(), expected.rejected.len());
    }
}

#[test]
fn with_sorted_a_line_out_of_order_is_an_error_naming_file_and_line() {
    let plan = plan();
    let text = text_of(&[&event(0, 0, 120, 1), &event(0, 1, 60, 2)]);
    let file = InMemory { name: "events.jsonl", bytes: text.as_bytes() };
    let error = run_sources(&plan, &[&file], true).expect_err("out of order");
    assert_eq!(
        error.to_string(),
        "events.jsonl:2: field `ts`: out of time order: `2026-11-02T01:00:00Z` is before `2026-11-02T02:00:00Z` of line 1, \
         and --sorted says the file is sorted; sort it, or leave out --sorted to have it sorted on disk"
    );
}

#[test]
fn unmatched_channel_events_are_counted_and_set_aside_with_their_line() {
    // p0's open of a Mail never sent to p0 (line 1), p1's cart (line 2) and
    // its email's open (line 3): one unmatched, set aside by its line.
    let plan = plan();
    let text = text_of(&[&event(2, 0, 0, 0), &event(0, 1, 10, 1), &event(2, 1, 20, 2)]);
    let file = InMemory { name: "events.jsonl", bytes: text.as_bytes() };
    let got = run_sources(&plan, &[&file], true).expect("runs");
    assert_eq!(got.rejected, [("events.jsonl".to_owned(), 1)]);
    let report: serde_json::Value = serde_json::from_str(&got.report).expect("JSON");
    assert_eq!(report["input"]["unmatched"], 1);
    assert_eq!(report["input"]["events"], 2);
    assert_eq!(report["input"]["rejected"], 0);
    assert_eq!(report["journeys"][0]["metrics"]["email"]["opened"], 1);
}
