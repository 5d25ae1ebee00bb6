"""Memory stays near ``part_size × max_concurrency`` whatever the object size.

A child process copies one large object with 4 MiB parts and 4 slots and
samples its own resident set size (psutil) every few milliseconds; the
peak growth over the warmed-up baseline must stay a small multiple of
``part_size × max_concurrency`` — far below the object's size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.transfer.conftest import MiB, blob

CHILD = r"""
import json, sys, threading, time
import psutil
import omefs

spec = json.loads(sys.argv[1])
me = psutil.Process()
omefs.copy(spec["warm"], spec["dst"] + ".warm", src_options=spec["so"], dst_options=spec["do"],
           part_size="4MiB", max_concurrency=4)
base = me.memory_info().rss
peak = [base]
stop = threading.Event()

def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], me.memory_info().rss)
        time.sleep(0.005)

thread = threading.Thread(target=sample, daemon=True)
thread.start()
started = time.monotonic()
report = omefs.copy(spec["src"], spec["dst"], src_options=spec["so"], dst_options=spec["do"],
                    part_size="4MiB", max_concurrency=4)
elapsed = time.monotonic() - started
stop.set()
thread.join()
item = report.copied[0]
print(json.dumps({"growth": peak[0] - base, "base": base, "seconds": elapsed,
                  "method": item.method, "verified": item.verified, "bytes": report.bytes}))
"""

BOUND = 64 * MiB  # 4 MiB × 4 slots = 16 MiB of buffers, plus allocator slack and clients


def _run(spec: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _big_file(path: str, size: int) -> None:
    unit = blob(MiB, 9)
    with open(path, "wb") as f:
        for i in range(size // MiB):
            f.write(i.to_bytes(8, "little") + unit[8:])


@pytest.mark.parametrize("src_name", ["file", "s3"])
def test_large_copy_memory_is_bounded(side, tmp_path, src_name):
    size = 256 * MiB if src_name == "file" else 64 * MiB
    dst = side("azure")
    local = tmp_path / "big.bin"
    _big_file(str(local), size)
    warm = tmp_path / "warm.bin"
    warm.write_bytes(b"w" * 1000)
    if src_name == "file":
        src_uri, so = f"file://{local}", {}
    else:
        src = side("s3")
        src.fs.put_file(str(local), src.path("big.bin"))
        src_uri, so = src.uri("big.bin"), src.options
    spec = {"src": src_uri, "warm": f"file://{warm}", "so": so, "dst": dst.uri("big.bin"),
            "do": dst.options}
    if src_name != "file":
        spec["warm"] = src.uri("warm.bin")
        src.put("warm.bin", b"w" * 1000)

    result = _run(spec)

    assert result["bytes"] == size
    assert result["method"] == "multipart"
    assert result["growth"] < BOUND, result
    info = dst.fs.info(dst.path("big.bin"))
    assert info["size"] == size
    os.unlink(local)
