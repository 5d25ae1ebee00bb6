"""A provider omefs knows nothing about copies correctly through the generic path.

Two kinds: a filesystem no provider claims (omefs makes a generic provider
named after its protocol), and a registered provider that declares nothing
but its names and its filesystem class, which lives in this test package.
Both are fsspec memory filesystems with their own protocol and their own
store; every byte is read back, both ways, with a multipart-sized object,
and a copy within one of them runs through its own ``cp_file``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

import omefs
from omefs.providers import provider_of
from omefs.providers.base import Capabilities, Provider
from omefs.providers.hooks import TransferHooks
from tests.transfer.conftest import MiB, blob

OBJECTS = {"a.txt": blob(1000, 1), "empty": b"", "sub/big.bin": blob(6 * MiB + 5, 2)}


class _OwnMemory(MemoryFileSystem):
    """A memory filesystem under its own protocol."""

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        for proto in cls.protocol:
            if isinstance(path, str) and path.startswith(f"{proto}://"):
                path = "memory://" + path[len(proto) + 3:]
        return super()._strip_protocol(path)


class UnclaimedFileSystem(_OwnMemory):
    """A third-party store no provider claims."""

    protocol = ("unclaimed",)
    storage_provider = "unclaimed"
    store: ClassVar[dict[str, Any]] = {}
    pseudo_dirs: ClassVar[list[str]] = [""]


class VaultFileSystem(_OwnMemory):
    """The filesystem of a registered third-party provider."""

    protocol = ("vault",)
    storage_provider = "vault"
    store: ClassVar[dict[str, Any]] = {}
    pseudo_dirs: ClassVar[list[str]] = [""]


class VaultProvider(Provider):
    """Declares its names and its filesystem; nothing else."""

    name = "vault"
    label = "Vault"
    schemes = ("vault",)
    filesystems: ClassVar[dict[str, str]] = {
        "*": "tests.transfer.test_third_party_provider:VaultFileSystem"}


@pytest.fixture
def third_party() -> Iterator[None]:
    from omefs.providers import registry

    fsspec.register_implementation("unclaimed", UnclaimedFileSystem, clobber=True)
    fsspec.register_implementation("vault", VaultFileSystem, clobber=True)
    registry.all_providers()  # loaded before the snapshot, so restoring it keeps omefs's own
    with registry._lock:
        saved = (list(registry._providers), dict(registry._by_name), dict(registry._by_scheme))
    registry.register_provider(VaultProvider)
    try:
        yield
    finally:
        with registry._lock:
            registry._providers[:] = saved[0]
            registry._by_name.clear()
            registry._by_name.update(saved[1])
            registry._by_scheme.clear()
            registry._by_scheme.update(saved[2])
        UnclaimedFileSystem.store.clear()
        VaultFileSystem.store.clear()


def _fill(fs: Any, root: str) -> None:
    for rel, data in OBJECTS.items():
        fs.pipe_file(f"{root}/{rel}", data)


def _check(fs: Any, root: str) -> None:
    for rel, data in OBJECTS.items():
        assert fs.cat_file(f"{root}/{rel}") == data, rel


def test_the_providers_are_generic(third_party):
    unclaimed = provider_of(UnclaimedFileSystem())
    vault = provider_of(VaultFileSystem())
    assert unclaimed.name == "unclaimed" and vault.name == "vault"
    for prov in (unclaimed, vault):
        assert type(prov.transfer()) is TransferHooks
        assert prov.capabilities == Capabilities()


@pytest.mark.parametrize("scheme", ["unclaimed", "vault"])
@pytest.mark.parametrize("other", ["s3", "file", "memory"])
def test_copies_both_ways(third_party, side, scheme: str, other: str):
    theirs = fsspec.filesystem(scheme)
    ours = side(other)
    _fill(theirs, "/src")

    there = omefs.copy(f"{scheme}://src/", ours.uri("in/"), recursive=True, dst_options=ours.options,
                       part_size="5MiB")
    assert there.ok and len(there.copied) == len(OBJECTS)
    for rel, data in OBJECTS.items():
        assert ours.read(f"in/{rel}") == data

    back = omefs.copy(ours.uri("in/"), f"{scheme}://back/", recursive=True,
                      src_options=ours.options, part_size="5MiB")
    assert back.ok and len(back.copied) == len(OBJECTS)
    assert all(i.method != "server-side" for i in back.copied)
    _check(theirs, "/back")

    again = omefs.copy(ours.uri("in/"), f"{scheme}://back/", recursive=True,
                       src_options=ours.options, skip_existing=True)
    assert again.ok and len(again.skipped) == len(OBJECTS)


@pytest.mark.parametrize("scheme", ["unclaimed", "vault"])
def test_a_copy_within_one_filesystem_uses_its_cp_file(third_party, scheme: str):
    theirs = fsspec.filesystem(scheme)
    _fill(theirs, "/src")
    report = omefs.copy(f"{scheme}://src/", f"{scheme}://dst/", recursive=True)
    assert report.ok and {i.method for i in report.copied} == {"server-side"}
    _check(theirs, "/dst")
