"""OCI storage tiers on the project's fake (tests/servers/oci.py, oci_tiers.py): write, read,
UpdateObjectStorageTier, Archive reads refused, RestoreObjects and its states."""

from __future__ import annotations

import pytest

import omefs
from tests.providers.class_checks import archived_read_refused, write_read_change
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options

MiB = 1 << 20


def _url(oci_fake, bucket):
    return lambda name: f"oci://{oci_fake.namespace}/{bucket}/{name}"


def test_each_tier_single_and_multipart_then_changed_in_place(oci_fs, oci_fake, oci_bucket,
                                                             oci_auth):
    url = _url(oci_fake, oci_bucket)
    write_read_change(oci_fs, url, auth=oci_auth, multipart_size=2 * MiB + 5, block_size=MiB,
                      change_to={"STANDARD": "INFREQUENT", "INFREQUENT": "ARCHIVE"},
                      options=oci_fs_options())
    assert oci_fake.calls["UpdateObjectStorageTier"] == 4
    assert oci_fake.calls["CommitMultipartUpload"] == 3  # one per tier: multipart
    # Nothing leaves Archive in place on OCI: said before any request
    report = omefs.set_storage_class(url("multi-archive"), "STANDARD", auth=oci_auth,
                                     storage_options=oci_fs_options(), raise_on_error=False)
    assert "cannot move an object out of Archive" in report.failed[0].error
    assert oci_fake.calls["UpdateObjectStorageTier"] == 4


def test_cold_is_refused_before_any_byte_moves(oci_fs, oci_fake, oci_bucket):
    with pytest.raises(omefs.ConfigError, match="OCI has no COLD storage tier; it accepts "
                                                "STANDARD, INFREQUENT, ARCHIVE"):
        oci_fs.pipe_file(_url(oci_fake, oci_bucket)("x"), b"x", storage_class="COLD")
    assert oci_fake.calls["PutObject"] == 0


def test_archived_read_refused_restoring_then_restored(oci_fs, oci_fake, oci_bucket, oci_auth):
    url = _url(oci_fake, oci_bucket)("frozen")
    oci_fs.pipe_file(url, b"ice", storage_class="ARCHIVE")
    oci_fake.restore_seconds = 3600  # the service takes up to an hour
    after = archived_read_refused(oci_fs, url, auth=oci_auth, options=oci_fs_options(), days=2)
    assert (after["storage_class"], after["restore_state"]) == ("ARCHIVE", "restoring")
    with pytest.raises(omefs.ArchivedObjectError):
        oci_fs.cat_file(url)
    oci_fake.advance_clock(3601)
    oci_fs.invalidate_cache()
    assert oci_fs.info(url)["restore_state"] == "restored"
    assert oci_fs.cat_file(url) == b"ice"
    listed = oci_fs.ls(_url(oci_fake, oci_bucket)(""), detail=True)
    assert [(e["storage_class"], e["restore_state"]) for e in listed] == [("ARCHIVE", "restored")]
    oci_fake.advance_clock(48 * 3600)  # the restored copy lasts days=2
    oci_fs.invalidate_cache()
    assert oci_fs.info(url)["restore_state"] == "archived"
