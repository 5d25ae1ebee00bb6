"""``omefs cp``, ``omefs sync`` and ``omefs rm``.

``cp`` and ``sync`` are :func:`omefs.copy` and :func:`omefs.sync` with the
flags mapped onto their keywords; only the flags the user gave are passed,
so the engine's own defaults hold otherwise. ``rm`` deletes through the
URL's fsspec filesystem, in batches, and reports every object it could not
delete.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from omefs.cli.compare import compare_kwargs
from omefs.cli.listing import excluded
from omefs.cli.options import UsageError, is_remote, open_fs, side_settings
from omefs.cli.output import (
    jsonable,
    print_failures,
    print_json,
    print_report_summary,
    report_to_dict,
    want_progress,
)
from omefs.errors import NotFoundError, TransferError
from omefs.sizes import format_size

__all__ = ["cmd_cp", "cmd_rm", "cmd_sync", "transfer_kwargs"]

_DELETE_BATCH = 1000


def transfer_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of :func:`omefs.copy` / :func:`omefs.sync` that the flags set."""
    src_auth, src_options = side_settings(args, "src")
    dst_auth, dst_options = side_settings(args, "dst")
    kwargs: dict[str, Any] = {}
    if is_remote(args.src):
        if src_auth is not None:
            kwargs["src_auth"] = src_auth
        if src_options:
            kwargs["src_options"] = src_options
    if is_remote(args.dst):
        if dst_auth is not None:
            kwargs["dst_auth"] = dst_auth
        if dst_options:
            kwargs["dst_options"] = dst_options
    optional = {
        "checksum": args.checksum,
        "exclude": args.exclude,
        "max_concurrency": args.transfers,
        "part_size": args.part_size,
        "upload_cutoff": getattr(args, "upload_cutoff", None),
        "retries": args.retries,
        "bandwidth": args.bwlimit,
        "storage_class": getattr(args, "storage_class", None),
    }
    kwargs.update({k: v for k, v in optional.items() if v is not None})
    kwargs.update(compare_kwargs(args, skip_by_default=bool(getattr(args, "recursive", True))))
    if getattr(args, "delete", False):
        kwargs["delete"] = True
    if args.dry_run:
        kwargs["dry_run"] = True
    kwargs["progress"] = want_progress(args.no_progress or args.quiet)
    kwargs["raise_on_error"] = False
    return kwargs


def _engine() -> Any:
    try:
        import omefs.transfer as engine
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("omefs.transfer"):
            raise UsageError("the transfer engine (omefs.transfer) is not installed") from None
        raise
    return engine


def _run_transfer(args: argparse.Namespace, command: str, **extra: Any) -> int:
    kwargs = transfer_kwargs(args)  # flag and config errors first
    kwargs.update(extra)
    func = getattr(_engine(), command, None)
    if func is None:
        raise UsageError(f"this omefs has no transfer engine ({command} is missing from omefs.transfer)")
    try:
        report = func(args.src, args.dst, **kwargs)
    except TransferError as exc:  # an engine that raises anyway: its report is still ours to show
        if getattr(exc, "report", None) is None:
            raise
        report = exc.report
    return _show_report(report, args, command)


def _show_report(report: Any, args: argparse.Namespace, command: str) -> int:
    failed = list(getattr(report, "failed", None) or [])
    if args.json:
        print_json(report_to_dict(report, command=command, dry_run=args.dry_run))
    elif not args.quiet:
        out = sys.stdout
        if args.dry_run or args.verbose:
            verb = "would copy" if args.dry_run else "copied"
            for item in getattr(report, "copied", None) or []:
                _item_line(out, verb, item)
            for item in getattr(report, "deleted", None) or []:
                _item_line(out, "would delete" if args.dry_run else "deleted", item)
            if args.verbose:
                for item in getattr(report, "skipped", None) or []:
                    _item_line(out, "skipped", item)
        print_report_summary(report, dry_run=args.dry_run, show_deleted=getattr(args, "delete", False))
    if failed:
        print_failures(failed)
        return 1
    return 0


