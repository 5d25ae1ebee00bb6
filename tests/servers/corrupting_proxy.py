"""A small HTTP reverse proxy that misbehaves on purpose, in front of a real server.

Tests point a client at :attr:`CorruptingProxy.endpoint` instead of the
server's own endpoint; every request is forwarded unchanged (``Host``
included, so signatures still verify) and every answer comes back
unchanged — except for requests matching a :class:`Rule`, which get

* ``corrupt``: the real body with bytes flipped (same length, same
  headers: only a checksum can tell);
* ``truncate``: the real headers but only part of the body, then the
  connection closes (a reset mid-stream);
* ``status``: a fixed status (e.g. 500, or 503 with ``Retry-After``)
  without reaching the server;
* ``corrupt_upload``: the request body forwarded with bytes flipped in
  its middle half (the server stores what the client did not send; an
  envelope around the payload, such as GCS's multipart/related upload,
  stays well-formed).

A rule applies ``times`` times (``None``: forever). ``requests`` records
``(method, path, status)`` of everything that went through, and
``bytes_up`` / ``bytes_down`` count the request and response body bytes
that crossed the proxy (what a client behind it sent and received).

Usage::

    with CorruptingProxy(moto.endpoint) as proxy:
        proxy.add_rule("GET", "bucket/key", "corrupt", times=1)
        ...  # a client using proxy.endpoint
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.servers.fake_http import serve_in_thread, shut_down

__all__ = ["CorruptingProxy", "Rule"]

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade"}


@dataclass
class Rule:
    """Misbehave on requests whose method matches and whose decoded path contains ``path``."""

    method: str
    path: str
    action: str  # "corrupt" | "truncate" | "status" | "corrupt_upload"
    times: int | None = 1
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return (self.method in ("*", method)) and self.path in path


class CorruptingProxy:
    """A threaded reverse proxy on 127.0.0.1 with misbehaviour rules."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = []
        self.requests: list[tuple[str, str, int]] = []
        self.bytes_up = 0
        self.bytes_down = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- rules ----------------------------------------------------------------
    def add_rule(self, method: str, path: str, action: str, *, times: int | None = 1,
                 status: int = 500, headers: dict[str, str] | None = None) -> Rule:
        if action not in ("corrupt", "truncate", "status", "corrupt_upload"):
            raise ValueError(f"unknown action {action!r}")
        rule = Rule(method.upper(), path, action, times, status, dict(headers or {}))
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.requests.clear()
            self.bytes_up = self.bytes_down = 0

    def _match(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None

    def count(self, method: str, path: str) -> int:
        """How many requests of ``method`` went to a path containing ``path``."""
        with self._lock:
            return sum(1 for m, p, _ in self.requests if m == method and path in p)

    # -- lifecycle ------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        assert self._server is not None, "proxy not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> CorruptingProxy:
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = serve_in_thread(self._server, "corrupting-proxy")
        return self

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    def __enter__(self) -> CorruptingProxy:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    # A class attribute: the backlog is set by listen() inside the constructor.
    request_queue_size = 256  # many parallel clients connect at once


def _flip(data: bytes) -> bytes:
    """``data`` with a few bytes inverted (same length)."""
    mutable = bytearray(data)
    for i in range(0, len(mutable), max(1, len(mutable) // 7)):
        mutable[i] ^= 0xFF
    return bytes(mutable)


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: CorruptingProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _handle(self) -> None:
        owner = self.owner
        method = self.command
        path = unquote(urlsplit(self.path).path)
        body = self._body()
        with owner._lock:
            owner.bytes_up += len(body or b"")
        rule = owner._match(method, path)
        if rule is not None and rule.action == "status":
            payload = f"injected {rule.status}".encode()
            # Recorded before the answer is sent: a client that has its answer
            # must find the request in the log.
            self._record(method, path, rule.status)
            self.send_response(rule.status)
            for key, value in rule.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(payload)
            return
        if rule is not None and rule.action == "corrupt_upload" and body:
            quarter = len(body) // 4
            body = body[:quarter] + _flip(body[quarter:len(body) - quarter]) + body[len(body) - quarter:]
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection(owner.upstream_host, owner.upstream_port, timeout=120)
        try:
            conn.request(method, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            reply_headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP
                             and (k.lower() != "content-length" or method == "HEAD")]
        finally:
            conn.close()
        if rule is not None and rule.action == "corrupt" and data:
            data = _flip(data)
        with owner._lock:
            owner.bytes_down += len(data)
        self._record(method, path, status)  # before the answer: see above
        self.send_response(status)
        for key, value in reply_headers:
            self.send_header(key, value)
        if method != "HEAD":
            self.send_header("Content-Length", str(len(data)))
        if rule is not None and rule.action == "truncate":
            self.send_header("Connection", "close")
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
            self.close_connection = True
            return
        self.end_headers()
        if method != "HEAD" and data:
            self.wfile.write(data)

    def _record(self, method: str, path: str, status: int) -> None:
        with self.owner._lock:
            self.owner.requests.append((method, path, status))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle
