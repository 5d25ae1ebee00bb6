"""OCI auth types end to end against the fake: API keys, session tokens, instance and resource principals."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
import requests

from omefs.auth import resolve
from omefs.config import AuthConfig
from omefs.errors import AuthError
from omefs.providers.oci.fs import OCIFileSystem
from tests.servers.oci import _cached_key, fingerprint_of, pem_private
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import USER, oci_fs_options, write_oci_config

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _clean_oci_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("OCI_", "OCIFS_")) or name == "KUBERNETES_SERVICE_HOST":
            monkeypatch.delenv(name, raising=False)


def _fs(auth: dict[str, Any], **kw: Any) -> OCIFileSystem:
    return OCIFileSystem(auth=auth, **oci_fs_options(**kw))


def _round_trip(fs: OCIFileSystem, fake: Any, bucket: str, key: str = "k.txt") -> None:
    url = f"oci://{fake.namespace}/{bucket}/{key}"
    fs.pipe_file(url, b"hello " + key.encode())
    assert fs.cat_file(url) == b"hello " + key.encode()


def _key_material(key: Any) -> list[str]:
    """Lines of a PEM key's base64 body: none may appear in any message."""
    return [line for line in pem_private(key).decode().splitlines() if not line.startswith("-----")]


# -- user principal -----------------------------------------------------------------------------


def test_user_principal_round_trip(oci_auth, oci_fake, oci_bucket, oci_user):
    creds = resolve(oci_auth)
    ident = creds.identity()
    assert ident["profile"] == "DEFAULT" and ident["fingerprint"] == oci_user.fingerprint
    assert creds.region == oci_fake.region and creds.token() is None and not creds.expired
    assert set(creds.storage_options()) >= {"config", "signer", "region", "endpoint_url"}
    assert "pass_phrase" not in creds.storage_options()["config"]
    _round_trip(_fs(oci_auth), oci_fake, oci_bucket)
    # http_client() signs with the same key.
    response = creds.http_client().get(oci_fake.endpoint + "/n")
    assert response.status_code == 200 and response.json() == oci_fake.namespace


def test_wrong_key_is_an_auth_error_naming_profile_and_fingerprint(oci_fake, oci_bucket, tmp_path):
    # The config file and its key agree, but the service knows the user by another key.
    key = _cached_key(6)
    oci_fake.register_key(USER, _cached_key(7))
    key_path = tmp_path / "wrong.pem"
    key_path.write_bytes(pem_private(key))
    config = write_oci_config(tmp_path / "config", {"ops": {
        "user": USER, "fingerprint": fingerprint_of(key), "tenancy": oci_fake.tenancy,
        "region": oci_fake.region, "key_file": str(key_path)}})
    auth = {"provider": "oci", "auth_type": "user_principal",
            "settings": {"config_path": str(config), "profile": "ops", "endpoint_url": oci_fake.endpoint}}
    fs = _fs(auth)
    with pytest.raises(AuthError) as info:
        fs.ls(f"oci://{oci_fake.namespace}/{oci_bucket}")
    text = str(info.value) + repr(info.value)
    assert "profile 'ops'" in text and fingerprint_of(key) in text and "401" in text
    assert not any(line in text for line in _key_material(key))
    assert oci_fake.auth_failures  # refused by signature, as the service would
    # exists() does not turn refused credentials into "no such object".
    with pytest.raises(AuthError):
        fs.exists(f"oci://{oci_fake.namespace}/{oci_bucket}/x")


def test_key_that_does_not_match_the_fingerprint_fails_at_resolve(oci_fake, tmp_path):
    key = _cached_key(6)
    key_path = tmp_path / "k.pem"
    key_path.write_bytes(pem_private(key))
    claimed = fingerprint_of(_cached_key(7))
    config = write_oci_config(tmp_path / "config", {"DEFAULT": {
        "user": USER, "fingerprint": claimed, "tenancy": oci_fake.tenancy,
        "region": oci_fake.region, "key_file": str(key_path)}})
    with pytest.raises(AuthError) as info:
        resolve({"provider": "oci", "auth_type": "user_principal",
                 "settings": {"config_path": str(config)}})
    text = str(info.value)
    assert "'DEFAULT'" in text and claimed in text and fingerprint_of(key) in text
    assert not any(line in text for line in _key_material(key))


