"""OCI encryption at rest: Oracle-managed keys, Vault keys (kmsKeyId) and SSE-C.

Server: the project's fake OCI Object Storage (:mod:`tests.servers.oci`), which
checks the ``opc-sse-*`` headers and the bucket ``kmsKeyId`` as the OCI REST
reference documents them (:mod:`tests.servers.oci_sse`).
"""

from __future__ import annotations

import base64
import logging
import os

import pytest

from omefs.errors import ConfigError, EncryptionKeyError, OmefsError
from omefs.providers.oci.fs import OCIFileSystem
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options

KEY = base64.b64encode(os.urandom(32)).decode()
VAULT_KEY = "ocid1.key.oc1.iad.exampleaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
CUSTOMER = {"mode": "customer", "customer_key": KEY, "allow_insecure_customer_key": True}
MODES = {
    "provider": ({"mode": "provider"}, {"mode": "provider", "key_id": None}),
    "kms": ({"mode": "kms", "key_id": VAULT_KEY}, {"mode": "kms", "key_id": VAULT_KEY}),
    "customer": (CUSTOMER, {"mode": "customer", "key_id": None}),
}
MiB = 1 << 20


def _fs(oci_auth, **options):
    return OCIFileSystem(auth=oci_auth, **oci_fs_options(**options))


@pytest.mark.parametrize("mode", list(MODES))
def test_write_single_and_multipart_read_back_and_info(oci_auth, oci_fake, oci_bucket, mode):
    setting, reported = MODES[mode]
    fs = _fs(oci_auth, encryption=setting)
    base = f"oci://{oci_fake.namespace}/{oci_bucket}"
    data = os.urandom(3 * MiB + 5)  # above the 1 MiB part size: four parts
    fs.pipe_file(f"{base}/small.bin", b"small")
    fs.pipe_file(f"{base}/big.bin", data)
    assert fs.cat_file(f"{base}/small.bin") == b"small"
    assert fs.cat_file(f"{base}/big.bin") == data
    for name in ("small.bin", "big.bin"):
        assert fs.info(f"{base}/{name}")["encryption"] == reported
    if mode == "customer":
        sha = fs.encryption.key_sha256_base64
        assert oci_fake.part_sse == [sha] * 4  # every UploadPart carried the key


def test_customer_key_object_without_its_key_is_refused(oci_auth, oci_fake, oci_bucket, caplog):
    """(The canary: the key shows in no DEBUG record and no error text of this test.)"""
    caplog.set_level(logging.DEBUG)  # the root logger, restored afterwards
    _refusals(oci_auth, oci_fake, oci_bucket)
    assert caplog.records and KEY not in caplog.text


def _refusals(oci_auth, oci_fake, oci_bucket):
    fs = _fs(oci_auth)
    url = f"oci://{oci_fake.namespace}/{oci_bucket}/c.bin"
    fs.pipe_file(url, b"secret data", encryption=CUSTOMER)
    with pytest.raises(EncryptionKeyError, match="src_options") as err:
        fs.cat_file(url)
    assert isinstance(err.value, OmefsError) and KEY not in f"{err.value!r} {err.value}"
    with pytest.raises(EncryptionKeyError):
        fs.info(url)
    other = dict(CUSTOMER, customer_key=base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(EncryptionKeyError):
        fs.cat_file(url, encryption=other)
    assert fs.cat_file(url, encryption=CUSTOMER) == b"secret data"


def test_bucket_kms_key_is_the_default(oci_auth, oci_fake, oci_bucket):
    fs = _fs(oci_auth)
    bucket = f"oci://{oci_fake.namespace}/{oci_bucket}"
    assert fs.get_bucket_encryption(bucket) is None
    fs.set_bucket_encryption(bucket, {"mode": "kms", "key_id": VAULT_KEY})
    assert fs.get_bucket_encryption(bucket) == {"mode": "kms", "key_id": VAULT_KEY}
    fs.pipe_file(f"{bucket}/d.bin", b"x")
    assert fs.info(f"{bucket}/d.bin")["encryption"] == {"mode": "kms", "key_id": VAULT_KEY}
    fs.set_bucket_encryption(bucket, "provider")
    assert fs.get_bucket_encryption(bucket) is None
    with pytest.raises(ConfigError, match="per request"):
        fs.set_bucket_encryption(bucket, CUSTOMER)


def test_customer_key_needs_https(oci_auth):
    with pytest.raises(ConfigError, match="only sent over HTTPS"):
        _fs(oci_auth, encryption=dict(CUSTOMER, allow_insecure_customer_key=False))


def test_copy_inside_the_service_carries_the_keys(oci_auth, oci_fake, oci_bucket):
    fs = _fs(oci_auth, encryption=CUSTOMER)
    base = f"oci://{oci_fake.namespace}/{oci_bucket}"
    fs.pipe_file(f"{base}/a.bin", b"sealed")
    fs.cp_file(f"{base}/a.bin", f"{base}/b.bin")  # CopyObject: source key and copy's key
    assert fs.info(f"{base}/b.bin")["encryption"] == {"mode": "customer", "key_id": None}
    assert fs.cat_file(f"{base}/b.bin") == b"sealed"
    with pytest.raises(EncryptionKeyError, match="src_options"):
        _fs(oci_auth).cp_file(f"{base}/a.bin", f"{base}/c.bin")
