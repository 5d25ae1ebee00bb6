"""Nothing silently corrupted: bad bodies are caught, retried, and failures reported.

A :class:`~tests.servers.corrupting_proxy.CorruptingProxy` sits in front of
a real server and flips bytes in one response (or one upload), cuts a
body short, or fails an object for good. The copy must notice through
its checksums, retry, and end either verified or in ``failed`` — never
with a wrong object at the destination, and never with a multipart
upload left behind.
"""

from __future__ import annotations

import pytest

import omefs
from omefs.errors import TransferError
from tests.servers.corrupting_proxy import CorruptingProxy
from tests.transfer.conftest import MiB, Side, blob


@pytest.fixture
def proxied(side):
    """``proxied("s3")``: (side, options that reach the same store through a proxy, proxy)."""
    proxies: list[CorruptingProxy] = []

    def make(name: str) -> tuple[Side, dict, CorruptingProxy]:
        s = side(name)
        proxy = CorruptingProxy(s.server.endpoint).start()
        proxies.append(proxy)
        options = dict(s.options)
        if name == "s3":
            options["client_kwargs"] = {"endpoint_url": proxy.endpoint}
        else:
            options["endpoint_url"] = proxy.endpoint
        return s, options, proxy

    yield make
    for proxy in proxies:
        proxy.stop()


def _uploads(s3_side: Side) -> list:
    bucket = s3_side.path()
    return s3_side.fs.call_s3("list_multipart_uploads", Bucket=bucket).get("Uploads", []) or []


@pytest.mark.parametrize("store", ["s3", "gcs"])
def test_corrupted_small_body_is_caught_and_retried(proxied, side, store):
    src, options, proxy = proxied(store)
    dst = side("memory")
    src.put("d/a.bin", blob(50_000, 1))
    src.put("d/b.bin", blob(50_000, 2))
    proxy.add_rule("GET", "d/a.bin", "corrupt", times=1)

    report = omefs.copy(src.uri("d/"), dst.uri(), recursive=True, src_options=options)

    assert report.ok
    by_name = {i.dst.rsplit("/", 1)[-1]: i for i in report.copied}
    assert by_name["a.bin"].attempts == 2
    assert by_name["b.bin"].attempts == 1
    # The source's cheapest digest: S3's ETag is an MD5, GCS also has a CRC32C.
    assert ("md5" if store == "s3" else "crc32c") in by_name["a.bin"].verified
    assert dst.read("a.bin") == blob(50_000, 1)
    assert proxy.rules[0].hits == 1


@pytest.mark.parametrize("action", ["corrupt", "truncate"])
def test_bad_large_body_is_aborted_then_retried(proxied, side, action):
    src, options, proxy = proxied("s3")
    dst = side("s3")
    data = blob(12 * MiB + 7, 3)
    src.put("big.bin", data)
    proxy.add_rule("GET", "big.bin", action, times=1)

    report = omefs.copy(src.uri("big.bin"), dst.uri("copy.bin"), src_options=options,
                        dst_options=dst.options, part_size=5 * MiB, retries=2)

    assert report.ok, report.failed
    (item,) = report.copied
    assert item.method == "multipart"
    if action == "corrupt":
        assert item.attempts == 2  # caught by the MD5 at the end of the stream, upload aborted
    else:
        # obstore resumes a cut body with a ranged GET from where it stopped, or we retry
        assert item.attempts in (1, 2)
    assert proxy.count("GET", "big.bin") >= 2
    assert dst.read("copy.bin") == data
    assert _uploads(dst) == []


def test_multipart_source_etag_is_checked(proxied, side):
    """A source uploaded in parts has an ``md5-of-parts-N`` ETag; it is verified too."""
    src, options, proxy = proxied("s3")
    staging = side("memory")
    data = blob(11 * MiB + 1, 4)
    staging.put("x.bin", data)
    omefs.copy(staging.uri("x.bin"), src.uri("mp.bin"), dst_options=src.options, part_size=5 * MiB)
    assert src.fs.info(src.path("mp.bin"))["ETag"].strip('"').endswith("-3")
    dst = side("azure")
    proxy.add_rule("GET", "mp.bin", "corrupt", times=1)

    report = omefs.copy(src.uri("mp.bin"), dst.uri("mp.bin"), src_options=options,
                        dst_options=dst.options, part_size=8 * MiB)

    (item,) = report.copied
    assert item.attempts == 2
    assert "etag" in item.verified
    assert dst.read("mp.bin") == data


# Where each store's single upload goes: S3 PUTs the key, GCS POSTs to the bucket's upload URL.
UPLOADS = {"s3": ("PUT", "u.bin"), "gcs": ("POST", "/upload/storage/v1/b/")}


@pytest.mark.parametrize("store", ["s3", "gcs"])
def test_corrupted_upload_is_caught_at_the_destination(proxied, side, store):
    src = side("file")
    dst, options, proxy = proxied(store)
    src.put("u.bin", blob(70_000, 5))
    proxy.add_rule(*UPLOADS[store], "corrupt_upload", times=1)

    report = omefs.copy(src.uri("u.bin"), dst.uri("u.bin"), dst_options=options)

    (item,) = report.copied
    assert item.attempts == 2
    assert ("destination md5" if store == "s3" else "destination size+md5 (checked by the upload)") \
        in item.verified
    assert dst.read("u.bin") == blob(70_000, 5)
    # GCS: the upload's own answer was the check; no metadata GET followed it
    # (the planner's look before the copy finds nothing: 404).
    if store == "gcs":
        assert not [r for r in proxy.requests if r[0] == "GET" and "u.bin" in r[1] and r[2] != 404]


