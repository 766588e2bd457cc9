//! Latency of the language server, measured as an editor sees it: JSON-RPC
//! over an in-memory pipe, on a generated project of one 18,000-line file.
//!
//! - **diagnostics after an edit**: from sending an incremental `didChange` to
//!   receiving its `publishDiagnostics` (the whole project re-checked);
//! - the same, for edits that make a syntax error and mend it (the parser's
//!   recovery pass runs);
//! - **completion**: a `textDocument/completion` request after `send `, answered
//!   with the project's 600 messages.
//!
//! `cargo bench -p journey-lsp --bench latency`; figures in BENCHMARKS.md.

#[path = "../tests/editor/mod.rs"]
mod editor;

use std::time::{Duration, Instant};

use editor::Editor;
use serde_json::json;

/// A project without a warning: `units` journeys, each with its own start and
/// goal triggers and its email, 30 lines a unit.
fn generate(units: usize) -> String {
    let mut out = String::from("profile {\n  email: email\n  first_name: text\n}\n\n");
    for i in 0..units {
        out.push_str(&format!(
            "trigger Purchase{i} {{\n  source commerce\n  status published\n  revenue: money\n}}\n\n\
             trigger Cart{i} {{\n  source custom\n  status published\n  cart: {{ total: money, items: int }}\n}}\n\n\
             email Reminder{i} {{\n  status ready\n  subject \"Your cart, {{{{profile.first_name}}}}\"\n  body \"It is waiting\"\n}}\n\n\
             journey Recovery{i} {{\n  start on Cart{i} where cart.total > 50\n  goal purchase on Purchase{i} target 50%\n  exit on Purchase{i}\n\n  send Reminder{i} to profile.email\n  if not opened Reminder{i} within 1d {{\n    wait 2h\n    send Reminder{i} to profile.email\n  }}\n}}\n\n"
        ));
    }
    out
}

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    let max = *times.last().unwrap();
    println!(
        "{name}: median {:.2} ms, p90 {:.2} ms, max {:.2} ms ({} runs)",
        ms(median),
        ms(p90),
        ms(max),
        times.len()
    );
}

async fn run() {
    let dir = std::env::temp_dir().join(format!("journey-lsp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.journey");
    let text = generate(600);
    std::fs::write(&path, &text).unwrap();
    let lines = text.lines().count();
    let root = tower_lsp_server::ls_types::Uri::from_file_path(&dir).unwrap().as_str().to_owned();
    let uri = tower_lsp_server::ls_types::Uri::from_file_path(&path).unwrap().as_str().to_owned();

    let mut editor = Editor::start();
    editor.initialize(&root, json!(null)).await;
    let started = Instant::now();
    editor.open(&uri, &text).await;
    let first = editor.diagnostics(&uri).await;
    println!(
        "{lines} lines, {} bytes; first check on open: {:.1} ms, {} diagnostics",
        text.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        first["diagnostics"].as_array().unwrap().len()
    );

    // Edits in the middle of the file: type a space before a `send`, then delete it.
    let line = text.lines().enumerate().filter(|(_, l)| l.starts_with("  send Reminder")).nth(300).unwrap().0;
    let mut edits = Vec::new();
    for version in 2..=61 {
        let (range, new) = if version % 2 == 0 {
            (json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}), " ")
        } else {
            (json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}), "")
        };
        let change = json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": range, "text": new}]});
        let t = Instant::now();
        editor.notify("textDocument/didChange", change).await;
        let published = editor.diagnostics(&uri).await;
        edits.push(t.elapsed());
        assert_eq!(published["version"], version);
    }
    summary("diagnostics after an edit", edits);

    // Edits that break the file (`send` -> `sned`, a syntax error) and mend it.
    let mut broken = Vec::new();
    for version in 62..=121 {
        let new = if version % 2 == 0 { "sned" } else { "send" };
        let range = json!({"start": {"line": line, "character": 2}, "end": {"line": line, "character": 6}});
        let change = json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": range, "text": new}]});
        let t = Instant::now();
        editor.notify("textDocument/didChange", change).await;
        let published = editor.diagnostics(&uri).await;
        broken.push(t.elapsed());
        let errors = published["diagnostics"].as_array().unwrap().len();
        assert_eq!(errors, usize::from(version % 2 == 0), "{published}");
    }
    summary("diagnostics after an edit making or mending a syntax error", broken);

    let position = json!({"line": line, "character": 7});
    let mut completions = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let response = editor
            .request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": position}))
            .await;
        completions.push(t.elapsed());
        assert_eq!(response["result"].as_array().unwrap().len(), 600);
    }
    summary("completion after `send `", completions);

    let mut hovers = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        editor.hover(&uri, line, 9).await;
        hovers.push(t.elapsed());
    }
    summary("hover", hovers);
    assert!(editor.stop().await);
    std::fs::remove_dir_all(&dir).ok();
}

fn main() {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run());
}
