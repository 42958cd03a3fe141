"""A byte relay between the helper and the real runtime, to watch and break connections.

It does not answer for the runtime: bytes go to the real runtime and back. It counts the
connections the helper opens, records the Idempotency-Key of each request, and can
  * close every client connection (as a server closing idle kept-alive connections does),
  * drop the next request on a kept-alive connection (the server closed it just as we sent),
  * swallow the answers on the next N connections after the runtime has acted on the request
    (the network failed after the write landed),
  * answer 502 Bad Gateway while its upstream is unreachable, like a reverse proxy.
"""

import os
import re
import socket
import tempfile
import threading
from typing import List, Optional, Tuple, Union

Address = Union[str, Tuple[str, int]]

_KEY = re.compile(rb"\r\nIdempotency-Key: *([^\r\n]+)", re.IGNORECASE)
_REQUEST_LINE = re.compile(rb"^(GET|PUT|POST|DELETE|PATCH|HEAD) ", re.MULTILINE)
_BAD_GATEWAY = (
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
    b"Connection: close\r\n\r\nBad Gateway"
)


def parse_api(api: str) -> Address:
    if api.startswith("unix://"):
        return api[len("unix://"):]
    host, port = api[len("http://"):].rsplit(":", 1)
    return (host, int(port))


def _connect(address: Address) -> socket.socket:
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


class Relay:
    def __init__(self, upstream: Address, unix: bool) -> None:
        self.upstream = upstream
        self.accepted = 0
        self.requests = 0
        self.idempotency_keys: List[str] = []
        self.drop_next_request = False
        self.swallow_answers = 0
        self.bad_gateways = 0
        self._lock = threading.Lock()
        self._clients: List[socket.socket] = []
        self._closed = False
        if unix:
            self._dir = tempfile.mkdtemp(prefix="cronium-relay-")
            path = os.path.join(self._dir, "relay.sock")
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(path)
            self.api = "unix://" + path
        else:
            self._dir = None
            self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind(("127.0.0.1", 0))
            self.api = "http://127.0.0.1:%d" % self._listener.getsockname()[1]
        self._listener.listen(64)
        threading.Thread(target=self._accept_loop, daemon=True).start()

    # --- control ---

    def close_client_connections(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for sock in clients:
            _shut(sock)

    def close(self) -> None:
        self._closed = True
        _shut(self._listener)
        self.close_client_connections()
        if self._dir:
            try:
                os.unlink(os.path.join(self._dir, "relay.sock"))
                os.rmdir(self._dir)
            except OSError:
                pass

    # --- plumbing ---

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                self._clients.append(client)
                swallow = self.swallow_answers > 0
                if swallow:
                    self.swallow_answers -= 1
            threading.Thread(target=self._serve, args=(client, swallow), daemon=True).start()

    def _serve(self, client: socket.socket, swallow: bool) -> None:
        upstream: Optional[socket.socket] = None
        answered = [0]
        try:
            while True:
                data = client.recv(1 << 16)
                if not data:
                    return
                starts = len(_REQUEST_LINE.findall(data))
                if starts and answered[0] and self.drop_next_request:
                    self.drop_next_request = False
                    return  # closes the kept-alive connection under the request
                with self._lock:
                    self.requests += starts
                    self.idempotency_keys.extend(k.decode().strip() for k in _KEY.findall(data))
                if upstream is None:
                    try:
                        upstream = _connect(self.upstream)
                    except OSError:
                        self.bad_gateways += 1
                        client.sendall(_BAD_GATEWAY)
                        return
                    threading.Thread(
                        target=self._pump_back, args=(upstream, client, swallow, answered), daemon=True
                    ).start()
                upstream.sendall(data)
        except OSError:
            return
        finally:
            _shut(client)
            if upstream is not None:
                _shut(upstream)

    def _pump_back(self, upstream: socket.socket, client: socket.socket, swallow: bool, answered: List[int]) -> None:
        try:
            while True:
                data = upstream.recv(1 << 16)
                if not data:
                    break
                if swallow:
                    break  # the runtime acted on the request; its answer never arrives
                # Counted before it is sent: the client may read it and send its next request before this
                # thread runs again, and _serve must then already see the connection as one that has answered
                # (counted after, a loaded machine let drop_next_request miss the request it was set for).
                answered[0] += 1
                client.sendall(data)
        except OSError:
            pass
        finally:
            _shut(client)
            _shut(upstream)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
