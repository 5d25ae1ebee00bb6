"""The upload cutoff: objects up to it go as one PUT, larger ones as multipart uploads.

Checked by what the servers hold, not by the report alone: on S3 (moto) the
ETag of a single PUT is the object's MD5 and that of a multipart upload
``md5-of-md5s-N``; on Azure (Azurite) a blob written by Put Blob has no
committed block list, one written block by block lists its N blocks. The
digest each write is checked with is named in the report either way.
"""

from __future__ import annotations

import asyncio
import hashlib

import pytest

import omefs
from omefs.errors import ConfigError
from omefs.transfer.options import TransferOptions
from tests.transfer.conftest import MiB, blob


def _s3_etag(side, rel: str) -> str:
    info = side.fs.info(side.path(rel), refresh=True)
    return str(info.get("ETag") or info.get("etag")).strip('"')


def _azure_blocks(side, rel: str) -> int:
    """Committed blocks of a blob, read with the Azure SDK (Azurite answers)."""
    from azure.storage.blob.aio import BlobServiceClient

    container, _, name = side.path(rel).partition("/")

    async def count() -> int:
        async with BlobServiceClient.from_connection_string(side.options["connection_string"]) as svc:
            committed, _ = await svc.get_blob_client(container, name).get_block_list("committed")
            return len(committed)

    return asyncio.run(count())


def copy_small_and_large(side, store: str, small: bytes, large: bytes, **options):
    """Copy ``small.bin`` and ``large.bin`` from local files to ``store`` with ``options``:
    ``(the destination side, the report's items by name)``."""
    src, dst = side("file"), side(store)
    src.put("d/small.bin", small)
    src.put("d/large.bin", large)
    report = omefs.copy(src.uri("d/"), dst.uri(), recursive=True, dst_options=dst.options, **options)
    return dst, {i.dst.rsplit("/", 1)[-1]: i for i in report.copied}


def test_cutoff_resolution():
    """``upload_cutoff`` wins, a given part size stands for it, then the destination's default;
    the memory budget caps them all."""
    default = TransferOptions.build()
    assert default.upload_cutoff is None
    assert default.single_limit_for(200 * MiB) == 128 * MiB  # 8 MiB x 16: the budget
    assert default.single_limit_for(None) == default.part_size
    assert TransferOptions.build(max_concurrency=32).single_limit_for(200 * MiB) == 200 * MiB
    assert TransferOptions.build(part_size="16MiB").single_limit_for(200 * MiB) == 16 * MiB
    given = TransferOptions.build(part_size="16MiB", upload_cutoff="100M")
    assert given.single_limit_for(200 * MiB) == 100 * MiB
    assert TransferOptions.build(upload_cutoff=0).single_limit_for(200 * MiB) == 0
    capped = TransferOptions.build(part_size="1MiB", max_concurrency=4, upload_cutoff="1GiB")
    assert capped.single_limit_for(None) == 4 * MiB
    with pytest.raises(ConfigError, match="upload_cutoff"):
        TransferOptions.build(upload_cutoff="lots")


def test_s3_one_put_below_the_cutoff_multipart_above(side):
    small, large = blob(5 * MiB + 5, 1), blob(6 * MiB + 7, 2)
    dst, by_name = copy_small_and_large(side, "s3", small, large, part_size="5MiB", upload_cutoff="6MiB")
    assert by_name["small.bin"].method == "single"
    assert _s3_etag(dst, "small.bin") == hashlib.md5(small).hexdigest()  # one PUT
    assert by_name["large.bin"].method == "multipart"
    assert _s3_etag(dst, "large.bin").endswith("-2")  # 5 MiB parts: S3's minimum
    assert "md5" in by_name["small.bin"].verified and "etag" in by_name["large.bin"].verified
    assert dst.read("large.bin") == large


def test_s3_default_cutoff_sends_an_object_above_the_part_size_in_one_put(side):
    """No part size, no cutoff: S3's default (200 MiB, capped by the 128 MiB budget) applies,
    so an object larger than the 8 MiB default part size still goes as one PUT."""
    src, dst = side("file"), side("s3")
    data = blob(9 * MiB, 3)
    src.put("o.bin", data)
    fs = dst.fs
    fs.ls(dst.path())  # a cached listing, from before the copy

    (item,) = omefs.copy(src.uri("o.bin"), dst.uri("d/o.bin"), dst_options=dst.options).copied

    assert item.method == "single"
    assert _s3_etag(dst, "d/o.bin") == hashlib.md5(data).hexdigest()
    assert fs.ls(dst.path(), detail=False) == [dst.path("d")]  # the engine dropped the stale listing


def test_cutoff_above_the_memory_budget_is_capped(side):
    src, dst = side("file"), side("s3")
    data = blob(11 * MiB, 4)
    src.put("o.bin", data)

    (item,) = omefs.copy(src.uri("o.bin"), dst.uri("o.bin"), dst_options=dst.options,
                         part_size="5MiB", max_concurrency=2, upload_cutoff="1GiB").copied

    assert item.method == "multipart"
    assert _s3_etag(dst, "o.bin").endswith("-3")


def test_azure_one_put_blob_below_the_cutoff_blocks_above(side):
    small, large = blob(MiB + 1, 5), blob(2 * MiB + 3, 6)
    dst, by_name = copy_small_and_large(side, "azure", small, large, part_size="1MiB",
                                        upload_cutoff="2MiB")
    assert by_name["small.bin"].method == "single"
    assert _azure_blocks(dst, "small.bin") == 0  # Put Blob
    assert "size+md5 (checked by the upload)" in by_name["small.bin"].verified
    assert by_name["large.bin"].method == "multipart"
    assert _azure_blocks(dst, "large.bin") == 3  # 1 MiB blocks, each with its Content-MD5
    assert "md5 per block" in by_name["large.bin"].verified
    assert dst.read("small.bin") == small and dst.read("large.bin") == large
