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
