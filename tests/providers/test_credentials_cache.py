"""One resolution per config per process: what the credentials cache shares, and what it never does.

A counting resolver is registered under a test auth type, so every real
resolution is seen; the cache must hand the same :class:`Credentials` to
the same config, never to another config (other settings, other secret,
other fallback, other environment), never keep credentials that report
expired and cannot refresh, and never cache a failure.
"""

from __future__ import annotations

import importlib
import itertools
from typing import Any

import pytest

from omefs.auth import resolve
from omefs.auth.base import Credentials
from omefs.auth.registry import register
from omefs.auth.resolve import _cache_key, clear_cache
from omefs.config import AuthConfig
from omefs.errors import AuthError

#: The module (``omefs.auth.resolve`` the attribute is the function).
resolve_module = importlib.import_module("omefs.auth.resolve")

AUTH_TYPE = "cache_probe"
SECRET = "probe-secret-value-0123456789"
_serial = itertools.count(1)


class ProbeCredentials(Credentials):
    """Credentials whose expiry and refresh the test controls."""

    def __init__(self, config: AuthConfig, serial: int) -> None:
        super().__init__(config)
        self.serial = serial
        self.is_expired = False
        self.can_refresh = True

    @property
    def expired(self) -> bool:
        return self.is_expired

    def refresh(self) -> None:
        if not self.can_refresh:
            raise AuthError("the probe cannot refresh", operation="resolve")
        self.is_expired = False


calls: list[dict[str, Any]] = []


def _probe(config: AuthConfig) -> ProbeCredentials:
    calls.append(dict(config.settings))
    if config.settings.get("fail"):
        raise AuthError("probe refused", operation="resolve", provider="aws")
    return ProbeCredentials(config, next(_serial))


def cfg(**settings: Any) -> dict[str, Any]:
    return {"provider": "aws", "auth_type": AUTH_TYPE, "settings": {"secret_key": SECRET, **settings}}


@pytest.fixture(autouse=True)
def fresh() -> Any:
    """The probe registered for this module's tests only, and an empty cache around each."""
    from omefs.auth import registry

    register("aws", AUTH_TYPE, _probe)
    clear_cache()
    calls.clear()
    yield
    clear_cache()
    with registry._lock:
        registry._resolvers.pop(("aws", AUTH_TYPE), None)


def test_the_same_config_resolves_once():
    first = resolve(cfg(role="a"))
    assert resolve(cfg(role="a")) is first
    assert resolve(AuthConfig.from_dict(cfg(role="a"))) is first
    assert len(calls) == 1


def test_different_configs_never_share_credentials():
    base = resolve(cfg(role="a"))
    others = [resolve(cfg(role="b")), resolve(cfg(role="a", secret_key="another-secret-0123")),
              resolve({**cfg(role="a"), "region": "eu-west-1"}),
              resolve({**cfg(role="a"), "fallback": {"provider": "aws", "auth_type": "anonymous"}})]
    assert all(o is not base for o in others)
    assert len({id(o) for o in others}) == len(others)
    assert len(calls) == 5


def test_the_environment_is_part_of_the_key(monkeypatch):
    first = resolve(cfg(role="a"))
    monkeypatch.setenv("OMEFS_PROBE_VARIABLE", "1")
    assert resolve(cfg(role="a")) is not first


def test_a_rewritten_key_file_is_another_credential(tmp_path):
    key = tmp_path / "key.json"
    key.write_text("{}")
    first = resolve(cfg(key_file=str(key)))
    key.write_text('{"rotated": true}')
    assert resolve(cfg(key_file=str(key))) is not first


def test_expired_credentials_are_refreshed_or_dropped():
    creds = resolve(cfg(role="a"))
    assert isinstance(creds, ProbeCredentials)
    creds.is_expired = True  # refreshable: the SDK renews it, the object stays
    assert resolve(cfg(role="a")) is creds and not creds.is_expired
    creds.is_expired, creds.can_refresh = True, False  # cannot renew: resolved again
    again = resolve(cfg(role="a"))
    assert again is not creds and len(calls) == 2


def test_entries_do_not_outlive_the_maximum_age(monkeypatch):
    creds = resolve(cfg(role="a"))
    monkeypatch.setattr(resolve_module, "CACHE_MAX_AGE", 0.0)
    assert resolve(cfg(role="a")) is not creds


def test_failures_are_not_cached():
    with pytest.raises(AuthError):
        resolve(cfg(fail=True))
    with pytest.raises(AuthError):
        resolve(cfg(fail=True))
    assert len(calls) == 2


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(resolve_module, "CACHE_SIZE", 2)
    first = resolve(cfg(role="1"))
    resolve(cfg(role="2"))
    resolve(cfg(role="3"))
    assert resolve(cfg(role="1")) is not first


def test_the_key_reveals_no_secret():
    key = _cache_key(AuthConfig.from_dict(cfg(role="a")))
    assert SECRET not in key and len(key) == 64
    assert SECRET not in repr(resolve(cfg(role="a")))
