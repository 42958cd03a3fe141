"""Local stand-ins for the tool-action providers, for the bash suite: a webhook receiver (Slack,
Discord) and just enough SMTP. Loopback only. Every request is appended as one JSON line to
DIR/received.jsonl; the ports go to DIR/ports ("webhook PORT smtp PORT") once both listen.
A webhook path containing "fail" answers 500, like a provider that is down.

    python3 providers.py DIR
"""

import json
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

out_dir = sys.argv[1]
lock = threading.Lock()


def record(entry):
    with lock, open(out_dir + "/received.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")  # raw UTF-8, so tests can grep for what they sent


class Webhook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record({"kind": "webhook", "path": self.path, "body": body})
        code, text = (500, b"down") if "fail" in self.path else (200, b"ok")
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


class Smtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        mail = {"kind": "email", "from": None, "to": [], "data": ""}
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
                mail = {"kind": "email", "from": line[10:].strip(), "to": [], "data": ""}
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
                record(mail)
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


web = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
web.daemon_threads = True
smtp = SmtpServer(("127.0.0.1", 0), Smtp)
threading.Thread(target=smtp.serve_forever, daemon=True).start()
with open(out_dir + "/ports.tmp", "w") as f:
    f.write("webhook %d smtp %d\n" % (web.server_address[1], smtp.server_address[1]))
import os  # noqa: E402

os.replace(out_dir + "/ports.tmp", out_dir + "/ports")
web.serve_forever()
