//! A small LSP client for tests and benchmarks: the server of
//! [`journey_lsp::serve`] on an in-memory pipe, driven by JSON-RPC messages as
//! an editor sends them.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};
use tokio::task::JoinHandle;

pub struct Editor {
    reader: BufReader<ReadHalf<DuplexStream>>,
    writer: WriteHalf<DuplexStream>,
    next_id: i64,
    /// Notifications received while waiting for a response.
    pub notifications: Vec<Value>,
    /// Requests from the server (each answered with a `null` result).
    pub requests: Vec<Value>,
    pub server: JoinHandle<bool>,
}

impl Editor {
    pub fn start() -> Editor {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server);
        let server = tokio::spawn(journey_lsp::serve(server_read, server_write));
        let (reader, writer) = tokio::io::split(client);
        Editor {
            reader: BufReader::new(reader),
            writer,
            next_id: 0,
            notifications: Vec::new(),
            requests: Vec::new(),
            server,
        }
    }

    pub async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(frame.as_bytes()).await.unwrap();
    }

    /// Writes `bytes` as they are: a malformed frame, or several frames at once.
    #[allow(dead_code)] // used by the protocol tests, not by the benchmark
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// The next message from the server that is not a request to the client.
    pub async fn receive(&mut self) -> Value {
        loop {
            let message = self.read().await;
            if message.get("id").is_some() && message.get("method").is_some() {
                let answer = json!({"jsonrpc": "2.0", "id": message["id"].clone(), "result": null});
                self.send(answer).await;
                self.requests.push(message);
                continue;
            }
            return message;
        }
    }

    async fn read(&mut self) -> Value {
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

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params})).await;
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
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
    pub async fn diagnostics(&mut self, uri: &str) -> Value {
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

    pub async fn initialize(&mut self, root: &str, encodings: Value) -> Value {
        self.initialize_with(root, json!({"general": {"positionEncodings": encodings}})).await
    }

    /// `initialize` with the given client capabilities, then `initialized`.
    pub async fn initialize_with(&mut self, root: &str, capabilities: Value) -> Value {
        let params = json!({
            "processId": null,
            "rootUri": null,
            "capabilities": capabilities,
            "workspaceFolders": [{"uri": root, "name": "workspace"}],
        });
        let response = self.request("initialize", params).await;
        self.notify("initialized", json!({})).await;
        response
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        let item = json!({"uri": uri, "languageId": "journey", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({ "textDocument": item })).await;
    }

    /// `textDocument/hover` at `line`, `character` of `uri`: the whole response.
    pub async fn hover(&mut self, uri: &str, line: usize, character: usize) -> Value {
        let position = json!({"line": line, "character": character});
        self.request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": position})).await
    }

    /// `shutdown` then `exit`: what [`journey_lsp::serve`] returned.
    pub async fn stop(mut self) -> bool {
        let response = self.request("shutdown", Value::Null).await;
        assert_eq!(response["result"], Value::Null);
        self.notify("exit", Value::Null).await;
        self.server.await.unwrap()
    }
}

fn is_diagnostics_for(message: &Value, uri: &str) -> bool {
    message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri
}
