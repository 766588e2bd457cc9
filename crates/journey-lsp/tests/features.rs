//! In-process tests of every feature of the engine, on the project in
//! `tests/fixtures/shop` (two files: the schema and triggers, the messages and
//! the journey). Buffers are opened over the files, never written to disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use journey_diagnostics::{ColumnUnit, FileId, Span};
use journey_lsp::features;
use journey_lsp::world::{Applied, Snapshot, World};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop")
}

fn world() -> World {
    World::new(vec![shop()], ColumnUnit::Utf16)
}

fn recovery() -> PathBuf {
    shop().join("recovery.journey")
}

fn schema() -> PathBuf {
    shop().join("schema.journey")
}

/// The project of `path`, the file's id and its text.
fn open(world: &mut World, path: &Path) -> (Arc<Snapshot>, FileId, String) {
    let snap = world.snapshot_of(path);
    let id = snap.file_id(path).expect("the file is in its project");
    let text = snap.file(id).text().to_owned();
    (snap, id, text)
}

/// The offset of the `nth` occurrence of `needle` in `text`, plus `delta`.
fn at(text: &str, needle: &str, nth: usize, delta: usize) -> usize {
    text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` #{nth} not found")).0 + delta
}

fn labels(items: &[tower_lsp_server::ls_types::CompletionItem]) -> Vec<String> {
    let mut l: Vec<String> = items.iter().map(|i| i.label.clone()).collect();
    l.sort();
    l
}

/// The project with `sned` for the first `send` of the journey.
fn with_typo() -> (Arc<Snapshot>, FileId, String) {
    let mut w = world();
    let text = std::fs::read_to_string(recovery()).unwrap().replace("  send Reminder", "  sned Reminder");
    w.open(recovery(), 1, text);
    open(&mut w, &recovery())
}

#[test]
fn the_fixture_checks_clean() {
    let mut w = world();
    let (snap, _, _) = open(&mut w, &recovery());
    assert_eq!(snap.project.sources.len(), 2);
    assert!(snap.analysis.diagnostics.is_empty(), "{:?}", snap.analysis.diagnostics);
}

#[test]
fn diagnostics_have_the_codes_and_messages_of_journey_check() {
    let (snap, id, text) = with_typo();
    let d = snap.analysis.diagnostics.iter().find(|d| d.primary.file == id).expect("a diagnostic");
    let lsp = journey_lsp::convert::diagnostic(&snap, d);
    assert_eq!(lsp.code, Some(tower_lsp_server::ls_types::NumberOrString::String("J0007".into())));
    assert!(lsp.message.starts_with(&d.message), "{}", lsp.message);
    assert!(lsp.message.contains("help: did you mean `send`?"), "{}", lsp.message);
    let sned = at(&text, "sned", 0, 0);
    assert_eq!(lsp.range.start, journey_lsp::convert::position(snap.file(id), sned, ColumnUnit::Utf16));
}

#[test]
fn secondary_labels_become_related_information() {
    let mut w = world();
    // A second trigger of the same name: the first declaration is a secondary label.
    let text = std::fs::read_to_string(schema()).unwrap()
        + "\ntrigger PurchaseCompleted {\n  source commerce\n  revenue: money\n}\n";
    w.open(schema(), 1, text);
    let (snap, id, _) = open(&mut w, &schema());
    let d = snap
        .analysis
        .diagnostics
        .iter()
        .find(|d| d.primary.file == id && !d.secondary.is_empty())
        .expect("a diagnostic with a secondary label");
    let lsp = journey_lsp::convert::diagnostic(&snap, d);
    let related = lsp.related_information.expect("related information");
    assert_eq!(related.len(), d.secondary.len());
    assert!(related[0].location.uri.as_str().ends_with("schema.journey"));
}

#[test]
fn an_edit_in_one_file_updates_the_diagnostics_of_the_others() {
    let mut w = world();
    let (snap, _, _) = open(&mut w, &recovery());
    assert!(snap.analysis.diagnostics.is_empty());
    let text = std::fs::read_to_string(schema()).unwrap().replace("trigger AbandonedCart", "trigger CartLeft");
    w.open(schema(), 1, text);
    let (snap, id, _) = open(&mut w, &recovery());
    assert!(
        snap.analysis.diagnostics.iter().any(|d| d.primary.file == id && d.is_error()),
        "recovery.journey now names an unknown trigger"
    );
    w.close(&schema());
    let (snap, _, _) = open(&mut w, &recovery());
    assert!(snap.analysis.diagnostics.is_empty(), "closing the buffer reads the file from disk again");
}

#[test]
fn hover_shows_declarations_with_their_docs_and_content_previews() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let (md, span) = features::hover(&snap, id, at(&text, "send Reminder", 0, 6)).unwrap();
    assert!(md.contains("email Reminder"), "{md}");
    assert!(md.contains("The first reminder."), "{md}");
    assert!(md.contains("subject: You left something, {{profile.first_name}}"), "{md}");
    assert_eq!(&text[span.range()], "Reminder");
    let (md, _) = features::hover(&snap, id, at(&text, "AbandonedCart", 0, 2)).unwrap();
    assert!(md.contains("trigger AbandonedCart") && md.contains("Someone left items in their cart."), "{md}");
    assert!(md.contains("`cart.total: money`"), "{md}");
}

#[test]
fn hover_shows_a_segments_rule() {
    let mut w = world();
    let text = std::fs::read_to_string(recovery()).unwrap()
        + "\n/// Loyal customers.\nsegment Gold {\n  where profile.loyalty.tier == \"gold\"\n}\n";
    w.open(recovery(), 1, text.clone());
    let (snap, id, _) = open(&mut w, &recovery());
    let (md, _) = features::hover(&snap, id, at(&text, "Gold", 0, 1)).unwrap();
    assert!(md.contains("members: `where profile.loyalty.tier == \"gold\"`"), "{md}");
    assert!(md.contains("Loyal customers."), "{md}");
}

