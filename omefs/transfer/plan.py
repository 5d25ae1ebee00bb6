"""What to copy where: listing, rclone's layout, exclude globs, and the destination's state.

Layout (as rclone):

* a folder copied recursively puts its *contents* under the destination
  (``copy("s3://b/src/", "azure://c/dst/", recursive=True)`` makes
  ``dst/a``, ``dst/sub/b``), trailing slash or not;
* a single object copied to a path ending in ``/``, or to an existing
  folder (or bucket), keeps its base name there; otherwise the
  destination path is the object's new name.

``exclude`` globs (``fnmatch``, ``*`` crossing ``/``) are matched on the
path relative to the source folder, on the object key, and on the base
name, as OME's downloads do. Directory markers (keys ending in ``/``) are
never copied.

With ``skip_existing`` (or ``delete``) the destination is listed once, at
the same time as the source (the two listings share no server, so a sync
waits for the slower of them, not for their sum); each task carries what
the destination already has at its path, and ``extraneous`` lists
destination objects with no source (``sync(delete=True)``). Nothing is
asked about one object at a time: what the listings say is what the
comparison (:meth:`omefs.transfer.checks.Checks.identical`) works from.
"""

from __future__ import annotations

import asyncio
import fnmatch
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from omefs.errors import ConfigError, NotFoundError
from omefs.transfer.endpoints import Endpoint
from omefs.transfer.options import TransferOptions
from omefs.transfer.streams import Runtime
from omefs.transfer.verify import Fingerprint, fingerprint_from_info

__all__ = ["Task", "Plan", "build_plan", "excluded", "ENTRY_FILE"]

#: The ``type`` of a file entry in an fsspec listing or ``info()`` (an entry
#: kind, not a store: directories are ``"directory"``).
ENTRY_FILE = "file"


@dataclass
class Task:
    """One object to move: paths in each filesystem, size and what is known of its content."""

    src: str
    dst: str
    size: int
    fingerprint: Fingerprint
    existing: Fingerprint | None = None  # the destination object, when listed and present
    storage_class: str | None = None  # the source's native class, where its listing says


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)
    extraneous: list[str] = field(default_factory=list)
    single: bool = False

    @property
    def total_bytes(self) -> int:
        return sum(t.size for t in self.tasks)


def excluded(patterns: Iterable[str], rel: str, key: str) -> bool:
    """Whether any glob matches the relative path, the key or the base name."""
    base = posixpath.basename(rel)
    return any(
        fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(key, p) or fnmatch.fnmatchcase(base, p)
        for p in patterns
    )


def _is_file(info: dict[str, Any] | None) -> bool:
    return bool(info) and info.get("type") == ENTRY_FILE  # type: ignore[union-attr]


async def _info(rt: Runtime, ep: Endpoint, path: str) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = await rt.run(ep.fs.info, path)
        return info
    except (FileNotFoundError, NotFoundError):
        return None


async def _find(rt: Runtime, ep: Endpoint, path: str) -> dict[str, dict[str, Any]]:
    try:
        found = await rt.run(ep.fs.find, path, detail=True, withdirs=False)
    except (FileNotFoundError, NotFoundError):
        return {}
    return dict(found) if isinstance(found, dict) else {p: {"name": p} for p in found}


def _rel(root: str, path: str) -> str | None:
    prefix = root.rstrip("/")
    if not prefix or prefix == "/":
        return path.lstrip("/")
    if path.startswith(prefix + "/"):
        return path[len(prefix) + 1:]
    return None


