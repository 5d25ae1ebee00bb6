"""How ``cp`` and ``sync`` decide that the destination already holds an object, as rclone does.

* ``cp -r`` and ``sync`` skip objects already identical at the destination:
  same size, then the same digest where both sides have a comparable one,
  else a destination written after the source last changed (rclone's
  size and modification time, or checksum).
* ``--checksum``: size and digests only (an object whose digests cannot be
  compared is copied); ``--size-only``: size only; ``-I/--ignore-times``:
  copy everything, identical or not.
* ``--ignore-existing``: skip every object the destination already has,
  whatever its content (rclone's meaning; ``--skip-existing`` is the same).

:func:`add_flags` adds the flags to a verb's parser; :func:`compare_kwargs`
turns them into :func:`omefs.copy` / :func:`omefs.sync` keywords.
"""

from __future__ import annotations

import argparse
from typing import Any

from omefs.errors import UsageError

__all__ = ["add_flags", "compare_kwargs"]


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--ignore-existing``, ``--size-only`` and ``-I/--ignore-times`` to ``parser``."""
    group = parser.add_argument_group("what is skipped (as rclone)")
    group.add_argument(
        "--ignore-existing", "--skip-existing", dest="ignore_existing", action="store_true",
        help="skip every object that already exists at the destination, even if it differs",
    )
    group.add_argument(
        "--size-only", action="store_true",
        help="an object of the same size at the destination is identical (no digest, no time)",
    )
    group.add_argument(
        "-I", "--ignore-times", action="store_true",
        help="copy every object, even those already identical at the destination",
    )


def compare_kwargs(args: argparse.Namespace, *, skip_by_default: bool) -> dict[str, Any]:
    """``skip_existing`` and ``compare`` for the engine, from the flags.

    ``skip_by_default``: whether identical objects are skipped without a
    flag (``cp -r`` and ``sync``: yes; one object: no).
    """
    ignore_existing = bool(getattr(args, "ignore_existing", False))
    size_only = bool(getattr(args, "size_only", False))
    ignore_times = bool(getattr(args, "ignore_times", False))
    checksum = getattr(args, "checksum", None)
    chosen = [name for name, on in (("--ignore-existing", ignore_existing), ("--size-only", size_only),
                                    ("--ignore-times", ignore_times), ("--checksum", checksum is True))
              if on]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be used together: each says what is skipped")
    if ignore_times:
        if getattr(args, "command", None) == "sync":
            raise UsageError("sync always skips identical objects; use 'omefs cp -r -I' to copy everything")
        return {}
    if ignore_existing:
        return {"skip_existing": True, "compare": "exists"}
    if size_only:
        return {"skip_existing": True, "compare": "size"}
    if checksum is True:
        return {"skip_existing": True, "compare": "checksum"}
    return {"skip_existing": True} if skip_by_default else {}
