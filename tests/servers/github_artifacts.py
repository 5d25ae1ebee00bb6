"""GitHub Actions artifacts for the fake GitHub API (:mod:`tests.servers.github`).

The REST endpoints, as GitHub documents them
(https://docs.github.com/rest/actions/artifacts):

* ``GET /repos/{o}/{r}/actions/artifacts`` (``?name=``, ``per_page``,
  ``page``; ``Link`` headers) and ``GET /repos/{o}/{r}/actions/runs/{run}/artifacts``
  answer ``{"total_count": N, "artifacts": [...]}``, newest first;
* ``GET /repos/{o}/{r}/actions/artifacts/{id}``; ``DELETE`` of the same
  (a write: read-only tokens get 403);
* ``GET /repos/{o}/{r}/actions/artifacts/{id}/zip``: a token is required even
  for public repositories (401 without one), an expired artifact is 410,
  otherwise a 302 to a short-lived signed URL on a **separate host** — its
  own HTTP server on another port — the way GitHub hands out a signed blob
  storage URL.

The blob host (:class:`BlobHost`) checks the URL's signature and expiry
(``se``, ``sig``; 403 ``AuthenticationFailed`` once expired), refuses any
request that carries an ``Authorization`` header (400, as a SAS URL does),
serves ``Range`` (unless :attr:`ArtifactStore.blob_ranges` is False: then
it answers 200 with the whole zip, like a host that ignores ranges) and
records every request with the bytes it sent in :attr:`ArtifactStore.blob_log`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import re
import socket
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.servers.fake_http import serve_in_thread, shut_down

__all__ = ["ArtifactStore", "BlobHost", "artifacts_route"]

_CHUNK = 64 << 10
DAY = 86400.0


@dataclass
class _Artifact:
    id: int
    name: str
    path: str  # the zip file
    size: int
    digest: str
    run_id: int
    head_branch: str
    head_sha: str
    created_at: float
    expires_at: float

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


class ArtifactStore:
    """The artifact half of :class:`~tests.servers.github.FakeGitHub` (mixed into it).

    Needs from the fake: ``lock``, ``_id()``, ``_dir``, ``_key``,
    ``_repo_obj()``, ``_api()``, ``download_url_ttl``.
    """

    lock: Any
    _dir: str
    _key: bytes
    download_url_ttl: float
    blob: BlobHost | None = None

    def _id(self) -> int:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _repo_obj(self, owner: str, repo: str) -> Any:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _api(self, path: str) -> str:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _reset_artifacts(self) -> None:
        self.artifacts: dict[int, tuple[str, str, _Artifact]] = {}
        self.blob_log: list[Any] = []
        self.blob_ranges = True

    # -- setup ---------------------------------------------------------------------
    def add_artifact(
        self, owner: str, repo: str, name: str, files: Mapping[str, bytes] | None = None, *,
        zip_bytes: bytes | None = None, run_id: int | None = None, created_at: float | None = None,
        expires_in: float = 90 * DAY, head_branch: str = "main", head_sha: str | None = None,
        compression: int = zipfile.ZIP_DEFLATED,
    ) -> dict[str, Any]:
        """Add an artifact: a zip of ``files`` (or ``zip_bytes`` as given); its JSON.

        The artifact expires ``expires_in`` seconds after ``created_at``
        (default: now, so artifacts added later are newer); a negative
        ``expires_in``, or an old ``created_at``, makes it expired.
        """
        if zip_bytes is None:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", compression=compression) as zf:
                for member, data in (files or {}).items():
                    zf.writestr(member, data)
            zip_bytes = buf.getvalue()
        with self.lock:
            self._repo_obj(owner, repo)
            artifact_id = self._id()
            path = os.path.join(self._dir, f"artifact-{artifact_id}.zip")
            with open(path, "wb") as fh:
                fh.write(zip_bytes)
            created = time.time() if created_at is None else created_at
            art = _Artifact(
                artifact_id, name, path, len(zip_bytes),
                f"sha256:{hashlib.sha256(zip_bytes).hexdigest()}",
                run_id if run_id is not None else self._id(), head_branch,
                head_sha or hashlib.sha1(f"{name}{artifact_id}".encode()).hexdigest(),
                created, created + expires_in,
            )
            self.artifacts[artifact_id] = (owner, repo, art)
            return self._artifact_json(owner, repo, art)

    def artifact_zip(self, artifact_id: int) -> bytes:
        with self.lock:
            art = self.artifacts[artifact_id][2]
        with open(art.path, "rb") as fh:
            return fh.read()

    @property
    def blob_bytes_served(self) -> int:
        """Bytes of zip the blob host has sent so far."""
        with self.lock:
            return sum(r.bytes_out for r in self.blob_log)

    # -- JSON ---------------------------------------------------------------------------
    def _artifact_json(self, owner: str, repo: str, art: _Artifact) -> dict[str, Any]:
        from tests.servers.github import _iso

        base = f"/repos/{owner}/{repo}/actions/artifacts/{art.id}"
        return {
            "id": art.id,
            "node_id": f"MDg6QXJ0aWZhY3Q{art.id}",
            "name": art.name,
            "size_in_bytes": art.size,
            "url": self._api(base),
            "archive_download_url": self._api(base + "/zip"),
            "expired": art.expired,
            "digest": art.digest,
            "created_at": _iso(art.created_at),
            "updated_at": _iso(art.created_at),
            "expires_at": _iso(art.expires_at),
            "workflow_run": {
                "id": art.run_id, "repository_id": 1, "head_repository_id": 1,
                "head_branch": art.head_branch, "head_sha": art.head_sha,
            },
        }

    def _of_repo(self, owner: str, repo: str) -> list[_Artifact]:
        """The repository's artifacts, newest first (as GitHub lists them)."""
        arts = [a for (o, r, a) in self.artifacts.values() if (o, r) == (owner, repo)]
        return sorted(arts, key=lambda a: (a.created_at, a.id), reverse=True)

    # -- signing -------------------------------------------------------------------------
    def _blob_sign(self, artifact_id: int, expires: int) -> str:
        return hmac.new(self._key, f"blob:{artifact_id}:{expires}".encode(),
                        hashlib.sha256).hexdigest()[:40]

    def _signed_url(self, art: _Artifact) -> str:
        assert self.blob is not None, "start() the fake first"
        expires = int(time.time() + self.download_url_ttl)
        query = urlencode({"sv": "2021-12-02", "sr": "b", "sp": "r", "se": expires,
                           "sig": self._blob_sign(art.id, expires)})
        return f"{self.blob.root}/actions-results/{art.id}/artifact.zip?{query}"


