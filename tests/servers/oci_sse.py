"""Encryption at rest for the fake OCI Object Storage (:mod:`tests.servers.oci`).

As the OCI REST reference documents the headers ("PutObject",
"CreateMultipartUpload", "UploadPart", "GetObject", "HeadObject"):

* ``opc-sse-kms-key-id``: the object is encrypted with that Vault key
  (PutObject, CreateMultipartUpload); without it an object takes its
  bucket's ``kmsKeyId``, else Oracle-managed keys;
* ``opc-sse-customer-algorithm`` (``AES256``), ``opc-sse-customer-key``
  (base64 of 32 bytes) and ``opc-sse-customer-key-sha256`` (base64 SHA-256
  of the key) come together, and the hash must match the key; an SSE-C
  upload needs the same key on **every** UploadPart; GetObject and
  HeadObject of an SSE-C object need the key (400 without it, 400 with
  another one) — the fake's messages say "customer-provided encryption key";
* a KMS key and a customer key on one request are refused;
* CopyObject of an SSE-C source needs its key as ``opc-source-sse-customer-*``;
  the copy is encrypted as the request's ``opc-sse-*`` headers say (else by
  the destination bucket's ``kmsKeyId``);
* answers to GetObject/HeadObject carry ``opc-sse-kms-key-id`` or
  ``opc-sse-customer-algorithm`` and ``opc-sse-customer-key-sha256``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Sse", "check_copy_source", "check_part", "check_read", "request_sse",
           "response_headers"]


class SseRefused(Exception):
    """A request the service refuses: ``(status, code, message)``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Sse:
    """How one object (or upload) is encrypted."""

    kms_key_id: str | None = None
    customer_sha256: str | None = None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _customer(headers: Mapping[str, str], prefix: str = "opc-sse-customer-") -> str | None:
    """The key hash an SSE-C request carries under ``prefix`` (checked), or None."""
    algo = _header(headers, prefix + "algorithm")
    key = _header(headers, prefix + "key")
    sha = _header(headers, prefix + "key-sha256")
    if not (algo or key or sha):
        return None
    if algo != "AES256" or not key or not sha:
        raise SseRefused(400, "InvalidParameter", "opc-sse-customer-algorithm must be AES256 and "
                         "opc-sse-customer-key and opc-sse-customer-key-sha256 must be given")
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise SseRefused(400, "InvalidParameter", "opc-sse-customer-key is not base64") from None
    if len(raw) != 32:
        raise SseRefused(400, "InvalidParameter", "opc-sse-customer-key must be a 256-bit key")
    if base64.b64encode(hashlib.sha256(raw).digest()).decode() != sha:
        raise SseRefused(400, "InvalidParameter",
                         "opc-sse-customer-key-sha256 does not match opc-sse-customer-key")
    return sha


def request_sse(headers: Mapping[str, str], bucket_kms_key_id: str | None) -> Sse:
    """How a PutObject/CreateMultipartUpload asks the object to be encrypted."""
    customer = _customer(headers)
    kms = _header(headers, "opc-sse-kms-key-id")
    if customer and kms:
        raise SseRefused(400, "InvalidParameter",
                         "opc-sse-kms-key-id and opc-sse-customer-key cannot be used together")
    if customer:
        return Sse(customer_sha256=customer)
    return Sse(kms_key_id=kms or bucket_kms_key_id)


def check_part(upload: Sse, headers: Mapping[str, str]) -> None:
    """Every UploadPart of an SSE-C upload carries the upload's key."""
    given = _customer(headers)
    if upload.customer_sha256 != given:
        raise SseRefused(400, "InvalidParameter", "the customer-provided encryption key of the part "
                         "does not match the one the multipart upload was created with")


def check_read(obj: Sse, headers: Mapping[str, str], prefix: str = "opc-sse-customer-") -> None:
    """GetObject/HeadObject of an SSE-C object needs its key (CopyObject: as
    ``opc-source-sse-customer-*``, :func:`check_copy_source`)."""
    given = _customer(headers, prefix)
    if obj.customer_sha256 is None:
        if given:
            raise SseRefused(400, "InvalidParameter", "the object is not encrypted with a "
                             "customer-provided encryption key")
        return
    if given is None:
        raise SseRefused(400, "InvalidParameter", "the object is encrypted with a customer-provided "
                         "encryption key: the request must carry it (opc-sse-customer-*)")
    if given != obj.customer_sha256:
        raise SseRefused(400, "InvalidParameter", "the customer-provided encryption key does not "
                         "match the key the object was encrypted with")


def check_copy_source(obj: Sse, headers: Mapping[str, str]) -> None:
    """CopyObject of an SSE-C source needs its key as ``opc-source-sse-customer-*``."""
    check_read(obj, headers, "opc-source-sse-customer-")


def response_headers(obj: Sse) -> dict[str, str]:
    """The headers GetObject/HeadObject add for ``obj``."""
    if obj.customer_sha256:
        return {"opc-sse-customer-algorithm": "AES256",
                "opc-sse-customer-key-sha256": obj.customer_sha256}
    if obj.kms_key_id:
        return {"opc-sse-kms-key-id": obj.kms_key_id}
    return {}
