"""GCP auth types, resolved through google-auth.

| auth type | google-auth piece | settings (env) |
| --- | --- | --- |
| ``service_account`` | ``service_account.Credentials`` | ``key_file`` (``GOOGLE_APPLICATION_CREDENTIALS``), ``key_json``, ``service_account`` (dict) |
| ``application_default`` | ``google.auth.default()`` | ``quota_project_id`` (``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's ADC file, ``GCE_METADATA_HOST``) |
| ``workload_identity`` | ``load_credentials_from_file/dict`` (external account) | ``config_file`` (``GOOGLE_APPLICATION_CREDENTIALS``), ``config`` (dict or JSON) |
| ``impersonation`` | ``impersonated_credentials.Credentials`` | ``target_principal``, ``source``, ``delegates``, ``lifetime``, ``iam_endpoint_url`` |
| ``anonymous`` | none (``token="anon"``) | — |
| ``default`` | a key in the settings, else ``google.auth.default()`` | as above |

Every type takes ``scopes`` (default: full control of Cloud Storage),
``project`` (else ``GOOGLE_CLOUD_PROJECT``, ``GCLOUD_PROJECT``, the key's
or ADC's project) and ``endpoint_url``. :class:`GCPCredentials`'s
``storage_options()`` give gcsfs the google-auth credentials object itself
(``token=``), so gcsfs refreshes through google-auth; never a bare token.
Resolving obtains a first token, so a fallback chain moves on at once when
a link cannot.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from omefs.auth.base import Credentials
from omefs.auth.registry import declare_settings, register
from omefs.config import AuthConfig, as_auth_config
from omefs.errors import AuthError, ConfigError
from omefs.redact import get_logger, redact_text, register_secret

if TYPE_CHECKING:
    import requests

__all__ = ["GCPCredentials", "SCOPES", "CLOUD_PLATFORM", "service_account_info"]

PROVIDER = "gcp"
SCOPES = ["https://www.googleapis.com/auth/devstorage.full_control"]
CLOUD_PLATFORM = ["https://www.googleapis.com/auth/cloud-platform"]
log = get_logger("omefs.providers.gcp.auth")


class GCPCredentials(Credentials):
    """A google-auth credentials object (None for anonymous access)."""

    @property
    def expired(self) -> bool:
        """True when google-auth would refresh before the next request (no token, or near expiry)."""
        return bool(self.sdk is not None and not getattr(self.sdk, "valid", True))

    @property
    def expiry_time(self) -> _dt.datetime | None:
        """When the current access token expires (UTC), if known."""
        expiry = getattr(self.sdk, "expiry", None)
        if isinstance(expiry, _dt.datetime):
            return expiry if expiry.tzinfo else expiry.replace(tzinfo=_dt.timezone.utc)
        return None

    def refresh(self) -> None:
        """Obtain a new access token now."""
        if self.sdk is not None:
            _refresh(self.sdk, self.config, "refresh")

    def token(self) -> str | None:
        """The current OAuth access token (refreshed first when due); None for anonymous access."""
        if self.sdk is None:
            return None
        if not getattr(self.sdk, "valid", False):
            self.refresh()
        return str(self.sdk.token)

    def http_client(self) -> requests.Session:
        """google-auth's ``AuthorizedSession``: a bearer token on every request, refreshed when due."""
        if self.sdk is None:
            return super().http_client()
        from google.auth.transport.requests import AuthorizedSession

        return AuthorizedSession(self.sdk)  # type: ignore[no-untyped-call]  # google-auth is not annotated

    def service_endpoint(self, service: str = "storage") -> str | None:
        """The configured ``endpoint_url``, else ``https://{service}.{universe domain}``."""
        if self._options.get("endpoint_url") and service == "storage":
            return str(self._options["endpoint_url"])
        domain = getattr(self.sdk, "universe_domain", None) or "googleapis.com"
        return f"https://{service}.{domain}"

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        if self.sdk is None:
            out["anonymous"] = True
        try:
            email = getattr(self.sdk, "service_account_email", None)
        except Exception:  # some credentials compute it lazily
            email = None
        if isinstance(email, str) and email and email != "default":
            out["service_account"] = email
        info = getattr(self.sdk, "info", None)  # external accounts: their configuration
        if isinstance(info, dict) and info.get("audience"):
            out["audience"] = info["audience"]
        if self._options.get("project"):
            out["project"] = self._options["project"]
        if self.expiry_time is not None:
            out["expires"] = self.expiry_time.isoformat()
        return out