def artifacts_route(handler: Any, method: str, repo: Any, rest: str, who: Any) -> None:
    """Answer ``/repos/{o}/{r}/actions/…`` (``rest`` starts at ``/actions``)."""
    from tests.servers.github import _error, _Reply

    fake = handler.fake
    owner, name = repo.owner, repo.name
    m = re.match(r"^/actions/(?:runs/(\d+)/)?artifacts$", rest)
    if m and method == "GET":
        wanted = handler._query.get("name")
        with fake.lock:
            arts = [a for a in fake._of_repo(owner, name)
                    if (m.group(1) is None or a.run_id == int(m.group(1)))
                    and (wanted is None or a.name == wanted)]
            items = [fake._artifact_json(owner, name, a) for a in arts]
        return _paginated_object(handler, items)
    m = re.match(r"^/actions/artifacts/(\d+)(/zip)?$", rest)
    if not m:
        raise _error(404, "Not Found")
    with fake.lock:
        hit = fake.artifacts.get(int(m.group(1)))
    if hit is None or hit[:2] != (owner, name):
        raise _error(404, "Not Found")
    art = hit[2]
    if m.group(2) and method == "GET":
        if who.kind == "anonymous":
            raise _error(401, "You must be logged in to download artifacts.")
        if art.expired:
            raise _error(410, "Artifact has expired")
        with fake.lock:
            location = fake._signed_url(art)
        return handler._send_json(302, None, {"Location": location})
    if not m.group(2) and method == "GET":
        with fake.lock:
            out = fake._artifact_json(owner, name, art)
        return handler._send_json(200, out)
    if not m.group(2) and method == "DELETE":
        handler._need_write(who)
        with fake.lock:
            fake.artifacts.pop(art.id, None)
        return handler._send_json(204, None)
    raise _Reply(404, {"message": "Not Found"})


