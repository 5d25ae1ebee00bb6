"""OCI object versions against the project's fake Object Storage.

No OCI emulator exists: tests/servers/oci.py answers, with its versioning
layer (tests/servers/oci_versions.py: UpdateBucket ``versioning``,
ListObjectVersions, ``versionId`` on GetObject/HeadObject/DeleteObject,
``sourceVersionId`` on CopyObject) written from the OCI REST reference.
"""

from __future__ import annotations

import omefs
from tests.providers.versions_story import run_versions_story
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options


def test_versions_story_on_the_fake(oci_fake, oci_auth, oci_bucket):
    options = dict(auth=oci_auth, **oci_fs_options())
    final = run_versions_story(f"oci://{oci_fake.namespace}/{oci_bucket}",
                               "0f9c1d2e-0000-4000-8000-000000000000", **options)
    assert [v.storage_class_native for v in final] == ["Standard"] * 3
    assert oci_fake.calls["ListObjectVersions"] > 0 and oci_fake.calls["UpdateBucket"] == 2


def test_delete_marker_then_restore(oci_fake, oci_auth, oci_bucket):
    options = dict(auth=oci_auth, **oci_fs_options())
    url = f"oci://{oci_fake.namespace}/{oci_bucket}/a.txt"
    fs, path = omefs.url_to_fs(url, **options)
    omefs.versioning(url, enabled=True, **options)
    fs.pipe(path, b"a")
    fs.rm(path)
    marker, kept = omefs.list_versions(url, **options)
    assert (marker.delete_marker, marker.is_latest, kept.delete_marker) == (True, True, False)
    assert not fs.exists(path)
    omefs.restore_version(url, kept.version_id, **options)
    assert fs.cat(path) == b"a"
    assert fs.ls(path, versions=True, detail=False)[0] == f"{path}?version=" + \
        omefs.list_versions(url, **options)[0].version_id


def test_copy_one_version_to_s3(oci_fake, oci_auth, oci_bucket, s3_env):
    options = dict(auth=oci_auth, **oci_fs_options())
    url = f"oci://{oci_fake.namespace}/{oci_bucket}/w.bin"
    fs, path = omefs.url_to_fs(url, **options)
    omefs.versioning(url, enabled=True, **options)
    fs.pipe(path, b"old")
    fs.pipe(path, b"new!")
    old = omefs.list_versions(url, **options)[1]
    s3_options = s3_env.storage_options()
    omefs.filesystem("s3", **s3_options).mkdir("fromoci")
    report = omefs.copy(url, "s3://fromoci/w.bin", version_id=old.version_id,
                        src_options=options, dst_options=s3_options)
    assert report.ok
    assert omefs.filesystem("s3", **s3_options).cat("fromoci/w.bin") == b"old"
