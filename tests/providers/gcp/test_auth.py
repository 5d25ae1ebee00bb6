"""GCP auth types against a local OAuth token endpoint, IAM credentials API and metadata server.

The GCS emulator ignores auth, so reads go through :class:`BearerCheckingProxy`,
which forwards a request only when its bearer token was issued by the fake
token endpoint and has not yet (really) expired: a read that completes
proves every request carried a live token from the flow under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import omefs
from omefs.auth import resolve
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.providers.gcp.auth import GCPCredentials
from tests.servers.auth_fakes import (
    BearerCheckingProxy,
    FakeGCEMetadata,
    FakeGoogleOAuth,
    FakeManager,
    NotFoundServer,
    make_service_account_key,
)

pytest_plugins = ("tests.servers.auth_fixtures",)  # fakes, tls_files, moto_iam, azurite_oauth…

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def google(fakes: FakeManager, gcs_env):
    """(oauth fake, service-account key, proxy to the emulator checking its tokens)."""
    oauth = fakes.start(FakeGoogleOAuth())
    key, public = make_service_account_key(oauth.token_uri)
    oauth.trust_service_account(key["client_email"], public)
    proxy = fakes.start(BearerCheckingProxy(gcs_env.endpoint, oauth.valid_token))
    return oauth, key, proxy


def gcsfs_for(auth: dict):
    return omefs.filesystem("gs", auth=auth, skip_instance_cache=True)


def no_adc(monkeypatch, fakes: FakeManager) -> None:
    """No ADC anywhere: no key file, no gcloud login, and no metadata server where google-auth looks."""
    other = fakes.start(NotFoundServer())
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("GCE_METADATA_IP", f"127.0.0.1:{other.port}")


# -- service_account -------------------------------------------------------------
@pytest.mark.parametrize("form", ["dict", "json", "file", "env"])
def test_service_account_key_forms_read_and_write(google, form, tmp_path, monkeypatch):
    oauth, key, proxy = google
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    settings = {"dict": {"service_account": key}, "json": {"key_json": json.dumps(key)},
                "file": {"key_file": str(path)}, "env": {}}[form]
    if form == "env":
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    auth = {"provider": "gcp", "auth_type": "service_account",
            "settings": {**settings, "endpoint_url": proxy.endpoint}}
    fs = gcsfs_for(auth)
    fs.mkdir("sa-bucket")
    fs.pipe("sa-bucket/a.txt", b"signed by the key")
    assert fs.cat("sa-bucket/a.txt") == b"signed by the key"
    assert oauth.token_requests >= 1 and proxy.refused == 0
    creds = resolve(auth)
    assert isinstance(creds, GCPCredentials)
    assert creds.identity()["service_account"] == key["client_email"]
    assert creds.storage_options()["token"] is creds.sdk  # google-auth credentials, not a string
    assert creds.storage_options()["project"] == "omefs-test"
    assert key["private_key"] not in repr(creds) and key["private_key"] not in repr(AuthConfig.from_dict(auth))


def test_service_account_refused_and_bad_keys(google, tmp_path):
    oauth, key, proxy = google
    other, _ = make_service_account_key(oauth.token_uri, email="stranger@x.iam.gserviceaccount.com")
    with pytest.raises(AuthError, match="invalid_grant"):
        resolve({"provider": "gcp", "auth_type": "service_account", "settings": {"service_account": other}})
    with pytest.raises(ConfigError, match="key_json is not valid JSON"):
        resolve({"provider": "gcp", "auth_type": "service_account", "settings": {"key_json": "{nope"}})
    with pytest.raises(ConfigError, match="expected 'service_account'"):
        resolve({"provider": "gcp", "auth_type": "service_account",
                 "settings": {"key_json": json.dumps({"type": "external_account"})}})
    with pytest.raises(AuthError, match="cannot be read"):
        resolve({"provider": "gcp", "auth_type": "service_account",
                 "settings": {"key_file": str(tmp_path / "absent.json")}})


def test_service_account_token_expiring_mid_read_is_refreshed(fakes, gcs_env):
    """Tokens die 2.5 s after issue at the proxy; gcsfs must renew them during a ~4 s read."""
    oauth = fakes.start(FakeGoogleOAuth(lifetime=1.0, real_lifetime=2.5))
    key, public = make_service_account_key(oauth.token_uri)
    oauth.trust_service_account(key["client_email"], public)
    proxy = fakes.start(BearerCheckingProxy(gcs_env.endpoint, oauth.valid_token))
    fs = gcsfs_for({"provider": "gcp", "auth_type": "service_account",
                    "settings": {"service_account": key, "endpoint_url": proxy.endpoint}})
    fs.mkdir("long-read")
    payload = os.urandom(6 * 1024 * 1024)
    fs.pipe("long-read/big.bin", payload)
    before = oauth.token_requests
    got = bytearray()
    # No read-ahead: each read is one request, spread over ~4 s, so the
    # requests really straddle token expiries (gcsfs's default cache
    # prefetches the whole object in the background).
    with fs.open("long-read/big.bin", block_size=1024 * 1024, cache_type="none") as f:
        while chunk := f.read(1024 * 1024):
            got += chunk
            time.sleep(0.7)
    assert bytes(got) == payload
    assert oauth.token_requests - before >= 2
    assert proxy.refused == 0 and len(proxy.tokens_seen) >= 3


# -- impersonation -----------------------------------------------------------------
def test_impersonation_through_the_iam_credentials_api(google):
    oauth, key, proxy = google
    target = "data-reader@omefs-test.iam.gserviceaccount.com"
    oauth.impersonable.add(target)
    auth = {"provider": "gcp", "auth_type": "impersonation", "settings": {
        "target_principal": target, "iam_endpoint_url": oauth.iam_endpoint, "lifetime": 600,
        "source": {"provider": "gcp", "auth_type": "service_account", "settings": {"service_account": key}},
        "endpoint_url": proxy.endpoint}}
    creds = resolve(auth)
    assert creds.identity()["service_account"] == target
    assert oauth.impersonation_requests == 1
    fs = gcsfs_for(auth)
    fs.mkdir("imp-bucket")
    fs.pipe("imp-bucket/x", b"as the target")
    assert fs.cat("imp-bucket/x") == b"as the target"
    # the tokens that reached storage were minted for the target, not the source
    assert {oauth.issued[t][0] for t in proxy.tokens_seen} == {target}
    # the generateAccessToken call carried the source's token
    call = [s for s in oauth.requests("POST") if s.path.endswith(":generateAccessToken")][0]
    assert oauth.issued[call.headers["authorization"].split()[1]][0] == key["client_email"]
    assert json.loads(call.body)["lifetime"] == "600s"


def test_impersonation_refused_and_misconfigured(google):
    oauth, key, proxy = google
    oauth.impersonable.add("someone-else@x.iam.gserviceaccount.com")
    source = {"provider": "gcp", "auth_type": "service_account", "settings": {"service_account": key}}
    with pytest.raises(AuthError, match="Permission denied|PERMISSION_DENIED|Unable to acquire"):
        resolve({"provider": "gcp", "auth_type": "impersonation", "settings": {
            "target_principal": "forbidden@x.iam.gserviceaccount.com",
            "iam_endpoint_url": oauth.iam_endpoint, "source": source}})
    with pytest.raises(AuthError, match="needs setting target_principal"):
        resolve({"provider": "gcp", "auth_type": "impersonation", "settings": {"source": source}})
    with pytest.raises(ConfigError, match="source must be a gcp auth config"):
        resolve({"provider": "gcp", "auth_type": "impersonation", "settings": {
            "target_principal": "t@x.iam.gserviceaccount.com",
            "source": {"provider": "aws", "auth_type": "anonymous"}}})


# -- workload_identity -----------------------------------------------------------------
def external_account(oauth: FakeGoogleOAuth, token_file: Path, impersonate: str | None = None) -> dict:
    cfg = {
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/gh",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": oauth.token_uri,
        "credential_source": {"file": str(token_file)},
    }
    if impersonate:
        cfg["service_account_impersonation_url"] = (
            f"{oauth.iam_endpoint}/v1/projects/-/serviceAccounts/{impersonate}:generateAccessToken")
    return cfg


def test_workload_identity_file_config(google, tmp_path):
    oauth, key, proxy = google
    subject = tmp_path / "oidc-token"
    subject.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9tZWZzIn0.c2ln")
    oauth.subject_tokens.add(subject.read_text())
    config_file = tmp_path / "wif.json"
    config_file.write_text(json.dumps(external_account(oauth, subject)))
    auth = {"provider": "gcp", "auth_type": "workload_identity",
            "settings": {"config_file": str(config_file), "endpoint_url": proxy.endpoint, "project": "p"}}
    fs = gcsfs_for(auth)
    fs.mkdir("wif-bucket")
    fs.pipe("wif-bucket/x", b"federated")
    assert fs.cat("wif-bucket/x") == b"federated"
    exchanges = [s for s in oauth.requests("POST", "/token")
                 if s.form().get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange"]
    assert exchanges and exchanges[0].form()["subject_token"] == subject.read_text()
    assert proxy.refused == 0


def test_workload_identity_with_impersonation_dict_config(google, tmp_path):
    oauth, key, proxy = google
    subject = tmp_path / "oidc-token"
    subject.write_text("subject-token-for-impersonation")
    oauth.subject_tokens.add("subject-token-for-impersonation")
    target = "ci-deployer@omefs-test.iam.gserviceaccount.com"
    auth = {"provider": "gcp", "auth_type": "workload_identity", "settings": {
        "config": external_account(oauth, subject, impersonate=target), "endpoint_url": proxy.endpoint}}
    creds = resolve(auth)
    assert creds.identity()["service_account"] == target
    assert oauth.issued[creds.token()][0] == target
    with pytest.raises(ConfigError, match="expected 'external_account'"):
        resolve({"provider": "gcp", "auth_type": "workload_identity", "settings": {"config": key}})


# -- application_default (metadata server) --------------------------------------------------
ADC_SCRIPT = """
import json, os, sys
import omefs
from omefs.auth import resolve
auth = {"provider": "gcp", "auth_type": "application_default",
        "settings": {"endpoint_url": os.environ["PROXY"]}}
