#!/usr/bin/env python3
"""A tiny stand-in for `journey lsp`, for the editor tests (stdlib only).

Speaks LSP over stdio: answers `initialize`, publishes one diagnostic for a
document on `textDocument/didOpen` and `didChange` (and clears them on
`didClose`), answers `shutdown`, and exits on `exit` (code 0 after a
`shutdown`, 1 otherwise, as the protocol says). Any other request gets a
MethodNotFound error; other notifications are ignored.
"""
import json
import sys

METHOD_NOT_FOUND = -32601


def read_message(stream):
    headers = {}
    while True:
        line = stream.readline()
        if not line:
            return None  # end of input
        line = line.decode("ascii").strip()
        if not line:
            break
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    return json.loads(stream.read(length).decode("utf-8"))


def send(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def publish(uri, diagnostics):
    send({
        "jsonrpc": "2.0",
        "method": "textDocument/publishDiagnostics",
        "params": {"uri": uri, "diagnostics": diagnostics},
    })


def stub_diagnostic(text):
    first = text.split("\n", 1)[0]
    return {
        "range": {"start": {"line": 0, "character": 0},
                  "end": {"line": 0, "character": len(first)}},
        "severity": 1,
        "code": "STUB",
        "source": "journey-stub",
        "message": "stub diagnostic: the real server is not running",
    }


def main():
    stdin = sys.stdin.buffer
    shut_down = False
    while True:
        message = read_message(stdin)
        if message is None:
            return 0 if shut_down else 1
        method = message.get("method")
        params = message.get("params") or {}
        if method == "initialize":
            send({"jsonrpc": "2.0", "id": message["id"], "result": {
                "capabilities": {"textDocumentSync": {"openClose": True, "change": 1}},
                "serverInfo": {"name": "journey-stub", "version": "0"},
            }})
        elif method == "shutdown":
            shut_down = True
            send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif method == "exit":
            return 0 if shut_down else 1
        elif method == "textDocument/didOpen":
            doc = params["textDocument"]
            publish(doc["uri"], [stub_diagnostic(doc.get("text", ""))])
        elif method == "textDocument/didChange":
            changes = params.get("contentChanges") or [{}]
            publish(params["textDocument"]["uri"], [stub_diagnostic(changes[-1].get("text", ""))])
        elif method == "textDocument/didClose":
            publish(params["textDocument"]["uri"], [])
        elif "id" in message and method is not None:
            send({"jsonrpc": "2.0", "id": message["id"],
                  "error": {"code": METHOD_NOT_FOUND, "message": "not implemented: %s" % method}})
        # notifications and responses to our (no) requests: ignored


if __name__ == "__main__":
    sys.exit(main())
