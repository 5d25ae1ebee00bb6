"""Fallback chains: the first link that resolves wins; a failed chain names every link."""

from __future__ import annotations

import logging

import pytest

import omefs
from omefs.auth import Credentials, register, resolve
from omefs.config import MAX_FALLBACK_DEPTH, AuthConfig
from omefs.errors import AuthError, ConfigError
from tests.servers.auth_fakes import (
    AWSKeys,
    FakeContainerCredentials,
    FakeManager,
    static_issuer,
)

pytest_plugins = ("tests.servers.auth_fixtures",)  # fakes, tls_files, moto_iam, azurite_oauth…

SECRET = "fallback-secret-value-42"
calls: list[str] = []


@register("aws", "test_counting")
def _counting(config: AuthConfig) -> Credentials:
    calls.append(config.settings["name"])
    if config.settings.get("fail"):
        raise AuthError(f"link {config.settings['name']} refused", operation="resolve", provider="aws")
    return Credentials(config, options={"anon": True})


@register("aws", "test_sdk_error")
def _sdk_error(config: AuthConfig) -> Credentials:
    raise ValueError(f"the SDK echoed {config.settings['secret_access_key']} in its message")


def link(name: str, fail: bool = False, **more) -> dict:
    return {"provider": "aws", "auth_type": "test_counting", "settings": {"name": name, "fail": fail}, **more}


def chain(*links: dict) -> dict:
    head = dict(links[-1])
    for item in reversed(links[:-1]):
        head = dict(item, fallback=head)
    return head


def test_first_link_that_resolves_wins_and_later_links_are_not_tried():
    calls.clear()
    creds = resolve(chain(link("a", fail=True), link("b"), link("c")))
    assert calls == ["a", "b"]
    assert creds.config.settings["name"] == "b"


def test_winning_link_is_logged(caplog):
    caplog.set_level(logging.INFO, logger="omefs")
    resolve(chain(link("a", fail=True), link("b", fail=True), link("c")))
    assert "resolved by fallback link 3 (test_counting) after 2 failed" in caplog.text


def test_failed_chain_lists_every_link_type_and_reason_without_secrets():
    cfg = chain(
        link("a", fail=True),
        {"provider": "aws", "auth_type": "test_sdk_error", "settings": {"secret_access_key": SECRET}},
        {"provider": "aws", "auth_type": "access_key", "settings": {"access_key_id": "AKIAONLY"}},
        {"provider": "aws", "auth_type": "web_identity", "settings": {"role_arn": "arn:aws:iam::1:role/r",
                                                                      "token_file": "/nonexistent/t"}},
    )
    with pytest.raises(AuthError) as info:
        resolve(cfg)
    message = str(info.value)
    assert message.startswith("no link of the auth chain resolved (4 tried):")
    assert "  1. aws/test_counting: link a refused" in message
    assert "  2. aws/test_sdk_error: ValueError: the SDK echoed *** in its message" in message
    assert "  3. aws/access_key: aws access_key needs settings secret_access_key" in message
    assert "  4. aws/web_identity: aws web_identity: token file '/nonexistent/t' does not exist" in message
    assert SECRET not in message and SECRET not in repr(info.value)
    assert [f.auth_type for f in info.value.failures] == ["test_counting", "test_sdk_error", "access_key",
                                                          "web_identity"]
    assert message.count("(operation=") == 1  # the error's own context only, none per link


def test_nested_fallback_from_mappings_and_ome_shapes():
    data = {"provider": "aws", "auth_type": "test_counting", "extra": {"name": "a", "fail": True},
            "fallback": {"provider": "aws", "auth_type": "test_counting", "settings": {"name": "b", "fail": True},
                         "fallback": {"provider": "aws", "auth_type": "anonymous"}}}
    cfg = AuthConfig.from_dict(data)
    assert [link.auth_type for link in cfg.chain()] == ["test_counting", "test_counting", "anonymous"]
    assert resolve(cfg).auth_type == "anonymous"


def test_depth_is_bounded():
    links = [link(str(i), fail=True) for i in range(MAX_FALLBACK_DEPTH + 2)]
    with pytest.raises(ConfigError, match=f"longer than {MAX_FALLBACK_DEPTH} links"):
        AuthConfig.from_dict(chain(*links))
    ok = [link(str(i), fail=True) for i in range(MAX_FALLBACK_DEPTH)] + [link("last")]
    assert resolve(chain(*ok)).config.settings["name"] == "last"


def test_unknown_type_in_a_link_is_a_config_error_at_once():
    calls.clear()
    with pytest.raises(ConfigError, match="unknown auth_type 'telepathy'"):
        resolve(chain(link("a", fail=True), {"provider": "aws", "auth_type": "telepathy"}, link("c")))
    assert calls == ["a"]


def test_bad_settings_in_a_chain_fall_through_but_alone_are_config_errors():
    bad = {"provider": "aws", "auth_type": "assume_role", "settings": {
        "role_arn": "arn:aws:iam::1:role/x", "duration_seconds": "soon",
        "source": {"provider": "aws", "auth_type": "anonymous"}}}
    with pytest.raises(ConfigError, match="duration_seconds='soon' is not a number"):
        resolve(bad)
    assert resolve(chain(bad, link("b"))).config.settings["name"] == "b"


def test_real_endpoints_in_a_chain(fakes: FakeManager, s3_env, monkeypatch):
    """Container endpoint refusing the token → IMDS disabled → a static key: the key wins."""
    ecs = fakes.start(FakeContainerCredentials(static_issuer(AWSKeys("AKIA0", "s")), auth_token="right"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    cfg = {"provider": "aws", "auth_type": "ecs_task_role",
           "settings": {"full_uri": ecs.full_uri, "authorization_token": "wrong-ecs-token", "max_attempts": 1},
           "fallback": {"provider": "aws", "auth_type": "instance_profile",
                        "fallback": {"provider": "aws", "auth_type": "access_key", "settings": {
                            "access_key_id": "testing", "secret_access_key": "testing",
                            "endpoint_url": s3_env.endpoint}}}}
    creds = resolve(cfg)
    assert creds.auth_type == "access_key"
    fs = omefs.filesystem("s3", auth=cfg, skip_instance_cache=True)
    fs.mkdir("chained")
    fs.pipe("chained/x", b"via the third link")
    assert fs.cat("chained/x") == b"via the third link"


def test_filesystem_refuses_credentials_of_another_provider():
    with pytest.raises(ConfigError, match="takes aws credentials, but the auth config resolved to provider 'gcp'"):
        omefs.filesystem("s3", auth={"provider": "gcp", "auth_type": "anonymous"}, skip_instance_cache=True)
