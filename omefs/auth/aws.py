"""AWS auth types, resolved through botocore.

Foundation types: ``access_key``, ``anonymous``, ``default``. Every type
returns :class:`AWSCredentials`, whose ``storage_options()`` are s3fs's
keyword arguments.
"""

from __future__ import annotations

from typing import Any

from omefs.auth.base import Credentials
from omefs.auth.registry import register
from omefs.config import AuthConfig
from omefs.errors import AuthError

__all__ = ["AWSCredentials"]

PROVIDER = "aws"


class AWSCredentials(Credentials):
    """AWS credentials: a botocore credentials object (or None for anonymous)."""

    @property
    def expired(self) -> bool:
        refresh_needed = getattr(self.sdk, "refresh_needed", None)
        return bool(refresh_needed()) if callable(refresh_needed) else False

    def refresh(self) -> None:
        # botocore's RefreshableCredentials refresh on access when due;
        # get_frozen_credentials() forces the check.
        if self.sdk is not None and hasattr(self.sdk, "get_frozen_credentials"):
            self.sdk.get_frozen_credentials()

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        if self.sdk is not None:
            key = self.sdk.get_frozen_credentials().access_key
            out["access_key_id"] = key[:4] + "…" + key[-4:] if key and len(key) > 8 else "***"
        return out


def _region(config: AuthConfig) -> str | None:
    return config.region or config.get("region", env=("AWS_REGION", "AWS_DEFAULT_REGION"))


def _options(config: AuthConfig, **extra: Any) -> dict[str, Any]:
    options = dict(extra)
    region = _region(config)
    if region:
        options["region"] = region
    return options


@register(PROVIDER, "access_key")
def access_key(config: AuthConfig) -> AWSCredentials:
    """A static access key pair (settings, else ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``)."""
    from botocore.credentials import Credentials as BotoCredentials

    key = config.get("access_key_id", env="AWS_ACCESS_KEY_ID")
    secret = config.get("secret_access_key", env="AWS_SECRET_ACCESS_KEY")
    token = config.get("session_token", env="AWS_SESSION_TOKEN")
    missing = [n for n, v in (("access_key_id", key), ("secret_access_key", secret)) if not v]
    if missing:
        raise AuthError(
            f"aws access_key needs settings {', '.join(missing)} "
            "(or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
            operation="resolve",
            provider=PROVIDER,
        )
    from omefs.redact import register_secret

    register_secret(secret)
    register_secret(token)
    sdk = BotoCredentials(key, secret, token)
    return AWSCredentials(
        config, sdk=sdk, options=_options(config, key=key, secret=secret, token=token),
        region=_region(config),
    )


@register(PROVIDER, "anonymous")
def anonymous(config: AuthConfig) -> AWSCredentials:
    """Unsigned requests, for public buckets."""
    return AWSCredentials(config, options=_options(config, anon=True), region=_region(config))


@register(PROVIDER, "default")
def default(config: AuthConfig) -> AWSCredentials:
    """botocore's default chain: environment, shared files, SSO, container, instance metadata."""
    import botocore.session

    session = botocore.session.Session(profile=config.get("profile"))
    creds = session.get_credentials()
    if creds is None:
        raise AuthError(
            "no AWS credentials found by botocore's default chain (environment, "
            "~/.aws/credentials and config, SSO, container and instance metadata)",
            operation="resolve",
            provider=PROVIDER,
        )
    frozen = creds.get_frozen_credentials()
    from omefs.redact import register_secret

    register_secret(frozen.secret_key)
    register_secret(frozen.token)
    region = _region(config) or session.get_config_variable("region")
    options: dict[str, Any] = {"session": _aio_session(session)} if _has_aiobotocore() else {}
    if region:
        options["region"] = region
    return AWSCredentials(config, sdk=creds, options=options, region=region)


def _has_aiobotocore() -> bool:
    try:
        import aiobotocore.session  # noqa: F401
    except ImportError:
        return False
    return True


def _aio_session(session: Any) -> Any:
    """An aiobotocore session sharing ``session``'s profile (s3fs takes one as ``session=``)."""
    import aiobotocore.session

    profile = session.profile if session.profile != "default" else None
    return aiobotocore.session.AioSession(profile=profile)
