//! In-process tests of the protocol: the server of [`journey_lsp::serve`] on an
//! in-memory pipe, driven by JSON-RPC messages as an editor sends them.

use std::path::Path;

mod editor;

use editor::Editor;
use serde_json::{Value, json};

fn shop() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop")
}

fn uri_of(path: &Path) -> String {
    tower_lsp_server::ls_types::Uri::from_file_path(path).unwrap().as_str().to_owned()
}

fn recovery() -> (String, String) {
    let path = shop().join("recovery.journey");
    (uri_of(&path), std::fs::read_to_string(path).unwrap())
}

#[tokio::test]
async fn diagnostics_follow_incremental_edits_and_shutdown_exits_cleanly() {
    let mut editor = Editor::start();
    let init = editor.initialize(&uri_of(&shop()), json!(["utf-16"])).await;
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    let (uri, text) = recovery();
    let broken = text.replace("  send Reminder", "  sned Reminder");
    editor.open(&uri, &broken).await;
    let published = editor.diagnostics(&uri).await;
    assert_eq!(published["version"], 1);
    assert_eq!(published["diagnostics"][0]["code"], "J0007");
    assert_eq!(published["diagnostics"][0]["source"], "journey");
    // the other file of the project is published too
    let schema = uri_of(&shop().join("schema.journey"));
    assert_eq!(editor.diagnostics(&schema).await["diagnostics"], json!([]));

    // fix the typo with an incremental edit
    let line = broken.lines().position(|l| l.starts_with("  sned")).unwrap();
    let range = json!({"start": {"line": line, "character": 2}, "end": {"line": line, "character": 6}});
    let change =
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": range, "text": "send"}]});
    editor.notify("textDocument/didChange", change).await;
    let published = editor.diagnostics(&uri).await;
    assert_eq!(published["version"], 2);
    assert_eq!(published["diagnostics"], json!([]));

    // a full-text change
    let change = json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": broken}]});
    editor.notify("textDocument/didChange", change).await;
    assert_eq!(editor.diagnostics(&uri).await["diagnostics"][0]["code"], "J0007");
    assert!(editor.stop().await, "shutdown came before exit");
}

#[tokio::test]
async fn utf8_is_used_when_the_client_offers_it() {
    let mut editor = Editor::start();
    let init = editor.initialize(&uri_of(&shop()), json!(["utf-8", "utf-16"])).await;
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    let (uri, text) = recovery();
    // `é` is two bytes: with UTF-8 columns the name starts two columns later
    let text = text.replace("/// The first reminder.\nemail", "/// The first reminder.\n/* é */ email");
    editor.open(&uri, &text).await;
    editor.diagnostics(&uri).await;
    let line = text.lines().position(|l| l.starts_with("/* é */")).unwrap();
    let hover = editor
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 16}}),
        )
        .await;
    assert!(hover["result"]["contents"]["value"].as_str().unwrap().contains("email Reminder"), "{hover}");
    assert_eq!(hover["result"]["range"]["start"]["character"], 15);
    assert!(editor.stop().await);
}

#[tokio::test]
async fn a_failing_request_answers_an_error_and_the_server_goes_on() {
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&shop()), json!(null)).await;
    let response = editor
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": "untitled:Untitled-1"}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    assert!(response["error"]["message"].as_str().unwrap().contains("not a file URI"), "{response}");
    let (uri, text) = recovery();
    editor.open(&uri, &text).await;
    let position = json!({"line": text.lines().position(|l| l.contains("send Reminder")).unwrap(), "character": 8});
    let definition =
        editor.request("textDocument/definition", json!({"textDocument": {"uri": uri}, "position": position})).await;
    assert_eq!(definition["result"]["uri"], uri);
    let rename = editor
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": position, "newName": "not a name"}),
        )
        .await;
    assert!(rename["error"]["message"].as_str().unwrap().contains("not a valid name"), "{rename}");
    assert!(editor.stop().await);
}

#[tokio::test]
async fn exit_without_shutdown_is_not_clean() {
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&shop()), json!(null)).await;
    editor.notify("exit", Value::Null).await;
    assert!(!editor.server.await.unwrap());
}