#[test]
fn hover_shows_attribute_types_durations_keywords_and_journey_summaries() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let (md, _) = features::hover(&snap, id, at(&text, "profile.email", 0, 9)).unwrap();
    assert!(md.contains("profile.email: email"), "{md}");
    let (md, _) = features::hover(&snap, id, at(&text, "first_name", 0, 1)).unwrap();
    assert!(md.contains("profile.first_name: text") && md.contains("Given name, for greetings."), "{md}");
    let (md, _) = features::hover(&snap, id, at(&text, "cart.total", 0, 6)).unwrap();
    assert!(md.contains("cart.total: money") && md.contains("`AbandonedCart` events"), "{md}");
    let (md, _) = features::hover(&snap, id, at(&text, "1d", 0, 1)).unwrap();
    assert!(md.contains("1 day (86400 seconds)"), "{md}");
    let (md, _) = features::hover(&snap, id, at(&text, "wait 2h", 0, 1)).unwrap();
    assert!(md.contains("keyword") && md.contains("pause"), "{md}");
    let (md, _) = features::hover(&snap, id, at(&text, "Recovery", 0, 1)).unwrap();
    assert!(md.contains("Win back abandoned carts."), "{md}");
    assert!(
        md.contains("entry: on AbandonedCart · goal: purchase on PurchaseCompleted target 50% · 2 messages"),
        "{md}"
    );
}

#[test]
fn definition_goes_across_files() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let loc = features::definition(&snap, id, at(&text, "AbandonedCart", 0, 3)).unwrap();
    assert!(loc.uri.as_str().ends_with("schema.journey"));
    let schema_text = std::fs::read_to_string(schema()).unwrap();
    let line = schema_text.lines().position(|l| l.starts_with("trigger AbandonedCart")).unwrap() as u32;
    assert_eq!(loc.range, Range { start: Position::new(line, 8), end: Position::new(line, 21) });
    // an attribute inside a placeholder
    let loc = features::definition(&snap, id, at(&text, "first_name", 0, 0)).unwrap();
    assert!(loc.uri.as_str().ends_with("schema.journey"));
}

