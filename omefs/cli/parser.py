"""The ``omefs`` argument parser: the top level, the shared flag groups and every verb.

Each verb names its handler as ``"module:function"`` (``_handler``), so that
building the parser imports no verb module but :mod:`omefs.cli.auth`,
:mod:`omefs.cli.lifecycle`, :mod:`omefs.cli.versions` and :mod:`omefs.cli.classes` (which
register their own verbs and import nothing heavy). Flag values are checked by
:mod:`omefs.cli.argtypes`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from omefs.cli import auth as _auth_verb
from omefs.cli import classes as _classes_verb
from omefs.cli import compare as _compare
from omefs.cli import encryption as _encryption_flags
from omefs.cli import lifecycle as _lifecycle_verb
from omefs.cli import mkdir as _mkdir
from omefs.cli import versions as _versions_verb
from omefs.cli.argtypes import bandwidth, non_negative_int, positive_int, size, size_or_zero

__all__ = ["PROG", "build_parser"]

PROG = "omefs"

_TOP_DESCRIPTION = """\
omefs - one command line for OCI Object Storage, S3, GCS, Azure Blob Storage
and GitHub Releases, through fsspec.

URLs are those of omefs and fsspec: s3://BUCKET/KEY, gs://BUCKET/KEY,
azure://CONTAINER@ACCOUNT/PATH, az://CONTAINER/PATH, oci://NS/BUCKET/PATH,
github://OWNER/REPO/TAG/ASSET, or a local path. Credentials come from
--auth (a profile of the routing config $OMEFS_CONFIG, or an auth config
file), from the routes of that config, or from each SDK's own environment.
"""

_TOP_EPILOG = """\
Examples:
  omefs ls s3://my-bucket/data/
  omefs cp -r s3://my-bucket/models/ azure://models@myaccount/llm/
  omefs sync --dry-run gs://datasets/imagenet/ s3://mirror/imagenet/
  omefs cat gs://my-bucket/config.json
  omefs auth check --auth prod-oci

Exit status: 0 success, 1 some object failed, 2 usage or configuration error.
Use "omefs COMMAND --help" for more information about a command.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help that keeps the descriptions' and examples' own line breaks."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=min(100, _terminal_width()))


def _terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 100


# -- shared flag groups ----------------------------------------------------

def _common_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log what omefs does and show tracebacks of errors",
    )
    return parent


def _auth_parent(pair: bool) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("auth and storage options")
    group.add_argument(
        "--auth",
        metavar="PROFILE|FILE",
        help="auth profile of the routing config ($OMEFS_CONFIG), or a YAML/JSON auth "
        "config file" + (" (both sides)" if pair else ""),
    )
    group.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="service endpoint (an emulator, a private or S3-compatible endpoint)"
        + (" (both sides)" if pair else ""),
    )
    group.add_argument(
        "-o",
        "--option",
        action="append",
        metavar="KEY=VALUE",
        help="a storage option of the filesystem (repeatable; a.b=v nests)"
        + (" (both sides)" if pair else ""),
    )
    if pair:
        for side, name in (("src", "source"), ("dst", "destination")):
            group.add_argument(f"--{side}-auth", metavar="PROFILE|FILE", help=f"auth of the {name} only")
            group.add_argument(
                f"--{side}-endpoint-url", metavar="URL", help=f"endpoint of the {name} only"
            )
            group.add_argument(
                f"--{side}-option",
                action="append",
                metavar="KEY=VALUE",
                help=f"a storage option of the {name} only (repeatable)",
            )
    _encryption_flags.add_arguments(parent, pair=pair)
    return parent


def _transfer_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("transfer flags")
    group.add_argument("-n", "--dry-run", action="store_true", help="show what would be copied; copy nothing")
    group.add_argument(
        "--checksum",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip only objects whose size and MD5/CRC32C/ETag match (rclone's --checksum; "
        "without it the time decides where digests cannot); --no-checksum: verify and compare "
        "by size only",
    )
    group.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="skip objects whose key or base name matches GLOB (repeatable)",
    )
    group.add_argument(
        "--transfers", type=positive_int, metavar="N", help="number of objects/parts moved in parallel"
    )
    group.add_argument(
        "--part-size", type=size, metavar="SIZE", help="multipart part size, e.g. 64M, 1G"
    )
    group.add_argument(
        "--upload-cutoff", type=size, metavar="SIZE",
        help="objects up to SIZE go in one request, larger ones multipart (default: the "
        "destination's, e.g. 200M on S3; at most part size x transfers)",
    )
    group.add_argument("--retries", type=non_negative_int, metavar="N", help="retries per object")
    group.add_argument(
        "--storage-class", metavar="CLASS",
        help="write every object in CLASS (STANDARD, INFREQUENT, COLD, ARCHIVE or the "
        "destination's own name), or 'preserve': the nearest to each source's class",
    )
    group.add_argument(
        "--bwlimit",
        type=bandwidth,
        metavar="RATE",
        help="bandwidth limit in bytes per second, e.g. 10M (0 or off: none)",
    )
    out = parent.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the transfer report as one JSON document")
    out.add_argument("--no-progress", action="store_true", help="no progress bar (none is shown off a terminal)")
    out.add_argument("-v", "--verbose", action="store_true", help="print every object copied or skipped")
    out.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return parent


