"""Listing GitHub releases and assets: repository, release and asset lookups (cached), ``ls``, ``info``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from omefs.errors import InvalidURIError, IsAReleaseError, NotFoundError
from omefs.providers.filesystem import exists_by_info
from omefs.providers.github.artifacts.catalog import when as _when
from omefs.providers.github.connection import ReleasesConnection
from omefs.providers.github.paths import ACCEPTED_FORMS, ReleasePath, release_dir

__all__ = ["ReleaseListing"]


def release_entry(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
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


def asset_entry(raw: Mapping[str, Any], name: str, release: Mapping[str, Any]) -> dict[str, Any]:
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


class ReleaseListing(ReleasesConnection):
    """Releases as folders, assets as files: lookups and fsspec's listing and metadata calls."""

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
        entries = [release_entry(r, release_dir(key, str(r.get("tag_name")))) for r in raws]
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
            missing: NotFoundError | None = None
            try:
                raw = self.client.release_by_tag(owner, repo, tag, uri=uri)
            except NotFoundError as exc:
                raw, missing = None, exc
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
                ) from missing
        entry = release_entry(raw, p.release_path)
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
        entries = [asset_entry(a, f"{key}/{a.get('name')}", release) for a in raws]
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
        actions = self._actions_path(path)
        if actions is not None:
            found = self.artifacts.ls(actions, refresh=refresh)
            return [dict(e) for e in found] if detail else sorted(e["name"] for e in found)
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
        actions = self._actions_path(path)
        if actions is not None:
            return self.artifacts.info(actions, refresh=refresh)
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

    def expand_path(self, path: Any, recursive: bool = False, maxdepth: int | None = None,
                    **kwargs: Any) -> list[str]:
        """fsspec's expansion; a recursive one of an artifact means its members, not its zip
        (``…/artifacts/NAME`` is both: the zip for ``open``, the members' folder for ``find``)."""
        out: list[str] = super().expand_path(path, recursive=recursive, maxdepth=maxdepth, **kwargs)
        if recursive and self._contents is None:
            named = path if isinstance(path, (list, tuple)) else [path]
            found = [self._actions_path(p) for p in named if isinstance(p, str)]
            roots = {a.path for a in found if a is not None and a.level == "artifact"}
            out = [p for p in out if p not in roots]
        return out

    def exists(self, path: str, **kwargs: Any) -> bool:
        """Whether ``path`` exists; auth, permission and rate-limit errors are raised, not hidden."""
        return exists_by_info(self, path, **kwargs)

    def created(self, path: str) -> datetime | None:
        """When the asset was uploaded, or the release created."""
        return self.info(path).get("created")

    def modified(self, path: str) -> datetime | None:
        """When the asset was last changed (for a release: when it was published)."""
        info = self.info(path)
        return info.get("updated") or info.get("published_at") or info.get("created")

    def ukey(self, path: str) -> str:
        """GitHub's ``digest`` of the asset (or artifact zip) where it has one; an artifact member's
        artifact id and CRC-32; else the id, size and update time."""
        info = self.info(path)
        if info.get("digest"):
            return str(info["digest"])
        if info.get("crc32") is not None:
            return f"{info.get('artifact_id')}:{info['name']}:{int(info['crc32']):08x}"
        return f"{info.get('id')}-{info.get('size')}-{info.get('updated')}"