#[test]
fn references_list_the_declaration_and_every_use() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let refs = features::references(&snap, id, at(&text, "PurchaseCompleted", 0, 0), true);
    assert_eq!(refs.len(), 3, "{refs:?}"); // the declaration, `goal ... on`, `exit on`
    let refs = features::references(&snap, id, at(&text, "PurchaseCompleted", 0, 0), false);
    assert_eq!(refs.len(), 2);
}

#[test]
fn highlights_mark_the_declaration_and_the_uses_in_the_file() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let highlights = features::highlights(&snap, id, at(&text, "Reminder", 1, 0));
    let kinds: Vec<_> = highlights.iter().map(|h| h.kind.unwrap()).collect();
    use tower_lsp_server::ls_types::DocumentHighlightKind as K;
    assert_eq!(kinds, [K::WRITE, K::READ, K::READ]); // `email Reminder`, `send Reminder`, `opened Reminder`
    // a trigger declared in the other file: only its uses here
    assert_eq!(features::highlights(&snap, id, at(&text, "PurchaseCompleted", 0, 0)).len(), 2);
}

#[test]
fn rename_edits_every_file_and_refuses_invalid_or_taken_names() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let offset = at(&text, "AbandonedCart", 0, 0);
    let edit = features::rename(&snap, id, offset, "CartLeft").unwrap().unwrap();
    let changes = edit.changes.unwrap();
    assert_eq!(changes.len(), 2, "both files change");
    assert!(changes.values().flatten().all(|e| e.new_text == "CartLeft"));
    assert_eq!(changes.values().map(Vec::len).sum::<usize>(), 2);
    for bad in ["1cart", "cart-left", "and", ""] {
        let err = features::rename(&snap, id, offset, bad).unwrap_err();
        assert!(err.contains("not a valid name"), "{bad}: {err}");
    }
    let err = features::rename(&snap, id, offset, "Reminder").unwrap_err();
    assert!(err.contains("already the name"), "{err}");
    // attributes: the declaration in the schema and the use in the journey
    let edit = features::rename(&snap, id, at(&text, "cart.total", 0, 5), "amount").unwrap().unwrap();
    assert_eq!(edit.changes.unwrap().values().map(Vec::len).sum::<usize>(), 2);
    let err = features::rename(&snap, id, at(&text, "cart.total", 0, 5), "items").unwrap_err();
    assert!(err.contains("already an attribute"), "{err}");
}

#[test]
fn rename_of_a_trigger_attribute_edits_the_word_inside_trigger_placeholders() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let placeholder = at(&text, "{{trigger.cart.items}}", 0, 0);
    // hover and definition on the placeholder
    let (md, _) = features::hover(&snap, id, placeholder + 16).unwrap();
    assert!(md.contains("cart.items: int"), "{md}");
    assert!(features::definition(&snap, id, placeholder + 16).unwrap().uri.as_str().ends_with("schema.journey"));
    for (offset, new, expected) in [
        (placeholder + 16, "count", "{{trigger.cart.count}}"),
        (placeholder + 11, "basket", "{{trigger.basket.items}}"),
    ] {
        let edit = features::rename(&snap, id, offset, new).unwrap().unwrap();
        let changes = edit.changes.unwrap();
        let here: Vec<_> =
            changes.iter().filter(|(u, _)| u.as_str().ends_with("recovery.journey")).flat_map(|(_, e)| e).collect();
        let in_placeholder = here
            .iter()
            .find(|e| {
                let line = text.lines().nth(e.range.start.line as usize).unwrap();
                line.contains("{{trigger.")
            })
            .expect("an edit in the placeholder");
        let line = text.lines().nth(in_placeholder.range.start.line as usize).unwrap();
        let (a, b) = (in_placeholder.range.start.character as usize, in_placeholder.range.end.character as usize);
        let renamed = format!("{}{}{}", &line[..a], in_placeholder.new_text, &line[b..]);
        assert!(renamed.contains(expected), "{renamed}");
    }
    // `cart` is written in the schema, in `where cart.total` and in the placeholder
    let refs = features::references(&snap, id, placeholder + 11, true);
    assert_eq!(refs.len(), 3, "{refs:?}");
}

