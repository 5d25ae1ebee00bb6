"""The plumbing of the credential-endpoint fakes: a small threaded HTTP(S) server, TLS files.

:class:`FakeServer` runs in-process on 127.0.0.1 (a thread per request),
calls its :meth:`~FakeServer.handle` for each request and records what it
was asked (:attr:`~FakeServer.seen`), so a test can prove that a token
flow really happened and count its refreshes. The fakes themselves are in
``fake_aws``, ``fake_google`` and ``fake_azure``; :mod:`tests.servers.auth_fakes`
gathers them all.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "FakeManager",
    "FakeServer",
    "NotFoundServer",
    "Reply",
    "Seen",
    "TLSFiles",
    "iso",
    "json_reply",
    "make_tls_files",
    "serve_in_thread",
    "shut_down",
    "text_reply",
    "utcnow",
    "write_json",
]

Reply = tuple[int, dict[str, str], bytes]
F = TypeVar("F", bound="FakeServer")


def serve_in_thread(server: ThreadingHTTPServer, name: str, *,
                    poll_interval: float = 0.5) -> threading.Thread:
    """Serve ``server`` from a daemon thread (each request in a daemon thread of its own)."""
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval},
                              name=name, daemon=True)
    thread.start()
    return thread


def shut_down(server: ThreadingHTTPServer | None) -> None:
    """Stop a server started by :func:`serve_in_thread` and close its socket (None: nothing)."""
    if server is not None:
        server.shutdown()
        server.server_close()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(data).encode()


def text_reply(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "text/plain", **(headers or {})}, text.encode()


@dataclass
class Seen:
    """One request a fake received."""

    method: str
    path: str
    target: str  # path and query as sent
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


# ---------------------------------------------------------------------------
# TLS material
@dataclass
class TLSFiles:
    """A throwaway CA and a server certificate for 127.0.0.1 / localhost, as PEM files."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


def make_tls_files(folder: Path) -> TLSFiles:
    """A CA and a server certificate signed by it (made offline with ``cryptography``)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = utcnow()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "omefs test CA")])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    files = TLSFiles(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server-key.pem")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return files


# ---------------------------------------------------------------------------
# The HTTP plumbing
class FakeServer:
    """A threaded HTTP(S) server on 127.0.0.1 calling :meth:`handle` for each request."""

    name = "fake"

    def __init__(self, tls: TLSFiles | None = None) -> None:
        self.tls = tls
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms wait
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, parts.path, self.path, parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()}, body)
                with fake._lock:
                    fake.seen.append(seen)
                try:
                    status, headers, payload = fake.handle(seen)
                except Exception as exc:  # a bug in the fake: say so, loudly
                    status, headers, payload = json_reply({"error": f"fake failed: {exc!r}"}, 500)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if not any(k.lower() == "content-length" for k in headers):
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self._httpd.socket = self.tls.server_context().wrap_socket(self._httpd.socket,
                                                                        server_side=True)
        self._port = int(self._httpd.server_address[1])
        self._thread = serve_in_thread(self._httpd, self.name, poll_interval=0.05)
        return self

    def stop(self) -> None:
        shut_down(self._httpd)
        self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port (still known after :meth:`stop`, to test an address nobody listens on)."""
        assert self._port is not None, "not started"
        return self._port

    @property
    def endpoint(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    # -- what was asked ---------------------------------------------------------
    def requests(self, method: str | None = None, path_prefix: str = "") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if (method is None or s.method == method)
                    and s.path.startswith(path_prefix)]

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        return len(self.requests(method, path_prefix))

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()

    def handle(self, req: Seen) -> Reply:
        raise NotImplementedError


class NotFoundServer(FakeServer):
    """Answers 404 to everything: an address where something listens but is not what is sought
    (google-auth's metadata-server probe then gives up at once instead of retrying)."""

    name = "not-found"

    def handle(self, req: Seen) -> Reply:
        return text_reply("not found", 404)


# ---------------------------------------------------------------------------
# Test helpers (used by tests/servers/auth_fixtures.py and the tests)



class FakeManager:
    """Starts fakes for one test and stops them all at its end."""

    def __init__(self) -> None:
        self.started: list[FakeServer] = []

    def start(self, fake: F) -> F:
        fake.start()
        self.started.append(fake)
        return fake

    def stop_all(self) -> None:
        for fake in reversed(self.started):
            fake.stop()
        self.started.clear()


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path
