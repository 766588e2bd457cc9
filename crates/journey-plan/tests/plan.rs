//! The plan format: the committed JSON Schema matches the types, every example
//! lowers to a plan that reads back identically, and corrupt plans get clear errors.

use std::path::{Path, PathBuf};

use journey_check::{Mode, Project, check, discover};
use journey_plan::{MAX_DURATION_SECONDS, Plan, json_schema, lower, plan_hash};
use sha2::{Digest, Sha256};

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
    // The hashes follow every byte of the source (comments, layout): they are tested apart.
    let journey = &plan.journeys[0];
    insta::assert_snapshot!(
        plan.to_json().replace(&journey.source_hash, "sha256:[hash]").replace(&journey.plan_hash, "sha256:[plan hash]")
    );
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

/// `text` with `old` replaced once by `new`, which must be there.
fn edited(text: &str, old: &str, new: &str) -> String {
    assert!(text.contains(old), "the plan has {old}");
    text.replacen(old, new, 1)
}

/// The plan `text` with each journey's `plan_hash` recomputed, as a tool that
/// writes plans itself would: what is left to refuse is the structure.
fn resealed(text: &str) -> String {
    let mut plan: Plan = serde_json::from_str(text).expect("the edit keeps the plan's shape");
    let hashes: Vec<String> = plan.journeys.iter().map(|j| plan_hash(&plan, j)).collect();
    for (journey, hash) in plan.journeys.iter_mut().zip(hashes) {
        journey.plan_hash = hash;
    }
    plan.to_json()
}

/// The problems of the abandoned-cart plan with `old` replaced once by `new`, resealed.
fn structural_problems(old: &str, new: &str) -> String {
    problems(&resealed(&edited(&example_plan("abandoned-cart").to_json(), old, new)))
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
    insta::assert_snapshot!("dangling_node", structural_problems("\"next\": 1", "\"next\": 42"));
    insta::assert_snapshot!(
        "unknown_content",
        structural_problems("\"content\": \"InitialReminder\"", "\"content\": \"Nope\"")
    );
    insta::assert_snapshot!("loop", structural_problems("\"next\": 1", "\"next\": 0"));
    let source_hash = example_plan("abandoned-cart").journeys[0].source_hash.clone();
    assert_eq!(
        structural_problems(&source_hash, "sha256:0"),
        "plan.json is not a valid plan:\n  - journeys[0] (`AbandonedCartRecovery`).source_hash: `sha256:0` is not \
         `sha256:` followed by 64 lowercase hex digits\nrebuild it with `journey build`; plans are not meant to be \
         edited by hand"
    );
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

#[test]
fn a_plan_edited_after_it_was_built_is_refused_naming_the_journey() {
    let good = example_plan("abandoned-cart").to_json();
    assert_eq!(problems(&good), "accepted");
    // `wait 1d` made `wait 1h`, and a template reworded: the source hash is the
    // same, the structure is sound, but the content is not what was built.
    let refusal = "  - journeys[0] (`AbandonedCartRecovery`): this plan was edited after it was built: \
                   rebuild it with `journey build`\n";
    let wait = edited(&good, "\"seconds\": 86400", "\"seconds\": 3600");
    assert!(problems(&wait).contains(refusal), "{}", problems(&wait));
    let template = edited(&good, "You left something in your cart", "You left nothing");
    assert!(problems(&template).contains(refusal), "{}", problems(&template));
    // A profile schema or trigger definition changed is caught too.
    let trigger = edited(&good, "\"order_id\": \"text\"", "\"order_id\": \"int\"");
    assert!(problems(&trigger).contains(refusal), "{}", problems(&trigger));
    // Resealed, the same edit is accepted: the hash is what refused it.
    assert_eq!(problems(&resealed(&wait)), "accepted");
    // Layout does not count: the same plan written compactly is accepted.
    let compact =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&good).expect("JSON")).expect("serialisable");
    assert_eq!(problems(&compact), "accepted");
}

#[test]
fn a_plan_without_plan_hash_is_refused_and_build_can_still_replace_it() {
    let good = example_plan("abandoned-cart").to_json();
    let hash = &example_plan("abandoned-cart").journeys[0].plan_hash;
    let older = edited(&good, &format!("\n      \"plan_hash\": \"{hash}\","), "");
    insta::assert_snapshot!("no_plan_hash", problems(&older));
    // `journey build` reads the plan it replaces for its versions only.
    let previous = Plan::from_json_to_replace("plan.json", &older).expect("readable for its versions");
    assert_eq!(previous.journeys[0].version, 1);
    // Structural problems are still refused there.
    let broken = edited(&older, "\"next\": 1", "\"next\": 42");
    assert!(Plan::from_json_to_replace("plan.json", &broken).is_err());
}

