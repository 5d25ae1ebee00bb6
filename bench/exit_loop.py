#!/usr/bin/env python
"""Run ``tests/transfer/test_exit.py``'s scenario many times and count abnormal exits.

Each run is a fresh interpreter that copies 40 small objects and one
multipart object from S3 (moto) to Azure (Azurite) with ``omefs.copy``,
and then exits normally. Any exit code other than 0 (134 is SIGABRT) is
an abort; its stderr tail is printed.

``--cli`` runs the same copy through the command line (``omefs cp -r``,
its ``main()`` as the console script calls it) and also checks that the
process ended the normal way: its summary reached stdout and an
``atexit`` handler ran (its line is on stderr).

    python bench/exit_loop.py                 # 500 runs, 2 at a time
    python bench/exit_loop.py --cli --runs 200
    python bench/exit_loop.py --runs 100 --parallel 4
    python bench/exit_loop.py --runs 50 --widen   # the race made wide (see below)
    python bench/exit_loop.py --cores /tmp/cores  # core dumps of aborted runs, for gdb

``--widen`` makes every thread other than the main one pause 50 ms (GIL
released) right after it wakes the event loop in ``call_soon_threadsafe``
— what a descheduled obstore thread does by chance on a busy machine. With
a plain ``asyncio.run`` loop nearly every run then aborts at exit (the
thread wants the GIL back while Python finalizes); with
:mod:`omefs.transfer.loop` none does.

Prints one line per 50 runs and a summary: runs, aborts, exit codes seen.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")

from tests.transfer.test_exit import CHILD  # noqa: E402  (the test's own child program)

MiB = 1 << 20

#: Prepended to the child program by ``--widen``.
WIDEN = r"""
import asyncio.selector_events as _se, threading as _th, time as _t
_write = _se.BaseSelectorEventLoop._write_to_self
def _slow_write(self):
    _write(self)
    if _th.current_thread() is not _th.main_thread():
        _t.sleep(0.05)  # the GIL released, as in a descheduled socket.send
_se.BaseSelectorEventLoop._write_to_self = _slow_write
"""


#: ``--cli``: the console script's ``main()``, with an ``atexit`` handler that says it ran.
CLI_CHILD = r"""
import atexit, sys
atexit.register(lambda: sys.stderr.write("atexit ran\n"))
from omefs.cli.main import main
main(sys.argv[1:])
"""


def _blob(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return rng.randbytes(size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--widen", action="store_true",
                        help="widen the exit race: other threads pause after waking the loop")
    parser.add_argument("--cli", action="store_true",
                        help="copy with the omefs command line instead of omefs.copy")
    parser.add_argument("--cores", metavar="DIR",
                        help="run the children in DIR with core dumps on (for gdb)")
    args = parser.parse_args(argv)

    import omefs
    from tests.servers import running_servers

    def allow_cores() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    if args.cores:
        os.makedirs(args.cores, exist_ok=True)

    with running_servers(["s3", "azure"]) as servers:
        s3, az = servers["s3"], servers["azure"]
        so = dict(s3.storage_options())
        do = {"connection_string": az.connection_string}
        bucket = f"exit-{uuid.uuid4().hex[:8]}"
        src = omefs.filesystem("s3", **so)
        src.mkdir(bucket)
        objects = {f"d/{i:03d}.bin": _blob(20_000 + i, i) for i in range(40)}
        objects["d/big.bin"] = _blob(6 * MiB, 99)
        for rel, data in objects.items():
            src.pipe_file(f"{bucket}/{rel}", data)
        container = f"exit-{uuid.uuid4().hex[:8]}"
        omefs.filesystem("azure", **do).mkdir(container)

        # faulthandler: an abort prints every thread's Python stack to stderr.
        env = dict(os.environ, PYTHONFAULTHANDLER="1",
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   AWS_ACCESS_KEY_ID=s3.access_key_id,
                   AWS_SECRET_ACCESS_KEY=s3.secret_access_key)
        azure_auth = os.path.join(tempfile.mkdtemp(prefix="exit-loop-"), "azure.yaml")
        with open(azure_auth, "w") as f:
            f.write("provider: azure\nauth_type: connection_string\nsettings:\n"
                    f"  connection_string: '{az.connection_string}'\n")
        codes: collections.Counter[int] = collections.Counter()
        aborts: list[tuple[int, int, str]] = []
        started = time.monotonic()
        running: list[tuple[int, subprocess.Popen[bytes]]] = []
        next_run = 0
        done = 0
        while done < args.runs:
            while next_run < args.runs and len(running) < args.parallel:
                if args.cores:
                    os.makedirs(os.path.join(args.cores, str(next_run)), exist_ok=True)
                src_url, dst_url = f"s3://{bucket}/d/", f"azure://{container}/r{next_run}/"
                if args.cli:
                    argv = ["cp", "-r", "--part-size", "5MiB", "--src-endpoint-url", s3.endpoint,
                            "--dst-auth", azure_auth, src_url, dst_url]
                    child = (WIDEN if args.widen else "") + CLI_CHILD
                else:
                    spec = {"src": src_url, "dst": dst_url, "so": so, "do": do, "n": len(objects)}
                    argv = [json.dumps(spec)]
                    child = (WIDEN if args.widen else "") + CHILD
                proc = subprocess.Popen([sys.executable, "-c", child, *argv], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        cwd=os.path.join(args.cores, str(next_run)) if args.cores
                                        else None,
                                        preexec_fn=allow_cores if args.cores else None)
                running.append((next_run, proc))
                next_run += 1
            run, proc = running.pop(0)
            out, err = proc.communicate(timeout=300)
            codes[proc.returncode] += 1
            done += 1
            ended_normally = not args.cli or (
                f"{len(objects)} copied" in out.decode(errors="replace")
                and err.decode(errors="replace").endswith("atexit ran\n"))
            if proc.returncode != 0 or not ended_normally:
                tail = (out + err).decode(errors="replace")[-3000:]
                aborts.append((run, proc.returncode, tail))
                if len(aborts) <= 3:  # the first few in full; then only their exit codes
                    print(f"run {run}: exit {proc.returncode}\n{aborts[-1][2]}", flush=True)
                else:
                    print(f"run {run}: exit {proc.returncode}", flush=True)
            if done % 50 == 0:
                print(f"{done} runs, {len(aborts)} abnormal exits, "
                      f"{time.monotonic() - started:.0f} s", flush=True)
    print(f"{'cli' if args.cli else 'api'} runs {done}, abnormal exits {len(aborts)}, "
          f"exit codes {dict(codes)}, "
          f"python {sys.version.split()[0]}, {time.monotonic() - started:.0f} s")
    return 1 if aborts else 0


if __name__ == "__main__":
    sys.exit(main())
