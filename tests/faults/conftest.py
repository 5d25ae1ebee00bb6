"""Fixtures for the fault tests: every store reached through a misbehaving proxy.

``store("s3")`` (``gcs``, ``azure``, ``oci``, ``github``) gives a
:class:`ProxiedStore`: a fresh bucket (container, release) on the store's
local server — moto, the GCS emulator, Azurite, or the project's fakes of
the OCI and GitHub APIs — plus a :class:`~tests.servers.corrupting_proxy.CorruptingProxy`
in front of that server. ``options`` reach the store through the proxy
(what the copy under test uses); ``direct`` reach it without (what the
test checks the outcome with, so no injected fault can hide an object).

``--faults-scale N`` (default 1) multiplies the fault suite's objects and
runs: ``pytest tests/faults --faults-scale 20`` is the long run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import omefs
from tests.servers.corrupting_proxy import CorruptingProxy
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import OWNER, REPO
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options
from tests.transfer.conftest import side  # noqa: F401 - the local and emulator sides

STORES = ("s3", "gcs", "azure", "oci", "github")
_SERVER_FIXTURES = {"s3": "s3_env", "gcs": "gcs_env", "azure": "azure_env"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--faults-scale", type=int, default=1,
                     help="multiply the fault suite's objects and seeds (default 1: the CI size)")
    parser.addoption("--faults-pairs", choices=("ring", "all"), default=None,
                     help="which store pairs the fault suite copies between (default: a ring of "
                          "10 at scale 1, all 20 above)")
    parser.addoption("--faults-sources", default="",
                     help="only the pairs from these sources (comma-separated store names)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A fault-suite run takes longer with its scale: its time limit grows with it."""
    scale = max(1, int(config.getoption("--faults-scale")))
    for item in items:
        if "test_fault_suite" in item.nodeid:
            item.add_marker(pytest.mark.timeout(600 * scale * scale))


@pytest.fixture
def faults_scale(request: pytest.FixtureRequest) -> int:
    return max(1, int(request.config.getoption("--faults-scale")))


@dataclass
class ProxiedStore:
    """One bucket of one store, reached directly and through a proxy."""

    name: str
    base: str  # URI of the bucket (release), no trailing slash
    direct: dict[str, Any]
    options: dict[str, Any]
    proxy: CorruptingProxy
    flat: bool = False  # GitHub: a release is a flat list of assets
    extra: dict[str, Any] = field(default_factory=dict)

    def uri(self, rel: str = "") -> str:
        return f"{self.base}/{rel}" if rel else self.base

    def fs(self) -> Any:
        fs = omefs.filesystem(self.base, **{"skip_instance_cache": True, **self.direct})
        fs.invalidate_cache()
        return fs

    def path(self, rel: str) -> str:
        _, path = omefs.url_to_fs(self.uri(rel), **self.direct)
        return str(path)

    def put(self, rel: str, data: bytes) -> None:
        self.fs().pipe_file(self.path(rel), data)

    def read(self, rel: str) -> bytes:
        return bytes(self.fs().cat_file(self.path(rel)))

    def exists(self, rel: str) -> bool:
        return bool(self.fs().exists(self.path(rel)))

    def names(self, prefix: str = "") -> list[str]:
        """Names of the objects whose name starts with ``prefix`` (under the bucket's root)."""
        fs = self.fs()
        root = self.path("x")[:-1].rstrip("/")
        try:
            found = fs.find(root, withdirs=False)
        except FileNotFoundError:
            return []
        rels = [p[len(root) + 1:] for p in found if p.startswith(root + "/")]
        return sorted(r for r in rels if r.startswith(prefix))


def _azure_through(connection_string: str, endpoint: str) -> str:
    parts = [p for p in connection_string.split(";") if p and not p.startswith("BlobEndpoint=")]
    account = next(p.split("=", 1)[1] for p in parts if p.startswith("AccountName="))
    return ";".join([*parts, f"BlobEndpoint={endpoint}/{account}"]) + ";"


@pytest.fixture
def store(request: pytest.FixtureRequest) -> Iterator[Callable[[str], ProxiedStore]]:
    """A factory: ``store("azure")`` → a fresh :class:`ProxiedStore` on that store."""
    made: list[ProxiedStore] = []

    def make(name: str) -> ProxiedStore:
        suffix = uuid.uuid4().hex[:10]
        if name in _SERVER_FIXTURES:
            server = request.getfixturevalue(_SERVER_FIXTURES[name])
            proxy = CorruptingProxy(server.endpoint).start()
            if name == "s3":
                direct = dict(server.storage_options())
                options = {**direct, "client_kwargs": {"endpoint_url": proxy.endpoint}}
                base = f"s3://b-{suffix}"
            elif name == "gcs":
                direct = dict(server.storage_options())
                options = {**direct, "endpoint_url": proxy.endpoint}
                base = f"gs://b-{suffix}"
            else:
                direct = {"connection_string": server.connection_string}
                options = {"connection_string": _azure_through(server.connection_string,
                                                               proxy.endpoint)}
                base = f"azure://b-{suffix}"
            made_store = ProxiedStore(name, base, direct, options, proxy)
            made_store.fs().mkdir(made_store.path("x")[:-1].rstrip("/"))
        elif name == "oci":
            fake = request.getfixturevalue("oci_fake")
            auth = request.getfixturevalue("oci_auth")
            bucket = request.getfixturevalue("oci_bucket") + suffix[:4]
            fake.create_bucket(bucket)
            proxy = CorruptingProxy(fake.endpoint).start()
            proxied_auth = {**auth, "settings": {**auth["settings"], "endpoint_url": proxy.endpoint}}
            direct = {"auth": auth, **oci_fs_options()}
            options = {"auth": proxied_auth, **oci_fs_options()}
            made_store = ProxiedStore(name, f"oci://{fake.namespace}/{bucket}", direct, options,
                                      proxy)
        elif name == "github":
            gh = request.getfixturevalue("gh")
            token = request.getfixturevalue("gh_token")
            tag = f"v-{suffix}"
            gh.create_release(OWNER, REPO, tag)
            proxy = CorruptingProxy(gh.root, rewrite_urls=True).start()
            prefix = gh.endpoint[len(gh.root):]
            direct = {"token": token, "endpoint_url": gh.endpoint}
            options = {"token": token, "endpoint_url": proxy.endpoint + prefix}
            made_store = ProxiedStore(name, f"github://{OWNER}/{REPO}/{tag}", direct, options,
                                      proxy, flat=True, extra={"fake": gh, "tag": tag})
        else:
            raise ValueError(f"unknown store {name!r}; known: {STORES}")
        made.append(made_store)
        return made_store

    yield make
    for s in made:
        s.proxy.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Each fault-suite run's numbers: objects, faults injected, lost, corrupt, unreported."""
    from tests.faults.test_fault_suite import RESULTS

    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("fault suite: pair seed objects faults copied failed lost corrupt unreported rerun")
    for r in RESULTS:
        write(f"  {r['pair']:<16} {r['seed']:>3} {r['objects']:>4} {r['faults']:>4} "
              f"{r['copied']:>4} {r['failed']:>4} {r['lost']:>3} {r['corrupt']:>3} "
              f"{r['unreported']:>3} {'complete' if r['rerun'] else 'INCOMPLETE'}"
              f"{' (listing failed)' if r['listing_failed'] else ''}")
    totals = {k: sum(r[k] for r in RESULTS) for k in
              ("objects", "faults", "copied", "failed", "lost", "corrupt", "unreported")}
    write(f"  total: {totals}; reruns complete {sum(r['rerun'] for r in RESULTS)}/{len(RESULTS)}")
