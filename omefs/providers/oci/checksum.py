"""The MD5 forms OCI Object Storage uses, and checking bytes against them.

* ``Content-MD5`` — base64 MD5 of the whole body. Sent with a single-part
  ``PutObject`` and with each ``UploadPart``; the service rejects a body
  that does not match, and returns it (``Content-MD5`` on GET/HEAD of a
  single-part object, ``opc-content-md5`` on PUT responses).
* ``opc-multipart-md5`` — for a multipart object: base64 MD5 of the
  concatenated binary MD5s of its parts, then ``-`` and the part count.
  It identifies the object but cannot check a download without the part
  boundaries.
* ``opc-meta-md5`` — OME's convention: the whole object's base64 MD5,
  stored as user metadata when a multipart upload is created, so a
  multipart object can be checked end to end after download.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "META_MD5_KEY",
    "b64md5",
    "expected_md5",
    "multipart_md5",
]

#: The metadata key (as sent, with OCI's ``opc-meta-`` prefix) OME uses for a whole-object MD5.
META_MD5_KEY = "opc-meta-md5"


def b64md5(data: bytes | bytearray | memoryview) -> str:
    """Base64 MD5 of ``data``, the form of ``Content-MD5``."""
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


def digest_to_b64(digest: bytes) -> str:
    """Base64 of a binary digest."""
    return base64.b64encode(digest).decode("ascii")


def multipart_md5(part_digests: Iterable[bytes]) -> str:
    """``opc-multipart-md5`` for parts with these binary MD5 digests, in part order."""
    digests = list(part_digests)
    combined = hashlib.md5(b"".join(digests)).digest()
    return f"{digest_to_b64(combined)}-{len(digests)}"


def _get(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, val in headers.items():
            if str(key).lower() == lowered:
                return str(val)
    return str(value) if value is not None else None


def expected_md5(headers: Mapping[str, Any]) -> tuple[str, str] | None:
    """The whole-object MD5 a download can be checked against, from object headers.

    Returns ``(source, base64 md5)`` — source ``"Content-MD5"`` for a
    single-part object, ``"opc-meta-md5"`` for a multipart object uploaded
    with OME's convention — or None when the object carries neither (a
    multipart object from another tool: only its size can be checked).
    """
    content_md5 = _get(headers, "Content-MD5")
    if content_md5 and "-" not in content_md5:
        return "Content-MD5", content_md5
    meta = _get(headers, META_MD5_KEY)
    if meta:
        return META_MD5_KEY, meta
    return None
