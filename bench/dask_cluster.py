#!/usr/bin/env python
"""A bulk copy on one process against the same copy on a Dask cluster of worker processes.

Starts moto (S3) and Azurite, writes ``--objects`` small objects into S3,
writes a routing file (``OMEFS_CONFIG``) that holds both stores'
credentials — the worker processes inherit it and resolve their own — and
copies the set S3 -> Azure three ways, each into a fresh prefix:

* ``plain``  — :func:`omefs.copy` in this process;
* ``dask``   — the same with ``executor=`` a ``LocalCluster(processes=True)``
               of ``--workers`` worker processes (one thread each);
* ``rerun``  — the Dask copy again with ``skip_existing=True`` (lists both
               sides, moves nothing).

Cluster start-up is timed apart. Every copy is checked: all objects copied,
each one's MD5 at the destination (Azurite's) equal to the source bytes'.
All servers, workers and the client share this machine's cores, so the
figures compare the three runs with each other; they are not cloud
throughput. On one machine a cluster mostly adds overhead: it pays when its
workers are on several machines.

    python bench/dask_cluster.py                  # 2,000 objects, 2 workers
    python bench/dask_cluster.py --objects 500 --workers 4
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def body(i: int) -> bytes:
    seed = hashlib.sha256(str(i).encode()).digest()
    return (seed * 13)[: 200 + (i * 7) % 200]


def routing_file(directory: str, moto: Any, azurite: Any) -> str:
    import yaml

    from tests.servers.routing import routing_document

    path = os.path.join(directory, "omefs.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(routing_document(s3=moto, azure=azurite), f)
    return path


def check(azure: Any, prefix: str, n: int) -> None:
    azure.invalidate_cache()
    found = azure.find(prefix + "/", detail=True)
    md5 = {p.rsplit("/", 1)[1]: bytes(i["content_settings"]["content_md5"] or b"")
           for p, i in found.items()}
    bad = [i for i in range(n) if md5.get(f"{i:05d}.bin") != hashlib.md5(body(i)).digest()]
    if bad:
        raise SystemExit(f"{len(bad)} objects missing or wrong under {prefix}, first {bad[0]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--objects", type=int, default=2000, help="small objects (default 2000)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = p.parse_args()

    import distributed
    import fsspec

    import omefs
    from tests.servers import Azurite, MotoServer

    n = args.objects
    with MotoServer() as moto, Azurite() as azurite, tempfile.TemporaryDirectory() as tmp:
        os.environ["OMEFS_CONFIG"] = routing_file(tmp, moto, azurite)
        memory = fsspec.filesystem("memory")
        memory.pipe({f"/dask-bench/{i:05d}.bin": body(i) for i in range(n)})
        omefs.filesystem("s3").mkdir("bench-src")
        azure = omefs.filesystem("az", skip_instance_cache=True)
        azure.mkdir("bench-dst")
        started = time.monotonic()
        omefs.copy("memory://dask-bench", "s3://bench-src/set", recursive=True, max_concurrency=32)
        print(f"fill     {n} objects into S3: {time.monotonic() - started:6.1f} s", flush=True)

        started = time.monotonic()
        report = omefs.copy("s3://bench-src/set", "az://bench-dst/plain", recursive=True)
        plain = time.monotonic() - started
        assert len(report.copied) == n
        check(azure, "bench-dst/plain", n)
        print(f"plain    S3 -> Azure, one process:          {plain:6.1f} s", flush=True)

        started = time.monotonic()
        with distributed.LocalCluster(processes=True, n_workers=args.workers,
                                      threads_per_worker=1, dashboard_address=None,
                                      silence_logs=50) as cluster, \
                distributed.Client(cluster) as client:
            print(f"cluster  {args.workers} worker processes up:         "
                  f"{time.monotonic() - started:6.1f} s", flush=True)
            started = time.monotonic()
            report = omefs.copy("s3://bench-src/set", "az://bench-dst/dask", recursive=True,
                                executor=client)
            dask = time.monotonic() - started
            assert len(report.copied) == n
            check(azure, "bench-dst/dask", n)
            print(f"dask     S3 -> Azure, {args.workers} worker processes:   {dask:6.1f} s "
                  f"({dask / plain:.2f}x plain)", flush=True)
            started = time.monotonic()
            report = omefs.copy("s3://bench-src/set", "az://bench-dst/dask", recursive=True,
                                skip_existing=True, executor=client)
            assert len(report.skipped) == n
            print(f"rerun    all {n} skipped:                  {time.monotonic() - started:6.1f} s")
        load = os.getloadavg()[0]
        print(f"(load average {load:.1f} on {os.cpu_count()} cores during the run)")


if __name__ == "__main__":
    main()
