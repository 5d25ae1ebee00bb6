"""A reverse proxy that adds a service's encryption checks in front of an emulator.

The emulators store objects but ignore what the real services do with
customer-provided keys (moto: SSE-C; gcp-storage-emulator: CSEK and CMEK;
Azurite: CPK and encryption scopes — it even answers 500 to CPK headers).
A :class:`CheckingProxy` sits between the client and the emulator and gives
every request to a :class:`Checker`, which

* may answer it itself, as the real service would refuse it (a read of a
  customer-key object without the key, a key whose hash does not match),
  without forwarding it;
* otherwise rewrites it for the emulator (the encryption headers taken
  off, remembered per object), and then
* rewrites the emulator's answer into the service's (the encryption
  headers and resource fields the real service reports).

``requests`` records ``(method, path, status)`` of everything that came in,
so a test can check that a refused request never reached the emulator
(``forwarded`` counts those that did).
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers.corrupting_proxy import ProxyRequestHandler
from tests.servers.fake_http import serve_in_thread, shut_down

__all__ = ["Checker", "CheckingProxy", "Exchange", "Reply"]

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade"}


@dataclass
class Reply:
    """An answer: status, headers, body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Exchange:
    """One request as the checker sees it; the checker may change headers and body."""

    method: str
    target: str  # the raw request target (path and query), forwarded as it is
    path: str  # the decoded path
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes | None
    #: Anything the checker wants to carry from the request to the answer.
    note: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def pop(self, *names: str) -> dict[str, str]:
        """Take the named headers off the request (those present), by lower-case name."""
        return {n: self.headers.pop(n) for n in names if n in self.headers}

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


class Checker:
    """The service's rules; this base forwards everything unchanged."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: The proxy this checker serves (set when the proxy is made).
        self.proxy: CheckingProxy | None = None

    def local_url(self, url: str) -> str:
        """``url`` of the emulator (a resumable-upload ``Location``) as a URL of the proxy."""
        assert self.proxy is not None
        parts = urlsplit(url)
        upstream = f"{self.proxy.upstream_host}:{self.proxy.upstream_port}"
        if parts.netloc != upstream:
            return url
        return parts._replace(netloc=urlsplit(self.proxy.endpoint).netloc).geturl()

    def request(self, ex: Exchange) -> Reply | None:
        """Refuse ``ex`` with a :class:`Reply`, or change it and return None to forward it."""
        return None

    def response(self, ex: Exchange, reply: Reply) -> Reply:
        """The emulator's answer to ``ex`` as the service would give it."""
        return reply

    def reset(self) -> None:
        """Forget every object (between tests)."""


class CheckingProxy:
    """A threaded reverse proxy on 127.0.0.1 applying ``checker`` to every request."""

    def __init__(self, upstream: str, checker: Checker) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.upstream_path = parts.path.rstrip("/")
        self.checker = checker
        checker.proxy = self
        self.requests: list[tuple[str, str, int]] = []
        self.forwarded = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "proxy not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.upstream_path}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.forwarded = 0
        self.checker.reset()

    def start(self) -> CheckingProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve_in_thread(self._server, f"checking-proxy-{type(self.checker).__name__}")
        return self

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    def __enter__(self) -> CheckingProxy:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(ProxyRequestHandler):
    owner: CheckingProxy

    def _handle(self) -> None:
        owner = self.owner
        split = urlsplit(self.path)
        ex = Exchange(self.command, self.path, unquote(split.path),
                      parse_qs(split.query, keep_blank_values=True),
                      {k.lower(): v for k, v in self.headers.items()
                       if k.lower() not in _HOP_BY_HOP}, self._body())
        reply = owner.checker.request(ex)
        if reply is None:
            reply = self._forward(ex)
            reply = owner.checker.response(ex, reply)
        with owner._lock:
            owner.requests.append((ex.method, ex.path, reply.status))
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        if ex.method == "HEAD":
            self.send_header("Content-Length", reply.headers.get("content-length", "0"))
        else:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if ex.method != "HEAD" and reply.body:
            self.wfile.write(reply.body)

    def _forward(self, ex: Exchange) -> Reply:
        owner = self.owner
        headers = dict(ex.headers)
        if ex.body is not None:
            headers["content-length"] = str(len(ex.body))
        conn = http.client.HTTPConnection(owner.upstream_host, owner.upstream_port, timeout=120)
        try:
            conn.request(ex.method, ex.target, body=ex.body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            reply_headers = {k.lower(): v for k, v in resp.getheaders()
                             if k.lower() not in _HOP_BY_HOP}
        finally:
            conn.close()
        with owner._lock:
            owner.forwarded += 1
        return Reply(resp.status, reply_headers, data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle
