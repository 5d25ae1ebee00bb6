"""Writing GitHub release assets: the 2 GiB check, release creation, uploads that replace an asset safely."""

from __future__ import annotations

import io
import mimetypes
import os
import secrets
import time
from collections.abc import Mapping
from typing import IO, Any

from fsspec.callbacks import DEFAULT_CALLBACK

from omefs.errors import (
    AlreadyExistsError,
    AssetTooLargeError,
    InvalidURIError,
    NotFoundError,
    OmefsError,
)
from omefs.providers.github.connection import check_release_fields
from omefs.providers.github.listing import ReleaseListing, asset_entry, release_entry
from omefs.providers.github.paths import ReleasePath
from omefs.redact import get_logger

__all__ = ["ReleaseUploads"]

log = get_logger(__name__)


class ReleaseUploads(ReleaseListing):
    """Uploads: ``upload``, ``put_file``, ``pipe_file``; a replaced asset is swapped in only once uploaded."""

    # -- fsspec: writing ------------------------------------------------------------------
    def _check_writable(self, p: ReleasePath, operation: str) -> None:
        if p.level != "asset":
            raise InvalidURIError(
                f"{operation}: {self._uri(p)} is not an asset path; writes go to "
                "github://OWNER/REPO/TAG/ASSET (releases have no sub-folders)",
                operation=operation, uri=self._uri(p), provider="github",
            )

    def _check_size(self, size: int, uri: str, operation: str) -> None:
        if size > self.max_asset_size:
            raise AssetTooLargeError(
                f"{operation}: {size} bytes is over GitHub's limit for a release asset "
                f"({self.max_asset_size} bytes; assets must be under 2 GiB); nothing was sent. "
                "Split the file (and join the parts when reading) or publish it elsewhere",
                operation=operation, uri=uri, provider="github",
            )

    def _wants_create(self, create_release: Any) -> Any:
        """The release fields to create a missing release with, or False (do not create)."""
        value = create_release if create_release is not None else self.create_release
        value = check_release_fields(value, "create_release")
        if isinstance(value, Mapping):
            return dict(value)
        return {} if value else False

    def _release_for_write(
        self, p: ReleasePath, create_release: Any, operation: str = "write", *, refresh: bool = True
    ) -> dict[str, Any]:
        """The release a write to ``p`` goes to, created when allowed; else a clear :class:`NotFoundError`."""
        rp = p.release()
        try:
            return self._release(rp, refresh=refresh)
        except NotFoundError as missing:
            fields = self._wants_create(create_release)
            if fields is False:
                raise NotFoundError(
                    f"{operation}: release {p.tag!r} does not exist in {p.owner}/{p.repo}; create "
                    f"it first (fs.mkdir('{rp.path}')) or pass create_release=True",
                    operation=operation, uri=self._uri(p), provider="github",
                ) from missing
        return self._create_release(rp, fields)

    def _create_release(self, rp: ReleasePath, fields: Mapping[str, Any]) -> dict[str, Any]:
        if rp.is_latest:
            raise InvalidURIError(
                f"cannot create a release tagged 'latest' ({self._uri(rp)}): 'latest' names "
                "GitHub's latest release; give the new release's own tag",
                operation="create release", uri=self._uri(rp), provider="github",
            )
        body = {"tag_name": rp.tag, "name": rp.tag, **dict(fields)}
        try:
            raw = self.client.create_release(str(rp.owner), str(rp.repo), body, uri=self._uri(rp))
        except AlreadyExistsError:  # created meanwhile by someone else
            return self._release(rp, refresh=True)
        finally:
            self.invalidate_cache(rp.repo_path)
        log.info("created release %s", self._uri(rp))
        entry = release_entry(raw, rp.path)
        self._releases[(str(rp.owner), str(rp.repo), str(rp.tag))] = (time.monotonic(), entry)
        return entry

    def upload(
        self,
        path: str,
        source: IO[bytes],
        size: int,
        *,
        content_type: str | None = None,
        label: str | None = None,
        create_release: Any = None,
        overwrite: bool = True,
        callback: Any = None,
    ) -> dict[str, Any]:
        """Upload ``size`` bytes of ``source`` as the asset ``path``; return its entry.

        ``source`` is read from its current position and must be seekable
        (retries start again from there). An existing asset is replaced
        safely: the new bytes go up under a temporary name; only when they
        are all there is the old asset renamed away, the new one renamed into
        place and the old one deleted. If the upload fails, the old asset is
        untouched. ``overwrite=False`` raises :class:`FileExistsError` instead.
        """
        p = self._parse(path)
        uri = self._uri(p)
        self._check_writable(p, "upload")
        self._check_size(int(size), uri, "upload")
        name = str(p.asset)
        ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        start = source.tell()
        release = self._release_for_write(p, create_release)
        try:
            existing = self._find_asset(p, refresh=True)
            if existing is None:
                try:
                    raw = self.client.upload(
                        release, name, source, size, content_type=ctype, label=label,
                        callback=callback, uri=uri,
                        cleanup=lambda: self._remove_partial(p, release, name, temporary=False),
                    )
                    return self._uploaded(p, raw, release)
                except AlreadyExistsError:
                    existing = self._find_asset(p, refresh=True)
                    if existing is None:
                        raise
            if not overwrite:
                raise FileExistsError(f"{uri} exists")
            source.seek(start)
            return self._replace(p, release, existing, source, size, ctype, label, callback)
        finally:
            self.invalidate_cache(p.repo_path)

    def _uploaded(self, p: ReleasePath, raw: Mapping[str, Any], release: Mapping[str, Any]) -> dict[str, Any]:
        if raw.get("name") != p.asset:
            log.warning(
                "GitHub stored asset %r as %r (it renames names with some special characters)",
                p.asset, raw.get("name"),
            )
        return asset_entry(raw, f"{p.release().path}/{raw.get('name')}", release)

    def _remove_partial(self, p: ReleasePath, release: Mapping[str, Any], name: str, *, temporary: bool) -> None:
        """Delete what a failed upload left (GitHub may keep a broken ``starter`` asset)."""
        try:
            for raw in self.client.list_assets(
                str(p.owner), str(p.repo), int(release["id"]), uri=self._uri(p)
            ):
                if raw.get("name") == name and (temporary or raw.get("state") != "uploaded"):
                    self.client.delete_asset(str(p.owner), str(p.repo), int(raw["id"]), uri=self._uri(p))
        except OmefsError as exc:
            log.warning("could not remove what a failed upload left of %r: %s", name, exc)

    def _replace(
        self,
        p: ReleasePath,
        release: Mapping[str, Any],
        existing: Mapping[str, Any],
        source: IO[bytes],
        size: int,
        ctype: str,
        label: str | None,
        callback: Any,
    ) -> dict[str, Any]:
        name = str(p.asset)
        temp = f"{name}.omefs-{secrets.token_hex(4)}.part"
        raw = self.client.upload(
            release, temp, source, size, content_type=ctype, label=label, callback=callback,
            uri=self._uri(p), cleanup=lambda: self._remove_partial(p, release, temp, temporary=True),
        )
        return self._swap_in(p, release, raw, existing)

    def _swap_in(
        self, p: ReleasePath, release: Mapping[str, Any], new: Mapping[str, Any], old: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Give ``new`` the name of ``old``: old → backup name, new → name, delete old.

        At every step one complete asset holds the bytes; if a rename fails,
        the old asset gets its name back.
        """
        owner, repo, uri, name = str(p.owner), str(p.repo), self._uri(p), str(p.asset)
        backup = f"{name}.omefs-{secrets.token_hex(4)}.old"
        try:
            self.client.rename_asset(owner, repo, int(old["id"]), backup, uri=uri)
        except BaseException:
            self._delete_quietly(owner, repo, int(new["id"]), uri)
            raise
        try:
            raw = self.client.rename_asset(owner, repo, int(new["id"]), name, uri=uri)
        except BaseException:
            try:
                self.client.rename_asset(owner, repo, int(old["id"]), name, uri=uri)
            except OmefsError as exc:
                log.error("%s: the previous asset is kept as %r (restoring its name failed: %s)",
                          uri, backup, exc)
            self._delete_quietly(owner, repo, int(new["id"]), uri)
            raise
        self._delete_quietly(owner, repo, int(old["id"]), uri, keep_as=backup)
        return self._uploaded(p, raw, release)

    def _delete_quietly(self, owner: str, repo: str, asset_id: int, uri: str, keep_as: str | None = None) -> None:
        try:
            self.client.delete_asset(owner, repo, asset_id, uri=uri)
        except OmefsError as exc:
            what = f"the previous asset, now named {keep_as!r}" if keep_as else f"asset {asset_id}"
            log.warning("%s: could not delete %s: %s", uri, what, exc)

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        """Upload ``value`` as an asset (``mode="create"``: fail if it exists)."""
        if self._contents is not None:
            raise NotImplementedError("repository contents (github://ORG:REPO@REF/PATH) are read-only")
        data = memoryview(value).cast("B")
        self._check_size(data.nbytes, f"github://{self._strip_protocol(path)}", "pipe")
        self.upload(
            path, io.BytesIO(data), data.nbytes, content_type=kwargs.get("content_type"),
            label=kwargs.get("label"), create_release=kwargs.get("create_release"),
            overwrite=mode != "create",
        )

    def put_file(
        self, lpath: Any, rpath: str, callback: Any = DEFAULT_CALLBACK, mode: str = "overwrite", **kwargs: Any
    ) -> None:
        """Stream a local file to an asset; a local folder maps to a release (which must exist,
        unless ``create_release``)."""
        if self._contents is not None:
            raise NotImplementedError("repository contents (github://ORG:REPO@REF/PATH) are read-only")
        lpath = os.fspath(lpath)
        if os.path.isdir(lpath):
            p = self._parse(rpath)
            if p.level == "release":
                self.makedirs(p.path, exist_ok=True, create_release=kwargs.get("create_release"))
            elif p.level == "repo":
                self._repo_info(p)
            else:
                raise InvalidURIError(
                    f"put: cannot upload the folder {lpath!r} to {self._uri(p)}: GitHub releases "
                    "have no sub-folders; put the files of one folder into github://OWNER/REPO/TAG/",
                    operation="put", uri=self._uri(p), provider="github",
                )
            return None
        size = os.path.getsize(lpath)
        self._check_size(size, f"github://{self._strip_protocol(rpath)}", "put")
        callback.set_size(size)
        with open(lpath, "rb") as src:
            self.upload(
                rpath, src, size, content_type=kwargs.get("content_type"),
                label=kwargs.get("label"), create_release=kwargs.get("create_release"),
                overwrite=mode != "create", callback=callback,
            )
        return None
