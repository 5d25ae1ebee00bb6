"""omefs.lean_http on a local HTTP/1.1 server (``http.server``): keep-alive reuse, a
connection the server closed while idle, bodies both ways, every way an answer's body
ends (a length, chunks, the connection's end; none for HEAD and 204), answers cut short,
refused header injection, and the proxy check."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from omefs.lean_http import LeanHTTP, proxied


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    connections: set[tuple[str, int]] = set()

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, body: bytes, close: bool = False) -> None:
        type(self).connections.add(self.client_address)
        self.send_response(201 if self.command == "PUT" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Echo-Header", self.headers.get("X-Test", ""))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if close:
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Set-Cookie", "a=1")
            self.send_header("Set-Cookie", "b=2")
            self.end_headers()
            for piece in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
            return
        if self.path == "/until-close":  # no length: the body ends with the connection
            self._raw(200, [("Connection", "close")], b"x" * 100_000, close=True)
        elif self.path == "/cut":  # promises more than it sends, then hangs up
            self._raw(200, [("Content-Length", "1000")], b"x" * 10, close=True)
        elif self.path == "/empty":
            self._raw(204, [])
        else:
            self._answer(self.path.encode(), close=self.path.endswith("close"))

    def _raw(self, status: int, headers: list[tuple[str, str]], body: bytes = b"",
             close: bool = False) -> None:
        """An answer exactly as given: no header added, and the connection closed if asked."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        if close:
            self.close_connection = True

    def do_HEAD(self) -> None:  # noqa: N802
        type(self).connections.add(self.client_address)
        self._raw(200, [("Content-Length", "12345")])

    def do_PUT(self) -> None:  # noqa: N802
        n = int(self.headers["Content-Length"])
        self._answer(self.rfile.read(n)[::-1])


@pytest.fixture()
def server() -> Iterator[ThreadingHTTPServer]:
    _Handler.connections = set()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _url(srv: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}{path}"


def test_requests_share_one_kept_connection(server: ThreadingHTTPServer) -> None:
    client = LeanHTTP()
    for i in range(5):
        got = client.request("GET", _url(server, f"/o/{i}?x=1"), headers={"X-Test": str(i)})
        assert (got.status, got.body, got.header("x-echo-header")) == (200, f"/o/{i}?x=1".encode(), str(i))
    assert len(_Handler.connections) == 1


def test_a_body_goes_and_comes_back(server: ThreadingHTTPServer) -> None:
    got = LeanHTTP().request("PUT", _url(server, "/b"), body=memoryview(b"abc123"))
    assert (got.status, got.body) == (201, b"321cba")


def test_a_connection_the_server_closed_is_opened_again(server: ThreadingHTTPServer) -> None:
    client = LeanHTTP()
    assert client.request("GET", _url(server, "/close")).status == 200
    assert client.request("GET", _url(server, "/after")).body == b"/after"
    assert len(_Handler.connections) == 2


def test_a_kept_connection_dropped_while_idle_is_sent_again(server: ThreadingHTTPServer) -> None:
    client = LeanHTTP()
    client.request("GET", _url(server, "/first"))
    conn = next(iter(client._local.conns.values()))
    conn.sock.shutdown(2)  # as a server's idle timeout leaves it: closed under the client
    assert client.request("GET", _url(server, "/second")).body == b"/second"


def test_every_way_a_body_ends(server: ThreadingHTTPServer) -> None:
    client = LeanHTTP()
    got = client.request("GET", _url(server, "/chunked"))
    assert (got.status, got.body) == (200, b"hello chunked world")
    assert got.header("set-cookie") == "a=1, b=2"  # a repeated header, joined
    head = client.request("HEAD", _url(server, "/o"))  # a length, and no body
    assert (head.status, head.body, head.header("content-length")) == (200, b"", "12345")
    assert client.request("GET", _url(server, "/empty")).status == 204
    big = client.request("GET", _url(server, "/until-close"))
    assert big.body == b"x" * 100_000
    # each answer above left the connection usable or dropped it as it should
    assert client.request("GET", _url(server, "/last")).body == b"/last"


def test_a_large_body_goes_in_pieces(server: ThreadingHTTPServer) -> None:
    pieces = [bytes([i]) * 300_000 for i in range(3)]
    got = LeanHTTP().request("PUT", _url(server, "/big"), body=[memoryview(p) for p in pieces])
    assert got.body == b"".join(pieces)[::-1]


def test_an_answer_cut_short_is_a_connection_error(server: ThreadingHTTPServer) -> None:
    client = LeanHTTP()
    with pytest.raises(ConnectionError, match="after 10 of the answer's 1000 bytes"):
        client.request("GET", _url(server, "/cut"))
    assert client.request("GET", _url(server, "/then")).body == b"/then"


@pytest.mark.parametrize(("target", "headers"), [
    ("/a", {"X-Test": "1\r\nX-Injected: yes"}),
    ("/a b", {}),
    ("/a\r\nX: y", {}),
])
def test_line_breaks_are_refused_before_anything_is_sent(server, target, headers) -> None:
    with pytest.raises(ValueError):
        LeanHTTP().request("GET", _url(server, target), headers=headers)
    assert _Handler.connections == set()


def test_a_refused_connection_raises() -> None:
    with pytest.raises(ConnectionRefusedError):
        LeanHTTP(timeout=5).request("GET", "http://127.0.0.1:9/")


def test_proxy_settings_are_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                 "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert not proxied("https://acct.blob.core.windows.net/c/b")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxied("https://acct.blob.core.windows.net/c/b")
    assert not proxied("http://127.0.0.1:10000/c/b")
    monkeypatch.setenv("NO_PROXY", "blob.core.windows.net")
    assert not proxied("https://acct.blob.core.windows.net/c/b")


def test_no_proxy_alone_proxies_nothing_and_costs_no_import() -> None:
    """With NO_PROXY but no proxy, nothing is proxied, and urllib.request (which imports
    http.client and email's parser, tens of milliseconds) is not loaded to say so."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = "localhost,127.0.0.1"
    code = ("import sys; from omefs.lean_http import proxied; "
            "print(proxied('https://acct.blob.core.windows.net/c/b'), 'urllib.request' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr
