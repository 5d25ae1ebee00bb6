"""``python -m tests.servers [s3 gcs azure s3-auth] [--env-file PATH]``

Starts the named servers (default: s3 gcs azure), prints one JSON line
``{"s3": {...}, "gcs": {...}, "azure": {...}}`` with their endpoints and
connection details, optionally writes the same JSON to ``--env-file``
(atomically, once every server is ready; removed again on shutdown), then
runs until SIGTERM or SIGINT and stops them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from . import DEFAULT_SERVERS, SERVERS, canonical_name, running_servers


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".servers-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.servers",
                                     description="Run local S3/GCS/Azure test servers.")
    parser.add_argument("servers", nargs="*", metavar="SERVER",
                        help=f"any of {', '.join(SERVERS)} (default: {' '.join(DEFAULT_SERVERS)})")
    parser.add_argument("--env-file", metavar="PATH",
                        help="also write the connection details to PATH as JSON")
    args = parser.parse_args(argv)
    try:
        names = [canonical_name(n) for n in args.servers] or list(DEFAULT_SERVERS)
    except ValueError as e:
        parser.error(str(e))

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with running_servers(names) as servers:
            text = json.dumps({name: server.info() for name, server in servers.items()})
            if args.env_file:
                _write_atomically(args.env_file, text + "\n")
            print(text, flush=True)
            try:
                while not stop.wait(0.5):
                    for name, server in servers.items():
                        if not server.running():
                            print(f"{name} stopped unexpectedly:\n{server.log()}", file=sys.stderr)
                            return 1
            finally:
                if args.env_file:
                    try:
                        os.unlink(args.env_file)
                    except OSError:
                        pass
    except Exception as e:  # a server failed to start: its log is in the message
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
