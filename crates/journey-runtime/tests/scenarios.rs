//! One small project per rule of runtime.md §4 (execution) and §5 (goal
//! attribution), and of docs/runtime.md where it settles what the spec leaves
//! open. Each test states, in a comment, what a person working it out by hand
//! expects; the assertions check exactly that.
//!
//! All times are UTC; "11-02 10:00" is 2026-11-02T10:00:00Z.

use journey_check::{Mode, Project, check};
use journey_plan::{Plan, lower};
use journey_runtime::report::{JourneyReport, Metrics};
use journey_runtime::{DataFile, InputError, Options, RunError, RunOutput};
use journey_time::Timestamp;

/// Declarations shared by every scenario: the journeys are appended to it.
const PRELUDE: &str = r#"
profile {
  email: email
  phone: phone
  push_token: text
  first_name: text
  tier: text
  subscribed: bool
  age: int
  since: datetime
}

trigger Cart {
  source custom
  status published
  total: money
}

trigger Visit {
  source custom
  status published
  page: text
}

trigger Cancel {
  source custom
  status published
  reason: text
}

trigger Buy {
  source commerce
  status published
  revenue: money
}

email Mail {
  status ready
  subject "Hello"
  body "Hello {{profile.first_name}}"
}

sms Text {
  status ready
  text "Hello {{profile.first_name}}"
}

push Note {
  status ready
  title "Hello"
  body "Hello {{profile.first_name}}"
}

segment Blocked {
  source list
}

segment Gold {
  where profile.tier == "gold"
}

segment Subscribers {
  where profile.subscribed == true
}

segment Stale {
  where days_since(Visit) >= 1
}
"#;

/// The plan of the prelude plus `journeys` (warnings allowed, no error).
fn plan(journeys: &str) -> Plan {
    let project = Project::from_texts([("x.journey", format!("{PRELUDE}\n{journeys}"))]);
    let analysis = check(&project, Mode::Publish);
    assert!(!analysis.has_errors(), "the scenario does not check: {:#?}", analysis.diagnostics);
    lower(&analysis.program, &project.sources, None)
}

/// A profile line: a silver subscriber with every address.
fn profile(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","email":"{id}@example.com","phone":"+33600000000","push_token":"tok-{id}","first_name":"{id}","tier":"silver","subscribed":true}}"#
    )
}

/// The profiles file of `ids` (default profiles).
fn profiles(ids: &[&str]) -> String {
    ids.iter().map(|id| profile(id) + "\n").collect()
}

/// JSON Lines from indented lines (leading blanks and empty lines removed).
fn lines(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| format!("{l}\n")).collect()
}

fn at(text: &str) -> i64 {
    Timestamp::parse(text).expect("a valid instant").0
}

/// A run over the data with lines of at most `max_line_bytes`.
fn try_run_limited(
    plan: &Plan,
    profiles: &str,
    events: &str,
    options: Options,
    keep_rejects: bool,
    max_line_bytes: usize,
) -> Result<RunOutput, RunError> {
    journey_runtime::run(
        plan,
        DataFile { name: "profiles.jsonl", text: profiles, max_line_bytes },
        DataFile { name: "events.jsonl", text: events, max_line_bytes },
        options,
        keep_rejects,
        &mut |_| {},
    )
}

/// A run over the data (lines of at most 1 MiB); any error is a bad line's.
fn try_run_with(
    plan: &Plan,
    profiles: &str,
    events: &str,
    options: Options,
    keep_rejects: bool,
) -> Result<RunOutput, InputError> {
    try_run_limited(plan, profiles, events, options, keep_rejects, 1 << 20).map_err(|error| match error {
        RunError::Input(error) => error,
        other => panic!("not a bad line: {other}"),
    })
}

fn run_with(plan: &Plan, profiles: &str, events: &str, options: Options) -> RunOutput {
    try_run_with(plan, profiles, events, options, false).unwrap_or_else(|e| panic!("the run fails: {e}"))
}

fn run(plan: &Plan, profiles: &str, events: &str) -> RunOutput {
    run_with(plan, profiles, events, Options::default())
}

fn until(instant: &str) -> Options {
    Options { start: None, until: Some(at(instant)) }
}

/// The `to` of each line of `actions.jsonl`, in order.
fn addresses(out: &RunOutput) -> Vec<serde_json::Value> {
    out.actions().lines().map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON")["to"].clone()).collect()
}

fn journey<'a>(out: &'a RunOutput, name: &str) -> &'a JourneyReport {
    out.report.journeys.iter().find(|j| j.journey == name).unwrap_or_else(|| panic!("no journey {name}"))
}

/// The sends of a run as `TIME PROFILE CONTENT` (time without the date's year), in action order.
fn sends(out: &RunOutput) -> Vec<String> {
    out.actions()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("actions are JSON");
            let ts = v["ts"].as_str().unwrap_or_default();
            format!(
                "{} {} {}",
                &ts[5..16].replace('T', " "),
                v["profile"].as_str().unwrap_or_default(),
                v["content"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// The exits as `[completed, exit_trigger, suppressed, explicit]`.
fn exits(j: &JourneyReport) -> [u64; 4] {
    [j.exits.completed, j.exits.exit_trigger, j.exits.suppressed, j.exits.explicit]
}

/// The step of `j` named `step`.
fn step<'a>(j: &'a JourneyReport, step: &str) -> &'a journey_runtime::report::StepReport {
    j.steps
        .iter()
        .find(|s| s.step == step)
        .unwrap_or_else(|| panic!("no step `{step}` in {:?}", j.steps.iter().map(|s| &s.step).collect::<Vec<_>>()))
}

// ---------------------------------------------------------------------------
// §4 Entry
// ---------------------------------------------------------------------------

#[test]
fn a_start_event_whose_where_is_false_does_not_enter() {
    // p1: cart 72 > 50: enters, gets the email, completes at once.
    // p2: cart 50: `50 > 50` is false, no entry.
    // p3: a cart without a total: the comparison reads a missing attribute, false.
    // => entered 1, entries 1, one send (p1), completed 1.
    let plan = plan(
        "journey J {
           start on Cart where total > 50
           send Mail to profile.email
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":72}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":50}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p3","type":"Cart"}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2", "p3"]), &events);
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (1, 1, 0));
    assert_eq!(exits(j), [1, 0, 0, 0]);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail"]);
}

#[test]
fn members_of_an_exclude_segment_at_that_moment_do_not_enter() {
    // p1: not excluded: enters (10:00).
    // p2: on the Blocked list in profiles.jsonl: excluded.
    // p3: joins Blocked at 10:02, carts at 10:03: excluded.
    // p4: on the list, leaves it at 10:04, carts at 10:05: enters.
    // p5: gold (a `where` segment) at 10:06: excluded; silver at 10:07, carts at 10:08: enters.
    // (A member of a `suppress` segment does not enter either, a docs/runtime.md
    // decision: p6 of `each_exit_reason_and_active_at_until`.)
    // => entered 3 (p1 p4 p5).
    let plan = plan(
        "journey J {
           start on Cart
           exclude Blocked
           exclude Gold
           send Mail to profile.email
         }",
    );
    let people = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        profile("p1"),
        profile("p2").replace("\"subscribed\":true", "\"subscribed\":true,\"segments\":[\"Blocked\"]"),
        profile("p3"),
        profile("p4").replace("\"subscribed\":true", "\"subscribed\":true,\"segments\":[\"Blocked\"]"),
        profile("p5").replace("silver", "gold"),
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:01:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:02:00Z","profile":"p3","type":"segment.joined","segment":"Blocked"}
        {"ts":"2026-11-02T10:03:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:04:00Z","profile":"p4","type":"segment.left","segment":"Blocked"}
        {"ts":"2026-11-02T10:05:00Z","profile":"p4","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:06:00Z","profile":"p5","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:07:00Z","profile":"p5","type":"profile.updated","data":{"tier":"silver"}}
        {"ts":"2026-11-02T10:08:00Z","profile":"p5","type":"Cart","data":{"total":10}}
        "#,
    );
    let out = run(&plan, &people, &events);
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries), (3, 3));
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail", "11-02 10:05 p4 Mail", "11-02 10:08 p5 Mail"]);
}

#[test]
fn reentry_always_ignores_start_events_while_the_profile_is_in_the_journey() {
    // p1 carts 11-02 10:00: entry 1, email, `wait 1d` until 11-03 10:00.
    // Cart 11-02 20:00: ignored, p1 is in the journey.
    // Cart 11-03 10:00, the very instant the wait ends: events come before timers,
    // so p1 is still in the journey: ignored. The timer then completes it.
    // Cart 11-03 12:00: entry 2, email; waits past the end of the run (11-03 12:00).
    // => entered 1, entries 2, completed 1, active 1; message ids end in /1/0 and /2/0.
    let plan = plan(
        "journey J {
           start on Cart
           send Mail to profile.email
           wait 1d
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T20:00:00Z","profile":"p1","type":"Cart","data":{"total":20}}
        {"ts":"2026-11-03T10:00:00Z","profile":"p1","type":"Cart","data":{"total":30}}
        {"ts":"2026-11-03T12:00:00Z","profile":"p1","type":"Cart","data":{"total":40}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (1, 2, 1));
    assert_eq!(exits(j), [1, 0, 0, 0]);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail", "11-03 12:00 p1 Mail"]);
    let ids: Vec<String> = out.recipients().iter().map(|r| r.message_id.clone()).collect();
    assert_eq!(ids, ["J/1/p1/1/0", "J/1/p1/2/0"]);
}

#[test]
fn reentry_never_refuses_any_later_start_event() {
    // p1 enters 11-02 10:00 and completes at once (a single send). Carts again
    // 11-05 10:00: refused by `reentry never`.
    // p2 enters 11-02 11:00, buys (an `exit on`) at 11:30, carts again 11-03: refused.
    // => entries 2 (one each), entered 2.
    let plan = plan(
        "journey J {
           start on Cart
           exit on Buy
           reentry never
           send Mail to profile.email
           wait 1d
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:30:00Z","profile":"p2","type":"Buy","data":{"revenue":5}}
        {"ts":"2026-11-03T09:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-05T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (2, 2, 0));
    assert_eq!(exits(j), [1, 1, 0, 0]);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail", "11-02 11:00 p2 Mail"]);
}

#[test]
fn reentry_after_counts_from_the_previous_entry_on_both_sides_of_the_duration() {
    // `reentry after 2d`, steps: email, `wait 1d`.
    // p1 enters 11-02 10:00, completes 11-03 10:00.
    // Cart 11-04 09:59:59: 2d - 1s since the entry: refused.
    // Cart 11-04 10:00:00: exactly 2d since the entry (only 1d since the exit):
    // allowed ("less than D since its previous entry" forbids). Entry 2, email,
    // then waiting when the run ends (the last event, 11-04 10:00).
    // => entries 2, entered 1, completed 1, active 1.
    let plan = plan(
        "journey J {
           start on Cart
           reentry after 2d
           send Mail to profile.email
           wait 1d
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-04T09:59:59Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-04T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (1, 2, 1));
    assert_eq!(exits(j), [1, 0, 0, 0]);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail", "11-04 10:00 p1 Mail"]);
}

#[test]
fn a_repeating_segment_journey_enters_members_at_start_plus_k_times_every() {
    // `start segment Subscribers every 10d`, one send (so each entry completes at once).
    // Run 11-01 09:00 .. 11-21 09:00: rounds at 11-01 09:00, 11-11 09:00 and
    // 11-21 09:00 (exactly at --until: timers due at until still fire).
    // p1 subscribed throughout: 3 entries.
    // p2 not subscribed at first, subscribes 11-06 12:00 (between rounds: no entry
    //    then), enters at 11-11 and 11-21: 2 entries.
    // p3 subscribed, unsubscribes 11-15 12:00: enters at 11-01 and 11-11: 2 entries.
    // => entered 3, entries 7.
    let plan = plan(
        "journey J {
           start segment Subscribers every 10d
           send Mail to profile.email
         }",
    );
    let people = format!(
        "{}\n{}\n{}\n",
        profile("p1"),
        profile("p2").replace("\"subscribed\":true", "\"subscribed\":false"),
        profile("p3")
    );
    let events = lines(
        r#"
        {"ts":"2026-11-06T12:00:00Z","profile":"p2","type":"profile.updated","data":{"subscribed":true}}
        {"ts":"2026-11-15T12:00:00Z","profile":"p3","type":"profile.updated","data":{"subscribed":false}}
        "#,
    );
    let options = Options { start: Some(at("2026-11-01T09:00:00Z")), until: Some(at("2026-11-21T09:00:00Z")) };
    let out = run_with(&plan, &people, &events, options);
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (3, 7, 0));
    assert_eq!(
        sends(&out),
        [
            "11-01 09:00 p1 Mail",
            "11-01 09:00 p3 Mail",
            "11-11 09:00 p1 Mail",
            "11-11 09:00 p2 Mail",
            "11-11 09:00 p3 Mail",
            "11-21 09:00 p1 Mail",
            "11-21 09:00 p2 Mail",
        ]
    );

    // One second less: the third round (start + 20d) is after --until and never happens.
    let options = Options { start: Some(at("2026-11-01T09:00:00Z")), until: Some(at("2026-11-21T08:59:59Z")) };
    let out = run_with(&plan, &people, &events, options);
    assert_eq!(journey(&out, "J").entries, 5);

    // A member still in the journey at a round is not entered again: with `wait 15d`,
    // p1 enters 11-01, is still waiting at 11-11 (ignored), completes 11-16,
    // and enters again at 11-21. => entries 2, completed 1, active 1.
    let waiting = self::plan(
        "journey W {
           start segment Subscribers every 10d
           send Mail to profile.email
           wait 15d
         }",
    );
    let options = Options { start: Some(at("2026-11-01T09:00:00Z")), until: Some(at("2026-11-21T09:00:00Z")) };
    let out = run_with(&waiting, &profiles(&["p1"]), "", options);
    let w = journey(&out, "W");
    assert_eq!((w.entered, w.entries, w.active), (1, 2, 1));
    assert_eq!(exits(w), [1, 0, 0, 0]);
    assert_eq!(sends(&out), ["11-01 09:00 p1 Mail", "11-21 09:00 p1 Mail"]);
}

