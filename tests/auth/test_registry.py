"""The resolver registry: extension without touching omefs, clear errors."""

from __future__ import annotations

import pytest

import omefs
from omefs.auth import Credentials, known_auth_types, known_providers, register, resolve
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError


def test_builtin_providers_and_types():
    assert {"oci", "aws", "gcp", "azure", "github"} <= set(known_providers())
    assert {"access_key", "anonymous", "default"} <= set(known_auth_types("aws"))
    assert {"connection_string", "account_key", "sas_token"} <= set(known_auth_types("azure"))
    assert {"service_account", "anonymous"} <= set(known_auth_types("gcs"))


def test_unknown_auth_type_lists_known_ones():
    with pytest.raises(ConfigError) as info:
        resolve(AuthConfig(provider="aws", auth_type="telepathy"))
    msg = str(info.value)
    assert "telepathy" in msg and "access_key" in msg and "anonymous" in msg


def test_third_party_registration_new_type_and_provider():
    @register("aws", "vault_lease")
    def vault(config: AuthConfig) -> Credentials:
        return Credentials(config, options={"key": "k", "secret": config.settings["lease"]})

    creds = resolve({"provider": "aws", "auth_type": "vault_lease", "settings": {"lease": "sekrit-lease"}})
    assert creds.storage_options()["secret"] == "sekrit-lease"
    assert "vault_lease" in known_auth_types("aws")

    register("minio", "static", lambda c: Credentials(c, options={"anon": True}))
    creds = omefs.resolve({"provider": "minio", "auth_type": "static"})
    assert (creds.provider, creds.auth_type) == ("minio", "static")
    assert "minio" in known_providers()


def test_fallback_first_resolving_link_wins(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    cfg = AuthConfig.from_dict({
        "provider": "aws", "auth_type": "access_key",
        "fallback": {"provider": "aws", "auth_type": "anonymous"},
    })
    creds = resolve(cfg)
    assert creds.auth_type == "anonymous"
    assert creds.storage_options()["anon"] is True


def test_failed_chain_names_every_link(monkeypatch):
    monkeypatch.delenv("AZURE_STORAGE_ACCOUNT_KEY", raising=False)
    monkeypatch.delenv("AZURE_STORAGE_KEY", raising=False)
    monkeypatch.delenv("AZURE_STORAGE_SAS_TOKEN", raising=False)
    cfg = AuthConfig.from_dict({
        "provider": "azure", "auth_type": "account_key", "settings": {"account_name": "a"},
        "fallback": {"provider": "azure", "auth_type": "sas_token", "settings": {"account_name": "a"}},
    })
    with pytest.raises(AuthError) as info:
        resolve(cfg)
    msg = str(info.value)
    assert "1. azure/account_key" in msg and "2. azure/sas_token" in msg
    assert "account_key" in msg and "sas_token" in msg
