"""Local servers for the tests, the demo and the benchmarks.

* ``MotoServer`` (S3/STS/IAM on moto; ``MotoServer(auth=True)`` enforces keys),
* ``GCSEmulator`` (gcp-storage-emulator),
* ``Azurite`` (Azure Blob Storage).

Each binds 127.0.0.1 on a free port and has ``start()``, ``stop()``,
``reset()``, ``endpoint`` and ``info()``. ``running_servers`` starts several
at once::

    from tests.servers import running_servers

    with running_servers(["s3", "gcs", "azure"]) as servers:
        servers["s3"].endpoint, servers["azure"].connection_string

From a shell: ``python -m tests.servers [s3 gcs azure s3-auth] [--env-file PATH]``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator

from ._process import (
    ManagedServer,
    ServerError,
    ServerNotInstalled,
    ServerProcess,
    ServerStartError,
    free_port,
    stop_all,
)
from .azurite import Azurite
from .gcs import GCSEmulator
from .moto import MotoServer

__all__ = [
    "SERVERS",
    "Azurite",
    "GCSEmulator",
    "ManagedServer",
    "MotoServer",
    "ServerError",
    "ServerNotInstalled",
    "ServerProcess",
    "ServerStartError",
    "clear_fsspec_caches",
    "free_port",
    "make_server",
    "running_servers",
    "stop_all",
]

# Whoever uses these servers (tests, demo, benchmarks) needs the same two settings:
# gcsfs must not probe each bucket for hierarchical namespaces (a 60 s stall per
# bucket on the emulator; read when gcsfs is imported), and connections to the
# loopback servers must not go through a proxy from the environment.
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
for _var in ("NO_PROXY", "no_proxy"):
    _hosts = [h for h in os.environ.get(_var, "").split(",") if h]
    os.environ[_var] = ",".join(_hosts + [h for h in ("127.0.0.1", "localhost") if h not in _hosts])

DEFAULT_SERVERS = ("s3", "gcs", "azure")

SERVERS: dict[str, Callable[[], ManagedServer]] = {
    "s3": MotoServer,
    "s3-auth": lambda: MotoServer(auth=True),
    "gcs": GCSEmulator,
    "azure": Azurite,
}
_ALIASES = {"moto": "s3", "aws": "s3", "moto-auth": "s3-auth", "gs": "gcs", "gcp": "gcs",
            "az": "azure", "azurite": "azure"}


def canonical_name(name: str) -> str:
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in SERVERS:
        raise ValueError(f"unknown server {name!r}; choose from {', '.join(SERVERS)}")
    return key


def make_server(name: str) -> ManagedServer:
    """A new, not yet started server: ``s3``, ``s3-auth``, ``gcs`` or ``azure``."""
    return SERVERS[canonical_name(name)]()


@contextlib.contextmanager
def running_servers(names: Iterable[str] = DEFAULT_SERVERS) -> Iterator[dict[str, ManagedServer]]:
    """Start the named servers (in parallel) and stop them all on exit.

    Yields ``{name: server}`` keyed by the canonical names given above.
    """
    keys = list(dict.fromkeys(canonical_name(n) for n in names))
    servers: dict[str, ManagedServer] = {}
    try:
        for key in keys:
            servers[key] = make_server(key)
        for server in servers.values():
            server.launch()  # all processes boot at the same time
        for server in servers.values():
            server.wait_ready()
        yield servers
    finally:
        for server in reversed(list(servers.values())):
            server.stop()


def clear_fsspec_caches() -> None:
    """Forget cached fsspec filesystem instances (and their listings) of every loaded class.

    After a server reset, a cached instance would answer from a stale dircache.
    """
    fsspec = sys.modules.get("fsspec")
    if fsspec is None:
        return
    seen: set[type] = set()
    todo: list[type] = [fsspec.AbstractFileSystem]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
        with contextlib.suppress(Exception):
            cls.clear_instance_cache()
