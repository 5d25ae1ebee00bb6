"""``omefs set-class`` and ``omefs restore``: storage classes in place, archived objects.

Both are :func:`omefs.set_storage_class` and :func:`omefs.restore` on one
object or, with ``-r``, on every object under a URL; they print one line
per object acted on (``-v`` also the skipped ones), a summary, or the
report as JSON, and exit 1 when any object failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from omefs.cli.options import side_settings
from omefs.cli.output import print_failures, print_json, report_to_dict

__all__ = ["add_restore", "add_set_class", "cmd_restore", "cmd_set_class"]

_CLASSES = "STANDARD, INFREQUENT, COLD, ARCHIVE, or the store's own name (GLACIER_IR, Cool…)"


def _common(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-r", "-R", "--recursive", action="store_true",
                        help=f"{what} every object below URL")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="print skipped objects too")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def add_set_class(subparsers: Any, add_verb: Callable[..., argparse.ArgumentParser],
                  parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``omefs set-class`` (``add_verb`` is the parser's verb builder)."""
    parser = add_verb(
        subparsers, "set-class",
        summary="Change the storage class of objects in place",
        description=(
            "S3: CopyObject onto itself; GCS: rewrite; Azure: Set Blob Tier; OCI:\n"
            "UpdateObjectStorageTier. Objects already in CLASS are skipped. CLASS is\n"
            f"{_CLASSES}."
        ),
        usage="omefs set-class [flags] URL CLASS",
        examples=(
            "  omefs set-class s3://my-bucket/ckpt/step-1000.pt COLD\n"
            "  omefs set-class -r gs://my-bucket/logs/2024/ ARCHIVE\n"
        ),
        handler="omefs.cli.classes:cmd_set_class",
        parents=parents,
    )
    parser.add_argument("url", metavar="URL", help="an object, or with -r a folder")
    parser.add_argument("storage_class", metavar="CLASS", help="the class to move the objects to")
    _common(parser, "change")
    return parser


def add_restore(subparsers: Any, add_verb: Callable[..., argparse.ArgumentParser],
                parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``omefs restore``."""
    parser = add_verb(
        subparsers, "restore",
        summary="Start restoring archived objects so that they can be read",
        description=(
            "S3: RestoreObject (a readable copy for --days); Azure: rehydrate to Hot;\n"
            "OCI: RestoreObjects (readable for --days, 10 at most). Objects that are not\n"
            "archived are skipped. 'omefs stat URL' shows the restore state."
        ),
        usage="omefs restore [flags] URL",
        examples=(
            "  omefs restore --days 3 s3://my-bucket/archive/2019.tar\n"
            "  omefs restore -r --priority high azure://backups@acct/db/\n"
        ),
        handler="omefs.cli.classes:cmd_restore",
        parents=parents,
    )
    parser.add_argument("url", metavar="URL", help="an object, or with -r a folder")
    parser.add_argument("--days", type=int, metavar="N", help="how long the restored copy lasts")
    parser.add_argument("--priority", metavar="P", help="standard (default), high, or bulk (S3)")
    _common(parser, "restore")
    return parser


def _show(report: Any, args: argparse.Namespace, command: str, done: str) -> int:
    if args.json:
        print_json(report_to_dict(report, command=command))
    elif not args.quiet:
        out = sys.stdout
        for item in report.copied:
            out.write(f"{done}: {item.src} ({item.verified})\n")
        if args.verbose:
            for item in report.skipped:
                out.write(f"skipped: {item.src}\n")
        out.write(f"{'Objects:':<16}{len(report.copied)} {done}, {len(report.skipped)} skipped, "
                  f"{len(report.failed)} failed\n")
    if report.failed:
        print_failures(report.failed)
        return 1
    return 0


def cmd_set_class(args: argparse.Namespace) -> int:
    import omefs

    auth, options = side_settings(args, None)
    report = omefs.set_storage_class(args.url, args.storage_class, recursive=args.recursive,
                                     auth=auth, storage_options=options, raise_on_error=False)
    return _show(report, args, "set-class", "changed")


def cmd_restore(args: argparse.Namespace) -> int:
    import omefs

    auth, options = side_settings(args, None)
    report = omefs.restore(args.url, days=args.days, priority=args.priority,
                           recursive=args.recursive, auth=auth, storage_options=options,
                           raise_on_error=False)
    return _show(report, args, "restore", "restore started")
