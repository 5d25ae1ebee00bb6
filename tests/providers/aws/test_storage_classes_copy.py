"""Copies with storage classes, from S3 (moto) to GCS (gcp-storage-emulator), Azure (Azurite)
and OCI (the project's fake): ``storage_class=`` and ``"preserve"``, single and multipart, and
an archived source reported as the one failure of a recursive copy."""

from __future__ import annotations

import os

import pytest

import omefs
from tests.providers.stores import azure_store, gcs_store, s3_store
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options

MiB = 1 << 20


@pytest.fixture
def s3(s3_env):
    store = s3_store(s3_env)
    fs = store.omefs_fs()
    fs.mkdir(store.bucket)
    return store, fs


def _classes(fs, urls):
    fs.invalidate_cache()
    return [(fs.info(u)["storage_class"], fs.info(u)["storage_class_native"]) for u in urls]


def test_preserve_s3_to_gcs_maps_four_classes(s3, gcs_env):
    src, sfs = s3
    dst = gcs_store(gcs_env)
    dfs = dst.omefs_fs()
    dfs.mkdir(dst.bucket)
    sfs.pipe_file(src.url("d/standard"), b"s", storage_class="STANDARD")
    sfs.pipe_file(src.url("d/infrequent"), os.urandom(MiB), storage_class="STANDARD_IA")
    sfs.pipe_file(src.url("d/cold"), b"c", storage_class="GLACIER_IR")
    sfs.pipe_file(src.url("d/archive"), b"a", storage_class="GLACIER")
    omefs.restore(src.url("d/archive"), auth=src.auth)  # moto restores at once
    report = omefs.copy(src.url("d"), dst.url("p"), recursive=True, src_auth=src.auth,
                        dst_auth=dst.auth, storage_class="preserve", part_size="256K")
    assert len(report.copied) == 4 and not report.failed
    assert {i.dst.rsplit("/", 1)[-1]: i.method for i in report.copied}["infrequent"] == "multipart"
    names = ("standard", "infrequent", "cold", "archive")
    got = _classes(dfs, [dst.url(f"p/{n}") for n in names])
    assert got == [
        ("STANDARD", "STANDARD"), ("INFREQUENT", "NEARLINE"), ("COLD", "COLDLINE"),
        ("ARCHIVE", "ARCHIVE")]


def test_recursive_copy_reports_the_archived_source_and_copies_the_rest(s3, azure_env):
    src, sfs = s3
    dst = azure_store(azure_env)
    dfs = dst.omefs_fs()
    dfs.mkdir(dst.bucket)
    sfs.pipe_file(src.url("d/a"), b"a")
    sfs.pipe_file(src.url("d/big"), os.urandom(MiB))
    sfs.pipe_file(src.url("d/frozen"), b"ice", storage_class="DEEP_ARCHIVE")
    report = omefs.copy(src.url("d"), dst.url("p"), recursive=True, src_auth=src.auth,
                        dst_auth=dst.auth, storage_class="cold", part_size="256K",
                        raise_on_error=False)
    assert [i.src for i in report.failed] == [src.url("d/frozen")]
    error = report.failed[0].error
    assert error.startswith("ArchivedObjectError: copy refused: ") and "DEEP_ARCHIVE" in error
    assert "omefs.restore(" in error and report.failed[0].attempts == 1
    assert sorted(i.method for i in report.copied) == ["multipart", "single"]
    assert _classes(dfs, [dst.url("p/a"), dst.url("p/big")]) == [("COLD", "Cold")] * 2
    with pytest.raises(omefs.TransferError) as caught:
        omefs.copy(src.url("d/frozen"), dst.url("q/frozen"), src_auth=src.auth, dst_auth=dst.auth)
    assert "is archived" in str(caught.value)


def test_class_the_destination_lacks_is_refused_before_any_byte(s3, oci_fake, oci_bucket,
                                                                oci_auth):
    src, sfs = s3
    sfs.pipe_file(src.url("d/a"), b"a")
    sfs.pipe_file(src.url("d/b"), b"b" * (2 * MiB))
    dst = f"oci://{oci_fake.namespace}/{oci_bucket}/p"
    options = oci_fs_options()
    with pytest.raises(omefs.ConfigError, match="OCI has no COLD storage tier"):
        omefs.copy(src.url("d"), dst, recursive=True, src_auth=src.auth, dst_auth=oci_auth,
                   dst_options=options, storage_class="COLD")
    assert oci_fake.calls["PutObject"] == 0 and oci_fake.calls["CreateMultipartUpload"] == 0
    report = omefs.copy(src.url("d"), dst, recursive=True, src_auth=src.auth, dst_auth=oci_auth,
                        dst_options=options, storage_class="InfrequentAccess", part_size="1M")
    assert sorted(i.method for i in report.copied) == ["multipart", "single"]
    assert {o.tier for o in oci_fake.bucket(oci_bucket).objects.values()} == {"InfrequentAccess"}
