"""A fake of GitHub's REST API for releases, in-process, on 127.0.0.1.

No GitHub emulator exists, so the tests talk to this one over real HTTP.
It serves the parts of the API the Releases filesystem uses, the way
github.com does:

* ``GET /repos/{o}/{r}``; ``GET|POST /repos/{o}/{r}/releases``;
  ``GET /repos/{o}/{r}/releases/latest`` (the newest published release
  that is neither a draft nor a prerelease); ``GET
  /repos/{o}/{r}/releases/tags/{tag}`` (drafts are not found this way);
  ``GET|PATCH|DELETE /repos/{o}/{r}/releases/{id}``; ``GET
  /repos/{o}/{r}/releases/{id}/assets``;
* ``GET /repos/{o}/{r}/releases/assets/{id}`` — JSON, or with ``Accept:
  application/octet-stream`` a 302 to a pre-signed download URL on a
  separate path (``/_downloads/…``) that honours ``Range`` and refuses an
  ``Authorization`` header (like S3 pre-signed URLs); ``PATCH`` renames,
  ``DELETE`` deletes;
* uploads: ``POST {upload_url}?name=…&label=…`` with the raw body and
  ``Content-Length``, on the fake's own address (``/uploads/…``, or
  ``/api/uploads/…`` when the API has GitHub Enterprise's ``/api/v3``
  prefix);
* ``browser_download_url`` (``/{o}/{r}/releases/download/{tag}/{name}``)
  for anonymous reads of public repositories;
* repository contents for fsspec's ``GithubFileSystem``: ``GET
  /repos/{o}/{r}/git/trees/{sha}``, ``GET /repos/{o}/{r}/contents/{path}``;
* Actions artifacts (:mod:`tests.servers.github_artifacts`): listings,
  by id, ``DELETE``, and ``…/zip``'s 302 to a separate signing blob host;
* GitHub Apps: ``POST /app/installations/{id}/access_tokens`` with an
  RS256 JWT, verified with the App's public key, giving an installation
  token that really expires after ``installation_token_ttl`` seconds.

Auth: ``Authorization: token|Bearer|Basic``; an unknown, revoked or
expired token gets 401 with GitHub's body ``{"message": "Bad
credentials", "documentation_url": …}``; anonymous callers see public
repositories only; read-only tokens get 403 on writes. Listings are
paginated (``per_page`` default 30, at most 100) with ``Link`` headers.
Every API answer carries ``X-RateLimit-*`` headers; :meth:`FakeGitHub.rate_limit`
makes the next answers secondary limits (403/429 with ``Retry-After``),
:meth:`FakeGitHub.exhaust_primary` spends the primary budget. Asset bytes
live in temporary files, so the fake itself holds no large object in
memory. Every request is recorded in :attr:`FakeGitHub.log`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from tests.servers.fake_http import serve_in_thread, shut_down
from tests.servers.github_artifacts import ArtifactStore, BlobHost, artifacts_route

__all__ = ["FakeGitHub", "Record", "DOCS_URL"]

DOCS_URL = "https://docs.github.com/rest"
_CHUNK = 64 << 10
MAX_ASSET = 2 * 1024**3 - 1


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{int((ts % 1) * 1000):03d}Z"
    )


@dataclass
class Record:
    """One request the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    auth: str | None  # "token", "bearer", "basic" or None
    range: str | None
    bytes_in: int = 0
    bytes_out: int = 0


@dataclass
class _Token:
    kind: str  # "pat" or "installation"
    write: bool = True
    expires_at: float | None = None
    installation_id: int | None = None


@dataclass
class _Asset:
    id: int
    name: str
    label: str | None
    content_type: str
    size: int
    digest: str
    path: str  # file holding the bytes
    state: str = "uploaded"
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    download_count: int = 0


@dataclass
class _Release:
    id: int
    tag_name: str
    name: str
    body: str = ""
    draft: bool = False
    prerelease: bool = False
    target_commitish: str = "main"
    created_at: float = field(default_factory=time.time)
    published_at: float | None = None
    assets: dict[int, _Asset] = field(default_factory=dict)


@dataclass
class _Repo:
    owner: str
    name: str
    id: int
    private: bool = False
    default_branch: str = "main"
    files: dict[str, bytes] = field(default_factory=dict)
    releases: dict[int, _Release] = field(default_factory=dict)


