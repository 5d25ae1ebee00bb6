"""GitHub auth types against the fake GitHub API: tokens, Apps, renewal, refusal, redaction."""

from __future__ import annotations

import logging
import pickle
import time
import traceback
import warnings

import pytest

from omefs.auth import resolve
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.providers.github.auth import GitHubCredentials, InstallationTokenAuth
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import CANARY, OWNER, REPO, make_fs


def _config(**settings):
    auth_type = settings.pop("auth_type")
    return AuthConfig(provider="github", auth_type=auth_type, settings=settings)


# -- resolving -----------------------------------------------------------------------------
def test_personal_access_token_from_settings_then_env(monkeypatch):
    creds = resolve(_config(auth_type="personal_access_token", token="ghp_fromsettings"))
    assert isinstance(creds, GitHubCredentials)
    assert creds.token() == "ghp_fromsettings"
    assert creds.storage_options()["endpoint_url"] == "https://api.github.com"
    monkeypatch.setenv("GH_TOKEN", "ghp_from_gh_token")
    assert resolve(_config(auth_type="personal_access_token")).token() == "ghp_from_gh_token"
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_from_github_token")  # GITHUB_TOKEN wins
    assert resolve(_config(auth_type="personal_access_token")).token() == "ghp_from_github_token"
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.delenv("GH_TOKEN")
    with pytest.raises(AuthError, match="GITHUB_TOKEN") as err:
        resolve(_config(auth_type="personal_access_token"))
    assert err.value.provider == "github"


def test_default_and_anonymous(monkeypatch, app_key):
    anon = resolve(_config(auth_type="default"))
    assert anon.sdk is None and anon.storage_options()["anon"] is True
    assert resolve(_config(auth_type="anonymous")).token() is None
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_env_default")
    assert resolve(_config(auth_type="default")).token() == "ghp_env_default"
    app = resolve(_config(auth_type="default", app_id=1, installation_id=2, private_key=app_key[0]))
    assert isinstance(app.sdk, InstallationTokenAuth)


def test_base_url_for_enterprise_server(monkeypatch):
    creds = resolve(_config(auth_type="anonymous", base_url="https://ghe.example.com/api/v3/"))
    assert creds.service_endpoint() == "https://ghe.example.com/api/v3"
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.corp/api/v3")
    assert resolve(_config(auth_type="anonymous")).storage_options()["endpoint_url"] == (
        "https://ghe.corp/api/v3"
    )
    with pytest.raises(ConfigError, match="not an http"):
        resolve(_config(auth_type="anonymous", base_url="ghe.example.com"))


def test_ome_go_names_warn_and_work(gh, gh_token):
    with pytest.warns(DeprecationWarning, match="personal_access_token"):
        config = AuthConfig(provider="github", auth_type="GitHubPersonalAccessToken",
                            settings={"token": gh_token, "base_url": gh.endpoint})
    assert config.auth_type == "personal_access_token"
    with pytest.warns(DeprecationWarning, match="github_app"):
        assert AuthConfig.from_dict({"auth_type": "GitHubApp"}).provider == "github"
    gh.create_release(OWNER, REPO, "v1")
    fs = make_fs(gh, auth=config)
    assert fs.ls(f"{OWNER}/{REPO}", detail=False) == [f"{OWNER}/{REPO}/v1"]


def test_github_app_settings_are_checked_without_showing_the_key(tmp_path, app_key):
    with pytest.raises(AuthError, match="app_id, installation_id, private_key"):
        resolve(_config(auth_type="github_app"))
    with pytest.raises(ConfigError, match="installation_id must be an integer"):
        resolve(_config(auth_type="github_app", app_id=1, installation_id="abc",
                        private_key=app_key[0]))
    bogus = "-----BEGIN RSA PRIVATE KEY-----\nTm90QUtleUF0QWxsTm90QUtleUF0QWxs\n-----END RSA PRIVATE KEY-----\n"
    with pytest.raises(ConfigError) as err:
        resolve(_config(auth_type="github_app", app_id=1, installation_id=2, private_key=bogus))
    assert "not an unencrypted PEM RSA private key" in str(err.value)
    assert "Tm90QUtleUF0" not in str(err.value)
    with pytest.raises(ConfigError, match="cannot be read"):
        resolve(_config(auth_type="github_app", app_id=1, installation_id=2,
                        private_key_path=str(tmp_path / "absent.pem")))
    path = tmp_path / "app.pem"
    path.write_text(app_key[0])
    creds = resolve(_config(auth_type="github_app", app_id=1, installation_id=2,
                            private_key_path=str(path)))
    assert creds.identity() == {"provider": "github", "auth_type": "github_app",
                                "base_url": "https://api.github.com", "app_id": "1",
                                "installation_id": 2}
    assert app_key[0].splitlines()[1] not in repr(creds) + repr(creds.sdk)