def test_encrypted_key_needs_its_passphrase(oci_fake, tmp_path):
    key = _cached_key(6)
    key_path = tmp_path / "k.pem"
    key_path.write_bytes(pem_private(key, b"s3cret-passphrase"))
    base = {"user": USER, "fingerprint": fingerprint_of(key), "tenancy": oci_fake.tenancy,
            "region": oci_fake.region, "key_file": str(key_path)}
    config = write_oci_config(tmp_path / "config", {
        "DEFAULT": base, "good": {**base, "pass_phrase": "s3cret-passphrase"},
        "bad": {**base, "pass_phrase": "wrong-passphrase"}})
    settings = {"config_path": str(config), "endpoint_url": oci_fake.endpoint}
    with pytest.raises(AuthError, match="encrypted and no pass_phrase"):
        resolve({"provider": "oci", "auth_type": "user_principal", "settings": settings})
    with pytest.raises(AuthError, match="pass_phrase is wrong") as info:
        resolve({"provider": "oci", "auth_type": "user_principal",
                 "settings": {**settings, "profile": "bad"}})
    assert "wrong-passphrase" not in str(info.value)
    creds = resolve({"provider": "oci", "auth_type": "user_principal",
                     "settings": {**settings, "profile": "good"}})
    assert "s3cret-passphrase" not in repr(creds) and "pass_phrase" not in creds.storage_options()["config"]


def test_missing_profile_lists_the_profiles(oci_user):
    with pytest.raises(AuthError) as info:
        resolve({"provider": "oci", "auth_type": "user_principal",
                 "settings": {"config_path": str(oci_user.config_path), "profile": "nope"}})
    assert "profile 'nope' not found" in str(info.value) and "DEFAULT" in str(info.value)


def test_env_vars_name_config_and_profile(oci_user, oci_fake, oci_bucket, monkeypatch):
    monkeypatch.setenv("OCI_CONFIG_PATH", str(oci_user.config_path))
    monkeypatch.setenv("OCI_PROFILE", "DEFAULT")
    creds = resolve({"provider": "oci", "auth_type": "user_principal"})
    assert creds.identity()["config_path"] == str(oci_user.config_path)
    # No auth= at all: the default chain finds the config file.
    fs = OCIFileSystem(endpoint_url=oci_fake.endpoint, **oci_fs_options())
    _round_trip(fs, oci_fake, oci_bucket)


@pytest.mark.parametrize("legacy", ["UserPrincipal", "OCIUserPrincipal"])
def test_ome_legacy_names_warn_and_work(legacy, oci_user):
    with pytest.warns(DeprecationWarning, match="user_principal"):
        config = AuthConfig(provider="oci", auth_type=legacy,
                            settings={"config_path": str(oci_user.config_path)})
    assert resolve(config).auth_type == "user_principal"


