"""Bulk download/upload with OME's options, on the local servers."""

from __future__ import annotations

import os

import pytest

from omefs.errors import TransferError
from omefs.transfer import bulk_download, bulk_upload
from tests.transfer.conftest import MiB, blob

OBJECTS = {
    "models/llama/config.json": blob(2000, 1),
    "models/llama/weights.bin": blob(7 * MiB + 1, 2),
    "models/llama/notes.tmp": blob(10, 3),
    "models/llama/sub/tok.model": blob(50_000, 4),
}


@pytest.fixture
def bucket(side):
    s = side("s3")
    for rel, data in OBJECTS.items():
        s.put(rel, data)
    return s


def test_download_prefix_with_exclude_and_progress(bucket, tmp_path):
    calls = []
    report = bulk_download(bucket.uri("models/llama/"), tmp_path, storage_options=bucket.options,
                           exclude=["*.tmp"], size_threshold="4MiB", chunk_size="2MiB",
                           progress=lambda done, total, item: calls.append((done, total, item.status)))
    assert report.ok and len(report.copied) == 3
    for rel, data in OBJECTS.items():
        path = tmp_path / rel
        assert path.exists() == (not rel.endswith(".tmp"))
        if path.exists():
            assert path.read_bytes() == data
    assert [c[:2] for c in calls] == [(1, 3), (2, 3), (3, 3)]
    big = next(i for i in report.copied if i.dst.endswith("weights.bin"))
    assert big.method == "stream" and "md5" in big.verified  # chunked, checked against the ETag


def test_download_layout_options(bucket, tmp_path):
    stripped = bulk_download(bucket.uri("models/"), tmp_path / "s", storage_options=bucket.options,
                             strip_prefix="models/llama/", exclude="*.tmp")
    assert sorted(os.path.relpath(i.dst, tmp_path / "s") for i in stripped.copied) == [
        "config.json", "sub/tok.model", "weights.bin"]
    flat = bulk_download(bucket.uri("models/llama/sub/"), tmp_path / "f",
                         storage_options=bucket.options, base_name_only=True)
    assert [os.path.relpath(i.dst, tmp_path / "f") for i in flat.copied] == ["tok.model"]
    overlap = bulk_download([bucket.uri("models/llama/config.json")], tmp_path / "models",
                            storage_options=bucket.options, tail_overlap=True)
    assert overlap.copied[0].dst == str(tmp_path / "models" / "llama" / "config.json")


def test_download_skips_valid_local_files_and_repairs_bad_ones(bucket, tmp_path):
    first = bulk_download(bucket.uri("models/"), tmp_path, storage_options=bucket.options)
    assert len(first.copied) == 4
    # same size, different bytes: the MD5 says it is not valid
    bad = tmp_path / "models/llama/config.json"
    bad.write_bytes(b"x" * len(OBJECTS["models/llama/config.json"]))
    again = bulk_download(bucket.uri("models/"), tmp_path, storage_options=bucket.options)
    assert [os.path.relpath(i.dst, tmp_path) for i in again.copied] == ["models/llama/config.json"]
    assert len(again.skipped) == 3
    assert bad.read_bytes() == OBJECTS["models/llama/config.json"]


def test_download_refuses_collisions_and_reports_them(bucket, tmp_path):
    bucket.put("other/config.json", b"{}")
    with pytest.raises(TransferError) as caught:
        bulk_download([bucket.uri("models/llama/config.json"), bucket.uri("other/config.json")],
                      tmp_path, storage_options=bucket.options, base_name_only=True)
    report = caught.value.report
    assert len(report.copied) == 1 and len(report.failed) == 1
    assert "already lands" in report.failed[0].error


def test_upload_folder_then_skip(side, tmp_path):
    dst = side("azure")
    (tmp_path / "d/sub").mkdir(parents=True)
    (tmp_path / "d/a.bin").write_bytes(blob(6 * MiB, 5))
    (tmp_path / "d/sub/b.txt").write_bytes(b"hello")
    (tmp_path / "d/c.tmp").write_bytes(b"tmp")
    seen = []
    report = bulk_upload(tmp_path / "d", dst.uri("up"), storage_options=dst.options,
                         exclude="*.tmp", part_size="2MiB",
                         progress=lambda done, total, item: seen.append(done))
    assert report.ok and len(report.copied) == 2 and seen == [1, 2]
    assert dst.read("up/a.bin") == blob(6 * MiB, 5)
    assert dst.listing("up") == ["a.bin", "sub/b.txt"]
    again = bulk_upload(tmp_path / "d", dst.uri("up"), storage_options=dst.options,
                        exclude="*.tmp")
    assert len(again.skipped) == 2 and not again.copied


def test_upload_mapping_form(side, tmp_path):
    dst = side("gcs")
    (tmp_path / "x.bin").write_bytes(b"x" * 100)
    (tmp_path / "y.bin").write_bytes(b"y" * 200)
    report = bulk_upload({str(tmp_path / "x.bin"): dst.uri("one/x.bin"),
                          str(tmp_path / "y.bin"): dst.uri("two/renamed.bin")},
                         storage_options=dst.options)
    assert report.ok
    assert dst.read("two/renamed.bin") == b"y" * 200
    assert all("md5" in i.verified for i in report.copied)
