"""Secrets never leak: a canary in every auth type's settings, DEBUG logging on everywhere.

For every AWS, GCP and Azure auth type, a config carrying the canary (where
the type takes a secret, as that secret; otherwise as a stray secret
setting) is resolved and used on a real (local) server, and resolved again
broken, with the root logger at DEBUG so that botocore, azure-core,
google-auth, urllib3 and omefs all log everything they log. The canary —
and the real secrets each flow handles (keys from STS, IMDS and the
container endpoint, access tokens, private keys) — must appear in no log
record (message or traceback), repr, exception text, identity, or
``omefs auth check`` output.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import omefs
from omefs.auth import resolve
from omefs.cli.main import run as cli_run
from omefs.config import AuthConfig
from omefs.errors import OmefsError
from tests.servers import clear_fsspec_caches
from tests.servers.auth_fakes import (
    AWSKeys,
    AzuriteOAuth,
    BearerCheckingProxy,
    EntraApp,
    FakeAppServiceIdentity,
    FakeContainerCredentials,
    FakeEntra,
    FakeGoogleOAuth,
    FakeIMDS,
    FakeManager,
    NotFoundServer,
    make_client_certificate,
    make_service_account_key,
    static_issuer,
)

pytest_plugins = ("tests.servers.auth_fixtures",)  # fakes, tls_files, moto_iam, azurite_oauth…

CANARY = "CANARY-" + secrets.token_hex(10)


class Wiretap(logging.Handler):
    """Every record of every logger, formatted as a handler would write it (with tracebacks)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def wiretap() -> Iterator[Wiretap]:
    root = logging.getLogger()
    tap = Wiretap()
    level = root.level
    root.addHandler(tap)
    root.setLevel(logging.DEBUG)
    try:
        yield tap
    finally:
        root.removeHandler(tap)
        root.setLevel(level)


class Exercise:
    """Drives configs through resolve, a filesystem call and the CLI, collecting every text shown."""

    def __init__(self, tap: Wiretap, capsys: Any, tmp_path: Path) -> None:
        self.tap = tap
        self.capsys = capsys
        self.tmp_path = tmp_path
        self.shown: list[str] = []
        self.secrets: set[str] = {CANARY}
        self.outcomes: dict[str, str] = {}

    def watch(self, *values: Any) -> None:
        """More secrets that must not show (keys and tokens the flows obtain)."""
        for value in values:
            if isinstance(value, str) and len(value) >= 8:
                self.secrets.add(value)
                self.secrets.update(line for line in value.splitlines() if len(line) >= 16
                                    and not line.startswith("-----"))

    def run(self, name: str, config: dict, *, ok: bool, url: str | None = None,
            use: Any = None) -> Any:
        cfg = AuthConfig.from_dict(config)
        self.shown += [repr(cfg), str(cfg), json.dumps(cfg.to_dict())]
        creds = None
        try:
            creds = resolve(cfg)
        except OmefsError as exc:
            self.shown += [str(exc), repr(exc), repr(exc.args)]
            self.outcomes[name] = "failed"
            assert not ok, f"{name}: expected to resolve: {exc}"
        else:
            self.outcomes[name] = "resolved"
            assert ok, f"{name}: expected to fail"
            self.shown += [repr(creds), json.dumps(creds.identity(), default=str),
                           repr(creds.storage_options())]
            if creds.sdk is not None and hasattr(creds.sdk, "get_frozen_credentials"):
                frozen = creds.frozen()
                self.watch(frozen.secret_key, frozen.token)
            if creds.token() is not None:
                self.watch(creds.token())
            if use is not None:
                use(creds, cfg)
        self.cli(name, config, url)
        return creds

    def cli(self, name: str, config: dict, url: str | None) -> None:
        path = self.tmp_path / f"{name.replace('/', '-')}.yaml"
        path.write_text(json.dumps(config))
        argv = ["auth", "check", "--auth", str(path)] + ([url] if url else [])
        # a failure with --debug (tracebacks), a success as JSON
        cli_run(["--debug", *argv] if self.outcomes.get(name) == "failed" else [*argv, "--json"])
        out, err = self.capsys.readouterr()
        self.shown += [out, err]

    def assert_nothing_leaked(self) -> None:
        texts = {"log": self.tap.lines, "shown": self.shown}
        for where, items in texts.items():
            for text in items:
                for secret in self.secrets:
                    assert secret not in text, f"a secret leaked into {where}: {text[:2000]}"
        assert self.tap.lines, "no log record was captured at all"