#[test]
fn plan_hash_is_the_sha256_of_the_documented_canonical_json() {
    // Recomputed as another tool would, from docs/runtime.md: the journey without
    // `plan_hash`, the profile schema, and the contents, segments and triggers
    // the journey lists, as canonical JSON (sorted keys, no spaces; this plan
    // has no fractional or large number, so serde_json's compact form is RFC 8785's).
    let plan = plan_with("journey J { start on AbandonedCart send InitialReminder to profile.email wait 3d }");
    let text = plan.to_json();
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut journey = value["journeys"][0].clone();
    let written = journey.as_object_mut().and_then(|j| j.remove("plan_hash")).expect("a plan_hash");
    let pick = |map: &str, list: &str| -> serde_json::Value {
        let names = journey[list].as_array().expect("a list");
        names.iter().map(|n| n.as_str().expect("a name")).map(|n| (n.to_owned(), value[map][n].clone())).collect()
    };
    let document = serde_json::json!({
        "contents": pick("contents", "contents"),
        "journey": journey,
        "profile": value["profile"],
        "segments": pick("segments", "segments"),
        "triggers": pick("triggers", "triggers"),
    });
    assert_eq!(journey["contents"], serde_json::json!(["InitialReminder"]));
    assert_eq!(journey["triggers"], serde_json::json!(["AbandonedCart"]));
    let canonical = serde_json::to_string(&document).expect("serialisable");
    assert!(canonical.starts_with("{\"contents\":{\"InitialReminder\":{\"channel\":\"email\""), "{canonical}");
    let digest: String = Sha256::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(written, serde_json::json!(format!("sha256:{digest}")));
}

#[test]
fn duplicate_keys_are_refused_with_the_key_and_its_place() {
    let good = example_plan("abandoned-cart").to_json();
    // A map of the plan: serde would keep the second `subject` silently.
    let templates = edited(
        &good,
        "\"subject\": {\n          \"text\": \"You left something in your cart\",",
        "\"subject\": {\"text\": \"Old subject\", \"placeholders\": []},\n        \
         \"subject\": {\n          \"text\": \"You left something in your cart\",",
    );
    insta::assert_snapshot!("duplicate_key", problems(&templates));
    // A field of an object, and a key at the top.
    let field = edited(&good, "\"attribution\": 259200,", "\"attribution\": 259200, \"attribution\": 60,");
    let top = edited(
        &good,
        "\"format\": \"journey-plan/1\",",
        "\"format\": \"journey-plan/1\", \"format\": \"journey-plan/1\",",
    );
    assert!(
        problems(&field).contains("  - journeys[0].attribution: the key `attribution` appears twice in journeys[0]"),
        "{}",
        problems(&field)
    );
    assert!(problems(&top).contains("  - format: the key `format` appears twice in the plan"), "{}", problems(&top));
}

#[test]
fn a_removed_entry_or_target_is_named_not_taken_for_the_end() {
    let good = example_plan("abandoned-cart").to_json();
    // Removed: a missing field, not "no steps".
    let removed = edited(&good, "\"entry\": 0,\n", "");
    assert!(
        problems(&removed).contains("  - journeys[0]: the field `entry` is missing (line "),
        "{}",
        problems(&removed)
    );
    let next = edited(&good, "\"next\": 1\n", "\"label\": 1\n");
    assert!(problems(&next).contains("unknown field `label`"), "{}", problems(&next));
    let next = edited(&good, ",\n            \"next\": 1\n", "\n");
    assert!(
        problems(&next).contains("  - journeys[0].nodes[0].action: the field `next` is missing"),
        "{}",
        problems(&next)
    );
    // Null while the journey has nodes.
    insta::assert_snapshot!("null_entry", structural_problems("\"entry\": 0,", "\"entry\": null,"));
}

#[test]
fn unreachable_nodes_are_refused() {
    // Node 0 goes straight to node 2: node 1 (the `if`) is reached by nothing.
    insta::assert_snapshot!("unreachable_node", structural_problems("\"next\": 1", "\"next\": 2"));
}

#[test]
fn steps_after_an_exit_are_left_out_of_the_plan() {
    // The checker warns that `send FinalNotification` is never reached; the plan
    // leaves it out (and loads), numbering the nodes without a gap.
    let plan = plan_with(
        "journey J { start on AbandonedCart send InitialReminder to profile.email exit send FinalNotification }",
    );
    let steps: Vec<&str> = plan.journeys[0].nodes.iter().map(|n| n.step.as_str()).collect();
    assert_eq!(steps, ["send InitialReminder", "exit"]);
    assert_eq!(plan.journeys[0].contents, ["InitialReminder"]);
    assert_eq!(problems(&plan.to_json()), "accepted");
}

#[test]
fn split_shares_outside_0_to_100_are_refused() {
    let plan = plan_with(
        "journey J { start on AbandonedCart split { A 50% { wait 1h } B 50% { send InitialReminder to profile.email } } }",
    )
    .to_json();
    let text = edited(&plan, "\"share\": 50.0", "\"share\": -50.0");
    let text = resealed(&edited(&text, "\"share\": 50.0", "\"share\": 150.0"));
    insta::assert_snapshot!("split_shares", problems(&text));
}