def test_unverifiable_upload_is_deleted_and_reported(proxied, side):
    src = side("file")
    dst, options, proxy = proxied("s3")
    src.put("u.bin", blob(70_000, 6))
    proxy.add_rule("PUT", "u.bin", "corrupt_upload", times=None)

    report = omefs.copy(src.uri("u.bin"), dst.uri("u.bin"), dst_options=options, retries=1,
                        raise_on_error=False)

    (item,) = report.failed
    assert item.attempts == 2
    assert "ChecksumMismatchError" in item.error or "checksum" in item.error.lower()
    assert not dst.fs.exists(dst.path("u.bin"))


def test_permanent_failure_is_reported_and_others_complete(proxied, side):
    src, options, proxy = proxied("s3")
    dst = side("azure")
    for i in range(6):
        src.put(f"d/f{i}.bin", blob(10_000 + i, i))
    proxy.add_rule("GET", "d/f3.bin", "status", status=500, times=None)

    with pytest.raises(TransferError) as caught:
        omefs.copy(src.uri("d"), dst.uri("out"), recursive=True, src_options=options,
                   dst_options=dst.options, retries=1)

    report = caught.value.report
    assert [i.src.rsplit("/", 1)[-1] for i in report.failed] == ["f3.bin"]
    assert report.failed[0].attempts == 2 and report.failed[0].error
    assert len(report.copied) == 5 and not report.ok
    assert "1 of 6 objects failed" in str(caught.value)
    assert dst.listing("out") == [f"f{i}.bin" for i in range(6) if i != 3]

    # raise_on_error=False hands the same report back instead
    again = omefs.copy(src.uri("d"), dst.uri("out"), recursive=True, src_options=options,
                       dst_options=dst.options, retries=0, skip_existing=True,
                       raise_on_error=False)
    assert len(again.failed) == 1 and len(again.skipped) == 5


def test_retry_after_is_honoured(proxied, side):
    """A 429 with ``Retry-After: 2`` that reaches the engine delays the retry by 2 s.

    The source is read over plain HTTP (fsspec's HTTP filesystem, which does
    not retry by itself) from moto through the proxy.
    """
    import time

    src, _, proxy = proxied("s3")
    dst = side("memory")
    src.put("r.bin", blob(5000, 7))
    src.fs.chmod(src.path("r.bin"), "public-read")
    proxy.add_rule("GET", "r.bin", "status", status=429, times=1, headers={"Retry-After": "2"})
    url = f"{proxy.endpoint}/{src.path('r.bin')}"

    started = time.monotonic()
    report = omefs.copy(url, dst.uri("r.bin"), retries=2)
    elapsed = time.monotonic() - started

    (item,) = report.copied
    assert item.attempts == 2
    assert dst.read("r.bin") == blob(5000, 7)
    assert elapsed >= 2.0


def test_size_only_copy_asks_nothing_after_the_write(proxied, side):
    """``checksum=False``: the single PUT's acknowledged length is the check; no HEAD follows."""
    src = side("file")
    dst, options, proxy = proxied("s3")
    src.put("q.bin", blob(30_000, 8))

    report = omefs.copy(src.uri("q.bin"), dst.uri("q.bin"), dst_options=options, checksum=False)

    (item,) = report.copied
    assert item.verified == "source size, destination size (acknowledged write)"
    assert [r[0] for r in proxy.requests if "q.bin" in r[1] and r[2] < 300] == ["PUT"]
    assert dst.read("q.bin") == blob(30_000, 8)


@pytest.mark.parametrize("size", [300_000, 9 * MiB], ids=["one-request", "blocks"])
def test_size_only_copy_into_azure_hashes_nothing(side, monkeypatch, size):
    """``checksum=False`` (``--no-checksum``): no digest is computed anywhere, the blocks of a
    multipart write included, and the blob stores none. Azurite."""
    import hashlib

    src, dst = side("s3"), side("azure")
    src.put("h.bin", blob(size, 4))
    made = []
    real_md5 = hashlib.md5

    def counting_md5(*args, **kwargs):
        made.append(1)
        return real_md5(*args, **kwargs)

    monkeypatch.setattr(hashlib, "md5", counting_md5)
    report = omefs.copy(src.uri("h.bin"), dst.uri("h.bin"), src_options=src.options,
                        dst_options=dst.options, checksum=False, part_size=4 * MiB,
                        upload_cutoff=4 * MiB)
    monkeypatch.setattr(hashlib, "md5", real_md5)

    (item,) = report.copied
    assert item.verified.startswith("source size, destination size"), item.verified
    assert made == []
    assert dst.read("h.bin") == blob(size, 4)
    if size > 4 * MiB:  # Azure computes the MD5 of a single Put Blob itself, never of blocks
        assert dst.fs.info(dst.path("h.bin")).get("content_settings", {}).get("content_md5") is None
