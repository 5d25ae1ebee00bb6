"""``omefs mount``: a store's path as a local folder, through :mod:`fsspec.fuse`.

Needs fusepy (``pip install 'omefs[fuse]'``) and a FUSE device
(``/dev/fuse``; on Debian ``apt-get install fuse3 libfuse2``). When either
is missing the command says so and exits with status 2.

Runs in the foreground until unmounted: Ctrl-C, SIGTERM, or
``fusermount -u MOUNTPOINT``.
"""

from __future__ import annotations

import argparse
import errno
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


def _read_only_ops() -> type:
    from fsspec.fuse import FUSEr
    from fuse import FuseOSError

    class ReadOnlyFUSEr(FUSEr):  # type: ignore[misc]
        """fsspec's FUSE operations with every write refused (EROFS)."""

        def _refuse(self, *args: Any, **kwargs: Any) -> Any:
            raise FuseOSError(errno.EROFS)

        create = mkdir = rmdir = unlink = write = truncate = chmod = _refuse

        def open(self, path: str, flags: int) -> Any:
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC):
                raise FuseOSError(errno.EROFS)
            return super().open(path, flags)

    return ReadOnlyFUSEr


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

    kwargs: dict[str, Any] = {"foreground": True, "threads": args.threads}
    if args.read_only:
        kwargs["ops_class"] = _read_only_ops()
    sys.stderr.write(
        f"omefs: mounting {args.url} at {mountpoint}"
        f"{' (read-only)' if args.read_only else ''}; "
        f"Ctrl-C or 'fusermount -u {mountpoint}' unmounts\n"
    )
    sys.stderr.flush()
    try:
        fsspec.fuse.run(fs, root, mountpoint, **kwargs)
    except RuntimeError as exc:  # fusepy: "1" when libfuse could not mount
        raise OSError(f"FUSE could not mount {mountpoint} ({exc}): is it already mounted, or not empty?") from None
    return 0
