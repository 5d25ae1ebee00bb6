"""The provider-neutral auth config: :class:`AuthConfig`.

It has the shape of OME's Go ``auth.Config`` — ``provider``, ``auth_type``,
``region``, ``settings`` (OME's ``extra``) and ``fallback`` — and
:meth:`AuthConfig.from_dict` reads OME's own spellings too:

* ``extra`` as a synonym of ``settings``;
* settings nested under the auth type's name (``{"assume_role": {...}}``)
  as well as flat keys; both are merged, the nested map winning;
* OME's Go constant names for auth types (``AWSAssumeRole``,
  ``OCIInstancePrincipal``…), accepted with a :class:`DeprecationWarning`
  that names the canonical spelling.

A config never shows a secret: ``repr`` and ``str`` mask secret settings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omefs.errors import ConfigError
from omefs.providers import all_providers, auth_provider
from omefs.redact import redact_settings, register_secrets_in

__all__ = ["AuthConfig", "MAX_FALLBACK_DEPTH", "canonical_auth_type"]

#: Longest fallback chain accepted, as in OME's factory.
MAX_FALLBACK_DEPTH = 10

# OME's Go constant names (and the older short ones) → (provider, canonical type).
GO_AUTH_TYPES: dict[str, tuple[str, str]] = {
    "OCIUserPrincipal": ("oci", "user_principal"),
    "UserPrincipal": ("oci", "user_principal"),
    "OCIInstancePrincipal": ("oci", "instance_principal"),
    "InstancePrincipal": ("oci", "instance_principal"),
    "OCIResourcePrincipal": ("oci", "resource_principal"),
    "ResourcePrincipal": ("oci", "resource_principal"),
    "OCIOkeWorkloadIdentity": ("oci", "oke_workload_identity"),
    "OkeWorkloadIdentity": ("oci", "oke_workload_identity"),
    "AWSAccessKey": ("aws", "access_key"),
    "AWSInstanceProfile": ("aws", "instance_profile"),
    "AWSAssumeRole": ("aws", "assume_role"),
    "AWSWebIdentity": ("aws", "web_identity"),
    "AWSECSTaskRole": ("aws", "ecs_task_role"),
    "AWSProcess": ("aws", "process"),
    "AWSProfile": ("aws", "profile"),
    "AWSDefault": ("aws", "default"),
    "GCPServiceAccount": ("gcp", "service_account"),
    "GCPApplicationDefault": ("gcp", "application_default"),
    "GCPWorkloadIdentity": ("gcp", "workload_identity"),
    "GCPImpersonation": ("gcp", "impersonation"),
    "GCPDefault": ("gcp", "default"),
    "AzureServicePrincipal": ("azure", "client_secret"),
    "AzureClientSecret": ("azure", "client_secret"),
    "AzureClientCertificate": ("azure", "client_certificate"),
    "AzureManagedIdentity": ("azure", "managed_identity"),
    "AzurePodIdentity": ("azure", "managed_identity"),
    "AzureWorkloadIdentity": ("azure", "workload_identity"),
    "AzureAccountKey": ("azure", "account_key"),
    "AzureDefault": ("azure", "default"),
    "GitHubToken": ("github", "personal_access_token"),
    "GitHubPersonalAccessToken": ("github", "personal_access_token"),
    "GitHubOAuth": ("github", "personal_access_token"),
    "GitHubApp": ("github", "github_app"),
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def canonical_auth_type(name: str, provider: str | None = None) -> tuple[str | None, str]:
    """Return ``(provider or None, canonical auth type)`` for any accepted spelling.

    Go constant names warn with :class:`DeprecationWarning`. Other names are
    normalised to ``snake_case`` (``AssumeRole`` and ``assume-role`` both
    give ``assume_role``); whether the result is a known type is checked by
    the registry, not here.
    """
    raw = str(name).strip()
    if raw in GO_AUTH_TYPES:
        go_provider, canonical = GO_AUTH_TYPES[raw]
        warnings.warn(
            f"auth_type {raw!r} is OME's Go name; use auth_type={canonical!r} "
            f"(provider={go_provider!r})",
            DeprecationWarning,
            stacklevel=4,
        )
        return go_provider, canonical
    snake = _CAMEL.sub("_", raw).replace("-", "_").replace(" ", "_").lower()
    return None, snake


def _settings_secret_key() -> bytes:
    # A per-process key, so that a config's fingerprint identifies it within
    # this process (fsspec's instance cache) without revealing its secrets.
    return os.urandom(32)


_FINGERPRINT_KEY = _settings_secret_key()


@dataclass(frozen=True, eq=False)
class AuthConfig:
    """Which credentials to use for one provider.

    Args:
        provider: ``oci``, ``aws``, ``gcp``, ``azure`` or ``github`` (the
            storage spellings ``s3``, ``gcs`` are accepted too).
        auth_type: one of the provider's registered auth types, e.g.
            ``access_key`` or ``instance_principal``; default ``default``.
        region: the region, where the provider has regions.
        settings: the auth type's settings (keys as the provider's SDK names
            them), flat; see :meth:`from_dict` for OME's nested shapes.
        fallback: a config to try when this one cannot be resolved.
    """

    provider: str
    auth_type: str = "default"
    region: str | None = None
    settings: Mapping[str, object] = field(default_factory=dict)
    fallback: AuthConfig | None = None

    def __post_init__(self) -> None:
        go_provider, auth_type = canonical_auth_type(self.auth_type or "default")
        provider = (
            (auth_provider(self.provider) or _registered_provider(self.provider))
            if self.provider
            else go_provider
        )
        if provider is None:
            raise ConfigError(
                f"unknown provider {self.provider!r}; accepted: {', '.join(_auth_names())} "
                "(or the storage names s3, gcs, or a provider registered with "
                "omefs.auth.register)",
                operation="config",
            )
        if go_provider and go_provider != provider:
            raise ConfigError(
                f"auth_type {self.auth_type!r} belongs to provider {go_provider!r}, "
                f"not {provider!r}",
                operation="config",
                provider=provider,
            )
        if not isinstance(self.settings, Mapping):
            raise ConfigError(
                f"settings must be a mapping, got {type(self.settings).__name__}",
                operation="config",
                provider=provider,
            )
        if self.fallback is not None and not isinstance(self.fallback, AuthConfig):
            object.__setattr__(self, "fallback", AuthConfig.from_dict(self.fallback))
        object.__setattr__(self, "provider", provider)
        object.__setattr__(self, "auth_type", auth_type)
        object.__setattr__(self, "settings", _flatten_settings(self.settings, auth_type))
        register_secrets_in(self.settings)
        from omefs.auth.registry import check_settings

        check_settings(provider, auth_type, self.settings)
        depth, link = 0, self.fallback
        while link is not None:
            depth += 1
            if depth > MAX_FALLBACK_DEPTH:
                raise ConfigError(
                    f"fallback chain longer than {MAX_FALLBACK_DEPTH} links "
                    "(a cycle?)",
                    operation="config",
                    provider=provider,
                )
            link = link.fallback

    # -- construction ---------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, object] | AuthConfig) -> AuthConfig:
        """Build a config from a mapping in omefs's or OME's shape.

        Accepted keys: ``provider``, ``auth_type`` (or ``type``), ``region``,
        ``settings`` (or ``extra``), ``fallback`` (a mapping of the same
        shape). Any other top-level key is taken as a setting, so
        ``{"provider": "aws", "auth_type": "access_key", "access_key_id": …}``
        works as well. A setting (or top-level key) the auth type does not
        take is a :class:`ConfigError` that suggests the nearest accepted
        key (``endpoint`` → ``endpoint_url``).
        """
        if isinstance(data, AuthConfig):
            return data
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"an auth config must be a mapping or AuthConfig, got {type(data).__name__}",
                operation="config",
            )
        data = dict(data)
        provider = data.pop("provider", None)
        auth_type = data.pop("auth_type", None) or data.pop("type", None) or "default"
        if provider is None:
            go_provider = GO_AUTH_TYPES.get(str(auth_type), (None, ""))[0]
            if go_provider is None:
                raise ConfigError(
                    f"auth config has no 'provider'; accepted: {', '.join(_auth_names())}",
                    operation="config",
                )
            provider = go_provider
        region = data.pop("region", None)
        settings: dict[str, object] = {}
        for key in ("extra", "settings"):
            value = data.pop(key, None)
            if value is None:
                continue
            if not isinstance(value, Mapping):
                raise ConfigError(
                    f"{key!r} must be a mapping, got {type(value).__name__}",
                    operation="config",
                    provider=str(provider),
                )
            settings.update(value)
        fallback = data.pop("fallback", None)
        _check_top_level(data, str(provider), str(auth_type))
        settings.update(data)  # remaining top-level keys are settings
        if fallback is not None and not isinstance(fallback, (Mapping, AuthConfig)):
            raise ConfigError(f"'fallback' must be an auth config (a mapping), got {type(fallback).__name__}",
                              operation="config", provider=str(provider))
        return cls(
            provider=str(provider),
            auth_type=str(auth_type),
            region=None if region is None else str(region),
            settings=settings,
            fallback=cls.from_dict(fallback) if fallback is not None else None,
        )

    def to_dict(self, *, redact: bool = True) -> dict[str, object]:
        """This config as a mapping; secrets masked unless ``redact=False``."""
        out: dict[str, object] = {"provider": self.provider, "auth_type": self.auth_type}
        if self.region:
            out["region"] = self.region
        out["settings"] = redact_settings(dict(self.settings)) if redact else dict(self.settings)
        if self.fallback is not None:
            out["fallback"] = self.fallback.to_dict(redact=redact)
        return out

    def replace(
        self,
        *,
        provider: str | None = None,
        auth_type: str | None = None,
        region: str | None = None,
        settings: Mapping[str, object] | None = None,
        fallback: AuthConfig | None = None,
    ) -> AuthConfig:
        """A copy with the given fields changed (``settings`` are merged, not replaced)."""
        merged = dict(self.settings)
        merged.update(settings or {})
        return AuthConfig(
            provider=provider if provider is not None else self.provider,
            auth_type=auth_type if auth_type is not None else self.auth_type,
            region=region if region is not None else self.region,
            settings=merged,
            fallback=fallback if fallback is not None else self.fallback,
        )

    def chain(self) -> list[AuthConfig]:
        """This config followed by each fallback, in the order they are tried."""
        links: list[AuthConfig] = []
        link: AuthConfig | None = self
        while link is not None:
            links.append(link)
            link = link.fallback
        return links

    def get(self, key: str, default: object = None, env: str | tuple[str, ...] | None = None) -> object:
        """A setting, else the first set environment variable of ``env``, else ``default``."""
        value = self.settings.get(key)
        if value not in (None, ""):
            return value
        for name in (env,) if isinstance(env, str) else (env or ()):
            if os.environ.get(name):
                return os.environ[name]
        return default

    def get_str(self, key: str, default: str | None = None,
                env: str | tuple[str, ...] | None = None) -> str | None:
        """:meth:`get` as text (a number in YAML is read as its digits)."""
        value = self.get(key, default, env)
        return None if value is None else str(value)

    def get_number(self, key: str, default: float, env: str | tuple[str, ...] | None = None) -> float:
        """:meth:`get` as a number; a value that is not one is a :class:`ConfigError` naming the setting."""
        value = self.get(key, default, env)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConfigError(f"setting {key!r} must be a number, got {type(value).__name__}",
                              operation="config", provider=self.provider)
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"setting {key!r} must be a number, got {value!r}",
                              operation="config", provider=self.provider) from None

    # -- identity and display ------------------------------------------
    def fingerprint(self) -> str:
        """A short keyed hash of the whole config: equal configs, equal fingerprints.

        The key is random per process, so the fingerprint reveals nothing
        about a secret; it lets fsspec's instance cache tell configs apart.
        """
        payload = json.dumps(self.to_dict(redact=False), sort_keys=True, default=str)
        return hmac.new(_FINGERPRINT_KEY, payload.encode(), hashlib.sha256).hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AuthConfig):
            return NotImplemented
        return self.to_dict(redact=False) == other.to_dict(redact=False)

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __repr__(self) -> str:
        parts = [f"provider={self.provider!r}", f"auth_type={self.auth_type!r}"]
        if self.region:
            parts.append(f"region={self.region!r}")
        if self.settings:
            parts.append(f"settings={redact_settings(dict(self.settings))!r}")
        if self.fallback is not None:
            parts.append(f"fallback={self.fallback!r}")
        # The fingerprint keeps fsspec's cache token distinct for configs
        # that differ only in a (masked) secret.
        parts.append(f"id={self.fingerprint()}")
        return f"AuthConfig({', '.join(parts)})"

    __str__ = __repr__


#: The keys of an auth config mapping besides its settings.
TOP_LEVEL_KEYS = ("provider", "auth_type", "type", "region", "settings", "extra", "fallback")


def _check_top_level(extra: Mapping[str, object], provider: str, auth_type: str) -> None:
    """Top-level keys beyond :data:`TOP_LEVEL_KEYS` are settings: each must be one the provider takes."""
    from omefs.auth.registry import accepted_settings

    prov = auth_provider(provider) or _registered_provider(provider)
    if not extra or prov is None:
        return
    snake = _CAMEL.sub("_", auth_type.strip()).replace("-", "_").replace(" ", "_").lower()
    accepted = accepted_settings(prov, GO_AUTH_TYPES.get(auth_type.strip(), (None, snake))[1])
    if accepted is None:
        return
    for key in sorted(map(str, extra)):
        if key in accepted:
            continue
        import difflib

        names = sorted(set(TOP_LEVEL_KEYS) | accepted)
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"unknown key {key!r}{hint} in the {prov} auth config; accepted top-level keys: "
            f"{', '.join(k for k in TOP_LEVEL_KEYS if k not in ('type', 'extra'))}, or any setting: "
            f"{', '.join(sorted(accepted))}",
            operation="config", provider=prov,
        )


def _auth_names() -> list[str]:
    """The auth-side names of every registered provider that takes auth configs."""
    return [p.auth_name for p in all_providers() if p.auth_name]


def _registered_provider(name: str) -> str | None:
    """A provider added by a third party through the resolver registry, if ``name`` is one."""
    from omefs.auth.registry import known_providers

    key = str(name).strip().lower()
    return key if key in known_providers() else None


def _flatten_settings(settings: Mapping[str, Any], auth_type: str) -> dict[str, Any]:
    """Merge settings nested under the auth type's name into the flat map.

    OME nests per-type maps (``{"assume_role": {"role_arn": …}}``); a key
    nested under the config's own auth type wins over the same flat key.
    Nested maps for other auth types are kept as they are (a ``source``
    config, say), since they may be meant for a fallback or a source.
    """
    flat = {str(k): v for k, v in settings.items()}
    for key in list(flat):
        _, canonical = (None, key) if key not in GO_AUTH_TYPES else GO_AUTH_TYPES[key]
        snake = _CAMEL.sub("_", canonical).lower()
        if snake == auth_type and isinstance(flat[key], Mapping):
            nested = flat.pop(key)
            flat.update(nested)
    return flat


def as_auth_config(value: Any, provider: str | None = None) -> AuthConfig | None:
    """Coerce ``auth=`` arguments: an AuthConfig, a mapping, a profile name, or None.

    A plain string names a profile of the routing config file
    (``OMEFS_CONFIG``). A mapping without ``provider`` takes ``provider``.
    """
    if value is None or isinstance(value, AuthConfig):
        return value
    if isinstance(value, str):
        from omefs.routing import load_profile

        return load_profile(value)
    if isinstance(value, Mapping):
        data = dict(value)
        if provider and "provider" not in data:
            data["provider"] = provider
        return AuthConfig.from_dict(data)
    raise ConfigError(
        f"auth= takes an AuthConfig, a mapping or a profile name, got {type(value).__name__}",
        operation="config",
        provider=provider,
    )
