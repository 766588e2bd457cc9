//! End to end: the real `journey lsp` binary, spoken to over standard input and
//! output as an editor does (JSON-RPC with `Content-Length` framing), on the
//! abandoned-cart example opened as a workspace folder.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Long enough for a debug build on a loaded machine; a hung server fails the test.
const TIMEOUT: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    pending: Vec<Value>,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_journey"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("journey lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if stdout.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice::<Value>(&body).expect("JSON")).is_err() {
                    return;
                }
            }
        });
        Server { child, stdin, messages, next_id: 0, pending: Vec::new() }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The first message (received now or earlier) that `wanted` accepts.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self.messages.recv_timeout(left).unwrap_or_else(|_| panic!("no {what} in {TIMEOUT:?}"));
            if wanted(&message) {
                return message;
            }
            self.pending.push(message);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait_for(method, |m| m["id"] == id && m.get("method").is_none());
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }
}

impl Server {
    /// Waits for the process to exit (after `exit`) and checks its status is 0.
    fn exits_cleanly(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "journey lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{status}");
    }
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/abandoned-cart").canonicalize().unwrap()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn journey_lsp_speaks_the_protocol_over_stdio() {
    let mut server = Server::start();
    let started = Instant::now();
    let init = server.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&example()), "capabilities": {},
               "workspaceFolders": [{"uri": uri(&example()), "name": "abandoned-cart"}]}),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["serverInfo"]["name"], "journey");
    server.notify("initialized", json!({}));

    // open the journey with a typo: its diagnostics come with the code of `journey check`
    let file = example().join("journey.journey");
    let doc = uri(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = text.replace("  wait 1d", "  wiat 1d");
    let item = json!({"uri": doc, "languageId": "journey", "version": 1, "text": broken});
    server.notify("textDocument/didOpen", json!({ "textDocument": item }));
    let is_diagnostics = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == doc;
    let published = server.wait_for("diagnostics", is_diagnostics);
    eprintln!("first diagnostics {:?} after start", started.elapsed());
    let diagnostics = published["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "J0007");
    let line = broken.lines().position(|l| l.trim_start().starts_with("wiat")).unwrap();
    assert_eq!(diagnostics[0]["range"]["start"], json!({"line": line, "character": 4}));

    // fix it: the diagnostics clear
    let fix = json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": text}]});
    let edited = Instant::now();
    server.notify("textDocument/didChange", fix);
    let published = server.wait_for("diagnostics after the edit", is_diagnostics);
    eprintln!("diagnostics {:?} after the edit", edited.elapsed());
    assert_eq!(published["params"]["diagnostics"], json!([]));
    assert_eq!(published["params"]["version"], 2);

    // hover on a message sent: its subject
    let send = text.lines().position(|l| l.contains("send InitialReminder")).unwrap();
    let at = json!({"textDocument": {"uri": doc}, "position": {"line": send, "character": 10}});
    let hover = server.request("textDocument/hover", at.clone());
    let hover = hover["contents"]["value"].as_str().unwrap();
    assert!(hover.contains("email InitialReminder") && hover.contains("subject:"), "{hover}");

    // go to its definition, in another file
    let definition = server.request("textDocument/definition", at);
    assert_eq!(definition["uri"], uri(&example().join("content.journey")));

    // formatting: the example is canonical, so no edit
    let formatting = server.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": doc}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(formatting, json!([]));

    // shutdown, then exit: status 0
    assert_eq!(server.request("shutdown", Value::Null), Value::Null);
    server.notify("exit", Value::Null);
    server.exits_cleanly();
}

#[test]
fn journey_lsp_answers_undecodable_bytes_and_keeps_serving() {
    let mut server = Server::start();
    server.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&example()), "capabilities": {},
               "workspaceFolders": [{"uri": uri(&example()), "name": "abandoned-cart"}]}),
    );
    server.notify("initialized", json!({}));
    let raw: [(&[u8], i64); 4] = [
        (b"Content-Length: 9\r\n\r\n{not json", -32700),
        (b"Content-Length: 2\r\n\r\n[]", -32600),
        (b"Content-Length: 4\r\n\r\n\"\xff\xfe\"", -32700),
        (b"Content-Length: nine\r\n\r\n{not json", -32700),
    ];
    for (bytes, code) in raw {
        server.stdin.write_all(bytes).unwrap();
        server.stdin.flush().unwrap();
        let answer = server.wait_for("the error answer", |m| m.get("error").is_some() && m["id"].is_null());
        assert_eq!(answer["error"]["code"], code, "{answer}");
        // still serving
        let symbols = server.request("workspace/symbol", json!({"query": "Cart"}));
        assert!(!symbols.as_array().unwrap().is_empty(), "{symbols}");
    }
    assert_eq!(server.request("shutdown", Value::Null), Value::Null);
    server.notify("exit", Value::Null);
    server.exits_cleanly();
}
