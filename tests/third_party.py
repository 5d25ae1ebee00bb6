"""A third-party provider registered at run time: ``tmem://BUCKET/PATH``, an in-memory store.

Its filesystem is a subclass of fsspec's ``MemoryFileSystem`` with its own
protocol and its own store; the provider declares nothing but its names,
scheme and filesystem, so every answer the facade and the CLI get from it
is a default. :func:`registered` registers it for one test and restores
the registry (and fsspec's) afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem
from fsspec.registry import _registry as _fsspec_registry

from omefs.providers import Provider, register_provider
from omefs.providers import registry as _registry

SCHEME = "tmem"


class TMemFileSystem(MemoryFileSystem):
    """fsspec's memory filesystem under its own protocol and with its own store."""

    protocol = (SCHEME,)
    storage_provider = SCHEME
    store: ClassVar[dict[str, Any]] = {}
    pseudo_dirs: ClassVar[list[str]] = [""]

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, str):
            path = path.removeprefix(f"{SCHEME}://")
        return super()._strip_protocol(path)


class TMemProvider(Provider):
    """The third-party provider: names, a scheme and a filesystem, nothing else."""

    name = SCHEME
    label = "TMem"
    schemes = (SCHEME,)
    filesystems: ClassVar[dict[str, str]] = {"*": f"{__name__}:TMemFileSystem"}
    uri_forms = (f"{SCHEME}://BUCKET/PATH",)


@contextmanager
def registered() -> Iterator[TMemProvider]:
    """Register the provider for the ``with`` block; afterwards the registry is as it was."""
    providers = _registry.all_providers()
    by_name, by_scheme = dict(_registry._by_name), dict(_registry._by_scheme)
    fsspec_known = SCHEME in fsspec.registry
    TMemFileSystem.store.clear()
    TMemFileSystem.pseudo_dirs[:] = [""]
    TMemFileSystem.clear_instance_cache()
    provider = register_provider(TMemProvider)
    try:
        yield provider  # type: ignore[misc]
    finally:
        with _registry._lock:
            _registry._providers[:] = providers
            _registry._by_name.clear()
            _registry._by_name.update(by_name)
            _registry._by_scheme.clear()
            _registry._by_scheme.update(by_scheme)
        if not fsspec_known:
            _fsspec_registry.pop(SCHEME, None)
        TMemFileSystem.store.clear()


def _testmem_installed() -> bool:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("omefs-testmem")
    except PackageNotFoundError:
        return False
    return True


#: Skips a module whose tests need the example provider distribution installed.
requires_testmem = pytest.mark.skipif(
    not _testmem_installed(),
    reason="the example provider is not installed: pip install -e tests/plugins/omefs-testmem "
           "(make setup does it)",
)
