"""obstore stores built from an fsspec filesystem's own options and credentials.

The copy engine moves S3, GCS and Azure bytes through obstore (Rust
``object_store``), which costs a fraction of the client CPU per request of
s3fs/adlfs. It must reach the same endpoint with the same identity as the
filesystem the user configured, so each builder here reads the instance
(s3fs / adlfs / gcsfs, or omefs's subclasses of them) and translates:

* endpoints (``endpoint_url``, connection strings, ``account_url``);
* static secrets (access keys, account keys, SAS) as obstore config;
* SDK credential objects (botocore refreshable credentials, azure-identity
  credentials, google-auth credentials) as obstore ``credential_provider``
  callables, so refresh stays the SDK's: obstore asks again when the
  ``expires_at`` we hand it passes;
* anonymous access as ``skip_signature``.

A builder returns ``None`` when it cannot express the filesystem's setup in
obstore terms (an emulator that does not speak the API obstore uses, an
unusual credential), and the engine then moves that side's bytes through
fsspec instead: never wrong, only slower.

``OMEFS_TRANSFER_OBSTORE=0`` turns the obstore data plane off entirely.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from omefs.redact import register_secret
from omefs.transfer.options import env_flag

__all__ = ["build_store", "obstore_available", "storage_provider_of", "is_loopback"]

log = logging.getLogger("omefs.transfer")

#: GCS's public JSON/XML endpoint; anything else (an emulator) goes through gcsfs,
#: because obstore speaks GCS's XML API, which emulators do not implement.
GCS_PUBLIC = ("https://storage.googleapis.com", "https://storage.mtls.googleapis.com")
_REFRESH_MARGIN = timedelta(minutes=5)
_UNKNOWN_EXPIRY_TTL = timedelta(minutes=5)


def obstore_available() -> bool:
    """Whether obstore is importable and not turned off by ``OMEFS_TRANSFER_OBSTORE=0``."""
    if env_flag("OMEFS_TRANSFER_OBSTORE") is False:
        return False
    try:
        import obstore  # noqa: F401
    except ImportError:
        return False
    return True


def storage_provider_of(fs: Any) -> str:
    """The name of the provider ``fs`` reaches (``s3``, ``file``, ``memory``… or its protocol)."""
    from omefs.providers.registry import provider_of

    return provider_of(fs).name


def is_loopback(url: str | None) -> bool:
    """Whether ``url`` points at this machine (an emulator or a local proxy)."""
    if not url:
        return False
    host = (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def _retry_config(retries: int) -> dict[str, Any]:
    return {
        "max_retries": max(0, retries),
        "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=15),
                    "base": 2},
        "retry_timeout": timedelta(minutes=3),
    }


def _client_options(endpoint: str | None, verify: Any = True) -> dict[str, Any]:
    options: dict[str, Any] = {
        "connect_timeout": timedelta(seconds=10),
        # A streamed GET of a large object is one request: the overall limit is
        # generous, and a stalled connection is caught by the read timeout instead.
        "timeout": timedelta(hours=6),
        "read_timeout": timedelta(seconds=120),
    }
    if is_loopback(endpoint):
        # Emulators on Node/werkzeug close idle keep-alive connections after ~5 s;
        # never reuse one that old (a reused dead connection costs a retry).
        options["pool_idle_timeout"] = timedelta(seconds=3)
    if endpoint and endpoint.startswith("http://"):
        options["allow_http"] = True
    if verify is False:
        options["allow_invalid_certificates"] = True
    return options


def _aware(when: Any) -> datetime | None:
    if when is None:
        return None
    if isinstance(when, (int, float)):
        return datetime.fromtimestamp(when, timezone.utc)
    if isinstance(when, datetime):
        # obstore accepts exactly datetime.timezone.utc (not dateutil's tzutc/tzlocal)
        aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc)
    return None


def _expiry(when: Any) -> datetime:
    """When obstore should ask again: before the SDK's own expiry, never in the past."""
    now = datetime.now(timezone.utc)
    aware = _aware(when)
    if aware is None:
        return now + _UNKNOWN_EXPIRY_TTL
    return max(now + timedelta(seconds=30), aware - _REFRESH_MARGIN)


# ---------------------------------------------------------------------------
# S3

class BotocoreCredentialProvider:
    """obstore S3 credential provider backed by a botocore credentials object.

    botocore refreshes :class:`~botocore.credentials.RefreshableCredentials`
    (assume-role, web identity, SSO, instance metadata) inside
    ``get_frozen_credentials()``; obstore calls this again when the
    ``expires_at`` we return passes.
    """

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            frozen = self.credentials.get_frozen_credentials()
        register_secret(frozen.secret_key)
        register_secret(frozen.token)
        refreshable = hasattr(self.credentials, "refresh_needed")
        expires = (_expiry(getattr(self.credentials, "_expiry_time", None)) if refreshable else None)
        return {
            "access_key_id": frozen.access_key,
            "secret_access_key": frozen.secret_key,
            "token": frozen.token,
            "expires_at": expires,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.credentials).__name__})"


