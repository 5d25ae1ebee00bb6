"""GCS encryption at rest: Google-managed keys, CMEK and CSEK, from the neutral setting.

=============  ==============================================================
neutral        GCS JSON API
=============  ==============================================================
``provider``   nothing: Google-managed keys (or the bucket's default CMEK)
``kms``        ``kmsKeyName`` on the upload request (simple upload and the
               request that opens a resumable one); ``destinationKmsKeyName``
               on a rewrite
``customer``   ``x-goog-encryption-algorithm: AES256``,
               ``x-goog-encryption-key`` (base64) and
               ``x-goog-encryption-key-sha256`` on **every** request that
               reads or writes object data (the upload, each chunk of a
               resumable upload, media downloads, metadata reads); the
               ``x-goog-copy-source-encryption-*`` set too on a rewrite
=============  ==============================================================

The object resource reports ``kmsKeyName`` (with the key version) or
``customerEncryption {encryptionAlgorithm, keySha256}``. A bucket's
default is ``encryption.defaultKmsKeyName``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from omefs.encryption import Encryption, parse_encryption
from omefs.errors import ConfigError

__all__ = ["apply", "bucket_patch", "describe_bucket", "describe_object"]

_VERSION = re.compile(r"/cryptoKeyVersions/[^/]+$")


def _is_object_request(url: str) -> bool:
    """Whether ``url`` reads or writes an object (not a bucket or a listing)."""
    return "/o/" in url or "/upload/" in url or "upload_id=" in url


def apply(enc: Encryption | None, method: str, url: str, headers: Mapping[str, str] | None,
          params: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The headers and query parameters of a request to ``url`` that carries ``enc``."""
    out = dict(headers or {})
    if enc is None or not _is_object_request(url):
        return out, params
    rewrite = "/rewriteTo/" in url or "/copyTo/" in url
    if enc.mode == "customer":
        csek = {"algorithm": "AES256", "key": enc.key_base64, "key-sha256": enc.key_sha256_base64}
        for name, value in csek.items():
            out[f"x-goog-encryption-{name}"] = value
            if rewrite:
                out[f"x-goog-copy-source-encryption-{name}"] = value
    elif enc.mode == "kms":
        if rewrite:
            params.setdefault("destinationKmsKeyName", enc.key_id)
        elif method == "POST" and "/upload/" in url and "upload_id=" not in url:
            params.setdefault("kmsKeyName", enc.key_id)
    return out, params


def _key_name(name: Any) -> str | None:
    """A CMEK key name without its ``/cryptoKeyVersions/N`` suffix."""
    return _VERSION.sub("", name) if isinstance(name, str) and name else None


def describe_object(resource: Mapping[str, Any]) -> dict[str, Any]:
    """The neutral ``encryption`` of an object resource."""
    if resource.get("customerEncryption"):
        return {"mode": "customer", "key_id": None}
    key = _key_name(resource.get("kmsKeyName"))
    if key:
        return {"mode": "kms", "key_id": key}
    return {"mode": "provider", "key_id": None}


def bucket_patch(encryption: Any) -> dict[str, Any]:
    """The bucket PATCH body that sets a default (``kms``) or removes it (``provider``)."""
    enc = parse_encryption(encryption)
    if enc is None or enc.mode == "customer":
        raise ConfigError("a GCS bucket's default encryption is 'provider' (Google-managed) or "
                          "'kms' (defaultKmsKeyName); a customer key is given per request",
                          operation="set-encryption", provider="gcs")
    return {"encryption": {"defaultKmsKeyName": enc.key_id} if enc.mode == "kms" else None}


def describe_bucket(resource: Mapping[str, Any]) -> dict[str, Any] | None:
    """The neutral default of a bucket resource (None: Google-managed)."""
    key = _key_name((resource.get("encryption") or {}).get("defaultKmsKeyName"))
    return {"mode": "kms", "key_id": key} if key else None