def _paginated_object(handler: Any, items: list[Any]) -> None:
    """A page of ``{"total_count", "artifacts"}`` with GitHub's ``Link`` header."""
    from tests.servers.github import _error

    query = handler._query
    try:
        per_page = max(1, min(int(query.get("per_page", 30)), 100))
        page = max(1, int(query.get("page", 1)))
    except ValueError:
        raise _error(400, "Invalid pagination parameters") from None
    last = max(1, (len(items) + per_page - 1) // per_page)
    base = handler.fake.root + handler._path

    def link(n: int, rel: str) -> str:
        return f'<{base}?{urlencode({**query, "per_page": str(per_page), "page": str(n)})}>; rel="{rel}"'

    links = [link(page + 1, "next"), link(last, "last")] if page < last else []
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    body = {"total_count": len(items), "artifacts": items[(page - 1) * per_page: page * per_page]}
    handler._send_json(200, body, {"Link": ", ".join(links)} if links else {})


# -- the blob host ------------------------------------------------------------------------
class BlobHost:
    """The separate host signed artifact URLs point at (its own server and port)."""

    def __init__(self, store: ArtifactStore) -> None:
        self.store = store
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> BlobHost:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _BlobHandler)
        server.store = self.store  # type: ignore[attr-defined]
        self._server = server
        serve_in_thread(server, "fake-github-blobs")
        return self

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    @property
    def root(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"


class _BlobHandler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms wait
    protocol_version = "HTTP/1.1"
    server_version = "FakeBlobHost/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def _answer(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error>").encode()
        self._record.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, method: str) -> None:
        from tests.servers.github import Record

        store: ArtifactStore = self.server.store  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        auth = self.headers.get("Authorization")
        self._record = Record(method, parts.path, query, 0,
                              auth.split(" ", 1)[0].lower() if auth else None,
                              self.headers.get("Range"))
        with store.lock:
            store.blob_log.append(self._record)
        if auth:
            return self._answer(400, "InvalidAuthenticationInfo",
                                "A signed URL takes no Authorization header")
        m = re.match(r"^/actions-results/(\d+)/artifact\.zip$", parts.path)
        try:
            expires = int(query.get("se", "0"))
        except ValueError:
            expires = 0
        artifact_id = int(m.group(1)) if m else -1
        if not m or not hmac.compare_digest(query.get("sig", ""),
                                            store._blob_sign(artifact_id, expires)):
            return self._answer(403, "AuthenticationFailed", "Signature did not match")
        if time.time() > expires:
            return self._answer(403, "AuthenticationFailed",
                                "Signed expiry time has to be after signed start time")
        with store.lock:
            hit = store.artifacts.get(artifact_id)
            ranges = store.blob_ranges
        if hit is None:
            return self._answer(404, "BlobNotFound", "The specified blob does not exist.")
        art = hit[2]
        size, start, end, status = art.size, 0, art.size - 1, 200
        rng = self.headers.get("Range") if ranges else None
        if rng:
            rm = re.match(r"^bytes=(\d*)-(\d*)$", rng.strip())
            if not rm or not (rm.group(1) or rm.group(2)):
                return self._answer(416, "InvalidRange", "bad range",
                                    {"Content-Range": f"bytes */{size}"})
            if rm.group(1):
                start = int(rm.group(1))
                end = min(int(rm.group(2)) if rm.group(2) else size - 1, size - 1)
            else:
                start = max(0, size - int(rm.group(2)))
            if start >= size or start > end:
                return self._answer(416, "InvalidRange", "The range specified is invalid",
                                    {"Content-Range": f"bytes */{size}"})
            status = 206
        self._record.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(end - start + 1))
        if ranges:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if method == "HEAD":
            return
        try:
            with open(art.path, "rb") as fh:
                fh.seek(start)
                left = end - start + 1
                while left > 0:
                    chunk = fh.read(min(left, _CHUNK))
                    if not chunk:
                        break
                    self._record.bytes_out += len(chunk)
                    self.wfile.write(chunk)
                    left -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

