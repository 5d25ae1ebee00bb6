"""The Azure auth types: azure-identity credentials for tokens, adlfs's own keywords for keys and SAS.

| auth type | SDK piece | settings (env) |
| --- | --- | --- |
| ``connection_string`` | azure-storage-blob | ``connection_string`` (``AZURE_STORAGE_CONNECTION_STRING``) |
| ``account_key`` | Shared Key | ``account_name``, ``account_key`` (``AZURE_STORAGE_KEY``) |
| ``sas_token`` | SAS | ``account_name``, ``sas_token`` (``AZURE_STORAGE_SAS_TOKEN``) |
| ``client_secret`` | ``ClientSecretCredential`` | ``tenant_id``, ``client_id``, ``client_secret`` (``AZURE_TENANT_ID``…) |
| ``client_certificate`` | ``CertificateCredential`` | ``tenant_id``, ``client_id``, ``certificate_path``/``certificate_data``, ``certificate_password`` |
| ``managed_identity`` | ``ManagedIdentityCredential`` | ``client_id`` or ``resource_id`` or ``object_id`` |
| ``workload_identity`` | ``WorkloadIdentityCredential`` | ``tenant_id``, ``client_id``, ``token_file`` (``AZURE_FEDERATED_TOKEN_FILE``) |
| ``anonymous`` | none | ``account_name`` or ``account_url`` |
| ``default`` | a key/SAS/connection string in the settings, else ``DefaultAzureCredential`` | |

Every type takes ``account_name`` (else ``AZURE_STORAGE_ACCOUNT_NAME`` /
``AZURE_STORAGE_ACCOUNT``), ``account_url`` (or ``endpoint_url``: a
private endpoint, an emulator) and ``connection_verify`` (a CA bundle
path, or false). Token types also take ``authority_host`` (else
``AZURE_AUTHORITY_HOST``), ``disable_instance_discovery`` (for an
authority MSAL does not know), ``additionally_allowed_tenants``,
``retry_total``, ``connection_timeout`` and ``read_timeout``, and obtain a
first token when resolved, so a fallback chain moves on at once when a
link cannot.
"""

from __future__ import annotations

import os
from typing import Any

from omefs.auth.base import setting
from omefs.auth.registry import declare_settings, register
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.flags import is_true
from omefs.providers.azure.auth.credentials import (
    PROVIDER,
    AsyncTokenCredentialBridge,
    AzureCredentials,
    parse_connection_string,
)
from omefs.redact import get_logger, redact_text, register_secret, secret

__all__ = ["account_name", "account_options", "setting"]

log = get_logger("omefs.providers.azure.auth")


# -- settings --------------------------------------------------------------------

def account_name(config: AuthConfig) -> str | None:
    """The storage account name: the ``account_name`` setting or the environment."""
    name = setting(config, "account_name", env=("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT"))
    return None if name is None else str(name)


def _verify(config: AuthConfig) -> Any:
    verify = setting(config, "connection_verify", "ca_bundle")
    if verify is None:
        return None
    if isinstance(verify, bool) or str(verify).strip().lower() in ("true", "false"):
        return is_true(verify)
    path = os.path.expanduser(str(verify))
    if not os.path.isfile(path):
        raise ConfigError(f"azure {config.auth_type}: connection_verify {path!r} is not a CA bundle "
                          "file (give a path, or true/false)", operation="resolve", provider=PROVIDER)
    return path


def account_options(config: AuthConfig, **extra: Any) -> dict[str, Any]:
    """``account_name``, ``account_url`` (or ``endpoint_url``) and ``connection_verify``, plus ``extra``."""
    options: dict[str, Any] = {}
    name = account_name(config)
    if name:
        options["account_name"] = name
    url = setting(config, "account_url", "endpoint_url", "blob_endpoint")
    if url:
        options["account_url"] = str(url).rstrip("/")
    verify = _verify(config)
    if verify is not None:
        options["connection_verify"] = verify
    options.update({k: v for k, v in extra.items() if v is not None})
    return options


def _require(config: AuthConfig, **values: Any) -> None:
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise AuthError(f"azure {config.auth_type} needs settings {', '.join(missing)}",
                        operation="resolve", provider=PROVIDER)