def _item_line(out: Any, verb: str, item: Any) -> None:
    src = getattr(item, "src", None)
    dst = getattr(item, "dst", None)
    size = getattr(item, "bytes", None)
    target = f"{src} -> {dst}" if src and dst else (src or dst)
    out.write(f"{verb}: {jsonable(target)}" + (f" ({format_size(size)})" if size is not None else "") + "\n")


def cmd_cp(args: argparse.Namespace) -> int:
    from omefs.cli.stdio import cmd_cp_stdio, is_stdio

    if is_stdio(args):
        return cmd_cp_stdio(args)
    return _run_transfer(args, "copy", recursive=args.recursive)


def cmd_sync(args: argparse.Namespace) -> int:
    return _run_transfer(args, "sync")


# -- rm ---------------------------------------------------------------------

def _targets(fs: Any, path: str, args: argparse.Namespace) -> dict[str, int | None]:
    """What ``rm`` deletes: each object's name and size (``--dry-run`` shows the sizes)."""
    root = str(path).rstrip("/")
    if not args.recursive:
        info = fs.info(path)
        if info.get("type") == "directory":
            raise UsageError(f"{args.url} is a folder: use 'omefs rm -r' to delete what it holds")
        return {info.get("name", path): info.get("size")}
    found = fs.find(path, withdirs=False, detail=True)
    if not found:
        if not fs.exists(path):
            raise NotFoundError("no such object or folder", operation="rm", uri=args.url)
        return {}
    targets: dict[str, int | None] = {}
    for name, info in found.items():
        rel = name[len(root) + 1:] if name.startswith(root + "/") else name.rsplit("/", 1)[-1]
        if not excluded(rel, args.exclude):
            targets[name] = info.get("size")
    return targets


def _url_of(name: str, root: str, args: argparse.Namespace) -> str:
    if name == root:
        return str(args.url)
    base = args.url if args.url.endswith("/") else args.url + "/"
    return base + name[len(root) + 1:] if name.startswith(root + "/") else name


def _delete(fs: Any, targets: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    deleted: list[str] = []
    failed: list[tuple[str, str]] = []
    for start in range(0, len(targets), _DELETE_BATCH):
        batch = targets[start:start + _DELETE_BATCH]
        try:
            fs.rm(batch)
            deleted.extend(batch)
            continue
        except Exception:  # find out which ones, one by one
            pass
        for name in batch:
            try:
                fs.rm_file(name)
            except FileNotFoundError:
                deleted.append(name)  # gone already: what rm wants
            except Exception as exc:
                failed.append((name, f"{type(exc).__name__}: {exc}"))
            else:
                deleted.append(name)
    return deleted, failed


def cmd_rm(args: argparse.Namespace) -> int:
    auth, options = side_settings(args, None)
    fs, path = open_fs(args.url, auth, options)
    root = str(path).rstrip("/")
    sizes = _targets(fs, path, args)
    failed: list[tuple[str, str]] = []
    if args.dry_run:
        deleted = list(sizes)
    else:
        deleted, failed = _delete(fs, list(sizes))
    urls = [_url_of(n, root, args) for n in deleted]
    total = sum(sizes.get(n) or 0 for n in deleted)
    if args.json:
        print_json({
            "command": "rm",
            "ok": not failed,
            "dry_run": args.dry_run,
            "deleted": urls,
            "bytes": total,
            "sizes": {url: sizes.get(n) for url, n in zip(urls, deleted, strict=True)},
            "failed": [{"url": _url_of(n, root, args), "error": e} for n, e in failed],
        })
    elif not args.quiet:
        if args.dry_run or args.verbose:
            for url, name in zip(urls, deleted, strict=True):
                size = sizes.get(name)
                shown = f" ({format_size(size)})" if size is not None else ""
                sys.stdout.write(f"{'would delete' if args.dry_run else 'deleted'}: {url}{shown}\n")
        verb = "Would delete" if args.dry_run else "Deleted"
        sys.stdout.write(f"{verb + ':':<16}{len(urls)} object(s), {format_size(total)}"
                         + (f", {len(failed)} failed" if failed else "") + "\n")
    if failed:
        print_failures([{"src": _url_of(n, root, args), "error": e} for n, e in failed])
        return 1
    return 0
