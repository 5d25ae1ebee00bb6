"""A write that fails leaves no object, on every destination, whichever layer noticed.

Each destination is a real server (moto, the GCS emulator, Azurite, the
project's fakes of the OCI and GitHub APIs) behind a proxy that flips
bytes in the middle of every upload of one object, length kept: only a
digest can tell. The copy must report the object failed and leave nothing
at its name — whether the service refused the bytes (Azure checks the
``Content-MD5`` sent with them), the upload's own answer disagreed (GCS),
or the check after the write did (S3's ETag, OCI's ``Content-MD5``,
GitHub's ``digest``). The same corruption once is caught and retried,
and the report names the digest that caught it.
"""

from __future__ import annotations

import pytest

import omefs
from tests.faults.conftest import STORES
from tests.transfer.conftest import MiB, blob

#: The request that uploads object ``name`` on each store, as (method, path fragment).
UPLOAD = {
    "s3": lambda name: ("PUT", name),
    "gcs": lambda name: ("POST", "/upload/storage/v1/b/"),
    "azure": lambda name: ("PUT", name),
    "oci": lambda name: ("PUT", name),
    "github": lambda name: ("POST", "uploads"),
}
#: The digest each store's check names in the report.
DIGEST = {"s3": "md5", "gcs": "md5", "azure": "md5", "oci": "md5", "github": "sha256"}


def test_gcs_trailing_carriage_return_leaves_no_object(side, gcs_env):
    """The GCS emulator stores an upload ending in ``\\r`` one byte short: reported, removed."""
    src, dst = side("file"), side("gcs")
    src.put("cr.bin", blob(3000, 1) + b"\r")

    report = omefs.copy(src.uri("cr.bin"), dst.uri("cr.bin"), dst_options=dst.options, retries=1,
                        raise_on_error=False)

    (item,) = report.failed
    assert item.attempts == 2
    assert "ChecksumMismatchError" in item.error
    assert "destination object was removed" in item.error
    assert dst.listing() == []


@pytest.mark.parametrize("name", STORES)
def test_corrupted_upload_fails_and_leaves_no_object(store, side, name):
    src, dst = side("file"), store(name)
    src.put("u.bin", blob(70_000, 2))
    dst.proxy.add_rule(*UPLOAD[name]("u.bin"), "corrupt_upload", times=None)

    report = omefs.copy(src.uri("u.bin"), dst.uri("u.bin"), dst_options=dst.options, retries=1,
                        raise_on_error=False)

    (item,) = report.failed
    assert item.attempts == 2
    assert "ChecksumMismatchError" in item.error, item.error
    assert not dst.exists("u.bin")
    assert dst.names() == []


@pytest.mark.parametrize("name", STORES)
def test_corrupted_upload_once_is_retried_and_named(store, side, name):
    src, dst = side("file"), store(name)
    src.put("u.bin", blob(70_000, 3))
    dst.proxy.add_rule(*UPLOAD[name]("u.bin"), "corrupt_upload", times=1)

    report = omefs.copy(src.uri("u.bin"), dst.uri("u.bin"), dst_options=dst.options, retries=2)

    (item,) = report.copied
    assert item.attempts == 2
    assert DIGEST[name] in item.verified.partition("destination")[2], item.verified
    assert dst.read("u.bin") == blob(70_000, 3)


def test_azure_corrupted_block_is_refused_and_retried(store, side):
    """A multipart write to Azure: each Put Block carries ``Content-MD5``; the service refuses
    a flipped block, nothing is committed, and the retry completes with the blob's MD5 set."""
    src, dst = side("file"), store("azure")
    data = blob(3 * MiB + 11, 4)
    src.put("big.bin", data)
    dst.proxy.add_rule("PUT", "comp=block", "corrupt_upload", times=1)
    dst.proxy.add_rule("PUT", "big.bin", "corrupt_upload", times=1)

    report = omefs.copy(src.uri("big.bin"), dst.uri("big.bin"), dst_options=dst.options,
                        part_size="1MiB", retries=2)

    (item,) = report.copied
    assert item.method == "multipart" and item.attempts == 2
    assert "md5 per block" in item.verified
    assert dst.read("big.bin") == data
    info = dst.fs().info(dst.path("big.bin"))
    from omefs.providers import get_provider

    assert get_provider("azure").transfer().fingerprint(info).md5 is not None
