//! The plan format: the committed JSON Schema matches the types, every example
//! lowers to a plan that reads back identically, and corrupt plans get clear errors.

use std::path::{Path, PathBuf};

use journey_check::{Mode, Project, check, discover};
use journey_plan::{Plan, json_schema, lower};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example_plan(name: &str) -> Plan {
    let files = discover(&repository().join("examples").join(name)).expect("the example exists");
    let project = Project::read(&files).expect("the example is readable");
    let analysis = check(&project, Mode::Publish);
    assert!(analysis.diagnostics.is_empty(), "{name}: {:?}", analysis.diagnostics);
    lower(&analysis.program, &project.sources, None)
}

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

#[test]
fn committed_schema_matches_the_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/journey-plan.schema.json");
    let generated = json_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("the schema folder is writable");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "the plan schema changed: run `UPDATE_SCHEMA=1 cargo test -p journey-plan` and review the diff"
    );
}

#[test]
fn every_example_plan_reads_back_identically_and_is_deterministic() {
    for name in EXAMPLES {
        let plan = example_plan(name);
        let text = plan.to_json();
        assert_eq!(text, example_plan(name).to_json(), "{name}: two builds differ");
        let back = Plan::from_json("plan.json", &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, plan, "{name}");
        assert!(plan.journeys.iter().all(|j| j.version == 1 && j.source_hash.starts_with("sha256:")));
    }
}

#[test]
fn the_abandoned_cart_plan_is_the_expected_graph() {
    let plan = example_plan("abandoned-cart");
    // The hash follows every byte of the source (comments, layout): it is tested apart.
    insta::assert_snapshot!(plan.to_json().replace(&plan.journeys[0].source_hash, "sha256:[hash]"));
}

#[test]
fn versions_follow_the_source_hash() {
    let plan = example_plan("abandoned-cart");
    let mut previous = plan.clone();
    previous.journeys[0].version = 4;
    let files = discover(&repository().join("examples/abandoned-cart")).expect("exists");
    let project = Project::read(&files).expect("readable");
    let analysis = check(&project, Mode::Publish);
    // Unchanged source: the version is kept.
    assert_eq!(lower(&analysis.program, &project.sources, Some(&previous)).journeys[0].version, 4);
    // Changed source: the next version.
    previous.journeys[0].source_hash = "sha256:0".into();
    assert_eq!(lower(&analysis.program, &project.sources, Some(&previous)).journeys[0].version, 5);
}