# -- helpers ---------------------------------------------------------------------
def _request() -> Any:
    import google.auth.transport.requests

    return google.auth.transport.requests.Request()


def _refresh(creds: Any, config: AuthConfig, what: str) -> None:
    """``creds.refresh()`` with google-auth's errors as :class:`AuthError` (message redacted)."""
    import google.auth.exceptions

    try:
        creds.refresh(_request())
    except google.auth.exceptions.GoogleAuthError as exc:
        raise AuthError(f"gcp {config.auth_type}: {what} failed: {type(exc).__name__}: "
                        f"{redact_text(str(exc))}", operation="resolve", provider=PROVIDER) from None
    token = getattr(creds, "token", None)
    register_secret(token)


def _scopes(config: AuthConfig, default: list[str] | None = None) -> list[str]:
    raw = config.get("scopes")
    if raw is None:
        return list(default or SCOPES)
    if isinstance(raw, str):
        return [s for s in raw.replace(",", " ").split() if s]
    if isinstance(raw, (list, tuple)):
        return [str(s) for s in raw]
    raise ConfigError(f"gcp {config.auth_type}: scopes must be a list or a space-separated string",
                      operation="resolve", provider=PROVIDER)


def _project(config: AuthConfig, fallback: str | None = None) -> str | None:
    return config.get_str("project", env=("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT",
                                      "CLOUDSDK_CORE_PROJECT")) or fallback


def _wrap(config: AuthConfig, creds: Any, project: str | None, *, verify: bool = True) -> GCPCredentials:
    if verify and creds is not None:
        _refresh(creds, config, "obtaining a token")
    options: dict[str, Any] = {"token": creds if creds is not None else "anon"}
    if project:
        options["project"] = project
    return GCPCredentials(config, sdk=creds, options=options)


def _load_json(config: AuthConfig, what: str, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"gcp {config.auth_type}: {what} is not valid JSON ({exc.msg})",
                          operation="resolve", provider=PROVIDER) from None
    if not isinstance(data, dict):
        raise ConfigError(f"gcp {config.auth_type}: {what} must hold a JSON object",
                          operation="resolve", provider=PROVIDER)
    return data


def _read_json_file(config: AuthConfig, what: str, path: str) -> dict[str, Any]:
    path = os.path.expanduser(str(path))
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError as exc:
        raise AuthError(f"gcp {config.auth_type}: {what} {path!r} cannot be read: {exc.strerror}",
                        operation="resolve", provider=PROVIDER) from None
    return _load_json(config, f"{what} {path!r}", text)


# -- service_account ---------------------------------------------------------------------
_KEY_FIELDS = ("type", "project_id", "private_key_id", "private_key", "client_email", "client_id",
               "auth_uri", "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url",
               "universe_domain")


def service_account_info(config: AuthConfig) -> dict[str, Any]:
    """The service-account key as a dict, from ``service_account``, ``key_json`` or ``key_file``."""
    info = config.settings.get("service_account")
    if isinstance(info, Mapping):
        return dict(info)
    if config.settings.get("private_key") and config.settings.get("client_email"):
        # A key dict given as settings.service_account is merged into the flat
        # settings (OME nests per-type settings under the type's name): take it back.
        return {k: config.settings[k] for k in _KEY_FIELDS if k in config.settings}
    text = config.settings.get("key_json") or (
        info if isinstance(info, str) and info.lstrip().startswith("{") else None)
    if text:
        if isinstance(text, Mapping):
            return dict(text)
        return _load_json(config, "key_json", str(text))
    path = config.get("key_file", env="GOOGLE_APPLICATION_CREDENTIALS") or (
        info if isinstance(info, str) else None)
    if not path:
        raise AuthError(
            "gcp service_account needs settings key_file, key_json or service_account "
            "(or GOOGLE_APPLICATION_CREDENTIALS)",
            operation="resolve", provider=PROVIDER,
        )
    return _read_json_file(config, "key_file", str(path))