class _Reply(Exception):
    """Raised inside a handler to answer with an error (or any JSON) at once."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _error(status: int, message: str, **extra: Any) -> _Reply:
    body = {"message": message, "documentation_url": DOCS_URL, **extra}
    if status == 401:
        body["status"] = "401"
    return _Reply(status, body)


@dataclass
class _Principal:
    kind: str  # anonymous, pat, installation
    write: bool
    token: str | None = None


class FakeGitHub(ArtifactStore):
    """The fake GitHub API server. Use as a context manager, or ``start()``/``stop()``.

    Args:
        prefix: the API path prefix: ``""`` as on github.com, ``"/api/v3"``
            as on GitHub Enterprise Server.
        installation_token_ttl: lifetime, in seconds, of installation tokens.
        download_url_ttl: lifetime, in seconds, of pre-signed download URLs.
    """

    def __init__(self, *, prefix: str = "", installation_token_ttl: float = 3600.0,
                 download_url_ttl: float = 300.0) -> None:
        self.prefix = prefix.rstrip("/")
        self.installation_token_ttl = installation_token_ttl
        self.download_url_ttl = download_url_ttl
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._dir = tempfile.mkdtemp(prefix="fake-github-")
        self._key = os.urandom(16)
        self.reset()

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> FakeGitHub:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = serve_in_thread(server, "fake-github")
        self.blob = BlobHost(self).start()
        return self

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None
        if self.blob is not None:
            self.blob.stop()
            self.blob = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every repository, token, App, injected failure and log entry."""
        with self.lock:
            self.repos: dict[tuple[str, str], _Repo] = {}
            self.tokens: dict[str, _Token] = {}
            self.apps: dict[str, Any] = {}  # app id -> public key
            self.installations: dict[int, str] = {}  # installation id -> app id
            self.issued: list[tuple[str, float]] = []  # installation tokens issued
            self.log: list[Record] = []
            self._pending_limits: list[dict[str, Any]] = []
            self._primary_reset: float | None = None
            self._fail_uploads = 0
            self._ids = iter(range(1000, 10**9))
            self.used = 0
            self._reset_artifacts()
            for name in os.listdir(self._dir):
                os.unlink(os.path.join(self._dir, name))

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def endpoint(self) -> str:
        """The API root to give clients (``base_url`` / ``endpoint_url``)."""
        return self.root + self.prefix

    @property
    def uploads_root(self) -> str:
        return self.root + ("/api/uploads" if self.prefix else "/uploads")

    def info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint}

    # -- setup helpers ---------------------------------------------------------------
    def _id(self) -> int:
        return next(self._ids)

    def add_token(self, token: str, *, write: bool = True) -> str:
        """Accept ``token`` as a personal access token (read-only with ``write=False``)."""
        with self.lock:
            self.tokens[token] = _Token("pat", write=write)
        return token

    def revoke(self, token: str) -> None:
        """Stop accepting ``token`` (401 Bad credentials from now on)."""
        with self.lock:
            self.tokens.pop(token, None)

    def revoke_installation_tokens(self) -> None:
        """Revoke every installation token issued so far."""
        with self.lock:
            for token in [t for t, info in self.tokens.items() if info.kind == "installation"]:
                del self.tokens[token]

    def add_app(self, app_id: int | str, public_key_pem: bytes | str, installation_id: int) -> None:
        """Register a GitHub App (its public key) and one installation of it."""
        from cryptography.hazmat.primitives import serialization

        key = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
        with self.lock:
            self.apps[str(app_id)] = serialization.load_pem_public_key(key)
            self.installations[int(installation_id)] = str(app_id)

    def create_repo(self, owner: str, name: str, *, private: bool = False,
                    files: dict[str, bytes] | None = None, default_branch: str = "main") -> None:
        with self.lock:
            self.repos[(owner, name)] = _Repo(owner, name, self._id(), private=private,
                                              default_branch=default_branch,
                                              files=dict(files or {}))

    def create_release(self, owner: str, repo: str, tag: str, *, draft: bool = False,
                       prerelease: bool = False, published_at: float | None = None,
                       name: str | None = None) -> dict[str, Any]:
        """Add a release directly (published now unless a draft or ``published_at`` given)."""
        with self.lock:
            r = self._repo_obj(owner, repo)
            now = time.time()
            rel = _Release(self._id(), tag, name or tag, draft=draft, prerelease=prerelease,
                           published_at=None if draft else (published_at or now))
            r.releases[rel.id] = rel
            return self._release_json(r, rel)

    def add_asset(self, owner: str, repo: str, tag: str, name: str, data: bytes,
                  content_type: str = "application/octet-stream") -> dict[str, Any]:
        """Add an asset directly to the release of ``tag`` (drafts included)."""
        with self.lock:
            r, rel = self._release_of(owner, repo, tag)
            asset = self._store(name, None, content_type, [data])
            rel.assets[asset.id] = asset
            return self._asset_json(r, rel, asset)

    def _release_of(self, owner: str, repo: str, tag: str) -> tuple[_Repo, _Release]:
        """The repository and its release of ``tag`` (drafts included); call with the lock held."""
        r = self._repo_obj(owner, repo)
        return r, next(x for x in r.releases.values() if x.tag_name == tag)

    def _asset_of(self, owner: str, repo: str, tag: str, name: str) -> _Asset:
        """The asset ``name`` of the release of ``tag``; call with the lock held."""
        return next(a for a in self._release_of(owner, repo, tag)[1].assets.values() if a.name == name)

    def asset_bytes(self, owner: str, repo: str, tag: str, name: str) -> bytes:
        with self.lock:
            asset = self._asset_of(owner, repo, tag, name)
        with open(asset.path, "rb") as fh:
            return fh.read()

    def corrupt(self, owner: str, repo: str, tag: str, name: str) -> None:
        """Flip the first byte of a stored asset (its ``digest`` stays the old one)."""
        with self.lock:
            asset = self._asset_of(owner, repo, tag, name)
            with open(asset.path, "r+b") as fh:
                first = fh.read(1)
                fh.seek(0)
                fh.write(bytes([first[0] ^ 0xFF]))

    def asset_names(self, owner: str, repo: str, tag: str) -> list[str]:
        with self.lock:
            return sorted(a.name for a in self._release_of(owner, repo, tag)[1].assets.values())

    # -- failure injection ------------------------------------------------------------
    def rate_limit(self, times: int = 1, *, retry_after: float | None = 1, status: int = 403,
                   path_contains: str | None = None) -> None:
        """Answer the next ``times`` API requests (matching ``path_contains``) with a secondary limit."""
        with self.lock:
            for _ in range(times):
                self._pending_limits.append(
                    {"retry_after": retry_after, "status": status, "path": path_contains}
                )

    def exhaust_primary(self, reset_in: float = 3600) -> None:
        """Spend the primary budget: every API request gets 403 until ``reset_in`` seconds pass."""
        with self.lock:
            self._primary_reset = time.time() + reset_in

    def fail_uploads(self, times: int = 1) -> None:
        """The next ``times`` uploads read the whole body, keep a broken ``starter`` asset, answer 502."""
        with self.lock:
            self._fail_uploads += times

    # -- requests seen -----------------------------------------------------------------
    def requests(self, method: str | None = None, contains: str | None = None) -> list[Record]:
        with self.lock:
            return [r for r in self.log if (method is None or r.method == method)
                    and (contains is None or contains in r.path)]

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    # -- JSON shapes -------------------------------------------------------------------------
    def _repo_obj(self, owner: str, repo: str) -> _Repo:
        r = self.repos.get((owner, repo))
        if r is None:
            raise _error(404, "Not Found")
        return r

    def _api(self, path: str) -> str:
        return self.endpoint + path

    def _release_json(self, r: _Repo, rel: _Release) -> dict[str, Any]:
        base = f"/repos/{r.owner}/{r.name}/releases/{rel.id}"
        return {
            "url": self._api(base),
            "assets_url": self._api(base + "/assets"),
            "upload_url": f"{self.uploads_root}/repos/{r.owner}/{r.name}/releases/{rel.id}"
                          "/assets{?name,label}",
            "html_url": f"{self.root}/{r.owner}/{r.name}/releases/tag/{quote(rel.tag_name)}",
            "id": rel.id,
            "node_id": f"RE_{rel.id}",
            "tag_name": rel.tag_name,
            "target_commitish": rel.target_commitish,
            "name": rel.name,
            "body": rel.body,
            "draft": rel.draft,
            "prerelease": rel.prerelease,
            "created_at": _iso(rel.created_at),
            "published_at": _iso(rel.published_at),
            "author": {"login": "fake-user", "id": 1},
            "assets": [self._asset_json(r, rel, a) for a in list(rel.assets.values())[:100]],
        }

    def _asset_json(self, r: _Repo, rel: _Release, a: _Asset) -> dict[str, Any]:
        return {
            "url": self._api(f"/repos/{r.owner}/{r.name}/releases/assets/{a.id}"),
            "browser_download_url": f"{self.root}/{r.owner}/{r.name}/releases/download/"
                                    f"{quote(rel.tag_name, safe='')}/{quote(a.name)}",
            "id": a.id,
            "node_id": f"RA_{a.id}",
            "name": a.name,
            "label": a.label,
            "state": a.state,
            "content_type": a.content_type,
            "size": a.size,
            "digest": a.digest if a.state == "uploaded" else None,
            "download_count": a.download_count,
            "created_at": _iso(a.created_at),
            "updated_at": _iso(a.updated_at),
            "uploader": {"login": "fake-user", "id": 1},
        }

    def _store(self, name: str, label: str | None, content_type: str, chunks: Any) -> _Asset:
        asset_id = self._id()
        path = os.path.join(self._dir, f"asset-{asset_id}")
        h = hashlib.sha256()
        size = 0
        with open(path, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                h.update(chunk)
                size += len(chunk)
        return _Asset(asset_id, name, label, content_type, size, f"sha256:{h.hexdigest()}", path)

    def _sign(self, asset_id: int, expires: int) -> str:
        msg = f"{asset_id}:{expires}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()[:32]

    def _download_url(self, asset: _Asset) -> str:
        expires = int(time.time() + self.download_url_ttl)
        return (f"{self.root}/_downloads/{asset.id}/{quote(asset.name)}?"
                f"exp={expires}&sig={self._sign(asset.id, expires)}")


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms wait
    protocol_version = "HTTP/1.1"
    server_version = "FakeGitHub/1.0"

    # -- plumbing -------------------------------------------------------------------------
    @property
    def fake(self) -> FakeGitHub:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY,
        # Nagle's algorithm and the client's delayed ACK add 40 ms to each answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self._path = parts.path
        self._query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self._extra_headers: dict[str, str] = {}
        auth = self.headers.get("Authorization")
        # The record is logged first and filled in as the request goes, before
        # each byte is sent: a client that has its answer finds it complete.
        self._record = Record(method, self._path, dict(self._query), 0,
                              auth.split(" ", 1)[0].lower() if auth else None,
                              self.headers.get("Range"))
        with self.fake.lock:
            self.fake.log.append(self._record)
        try:
            self._route(method)
        except _Reply as reply:
            self._drain()
            self._send_json(reply.status, reply.body, reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    @property
    def _bytes_in(self) -> int:
        return self._record.bytes_in

    @_bytes_in.setter
    def _bytes_in(self, value: int) -> None:
        self._record.bytes_in = value

    def _write(self, data: bytes) -> None:
        self._record.bytes_out += len(data)
        self.wfile.write(data)

    def _start(self, status: int) -> None:
        self._record.status = status
        self.send_response(status)

    def _drain(self) -> None:
        """Read an unread request body, so the connection stays usable."""
        length = int(self.headers.get("Content-Length") or 0)
        left = length - self._bytes_in
        while left > 0:
            chunk = self.rfile.read(min(left, _CHUNK))
            if not chunk:
                break
            left -= len(chunk)
            self._bytes_in += len(chunk)

    def _json_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self._bytes_in += len(raw)
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise _error(400, "Problems parsing JSON") from None

    def _rate_headers(self, principal: _Principal | None) -> dict[str, str]:
        fake = self.fake
        limit = 60 if principal is None or principal.kind == "anonymous" else 5000
        if fake._primary_reset is not None and time.time() < fake._primary_reset:
            remaining, reset = 0, fake._primary_reset
        else:
            remaining, reset = max(0, limit - fake.used), time.time() + 3600
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(reset)),
            "X-RateLimit-Used": str(limit - remaining),
            "X-RateLimit-Resource": "core",
        }

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self._start(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-GitHub-Request-Id", secrets.token_hex(8).upper())
        for k, v in {**self._extra_headers, **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and data:
            self._write(data)

    # -- auth -----------------------------------------------------------------------------
    def _principal(self) -> _Principal:
        header = self.headers.get("Authorization")
        if not header:
            return _Principal("anonymous", write=False)
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            try:
                value = base64.b64decode(value).decode().partition(":")[2]
            except ValueError:
                raise _error(401, "Bad credentials") from None
        elif scheme not in ("token", "bearer"):
            raise _error(401, "Bad credentials")
        with self.fake.lock:
            info = self.fake.tokens.get(value)
        if info is None or (info.expires_at is not None and time.time() >= info.expires_at):
            raise _error(401, "Bad credentials")
        return _Principal(info.kind, write=info.write, token=value)

    def _need_write(self, who: _Principal) -> None:
        if who.kind == "anonymous":
            raise _error(401, "Requires authentication")
        if not who.write:
            what = "integration" if who.kind == "installation" else "personal access token"
            raise _error(403, f"Resource not accessible by {what}")

    def _api_gate(self, who: _Principal) -> None:
        """Rate limits and rate-limit headers, for every API (not download) request."""
        fake = self.fake
        self._api_call = True
        with fake.lock:
            fake.used += 1
            self._extra_headers.update(self._rate_headers(who))
            if fake._primary_reset is not None and time.time() < fake._primary_reset:
                raise _error(403, "API rate limit exceeded for user ID 1. (But here's the good "
                                  "news: Authenticated requests get a higher rate limit.)")
            for pending in fake._pending_limits:
                if pending["path"] is None or pending["path"] in self._path:
                    fake._pending_limits.remove(pending)
                    headers = {}
                    if pending["retry_after"] is not None:
                        headers["Retry-After"] = str(int(pending["retry_after"]))
                    raise _Reply(pending["status"], {
                        "message": "You have exceeded a secondary rate limit. Please wait a few "
                                   "minutes before you try again.",
                        "documentation_url": DOCS_URL,
                    }, headers)

    def _repo(self, owner: str, name: str, who: _Principal) -> _Repo:
        r = self.fake.repos.get((owner, name))
        if r is None or (r.private and who.kind == "anonymous"):
            raise _error(404, "Not Found")
        return r

    # -- routing --------------------------------------------------------------------------
    def _route(self, method: str) -> None:
        path = self._path
        if path.startswith("/_downloads/"):
            return self._download(method)
        m = re.match(r"^(?:/api)?/uploads/repos/([^/]+)/([^/]+)/releases/(\d+)/assets$", path)
        if m and method == "POST":
            return self._upload(m.group(1), m.group(2), int(m.group(3)))
        m = re.match(r"^/([^/]+)/([^/]+)/releases/download/([^/]+)/([^/]+)$", path)
        if m and method in ("GET", "HEAD"):
            return self._browser_download(*(unquote(g) for g in m.groups()))
        if self.fake.prefix:
            if not path.startswith(self.fake.prefix + "/"):
                raise _error(404, "Not Found")
            path = path[len(self.fake.prefix):]
        m = re.match(r"^/app/installations/(\d+)/access_tokens$", path)
        if m and method == "POST":
            return self._access_token(int(m.group(1)))
        who = self._principal()
        self._api_gate(who)
        m = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)?$", path)
        if not m:
            raise _error(404, "Not Found")
        owner, name, rest = m.group(1), m.group(2), m.group(3) or ""
        with self.fake.lock:
            repo = self._repo(owner, name, who)
        return self._repo_route(method, repo, rest, who)

    def _repo_route(self, method: str, r: _Repo, rest: str, who: _Principal) -> None:
        fake = self.fake
        show_drafts = who.kind != "anonymous"
        if rest == "" and method == "GET":
            return self._send_json(200, {
                "id": r.id, "name": r.name, "full_name": f"{r.owner}/{r.name}",
                "private": r.private, "default_branch": r.default_branch,
                "owner": {"login": r.owner}, "html_url": f"{fake.root}/{r.owner}/{r.name}",
            })
        if rest.startswith("/actions/"):
            return artifacts_route(self, method, r, rest, who)
        if rest == "/releases":
            if method == "GET":
                with fake.lock:
                    rels = [x for x in r.releases.values() if show_drafts or not x.draft]
                    rels.sort(key=lambda x: (x.created_at, x.id), reverse=True)
                    items = [fake._release_json(r, x) for x in rels]
                return self._paginated(items)
            if method == "POST":
                self._need_write(who)
                body = self._json_body()
                tag = body.get("tag_name")
                if not tag:
                    raise _error(422, "Validation Failed",
                                 errors=[{"resource": "Release", "code": "missing_field",
                                          "field": "tag_name"}])
                with fake.lock:
                    if any(x.tag_name == tag for x in r.releases.values()):
                        raise _error(422, "Validation Failed",
                                     errors=[{"resource": "Release", "code": "already_exists",
                                              "field": "tag_name"}])
                    draft = bool(body.get("draft"))
                    rel = _Release(fake._id(), tag, body.get("name") or tag,
                                   body=body.get("body") or "", draft=draft,
                                   prerelease=bool(body.get("prerelease")),
                                   target_commitish=body.get("target_commitish") or r.default_branch,
                                   published_at=None if draft else time.time())
                    r.releases[rel.id] = rel
                    out = fake._release_json(r, rel)
                return self._send_json(201, out)
        if rest == "/releases/latest" and method == "GET":
            with fake.lock:
                published = [x for x in r.releases.values()
                             if not x.draft and not x.prerelease and x.published_at]
                if not published:
                    raise _error(404, "Not Found")
                rel = max(published, key=lambda x: (x.published_at or 0, x.id))
                out = fake._release_json(r, rel)
            return self._send_json(200, out)
        m = re.match(r"^/releases/tags/(.+)$", rest)
        if m and method == "GET":
            tag = unquote(m.group(1))
            with fake.lock:
                rel = next((x for x in r.releases.values() if x.tag_name == tag and not x.draft),
                           None)
                if rel is None:
                    raise _error(404, "Not Found")
                out = fake._release_json(r, rel)
            return self._send_json(200, out)
        m = re.match(r"^/releases/assets/(\d+)$", rest)
        if m:
            return self._asset_route(method, r, int(m.group(1)), who)
        m = re.match(r"^/releases/(\d+)(/assets)?$", rest)
        if m:
            with fake.lock:
                rel = r.releases.get(int(m.group(1)))
                if rel is None or (rel.draft and not show_drafts):
                    raise _error(404, "Not Found")
            if m.group(2) and method == "GET":
                with fake.lock:
                    items = [fake._asset_json(r, rel, a) for a in rel.assets.values()]
                return self._paginated(items)
            if not m.group(2) and method == "GET":
                with fake.lock:
                    out = fake._release_json(r, rel)
                return self._send_json(200, out)
            if not m.group(2) and method == "DELETE":
                self._need_write(who)
                with fake.lock:
                    r.releases.pop(rel.id, None)
                return self._send_json(204, None)
        m = re.match(r"^/git/trees/(.+)$", rest)
        if m and method == "GET":
            return self._tree(r, unquote(m.group(1)))
        m = re.match(r"^/contents/(.*)$", rest)
        if m and method == "GET":
            return self._contents(r, unquote(m.group(1)))
        raise _error(404, "Not Found")

    def _paginated(self, items: list[Any]) -> None:
        try:
            per_page = max(1, min(int(self._query.get("per_page", 30)), 100))
            page = max(1, int(self._query.get("page", 1)))
        except ValueError:
            raise _error(400, "Invalid pagination parameters") from None
        last = max(1, (len(items) + per_page - 1) // per_page)
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []
        base = self.fake.root + self._path

        def link(n: int, rel: str) -> str:
            query = {**self._query, "per_page": str(per_page), "page": str(n)}
            return f'<{base}?{urlencode(query)}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        headers = {"Link": ", ".join(links)} if links else {}
        self._send_json(200, chunk, headers)

    # -- assets ---------------------------------------------------------------------------------
    def _find_asset(self, r: _Repo, asset_id: int) -> tuple[_Release, _Asset]:
        for rel in r.releases.values():
            if asset_id in rel.assets:
                return rel, rel.assets[asset_id]
        raise _error(404, "Not Found")

    def _asset_route(self, method: str, r: _Repo, asset_id: int, who: _Principal) -> None:
        fake = self.fake
        with fake.lock:
            rel, asset = self._find_asset(r, asset_id)
        if method == "GET":
            if "application/octet-stream" in (self.headers.get("Accept") or ""):
                with fake.lock:
                    location = fake._download_url(asset)
                return self._send_json(302, None, {"Location": location})
            with fake.lock:
                out = fake._asset_json(r, rel, asset)
            return self._send_json(200, out)
        if method == "PATCH":
            self._need_write(who)
            body = self._json_body()
            with fake.lock:
                new_name = body.get("name") or asset.name
                if any(a.name == new_name and a.id != asset.id for a in rel.assets.values()):
                    raise _error(422, "Validation Failed",
                                 errors=[{"resource": "ReleaseAsset", "code": "already_exists",
                                          "field": "name"}])
                asset.name = new_name
                if "label" in body:
                    asset.label = body["label"]
                asset.updated_at = time.time()
                out = fake._asset_json(r, rel, asset)
            return self._send_json(200, out)
        if method == "DELETE":
            self._need_write(who)
            with fake.lock:
                rel.assets.pop(asset.id, None)
            return self._send_json(204, None)
        raise _error(404, "Not Found")

    def _upload(self, owner: str, name: str, release_id: int) -> None:
        fake = self.fake
        who = self._principal()
        self._api_gate(who)
        with fake.lock:
            r = self._repo(owner, name, who)
        self._need_write(who)
        with fake.lock:
            rel = r.releases.get(release_id)
        if rel is None:
            raise _error(404, "Not Found")
        length = self.headers.get("Content-Length")
        if length is None:
            raise _error(411, "Length Required")
        size = int(length)
        asset_name = self._query.get("name")
        if not asset_name:
            raise _error(422, "Validation Failed",
                         errors=[{"resource": "ReleaseAsset", "code": "missing_field", "field": "name"}])
        if size > MAX_ASSET:
            raise _error(422, "Validation Failed",
                         errors=[{"resource": "ReleaseAsset", "code": "custom", "field": "size",
                                  "message": "size must be less than 2 GiB"}])
        with fake.lock:
            if any(a.name == asset_name for a in rel.assets.values()):
                raise _error(422, "Validation Failed",
                             errors=[{"resource": "ReleaseAsset", "code": "already_exists",
                                      "field": "name"}])

        def body() -> Any:
            left = size
            while left > 0:
                chunk = self.rfile.read(min(left, _CHUNK))
                if not chunk:
                    raise ConnectionResetError("client went away")
                left -= len(chunk)
                self._bytes_in += len(chunk)
                yield chunk

        content_type = self.headers.get("Content-Type") or "application/octet-stream"
        asset = fake._store(asset_name, self._query.get("label") or None, content_type, body())
        with fake.lock:
            if fake._fail_uploads > 0:
                fake._fail_uploads -= 1
                asset.state = "starter"
                rel.assets[asset.id] = asset
                raise _Reply(502, {"message": "Server Error"})
            rel.assets[asset.id] = asset
            out = fake._asset_json(r, rel, asset)
        self._send_json(201, out)

    def _browser_download(self, owner: str, name: str, tag: str, asset_name: str) -> None:
        fake = self.fake
        with fake.lock:
            r = fake.repos.get((owner, name))
            rel = None if r is None or r.private else next(
                (x for x in r.releases.values() if x.tag_name == tag and not x.draft), None)
            asset = None if rel is None else next(
                (a for a in rel.assets.values() if a.name == asset_name), None)
            if asset is None:
                raise _Reply(404, {"message": "Not Found"})
            location = fake._download_url(asset)
        self._send_json(302, None, {"Location": location})

    def _download(self, method: str) -> None:
        """The pre-signed download URL: no Authorization accepted, Range honoured."""
        fake = self.fake
        m = re.match(r"^/_downloads/(\d+)/", self._path)
        if not m:
            raise _Reply(404, {"message": "Not Found"})
        asset_id = int(m.group(1))
        if self.headers.get("Authorization"):
            raise _Reply(400, {"message": "Only one auth mechanism allowed; only the "
                                          "X-Amz-Algorithm query parameter is supported"})
        try:
            expires = int(self._query.get("exp", "0"))
        except ValueError:
            expires = 0
        if not hmac.compare_digest(self._query.get("sig", ""), fake._sign(asset_id, expires)):
            raise _Reply(403, {"message": "Signature does not match"})
        if time.time() > expires:
            raise _Reply(403, {"message": "Request has expired"})
        with fake.lock:
            asset = None
            for r in fake.repos.values():
                for rel in r.releases.values():
                    asset = rel.assets.get(asset_id) or asset
            if asset is None:
                raise _Reply(404, {"message": "Not Found"})
            asset.download_count += 1
        size = asset.size
        start, end = 0, size - 1
        status = 200
        rng = self.headers.get("Range")
        if rng:
            m = re.match(r"^bytes=(\d*)-(\d*)$", rng.strip())
            if not m or (not m.group(1) and not m.group(2)):
                raise _Reply(416, None, {"Content-Range": f"bytes */{size}"})
            if m.group(1):
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else size - 1
            else:
                start, end = max(0, size - int(m.group(2))), size - 1
            end = min(end, size - 1)
            if start >= size or start > end:
                raise _Reply(416, None, {"Content-Range": f"bytes */{size}"})
            status = 206
        length = end - start + 1
        self._start(status)
        self.send_header("Content-Type", asset.content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if method == "HEAD":
            return
        with open(asset.path, "rb") as fh:
            fh.seek(start)
            left = length
            while left > 0:
                chunk = fh.read(min(left, _CHUNK))
                if not chunk:
                    break
                self._write(chunk)
                left -= len(chunk)

    # -- Apps ---------------------------------------------------------------------------------
    def _access_token(self, installation_id: int) -> None:
        import jwt

        fake = self.fake
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.count(".") != 2:
            raise _error(401, "A JSON web token could not be decoded")
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            app_id = str(claims.get("iss"))
            with fake.lock:
                key = fake.apps.get(app_id)
            if key is None:
                raise _error(401, "A JSON web token could not be decoded")
            claims = jwt.decode(token, key, algorithms=["RS256"], leeway=30,
                                options={"require": ["iat", "exp", "iss"]})
        except jwt.PyJWTError:
            raise _error(401, "A JSON web token could not be decoded") from None
        if claims["exp"] - time.time() > 600 + 30:
            raise _error(401, "'Expiration time' claim ('exp') is too far in the future")
        self._json_body()
        with fake.lock:
            if fake.installations.get(installation_id) != app_id:
                raise _error(404, "Not Found")
            new = "ghs_" + secrets.token_urlsafe(27)
            expires = time.time() + fake.installation_token_ttl
            fake.tokens[new] = _Token("installation", write=True, expires_at=expires,
                                      installation_id=installation_id)
            fake.issued.append((new, expires))
        self._send_json(201, {"token": new, "expires_at": _iso(expires),
                              "permissions": {"contents": "write"}, "repository_selection": "all"})

    # -- repository contents ---------------------------------------------------------------
    def _tree_sha(self, folder: str) -> str:
        return hashlib.sha1(f"tree:{folder}".encode()).hexdigest()

    def _tree(self, r: _Repo, sha: str) -> None:
        folders = {""} | {"/".join(p.split("/")[:i]) for p in r.files
                          for i in range(1, p.count("/") + 1)}
        if sha in (r.default_branch, "HEAD"):
            folder = ""
        else:
            folder = next((f for f in folders if self._tree_sha(f) == sha), None)
            if folder is None:
                raise _error(404, "Not Found")
        prefix = folder + "/" if folder else ""
        entries: dict[str, dict[str, Any]] = {}
        for path, data in r.files.items():
            if not path.startswith(prefix):
                continue
            head, _, tail = path[len(prefix):].partition("/")
            if tail:
                entries[head] = {"path": head, "mode": "040000", "type": "tree",
                                 "sha": self._tree_sha(prefix + head)}
            else:
                entries[head] = {"path": head, "mode": "100644", "type": "blob",
                                 "sha": hashlib.sha1(data).hexdigest(), "size": len(data)}
        self._send_json(200, {"sha": sha, "tree": list(entries.values()), "truncated": False})

    def _contents(self, r: _Repo, path: str) -> None:
        data = r.files.get(path)
        if data is None:
            raise _error(404, "Not Found")
        self._send_json(200, {
            "type": "file", "encoding": "base64", "name": path.rsplit("/", 1)[-1], "path": path,
            "content": base64.b64encode(data).decode(), "size": len(data),
            "sha": hashlib.sha1(data).hexdigest(), "download_url": None,
        })