# -- GitHub Apps against the fake ---------------------------------------------------------------
def test_github_app_exchanges_a_verified_jwt_for_an_installation_token(gh, gh_app):
    gh.create_repo(OWNER, "private", private=True)
    gh.create_release(OWNER, "private", "v1")
    gh.add_asset(OWNER, "private", "v1", "w.bin", b"weights")
    config = AuthConfig(provider="github", auth_type="github_app", settings=gh_app)
    creds = resolve(config)
    token = creds.token()
    assert token.startswith("ghs_") and [t for t, _ in gh.issued] == [token]
    assert creds.token() == token  # cached
    session = creds.http_client()
    assert session.get(f"{gh.endpoint}/repos/{OWNER}/private").status_code == 200

    fs = make_fs(gh, auth=config)  # the same credentials (resolved once per process): no new token
    assert fs.auth_type == "github_app"
    assert fs.cat(f"{OWNER}/private/v1/w.bin") == b"weights"
    fs.pipe(f"{OWNER}/private/v1/new.bin", b"by the app")
    assert gh.asset_bytes(OWNER, "private", "v1", "new.bin") == b"by the app"
    assert fs.auth_credentials is creds
    assert [t for t, _ in gh.issued] == [token]
    assert {r.auth for r in gh.requests(contains="/repos/")} == {"token"}
    assert [r.auth for r in gh.requests(contains="/access_tokens")] == ["bearer"]


def test_installation_tokens_never_reach_logs(gh, gh_app, caplog):
    caplog.set_level(logging.DEBUG)
    # PyGithub logs response bodies (the token exchange's too) when a user turns its DEBUG on
    import github  # it sets its logger's level when imported

    github.set_log_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")
    gh.create_release(OWNER, REPO, "v1")
    fs = make_fs(gh, auth=AuthConfig(provider="github", auth_type="github_app", settings=gh_app))
    fs.pipe(f"{OWNER}/{REPO}/v1/a.txt", b"a")
    gh.revoke_installation_tokens()  # a renewal, logged too
    fs.invalidate_cache()
    assert fs.cat(f"{OWNER}/{REPO}/v1/a.txt") == b"a"
    assert len(gh.issued) == 2
    assert any(r.name == "github.Requester" and "access_tokens" in r.getMessage()
               for r in caplog.records)
    for token, _ in gh.issued:
        assert token not in caplog.text
        assert token[4:16] not in caplog.text


def test_installation_token_expiring_mid_run_is_renewed(gh, gh_app):
    gh.installation_token_ttl = 1.2  # tokens really stop working after 1.2 s
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "a.txt", b"first")
    config = AuthConfig(provider="github", auth_type="github_app", settings=gh_app)
    fs = make_fs(gh, auth=config)
    assert fs.cat(f"{OWNER}/{REPO}/v1/a.txt") == b"first"
    first = gh.issued[-1][0]
    time.sleep(1.3)  # the first token has now expired on the server
    fs.invalidate_cache()
    fs.pipe(f"{OWNER}/{REPO}/v1/b.txt", b"second")
    assert fs.cat(f"{OWNER}/{REPO}/v1/b.txt") == b"second"
    assert len(gh.issued) >= 2
    # renewed before use, not after a failure: no request was refused
    assert not [r for r in gh.log if r.status == 401]
    import requests

    refused = requests.get(f"{gh.endpoint}/repos/{OWNER}/{REPO}",
                           headers={"Authorization": f"token {first}"})
    assert refused.status_code == 401
    assert refused.json()["message"] == "Bad credentials" and refused.json()["documentation_url"]


