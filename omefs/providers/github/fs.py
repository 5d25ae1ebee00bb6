"""``github://``: GitHub Releases as a filesystem — releases are folders, assets are files.

Teams publish model weights, tokenizers and datasets as release assets;
fsspec's own ``github://`` reads repository contents only. This
filesystem reads and writes release assets, on github.com and GitHub
Enterprise Server (``endpoint_url="https://HOST/api/v3"``).

Paths (see :mod:`omefs.providers.github.paths`)::

    github://OWNER/REPO                 lists releases as folders (name = tag)
    github://OWNER/REPO/TAG             lists the release's assets as files
    github://OWNER/REPO/TAG/ASSET       an asset; OWNER/REPO@TAG/ASSET is the same place
    github://OWNER/REPO/latest/ASSET    the asset of GitHub's latest release
    github://ORG:REPO@REF/PATH          fsspec's repository-contents form, delegated to
                                        fsspec's GithubFileSystem

* Reads stream: ``open("rb")`` and ``cat_file(start, end)`` use HTTP Range
  requests against the asset's download URL, so a 1 GiB asset is never
  held in memory; ``get`` streams to disk and checks GitHub's ``digest``.
* Writes upload an asset in one request (GitHub has no multipart):
  ``open("wb")`` spools to a temporary file and uploads on close; ``put``
  and ``pipe`` stream. A missing release is an error unless
  ``create_release=True``. Replacing an asset uploads the new bytes under
  a temporary name first, so a failed upload leaves the old asset as it
  was. Assets of 2 GiB or more are refused before any byte is sent.
* ``rm`` deletes assets; deleting a release needs ``recursive=True``
  (its git tag stays). ``mkdir("OWNER/REPO/TAG")`` creates a release.
* Rate limits: secondary limits are waited out within
  ``max_rate_limit_wait`` seconds; an exhausted primary limit raises
  :class:`~omefs.errors.RateLimitError` saying when it resets.

Credentials: ``auth=`` (an omefs GitHub auth config), or ``token=`` (a
personal access token), or ``gh_auth=`` (any PyGithub ``Auth`` object), or
``anon=True``; with none of them, the ``default`` auth type
(``GITHUB_TOKEN``/``GH_TOKEN``, else anonymous).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from typing import Any

from omefs.errors import (
    AssetTooLargeError,
    InvalidURIError,
    IsAReleaseError,
    PermissionDeniedError,
    RateLimitError,
)
from omefs.providers.error_mapping import SYNC_METHODS, map_errors
from omefs.providers.github.connection import MAX_ASSET_SIZE, check_release_fields
from omefs.providers.github.paths import ReleasePath
from omefs.providers.github.reading import ReleaseReading
from omefs.redact import get_logger

__all__ = ["GitHubReleasesFileSystem", "RateLimitError", "AssetTooLargeError", "IsAReleaseError", "MAX_ASSET_SIZE"]

log = get_logger(__name__)


@map_errors(*SYNC_METHODS)
class GitHubReleasesFileSystem(ReleaseReading):
    """GitHub Releases through fsspec: releases are folders, assets are files.

    Args:
        auth: an omefs auth config for provider ``github`` (an
            :class:`~omefs.config.AuthConfig`, a mapping or a profile name).
        token: a personal access token (instead of ``auth``).
        gh_auth: a PyGithub ``github.Auth`` object (instead of ``auth``).
        anon: True for anonymous access (public repositories, 60 requests/hour).
        endpoint_url: the REST API root; ``https://HOST/api/v3`` for GitHub
            Enterprise Server (``base_url`` is accepted as a synonym).
        create_release: create a missing release on write — True, or a
            mapping of GitHub's release fields (``draft``, ``prerelease``,
            ``name``, ``body``, ``target_commitish``…). Also a per-call keyword
            of ``open``, ``put`` and ``pipe``.
        max_rate_limit_wait: the longest total pause, in seconds, one call may
            spend waiting out secondary rate limits (default 60).
        timeout: seconds, or ``(connect, read)`` seconds, per request.
        per_page: page size of listings (at most 100).
        org, repo, sha, username: fsspec's repository-contents filesystem
            (``github://ORG:REPO@REF/PATH``); with ``org`` and ``repo`` this
            instance delegates everything to it.

    fsspec's own options (``use_listings_cache``, ``listings_expiry_time``,
    ``skip_instance_cache``) work as everywhere.
    """

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        """Copy an asset, or an artifact's zip or member into a release (GitHub has no
        server-side copy: the bytes pass through a temporary file)."""
        actions = self._actions_path(path1)
        if actions is not None:
            dst = self._parse(path2)  # an artifact destination is refused here
            with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
                self.get_file(path1, spool)
                size = spool.tell()
                spool.seek(0)
                self.upload(dst.path, spool, size, create_release=kwargs.get("create_release"))
            return
        src = self._parse(path1)
        asset = self._asset(src)
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            self.client.download(asset, spool, uri=self._uri(src))
            size = spool.tell()
            spool.seek(0)
            self.upload(
                path2, spool, size, content_type=asset.get("content_type"),
                create_release=kwargs.get("create_release"),
            )

    def mv(self, path1: Any, path2: Any, recursive: bool = False, maxdepth: int | None = None, **kwargs: Any) -> None:
        """Rename an asset within its release server-side (no bytes move); otherwise copy then delete."""
        for path in (path1, path2):
            actions = self._actions_path(path) if isinstance(path, str) else None
            if actions is not None:
                from omefs.providers.github.artifacts.access import read_only

                raise read_only(actions, "mv")
        if (
            self._contents is None
            and isinstance(path1, str) and isinstance(path2, str)
            and not recursive and not self._strip_protocol(path2).endswith("/")
        ):
            src, dst = self._parse(path1), self._parse(path2)
            if src.level == dst.level == "asset" and (src.owner, src.repo) == (dst.owner, dst.repo):
                release = self._release(src.release(), refresh=True)
                if self._release(dst.release(), refresh=True)["id"] == release["id"]:
                    self._rename(src, dst, release)
                    return
        super().mv(path1, path2, recursive=recursive, maxdepth=maxdepth, **kwargs)

    def _rename(self, src: ReleasePath, dst: ReleasePath, release: Mapping[str, Any]) -> None:
        try:
            asset = self._asset(src)
            if src.asset == dst.asset:
                return
            existing = self._find_asset(dst, refresh=True)
            if existing is None:
                self.client.rename_asset(
                    str(src.owner), str(src.repo), int(asset["id"]), str(dst.asset), uri=self._uri(src)
                )
            else:
                self._swap_in(dst, release, asset, existing)
        finally:
            self.invalidate_cache(src.repo_path)

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        """Create the release ``OWNER/REPO/TAG``; keywords are GitHub's release fields
        (``draft``, ``prerelease``, ``name``, ``body``, ``target_commitish``, ``make_latest``)."""
        p = self._parse(path)
        if p.level == "release":
            fields = check_release_fields(kwargs or {}, "mkdir")
            if self.exists(p.path):
                raise FileExistsError(f"release {self._uri(p)} exists")
            self._create_release(p, fields or {})
            return
        self._makedirs_other(p, "mkdir")

    def makedirs(self, path: str, exist_ok: bool = False, **kwargs: Any) -> None:
        """Make sure the release ``OWNER/REPO/TAG`` exists; it is created only with
        ``create_release`` (a keyword here, or the filesystem's option)."""
        p = self._parse(path)
        if p.level == "release":
            if self.exists(p.path):
                if not exist_ok:
                    raise FileExistsError(f"release {self._uri(p)} exists")
                return
            self._release_for_write(p, kwargs.get("create_release"), "makedirs")
            return
        self._makedirs_other(p, "makedirs")

    def _makedirs_other(self, p: ReleasePath, operation: str) -> None:
        if p.level == "repo":
            self._repo_info(p)  # NotFoundError if missing: omefs does not create repositories
            return
        if p.level in ("root", "owner"):
            return
        raise InvalidURIError(
            f"{operation}: {self._uri(p)} would be a folder inside a release; GitHub releases "
            "have no sub-folders (folders are OWNER/REPO/TAG)",
            operation=operation, uri=self._uri(p), provider="github",
        )

    def rm_file(self, path: str, **kwargs: Any) -> None:
        """Delete one asset."""
        if self._contents is not None:
            self._contents.rm_file(path, **kwargs)
            return None
        actions = self._actions_path(path)
        if actions is not None:
            self.artifacts.rm(actions)
            return None
        p = self._parse(path)
        try:
            asset = self._asset(p)
            self.client.delete_asset(str(p.owner), str(p.repo), int(asset["id"]), uri=self._uri(p))
        finally:
            self.invalidate_cache(p.repo_path)
        return None

    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None) -> None:
        """Delete assets; a release (with all its assets, not its git tag) only with ``recursive=True``.

        A repository is never deleted: ``rm("OWNER/REPO", recursive=True)`` is refused.
        """
        if self._contents is not None:
            self._contents.rm(path, recursive=recursive, maxdepth=maxdepth)
            return None
        named = path if isinstance(path, list) else [path]
        artifacts = [self._actions_path(x) for x in named]
        if any(a is not None for a in artifacts):
            for a, x in zip(artifacts, named, strict=True):
                if a is None:
                    self.rm(x, recursive=recursive, maxdepth=maxdepth)
                else:
                    self.artifacts.rm(a)  # a whole artifact only; members are read-only
            return None
        paths = self.expand_path(path, recursive=recursive, maxdepth=maxdepth)
        parsed = [self._parse(x) for x in paths]
        for p in parsed:
            if p.level in ("root", "owner", "repo"):
                raise PermissionDeniedError(
                    f"rm: {self._uri(p)} is a repository (or owner); omefs deletes assets and "
                    "releases, never repositories — name releases: rm('OWNER/REPO/TAG', recursive=True)",
                    operation="rm", uri=self._uri(p), provider="github",
                )
            if p.level == "release" and not recursive:
                raise IsAReleaseError(
                    f"rm: {self._uri(p)} is a release; deleting a release and all its assets "
                    "needs recursive=True (its git tag is kept)",
                    operation="rm", uri=self._uri(p), provider="github",
                )
        releases: dict[tuple[str, str, int], ReleasePath] = {}
        for p in parsed:
            if p.level == "release":
                entry = self._release(p)
                releases[(str(p.owner), str(p.repo), int(entry["id"]))] = p
        try:
            for p in parsed:
                if p.level != "asset":
                    continue
                asset = self._asset(p)
                if (str(p.owner), str(p.repo), int(asset["release_id"])) in releases:
                    continue  # goes with its release
                self.client.delete_asset(str(p.owner), str(p.repo), int(asset["id"]), uri=self._uri(p))
            for (owner, repo, release_id), p in releases.items():
                self.client.delete_release(owner, repo, release_id, uri=self._uri(p))
                log.info("deleted release %s", self._uri(p))
        finally:
            for p in parsed:
                self.invalidate_cache(p.repo_path)
        return None