@register(PROVIDER, "service_account", settings=("key_file", "key_json", "service_account", "private_key", "client_email", "private_key_id", "client_id", "project_id", "token_uri", "type", "auth_uri", "auth_provider_x509_cert_url", "client_x509_cert_url", "universe_domain", "client_secret", "refresh_token"))
def service_account(config: AuthConfig) -> GCPCredentials:
    """A service-account key: settings ``key_file``, ``key_json`` (string) or ``service_account`` (dict).

    google-auth signs a JWT with the key and exchanges it at the key's
    ``token_uri`` for an access token, again whenever the token nears expiry.
    """
    from google.oauth2 import service_account as sa

    info = service_account_info(config)
    register_secret(info.get("private_key"))
    if info.get("type") not in (None, "service_account"):
        raise ConfigError(
            f"gcp service_account: the key has type {info.get('type')!r}, expected "
            "'service_account' (an 'external_account' file is auth_type workload_identity)",
            operation="resolve", provider=PROVIDER,
        )
    try:
        creds = sa.Credentials.from_service_account_info(info, scopes=_scopes(config))  # type: ignore[no-untyped-call]  # google-auth is not annotated
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"gcp service_account: the key is incomplete or invalid ({exc})",
                          operation="resolve", provider=PROVIDER) from None
    return _wrap(config, creds, _project(config, info.get("project_id")))


# -- application default, workload identity ----------------------------------------------------
def _adc(config: AuthConfig, scopes: list[str]) -> tuple[Any, str | None]:
    import google.auth
    import google.auth.exceptions

    kwargs: dict[str, Any] = {"scopes": scopes}
    if config.get("quota_project_id"):
        kwargs["quota_project_id"] = config.get("quota_project_id")
    try:
        return google.auth.default(**kwargs)
    except google.auth.exceptions.GoogleAuthError as exc:
        raise AuthError(f"gcp {config.auth_type}: no application default credentials: "
                        f"{redact_text(str(exc))}", operation="resolve", provider=PROVIDER) from None


@register(PROVIDER, "application_default", settings=("quota_project_id",))
def application_default(config: AuthConfig) -> GCPCredentials:
    """Application Default Credentials, found as google-auth finds them.

    In order: ``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's
    ``application_default_credentials.json``, App Engine, and the metadata
    server (GCE, GKE workload identity, Cloud Run; ``GCE_METADATA_HOST`` /
    ``GCE_METADATA_IP`` point elsewhere).
    """
    creds, project = _adc(config, _scopes(config))
    return _wrap(config, creds, _project(config, project))


@register(PROVIDER, "workload_identity", settings=("config_file", "config", "config_json", "credential_config_file", "audience", "credential_source", "workforce_pool_user_project", "environment_id"))
def workload_identity(config: AuthConfig) -> GCPCredentials:
    """Workload identity federation: an ``external_account`` credential configuration.

    Settings ``config_file`` (else ``GOOGLE_APPLICATION_CREDENTIALS``) or
    ``config`` (a dict or JSON string), as written by ``gcloud iam
    workload-identity-pools create-cred-config``. google-auth reads the
    subject token (file, URL, executable or AWS), exchanges it at
    ``token_url`` and, when the config says so, impersonates a service account.
    """
    import google.auth.exceptions

    raw = config.settings.get("config") or config.settings.get("config_json")
    if isinstance(raw, Mapping):
        info = dict(raw)
    elif isinstance(raw, str) and raw.strip():
        info = _load_json(config, "config", raw)
    else:
        path = config.get("config_file", env="GOOGLE_APPLICATION_CREDENTIALS") \
            or config.get("credential_config_file")
        if not path:
            raise AuthError("gcp workload_identity needs setting config_file or config "
                            "(or GOOGLE_APPLICATION_CREDENTIALS)", operation="resolve",
                            provider=PROVIDER)
        info = _read_json_file(config, "config_file", str(path))
    if info.get("type") != "external_account":
        raise ConfigError(
            f"gcp workload_identity: the configuration has type {info.get('type')!r}, "
            "expected 'external_account'", operation="resolve", provider=PROVIDER)
    source = info.get("credential_source") or {}
    if str(source.get("environment_id", "")).startswith("aws"):
        from google.auth import aws as kind
    elif "executable" in source:
        from google.auth import pluggable as kind  # type: ignore[no-redef]
    else:
        from google.auth import identity_pool as kind  # type: ignore[no-redef]
    try:
        # The class itself rather than google.auth.load_credentials_from_dict(), which
        # asks Cloud Resource Manager for the project at load time.
        creds = kind.Credentials.from_info(info, scopes=_scopes(config, CLOUD_PLATFORM))  # type: ignore[no-untyped-call]  # google-auth is not annotated
    except (ValueError, KeyError, TypeError, google.auth.exceptions.GoogleAuthError) as exc:
        raise ConfigError(f"gcp workload_identity: invalid external account configuration: "
                          f"{redact_text(str(exc))}", operation="resolve", provider=PROVIDER) from None
    project = None
    return _wrap(config, creds, _project(config, project or info.get("workforce_pool_user_project")))


