//! End-to-end tests of the `journey` binary: exit codes, output formats and
//! project discovery, as a user or a CI pipeline sees them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn journey(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the journey binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// A fresh folder holding `files` (relative path, contents).
fn project(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a folder")).expect("temp dir is writable");
        std::fs::write(path, contents).expect("temp dir is writable");
    }
    dir
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository exists")
}

/// A small project that checks clean: every declaration is used.
const VALID: &[u8] = b"profile {\n  email: email\n  x: int\n}\n\ntrigger SignedUp {\n  source custom\n  status published\n}\n\nemail Welcome {\n  status ready\n  subject \"Hi\"\n  body \"Welcome\"\n}\n\njourney Onboarding {\n  start on SignedUp\n\n  send Welcome to profile.email\n}\n";
const BROKEN: &[u8] = b"journey Cart {\n  sned Reminder\n}\n";

#[test]
fn a_clean_project_exits_0() {
    let dir = project("clean", &[("a.journey", VALID)]);
    let out = journey(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "checked 1 file: no problems\n");
}

#[test]
fn errors_exit_1_and_are_reported_for_people_on_stderr() {
    let dir = project("errors", &[("cart.journey", BROKEN)]);
    let out = journey(&["check", "--color", "never"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("[J0007] Error: expected a journey setting, a step or `}`, found `sned`"), "{err}");
    assert!(err.contains("cart.journey:2:3"), "{err}");
    assert!(err.contains("did you mean `send`?"), "{err}");
    assert!(err.ends_with("checked 1 file: 1 error\n"), "{err}");
    assert!(!err.contains('\u{1b}'), "no colour when asked for none");
    assert!(stdout(&out).is_empty());
}

#[test]
fn colour_is_used_only_when_asked_or_on_a_terminal() {
    let dir = project("colour", &[("cart.journey", BROKEN)]);
    assert!(stderr(&journey(&["check", "--color", "always"], &dir)).contains('\u{1b}'));
    // Standard error is a pipe here, so `auto` means no colour.
    assert!(!stderr(&journey(&["check"], &dir)).contains('\u{1b}'));
}

#[test]
fn json_output_carries_code_position_span_help_and_fix() {
    let dir = project("json", &[("cart.journey", BROKEN)]);
    let out = journey(&["check", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON document");
    assert_eq!(document["format"], "journey-diagnostics/1");
    assert_eq!(document["errors"], 1);
    let d = &document["diagnostics"][0];
    assert_eq!(d["code"], "J0007");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "cart.journey");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(3)));
    assert_eq!((d["span"]["start"].as_u64(), d["span"]["end"].as_u64()), (Some(17), Some(21)));
    assert_eq!(d["help"][0], "did you mean `send`?");
    assert_eq!(d["fix"]["edits"][0]["replacement"], "send");
    assert!(!stdout(&out).contains('\u{1b}'), "machine output never has colour");
}

