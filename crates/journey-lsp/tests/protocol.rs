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

/// A frame of `body` with its right `Content-Length`.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn undecodable_messages_are_answered_with_an_error_and_the_server_goes_on() {
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&shop()), json!(null)).await;
    let hover_request = |id: i64| {
        let position = json!({"line": 0, "character": 0});
        let params = json!({"textDocument": {"uri": uri_of(&shop().join("recovery.journey"))}, "position": position});
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": params}).to_string()
    };
    let cases: Vec<(&str, Vec<u8>, i64, Value)> = vec![
        ("invalid JSON", frame(b"{\"jsonrpc\": \"2.0\", \"id\": 1,"), -32700, Value::Null),
        ("a batch", frame(format!("[{}]", hover_request(2)).as_bytes()), -32600, Value::Null),
        ("no jsonrpc", frame(br#"{"id": 3, "method": "textDocument/hover", "params": {}}"#), -32600, json!(3)),
        ("not UTF-8", frame(b"{\"jsonrpc\": \"2.0\", \"method\": \"\xff\xfe\"}"), -32700, Value::Null),
        ("a bad Content-Length", b"Content-Length: twelve\r\n\r\n{}".to_vec(), -32700, Value::Null),
        ("no Content-Length", b"Content-Type: application/json\r\n\r\n{}".to_vec(), -32700, Value::Null),
        ("not an object", frame(b"42"), -32600, Value::Null),
    ];
    for (what, bytes, code, id) in cases {
        editor.send_raw(&bytes).await;
        let answer = editor.receive().await;
        assert_eq!(answer["error"]["code"], code, "{what}: {answer}");
        assert_eq!(answer["id"], id, "{what}: {answer}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty(), "{what}: {answer}");
        // and the next request is served
        let params = serde_json::from_str::<Value>(&hover_request(9)).unwrap()["params"].clone();
        let hover = editor.request("textDocument/hover", params).await;
        assert!(hover.get("error").is_none(), "{what}: then {hover}");
    }
    // garbage between two frames, then a Content-Length longer than its body: the next frame is found
    let mut bytes = b"garbage\r\n".to_vec();
    bytes.extend(frame(hover_request(20).as_bytes()));
    editor.send_raw(&bytes).await;
    let answer = editor.receive().await;
    assert_eq!(answer["error"]["code"], -32700, "{answer}");
    let answer = editor.receive().await;
    assert_eq!(answer["id"], 20, "{answer}");
    let mut bytes = b"Content-Length: 400\r\n\r\n{\"jsonrpc\": \"2.0\"".to_vec();
    bytes.extend(frame(hover_request(21).as_bytes()));
    let padding = frame(&vec![b' '; 400]);
    bytes.extend(&padding);
    editor.send_raw(&bytes).await;
    // the cut message and the padding (blank) are errors; the request inside is answered
    let mut answers = Vec::new();
    for _ in 0..3 {
        let answer = editor.receive().await;
        answers.push((answer["id"].to_string(), answer["error"]["code"].to_string()));
    }
    answers.sort();
    let expected = [("21", "null"), ("null", "-32700"), ("null", "-32700")].map(|(a, b)| (a.to_owned(), b.to_owned()));
    assert_eq!(answers, expected);
    assert!(editor.stop().await, "shutdown came before exit");
}

/// A scratch project folder holding `files` (name, text).
fn scratch(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("journey-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn fixture(file: &str) -> String {
    std::fs::read_to_string(shop().join(file)).unwrap()
}

/// A file with an error of its own: `wiat` is no step.
const BROKEN: &str = "journey Broken {\n  start on AbandonedCart\n  wiat 1d\n}\n";

#[tokio::test]
async fn a_file_deleted_on_disk_has_its_diagnostics_cleared() {
    let dir = scratch(
        "deleted",
        &[
            ("schema.journey", &fixture("schema.journey")),
            ("recovery.journey", &fixture("recovery.journey")),
            ("broken.journey", BROKEN),
        ],
    );
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&dir), json!(null)).await;
    let recovery = uri_of(&dir.join("recovery.journey"));
    let broken = uri_of(&dir.join("broken.journey"));
    editor.open(&recovery, &fixture("recovery.journey")).await;
    assert_eq!(editor.diagnostics(&broken).await["diagnostics"][0]["code"], "J0007");
    std::fs::remove_file(dir.join("broken.journey")).unwrap();
    editor.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": broken, "type": 3}]})).await;
    assert_eq!(editor.diagnostics(&broken).await["diagnostics"], json!([]));
    assert!(editor.stop().await);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_renamed_file_has_its_diagnostics_cleared_under_its_old_name() {
    let dir = scratch("renamed", &[("schema.journey", &fixture("schema.journey")), ("broken.journey", BROKEN)]);
    let mut editor = Editor::start();
    let init = editor.initialize(&uri_of(&dir), json!(null)).await;
    let renames = &init["result"]["capabilities"]["workspace"]["fileOperations"]["didRename"];
    assert_eq!(renames["filters"][0]["pattern"]["glob"], "**/*.journey", "{init}");
    let old = uri_of(&dir.join("broken.journey"));
    let new = uri_of(&dir.join("moved.journey"));
    // the renamed file is not open: its diagnostics came with the schema's
    editor.open(&uri_of(&dir.join("schema.journey")), &fixture("schema.journey")).await;
    assert_eq!(editor.diagnostics(&old).await["diagnostics"][0]["code"], "J0007");
    std::fs::rename(dir.join("broken.journey"), dir.join("moved.journey")).unwrap();
    editor.notify("workspace/didRenameFiles", json!({"files": [{"oldUri": old, "newUri": new}]})).await;
    assert_eq!(editor.diagnostics(&old).await["diagnostics"], json!([]));
    assert_eq!(editor.diagnostics(&new).await["diagnostics"][0]["code"], "J0007");
    assert!(editor.stop().await);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn closing_a_buffer_deleted_from_disk_clears_it() {
    let dir = scratch("closed", &[("schema.journey", &fixture("schema.journey")), ("broken.journey", BROKEN)]);
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&dir), json!(null)).await;
    let broken = uri_of(&dir.join("broken.journey"));
    editor.open(&broken, BROKEN).await;
    assert_eq!(editor.diagnostics(&broken).await["diagnostics"][0]["code"], "J0007");
    std::fs::remove_file(dir.join("broken.journey")).unwrap();
    editor.notify("textDocument/didClose", json!({"textDocument": {"uri": broken}})).await;
    assert_eq!(editor.diagnostics(&broken).await["diagnostics"], json!([]));
    assert!(editor.stop().await);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn closing_an_unsaved_buffer_at_the_top_splits_the_folder_into_its_projects_again() {
    // two projects side by side, with the same names: merged, every declaration is a duplicate
    let (schema, recovery) = (fixture("schema.journey"), fixture("recovery.journey"));
    let dir = scratch(
        "split",
        &[
            ("a/schema.journey", &schema),
            ("a/recovery.journey", &recovery),
            ("b/schema.journey", &schema),
            ("b/recovery.journey", &recovery),
        ],
    );
    let mut editor = Editor::start();
    editor.initialize(&uri_of(&dir), json!(null)).await;
    let a = uri_of(&dir.join("a/recovery.journey"));
    editor.open(&a, &recovery).await;
    assert_eq!(editor.diagnostics(&a).await["diagnostics"], json!([]));
    // an unsaved buffer at the top merges the folder into one project
    let top = uri_of(&dir.join("untitled.journey"));
    editor.open(&top, "").await;
    let merged = loop {
        let published = editor.diagnostics(&a).await;
        if !published["diagnostics"].as_array().unwrap().is_empty() {
            break published;
        }
    };
    assert!(merged["diagnostics"].to_string().contains("share the goal trigger"), "{merged}");
    // closed (never saved): one project per subfolder again, and their diagnostics clear
    editor.notify("textDocument/didClose", json!({"textDocument": {"uri": top}})).await;
    for file in ["a/recovery.journey", "a/schema.journey", "b/recovery.journey", "b/schema.journey"] {
        let uri = uri_of(&dir.join(file));
        let published = loop {
            let published = editor.diagnostics(&uri).await;
            if published["diagnostics"] == json!([]) {
                break published;
            }
        };
        assert_eq!(published["diagnostics"], json!([]), "{file}");
    }
    let hover = editor.request("workspace/symbol", json!({"query": "Recovery"})).await;
    assert_eq!(hover["result"].as_array().unwrap().len(), 2, "one journey in each project: {hover}");
    assert!(editor.stop().await);
    std::fs::remove_dir_all(&dir).ok();
}