def _s3_endpoint(fs: Any) -> str | None:
    client_kwargs = getattr(fs, "client_kwargs", None) or {}
    return client_kwargs.get("endpoint_url") or getattr(fs, "endpoint_url", None) or None


def _botocore_credentials(fs: Any) -> Any:
    config = getattr(fs, "auth_config", None)
    if config is not None:
        from omefs.auth import resolve

        sdk = resolve(config).sdk
        if sdk is not None and hasattr(sdk, "get_frozen_credentials"):
            return sdk
    import botocore.session

    kwargs = getattr(fs, "kwargs", None) or {}
    profile = kwargs.get("profile") or getattr(fs, "profile", None)
    session = botocore.session.Session(profile=profile)
    return session.get_credentials()


def _s3_region(fs: Any, bucket: str, endpoint: str | None) -> str:
    client_kwargs = getattr(fs, "client_kwargs", None) or {}
    region = client_kwargs.get("region_name")
    config = getattr(fs, "auth_config", None)
    if not region and config is not None:
        region = config.region
    if region:
        return str(region)
    if endpoint is None:
        # Real AWS: ask the bucket where it lives (s3fs follows redirects; obstore does not).
        try:
            out = fs.call_s3("head_bucket", Bucket=bucket)
            found = (out.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}).get("x-amz-bucket-region")
            if found:
                return str(found)
        except Exception as exc:  # noqa: BLE001 - fall back to the environment's region
            log.debug("bucket region lookup for %s failed: %s", bucket, exc)
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _build_s3(fs: Any, bucket: str, retries: int) -> Any:
    from obstore.store import S3Store

    endpoint = _s3_endpoint(fs)
    client_kwargs = getattr(fs, "client_kwargs", None) or {}
    config: dict[str, Any] = {"region": _s3_region(fs, bucket, endpoint)}
    if endpoint:
        config["endpoint"] = endpoint.rstrip("/")
        style = ((getattr(fs, "config_kwargs", None) or {}).get("s3") or {}).get("addressing_style")
        config["virtual_hosted_style_request"] = style == "virtual"
    if getattr(fs, "req_kw", None) or getattr(fs, "requester_pays", False):
        config["request_payer"] = True
    kwargs: dict[str, Any] = {
        "client_options": _client_options(endpoint, client_kwargs.get("verify", True)),
        "retry_config": _retry_config(retries),
    }
    if getattr(fs, "anon", False):
        config["skip_signature"] = True
    elif getattr(fs, "key", None) and getattr(fs, "secret", None):
        config["access_key_id"] = fs.key
        config["secret_access_key"] = fs.secret
        if getattr(fs, "token", None):
            config["session_token"] = fs.token
    else:
        creds = _botocore_credentials(fs)
        if creds is None:
            return None
        kwargs["credential_provider"] = BotocoreCredentialProvider(creds)
    return S3Store(bucket, config=config, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Azure

STORAGE_SCOPE = "https://storage.azure.com/.default"


class AzureTokenCredentialProvider:
    """obstore Azure credential provider backed by an azure-identity credential.

    Works with sync credentials and, through the filesystem's event loop,
    with the ``azure.identity.aio`` ones adlfs uses. azure-identity caches
    and renews the token; obstore asks again at ``expires_at``.
    """

    def __init__(self, credential: Any, loop: Any = None) -> None:
        self.credential = credential
        self.loop = loop

    def __call__(self) -> dict[str, Any]:
        import inspect

        result = self.credential.get_token(STORAGE_SCOPE)
        if inspect.isawaitable(result):
            import asyncio

            if self.loop is None:
                raise RuntimeError("an async Azure credential needs its event loop")
            result = asyncio.run_coroutine_threadsafe(result, self.loop).result(timeout=120)  # type: ignore[arg-type]
        return {"token": result.token, "expires_at": _expiry(result.expires_on)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.credential).__name__})"