#[test]
fn sarif_output_is_a_sarif_2_1_0_log() {
    let dir = project("sarif", &[("cart.journey", BROKEN)]);
    let out = journey(&["check", "--format", "sarif", "--color", "always"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON document");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "journey");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "J0007");
    assert_eq!(result["level"], "error");
    let rule_index = result["ruleIndex"].as_u64().expect("results point at their rule") as usize;
    assert_eq!(run["tool"]["driver"]["rules"][rule_index]["id"], "J0007");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "cart.journey");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 3);
    assert!(!stdout(&out).contains('\u{1b}'), "machine output never has colour");
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = project("warnings", &[("a.journey", b"/// documents nothing\n")]);
    let out = journey(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("1 warning"));
    let denied = journey(&["check", "--deny-warnings", "--format", "json"], &dir);
    assert_eq!(denied.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_str(&stdout(&denied)).expect("JSON");
    assert_eq!(document["diagnostics"][0]["severity"], "error");
}

#[test]
fn a_file_that_is_not_utf8_is_named_in_the_error() {
    let dir = project("latin1", &[("latin1.journey", b"email Welcome {\n  subject \"ch\xe8re\"\n}\n")]);
    let out = journey(&["check", "--color", "never"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("[J0011] Error: this file is not valid UTF-8"), "{err}");
    assert!(err.contains("latin1.journey:2:14"), "{err}");
    assert!(err.contains("byte 0xE8 here is not UTF-8"), "{err}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = project("usage", &[("a.journey", VALID)]);
    let missing = journey(&["check", "nowhere"], &dir);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(stderr(&missing), "error: `nowhere` does not exist\n");
    std::fs::create_dir_all(dir.join("empty")).expect("temp dir is writable");
    let empty = journey(&["check", "empty"], &dir);
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("no `.journey` files in `empty`"));
    assert_eq!(journey(&["check", "--format", "yaml"], &dir).status.code(), Some(2));
    assert_eq!(journey(&["frobnicate"], &dir).status.code(), Some(2));
}

#[test]
fn a_folder_is_one_project_without_hidden_folders_or_target() {
    let dir = project(
        "discovery",
        &[
            ("a.journey", VALID),
            ("nested/b.journey", b"segment S { where profile.x == 1 }\njourney Weekly { start segment S send Welcome to profile.email }\n"),
            (".hidden/broken.journey", BROKEN),
            ("target/broken.journey", BROKEN),
            ("notes.txt", b"not a journey"),
        ],
    );
    let out = journey(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "checked 2 files: no problems\n");
    // A file named explicitly is checked whatever its folder.
    assert_eq!(journey(&["check", "target/broken.journey"], &dir).status.code(), Some(1));
}

#[test]
fn explain_prints_the_long_explanation() {
    let dir = repository_root();
    let out = journey(&["explain", "j0007"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("# J0007: unexpected token"));
    let list = journey(&["explain"], &dir);
    assert!(stdout(&list).contains("J0016  warning  doc comment attached to nothing"));
    let unknown = journey(&["explain", "E0308"], &dir);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("`E0308` is not a Journey diagnostic code"));
}

#[test]
fn every_example_checks_clean() {
    let examples = repository_root().join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).expect("examples/ exists") {
        let path = entry.expect("readable").path();
        if !path.is_dir() {
            continue;
        }
        count += 1;
        let out = journey(&["check", "--deny-warnings", path.to_str().expect("UTF-8 path")], &examples);
        assert_eq!(out.status.code(), Some(0), "{}: {}", path.display(), stderr(&out));
        assert!(stderr(&out).ends_with("no problems\n"), "{}: {}", path.display(), stderr(&out));
    }
    assert!(count >= 8, "the eight example projects are there");
}

/// The SARIF log of `journey check` run in `dir` with `args`.
fn sarif(args: &[&str], dir: &Path) -> (Option<i32>, serde_json::Value) {
    let out = journey(&[&["check", "--format", "sarif"], args].concat(), dir);
    let log = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code(), log)
}

#[test]
fn sarif_uris_are_relative_to_srcroot_with_fingerprints_and_help_links() {
    let dir = project("sarif-root", &[("app/cart.journey", BROKEN)]);
    let root = dir.canonicalize().expect("the folder exists");
    let (code, log) = sarif(&[], &dir.join("app"));
    assert_eq!(code, Some(1));
    let run = &log["runs"][0];
    let location = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "cart.journey");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
    let app = format!("file://{}/app/", root.display());
    assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], app.as_str());
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let fingerprints = &run["results"][0]["partialFingerprints"];
    assert!(fingerprints["primaryLocationLineHash"].as_str().is_some_and(|h| h.ends_with(":1")), "{fingerprints}");
    let rule = &run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"].as_u64().expect("an index") as usize];
    assert_eq!(
        rule["helpUri"],
        "https://github.com/journey-lang/journey/blob/main/crates/journey-diagnostics/explain/J0007.md"
    );

    // `--sarif-root` moves `%SRCROOT%`; the fingerprints do not move with it.
    let (_, log) = sarif(&["--sarif-root", ".."], &dir.join("app"));
    let run = &log["runs"][0];
    assert_eq!(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "app/cart.journey");
    assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], format!("file://{}/", root.display()).as_str());
    assert_eq!(
        &run["results"][0]["partialFingerprints"]["primaryLocationLineHash"],
        &fingerprints["primaryLocationLineHash"]
    );

    // A file outside the root: an absolute `file://` URI, without a base.
    let (_, log) = sarif(&["--sarif-root", "app", root.join("app/cart.journey").to_str().expect("UTF-8")], &dir);
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "cart.journey", "an absolute path below the root is still relative to it");
    std::fs::create_dir_all(dir.join("elsewhere")).expect("temp dir is writable");
    let (_, log) = sarif(&["--sarif-root", "elsewhere", "app/cart.journey"], &dir);
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], format!("file://{}/app/cart.journey", root.display()).as_str());
    assert!(location.get("uriBaseId").is_none(), "{location}");
}

