"""What the ``github://`` filesystem does with ``OWNER/REPO/actions/…`` paths.

:class:`ArtifactAccess` answers the filesystem's listing, metadata and
read calls for Actions artifacts, and refuses writes: artifacts are made
by workflow runs, so omefs reads them (and deletes a whole artifact with
``rm``) but never writes one — publishing goes to a release.

Levels (see :mod:`omefs.providers.github.artifacts.paths`):

* ``…/actions/artifacts`` lists a folder per artifact name (the artifact
  that name resolves to, with ``id``, ``size``, ``created``, ``expires``,
  ``expired``, ``run_id``, ``head_branch``, ``head_sha``);
* ``…/artifacts/NAME`` is the artifact's zip file for ``info``/``open``/
  ``cat``, and its root folder for ``ls``/``find``/``glob`` (members with
  ``size`` and ``crc32``);
* ``…/artifacts/NAME/MEMBER`` is one member, read by ranged requests.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from typing import Any

from omefs.errors import (
    ChecksumMismatchError,
    InvalidURIError,
    NotFoundError,
    PermissionDeniedError,
)
from omefs.providers.github.artifacts.catalog import (
    artifact_entry,
    choose,
    expired_error,
    nearest,
    newest_per_name,
    when,
)
from omefs.providers.github.artifacts.files import ZipReadFile, open_member
from omefs.providers.github.artifacts.paths import ACCEPTED_FORMS, ArtifactPath
from omefs.providers.github.artifacts.remote import RemoteZip
from omefs.providers.github.artifacts.rest import ArtifactsREST
from omefs.providers.github.artifacts.zipindex import Member, ZipIndex

__all__ = ["ArtifactAccess", "read_only"]

_INDEXES_KEPT = 32


def read_only(p: ArtifactPath | str, operation: str) -> PermissionDeniedError:
    """The error of a write, rename or member delete below ``actions/``."""
    uri = str(p) if isinstance(p, ArtifactPath) else f"github://{p}"
    return PermissionDeniedError(
        f"{operation}: {uri} is a GitHub Actions artifact path, which omefs reads but never "
        "writes (artifacts are made by workflow runs; rm deletes a whole artifact). To publish "
        "files on GitHub, write them to a release: github://OWNER/REPO/TAG/ASSET",
        operation=operation, uri=uri, provider="github",
    )


class ArtifactAccess:
    """Artifacts of the repositories one filesystem reaches (its client and listings cache)."""

    def __init__(self, fs: Any) -> None:
        self.fs = fs
        self.rest = ArtifactsREST(fs.client)
        self._lock = threading.Lock()
        self._resolved: dict[str, tuple[float, dict[str, Any]]] = {}
        self._indexes: dict[int, ZipIndex] = {}

    # -- resolution ---------------------------------------------------------------------
    def _listing(self, p: ArtifactPath, refresh: bool = False) -> list[dict[str, Any]]:
        key = p.listing_path
        if not refresh and key in self.fs.dircache:
            return list(self.fs.dircache[key])
        raws = self.rest.list(p.owner, p.repo, run_id=p.run_id, uri=f"github://{key}")
        entries = [artifact_entry(raw, f"{key}/{name}", kind="directory", others=others)
                   for name, (raw, others) in sorted(newest_per_name(raws).items())]
        if self.fs.dircache.use_listings_cache:
            self.fs.dircache[key] = entries
        return list(entries)

    def artifact(self, p: ArtifactPath, operation: str = "stat", refresh: bool = False) -> dict[str, Any]:
        """The raw GitHub record of the artifact ``p`` names (newest non-expired for a name)."""
        key = p.artifact_path
        with self._lock:
            hit = self._resolved.get(key)
        if hit and not refresh and self.fs._fresh(hit[0]):
            return hit[1]
        uri = str(p.artifact())
        artifact_id = p.artifact_id
        if artifact_id is not None:
            raw = self.rest.get(p.owner, p.repo, artifact_id, uri=uri)
            run = (raw or {}).get("workflow_run") or {}
            if raw is None or (p.run_id is not None and run.get("id") != p.run_id):
                where = f"run {p.run_id} of {p.repo_path}" if p.run_id is not None else p.repo_path
                raise NotFoundError(f"{operation}: {where} has no artifact with id {artifact_id}",
                                    operation=operation, uri=uri, provider="github")
            if raw.get("expired"):
                raise expired_error(raw, p, operation)
        else:
            raws = self.rest.list(p.owner, p.repo, name=p.selector, run_id=p.run_id, uri=uri)
            names: list[str] = []
            if not raws:
                names = [str(r.get("name")) for r in
                         self.rest.list(p.owner, p.repo, run_id=p.run_id, uri=uri)]
            raw = choose(raws, p, names, operation)
        with self._lock:
            self._resolved[key] = (time.monotonic(), raw)
        return raw

    def index(self, p: ArtifactPath, raw: dict[str, Any]) -> ZipIndex:
        """The zip index of an artifact (its central directory), kept per artifact id."""
        artifact_id = int(raw["id"])
        with self._lock:
            found = self._indexes.get(artifact_id)
        if found is not None:
            return found
        built = ZipIndex(RemoteZip(self.rest, raw, uri=str(p.artifact())))
        with self._lock:
            if len(self._indexes) >= _INDEXES_KEPT:
                self._indexes.pop(next(iter(self._indexes)))
            return self._indexes.setdefault(artifact_id, built)

    def _member(self, p: ArtifactPath, operation: str) -> tuple[ZipIndex, Member]:
        raw = self.artifact(p, operation)
        idx = self.index(p, raw)
        found = idx.members.get(str(p.member))
        if found is None:
            if str(p.member) in idx.dirs:
                raise IsADirectoryError(f"{p} is a folder inside the artifact")
            close = nearest(str(p.member), idx.members)
            raise NotFoundError(
                f"{operation}: the artifact {raw.get('name')!r} (id {raw.get('id')}) has no member "
                f"{p.member!r}; nearest: {', '.join(close) or '(the zip is empty)'}",
                operation=operation, uri=str(p), provider="github",
            )
        return idx, found

    # -- entries ------------------------------------------------------------------------
    def _member_entry(self, p: ArtifactPath, m: Member, raw: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": f"{p.artifact_path}/{m.name}", "type": "file", "size": m.size,
            "crc32": m.crc32, "compressed_size": int(m.info.compress_size),
            "compression": m.compression, "created": when(raw.get("created_at")),
            "artifact_id": raw.get("id"),
        }

    def ls(self, p: ArtifactPath, refresh: bool = False) -> list[dict[str, Any]]:
        """The entries right below ``p``."""
        def folder(path: str) -> dict[str, Any]:
            return {"name": path, "type": "directory", "size": 0}

        if p.level == "actions":
            return [folder(f"{p.actions_path}/artifacts")]
        if p.level == "runs":
            raise InvalidURIError(
                f"ls: name a workflow run: {p}/RUN_ID/artifacts; accepted: {ACCEPTED_FORMS}",
                operation="ls", uri=str(p), provider="github")
        if p.level == "run":
            return [folder(p.listing_path)]
        if p.level == "artifacts":
            return self._listing(p, refresh=refresh)
        raw = self.artifact(p, "ls", refresh=refresh)
        idx = self.index(p, raw)
        folder_name = p.member or ""
        if p.level == "member" and folder_name not in idx.dirs:
            return [self.info(p)]
        files, dirs = idx.children(folder_name)
        return ([folder(f"{p.artifact_path}/{d}") for d in dirs]
                + [self._member_entry(p, m, raw) for m in files])

    def info(self, p: ArtifactPath, refresh: bool = False) -> dict[str, Any]:
        """The entry of ``p``: a folder, the artifact's zip (a file), or a member."""
        if p.level in ("actions", "runs", "run", "artifacts"):
            return {"name": p.path, "type": "directory", "size": 0}
        raw = self.artifact(p, "stat", refresh=refresh)
        if p.level == "artifact":
            return artifact_entry(raw, p.path)
        idx = self.index(p, raw)
        if p.member in idx.dirs:
            return {"name": p.path, "type": "directory", "size": 0}
        return self._member_entry(p, self._member(p, "stat")[1], raw)

    # -- reading ------------------------------------------------------------------------
    def open(self, p: ArtifactPath, block_size: int | None = None, **kwargs: Any) -> Any:
        """A read-only file: the artifact's zip, or one member."""
        if p.level == "artifact":
            raw = self.artifact(p, "open")
            remote = self.index(p, raw).remote
            return ZipReadFile(self.fs, p.path, remote, artifact_entry(raw, p.path),
                               block_size=block_size, cache_type=kwargs.get("cache_type", "readahead"),
                               cache_options=kwargs.get("cache_options"))
        if p.level != "member":
            raise IsADirectoryError(f"{p} is a folder; open an artifact or a member of one")
        idx, m = self._member(p, "open")
        return open_member(idx, m, p.path, block_size)

    def cat(self, p: ArtifactPath, start: int | None = None, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of the zip or of a member (negative values count from the end)."""
        if p.level == "artifact":
            raw = self.artifact(p, "read")
            remote = self.index(p, raw).remote
            size = remote.size
            begin, stop = _span(size, start, end)
            data = remote.read(begin, stop)
            if (begin, stop) == (0, size):
                _check_digest(raw, [data], str(p))
            return data
        if p.level != "member":
            raise IsADirectoryError(f"{p} is a folder; read an artifact or a member of one")
        idx, m = self._member(p, "read")
        begin, stop = _span(m.size, start, end)
        return idx.read(m, begin, stop)

    def get(self, p: ArtifactPath, lpath: Any, callback: Any) -> None:
        """Download the zip or a member to a local file (a temporary name, renamed when checked)."""
        if p.level == "artifact":
            raw = self.artifact(p, "download")
            remote = self.index(p, raw).remote
            callback.set_size(remote.size)
            pieces = _checked(raw, remote.iter_range(0, remote.size), str(p))
        elif p.level == "member" and p.member not in self.index(p, self.artifact(p, "download")).dirs:
            idx, m = self._member(p, "download")
            callback.set_size(m.size)
            pieces = idx.stream(m)
        else:
            self.info(p)
            if not hasattr(lpath, "write"):
                os.makedirs(lpath, exist_ok=True)
            return
        if hasattr(lpath, "write"):
            for piece in pieces:
                lpath.write(piece)
                callback.relative_update(len(piece))
            return
        lpath = os.fspath(lpath)
        folder = os.path.dirname(os.path.abspath(lpath))
        os.makedirs(folder, exist_ok=True)
        fd, part = tempfile.mkstemp(prefix=".omefs-", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                for piece in pieces:
                    out.write(piece)
                    callback.relative_update(len(piece))
            os.replace(part, lpath)
        except BaseException:
            try:
                os.unlink(part)
            except OSError:
                pass
            raise

    # -- deleting -----------------------------------------------------------------------
    def rm(self, p: ArtifactPath) -> None:
        """Delete the artifact ``p`` names (``DELETE …/actions/artifacts/{id}``); nothing else."""
        if p.level != "artifact":
            raise read_only(p, "rm")
        raw = self.artifact(p, "rm", refresh=True)
        self.rest.delete(p.owner, p.repo, int(raw["id"]), uri=str(p))
        self.invalidate(p.repo_path)

    def invalidate(self, repo_path: str | None = None) -> None:
        """Forget resolved names (all, or those of one repository)."""
        with self._lock:
            for key in [k for k in self._resolved
                        if repo_path is None or k.startswith(repo_path + "/")]:
                self._resolved.pop(key, None)


def _span(size: int, start: int | None, end: int | None) -> tuple[int, int]:
    begin = 0 if start is None else (max(0, size + start) if start < 0 else start)
    stop = size if end is None else (max(0, size + end) if end < 0 else min(end, size))
    return begin, stop


def _checked(raw: dict[str, Any], pieces: Any, uri: str) -> Any:
    """``pieces`` passed through, checked against the artifact's ``sha256:`` digest at the end."""
    digest = str(raw.get("digest") or "")
    hasher = hashlib.sha256() if digest.startswith("sha256:") else None
    for piece in pieces:
        if hasher is not None:
            hasher.update(piece)
        yield piece
    if hasher is not None and f"sha256:{hasher.hexdigest()}" != digest:
        raise ChecksumMismatchError(f"read artifact: the zip read does not match its digest {digest}",
                                    operation="read artifact", uri=uri, provider="github")


def _check_digest(raw: dict[str, Any], pieces: list[bytes], uri: str) -> None:
    for _ in _checked(raw, pieces, uri):
        pass
