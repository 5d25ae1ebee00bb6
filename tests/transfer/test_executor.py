"""Spreading a bulk copy over a concurrent.futures executor or a Dask cluster."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

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


def test_dask_client(side):
    distributed = pytest.importorskip("distributed")
    src, dst = side("s3"), side("azure")
    _fill(src)
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=2,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        report = omefs.copy(src.uri("d"), dst.uri("out"), recursive=True,
                            src_options=src.options, dst_options=dst.options, executor=client)
        again = omefs.copy(src.uri("d"), dst.uri("out"), recursive=True, skip_existing=True,
                           src_options=src.options, dst_options=dst.options, executor=client)
    assert report.ok and len(report.copied) == len(FILES)
    assert len(again.skipped) == len(FILES)
    assert dst.listing("out") == sorted(r.split("/", 1)[1] for r in FILES)
