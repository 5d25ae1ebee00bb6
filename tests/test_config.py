"""AuthConfig: OME's shapes, Go names, validation and redaction (pure logic)."""

from __future__ import annotations

import pickle
import warnings

import pytest

from omefs.config import MAX_FALLBACK_DEPTH, AuthConfig
from omefs.errors import ConfigError

CANARY = "CANARY-SECRET-7f3a9c"


def test_flat_settings_and_defaults():
    cfg = AuthConfig(provider="aws", auth_type="access_key",
                     settings={"access_key_id": "AKIA1", "secret_access_key": CANARY})
    assert cfg.provider == "aws"
    assert cfg.auth_type == "access_key"
    assert cfg.settings["secret_access_key"] == CANARY
    assert AuthConfig(provider="gcp").auth_type == "default"


@pytest.mark.parametrize("spelling,canonical", [("s3", "aws"), ("gcs", "gcp"), ("GCP", "gcp"),
                                                ("azure", "azure"), ("oci", "oci")])
def test_provider_spellings(spelling, canonical):
    assert AuthConfig(provider=spelling).provider == canonical


def test_from_dict_extra_is_settings_and_nested_maps_merge():
    cfg = AuthConfig.from_dict({
        "provider": "aws",
        "auth_type": "assume_role",
        "region": "eu-west-1",
        "extra": {"role_session_name": "flat", "assume_role": {"role_arn": "arn:aws:iam::1:role/r",
                                                               "role_session_name": "nested"}},
    })
    assert cfg.settings["role_arn"] == "arn:aws:iam::1:role/r"
    assert cfg.settings["role_session_name"] == "nested"  # nested wins over flat
    assert "assume_role" not in cfg.settings
    assert cfg.region == "eu-west-1"


def test_from_dict_top_level_keys_are_settings():
    cfg = AuthConfig.from_dict({"provider": "azure", "auth_type": "account_key",
                                "account_name": "acct", "account_key": CANARY})
    assert cfg.settings == {"account_name": "acct", "account_key": CANARY}


@pytest.mark.parametrize("go,provider,canonical", [
    ("AWSAssumeRole", "aws", "assume_role"),
    ("OCIInstancePrincipal", "oci", "instance_principal"),
    ("InstancePrincipal", "oci", "instance_principal"),
    ("GCPServiceAccount", "gcp", "service_account"),
    ("AzureClientSecret", "azure", "client_secret"),
    ("GitHubApp", "github", "github_app"),
])
def test_go_names_warn_and_map(go, provider, canonical):
    with pytest.warns(DeprecationWarning, match=canonical):
        cfg = AuthConfig.from_dict({"auth_type": go})
    assert (cfg.provider, cfg.auth_type) == (provider, canonical)


def test_go_name_nested_settings_key():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        cfg = AuthConfig.from_dict({"provider": "aws", "auth_type": "AWSAssumeRole",
                                    "extra": {"AWSAssumeRole": {"role_arn": "arn:x"}}})
    assert cfg.settings["role_arn"] == "arn:x"


