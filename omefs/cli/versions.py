"""``omefs versioning``, ``omefs restore-version`` and ``omefs ls --versions``: object versions.

:func:`add_parsers` registers the two verbs (building the parser imports
nothing heavy: the handlers import :mod:`omefs.versions` when they run).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from omefs.cli.options import UsageError, side_settings

__all__ = ["add_parsers", "cmd_ls_versions", "cmd_restore_version", "cmd_versioning"]

_SWITCH = {"on": True, "enable": True, "enabled": True, "off": False, "suspend": False,
           "disable": False, "suspended": False}


def add_parsers(subparsers: Any, add_verb: Callable[..., argparse.ArgumentParser],
                single: argparse.ArgumentParser) -> None:
    """Register ``versioning`` and ``restore-version`` with the parser's ``add_verb``."""
    versioning = add_verb(
        subparsers, "versioning",
        summary="Show or switch a bucket's object versioning",
        description=(
            "Prints 'enabled', 'suspended' (off, older versions kept) or 'disabled'\n"
            "(never turned on). 'on' and 'off' switch it first. On Azure the switch is\n"
            "the storage account's Blob service setting, through Azure Resource Manager."
        ),
        usage="omefs versioning [flags] URL [on|off]",
        examples=(
            "  omefs versioning s3://my-bucket\n"
            "  omefs versioning gs://my-bucket on\n"
            "  omefs versioning --json oci://ns/bucket off\n"
        ),
        handler="omefs.cli.versions:cmd_versioning",
        parents=[single],
    )
    versioning.add_argument("url", metavar="URL", help="the bucket (or any object in it)")
    versioning.add_argument("switch", metavar="on|off", nargs="?",
                            help="turn versioning on, or off (suspended)")
    versioning.add_argument("--json", action="store_true", help="print the state as JSON")

    restore = add_verb(
        subparsers, "restore-version",
        summary="Make an older version of an object the live one again",
        description=(
            "Copies that version onto the object, on the service: the object gets a new\n"
            "version with the old bytes, and every version is kept. 'omefs ls --versions\n"
            "URL' lists the version ids."
        ),
        usage="omefs restore-version [flags] URL VERSION_ID",
        examples="  omefs restore-version s3://my-bucket/model.bin 3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY\n",
        handler="omefs.cli.versions:cmd_restore_version",
        parents=[single],
    )
    restore.add_argument("url", metavar="URL", help="the object")
    restore.add_argument("version_id", metavar="VERSION_ID", help="the version to make live")
    restore.add_argument("--json", action="store_true", help="print the new live version as JSON")


def cmd_versioning(args: argparse.Namespace) -> int:
    from omefs.cli.output import print_json
    from omefs.versions import versioning

    enabled = None
    if args.switch is not None:
        if args.switch.lower() not in _SWITCH:
            raise UsageError(f"versioning takes 'on' or 'off', not {args.switch!r}")
        enabled = _SWITCH[args.switch.lower()]
    auth, options = side_settings(args, None)
    state = versioning(args.url, enabled, auth=auth, **options)
    if args.json:
        print_json({"url": args.url, "versioning": state})
    else:
        sys.stdout.write(state + "\n")
    return 0


def cmd_restore_version(args: argparse.Namespace) -> int:
    from omefs.cli.output import print_json
    from omefs.versions import restore_version

    auth, options = side_settings(args, None)
    live = restore_version(args.url, args.version_id, auth=auth, **options)
    if args.json:
        print_json(live.as_dict())
    else:
        sys.stdout.write(f"restored {args.version_id}: live version is now {live.version_id}\n")
    return 0


def cmd_ls_versions(args: argparse.Namespace) -> int:
    """``omefs ls --versions URL``: every version of the object (or of each object under the
    folder), newest first: size, time, version id, ``*`` on the live one, ``(deleted)`` on a
    delete marker."""
    from omefs.cli.output import format_time, print_json
    from omefs.sizes import format_size
    from omefs.versions import list_versions

    auth, options = side_settings(args, None)
    versions = list_versions(args.url, auth=auth, **options)
    if args.json:
        print_json([v.as_dict() for v in versions])
        return 0
    out = sys.stdout
    for v in versions:
        size = format_size(v.size) if args.human_readable else str(v.size)
        when = (format_time(v.last_modified) or "-")[:19].replace("T", " ")
        mark = "*" if v.is_latest else " "
        name = v.key + (" (deleted)" if v.delete_marker else "")
        out.write(f"{size:>14}  {when:<19}  {mark} {v.version_id}  {name}\n")
    return 0
