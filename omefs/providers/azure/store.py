"""The obstore ``AzureStore`` of a container, reached as an Azure filesystem reaches it.

The account, endpoint and secret come from the filesystem however they were
given (connection string, account URL, key, SAS); a token credential comes
from the filesystem's own :class:`~omefs.auth.Credentials` when omefs
resolved it (never resolved a second time), else from adlfs's credential.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from omefs.transfer.obstore_options import client_options, expiry, retry_config, shared_store

__all__ = ["AzureTokenCredentialProvider", "azure_settings", "build_azure_store", "STORAGE_SCOPE",
           "sync_token_credential"]

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
        result = self.credential.get_token(STORAGE_SCOPE)
        if inspect.isawaitable(result):
            import asyncio

            if self.loop is None:
                raise RuntimeError("an async Azure credential needs its event loop")
            result = asyncio.run_coroutine_threadsafe(result, self.loop).result(timeout=120)  # type: ignore[arg-type]
        return {"token": result.token, "expires_at": expiry(result.expires_on)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.credential).__name__})"


def azure_settings(fs: Any) -> dict[str, Any]:
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
        from omefs.providers.azure.options import account_from_url

        out["account_name"] = account_from_url(out["endpoint"])
    return out


def _token_credentials(fs: Any, credential: Any) -> Iterator[tuple[Any, Any]]:
    """``(credential, event loop of an async one)`` that can give a token, best first: the
    one omefs resolved (never resolved a second time), then the filesystem's own."""
    from omefs.providers.filesystem import credentials_of

    creds = credentials_of(fs)
    if creds is not None and hasattr(creds.sdk, "get_token"):
        yield creds.sdk, None
    if hasattr(credential, "get_token"):
        yield credential, getattr(fs, "loop", None)


def _token_credential(fs: Any, credential: Any) -> Any:
    for found, loop in _token_credentials(fs, credential):
        return AzureTokenCredentialProvider(found, loop)
    return None


def sync_token_credential(fs: Any, credential: Any) -> Callable[[], str] | None:
    """A function giving a current bearer token for Azure Storage, from a *sync* credential
    (omefs's resolved one, else the filesystem's), or None where there is only an async one."""
    for found, _ in _token_credentials(fs, credential):
        get_token = found.get_token
        if not inspect.iscoroutinefunction(get_token):
            return lambda: str(get_token(STORAGE_SCOPE).token)
    return None


def build_azure_store(fs: Any, container: str, retries: int) -> Any:
    """An ``AzureStore`` for ``container`` with ``fs``'s account and identity, or None."""
    from obstore.store import AzureStore

    s = azure_settings(fs)
    if not s["account_name"]:
        return None
    verify = (getattr(fs, "_omefs_client_kwargs", None) or {}).get("connection_verify", True)
    if isinstance(verify, str):
        return None  # a private CA (ca_bundle): obstore cannot take one; adlfs moves the bytes
    endpoint = s["endpoint"].rstrip("/") if s["endpoint"] else None
    config: dict[str, Any] = {"account_name": s["account_name"]}
    if endpoint:
        config["endpoint"] = endpoint
    kwargs: dict[str, Any] = {
        "client_options": client_options(endpoint, verify),
        "retry_config": retry_config(retries),
    }
    if getattr(fs, "anon", False) and not (s["account_key"] or s["sas_token"] or s["credential"]):
        config["skip_signature"] = True
    elif s["account_key"]:
        config["account_key"] = s["account_key"]
    elif s["sas_token"]:
        config["sas_key"] = str(s["sas_token"]).lstrip("?")
    else:
        credential = _token_credential(fs, s["credential"])
        if credential is None:
            return None
        kwargs["credential_provider"] = credential
    return shared_store(AzureStore, container, config, **kwargs)
