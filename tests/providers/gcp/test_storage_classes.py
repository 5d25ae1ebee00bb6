"""GCS storage classes on gcp-storage-emulator: write, read, rewrite in place.

The emulator stores ``storageClass`` from the object resource of a
multipart or resumable upload; the test launcher (``tests/servers/gcs.py``)
makes its ``rewrite`` apply the resource in the request body, as GCS does.
No GCS class is ever archived: reads of ARCHIVE objects are served.
"""

from __future__ import annotations

import pytest

import omefs
from tests.providers.class_checks import write_read_change
from tests.providers.stores import gcs_store

KiB = 1 << 10


@pytest.fixture
def gcs(gcs_env):
    store = gcs_store(gcs_env)
    fs = store.omefs_fs()
    fs.mkdir(store.bucket)
    return store, fs


def test_each_class_single_and_multipart_then_rewritten_in_place(gcs):
    store, fs = gcs
    write_read_change(fs, store.url, auth=store.auth, multipart_size=600 * KiB,
                      block_size=256 * KiB,
                      change_to={"STANDARD": "ARCHIVE", "INFREQUENT": "COLD", "COLD": "STANDARD",
                                 "ARCHIVE": "INFREQUENT"})
    # ARCHIVE is readable at once on GCS, and restore has nothing to do
    fs.pipe_file(store.url("cold-data"), b"still here", storage_class="archive")
    assert fs.cat_file(store.url("cold-data")) == b"still here"
    report = omefs.restore(store.url("cold-data"), auth=store.auth)
    assert [i.status for i in report] == ["skipped"]


def test_put_with_a_class_and_unknown_class(gcs, tmp_path):
    store, fs = gcs
    local = tmp_path / "f.bin"
    local.write_bytes(b"x" * 1000)
    fs.put(str(local), store.url("put"), storage_class="NEARLINE")
    fs.invalidate_cache()
    assert fs.info(store.url("put"))["storage_class"] == "INFREQUENT"
    with pytest.raises(omefs.ConfigError, match="for GCS; it accepts .*COLDLINE"):
        fs.pipe_file(store.url("x"), b"x", storage_class="GLACIER")


def test_bulk_upload_and_the_storage_facade_write_read_and_change_classes(gcs, tmp_path):
    store, fs = gcs
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "a.txt").write_bytes(b"a" * 10)
    (tmp_path / "tree" / "sub" / "b.txt").write_bytes(b"b" * 300 * KiB)
    report = omefs.transfer.bulk_upload(str(tmp_path / "tree"), store.url("up"), auth=store.auth,
                                        storage_class="COLD", part_size="256K")
    assert len(report.copied) == 2
    fs.invalidate_cache()
    assert {e["storage_class"] for e in fs.find(store.url("up"), detail=True).values()} == {"COLD"}

    st = omefs.storage(store.url(), auth=store.auth)
    st.put(store.url("f/put.bin"), b"data", storage_class="INFREQUENT")
    info = st.stat(store.url("f/put.bin"))
    assert (info.storage_class, info.storage_class_native) == ("INFREQUENT", "NEARLINE")
    st.upload(tmp_path / "tree" / "a.txt", store.url("f/up.txt"), storage_class="ARCHIVE")
    st.set_storage_class(store.url("f/"), "STANDARD", recursive=True)
    assert [(o.name.rsplit("/", 1)[-1], o.storage_class) for o in st.list(store.url("f/"))] == [
        ("put.bin", "STANDARD"), ("up.txt", "STANDARD")]
    assert [i.status for i in st.restore(store.url("f/put.bin"))] == ["skipped"]
