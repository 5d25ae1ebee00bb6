"""An incremental sync compares from the two listings and touches only what changed.

A source of a few hundred small objects is synced once; then a few are
rewritten (same size, new bytes: only a digest or a time tells them
apart) and one is added. The next sync runs with both stores behind a
recording proxy (``tests/servers/counting_proxy.py``; the servers that
answer are moto, Azurite and the GCS emulator) and must

* copy exactly the changed and the new objects, and skip the rest;
* list each side (a few pages), and send no request at all — no HEAD, no
  blob-properties GET, no read — about any unchanged object;
* for ``compare="size"`` (the CLI's ``--size-only``) copy only the new
  object, and for ``compare="checksum"`` (``--checksum``) the same set as
  ``"auto"``, still with no request about an unchanged object.

The time is left to ``bench/sync_incremental.py``; this pins the property.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

import omefs
from tests.servers.counting_proxy import counting_proxy

N_OBJECTS = 120
PAGE = 1000  # the smallest default page of the three stores' listings (S3: 1,000)


def _rel(i: int) -> str:
    return f"d{i % 10:02d}/obj-{i:04d}.bin"


CHANGED = tuple(_rel(i) for i in (13, 71, 109))
ADDED = "d03/new.bin"


def _proxied(side: Any, endpoint: str) -> dict[str, Any]:
    """``side``'s storage options with its server replaced by ``endpoint``."""
    options = dict(side.options)
    upstream = side.server.endpoint
    if "connection_string" in options:
        upstream = side.server.blob_endpoint
        options["connection_string"] = options["connection_string"].replace(upstream, endpoint)
    elif "client_kwargs" in options:
        options["client_kwargs"] = {**options["client_kwargs"], "endpoint_url": endpoint}
    else:
        options["endpoint_url"] = endpoint
    return options


def _upstream(side: Any) -> str:
    return str(side.server.blob_endpoint if side.name == "azure" else side.server.endpoint)


def _sync(src: Any, dst: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """One sync of data/ to out/ with both servers behind recording proxies."""
    proxies = {"src": counting_proxy(_upstream(src)), "dst": counting_proxy(_upstream(dst))}
    try:
        report = omefs.sync(src.uri("data/"), dst.uri("out/"),
                            src_options=_proxied(src, proxies["src"].endpoint),
                            dst_options=_proxied(dst, proxies["dst"].endpoint), **kwargs)
    finally:
        for proxy in proxies.values():
            proxy.stop()
    return report, {name: proxy.checker for name, proxy in proxies.items()}


def _untouched(logs: dict[str, Any], expected: set[str]) -> None:
    """No request other than a listing named an object outside ``expected``."""
    for name, log in logs.items():
        touched = [p for p in log.paths("HEAD", "GET", "PUT", "POST", "DELETE")
                   if "/obj-" in p or "/new.bin" in p]
        stray = [p for p in touched if not any(p.endswith(rel) for rel in expected)]
        assert not stray, f"{name}: requests about objects that needed none: {stray[:5]}"
        listings = log.kinds()["list"]
        assert 1 <= listings <= N_OBJECTS // PAGE + 2, f"{name}: {listings} listing requests"


@pytest.mark.parametrize(("src_name", "dst_name"), [("s3", "azure"), ("gcs", "s3")])
def test_incremental_sync_lists_once_and_copies_only_the_changes(side, src_name, dst_name):
    src, dst = side(src_name), side(dst_name)
    src.fs.pipe({src.path(f"data/{_rel(i)}"): os.urandom(512) for i in range(N_OBJECTS)})
    first = omefs.sync(src.uri("data/"), dst.uri("out/"), src_options=src.options,
                       dst_options=dst.options)
    assert len(first.copied) == N_OBJECTS

    for rel in CHANGED:
        src.put(f"data/{rel}", os.urandom(512))
    src.put(f"data/{ADDED}", os.urandom(100))
    expected = {*CHANGED, ADDED}

    report, logs = _sync(src, dst)
    copied = {item.dst.split("/out/", 1)[1] for item in report.copied}
    assert copied == expected
    assert len(report.skipped) == N_OBJECTS - len(CHANGED)
    _untouched(logs, expected)
    assert sorted(p.rsplit("/out/", 1)[1] for p in logs["dst"].paths("PUT")) == sorted(expected)
    for rel in expected:
        assert dst.read(f"out/{rel}") == src.read(f"data/{rel}")

    # The CLI's --size-only and --checksum: still decided from the listings alone.
    again = (_rel(7), _rel(33))
    for rel in again:
        src.put(f"data/{rel}", os.urandom(512))
    src.put(f"data/{ADDED}", os.urandom(200))
    report, logs = _sync(src, dst, compare="size")  # the same size is the same object
    assert [item.dst.split("/out/", 1)[1] for item in report.copied] == [ADDED]
    _untouched(logs, {ADDED})
    report, logs = _sync(src, dst, compare="checksum")  # the MD5s differ
    assert sorted(item.dst.split("/out/", 1)[1] for item in report.copied) == sorted(again)
    _untouched(logs, set(again))
