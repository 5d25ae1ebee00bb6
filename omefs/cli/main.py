"""The ``omefs`` command: dispatch, error handling and exit status.

The parser is :mod:`omefs.cli.parser`'s; flag values are checked by
:mod:`omefs.cli.argtypes`.

Verbs (each in its own module, imported only when used, so that
``omefs --help`` stays fast):

* ``ls``, ``stat``, ``cat`` — :mod:`omefs.cli.listing`
* ``cp``, ``sync``, ``rm`` — :mod:`omefs.cli.transfer`
* ``mount`` — :mod:`omefs.cli.mount`
* ``auth`` — :mod:`omefs.cli.auth`
* ``lifecycle`` — :mod:`omefs.cli.lifecycle`

Exit status: 0 on success; 1 when an object failed (a copy, a delete, a
missing object); 2 on a usage or configuration error (a bad flag, a bad
URI, an auth config that does not resolve); 130 when interrupted (Ctrl-C):
a copy then lists what it cancelled, none of which is left at the
destination. Typed omefs errors print as
one ``omefs: error: …`` line, without a traceback unless ``--debug``.

The process exits normally (:func:`sys.exit`): output flushed, ``atexit``
handlers and logging shut down, the interpreter finalized. It once ended
with ``os._exit`` after an obstore copy, to hide an abort (SIGABRT) during
finalization; that abort's cause was found and fixed where the engine's
event loop ends (:mod:`omefs.transfer.loop`), and ``bench/exit_loop.py
--cli`` repeats a CLI copy to show the exit status stays the command's own.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from omefs.cli.parser import build_parser

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main", "run"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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
        _normalize_urls(args)
        handler = _load_handler(args._handler)
        return int(handler(args) or 0)
    except KeyboardInterrupt as exc:
        report = getattr(exc, "report", None)  # a transfer's: what was done, what was cancelled
        if report is not None:
            from omefs.cli.output import print_interrupted

            print_interrupted(report)
        else:
            sys.stderr.write("omefs: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (omefs cat … | head): not an error of ours.
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # every error ends as one clean line
        return _report_exception(exc, debug)


#: The argument names that hold URLs, whatever the verb.
_URL_ARGS = ("url", "urls", "src", "dst")


def _normalize_urls(args: Any) -> None:
    """Schemes of URL arguments in lower case (``S3://b/k``); ``s3:/b/k`` is an InvalidURIError."""
    from omefs.uri import normalize_url

    for name in _URL_ARGS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, normalize_url(value))
        elif isinstance(value, list):
            setattr(args, name, [normalize_url(v) if isinstance(v, str) else v for v in value])


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
    """Flush the output and exit with ``code`` (through ``SystemExit``: ``atexit`` handlers run)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            _silence_stdout()
        except (OSError, ValueError):
            pass
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
