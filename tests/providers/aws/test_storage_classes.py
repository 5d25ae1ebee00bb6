"""S3 storage classes on moto: write, read, change in place, archive and restore.

moto answers every request here: it stores ``x-amz-storage-class`` on
PutObject and CreateMultipartUpload, changes it with CopyObject onto the
same key, refuses a GET of a GLACIER/DEEP_ARCHIVE object with
``InvalidObjectState`` and completes RestoreObject at once.
"""

from __future__ import annotations

import re

import pytest

import omefs
from tests.providers.class_checks import archived_read_refused, write_read_change
from tests.providers.stores import s3_store

MiB = 1 << 20


@pytest.fixture
def s3(s3_env):
    store = s3_store(s3_env)
    fs = store.omefs_fs()
    fs.mkdir(store.bucket)
    return store, fs


def test_each_class_single_and_multipart_then_changed_in_place(s3):
    store, fs = s3
    write_read_change(fs, store.url, auth=store.auth, multipart_size=5 * MiB + 1,
                      block_size=5 * MiB,
                      change_to={"STANDARD": "INFREQUENT", "INFREQUENT": "COLD",
                                 "COLD": "STANDARD"})
    # the multipart write really was one (its ETag is md5-of-md5s-N)
    assert re.search(r'-[0-9]+"$', fs.info(store.url("multi-archive"))["ETag"])


def test_native_names_case_insensitive_and_native_only_classes(s3):
    store, fs = s3
    fs.pipe_file(store.url("deep"), b"x", storage_class="deep_archive")
    fs.pipe_file(store.url("one-zone"), b"x", storage_class="OneZone_IA")
    fs.put_file(__file__, store.url("it"), storage_class="INTELLIGENT_TIERING")
    got = {k: (fs.info(store.url(k))["storage_class"], fs.info(store.url(k))["storage_class_native"])
           for k in ("deep", "one-zone", "it")}
    assert got == {"deep": ("ARCHIVE", "DEEP_ARCHIVE"), "one-zone": ("INFREQUENT", "ONEZONE_IA"),
                   "it": ("STANDARD", "INTELLIGENT_TIERING")}


def test_unknown_class_lists_accepted_before_any_request(s3):
    store, fs = s3
    with pytest.raises(omefs.ConfigError, match=r"unknown storage class 'FROZEN' for S3.*"
                                                r"STANDARD, INFREQUENT, COLD, ARCHIVE.*GLACIER_IR"):
        fs.pipe_file(store.url("x"), b"x", storage_class="FROZEN")
    assert not fs.exists(store.url("x"))


def test_archived_read_refused_then_restored(s3):
    store, fs = s3
    fs.pipe_file(store.url("frozen"), b"ice", storage_class="ARCHIVE")
    info = fs.info(store.url("frozen"))
    assert (info["storage_class"], info["restore_state"]) == ("ARCHIVE", "archived")
    after = archived_read_refused(fs, store.url("frozen"), auth=store.auth, days=2)
    # moto completes a restore at once: the x-amz-restore header says so
    assert after["restore_state"] == "restored" and after["storage_class"] == "ARCHIVE"
    assert fs.cat_file(store.url("frozen")) == b"ice"


def test_recursive_set_class_reports_each_object(s3):
    store, fs = s3
    for name in ("p/a", "p/b", "p/c"):
        fs.pipe_file(store.url(name), b"data")
    fs.pipe_file(store.url("p/c"), b"data", storage_class="INFREQUENT")
    report = omefs.set_storage_class(store.url("p"), "infrequent", recursive=True,
                                     auth=store.auth)
    assert sorted((i.src.rsplit("/", 1)[-1], i.status) for i in report) == [
        ("a", "copied"), ("b", "copied"), ("c", "skipped")]
    fs.invalidate_cache()
    assert {fs.info(store.url(n))["storage_class"] for n in ("p/a", "p/b", "p/c")} == {"INFREQUENT"}
    with pytest.raises(omefs.ConfigError, match="recursive=True"):
        omefs.set_storage_class(store.url("p"), "COLD", auth=store.auth)


def test_fsspec_open_with_a_class_and_reads_ignore_it(s3):
    import fsspec

    store, fs = s3
    with fsspec.open(store.url("via-fsspec"), "wb", storage_class="COLD", auth=store.auth) as f:
        f.write(b"weights")
    assert fs.info(store.url("via-fsspec"))["storage_class_native"] == "GLACIER_IR"
    with fsspec.open(store.url("via-fsspec"), "rb", storage_class="COLD", auth=store.auth) as f:
        assert f.read() == b"weights"
    fs.pipe_file(store.url("frozen"), b"ice", storage_class="GLACIER")
    with pytest.raises(omefs.ArchivedObjectError, match="is archived"), \
            fsspec.open(store.url("frozen"), "rb", auth=store.auth) as f:
        f.read()


def test_server_side_copy_gets_the_class_asked_for(s3):
    store, fs = s3
    fs.pipe_file(store.url("src/a"), b"a", storage_class="GLACIER_IR")
    report = omefs.copy(store.url("src/a"), store.url("dst/a"), src_auth=store.auth,
                        dst_auth=store.auth, storage_class="INFREQUENT")
    assert [i.method for i in report.copied] == ["server-side"]
    fs.invalidate_cache()
    assert fs.info(store.url("dst/a"))["storage_class_native"] == "STANDARD_IA"
    report = omefs.copy(store.url("src/a"), store.url("dst/b"), src_auth=store.auth,
                        dst_auth=store.auth, storage_class="preserve")
    assert fs.info(store.url("dst/b"))["storage_class_native"] == "GLACIER_IR"