# -- impersonation ---------------------------------------------------------------------------


def _source_credentials(config: AuthConfig) -> Any:
    """The google-auth credentials that call the IAM credentials API (``source``, else ADC)."""
    from omefs.auth.resolve import resolve_source

    source = config.settings.get("source")
    if source is None:
        creds, _ = _adc(config, CLOUD_PLATFORM)
        return creds
    source_config = as_auth_config(source, PROVIDER)
    if source_config is None or source_config.provider != PROVIDER:
        raise ConfigError(f"gcp impersonation: source must be a gcp auth config, got provider "
                          f"{getattr(source_config, 'provider', None)!r}", operation="resolve",
                          provider=PROVIDER)
    resolved = resolve_source(source_config, "gcp impersonation")
    creds = resolved.sdk
    if creds is None:
        raise ConfigError(f"gcp impersonation: source resolved to {resolved.auth_type}, which has no "
                          "credentials to call the IAM credentials API with",
                          operation="resolve", provider=PROVIDER)
    # The IAM credentials API wants cloud-platform scope, whatever the source config asked for.
    from google.oauth2 import service_account as sa

    if isinstance(creds, sa.Credentials):
        creds = creds.with_scopes(CLOUD_PLATFORM)
    return creds


@register(PROVIDER, "impersonation", settings=("target_principal", "source", "delegates", "lifetime", "iam_endpoint_url", "iam_endpoint_override"))
def impersonation(config: AuthConfig) -> GCPCredentials:
    """A service account's short-lived tokens, minted by the IAM credentials API for a source identity.

    Settings ``target_principal`` (the service account's email),
    ``source`` (another auth config or a routing-config profile name; else
    application default credentials), ``delegates``, ``lifetime`` (seconds,
    default 3600), ``iam_endpoint_url`` (the IAM credentials API root, for
    private or regional endpoints).
    """
    from google.auth import impersonated_credentials

    target = config.get("target_principal", env="GOOGLE_IMPERSONATE_SERVICE_ACCOUNT")
    if not target:
        raise AuthError("gcp impersonation needs setting target_principal", operation="resolve",
                        provider=PROVIDER)
    delegates = config.get("delegates") or None
    if isinstance(delegates, str):
        delegates = [d for d in delegates.replace(",", " ").split() if d]
    try:
        lifetime = int(config.get_number("lifetime", 3600))
    except (TypeError, ValueError):
        raise ConfigError(f"gcp impersonation: lifetime={config.get('lifetime')!r} is not a number "
                          "of seconds", operation="resolve", provider=PROVIDER) from None
    override = config.get("iam_endpoint_override")
    base = config.get("iam_endpoint_url")
    if not override and base:
        override = (f"{str(base).rstrip('/')}/v1/projects/-/serviceAccounts/{target}"
                    ":generateAccessToken")
    source = _source_credentials(config)
    creds = impersonated_credentials.Credentials(  # type: ignore[no-untyped-call]  # google-auth is not annotated
        source_credentials=source, target_principal=str(target),
        target_scopes=_scopes(config), delegates=delegates, lifetime=lifetime,
        iam_endpoint_override=override,
    )
    return _wrap(config, creds, _project(config, getattr(source, "project_id", None)))


# -- anonymous, default -----------------------------------------------------------------------
@register(PROVIDER, "anonymous", settings=())
def anonymous(config: AuthConfig) -> GCPCredentials:
    """Unauthenticated requests, for public buckets and emulators."""
    return _wrap(config, None, _project(config), verify=False)


@register(PROVIDER, "default", settings=("key_file", "key_json", "service_account", "private_key", "client_email", "private_key_id", "client_id", "project_id", "token_uri", "type", "auth_uri", "auth_provider_x509_cert_url", "client_x509_cert_url", "universe_domain", "client_secret", "refresh_token", "quota_project_id"))
def default(config: AuthConfig) -> GCPCredentials:
    """A key in the settings (``key_file``, ``key_json``, ``service_account``) if any, else ADC."""
    if any(config.settings.get(k) for k in ("key_file", "key_json", "service_account")):
        return service_account(config)
    return application_default(config)


#: Settings every gcp auth type takes (endpoints, timeouts, and the settings of
#: features beyond auth); one list for the provider.
declare_settings(PROVIDER, ("project", "scopes"))
