"""Transport and resilience: every request of the helper goes through ``call(operationId, ...)``.

* Configuration comes from the environment on every call (CRONIUM_RUNTIME_API,
  CRONIUM_EXECUTION_TOKEN, CRONIUM_EXECUTION_ID, CRONIUM_RETRY_DEADLINE), so a script or test
  that changes it is followed at once; connections are pooled per runtime address.
* One kept-alive ``http.client`` connection per address (more only when threads call at the
  same time), over TCP or a Unix socket. An idle connection the server has closed is noticed
  before it is used, and a request that meets a just-closed connection is resent at once.
* Connection errors, 5xx, 429 and 409 ``idempotency_in_progress`` (an earlier attempt of the same
  write still running) are retried with capped exponential backoff and jitter (Retry-After
  honoured) until the deadline; every write carries one Idempotency-Key that all its retries
  reuse, so it has exactly one effect.
"""

import http.client
import json
import logging
import os
import random
import select
import socket
import sys
import threading
import time
import uuid
from email.utils import parsedate_to_datetime
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import quote, urlencode, urlsplit

from ._errors import CroniumAPIError, CroniumError, CroniumTimeoutError
from ._operations import OPERATIONS

__all__ = ["call", "endpoint_for", "VERSION"]

VERSION = "1.0.0"

log = logging.getLogger("cronium")

DEFAULT_RETRY_DEADLINE = 30.0
BACKOFF_FIRST = 0.1
BACKOFF_CAP = 2.0
# A single attempt may take this long even when little of the retry deadline is left, so that a
# slow but healthy answer (a tool action talking to SMTP) is not cut off.
MIN_ATTEMPT_TIMEOUT = 5.0

_USER_AGENT = "cronium-python/%s (Python %d.%d)" % (VERSION, sys.version_info[0], sys.version_info[1])
_MISSING_HINT = "run the script through cronium (cronium run) or export it"

# Errors that mean "the server closed this kept-alive connection while we were sending".
_CLOSED_WHILE_SENDING = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
)


class _Settings(NamedTuple):
    api: str
    token: str
    execution_id: str
    deadline: float


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise CroniumError("configuration_missing", 0, "%s is not set: %s" % (name, _MISSING_HINT))
    return value


def _settings() -> _Settings:
    api = _required("CRONIUM_RUNTIME_API")
    token = _required("CRONIUM_EXECUTION_TOKEN")
    execution_id = _required("CRONIUM_EXECUTION_ID")
    raw = os.environ.get("CRONIUM_RETRY_DEADLINE", "").strip()
    deadline = DEFAULT_RETRY_DEADLINE
    if raw:
        try:
            deadline = float(raw)
        except ValueError:
            deadline = -1.0
        if not (0 <= deadline < float("inf")):
            raise CroniumError(
                "configuration_invalid", 0, "CRONIUM_RETRY_DEADLINE must be a number of seconds >= 0, not %r" % raw
            )
    return _Settings(api, token, execution_id, deadline)


# --- connections -------------------------------------------------------------------------------


