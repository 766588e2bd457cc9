//! `check` reports every error in one pass (language.md §3): a syntax error in
//! one declaration does not hide the errors of the others; only the checker's
//! findings inside the broken declaration (echoes of the parser's recovery), and
//! warnings, wait until it parses.

use journey_check::{Mode, Project, check};
use journey_diagnostics::Code;

const DECLARATIONS: &str = "
profile { email: email }
trigger Go { status published }
email E1 { status ready subject \"Hi\" body \"Hello\" }
segment Unused { source list }
";

fn codes(files: &[(&str, &str)]) -> Vec<Code> {
    let project = Project::from_texts(files.iter().map(|(path, text)| (*path, text.to_string())));
    check(&project, Mode::Design).diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn a_syntax_error_does_not_hide_the_errors_of_other_declarations() {
    let broken = "journey J { start on Go\n send E1 to profile.email ;\n send Nope to profile.email\n}";
    let other = "journey K { start on Go\n send E9 to profile.email\n}";
    let found = codes(&[("base.journey", DECLARATIONS), ("j.journey", broken), ("k.journey", other)]);
    // J0001 for `;`; J0108 for `E9` in K; not J0108 for `Nope` inside the broken J,
    // and not the J0201 warning for the unused segment while a file does not parse.
    assert_eq!(found, [Code::InvalidCharacter, Code::UnknownName]);

    let fixed = broken.replace(" ;", "");
    let found = codes(&[("base.journey", DECLARATIONS), ("j.journey", &fixed), ("k.journey", other)]);
    assert_eq!(found, [Code::UnusedDeclaration, Code::UnknownName, Code::UnknownName]);
}

#[test]
fn the_condition_of_an_unknown_trigger_is_not_reported_again() {
    // `Goo` is not declared (J0108, with a did-you-mean); the names of its
    // `where` cannot be checked: they are not reported as unknown names too.
    // Nor is `Go`, the name suggested, reported as unused: only the segment is.
    let journey = "journey J { start on Goo where amount > 3 and level == 2\n send E1 to profile.email\n}";
    let found = codes(&[("base.journey", DECLARATIONS), ("j.journey", journey)]);
    assert_eq!(found, [Code::UnusedDeclaration, Code::UnknownName]);
}

#[test]
fn one_note_says_how_many_declarations_were_not_fully_checked() {
    // Two broken declarations (the journey J, twice broken, and the email E2),
    // in two files; the note is on the first syntax error only.
    let broken = "journey J { start on Go\n send E1 to profile.email ;\n wait 3days\n}\n";
    let email = "email E2 { status ready subject \"Hi\" body \"Hello\" ; }\n";
    let project = Project::from_texts(
        [("base.journey", DECLARATIONS), ("e.journey", email), ("j.journey", broken)].map(|(p, t)| (p, t.to_owned())),
    );
    let diagnostics = check(&project, Mode::Design).diagnostics;
    let note = "2 declarations were not fully checked because of syntax errors; their other problems and the project's warnings are reported once the syntax errors are fixed";
    let noted: Vec<_> = diagnostics.iter().filter(|d| d.help.iter().any(|h| h == note)).collect();
    assert_eq!(noted.len(), 1, "{diagnostics:#?}");
    assert_eq!(noted[0].primary.file, diagnostics[0].primary.file, "on the first error: {diagnostics:#?}");
    assert_eq!(noted[0].primary.span, diagnostics[0].primary.span, "on the first error: {diagnostics:#?}");

    // A project that parses has no such note.
    let clean = Project::from_texts([("base.journey", DECLARATIONS.to_owned())]);
    assert!(
        check(&clean, Mode::Design).diagnostics.iter().all(|d| d.help.iter().all(|h| !h.contains("fully checked")))
    );
}