#[test]
fn document_symbols_outline_the_file() {
    let mut w = world();
    let (snap, id, _) = open(&mut w, &schema());
    let symbols = features::document_symbols(&snap, id);
    let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["profile", "AbandonedCart", "PurchaseCompleted"]);
    let cart = &symbols[1].children.as_ref().unwrap()[0];
    assert_eq!(cart.name, "cart");
    let nested: Vec<&str> = cart.children.as_ref().unwrap().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(nested, ["total", "items"]);
}

#[test]
fn workspace_symbols_search_every_project() {
    let mut w = World::new(vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")], ColumnUnit::Utf16);
    let roots = w.project_roots();
    assert_eq!(roots, vec![shop()]);
    let snap = w.snapshot(&roots[0]);
    let found = features::workspace_symbols(&snap, "rec");
    let names: Vec<&str> = found.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["Recovery"]);
}

#[test]
fn formatting_uses_the_formatter_and_leaves_broken_files_alone() {
    let mut w = world();
    let (snap, id, _) = open(&mut w, &recovery());
    assert!(features::formatting(&snap, id).unwrap().is_empty(), "already canonical");
    w.open(
        recovery(),
        1,
        std::fs::read_to_string(recovery())
            .unwrap()
            .replace("email Second {", "email Third {\n status ready subject \"a\" body \"b\"}\nemail Second {"),
    );
    let (snap, id, _) = open(&mut w, &recovery());
    let edits = features::formatting(&snap, id).unwrap();
    assert_eq!(edits.len(), 1);
    assert!(edits[0].new_text.contains("email Third {\n  status ready\n  subject \"a\"\n  body \"b\"\n}\n"));
    w.open(recovery(), 2, "journey J { sned X }".into());
    let (snap, id, _) = open(&mut w, &recovery());
    assert!(features::formatting(&snap, id).is_err());
}

#[test]
fn code_actions_apply_the_checkers_fixes() {
    let (snap, id, text) = with_typo();
    let sned = at(&text, "sned", 0, 1);
    let actions = features::code_actions(&snap, id, Span::new(sned, sned));
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].title, "replace `sned` with `send`");
    let edits: Vec<_> = actions[0].edit.as_ref().unwrap().changes.as_ref().unwrap().values().flatten().collect();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].new_text, "send");
    assert!(features::code_actions(&snap, id, Span::new(0, 1)).is_empty());
}

/// Completion at the end of `line`, inserted before the journey's `exit on` line.
fn complete(line: &str) -> Vec<String> {
    let items = complete_items(line);
    assert!(
        items.iter().all(|i| i.detail.is_some() && i.documentation.is_some()),
        "every item has a detail and documentation: {items:?}"
    );
    labels(&items)
}

fn complete_items(line: &str) -> Vec<tower_lsp_server::ls_types::CompletionItem> {
    let mut w = world();
    let original = std::fs::read_to_string(recovery()).unwrap();
    let text = original.replacen("  exit on PurchaseCompleted", &format!("{line}\n  exit on PurchaseCompleted"), 1);
    w.open(recovery(), 1, text.clone());
    let (snap, id, _) = open(&mut w, &recovery());
    features::completion(&snap, id, at(&text, &format!("{line}\n  exit on"), 0, line.len()))
}

#[test]
fn completion_after_send_offers_messages_only() {
    assert_eq!(complete("  send "), ["Reminder", "Second"]);
    assert_eq!(complete("  send Rem"), ["Reminder", "Second"]);
    assert_eq!(complete("  if not opened "), ["Reminder", "Second"]);
}

