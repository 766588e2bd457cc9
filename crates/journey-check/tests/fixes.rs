//! The fixes of did-you-mean diagnostics are machine-applicable: applying every
//! fix of a project with typical mistakes gives a project that checks clean.

use journey_check::{Mode, Project, check};

const DECLARATIONS: &str = "
profile { email: email first_name: text }
trigger AbandonedCart { status published cart: { total: money, url: text } }
trigger PurchaseCompleted { source commerce status published revenue: money }
segment Subscribers { source list }
email Reminder { status ready subject \"Hi {{profile.first_name}}\" body \"{{trigger.cart.url}}\" }
email Newsletter { status ready subject \"News\" body \"Hello\" }
";

/// The text of the one-file project `source` with every fix applied.
fn fixed(source: &str) -> (usize, String) {
    let project = Project::from_texts([("a.journey", source.to_owned())]);
    let mut edits: Vec<(usize, usize, String)> = check(&project, Mode::Design)
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .flat_map(|fix| fix.edits.iter())
        .map(|e| (e.span.start as usize, e.span.end as usize, e.replacement.clone()))
        .collect();
    edits.sort();
    edits.dedup();
    let count = edits.len();
    let mut text = source.to_owned();
    for (start, end, replacement) in edits.into_iter().rev() {
        text.replace_range(start..end, &replacement);
    }
    (count, text)
}

/// The errors of the one-file project `text`, as `code: message`.
fn errors_left(text: &str) -> Vec<String> {
    let project = Project::from_texts([("a.journey", text.to_owned())]);
    check(&project, Mode::Design)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

#[test]
fn applying_the_fixes_gives_a_clean_project() {
    let broken = format!(
        "{DECLARATIONS}
email Typo {{ status ready subject \"s\" body \"{{{{trigger.cart.urll}}}}\" }}
journey Cart {{
  start on AbandonedCart where total > 50 and first_name != \"\"
  goal purchase PurchaseCompleted target 50%
  send Reminder to profile.email
  send Typo to profile.email
}}
journey News {{
  start segment Subscribers
  goal notify Newsletter
  send Newsletter to profile.email
}}
"
    );
    let (count, text) = fixed(&broken);
    assert_eq!(count, 5, "{text}");
    let left = errors_left(&text);
    assert!(left.is_empty(), "{left:?}\n{text}");
    assert!(text.contains("where cart.total > 50 and profile.first_name != \"\""), "{text}");
    assert!(text.contains("goal purchase on PurchaseCompleted target 50%"), "{text}");
    assert!(text.contains("goal notify opened"), "{text}");
    assert!(text.contains("body \"{{trigger.cart.url}}\" }\njourney"), "{text}");
}

#[test]
fn common_typos_are_fixed_each_by_one_error() {
    let broken = format!(
        "{DECLARATIONS}
journey Cart {{
  start on AbandonedCart
  wait 3days
  wait 48hours
  wait 1 d
  wait 2 hrs
  wait 10mins
  wait 30seconds
  wait 2weeks
  wait 1mo
  stage \"Welcome\" {{
    if profile.first_name == \"A\" {{
      send Reminder to profile.email
    }} elif profile.first_name == \"B\" {{
      send Newsletter to profile.email
    }}
  }}
}}
"
    );
    let project = Project::from_texts([("a.journey", broken.clone())]);
    let errors: Vec<_> = check(&project, Mode::Design).diagnostics.into_iter().filter(|d| d.is_error()).collect();
    // One error per typo (`1 d` included), each with its fix.
    assert_eq!(errors.len(), 10, "{errors:#?}");
    assert!(errors.iter().all(|d| d.fix.is_some()), "{errors:#?}");
    let months = errors.iter().find(|d| d.message == "invalid duration `1mo`").expect("the months error");
    assert_eq!(months.help, ["months are not a unit; use 30d"]);
    let (count, text) = fixed(&broken);
    assert_eq!(count, 10, "{text}");
    let left = errors_left(&text);
    assert!(left.is_empty(), "{left:?}\n{text}");
    for written in [
        "wait 3d\n",
        "wait 48h\n",
        "wait 1d\n",
        "wait 2h\n",
        "wait 10m\n",
        "wait 30s\n",
        "wait 2w\n",
        "wait 30d\n",
        "stage Welcome {",
        "} else if profile.first_name == \"B\" {",
    ] {
        assert!(text.contains(written), "{written:?} in:\n{text}");
    }
}

#[test]
fn a_missing_brace_before_else_is_fixed_where_the_indentation_shows() {
    let broken = format!(
        "{DECLARATIONS}
journey Cart {{
  start on AbandonedCart
  if profile.first_name == \"A\" {{
    send Reminder to profile.email
  else {{
    send Newsletter to profile.email
  }}
}}
"
    );
    let project = Project::from_texts([("a.journey", broken.clone())]);
    let errors: Vec<_> = check(&project, Mode::Design).diagnostics.into_iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].message, "this block is not closed");
    let (count, text) = fixed(&broken);
    assert_eq!(count, 1, "{text}");
    let left = errors_left(&text);
    assert!(left.is_empty(), "{left:?}\n{text}");
    assert!(text.contains("    send Reminder to profile.email\n  } else {\n"), "{text}");
}