def _transport_kwargs(config: AuthConfig) -> dict[str, Any]:
    """azure-core pipeline options: CA bundle, retries, timeouts."""
    kwargs: dict[str, Any] = {}
    verify = _verify(config)
    if verify is not None:
        kwargs["connection_verify"] = verify
    for key in ("retry_total", "connection_timeout", "read_timeout"):
        value = setting(config, key)
        if value is not None:
            try:
                kwargs[key] = int(value)
            except (TypeError, ValueError):
                raise ConfigError(f"azure {config.auth_type}: setting {key}={value!r} is not a whole "
                                  "number", operation="resolve", provider=PROVIDER) from None
    return kwargs


def _identity_kwargs(config: AuthConfig) -> dict[str, Any]:
    """azure-identity options shared by the Entra ID credentials."""
    kwargs = _transport_kwargs(config)
    authority = setting(config, "authority_host", "authority")
    if authority:
        kwargs["authority"] = str(authority)
    discovery = setting(config, "disable_instance_discovery")
    if discovery is not None:
        kwargs["disable_instance_discovery"] = is_true(discovery)
    tenants = setting(config, "additionally_allowed_tenants")
    if tenants:
        kwargs["additionally_allowed_tenants"] = (
            [t for t in str(tenants).replace(",", " ").split() if t] if isinstance(tenants, str)
            else list(tenants))
    return kwargs


def _token_credentials(config: AuthConfig, credential: Any, what: str) -> AzureCredentials:
    """Wrap an azure-identity credential and obtain a first token (AuthError if it cannot)."""
    creds = AzureCredentials(config, sdk=credential, options=account_options(
        config, credential=AsyncTokenCredentialBridge(credential)))
    try:
        creds.token()
    except Exception as exc:
        raise AuthError(f"azure {config.auth_type}: {what} could not obtain a token: "
                        f"{type(exc).__name__}: {redact_text(_first_lines(str(exc)))}",
                        operation="resolve", provider=PROVIDER) from None
    return creds


def _first_lines(text: str, lines: int = 6) -> str:
    parts = [line for line in text.strip().splitlines() if line.strip()]
    return " ".join(parts[:lines])


# -- keys, SAS, connection strings ---------------------------------------------------
@register(PROVIDER, "connection_string", settings=("connection_string",))
def connection_string(config: AuthConfig) -> AzureCredentials:
    """A storage connection string (settings, else ``AZURE_STORAGE_CONNECTION_STRING``)."""
    text = setting(config, "connection_string", env="AZURE_STORAGE_CONNECTION_STRING")
    _require(config, connection_string=text)
    parts = parse_connection_string(str(text))
    for key in ("AccountKey", "SharedAccessSignature"):
        register_secret(parts.get(key))
    if not (parts.get("AccountName") or parts.get("BlobEndpoint")):
        raise AuthError("azure connection_string has neither AccountName nor BlobEndpoint",
                        operation="resolve", provider=PROVIDER)
    options: dict[str, Any] = {"connection_string": secret(str(text))}
    verify = _verify(config)
    if verify is not None:
        options["connection_verify"] = verify
    return AzureCredentials(config, options=options)


@register(PROVIDER, "account_key", settings=("account_key",))
def account_key(config: AuthConfig) -> AzureCredentials:
    """A storage account name and key (``AZURE_STORAGE_KEY`` / ``AZURE_STORAGE_ACCOUNT_KEY``)."""
    key = setting(config, "account_key", env=("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_KEY"))
    _require(config, account_name=account_name(config), account_key=key)
    register_secret(key)
    return AzureCredentials(config, options=account_options(config, account_key=secret(str(key))))


@register(PROVIDER, "sas_token", settings=("sas_token",))
def sas_token(config: AuthConfig) -> AzureCredentials:
    """A shared access signature for the account or a container (``AZURE_STORAGE_SAS_TOKEN``)."""
    sas = setting(config, "sas_token", env="AZURE_STORAGE_SAS_TOKEN")
    _require(config, account_name=account_name(config) or setting(config, "account_url", "endpoint_url"),
             sas_token=sas)
    register_secret(str(sas).lstrip("?"))
    return AzureCredentials(config, options=account_options(config, sas_token=secret(str(sas))))


@register(PROVIDER, "anonymous", settings=())
def anonymous(config: AuthConfig) -> AzureCredentials:
    """Unauthenticated reads of public containers."""
    _require(config, account_name=account_name(config) or setting(config, "account_url", "endpoint_url"))
    return AzureCredentials(config, options=account_options(config, anon=True))


