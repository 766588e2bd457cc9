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
    let project = Project::from_texts([("a.journey", text.clone())]);
    let left: Vec<String> = check(&project, Mode::Design)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(left.is_empty(), "{left:?}\n{text}");
    assert!(text.contains("where cart.total > 50 and profile.first_name != \"\""), "{text}");
    assert!(text.contains("goal purchase on PurchaseCompleted target 50%"), "{text}");
    assert!(text.contains("goal notify opened"), "{text}");
    assert!(text.contains("body \"{{trigger.cart.url}}\" }\njourney"), "{text}");
}
