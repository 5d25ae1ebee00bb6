"""Plain HTTP requests for the data path: keep-alive ``http.client`` connections.

obstore moves most bytes, but it cannot send a digest with every write
(Azure's ``Content-MD5``) and cannot talk to every emulator. The SDK
clients that can cost a millisecond or two of client CPU per request in
their pipelines, and a quarter of a second to import. What is left of a
request once the SDK has signed it (or the provider's credential has
given a token) is one HTTP exchange, and the standard library's
``http.client`` makes it for a fraction of that.

:class:`LeanHTTP` keeps one connection per host per thread (the engine's
blocking calls run in its thread pool, so no connection is ever shared),
reuses it while the server keeps it open, and opens a new one — once —
when a kept connection turns out to have been closed by the server before
any byte of the answer came back (the request never reached it, so it is
safe to send again). It follows no redirects and retries nothing else:
the engine's retry policy decides.

:func:`proxied` tells whether the environment sends a URL through a proxy;
``http.client`` does not go through one by itself, so a caller then keeps
its SDK client, which does.
"""

from __future__ import annotations

import http.client
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LeanHTTP", "Response", "proxied"]

#: What a kept connection raises when the server closed it while it was idle.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
          http.client.CannotSendRequest)


@dataclass
class Response:
    """A finished exchange: status, headers (lower-case names) and the whole body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def proxied(url: str) -> bool:
    """Whether the environment's proxy settings (``HTTPS_PROXY``, ``NO_PROXY``…) apply to ``url``."""
    proxies = urllib.request.getproxies()
    if not proxies:
        return False
    parts = urlsplit(url)
    if parts.scheme not in proxies and "all" not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


class LeanHTTP:
    """Keep-alive HTTP/1.1 connections to any number of hosts, one per host per thread."""

    def __init__(self, *, verify: bool | str = True, timeout: float = 120.0) -> None:
        self.verify = verify
        self.timeout = timeout
        self._local = threading.local()
        self._context: Any = None
        self._lock = threading.Lock()

    def _ssl(self) -> Any:
        with self._lock:
            if self._context is None:
                from omefs.tls import ssl_context

                self._context = ssl_context(self.verify)
            return self._context

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        conns: dict[tuple[str, str], http.client.HTTPConnection] | None = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get((scheme, netloc))
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self._ssl())
            elif scheme == "http":
                conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
            else:
                raise ValueError(f"not an http(s) URL: {scheme}://{netloc}")
            conns[(scheme, netloc)] = conn
        return conn

    def _drop(self, scheme: str, netloc: str) -> None:
        conns = getattr(self._local, "conns", {})
        conn = conns.pop((scheme, netloc), None)
        if conn is not None:
            conn.close()

    def request(self, method: str, url: str, body: Any = None,
                headers: Mapping[str, str] | None = None) -> Response:
        """Send one request and read its whole answer. ``body``: bytes-like, a list of
        bytes-like pieces sent one after another (with a ``Content-Length`` header: nothing
        is joined), or None."""
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        for attempt in (0, 1):
            conn = self._connection(parts.scheme, parts.netloc)
            fresh = conn.sock is None
            try:
                conn.request(method, target, body=body, headers=dict(headers or {}))
                answer = conn.getresponse()
                data = answer.read()
            except _STALE:
                self._drop(parts.scheme, parts.netloc)
                if attempt or fresh:
                    raise
                continue  # the server had closed the kept connection: the request never arrived
            except BaseException:
                self._drop(parts.scheme, parts.netloc)  # a half-read answer poisons the connection
                raise
            if answer.will_close:
                self._drop(parts.scheme, parts.netloc)
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close this thread's connections (others close with their threads)."""
        for conn in getattr(self._local, "conns", {}).values():
            conn.close()
        self._local.conns = {}
