"""An example omefs provider: ``testmem://BUCKET/PATH``, held in this process's memory.

This is the whole provider: a :class:`~omefs.providers.Provider` subclass
with its names, schemes, URI forms, capabilities and filesystem. It keeps
the default URI grammar (``scheme://BUCKET/PATH``) and the default hooks,
so the copy engine and the facade treat it as any bucketed store that
reports no digests. The package's ``pyproject.toml`` declares it under the
``omefs.providers`` entry-point group; omefs needs no change to use it.

Importing this module imports no storage SDK (here there is none): the
filesystem class is named by a ``"module:Class"`` string and loaded on
first use.
"""

from __future__ import annotations

from typing import ClassVar

from omefs.providers import Capabilities, Provider

__all__ = ["PROVIDER", "TestMemProvider"]


class TestMemProvider(Provider):
    """A bucketed in-memory store, per process, standing in for a remote service."""

    __test__ = False  # not a pytest test class, despite its name

    name = "testmem"
    label = "TestMem"
    schemes = ("testmem",)
    uri_forms = ("testmem://BUCKET/PATH",)
    # No digests: the engine verifies copies by size only. Not ``local``:
    # objects are read by ranges like those of any remote store.
    capabilities = Capabilities(bucketed=True, digests=())
    filesystems: ClassVar[dict[str, str]] = {"*": "omefs_testmem.fs:TestMemFileSystem"}


#: The instance the entry point names (a subclass would do as well).
PROVIDER = TestMemProvider()
