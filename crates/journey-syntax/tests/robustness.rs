//! No input makes the parser panic, hang or overflow the stack: property tests
//! over random token soups, arbitrary text and mutated valid files, and explicit
//! pathological inputs, all parsed on a thread with a small stack.

use journey_diagnostics::{Code, FileId};
use journey_syntax::{Parse, parse};
use proptest::prelude::*;

/// Parses `text` on a thread with a 256 KiB stack (an eighth of a test thread's),
/// so that any unbounded recursion shows up as a crash here.
fn parse_on_small_stack(text: String) -> Parse {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let parse = parse(FileId(0), &text);
            check_invariants(&text, &parse);
            parse
        })
        .expect("thread starts")
        .join()
        .expect("parsing never panics")
}

/// Every diagnostic points inside the file, on character boundaries.
fn check_invariants(text: &str, parse: &Parse) {
    for d in &parse.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(
                start <= end && end <= text.len(),
                "{}: span {start}..{end} outside a file of {} bytes",
                d.code,
                text.len()
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{}: span {start}..{end} splits a character",
                d.code
            );
        }
        assert!(!d.message.is_empty());
    }
}

const SPEC: &str = r#"
profile {
  email: email
  phone: phone
  first_name: text
  subscribed: bool
  loyalty: { tier: text, points: int }
}

trigger AbandonedCart {
  source custom
  status published
  cart: { total: money, items: int, url: text }
}

email InitialReminder {
  status ready
  subject "You left something in your cart"
  body """
    Hi {{profile.first_name}}, your cart is waiting: {{trigger.cart.url}}
  """
}

segment FrequentBuyers {
  where count(PurchaseCompleted within 90d) >= 3
    and days_since(PurchaseCompleted) <= 30
    and sum(PurchaseCompleted.revenue within 365d) > 500
}

journey AbandonedCartRecovery {
  start on AbandonedCart where cart.total > 50
  goal purchase on PurchaseCompleted target 50%
  exit on PurchaseCompleted

  send InitialReminder to profile.email
  if not opened InitialReminder within 1d {
    send SecondReminder to profile.phone
    wait 1d
    send FinalNotification
  } else if profile in FrequentBuyers {
    split { A 50% { exit } B 50% { stage conversion { wait 2h } } }
  }
}
"#;