#[test]
fn a_segment_journey_without_every_enters_once_at_the_start() {
    // p1 subscribed at the start: enters. p2 subscribes an hour later: never enters.
    let plan = plan(
        "journey J {
           start segment Subscribers
           send Mail to profile.email
         }",
    );
    let people =
        format!("{}\n{}\n", profile("p1"), profile("p2").replace("\"subscribed\":true", "\"subscribed\":false"));
    let events = lines(
        r#"
        {"ts":"2026-11-01T09:00:00Z","profile":"p1","type":"profile.updated","data":{"first_name":"Ana"}}
        {"ts":"2026-11-01T10:00:00Z","profile":"p2","type":"profile.updated","data":{"subscribed":true}}
        {"ts":"2026-12-01T10:00:00Z","profile":"p2","type":"profile.updated","data":{"first_name":"Bo"}}
        "#,
    );
    let out = run(&plan, &people, &events);
    assert_eq!((journey(&out, "J").entered, journey(&out, "J").entries), (1, 1));
    assert_eq!(sends(&out), ["11-01 09:00 p1 Mail"]);
}

#[test]
fn a_missing_attribute_makes_a_comparison_and_its_negation_false() {
    // `where not total > 50`: p1 (total 20) enters; p2 (total 80) does not; p3 has no
    // total: `total > 50` is false, and so is its negation: no entry.
    let plan = plan(
        "journey J {
           start on Cart where not total > 50
           send Mail to profile.email
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":20}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":80}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p3","type":"Cart","data":{"total":null}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2", "p3"]), &events);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail"]);
}

#[test]
fn a_send_goes_to_the_address_the_profile_has_at_that_instant() {
    // p1 gets Mail at every cart: at 10:00 to its first email, at 11:00 to the
    // email set at 10:30; at 12:00 it has none (set to null at 11:30), so Mail is
    // not sent (runtime.md §10: counted as no_address); at 13:00 it goes to the
    // first email again. Messages keep the address they were sent to.
    let plan = plan(
        "journey J {
           start on Cart
           send Mail to profile.email
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p1","type":"profile.updated","data":{"email":"new@example.com"}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:30:00Z","profile":"p1","type":"profile.updated","data":{"email":null}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T12:30:00Z","profile":"p1","type":"profile.updated","data":{"email":"p1@example.com"}}
        {"ts":"2026-11-02T13:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let to = addresses(&out);
    let expected = [
        serde_json::json!("p1@example.com"),
        serde_json::json!("new@example.com"),
        serde_json::json!("p1@example.com"),
    ];
    assert_eq!(to, expected);
    let rows: Vec<Option<String>> = out.recipients().into_iter().map(|r| r.to).collect();
    assert_eq!(
        rows,
        [Some("p1@example.com".to_owned()), Some("new@example.com".to_owned()), Some("p1@example.com".to_owned())]
    );
    let all = &journey(&out, "J").metrics.all;
    assert_eq!((all.total_sends, all.no_address, all.opted_out), (3, 1, 0));
}

#[test]
fn addresses_come_from_to_or_the_push_token_and_a_missing_one_is_not_sent() {
    // p1 has every address: email to p1@example.com, push to its push_token.
    // p2 has no email and no push_token: neither send is sent (runtime.md §10):
    // no action line, not in total_sends, one no_address on each step.
    let plan = plan(
        "journey J {
           start on Cart
           send Mail to profile.email
           send Note
         }",
    );
    let people = format!("{}\n{{\"id\":\"p2\",\"first_name\":\"Bo\"}}\n", profile("p1"));
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        "#,
    );
    let out = run(&plan, &people, &events);
    let to = addresses(&out);
    assert_eq!(to, [serde_json::json!("p1@example.com"), serde_json::json!("tok-p1"),]);
    let j = journey(&out, "J");
    assert_eq!((j.metrics.all.total_sends, j.metrics.all.no_address), (2, 2));
    assert_eq!((j.metrics.email.no_address, j.metrics.push.no_address, j.metrics.sms.no_address), (1, 1, 0));
    for name in ["send Mail", "send Note"] {
        let m = step(j, name).metrics.clone().expect("a send step has metrics");
        assert_eq!((m.total_sends, m.no_address, m.deliveries), (1, 1, 1), "{name}");
    }
    assert_eq!(j.exits.completed, 2, "the path goes on after a send that is not sent");
    let first: serde_json::Value =
        serde_json::from_str(out.actions().lines().next().unwrap_or_default()).expect("JSON");
    assert_eq!(
        first,
        serde_json::json!({"ts": "2026-11-02T10:00:00Z", "journey": "J", "version": 1, "profile": "p1",
            "step": "send Mail", "channel": "email", "content": "Mail", "to": "p1@example.com",
            "message_id": "J/1/p1/1/0"})
    );
}

#[test]
fn bounced_matches_every_failure_and_a_send_counts_as_delivered_unless_it_fails() {
    // `if bounced Text within 1h { Mail } else { Note }`:
    // p1's SMS is reported undelivered at 10:10: bounced: Mail at 10:10.
    // p2's SMS is not reported at all: no bounce within 1h: Note at 11:00 (and the SMS
    // counts as delivered in the metrics).
    // `if delivered Note within 1h { Mail }` (journey K): p3's push is reported
    // delivered at 12:30: Mail at once. p4's push has no report: it counts as
    // delivered (runtime.md §3), so Mail at the deadline, 13:00. p5's push bounces
    // at 12:20: not delivered, nothing at the deadline.
    let plan = plan(
        "journey J {
           start on Cart
           send Text to profile.phone
           if bounced Text within 1h {
             send Mail to profile.email
           } else {
             send Note
           }
         }
         journey K {
           start on Visit
           send Note
           if delivered Note within 1h {
             send Mail to profile.email
           }
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:10:00Z","profile":"p1","type":"sms.undelivered","content":"Text"}
        {"ts":"2026-11-02T12:00:00Z","profile":"p3","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p4","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p5","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T12:20:00Z","profile":"p5","type":"push.bounced","content":"Note"}
        {"ts":"2026-11-02T12:30:00Z","profile":"p3","type":"push.delivered","content":"Note"}
        {"ts":"2026-11-02T14:00:00Z","profile":"p4","type":"profile.updated","data":{"first_name":"Al"}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2", "p3", "p4", "p5"]), &events);
    assert_eq!(
        sends(&out),
        [
            "11-02 10:00 p1 Text",
            "11-02 10:00 p2 Text",
            "11-02 10:10 p1 Mail",
            "11-02 11:00 p2 Note",
            "11-02 12:00 p3 Note",
            "11-02 12:00 p4 Note",
            "11-02 12:00 p5 Note",
            "11-02 12:30 p3 Mail",
            "11-02 13:00 p4 Mail",
        ]
    );
    let j = journey(&out, "J");
    assert_eq!((j.metrics.sms.total_sends, j.metrics.sms.undelivered, j.metrics.sms.deliveries), (2, 1, 1));
    let k = journey(&out, "K");
    assert_eq!((k.metrics.push.total_sends, k.metrics.push.bounces, k.metrics.push.deliveries), (3, 1, 2));
}

#[test]
fn else_if_chains_mixing_event_and_immediate_conditions_are_tried_in_order() {
    // J: `if opened Mail within 1d { Text } else if gold { Note } else { Other }`
    //    (Other is a second email): wait for the open; at the deadline, read the tier.
    //    p1 opens 11:00: Text. p2 (gold) no open: Note at 11-03 10:00. p3 (silver) no
    //    open: Mail again at 11-03 10:00.
    // K: `if gold { Text } else if Visit where page == "/cart" within 1h { Note } else { Mail }`:
    //    the immediate condition first, then the wait.
    //    p4 (gold): Text at once. p5 visits /home at 12:10 (not the page), then /cart at
    //    12:20: Note at 12:20. p6: nothing: Mail at the deadline 13:00.
    let plan = plan(
        r#"email Other {
             status ready
             subject "Again"
             body "Hello again"
           }
           journey J {
             start on Cart
             send Mail to profile.email
             if opened Mail within 1d {
               send Text to profile.phone
             } else if profile.tier == "gold" {
               send Note
             } else {
               send Other to profile.email
             }
           }
           journey K {
             start on Visit where page == "/landing"
             if profile.tier == "gold" {
               send Text to profile.phone
             } else if Visit where page == "/cart" within 1h {
               send Note
             } else {
               send Mail to profile.email
             }
           }"#,
    );
    let mut people = profiles(&["p1"]);
    people.push_str(&(profile("p2").replace("silver", "gold") + "\n"));
    people.push_str(&profiles(&["p3"]));
    people.push_str(&(profile("p4").replace("silver", "gold") + "\n"));
    people.push_str(&profiles(&["p5", "p6"]));
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p3","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-02T12:00:00Z","profile":"p4","type":"Visit","data":{"page":"/landing"}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p5","type":"Visit","data":{"page":"/landing"}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p6","type":"Visit","data":{"page":"/landing"}}
        {"ts":"2026-11-02T12:10:00Z","profile":"p5","type":"Visit","data":{"page":"/home"}}
        {"ts":"2026-11-02T12:20:00Z","profile":"p5","type":"Visit","data":{"page":"/cart"}}
        {"ts":"2026-11-03T12:00:00Z","profile":"p6","type":"profile.updated","data":{"first_name":"Al"}}
        "#,
    );
    let out = run(&plan, &people, &events);
    assert_eq!(
        sends(&out),
        [
            "11-02 10:00 p1 Mail",
            "11-02 10:00 p2 Mail",
            "11-02 10:00 p3 Mail",
            "11-02 11:00 p1 Text",
            "11-02 12:00 p4 Text",
            "11-02 12:20 p5 Note",
            "11-02 13:00 p6 Mail",
            "11-03 10:00 p2 Note",
            "11-03 10:00 p3 Other",
        ]
    );
    assert_eq!(exits(journey(&out, "J")), [3, 0, 0, 0]);
    assert_eq!(exits(journey(&out, "K")), [3, 0, 0, 0]);
}

// ---------------------------------------------------------------------------
// §4 Leaving
// ---------------------------------------------------------------------------

#[test]
fn each_exit_reason_and_active_at_until() {
    // Nodes: 0 send Mail, 1 if opened Mail within 1d, 2 exit, 3 wait 1d, 4 send Text.
    // p1 enters 11-02 10:00, no open: deadline 11-03 10:00, wait 1d, Text 11-04 10:00: completed.
    // p2 enters 10:01, opens 11:00: `exit`: explicit (left at node 2).
    // p3 enters 10:02, cancels 12:00: exit_trigger (left at node 1, waiting for the open).
    // p4 enters 10:03, joins Blocked 13:00: suppressed (left at node 1).
    // p5 enters 11-04 09:00: waiting at node 1 (deadline 11-05 09:00) at until 11-04 12:00: active.
    // p6 is on the Blocked list when it carts: it enters (only `exclude` keeps a
    // profile out) and is suppressed at once, before its first step: no Mail.
    // => entered 6, active 1; exits completed 1, exit_trigger 1, suppressed 2 (p4,
    // p6), explicit 1; p6 reached and left no step.
    let plan = plan(
        "journey J {
           start on Cart
           exit on Cancel
           suppress Blocked
           send Mail to profile.email
           if opened Mail within 1d {
             exit
           }
           wait 1d
           send Text to profile.phone
         }",
    );
    let mut people = profiles(&["p1", "p2", "p3", "p4", "p5"]);
    people.push_str(&profile("p6").replace("\"subscribed\":true", "\"subscribed\":true,\"segments\":[\"Blocked\"]"));
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:01:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:02:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:03:00Z","profile":"p4","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:04:00Z","profile":"p6","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-02T12:00:00Z","profile":"p3","type":"Cancel","data":{"reason":"changed my mind"}}
        {"ts":"2026-11-02T13:00:00Z","profile":"p4","type":"segment.joined","segment":"Blocked"}
        {"ts":"2026-11-04T09:00:00Z","profile":"p5","type":"Cart","data":{"total":10}}
        "#,
    );
    let out = run_with(&plan, &people, &events, until("2026-11-04T12:00:00Z"));
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (6, 6, 1));
    assert_eq!(exits(j), [1, 1, 2, 1]);
    let by_node: Vec<(u64, u64, u64)> = j.steps.iter().map(|s| (s.reached, s.left, s.active)).collect();
    assert_eq!(by_node, [(5, 0, 0), (5, 2, 1), (1, 1, 0), (1, 0, 0), (1, 0, 0)]);
    assert_eq!(j.steps[1].step, "if opened Mail within 1d");
    assert_eq!(
        sends(&out),
        [
            "11-02 10:00 p1 Mail",
            "11-02 10:01 p2 Mail",
            "11-02 10:02 p3 Mail",
            "11-02 10:03 p4 Mail",
            "11-04 09:00 p5 Mail",
            "11-04 10:00 p1 Text",
        ]
    );
}