creds = resolve(auth)
fs = omefs.filesystem("gs", auth=auth)
fs.mkdir("adc-bucket")
fs.pipe("adc-bucket/x", b"from the metadata server")
print(json.dumps({"identity": creds.identity(), "read": fs.cat("adc-bucket/x").decode(),
                  "project": creds.storage_options().get("project")}))
"""


def test_application_default_from_the_metadata_server(fakes, gcs_env, tmp_path):
    """In a fresh interpreter: google-auth reads GCE_METADATA_HOST when it is imported."""
    metadata = fakes.start(FakeGCEMetadata(email="vm-sa@omefs-test.iam.gserviceaccount.com"))
    proxy = fakes.start(BearerCheckingProxy(gcs_env.endpoint, metadata.valid_token))
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOOGLE_APPLICATION_CREDENTIALS", "NO_GCE_CHECK")}
    env.update(GCE_METADATA_HOST=metadata.host, GCE_METADATA_IP=metadata.host, PROXY=proxy.endpoint,
               CLOUDSDK_CONFIG=str(tmp_path / "gcloud"), PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", ADC_SCRIPT], env=env, capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["read"] == "from the metadata server"
    assert result["project"] == "omefs-test"
    assert result["identity"]["service_account"] == "vm-sa@omefs-test.iam.gserviceaccount.com"
    assert metadata.token_requests >= 1 and proxy.refused == 0
    assert metadata.count("GET", "/computeMetadata/v1/project/project-id") >= 1


def test_application_default_absent_is_auth_error(monkeypatch, fakes):
    no_adc(monkeypatch, fakes)
    start = time.monotonic()
    with pytest.raises(AuthError, match="no application default credentials"):
        resolve({"provider": "gcp", "auth_type": "application_default"})
    assert time.monotonic() - start < 10


# -- anonymous, default ----------------------------------------------------------------------
def test_anonymous_and_default(google, monkeypatch, fakes):
    oauth, key, proxy = google
    creds = resolve({"provider": "gcp", "auth_type": "anonymous", "settings": {"project": "p"}})
    assert creds.storage_options() == {"token": "anon", "project": "p"}
    assert creds.token() is None and not creds.expired
    # default: a key in the settings is used as a service account…
    creds = resolve({"provider": "gcp", "settings": {"service_account": key}})
    assert creds.identity()["service_account"] == key["client_email"]
    # … else application default credentials, here none
    no_adc(monkeypatch, fakes)
    with pytest.raises(AuthError, match="no application default credentials"):
        resolve({"provider": "gcp"})


def test_credentials_interface(google):
    oauth, key, proxy = google
    creds = resolve({"provider": "gcp", "auth_type": "service_account",
                     "settings": {"service_account": key, "endpoint_url": proxy.endpoint}})
    token = creds.token()
    assert token in oauth.issued and not creds.expired
    creds.refresh()
    assert creds.token() != token
    assert creds.service_endpoint() == proxy.endpoint
    assert creds.service_endpoint("iamcredentials") == "https://iamcredentials.googleapis.com"
    session = creds.http_client()
    session.post(f"{proxy.endpoint}/storage/v1/b?project=omefs-test", json={"name": "via-http-client"})
    listing = session.get(f"{proxy.endpoint}/storage/v1/b?project=omefs-test")
    assert listing.status_code == 200 and "via-http-client" in listing.text
    assert proxy.refused == 0
    assert creds.expiry_time is not None


def test_front_lists_and_reads_with_the_bearer_token(google):
    """The ``gs://`` front (JSON API over plain HTTP, no gcsfs) sends the service account's
    token, which the checking proxy in front of the emulator requires."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from omefs.providers.gcp.front import GCSFront
    from omefs.transfer.endpoints import Endpoint
    from omefs.transfer.streams import Runtime, read_whole

    oauth, key, proxy = google
    auth = {"provider": "gcp", "auth_type": "service_account",
            "settings": {"service_account": key, "endpoint_url": proxy.endpoint}}
    fs = gcsfs_for(auth)
    fs.mkdir("fronted")
    fs.pipe("fronted/d/a.txt", b"through the front")
    seen = len(proxy.tokens_seen)
    ep = Endpoint.from_uri("gs://fronted/d/", auth, {}, front=True)
    assert isinstance(ep.fs, GCSFront)
    assert ep.fs.ls("fronted/d", detail=False) == ["fronted/d/a.txt"]
    assert ep.fs.info("fronted/d/a.txt")["size"] == 17

    async def read() -> bytes:
        with ThreadPoolExecutor(2) as pool:
            return bytes(await read_whole(Runtime(pool), ep, "fronted/d/a.txt"))

    assert asyncio.run(read()) == b"through the front"
    assert ep.fs._full is None and proxy.refused == 0 and len(proxy.tokens_seen) >= seen
    assert key["private_key"] not in repr(ep.fs) + repr(ep.fs.api)
