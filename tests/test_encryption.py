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


# -- with servers: a cross-cloud copy, and the canary ------------------------------
# Servers: moto behind the SSE-C check, gcp-storage-emulator behind the CSEK/CMEK check
# (tests/servers/sse_c_proxy.py, tests/servers/csek_proxy.py).

from tests.servers.encryption_fixtures import *  # noqa: E402,F401,F403

CMEK = "projects/omefs-test/locations/us/keyRings/ring/cryptoKeys/backup"


def _customer(key: str) -> dict:
    return {"mode": "customer", "customer_key": key, "allow_insecure_customer_key": True}


def test_s3_to_gcs_copy_lands_cmek_objects_and_names_the_missing_source_key(enc_s3, enc_gcs):
    s3 = omefs.filesystem("s3", **enc_s3)
    s3.mkdir("models")
    s3.pipe_file("models/a.bin", b"a" * 1000)
    s3.pipe_file("models/b.bin", b"b" * 2000, encryption="provider")
    s3.pipe_file("models/c.bin", b"c" * 3000, encryption=_customer(KEY_B64))
    omefs.filesystem("gs", **enc_gcs).mkdir("backup")
    dst_options = dict(enc_gcs, encryption={"mode": "kms", "key_id": CMEK})

    report = omefs.copy("s3://models/", "gs://backup/", recursive=True, src_options=enc_s3,
                        dst_options=dst_options, raise_on_error=False)
    by_name = {item.src.rsplit("/", 1)[-1]: item for item in report.items}
    assert by_name["a.bin"].status == by_name["b.bin"].status == "copied"
    failed = by_name["c.bin"]
    assert failed.status == "failed"
    assert "customer-provided key" in failed.error and "src_options" in failed.error
    gcs = omefs.filesystem("gs", **enc_gcs)
    gcs.invalidate_cache()
    for name in ("a.bin", "b.bin"):
        assert gcs.info(f"backup/{name}")["encryption"] == {"mode": "kms", "key_id": CMEK}
    assert not gcs.exists("backup/c.bin")

    # with the source's key, the rest follows
    report = omefs.copy("s3://models/c.bin", "gs://backup/c.bin",
                        src_options=dict(enc_s3, encryption=_customer(KEY_B64)),
                        dst_options=dst_options)
    assert [i.status for i in report.items] == ["copied"]
    gcs.invalidate_cache()
    assert gcs.info("backup/c.bin")["encryption"] == {"mode": "kms", "key_id": CMEK}
    assert gcs.cat_file("backup/c.bin") == b"c" * 3000


def test_canary_customer_key_never_shown(enc_s3, enc_gcs, caplog, capsys):
    canary = os.urandom(32)
    text = base64.b64encode(canary).decode()
    forms = (text, canary.hex(), base64.urlsafe_b64encode(canary).decode())
    shown: list[str] = []
    with caplog.at_level(logging.DEBUG):  # the root logger: every library's DEBUG records
        for scheme, options in (("s3", enc_s3), ("gs", enc_gcs)):
            plain = omefs.filesystem(scheme, **options)
            plain.mkdir("canary")
            fs = omefs.filesystem(scheme, encryption=_customer(text), **options)
            fs.pipe_file("canary/x.bin", b"data")
            assert fs.cat_file("canary/x.bin") == b"data"
            shown += [repr(fs), repr(fs.storage_options), str(fs.storage_options),
                      repr(fs.encryption), repr(fs.info("canary/x.bin"))]
            plain.invalidate_cache()
            other = _customer(base64.b64encode(os.urandom(32)).decode())
            for call, args, kwargs in (
                    (plain.cat_file, ("canary/x.bin",), {}),
                    (fs.cat_file, ("canary/x.bin",), {"encryption": other}),
                    (omefs.filesystem, (scheme,), {"encryption": {"customer_key": text[:20]},
                                                   **options})):
                with pytest.raises(Exception) as err:  # noqa: PT011 - any error: its text is checked
                    call(*args, **kwargs)
                shown += [str(err.value), repr(err.value)]
                shown += [str(link) for link in _chain(err.value)]
    shown.append(caplog.text)
    shown += [r.getMessage() for r in caplog.records]
    captured = capsys.readouterr()
    shown += [captured.out, captured.err]
    assert any("x-amz-server-side-encryption-customer" in r.getMessage() or "encryption" in
               r.getMessage() for r in caplog.records), "DEBUG logging was not on"
    for blob in shown:
        for form in forms:
            assert form not in blob


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def test_facade_puts_and_multipart_uploads_carry_the_setting(enc_s3, sse_c_proxy):
    setting = _customer(KEY_B64)
    omefs.filesystem("s3", **enc_s3).mkdir("facade")
    store = omefs.storage("s3", encryption=setting, **enc_s3)
    store.put("s3://facade/one.bin", b"one")
    with store.get("s3://facade/one.bin") as f:
        assert f.read() == b"one"
    part = os.urandom(5 << 20)
    upload = store.initiate_multipart_upload("s3://facade/two.bin")
    etags = [store.upload_part("s3://facade/two.bin", upload, n, data)
             for n, data in ((1, part), (2, b"tail"))]
    store.complete_multipart_upload("s3://facade/two.bin", upload, list(zip((1, 2), etags, strict=True)))
    assert sse_c_proxy.checker.seen_part_keys[-2:] == [parse_encryption(setting).key_md5_base64] * 2
    fs = omefs.filesystem("s3", encryption=setting, **enc_s3)
    assert fs.cat_file("s3://facade/two.bin", start=-4) == b"tail"
    with pytest.raises(omefs.EncryptionKeyError):
        omefs.storage("s3", **enc_s3).get("s3://facade/two.bin").read()


def test_bucket_default_by_url(enc_s3):
    from omefs.encryption import get_bucket_default, set_bucket_default

    omefs.filesystem("s3", **enc_s3).mkdir("defaults")
    arn = "arn:aws:kms:us-east-1:123456789012:key/abcd"
    set_bucket_default("s3://defaults/any/key", {"mode": "kms", "key_id": arn}, **enc_s3)
    assert get_bucket_default("s3://defaults", **enc_s3) == {"mode": "kms", "key_id": arn}
    with pytest.raises(ConfigError, match="no bucket default encryption"):
        get_bucket_default("memory://defaults")
