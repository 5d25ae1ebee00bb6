"""omefs.transfer.memory: glibc's mmap threshold is pinned once, and only where allowed."""

from __future__ import annotations

import platform

import pytest

from omefs.transfer import memory


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(memory, "_done", None)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("OMEFS_PIN_MMAP_THRESHOLD", raising=False)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_pinned_once_on_glibc():
    assert memory.pin_mmap_threshold() is True
    assert memory._done is True
    assert memory.pin_mmap_threshold() is True  # cached: no second mallopt


@pytest.mark.parametrize("env", [{"OMEFS_PIN_MMAP_THRESHOLD": "0"}, {"OMEFS_PIN_MMAP_THRESHOLD": "off"},
                                 {"MALLOC_MMAP_THRESHOLD_": "1048576"}])
def test_environment_decides_first(monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert memory.pin_mmap_threshold() is False
    assert memory._done is False


_FAULTS = """
import resource
from omefs.transfer.memory import pin_mmap_threshold
print(pin_mmap_threshold())
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    piece = bytearray(3 << 20)
    del piece
before = faults()
for _ in range(40):
    piece = bytearray(3 << 20)  # under the mmap threshold: served from the heap
    del piece
print(faults() - before)
"""


def _faults(env):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "OMEFS_PIN"))} | env
    out = subprocess.run([sys.executable, "-c", _FAULTS], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_freed_pieces_are_reused_not_faulted_in_again():
    # 40 pieces of 3 MiB, each freed before the next: with glibc's default trim threshold
    # (128 KiB, frozen there once the mmap threshold is pinned) every piece is given back
    # and faulted in again (768 pages each); with the trim threshold set, the heap keeps it.
    pinned, faults = _faults({})
    assert pinned == "True"
    assert faults < 40 * 768 // 10, faults
    pinned, trimmed = _faults({"MALLOC_TRIM_THRESHOLD_": "131072"})  # the environment decides
    assert pinned == "True"
    assert trimmed > 40 * 768 // 2, trimmed