# -- Entra ID credentials ------------------------------------------------------------------
@register(PROVIDER, "client_secret", settings=("tenant_id", "client_id", "client_secret"))
def client_secret(config: AuthConfig) -> AzureCredentials:
    """A service principal's client secret: ``ClientSecretCredential``.

    Settings ``tenant_id``, ``client_id``, ``client_secret`` (else
    ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET``).
    """
    from azure.identity import ClientSecretCredential

    tenant = setting(config, "tenant_id", env="AZURE_TENANT_ID")
    client = setting(config, "client_id", env="AZURE_CLIENT_ID")
    secret = setting(config, "client_secret", env="AZURE_CLIENT_SECRET")
    _require(config, tenant_id=tenant, client_id=client, client_secret=secret)
    register_secret(secret)
    try:
        credential = ClientSecretCredential(str(tenant), str(client), str(secret), **_identity_kwargs(config))
    except ValueError as exc:
        raise ConfigError(f"azure client_secret: {redact_text(str(exc))}", operation="resolve",
                          provider=PROVIDER) from None
    return _token_credentials(config, credential, f"client {client}")


@register(PROVIDER, "client_certificate", settings=("tenant_id", "client_id", "certificate_path", "client_certificate_path", "certificate_data", "certificate_password", "send_certificate_chain"))
def client_certificate(config: AuthConfig) -> AzureCredentials:
    """A service principal's certificate: ``CertificateCredential`` (PEM or PKCS12).

    Settings ``tenant_id``, ``client_id``, and ``certificate_path`` (else
    ``AZURE_CLIENT_CERTIFICATE_PATH``) or ``certificate_data`` (the PEM
    text), ``certificate_password`` (else ``AZURE_CLIENT_CERTIFICATE_PASSWORD``),
    ``send_certificate_chain`` (else ``AZURE_CLIENT_SEND_CERTIFICATE_CHAIN``;
    for subject-name/issuer authentication).
    """
    from azure.identity import CertificateCredential

    tenant = setting(config, "tenant_id", env="AZURE_TENANT_ID")
    client = setting(config, "client_id", env="AZURE_CLIENT_ID")
    path = setting(config, "certificate_path", "client_certificate_path",
                   env="AZURE_CLIENT_CERTIFICATE_PATH")
    data = setting(config, "certificate_data")
    _require(config, tenant_id=tenant, client_id=client, certificate_path=path or data)
    password = setting(config, "certificate_password", env="AZURE_CLIENT_CERTIFICATE_PASSWORD")
    register_secret(password)
    kwargs = _identity_kwargs(config)
    if password:
        kwargs["password"] = password
    chain = setting(config, "send_certificate_chain", env="AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")
    if chain is not None:
        kwargs["send_certificate_chain"] = is_true(chain)
    if data:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        register_secret(raw)
        kwargs["certificate_data"] = raw
    else:
        full = os.path.expanduser(str(path))
        if not os.path.isfile(full):
            raise AuthError(f"azure client_certificate: certificate file {full!r} does not exist",
                            operation="resolve", provider=PROVIDER)
        kwargs["certificate_path"] = full
    try:
        credential = CertificateCredential(str(tenant), str(client), **kwargs)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"azure client_certificate: the certificate cannot be used: "
                          f"{redact_text(str(exc))}", operation="resolve", provider=PROVIDER) from None
    return _token_credentials(config, credential, f"client {client}")


@register(PROVIDER, "managed_identity", settings=("client_id", "resource_id", "object_id"))
def managed_identity(config: AuthConfig) -> AzureCredentials:
    """The managed identity of the Azure resource: ``ManagedIdentityCredential``.

    System-assigned by default; a user-assigned identity by ``client_id``
    (else ``AZURE_CLIENT_ID``), ``resource_id`` or ``object_id``. The
    endpoint is the SDK's choice: App Service / Functions
    (``IDENTITY_ENDPOINT`` + ``IDENTITY_HEADER``), Azure Arc, Service
    Fabric, Cloud Shell, else the instance metadata service.
    """
    from azure.identity import ManagedIdentityCredential

    client = setting(config, "client_id", env="AZURE_CLIENT_ID")
    ids = {k: setting(config, k) for k in ("resource_id", "object_id")}
    given = [k for k, v in ids.items() if v]
    if len(given) + bool(setting(config, "client_id")) > 1:
        raise ConfigError("azure managed_identity: give one of client_id, resource_id, object_id "
                          f"(got {', '.join(given + (['client_id'] if setting(config, 'client_id') else []))})",
                          operation="resolve", provider=PROVIDER)
    for name in ("IDENTITY_HEADER", "MSI_SECRET"):  # the endpoints' shared secrets
        register_secret(os.environ.get(name))
    kwargs = _transport_kwargs(config)
    if given:
        kwargs["identity_config"] = {given[0]: str(ids[given[0]])}
    elif client:
        kwargs["client_id"] = str(client)
    credential = ManagedIdentityCredential(**kwargs)
    which = f"{given[0]} {ids[given[0]]}" if given else (f"client_id {client}" if client else "system-assigned")
    return _token_credentials(config, credential, f"managed identity ({which})")