#[test]
fn suppression_is_checked_when_a_timer_fires() {
    // `suppress Stale` (`days_since(Visit) >= 1`): membership changes with time alone.
    // p1 visits 11-02 09:00 and carts 10:00 (0 whole days: not a member): enters,
    // Mail, `wait 1d`. When the wait ends at 11-03 10:00, days_since is 1: p1 is a
    // member, so it is suppressed there and never gets the Text.
    // p2 never visits (days_since has no value, the comparison is false): Text.
    let plan = plan(
        "journey J {
           start on Cart
           suppress Stale
           send Mail to profile.email
           wait 1d
           send Text to profile.phone
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T09:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-03T12:00:00Z","profile":"p2","type":"profile.updated","data":{"first_name":"Bo"}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail", "11-02 10:00 p2 Mail", "11-03 10:00 p2 Text"]);
    let j = journey(&out, "J");
    assert_eq!(exits(j), [1, 0, 1, 0]);
    assert_eq!(step(j, "wait 1d").left, 1);
}

#[test]
fn the_within_deadline_is_inclusive() {
    // `if opened Mail within 1d { Text } else { Note }`.
    // p1 enters 11-02 10:00 and opens at 11-03 10:00:00, exactly at the deadline:
    //    the event comes before the timer, so it is within: Text.
    // p2 enters 11:00 and opens at 11-03 11:00:01, one second late: the deadline
    //    already sent Note. The late open still counts in the metrics.
    // p3 enters 12:00 and clicks (no open) exactly at its deadline: a click counts
    //    as an open: Text.
    // => Text p1, Note p2, Text p3; email opened 3.
    let plan = plan(
        "journey J {
           start on Cart
           send Mail to profile.email
           if opened Mail within 1d {
             send Text to profile.phone
           } else {
             send Note
           }
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-03T10:00:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-03T11:00:01Z","profile":"p2","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-03T12:00:00Z","profile":"p3","type":"email.clicked","content":"Mail"}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2", "p3"]), &events);
    assert_eq!(sends(&out)[3..], ["11-03 10:00 p1 Text", "11-03 11:00 p2 Note", "11-03 12:00 p3 Text"]);
    let j = journey(&out, "J");
    assert_eq!(j.metrics.email.opened, 3);
    assert_eq!(exits(j), [3, 0, 0, 0]);
}

#[test]
fn events_at_the_same_instant_as_a_timer_come_first_and_file_order_breaks_ties() {
    // Steps: wait 1d, then `if profile.tier == "gold"` Mail else Text; `exit on Cancel`.
    // p1 (silver) enters 11-02 10:00; becomes gold at 11-03 10:00, the instant the
    //    wait ends: the update comes first, the branch reads gold: Mail.
    // p2 enters 11:00, cancels at 11-03 11:00, the instant the wait ends: the exit
    //    comes first: exit_trigger, no send.
    // p3 enters 12:00, nothing happens: Text at 11-03 12:00.
    // p4: Cart then Cancel at the same instant 13:00, in that file order: enters,
    //    then leaves (exit_trigger).
    // p5: Cancel then Cart at 13:30 in that file order: the Cancel finds nothing,
    //    the Cart enters: Text at 11-03 13:30.
    // The events file is not in time order: it is sorted (stable).
    // => sends Mail p1, Text p3, Text p5; completed 3, exit_trigger 2.
    let plan = plan(
        r#"journey J {
           start on Cart
           exit on Cancel
           wait 1d
           if profile.tier == "gold" {
             send Mail to profile.email
           } else {
             send Text to profile.phone
           }
         }"#,
    );
    let events = lines(
        r#"
        {"ts":"2026-11-03T10:00:00Z","profile":"p1","type":"profile.updated","data":{"tier":"gold"}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-03T11:00:00Z","profile":"p2","type":"Cancel","data":{"reason":"x"}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T13:00:00Z","profile":"p4","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T13:00:00Z","profile":"p4","type":"Cancel","data":{"reason":"x"}}
        {"ts":"2026-11-02T13:30:00Z","profile":"p5","type":"Cancel","data":{"reason":"x"}}
        {"ts":"2026-11-02T13:30:00Z","profile":"p5","type":"Cart","data":{"total":10}}
        "#,
    );
    let out = run_with(&plan, &profiles(&["p1", "p2", "p3", "p4", "p5"]), &events, until("2026-11-03T14:00:00Z"));
    assert_eq!(sends(&out), ["11-03 10:00 p1 Mail", "11-03 12:00 p3 Text", "11-03 13:30 p5 Text"]);
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (5, 5, 0));
    assert_eq!(exits(j), [3, 2, 0, 0]);
    assert_eq!((step(j, "wait 1d").reached, step(j, "wait 1d").left), (5, 2));
}

#[test]
fn start_and_until_bound_the_run() {
    // --start 11-02 10:00, --until 11-04 10:00. Journey: gold carts enter; Mail,
    // wait 1d, Text.
    // 11-01 09:00 p1 becomes gold: before the start, the profile is updated anyway.
    // 11-01 10:00 p2 (gold) carts: before the start, moves no journey.
    // 11-02 10:00 p1 carts: gold thanks to the early update: Mail; Text 11-03 10:00.
    // 11-03 10:00 p3 (gold) carts: Mail (the event comes before p1's timer at the
    //    same instant); its Text is due 11-04 10:00, exactly at --until: it fires.
    // 11-04 09:00 p4 (gold) carts: Mail; waiting at the end: active.
    // 11-04 10:00:01 p5 carts and 11-05 p2 carts: after --until, not replayed.
    // => input: events 3, before_start 2, after_until 2; entries 3, completed 2, active 1.
    let plan = plan(
        r#"journey J {
           start on Cart where profile.tier == "gold"
           send Mail to profile.email
           wait 1d
           send Text to profile.phone
         }"#,
    );
    let mut people = profiles(&["p1"]);
    for id in ["p2", "p3", "p4", "p5"] {
        people.push_str(&(profile(id).replace("silver", "gold") + "\n"));
    }
    let events = lines(
        r#"
        {"ts":"2026-11-01T09:00:00Z","profile":"p1","type":"profile.updated","data":{"tier":"gold"}}
        {"ts":"2026-11-01T10:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-03T10:00:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-04T09:00:00Z","profile":"p4","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-04T10:00:01Z","profile":"p5","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-05T10:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        "#,
    );
    let options = Options { start: Some(at("2026-11-02T10:00:00Z")), until: Some(at("2026-11-04T10:00:00Z")) };
    let out = run_with(&plan, &people, &events, options);
    assert_eq!(
        (out.report.start.as_str(), out.report.until.as_str()),
        ("2026-11-02T10:00:00Z", "2026-11-04T10:00:00Z")
    );
    let input = &out.report.input;
    assert_eq!((input.profiles, input.events, input.before_start, input.after_until), (5, 3, 2, 2));
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (3, 3, 1));
    assert_eq!(exits(j), [2, 0, 0, 0]);
    assert_eq!(
        sends(&out),
        [
            "11-02 10:00 p1 Mail",
            "11-03 10:00 p3 Mail",
            "11-03 10:00 p1 Text",
            "11-04 09:00 p4 Mail",
            "11-04 10:00 p3 Text",
        ]
    );

    // Without --start and --until: from the first event to the last. p2's early
    // cart now enters (and its wait ends within the run).
    let out = run(&plan, &people, &events);
    assert_eq!(
        (out.report.start.as_str(), out.report.until.as_str()),
        ("2026-11-01T09:00:00Z", "2026-11-05T10:00:00Z")
    );
    assert_eq!((out.report.input.events, out.report.input.before_start, out.report.input.after_until), (7, 0, 0));
    assert_eq!(journey(&out, "J").entries, 6);
}

// ---------------------------------------------------------------------------
// §5 Goal attribution
// ---------------------------------------------------------------------------