#[test]
fn completion_after_on_offers_triggers() {
    assert_eq!(complete("  exit on "), ["AbandonedCart", "PurchaseCompleted"]);
    assert_eq!(complete("  goal purchase on "), ["AbandonedCart", "PurchaseCompleted"]);
}

#[test]
fn completion_after_a_dot_offers_the_attributes_of_the_right_record() {
    assert_eq!(complete("  send Reminder to profile."), ["email", "first_name", "loyalty"]);
    assert_eq!(complete("  if profile.loyalty."), ["points", "tier"]);
    assert_eq!(complete("  exit on AbandonedCart where cart."), ["items", "total"]);
    assert_eq!(complete("  if trigger.cart."), ["items", "total"]);
    let where_items = complete("  exit on AbandonedCart where ");
    assert!(where_items.contains(&"cart".to_owned()) && where_items.contains(&"profile".to_owned()), "{where_items:?}");
}

#[test]
fn completion_reads_settings_and_conditions_over_several_lines() {
    assert_eq!(complete("  goal purchase\n    on "), ["AbandonedCart", "PurchaseCompleted"]);
    assert_eq!(complete("  exit on AbandonedCart\n    where cart."), ["items", "total"]);
    let and = complete("  exit on AbandonedCart where cart.total > 1\n    and ");
    assert!(and.contains(&"cart".to_owned()) && and.contains(&"profile".to_owned()), "{and:?}");
    // a new step ends the condition
    let after = complete("  exit on AbandonedCart where cart.total > 1\n  send ");
    assert_eq!(after, ["Reminder", "Second"]);
    assert!(complete("  wait ").is_empty());
}

#[test]
fn completion_offers_keywords_where_a_keyword_fits() {
    let words = complete("  ");
    assert!(words.contains(&"send".to_owned()) && words.contains(&"wait".to_owned()), "{words:?}");
    assert!(!words.contains(&"journey".to_owned()));
    assert_eq!(complete("  reentry "), ["after", "always", "never"]);
    assert_eq!(complete("  goal "), ["custom", "engage", "loyalty", "notify", "onboard", "purchase"]);
    assert_eq!(complete("  goal purchase "), ["on"]);
    assert_eq!(complete("  goal notify "), ["clicked", "opened"]);
    // at the top level: the declarations
    let mut w = world();
    let text = std::fs::read_to_string(recovery()).unwrap() + "\n";
    w.open(recovery(), 1, text.clone());
    let (snap, id, _) = open(&mut w, &recovery());
    let items = features::completion(&snap, id, text.len());
    assert_eq!(labels(&items), ["email", "journey", "profile", "push", "segment", "sms", "trigger"]);
    assert!(items.iter().all(|i| i.detail.is_some() && i.documentation.is_some()));
}

#[test]
fn the_transactional_setting_is_completed_and_documented_on_hover() {
    let items = complete_items("  ");
    let item =
        items.iter().find(|i| i.label == "transactional").expect("`transactional` is offered among the settings");
    let doc = format!("{:?}", item.documentation);
    assert!(doc.contains("opted out"), "{doc}");
    let mut w = world();
    let text = std::fs::read_to_string(recovery()).unwrap().replacen(
        "  exit on PurchaseCompleted",
        "  transactional\n  exit on PurchaseCompleted",
        1,
    );
    w.open(recovery(), 1, text.clone());
    let (snap, id, _) = open(&mut w, &recovery());
    assert!(snap.analysis.diagnostics.is_empty(), "{:?}", snap.analysis.diagnostics);
    let (md, _) = features::hover(&snap, id, at(&text, "transactional", 0, 3)).unwrap();
    assert!(md.starts_with("**keyword** `transactional`") && md.contains("frequency caps"), "{md}");
}

