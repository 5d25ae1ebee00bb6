"""GCP auth types, resolved through google-auth.

Foundation types: ``service_account`` (key file path, JSON string or
dict), ``anonymous``, ``default``. Every type returns
:class:`GCPCredentials`, whose ``storage_options()`` are gcsfs's keyword
arguments (``token=`` takes the google-auth credentials object, so gcsfs
refreshes through google-auth).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from omefs.auth.base import Credentials
from omefs.auth.registry import register
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError

__all__ = ["GCPCredentials", "SCOPES"]

PROVIDER = "gcp"
SCOPES = ["https://www.googleapis.com/auth/devstorage.full_control"]


class GCPCredentials(Credentials):
    """A google-auth credentials object (None for anonymous)."""

    @property
    def expired(self) -> bool:
        return bool(self.sdk is not None and not getattr(self.sdk, "valid", True))

    def refresh(self) -> None:
        if self.sdk is not None:
            import google.auth.transport.requests

            self.sdk.refresh(google.auth.transport.requests.Request())

    def token(self) -> str | None:
        if self.sdk is None:
            return None
        if not getattr(self.sdk, "valid", False):
            self.refresh()
        return self.sdk.token

    def http_client(self) -> Any:
        if self.sdk is None:
            return super().http_client()
        from google.auth.transport.requests import AuthorizedSession

        return AuthorizedSession(self.sdk)

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        email = getattr(self.sdk, "service_account_email", None)
        if email:
            out["service_account"] = email
        return out


def _project(config: AuthConfig, fallback: str | None = None) -> str | None:
    return config.get("project", env=("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT")) or fallback


def _options(config: AuthConfig, token: Any, project: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"token": token}
    if project:
        options["project"] = project
    return options


def service_account_info(config: AuthConfig) -> dict[str, Any]:
    """The service-account key as a dict, from ``service_account``, ``key_json`` or ``key_file``."""
    info = config.settings.get("service_account")
    if isinstance(info, Mapping):
        return dict(info)
    text = config.settings.get("key_json") or (info if isinstance(info, str) and info.lstrip().startswith("{") else None)
    if text:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"gcp service_account: key_json is not valid JSON ({exc.msg})",
                              operation="resolve", provider=PROVIDER) from None
    path = config.get("key_file", env="GOOGLE_APPLICATION_CREDENTIALS") or (info if isinstance(info, str) else None)
    if not path:
        raise AuthError(
            "gcp service_account needs settings key_file, key_json or service_account "
            "(or GOOGLE_APPLICATION_CREDENTIALS)",
            operation="resolve",
            provider=PROVIDER,
        )
    try:
        with open(path) as fh:
            return json.load(fh)
    except OSError as exc:
        raise AuthError(f"gcp service_account key_file {path!r} cannot be read: {exc.strerror}",
                        operation="resolve", provider=PROVIDER) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"gcp service_account key_file {path!r} is not valid JSON ({exc.msg})",
                          operation="resolve", provider=PROVIDER) from None


@register(PROVIDER, "service_account")
def service_account(config: AuthConfig) -> GCPCredentials:
    """A service-account key (file, JSON string or dict)."""
    from google.oauth2 import service_account as sa

    from omefs.redact import register_secret

    info = service_account_info(config)
    register_secret(info.get("private_key"))
    if info.get("type") not in (None, "service_account"):
        raise ConfigError(
            f"gcp service_account: key has type {info.get('type')!r}, expected 'service_account'",
            operation="resolve", provider=PROVIDER,
        )
    try:
        creds = sa.Credentials.from_service_account_info(info, scopes=config.get("scopes") or SCOPES)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"gcp service_account: key is incomplete or invalid ({exc})",
                          operation="resolve", provider=PROVIDER) from None
    project = _project(config, info.get("project_id"))
    return GCPCredentials(config, sdk=creds, options=_options(config, creds, project))


@register(PROVIDER, "anonymous")
def anonymous(config: AuthConfig) -> GCPCredentials:
    """Unauthenticated requests, for public buckets and emulators."""
    return GCPCredentials(config, options=_options(config, "anon", _project(config)))


@register(PROVIDER, "default")
def default(config: AuthConfig) -> GCPCredentials:
    """google-auth's Application Default Credentials chain."""
    import google.auth
    import google.auth.exceptions

    try:
        creds, project = google.auth.default(scopes=config.get("scopes") or SCOPES)
    except google.auth.exceptions.DefaultCredentialsError as exc:
        raise AuthError(f"no GCP application default credentials: {exc}",
                        operation="resolve", provider=PROVIDER) from None
    return GCPCredentials(config, sdk=creds, options=_options(config, creds, _project(config, project)))
