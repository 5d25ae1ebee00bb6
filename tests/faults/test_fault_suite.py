"""The seeded fault suite: copies between every pair of stores through proxies that misbehave.

For each ordered pair of stores (S3 on moto, GCS on its emulator, Azure on
Azurite, OCI and GitHub on the project's fakes), both ends sit behind a
:class:`~tests.servers.corrupting_proxy.CorruptingProxy` that injects a
seeded fraction of faults into every kind of request: 5xx answers, 429 and
503 with ``Retry-After``, connection resets, truncated and corrupted
object bodies, corrupted uploads, 2 s stalls and a stall in the middle of
a body. A folder of objects from 0 bytes to a multipart one is copied,
then the outcome is read back *directly* from the servers (no proxy):

* **lost** — reported copied, but not at the destination;
* **corrupt** — at the destination with bytes other than the source's;
* **unreported** — neither copied nor failed in the report, or reported
  failed yet left at the destination (a failed write leaves no object).

All three must be 0. Then the same copy runs again with the faults off
and ``skip_existing=True``: it must complete the set.

``pytest tests/faults --faults-scale N`` multiplies the objects and the
seeds (more faults, more sizes) for a long run over all 20 pairs;
``--faults-pairs all`` takes all pairs at scale 1, ``--faults-sources
s3,gcs`` only the pairs from those sources. The default stays small for
CI: a ring of 10 pairs. Each run's numbers are printed in the terminal
summary.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

import omefs
from omefs.errors import OmefsError
from tests.faults.conftest import STORES, ProxiedStore
from tests.transfer.conftest import MiB, blob

#: Ordered pairs (source, destination): every two different stores (a store to itself
#: copies inside the service). The long run (``--faults-scale`` 2 and more) takes them all.
PAIRS = [(a, b) for a, b in itertools.permutations(STORES, 2)]
#: The CI run: each store the source of two pairs and the destination of two
#: (S3 -> GCS -> Azure -> OCI -> GitHub -> S3, and the same ring backwards).
RING = [(a, b) for i, a in enumerate(STORES) for b in (STORES[(i + 1) % 5], STORES[i - 1])]
#: Object sizes of one run at scale 1: empty, small, one request, multipart (1 MiB parts).
SIZES = (0, 1000, 5000, 20_000, 100_000, 300_000, 2 * MiB + 512 * 1024)
#: The fraction of requests that get a fault.
RATE = 0.1

RESULTS: list[dict[str, Any]] = []


def _payload(size: int, seed: int) -> bytes:
    data = blob(size, seed)
    # An object ending in "\r" is a known emulator defect (GCS), tested on its own.
    return data[:-1] + b"\n" if data.endswith(b"\r") else data


def _objects(scale: int, seed: int) -> dict[str, bytes]:
    out = {}
    for i, size in enumerate(SIZES * scale):
        out[f"f{i:03d}-{size}.bin"] = _payload(size + (i // len(SIZES)) * 7 if size else 0,
                                              seed * 1000 + i)
    return out


def _layout(s: ProxiedStore, prefix: str) -> tuple[str, str]:
    """(URI of the folder, name prefix of its objects) on store ``s``."""
    if s.flat:
        return s.uri(), ""
    return s.uri(prefix + "/"), prefix + "/"


def _copy(src_uri: str, dst_uri: str, src: ProxiedStore, dst: ProxiedStore,
          **kwargs: Any) -> omefs.TransferReport | OmefsError:
    try:
        return omefs.copy(src_uri, dst_uri, recursive=True, src_options=src.options,
                          dst_options=dst.options, part_size="1MiB", raise_on_error=False,
                          **kwargs)
    except OmefsError as exc:  # the listing itself failed: reported, as an exception
        return exc


def _tally(report: Any, objects: dict[str, bytes], dst: ProxiedStore,
           dst_prefix: str) -> dict[str, int]:
    held = {name[len(dst_prefix):]: name for name in dst.names(dst_prefix)}
    copied = failed = set()
    if not isinstance(report, Exception):
        copied = {i.dst.rsplit("/", 1)[-1] for i in report.copied}
        failed = {i.dst.rsplit("/", 1)[-1] for i in report.failed}
    lost = sum(1 for n in copied if n not in held)
    corrupt = sum(1 for n, full in held.items() if n in objects and dst.read(full) != objects[n])
    stray = sum(1 for n in held if n not in objects)
    if isinstance(report, Exception):
        unreported = stray  # nothing was planned: nothing may have been written
    else:
        unreported = (sum(1 for n in objects if n not in copied | failed)
                      + sum(1 for n in failed if n in held) + stray)
    return {"copied": len(copied), "failed": len(failed), "lost": lost, "corrupt": corrupt,
            "unreported": unreported}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"src_name", "dst_name"} <= set(metafunc.fixturenames):
        config = metafunc.config
        which = config.getoption("--faults-pairs") or (
            "all" if config.getoption("--faults-scale") > 1 else "ring")
        pairs = PAIRS if which == "all" else RING
        sources = [s for s in config.getoption("--faults-sources").split(",") if s]
        if sources:
            pairs = [(a, b) for a, b in pairs if a in sources]
        metafunc.parametrize(("src_name", "dst_name"), pairs, ids=[f"{a}-{b}" for a, b in pairs])


def test_faults_lose_nothing_and_a_rerun_completes(store, faults_scale, src_name, dst_name):
    src, dst = store(src_name), store(dst_name)
    for seed in range(faults_scale):
        objects = _objects(faults_scale, seed)
        src_uri, src_prefix = _layout(src, f"in{seed}")
        for name, data in objects.items():
            src.put(src_prefix + name, data)
        dst_uri, dst_prefix = _layout(dst, f"out{seed}")
        base = 1000 * STORES.index(src_name) + 100 * STORES.index(dst_name) + seed
        src.proxy.chaos(base, RATE)
        dst.proxy.chaos(base + 50, RATE)

        report = _copy(src_uri, dst_uri, src, dst, retries=3)
        injected = src.proxy.injected + dst.proxy.injected
        src.proxy.chaos(0, 0)
        dst.proxy.chaos(0, 0)
        numbers = _tally(report, objects, dst, dst_prefix)

        rerun = _copy(src_uri, dst_uri, src, dst, skip_existing=True)
        assert not isinstance(rerun, Exception), rerun
        complete = rerun.ok and all(dst.read(dst_prefix + n) == d for n, d in objects.items())
        RESULTS.append({"pair": f"{src_name}->{dst_name}", "seed": seed, "objects": len(objects),
                        "faults": sum(injected.values()), **numbers, "rerun": complete,
                        "listing_failed": isinstance(report, Exception)})
        assert (numbers["lost"], numbers["corrupt"], numbers["unreported"]) == (0, 0, 0), numbers
        assert complete, rerun.failed
        if dst.flat:  # one release per pair: the next seed writes the same names again
            for name in objects:
                dst.fs().rm_file(dst.path(name))
