"""S3 encryption at rest: SSE-S3, SSE-KMS and SSE-C, from the neutral setting.

=============  =======================================================
neutral        S3 request parameters (botocore names)
=============  =======================================================
``provider``   ``ServerSideEncryption="AES256"`` (SSE-S3)
``kms``        ``ServerSideEncryption="aws:kms"``, ``SSEKMSKeyId``
``customer``   ``SSECustomerAlgorithm="AES256"``, ``SSECustomerKey``
               (botocore adds the key's MD5); the same as
               ``CopySourceSSECustomer*`` for a copy inside the bucket
=============  =======================================================

s3fs hands its ``s3_additional_kwargs`` to every call whose input shape
takes them: PutObject, CreateMultipartUpload, **every** UploadPart and
CompleteMultipartUpload, GetObject and HeadObject (which S3 refuses
without the key for an SSE-C object), CopyObject.
"""

from __future__ import annotations

from typing import Any

from omefs.encryption import Encryption, parse_encryption
from omefs.errors import ConfigError

__all__ = ["bucket_rule", "describe_head", "describe_rule", "request_params"]


def request_params(enc: Encryption | None) -> dict[str, Any]:
    """The botocore parameters that write and read objects with ``enc``."""
    if enc is None:
        return {}
    if enc.mode == "provider":
        return {"ServerSideEncryption": "AES256"}
    if enc.mode == "kms":
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": enc.key_id}
    key = enc.key
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key,
            "CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def describe_head(head: dict[str, Any]) -> dict[str, Any] | None:
    """The neutral ``encryption`` of a HeadObject answer (mode and key id, never key material)."""
    if head.get("SSECustomerAlgorithm"):
        return {"mode": "customer", "key_id": None}
    sse = head.get("ServerSideEncryption")
    if sse in ("aws:kms", "aws:kms:dsse"):
        return {"mode": "kms", "key_id": head.get("SSEKMSKeyId")}
    if sse:
        return {"mode": "provider", "key_id": None}
    return None


def bucket_rule(encryption: Any) -> dict[str, Any]:
    """The PutBucketEncryption document for a bucket default (``provider`` or ``kms``)."""
    enc = parse_encryption(encryption)
    if enc is None or enc.mode == "customer":
        raise ConfigError("an S3 bucket's default encryption is 'provider' (SSE-S3) or 'kms' "
                          "(SSE-KMS); a customer key is given per request", operation="set-encryption",
                          provider="s3")
    default: dict[str, Any] = {"SSEAlgorithm": "AES256" if enc.mode == "provider" else "aws:kms"}
    if enc.mode == "kms":
        default["KMSMasterKeyID"] = enc.key_id
    return {"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}


def describe_rule(config: dict[str, Any]) -> dict[str, Any] | None:
    """The neutral setting of a GetBucketEncryption answer."""
    for rule in config.get("Rules") or []:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        algo = default.get("SSEAlgorithm")
        if algo in ("aws:kms", "aws:kms:dsse"):
            return {"mode": "kms", "key_id": default.get("KMSMasterKeyID")}
        if algo:
            return {"mode": "provider", "key_id": None}
    return None
