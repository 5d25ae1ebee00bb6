"""Shared pieces of the AWS resolvers: settings lookup, regions, STS clients, errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from omefs.auth.base import setting
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.providers.aws.auth.credentials import PROVIDER, AWSCredentials, CredentialSource
from omefs.redact import redact_text

__all__ = [
    "botocore_session",
    "client_config",
    "client_creator",
    "number",
    "options_for",
    "region_of",
    "require",
    "sdk_failure",
    "setting",
    "temporary",
]



def region_of(config: AuthConfig, session: Any = None) -> str | None:
    """The region: the config's, ``settings.region``, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's."""
    region = config.region or setting(config, "region", "region_name",
                                      env=("AWS_REGION", "AWS_DEFAULT_REGION"))
    if not region and session is not None:
        try:
            region = session.get_config_variable("region")
        except Exception:  # a broken shared config file: no region from it
            region = None
    return str(region) if region else None


def number(config: AuthConfig, key: str, kind: type, env: str | None = None) -> Any:
    raw = setting(config, key, env=env)
    if raw is None:
        return None
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"aws {config.auth_type}: setting {key}={raw!r} is not a number",
                          operation="resolve", provider=PROVIDER) from None
    if value <= 0:
        raise ConfigError(f"aws {config.auth_type}: setting {key} must be positive, got {raw!r}",
                          operation="resolve", provider=PROVIDER)
    return value


def require(config: AuthConfig, **values: Any) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise AuthError(f"aws {config.auth_type} needs settings {', '.join(missing)}",
                        operation="resolve", provider=PROVIDER)


def options_for(config: AuthConfig, region: str | None, **extra: Any) -> dict[str, Any]:
    options = dict(extra)
    if region:
        options["region"] = region
    endpoint = setting(config, "endpoint_url", "s3_endpoint_url")
    if endpoint:
        options["endpoint_url"] = endpoint
    return options


def sdk_failure(config: AuthConfig, what: str, exc: BaseException) -> AuthError:
    """An SDK exception as an AuthError naming what was attempted (message redacted)."""
    if isinstance(exc, AuthError):
        return exc
    code = None
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
    detail = f"{code}: " if code else ""
    return AuthError(f"aws {config.auth_type}: {what} failed: {detail}"
                     f"{type(exc).__name__}: {redact_text(str(exc))}",
                     operation="resolve", provider=PROVIDER)


def botocore_session(profile: str | None = None, session_vars: Mapping[str, Any] | None = None) -> Any:
    import botocore.session

    session = botocore.session.Session(profile=profile)
    for name, value in (session_vars or {}).items():
        session.set_config_variable(name, value)
    return session


def client_config(config: AuthConfig) -> Any:
    from botocore.config import Config

    kwargs: dict[str, Any] = {}
    timeout = number(config, "timeout", float)
    if timeout:
        kwargs["connect_timeout"] = kwargs["read_timeout"] = timeout
    attempts = number(config, "max_attempts", int)
    if attempts:
        kwargs["retries"] = {"total_max_attempts": attempts, "mode": "standard"}
    return Config(**kwargs)


def client_creator(config: AuthConfig, region: str | None) -> Callable[..., Any]:
    """``Session.create_client`` with this config's STS endpoint, region, timeouts and retries.

    Without ``sts_endpoint_url``, botocore picks the endpoint itself and so
    honours ``AWS_ENDPOINT_URL_STS`` and ``AWS_ENDPOINT_URL``.
    """
    session = botocore_session()
    sts_endpoint = setting(config, "sts_endpoint_url")
    sts_region = setting(config, "sts_region") or region or "us-east-1"
    ours = client_config(config)

    def create(service_name: str, **kwargs: Any) -> Any:
        if service_name == "sts" and sts_endpoint:
            kwargs.setdefault("endpoint_url", sts_endpoint)
        kwargs.setdefault("region_name", sts_region)
        given = kwargs.pop("config", None)
        kwargs["config"] = ours.merge(given) if given is not None else ours
        return session.create_client(service_name, **kwargs)

    return create


def temporary(config: AuthConfig, source: CredentialSource, region: str | None) -> AWSCredentials:
    """Credentials on a :class:`CredentialSource`, fetched once now (so a bad link fails here)."""
    source.get()
    return AWSCredentials(
        config, sdk=source.sync_credentials(), options=options_for(config, region), region=region,
        source=source, aio_factory=source.async_credentials,
    )


