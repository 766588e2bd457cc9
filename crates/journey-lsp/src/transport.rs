//! The transport: JSON-RPC messages framed by `Content-Length` headers, read
//! from one byte stream and written to another, between the editor and the
//! service of `tower-lsp-server` ([`LspService`]).
//!
//! The transport of `tower-lsp-server` stops reading after the first message it
//! cannot decode, and the server then exits without a word. This one answers
//! every such message and goes on:
//!
//! | what arrives | answer |
//! |---|---|
//! | a body that is not UTF-8, or not JSON | `-32700` parse error, id `null` |
//! | a JSON value that is not one message: a batch (array), a number... | `-32600` invalid request, id `null` |
//! | an object that is neither a request nor a response (`"jsonrpc": "2.0"` missing...) | `-32600`, with the message's id when it has a readable one, else `null` |
//! | a header block without a `Content-Length` number, or bytes that are not a header | `-32700`, id `null`, then the bytes up to the next `Content-Length:` are skipped |
//!
//! A `Content-Length` longer than its message swallows the next message: when
//! the body does not decode and holds a `Content-Length:` header, reading starts
//! again there. Every message set aside is also logged (standard error for
//! `journey lsp`), with the reason.
//!
//! Messages that decode are handled as `tower-lsp-server` does: in the order
//! they arrive, up to four handlers polled at once, each started (first polled)
//! in arrival order, and nothing read after `exit`.

use futures::channel::mpsc;
use futures::{FutureExt, SinkExt, StreamExt, future, join, stream, stream_select};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};
use tower_lsp_server::{ClientSocket, LanguageServer, LspService};

/// How many handlers run at once (as in `tower-lsp-server`).
const CONCURRENCY: usize = 4;
/// How many decoded messages may wait for a handler.
const QUEUE: usize = 100;
/// The header that starts every message.
const HEADER: &[u8] = b"Content-Length:";
/// A header line longer than this is not a header.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// One thing read from the input.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// The body of a message, as its `Content-Length` says.
    Body(Vec<u8>),
    /// Bytes that are not a message (why), answered with a parse error.
    Garbage(String),
    /// The input ended between two messages.
    End,
    /// The input ended inside a message (why).
    Cut(String),
}

/// Reads the frames of a byte stream, finding the next message after garbage.
pub struct Frames<R> {
    input: R,
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start.
    start: usize,
    eof: bool,
    /// The bytes up to the next `Content-Length:` belong to a message already
    /// answered as garbage: skip them without a second answer.
    resync: bool,
}

