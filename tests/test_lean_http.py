"""omefs.lean_http on a local HTTP/1.1 server: keep-alive reuse, a connection the
server closed while idle, bodies both ways, and the proxy check."""

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
        self._answer(self.path.encode(), close=self.path.endswith("close"))

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