fn problems(text: &str) -> String {
    match Plan::from_json("plan.json", text) {
        Ok(_) => "accepted".to_owned(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn corrupt_plans_get_clear_errors() {
    let good = example_plan("abandoned-cart").to_json();
    insta::assert_snapshot!("not_json", problems("{\"format\": \"journey-plan/1\", "));
    insta::assert_snapshot!("wrong_format", problems(&good.replace("journey-plan/1", "journey-plan/9")));
    insta::assert_snapshot!(
        "unknown_field",
        problems(&good.replacen("\"version\": 1", "\"version\": 1, \"colour\": 2", 1))
    );
    insta::assert_snapshot!("dangling_node", problems(&good.replacen("\"next\": 1", "\"next\": 42", 1)));
    insta::assert_snapshot!(
        "unknown_content",
        problems(&good.replacen("\"content\": \"InitialReminder\"", "\"content\": \"Nope\"", 1))
    );
    insta::assert_snapshot!("loop", problems(&good.replacen("\"next\": 1", "\"next\": 0", 1)));
    insta::assert_snapshot!(
        "wrong_type",
        problems(&good.replacen("\"attribution\": 259200", "\"attribution\": \"3d\"", 1))
    );
}

/// The plan of `source` with the abandoned-cart example's schema, triggers and
/// messages (not its journey).
fn plan_with(source: &str) -> Plan {
    let mut files: Vec<(PathBuf, String)> = discover(&repository().join("examples/abandoned-cart"))
        .expect("the example exists")
        .into_iter()
        .filter(|p| !p.ends_with("journey.journey"))
        .map(|p| (p.clone(), std::fs::read_to_string(&p).expect("readable")))
        .collect();
    files.push((PathBuf::from("j.journey"), source.to_owned()));
    let project = Project::from_texts(files);
    let analysis = check(&project, Mode::Design);
    assert!(!analysis.diagnostics.iter().any(|d| d.is_error()), "{:?}", analysis.diagnostics);
    lower(&analysis.program, &project.sources, None)
}

/// The step names of the journey of `source` (see [`plan_with`]), in node order.
fn step_names(source: &str) -> Vec<String> {
    plan_with(source).journeys[0].nodes.iter().map(|n| n.step.clone()).collect()
}

#[test]
fn behavioural_functions_with_a_where_read_back() {
    // In `count(T where C within D)`, `sum(T.a where C within D)` and
    // `days_since(T where C)`, the names of C are T's attributes: the plan reads
    // back, in a segment rule and in a journey's `if` alike.
    let plan = plan_with(
        "segment Loyal {
           where count(PurchaseCompleted where revenue > 3 within 90d) >= 2
             and sum(PurchaseCompleted.revenue where order_id != \"x\" within 365d) > 100
             and days_since(AbandonedCart where cart.total > 50) <= 30
         }
         journey J {
           start on AbandonedCart
           if profile in Loyal and count(AbandonedCart where cart.items > 2 within 7d) > 1 {
             send InitialReminder to profile.email
           }
         }",
    );
    let text = plan.to_json();
    assert_eq!(Plan::from_json("plan.json", &text).map_err(|e| e.to_string()), Ok(plan));
    // A name the counted trigger does not have is still refused: renaming the
    // trigger's `revenue` leaves the `where revenue > 3` reading nothing.
    let broken = text.replacen("\"revenue\": \"money\"", "\"renamed\": \"money\"", 1);
    assert_ne!(broken, text);
    assert!(problems(&broken).contains("segments.Loyal: `revenue` reads no attribute here"), "{}", problems(&broken));
}

#[test]
fn the_transactional_setting_reaches_the_plan() {
    let journey = |setting: &str| {
        plan_with(&format!("journey J {{ start on AbandonedCart {setting} send InitialReminder to profile.email }}"))
    };
    let transactional = journey("transactional");
    assert!(transactional.journeys[0].transactional);
    let text = transactional.to_json();
    assert!(text.contains("\"transactional\": true"), "{text}");
    assert_eq!(Plan::from_json("plan.json", &text).map_err(|e| e.to_string()), Ok(transactional));
    // Without the setting, the field is written all the same, as `false`.
    let marketing = journey("");
    assert!(!marketing.journeys[0].transactional);
    assert!(marketing.to_json().contains("\"transactional\": false"));
}

#[test]
fn step_names_do_not_depend_on_the_layout() {
    let one_line = "journey J { start on AbandonedCart send InitialReminder to profile.email \
        if opened InitialReminder within 1d { wait 1h } else if profile.age > 30 { exit } \
        split { A 50% { wait 2h } B 50% { stage retention { send FinalNotification } } } }";
    let laid_out = "journey J {
  start on AbandonedCart
  send InitialReminder
    to profile.email
  if opened InitialReminder // the first email
     within 1d {
    wait 1h
  } else if profile.age > 30 { exit }
  split {
    A 50% { wait 2h }
    B 50% {
      stage retention {
        send FinalNotification
      }
    }
  }
}";
    let names = step_names(one_line);
    assert_eq!(names, step_names(laid_out));
    for expected in [
        "send InitialReminder",
        "if opened InitialReminder within 1d",
        "else if profile.age > 30",
        "split",
        "stage retention",
        "send FinalNotification",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected:?} in {names:?}");
    }
}
