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
