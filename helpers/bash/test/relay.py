"""A relay in front of the live runtime that loses answers: the first DROP connections are passed
to the runtime whole, but once the runtime starts answering, the client's connection is closed
without a byte of the answer (the write happened; the script never hears of it). Later
connections pass both ways. Loopback or a Unix socket only.

    python3 relay.py DIR UPSTREAM DROP [WATCH]      UPSTREAM: http://127.0.0.1:PORT or unix:///path.sock

With WATCH (a file), a dropped connection is broken both ways as soon as WATCH grows instead: the
runtime is still busy with the request (a tool action whose provider has just received it).

Writes DIR/relay.api (the address to use, same transport as UPSTREAM) once it listens, and one
line per connection to DIR/relay.log ("dropped" or "passed").
"""

import os
import socket
import sys
import threading
import time

out_dir, upstream, drop = sys.argv[1], sys.argv[2], int(sys.argv[3])
watch = sys.argv[4] if len(sys.argv) > 4 else None
lock = threading.Lock()
seen = [0]


def connect_upstream():
    if upstream.startswith("unix://"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(upstream[len("unix://"):])
    else:
        host, port = upstream[len("http://"):].rstrip("/").split(":")
        s = socket.create_connection((host, int(port)))
    return s


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def handle(client):
    with lock:
        seen[0] += 1
        dropping = seen[0] <= drop
    was = size(watch) if watch else 0
    up = connect_upstream()
    threading.Thread(target=pipe, args=(client, up), daemon=True).start()
    if dropping:
        if watch:
            while size(watch) == was:  # the provider has the request; the runtime waits on it
                time.sleep(0.02)
        else:
            up.recv(1)  # the runtime has answered, so the write is done: lose the answer
        with open(os.path.join(out_dir, "relay.log"), "a") as f:
            f.write("dropped\n")
        client.shutdown(socket.SHUT_RDWR)
        client.close()
        up.close()
        return
    with open(os.path.join(out_dir, "relay.log"), "a") as f:
        f.write("passed\n")
    pipe(up, client)


if upstream.startswith("unix://"):
    path = os.path.join(out_dir, "relay.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    api = "unix://" + path
else:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    api = "http://127.0.0.1:%d" % server.getsockname()[1]
server.listen(16)
with open(os.path.join(out_dir, "relay.api.tmp"), "w") as f:
    f.write(api + "\n")
os.replace(os.path.join(out_dir, "relay.api.tmp"), os.path.join(out_dir, "relay.api"))
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
