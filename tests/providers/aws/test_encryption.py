"""S3 encryption at rest: SSE-S3, SSE-KMS and SSE-C on writes, reads, info() and bucket defaults.

Servers: moto answers SSE-S3 and SSE-KMS itself (it echoes the headers);
SSE-C is checked by :class:`tests.servers.sse_c_proxy.SseCChecker` in front
of moto, as S3 checks it (moto has no SSE-C).
"""

from __future__ import annotations

import base64
import os

import pytest

import omefs
from omefs.errors import ConfigError, EncryptionKeyError, OmefsError, PermissionDeniedError
from tests.servers.encryption_fixtures import *  # noqa: F401,F403

KEY = base64.b64encode(os.urandom(32)).decode()
KMS = "arn:aws:kms:us-east-1:123456789012:key/0b5e0f43-1111-2222-3333-444455556666"
MODES = {
    "provider": ("provider", {"mode": "provider"}, None),
    "kms": ("kms", {"mode": "kms", "key_id": KMS}, KMS),
    "customer": ("customer", {"mode": "customer", "customer_key": KEY,
                              "allow_insecure_customer_key": True}, None),
}
MiB = 1 << 20


@pytest.fixture
def s3(enc_s3):
    """A plain filesystem through the SSE-C check, with a bucket."""
    fs = omefs.filesystem("s3", **enc_s3)
    fs.mkdir("enc")
    return fs, enc_s3


@pytest.mark.parametrize("mode", list(MODES))
def test_write_single_and_multipart_read_back_and_info(s3, sse_c_proxy, mode):
    fs, opts = s3
    name, setting, key_id = MODES[mode]
    efs = omefs.filesystem("s3", encryption=setting, **opts)
    efs.pipe_file("enc/small.bin", b"small")
    chunk = os.urandom(MiB)
    with efs.open("enc/big.bin", "wb", block_size=5 * MiB) as f:
        for _ in range(11):  # three parts
            f.write(chunk)
    assert efs.cat_file("enc/small.bin") == b"small"
    assert efs.cat_file("enc/big.bin", start=10 * MiB) == chunk
    for path in ("enc/small.bin", "enc/big.bin"):
        assert efs.info(path)["encryption"] == {"mode": name, "key_id": key_id}
    if mode == "customer":
        # every UploadPart carried the key, as S3 requires
        assert len(sse_c_proxy.checker.seen_part_keys) == 3
        assert set(sse_c_proxy.checker.seen_part_keys) == {efs.encryption.key_md5_base64}


def test_customer_key_object_without_its_key_is_refused(s3, sse_c_proxy):
    fs, opts = s3
    fs.pipe_file("enc/c.bin", b"secret data", encryption=MODES["customer"][1])
    seen = len(sse_c_proxy.requests)
    fs.invalidate_cache()
    with pytest.raises(EncryptionKeyError, match="customer_key.*src_options") as err:
        fs.cat_file("enc/c.bin")
    assert isinstance(err.value, OmefsError)
    with pytest.raises(EncryptionKeyError):
        fs.info("enc/c.bin")
    # each read of the object was refused by the check (400), before moto
    assert {s for m, p, s in sse_c_proxy.requests[seen:] if p.endswith("c.bin")} == {400}
    other = {"mode": "customer", "customer_key": base64.b64encode(os.urandom(32)).decode(),
             "allow_insecure_customer_key": True}
    with pytest.raises(PermissionDeniedError):
        fs.cat_file("enc/c.bin", encryption=other)
    assert fs.cat_file("enc/c.bin", encryption=MODES["customer"][1]) == b"secret data"


def test_put_and_get_per_call(s3, tmp_path):
    fs, _ = s3
    local = tmp_path / "a.txt"
    local.write_bytes(b"abc")
    setting = MODES["customer"][1]
    fs.put_file(str(local), "enc/a.txt", encryption=setting)
    fs.get_file("enc/a.txt", str(tmp_path / "b.txt"), encryption=setting)
    assert (tmp_path / "b.txt").read_bytes() == b"abc"
    assert fs.info("enc/a.txt", encryption=setting)["encryption"]["mode"] == "customer"


def test_customer_key_over_plain_http_is_refused(s3):
    _, opts = s3
    with pytest.raises(ConfigError, match="only sent over HTTPS"):
        omefs.filesystem("s3", encryption={"mode": "customer", "customer_key": KEY}, **opts)


def test_bucket_default_encryption(s3):
    fs, _ = s3
    assert fs.get_bucket_encryption("enc") is None
    fs.set_bucket_encryption("enc", {"mode": "kms", "key_id": KMS})
    assert fs.get_bucket_encryption("enc") == {"mode": "kms", "key_id": KMS}
    fs.set_bucket_encryption("enc", "provider")
    assert fs.get_bucket_encryption("enc") == {"mode": "provider", "key_id": None}
    with pytest.raises(ConfigError, match="per request"):
        fs.set_bucket_encryption("enc", MODES["customer"][1])
