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
  :class:`~omefs.providers.github.errors.RateLimitError` saying when it resets.

Credentials: ``auth=`` (an omefs GitHub auth config), or ``token=`` (a
personal access token), or ``gh_auth=`` (any PyGithub ``Auth`` object), or
``anon=True``; with none of them, the ``default`` auth type
(``GITHUB_TOKEN``/``GH_TOKEN``, else anonymous).
"""

from __future__ import annotations

import io
import mimetypes
import os
import secrets
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any, ClassVar

from fsspec.callbacks import DEFAULT_CALLBACK
from fsspec.spec import AbstractFileSystem
from fsspec.utils import stringify_path

from omefs.errors import (
    ConfigError,
    InvalidURIError,
    NotFoundError,
    OmefsError,
    PermissionDeniedError,
)
from omefs.providers.error_mapping import SYNC_METHODS, map_errors
from omefs.providers.filesystem import AuthMixin
from omefs.providers.github.client import AlreadyExists, GitHubClient
from omefs.providers.github.errors import AssetTooLargeError, IsAReleaseError, RateLimitError
from omefs.providers.github.files import AssetReadFile, AssetWriteFile
from omefs.providers.github.paths import (
    ACCEPTED_FORMS,
    ReleasePath,
    encode_tag,
    is_contents_url,
    normalize,
    parse_release_path,
)
from omefs.providers.github.ratelimit import DEFAULT_MAX_WAIT
from omefs.redact import get_logger, register_secret

__all__ = [
    "GitHubReleasesFileSystem",
    "RateLimitError",
    "AssetTooLargeError",
    "IsAReleaseError",
    "MAX_ASSET_SIZE",
]

log = get_logger(__name__)

#: GitHub: "each file included in a release must be under 2 GiB".
MAX_ASSET_SIZE = 2 * 1024**3 - 1

#: Keys ``create_release=`` (a mapping) and ``mkdir`` accept: GitHub's release fields.
RELEASE_FIELDS = frozenset({
    "name", "body", "draft", "prerelease", "target_commitish", "make_latest",
    "generate_release_notes", "discussion_category_name",
})

_OWN_OPTIONS = (
    "token", "gh_auth", "anon", "endpoint_url", "base_url", "create_release",
    "max_rate_limit_wait", "timeout", "per_page", "org", "repo", "sha", "username",
)


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _release_entry(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    """An ``ls``/``info`` entry for a release (a folder)."""
    return {
        "name": name,
        "type": "directory",
        "size": 0,
        "tag": raw.get("tag_name"),
        "id": raw.get("id"),
        "release_name": raw.get("name"),
        "draft": bool(raw.get("draft")),
        "prerelease": bool(raw.get("prerelease")),
        "published_at": _when(raw.get("published_at")),
        "created": _when(raw.get("created_at")),
        "target_commitish": raw.get("target_commitish"),
        "html_url": raw.get("html_url"),
        "upload_url": raw.get("upload_url"),
    }


def _asset_entry(raw: Mapping[str, Any], name: str, release: Mapping[str, Any]) -> dict[str, Any]:
    """An ``ls``/``info`` entry for an asset (a file)."""
    entry = {
        "name": name,
        "type": "file",
        "size": int(raw.get("size") or 0),
        "content_type": raw.get("content_type"),
        "created": _when(raw.get("created_at")),
        "updated": _when(raw.get("updated_at")),
        "download_count": raw.get("download_count"),
        "id": raw.get("id"),
        "label": raw.get("label"),
        "state": raw.get("state"),
        "url": raw.get("url"),
        "browser_download_url": raw.get("browser_download_url"),
        "tag": release.get("tag"),
        "release_id": release.get("id"),
    }
    if raw.get("digest"):
        entry["digest"] = raw["digest"]
    return entry


@map_errors(*SYNC_METHODS)
class GitHubReleasesFileSystem(AuthMixin, AbstractFileSystem):
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

    protocol: ClassVar[tuple[str, ...]] = ("github",)  # type: ignore[misc]
    root_marker = ""
    auth_provider: ClassVar[str] = "github"
    storage_provider: ClassVar[str] = "github"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset({"token", "gh_auth", "anon", "username"})
    #: The largest asset accepted for upload (bytes); GitHub's limit is "under 2 GiB".
    max_asset_size: int = MAX_ASSET_SIZE
    blocksize = 5 * 2**20

    def __init__(self, *args: Any, auth: Any = None, omefs_route: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, auth=auth, omefs_route=omefs_route, **kwargs)
        self._setup(self._gh_options)

    # -- construction -----------------------------------------------------------
    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        self._gh_options = {k: kwargs.pop(k) for k in _OWN_OPTIONS if k in kwargs}
        kwargs.pop("region", None)
        return kwargs

    def _setup(self, opts: dict[str, Any]) -> None:
        from omefs.providers.github.auth import DEFAULT_BASE_URL, auth_type_of

        if self.auth_config is None and not (self.credential_kwargs & set(opts)):
            from omefs.auth import resolve
            from omefs.config import AuthConfig

            resolved = resolve(AuthConfig(provider="github", auth_type="default")).storage_options()
            opts = {**resolved, **opts}
        gh_auth = opts.get("gh_auth")
        token = opts.get("token")
        if gh_auth is None and token and not opts.get("anon"):
            from github.Auth import Token

            register_secret(str(token))
            gh_auth = Token(str(token))
        if opts.get("anon"):
            gh_auth = None
        if gh_auth is not None and type(gh_auth).__name__ == "Token":
            register_secret(gh_auth.token)
        endpoint = opts.get("endpoint_url") or opts.get("base_url") or DEFAULT_BASE_URL
        endpoint = str(endpoint).rstrip("/")
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(
                f"endpoint_url {endpoint!r} is not an http(s) URL; accepted: "
                "https://api.github.com or https://HOST/api/v3 (GitHub Enterprise Server)",
                operation="connect", provider="github",
            )
        config_type = self.auth_config.auth_type if self.auth_config is not None else "default"
        self.auth_type = config_type if config_type != "default" else auth_type_of(gh_auth)
        self.endpoint_url = endpoint
        create = opts.get("create_release", False)
        self.create_release = _check_release_fields(create, "create_release")
        timeout = opts.get("timeout", (10.0, 120.0))
        if not isinstance(timeout, (tuple, list)):
            timeout = (timeout, timeout)
        if len(timeout) != 2:
            raise ConfigError(
                f"timeout must be seconds or (connect, read) seconds, got {timeout!r}",
                operation="connect", provider="github",
            )
        self.client = GitHubClient(
            gh_auth=gh_auth,
            base_url=endpoint,
            auth_type=self.auth_type,
            timeout=(_number(timeout[0], "timeout"), _number(timeout[1], "timeout")),
            max_rate_limit_wait=_number(
                opts.get("max_rate_limit_wait", DEFAULT_MAX_WAIT), "max_rate_limit_wait"
            ),
            per_page=int(_number(opts.get("per_page", 100), "per_page", low=1)),
        )
        self._releases: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
        self._repos: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._contents: Any = None
        if opts.get("org") and opts.get("repo"):
            self._contents = self._contents_fs(opts, gh_auth, endpoint)

    def _contents_fs(self, opts: dict[str, Any], gh_auth: Any, endpoint: str) -> Any:
        """fsspec's repository-contents filesystem for ``org``/``repo``/``sha``."""
        from omefs.providers.github.contents import ContentsFileSystem

        username, token = opts.get("username"), None
        if gh_auth is not None and hasattr(gh_auth, "token") and type(gh_auth).__name__ != "AppAuth":
            token = gh_auth.token  # a PAT, or the current installation token
            username = username or "x-access-token"
        return ContentsFileSystem(
            opts["org"], opts["repo"], sha=opts.get("sha") or None,
            username=username if token else None, token=token, api_url=endpoint,
            skip_instance_cache=True,
        )

    def _omefs_error_hint(self) -> str:
        """Whose credentials a mapped error concerns (for :mod:`omefs.providers.error_mapping`); never a secret."""
        return f"github auth_type={self.auth_type} at {self.endpoint_url}"

    def __repr__(self) -> str:
        mode = " (repository contents)" if getattr(self, "_contents", None) is not None else ""
        return (
            f"{type(self).__name__}(endpoint_url={getattr(self, 'endpoint_url', None)!r}, "
            f"auth_type={getattr(self, 'auth_type', None)!r}){mode}"
        )

    # -- paths --------------------------------------------------------------------
    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = stringify_path(path)
        if is_contents_url(text):
            from fsspec.implementations.github import GithubFileSystem

            return GithubFileSystem._strip_protocol(text)
        return normalize(text)

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        text = stringify_path(path)
        if not is_contents_url(text):
            return {}
        from fsspec.implementations.github import GithubFileSystem

        return dict(GithubFileSystem._get_kwargs_from_urls(text))

    def _parse(self, path: Any) -> ReleasePath:
        return parse_release_path(self._strip_protocol(path))

    @staticmethod
    def _uri(p: ReleasePath) -> str:
        return f"github://{p.path}"

    # -- caches ---------------------------------------------------------------------
    def _fresh(self, stamp: float) -> bool:
        if not self.dircache.use_listings_cache:
            return False
        expiry = self.dircache.listings_expiry_time
        return expiry is None or time.monotonic() - stamp < expiry

    def invalidate_cache(self, path: str | None = None) -> None:
        """Forget cached listings: everything, or everything of the repository ``path`` is in."""
        if getattr(self, "_contents", None) is not None:
            self._contents.invalidate_cache(path)
            return
        if path is None:
            self.dircache.clear()
            self._releases.clear()
            self._repos.clear()
            return
        text = normalize(stringify_path(path))
        parts = text.split("/")
        if len(parts) < 2 or not parts[1]:
            self.dircache.clear()
            self._releases.clear()
            self._repos.clear()
            return
        owner, repo = parts[0], parts[1]
        prefix = f"{owner}/{repo}"
        for key in [k for k in list(self.dircache) if k == prefix or k.startswith(prefix + "/")]:
            self.dircache.pop(key, None)
        for rkey in [k for k in list(self._releases) if k[:2] == (owner, repo)]:
            self._releases.pop(rkey, None)
        self._repos.pop((owner, repo), None)

    # -- lookups ------------------------------------------------------------------------
    def _repo_info(self, p: ReleasePath, refresh: bool = False) -> dict[str, Any]:
        key = (str(p.owner), str(p.repo))
        hit = self._repos.get(key)
        if hit and not refresh and self._fresh(hit[0]):
            return hit[1]
        raw = self.client.get_repo(key[0], key[1], uri=f"github://{p.repo_path}")
        entry = {
            "name": p.repo_path,
            "type": "directory",
            "size": 0,
            "full_name": raw.get("full_name"),
            "private": raw.get("private"),
            "default_branch": raw.get("default_branch"),
            "html_url": raw.get("html_url"),
        }
        self._repos[key] = (time.monotonic(), entry)
        return entry

    def _release_entries(self, p: ReleasePath, refresh: bool = False) -> list[dict[str, Any]]:
        key = p.repo_path
        if not refresh:
            try:
                return list(self.dircache[key])
            except KeyError:
                pass
        raws = self.client.list_releases(str(p.owner), str(p.repo), uri=f"github://{key}")
        entries = [_release_entry(r, f"{key}/{encode_tag(str(r.get('tag_name')))}") for r in raws]
        if self.dircache.use_listings_cache:
            self.dircache[key] = entries
        return list(entries)

    def _release(self, p: ReleasePath, refresh: bool = False) -> dict[str, Any]:
        """The release entry of ``p`` (``latest`` resolved); :class:`NotFoundError` if none."""
        key = (str(p.owner), str(p.repo), str(p.tag))
        hit = self._releases.get(key)
        if hit and not refresh and self._fresh(hit[0]):
            return hit[1]
        owner, repo, tag = key
        uri = f"github://{p.release_path}"
        if p.is_latest:
            raw = self.client.get_latest_release(owner, repo, uri=uri)
            if raw is None:
                raise NotFoundError(
                    f"{owner}/{repo} has no latest release: 'latest' means the newest "
                    "published release that is neither a draft nor a prerelease "
                    "(or the repository does not exist or is not visible to these credentials)",
                    operation="stat", uri=uri, provider="github",
                )
        else:
            raw = self.client.get_release_by_tag(owner, repo, tag, uri=uri)
            if raw is None and self.client.gh_auth is not None:
                # Drafts are not found by tag; they are listed to those who may see them.
                for entry in self._release_entries(p, refresh=True):
                    if entry["tag"] == tag:
                        self._releases[key] = (time.monotonic(), {**entry, "name": p.release_path})
                        return self._releases[key][1]
            if raw is None:
                raise NotFoundError(
                    f"no release with tag {tag!r} in {owner}/{repo} (or the repository does not "
                    "exist or is not visible to these credentials)",
                    operation="stat", uri=uri, provider="github",
                )
        entry = _release_entry(raw, p.release_path)
        self._releases[key] = (time.monotonic(), entry)
        return entry

    def _assets(self, p: ReleasePath, refresh: bool = False) -> list[dict[str, Any]]:
        """The asset entries of the release of ``p``, named under ``p``'s own release path."""
        rp = p.release()
        key = rp.path
        if not refresh:
            try:
                return list(self.dircache[key])
            except KeyError:
                pass
        # A release's id does not change; only what "latest" names does.
        release = self._release(rp, refresh=refresh and rp.is_latest)
        raws = self.client.list_assets(
            str(p.owner), str(p.repo), int(release["id"]), uri=f"github://{key}"
        )
        entries = [_asset_entry(a, f"{key}/{a.get('name')}", release) for a in raws]
        if self.dircache.use_listings_cache:
            self.dircache[key] = entries
        return list(entries)

    def _find_asset(self, p: ReleasePath, refresh: bool = False) -> dict[str, Any] | None:
        for entry in self._assets(p, refresh=refresh):
            if entry["name"].rsplit("/", 1)[-1] == p.asset:
                return entry
        return None

    def _asset(self, p: ReleasePath) -> dict[str, Any]:
        """The entry of asset ``p``; :class:`NotFoundError` naming some assets there are."""
        if p.level != "asset":
            raise IsAReleaseError(
                f"{self._uri(p)} is a {'release' if p.level == 'release' else 'folder'}, not an "
                "asset; asset paths are github://OWNER/REPO/TAG/ASSET",
                operation="open", uri=self._uri(p), provider="github",
            )
        cached = p.release().path in self.dircache
        found = self._find_asset(p)
        if found is None and cached:
            found = self._find_asset(p, refresh=True)
        if found is None:
            names = sorted(e["name"].rsplit("/", 1)[-1] for e in self._assets(p))
            shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
            raise NotFoundError(
                f"release {p.tag!r} of {p.owner}/{p.repo} has no asset {p.asset!r}; "
                f"its assets: {shown or '(none)'}",
                operation="stat", uri=self._uri(p), provider="github",
            )
        return dict(found)

    # -- fsspec: listing and metadata ---------------------------------------------------
    def ls(self, path: str, detail: bool = True, refresh: bool = False, **kwargs: Any) -> Any:
        """Releases of ``OWNER/REPO`` (folders) or assets of ``OWNER/REPO/TAG`` (files)."""
        if self._contents is not None:
            return self._contents.ls(path, detail=detail, **kwargs)
        p = self._parse(path)
        if p.level in ("root", "owner"):
            raise InvalidURIError(
                f"cannot list {self._uri(p)!r}: github:// listings start at a repository; "
                f"accepted: {ACCEPTED_FORMS}",
                operation="ls", uri=self._uri(p), provider="github",
            )
        if p.level == "repo":
            entries = self._release_entries(p, refresh=refresh)
        elif p.level == "release":
            entries = self._assets(p, refresh=refresh)
        else:
            entries = [self._asset(p)]
        if detail:
            return [dict(e) for e in entries]
        return sorted(e["name"] for e in entries)

    def info(self, path: str, refresh: bool = False, **kwargs: Any) -> dict[str, Any]:
        """The entry of a repository, release or asset (see :meth:`ls` for the keys)."""
        if self._contents is not None:
            return dict(self._contents.info(path, **kwargs))
        p = self._parse(path)
        if p.level == "root":
            return {"name": "", "type": "directory", "size": 0}
        if p.level == "owner":
            return {"name": p.path, "type": "directory", "size": 0}
        if p.level == "repo":
            return dict(self._repo_info(p, refresh=refresh))
        if p.level == "release":
            return {**self._release(p, refresh=refresh), "name": p.path}
        if refresh:
            self.invalidate_cache(p.repo_path)
        return self._asset(p)

    def exists(self, path: str, **kwargs: Any) -> bool:
        """Whether ``path`` exists; auth, permission and rate-limit errors are raised, not hidden."""
        try:
            self.info(path, **kwargs)
        except FileNotFoundError:
            return False
        return True

    def created(self, path: str) -> datetime | None:
        """When the asset was uploaded, or the release created."""
        return self.info(path).get("created")

    def modified(self, path: str) -> datetime | None:
        """When the asset was last changed (for a release: when it was published)."""
        info = self.info(path)
        return info.get("updated") or info.get("published_at") or info.get("created")

    def ukey(self, path: str) -> str:
        """GitHub's ``digest`` of the asset where it has one, else its id, size and update time."""
        info = self.info(path)
        if info.get("digest"):
            return str(info["digest"])
        return f"{info.get('id')}-{info.get('size')}-{info.get('updated')}"

    # -- fsspec: reading ----------------------------------------------------------------
    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        if self._contents is not None:
            return self._contents._open(
                path, mode=mode, block_size=block_size, cache_options=cache_options, **kwargs
            )
        p = self._parse(path)
        if mode == "rb":
            asset = self._asset(p)
            return AssetReadFile(
                self, p.path, asset, block_size=block_size or self.blocksize,
                cache_type=kwargs.get("cache_type", "readahead"), cache_options=cache_options,
            )
        if mode in ("wb", "xb"):
            self._check_writable(p, "open")
            create = kwargs.get("create_release")
            if self._wants_create(create) is False:
                # fail now, not after the bytes are written
                self._release_for_write(p, False, "open", refresh=False)
            if mode == "xb" and self.exists(p.path):
                raise FileExistsError(f"{self._uri(p)} exists (mode 'xb')")
            return AssetWriteFile(
                self, p.path, mode, block_size=block_size, autocommit=autocommit,
                content_type=kwargs.get("content_type"), label=kwargs.get("label"),
                create_release=create,
            )
        raise NotImplementedError(
            f"mode {mode!r} is not supported for GitHub release assets; accepted: "
            "'rb', 'wb', 'xb' (assets cannot be appended to or updated in place)"
        )

    def cat_file(self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
        """Bytes ``[start, end)`` of an asset (negative values count from the end), in one ranged request."""
        if self._contents is not None:
            return bytes(self._contents.cat_file(path, start=start, end=end, **kwargs))
        p = self._parse(path)
        asset = self._asset(p)
        size = int(asset["size"])
        begin = 0 if start is None else (max(0, size + start) if start < 0 else start)
        stop = size if end is None else (max(0, size + end) if end < 0 else min(end, size))
        return self.client.read_range(asset, begin, stop, uri=self._uri(p))

    def get_file(
        self, rpath: str, lpath: Any, callback: Any = DEFAULT_CALLBACK, outfile: Any = None, **kwargs: Any
    ) -> None:
        """Stream an asset to a local file (written to a temporary name, then renamed), checking its digest."""
        if self._contents is not None:
            return self._contents.get_file(rpath, lpath, callback=callback, outfile=outfile, **kwargs)
        p = self._parse(rpath)
        if outfile is None and hasattr(lpath, "write"):
            outfile = lpath
        if p.level != "asset":
            self.info(rpath)  # the release or repository must exist
            if outfile is None:
                os.makedirs(lpath, exist_ok=True)
            return None
        asset = self._asset(p)
        callback.set_size(int(asset["size"]))
        if outfile is not None:
            self.client.download(asset, outfile, callback=callback, uri=self._uri(p))
            return None
        lpath = os.fspath(lpath)
        folder = os.path.dirname(os.path.abspath(lpath))
        os.makedirs(folder, exist_ok=True)
        fd, part = tempfile.mkstemp(prefix=".omefs-", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                self.client.download(asset, out, callback=callback, uri=self._uri(p))
            os.replace(part, lpath)
        except BaseException:
            try:
                os.unlink(part)
            except OSError:
                pass
            raise
        return None

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
        value = _check_release_fields(value, "create_release")
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
        except NotFoundError:
            fields = self._wants_create(create_release)
            if fields is False:
                raise NotFoundError(
                    f"{operation}: release {p.tag!r} does not exist in {p.owner}/{p.repo}; create "
                    f"it first (fs.mkdir('{rp.path}')) or pass create_release=True",
                    operation=operation, uri=self._uri(p), provider="github",
                ) from None
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
        except AlreadyExists:  # created meanwhile by someone else
            return self._release(rp, refresh=True)
        finally:
            self.invalidate_cache(rp.repo_path)
        log.info("created release %s", self._uri(rp))
        entry = _release_entry(raw, rp.path)
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
                except AlreadyExists:
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
        return _asset_entry(raw, f"{p.release().path}/{raw.get('name')}", release)

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

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        """Copy an asset (GitHub has no server-side copy: the bytes pass through a temporary file)."""
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
            fields = _check_release_fields(kwargs or {}, "mkdir")
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
            return self._contents.rm_file(path, **kwargs)
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
            return self._contents.rm(path, recursive=recursive, maxdepth=maxdepth)
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


def _number(value: Any, what: str, low: float = 0.0) -> float:
    """A numeric option, or a :class:`ConfigError` naming it."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number >= low:
        raise ConfigError(
            f"{what} must be a number >= {low:g}, got {value!r}",
            operation="connect", provider="github",
        )
    return number


def _check_release_fields(value: Any, what: str) -> Any:
    """``create_release`` / ``mkdir`` keywords: a bool, or a mapping of GitHub's release fields."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - RELEASE_FIELDS)
        if unknown:
            raise ConfigError(
                f"{what}: unknown release field(s) {', '.join(map(repr, unknown))}; "
                f"accepted: {', '.join(sorted(RELEASE_FIELDS))}",
                operation=what, provider="github",
            )
        return dict(value)
    raise ConfigError(
        f"{what} must be True/False or a mapping of release fields, got {type(value).__name__}",
        operation=what, provider="github",
    )
