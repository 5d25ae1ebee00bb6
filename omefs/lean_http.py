"""Plain HTTP/1.1 requests for the data path: keep-alive sockets, one exchange each.

obstore moves most bytes, but it cannot send a digest with every write
(Azure's ``Content-MD5``) and cannot talk to every emulator. The SDK
clients that can cost a millisecond or two of client CPU per request in
their pipelines, and a quarter of a second to import. What is left of a
request once the SDK has signed it (or the provider's credential has
given a token) is one HTTP exchange.

That exchange is written here on a socket rather than through
``http.client``: for a small object, the standard client's answer parsing
(``email.feedparser`` for the headers, several buffered reads) was most of
the request's client CPU — about 0.5 ms against 0.3 ms for this module on
a 64 KiB GET from moto, measured serially in one process. What it speaks
is the part of HTTP/1.1 object stores answer with: a status line,
headers, then a body of ``Content-Length`` bytes, a chunked body, or one
that ends with the connection; none for ``HEAD``, 1xx, 204 and 304.

:class:`LeanHTTP` keeps one connection per host per thread (the engine's
blocking calls run in its thread pool, so no connection is ever shared),
reuses it while the server keeps it open, and opens a new one — once —
when a kept connection turns out to have been closed by the server before
any byte of the answer came back (the request never reached it, so it is
safe to send again). It follows no redirects and retries nothing else:
the engine's retry policy decides. An answer cut short, or one that is
not HTTP, is a :class:`ConnectionError` (which the engine retries).

:func:`proxied` tells whether the environment sends a URL through a proxy;
this client goes through none, so a caller then keeps its SDK client,
which does.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LeanHTTP", "Response", "proxied"]

#: What a kept connection raises when the server closed it while it was idle.
_STALE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
#: A body up to this size goes out in one send with the request's head.
_JOIN_LIMIT = 256 * 1024
#: The longest status or header line accepted.
_MAX_LINE = 65536
#: Characters no request target or header may hold (header injection, request smuggling).
_FORBIDDEN = frozenset("\r\n\0")


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
    if sys.platform not in ("darwin", "win32") and not any(
            name.lower().endswith("_proxy") and name.lower() != "no_proxy" for name in os.environ):
        return False  # no proxy set (Linux has only the variables): urllib.request's import spared
    import urllib.request

    proxies = urllib.request.getproxies()
    if not proxies:
        return False
    parts = urlsplit(url)
    if parts.scheme not in proxies and "all" not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


class _Connection:
    """One socket to one host, with a buffered reader over it."""

    __slots__ = ("sock", "reader")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb", buffering=65536)

    def close(self) -> None:
        for closing in (self.reader.close, self.sock.close):
            try:
                closing()
            except OSError:
                pass


def _line(reader: Any) -> bytes:
    line: bytes = reader.readline(_MAX_LINE + 1)
    if len(line) > _MAX_LINE:
        raise ConnectionError("an HTTP answer line is too long")
    return line


def _read_exactly(reader: Any, n: int) -> bytes:
    data: bytes = reader.read(n)
    if len(data) != n:
        raise ConnectionResetError(f"the server closed the connection after {len(data)} of the "
                                   f"answer's {n} bytes")
    return data


def _read_chunked(reader: Any) -> bytes:
    pieces: list[Any] = []
    while True:
        size_line = _line(reader)
        if not size_line:
            raise ConnectionResetError("the server closed the connection in a chunked answer")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ConnectionError(f"a malformed chunk size in an HTTP answer: {size_line[:40]!r}") from None
        if size == 0:
            while _line(reader) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(pieces)
        pieces.append(_read_exactly(reader, size))
        _line(reader)  # the chunk's CRLF


def _exchange(conn: _Connection, head: bytes, pieces: list[Any], size: int,
              method: str) -> tuple[Response, bool] | None:
    """Send one request on ``conn`` and read its answer: ``(response, keep the connection)``,
    or None when the connection was closed before any byte of the answer came back."""
    try:
        if pieces and size <= _JOIN_LIMIT:
            conn.sock.sendall(b"".join([head, *pieces]))
        else:
            conn.sock.sendall(head)
            for piece in pieces:
                conn.sock.sendall(piece)
    except _STALE:
        return None
    reader = conn.reader
    try:
        status_line = _line(reader)
    except _STALE:
        return None
    if not status_line:
        return None
    version, _, rest = status_line.partition(b" ")
    try:
        status = int(rest[:3])
    except ValueError:
        raise ConnectionError(f"not an HTTP answer: {status_line[:60]!r}") from None
    if not version.startswith(b"HTTP/1."):
        raise ConnectionError(f"not an HTTP/1.x answer: {status_line[:60]!r}")
    headers: dict[str, str] = {}
    while True:
        line = _line(reader)
        if line in (b"\r\n", b"\n"):
            break
        if not line:
            raise ConnectionResetError("the server closed the connection in an answer's headers")
        name, _, value = line.decode("latin-1").partition(":")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    connection = headers.get("connection", "").lower()
    keep = "close" not in connection and (version != b"HTTP/1.0" or "keep-alive" in connection)
    if method == "HEAD" or status < 200 or status in (204, 304):
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(reader)
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise ConnectionError(f"a malformed Content-Length: {headers['content-length']!r}") from None
        body = _read_exactly(reader, length)
    else:  # the body ends with the connection
        body = reader.read()
        keep = False
    return Response(status, headers, body), keep


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

    def _connection(self, scheme: str, netloc: str) -> tuple[_Connection, bool]:
        """This thread's connection to ``netloc``, and whether it was opened just now."""
        conns: dict[tuple[str, str], _Connection] | None = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get((scheme, netloc))
        if conn is not None:
            return conn, False
        if scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {scheme}://{netloc}")
        parts = urlsplit(f"//{netloc}")
        host = parts.hostname or ""
        sock = socket.create_connection((host, parts.port or (443 if scheme == "https" else 80)),
                                        timeout=self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                sock = self._ssl().wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        conn = conns[(scheme, netloc)] = _Connection(sock)
        return conn, True

    def _drop(self, scheme: str, netloc: str) -> None:
        conns = getattr(self._local, "conns", {})
        conn = conns.pop((scheme, netloc), None)
        if conn is not None:
            conn.close()

    def request(self, method: str, url: str, body: Any = None,
                headers: Mapping[str, str] | None = None) -> Response:
        """Send one request and read its whole answer. ``body``: bytes-like, a list of
        bytes-like pieces sent one after another (nothing is joined but a small body with
        the request's head), or None."""
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        pieces = [] if body is None else list(body) if isinstance(body, list) else [body]
        size = sum(memoryview(p).nbytes for p in pieces)
        head = _head(method, target, parts.netloc, size if body is not None else None, headers or {})
        for attempt in (0, 1):
            conn, fresh = self._connection(parts.scheme, parts.netloc)
            try:
                exchanged = _exchange(conn, head, pieces, size, method)
            except BaseException:
                self._drop(parts.scheme, parts.netloc)  # a half-read answer poisons the connection
                raise
            if exchanged is None:
                self._drop(parts.scheme, parts.netloc)
                if attempt or fresh:
                    raise ConnectionResetError(f"{parts.netloc} closed the connection before answering")
                continue  # the server had closed the kept connection: the request never arrived
            answer, keep = exchanged
            if not keep:
                self._drop(parts.scheme, parts.netloc)
            return answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close this thread's connections (others close with their threads)."""
        for conn in getattr(self._local, "conns", {}).values():
            conn.close()
        self._local.conns = {}


def _head(method: str, target: str, netloc: str, size: int | None,
          headers: Mapping[str, str]) -> bytes:
    """The request line and headers (``size``: the body's, None for none): ``Host``,
    ``Accept-Encoding: identity`` and the ``Content-Length`` unless given; a CR, LF or NUL anywhere is refused (``ValueError``)."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {netloc.rpartition('@')[2]}"]
    names = set()
    for name, value in headers.items():
        text = f"{name}: {value}"
        if _FORBIDDEN.intersection(text):
            raise ValueError(f"header {name!r} holds a line break or NUL")
        lines.append(text)
        names.add(name.lower())
    if _FORBIDDEN.intersection(target) or " " in target or _FORBIDDEN.intersection(method):
        raise ValueError("the request target holds a space, a line break or NUL")
    if "accept-encoding" not in names:
        lines.append("Accept-Encoding: identity")
    if "content-length" not in names and (size is not None or method in ("PUT", "POST", "PATCH")):
        lines.append(f"Content-Length: {size or 0}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