@pytest.fixture
def exercise(wiretap: Wiretap, capsys, tmp_path: Path) -> Exercise:
    clear_fsspec_caches()
    return Exercise(wiretap, capsys, tmp_path)


def dead_endpoint(fakes: FakeManager) -> str:
    server = fakes.start(NotFoundServer())
    server.stop()
    return server.endpoint


# -- AWS ----------------------------------------------------------------------------------
def test_aws_types(exercise: Exercise, s3_env, fakes: FakeManager, tmp_path: Path, monkeypatch):
    ep = s3_env.endpoint
    dead = dead_endpoint(fakes)
    import boto3

    boto3.client("s3", **s3_env.boto3_kwargs()).create_bucket(Bucket="canary-bucket")

    def use(creds: Any, cfg: AuthConfig) -> None:
        fs = omefs.filesystem("s3", auth=cfg, skip_instance_cache=True)
        fs.pipe("canary-bucket/k", b"x")
        assert fs.cat("canary-bucket/k") == b"x"
        exercise.shown.append(repr(fs.storage_options))
        assert creds.http_client().get(f"{ep}/canary-bucket/k").status_code == 200

    url = "s3://canary-bucket/k"
    secret_source = {"provider": "aws", "auth_type": "access_key",
                     "settings": {"access_key_id": "AKIACANARYSOURCE0001", "secret_access_key": CANARY}}
    exercise.run("access_key", {"provider": "aws", "auth_type": "access_key", "settings": {
        "access_key_id": "AKIACANARY0000000001", "secret_access_key": CANARY,
        "session_token": CANARY + "-session", "endpoint_url": ep}}, ok=True, url=url, use=use)
    exercise.run("access_key-broken", {"provider": "aws", "auth_type": "access_key",
                                       "settings": {"secret_access_key": CANARY}}, ok=False)

    credentials = tmp_path / "aws-credentials"
    credentials.write_text(f"[canary]\naws_access_key_id = AKIACANARYPROFILE001\naws_secret_access_key = {CANARY}\n")
    exercise.run("profile", {"provider": "aws", "auth_type": "profile", "settings": {
        "profile": "canary", "credentials_file": str(credentials), "endpoint_url": ep,
        "secret_access_key": CANARY}}, ok=True, url=url, use=use)
    exercise.run("profile-broken", {"provider": "aws", "auth_type": "profile", "settings": {
        "profile": "missing", "credentials_file": str(credentials), "secret_access_key": CANARY}}, ok=False)

    role = "arn:aws:iam::123456789012:role/canary"
    exercise.run("assume_role", {"provider": "aws", "auth_type": "assume_role", "settings": {
        "role_arn": role, "sts_endpoint_url": ep, "endpoint_url": ep, "external_id": "ext",
        "source": secret_source}}, ok=True, url=url, use=use)
    exercise.run("assume_role-broken", {"provider": "aws", "auth_type": "assume_role", "settings": {
        "role_arn": role, "sts_endpoint_url": dead, "max_attempts": 1, "timeout": 2,
        "source": secret_source}}, ok=False)

    token_file = tmp_path / "web-token"
    token_file.write_text(CANARY + "-web-identity-token")
    exercise.watch(CANARY + "-web-identity-token")
    exercise.run("web_identity", {"provider": "aws", "auth_type": "web_identity", "settings": {
        "role_arn": role, "token_file": str(token_file), "sts_endpoint_url": ep, "endpoint_url": ep,
        "secret_access_key": CANARY}}, ok=True, url=url, use=use)
    exercise.run("web_identity-broken", {"provider": "aws", "auth_type": "web_identity", "settings": {
        "role_arn": role, "token_file": str(token_file), "sts_endpoint_url": dead, "max_attempts": 1}}, ok=False)

    issued = AWSKeys("ASIACANARYIMDS000001", CANARY + "-imds-secret", CANARY + "-imds-token")
    exercise.watch(issued.secret_access_key, issued.session_token)
    imds = fakes.start(FakeIMDS(static_issuer(issued)))
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    exercise.run("instance_profile", {"provider": "aws", "auth_type": "instance_profile", "settings": {
        "metadata_endpoint": imds.endpoint, "endpoint_url": ep, "secret_access_key": CANARY}},
        ok=True, url=url, use=use)
    exercise.run("instance_profile-broken", {"provider": "aws", "auth_type": "instance_profile", "settings": {
        "metadata_endpoint": dead, "timeout": 0.5, "secret_access_key": CANARY}}, ok=False)

    ecs = fakes.start(FakeContainerCredentials(static_issuer(
        AWSKeys("ASIACANARYECS0000001", CANARY + "-ecs-secret", CANARY + "-ecs-token")), auth_token=CANARY))
    exercise.watch(CANARY + "-ecs-secret", CANARY + "-ecs-token")
    exercise.run("ecs_task_role", {"provider": "aws", "auth_type": "ecs_task_role", "settings": {
        "full_uri": ecs.full_uri, "authorization_token": CANARY, "endpoint_url": ep}}, ok=True, url=url, use=use)
    exercise.run("ecs_task_role-broken", {"provider": "aws", "auth_type": "ecs_task_role", "settings": {
        "full_uri": ecs.full_uri, "authorization_token": CANARY + "-wrong", "max_attempts": 1}}, ok=False)

    helper = tmp_path / "helper.py"
    helper.write_text(textwrap.dedent(f"""
        import json, sys
        if len(sys.argv) > 1:
            sys.stderr.write("vault said: the key is {CANARY}\\n")
            sys.exit(1)
        print(json.dumps({{"Version": 1, "AccessKeyId": "AKIACANARYPROCESS001", "SecretAccessKey": "{CANARY}"}}))
    """))
    exercise.run("process", {"provider": "aws", "auth_type": "process", "settings": {
        "credential_process": f"{sys.executable} {helper}", "endpoint_url": ep,
        "secret_access_key": CANARY}}, ok=True, url=url, use=use)
    exercise.run("process-broken", {"provider": "aws", "auth_type": "process", "settings": {
        "credential_process": f"{sys.executable} {helper} fail", "secret_access_key": CANARY}}, ok=False)

    exercise.run("anonymous", {"provider": "aws", "auth_type": "anonymous", "settings": {
        "endpoint_url": ep, "secret_access_key": CANARY}}, ok=True, url=url)

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACANARYDEFAULT001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CANARY)
    exercise.run("default", {"provider": "aws", "auth_type": "default", "settings": {
        "endpoint_url": ep, "secret_access_key": CANARY}}, ok=True, url=url, use=use)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    exercise.run("default-broken", {"provider": "aws", "auth_type": "default",
                                    "settings": {"secret_access_key": CANARY}}, ok=False)
    exercise.assert_nothing_leaked()
    assert set(exercise.outcomes.values()) == {"resolved", "failed"}


