"""The options of an Azure filesystem, as adlfs takes them: endpoint, TLS, encryption.

Shared by the adlfs-based filesystems (:mod:`.fs`) and the obstore front
(:mod:`.front`), which must read a URL, ``auth=`` and options the same way
without importing adlfs.
"""

from __future__ import annotations

import re
from typing import Any

from omefs.encryption import check_transport

__all__ = ["translate_options", "account_from_url", "blob_endpoint"]


def translate_options(fs: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """adlfs's keywords for omefs's options; sets ``fs._omefs_client_kwargs`` (extra SDK client
    options: a CA bundle, the encryption hook) and ``fs._omefs_account_url``."""
    url = kwargs.pop("account_url", None) or kwargs.pop("endpoint_url", None)
    kwargs.pop("region", None)
    # A CA bundle (or False) for the blob service client (private CA, local TLS emulator),
    # under the TLS policy (omefs.tls).
    verify = _tls(fs, kwargs, url)
    fs._omefs_client_kwargs = {} if verify is True else {"connection_verify": verify}
    fs._omefs_account_url = url.rstrip("/") if url else None
    if fs.encryption is not None:
        from omefs.providers.azure.encryption import request_hook

        check_transport(fs.encryption, url or blob_endpoint(kwargs.get("connection_string"))
                        or "https://blob.core.windows.net", "azure")
        # every request of the service client carries the setting
        fs._omefs_client_kwargs["raw_request_hook"] = request_hook(fs.encryption)
    if url and not kwargs.get("account_name"):
        kwargs["account_name"] = account_from_url(url)
    return kwargs


def _tls(fs: Any, kwargs: dict[str, Any], url: str | None) -> bool | str:
    """The TLS policy (:mod:`omefs.tls`) for the blob endpoint; the certificate setting."""
    from omefs.tls import endpoint_policy

    tls = {"verify": kwargs.pop("connection_verify", kwargs.pop("verify", None)),
           "ca_bundle": kwargs.pop("ca_bundle", None), "allow_http": kwargs.pop("allow_http", None)}
    text = kwargs.get("connection_string") or ""
    fields = dict(p.split("=", 1) for p in str(text).split(";") if "=" in p)
    endpoint = url or fields.get("BlobEndpoint")
    if not endpoint and fields.get("DefaultEndpointsProtocol", "").lower() == "http":
        endpoint = f"http://{fields.get('AccountName', '')}.blob.{fields.get('EndpointSuffix', '')}"
    secret = any(kwargs.get(k) for k in ("account_key", "credential", "sas_token", "client_secret"))
    secret = secret or "AccountKey" in fields or "SharedAccessSignature" in fields
    settings = dict(getattr(getattr(fs, "auth_config", None), "settings", None) or {})
    return endpoint_policy(endpoint, credentials=bool(secret) and not kwargs.get("anon"),
                           provider="azure", options=tls, settings=settings)


def blob_endpoint(connection_string: Any) -> str | None:
    """The ``BlobEndpoint`` of a connection string (None without one)."""
    for part in str(connection_string or "").split(";"):
        name, _, value = part.partition("=")
        if name.strip().lower() == "blobendpoint":
            return value.strip()
    return None


def account_from_url(url: str) -> str | None:
    """The account name in an account URL (host ``ACCOUNT.blob…`` or path ``/ACCOUNT`` for emulators)."""
    match = re.match(r"^https?://([^./:]+)\.blob\.", url)
    if match:
        return match.group(1)
    match = re.match(r"^https?://[^/]+/([^/?]+)", url)
    return match.group(1) if match else None