@register(PROVIDER, "workload_identity", settings=("tenant_id", "client_id", "token_file", "federated_token_file"))
def workload_identity(config: AuthConfig) -> AzureCredentials:
    """Workload identity federation (AKS and others): ``WorkloadIdentityCredential``.

    Settings ``tenant_id``, ``client_id``, ``token_file`` (else
    ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``, ``AZURE_FEDERATED_TOKEN_FILE``,
    which AKS sets): the federated token in the file is exchanged for an
    access token, and the file read again as it rotates.
    """
    from azure.identity import WorkloadIdentityCredential

    tenant = setting(config, "tenant_id", env="AZURE_TENANT_ID")
    client = setting(config, "client_id", env="AZURE_CLIENT_ID")
    token_file = setting(config, "token_file", "federated_token_file", env="AZURE_FEDERATED_TOKEN_FILE")
    _require(config, tenant_id=tenant, client_id=client, token_file=token_file)
    path = os.path.expanduser(str(token_file))
    try:
        with open(path) as fh:
            register_secret(fh.read().strip())
    except OSError as exc:
        raise AuthError(f"azure workload_identity: token file {path!r} cannot be read: {exc.strerror}",
                        operation="resolve", provider=PROVIDER) from None
    credential = WorkloadIdentityCredential(tenant_id=str(tenant), client_id=str(client),
                                            token_file_path=path, **_identity_kwargs(config))
    return _token_credentials(config, credential, f"client {client}")


@register(PROVIDER, "default", settings=("connection_string", "account_key", "sas_token", "tenant_id", "client_id", "client_secret", "managed_identity_client_id", "workload_identity_tenant_id", "exclude_cli_credential", "exclude_managed_identity_credential", "exclude_environment_credential", "exclude_workload_identity_credential", "exclude_shared_token_cache_credential", "exclude_interactive_browser_credential", "exclude_powershell_credential", "exclude_developer_cli_credential", "exclude_visual_studio_code_credential"))
def default(config: AuthConfig) -> AzureCredentials:
    """A connection string, key or SAS in the settings (or the connection string of the
    environment), else azure-identity's ``DefaultAzureCredential`` chain."""
    if setting(config, "connection_string"):
        return connection_string(config)
    if setting(config, "account_key"):
        return account_key(config)
    if setting(config, "sas_token"):
        return sas_token(config)
    if os.environ.get("AZURE_STORAGE_CONNECTION_STRING") and not (
            account_name(config) or setting(config, "account_url", "endpoint_url")):
        return connection_string(config)
    from azure.identity import DefaultAzureCredential

    kwargs = _identity_kwargs(config)
    client = setting(config, "client_id")
    if client:
        kwargs["managed_identity_client_id"] = str(client)
        kwargs["workload_identity_client_id"] = str(client)
    if setting(config, "tenant_id"):
        kwargs["workload_identity_tenant_id"] = str(setting(config, "tenant_id"))
    for key in ("exclude_cli_credential", "exclude_managed_identity_credential",
                "exclude_environment_credential", "exclude_workload_identity_credential",
                "exclude_shared_token_cache_credential", "exclude_interactive_browser_credential",
                "exclude_powershell_credential", "exclude_developer_cli_credential",
                "exclude_visual_studio_code_credential"):
        if setting(config, key) is not None:
            kwargs[key] = is_true(setting(config, key))
    return _token_credentials(config, DefaultAzureCredential(**kwargs), "DefaultAzureCredential")


#: Settings every azure auth type takes (endpoints, timeouts, and the settings of
#: features beyond auth); one list for the provider.
declare_settings(PROVIDER, ("account_name", "account_url", "blob_endpoint", "endpoint_suffix", "connection_verify", "authority_host", "authority", "disable_instance_discovery", "additionally_allowed_tenants", "retry_total", "connection_timeout", "read_timeout", "subscription_id", "resource_group", "resource_group_name", "management_endpoint", "management_scope"))
