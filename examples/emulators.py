"""Start the local S3, GCS and Azure servers on fixed ports and say how to use them from the CLI.

``make emulators`` runs this. It starts moto (S3) on 127.0.0.1:5000, the
GCS emulator on 127.0.0.1:9023 and Azurite on 127.0.0.1:10000, writes a
routing config (``OMEFS_CONFIG``) whose profiles send every ``s3://``,
``gs://`` and ``az://``/``azure://`` URL to them, prints that config and
the ``export`` line to use it, and runs until Ctrl-C. In another shell::

    export OMEFS_CONFIG=.../omefs-emulators.yaml
    omefs mkdir s3://demo
    omefs cp README.md s3://demo/README.md
    omefs ls s3://demo/

Ports can be changed with ``--s3-port``, ``--gcs-port`` and ``--azure-port``.
The servers hold everything in memory: nothing is left when they stop.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.servers import Azurite, GCSEmulator, MotoServer  # noqa: E402
from tests.servers.routing import routing_document  # noqa: E402

DEFAULT_CONFIG = ROOT / "omefs-emulators.yaml"


def routing_config(s3: MotoServer, gcs: GCSEmulator, azure: Azurite) -> dict[str, object]:
    """The OMEFS_CONFIG document that routes every s3://, gs://, az:// URL to the servers."""
    return routing_document(s3, gcs, azure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--s3-port", type=int, default=5000)
    parser.add_argument("--gcs-port", type=int, default=9023)
    parser.add_argument("--azure-port", type=int, default=10000)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help=f"where to write the routing config (default: {DEFAULT_CONFIG.name})")
    args = parser.parse_args(argv)

    servers = [MotoServer(port=args.s3_port), GCSEmulator(port=args.gcs_port),
               Azurite(port=args.azure_port)]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        text = yaml.safe_dump(routing_config(*servers), sort_keys=False)  # type: ignore[arg-type]
        args.config.write_text(text)
        print(f"# S3 (moto)      {servers[0].endpoint}\n# GCS emulator   {servers[1].endpoint}\n"
              f"# Azurite        {servers[2].endpoint}\n#\n# {args.config}:\n"
              + "".join(f"#   {line}\n" for line in text.splitlines())
              + f"#\n# In another shell:\nexport OMEFS_CONFIG={args.config}\n"
              "# then: omefs mkdir s3://demo && omefs cp README.md s3://demo/ && omefs ls s3://demo/\n"
              "# Ctrl-C stops the servers.", flush=True)
        while not stop.wait(0.5):
            for server in servers:
                if not server.running():
                    print(f"{server.name} stopped unexpectedly:\n{server.log()}", file=sys.stderr)
                    return 1
    except Exception as exc:  # a port taken, a server missing: its log is in the message
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for server in reversed(servers):
            server.stop()
        args.config.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