#[test]
fn a_run_that_cannot_check_still_writes_a_sarif_log_saying_why() {
    let dir = project("sarif-usage", &[("a.journey", VALID)]);
    let (code, log) = sarif(&["nowhere"], &dir);
    assert_eq!(code, Some(2));
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["toolExecutionNotifications"][0]["level"], "error");
    assert_eq!(invocation["toolExecutionNotifications"][0]["message"]["text"], "`nowhere` does not exist");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    let (code, log) = sarif(&["--deny-warings"], &dir);
    assert_eq!(code, Some(2), "a mistyped option");
    let text = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"];
    assert!(text.as_str().is_some_and(|t| t.contains("--deny-warings")), "{text}");
    let (code, log) = sarif(&["--sarif-root", "nowhere"], &dir);
    assert_eq!(code, Some(2));
    let text = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"];
    assert!(text.as_str().is_some_and(|t| t.contains("`--sarif-root nowhere` is not a folder")), "{text}");
    // A mistyped option of `build -o -`: standard output is the plan's, the log goes to stderr.
    let out = journey(&["build", "-o", "-", "--format", "sarif", "--bogus"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"executionSuccessful\": false") || err.contains("\"executionSuccessful\":false"), "{err}");
}

#[test]
fn build_to_standard_output_sends_machine_diagnostics_to_stderr_or_a_file() {
    let dir = project("build-stdout", &[("a.journey", VALID)]);
    for format in ["json", "sarif"] {
        let out = journey(&["build", "-o", "-", "--format", format], &dir);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is the plan alone");
        assert!(plan["journeys"].is_array(), "{plan}");
        let diagnostics: serde_json::Value = serde_json::from_str(&stderr(&out)).expect("stderr is the diagnostics");
        assert!(diagnostics.get("format").is_some() || diagnostics.get("runs").is_some(), "{diagnostics}");

        let out = journey(&["build", "-o", "-", "--format", format, "--diagnostics", "d.json"], &dir);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).expect("stdout is the plan alone");
        assert!(stderr(&out).is_empty(), "{}", stderr(&out));
        let written = std::fs::read_to_string(dir.join("d.json")).expect("the diagnostics file is written");
        serde_json::from_str::<serde_json::Value>(&written).expect("the file is one JSON document");
    }
    // `check` takes `--diagnostics` too.
    let out = journey(&["check", "--format", "json", "--diagnostics", "check.json"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
    let written = std::fs::read_to_string(dir.join("check.json")).expect("the diagnostics file is written");
    assert!(written.contains("\"format\": \"journey-diagnostics/1\""), "{written}");
    let both = journey(&["build", "-o", "-", "--diagnostics", "-"], &dir);
    assert_eq!(both.status.code(), Some(2));
}

/// A project of two files: the trigger of `b.journey` is used by the journey of `a.journey`.
const USES_B: &[u8] = b"profile {\n  email: email\n}\n\nemail Welcome {\n  status ready\n  subject \"Hi\"\n  body \"Welcome\"\n}\n\njourney Onboarding {\n  start on SignedUp\n\n  send Welcome to profile.email\n}\n";
const DECLARES: &[u8] = b"trigger SignedUp {\n  source custom\n  status published\n}\n";

#[test]
fn a_file_is_checked_within_its_project_and_only_its_diagnostics_are_reported() {
    let dir = project(
        "within",
        &[
            ("journey.toml", b"name = \"shop\"\n"),
            ("schema.journey", b"// the shop\n"),
            ("src/a.journey", USES_B),
            ("src/b.journey", DECLARES),
            ("src/other.journey", b"/// documents nothing\n"),
        ],
    );
    // From the project's root, and from inside a folder below it.
    for (cwd, file) in [(dir.clone(), "src/b.journey"), (dir.join("src"), "b.journey")] {
        let out = journey(&["check", "--deny-warnings", file], &cwd);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "checked 1 file: no problems\n");
    }
    // The other file's warning is reported when that file is given, not otherwise.
    let out = journey(&["check", "--format", "json", "src/b.journey", "src/other.journey"], &dir);
    let document: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(document["warnings"], 1, "{document}");
    assert_eq!(document["diagnostics"][0]["file"], "src/other.journey");

    // `journey build FILE` builds the whole project of the file.
    let out = journey(&["build", "src/b.journey", "-o", "-"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("a plan");
    assert_eq!(plan["journeys"][0]["name"], "Onboarding", "{plan}");

    // Without a `journey.toml`, the file's own folder is the project.
    let plain = project("within-plain", &[("a.journey", USES_B), ("b.journey", DECLARES)]);
    let out = journey(&["check", "--deny-warnings", "a.journey"], &plain);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_journey_toml_with_an_unknown_key_is_refused() {
    let dir = project("manifest", &[("journey.toml", b"name = \"shop\"\nedition = 2024\n"), ("a.journey", VALID)]);
    for args in [&["check"][..], &["check", "a.journey"]] {
        let out = journey(args, &dir);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains("journey.toml:2: unknown field `edition`, expected `name`"), "{err}");
    }
}