def _azure_settings(fs: Any) -> dict[str, Any]:
    """Account, endpoint and secret of an adlfs filesystem, whatever way they were given."""
    from omefs.providers.azure.auth import parse_connection_string

    out: dict[str, Any] = {
        "account_name": getattr(fs, "account_name", None),
        "account_key": getattr(fs, "account_key", None),
        "sas_token": getattr(fs, "sas_token", None),
        "endpoint": getattr(fs, "_omefs_account_url", None),
        "credential": getattr(fs, "credential", None),
    }
    text = getattr(fs, "connection_string", None)
    if text:
        parts = parse_connection_string(text)
        out["account_name"] = parts.get("AccountName") or out["account_name"]
        out["account_key"] = parts.get("AccountKey") or out["account_key"]
        out["sas_token"] = parts.get("SharedAccessSignature") or out["sas_token"]
        endpoint = parts.get("BlobEndpoint")
        if not endpoint and parts.get("AccountName"):
            protocol = parts.get("DefaultEndpointsProtocol", "https")
            suffix = parts.get("EndpointSuffix", "core.windows.net")
            endpoint = f"{protocol}://{parts['AccountName']}.blob.{suffix}"
        out["endpoint"] = endpoint or out["endpoint"]
    if not out["endpoint"] and getattr(fs, "account_host", None):
        out["endpoint"] = f"https://{fs.account_host}"
    if not out["account_name"] and out["endpoint"]:
        from omefs.providers.azure.fs import _account_from_url

        out["account_name"] = _account_from_url(out["endpoint"])
    return out


def _build_azure(fs: Any, container: str, retries: int) -> Any:
    from obstore.store import AzureStore

    s = _azure_settings(fs)
    if not s["account_name"]:
        return None
    endpoint = s["endpoint"].rstrip("/") if s["endpoint"] else None
    config: dict[str, Any] = {"account_name": s["account_name"]}
    if endpoint:
        config["endpoint"] = endpoint
    kwargs: dict[str, Any] = {
        "client_options": _client_options(endpoint),
        "retry_config": _retry_config(retries),
    }
    if getattr(fs, "anon", False) and not (s["account_key"] or s["sas_token"] or s["credential"]):
        config["skip_signature"] = True
    elif s["account_key"]:
        config["account_key"] = s["account_key"]
    elif s["sas_token"]:
        config["sas_key"] = str(s["sas_token"]).lstrip("?")
    else:
        credential = _azure_token_credential(fs, s["credential"])
        if credential is None:
            return None
        kwargs["credential_provider"] = credential
    return AzureStore(container, config=config, **kwargs)  # type: ignore[arg-type]


def _azure_token_credential(fs: Any, credential: Any) -> Any:
    config = getattr(fs, "auth_config", None)
    if config is not None:
        from omefs.auth import resolve

        sdk = resolve(config).sdk
        if sdk is not None and hasattr(sdk, "get_token"):
            return AzureTokenCredentialProvider(sdk)
    if credential is not None and hasattr(credential, "get_token"):
        return AzureTokenCredentialProvider(credential, getattr(fs, "loop", None))
    return None


# ---------------------------------------------------------------------------
# GCS

class GoogleCredentialProvider:
    """obstore GCS credential provider backed by a google-auth credentials object."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            if not getattr(self.credentials, "valid", False) or not self.credentials.token:
                import google.auth.transport.requests

                self.credentials.refresh(google.auth.transport.requests.Request())
            token = self.credentials.token
            expiry = getattr(self.credentials, "expiry", None)
        register_secret(token)
        return {"token": token, "expires_at": _expiry(expiry)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.credentials).__name__})"


def _build_gcs(fs: Any, bucket: str, retries: int) -> Any:
    location = getattr(fs, "_location", None)
    if location not in GCS_PUBLIC:
        return None  # an emulator or private endpoint: gcsfs speaks its JSON API
    from obstore.store import GCSStore

    config: dict[str, Any] = {}
    kwargs: dict[str, Any] = {
        "client_options": _client_options(location),
        "retry_config": _retry_config(retries),
    }
    holder = getattr(fs, "credentials", None)
    creds = getattr(holder, "credentials", None)
    if creds is None and getattr(holder, "method", None) == "anon":
        config["skip_signature"] = True
    elif creds is not None:
        kwargs["credential_provider"] = GoogleCredentialProvider(creds)
    else:
        return None
    return GCSStore(bucket, config=config, **kwargs)  # type: ignore[arg-type]


_BUILDERS = {"s3": _build_s3, "azure": _build_azure, "gcs": _build_gcs}


def build_store(fs: Any, bucket: str, *, retries: int = 3) -> Any:
    """An obstore store for ``bucket`` reached as ``fs`` reaches it, or None.

    None means "use fsspec for this side": obstore is off or missing, the
    provider is not one obstore serves, or the setup cannot be expressed.
    """
    if not obstore_available():
        return None
    builder = _BUILDERS.get(storage_provider_of(fs))
    if builder is None or not bucket:
        return None
    try:
        return builder(fs, bucket, retries)
    except Exception as exc:  # noqa: BLE001 - never fail a copy for want of the fast path
        log.info("obstore store for %s bucket %r unavailable (%s); using fsspec",
                 storage_provider_of(fs), bucket, type(exc).__name__)
        return None
