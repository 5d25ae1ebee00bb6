"""Killed mid-way, then resumed: nothing partial is ever visible, and only the rest is sent.

A child process copies a folder (small objects and two multipart-sized
ones) with a bandwidth cap so the copy takes a few seconds. The test
watches the destination while it runs — every object that appears must
already be complete and identical — then SIGKILLs the child mid-way,
checks again, and re-runs the copy with ``skip_existing``: it must skip
exactly what was there and copy exactly what was missing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import omefs
from tests.transfer.conftest import MiB, blob

CHILD = r"""
import json, sys
import omefs
spec = json.loads(sys.argv[1])
omefs.copy(spec["src"], spec["dst"], recursive=True, src_options=spec["so"],
           dst_options=spec["do"], part_size="5MiB", max_concurrency=4, bandwidth="4MiB")
print("finished")
"""

# Listed (and so copied) in this order: small ones, two multipart-sized ones, small ones.
OBJECTS = {f"a/{i:02d}.bin": blob(300_000 + i, i) for i in range(10)}
OBJECTS["b/large1.bin"] = blob(11 * MiB + 5, 100)
OBJECTS["b/large2.bin"] = blob(12 * MiB + 9, 101)
OBJECTS.update({f"c/{i:02d}.bin": blob(200_000 + i, 50 + i) for i in range(10)})


def _check_visible(dst, seen: dict[str, bytes]) -> None:
    for rel in dst.listing("out"):
        if rel in seen:
            continue
        data = dst.read(f"out/{rel}")
        assert data == OBJECTS[rel], f"{rel} visible but incomplete ({len(data)} bytes)"
        seen[rel] = data


@pytest.mark.parametrize(("src_name", "dst_name"), [("s3", "azure"), ("azure", "s3")])
def test_killed_copy_resumes_with_skip_existing(side, src_name, dst_name):
    src, dst = side(src_name), side(dst_name)
    for rel, data in OBJECTS.items():
        src.put(f"data/{rel}", data)
    spec = {"src": src.uri("data/"), "dst": dst.uri("out/"), "so": src.options,
            "do": dst.options}
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(spec)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: dict[str, bytes] = {}
    try:
        deadline = time.monotonic() + 60
        # Kill while the multipart-sized objects are in flight.
        while len(seen) < 10 and time.monotonic() < deadline and child.poll() is None:
            _check_visible(dst, seen)
            time.sleep(0.05)
        end = time.monotonic() + 0.6
        while time.monotonic() < end and child.poll() is None:
            _check_visible(dst, seen)
            time.sleep(0.05)
        assert child.poll() is None, "the copy finished before it could be interrupted"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    _check_visible(dst, seen)
    present = set(dst.listing("out"))
    assert 0 < len(present) < len(OBJECTS)

    report = omefs.copy(src.uri("data"), dst.uri("out"), recursive=True, skip_existing=True,
                        src_options=src.options, dst_options=dst.options, part_size="5MiB")

    assert report.ok
    skipped = {i.dst.split("/out/", 1)[1] for i in report.skipped}
    copied = {i.dst.split("/out/", 1)[1] for i in report.copied}
    assert skipped == present
    assert copied == set(OBJECTS) - present
    for rel, data in OBJECTS.items():
        assert dst.read(f"out/{rel}") == data
    if dst_name == "s3":
        # uploads the killed process had open were cleaned up by the resumed run
        uploads = dst.fs.call_s3("list_multipart_uploads", Bucket=dst.path()).get("Uploads") or []
        assert uploads == []
