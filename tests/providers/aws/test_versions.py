"""S3 object versions against moto (its S3 API keeps versions itself)."""

from __future__ import annotations

import omefs
from tests.providers.versions_story import run_versions_story


def test_versions_story_on_moto(s3_env):
    options = s3_env.storage_options()
    omefs.filesystem("s3", **options).mkdir("versioned")
    final = run_versions_story("s3://versioned", "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY", **options)
    assert all(v.storage_class == "STANDARD" for v in final)


def test_delete_leaves_a_delete_marker_listed_first(s3_env):
    options = s3_env.storage_options()
    fs = omefs.filesystem("s3", **options)
    fs.mkdir("markers")
    omefs.versioning("s3://markers", enabled=True, **options)
    fs.pipe("markers/a.txt", b"a")
    fs.rm("markers/a.txt")
    versions = omefs.list_versions("s3://markers/a.txt", **options)
    assert [(v.delete_marker, v.is_latest) for v in versions] == [(True, True), (False, False)]
    live = omefs.restore_version("s3://markers/a.txt", versions[1].version_id, **options)
    assert fs.cat("markers/a.txt") == b"a" and live.is_latest


def test_s3fs_own_url_form_reads_a_version(s3_env):
    options = s3_env.storage_options()
    fs = omefs.filesystem("s3", **options)
    fs.mkdir("nativeform")
    omefs.versioning("s3://nativeform", enabled=True, **options)
    fs.pipe("nativeform/a.txt", b"one")
    fs.pipe("nativeform/a.txt", b"two")
    old = omefs.list_versions("s3://nativeform/a.txt", **options)[1]
    with omefs.open(f"s3://nativeform/a.txt?versionId={old.version_id}", **options) as f:
        assert f.read() == b"one"
