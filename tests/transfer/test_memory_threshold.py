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


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_freed_pieces_are_reused_not_faulted_in_again():
    # 40 pieces of 3 MiB, each freed before the next. With the mmap threshold pinned and
    # glibc's trim threshold left at its 128 KiB default, a piece freed at the top of the
    # heap went back to the system and the next was faulted in again (768 pages each,
    # about 29,000 faults here); with the trim threshold set, the heap keeps it.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "OMEFS_PIN"))}
    pinned, faults = subprocess.run([sys.executable, "-c", _FAULTS], env=env, capture_output=True,
                                    text=True, check=True).stdout.split()
    assert pinned == "True"
    assert int(faults) < 40 * 768 // 10, faults


class _Libc:
    """Stands in for glibc: records ``mallopt`` calls."""

    def __init__(self, calls):
        self.gnu_get_libc_version = object()
        self.mallopt = lambda option, value: calls.append((option, value)) or 1


@pytest.mark.parametrize("env, expected", [
    ({}, [(-3, memory.MMAP_THRESHOLD), (-1, memory.TRIM_THRESHOLD)]),
    ({"MALLOC_TRIM_THRESHOLD_": "131072"}, [(-3, memory.MMAP_THRESHOLD)]),  # the environment's
], ids=["both", "trim-from-environment"])
def test_trim_threshold_set_with_the_mmap_threshold(monkeypatch, env, expected):
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    calls: list[tuple[int, int]] = []
    import ctypes

    monkeypatch.setattr(ctypes, "CDLL", lambda name: _Libc(calls))
    assert memory.pin_mmap_threshold() is True
    assert calls == expected
