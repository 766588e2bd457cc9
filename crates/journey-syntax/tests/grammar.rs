//! The reference grammar (`grammar/journey.ebnf`) stays true: every `(* example`
//! block in it parses without a syntax error, and every `(* invalid` block
//! produces at least one.

use journey_diagnostics::FileId;

fn blocks(grammar: &str, marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = grammar;
    while let Some(start) = rest.find(marker) {
        let body = &rest[start + marker.len()..];
        let end = body.find("\n*)").expect("every example block is closed by `*)` on its own line");
        found.push(body[..end].to_owned());
        rest = &body[end..];
    }
    found
}

fn grammar() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../grammar/journey.ebnf");
    std::fs::read_to_string(path).expect("the grammar is in grammar/journey.ebnf")
}

#[test]
fn grammar_examples_parse() {
    let examples = blocks(&grammar(), "(* example\n");
    assert!(examples.len() >= 4, "the grammar keeps its examples");
    for example in examples {
        let parse = journey_syntax::parse(FileId(0), &example);
        let messages: Vec<_> = parse.diagnostics.iter().map(|d| format!("{}: {}", d.code, d.message)).collect();
        assert!(messages.is_empty(), "example does not parse: {messages:?}\n{example}");
    }
}

#[test]
fn grammar_counter_examples_do_not_parse() {
    let invalid = blocks(&grammar(), "(* invalid\n");
    assert!(invalid.len() >= 4);
    for example in invalid {
        let parse = journey_syntax::parse(FileId(0), &example);
        assert!(parse.has_errors(), "counter-example parses:\n{example}");
    }
}
