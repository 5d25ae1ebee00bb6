"""A listing taken before a write never hides what was written: every write path, every provider.

fsspec filesystems cache folder listings; a write that does not drop the
listings it changes leaves ``ls``/``find`` answering from before it (the
staleness users of the fsspec family report most). Each test here lists
first (so the listings are cached), writes one way, then lists again on
the same filesystem instance. Servers: moto (``s3``), the GCS emulator
(``gs``), Azurite (``az``, ``azure``), the fake OCI Object Storage
(``oci``), memory (``testmem``), the fake GitHub Releases API (``github``,
whose releases hold files only, so its folder is the release itself).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import omefs
from tests.fsspec_abstract.targets import Target


def _put(t: Target, dest: str, tmp: Path) -> None:
    local = tmp / "local.bin"
    local.write_bytes(b"put")
    t.fs.put(str(local), dest)


def _pipe(t: Target, dest: str, tmp: Path) -> None:
    t.fs.pipe(dest, b"pipe")


def _open_wb(t: Target, dest: str, tmp: Path) -> None:
    with t.fs.open(dest, "wb") as f:
        f.write(b"open")


def _copy(t: Target, dest: str, tmp: Path) -> None:
    t.fs.copy(t.path("seed.bin"), dest)


def _mv(t: Target, dest: str, tmp: Path) -> None:
    t.fs.mv(t.path("seed.bin"), dest)


def _engine(t: Target, dest: str, tmp: Path) -> None:
    local = tmp / "engine.bin"
    local.write_bytes(b"engine")
    omefs.copy(str(local), f"{t.scheme}://{dest.lstrip('/')}", dst_auth=t.auth,
               dst_options=t.options or None)


WRITES: dict[str, Callable[[Target, str, Path], None]] = {
    "put": _put, "pipe": _pipe, "open_wb": _open_wb, "copy": _copy, "mv": _mv,
    "copy_engine": _engine,
}


def _names(listing: list[str]) -> set[str]:
    return {name.rstrip("/") for name in listing}


def _seed(t: Target) -> None:
    t.fs.pipe(t.path("seed.bin"), b"seed")
    if t.nested:
        t.fs.pipe(t.path("dir/old.bin"), b"old")


@pytest.mark.parametrize("write", WRITES)
def test_listing_before_a_write_does_not_hide_it(target: Target, write: str, tmp_path: Path) -> None:
    t = target
    fs = t.fs
    _seed(t)
    dest = t.path("dir/new/sub/written.bin") if t.nested else t.path("written.bin")
    # Cache every listing the write changes: the place, the folder, find over all of it.
    before = _names(fs.find(t.base))
    assert t.path("seed.bin") in before and dest not in before
    fs.ls(t.base)
    if t.nested:
        fs.ls(t.path("dir"))

    WRITES[write](t, dest, tmp_path)

    after = _names(fs.find(t.base))
    assert dest in after, f"{write}: find() after the write does not show {dest}: {sorted(after)}"
    assert fs.exists(dest) and fs.isfile(dest)
    if t.nested:
        assert t.path("dir/new") in _names(fs.ls(t.path("dir"), detail=False))
        assert dest in _names(fs.ls(t.path("dir/new/sub"), detail=False))
    else:
        assert dest in _names(fs.ls(t.base, detail=False))
    if write == "mv":
        assert t.path("seed.bin") not in after
        assert t.path("seed.bin") not in _names(fs.ls(t.base, detail=False))


@pytest.mark.parametrize("recursive", [False, True], ids=["rm_file", "rm_folder"])
def test_listing_before_a_delete_does_not_show_it(target: Target, recursive: bool) -> None:
    t = target
    fs = t.fs
    _seed(t)
    gone = t.path("dir") if recursive and t.nested else t.path("seed.bin")
    if recursive and not t.nested:
        pytest.skip("a GitHub release holds no folders: its assets are deleted one by one")
    before = _names(fs.find(t.base))
    assert any(name == gone or name.startswith(gone + "/") for name in before)
    fs.ls(t.base)
    if t.nested:
        fs.ls(t.path("dir"))

    fs.rm(gone, recursive=recursive)

    after = _names(fs.find(t.base))
    assert not any(name == gone or name.startswith(gone + "/") for name in after), sorted(after)
    assert gone not in _names(fs.ls(t.base, detail=False))
    assert not fs.exists(gone)