impl<R: AsyncRead + Unpin> Frames<R> {
    /// Frames read from `input`.
    pub fn new(input: R) -> Frames<R> {
        Frames { input, buf: Vec::new(), start: 0, eof: false, resync: false }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Drops the bytes read. Only between frames: offsets into `buf` are kept within one.
    fn compact(&mut self) {
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Reads more bytes; false at the end of the input (or on a read error).
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        self.buf.reserve(64 * 1024);
        match self.input.read_buf(&mut self.buf).await {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(_) => true,
        }
    }

    /// Skips to the next `Content-Length:`; false if the input ended first.
    async fn skip_to_header(&mut self) -> bool {
        loop {
            let unread = self.unread();
            if let Some(at) = find(unread, HEADER) {
                self.start += at;
                return true;
            }
            // keep a tail that may be the start of the header
            self.start += unread.len().saturating_sub(HEADER.len());
            self.compact();
            if !self.fill().await {
                self.start = self.buf.len();
                return false;
            }
        }
    }

    /// The next header line, without its line ending; `None` when the input ends
    /// first, `Some(Err(()))` when no line ending comes within [`MAX_HEADER_LINE`].
    async fn line(&mut self) -> Option<Result<Vec<u8>, ()>> {
        loop {
            if let Some(end) = self.unread().iter().position(|&b| b == b'\n') {
                let line = self.unread()[..end].strip_suffix(b"\r").unwrap_or(&self.unread()[..end]).to_vec();
                self.start += end + 1;
                return Some(Ok(line));
            }
            if self.unread().len() > MAX_HEADER_LINE {
                return Some(Err(()));
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// The next frame.
    pub async fn next(&mut self) -> Frame {
        self.compact();
        if std::mem::take(&mut self.resync) && !self.skip_to_header().await {
            return Frame::End;
        }
        let mut length: Option<Result<usize, String>> = None;
        let mut headers = false;
        let mut bad_line: Option<String> = None;
        loop {
            let line_start = self.start;
            let line = match self.line().await {
                None if headers => return Frame::Cut("the input ended inside the headers of a message".into()),
                None if self.start < self.buf.len() => {
                    self.start = self.buf.len();
                    return Frame::Garbage("bytes that are not a message at the end of the input".into());
                }
                None => return Frame::End,
                Some(Err(())) => {
                    self.start = line_start + 1;
                    self.resync = true;
                    return Frame::Garbage(format!("a header line longer than {MAX_HEADER_LINE} bytes"));
                }
                Some(Ok(line)) => line,
            };
            if line.is_empty() {
                if headers {
                    break;
                }
                continue; // a stray line ending between two messages
            }
            let header = header(&line);
            if !headers && header.is_none() {
                // skip past the first byte, so the search does not find this line again
                self.start = line_start + 1;
                self.resync = true;
                return Frame::Garbage(format!(
                    "bytes that are not a message header: `{}`",
                    excerpt(&String::from_utf8_lossy(&line))
                ));
            }
            headers = true;
            match header {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    length =
                        Some(value.trim().parse::<usize>().map_err(|_| {
                            format!("`Content-Length: {}` is not a number of bytes", excerpt(value.trim()))
                        }));
                }
                Some(_) => {} // Content-Type: the body is read as UTF-8 JSON whatever it says
                None => {
                    bad_line.get_or_insert_with(|| {
                        format!("`{}` is not a header", excerpt(&String::from_utf8_lossy(&line)))
                    });
                }
            }
        }
        let length = match (length, bad_line) {
            (Some(Ok(n)), None) => n,
            (Some(Err(why)), _) | (_, Some(why)) => {
                self.resync = true;
                return Frame::Garbage(format!("{why}; skipped to the next message"));
            }
            (None, None) => {
                self.resync = true;
                return Frame::Garbage(
                    "a message without a `Content-Length` header; skipped to the next message".into(),
                );
            }
        };
        while self.unread().len() < length {
            if !self.fill().await {
                let got = self.unread().len();
                self.start = self.buf.len();
                return Frame::Cut(format!("the input ended after {got} of the {length} bytes of a message"));
            }
        }
        let body = self.unread()[..length].to_vec();
        self.start += length;
        Frame::Body(body)
    }

    /// After a body that does not decode: if it holds a `Content-Length:` header
    /// (its own `Content-Length` was too long), reads again from there.
    pub fn reread_inside(&mut self, body: &[u8]) -> bool {
        let Some(at) = find(body, HEADER) else { return false };
        let mut buf = body[at..].to_vec();
        buf.extend_from_slice(self.unread());
        self.buf = buf;
        self.start = 0;
        true
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `Name: value`, if `line` is a header line.
fn header(line: &[u8]) -> Option<(&str, &str)> {
    let line = std::str::from_utf8(line).ok()?;
    let (name, value) = line.split_once(':')?;
    let token = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    token.then_some((name, value))
}

/// At most 60 characters of `text`, for a message.
fn excerpt(text: &str) -> String {
    if text.chars().count() > 60 { format!("{}…", text.chars().take(60).collect::<String>()) } else { text.into() }
}

/// A message that decodes.
#[derive(Debug)]
pub enum Incoming {
    /// A request or notification from the editor.
    Request(Request),
    /// The editor's response to a request of the server.
    Response(Response),
}

/// A message that does not decode: the error to answer, and to whom.
#[derive(Debug)]
pub struct Rejected {
    /// The id of the message when it has a readable one, else `null`.
    pub id: Id,
    /// The JSON-RPC error, with the reason.
    pub error: Error,
}

impl Rejected {
    fn parse(message: String) -> Rejected {
        Rejected { id: Id::Null, error: Error { code: ErrorCode::ParseError, message: message.into(), data: None } }
    }

    fn invalid(id: Id, message: String) -> Rejected {
        Rejected { id, error: Error { code: ErrorCode::InvalidRequest, message: message.into(), data: None } }
    }
}

/// Decodes the body of one message.
pub fn decode(body: &[u8]) -> Result<Incoming, Rejected> {
    let text = std::str::from_utf8(body)
        .map_err(|e| Rejected::parse(format!("the message is not valid UTF-8 ({e}); send UTF-8 JSON")))?;
    if text.trim().is_empty() {
        return Err(Rejected::parse("the message is empty".into()));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| Rejected::parse(format!("the message is not valid JSON: {e}")))?;
    let object = match &value {
        Value::Object(object) => object,
        Value::Array(_) => {
            return Err(Rejected::invalid(
                Id::Null,
                "a batch (a JSON array of messages) is not part of the Language Server Protocol; send one message at a time".into(),
            ));
        }
        _ => return Err(Rejected::invalid(Id::Null, "a message is a JSON object".into())),
    };
    let id = match object.get("id") {
        Some(Value::Number(n)) => n.as_i64().map_or(Id::Null, Id::Number),
        Some(Value::String(s)) => Id::String(s.clone()),
        _ => Id::Null,
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(Rejected::invalid(id, "the message has no `\"jsonrpc\": \"2.0\"`".into()));
    }
    if object.contains_key("method") {
        return serde_json::from_value(value)
            .map(Incoming::Request)
            .map_err(|e| Rejected::invalid(id, format!("not a valid request or notification: {e}")));
    }
    if object.contains_key("id") && (object.contains_key("result") || object.contains_key("error")) {
        return serde_json::from_value(value)
            .map(Incoming::Response)
            .map_err(|e| Rejected::invalid(id, format!("not a valid response: {e}")));
    }
    Err(Rejected::invalid(id, "neither a request (it has no `method`) nor a response (no `result` or `error`)".into()))
}

/// What the server writes: its responses, its requests and notifications to the editor.
enum Outgoing {
    Response(Response),
    Request(Request),
}

impl Outgoing {
    fn to_json(&self) -> serde_json::Result<String> {
        match self {
            Outgoing::Response(r) => serde_json::to_string(r),
            Outgoing::Request(r) => serde_json::to_string(r),
        }
    }
}

/// Serves `service` over `input` and `output` until `exit` or the end of the
/// input; `log` receives a line for every message set aside and for the end.
pub async fn run<S, I, O>(
    input: I,
    output: O,
    mut service: LspService<S>,
    socket: ClientSocket,
    log: &(dyn Fn(&str) + Sync),
) where
    S: LanguageServer,
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (client_requests, mut client_responses) = socket.split();
    let (client_requests, client_abort) = stream::abortable(client_requests);
    let (mut responses_tx, responses_rx) = mpsc::channel::<Outgoing>(0);
    let (mut tasks_tx, tasks_rx) = mpsc::channel(QUEUE);

    let process = tasks_rx
        .buffer_unordered(CONCURRENCY)
        .filter_map(future::ready)
        .map(|response| Ok(Outgoing::Response(response)))
        .forward(responses_tx.clone());

    let write = async {
        let mut output = std::pin::pin!(output);
        let mut outgoing = stream_select!(responses_rx, client_requests.map(Outgoing::Request));
        while let Some(message) = outgoing.next().await {
            let Ok(body) = message.to_json() else { continue };
            let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
            if let Err(e) = async {
                output.write_all(frame.as_bytes()).await?;
                output.flush().await
            }
            .await
            {
                log(&format!("journey lsp: cannot write to the editor: {e}"));
                return;
            }
        }
    };

    let read = async {
        let mut frames = Frames::new(input);
        loop {
            let decoded = match frames.next().await {
                Frame::End => {
                    log("journey lsp: the input ended before `exit`");
                    break;
                }
                Frame::Cut(why) => {
                    log(&format!("journey lsp: {why}"));
                    break;
                }
                Frame::Garbage(why) => Err(Rejected::parse(why)),
                Frame::Body(body) => {
                    let decoded = decode(&body);
                    if decoded.is_err() && frames.reread_inside(&body) {
                        log(
                            "journey lsp: a message was longer than its `Content-Length`; reading again at the next header",
                        );
                    }
                    decoded
                }
            };
            match decoded {
                Ok(Incoming::Request(request)) => {
                    if future::poll_fn(|cx| service.poll_ready(cx)).await.is_err() {
                        break; // the service has exited
                    }
                    // The server exits at once after `exit`: some editors do not close its input.
                    let exit = request.method() == "exit";
                    let task = service.call(request).map(|r| r.unwrap_or(None));
                    let _ = tasks_tx.send(task).await;
                    if exit {
                        break;
                    }
                }
                Ok(Incoming::Response(response)) => {
                    if client_responses.send(response).await.is_err() {
                        break;
                    }
                }
                Err(rejected) => {
                    log(&format!("journey lsp: set a message aside: {}", rejected.error.message));
                    let answer = Response::from_error(rejected.id, rejected.error);
                    let _ = responses_tx.send(Outgoing::Response(answer)).await;
                }
            }
        }
        tasks_tx.disconnect();
        responses_tx.disconnect();
        client_abort.abort();
    };

    join!(process.map(|_| ()), write, read);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every frame of `bytes`, up to the end.
    async fn frames(bytes: &[u8]) -> Vec<Frame> {
        let mut frames = Frames::new(bytes);
        let mut out = Vec::new();
        loop {
            let frame = frames.next().await;
            let end = matches!(frame, Frame::End | Frame::Cut(_));
            if let Frame::Body(body) = &frame
                && decode(body).is_err()
            {
                frames.reread_inside(body);
            }
            out.push(frame);
            if end {
                return out;
            }
        }
    }

    fn garbage(frame: &Frame) -> bool {
        matches!(frame, Frame::Garbage(_))
    }

    #[tokio::test]
    async fn garbage_is_skipped_up_to_the_next_header() {
        let got = frames(b"garbage\r\nContent-Length: 2\r\n\r\n{}").await;
        assert!(garbage(&got[0]), "{got:?}");
        assert_eq!(got[1..], [Frame::Body(b"{}".to_vec()), Frame::End]);
        let got = frames(b"Content-Length: x\r\n\r\n{}Content-Length: 2\r\n\r\n[]").await;
        assert!(garbage(&got[0]), "{got:?}");
        assert_eq!(got[1..], [Frame::Body(b"[]".to_vec()), Frame::End]);
        // a header right after a bad block is not skipped
        let got = frames(b"Content-Length: x\r\n\r\nContent-Length: 2\r\n\r\n[]").await;
        assert_eq!(got[1..], [Frame::Body(b"[]".to_vec()), Frame::End], "{got:?}");
    }

    #[tokio::test]
    async fn a_content_length_too_long_rereads_the_message_it_swallowed() {
        let got = frames(b"Content-Length: 30\r\n\r\n{\"a\"Content-Length: 2\r\n\r\n{}xxxxxx").await;
        assert_eq!(got[1], Frame::Body(b"{}".to_vec()), "{got:?}");
        assert!(garbage(&got[2]), "{got:?}");
        assert_eq!(got.last(), Some(&Frame::End));
    }

    #[tokio::test]
    async fn the_input_ending_inside_a_message_says_so() {
        let got = frames(b"Content-Length: 10\r\n\r\n{}").await;
        assert_eq!(got, [Frame::Cut("the input ended after 2 of the 10 bytes of a message".into())]);
        let got = frames(b"Content-Length: 10\r\n").await;
        assert_eq!(got, [Frame::Cut("the input ended inside the headers of a message".into())]);
    }
}
