"""``omefs cp - URL`` and ``omefs cp URL -``: standard input to an object, an object to standard output.

As rclone's ``rcat`` and ``cat`` (and ``aws s3 cp -``): the bytes stream in
pieces of :data:`CHUNK` through the destination filesystem's own writer
(a multipart upload for a large stream), so memory stays bounded whatever
the size. A stream that fails part way leaves no object behind: the
writer's upload is aborted rather than committed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, BinaryIO

from omefs.cli.options import is_remote, open_fs, side_settings
from omefs.errors import UsageError
from omefs.sizes import MiB, format_size

__all__ = ["CHUNK", "is_stdio", "cmd_cp_stdio"]

#: Bytes read from the source and written to the destination at a time.
CHUNK = 8 * MiB


def is_stdio(args: argparse.Namespace) -> bool:
    """Whether ``cp`` was given ``-`` for its source or its destination."""
    return "-" in (args.src, args.dst)


def _stream(reader: BinaryIO | Any, writer: BinaryIO | Any) -> int:
    moved = 0
    while True:
        chunk = reader.read(CHUNK)
        if not chunk:
            return moved
        writer.write(chunk)
        moved += len(chunk)


def cmd_cp_stdio(args: argparse.Namespace) -> int:
    """Copy standard input to ``DST``, or ``SRC`` to standard output."""
    if args.src == "-" and args.dst == "-":
        raise UsageError("cp - -: give a URL or path for one side")
    if getattr(args, "recursive", False):
        raise UsageError("cp -r cannot read or write '-' (standard input/output holds one object)")
    if args.src == "-":
        return _from_stdin(args)
    auth, options = side_settings(args, "src")
    fs, path = open_fs(args.src, auth, options)
    out = sys.stdout.buffer
    with fs.open(path, "rb") as reader:
        _stream(reader, out)
    out.flush()
    return 0


def _from_stdin(args: argparse.Namespace) -> int:
    if args.dst.endswith("/"):
        raise UsageError(f"cp - {args.dst}: standard input has no name; give the object's full URL")
    auth, options = side_settings(args, "dst")
    fs, path = open_fs(args.dst, auth, options if is_remote(args.dst) else {})
    if getattr(args, "dry_run", False):
        sys.stdout.write(f"would copy: - -> {args.dst}\n")
        return 0
    writer = fs.open(path, "wb")
    try:
        moved = _stream(sys.stdin.buffer, writer)
    except BaseException:
        discard = getattr(writer, "discard", None)
        if callable(discard):
            discard()  # abort the upload: no partial object
        raise
    writer.close()
    if not getattr(args, "quiet", False) and not getattr(args, "json", False):
        sys.stdout.write(f"Transferred:    {format_size(moved)} from standard input to {args.dst}\n")
    return 0
