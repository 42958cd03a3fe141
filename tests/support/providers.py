"""Local stand-ins for the tool-action providers: a webhook receiver (Slack, Discord, webhooks) and just
enough SMTP (RFC 5321, no TLS or authentication). Loopback only; the runtime talks to them exactly as it
would to the real ones. A webhook path containing "fail" answers 500, like a provider that is down.

As a library (the Python suite): WebhookServer and SmtpServer keep what they receive in .received and
.messages. As a program (the bash suite):

    python3 providers.py DIR

appends every request as one JSON line to DIR/received.jsonl and writes the ports to DIR/ports
("webhook PORT smtp PORT") once both listen.
"""

import json
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional

Listener = Optional[Callable[[Dict[str, Any]], None]]


class WebhookServer:
    """Records every POST (path and JSON body); answers 200 ``ok`` like Slack does. ``on_receive`` runs
    before the answer and may be replaced by a test (to hold the answer, or to break the caller's
    connection while the provider is busy)."""

    def __init__(self, on_receive: Listener = None) -> None:
        received: List[Dict[str, Any]] = []
        self.received = received
        self.on_receive = on_receive
        outer = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keep-alive, as Slack and Discord answer. The default, HTTP/1.0, closes the connection after each
            # answer without saying "Connection: close"; .NET keeps such a connection for the next request, and about
            # one send in 250 then went out on a connection being closed (ResponseEnded: a tool action failed).
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                entry = {"path": self.path, "body": body}
                received.append(entry)
                if outer.on_receive:
                    outer.on_receive(entry)
                code, text = (500, b"down") if "fail" in self.path else (200, b"ok")
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SmtpServer:
    """Accepts mail and keeps it: {"from", "to": [...], "data"} per message."""

    def __init__(self, on_receive: Listener = None) -> None:
        messages: List[Dict[str, Any]] = []
        self.messages = messages

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())
                self.wfile.flush()

            def handle(self) -> None:
                mail: Dict[str, Any] = {"from": None, "to": [], "data": ""}
                self.reply("220 localhost test SMTP")
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line.split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.reply("250-localhost")
                        self.reply("250-8BITMIME")
                        self.reply("250 SMTPUTF8")
                    elif verb == "HELO":
                        self.reply("250 localhost")
                    elif verb == "MAIL":
                        mail = {"from": line[10:].strip(), "to": [], "data": ""}
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        mail["to"].append(line[8:].strip())
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            data = self.rfile.readline()
                            if not data or data in (b".\r\n", b".\n"):
                                break
                            lines.append(data.decode("utf-8", "replace"))
                        mail["data"] = "".join(lines)
                        messages.append(mail)
                        if on_receive:
                            on_receive(mail)
                        self.reply("250 OK queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve(out_dir: str) -> None:
    lock = threading.Lock()

    def record(kind: str) -> Callable[[Dict[str, Any]], None]:
        def write(entry: Dict[str, Any]) -> None:
            with lock, open(out_dir + "/received.jsonl", "a", encoding="utf-8") as f:
                # raw UTF-8, so tests can grep for what they sent
                f.write(json.dumps(dict(entry, kind=kind), ensure_ascii=False) + "\n")
        return write

    webhook = record("webhook")

    def hold(entry: Dict[str, Any]) -> None:
        webhook(entry)
        # A provider busy with a request (path with "held"): the caller's connection can break
        # meanwhile (helpers/bash/test/relay.py WATCH) while the runtime still waits on this answer.
        if "held" in entry["path"]:
            time.sleep(2.5)

    web = WebhookServer(hold)
    smtp = SmtpServer(record("email"))
    with open(out_dir + "/ports.tmp", "w") as f:
        f.write("webhook %d smtp %d\n" % (web.port, smtp.port))
    os.replace(out_dir + "/ports.tmp", out_dir + "/ports")
    threading.Event().wait()


if __name__ == "__main__":
    serve(sys.argv[1])
