"""Same provider and account: the copy runs inside the service, no byte crosses the client.

The client talks to the store through a counting proxy
(:class:`~tests.servers.corrupting_proxy.CorruptingProxy`, no rules), whose
byte counters see every request and response body on the client's
connections: a server-side copy of an 8 MiB object moves a few KiB of
requests and XML; the same object streamed to another store moves its
size at least once, which shows the counters see the data.
"""

from __future__ import annotations

import pytest

import omefs
from omefs.providers.azure.auth import parse_connection_string
from tests.servers.corrupting_proxy import CorruptingProxy
from tests.transfer.conftest import MiB, blob

SIZE = 8 * MiB + 11


def _through(store: str, options: dict, proxy: CorruptingProxy) -> dict:
    options = dict(options)
    if store == "s3":
        options["client_kwargs"] = {"endpoint_url": proxy.endpoint}
    elif store == "gcs":
        options["endpoint_url"] = proxy.endpoint
    else:
        parts = parse_connection_string(options["connection_string"])
        parts["BlobEndpoint"] = f"{proxy.endpoint}/{parts['AccountName']}"
        options["connection_string"] = ";".join(f"{k}={v}" for k, v in parts.items()) + ";"
    return options


@pytest.mark.parametrize("store", ["s3", "gcs", "azure"])
def test_same_account_copy_is_server_side(side, store):
    src, dst = side(store), side(store)
    other = side("memory")
    src.put("big.bin", blob(SIZE, 1))
    with CorruptingProxy(src.server.endpoint) as proxy:
        so = _through(store, src.options, proxy)
        do = _through(store, dst.options, proxy)

        proxy.clear()
        same = omefs.copy(src.uri("big.bin"), dst.uri("copied.bin"), src_options=so, dst_options=do)
        same_bytes = proxy.bytes_up + proxy.bytes_down

        proxy.clear()
        cross = omefs.copy(src.uri("big.bin"), other.uri("streamed.bin"), src_options=so)
        cross_bytes = proxy.bytes_up + proxy.bytes_down

    (item,) = same.copied
    assert item.method == "server-side"
    assert same_bytes < 64 * 1024, same_bytes  # requests and small answers only
    assert cross.copied[0].method != "server-side"
    assert cross_bytes >= SIZE, cross_bytes
    assert dst.read("copied.bin") == blob(SIZE, 1)


@pytest.mark.parametrize("store", ["file", "memory"])
def test_same_filesystem_copy_uses_cp_file(side, store):
    s = side(store)
    s.put("a/x.bin", blob(3 * MiB, 2))
    report = omefs.copy(s.uri("a/"), s.uri("b/"), recursive=True)
    (item,) = report.copied
    assert item.method == "server-side"
    assert s.read("b/x.bin") == blob(3 * MiB, 2)


def test_s3_copy_within_and_across_buckets(side):
    a, b = side("s3"), side("s3")
    a.put("x/1.bin", blob(1000, 1))
    a.put("x/2.bin", blob(2000, 2))
    within = omefs.copy(a.uri("x/"), a.uri("y/"), recursive=True, src_options=a.options,
                        dst_options=a.options)
    across = omefs.copy(a.uri("x/"), b.uri("y/"), recursive=True, src_options=a.options,
                        dst_options=b.options)
    for report in (within, across):
        assert [i.method for i in report.copied] == ["server-side", "server-side"]
        assert all("md5" in i.verified for i in report.copied)
    assert b.read("y/2.bin") == blob(2000, 2)
    assert a.read("y/1.bin") == blob(1000, 1)


def test_s3_objects_over_the_copy_limit_use_upload_part_copy(side, monkeypatch):
    """Above 5 GiB S3 needs UploadPartCopy; the limit is lowered so a 12 MiB object takes that path."""
    from omefs.providers.aws import transfer as s3_transfer

    monkeypatch.setattr(s3_transfer, "COPY_LIMIT", 5 * MiB)
    a, b = side("s3"), side("s3")
    a.put("huge.bin", blob(12 * MiB + 1, 3))
    report = omefs.copy(a.uri("huge.bin"), b.uri("huge.bin"), src_options=a.options,
                        dst_options=b.options, part_size="5MiB")
    (item,) = report.copied
    assert item.method == "server-side"
    assert b.read("huge.bin") == blob(12 * MiB + 1, 3)
    assert b.fs.info(b.path("huge.bin"))["ETag"].strip('"').endswith("-3")
    assert (b.fs.call_s3("list_multipart_uploads", Bucket=b.path()).get("Uploads") or []) == []
