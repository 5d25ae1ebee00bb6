"""Interpreters that ran an obstore copy exit cleanly (no SIGABRT at shutdown).

With obstore 0.12.1 on CPython 3.11 an obstore worker thread could still
be handing a result to asyncio while Python finalized, aborting about 1
run in 10–20 after a fully successful copy. The engine awaits every
obstore future and closes its loop before ``copy`` returns; this runs the
copy in fresh interpreters and checks every exit code. (It is a guard,
not a proof: 4 runs would catch the old 1-in-15 crash about one time in four;
``bench/exit_loop.py`` runs the same scenario 500 times, ``--cli`` the command line.)
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.transfer.conftest import MiB, blob

CHILD = r"""
import json, sys
import omefs
spec = json.loads(sys.argv[1])
report = omefs.copy(spec["src"], spec["dst"], recursive=True, src_options=spec["so"],
                    dst_options=spec["do"], part_size="5MiB")
assert report.ok and len(report.copied) == spec["n"], report.summary()
"""


def test_many_interpreters_exit_cleanly(side):
    src, dst = side("s3"), side("azure")
    objects = {f"d/{i:03d}.bin": blob(20_000 + i, i) for i in range(40)}
    objects["d/big.bin"] = blob(6 * MiB, 99)
    for rel, data in objects.items():
        src.put(rel, data)
    codes = []
    for batch in range(2):
        procs = []
        for j in range(2):
            spec = {"src": src.uri("d/"), "dst": dst.uri(f"run{batch}-{j}/"), "so": src.options,
                    "do": dst.options, "n": len(objects)}
            procs.append(subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(spec)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            codes.append((proc.returncode, err.decode()[-2000:]))
    # On failure, show the exit code and the end of stderr of each interpreter that failed.
    assert [c for c, _ in codes] == [0] * len(codes), [c for c in codes if c[0] != 0]