def test_session_token_user_principal(oci_user, oci_fake, oci_bucket, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(oci_fake.issue_token(oci_user.key, ptype="user", subject=USER))
    config = write_oci_config(tmp_path / "config", {"DEFAULT": {
        "fingerprint": oci_user.fingerprint, "tenancy": oci_fake.tenancy, "region": oci_fake.region,
        "key_file": str(oci_user.key_path), "security_token_file": str(token_file)}})
    auth = {"provider": "oci", "auth_type": "user_principal",
            "settings": {"config_path": str(config), "use_session_token": "true",
                         "endpoint_url": oci_fake.endpoint}}
    fs = _fs(auth)
    _round_trip(fs, oci_fake, oci_bucket, "a")
    # `oci session refresh` rewrites the file; after a 401 the new token is read and used.
    oci_fake.advance_clock(4000)
    token_file.write_text(oci_fake.issue_token(oci_user.key, ptype="user", subject=USER))
    _round_trip(fs, oci_fake, oci_bucket, "b")
    assert "the security token has expired" in oci_fake.auth_failures


# -- request signatures, checked by the fake as by the service ------------------------------------


def test_tampered_or_unknown_requests_get_the_services_401(oci_user, oci_fake, oci_bucket):
    from oci.signer import Signer

    signer = Signer(oci_user.tenancy, USER, oci_user.fingerprint, str(oci_user.key_path))
    url = f"{oci_fake.endpoint}/n/{oci_fake.namespace}/b/{oci_bucket}/o"
    session = requests.Session()
    assert session.get(url, auth=signer).status_code == 200
    # Tampered: signed for one path, sent to another.
    prepared = requests.Request("GET", url).prepare()
    signer(prepared)
    prepared.url = url + "?prefix=secret"
    response = session.send(prepared)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "NotAuthenticated" and body["message"]
    # Tampered body: x-content-sha256 no longer matches.
    prepared = requests.Request("POST", f"{oci_fake.endpoint}/n/{oci_fake.namespace}/b",
                                data=b'{"name": "x", "compartmentId": "c"}').prepare()
    signer(prepared)
    prepared.body = b'{"name": "y", "compartmentId": "c"}'
    assert session.send(prepared).status_code == 401
    # Unsigned.
    assert session.get(url).json()["code"] == "NotAuthenticated"


# -- instance principal ----------------------------------------------------------------------------


@pytest.fixture
def instance_auth(oci_fake, monkeypatch) -> dict[str, Any]:
    monkeypatch.setenv("OCI_METADATA_BASE_URL", oci_fake.metadata_url)
    return {"provider": "oci", "auth_type": "instance_principal",
            "settings": {"auth_endpoint_override": oci_fake.auth_url,
                         "endpoint_url": oci_fake.endpoint}}


def test_instance_principal_end_to_end(instance_auth, oci_fake, oci_bucket):
    creds = resolve(instance_auth)
    assert creds.region == oci_fake.region and creds.identity()["tenancy"] == oci_fake.tenancy
    token = creds.token()
    assert token and token.count(".") == 2 and not creds.expired
    assert token not in repr(creds)
    fs = _fs(instance_auth)
    calls = oci_fake.federation_calls
    _round_trip(fs, oci_fake, oci_bucket)
    fs.pipe_file(f"oci://{oci_fake.namespace}/{oci_bucket}/big", os.urandom(3 * MiB))
    assert oci_fake.federation_calls == calls  # one token for the whole run


def test_instance_principal_token_expiring_mid_run_is_renewed(instance_auth, oci_fake, oci_bucket):
    fs = _fs(instance_auth)
    _round_trip(fs, oci_fake, oci_bucket, "before")
    calls = oci_fake.federation_calls
    oci_fake.advance_clock(4000)  # the token the client holds is now expired on the service
    data = os.urandom(6 * MiB)
    oci_fake.part_delay = 0.01
    fs.pipe_file(f"oci://{oci_fake.namespace}/{oci_bucket}/after", data)  # parallel parts all see 401
    assert oci_fake.objects(oci_bucket)["after"] == data
    assert "the security token has expired" in oci_fake.auth_failures
    assert oci_fake.federation_calls == calls + 1  # renewed once, not once per part
    _round_trip(fs, oci_fake, oci_bucket, "later")


def test_instance_principal_short_lived_token_is_renewed_by_the_sdk(instance_auth, oci_fake, oci_bucket):
    oci_fake.token_ttl = 61  # the SDK renews a minute before exp: good for about a second
    fs = _fs(instance_auth)
    _round_trip(fs, oci_fake, oci_bucket, "one")
    time.sleep(2.5)
    _round_trip(fs, oci_fake, oci_bucket, "two")
    assert oci_fake.federation_calls >= 2 and not oci_fake.auth_failures


def test_instance_principal_http_client_resigns_after_401(instance_auth, oci_fake):
    creds = resolve(instance_auth)
    session = creds.http_client()
    assert session.get(oci_fake.endpoint + "/n").status_code == 200
    oci_fake.advance_clock(4000)
    assert session.get(oci_fake.endpoint + "/n").status_code == 200
    assert oci_fake.auth_failures == ["the security token has expired"]


def test_instance_principal_off_oci_fails_fast(monkeypatch):
    monkeypatch.setenv("OCI_METADATA_BASE_URL", "http://127.0.0.1:9/opc/v2")
    started = time.monotonic()
    with pytest.raises(AuthError, match="does not answer"):
        resolve({"provider": "oci", "auth_type": "instance_principal"})
    assert time.monotonic() - started < 5


def test_legacy_instance_principal_name(instance_auth):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        creds = resolve({**instance_auth, "auth_type": "InstancePrincipal"})
    assert creds.auth_type == "instance_principal"
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


# -- resource principal ----------------------------------------------------------------------------


@pytest.fixture
def resource_auth(oci_fake, monkeypatch, tmp_path) -> dict[str, Any]:
    for name, value in oci_fake.resource_principal_env(tmp_path / "rp").items():
        monkeypatch.setenv(name, value)
    return {"provider": "oci", "auth_type": "resource_principal",
            "settings": {"endpoint_url": oci_fake.endpoint}}


def test_resource_principal_end_to_end(resource_auth, oci_fake, oci_bucket):
    creds = resolve(resource_auth)
    assert creds.region == oci_fake.region and creds.identity()["version"] == "2.2"
    assert creds.identity()["tenancy"] == oci_fake.tenancy
    fs = _fs(resource_auth)
    _round_trip(fs, oci_fake, oci_bucket)
    fs.pipe_file(f"oci://{oci_fake.namespace}/{oci_bucket}/big", os.urandom(2 * MiB + 5))


def test_resource_principal_token_rotated_mid_run(resource_auth, oci_fake, oci_bucket):
    fs = _fs(resource_auth)
    _round_trip(fs, oci_fake, oci_bucket, "before")
    oci_fake.advance_clock(4000)
    oci_fake.rotate_resource_principal_token()  # the platform writes a fresh RPST
    _round_trip(fs, oci_fake, oci_bucket, "after")
    assert oci_fake.auth_failures == ["the security token has expired"]


def test_resource_principal_with_an_encrypted_key(oci_fake, oci_bucket, tmp_path, monkeypatch):
    # The SDK cannot read a passphrase file (it opens it with an invalid mode); omefs can.
    for name, value in oci_fake.resource_principal_env(tmp_path / "rp", passphrase=b"pw-123456").items():
        monkeypatch.setenv(name, value)
    auth = {"provider": "oci", "auth_type": "resource_principal",
            "settings": {"endpoint_url": oci_fake.endpoint}}
    fs = _fs(auth)
    _round_trip(fs, oci_fake, oci_bucket)
    oci_fake.advance_clock(4000)
    oci_fake.rotate_resource_principal_token()
    _round_trip(fs, oci_fake, oci_bucket, "after")
    assert "pw-123456" not in repr(resolve(auth))


def test_resource_principal_needs_its_environment():
    with pytest.raises(AuthError, match="OCI_RESOURCE_PRINCIPAL_VERSION is not set"):
        resolve({"provider": "oci", "auth_type": "resource_principal"})


def test_resource_principal_22_names_missing_variables(monkeypatch):
    monkeypatch.setenv("OCI_RESOURCE_PRINCIPAL_VERSION", "2.2")
    with pytest.raises(AuthError, match="OCI_RESOURCE_PRINCIPAL_RPST"):
        resolve({"provider": "oci", "auth_type": "resource_principal"})


# -- default, OKE, fallback ------------------------------------------------------------------------


def test_default_prefers_the_resource_principal(resource_auth, oci_user, monkeypatch):
    monkeypatch.setenv("OCI_CONFIG_PATH", str(oci_user.config_path))
    assert resolve({"provider": "oci"}).auth_type == "resource_principal"


def test_default_falls_back_to_instance_principal(instance_auth, oci_fake, oci_bucket, tmp_path,
                                                  monkeypatch):
    monkeypatch.setenv("OCI_CONFIG_PATH", str(tmp_path / "absent"))
    monkeypatch.setenv("OCI_SDK_AUTH_CLIENT_REGION_URL", oci_fake.auth_url)
    auth = {"provider": "oci", "settings": {"endpoint_url": oci_fake.endpoint}}
    assert resolve(auth).auth_type == "instance_principal"
    _round_trip(_fs(auth), oci_fake, oci_bucket)


def test_default_with_nothing_says_what_it_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("OCI_CONFIG_PATH", str(tmp_path / "absent"))
    monkeypatch.setenv("OCI_METADATA_BASE_URL", "http://127.0.0.1:9/opc/v2")
    with pytest.raises(AuthError) as info:
        resolve({"provider": "oci"})
    text = str(info.value)
    assert "OCI_RESOURCE_PRINCIPAL_VERSION not set" in text
    assert "no config file" in text and "does not answer" in text


def test_oci_cli_auth_selects_the_type(oci_user, monkeypatch):
    monkeypatch.setenv("OCI_CLI_AUTH", "api_key")
    monkeypatch.setenv("OCI_CONFIG_PATH", str(oci_user.config_path))
    assert resolve({"provider": "oci"}).auth_type == "user_principal"


def test_oke_workload_identity_end_to_end(oci_fake, oci_bucket, tmp_path):
    settings = oci_fake.start_proxymux(tmp_path / "k8s")
    auth = {"provider": "oci", "auth_type": "oke_workload_identity", "region": oci_fake.region,
            "settings": {**settings, "endpoint_url": oci_fake.endpoint}}
    fs = _fs(auth)
    _round_trip(fs, oci_fake, oci_bucket, "pod")
    oci_fake.advance_clock(4000)  # the pod's token expires on the service: renewed through proxymux
    oci_fake.start_proxymux(tmp_path / "k8s")  # the kubelet rotates the service account token
    _round_trip(fs, oci_fake, oci_bucket, "pod-later")
    assert oci_fake.calls["Proxymux"] == 2


def test_oke_workload_identity_outside_kubernetes():
    with pytest.raises(AuthError, match="KUBERNETES_SERVICE_HOST is not set"):
        resolve({"provider": "oci", "auth_type": "oke_workload_identity"})


def test_fallback_chain_reaches_the_api_key(oci_auth, oci_fake, oci_bucket, monkeypatch):
    monkeypatch.setenv("OCI_METADATA_BASE_URL", "http://127.0.0.1:9/opc/v2")
    chain = {"provider": "oci", "auth_type": "instance_principal", "fallback": oci_auth}
    assert resolve(chain).auth_type == "user_principal"
    _round_trip(_fs(chain), oci_fake, oci_bucket)


def test_plain_ocifs_options_still_work(oci_user, oci_fake, oci_bucket):
    # ocifs's own keywords, no auth=: the filesystem behaves as ocifs would.
    fs = OCIFileSystem(config=str(oci_user.config_path), profile="DEFAULT",
                       endpoint_url=oci_fake.endpoint, **oci_fs_options())
    _round_trip(fs, oci_fake, oci_bucket)
    other = _cached_key(8)
    bad = Path(oci_user.key_path.parent / "other.pem")
    bad.write_bytes(pem_private(other))
    config = write_oci_config(oci_user.key_path.parent / "cfg2", {"DEFAULT": {
        "user": USER, "fingerprint": fingerprint_of(other), "tenancy": oci_fake.tenancy,
        "region": oci_fake.region, "key_file": str(bad)}})
    fs = OCIFileSystem(config=str(config), endpoint_url=oci_fake.endpoint, **oci_fs_options())
    with pytest.raises(AuthError) as info:
        fs.cat_file(f"oci://{oci_fake.namespace}/{oci_bucket}/k.txt")
    assert "profile 'DEFAULT'" in str(info.value) and fingerprint_of(other) in str(info.value)


def test_instance_principal_on_another_clouds_metadata_service_fails_fast(oci_fake, monkeypatch):
    # Something answers at the metadata address, but not OCI's service (as on another cloud).
    monkeypatch.setenv("OCI_METADATA_BASE_URL", oci_fake.endpoint + "/not-oci")
    started = time.monotonic()
    with pytest.raises(AuthError, match="is not OCI's"):
        resolve({"provider": "oci", "auth_type": "instance_principal"})
    assert time.monotonic() - started < 5
