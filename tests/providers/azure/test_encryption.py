"""Azure encryption at rest: Microsoft-managed keys, encryption scopes and customer-provided keys.

Server: Azurite behind :class:`tests.servers.cpk_proxy.CpkChecker`, which checks
the CPK headers and the encryption scope as the Blob service does (Azurite has
neither). The client signs with an account SAS: a Shared Key signature covers
the ``x-ms-encryption-*`` headers, which the checker takes off before Azurite.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime, timedelta, timezone

import pytest

import omefs
from omefs.errors import ConfigError, EncryptionKeyError, OmefsError
from tests.servers.azurite import ACCOUNT_KEY, ACCOUNT_NAME
from tests.servers.checking_proxy import CheckingProxy
from tests.servers.cpk_proxy import CpkChecker

KEY = base64.b64encode(os.urandom(32)).decode()
CUSTOMER = {"mode": "customer", "customer_key": KEY, "allow_insecure_customer_key": True}
MODES = {
    "provider": ({"mode": "provider"}, {"mode": "provider", "key_id": None}),
    "kms": ({"mode": "kms", "key_id": "weights-scope"}, {"mode": "kms", "key_id": "weights-scope"}),
    "customer": (CUSTOMER, {"mode": "customer", "key_id": None}),
}
KiB = 1 << 10


@pytest.fixture(scope="module")
def cpk_proxy(azurite_server):
    with CheckingProxy(azurite_server.blob_endpoint, CpkChecker(ACCOUNT_NAME)) as proxy:
        yield proxy


@pytest.fixture
def azure(azure_env, cpk_proxy):
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    cpk_proxy.reset()
    sas = generate_account_sas(
        ACCOUNT_NAME, ACCOUNT_KEY, ResourceTypes(service=True, container=True, object=True),
        AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True, create=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    opts = {"connection_string": f"BlobEndpoint={cpk_proxy.endpoint};SharedAccessSignature={sas}"}
    fs = omefs.filesystem("az", **opts)
    fs.mkdir("enc")
    return fs, opts


@pytest.mark.parametrize("mode", list(MODES))
def test_write_single_and_blocks_read_back_and_info(azure, cpk_proxy, mode):
    fs, opts = azure
    setting, reported = MODES[mode]
    efs = omefs.filesystem("az", encryption=setting, **opts)
    efs.pipe_file("enc/small.bin", b"small")
    chunk = os.urandom(300 * KiB)
    with efs.open("enc/big.bin", "wb", block_size=256 * KiB) as f:  # Put Block x N + Put Block List
        for _ in range(3):
            f.write(chunk)
    assert efs.cat_file("enc/small.bin") == b"small"
    assert efs.cat_file("enc/big.bin", start=600 * KiB) == chunk
    for name in ("small.bin", "big.bin"):
        assert efs.info(f"enc/{name}")["encryption"] == reported
    if mode == "customer":  # every Put Block carried the key
        keys = cpk_proxy.checker.block_keys
        assert len(keys) >= 3 and set(keys) == {efs.encryption.key_sha256_base64}
    if mode == "kms":  # a listing reports the scope too
        fs.invalidate_cache()
        assert {e["encryption"]["key_id"] for e in fs.ls("enc", detail=True)} == {"weights-scope"}


def test_customer_key_blob_without_its_key_is_refused(azure, cpk_proxy):
    fs, _ = azure
    fs.pipe_file("enc/c.bin", b"secret data", encryption=CUSTOMER)
    fs.invalidate_cache()
    seen = len(cpk_proxy.requests)
    with pytest.raises(EncryptionKeyError, match="src_options") as err:
        fs.cat_file("enc/c.bin")
    assert isinstance(err.value, OmefsError)
    other = dict(CUSTOMER, customer_key=base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(EncryptionKeyError):
        fs.cat_file("enc/c.bin", encryption=other)
    # the refusals came from the check (409), Azurite never served them
    assert {s for m, p, s in cpk_proxy.requests[seen:] if p.endswith("c.bin")} == {409}
    assert fs.cat_file("enc/c.bin", encryption=CUSTOMER) == b"secret data"
    assert fs.info("enc/c.bin", encryption=CUSTOMER)["encryption"] == {"mode": "customer",
                                                                        "key_id": None}


def test_customer_key_over_plain_http_is_refused(azure):
    _, opts = azure
    with pytest.raises(ConfigError, match="only sent over HTTPS"):
        omefs.filesystem("az", encryption={"mode": "customer", "customer_key": KEY}, **opts)
