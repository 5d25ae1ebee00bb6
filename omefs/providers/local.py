"""Local files (``file://`` and plain paths) and fsspec's in-memory filesystem.

They are providers like the clouds — the copy engine asks them what it asks
any other — but they take no auth config and no :func:`omefs.parse_uri`
URI: local paths are not object-store URIs.
"""

from __future__ import annotations

from typing import Any

from omefs.providers.base import Capabilities, Provider

__all__ = ["FILE", "MEMORY", "FileProvider", "MemoryProvider"]


class FileProvider(Provider):
    """This machine's files, through fsspec's ``LocalFileSystem``."""

    name = "file"
    label = "local"
    schemes = ("file", "local")
    parses_uris = False
    capabilities = Capabilities(bucketed=False, local=True)
    filesystems = {"*": "fsspec.implementations.local:LocalFileSystem"}
    transfer_hooks = "omefs.providers.hooks:LocalFileHooks"

    def claims(self, fs: Any) -> bool:
        from fsspec.implementations.local import LocalFileSystem

        return isinstance(fs, LocalFileSystem)


class MemoryProvider(Provider):
    """fsspec's process-wide in-memory filesystem (``memory://NAME/…`` reads as a bucket)."""

    name = "memory"
    label = "memory"
    schemes = ("memory",)
    parses_uris = False
    capabilities = Capabilities(local=True)
    filesystems = {"*": "fsspec.implementations.memory:MemoryFileSystem"}
    transfer_hooks = "omefs.providers.hooks:MemoryHooks"

    def claims(self, fs: Any) -> bool:
        from fsspec.implementations.memory import MemoryFileSystem

        return isinstance(fs, MemoryFileSystem)


FILE = FileProvider()
MEMORY = MemoryProvider()
