"""OCI Object Storage encryption at rest: Oracle-managed keys, Vault keys and SSE-C.

=============  ==============================================================
neutral        OCI (REST headers; the SDK's keyword arguments)
=============  ==============================================================
``provider``   nothing: Oracle-managed keys are the default
``kms``        ``opc-sse-kms-key-id`` (a Vault key OCID) on PutObject,
               CreateMultipartUpload and every UploadPart
``customer``   ``opc-sse-customer-algorithm: AES256``,
               ``opc-sse-customer-key`` (base64) and
               ``opc-sse-customer-key-sha256`` on PutObject,
               CreateMultipartUpload, **every** UploadPart, GetObject and
               HeadObject; on CopyObject also as ``opc-source-sse-customer-*``
=============  ==============================================================

HeadObject and GetObject report ``opc-sse-kms-key-id`` for a Vault-key
object and ``opc-sse-customer-algorithm`` / ``opc-sse-customer-key-sha256``
for an SSE-C one. A bucket's default is its ``kmsKeyId``.

:class:`EncryptingClient` wraps the SDK client of a filesystem that has an
encryption setting, so that every one of these calls carries it, whichever
module makes the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omefs.encryption import Encryption

__all__ = ["EncryptingClient", "call_kwargs", "describe_headers"]

#: SDK calls that take the SSE-C headers.
_CUSTOMER_CALLS = frozenset({"put_object", "create_multipart_upload", "upload_part", "get_object",
                             "head_object", "copy_object"})
#: SDK calls that take ``opc-sse-kms-key-id``.
_KMS_CALLS = frozenset({"put_object", "create_multipart_upload", "upload_part", "copy_object"})


def call_kwargs(enc: Encryption | None, call: str) -> dict[str, Any]:
    """The SDK keyword arguments that carry ``enc`` on the call named ``call``.

    A CopyObject inside one filesystem reads its source and writes its copy with
    the same setting: the customer key goes as the source's key too.
    """
    if enc is None:
        return {}
    if enc.mode == "kms" and call in _KMS_CALLS:
        return {"opc_sse_kms_key_id": enc.key_id}
    if enc.mode == "customer" and call in _CUSTOMER_CALLS:
        out = {"opc_sse_customer_algorithm": "AES256",
               "opc_sse_customer_key": enc.key_base64,
               "opc_sse_customer_key_sha256": enc.key_sha256_base64}
        if call == "copy_object":
            out.update({k.replace("opc_sse_", "opc_source_sse_"): v for k, v in out.items()})
        return out
    return {}


def describe_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """The neutral ``encryption`` of a HeadObject/GetObject answer."""
    lower = {str(k).lower(): v for k, v in headers.items()}
    if lower.get("opc-sse-customer-algorithm"):
        return {"mode": "customer", "key_id": None}
    if lower.get("opc-sse-kms-key-id"):
        return {"mode": "kms", "key_id": lower["opc-sse-kms-key-id"]}
    return {"mode": "provider", "key_id": None}


class EncryptingClient:
    """An ``ObjectStorageClient`` whose object calls carry an encryption setting."""

    def __init__(self, client: Any, encryption: Encryption) -> None:
        self._client = client
        self._encryption = encryption

    @property
    def wrapped(self) -> Any:
        """The SDK client itself."""
        return self._client

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        extra = call_kwargs(self._encryption, name)
        if not extra or not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            for key, value in extra.items():
                kwargs.setdefault(key, value)
            return attr(*args, **kwargs)

        return call

    def __repr__(self) -> str:
        return f"<EncryptingClient {self._encryption!r}>"
