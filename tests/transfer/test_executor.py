"""Spreading a bulk copy over a concurrent.futures executor or a Dask cluster."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

import omefs
from tests.transfer.conftest import blob

FILES = {f"d/{i:02d}.bin": blob(20_000 + i, i) for i in range(12)}


def _fill(src):
    for rel, data in FILES.items():
        src.put(rel, data)


def test_thread_pool_executor(side):
    src, dst = side("file"), side("s3")
    _fill(src)
    with ThreadPoolExecutor(max_workers=3) as pool:
        report = omefs.copy(src.uri("d/"), dst.uri("out/"), recursive=True,
                            dst_options=dst.options, executor=pool, max_concurrency=4)
    assert report.ok and len(report.copied) == len(FILES)
    for rel, data in FILES.items():
        assert dst.read("out/" + rel.split("/", 1)[1]) == data


def test_dask_client(side, tmp_path, monkeypatch):
    """Workers resolve credentials themselves: the copy names none, routes hold them."""
    distributed = pytest.importorskip("distributed")
    src, dst = side("s3"), side("azure")
    _fill(src)
    routes = tmp_path / "omefs.yaml"
    routes.write_text(yaml.safe_dump({
        "profiles": {
            "src": {"provider": "aws", "auth_type": "access_key",
                    "settings": {"access_key_id": src.server.access_key_id,
                                 "secret_access_key": src.server.secret_access_key,
                                 "endpoint_url": src.server.endpoint}},
            "dst": {"provider": "azure", "auth_type": "connection_string",
                    "settings": {"connection_string": dst.server.connection_string}},
        },
        "routes": {src.uri() + "/": "src", dst.uri() + "/": "dst"},
    }))
    monkeypatch.setenv("OMEFS_CONFIG", str(routes))
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=2,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        report = omefs.copy(src.uri("d"), dst.uri("out"), recursive=True, executor=client)
        again = omefs.copy(src.uri("d"), dst.uri("out"), recursive=True, skip_existing=True,
                           executor=client)
    assert report.ok and len(report.copied) == len(FILES)
    assert len(again.skipped) == len(FILES)
    assert dst.listing("out") == sorted(r.split("/", 1)[1] for r in FILES)