def test_revoked_installation_token_is_renewed_once(gh, gh_app):
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "a.txt", b"a")
    fs = make_fs(gh, auth=AuthConfig(provider="github", auth_type="github_app", settings=gh_app))
    assert fs.cat(f"{OWNER}/{REPO}/v1/a.txt") == b"a"
    gh.revoke_installation_tokens()
    fs.invalidate_cache()
    assert fs.cat(f"{OWNER}/{REPO}/v1/a.txt") == b"a"
    assert len(gh.issued) == 2
    assert len([r for r in gh.log if r.status == 401]) == 1


def test_wrong_app_key_is_an_auth_error(gh, gh_app):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    fs = make_fs(gh, auth=AuthConfig(provider="github", auth_type="github_app",
                                     settings={**gh_app, "private_key": other}))
    with pytest.raises(AuthError) as err:
        fs.ls(f"{OWNER}/{REPO}")
    text = str(err.value)
    assert "github_app" in text and "4242" in text and "77" in text
    assert other.splitlines()[1] not in text


def test_fs_with_app_auth_pickles(gh, gh_app):
    gh.create_release(OWNER, REPO, "v1")
    fs = make_fs(gh, auth=AuthConfig(provider="github", auth_type="github_app", settings=gh_app))
    assert fs.ls(f"{OWNER}/{REPO}", detail=False)
    clone = pickle.loads(pickle.dumps(fs))
    assert clone.ls(f"{OWNER}/{REPO}", detail=False) == [f"{OWNER}/{REPO}/v1"]
    auth = resolve(AuthConfig(provider="github", auth_type="github_app", settings=gh_app)).sdk
    copy = pickle.loads(pickle.dumps(auth))
    assert isinstance(copy, InstallationTokenAuth) and copy.expired


# -- refusal and redaction ---------------------------------------------------------------------
def test_wrong_token_is_auth_error_naming_provider_and_type_never_the_token(gh, caplog):
    caplog.set_level(logging.DEBUG)
    gh.create_release(OWNER, REPO, "v1")
    config = AuthConfig(provider="github", auth_type="personal_access_token",
                        settings={"token": CANARY, "base_url": gh.endpoint})
    fs = make_fs(gh, auth=config)
    creds = resolve(config)
    with pytest.raises(AuthError) as err:
        fs.ls(f"{OWNER}/{REPO}")
    text = str(err.value)
    assert "github" in text and "personal_access_token" in text and "Bad credentials" in text
    assert err.value.provider == "github"
    with pytest.raises(AuthError):
        fs.pipe(f"{OWNER}/{REPO}/v1/x", b"x")
    with pytest.raises(AuthError):
        make_fs(gh, token=CANARY).cat(f"{OWNER}/{REPO}/v1/x")
    everything = "\n".join([
        text, repr(err.value), "".join(traceback.format_exception(err.value)),
        repr(fs), str(fs), repr(creds), repr(config), str(config.to_dict()),
        caplog.text,
    ])
    assert CANARY not in everything
    assert CANARY[4:20] not in everything


def test_wrong_token_from_storage_options_through_fsspec(gh):
    import fsspec

    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "a.txt", b"a")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AuthError) as err:
            with fsspec.open(f"github://{OWNER}/{REPO}/v1/a.txt", "rb",
                             token=CANARY, endpoint_url=gh.endpoint) as f:
                f.read()
    assert CANARY not in str(err.value)
    assert "personal_access_token" in str(err.value)


def test_routing_profile_reaches_github_without_storage_options(gh, gh_token, tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "d.csv", b"a,b\n1,2\n")
    cfg = tmp_path / "omefs.yaml"
    cfg.write_text(
        "profiles:\n"
        f"  gh: {{provider: github, auth_type: personal_access_token, token: {gh_token}, "
        f"base_url: '{gh.endpoint}'}}\n"
        "routes:\n"
        f"  'github://{OWNER}/': gh\n"
    )
    monkeypatch.setenv("OMEFS_CONFIG", str(cfg))
    df = pd.read_csv(f"github://{OWNER}/{REPO}/v1/d.csv")
    assert df.to_dict("list") == {"a": [1], "b": [2]}
