"""``omefs ls``, ``omefs stat`` and ``omefs cat``: reading without copying."""

from __future__ import annotations

import argparse
import fnmatch
import posixpath
import sys
from typing import Any

from omefs.cli.options import open_fs, side_settings
from omefs.cli.output import format_time, jsonable, print_json
from omefs.errors import NotFoundError
from omefs.sizes import format_size

__all__ = ["cmd_cat", "cmd_ls", "cmd_stat", "entry", "excluded"]

# info() keys that hold a modification time, by backend (s3fs, adlfs, gcsfs, local, ocifs).
_MTIME_KEYS = ("LastModified", "last_modified", "updated", "mtime", "timeModified", "modified",
               "created", "timeCreated", "creation_time")
_CHUNK = 1 << 20
# info() keys of the storage class (omefs.classes.annotate), shown by stat and ls -l.
_CLASS_KEYS = ("storage_class", "storage_class_native", "restore_state")


def excluded(rel: str, patterns: list[str] | None) -> bool:
    """Whether ``rel`` (a path relative to the listed URL) matches an exclude glob.

    As the transfer engine does: a glob matches the relative path or its base name.
    """
    if not patterns:
        return False
    rel = rel.rstrip("/")
    base = posixpath.basename(rel)
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(base, p) for p in patterns)


def modified_of(info: dict[str, Any]) -> str | None:
    """The modification time of an ``info()`` entry, ISO 8601, whatever the backend."""
    for key in _MTIME_KEYS:
        if info.get(key) not in (None, ""):
            return format_time(info[key])
    return None


def _is_dir(info: dict[str, Any]) -> bool:
    return info.get("type") in ("directory", "dir", "bucket", "container")


def entry(info: dict[str, Any], root: str, base_url: str, url: str) -> dict[str, Any]:
    """One listing entry: name relative to the listed URL, full URL, type, size, time."""
    name = str(info.get("name", "")).rstrip("/")
    if root and name == root:
        rel = posixpath.basename(name)
        full = url
    elif root and name.startswith(root + "/"):
        rel = name[len(root) + 1:]
        full = base_url + rel
    else:
        rel = name
        full = base_url + rel
    is_dir = _is_dir(info)
    out = {
        "name": rel + ("/" if is_dir else ""),
        "url": full + ("/" if is_dir and not full.endswith("/") else ""),
        "type": "directory" if is_dir else "file",
        "size": None if is_dir else int(info.get("size") or 0),
        "modified": modified_of(info),
    }
    out.update({k: info[k] for k in _CLASS_KEYS if k in info})
    return out


def class_column(e: dict[str, Any]) -> str:
    """What ``ls -l`` shows of an entry's class: neutral, else native, with a restore state."""
    shown = e.get("storage_class") or e.get("storage_class_native") or "-"
    state = e.get("restore_state")
    return f"{shown}({state})" if state and state != "archived" else str(shown)


def _listing(fs: Any, path: str, recursive: bool) -> list[dict[str, Any]]:
    if recursive:
        found = fs.find(path, detail=True, withdirs=False)
        infos = list(found.values()) if isinstance(found, dict) else list(found)
    else:
        infos = list(fs.ls(path, detail=True))
    if not infos and path.strip("/"):
        # An empty listing: an empty folder, or nothing at all there?
        if not fs.exists(path):
            raise NotFoundError("no such object or folder", operation="ls", uri=path)
    return [dict(i) for i in infos]


def cmd_ls(args: argparse.Namespace) -> int:
    if getattr(args, "versions", False):
        from omefs.cli.versions import cmd_ls_versions

        return cmd_ls_versions(args)
    auth, options = side_settings(args, None)
    # Names, sizes and times: the provider's obstore front lists them (storage classes,
    # shown by -l and --json, need the full filesystem).
    fs, path = open_fs(args.url, auth, options, front=not (args.long or args.json))
    root = str(path).rstrip("/")
    base_url = args.url if args.url.endswith("/") else args.url + "/"
    if "://" in args.url and not args.url.split("://", 1)[1]:
        base_url = args.url  # "s3://": bucket names follow the scheme directly
    entries = [entry(i, root, base_url, args.url) for i in _listing(fs, path, args.recursive)]
    entries = [e for e in entries if not excluded(e["name"], args.exclude)]
    entries.sort(key=lambda e: e["name"])
    if args.json:
        print_json(entries)
        return 0
    out = sys.stdout
    classes = any("storage_class_native" in e for e in entries)
    for e in entries:
        if e["type"] == "directory":
            size = "DIR"
        elif args.human_readable:
            size = format_size(e["size"])
        else:
            size = str(e["size"])
        line = f"{size:>14}  "
        if args.long:
            when = (e["modified"] or "-")[:19].replace("T", " ")
            line += f"{when:<19}  "
            if classes:
                line += f"{class_column(e):<12}  "
        out.write(line + e["name"] + "\n")
    return 0


def cmd_stat(args: argparse.Namespace) -> int:
    auth, options = side_settings(args, None)
    fs, path = open_fs(args.url, auth, options)
    info = dict(fs.info(path))
    summary = {
        "url": args.url,
        "name": info.get("name"),
        "type": "directory" if _is_dir(info) else "file",
        "size": info.get("size"),
        "modified": modified_of(info),
    }
    summary.update({k: info[k] for k in _CLASS_KEYS if k in info})
    if info.get("encryption") is not None:  # mode and key id (never key material)
        summary["encryption"] = info["encryption"]
    details = {k: v for k, v in info.items()
               if k not in ("name", "size", "type", "encryption", *_CLASS_KEYS)}
    if args.json:
        print_json({**summary, "info": details})
        return 0
    rows: list[tuple[str, Any]] = list(summary.items())
    rows += sorted(details.items())
    width = max(len(k) for k, _ in rows) + 1
    for key, value in rows:
        if key == "size" and value is not None:
            value = f"{value} ({format_size(value)})" if value >= 1024 else value
        shown = jsonable(value)
        if isinstance(shown, (dict, list)):
            import json

            shown = json.dumps(shown, sort_keys=True)
        sys.stdout.write(f"{key + ':':<{width}} {shown if shown is not None else '-'}\n")
    return 0


def cmd_cat(args: argparse.Namespace) -> int:
    if args.head is not None and args.tail is not None:
        from omefs.cli.options import UsageError

        raise UsageError("--head and --tail cannot be used together")
    auth, options = side_settings(args, None)
    out = sys.stdout.buffer
    for url in args.urls:
        fs, path = open_fs(url, auth, options)
        _cat_one(fs, path, args, out)
    out.flush()
    return 0


def _cat_one(fs: Any, path: str, args: argparse.Namespace, out: Any) -> None:
    offset, count = args.offset, args.count
    if args.head is not None:
        offset, count = 0, args.head
    with fs.open(path, "rb") as f:
        if args.tail is not None:
            size = f.size if getattr(f, "size", None) is not None else fs.size(path)
            offset, count = max(0, size - args.tail), args.tail
        if offset:
            f.seek(offset)
        remaining = count
        while remaining is None or remaining > 0:
            want = _CHUNK if remaining is None else min(_CHUNK, remaining)
            data = f.read(want)
            if not data:
                break
            out.write(data)
            if remaining is not None:
                remaining -= len(data)