#[test]
fn inlay_hints_show_the_time_since_entry_of_each_send() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let hints = features::inlay_hints(&snap, id, Span::new(0, text.len()));
    let labels: Vec<String> = hints
        .iter()
        .map(|h| match &h.label {
            tower_lsp_server::ls_types::InlayHintLabel::String(s) => s.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(labels, ["t+0s", "t+1d2h"]);
}

#[test]
fn code_lenses_summarise_each_journey() {
    let mut w = world();
    let (snap, id, _) = open(&mut w, &recovery());
    let lenses = features::code_lenses(&snap, id);
    assert_eq!(lenses.len(), 1);
    let title = &lenses[0].command.as_ref().unwrap().title;
    assert_eq!(
        title,
        "entry: on AbandonedCart · goal: purchase on PurchaseCompleted target 50% · 2 messages · longest path 1d2h"
    );
}

#[test]
fn folding_ranges_cover_declarations_and_blocks() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let ranges = features::folding_ranges(&snap, id);
    let line_of = |needle: &str| text[..at(&text, needle, 0, 0)].matches('\n').count() as u32;
    assert!(ranges.iter().any(|r| r.start_line == line_of("journey Recovery")));
    assert!(ranges.iter().any(|r| r.start_line == line_of("if not opened")));
    assert!(ranges.iter().any(|r| r.start_line == line_of("email Second")));
}

#[test]
fn semantic_tokens_classify_names_by_what_they_refer_to() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &recovery());
    let absolute = decode(&features::semantic_tokens(&snap, id, None));
    // the doc comment first: a comment with the documentation modifier
    assert_eq!(absolute[0], (0, 0, "/// The first reminder.".len() as u32, 3, 2));
    let legend = features::legend();
    let kind_at = |needle: &str| {
        let offset = at(&text, needle, 0, 0);
        let l = text[..offset].matches('\n').count() as u32;
        let c = (offset - text[..offset].rfind('\n').map_or(0, |i| i + 1)) as u32;
        let t = absolute.iter().find(|t| t.0 == l && t.1 == c).unwrap_or_else(|| panic!("no token at {needle}"));
        legend.token_types[t.3 as usize].as_str().to_owned()
    };
    assert_eq!(kind_at("AbandonedCart"), "event");
    assert_eq!(kind_at("Reminder to"), "variable");
    assert_eq!(kind_at("journey Recovery"), "keyword");
    assert_eq!(kind_at("Recovery"), "function");
    assert_eq!(kind_at("1d"), "number");
    assert_eq!(kind_at("\"Still there?\""), "string");
    assert_eq!(kind_at("subject"), "keyword");

    // `email: email`: a property, then a type; a block comment is cut at each line
    let (snap, id, text) = open(&mut w, &schema());
    let tokens = decode(&features::semantic_tokens(&snap, id, None));
    let line = text.lines().position(|l| l == "  email: email").unwrap() as u32;
    let on_line: Vec<_> = tokens.iter().filter(|t| t.0 == line).map(|t| (t.1, t.2, t.3)).collect();
    assert_eq!(on_line, [(2, 5, 9), (9, 5, 10)]); // property, type
    let (md, _) = features::hover(&snap, id, at(&text, "email: email", 0, 8)).unwrap();
    assert!(md.starts_with("**type** `email`"), "{md}");
    w.open(schema(), 1, format!("/* one\n two */\n{text}"));
    let (snap, id, _) = open(&mut w, &schema());
    let tokens = decode(&features::semantic_tokens(&snap, id, None));
    assert_eq!(tokens[0], (0, 0, 6, 3, 0));
    assert_eq!(tokens[1], (1, 0, 7, 3, 0));
    // a range: the same tokens, still counted from the start of the file
    let text = snap.file(id).text();
    let from = at(text, "trigger AbandonedCart", 0, 0);
    let to = at(text, "trigger PurchaseCompleted", 0, 0);
    let ranged = decode(&features::semantic_tokens(&snap, id, Some(Span::new(from, to))));
    let expected: Vec<_> =
        tokens.iter().copied().filter(|t| t.0 >= ranged[0].0 && t.0 <= ranged[ranged.len() - 1].0).collect();
    assert_eq!(ranged, expected);
    let first_line = text[..from].matches('\n').count() as u32;
    assert_eq!(ranged[0].0, first_line);
}

