"""The neutral encryption setting (:mod:`omefs.encryption`): parsing, checks, redaction.

No server: these check what omefs does before any request.
"""

from __future__ import annotations

import base64
import logging
import os
import pickle

import pytest

import omefs
from omefs.encryption import Encryption, check_transport, parse_encryption, resolve_encryption
from omefs.errors import ConfigError
from omefs.redact import redact_text

KEY = os.urandom(32)
KEY_B64 = base64.b64encode(KEY).decode()


def test_modes_and_fields():
    assert parse_encryption(None) is None
    assert parse_encryption("provider") == Encryption("provider")
    kms = parse_encryption({"mode": "kms", "kms_key_id": "arn:aws:kms:r:1:key/k"})
    assert (kms.mode, kms.key_id) == ("kms", "arn:aws:kms:r:1:key/k")
    cust = parse_encryption({"customer_key": KEY_B64})  # the mode follows from the key
    assert cust.mode == "customer" and cust.key == KEY
    assert cust.describe() == {"mode": "customer", "key_id": None}


def test_key_from_file_raw_or_base64(tmp_path):
    raw, text = tmp_path / "raw.key", tmp_path / "b64.key"
    raw.write_bytes(KEY)
    text.write_text(KEY_B64 + "\n")
    for path in (raw, text):
        assert parse_encryption({"mode": "customer", "customer_key_file": str(path)}).key == KEY


@pytest.mark.parametrize(("value", "words"), [
    ({"mode": "customer", "customer_key": base64.b64encode(b"x" * 16).decode()},
     ["32 bytes", "got 16"]),
    ({"mode": "kms"}, ["key_id"]),
    ({"mode": "sse"}, ["provider, kms, customer"]),
    ({"mode": "customer", "customer_key": "not base64 !!"}, ["base64"]),
    ({"mode": "customer", "customer_key_file": "/nonexistent/key"}, ["cannot be read"]),
    ({"mode": "kms", "key_id": "k", "colour": "red"}, ["unknown encryption setting", "key_id"]),
    ({"mode": "provider", "customer_key": KEY_B64}, ["only used with mode 'customer'"]),
    (42, ["mode name"]),
])
def test_bad_settings_are_config_errors(value, words):
    with pytest.raises(ConfigError) as err:
        parse_encryption(value)
    for word in words:
        assert word in str(err.value)
    assert KEY_B64 not in str(err.value)


def test_customer_key_never_shown():
    enc = parse_encryption({"mode": "customer", "customer_key": KEY_B64})
    for text in (repr(enc), str(enc), repr({"e": enc}), repr(enc.customer_key), repr(enc.key_base64)):
        assert KEY_B64 not in text and KEY.hex() not in text
    assert redact_text(f"key={KEY_B64} hex={KEY.hex()}") == "key=*** hex=***"
    # two keys give two reprs (fsspec caches filesystems by the repr of their options)
    other = parse_encryption({"mode": "customer", "customer_key": base64.b64encode(os.urandom(32))})
    assert repr(enc) != repr(other)
    assert pickle.loads(pickle.dumps(enc)) == enc


def test_config_settings_are_the_default_and_the_option_wins():
    config = omefs.AuthConfig("aws", "access_key", settings={
        "access_key_id": "AKIAEXAMPLE", "secret_access_key": "s" * 20,
        "encryption": {"mode": "customer", "customer_key": KEY_B64}})
    assert KEY_B64 not in repr(config)
    assert resolve_encryption(None, config).key == KEY
    assert resolve_encryption("provider", config) == Encryption("provider")


def test_customer_key_needs_https():
    enc = parse_encryption({"mode": "customer", "customer_key": KEY_B64})
    check_transport(enc, "https://storage.example.com", "s3")
    with pytest.raises(ConfigError, match="only sent over HTTPS.*allow_insecure_customer_key"):
        check_transport(enc, "http://127.0.0.1:9000", "s3")
    with pytest.raises(ConfigError, match="only sent over HTTPS"):
        check_transport(Encryption("customer", customer_key=KEY, allow_insecure_customer_key=True),
                        "http://storage.example.com", "s3")
    check_transport(Encryption("customer", customer_key=KEY, allow_insecure_customer_key=True),
                    "http://127.0.0.1:9000", "s3")
    check_transport(Encryption("provider"), "http://storage.example.com", "s3")


def test_sdk_debug_records_are_masked(caplog):
    parse_encryption({"mode": "customer", "customer_key": KEY_B64})
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("botocore.endpoint").debug("headers: %s",
                                                     {"x-amz-server-side-encryption-customer-key": KEY_B64})
    assert KEY_B64 not in caplog.text and "***" in caplog.text


def test_a_provider_without_the_mode_refuses_it():
    with pytest.raises(ConfigError, match="GitHub has no encryption mode 'kms'"):
        omefs.filesystem("github", encryption={"mode": "kms", "key_id": "k"})
