"""The ``omefs`` command: parser, dispatch, error handling and exit status.

Verbs (each in its own module, imported only when used, so that
``omefs --help`` stays fast):

* ``ls``, ``stat``, ``cat`` — :mod:`omefs.cli.listing`
* ``cp``, ``sync``, ``rm`` — :mod:`omefs.cli.transfer`
* ``mount`` — :mod:`omefs.cli.mount`
* ``auth`` — :mod:`omefs.cli.auth` (registered when present)

Exit status: 0 on success; 1 when an object failed (a copy, a delete, a
missing object); 2 on a usage or configuration error (a bad flag, a bad
URI, an auth config that does not resolve). Typed omefs errors print as
one ``omefs: error: …`` line, without a traceback unless ``--debug``.

The process ends with :func:`os._exit` once the command has finished and
its output is flushed, when the transfer engine's data plane (obstore) was
loaded: obstore 0.12.1 can abort (SIGABRT) during interpreter
finalization while one of its runtime threads still holds a finished
result, even when every operation was awaited. Nothing is left to do at
that point, so skipping finalization changes no result; it only keeps
the exit status the command's own.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["build_parser", "main", "run"]

PROG = "omefs"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

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
    return parent


def _transfer_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("transfer flags")
    group.add_argument("-n", "--dry-run", action="store_true", help="show what would be copied; copy nothing")
    group.add_argument(
        "--checksum",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="verify, and compare for --ignore-existing and sync, by MD5/CRC32C/ETag as well as "
        "size (the default); --no-checksum: by size only",
    )
    group.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="skip objects whose key or base name matches GLOB (repeatable)",
    )
    group.add_argument(
        "--transfers", type=_positive_int, metavar="N", help="number of objects/parts moved in parallel"
    )
    group.add_argument(
        "--part-size", type=_size, metavar="SIZE", help="multipart part size, e.g. 64M, 1G"
    )
    group.add_argument("--retries", type=_non_negative_int, metavar="N", help="retries per object")
    group.add_argument(
        "--bwlimit",
        type=_bandwidth,
        metavar="RATE",
        help="bandwidth limit in bytes per second, e.g. 10M (0 or off: none)",
    )
    out = parent.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the transfer report as one JSON document")
    out.add_argument("--no-progress", action="store_true", help="no progress bar (none is shown off a terminal)")
    out.add_argument("-v", "--verbose", action="store_true", help="print every object copied or skipped")
    out.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return parent


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def _size(text: str) -> int:
    from omefs.cli.output import parse_size

    try:
        value = parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def _bandwidth(text: str) -> int | None:
    from omefs.cli.output import parse_size

    if text.strip().lower() in ("off", "0", "none", ""):
        return None
    try:
        return parse_size(text.strip().removesuffix("/s"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    parser = subparsers.add_parser(
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
    parser.add_argument("--version", action="version", version=f"omefs {_version()}")
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
    cat.add_argument("--offset", type=_size_or_zero, default=0, metavar="BYTES", help="start at this byte")
    cat.add_argument("--count", type=_size, metavar="BYTES", help="read at most this many bytes")
    cat.add_argument("--head", type=_size, metavar="BYTES", help="only the first BYTES bytes")
    cat.add_argument("--tail", type=_size, metavar="BYTES", help="only the last BYTES bytes")

    cp = _add_verb(
        subparsers, "cp",
        summary="Copy objects from one store (or a local path) to another",
        description=(
            "Streams between any two stores with bounded memory: parallel ranged reads\n"
            "into the destination's native multipart upload, server-side copy within\n"
            "one provider, verification of every object, retries.\n\n"
            "As rclone: 'cp -r SRC/ DST/' puts the contents of SRC directly under DST.\n"
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
    cp.add_argument(
        "--ignore-existing",
        "--skip-existing",
        dest="skip_existing",
        action="store_true",
        help="skip objects already identical at the destination (resume an interrupted copy)",
    )

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
            "Needs fusepy (pip install 'omefs[fuse]') and FUSE (/dev/fuse, fuse3/libfuse2)."
        ),
        usage="omefs mount [flags] URL MOUNTPOINT",
        examples=(
            "  omefs mount s3://my-bucket/data/ /mnt/data\n"
            "  omefs mount --read-only gs://public-models/ ~/models\n"
        ),
        handler="omefs.cli.mount:cmd_mount",
        parents=[single],
    )
    mount.add_argument("url", metavar="URL", help="the folder of the store to mount")
    mount.add_argument("mountpoint", metavar="MOUNTPOINT", help="an existing empty local folder")
    mount.add_argument("--read-only", action="store_true", help="refuse every write")
    mount.add_argument("--threads", action="store_true", help="serve FUSE requests from several threads")

    _add_auth_verb(subparsers)
    return parser


def _size_or_zero(text: str) -> int:
    return 0 if text.strip() == "0" else _size(text)


def _add_auth_verb(subparsers: Any) -> None:
    """Register ``omefs auth`` from :mod:`omefs.cli.auth` when that module is present."""
    try:
        auth = importlib.import_module("omefs.cli.auth")
        add_parser = auth.add_parser
        if not callable(getattr(auth, "run", None)):
            raise AttributeError("omefs.cli.auth has no run(args)")
    except ModuleNotFoundError as exc:
        if exc.name == "omefs.cli.auth":
            return  # not part of this build
        _auth_unavailable(subparsers, exc)
        return
    except Exception as exc:  # a broken auth module must not take the other verbs down
        _auth_unavailable(subparsers, exc)
        return
    add_parser(subparsers)
    parser = subparsers.choices.get("auth")
    if parser is not None:
        parser.set_defaults(_handler="omefs.cli.auth:run")


_AUTH_IMPORT_ERROR: list[str] = []


def _auth_unavailable(subparsers: Any, exc: BaseException) -> None:
    _AUTH_IMPORT_ERROR[:] = [f"{type(exc).__name__}: {exc}"]
    parser = subparsers.add_parser("auth", help="Check and show auth configs (unavailable)",
                                   prog=f"{PROG} auth", formatter_class=_Formatter)
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(_handler="omefs.cli.main:_auth_stub")


def _auth_stub(args: argparse.Namespace) -> int:
    from omefs.cli.options import UsageError

    raise UsageError(f"omefs auth is unavailable: {(_AUTH_IMPORT_ERROR or ['unknown error'])[0]}")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("omefs")
    except Exception:
        return "unknown"


# -- running ----------------------------------------------------------------

def _load_handler(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def _configure_logging(debug: bool) -> None:
    from omefs.redact import RedactingFilter

    root = logging.getLogger("omefs")
    if not any(getattr(h, "_omefs_cli", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._omefs_cli = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the verb, return the exit status (never raises, but SystemExit from argparse)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    if not getattr(args, "_handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    _configure_logging(debug)
    try:
        handler = _load_handler(args._handler)
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("omefs: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (omefs cat … | head): not an error of ours.
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # every error ends as one clean line
        return _report_exception(exc, debug)


def _report_exception(exc: BaseException, debug: bool) -> int:
    from omefs.cli.options import UsageError
    from omefs.cli.output import print_error, print_failures
    from omefs.errors import AuthError, ConfigError, InvalidURIError, OmefsError, TransferError
    from omefs.redact import redact_text

    if debug:
        sys.stderr.write(redact_text("".join(traceback.format_exception(exc))))
    if isinstance(exc, TransferError):
        report = getattr(exc, "report", None)
        failed = list(getattr(report, "failed", None) or [])
        if failed:
            print_failures(failed)
        print_error(str(exc))
        return EXIT_FAILED
    if isinstance(exc, (UsageError, InvalidURIError, ConfigError, AuthError)):
        print_error(str(exc))
        return EXIT_USAGE
    if isinstance(exc, OmefsError):
        print_error(str(exc))
        return EXIT_FAILED
    if isinstance(exc, ImportError):
        missing = getattr(exc, "name", None) or str(exc)
        print_error(
            f"a module this URL needs is not installed ({missing}); install omefs with the "
            "provider's extra: pip install 'omefs[s3]', 'omefs[gcs]', 'omefs[azure]', "
            "'omefs[oci]', 'omefs[github]' or 'omefs[all]'"
        )
        return EXIT_USAGE
    if isinstance(exc, OSError):
        text = str(exc) or type(exc).__name__
        if isinstance(exc, FileNotFoundError) and exc.filename and str(exc.filename) not in text:
            text = f"{text}: {exc.filename}"
        print_error(text if type(exc) in (OSError,) else f"{_exc_label(exc)}: {text}")
        return EXIT_FAILED
    if isinstance(exc, ValueError) and "Protocol not known" in str(exc):
        print_error(f"{exc} (see 'omefs --help' for the URL forms)")
        return EXIT_USAGE
    text = str(exc).strip()
    if not debug:  # an SDK's message can run to a page: its first line says what happened
        text = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    print_error(f"{type(exc).__name__}: {text}" + ("" if debug else " (run with --debug for details)"))
    return EXIT_FAILED


def _exc_label(exc: BaseException) -> str:
    labels = {
        FileNotFoundError: "not found",
        PermissionError: "permission denied",
        IsADirectoryError: "is a folder",
        NotADirectoryError: "not a folder",
        FileExistsError: "already exists",
    }
    for cls, label in labels.items():
        if isinstance(exc, cls):
            return label
    return type(exc).__name__


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _finish(code: int) -> NoReturn:
    """Flush everything and end the process with ``code`` (see the module docstring)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            _silence_stdout()
        except (OSError, ValueError):
            pass
    if "obstore" in sys.modules:
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script ``omefs``: run the command and exit with its status."""
    try:
        code = run(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
    _finish(code)


if __name__ == "__main__":  # pragma: no cover
    main()