# -- the parser -------------------------------------------------------------

def _add_verb(
    subparsers: Any,
    name: str,
    *,
    summary: str,
    description: str,
    usage: str,
    examples: str,
    handler: str,
    parents: Sequence[argparse.ArgumentParser] = (),
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        prog=f"{PROG} {name}",
        help=summary,
        description=f"{summary}.\n\n{description}".rstrip(),
        usage=usage,
        epilog="Examples:\n" + examples,
        formatter_class=_Formatter,
        parents=[_common_parent(), *parents],
    )
    parser.set_defaults(_handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``omefs`` argument parser with every verb."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage="omefs [--debug] COMMAND [flags] ARGS",
        description=_TOP_DESCRIPTION,
        epilog=_TOP_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--debug", action="store_true", default=False,
                        help="log what omefs does and show tracebacks of errors")
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(title="Available commands", metavar="COMMAND", dest="command")

    single = _auth_parent(pair=False)
    pair = _auth_parent(pair=True)
    transfer = _transfer_parent()

    ls = _add_verb(
        subparsers, "ls",
        summary="List the objects and folders under a URL",
        description=(
            "Lists one level, as ls does: folders end in '/'. -R lists every object\n"
            "below the URL instead, with its path relative to the URL. A URL that\n"
            "names one object lists that object. 's3://' alone lists the buckets."
        ),
        usage="omefs ls [flags] URL",
        examples=(
            "  omefs ls s3://my-bucket/data/\n"
            "  omefs ls -R -l -H gs://my-bucket/checkpoints/\n"
            "  omefs ls --json azure://models@myaccount/llm/\n"
        ),
        handler="omefs.cli.listing:cmd_ls",
        parents=[single],
    )
    ls.add_argument("url", metavar="URL", help="what to list: a bucket, a folder, an object")
    ls.add_argument("-R", "--recursive", action="store_true", help="list every object below URL")
    ls.add_argument("-l", "--long", action="store_true", help="show modification times too")
    ls.add_argument("-H", "--human-readable", action="store_true", help="sizes as KiB, MiB, GiB")
    ls.add_argument("--exclude", action="append", metavar="GLOB",
                    help="leave out entries whose path or base name matches GLOB (repeatable)")
    ls.add_argument("--json", action="store_true", help="print a JSON list of entries")
    ls.add_argument("--versions", action="store_true",
                    help="every version of the object (or of the objects below URL), newest first")

    stat = _add_verb(
        subparsers, "stat",
        summary="Show what the store knows of one object or folder",
        description="Prints the object's size, type, modification time, ETag/checksums and\nthe provider's other metadata.",
        usage="omefs stat [flags] URL",
        examples="  omefs stat s3://my-bucket/model.safetensors\n  omefs stat --json gs://my-bucket/data.parquet\n",
        handler="omefs.cli.listing:cmd_stat",
        parents=[single],
    )
    stat.add_argument("url", metavar="URL", help="an object or folder")
    stat.add_argument("--json", action="store_true", help="print the metadata as JSON")

    cat = _add_verb(
        subparsers, "cat",
        summary="Write objects to standard output",
        description="Streams each object in turn; --offset/--count or --head/--tail read a byte range.",
        usage="omefs cat [flags] URL [URL...]",
        examples=(
            "  omefs cat s3://my-bucket/config.json\n"
            "  omefs cat --head 1K gs://my-bucket/big.csv\n"
            "  omefs cat --offset 1M --count 4K azure://c@acct/blob.bin | xxd | head\n"
        ),
        handler="omefs.cli.listing:cmd_cat",
        parents=[single],
    )
    cat.add_argument("urls", metavar="URL", nargs="+", help="objects to print, in order")
    cat.add_argument("--offset", type=size_or_zero, default=0, metavar="BYTES", help="start at this byte")
    cat.add_argument("--count", type=size, metavar="BYTES", help="read at most this many bytes")
    cat.add_argument("--head", type=size, metavar="BYTES", help="only the first BYTES bytes")
    cat.add_argument("--tail", type=size, metavar="BYTES", help="only the last BYTES bytes")

    cp = _add_verb(
        subparsers, "cp",
        summary="Copy objects from one store (or a local path) to another",
        description=(
            "Streams between any two stores with bounded memory: parallel ranged reads\n"
            "into the destination's native multipart upload, server-side copy within\n"
            "one provider, verification of every object, retries.\n\n"
            "As rclone: 'cp -r SRC/ DST/' puts the contents of SRC directly under DST,\n"
            "and skips objects already identical there (size, then checksum or time).\n"
            "One object copied to a URL ending in '/' (or to an existing folder) keeps\n"
            "its name; otherwise DST is its new name."
        ),
        usage="omefs cp [flags] SRC DST",
        examples=(
            "  omefs cp s3://my-bucket/model.bin azure://models@myaccount/llm/\n"
            "  omefs cp -r --transfers 32 gs://datasets/imagenet/ s3://mirror/imagenet/\n"
            "  omefs cp -r --ignore-existing ./checkpoints/ oci://ns/bucket/ckpt/\n"
            "  omefs cp -r --src-auth prod-aws --dst-auth ./azure.yaml s3://b/x/ azure://c/x/\n"
        ),
        handler="omefs.cli.transfer:cmd_cp",
        parents=[pair, transfer],
    )
    cp.add_argument("src", metavar="SRC", help="source URL or local path")
    cp.add_argument("dst", metavar="DST", help="destination URL or local path")
    cp.add_argument("-r", "-R", "--recursive", action="store_true", help="copy every object below SRC")
    _compare.add_flags(cp)

    sync = _add_verb(
        subparsers, "sync",
        summary="Make DST hold what SRC holds, moving only what differs",
        description=(
            "Copies every object of SRC that is missing or different at DST (by size,\n"
            "and by checksum where both sides have one); objects already identical are\n"
            "skipped. Run it again after an interruption: it moves only what is left.\n"
            "Objects only at DST are kept, unless --delete (rclone's sync deletes them)."
        ),
        usage="omefs sync [flags] SRC DST",
        examples=(
            "  omefs sync s3://my-bucket/data/ gs://mirror/data/\n"
            "  omefs sync --dry-run --exclude '*.tmp' ./out/ azure://results@acct/run1/\n"
            "  omefs sync --delete s3://my-bucket/site/ gs://mirror/site/\n"
        ),
        handler="omefs.cli.transfer:cmd_sync",
        parents=[pair, transfer],
    )
    sync.add_argument("src", metavar="SRC", help="source URL or local path (a folder)")
    sync.add_argument("dst", metavar="DST", help="destination URL or local path (a folder)")
    _compare.add_flags(sync)
    sync.add_argument(
        "--delete",
        action="store_true",
        help="also delete objects at DST that SRC does not hold (as rclone sync does)",
    )

    rm = _add_verb(
        subparsers, "rm",
        summary="Delete objects",
        description=(
            "Deletes one object, or with -r every object below the URL (the bucket or\n"
            "container itself is kept). Use --dry-run first."
        ),
        usage="omefs rm [flags] URL",
        examples=(
            "  omefs rm s3://my-bucket/tmp/file.bin\n"
            "  omefs rm -r --dry-run gs://my-bucket/scratch/\n"
            "  omefs rm -r --exclude '*.keep' azure://c@acct/tmp/\n"
        ),
        handler="omefs.cli.transfer:cmd_rm",
        parents=[single],
    )
    rm.add_argument("url", metavar="URL", help="an object, or with -r a folder")
    rm.add_argument("-r", "-R", "--recursive", action="store_true", help="delete every object below URL")
    rm.add_argument("-n", "--dry-run", action="store_true", help="show what would be deleted; delete nothing")
    rm.add_argument("--exclude", action="append", metavar="GLOB",
                    help="keep objects whose key or base name matches GLOB (repeatable)")
    rm.add_argument("--json", action="store_true", help="print what was deleted as JSON")
    rm.add_argument("-v", "--verbose", action="store_true", help="print every object deleted")
    rm.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    mount = _add_verb(
        subparsers, "mount",
        summary="Mount a store's path as a local folder (FUSE)",
        description=(
            "Runs in the foreground until unmounted (Ctrl-C, or 'fusermount -u MOUNTPOINT').\n"
            "Read-only unless --read-write (each written file is uploaded whole on close).\n"
            "Needs fusepy (pip install 'omefs[fuse]') and FUSE (/dev/fuse, fuse3/libfuse2)."
        ),
        usage="omefs mount [flags] URL MOUNTPOINT",
        examples=(
            "  omefs mount s3://my-bucket/data/ /mnt/data\n"
            "  omefs mount gs://public-models/ ~/models            # read-only\n"
            "  omefs mount --read-write s3://my-bucket/out/ /mnt/out\n"
        ),
        handler="omefs.cli.mount:cmd_mount",
        parents=[single],
    )
    mount.add_argument("url", metavar="URL", help="the folder of the store to mount")
    mount.add_argument("mountpoint", metavar="MOUNTPOINT", help="an existing empty local folder")
    mount.add_argument("--read-only", action="store_true", help="refuse every write (the default)")
    mount.add_argument("--read-write", action="store_true",
                       help="allow writes: each file is uploaded whole, and verified, when it is closed")
    mount.add_argument("--threads", action="store_true", help="serve FUSE requests from several threads")

    _classes_verb.add_set_class(subparsers, _add_verb, [single])
    _classes_verb.add_restore(subparsers, _add_verb, [single])
    _mkdir.add_parser(subparsers, _add_verb, [single])
    _versions_verb.add_parsers(subparsers, _add_verb, single)
    _auth_verb.add_parser(subparsers)
    subparsers.choices["auth"].set_defaults(_handler="omefs.cli.auth:run")
    _lifecycle_verb.add_parser(subparsers)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("omefs")
    except Exception:
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``: the installed version, read only when asked (the package metadata
    costs every command's start-up tens of milliseconds otherwise)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str = "show the version and exit") -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"omefs {_version()}")
        parser.exit()
