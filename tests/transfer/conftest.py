"""Fixtures for the transfer tests: one "side" (a bucket or folder) per store.

``side("s3")`` gives a fresh bucket on the local moto server (``gcs``: the
GCS emulator, ``azure``: Azurite, ``file``: a temporary folder, ``memory``:
a unique ``memory://`` root). A :class:`Side` knows its base URI, its
storage options for ``omefs.copy`` and an omefs filesystem to set up and
inspect objects with.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import omefs

MiB = 1024 * 1024
SERVER_FIXTURES = {"s3": "s3_env", "gcs": "gcs_env", "azure": "azure_env"}


@dataclass
class Side:
    name: str
    base: str  # a URI without trailing slash: s3://bucket, file:///tmp/x, memory://root
    options: dict[str, Any] = field(default_factory=dict)
    server: Any = None

    @property
    def fs(self) -> Any:
        return omefs.filesystem(self.base, **self.options)

    def uri(self, rel: str = "") -> str:
        return f"{self.base}/{rel}" if rel else self.base

    def path(self, rel: str = "") -> str:
        _, path = omefs.url_to_fs(self.uri(rel), **self.options)
        return path

    def put(self, rel: str, data: bytes) -> None:
        fs = self.fs
        if self.name == "file":
            os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        fs.pipe_file(self.path(rel), data)

    def read(self, rel: str) -> bytes:
        fs = self.fs
        fs.invalidate_cache()
        return fs.cat_file(self.path(rel))

    def listing(self, rel: str = "") -> list[str]:
        """Relative paths of every object under ``rel``."""
        fs = self.fs
        fs.invalidate_cache()
        root = self.path(rel).rstrip("/")
        try:
            found = fs.find(root, withdirs=False)
        except FileNotFoundError:
            return []
        out = []
        for p in found:
            if p.startswith(root + "/"):
                out.append(p[len(root) + 1:])
        return sorted(out)


def _new_side(request: pytest.FixtureRequest, name: str, tmp_path_factory: Any) -> Side:
    suffix = uuid.uuid4().hex[:10]
    if name == "file":
        root = tmp_path_factory.mktemp("side")
        return Side("file", f"file://{root}")
    if name == "memory":
        return Side("memory", f"memory://omefs-{suffix}")
    server = request.getfixturevalue(SERVER_FIXTURES[name])
    bucket = f"b-{suffix}"
    if name == "s3":
        side = Side("s3", f"s3://{bucket}", dict(server.storage_options()), server)
    elif name == "gcs":
        side = Side("gcs", f"gs://{bucket}", dict(server.storage_options()), server)
    else:
        side = Side("azure", f"azure://{bucket}", {"connection_string": server.connection_string},
                    server)
    side.fs.mkdir(side.path())
    return side


@pytest.fixture
def side(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Callable[[str], Side]]:
    """A factory: ``side("s3")`` → a fresh, empty :class:`Side` on that store."""
    made: list[Side] = []

    def make(name: str) -> Side:
        s = _new_side(request, name, tmp_path_factory)
        made.append(s)
        return s

    yield make
    for s in made:
        if s.name == "memory":
            fs = s.fs
            root = s.path()
            if fs.exists(root):
                fs.rm(root, recursive=True)


def blob(size: int, seed: int = 0) -> bytes:
    """``size`` deterministic pseudo-random bytes (1 MiB of randomness, varied per MiB)."""
    rng = random.Random(seed)
    unit = rng.randbytes(min(size, MiB) or 1)
    if size <= MiB:
        return unit[:size]
    out = bytearray()
    i = 0
    while len(out) < size:
        out += i.to_bytes(8, "little") + unit[8:]
        i += 1
    return bytes(out[:size])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--dask-objects", type=int, default=600,
                     help="objects in the Dask worker-process copy (tests/transfer/"
                          "test_dask_processes.py; default 600, 2000 for the full-size run)")