class _TcpConnection(http.client.HTTPConnection):
    """An HTTP connection that counts the sockets it opens (http.client reopens transparently)."""

    def __init__(self, endpoint: "_Endpoint", host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.endpoint = endpoint
        self.requests_done = 0

    def connect(self) -> None:
        super().connect()  # also sets TCP_NODELAY: headers and body go out in separate writes
        self.endpoint.connections_opened += 1


class _TlsConnection(http.client.HTTPSConnection):
    def __init__(self, endpoint: "_Endpoint", host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.endpoint = endpoint
        self.requests_done = 0

    def connect(self) -> None:
        super().connect()
        self.endpoint.connections_opened += 1


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over a Unix stream socket; the Host header says ``localhost``."""

    def __init__(self, endpoint: "_Endpoint", path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.endpoint = endpoint
        self.socket_path = path
        self.requests_done = 0

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.endpoint.connections_opened += 1


_Connection = Union[_TcpConnection, _TlsConnection, _UnixConnection]


def _closed_by_peer(sock: socket.socket) -> bool:
    """An idle kept-alive socket that is readable has been closed (or spoiled) by the server."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


class _Endpoint:
    """One runtime address and its pool of idle kept-alive connections."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.connections_opened = 0
        self._idle: List[_Connection] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        if api.startswith("unix://"):
            self.kind = "unix"
            self.socket_path = api[len("unix://"):]
            if not self.socket_path.startswith("/"):
                raise CroniumError(
                    "configuration_invalid", 0,
                    "CRONIUM_RUNTIME_API must be http://host:port or unix:///absolute/path.sock, not %r" % api,
                )
            self.prefix = ""
            self.display = api
            return
        parts = urlsplit(api)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CroniumError(
                "configuration_invalid", 0,
                "CRONIUM_RUNTIME_API must be http://host:port or unix:///absolute/path.sock, not %r" % api,
            )
        try:
            port = parts.port
        except ValueError:
            raise CroniumError("configuration_invalid", 0, "CRONIUM_RUNTIME_API has an invalid port: %r" % api) from None
        self.kind = parts.scheme
        self.host = parts.hostname
        self.port = port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        host = "[%s]" % self.host if ":" in self.host else self.host
        self.display = "%s://%s:%d%s" % (parts.scheme, host, self.port, self.prefix)

    def _new(self, timeout: float) -> _Connection:
        if self.kind == "unix":
            return _UnixConnection(self, self.socket_path, timeout)
        if self.kind == "https":
            return _TlsConnection(self, self.host, self.port, timeout)
        return _TcpConnection(self, self.host, self.port, timeout)

    def acquire(self, timeout: float) -> _Connection:
        conn: Optional[_Connection] = None
        with self._lock:
            if os.getpid() != self._pid:
                # A forked child must not talk over its parent's sockets; leave them to the parent.
                self._idle = []
                self._pid = os.getpid()
            while self._idle:
                candidate = self._idle.pop()
                if candidate.sock is not None and _closed_by_peer(candidate.sock):
                    candidate.close()
                    candidate.requests_done = 0
                conn = candidate
                break
        if conn is None:
            conn = self._new(timeout)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def release(self, conn: _Connection) -> None:
        with self._lock:
            if os.getpid() == self._pid:
                self._idle.append(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


_endpoints: Dict[str, _Endpoint] = {}
_endpoints_lock = threading.Lock()


def endpoint_for(api: str) -> _Endpoint:
    endpoint = _endpoints.get(api)
    if endpoint is None:
        with _endpoints_lock:
            endpoint = _endpoints.get(api)
            if endpoint is None:
                endpoint = _endpoints[api] = _Endpoint(api)
    return endpoint


# --- one request -------------------------------------------------------------------------------


class _Answer(NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def _exchange(conn: _Connection, method: str, path: str, body: Optional[bytes], headers: Dict[str, str]) -> Tuple[_Answer, bool]:
    """Send one request and read the whole answer; also says whether the connection can be kept."""
    keep = True
    try:
        conn.request(method, path, body=body, headers=headers)
    except _CLOSED_WHILE_SENDING as exc:
        # The server may answer early and close before reading a large body (413); that answer
        # is the one to report, so read it when it is there.
        if body is None:
            raise
        try:
            response = conn.getresponse()
        except Exception:
            raise exc from None
        keep = False
    else:
        response = conn.getresponse()
    data = response.read()
    conn.requests_done += 1
    return _Answer(response.status, response.headers, data), keep


def _retry_after(headers: http.client.HTTPMessage) -> Optional[float]:
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _backoff(attempt: int) -> float:
    base = min(BACKOFF_CAP, BACKOFF_FIRST * (2 ** attempt))
    # "Equal jitter": never zero, never above the cap, and helpers that failed together spread out.
    return base / 2 + random.uniform(0, base / 2)


def _scrub(value: Any, token: str) -> Any:
    """Takes the token out of anything that goes into an error (a server echoing it would be a bug)."""
    if isinstance(value, str):
        return value.replace(token, "[token]") if token and token in value else value
    if isinstance(value, dict):
        return {k: _scrub(v, token) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, token) for v in value]
    return value


def _http_error(operation: str, answer: _Answer, token: str) -> CroniumAPIError:
    problem: Optional[Dict[str, Any]] = None
    try:
        parsed = json.loads(answer.body) if answer.body else None
        if isinstance(parsed, dict):
            problem = parsed
    except ValueError:
        pass
    if problem is not None:
        problem = _scrub(problem, token)
        code = problem.get("code") if isinstance(problem.get("code"), str) else "http_error"
        detail = problem.get("detail") or problem.get("title") or http.client.responses.get(answer.status, "")
    else:
        code = "http_error"
        text = answer.body[:300].decode("utf-8", "replace").strip()
        detail = _scrub(text or http.client.responses.get(answer.status, "HTTP error"), token)
        problem = {"code": code, "status": answer.status, "detail": detail}
    return CroniumAPIError(answer.status, str(detail), code, problem, operation)


def _send(operation: str, settings: _Settings, method: str, path: str, body: Optional[bytes], headers: Dict[str, str]) -> _Answer:
    endpoint = endpoint_for(settings.api)
    give_up_at = time.monotonic() + settings.deadline
    attempt = 0
    resent_on_fresh = False
    while True:
        conn = endpoint.acquire(max(give_up_at - time.monotonic(), MIN_ATTEMPT_TIMEOUT))
        reused = conn.sock is not None and conn.requests_done > 0
        failure: Union[BaseException, _Answer]
        retry_after: Optional[float] = None
        try:
            answer, keep = _exchange(conn, method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if reused and not resent_on_fresh and isinstance(exc, _CLOSED_WHILE_SENDING):
                # The server closed the kept-alive connection just as we used it: that is not an
                # outage, so resend at once on a new connection (a write keeps its Idempotency-Key).
                resent_on_fresh = True
                log.debug("%s: kept-alive connection closed by the runtime, reconnecting", operation)
                continue
            failure = exc
        else:
            if keep:
                endpoint.release(conn)
            else:
                conn.close()
            if answer.status < 500 and answer.status != 429 and not _in_progress(answer):
                return answer
            failure = answer
            retry_after = _retry_after(answer.headers)
        delay = retry_after + random.uniform(0, 0.1) if retry_after is not None else _backoff(attempt)
        attempt += 1
        if time.monotonic() + delay > give_up_at:
            if isinstance(failure, _Answer):
                raise _http_error(operation, failure, settings.token)
            raise CroniumTimeoutError(
                "the runtime at %s did not answer within %g s (%d attempts): %s: %s"
                % (endpoint.display, settings.deadline, attempt, type(failure).__name__, failure),
                operation,
            ) from None
        if isinstance(failure, _Answer):
            why = "%d %s" % (failure.status, _problem_code(failure))
        else:
            why = "%s: %s" % (type(failure).__name__, failure)
        log.debug("%s: retrying in %.2f s after %s", operation, delay, why)
        time.sleep(delay)


def _in_progress(answer: _Answer) -> bool:
    """409 idempotency_in_progress: an earlier attempt of this very write is still running (its
    connection broke, the runtime carries on); waiting gets its answer, so it is retried like a 429."""
    return answer.status == 409 and _problem_code(answer) == "idempotency_in_progress"


def _problem_code(answer: _Answer) -> str:
    try:
        problem = json.loads(answer.body)
        return str(problem.get("code", "")) if isinstance(problem, dict) else ""
    except ValueError:
        return ""


_NO_BODY = object()


def call(
    operation: str,
    path: Optional[Mapping[str, str]] = None,
    query: Optional[Mapping[str, str]] = None,
    body: Any = _NO_BODY,
) -> Any:
    """Runs one operation of the table and returns its decoded JSON answer (None for 204)."""
    method, template = OPERATIONS[operation]
    settings = _settings()
    endpoint = endpoint_for(settings.api)
    values = {"executionId": settings.execution_id}
    if path:
        values.update(path)
    url = endpoint.prefix + template.format_map({k: quote(v, safe="") for k, v in values.items()})
    if query:
        url += "?" + urlencode(query)
    headers = {
        "Authorization": "Bearer " + settings.token,
        "Accept": "application/json",
        "User-Agent": _USER_AGENT,
    }
    payload: Optional[bytes] = None
    if body is not _NO_BODY:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if method != "GET":
        # One key per call, reused by every retry of it: a retried write has exactly one effect.
        headers["Idempotency-Key"] = str(uuid.uuid4())
    answer = _send(operation, settings, method, url, payload, headers)
    if not 200 <= answer.status < 300:
        raise _http_error(operation, answer, settings.token)
    if answer.status == 204 or not answer.body:
        return None
    try:
        return json.loads(answer.body)
    except ValueError:
        raise CroniumAPIError(
            answer.status, "the runtime answered with something that is not JSON", "invalid_response", None, operation
        ) from None