async def _check_folder_copy(rt: Runtime, src: Endpoint, dst: Endpoint, opts: TransferOptions,
                             src_uri: str, dst_uri: str, found: dict[str, dict[str, Any]],
                             info: dict[str, Any] | None, dir_hint: bool) -> None:
    """Raise unless ``src_uri`` is a folder that may be copied onto ``dst_uri``."""
    if not found and info is None and dir_hint:
        info = await _info(rt, src, src.root)
    if not found and info is None:
        raise NotFoundError(f"nothing to copy: {src_uri} does not exist", operation="copy",
                            uri=src_uri, provider=src.name)
    if not opts.recursive:
        raise ConfigError(f"{src_uri} is a folder; pass recursive=True to copy its contents",
                          operation="copy", uri=src_uri, provider=src.name)
    if not dst_uri.endswith("/") and _is_file(await _info(rt, dst, dst.root)):
        raise ConfigError(f"cannot copy the folder {src_uri} onto {dst_uri}: it is an object, "
                          f"not a folder; give a folder URL (such as {dst_uri}.d/) or delete it first",
                          operation="copy", uri=dst_uri, provider=dst.name)


async def build_plan(rt: Runtime, src: Endpoint, dst: Endpoint, opts: TransferOptions,
                     src_uri: str, dst_uri: str) -> Plan:
    """List the source, map each object to its destination path, note what the destination has."""
    src_root = src.root
    dir_hint = src_uri.endswith("/")
    info = None if dir_hint else await _info(rt, src, src_root)
    plan = Plan()

    if _is_file(info):
        assert info is not None
        name = posixpath.basename(src_root.rstrip("/"))
        dst_path = dst.root
        if dst_uri.endswith("/") or dst_path in ("", "/"):
            dst_path = dst.join(dst.root, name)
        else:
            dst_info = await _info(rt, dst, dst_path)
            if dst_info is not None and dst_info.get("type") == "directory":
                dst_path = dst.join(dst.root, name)
        plan.single = True
        _, key = src.split(src_root)
        if opts.exclude and excluded(opts.exclude, name, key):
            return plan
        fp = fingerprint_from_info(info, src.provider)
        task = Task(src_root, dst_path, int(info.get("size") or 0), fp,
                    storage_class=info.get("storage_class_native"))
        if opts.skip_existing:
            existing = await _info(rt, dst, dst_path)
            if _is_file(existing):
                task.existing = fingerprint_from_info(existing, dst.provider)
        plan.tasks.append(task)
        return plan

    # The destination's listing runs while the source is listed and checked.
    dst_listing = (asyncio.ensure_future(_find(rt, dst, dst.root))
                   if opts.skip_existing or opts.delete else None)
    try:
        found = await _find(rt, src, src_root)
        await _check_folder_copy(rt, src, dst, opts, src_uri, dst_uri, found, info, dir_hint)
        dst_found = await dst_listing if dst_listing is not None else {}
    finally:
        if dst_listing is not None and not dst_listing.done():
            # Never leave the listing behind (it runs in the engine's threads).
            await asyncio.gather(dst_listing, return_exceptions=True)

    listing: dict[str, dict[str, Any]] = {}
    if dst_found:
        for path, dinfo in dst_found.items():
            rel = _rel(dst.root, path)
            if rel and not rel.endswith("/") and dinfo.get("type", ENTRY_FILE) == ENTRY_FILE:
                listing[rel] = dinfo

    seen: set[str] = set()
    for path in sorted(found):
        entry = found[path]
        if entry.get("type", ENTRY_FILE) != ENTRY_FILE:
            continue
        rel = _rel(src_root, path)
        if not rel or rel.endswith("/"):
            continue  # the folder itself, or a directory marker
        _, key = src.split(path)
        if opts.exclude and excluded(opts.exclude, rel, key):
            seen.add(rel)
            continue
        seen.add(rel)
        task = Task(path, dst.join(dst.root, rel), int(entry.get("size") or 0),
                    fingerprint_from_info(entry, src.provider),
                    storage_class=entry.get("storage_class_native"))
        if rel in listing:
            task.existing = fingerprint_from_info(listing[rel], dst.provider)
        plan.tasks.append(task)

    if opts.delete:
        for rel in sorted(listing):
            if rel in seen:
                continue
            _, key = dst.split(dst.join(dst.root, rel))
            if opts.exclude and excluded(opts.exclude, rel, key):
                continue
            plan.extraneous.append(dst.join(dst.root, rel))
    return plan
