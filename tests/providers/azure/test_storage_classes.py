"""Azure access tiers on Azurite: write, read, Set Blob Tier, Archive and rehydration.

Azurite answers every request here: it stores ``x-ms-access-tier`` on Put
Blob and takes Set Blob Tier (omefs's files set the tier right after
committing their blocks), refuses a read of an Archive blob (409
``BlobArchived``) and rehydrates at once.
"""

from __future__ import annotations

import pytest

import omefs
from tests.providers.class_checks import archived_read_refused, write_read_change
from tests.providers.stores import azure_store

KiB = 1 << 10


@pytest.fixture
def azure(azure_env):
    store = azure_store(azure_env)
    fs = store.omefs_fs()
    fs.mkdir(store.bucket)
    return store, fs


def test_each_tier_single_and_multipart_then_changed_in_place(azure):
    store, fs = azure
    write_read_change(fs, store.url, auth=store.auth, multipart_size=300 * KiB,
                      block_size=128 * KiB,
                      change_to={"STANDARD": "COLD", "INFREQUENT": "STANDARD",
                                 "COLD": "INFREQUENT"})


def test_archived_read_refused_then_rehydrated(azure):
    store, fs = azure
    fs.pipe_file(store.url("frozen"), b"ice", storage_class="Archive")
    after = archived_read_refused(fs, store.url("frozen"), auth=store.auth)
    # Azurite rehydrates at once: the blob is Hot again and readable
    assert (after["storage_class"], after["storage_class_native"]) == ("STANDARD", "Hot")
    assert fs.cat_file(store.url("frozen")) == b"ice"


def test_rehydrate_priority_checked_before_any_request(azure):
    store, fs = azure
    fs.pipe_file(store.url("frozen"), b"ice", storage_class="ARCHIVE")
    report = omefs.restore(store.url("frozen"), priority="bulk", auth=store.auth,
                           raise_on_error=False)
    assert "standard or high" in report.failed[0].error
    fs.invalidate_cache()
    assert fs.info(store.url("frozen"))["restore_state"] == "archived"