/// Semantic tokens as (line, column, length, type, modifiers).
fn decode(tokens: &[tower_lsp_server::ls_types::SemanticToken]) -> Vec<(u32, u32, u32, u32, u32)> {
    let (mut line, mut col) = (0u32, 0u32);
    let mut absolute = Vec::new();
    for t in tokens {
        if t.delta_line > 0 {
            line += t.delta_line;
            col = t.delta_start;
        } else {
            col += t.delta_start;
        }
        absolute.push((line, col, t.length, t.token_type, t.token_modifiers_bitset));
    }
    absolute
}

#[test]
fn project_roots_follow_the_documented_rule() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let w = World::new(vec![examples.clone()], ColumnUnit::Utf16);
    assert_eq!(w.project_root(&examples.join("abandoned-cart/journey.journey")), examples.join("abandoned-cart"));
    let w = World::new(vec![examples.join("abandoned-cart")], ColumnUnit::Utf16);
    assert_eq!(w.project_root(&examples.join("abandoned-cart/journey.journey")), examples.join("abandoned-cart"));
    let w = world();
    assert_eq!(w.project_root(&recovery()), shop());
    // outside every workspace folder: the file's own folder
    let w = World::new(Vec::new(), ColumnUnit::Utf16);
    assert_eq!(w.project_root(&recovery()), shop());
}

fn change(range: Option<((u32, u32), (u32, u32))>, text: &str) -> TextDocumentContentChangeEvent {
    TextDocumentContentChangeEvent {
        range: range.map(|(a, b)| Range { start: Position::new(a.0, a.1), end: Position::new(b.0, b.1) }),
        range_length: None,
        text: text.to_owned(),
    }
}

#[test]
fn edits_apply_in_order_and_stale_versions_are_ignored() {
    let mut w = world();
    let path = shop().join("scratch.journey");
    w.open(path.clone(), 1, "abc\n".into());
    assert_eq!(w.change(&path, 2, vec![change(Some(((0, 0), (0, 0))), "X")]), Applied::Yes);
    // several changes of one version apply in order, each on the result of the last
    let two = vec![change(Some(((0, 1), (0, 2))), "Y"), change(Some(((0, 0), (0, 1))), "")];
    assert_eq!(w.change(&path, 3, two), Applied::Yes);
    assert_eq!(w.doc(&path).unwrap().text, "Ybc\n");
    // versions may jump (Neovim sends its changedtick)
    assert_eq!(w.change(&path, 17, vec![change(Some(((0, 3), (0, 3))), "!")]), Applied::Yes);
    assert_eq!(w.doc(&path).unwrap().text, "Ybc!\n");
    assert_eq!(w.change(&path, 17, vec![change(None, "stale")]), Applied::Stale);
    assert_eq!(w.change(&path, 4, vec![change(None, "stale")]), Applied::Stale);
    assert_eq!(w.doc(&path).unwrap().version, 17);
    // a full-text change replaces everything
    assert_eq!(w.change(&path, 18, vec![change(None, "new\n")]), Applied::Yes);
    assert_eq!(w.doc(&path).unwrap().text, "new\n");
    // a buffer that is not open is not changed
    assert_eq!(w.change(&shop().join("closed.journey"), 2, vec![change(None, "x")]), Applied::Stale);
}

