"""getVariable through the Python helper vs raw http.client keep-alive calls (see python.sh).

Both sides make the same request (same path, Authorization and Accept headers) on one kept-alive
connection and decode the JSON answer. The calls run in blocks of 10 that alternate helper/raw
(and which goes first), so that load from elsewhere on the machine hits both alike; per-call
time is the median over the blocks (the mean is printed too).
"""

import http.client
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "helpers" / "python"))
import cronium  # noqa: E402

BLOCK = 10


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    key = sys.argv[2] if len(sys.argv) > 2 else "bench.value"
    api = os.environ["CRONIUM_RUNTIME_API"]
    token = os.environ["CRONIUM_EXECUTION_TOKEN"]
    execution_id = os.environ["CRONIUM_EXECUTION_ID"]

    if api.startswith("unix://"):
        conn: http.client.HTTPConnection = UnixConnection(api[len("unix://"):])
    else:
        host, port = api[len("http://"):].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port))
    path = "/v1/executions/%s/variables/%s" % (quote(execution_id, safe=""), quote(key, safe=""))
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}

    def raw() -> object:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit("raw call failed: %d %s" % (response.status, body[:200]))
        return json.loads(body)["value"]

    def helper() -> object:
        return cronium.getVariable(key)

    expected = raw()
    if helper() != expected:
        raise SystemExit("helper and raw disagree: %r vs %r" % (helper(), expected))
    for _ in range(50):  # warm both paths (JIT in the runtime, caches, the kept-alive connections)
        raw()
        helper()

    blocks = max(1, calls // BLOCK)
    timings = {"helper": [], "raw": []}  # type: dict
    for block in range(blocks):
        order = (("helper", helper), ("raw", raw)) if block % 2 == 0 else (("raw", raw), ("helper", helper))
        for name, fn in order:
            started = time.perf_counter()
            for _ in range(BLOCK):
                fn()
            timings[name].append((time.perf_counter() - started) / BLOCK * 1e6)

    h, r = statistics.median(timings["helper"]), statistics.median(timings["raw"])
    hm, rm = statistics.mean(timings["helper"]), statistics.mean(timings["raw"])
    transport = "unix" if api.startswith("unix://") else "tcp "
    print(
        "%s helper %7.1f us/call   raw http.client %7.1f us/call   ratio %.2fx   (mean %.1f vs %.1f us: %.2fx; "
        "%d calls each; target <= 1.5x)" % (transport, h, r, h / r, hm, rm, hm / rm, blocks * BLOCK)
    )

if __name__ == "__main__":
    main()
