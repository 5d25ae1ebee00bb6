"""GCS encryption at rest: Google-managed keys, CMEK (kmsKeyName) and CSEK.

Server: gcp-storage-emulator behind :class:`tests.servers.csek_proxy.CsekChecker`,
which checks the CSEK headers and reports CSEK and CMEK as the JSON API does
(the emulator ignores both).
"""

from __future__ import annotations

import base64
import os

import pytest

import omefs
from omefs.errors import ConfigError, EncryptionKeyError, OmefsError
from tests.servers.encryption_fixtures import *  # noqa: F401,F403

KEY = base64.b64encode(os.urandom(32)).decode()
CMEK = "projects/omefs-test/locations/us/keyRings/ring/cryptoKeys/weights"
CUSTOMER = {"mode": "customer", "customer_key": KEY, "allow_insecure_customer_key": True}
MODES = {
    "provider": ({"mode": "provider"}, {"mode": "provider", "key_id": None}),
    "kms": ({"mode": "kms", "key_id": CMEK}, {"mode": "kms", "key_id": CMEK}),
    "customer": (CUSTOMER, {"mode": "customer", "key_id": None}),
}
KiB = 1 << 10


@pytest.fixture
def gcs(enc_gcs):
    """A plain filesystem through the CSEK/CMEK check, with a bucket."""
    fs = omefs.filesystem("gs", **enc_gcs)
    fs.mkdir("enc")
    return fs, enc_gcs


@pytest.mark.parametrize("mode", list(MODES))
def test_write_single_and_resumable_read_back_and_info(gcs, csek_proxy, mode):
    fs, opts = gcs
    setting, reported = MODES[mode]
    efs = omefs.filesystem("gs", encryption=setting, **opts)
    efs.pipe_file("enc/small.bin", b"small")
    chunk = os.urandom(300 * KiB)
    with efs.open("enc/big.bin", "wb", block_size=256 * KiB) as f:  # a resumable upload
        for _ in range(3):
            f.write(chunk)
    assert efs.cat_file("enc/small.bin") == b"small"
    assert efs.cat_file("enc/big.bin", start=600 * KiB) == chunk
    for name in ("small.bin", "big.bin"):
        assert efs.info(f"enc/{name}")["encryption"] == reported
    if mode == "customer":  # every request of the resumable upload carried the key
        keys = csek_proxy.checker.chunk_keys
        assert len(keys) >= 3 and set(keys) == {efs.encryption.key_sha256_base64}


def test_customer_key_object_without_its_key_is_refused(gcs, csek_proxy):
    fs, _ = gcs
    fs.pipe_file("enc/c.bin", b"secret data", encryption=CUSTOMER)
    fs.invalidate_cache()
    # metadata reads work without the key, as on GCS
    assert fs.info("enc/c.bin")["encryption"] == {"mode": "customer", "key_id": None}
    seen = len(csek_proxy.requests)
    with pytest.raises(EncryptionKeyError, match="src_options") as err:
        fs.cat_file("enc/c.bin")
    assert isinstance(err.value, OmefsError)
    other = dict(CUSTOMER, customer_key=base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(EncryptionKeyError):
        fs.cat_file("enc/c.bin", encryption=other)
    # the refused downloads were answered by the check (400), not by the emulator
    assert {s for m, p, s in csek_proxy.requests[seen:] if m == "GET" and "download" in p} == {400}
    assert fs.cat_file("enc/c.bin", encryption=CUSTOMER) == b"secret data"


def test_bucket_default_cmek(gcs):
    fs, _ = gcs
    assert fs.get_bucket_encryption("enc") is None
    fs.set_bucket_encryption("enc", {"mode": "kms", "key_id": CMEK})
    assert fs.get_bucket_encryption("enc") == {"mode": "kms", "key_id": CMEK}
    fs.pipe_file("enc/d.bin", b"x")
    fs.invalidate_cache()
    assert fs.info("enc/d.bin")["encryption"] == {"mode": "kms", "key_id": CMEK}
    fs.set_bucket_encryption("enc", "provider")
    assert fs.get_bucket_encryption("enc") is None
    with pytest.raises(ConfigError, match="per request"):
        fs.set_bucket_encryption("enc", CUSTOMER)