#[test]
fn a_placeholder_that_reads_nothing_is_refused() {
    insta::assert_snapshot!("placeholder_profile", structural_problems("\"first_name\"\n", "\"nickname\"\n"));
    insta::assert_snapshot!("placeholder_trigger", structural_problems("\"url\"\n", "\"link\"\n"));
}

#[test]
fn durations_over_10_years_are_refused_everywhere() {
    let over = MAX_DURATION_SECONDS + 1;
    let at_most = |text: &str| problems(&resealed(text));
    let good = example_plan("abandoned-cart").to_json();
    for (old, place) in [
        ("\"seconds\": 86400", "journeys[0] (`AbandonedCartRecovery`).nodes[3].action.seconds"),
        ("\"within\": 86400", "journeys[0] (`AbandonedCartRecovery`).nodes[1].action.within"),
        ("\"attribution\": 259200", "journeys[0] (`AbandonedCartRecovery`).attribution"),
    ] {
        let field = old.split(':').next().expect("a field");
        let text = at_most(&edited(&good, old, &format!("{field}: {over}")));
        let expected = format!(
            "  - {place}: 315360001 seconds is more than 10 years (315360000 seconds), the longest duration a plan holds\n"
        );
        assert!(text.contains(&expected), "{text}");
        // At the bound exactly, it is accepted.
        assert_eq!(at_most(&edited(&good, old, &format!("{field}: {MAX_DURATION_SECONDS}"))), "accepted");
    }
    let reentry = edited(&good, "\"reentry\": \"always\"", &format!("\"reentry\": {{\"after\": {over}}}"));
    assert!(
        at_most(&reentry).contains(
            "  - journeys[0] (`AbandonedCartRecovery`).reentry.after: 315360001 seconds is more than 10 years"
        ),
        "{}",
        at_most(&reentry)
    );
    let windows = plan_with(
        "segment Buyers { where count(PurchaseCompleted within 30d) > 0 }
         journey J {
           start segment Buyers every 7d
           if sum(PurchaseCompleted.revenue within 30d) > 10 { send FinalNotification }
         }",
    )
    .to_json()
    .replace("\"within\": 2592000", &format!("\"within\": {over}"))
    .replace("\"every\": 604800", &format!("\"every\": {over}"));
    insta::assert_snapshot!("long_windows", at_most(&windows));
}

#[test]
fn names_used_but_not_listed_are_refused() {
    // The hash covers the definitions a journey lists: one it uses must be listed.
    insta::assert_snapshot!(
        "unlisted_content",
        structural_problems("\"contents\": [\n        \"FinalNotification\",\n", "\"contents\": [\n")
    );
}

#[test]
fn shape_errors_are_in_the_words_of_the_plan() {
    let good = example_plan("abandoned-cart").to_json();
    let cases = [
        ("\"seconds\": 86400", "\"seconds\": -1"),
        ("\"seconds\": 86400", "\"seconds\": 1.5"),
        ("\"entry\": 0", "\"entry\": \"first\""),
        ("\"version\": 1", "\"version\": true"),
        ("\"name\": \"AbandonedCartRecovery\"", "\"name\": 7"),
        ("\"exclude\": []", "\"exclude\": {}"),
        ("\"age\": \"int\"", "\"age\": 3"),
        ("\"share\"", "\"share\""),
        ("\"channel\": \"push\"", "\"channel\": \"fax\""),
    ];
    let mut report = String::new();
    for (old, new) in cases.into_iter().filter(|(old, new)| old != new) {
        report.push_str(&format!("{new}\n{}\n\n", problems(&edited(&good, old, new))));
    }
    assert!(!report.contains("u64") && !report.contains("u32") && !report.contains("struct"), "{report}");
    assert!(!report.contains("unknown variant") && !report.contains(": expected value"), "{report}");
    insta::assert_snapshot!("plain_words", report);
}

#[test]
fn the_schema_holds_the_loader_bounds() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).expect("the schema is JSON");
    assert_eq!(schema["properties"]["format"]["const"], "journey-plan/1");
    let journey = &schema["$defs"]["JourneyPlan"];
    assert_eq!(journey["properties"]["attribution"]["maximum"], 315_360_000);
    assert_eq!(journey["properties"]["attribution"]["minimum"], 1);
    let required = journey["required"].as_array().expect("a list");
    assert!(required.contains(&"plan_hash".into()) && required.contains(&"entry".into()), "{required:?}");
    let share = &schema["$defs"]["SplitArm"]["properties"]["share"];
    assert_eq!((&share["exclusiveMinimum"], &share["maximum"]), (&0.into(), &100.into()));
}
