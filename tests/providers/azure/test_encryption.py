"""Azure encryption at rest: Microsoft-managed keys, encryption scopes and customer-provided keys.

Server: Azurite behind :class:`tests.servers.cpk_proxy.CpkChecker`, which checks
the CPK headers and the encryption scope as the Blob service does (Azurite has
neither). The client signs with an account SAS: a Shared Key signature covers
the ``x-ms-encryption-*`` headers, which the checker takes off before Azurite.
"""

from __future__ import annotations

import base64
import logging
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


def test_customer_key_blob_without_its_key_is_refused(azure, cpk_proxy, caplog):
    """(The canary: the key shows in no DEBUG record and no error text of this test.)"""
    caplog.set_level(logging.DEBUG)  # the root logger, restored afterwards
    _refusals(azure, cpk_proxy)
    assert caplog.records and KEY not in caplog.text


def _refusals(azure, cpk_proxy):
    fs, _ = azure
    fs.pipe_file("enc/c.bin", b"secret data", encryption=CUSTOMER)
    fs.invalidate_cache()
    seen = len(cpk_proxy.requests)
    with pytest.raises(EncryptionKeyError, match="src_options") as err:
        fs.cat_file("enc/c.bin")
    assert isinstance(err.value, OmefsError) and KEY not in f"{err.value!r} {err.value}"
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


def test_copy_of_a_customer_key_source_needs_its_key(azure):
    fs, opts = azure
    fs.pipe_file("enc/src/plain.bin", b"plain")
    fs.pipe_file("enc/src/sealed.bin", b"sealed", encryption=CUSTOMER)
    # the source has no setting, so its bytes move through obstore: its refusal is named too
    report = omefs.copy("az://enc/src/", "memory://az-out/", recursive=True, src_options=opts,
                        raise_on_error=False)
    status = {item.src.rsplit("/", 1)[-1]: item for item in report.items}
    assert status["plain.bin"].status == "copied"
    assert status["sealed.bin"].status == "failed"
    assert "customer-provided key" in status["sealed.bin"].error
    assert "src_options" in status["sealed.bin"].error
    report = omefs.copy("az://enc/src/sealed.bin", "memory://az-out/sealed.bin",
                        src_options=dict(opts, encryption=CUSTOMER))
    assert [item.status for item in report.items] == ["copied"]