# -- GCP ----------------------------------------------------------------------------------
def test_gcp_types(exercise: Exercise, gcs_env, fakes: FakeManager, tmp_path: Path, monkeypatch):
    oauth = fakes.start(FakeGoogleOAuth(token_prefix=CANARY + "-access-token-"))
    key, public = make_service_account_key(oauth.token_uri)
    oauth.trust_service_account(key["client_email"], public)
    exercise.watch(key["private_key"])
    proxy = fakes.start(BearerCheckingProxy(gcs_env.endpoint, oauth.valid_token))
    omefs.filesystem("gs", token="anon", project="p", endpoint_url=gcs_env.endpoint).mkdir("canary-gcs")
    dead = dead_endpoint(fakes)

    def use(creds: Any, cfg: AuthConfig) -> None:
        fs = omefs.filesystem("gs", auth=cfg, skip_instance_cache=True)
        fs.pipe("canary-gcs/k", b"x")
        assert fs.cat("canary-gcs/k") == b"x"
        assert creds.http_client().get(f"{proxy.endpoint}/storage/v1/b/canary-gcs").status_code == 200

    url = "gs://canary-gcs/k"
    base = {"endpoint_url": proxy.endpoint, "project": "p", "client_secret": CANARY}
    exercise.run("service_account", {"provider": "gcp", "auth_type": "service_account",
                                     "settings": {**base, "service_account": key}}, ok=True, url=url, use=use)
    broken_key = dict(key, token_uri=dead + "/token")
    exercise.run("service_account-broken", {"provider": "gcp", "auth_type": "service_account",
                                            "settings": {**base, "key_json": json.dumps(broken_key)}}, ok=False)

    target = "canary-target@p.iam.gserviceaccount.com"
    source = {"provider": "gcp", "auth_type": "service_account", "settings": {"service_account": key}}
    exercise.run("impersonation", {"provider": "gcp", "auth_type": "impersonation", "settings": {
        **base, "target_principal": target, "iam_endpoint_url": oauth.iam_endpoint, "source": source}},
        ok=True, url=url, use=use)
    exercise.run("impersonation-broken", {"provider": "gcp", "auth_type": "impersonation", "settings": {
        **base, "target_principal": target, "iam_endpoint_url": dead, "source": source}}, ok=False)

    subject = tmp_path / "subject-token"
    subject.write_text(CANARY + "-subject-token")
    oauth.subject_tokens.add(subject.read_text())
    exercise.watch(subject.read_text())
    external = {"type": "external_account", "audience": "//iam.googleapis.com/projects/1/x",
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt", "token_url": oauth.token_uri,
                "credential_source": {"file": str(subject)}}
    exercise.run("workload_identity", {"provider": "gcp", "auth_type": "workload_identity", "settings": {
        **base, "config": external}}, ok=True, url=url, use=use)
    exercise.run("workload_identity-broken", {"provider": "gcp", "auth_type": "workload_identity", "settings": {
        **base, "config": dict(external, token_url=dead + "/token")}}, ok=False)

    # application default credentials from GOOGLE_APPLICATION_CREDENTIALS (google-auth ignores the
    # token_uri of a gcloud user file, so a service-account key file stands for ADC here)
    adc = tmp_path / "adc.json"
    adc.write_text(json.dumps(key))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    exercise.run("application_default", {"provider": "gcp", "auth_type": "application_default",
                                         "settings": base}, ok=True, url=url, use=use)
    adc.write_text(json.dumps(broken_key))
    exercise.run("application_default-broken", {"provider": "gcp", "auth_type": "application_default",
                                                "settings": base}, ok=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")

    exercise.run("anonymous", {"provider": "gcp", "auth_type": "anonymous", "settings": {
        "endpoint_url": gcs_env.endpoint, "project": "p", "client_secret": CANARY}}, ok=True, url=url)
    exercise.run("default", {"provider": "gcp", "auth_type": "default",
                             "settings": {**base, "service_account": key}}, ok=True, url=url, use=use)
    exercise.run("default-broken", {"provider": "gcp", "auth_type": "default",
                                    "settings": {**base, "key_json": json.dumps(broken_key)}}, ok=False)
    exercise.assert_nothing_leaked()


# -- Azure --------------------------------------------------------------------------------
def test_azure_types(exercise: Exercise, azurite_oauth: AzuriteOAuth, azure_env, fakes: FakeManager,
                     tls_files, tmp_path: Path, monkeypatch):
    entra = fakes.start(FakeEntra(tls_files))
    entra.register_app(EntraApp("app-canary", secret=CANARY))
    cert_path, thumbprints, public = make_client_certificate(tmp_path)
    entra.register_app(EntraApp("app-cert", certificate_thumbprints=thumbprints, public_key=public))
    exercise.watch(cert_path.read_text().split("-----END PRIVATE KEY-----")[0])
    fed = tmp_path / "federated"
    fed.write_text(CANARY + "-federated-token")
    entra.register_app(EntraApp("app-fed")).federated_tokens.add(fed.read_text())
    exercise.watch(fed.read_text(), azure_env.account_key)
    azurite_oauth.blob_service_client().create_container("canary-az")
    azure_env.blob_service_client().create_container("canary-az")
    dead = dead_endpoint(fakes).replace("http://", "https://")

    def use(creds: Any, cfg: AuthConfig) -> None:
        fs = omefs.filesystem("azure", auth=cfg, skip_instance_cache=True)
        fs.pipe("canary-az/k", b"x")
        assert fs.cat("canary-az/k") == b"x"
        reply = creds.http_client().get(f"{creds.service_endpoint()}/canary-az/k")
        assert reply.status_code == 200, reply.text

    url = "azure://canary-az/k"
    oauth = {"tenant_id": entra.tenant, "authority_host": entra.authority, "disable_instance_discovery": True,
             "connection_verify": str(tls_files.ca), "account_url": azurite_oauth.blob_endpoint,
             "retry_total": 0}
    exercise.run("client_secret", {"provider": "azure", "auth_type": "client_secret", "settings": {
        **oauth, "client_id": "app-canary", "client_secret": CANARY}}, ok=True, url=url, use=use)
    exercise.run("client_secret-broken", {"provider": "azure", "auth_type": "client_secret", "settings": {
        **oauth, "client_id": "app-canary", "client_secret": CANARY + "-wrong"}}, ok=False)

    exercise.run("client_certificate", {"provider": "azure", "auth_type": "client_certificate", "settings": {
        **oauth, "client_id": "app-cert", "certificate_data": cert_path.read_text(), "client_secret": CANARY}},
        ok=True, url=url, use=use)
    exercise.run("client_certificate-broken", {"provider": "azure", "auth_type": "client_certificate",
                                               "settings": {**oauth, "client_id": "app-cert",
                                                            "certificate_path": str(cert_path),
                                                            "certificate_password": CANARY}}, ok=False)

    msi = fakes.start(FakeAppServiceIdentity(CANARY + "-identity-header"))
    exercise.watch(CANARY + "-identity-header")
    monkeypatch.setenv("IDENTITY_ENDPOINT", msi.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", CANARY + "-identity-header")
    mi = {"account_url": azurite_oauth.blob_endpoint, "connection_verify": str(tls_files.ca),
          "retry_total": 0, "client_secret": CANARY}
    exercise.run("managed_identity", {"provider": "azure", "auth_type": "managed_identity", "settings": mi},
                 ok=True, url=url, use=use)
    monkeypatch.setenv("IDENTITY_HEADER", CANARY + "-identity-header-wrong")
    exercise.run("managed_identity-broken", {"provider": "azure", "auth_type": "managed_identity",
                                             "settings": mi}, ok=False)
    monkeypatch.delenv("IDENTITY_ENDPOINT")
    monkeypatch.delenv("IDENTITY_HEADER")

    exercise.run("workload_identity", {"provider": "azure", "auth_type": "workload_identity", "settings": {
        **oauth, "client_id": "app-fed", "token_file": str(fed), "client_secret": CANARY}},
        ok=True, url=url, use=use)
    exercise.run("workload_identity-broken", {"provider": "azure", "auth_type": "workload_identity", "settings": {
        **oauth, "authority_host": dead, "client_id": "app-fed", "token_file": str(fed)}}, ok=False)

    cs = azure_env.connection_string
    exercise.run("connection_string", {"provider": "azure", "auth_type": "connection_string",
                                       "settings": {"connection_string": cs, "client_secret": CANARY}},
                 ok=True, url=url, use=use)
    exercise.run("connection_string-broken", {"provider": "azure", "auth_type": "connection_string",
                                              "settings": {"connection_string": f"AccountKey={CANARY}"}}, ok=False)
    key = {"account_name": azure_env.account_name, "account_url": azure_env.blob_endpoint}
    exercise.run("account_key", {"provider": "azure", "auth_type": "account_key", "settings": {
        **key, "account_key": azure_env.account_key, "client_secret": CANARY}}, ok=True, url=url, use=use)
    exercise.run("account_key-broken", {"provider": "azure", "auth_type": "account_key",
                                        "settings": {"account_key": CANARY}}, ok=False)
    sas = azure_env.container_sas("canary-az", write=True)
    exercise.watch(dict(p.split("=", 1) for p in sas.split("&"))["sig"])
    exercise.run("sas_token", {"provider": "azure", "auth_type": "sas_token", "settings": {
        **key, "sas_token": sas, "client_secret": CANARY}}, ok=True, url=url, use=use)
    exercise.run("sas_token-broken", {"provider": "azure", "auth_type": "sas_token",
                                      "settings": {"sas_token": CANARY}}, ok=False)
    exercise.run("anonymous", {"provider": "azure", "auth_type": "anonymous",
                               "settings": {**key, "client_secret": CANARY}}, ok=True)

    monkeypatch.setenv("AZURE_TENANT_ID", entra.tenant)
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-canary")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CANARY)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", entra.authority)
    default = {k: v for k, v in oauth.items() if k not in ("tenant_id", "authority_host")}
    exercise.run("default", {"provider": "azure", "auth_type": "default", "settings": {
        **default, "exclude_managed_identity_credential": True}}, ok=True, url=url, use=use)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CANARY + "-wrong")
    exercise.run("default-broken", {"provider": "azure", "auth_type": "default", "settings": {
        **default, "exclude_managed_identity_credential": True, "exclude_cli_credential": True,
        "exclude_developer_cli_credential": True, "exclude_powershell_credential": True}}, ok=False)
    exercise.assert_nothing_leaked()
