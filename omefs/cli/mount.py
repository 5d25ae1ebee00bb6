"""``omefs mount``: a store's path as a local folder, through :mod:`fsspec.fuse`.

Needs fusepy (``pip install 'omefs[fuse]'``) and a FUSE device
(``/dev/fuse``; on Debian ``apt-get install fuse3 libfuse2``). When either
is missing the command says so and exits with status 2.

Runs in the foreground until unmounted: Ctrl-C, SIGTERM, or
``fusermount -u MOUNTPOINT``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from omefs.cli.options import UsageError, open_fs, side_settings

__all__ = ["cmd_mount", "fuse_unavailable"]

FUSE_DEVICE = "/dev/fuse"


def fuse_unavailable() -> str | None:
    """Why FUSE cannot be used here, or None when it can."""
    try:
        import fuse  # noqa: F401  (fusepy)
    except (ImportError, OSError) as exc:  # OSError: fusepy found no libfuse
        return (
            "omefs mount needs fusepy and libfuse: pip install 'omefs[fuse]' and "
            f"apt-get install fuse3 libfuse2 ({exc})"
        )
    if not os.path.exists(FUSE_DEVICE):
        return f"omefs mount needs FUSE, and {FUSE_DEVICE} does not exist on this machine"
    return None


def cmd_mount(args: argparse.Namespace) -> int:
    reason = fuse_unavailable()
    if reason:
        raise UsageError(reason)
    mountpoint = os.path.abspath(os.path.expanduser(args.mountpoint))
    if not os.path.isdir(mountpoint):
        raise UsageError(f"mount point {args.mountpoint} is not an existing folder")
    auth, options = side_settings(args, None)
    fs, path = open_fs(args.url, auth, options)
    root = str(path).rstrip("/") + "/"
    import fsspec.fuse

    from omefs.mount import ops_class

    if args.read_only and args.read_write:
        raise UsageError("--read-only and --read-write cannot be used together")
    writable = bool(args.read_write)
    base_url = args.url if args.url.endswith("/") else args.url + "/"

    def upload(local: str, rel: str) -> None:
        """A written file, whole, through the verified copy path (no object is left on failure)."""
        from omefs.transfer import copy

        copy(local, base_url + rel, dst_auth=auth, dst_options=options or None, retries=2)

    ops = ops_class(writable)
    kwargs: dict[str, Any] = {"foreground": True, "threads": args.threads,
                              "ops_class": lambda fs_, path_, **kw: ops(fs_, path_, upload=upload, **kw)}
    sys.stderr.write(
        f"omefs: mounting {args.url} at {mountpoint} ({'read-write' if writable else 'read-only'}); "
        f"Ctrl-C or 'fusermount -u {mountpoint}' unmounts\n"
    )
    sys.stderr.flush()
    try:
        fsspec.fuse.run(fs, root, mountpoint, **kwargs)
    except RuntimeError as exc:  # fusepy: "1" when libfuse could not mount
        raise OSError(f"FUSE could not mount {mountpoint} ({exc}): is it already mounted, or not empty?") from None
    return 0