const VOCABULARY: &[&str] = &[
    "profile",
    "trigger",
    "email",
    "sms",
    "push",
    "segment",
    "journey",
    "start",
    "on",
    "where",
    "every",
    "goal",
    "target",
    "exit",
    "exclude",
    "suppress",
    "attribution",
    "reentry",
    "transactional",
    "always",
    "never",
    "after",
    "send",
    "to",
    "wait",
    "if",
    "else",
    "within",
    "split",
    "stage",
    "opened",
    "clicked",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "x",
    "Name",
    "profile.email",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    ".",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "=",
    "&&",
    "||",
    "!",
    "50",
    "49.99",
    "50%",
    "1d12h",
    "3days",
    "@2026-12-01T09:00:00Z",
    "@2026-13-01",
    "\"s\"",
    "\"\"\"m\n\"\"\"",
    "\"open",
    "\"\"\"open",
    "\"{{x.}}\"",
    "/* c */",
    "/* open",
    "// c\n",
    "/// d\n",
    ";",
    "#",
    "é",
    "\\",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(VOCABULARY), prop::sample::select(&[" ", "\n", "", "  "][..])), 0..120)
        .prop_map(|parts| parts.into_iter().flat_map(|(t, s)| [t, s]).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn token_soups_parse_without_panicking(text in token_soup()) {
        parse_on_small_stack(text);
    }

    #[test]
    fn arbitrary_text_parses_without_panicking(text in any::<String>()) {
        parse_on_small_stack(text);
    }

    #[test]
    fn mutated_valid_files_parse_without_panicking(
        cuts in prop::collection::vec((0usize..SPEC.len(), 0usize..20, prop::sample::select(VOCABULARY)), 1..6)
    ) {
        let mut text = SPEC.to_owned();
        for (at, len, insert) in cuts {
            let mut start = at.min(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(start..end, insert);
        }
        parse_on_small_stack(text);
    }

    #[test]
    fn parsing_is_deterministic(text in token_soup()) {
        let a = parse(FileId(0), &text);
        let b = parse(FileId(0), &text);
        prop_assert_eq!(a.tree, b.tree);
        prop_assert_eq!(a.diagnostics, b.diagnostics);
    }
}

#[test]
fn the_spec_sample_parses_clean() {
    let parse = parse_on_small_stack(SPEC.to_owned());
    assert!(parse.diagnostics.is_empty(), "{:#?}", parse.diagnostics);
    assert_eq!(parse.tree.decls.len(), 5);
}

fn codes(parse: &Parse) -> Vec<Code> {
    parse.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn ten_thousand_nested_blocks_are_an_error_not_a_crash() {
    let n = 10_000;
    let text = format!("journey A {{ start on T {} exit {} }}", "if profile.x { ".repeat(n), "} ".repeat(n));
    let parse = parse_on_small_stack(text);
    assert_eq!(codes(&parse), [Code::NestingTooDeep]);
    assert_eq!(parse.tree.decls.len(), 1, "the journey itself is still there");
}

#[test]
fn ten_thousand_unclosed_blocks_are_reported_once_each_and_do_not_crash() {
    let text = format!("journey A {{ start on T {}", "if profile.x { ".repeat(10_000));
    let parse = parse_on_small_stack(text);
    assert!(codes(&parse).contains(&Code::NestingTooDeep));
    assert!(codes(&parse).contains(&Code::UnclosedDelimiter));
}

#[test]
fn deep_parentheses_are_an_error_not_a_crash() {
    let n = 100_000;
    let text = format!("segment S {{ where {}profile.x{} }}", "(".repeat(n), ")".repeat(n));
    assert_eq!(codes(&parse_on_small_stack(text)), [Code::NestingTooDeep]);
}

#[test]
fn long_operator_chains_are_an_error_not_a_crash() {
    for operator in ["+", "and", "or", "==", "*"] {
        let text = format!("segment S {{ where profile.x{} }}", format!(" {operator} profile.x").repeat(20_000));
        let parse = parse_on_small_stack(text);
        assert!(codes(&parse).contains(&Code::NestingTooDeep), "{operator}: {:?}", codes(&parse));
    }
}

#[test]
fn long_prefix_chains_are_an_error_not_a_crash() {
    for prefix in ["not ", "- ", "! "] {
        let text = format!("segment S {{ where {}profile.x }}", prefix.repeat(20_000));
        let parse = parse_on_small_stack(text);
        assert!(codes(&parse).contains(&Code::NestingTooDeep), "{prefix}: {:?}", codes(&parse));
    }
}

#[test]
fn chains_of_negated_comparisons_are_an_error_not_a_crash() {
    let text = format!("segment S {{ where not profile.x{} }}", " == not profile.x".repeat(20_000));
    let parse = parse_on_small_stack(text);
    assert!(codes(&parse).contains(&Code::NestingTooDeep), "{:?}", codes(&parse));
}

#[test]
fn long_flat_files_parse_fine() {
    // Flat repetition is not nesting: 10,000 `else if` branches and 50,000 steps are valid.
    let branches = " else if profile.x { exit }".repeat(10_000);
    let steps = " wait 1d".repeat(50_000);
    let text = format!("journey A {{ start on T if profile.x {{ exit }}{branches}{steps} }}");
    let parse = parse_on_small_stack(text);
    assert!(parse.diagnostics.is_empty(), "{:?}", codes(&parse));
}

#[test]
fn a_goal_without_a_measure_is_missing_right_after_its_type() {
    use journey_syntax::ast::{DeclKind, GoalMeasure, SettingKind};
    for text in ["journey J {\n  goal purchase\n  send Mail\n}", "journey J { goal purchase target 50% }"] {
        let parse = parse(FileId(0), text);
        let DeclKind::Journey(journey) = &parse.tree.decls[0].kind else { panic!("a journey: {text}") };
        let SettingKind::Goal(goal) = &journey.settings[0].kind else { panic!("a goal: {text}") };
        let end = (text.find("purchase").expect("in the text") + "purchase".len()) as u32;
        assert_eq!(goal.measure, GoalMeasure::Missing(journey_diagnostics::Span { start: end, end }), "{text}");
    }
}

#[test]
fn an_unexpected_string_is_named_in_the_message_and_the_label() {
    let parse = parse(FileId(0), "profile {\n  subject: \"Hi\"\n}");
    let d = &parse.diagnostics[0];
    assert_eq!((d.code, d.message.as_str()), (Code::UnexpectedToken, "expected a type, found a string"));
    assert_eq!(d.primary.message, "unexpected string");
}

#[test]
fn a_byte_order_mark_is_whitespace() {
    // Editors on Windows may save UTF-8 with a BOM: it is not a stray character.
    let parse = parse(FileId(0), "\u{FEFF}segment S { source list }\n");
    assert!(parse.diagnostics.is_empty(), "{:?}", parse.diagnostics);
    assert_eq!(parse.tree.decls.len(), 1);
}
