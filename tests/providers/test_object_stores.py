"""S3, GCS and Azure through omefs, on moto, the GCS emulator and Azurite.

The same test bodies run on each store: fsspec.open with ``auth=``,
pandas with ``storage_options={"auth": …}``, a pyarrow dataset, the
listing and metadata calls, ranged reads, a multipart/blocked write, and
the same operations through the parent library for comparison.
"""

from __future__ import annotations

import hashlib
import os

import fsspec
import pandas as pd
import pytest

import omefs
from tests.providers.stores import Store, azure_store, gcs_store, s3_store

MiB = 1024 * 1024


@pytest.fixture(params=["s3", "gcs", "azure"])
def store(request) -> Store:
    if request.param == "s3":
        return s3_store(request.getfixturevalue("s3_env"))
    if request.param == "gcs":
        return gcs_store(request.getfixturevalue("gcs_env"))
    return azure_store(request.getfixturevalue("azure_env"))


@pytest.fixture
def fs(store: Store):
    fs = store.omefs_fs()
    fs.mkdir(store.bucket)
    return fs


def frame(rows: int = 1000) -> pd.DataFrame:
    return pd.DataFrame({"i": range(rows), "s": [f"row {i}" for i in range(rows)],
                         "f": [i / 7 for i in range(rows)]})


def test_class_is_omefs_subclass_of_parent(store: Store, fs):
    parent = type(store.parent())
    assert isinstance(fs, parent)
    assert type(fs).__module__.startswith("omefs.providers.")


def test_fsspec_open_with_auth(store: Store, fs):
    with fsspec.open(store.url("dir/hello.txt"), "wb", auth=store.auth) as f:
        f.write(b"hello omefs")
    with omefs.open(store.url("dir/hello.txt"), auth=store.auth) as f:
        assert f.read() == b"hello omefs"


def test_pandas_parquet_and_csv_round_trip(store: Store, fs):
    df = frame()
    opts = {"auth": store.auth}
    df.to_parquet(store.url("frames/x.parquet"), storage_options=opts)
    pd.testing.assert_frame_equal(pd.read_parquet(store.url("frames/x.parquet"), storage_options=opts), df)
    df.to_csv(store.url("frames/x.csv"), index=False, storage_options=opts)
    pd.testing.assert_frame_equal(pd.read_csv(store.url("frames/x.csv"), storage_options=opts), df)


def test_pyarrow_dataset_through_fsspec_handler(store: Store, fs):
    import pyarrow.dataset as ds
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    for part in range(3):
        frame(100).assign(part=part).to_parquet(
            store.url(f"ds/part={part}/data.parquet"), storage_options={"auth": store.auth})
    pafs = PyFileSystem(FSSpecHandler(fs))
    table = ds.dataset(f"{store.bucket}/ds", filesystem=pafs, format="parquet").to_table()
    assert table.num_rows == 300


def test_listing_metadata_and_rm(store: Store, fs):
    b = store.bucket
    for name in ("a.txt", "sub/b.txt", "sub/deeper/c.bin", "with space/ü.txt"):
        fs.pipe(f"{b}/{name}", name.encode())
    fs.invalidate_cache()
    assert sorted(fs.ls(b, detail=False)) == sorted(
        [f"{b}/a.txt", f"{b}/sub", f"{b}/with space"])
    assert sorted(fs.find(b)) == sorted(
        [f"{b}/a.txt", f"{b}/sub/b.txt", f"{b}/sub/deeper/c.bin", f"{b}/with space/ü.txt"])
    assert sorted(fs.glob(f"{b}/sub/*.txt")) == [f"{b}/sub/b.txt"]
    info = fs.info(f"{b}/sub/deeper/c.bin")
    assert info["size"] == len(b"sub/deeper/c.bin") and info["type"] == "file"
    assert fs.info(f"{b}/sub")["type"] == "directory"
    assert fs.cat(f"{b}/with space/ü.txt") == "with space/ü.txt".encode()
    fs.rm(f"{b}/sub", recursive=True)
    fs.invalidate_cache()
    assert not fs.exists(f"{b}/sub/b.txt")
    with pytest.raises(FileNotFoundError) as info_err:
        fs.info(f"{b}/sub/b.txt")
    assert isinstance(info_err.value, omefs.errors.NotFoundError)


def test_ranged_reads(store: Store, fs):
    data = os.urandom(3 * MiB + 17)
    path = f"{store.bucket}/ranged.bin"
    fs.pipe(path, data)
    assert fs.cat_file(path, start=10, end=20) == data[10:20]
    assert fs.cat_file(path, start=-100) == data[-100:]
    with fs.open(path, "rb", block_size=256 * 1024) as f:
        f.seek(2 * MiB + 5)
        assert f.read(1000) == data[2 * MiB + 5: 2 * MiB + 1005]


def test_large_write_goes_multipart(store: Store, fs, request):
    data = os.urandom(20 * MiB)
    path = f"{store.bucket}/big.bin"
    with fs.open(path, "wb", block_size=5 * MiB) as f:
        for i in range(0, len(data), MiB):
            f.write(data[i:i + MiB])
        if store.name == "gcs":
            # gcsfs has opened a resumable upload session once a block was flushed
            assert f.location is not None
    fs.invalidate_cache()
    assert fs.size(path) == len(data)
    assert hashlib.md5(fs.cat(path)).digest() == hashlib.md5(data).digest()
    if store.name == "s3":
        etag = fs.info(path)["ETag"].strip('"')
        assert etag.endswith("-4"), etag  # 20 MiB in 5 MiB parts
    if store.name == "azure":
        from azure.storage.blob import BlobServiceClient

        server = request.getfixturevalue("azure_env")
        blob = BlobServiceClient.from_connection_string(server.connection_string) \
            .get_blob_client(store.bucket, "big.bin")
        committed, _ = blob.get_block_list("committed")
        assert len(committed) > 1


def test_same_results_as_parent(store: Store, fs):
    """The same operations through the parent library and omefs give the same answers."""
    parent = store.parent()
    b = store.bucket
    for name, body in {"x/1.txt": b"one", "x/2.txt": b"two", "y.bin": os.urandom(1000)}.items():
        parent.pipe(f"{b}/{name}", body)
    parent.invalidate_cache()
    fs.invalidate_cache()
    assert sorted(fs.ls(b, detail=False)) == sorted(parent.ls(b, detail=False))
    assert fs.find(b) == parent.find(b)
    assert fs.glob(f"{b}/x/*") == parent.glob(f"{b}/x/*")
    keys = ("name", "size", "type")
    assert {k: fs.info(f"{b}/y.bin")[k] for k in keys} == {k: parent.info(f"{b}/y.bin")[k] for k in keys}
    assert fs.cat(f"{b}/y.bin") == parent.cat(f"{b}/y.bin")
    assert fs.cat_file(f"{b}/y.bin", start=5, end=50) == parent.cat_file(f"{b}/y.bin", start=5, end=50)
    fs.pipe(f"{b}/z.txt", b"from omefs")
    parent.invalidate_cache()
    assert parent.cat(f"{b}/z.txt") == b"from omefs"
    fs.rm(f"{b}/x", recursive=True)
    parent.invalidate_cache()
    assert not parent.exists(f"{b}/x/1.txt")
    assert fs.unstrip_protocol(f"{b}/y.bin") == store.url("y.bin")