#[test]
fn positions_are_utf16_by_default_and_utf8_when_negotiated() {
    let text = "// caf\u{e9} \u{1F600} x\n";
    let mut w = World::new(vec![shop()], ColumnUnit::Utf16);
    let path = shop().join("scratch.journey");
    w.open(path.clone(), 1, text.into());
    // UTF-16: é is 1 unit, 😀 is 2: `x` is at column 11
    w.change(&path, 2, vec![change(Some(((0, 11), (0, 12))), "y")]);
    assert_eq!(w.doc(&path).unwrap().text, "// caf\u{e9} \u{1F600} y\n");
    let mut w = World::new(vec![shop()], ColumnUnit::Utf8);
    w.open(path.clone(), 1, text.into());
    // UTF-8: é is 2 bytes, 😀 is 4: `x` is at column 14
    w.change(&path, 2, vec![change(Some(((0, 14), (0, 15))), "y")]);
    assert_eq!(w.doc(&path).unwrap().text, "// caf\u{e9} \u{1F600} y\n");
    let snap = w.snapshot_of(&path);
    let id = snap.file_id(&path).unwrap();
    assert_eq!(journey_lsp::convert::position(snap.file(id), 14, ColumnUnit::Utf8), Position::new(0, 14));
    assert_eq!(journey_lsp::convert::position(snap.file(id), 14, ColumnUnit::Utf16), Position::new(0, 11));
}

/// Completion at the first `{{` placeholder of `needle` in the fixture, with `typed` typed after it.
fn complete_in_message(needle: &str, typed: &str, extra: &str) -> Vec<String> {
    let mut w = world();
    let original = std::fs::read_to_string(recovery()).unwrap() + extra;
    let text = original.replacen(needle, &format!("{needle}{typed}"), 1);
    w.open(recovery(), 1, text.clone());
    let (snap, id, _) = open(&mut w, &recovery());
    labels(&features::completion(&snap, id, at(&text, needle, 0, needle.len() + typed.len())))
}

#[test]
fn trigger_placeholders_complete_the_attributes_of_the_start_triggers_of_the_journeys_sending_the_message() {
    // `Second` is sent by `Recovery`, which starts on `AbandonedCart`
    assert_eq!(complete_in_message("Come back for your ", "{{trigger.", ""), ["cart"]);
    assert_eq!(complete_in_message("Come back for your ", "{{trigger.cart.", ""), ["items", "total"]);
    assert_eq!(complete_in_message("Come back for your ", "{{", ""), ["profile", "trigger"]);
    // also sent by a journey starting on `PurchaseCompleted`: no attribute is in both triggers
    let other = "\njourney Thanks {\n  start on PurchaseCompleted\n  send Second to profile.email\n}\n";
    assert!(complete_in_message("Come back for your ", "{{trigger.", other).is_empty());
    // a message no journey sends: nothing is known of its trigger
    let unsent = "\nemail Unsent {\n  subject \"Hello there \"\n}\n";
    assert!(complete_in_message("Hello there ", "{{trigger.", unsent).is_empty());
}

#[test]
fn nothing_is_completed_in_comments_or_in_strings_outside_placeholders() {
    assert!(complete("  // wait for the ").is_empty());
    assert!(complete("  /* send ").is_empty());
    assert!(complete_in_message("Come back for your ", " ", "").is_empty());
    assert!(complete_in_message("Come back for ", "profile.", "").is_empty());
    // after a comment or a closed string, completion works again
    assert_eq!(complete("  /* a */ send "), ["Reminder", "Second"]);
    assert_eq!(
        complete_in_message("{{trigger.cart.items}} items\"", "\n  status ", ""),
        ["draft", "published", "ready"]
    );
}

#[test]
fn rename_refuses_the_revenue_of_a_commerce_trigger() {
    let mut w = world();
    let (snap, id, text) = open(&mut w, &schema());
    let revenue = at(&text, "revenue", 0, 1);
    let err = features::rename(&snap, id, revenue, "amount").unwrap_err();
    assert!(err.contains("`revenue` is required by commerce triggers"), "{err}");
    let symbol = features::symbol_at(&snap, id, revenue).unwrap().0;
    assert!(features::rename_refused(&snap.analysis.program, &symbol).is_some());
    // the revenue of a custom trigger may be renamed
    let custom = text.replace("source commerce", "source custom");
    w.open(schema(), 1, custom.clone());
    let (snap, id, _) = open(&mut w, &schema());
    assert!(features::rename(&snap, id, at(&custom, "revenue", 0, 1), "amount").unwrap().is_some());
}
