"""Azure auth types, resolved through azure-identity and azure-storage-blob.

Foundation types: ``connection_string``, ``account_key``, ``sas_token``,
``anonymous``, ``default``. Every type returns :class:`AzureCredentials`,
whose ``storage_options()`` are adlfs's keyword arguments (plus
``account_url`` for a non-default endpoint, which omefs's Azure filesystem
honours).
"""

from __future__ import annotations

from typing import Any

from omefs.auth.base import Credentials
from omefs.auth.registry import register
from omefs.config import AuthConfig
from omefs.errors import AuthError
from omefs.redact import register_secret

__all__ = ["AzureCredentials", "parse_connection_string"]

PROVIDER = "azure"
STORAGE_SCOPE = "https://storage.azure.com/.default"


class AzureCredentials(Credentials):
    """An azure-identity token credential, an account key or a SAS."""

    def token(self) -> str | None:
        get_token = getattr(self.sdk, "get_token", None)
        if get_token is None:
            return None
        return get_token(STORAGE_SCOPE).token

    @property
    def expired(self) -> bool:
        return False  # azure-identity credentials renew on every get_token()

    def service_endpoint(self, service: str = "blob") -> str | None:
        opts = self._options
        if opts.get("account_url"):
            return opts["account_url"]
        if opts.get("connection_string"):
            return parse_connection_string(opts["connection_string"]).get("BlobEndpoint")
        if opts.get("account_name"):
            return f"https://{opts['account_name']}.{service}.core.windows.net"
        return None

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        account = self._options.get("account_name") or (
            parse_connection_string(self._options["connection_string"]).get("AccountName")
            if self._options.get("connection_string") else None
        )
        if account:
            out["account_name"] = account
        return out


def parse_connection_string(text: str) -> dict[str, str]:
    """``Key=Value;…`` → dict (values may contain ``=``)."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if "=" in part:
            key, _, value = part.partition("=")
            out[key.strip()] = value.strip()
    return out


def account_name(config: AuthConfig) -> str | None:
    return config.get("account_name", env=("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT"))


def account_options(config: AuthConfig, **extra: Any) -> dict[str, Any]:
    """``account_name`` and ``account_url`` (or ``endpoint_url``) from the settings, plus ``extra``."""
    options: dict[str, Any] = {}
    name = account_name(config)
    if name:
        options["account_name"] = name
    url = config.get("account_url") or config.get("endpoint_url")
    if url:
        options["account_url"] = url
    options.update({k: v for k, v in extra.items() if v is not None})
    return options


def _require(config: AuthConfig, what: str, **values: Any) -> None:
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise AuthError(f"azure {what} needs settings {', '.join(missing)}",
                        operation="resolve", provider=PROVIDER)


@register(PROVIDER, "connection_string")
def connection_string(config: AuthConfig) -> AzureCredentials:
    """A storage connection string (settings, else ``AZURE_STORAGE_CONNECTION_STRING``)."""
    text = config.get("connection_string", env="AZURE_STORAGE_CONNECTION_STRING")
    _require(config, "connection_string", connection_string=text)
    parts = parse_connection_string(text)
    for key in ("AccountKey", "SharedAccessSignature"):
        register_secret(parts.get(key))
    if not (parts.get("AccountName") or parts.get("BlobEndpoint")):
        raise AuthError("azure connection_string has neither AccountName nor BlobEndpoint",
                        operation="resolve", provider=PROVIDER)
    return AzureCredentials(config, options={"connection_string": text})


@register(PROVIDER, "account_key")
def account_key(config: AuthConfig) -> AzureCredentials:
    """A storage account name and key."""
    key = config.get("account_key", env=("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_KEY"))
    _require(config, "account_key", account_name=account_name(config), account_key=key)
    register_secret(key)
    return AzureCredentials(config, sdk=None, options=account_options(config, account_key=key))


@register(PROVIDER, "sas_token")
def sas_token(config: AuthConfig) -> AzureCredentials:
    """A shared access signature for the account or a container."""
    sas = config.get("sas_token", env="AZURE_STORAGE_SAS_TOKEN")
    _require(config, "sas_token", account_name=account_name(config) or config.get("account_url"), sas_token=sas)
    register_secret(sas.lstrip("?"))
    return AzureCredentials(config, options=account_options(config, sas_token=sas))


@register(PROVIDER, "anonymous")
def anonymous(config: AuthConfig) -> AzureCredentials:
    """Unauthenticated reads of public containers."""
    _require(config, "anonymous", account_name=account_name(config) or config.get("account_url"))
    return AzureCredentials(config, options=account_options(config, anon=True))


@register(PROVIDER, "default")
def default(config: AuthConfig) -> AzureCredentials:
    """A connection string from the environment, else azure-identity's ``DefaultAzureCredential``."""
    import os

    if os.environ.get("AZURE_STORAGE_CONNECTION_STRING") and not config.settings:
        return connection_string(config)
    from azure.identity import DefaultAzureCredential

    kwargs: dict[str, Any] = {}
    if config.get("client_id"):
        kwargs["managed_identity_client_id"] = config.get("client_id")
    if config.get("authority_host"):
        kwargs["authority"] = config.get("authority_host")
    cred = DefaultAzureCredential(**kwargs)
    _require(config, "default", account_name=account_name(config) or config.get("account_url"))
    return AzureCredentials(config, sdk=cred, options=account_options(config, credential=_async(cred, kwargs)))


def _async(sync_cred: Any, kwargs: dict[str, Any]) -> Any:
    """adlfs talks to Azure asynchronously and wants an ``azure.identity.aio`` credential."""
    from azure.identity.aio import DefaultAzureCredential as AioDefault

    return AioDefault(**kwargs)