def test_go_name_of_other_provider_is_refused():
    with pytest.raises(ConfigError, match="belongs to provider 'aws'"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        AuthConfig(provider="gcp", auth_type="AWSAssumeRole")


def test_unknown_provider_lists_known():
    with pytest.raises(ConfigError) as info:
        AuthConfig(provider="dropbox")
    assert "dropbox" in str(info.value)
    for name in ("oci", "aws", "gcp", "azure", "github"):
        assert name in str(info.value)


def test_missing_provider_and_bad_shapes():
    with pytest.raises(ConfigError, match="no 'provider'"):
        AuthConfig.from_dict({"auth_type": "access_key"})
    with pytest.raises(ConfigError, match="must be a mapping"):
        AuthConfig.from_dict({"provider": "aws", "settings": ["x"]})
    with pytest.raises(ConfigError):
        AuthConfig.from_dict("aws")  # type: ignore[arg-type]


def test_fallback_nests_and_depth_is_bounded():
    cfg = AuthConfig.from_dict({"provider": "aws", "auth_type": "assume_role",
                                "fallback": {"provider": "aws", "auth_type": "default"}})
    assert [c.auth_type for c in cfg.chain()] == ["assume_role", "default"]
    deep: dict = {"provider": "aws", "auth_type": "default"}
    for _ in range(MAX_FALLBACK_DEPTH + 1):
        deep = {"provider": "aws", "auth_type": "anonymous", "fallback": deep}
    with pytest.raises(ConfigError, match="fallback chain longer"):
        AuthConfig.from_dict(deep)


def test_secrets_masked_in_repr_str_and_to_dict():
    cfg = AuthConfig(provider="azure", auth_type="connection_string",
                     settings={"connection_string": f"AccountName=a;AccountKey={CANARY}"},
                     fallback=AuthConfig(provider="azure", auth_type="sas_token",
                                         settings={"account_name": "a", "sas_token": CANARY}))
    for text in (repr(cfg), str(cfg), str(cfg.to_dict())):
        assert CANARY not in text
        assert "***" in text
    assert cfg.to_dict(redact=False)["settings"]["connection_string"].endswith(CANARY)


def test_equality_hash_fingerprint_and_pickle():
    a = AuthConfig(provider="aws", auth_type="access_key",
                   settings={"access_key_id": "A", "secret_access_key": "s1-secret"})
    b = AuthConfig(provider="aws", auth_type="access_key",
                   settings={"access_key_id": "A", "secret_access_key": "s2-secret"})
    assert a != b and a.fingerprint() != b.fingerprint()
    assert repr(a) != repr(b)  # fsspec's instance cache keys on repr
    assert a == pickle.loads(pickle.dumps(a))
    assert len({a, b, pickle.loads(pickle.dumps(a))}) == 2


def test_get_reads_env_when_setting_missing(monkeypatch):
    monkeypatch.setenv("OMEFS_TEST_VAR", "from-env")
    cfg = AuthConfig(provider="aws", settings={"profile": "from-settings"})
    assert cfg.get("profile", env="OMEFS_TEST_VAR") == "from-settings"
    assert cfg.get("y", env="OMEFS_TEST_VAR") == "from-env"
    assert cfg.get("z", "dflt") == "dflt"


# -- unknown keys: "did you mean" -------------------------------------------------------


@pytest.mark.parametrize("data, typo, meant", [
    ({"provider": "aws", "auth_type": "access_key", "settings": {"endpoint": "http://127.0.0.1:9"}},
     "endpoint", "endpoint_url"),
    ({"provider": "azure", "auth_type": "sas_token", "settings": {"acount_name": "a", "sas_token": "s"}},
     "acount_name", "account_name"),
    ({"provider": "gcp", "settings": {"projet": "p"}}, "projet", "project"),
    ({"provider": "github", "settings": {"tokn": "t"}}, "tokn", "token"),
    ({"provider": "oci", "settings": {"profle": "DEFAULT"}}, "profle", "profile"),
])
def test_a_typo_in_settings_is_a_config_error_with_did_you_mean(data, typo, meant):
    with pytest.raises(ConfigError) as info:
        AuthConfig.from_dict(data)
    text = str(info.value)
    assert f"{typo!r} (did you mean {meant!r}?)" in text
    assert "accepted: " in text and meant in text.split("accepted: ", 1)[1]


def test_an_unknown_top_level_key_is_a_config_error_with_did_you_mean():
    with pytest.raises(ConfigError, match=r"unknown key 'regoin' \(did you mean 'region'\?\).*accepted top-level "
                                          r"keys: provider, auth_type, region, settings, fallback"):
        AuthConfig.from_dict({"provider": "aws", "auth_type": "access_key", "regoin": "eu-west-1"})
    with pytest.raises(ConfigError, match="did you mean 'fallback'"):
        AuthConfig.from_dict({"provider": "aws", "fallbak": {"provider": "aws"}})


def test_a_typo_in_a_routing_profile_names_the_profile(tmp_path):
    from omefs.routing import load_config

    path = tmp_path / "omefs.yaml"
    path.write_text("profiles:\n  local:\n    provider: aws\n    auth_type: access_key\n"
                    "    settings: {endpoint: 'http://127.0.0.1:9', access_key_id: a, secret_access_key: b}\n"
                    "routes:\n  's3://': local\n")
    with pytest.raises(ConfigError, match=r"profiles\.local: unknown setting 'endpoint' \(did you mean 'endpoint_url'"):
        load_config(path)


def test_settings_other_features_add_stay_accepted():
    for provider, settings in [
        ("azure", {"subscription_id": "s", "resource_group": "g", "connection_string": "c"}),
        ("aws", {"encryption": {"mode": "sse-s3"}, "storage_class": "STANDARD_IA", "ca_bundle": "/x",
                 "allow_http": True, "sts_endpoint_url": "http://127.0.0.1:9"}),
    ]:
        AuthConfig(provider=provider, settings=settings)
