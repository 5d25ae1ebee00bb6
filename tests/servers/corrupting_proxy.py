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

* ``reset``: the connection closed without an answer (the server never
  sees the request);
* ``stall``: the answer held back ``delay`` seconds, then sent whole;
* ``stall_body``: the headers and half the body sent, then ``delay``
  seconds of silence, then the rest (a connection that stalls mid-body).

Beside rules, :meth:`CorruptingProxy.chaos` injects faults at random: a
seeded fraction of requests get one of the kinds above (``status`` as a
5xx, or a 429/503 with ``Retry-After``). Whether a request is hit depends
only on the seed, its method and path and how many times that method and
path were asked before — not on the order in which parallel requests
arrive — so a run is reproducible from its seed. ``injected`` counts what
was injected, by kind. Body corruption touches object bytes only: answers
and uploads that are JSON or XML (listings, multipart commits) are never
flipped, and an upload is flipped only when its body is large enough that
its middle half is object bytes.

``tls=TLSFiles`` serves https with that certificate (a TLS front for a
plain-http server). ``rewrite_urls=True`` makes the proxy a proper reverse proxy for APIs that
hand out absolute URLs (GitHub's upload and download URLs): the
upstream's address in answer bodies and ``Location`` headers is replaced
by the proxy's own, so a client keeps talking through the proxy.

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

import hashlib
import http.client
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.servers.fake_http import serve_in_thread, shut_down

__all__ = ["ACTIONS", "CHAOS_KINDS", "Chaos", "CorruptingProxy", "Rule"]

ACTIONS = ("corrupt", "truncate", "status", "corrupt_upload", "reset", "stall", "stall_body")
#: What :meth:`CorruptingProxy.chaos` injects: ``5xx`` (500/502/503), ``throttle`` (429 or 503
#: with ``Retry-After``) and the actions above that need no status.
CHAOS_KINDS = ("5xx", "throttle", "reset", "truncate", "corrupt", "corrupt_upload", "stall",
               "stall_body")
#: Uploads shorter than this are never flipped (their middle half could be envelope).
MIN_FLIP_UPLOAD = 4096

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade"}


@dataclass
class Rule:
    """Misbehave on requests whose method matches and whose decoded path contains ``path``."""

    method: str
    path: str
    action: str  # one of ACTIONS
    times: int | None = 1
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0
    delay: float = 2.0
    #: Drawn by :class:`Chaos`: skipped where it would touch a protocol body.
    random: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return (self.method in ("*", method)) and self.path in path


@dataclass
class Chaos:
    """Random faults: ``rate`` of requests, drawn from ``kinds``, decided by ``seed``."""

    seed: int
    rate: float
    kinds: tuple[str, ...] = CHAOS_KINDS
    delay: float = 2.0
    retry_after: int = 1

    def pick(self, method: str, path: str, nth: int, body: bytes | None) -> Rule | None:
        """The fault for the ``nth`` request of ``method path`` (None: forward it unchanged)."""
        digest = hashlib.sha256(f"{self.seed}|{method}|{path}|{nth}".encode()).digest()
        rng = random.Random(digest)
        if rng.random() >= self.rate:
            return None
        kinds = [k for k in self.kinds
                 if k != "corrupt_upload" or (body is not None and len(body) >= MIN_FLIP_UPLOAD)]
        if method == "HEAD":
            kinds = [k for k in kinds if k not in ("corrupt", "truncate", "stall_body")]
        if not kinds:
            return None
        kind = rng.choice(kinds)
        if kind == "5xx":
            return Rule(method, path, "status", status=rng.choice((500, 502, 503)), random=True)
        if kind == "throttle":
            return Rule(method, path, "status", status=rng.choice((429, 503)),
                        headers={"Retry-After": str(self.retry_after)}, random=True)
        return Rule(method, path, kind, delay=self.delay, random=True)


class CorruptingProxy:
    """A threaded reverse proxy on 127.0.0.1 with misbehaviour rules."""

    def __init__(self, upstream: str, *, rewrite_urls: bool = False, tls: Any = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.rewrite_urls = rewrite_urls
        #: A :class:`~tests.servers.fake_http.TLSFiles`: serve https with its certificate.
        self.tls = tls
        self._chaos: Chaos | None = None
        self._seen: Counter[tuple[str, str]] = Counter()
        #: Faults injected by :meth:`chaos`, by kind (``status 503``, ``reset``…).
        self.injected: Counter[str] = Counter()
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
                 status: int = 500, headers: dict[str, str] | None = None,
                 delay: float = 2.0) -> Rule:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        rule = Rule(method.upper(), path, action, times, status, dict(headers or {}), delay=delay)
        with self._lock:
            self.rules.append(rule)
        return rule

    def chaos(self, seed: int, rate: float, *, kinds: tuple[str, ...] = CHAOS_KINDS,
              delay: float = 2.0, retry_after: int = 1) -> None:
        """Inject a random fault into ``rate`` of the requests from now on (0 turns it off)."""
        unknown = set(kinds) - set(CHAOS_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {CHAOS_KINDS}")
        with self._lock:
            self._chaos = Chaos(seed, rate, tuple(kinds), delay, retry_after) if rate else None
            self._seen.clear()

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.requests.clear()
            self.bytes_up = self.bytes_down = 0
            self.injected.clear()
            self._chaos = None

    def _match(self, method: str, path: str, body: bytes | None = None,
               query: str = "") -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    return rule
            if self._chaos is None:
                return None
            key = (method, f"{path}?{query}")
            nth = self._seen[key]
            self._seen[key] += 1
            rule = self._chaos.pick(method, key[1], nth, body)
            if rule is not None:
                self.injected[rule.action if rule.action != "status" else f"status {rule.status}"] += 1
            return rule

    def count(self, method: str, path: str) -> int:
        """How many requests of ``method`` went to a path containing ``path``."""
        with self._lock:
            return sum(1 for m, p, _ in self.requests if m == method and path in p)

    # -- lifecycle ------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        assert self._server is not None, "proxy not started"
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> CorruptingProxy:
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        self._server = _Server(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            context = self.tls.server_context()
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
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

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client went away (a reset it was sent, or a body it did not need)
        super().handle_error(request, client_address)


def _flip(data: bytes) -> bytes:
    """``data`` with a few bytes inverted (same length)."""
    mutable = bytearray(data)
    for i in range(0, len(mutable), max(1, len(mutable) // 7)):
        mutable[i] ^= 0xFF
    return bytes(mutable)


def _is_object(headers: Any) -> bool:
    """Whether a body with these headers is object bytes (not a JSON or XML protocol body)."""
    ctype = ""
    for key, value in (headers.items() if hasattr(headers, "items") else headers):
        if key.lower() == "content-type":
            ctype = value.lower()
    return not any(t in ctype for t in ("json", "xml", "text/html"))


class ProxyRequestHandler(BaseHTTPRequestHandler):
    """What every proxy handler here shares: HTTP/1.1, no access log, and reading a request body
    whether it comes with a ``Content-Length`` or chunked."""
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms wait

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


class _ProxyHandler(ProxyRequestHandler):
    owner: CorruptingProxy

    def _handle(self) -> None:
        owner = self.owner
        method = self.command
        path = unquote(urlsplit(self.path).path)
        body = self._body()
        with owner._lock:
            owner.bytes_up += len(body or b"")
        rule = owner._match(method, path, body, urlsplit(self.path).query)
        if rule is not None and rule.action == "reset":
            self._record(method, path, 0)
            self.close_connection = True
            return
        if rule is not None and rule.action == "stall":
            time.sleep(rule.delay)
        if (rule is not None and rule.random and rule.action == "corrupt_upload"
                and not _is_object(self.headers)):
            rule = None  # a protocol body (JSON, XML): only object bytes are ever flipped
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
        if body is not None:  # one Content-Length, whatever case the client spelled it in
            headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
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
        if owner.rewrite_urls:
            data, reply_headers = self._rewrite(data, reply_headers)
        if rule is not None and rule.random and rule.action in (
                "corrupt", "truncate", "stall_body") and (
                not data or not _is_object(reply_headers)):
            rule = None  # a protocol answer (JSON, XML, empty): forwarded unchanged
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
        if rule is not None and rule.action == "stall_body" and method != "HEAD":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(rule.delay)
            self.wfile.write(data[len(data) // 2:])
            return
        if method != "HEAD" and data:
            self.wfile.write(data)

    def _rewrite(self, data: bytes,
                 headers: list[tuple[str, str]]) -> tuple[bytes, list[tuple[str, str]]]:
        """The upstream's address replaced by the proxy's in the body and ``Location``."""
        owner = self.owner
        base = f"http://{owner.upstream_host}:{owner.upstream_port}"
        mine = owner.endpoint
        data = data.replace(base.encode(), mine.encode())
        headers = [(k, v.replace(base, mine) if k.lower() == "location" else v)
                   for k, v in headers]
        return data, headers

    def _record(self, method: str, path: str, status: int) -> None:
        with self.owner._lock:
            self.owner.requests.append((method, path, status))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle
