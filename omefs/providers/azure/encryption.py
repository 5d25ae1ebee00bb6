"""Azure Blob Storage encryption at rest: Microsoft-managed keys, encryption scopes and CPK.

=============  ==============================================================
neutral        Blob service request headers
=============  ==============================================================
``provider``   nothing: Microsoft-managed keys (or the container's default
               scope)
``kms``        ``x-ms-encryption-scope: <scope name>`` on Put Blob, every
               Put Block and Put Block List (the scope names a Key Vault key
               or Microsoft-managed keys, set up on the account)
``customer``   ``x-ms-encryption-key`` (base64), ``x-ms-encryption-key-sha256``
               and ``x-ms-encryption-algorithm: AES256`` on Put Blob,
               **every** Put Block, Put Block List, Get Blob, Get Blob
               Properties and Set Blob Metadata
=============  ==============================================================

:func:`request_hook` is the hook the filesystem's service client runs on
every request, so each of adlfs's calls carries the setting. The service reports the key's SHA-256
(``encryption_key_sha256``) or the scope (``encryption_scope``) on blob
properties and listings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from omefs.encryption import Encryption

__all__ = ["describe_blob", "request_headers", "request_hook"]

#: ``comp`` values of the blob requests that take the headers (None: Put/Get Blob, Properties).
_CUSTOMER_COMPS = (None, "block", "blocklist", "metadata")
_SCOPE_COMPS = (None, "block", "blocklist")


def request_headers(enc: Encryption | None, method: str, url: str) -> dict[str, str]:
    """The headers that carry ``enc`` on a request (none for containers, listings, deletes)."""
    if enc is None or enc.mode == "provider" or method == "DELETE":
        return {}
    query = parse_qs(urlsplit(url).query)
    if "restype" in query or "x-ms-copy-source" in query:
        return {}
    comp: str | None = (query.get("comp") or [""])[0] or None
    if enc.mode == "customer" and comp in _CUSTOMER_COMPS:
        return {"x-ms-encryption-key": enc.key_base64,
                "x-ms-encryption-key-sha256": enc.key_sha256_base64,
                "x-ms-encryption-algorithm": "AES256"}
    if enc.mode == "kms" and method == "PUT" and comp in _SCOPE_COMPS:
        return {"x-ms-encryption-scope": str(enc.key_id)}
    return {}


def describe_blob(props: Mapping[str, Any] | Any) -> dict[str, Any]:
    """The neutral ``encryption`` of blob properties (a BlobProperties or a mapping)."""
    get = props.get if isinstance(props, Mapping) else (lambda k: getattr(props, k, None))
    if get("encryption_key_sha256"):
        return {"mode": "customer", "key_id": None}
    if get("encryption_scope"):
        return {"mode": "kms", "key_id": get("encryption_scope")}
    return {"mode": "provider", "key_id": None}


def request_hook(encryption: Encryption) -> Callable[[Any], None]:
    """The service client's ``raw_request_hook``: adds ``encryption``'s headers to each blob
    request. The storage SDK runs it before the request is signed, so a Shared Key signature
    covers the ``x-ms-encryption-*`` headers as the service requires."""

    def hook(request: Any) -> None:
        http = request.http_request
        http.headers.update(request_headers(encryption, http.method, http.url))

    return hook
