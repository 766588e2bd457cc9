//! The rules corpus: one small, realistic project per case of each rule of the
//! language (spec §3), under `tests/rules/` at the root of the repository.
//!
//! - `CODE-slug.fail.journey` breaks the rule: it must report `CODE`, and its
//!   rendered diagnostics are compared with the snapshot in `tests/rules/snapshots/`
//!   (review new snapshots with `cargo insta review`);
//! - `CODE-slug.pass.journey` is the corrected project: it must check clean, with
//!   no error and no warning, at design time and at publish time;
//! - every code of the `J01xx` and `J02xx` families has at least one of each, so
//!   that the corpus cannot silently lose a rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use journey_check::{Analysis, Mode, Project, check};
use journey_diagnostics::Code;
use journey_diagnostics::render::{Summary, render_human};

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root exists")
}

fn rules_dir() -> PathBuf {
    repository_root().join("tests/rules")
}

/// Checks one corpus file as a project of its own, named by its path from the repository root.
fn checked(path: &Path) -> (Project, Analysis) {
    let root = repository_root();
    let path = path.canonicalize().expect("corpus files exist");
    let shown = path.strip_prefix(&root).expect("corpus files are in the repository").to_path_buf();
    let bytes = std::fs::read(&path).expect("corpus files are readable");
    let mut project = Project::default();
    project.add_bytes(shown, bytes);
    let analysis = check(&project, Mode::Design);
    (project, analysis)
}

/// The output a user sees: the reports, then a summary line.
fn rendered(project: &Project, analysis: &Analysis) -> String {
    let mut out = Vec::new();
    render_human(&project.sources, &analysis.diagnostics, false, &mut out).expect("rendering to memory cannot fail");
    let mut text = String::from_utf8(out).expect("reports are UTF-8");
    text.push_str(&format!("{}\n", Summary::of(&analysis.diagnostics).describe()));
    text
}

/// The files of the corpus, sorted (snapshots left out).
fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(rules_dir())
        .expect("tests/rules exists")
        .map(|entry| entry.expect("tests/rules is readable").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).expect("corpus file names are UTF-8")
}

/// The code a corpus file is about, from the start of its name (`J0112-two-paths.fail.journey`).
fn code_of(path: &Path) -> Option<Code> {
    file_name(path).split(['-', '.']).next().and_then(Code::parse)
}

/// The codes of the rules of the language and of the warnings: `J01xx` and `J02xx`.
fn rule_codes() -> impl Iterator<Item = Code> {
    Code::ALL.iter().copied().filter(|c| c.as_str().starts_with("J01") || c.as_str().starts_with("J02"))
}

#[test]
fn failing_projects_report_their_code() {
    let failing: Vec<PathBuf> =
        corpus_files().into_iter().filter(|p| file_name(p).ends_with(".fail.journey")).collect();
    assert!(!failing.is_empty(), "no `.fail.journey` file in tests/rules");
    let mut problems = Vec::new();
    for path in &failing {
        let (project, analysis) = checked(path);
        match code_of(path) {
            Some(code) if analysis.diagnostics.iter().any(|d| d.code == code) => {}
            Some(code) => problems.push(format!(
                "{}: does not report {code}; it reports:\n{}",
                file_name(path),
                rendered(&project, &analysis)
            )),
            None => problems.push(format!("{}: the name does not start with a diagnostic code", file_name(path))),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn failing_projects_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(rules_dir().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("../../../tests/rules", "*.fail.journey", |path| {
            let (project, analysis) = checked(path);
            insta::assert_snapshot!("rules", rendered(&project, &analysis));
        });
    });
}

#[test]
fn passing_projects_are_clean() {
    // Not `insta::glob!`: its failure count is shared with the snapshot test
    // running at the same time.
    let passing: Vec<PathBuf> =
        corpus_files().into_iter().filter(|p| file_name(p).ends_with(".pass.journey")).collect();
    assert!(!passing.is_empty(), "no `.pass.journey` file in tests/rules");
    let mut problems = Vec::new();
    for path in &passing {
        let (project, analysis) = checked(path);
        if !analysis.diagnostics.is_empty() {
            problems.push(format!(
                "{}: expected no diagnostic, got:\n{}",
                file_name(path),
                rendered(&project, &analysis)
            ));
        }
        // The corrected project is also ready to publish: rule 12 adds nothing at `journey build`.
        let published = check(&project, Mode::Publish);
        if !published.diagnostics.is_empty() {
            problems.push(format!(
                "{}: expected no diagnostic at publish time, got:\n{}",
                file_name(path),
                rendered(&project, &published)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_has_a_failing_and_a_passing_project() {
    // (failing, passing) files per code.
    let mut counts: BTreeMap<Code, (usize, usize)> = rule_codes().map(|c| (c, (0, 0))).collect();
    let mut problems = Vec::new();
    for path in corpus_files() {
        let name = file_name(&path).to_owned();
        let failing = name.ends_with(".fail.journey");
        if !failing && !name.ends_with(".pass.journey") {
            problems.push(format!("{name}: corpus files end in `.fail.journey` or `.pass.journey`"));
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
        if !text.starts_with("//") {
            problems.push(format!("{name}: starts with a `//` comment naming the rule it tests"));
        }
        match code_of(&path).and_then(|code| counts.get_mut(&code)) {
            Some((fail, pass)) => *(if failing { fail } else { pass }) += 1,
            None => problems.push(format!("{name}: the name does not start with a J01xx or J02xx code")),
        }
    }
    for (code, (fail, pass)) in &counts {
        if *fail == 0 {
            problems.push(format!("{code} ({}) has no `.fail.journey` file", code.title()));
        }
        if *pass == 0 {
            problems.push(format!("{code} ({}) has no `.pass.journey` file", code.title()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_shared_goal_trigger_is_one_warning_per_group_however_many_journeys_share_it() {
    // 2,001 journeys share `Bought`, 2 share `Signed`: two warnings, each naming
    // five journeys at most and pointing at five goals at most.
    let mut text = String::from(
        "profile { email: email }\n\
         trigger Came { source custom status published }\n\
         trigger Bought { source commerce status published revenue: money }\n\
         trigger Signed { source custom status published }\n\
         email Hello { status ready subject \"Hi\" body \"Hello\" }\n",
    );
    for i in 0..2_003 {
        let goal = if i < 2_001 { "Bought" } else { "Signed" };
        text.push_str(&format!(
            "journey J{i} {{ start on Came goal purchase on {goal} send Hello to profile.email }}\n"
        ));
    }
    let project = Project::from_texts([("many.journey", text)]);
    let analysis = check(&project, Mode::Design);
    let shared: Vec<_> = analysis.diagnostics.iter().filter(|d| d.code == Code::SharedGoalTrigger).collect();
    let messages: Vec<&str> = shared.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "2001 journeys share the goal trigger `Bought`: `J0`, `J1`, `J2`, `J3`, `J4` and 1996 more",
            "2 journeys share the goal trigger `Signed`: `J2001` and `J2002`",
        ]
    );
    assert_eq!(shared.iter().map(|d| d.secondary.len()).collect::<Vec<_>>(), [4, 1]);
    assert_eq!(analysis.diagnostics.len(), 2, "{:?}", analysis.diagnostics);
}