#[test]
fn the_attribution_window_is_inclusive_to_the_second() {
    // One send: a profile completes the instant it enters.
    // p1 completes 11-02 10:00 and buys 11-05 10:00:00, exactly 3d later: counts
    //    (goal and order, 30).
    // p2 completes 11-02 11:00 and buys 11-05 11:00:01, 3d + 1s later: does not.
    // => reached 1, orders 1, revenue 30; progress 1/2 without a target, met null.
    let plan = plan(
        "journey J {
           start on Cart
           goal purchase on Buy
           send Mail to profile.email
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-05T10:00:00Z","profile":"p1","type":"Buy","data":{"revenue":30}}
        {"ts":"2026-11-05T11:00:01Z","profile":"p2","type":"Buy","data":{"revenue":40}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    let j = journey(&out, "J");
    let goal = j.goal.as_ref().expect("a goal");
    assert_eq!((goal.reached, goal.progress, goal.met), (1, 0.5, None));
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (1, 30.0));

    // `attribution 2h`: the same edges, two hours after.
    let plan = self::plan(
        "journey J {
           start on Cart
           goal purchase on Buy
           attribution 2h
           send Mail to profile.email
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Buy","data":{"revenue":30}}
        {"ts":"2026-11-02T13:00:01Z","profile":"p2","type":"Buy","data":{"revenue":40}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    let j = journey(&out, "J");
    assert_eq!(j.goal.as_ref().map(|g| g.reached), Some(1));
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (1, 30.0));
}

#[test]
fn several_journeys_with_the_same_goal_credit_the_active_ones_or_else_the_latest_left() {
    // A: start on Cart, email, wait 2d. B: start on Visit, SMS, wait 1h. Both: goal on Buy.
    // p1: B 11-02 10:00-11:00 (completed); A from 11-02 12:00 (active until 11-04 12:00).
    //     Buys 11-03 10:00 (10): active in A only: A is credited, B is not, although
    //     the purchase is inside B's window.
    // p2: A 11-02 10:00 .. 11-04 10:00; B 11-03 10:00 .. 11:00. Buys 11-04 12:00 (20):
    //     active in none; A was left most recently (2h before, B 25h): only A.
    // p3: A 11-02 10:00 .. 11-04 10:00; B 11-04 11:00 .. 12:00. Buys 11-04 13:00 (40):
    //     active in none; B left most recently: only B.
    // p4: A from 11-02 10:00, B from 11-03 10:00; buys 11-03 10:30 (80): active in
    //     both: both credited.
    // => A reached 3 (p1 p2 p4), orders 3, revenue 110; B reached 2 (p3 p4), orders 2, revenue 120.
    let plan = plan(
        "journey A {
           start on Cart
           goal purchase on Buy
           send Mail to profile.email
           wait 2d
         }
         journey B {
           start on Visit
           goal purchase on Buy
           send Text to profile.phone
           wait 1h
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p4","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-03T10:00:00Z","profile":"p1","type":"Buy","data":{"revenue":10}}
        {"ts":"2026-11-03T10:00:00Z","profile":"p2","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-03T10:00:00Z","profile":"p4","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-03T10:30:00Z","profile":"p4","type":"Buy","data":{"revenue":80}}
        {"ts":"2026-11-04T11:00:00Z","profile":"p3","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-04T12:00:00Z","profile":"p2","type":"Buy","data":{"revenue":20}}
        {"ts":"2026-11-04T13:00:00Z","profile":"p3","type":"Buy","data":{"revenue":40}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2", "p3", "p4"]), &events);
    let (a, b) = (journey(&out, "A"), journey(&out, "B"));
    assert_eq!(a.goal.as_ref().map(|g| g.reached), Some(3));
    assert_eq!((a.metrics.all.orders, a.metrics.all.revenue), (3, 110.0));
    assert_eq!(b.goal.as_ref().map(|g| g.reached), Some(2));
    assert_eq!((b.metrics.all.orders, b.metrics.all.revenue), (2, 120.0));
    assert_eq!((a.entered, a.active, b.entered, b.active), (4, 0, 4, 0));
}

#[test]
fn the_goal_is_evaluated_before_the_exit() {
    // Buy is both the goal and the `exit on`: p1 buys (25) while waiting: the goal
    // counts, the order counts, then p1 leaves by exit_trigger at `wait 1d`.
    let plan = plan(
        "journey J {
           start on Cart
           goal purchase on Buy target 1
           exit on Buy
           send Mail to profile.email
           wait 1d
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Buy","data":{"revenue":25}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let j = journey(&out, "J");
    let goal = j.goal.as_ref().expect("a goal");
    assert_eq!((goal.reached, goal.progress, goal.met), (1, 1.0, Some(true)));
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (1, 25.0));
    assert_eq!(exits(j), [0, 1, 0, 0]);
    assert_eq!(step(j, "wait 1d").left, 1);
}

#[test]
fn a_goal_event_after_a_suppressed_exit_does_not_count() {
    // p1 enters 10:00, joins Blocked 11:00 (suppressed), buys 12:00: not a goal, not an order.
    // p2 enters 10:30, completes 11-03 10:30, buys 11-03 12:00 (15): counts.
    let plan = plan(
        "journey J {
           start on Cart
           goal purchase on Buy
           suppress Blocked
           send Mail to profile.email
           wait 1d
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"segment.joined","segment":"Blocked"}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Buy","data":{"revenue":99}}
        {"ts":"2026-11-03T12:00:00Z","profile":"p2","type":"Buy","data":{"revenue":15}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    let j = journey(&out, "J");
    assert_eq!(exits(j), [1, 0, 1, 0]);
    assert_eq!(j.goal.as_ref().map(|g| g.reached), Some(1));
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (1, 15.0));
}

#[test]
fn the_goal_of_a_profile_that_never_entered_does_not_count() {
    // p1: cart 20, `total > 50` false: never entered; buys: nothing.
    // p2: on the Blocked list (excluded): never entered; buys: nothing.
    // p3: cart 100: enters; buys (7): counts.
    // => entered 1, reached 1, orders 1.
    let plan = plan(
        "journey J {
           start on Cart where total > 50
           goal purchase on Buy
           exclude Blocked
           send Mail to profile.email
         }",
    );
    let people = format!(
        "{}\n{}\n{}\n",
        profile("p1"),
        profile("p2").replace("\"subscribed\":true", "\"subscribed\":true,\"segments\":[\"Blocked\"]"),
        profile("p3")
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":20}}
        {"ts":"2026-11-02T10:01:00Z","profile":"p2","type":"Cart","data":{"total":100}}
        {"ts":"2026-11-02T10:02:00Z","profile":"p3","type":"Cart","data":{"total":100}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Buy","data":{"revenue":1}}
        {"ts":"2026-11-02T11:01:00Z","profile":"p2","type":"Buy","data":{"revenue":2}}
        {"ts":"2026-11-02T11:02:00Z","profile":"p3","type":"Buy","data":{"revenue":7}}
        "#,
    );
    let out = run(&plan, &people, &events);
    let j = journey(&out, "J");
    assert_eq!(j.entered, 1);
    assert_eq!(j.goal.as_ref().map(|g| g.reached), Some(1));
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (1, 7.0));
}

#[test]
fn a_goal_counts_unique_profiles_but_every_order() {
    // p1 enters 11-02 10:00 (email, wait 1d), buys 11:00 (10) and 12:00 (20),
    // completes 11-03 10:00, re-enters 11-03 11:00 and buys 11-03 12:00 (30).
    // => reached 1, entered 1, entries 2; orders 3, revenue 60; progress 1/1.
    let plan = plan(
        "journey J {
           start on Cart
           goal purchase on Buy
           send Mail to profile.email
           wait 1d
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Buy","data":{"revenue":10}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Buy","data":{"revenue":20}}
        {"ts":"2026-11-03T11:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-03T12:00:00Z","profile":"p1","type":"Buy","data":{"revenue":30}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let j = journey(&out, "J");
    let goal = j.goal.as_ref().expect("a goal");
    assert_eq!((goal.reached, goal.progress), (1, 1.0));
    assert_eq!((j.entered, j.entries), (1, 2));
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (3, 60.0));
}

#[test]
fn a_notify_goal_counts_opens_of_the_journeys_messages_under_the_window() {
    // `goal notify opened`, one send per entry (completed at once).
    // p1 opens 11-02 12:00 (2h after): counts.
    // p2 opens 11-05 11:00:01 (3d 1s after): does not; it is still an open in the metrics.
    // p3 clicks (no open) 11-03 10:00: the click counts as the open: counts.
    // => reached 2, email opened 3.
    let plan = plan(
        "journey J {
           start on Cart
           goal notify opened
           send Mail to profile.email
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:30:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-03T10:00:00Z","profile":"p3","type":"email.clicked","content":"Mail"}
        {"ts":"2026-11-05T11:00:01Z","profile":"p2","type":"email.opened","content":"Mail"}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2", "p3"]), &events);
    let j = journey(&out, "J");
    assert_eq!(j.goal.as_ref().map(|g| (g.kind.as_str(), g.on.as_str(), g.reached)), Some(("notify", "opened", 2)));
    assert_eq!((j.metrics.email.opened, j.metrics.email.total_opens, j.metrics.email.clicked), (3, 3, 1));
}

// ---------------------------------------------------------------------------
// §3 Input: duplicates, channel events
// ---------------------------------------------------------------------------

#[test]
fn events_with_an_id_already_seen_are_ignored_whatever_their_time() {
    // p1 enters 10:00 (email, wait 2d).
    // open o1 11:00 counts; o1 again 11:05: ignored => total_opens 1.
    // Buy b1 12:00 (10) counts; b1 again 13:00: ignored.
    // Buy b2 is on two lines: 15:00 first in the file, 14:00 later. Processing is by
    // time, so the 14:00 one (5) is seen first and the 15:00 one (7) is the duplicate.
    // => orders 2, revenue 15; input duplicates 3, events 4.
    let plan = plan(
        "journey J {
           start on Cart
           goal purchase on Buy
           send Mail to profile.email
           wait 2d
         }",
    );
    let events = lines(
        r#"
        {"id":"c1","ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"id":"o1","ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"id":"o1","ts":"2026-11-02T11:05:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"id":"b1","ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Buy","data":{"revenue":10}}
        {"id":"b1","ts":"2026-11-02T13:00:00Z","profile":"p1","type":"Buy","data":{"revenue":10}}
        {"id":"b2","ts":"2026-11-02T15:00:00Z","profile":"p1","type":"Buy","data":{"revenue":7}}
        {"id":"b2","ts":"2026-11-02T14:00:00Z","profile":"p1","type":"Buy","data":{"revenue":5}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let j = journey(&out, "J");
    assert_eq!((j.metrics.email.opened, j.metrics.email.total_opens), (1, 1));
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (2, 15.0));
    assert_eq!((out.report.input.duplicates, out.report.input.events), (3, 4));
}

#[test]
fn a_click_without_an_open_counts_as_an_open() {
    // `if opened Mail within 1d { Text }`, `goal notify opened`.
    // p1: email 10:00, clicked 11:00 with no open: opened (metrics), the `opened Mail`
    //     condition is met (Text at 11:00), and the goal counts. Clicks the SMS at
    //     12:00 (SMS has no open event): the SMS is opened and clicked.
    // p2: email 10:30, opened 11:30 (Text at 11:30), clicked 11:40: a click after an
    //     open adds no open.
    // p3: email 10:45, nothing: no Text; completes at the deadline 11-03 10:45.
    // => email: opened 2, total_opens 2, clicked 2, total_clicks 2, clicks_per_unique_opens 1;
    //    sms: sends 2, opened 1, total_opens 1, clicked 1; goal reached 2.
    let plan = plan(
        "journey J {
           start on Cart
           goal notify opened
           send Mail to profile.email
           if opened Mail within 1d {
             send Text to profile.phone
           }
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:45:00Z","profile":"p3","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.clicked","content":"Mail"}
        {"ts":"2026-11-02T11:30:00Z","profile":"p2","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-02T11:40:00Z","profile":"p2","type":"email.clicked","content":"Mail"}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"sms.clicked","content":"Text"}
        "#,
    );
    let out = run_with(&plan, &profiles(&["p1", "p2", "p3"]), &events, until("2026-11-03T12:00:00Z"));
    assert_eq!(
        sends(&out),
        [
            "11-02 10:00 p1 Mail",
            "11-02 10:30 p2 Mail",
            "11-02 10:45 p3 Mail",
            "11-02 11:00 p1 Text",
            "11-02 11:30 p2 Text"
        ]
    );
    let j = journey(&out, "J");
    let e = &j.metrics.email;
    assert_eq!((e.opened, e.total_opens, e.clicked, e.total_clicks, e.clicks_per_unique_opens), (2, 2, 2, 2, 1.0));
    let s = &j.metrics.sms;
    assert_eq!((s.total_sends, s.opened, s.total_opens, s.clicked, s.total_clicks), (2, 1, 1, 1, 1));
    assert_eq!(j.goal.as_ref().map(|g| g.reached), Some(2));
    assert_eq!(exits(j), [3, 0, 0, 0]);
}

#[test]
fn an_interaction_before_the_step_is_reached_takes_the_branch_at_once() {
    // docs/runtime.md: an interaction of the latest send of M, before the
    // `if opened M` step is reached, counts. p1: email 10:00, `wait 1h`, opens at
    // 10:30 (during the wait): at 11:00 the `if` takes its first block at once: Text 11:00.
    // p2: no open: Note at the deadline 11-03 11:00.
    let plan = plan(
        "journey J {
           start on Cart
           send Mail to profile.email
           wait 1h
           if opened Mail within 1d {
             send Text to profile.phone
           } else {
             send Note
           }
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-03T12:00:00Z","profile":"p2","type":"profile.updated","data":{"first_name":"Bo"}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    assert_eq!(sends(&out)[2..], ["11-02 11:00 p1 Text", "11-03 11:00 p2 Note"]);
}

#[test]
fn channel_events_belong_to_the_latest_send_of_the_content_and_journey_disambiguates() {
    // A (start on Cart) and B (start on Visit) both send Mail once per entry.
    // 10:00 Cart: A sends Mail (message 1, A entry 1).
    // 11:00 Cart: A again (entry 2; the first completed at once): message 2.
    // 12:00 email.opened: the latest send of Mail is message 2.
    // 13:00 Visit: B sends Mail: message 3.
    // 14:00 email.opened with "journey":"A": the latest send of Mail *in A*: message 2.
    // 15:00 email.clicked without journey: the latest send overall: message 3 (and,
    //       with no open before it, it is also message 3's open).
    // => message 1 untouched; message 2 opened, 2 opens; message 3 opened 1, clicked 1.
    let plan = plan(
        "journey A {
           start on Cart
           send Mail to profile.email
         }
         journey B {
           start on Visit
           send Mail to profile.email
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-02T13:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T14:00:00Z","profile":"p1","type":"email.opened","content":"Mail","journey":"A"}
        {"ts":"2026-11-02T15:00:00Z","profile":"p1","type":"email.clicked","content":"Mail"}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let rows: Vec<(String, bool, u32, bool, u32)> =
        out.recipients().iter().map(|r| (r.message_id.clone(), r.opened, r.opens, r.clicked, r.clicks)).collect();
    assert_eq!(
        rows,
        [
            ("A/1/p1/1/0".to_owned(), false, 0, false, 0),
            ("A/1/p1/2/0".to_owned(), true, 2, false, 0),
            ("B/1/p1/1/0".to_owned(), true, 1, true, 1),
        ]
    );
    let (a, b) = (journey(&out, "A"), journey(&out, "B"));
    assert_eq!((a.metrics.email.opened, a.metrics.email.total_opens, a.metrics.email.clicked), (1, 2, 0));
    assert_eq!((b.metrics.email.opened, b.metrics.email.total_opens, b.metrics.email.clicked), (1, 1, 1));
}

// ---------------------------------------------------------------------------
// §4 Steps: split
// ---------------------------------------------------------------------------

#[test]
fn a_split_is_deterministic_per_profile_and_roughly_respects_the_shares() {
    // 1000 profiles each enter once; arm A (30%) sends Mail, arm B (70%) sends Text.
    // The draw is a hash of journey, node and profile id: the same profile takes the
    // same arm in every run, whatever the other data and its order. The counts are
    // not derived by hand: only a loose bound (expected 300, standard deviation
    // about 14.5; the bound is four deviations).
    let plan = plan(
        "journey S {
           start on Cart
           split {
             A 30% { send Mail to profile.email }
             B 70% { send Text to profile.phone }
           }
         }",
    );
    let ids: Vec<String> = (0..1000).map(|i| format!("p{i:04}")).collect();
    let people: String = ids.iter().map(|id| profile(id) + "\n").collect();
    let event = |id: &str, minute: usize| {
        format!(
            "{{\"ts\":\"2026-11-02T{:02}:{:02}:00Z\",\"profile\":\"{id}\",\"type\":\"Cart\",\"data\":{{\"total\":1}}}}\n",
            10 + minute / 60,
            minute % 60
        )
    };
    let events: String = ids.iter().enumerate().map(|(i, id)| event(id, i / 10)).collect();
    let first = run(&plan, &people, &events);
    let second = run(&plan, &people, &events);
    assert_eq!(first.actions(), second.actions());
    let arm = |out: &RunOutput| -> std::collections::BTreeMap<String, String> {
        out.recipients().iter().map(|r| (r.profile.clone(), r.content.clone())).collect()
    };
    let arms = arm(&first);
    assert_eq!(arms.len(), 1000);
    let a = arms.values().filter(|c| *c == "Mail").count();
    assert!((240..=360).contains(&a), "arm A got {a} of 1000 for a 30% share");
    let s = journey(&first, "S");
    let split_reached: Vec<u64> = s.steps.iter().map(|st| st.reached).collect();
    assert_eq!(split_reached, [1000, a as u64, 1000 - a as u64]);

    // Ten of the profiles alone, in reverse order and at other times: same arms.
    let few: String = ids[..10].iter().rev().enumerate().map(|(i, id)| event(id, 300 + i)).collect();
    let alone = arm(&run(&plan, &people, &few));
    for (id, content) in &alone {
        assert_eq!(Some(content), arms.get(id), "{id} changed arm");
    }
    assert_eq!(alone.len(), 10);
}

// ---------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let plan = plan(METRICS_JOURNEY);
    let first = run_with(&plan, &metrics_profiles(), &lines(METRICS_EVENTS), until(METRICS_UNTIL));
    let second = run_with(&plan, &metrics_profiles(), &lines(METRICS_EVENTS), until(METRICS_UNTIL));
    assert!(!first.actions().is_empty());
    assert_eq!(first.actions(), second.actions());
    assert_eq!(first.report.to_json(), second.report.to_json());
    assert_eq!(first.report.to_csv(), second.report.to_csv());
    assert_eq!(first.recipients(), second.recipients());
}

// ---------------------------------------------------------------------------
// §6 Every metric, on one scenario worked out by hand
// ---------------------------------------------------------------------------

/// Nodes: 0 stage awareness, 1 send Mail, 2 wait 1d, 3 stage conversion,
/// 4 send Text, 5 send Note.
const METRICS_JOURNEY: &str = "journey M {
  start on Cart
  goal purchase on Buy target 50%
  exit on Cancel

  stage awareness {
    send Mail to profile.email
    wait 1d
  }
  stage conversion {
    send Text to profile.phone
    send Note
  }
}";

const METRICS_UNTIL: &str = "2026-11-04T12:00:00Z";

fn metrics_profiles() -> String {
    profiles(&["m1", "m2", "m3", "m4", "m5"])
}

const METRICS_EVENTS: &str = r#"
{"ts":"2026-11-02T10:00:00Z","profile":"m1","type":"Cart","data":{"total":10}}
{"ts":"2026-11-02T10:01:00Z","profile":"m1","type":"email.delivered","content":"Mail"}
{"ts":"2026-11-02T11:00:00Z","profile":"m1","type":"email.opened","content":"Mail"}
{"ts":"2026-11-02T11:00:00Z","profile":"m2","type":"Cart","data":{"total":10}}
{"ts":"2026-11-02T11:01:00Z","profile":"m2","type":"email.bounced","content":"Mail"}
{"ts":"2026-11-02T12:00:00Z","profile":"m1","type":"email.opened","content":"Mail"}
{"ts":"2026-11-02T12:00:00Z","profile":"m3","type":"Cart","data":{"total":10}}
{"ts":"2026-11-02T12:05:00Z","profile":"m1","type":"email.clicked","content":"Mail"}
{"ts":"2026-11-02T12:10:00Z","profile":"m1","type":"email.clicked","content":"Mail"}
{"ts":"2026-11-02T13:00:00Z","profile":"m3","type":"email.opened","content":"Mail"}
{"ts":"2026-11-02T13:00:00Z","profile":"m4","type":"Cart","data":{"total":10}}
{"ts":"2026-11-02T13:01:00Z","profile":"m3","type":"email.unsubscribed","content":"Mail"}
{"ts":"2026-11-02T13:02:00Z","profile":"m3","type":"email.spam_reported","content":"Mail"}
{"ts":"2026-11-02T15:00:00Z","profile":"m3","type":"Buy","data":{"revenue":50}}
{"ts":"2026-11-02T16:00:00Z","profile":"m3","type":"Buy","data":{"revenue":30}}
{"ts":"2026-11-02T17:00:00Z","profile":"m3","type":"Cancel","data":{"reason":"x"}}
{"ts":"2026-11-03T10:01:00Z","profile":"m1","type":"sms.delivered","content":"Text"}
{"ts":"2026-11-03T11:00:00Z","profile":"m1","type":"push.opened","content":"Note"}
{"ts":"2026-11-03T11:01:00Z","profile":"m2","type":"sms.undelivered","content":"Text"}
{"ts":"2026-11-03T11:02:00Z","profile":"m2","type":"push.bounced","content":"Note"}
{"ts":"2026-11-03T12:00:00Z","profile":"m2","type":"sms.clicked","content":"Text"}
{"ts":"2026-11-03T14:00:00Z","profile":"m4","type":"sms.clicked","content":"Text"}
{"ts":"2026-11-03T14:05:00Z","profile":"m4","type":"sms.unsubscribed","content":"Text"}
{"ts":"2026-11-03T20:00:00Z","profile":"m5","type":"Cart","data":{"total":10}}
{"ts":"2026-11-03T21:00:00Z","profile":"m5","type":"email.opened","content":"Mail"}
{"ts":"2026-11-04T10:00:00Z","profile":"m1","type":"Buy","data":{"revenue":100}}
"#;

/// Metrics as `(counts, rates, commerce)` for compact comparison:
/// counts: total_sends bounces undelivered deliveries opened total_opens clicked
///         total_clicks unsubscribed abuse_reports orders
/// rates: delivery bounce undelivered open click clicks_per_unique_opens unsubscribe abuse_report order
/// commerce: revenue average_order_revenue revenue_per_recipient
type Shape = ([u64; 11], [f64; 9], [f64; 3]);

fn shape(m: &Metrics) -> Shape {
    (
        [
            m.total_sends,
            m.bounces,
            m.undelivered,
            m.deliveries,
            m.opened,
            m.total_opens,
            m.clicked,
            m.total_clicks,
            m.unsubscribed,
            m.abuse_reports,
            m.orders,
        ],
        [
            m.delivery_rate,
            m.bounce_rate,
            m.undelivered_rate,
            m.open_rate,
            m.click_rate,
            m.clicks_per_unique_opens,
            m.unsubscribe_rate,
            m.abuse_report_rate,
            m.order_rate,
        ],
        [m.revenue, m.average_order_revenue, m.revenue_per_recipient],
    )
}

#[test]
fn every_metric_per_channel_step_and_stage() {
    // Five profiles enter (Mail, wait 1d, then Text and Note in stage conversion),
    // the run ends 11-04 12:00.
    //
    // m1 enters 11-02 10:00. Mail delivered (reported), opened twice, clicked twice.
    //    11-03 10:00 Text (delivered) and Note (opened 11:00); completed. Buys 11-04
    //    10:00 (100): 1 day after completing, inside the 3-day window: goal + order.
    // m2 enters 11:00. Mail bounces. 11-03 11:00 Text undelivered, Note bounces;
    //    completed. Clicks the undelivered SMS 11-03 12:00: counts in total_clicks and
    //    (as the open it stands for) in total_opens, not in opened/clicked, which count
    //    delivered messages only.
    // m3 enters 12:00. Mail opened, unsubscribed, reported as spam. Buys 15:00 (50)
    //    and 16:00 (30) while active: goal once, two orders. Cancels 17:00:
    //    exit_trigger at `wait 1d` (stage awareness).
    // m4 enters 13:00. Mail: nothing (delivered). 11-03 13:00 Text (clicked with no
    //    open: opened too; then unsubscribed) and Note (delivered); completed.
    // m5 enters 11-03 20:00, opens the Mail 21:00, still in `wait 1d` at the end: active.
    //
    // Messages: 5 Mail (m1..m5), 3 Text (m1 m2 m4), 3 Note (m1 m2 m4) = 11.
    //
    // email: sends 5, bounces 1 (m2), deliveries 4; opened 3 (m1 m3 m5), total_opens
    //   4 (2+1+1); clicked 1 (m1), total_clicks 2; unsubscribed 1 (m3); abuse 1 (m3).
    //   delivery 4/5 = 0.8, bounce 1/5 = 0.2, undelivered 0 (no SMS), open 3/4 = 0.75,
    //   click 1/4 = 0.25, clicks/unique opens 1/3 = 0.3333, unsubscribe 1/4 = 0.25,
    //   abuse 1/4 = 0.25.
    // sms: sends 3, undelivered 1 (m2), deliveries 2; opened 1 (m4), total_opens 2
    //   (m2's click-open, m4's); clicked 1 (m4), total_clicks 2; unsubscribed 1 (m4).
    //   delivery 2/3 = 0.6667, undelivered 1/3 = 0.3333, open 1/2, click 1/2,
    //   clicks/unique opens 1/1, unsubscribe 1/2.
    // push: sends 3, bounces 1 (m2), deliveries 2; opened 1 (m1), total_opens 1.
    //   delivery 0.6667, bounce 0.3333, open 0.5.
    // all: sends 11, bounces 2, undelivered 1, deliveries 8; opened 5, total_opens 7,
    //   clicked 2, total_clicks 4, unsubscribed 2, abuse 1.
    //   delivery 8/11 = 0.7273, bounce 2/11 = 0.1818, undelivered 1/3 (SMS sends) =
    //   0.3333, open 5/8 = 0.625, click 2/8 = 0.25, clicks/unique opens 2/5 = 0.4,
    //   unsubscribe 2/8 = 0.25, abuse 1/8 = 0.125.
    //   orders 3 (m3 50 + 30, m1 100), revenue 180, average 60, order rate 3/8 = 0.375,
    //   revenue per recipient 180 / 4 (m1 m3 m4 m5 had a delivered message; m2 none) = 45.
    // Goal: reached 2 (m1 m3) of 5 entered = 0.4 < 50%: not met.
    let plan = plan(METRICS_JOURNEY);
    let out = run_with(&plan, &metrics_profiles(), &lines(METRICS_EVENTS), until(METRICS_UNTIL));
    let j = journey(&out, "M");

    assert_eq!((j.entered, j.entries, j.active), (5, 5, 1));
    assert_eq!(exits(j), [3, 1, 0, 0]);
    let goal = j.goal.as_ref().expect("a goal");
    assert_eq!((goal.kind.as_str(), goal.on.as_str()), ("purchase", "Buy"));
    assert_eq!((goal.reached, goal.progress, goal.met), (2, 0.4, Some(false)));

    // Orders by last touch (the last delivered message of the journey before the order):
    // m3's two orders (80) go to her Mail; m1's (100) to his Note, sent just after his
    // Text at the same instant. email: 2 orders, 80, average 40, order rate 2/4, per
    // recipient 80 / 4 (m1 m3 m4 m5 had a delivered Mail) = 20. push: 1 order, 100,
    // order rate 1/2, per recipient 100 / 2 (m1 m4) = 50. sms: none.
    let email: Shape =
        ([5, 1, 0, 4, 3, 4, 1, 2, 1, 1, 2], [0.8, 0.2, 0.0, 0.75, 0.25, 0.3333, 0.25, 0.25, 0.5], [80.0, 40.0, 20.0]);
    let sms: Shape =
        ([3, 0, 1, 2, 1, 2, 1, 2, 1, 0, 0], [0.6667, 0.0, 0.3333, 0.5, 0.5, 1.0, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0]);
    let push: Shape =
        ([3, 1, 0, 2, 1, 1, 0, 0, 0, 0, 1], [0.6667, 0.3333, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.5], [100.0, 100.0, 50.0]);
    let all: Shape = (
        [11, 2, 1, 8, 5, 7, 2, 4, 2, 1, 3],
        [0.7273, 0.1818, 0.3333, 0.625, 0.25, 0.4, 0.25, 0.125, 0.375],
        [180.0, 60.0, 45.0],
    );
    assert_eq!(shape(&j.metrics.email), email, "email");
    assert_eq!(shape(&j.metrics.sms), sms, "sms");
    assert_eq!(shape(&j.metrics.push), push, "push");
    assert_eq!(shape(&j.metrics.all), all, "all");

    // Steps: reached, left (other than by completing), active at the end.
    let steps: Vec<(&str, u64, u64, u64)> =
        j.steps.iter().map(|s| (s.step.as_str(), s.reached, s.left, s.active)).collect();
    assert_eq!(
        steps,
        [
            ("stage awareness", 5, 0, 0),
            ("send Mail", 5, 0, 0),
            ("wait 1d", 5, 1, 1),
            ("stage conversion", 3, 0, 0),
            ("send Text", 3, 0, 0),
            ("send Note", 3, 0, 0),
        ]
    );
    // A send step's metrics are those of its messages: here one step per channel.
    assert_eq!(step(j, "send Mail").metrics.as_ref().map(shape), Some(email));
    assert_eq!(step(j, "send Text").metrics.as_ref().map(shape), Some(sms));
    assert_eq!(step(j, "send Note").metrics.as_ref().map(shape), Some(push));
    assert!(step(j, "wait 1d").metrics.is_none());
    assert_eq!(step(j, "send Note").stage.as_deref(), Some("conversion"));
    assert_eq!(step(j, "send Text").channel.map(|c| c.name()), Some("sms"));

    // The funnel: awareness 5, conversion 3 (m3 left before it, m5 has not reached it).
    // conversion's messages are the 3 Text and 3 Note: sends 6, bounces 1, undelivered
    // 1, deliveries 4; opened 2 (m4's SMS, m1's push), total_opens 3, clicked 1,
    // total_clicks 2, unsubscribed 1. delivery 4/6 = 0.6667, bounce 1/6 = 0.1667,
    // undelivered 1/3, open 2/4, click 1/4, clicks/unique opens 1/2, unsubscribe 1/4;
    // m1's order by last touch of his Note: 1 order, 100, order rate 1/4, per recipient
    // 100 / 2 (m1 m4 had a delivered message in the stage) = 50.
    let funnel: Vec<(&str, u64)> = j.stages.iter().map(|s| (s.stage.as_str(), s.reached)).collect();
    assert_eq!(funnel, [("awareness", 5), ("conversion", 3)]);
    assert_eq!(shape(&j.stages[0].metrics), email);
    assert_eq!(
        shape(&j.stages[1].metrics),
        (
            [6, 1, 1, 4, 2, 3, 1, 2, 1, 0, 1],
            [0.6667, 0.1667, 0.3333, 0.5, 0.25, 0.5, 0.25, 0.0, 0.25],
            [100.0, 100.0, 50.0]
        )
    );

    // The CSV and the table show rates as percentages.
    let csv = out.report.to_csv();
    let mail_row = csv.lines().find(|l| l.contains(",send Mail,")).expect("a row for send Mail");
    assert!(mail_row.contains(",80.00%,20.00%,0.00%,3,4,75.00%,1,2,25.00%,33.33%,1,25.00%,1,25.00%,"), "{mail_row}");
    // The JSON has fractions.
    let json: serde_json::Value = serde_json::from_str(&out.report.to_json()).expect("JSON");
    assert_eq!(json["journeys"][0]["metrics"]["all"]["delivery_rate"], serde_json::json!(0.7273));
    assert_eq!(json["journeys"][0]["goal"]["target"], serde_json::json!({"percent": 50.0}));

    // messages.jsonl, written without the rows: the rows serialised.
    let serialised: String = out.recipients().iter().map(|r| serde_json::to_string(r).expect("JSON") + "\n").collect();
    assert_eq!(out.messages, serialised);

    // By recipient: one row per message, in send order.
    let rows: Vec<String> = out
        .recipients()
        .iter()
        .map(|r| {
            format!(
                "{} {} d{} b{} u{} o{}/{} c{}/{} un{} s{}",
                r.profile,
                r.content,
                r.delivered as u8,
                r.bounced as u8,
                r.undelivered as u8,
                r.opened as u8,
                r.opens,
                r.clicked as u8,
                r.clicks,
                r.unsubscribed as u8,
                r.abuse_reports
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "m1 Mail d1 b0 u0 o1/2 c1/2 un0 s0",
            "m2 Mail d0 b1 u0 o0/0 c0/0 un0 s0",
            "m3 Mail d1 b0 u0 o1/1 c0/0 un1 s1",
            "m4 Mail d1 b0 u0 o0/0 c0/0 un0 s0",
            "m1 Text d1 b0 u0 o0/0 c0/0 un0 s0",
            "m1 Note d1 b0 u0 o1/1 c0/0 un0 s0",
            "m2 Text d0 b0 u1 o1/1 c1/1 un0 s0",
            "m2 Note d0 b1 u0 o0/0 c0/0 un0 s0",
            "m4 Text d1 b0 u0 o1/1 c1/1 un1 s0",
            "m4 Note d1 b0 u0 o0/0 c0/0 un0 s0",
            "m5 Mail d1 b0 u0 o1/1 c0/0 un0 s0",
        ]
    );
}

#[test]
fn rates_are_zero_when_the_denominator_is_zero() {
    // Nobody enters: every count is 0 and every rate is 0 (not NaN).
    let plan = plan(METRICS_JOURNEY);
    let events = lines(r#"{"ts":"2026-11-02T10:00:00Z","profile":"m1","type":"Buy","data":{"revenue":5}}"#);
    let out = run(&plan, &metrics_profiles(), &events);
    let j = journey(&out, "M");
    let zero: Shape = ([0; 11], [0.0; 9], [0.0; 3]);
    assert_eq!(shape(&j.metrics.all), zero);
    let goal = j.goal.as_ref().expect("a goal");
    assert_eq!((goal.reached, goal.progress, goal.met), (0, 0.0, Some(false)));
}

// ---------------------------------------------------------------------------
// Bad input (docs/runtime.md "Bad input"): strict, then with rejects
// ---------------------------------------------------------------------------

const BAD_INPUT_JOURNEY: &str = "journey J {
  start on Cart
  send Mail to profile.email
}";

/// Good data: p1 and p2; p1 enters at 10:00 (line 1 of the events).
const GOOD_EVENT: &str = r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}"#;

/// Appends `bad_profile` (line 3 of profiles.jsonl) or `bad_event` (line 2 of
/// events.jsonl), then checks: without rejects, the run stops with exactly
/// `expected`; with rejects, the run goes on (p1 still enters), the bad line is set
/// aside with its text, and the report counts it.
fn bad(bad_profile: Option<&str>, bad_event: Option<&str>, expected: &str) {
    let plan = plan(BAD_INPUT_JOURNEY);
    let mut people = profiles(&["p1", "p2"]);
    if let Some(line) = bad_profile {
        people.push_str(line);
        people.push('\n');
    }
    let mut events = format!("{GOOD_EVENT}\n");
    if let Some(line) = bad_event {
        events.push_str(line);
        events.push('\n');
    }
    let error = try_run_with(&plan, &people, &events, Options::default(), false).expect_err("bad input stops the run");
    assert_eq!(error.to_string(), expected);
    let (file, line) = if bad_profile.is_some() { ("profiles.jsonl", 3) } else { ("events.jsonl", 2) };
    assert_eq!((error.file.as_str(), error.line), (file, line));

    let out = try_run_with(&plan, &people, &events, Options::default(), true).expect("rejects keep the run going");
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].error, error);
    assert_eq!(out.rejected[0].text, bad_profile.or(bad_event).unwrap_or_default());
    assert_eq!(out.report.input.rejected, 1);
    assert_eq!(journey(&out, "J").entered, 1);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail"]);
}

#[test]
fn bad_input_a_line_that_is_not_json() {
    bad(Some(r#"{"id":"p3","#), None, "profiles.jsonl:3: not valid JSON at column 11: EOF while parsing a value");
    bad(None, Some("[1, 2]"), "events.jsonl:2: expected a JSON object, found an array");
}

#[test]
fn bad_input_a_missing_field() {
    bad(Some(r#"{"email":"x@example.com"}"#), None, "profiles.jsonl:3: field `id`: missing; every line needs it");
    bad(
        None,
        Some(r#"{"profile":"p1","type":"Cart","data":{"total":10}}"#),
        "events.jsonl:2: field `ts`: missing; every line needs it",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened"}"#),
        "events.jsonl:2: field `content`: missing; every line needs it",
    );
}

#[test]
fn bad_input_a_mistyped_field() {
    bad(
        Some(r#"{"id":"p3","subscribed":"yes"}"#),
        None,
        "profiles.jsonl:3: field `subscribed`: expected `true` or `false`, found the string \"yes\"",
    );
    bad(
        Some(r#"{"id":"p3","age":41.5}"#),
        None,
        "profiles.jsonl:3: field `age`: expected a whole number (`int`), found 41.5",
    );
    bad(
        Some(r#"{"id":"p3","since":"last week"}"#),
        None,
        "profiles.jsonl:3: field `since`: `last week`: expected an RFC 3339 timestamp such as 2026-11-02T10:00:00Z",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cart","data":{"total":"10"}}"#),
        "events.jsonl:2: field `data.total`: expected an amount (`money`), found the string \"10\"",
    );
    bad(
        None,
        Some(r#"{"ts":"yesterday","profile":"p1","type":"Cart","data":{"total":10}}"#),
        "events.jsonl:2: field `ts`: `yesterday`: expected an RFC 3339 timestamp such as 2026-11-02T10:00:00Z",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":7.5,"type":"Cart"}"#),
        "events.jsonl:2: field `profile`: expected a profile id (a string or an integer), found the number 7.5",
    );
}

#[test]
fn bad_input_an_attribute_that_is_not_declared() {
    bad(
        Some(r#"{"id":"p3","nickname":"Al"}"#),
        None,
        "profiles.jsonl:3: field `nickname`: no attribute is declared with this name (declared: age, email, \
         first_name, phone, push_token, since, subscribed, tier)",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cart","data":{"colour":"red"}}"#),
        "events.jsonl:2: field `data.colour`: no attribute is declared with this name (declared: total)",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cart","when":"now"}"#),
        "events.jsonl:2: field `when`: not a field of events (fields: id, ts, profile, type, data, content, journey, \
         segment)",
    );
}

#[test]
fn bad_input_an_unknown_profile() {
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p9","type":"Cart","data":{"total":10}}"#),
        "events.jsonl:2: field `profile`: no profile has the id `p9` in the profiles file",
    );
}

#[test]
fn bad_input_an_unknown_event_type() {
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Checkout"}"#),
        "events.jsonl:2: field `type`: `Checkout` is not a trigger of the plan nor a built-in event type (triggers: \
         Buy, Cancel, Cart, Visit; built in: profile.updated, segment.joined, segment.left; channel events: \
         email.delivered, email.bounced, email.opened, email.clicked, email.unsubscribed, email.spam_reported, \
         sms.delivered, sms.undelivered, sms.clicked, sms.unsubscribed, push.delivered, push.bounced, push.opened)",
    );
}

#[test]
fn bad_input_an_event_type_with_a_typo_suggests_the_type_meant() {
    // One letter away from a channel event, a built-in event and a trigger.
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opend","content":"Mail"}"#),
        "events.jsonl:2: field `type`: `email.opend` is not a trigger of the plan nor a built-in event type; did you \
         mean `email.opened`?",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"profile.update","data":{"age":3}}"#),
        "events.jsonl:2: field `type`: `profile.update` is not a trigger of the plan nor a built-in event type; did \
         you mean `profile.updated`?",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Visits","data":{"page":"/"}}"#),
        "events.jsonl:2: field `type`: `Visits` is not a trigger of the plan nor a built-in event type; did you mean \
         the trigger `Visit`?",
    );
    // An interaction of another channel: not "did you mean push.opened", which would be refused next.
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"sms.opened","content":"Text"}"#),
        "events.jsonl:2: field `type`: `sms.opened` is not a trigger of the plan nor a built-in event type: the sms \
         channel reports no `opened` events; its events are sms.delivered, sms.undelivered, sms.clicked, \
         sms.unsubscribed",
    );
}

#[test]
fn bad_input_a_commerce_event_without_revenue() {
    // runtime.md §10: an order without a numeric `revenue` is bad input, not an order worth 0.
    let expected = "events.jsonl:2: field `data.revenue`: missing; `Buy` is a `commerce` trigger, so each of its \
                    events needs `revenue`, the order's amount (a number)";
    for line in [
        r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Buy"}"#,
        r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Buy","data":null}"#,
        r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Buy","data":{}}"#,
        r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Buy","data":{"revenue":null}}"#,
    ] {
        bad(None, Some(line), expected);
    }
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Buy","data":{"revenue":"12"}}"#),
        "events.jsonl:2: field `data.revenue`: expected an amount (`money`), found the string \"12\"",
    );
}

#[test]
fn profile_ids_may_be_integers() {
    // runtime.md §10: 42 and "42" are one profile. Profile 42 enters by a cart
    // sent with `"profile":42` and opens its email by `"profile":"42"`; profile -7
    // (an integer in the profiles file, a string in the events) enters too.
    // => two sends, to "42" and "-7"; one open, of 42's email.
    let plan = plan(BAD_INPUT_JOURNEY);
    let people = format!(
        "{}\n{}\n",
        profile("x").replace(r#""id":"x""#, r#""id":42"#),
        profile("y").replace(r#""id":"y""#, r#""id":-7"#)
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":42,"type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:30:00Z","profile":"-7","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T11:00:00Z","profile":"42","type":"email.opened","content":"Mail"}
        "#,
    );
    let out = run(&plan, &people, &events);
    assert_eq!(sends(&out), ["11-02 10:00 42 Mail", "11-02 10:30 -7 Mail"]);
    assert_eq!(journey(&out, "J").metrics.email.opened, 1);

    // One profile written both ways is a duplicate id.
    let twice = format!("{}\n{}\n", profile("x").replace(r#""id":"x""#, r#""id":42"#), profile("42"));
    let error = try_run_with(&plan, &twice, &events, Options::default(), false).expect_err("a duplicate id");
    assert_eq!(error.to_string(), "profiles.jsonl:2: field `id`: a second profile with id `42`");

    // Other types stay errors.
    bad(
        Some(r#"{"id":4.5}"#),
        None,
        "profiles.jsonl:3: field `id`: expected a profile id (a string or an integer), found the number 4.5",
    );
    bad(
        Some(r#"{"id":true}"#),
        None,
        "profiles.jsonl:3: field `id`: expected a profile id (a string or an integer), found `true`",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":["p1"],"type":"Cart","data":{"total":10}}"#),
        "events.jsonl:2: field `profile`: expected a profile id (a string or an integer), found an array",
    );
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_file_is_skipped() {
    // Both files start with U+FEFF (as Windows tools write them): the run is the
    // plain one, p1 gets its email. A mark anywhere else is not skipped.
    let plan = plan(BAD_INPUT_JOURNEY);
    let people = format!("\u{feff}{}", profiles(&["p1", "p2"]));
    let events = format!("\u{feff}{GOOD_EVENT}\n");
    let out = try_run_with(&plan, &people, &events, Options::default(), true).expect("a valid run");
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail"]);
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    bad(None, Some(&format!("\u{feff}{GOOD_EVENT}")), "events.jsonl:2: not valid JSON at column 1: expected value");
}

#[test]
fn a_line_over_the_limit_is_bad_input_and_its_reject_is_cut() {
    // A limit of 200 bytes (profile lines are 133). Events: line 1 (78 bytes) enters
    // p1; line 2 is a Visit of 75 + 140 + 3 = 218 bytes (70 `é`, 2 bytes each);
    // line 3 a Visit of exactly 200 bytes (61 `é`), which is read. A profile line
    // of 205 bytes (an id of 20 letters) is over the limit too.
    // => line 2 refused; with rejects, its text is its first 199 bytes (the 200th
    //    would cut an `é` in two): the start and 62 `é`.
    let plan = plan(BAD_INPUT_JOURNEY);
    let visit = |n: usize| {
        format!(
            r#"{{"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Visit","data":{{"page":"{}"}}}}"#,
            "é".repeat(n)
        )
    };
    assert_eq!((GOOD_EVENT.len(), visit(70).len(), visit(61).len()), (78, 218, 200));
    let events = format!("{GOOD_EVENT}\n{}\n{}\n", visit(70), visit(61));
    let people = profiles(&["p1", "p2"]);
    let error = try_run_limited(&plan, &people, &events, Options::default(), false, 200).expect_err("too long");
    assert_eq!(
        error.to_string(),
        "events.jsonl:2: the line is longer than the limit of 200 bytes (raise it with `--max-line-bytes`); it was \
         not read"
    );
    let out = try_run_limited(&plan, &people, &events, Options::default(), true, 200).expect("rejects go on");
    let rejected: Vec<(usize, &str)> = out.rejected.iter().map(|r| (r.error.line, r.text.as_str())).collect();
    let cut =
        format!(r#"{{"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Visit","data":{{"page":"{}"#, "é".repeat(62));
    assert_eq!(rejected, [(2, cut.as_str())]);
    assert_eq!((out.report.input.events, out.report.input.rejected), (2, 1));
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail"]);

    let long_profile = format!("{}{}\n", people, profile(&"p".repeat(20)));
    let error =
        try_run_limited(&plan, &long_profile, &events[..79], Options::default(), false, 200).expect_err("too long");
    assert!(error.to_string().starts_with("profiles.jsonl:3: the line is longer than the limit"), "{error}");
}

#[test]
fn an_events_file_with_no_event_and_no_start_is_refused() {
    // runtime.md §10: nothing to replay and no --start is not a run from 1970.
    let plan = plan(BAD_INPUT_JOURNEY);
    let people = profiles(&["p1"]);
    for events in ["", "\n  \n", "\u{feff}"] {
        let error = try_run_limited(&plan, &people, events, Options::default(), true, 1 << 20).expect_err("no event");
        assert_eq!(
            error.to_string(),
            "`events.jsonl` holds no event, so the run has no instant to start from: give `--start T` (RFC 3339) to \
             run from T, or check that this is the events file"
        );
    }
    // Every line set aside: the same, with the first reason.
    let error =
        try_run_limited(&plan, &people, "not json\n[]\n", Options::default(), true, 1 << 20).expect_err("no event");
    assert_eq!(
        error.to_string(),
        "`events.jsonl` holds no event, so the run has no instant to start from (its 2 lines were set aside; the \
         first: events.jsonl:1: not valid JSON at column 2: expected ident): give `--start T` (RFC 3339) to run from \
         T, or check that this is the events file"
    );
    // With a start, an empty history is a run: nothing happens, from that instant.
    let options = Options { start: Some(at("2026-11-02T10:00:00Z")), until: None };
    let out = run_with(&plan, &people, "", options);
    assert_eq!((out.report.input.events, journey(&out, "J").entered), (0, 0));
}

#[test]
fn a_rejected_line_registers_no_event_id() {
    // Line 2 (id e1) is an open of a message the plan does not have: rejected.
    // Line 3, p1's open of its email, has the same id: it is the first event with
    // that id, so it counts (no duplicate). Line 4 repeats e1: a duplicate.
    let plan = plan(BAD_INPUT_JOURNEY);
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"id":"e1","ts":"2026-11-02T10:30:00Z","profile":"p1","type":"email.opened","content":"Nope"}
        {"id":"e1","ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"id":"e1","ts":"2026-11-02T11:30:00Z","profile":"p1","type":"email.clicked","content":"Mail"}
        "#,
    );
    let out = try_run_with(&plan, &profiles(&["p1", "p2"]), &events, Options::default(), true).expect("rejects");
    assert_eq!(out.rejected.iter().map(|r| r.error.line).collect::<Vec<_>>(), [2]);
    let input = &out.report.input;
    assert_eq!((input.events, input.duplicates, input.rejected), (2, 1, 1));
    let email = &journey(&out, "J").metrics.email;
    assert_eq!((email.opened, email.clicked), (1, 0));
}

#[test]
fn an_unmatched_channel_event_is_counted_and_is_an_event() {
    // Line 2 (id e1) is p2's open of an email never sent to p2 in this run (sent
    // before it, or by another tool): no error, counted as unmatched, no metric
    // changes. It is an event: line 3 repeats its id, a duplicate. p2's
    // unsubscribe at 10:40 (unmatched too) opts p2 out of email: at 11:00 p2's
    // cart sends it nothing. With rejects, both unmatched lines are written
    // there with their reason, but they are not counted as rejected.
    let plan = plan(BAD_INPUT_JOURNEY);
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"id":"e1","ts":"2026-11-02T10:30:00Z","profile":"p2","type":"email.opened","content":"Mail"}
        {"id":"e1","ts":"2026-11-02T10:35:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-02T10:40:00Z","profile":"p2","type":"email.unsubscribed","content":"Mail"}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        "#,
    );
    for keep_rejects in [false, true] {
        let out = try_run_with(&plan, &profiles(&["p1", "p2"]), &events, Options::default(), keep_rejects)
            .expect("unmatched events are no error");
        let input = &out.report.input;
        assert_eq!((input.events, input.unmatched, input.duplicates, input.rejected), (2, 2, 1, 0));
        let email = &journey(&out, "J").metrics.email;
        assert_eq!((email.total_sends, email.opened, email.unsubscribed, email.opted_out), (1, 0, 0, 1));
        let set_aside: Vec<(usize, bool)> = out
            .rejected
            .iter()
            .map(|r| (r.error.line, r.error.to_string().contains("unmatched: `Mail` was never sent")))
            .collect();
        assert_eq!(set_aside, if keep_rejects { vec![(2, true), (4, true)] } else { vec![] });
    }
}

#[test]
fn a_rejected_line_does_not_re_evaluate_suppression() {
    // `Lapsing` holds a profile whose latest Visit was 1 whole day ago (not 0, not 2).
    // p1 visits at 11-02 10:00 and enters; the wait ends at 11-04 10:00, when its
    // suppression is checked: 2 days, not a member, so Second is sent.
    // Line 2, at 11-03 12:00 (1 day after the visit), is a Visit whose page is a
    // number: rejected, it is not an event, so it does not suppress p1 at that
    // instant (a valid event then would).
    // => Mail at 11-02 10:00, Text at 11-04 10:00; completed, not suppressed.
    let plan = plan(
        "segment Lapsing {
           where days_since(Visit) == 1
         }
         journey J {
           start on Visit
           suppress Lapsing
           send Mail to profile.email
           wait 2d
           send Text to profile.phone
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-03T12:00:00Z","profile":"p1","type":"Visit","data":{"page":5}}
        "#,
    );
    let options = until("2026-11-05T10:00:00Z");
    let out = try_run_with(&plan, &profiles(&["p1"]), &events, options, true).expect("rejects");
    assert_eq!(out.rejected.iter().map(|r| r.error.line).collect::<Vec<_>>(), [2]);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail", "11-04 10:00 p1 Text"]);
    assert_eq!(exits(journey(&out, "J")), [1, 0, 0, 0]);
}

#[test]
fn bad_input_an_unknown_content_journey_or_segment() {
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened","content":"Newsletter"}"#),
        "events.jsonl:2: field `content`: no message is named `Newsletter` in the plan",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened","content":"Mail","journey":"K"}"#),
        "events.jsonl:2: field `journey`: no journey is named `K` in the plan",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"segment.joined","segment":"Vips"}"#),
        "events.jsonl:2: field `segment`: no segment is named `Vips` (known: Blocked, Gold, Stale, Subscribers)",
    );
    bad(
        Some(r#"{"id":"p3","segments":["Blocked","Vips"]}"#),
        None,
        "profiles.jsonl:3: field `segments[1]`: no segment is named `Vips` (known: Blocked, Gold, Stale, Subscribers)",
    );
}

#[test]
fn bad_input_a_channel_event_whose_channel_does_not_match_the_message() {
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"sms.delivered","content":"Mail"}"#),
        "events.jsonl:2: field `type`: `sms.delivered` is an SMS event, but `Mail` is an email message",
    );
}

#[test]
fn bad_input_a_field_the_event_type_does_not_use() {
    // A `content` on a trigger event is refused, not ignored: nothing is dropped silently.
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","content":"Mail","data":{"total":10}}"#),
        "events.jsonl:2: field `content`: `Cart` events have no `content`; remove it",
    );
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened","content":"Mail","segment":"S"}"#),
        "events.jsonl:2: field `segment`: `email.opened` events have no `segment`; remove it",
    );
}

#[test]
fn bad_input_segment_joined_on_a_where_segment() {
    bad(
        None,
        Some(r#"{"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"segment.joined","segment":"Gold"}"#),
        "events.jsonl:2: field `segment`: `Gold` is computed from its `where` rule; only `source list` segments take \
         memberships from data",
    );
}

#[test]
fn bad_input_a_duplicate_profile_id() {
    bad(Some(&profile("p1")), None, "profiles.jsonl:3: field `id`: a second profile with id `p1`");
}

#[test]
fn rejects_collect_every_bad_line_and_the_run_counts_the_rest() {
    // Two bad lines among five events, and p2's open of a Mail never sent to it
    // (unmatched: written with the rejects, not counted as rejected): p1's cart
    // and open are kept.
    let plan = plan(BAD_INPUT_JOURNEY);
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p1","type":"Nope"}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"email.opened","content":"Mail"}
        {"ts":"2026-11-02T11:30:00Z","profile":"p2","type":"email.opened","content":"Mail"}
        not json
        "#,
    );
    let out = try_run_with(&plan, &profiles(&["p1", "p2"]), &events, Options::default(), true).expect("rejects");
    let lines: Vec<usize> = out.rejected.iter().map(|r| r.error.line).collect();
    // In file order: the unmatched open (line 4) is met before the bad line 5.
    assert_eq!(lines, [2, 4, 5]);
    let input = &out.report.input;
    assert_eq!((input.rejected, input.unmatched, input.events), (2, 1, 2));
    assert_eq!(journey(&out, "J").metrics.email.opened, 1);
}

#[test]
fn any_truncated_line_is_an_error_or_a_reject_never_a_panic() {
    // Every line of the metrics scenario cut at every character: without rejects the
    // run stops with an error naming that line; with rejects it always goes on (a cut
    // Cart line also leaves that profile's channel events unmatched).
    let plan = plan(METRICS_JOURNEY);
    let people = metrics_profiles();
    let events: Vec<String> = lines(METRICS_EVENTS).lines().map(str::to_owned).collect();
    for (n, line) in events.iter().enumerate() {
        for cut in (1..line.len()).filter(|c| line.is_char_boundary(*c)) {
            let mut broken = events.clone();
            broken[n] = line[..cut].to_owned();
            let text = broken.join("\n");
            let error = try_run_with(&plan, &people, &text, until(METRICS_UNTIL), false)
                .expect_err("a cut line is not valid JSON");
            assert_eq!(error.file, "events.jsonl");
            assert_eq!(error.line, n + 1, "{error}");
            let out = try_run_with(&plan, &people, &text, until(METRICS_UNTIL), true).expect("rejects go on");
            assert!(out.report.input.rejected >= 1);
            assert_eq!(out.rejected[0].error.line, n + 1);
        }
    }
}

#[test]
fn steps_and_stages_count_profiles_not_arrivals() {
    // §6: "per step how many profiles reached it and how many left there".
    // p1 enters three times (10:00, then after leaving by Cancel at 11:00, again
    // at 12:00 and, after a second Cancel at 13:00, at 14:00); p2 enters once.
    // Nodes: 0 stage awareness, 1 send Mail, 2 wait 1d.
    // => entered 2, entries 4; every step reached by 2 profiles; the wait left
    //    by 1 profile (p1, twice: exit_trigger 2) and active 2 (p1's third entry, p2).
    let plan = plan(
        "journey J {
           start on Cart
           exit on Cancel
           stage awareness {
             send Mail to profile.email
             wait 1d
           }
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cancel","data":{"reason":"x"}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T13:00:00Z","profile":"p1","type":"Cancel","data":{"reason":"x"}}
        {"ts":"2026-11-02T14:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        "#,
    );
    let out = run_with(&plan, &profiles(&["p1", "p2"]), &events, until("2026-11-02T15:00:00Z"));
    let j = journey(&out, "J");
    assert_eq!((j.entered, j.entries, j.active), (2, 4, 2));
    assert_eq!(exits(j), [0, 2, 0, 0]);
    let by_node: Vec<(&str, u64, u64, u64)> =
        j.steps.iter().map(|s| (s.step.as_str(), s.reached, s.left, s.active)).collect();
    assert_eq!(by_node, [("stage awareness", 2, 0, 0), ("send Mail", 2, 0, 0), ("wait 1d", 2, 1, 2)]);
    assert_eq!(j.stages.iter().map(|s| s.reached).collect::<Vec<_>>(), [2]);
    assert_eq!(j.metrics.all.total_sends, 4);
}

// ---------------------------------------------------------------------------
// §10 Consent, addresses, earlier events
// ---------------------------------------------------------------------------

/// The profiles line of `id` (a default profile) with `"opted_out": channels`.
fn opted_out(id: &str, channels: &str) -> String {
    profile(id).replacen('{', &format!("{{\"opted_out\":{channels},"), 1) + "\n"
}

#[test]
fn an_unsubscribe_opts_the_profile_out_of_that_channel_in_every_journey() {
    // A and B both send Mail then Text on every cart.
    // 10:00 p1 Cart: A sends Mail and Text; B sends Mail and Text.
    // 10:30 p1 unsubscribes from A's Mail: p1 is opted out of email.
    // 11:00 p1 Cart again (re-entry always; both completed): A and B send Text
    //       only; Mail is not sent in either, counted opted_out in each.
    // p2 never unsubscribes: Mail and Text twice in each journey.
    let plan = plan(
        "journey A {
           start on Cart
           send Mail to profile.email
           send Text to profile.phone
         }
         journey B {
           start on Cart
           send Mail to profile.email
           send Text to profile.phone
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p1","type":"email.unsubscribed","content":"Mail","journey":"A"}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    let p1: Vec<String> = sends(&out).into_iter().filter(|s| s.contains(" p1 ")).collect();
    assert_eq!(
        p1,
        ["11-02 10:00 p1 Mail", "11-02 10:00 p1 Text", "11-02 10:00 p1 Mail", "11-02 10:00 p1 Text"]
            .into_iter()
            .chain(["11-02 11:00 p1 Text", "11-02 11:00 p1 Text"])
            .collect::<Vec<_>>()
    );
    for name in ["A", "B"] {
        let j = journey(&out, name);
        assert_eq!((j.metrics.email.total_sends, j.metrics.email.opted_out), (3, 1), "{name}");
        assert_eq!((j.metrics.sms.total_sends, j.metrics.sms.opted_out), (4, 0), "{name}");
        assert_eq!(j.metrics.all.opted_out, 1, "{name}");
        assert_eq!(step(j, "send Mail").metrics.as_ref().map(|m| m.opted_out), Some(1), "{name}");
        assert_eq!(j.exits.completed, 4, "{name}: the path goes on");
    }
    // The unsubscribe is still a metric of the message it followed.
    assert_eq!(journey(&out, "A").metrics.email.unsubscribed, 1);
}

#[test]
fn a_spam_report_opts_out_and_so_does_an_unsubscribe_before_the_start() {
    // The run starts at 10:00.
    // p1 reports A's Mail as spam at 10:30: no more email.
    // p2 unsubscribes at 09:00, before the start, from a Mail sent before the
    // run: it changes no metric, and opts p2 out of email all the same.
    // p3 comes opted out of SMS in the profiles file; p4 comes opted out of
    // email, and a profile.updated at 10:45 sets its opt-outs to none.
    let plan = plan(
        "journey A {
           start on Cart
           send Mail to profile.email
           send Text to profile.phone
         }",
    );
    let people =
        format!("{}{}{}", profiles(&["p1", "p2"]), opted_out("p3", "[\"sms\"]"), opted_out("p4", "[\"email\"]"));
    let events = lines(
        r#"
        {"ts":"2026-11-02T09:00:00Z","profile":"p2","type":"email.unsubscribed","content":"Mail"}
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p1","type":"email.spam_reported","content":"Mail"}
        {"ts":"2026-11-02T10:45:00Z","profile":"p4","type":"profile.updated","data":{"opted_out":[]}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p3","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p4","type":"Cart","data":{"total":1}}
        "#,
    );
    let options = Options { start: Some(at("2026-11-02T10:00:00Z")), until: None };
    let out = run_with(&plan, &people, &events, options);
    assert_eq!(
        sends(&out),
        [
            "11-02 10:00 p1 Mail",
            "11-02 10:00 p1 Text",
            "11-02 11:00 p1 Text",
            "11-02 11:00 p2 Text",
            "11-02 11:00 p3 Mail",
            "11-02 11:00 p4 Mail",
            "11-02 11:00 p4 Text",
        ]
    );
    let j = journey(&out, "A");
    assert_eq!((j.metrics.email.opted_out, j.metrics.sms.opted_out), (2, 1));
    assert_eq!(j.metrics.email.abuse_reports, 1);
    assert_eq!(j.metrics.email.unsubscribed, 0, "the unsubscribe before the start changes no metric");
    assert_eq!(out.report.input.before_start, 1);
}

#[test]
fn a_transactional_journey_still_sends_to_opted_out_profiles() {
    // p1 comes opted out of email. Receipt (transactional) sends it Mail;
    // Promo does not, and counts it opted_out.
    let mut plan = plan(
        "journey Promo {
           start on Buy
           send Mail to profile.email
         }
         journey Receipt {
           start on Buy
           send Mail to profile.email
         }",
    );
    for journey in &mut plan.journeys {
        journey.transactional = journey.name == "Receipt";
    }
    let people = opted_out("p1", "[\"email\"]");
    let events = lines(r#"{"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Buy","data":{"revenue":10}}"#);
    let out = run(&plan, &people, &events);
    let actions: Vec<String> = out
        .actions()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON")["journey"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    assert_eq!(actions, ["Receipt"]);
    assert_eq!(journey(&out, "Promo").metrics.all.opted_out, 1);
    assert_eq!(journey(&out, "Receipt").metrics.all.opted_out, 0);
}

#[test]
fn bad_opted_out_values_name_their_field() {
    let plan = plan(
        "journey A {
           start on Cart
           send Mail to profile.email
         }",
    );
    let people = opted_out("p1", "[\"fax\"]");
    let error = try_run_with(&plan, &people, "", Options::default(), false).expect_err("a bad channel is refused");
    assert_eq!(error.problem.field, "opted_out[0]");
    assert!(error.to_string().contains("expected a channel (email, sms or push)"), "{error}");
    let people = profiles(&["p1"]);
    let events =
        lines(r#"{"ts":"2026-11-02T10:45:00Z","profile":"p1","type":"profile.updated","data":{"opted_out":"email"}}"#);
    let error = try_run_with(&plan, &people, &events, Options::default(), false).expect_err("a string is refused");
    assert_eq!(error.problem.field, "data.opted_out");
}

#[test]
fn an_awaited_trigger_that_happened_since_entry_takes_its_branch_at_once() {
    // J: start on Cart; wait 1d; if not Visit within 2d { send Text } else { send Mail }.
    // p1 visits at 11-02 12:00, after entry, before the `if`: at 11-03 10:00
    //    the visit counts, the else is taken at once: Mail at 11-03 10:00.
    // p2 visits at 11-03 12:00, while at the `if`: Mail at 11-03 12:00.
    // p3 never visits: Text at the deadline, 11-05 10:00.
    // p4 visited at 11-02 09:00, before it entered: it does not count: Text.
    // p5 visits during a first entry that an exit ends (Cancel), then enters
    //    again at 11-02 11:00: the earlier entry's visit does not count: Text
    //    at 11-05 11:00.
    let plan = plan(
        "journey J {
           start on Cart
           exit on Cancel
           wait 1d
           if not Visit within 2d {
             send Text to profile.phone
           } else {
             send Mail to profile.email
           }
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T09:00:00Z","profile":"p4","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p3","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p4","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p5","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:10:00Z","profile":"p5","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T10:20:00Z","profile":"p5","type":"Cancel","data":{"reason":"x"}}
        {"ts":"2026-11-02T11:00:00Z","profile":"p5","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T12:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-03T12:00:00Z","profile":"p2","type":"Visit","data":{"page":"/"}}
        "#,
    );
    let out = run_with(&plan, &profiles(&["p1", "p2", "p3", "p4", "p5"]), &events, until("2026-11-06T00:00:00Z"));
    assert_eq!(
        sends(&out),
        [
            "11-03 10:00 p1 Mail",
            "11-03 12:00 p2 Mail",
            "11-05 10:00 p3 Text",
            "11-05 10:00 p4 Text",
            "11-05 11:00 p5 Text"
        ]
    );
}

#[test]
fn an_earlier_event_must_match_the_awaited_condition() {
    // `if Visit where page == "/pay" within 1d`: p1 visited "/" then "/pay"
    // before the step: the second counts, Mail at once (11-02 12:00, after the
    // 2h wait). p2 visited only "/": at the deadline, nothing (no else).
    let plan = plan(
        r#"journey J {
           start on Cart
           wait 2h
           if Visit where page == "/pay" within 1d {
             send Mail to profile.email
           }
         }"#,
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-02T10:30:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T10:40:00Z","profile":"p1","type":"Visit","data":{"page":"/pay"}}
        {"ts":"2026-11-02T10:50:00Z","profile":"p2","type":"Visit","data":{"page":"/"}}
        "#,
    );
    let out = run_with(&plan, &profiles(&["p1", "p2"]), &events, until("2026-11-04T00:00:00Z"));
    assert_eq!(sends(&out), ["11-02 12:00 p1 Mail"]);
}

#[test]
fn last_touch_credits_the_last_delivered_message_when_a_later_send_of_it_bounced() {
    // J sends Mail (node 0), waits 1d, sends Mail again (node 2). The second
    // Mail bounces; the order at 11-03 12:00 goes to the last message delivered
    // before it: the first Mail, node 0 (the latest send alone would credit
    // no step).
    let plan = plan(
        "journey J {
           start on Cart
           send Mail to profile.email
           wait 1d
           send Mail to profile.email
           wait 1d
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-03T10:30:00Z","profile":"p1","type":"email.bounced","content":"Mail"}
        {"ts":"2026-11-03T12:00:00Z","profile":"p1","type":"Buy","data":{"revenue":40}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    let j = journey(&out, "J");
    assert_eq!((j.metrics.all.orders, j.metrics.all.revenue), (1, 40.0));
    let by_step: Vec<(u32, u64, u64)> =
        j.steps.iter().filter_map(|s| s.metrics.as_ref().map(|m| (s.node, m.orders, m.bounces))).collect();
    assert_eq!(by_step, [(0, 1, 0), (2, 0, 1)]);
}

#[test]
fn durations_too_long_for_the_clock_saturate_instead_of_wrapping() {
    // A hand-made plan with `within` of u64::MAX seconds: read as a signed
    // number it is -1 s, which sent the SMS one second before the email. It
    // saturates: the deadline is never reached, nothing more is sent.
    let mut plan = plan(
        "journey J {
           start on Cart
           send Mail to profile.email
           if not opened Mail within 1d {
             send Text to profile.phone
           }
         }",
    );
    for node in &mut plan.journeys[0].nodes {
        if let journey_plan::Action::Await { within, .. } = &mut node.action {
            *within = u64::MAX;
        }
    }
    plan.journeys[0].attribution = u64::MAX;
    let events = lines(
        r#"
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":1}}
        {"ts":"2026-11-30T10:00:00Z","profile":"p1","type":"Buy","data":{"revenue":5}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1"]), &events);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail"]);
    let j = journey(&out, "J");
    assert_eq!((j.active, j.metrics.all.orders), (1, 1));
}

#[test]
fn a_window_counts_the_events_in_it_however_many_came_before() {
    // `count(Visit within 1d) >= 2` at the cart, 11-02 10:00 (window from 11-01 10:00).
    // p1: visits 10-25 (long before), 11-01 08:00 (out), 11-02 09:00, 11-02 09:30: 2 => Mail.
    // p2: visits 11-01 08:00, 11-01 09:00 (out), 11-02 09:00: 1 => Text.
    // The history keeps only what a window can still read; the counts are the same.
    let plan = plan(
        "journey J {
           start on Cart
           if count(Visit within 1d) >= 2 {
             send Mail to profile.email
           } else {
             send Text to profile.phone
           }
         }",
    );
    let events = lines(
        r#"
        {"ts":"2026-10-25T10:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-01T08:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-01T08:00:00Z","profile":"p2","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-01T09:00:00Z","profile":"p2","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T09:00:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T09:00:00Z","profile":"p2","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T09:30:00Z","profile":"p1","type":"Visit","data":{"page":"/"}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p1","type":"Cart","data":{"total":10}}
        {"ts":"2026-11-02T10:00:00Z","profile":"p2","type":"Cart","data":{"total":10}}
        "#,
    );
    let out = run(&plan, &profiles(&["p1", "p2"]), &events);
    assert_eq!(sends(&out), ["11-02 10:00 p1 Mail", "11-02 10:00 p2 Text"]);
}

#[test]
fn messages_rows_are_the_bytes_serde_writes_whatever_the_texts() {
    // Ids and addresses with quotes, backslashes, a control character and
    // non-ASCII text: each row of messages.jsonl is the serde_json text of its
    // RecipientRow, byte for byte.
    let plan = plan(BAD_INPUT_JOURNEY);
    let id = r#"a\"b\\c\u0001é/1"#;
    let profiles = format!(
        r#"{{"id":"{id}","email":"x\"y\\z@example.com"}}
{{"id":"p2","email":null}}
"#
    );
    let events = format!(
        r#"{{"ts":"2026-11-02T10:00:00.250Z","profile":"{id}","type":"Cart","data":{{"total":10}}}}
{{"ts":"2026-11-02T10:00:01Z","profile":"p2","type":"Cart","data":{{"total":10}}}}
{{"ts":"2026-11-02T11:00:00Z","profile":"{id}","type":"email.clicked","content":"Mail"}}
"#
    );
    let out = run(&plan, &profiles, &events);
    assert_eq!(out.messages.lines().count(), 1);
    let serialised: String = out.recipients().iter().map(|r| serde_json::to_string(r).expect("JSON") + "\n").collect();
    assert_eq!(out.messages, serialised);
    let row = &out.recipients()[0];
    assert_eq!(row.profile, "a\"b\\c\u{1}é/1");
    assert_eq!((row.opened, row.opens, row.clicked, row.clicks), (true, 1, true, 1));
    assert_eq!(row.sent, "2026-11-02T10:00:00.250Z");
}
