//! In-process tests of the protocol: the server of [`journey_lsp::serve`] on an
//! in-memory pipe, driven by JSON-RPC messages as an editor sends them.

use std::path::Path;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};
use tokio::task::JoinHandle;

struct Editor {
    reader: BufReader<ReadHalf<DuplexStream>>,
    writer: WriteHalf<DuplexStream>,
    next_id: i64,
    /// Notifications received while waiting for a response.
    notifications: Vec<Value>,
    server: JoinHandle<bool>,
}

impl Editor {
    fn start() -> Editor {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server);
        let server = tokio::spawn(journey_lsp::serve(server_read, server_write));
        let (reader, writer) = tokio::io::split(client);
        Editor { reader: BufReader::new(reader), writer, next_id: 0, notifications: Vec::new(), server }
    }

    async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(frame.as_bytes()).await.unwrap();
    }

    async fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params})).await;
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        loop {
            let message = self.receive().await;
            if message["id"] == id {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// The next diagnostics published for `uri`.
    async fn diagnostics(&mut self, uri: &str) -> Value {
        if let Some(i) = self.notifications.iter().position(|n| is_diagnostics_for(n, uri)) {
            return self.notifications.remove(i)["params"].clone();
        }
        loop {
            let message = self.receive().await;
            if is_diagnostics_for(&message, uri) {
                return message["params"].clone();
            }
            self.notifications.push(message);
        }
    }

    async fn initialize(&mut self, encodings: Value) -> Value {
        let root = uri_of(&shop());
        let params = json!({
            "processId": null,
            "rootUri": null,
            "capabilities": {"general": {"positionEncodings": encodings}},
            "workspaceFolders": [{"uri": root, "name": "shop"}],
        });
        let response = self.request("initialize", params).await;
        self.notify("initialized", json!({})).await;
        response
    }

    async fn open(&mut self, uri: &str, text: &str) {
        let item = json!({"uri": uri, "languageId": "journey", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({ "textDocument": item })).await;
    }

    /// `shutdown` then `exit`: what [`journey_lsp::serve`] returned.
    async fn stop(mut self) -> bool {
        let response = self.request("shutdown", Value::Null).await;
        assert_eq!(response["result"], Value::Null);
        self.notify("exit", Value::Null).await;
        self.server.await.unwrap()
    }
}

fn is_diagnostics_for(message: &Value, uri: &str) -> bool {
    message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri
}

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
    let init = editor.initialize(json!(["utf-16"])).await;
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
    let init = editor.initialize(json!(["utf-8", "utf-16"])).await;
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
    editor.initialize(json!(null)).await;
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
    editor.initialize(json!(null)).await;
    editor.notify("exit", Value::Null).await;
    assert!(!editor.server.await.unwrap());
}
