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
    let hover = editor.hover(&uri, line, 16).await;
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

/// A copy of the fixture project in a fresh temporary folder.
fn scratch_copy(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["schema.journey", "recovery.journey"] {
        std::fs::copy(shop().join(file), dir.join(file)).unwrap();
    }
    dir
}

#[tokio::test]
async fn files_changed_on_disk_update_the_diagnostics_of_open_files() {
    let dir = scratch_copy("watch");
    let mut editor = Editor::start();
    let capabilities = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    editor.initialize_with(&uri_of(&dir), capabilities).await;
    let recovery = uri_of(&dir.join("recovery.journey"));
    editor.open(&recovery, &std::fs::read_to_string(dir.join("recovery.journey")).unwrap()).await;
    assert_eq!(editor.diagnostics(&recovery).await["diagnostics"], json!([]));
    assert_eq!(editor.requests[0]["method"], "client/registerCapability", "{:?}", editor.requests);
    assert_eq!(editor.requests[0]["params"]["registrations"][0]["method"], "workspace/didChangeWatchedFiles");

    // another tool renames the trigger in the unopened schema
    let schema = dir.join("schema.journey");
    let renamed = std::fs::read_to_string(&schema).unwrap().replace("trigger AbandonedCart", "trigger CartLeft");
    std::fs::write(&schema, renamed).unwrap();
    let change = json!({"changes": [{"uri": uri_of(&schema), "type": 2}]});
    editor.notify("workspace/didChangeWatchedFiles", change).await;
    let published = editor.diagnostics(&recovery).await;
    assert!(!published["diagnostics"].as_array().unwrap().is_empty(), "{published}");
    assert!(editor.stop().await);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn workspace_folders_added_later_are_searched() {
    let empty = std::env::temp_dir().join(format!("journey-lsp-{}-empty", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let mut editor = Editor::start();
    let init = editor.initialize(&uri_of(&empty), json!(null)).await;
    assert_eq!(init["result"]["capabilities"]["workspace"]["workspaceFolders"]["changeNotifications"], true);
    let found = editor.request("workspace/symbol", json!({"query": "Recovery"})).await;
    assert_eq!(found["result"], json!([]));
    let added = json!({"event": {"added": [{"uri": uri_of(&shop()), "name": "shop"}], "removed": []}});
    editor.notify("workspace/didChangeWorkspaceFolders", added).await;
    let found = editor.request("workspace/symbol", json!({"query": "Recovery"})).await;
    assert_eq!(found["result"][0]["name"], "Recovery", "{found}");
    assert_eq!(found["result"][0]["containerName"], "shop");
    assert!(editor.stop().await);
    std::fs::remove_dir_all(&empty).ok();
}

#[tokio::test]
async fn other_files_are_published_again_only_when_their_diagnostics_change() {
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&shop()), json!(null)).await;
    let (uri, text) = recovery();
    let schema = uri_of(&shop().join("schema.journey"));
    editor.open(&uri, &text).await;
    editor.diagnostics(&uri).await;
    assert_eq!(editor.diagnostics(&schema).await["diagnostics"], json!([]));
    let mut version = 1;
    let mut change = async |editor: &mut Editor, text: &str| {
        version += 1;
        let change = json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]});
        editor.notify("textDocument/didChange", change).await;
        assert_eq!(editor.diagnostics(&uri).await["version"], version);
    };
    // `PurchaseCompleted` no longer used: the schema gets a warning
    let unused = text.replace("goal purchase on PurchaseCompleted target 50%\n  exit on PurchaseCompleted\n", "");
    change(&mut editor, &unused).await;
    let warned = editor.diagnostics(&schema).await;
    assert_eq!(warned["diagnostics"][0]["severity"], 2, "{warned}");
    change(&mut editor, &text).await;
    assert_eq!(editor.diagnostics(&schema).await["diagnostics"], json!([]));
    // edits that change nothing for the schema do not publish it
    change(&mut editor, &format!("{text}\n")).await;
    change(&mut editor, &text).await;
    let schema_again = editor.notifications.iter().any(|n| n["params"]["uri"] == schema.as_str());
    assert!(!schema_again, "{:?}", editor.notifications);
    assert!(editor.stop().await);
}

#[tokio::test]
async fn keystrokes_sent_without_waiting_apply_in_order() {
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&shop()), json!(null)).await;
    let (uri, text) = recovery();
    editor.open(&uri, &text).await;
    editor.diagnostics(&uri).await;
    // type a new step, one character a notification, before the first `send`
    let line = text.lines().position(|l| l.starts_with("  send Reminder")).unwrap();
    let typed = "  wait 1d\n";
    for (k, c) in typed.chars().enumerate() {
        let at = json!({"line": line, "character": k});
        let change = json!({
            "textDocument": {"uri": uri, "version": k + 2},
            "contentChanges": [{"range": {"start": at, "end": at}, "text": c.to_string()}],
        });
        editor.notify("textDocument/didChange", change).await;
    }
    let last = typed.len() + 1;
    let published = loop {
        let published = editor.diagnostics(&uri).await;
        if published["version"] == last {
            break published;
        }
    };
    assert_eq!(published["diagnostics"], json!([]));
    let hover = editor.hover(&uri, line, 3).await;
    assert!(hover["result"]["contents"]["value"].as_str().unwrap().contains("`wait DURATION`"), "{hover}");
    assert!(editor.stop().await);
}
