"""The copy matrix: every pair of S3, GCS, Azure, file:// and memory://, on the local servers.

Each pair copies a folder holding a small object, an empty one, a name
with spaces and unicode in a subfolder, and one large enough to go
multipart (two 5 MiB parts); every byte is read back and compared, and a
second run with ``skip_existing`` must skip everything (resume sees the
copies as identical).
"""

from __future__ import annotations

import pytest

import omefs
from tests.transfer.conftest import MiB, blob

STORES = ["s3", "gcs", "azure", "file", "memory"]
OBJECTS = {
    "small.txt": blob(1000, 1),
    "empty": b"",
    "sub dir/ünï cödé 名前.bin": blob(100_000, 2),
    "big.bin": blob(6 * MiB + 123, 3),
}
PART = 5 * MiB


@pytest.mark.parametrize("dst_name", STORES)
@pytest.mark.parametrize("src_name", STORES)
def test_copy_matrix(side, src_name: str, dst_name: str) -> None:
    src = side(src_name)
    dst = side(dst_name)
    for rel, data in OBJECTS.items():
        src.put(f"data/{rel}", data)

    report = omefs.copy(src.uri("data/"), dst.uri("out/"), recursive=True,
                        src_options=src.options, dst_options=dst.options, part_size=PART,
                        max_concurrency=4)

    assert report.ok, report.failed
    assert sorted(i.dst.rsplit("/out/", 1)[-1] for i in report.copied) == sorted(OBJECTS)
    assert report.bytes == sum(len(d) for d in OBJECTS.values())
    assert dst.listing("out") == sorted(OBJECTS)
    for rel, data in OBJECTS.items():
        assert dst.read(f"out/{rel}") == data, rel
    for item in report.copied:
        assert item.attempts == 1 and item.verified
    big = next(i for i in report.copied if i.dst.endswith("big.bin"))
    if src_name == dst_name:
        assert big.method == "server-side"
    else:
        assert big.method in ("multipart", "stream")

    again = omefs.copy(src.uri("data"), dst.uri("out"), recursive=True, skip_existing=True,
                       src_options=src.options, dst_options=dst.options, part_size=PART)
    assert again.ok
    assert len(again.skipped) == len(OBJECTS), again.copied
    assert again.copied == []


@pytest.mark.parametrize(("src_name", "dst_name"), [("s3", "azure"), ("azure", "s3"),
                                                    ("file", "azure")])
def test_copy_without_obstore(side, monkeypatch, src_name: str, dst_name: str) -> None:
    """``OMEFS_TRANSFER_OBSTORE=0``: the same copies through s3fs/adlfs only."""
    monkeypatch.setenv("OMEFS_TRANSFER_OBSTORE", "0")
    test_copy_matrix(side, src_name, dst_name)
