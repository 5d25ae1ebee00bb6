"""Azure auth types: keys and SAS on Azurite, Entra ID tokens on Azurite over HTTPS with OAuth.

azure-identity insists on an https authority, so :class:`FakeEntra` serves
TLS with a throwaway CA (``tls_files``) that the credentials trust through
``connection_verify``. Azurite started with ``--oauth basic`` over HTTPS
checks each bearer token's issuer, audience and lifetime (not its
signature), so a read that completes proves a live token from the flow
under test reached it. Account keys and SAS are checked by Azurite for real
on the plain-HTTP Azurite of ``azure_env``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import omefs
from omefs.auth import resolve
from omefs.errors import AuthError, ConfigError
from omefs.providers.azure.auth import AsyncTokenCredentialBridge, AzureCredentials, jwt_claims
from tests.servers.auth_fakes import (
    AzuriteOAuth,
    EntraApp,
    FakeAppServiceIdentity,
    FakeEntra,
    FakeManager,
    make_client_certificate,
)

pytest_plugins = ("tests.servers.auth_fixtures",)  # fakes, tls_files, moto_iam, azurite_oauth…

SECRET = "client-secret-value-0001"


@pytest.fixture
def entra(fakes: FakeManager, tls_files):
    fake = fakes.start(FakeEntra(tls_files))
    fake.register_app(EntraApp("app-secret", secret=SECRET))
    return fake


def entra_settings(entra: FakeEntra, server: AzuriteOAuth, tls, **more) -> dict:
    return {"tenant_id": entra.tenant, "authority_host": entra.authority,
            "disable_instance_discovery": True, "connection_verify": str(tls.ca),
            "account_url": server.blob_endpoint, "retry_total": 0, **more}


def fs_for(auth: dict):
    return omefs.filesystem("azure", auth=auth, skip_instance_cache=True)


def roundtrip(auth: dict, server: AzuriteOAuth, container: str = "tokens") -> None:
    server.blob_service_client().create_container(container)
    fs = fs_for(auth)
    fs.pipe(f"{container}/dir/hello.txt", b"hello over oauth")
    assert fs.cat(f"{container}/dir/hello.txt") == b"hello over oauth"
    assert fs.ls(f"{container}/dir", detail=False) == [f"{container}/dir/hello.txt"]


# -- Entra ID credentials on Azurite (HTTPS, OAuth) ----------------------------------
def test_client_secret_reads_and_writes(entra, azurite_oauth, tls_files):
    auth = {"provider": "azure", "auth_type": "client_secret", "settings": entra_settings(
        entra, azurite_oauth, tls_files, client_id="app-secret", client_secret=SECRET)}
    roundtrip(auth, azurite_oauth)
    creds = resolve(auth)
    assert isinstance(creds, AzureCredentials)
    assert isinstance(creds.storage_options()["credential"], AsyncTokenCredentialBridge)
    claims = jwt_claims(creds.token())
    assert claims["aud"] == "https://storage.azure.com" and claims["appid"] == "app-secret"
    who = creds.identity()
    assert who["client_id"] == "app-secret" and who["tenant_id"] == entra.tenant
    assert who["account_name"] == "devstoreaccount1"
    assert not creds.expired and entra.token_requests >= 1
    # the sent secret is the one configured, and nothing shows it
    assert entra.requests("POST")[0].form()["client_secret"] == SECRET
    assert SECRET not in repr(creds) + repr(creds.storage_options()) + str(who)


def test_client_secret_writes_as_plain_http_with_its_token(entra, azurite_oauth, tls_files):
    """The copy engine's Put Blob goes without the SDK client, with the credential's bearer token."""
    import hashlib

    from omefs.providers.azure.blob_http import BlobHTTP

    auth = {"provider": "azure", "auth_type": "client_secret", "settings": entra_settings(
        entra, azurite_oauth, tls_files, client_id="app-secret", client_secret=SECRET)}
    azurite_oauth.blob_service_client().create_container("plain")
    fs = fs_for(auth)
    lean = BlobHTTP.for_fs(fs)
    assert lean is not None and "token" in repr(lean)
    data = b"through a bearer token" * 100
    lean.put_blob("plain", "t.bin", data, hashlib.md5(data).digest())
    assert fs.cat("plain/t.bin") == data
    assert bytes(fs.info("plain/t.bin")["content_settings"]["content_md5"]) == hashlib.md5(data).digest()
    assert resolve(auth).token() not in repr(lean)


def test_client_secret_from_environment_and_refused(entra, azurite_oauth, tls_files, monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", entra.tenant)
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-secret")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", entra.authority)
    settings = {"disable_instance_discovery": True, "connection_verify": str(tls_files.ca),
                "account_url": azurite_oauth.blob_endpoint}
    creds = resolve({"provider": "azure", "auth_type": "client_secret", "settings": settings})
    assert jwt_claims(creds.token())["appid"] == "app-secret"
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "a-wrong-secret-value")
    with pytest.raises(AuthError, match="AADSTS7000215") as info:
        resolve({"provider": "azure", "auth_type": "client_secret", "settings": dict(settings, retry_total=0)})
    assert "a-wrong-secret-value" not in str(info.value)


def test_authority_must_be_https(monkeypatch):
    with pytest.raises(ConfigError, match="https"):
        resolve({"provider": "azure", "auth_type": "client_secret", "settings": {
            "tenant_id": "t", "client_id": "c", "client_secret": "s-123456",
            "authority_host": "http://127.0.0.1:1"}})
    with pytest.raises(AuthError, match="needs settings tenant_id, client_id, client_secret"):
        resolve({"provider": "azure", "auth_type": "client_secret"})


def test_client_certificate(entra, azurite_oauth, tls_files, tmp_path):
    cert_path, x5t, public_key = make_client_certificate(tmp_path)
    entra.register_app(EntraApp("app-cert", certificate_thumbprints=x5t, public_key=public_key))
    auth = {"provider": "azure", "auth_type": "client_certificate", "settings": entra_settings(
        entra, azurite_oauth, tls_files, client_id="app-cert", certificate_path=str(cert_path))}
    roundtrip(auth, azurite_oauth)
    form = entra.requests("POST")[0].form()
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    # the PEM text works as well, and a certificate the tenant does not know is refused
    creds = resolve({"provider": "azure", "auth_type": "client_certificate", "settings": entra_settings(
        entra, azurite_oauth, tls_files, client_id="app-cert", certificate_data=cert_path.read_text())})
    assert jwt_claims(creds.token())["appid"] == "app-cert"
    other, _, _ = make_client_certificate(tmp_path / "other")
    with pytest.raises(AuthError, match="AADSTS700027"):
        resolve({"provider": "azure", "auth_type": "client_certificate", "settings": entra_settings(
            entra, azurite_oauth, tls_files, client_id="app-cert", certificate_path=str(other))})


def test_workload_identity_federated_token(entra, azurite_oauth, tls_files, tmp_path, monkeypatch):
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2ln")
    app = entra.register_app(EntraApp("app-wi"))
    app.federated_tokens.add(token_file.read_text())
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-wi")
    auth = {"provider": "azure", "auth_type": "workload_identity",
            "settings": entra_settings(entra, azurite_oauth, tls_files)}
    roundtrip(auth, azurite_oauth)
    assert entra.requests("POST")[0].form()["client_assertion"] == token_file.read_text()
    with pytest.raises(AuthError, match="token file .* cannot be read"):
        resolve({"provider": "azure", "auth_type": "workload_identity",
                 "settings": entra_settings(entra, azurite_oauth, tls_files, token_file=str(tmp_path / "no"))})


def test_managed_identity_app_service(fakes, azurite_oauth, tls_files, monkeypatch):
    msi = fakes.start(FakeAppServiceIdentity("identity-header-secret-01"))
    monkeypatch.setenv("IDENTITY_ENDPOINT", msi.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", "identity-header-secret-01")
    base = {"account_url": azurite_oauth.blob_endpoint, "connection_verify": str(tls_files.ca),
            "retry_total": 0}
    auth = {"provider": "azure", "auth_type": "managed_identity", "settings": dict(base, client_id="mi-client-1")}
    roundtrip(auth, azurite_oauth)
    first = msi.requests("GET")[0]
    assert first.headers["x-identity-header"] == "identity-header-secret-01"
    assert first.query["client_id"] == ["mi-client-1"]
    assert first.query["resource"][0].startswith("https://storage.azure.com")
    resource_id = "/subscriptions/0/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi"
    creds = resolve({"provider": "azure", "auth_type": "managed_identity",
                     "settings": dict(base, resource_id=resource_id)})
    assert resource_id in str(msi.requests("GET")[-1].query)
    assert creds.identity()["client_id"] == resource_id
    with pytest.raises(ConfigError, match="one of client_id, resource_id, object_id"):
        resolve({"provider": "azure", "auth_type": "managed_identity",
                 "settings": {"client_id": "a", "resource_id": resource_id}})
    monkeypatch.setenv("IDENTITY_HEADER", "a-wrong-identity-header")
    with pytest.raises(AuthError, match="managed identity"):
        resolve({"provider": "azure", "auth_type": "managed_identity", "settings": base})


def test_tokens_expiring_mid_read_are_renewed(fakes, azurite_oauth, tls_files):
    """Tokens die 3 s after issue (Azurite checks exp); a ~5 s read must renew them."""
    entra = fakes.start(FakeEntra(tls_files, lifetime=2, real_lifetime=3))
    entra.register_app(EntraApp("app-secret", secret=SECRET))
    azurite_oauth.blob_service_client().create_container("long")
    payload = os.urandom(6 * 1024 * 1024)
    azurite_oauth.blob_service_client().get_blob_client("long", "big.bin").upload_blob(payload)
    fs = fs_for({"provider": "azure", "auth_type": "client_secret", "settings": entra_settings(
        entra, azurite_oauth, tls_files, client_id="app-secret", client_secret=SECRET)})
    before = entra.token_requests
    got = bytearray()
    with fs.open("long/big.bin", block_size=1024 * 1024) as f:
        while chunk := f.read(1024 * 1024):
            got += chunk
            time.sleep(0.7)
    assert bytes(got) == payload
    assert entra.token_requests - before >= 2


def test_http_client_with_a_token(entra, azurite_oauth, tls_files):
    creds = resolve({"provider": "azure", "auth_type": "client_secret", "settings": entra_settings(
        entra, azurite_oauth, tls_files, client_id="app-secret", client_secret=SECRET)})
    azurite_oauth.blob_service_client().create_container("http")
    session = creds.http_client()
    url = f"{creds.service_endpoint()}/http/note.txt"
    assert session.put(url, data=b"bearer", headers={"x-ms-blob-type": "BlockBlob"}).status_code == 201
    assert session.get(url).content == b"bearer"


# -- keys, SAS, connection strings on Azurite (HTTP) ------------------------------------
def test_account_key_http_client_signs_with_shared_key(azure_env):
    creds = resolve({"provider": "azure", "auth_type": "account_key", "settings": {
        "account_name": azure_env.account_name, "account_key": azure_env.account_key,
        "account_url": azure_env.blob_endpoint}})
    azure_env.blob_service_client().create_container("shared-key")
    session = creds.http_client()
    url = f"{creds.service_endpoint()}/shared-key/a%20b.txt"
    assert session.put(url, data=b"signed", headers={"x-ms-blob-type": "BlockBlob"}).status_code == 201
    assert session.get(url).content == b"signed"
    listing = session.get(f"{creds.service_endpoint()}/shared-key?restype=container&comp=list")
    assert listing.status_code == 200 and "a b.txt" in listing.text
    bad = resolve({"provider": "azure", "auth_type": "account_key", "settings": {
        "account_name": azure_env.account_name, "account_url": azure_env.blob_endpoint,
        "account_key": "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="}})
    assert bad.http_client().get(url).status_code == 403


def test_sas_and_connection_string_http_clients(azure_env):
    azure_env.blob_service_client().create_container("sas-box")
    sas = azure_env.container_sas("sas-box", write=True)
    creds = resolve({"provider": "azure", "auth_type": "sas_token", "settings": {
        "sas_token": sas, "account_url": azure_env.blob_endpoint}})
    url = f"{azure_env.blob_endpoint}/sas-box/x.txt"
    assert creds.http_client().put(url, data=b"sas", headers={"x-ms-blob-type": "BlockBlob"}).status_code == 201
    assert creds.identity()["sas_permissions"]
    cs = resolve({"provider": "azure", "auth_type": "connection_string",
                  "settings": {"connection_string": azure_env.connection_string}})
    assert cs.http_client().get(url).content == b"sas"
    assert cs.service_endpoint() == azure_env.blob_endpoint
    assert cs.identity()["account_name"] == azure_env.account_name
    assert azure_env.account_key not in repr(cs) and azure_env.account_key not in str(cs.identity())


def test_default_uses_settings_then_environment(entra, azurite_oauth, tls_files, azure_env, monkeypatch):
    creds = resolve({"provider": "azure", "settings": {"connection_string": azure_env.connection_string}})
    assert creds.auth_type == "default" and creds.storage_options()["connection_string"]
    monkeypatch.setenv("AZURE_TENANT_ID", entra.tenant)
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-secret")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", entra.authority)
    auth = {"provider": "azure", "auth_type": "default", "settings": {
        "disable_instance_discovery": True, "connection_verify": str(tls_files.ca),
        "account_url": azurite_oauth.blob_endpoint, "exclude_managed_identity_credential": True}}
    creds = resolve(auth)
    assert creds.identity()["credential"] == "DefaultAzureCredential"
    assert jwt_claims(creds.token())["appid"] == "app-secret"
    roundtrip(auth, azurite_oauth, container="default-chain")


def test_connection_verify_must_be_a_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="connection_verify .* is not a CA bundle"):
        resolve({"provider": "azure", "auth_type": "anonymous", "settings": {
            "account_name": "a", "connection_verify": str(tmp_path / "absent.pem")}})
