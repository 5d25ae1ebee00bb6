"""S3 SSE-C (customer-provided keys) in front of moto, which has none.

Checks as Amazon S3 documents them ("Using server-side encryption with
customer-provided keys"):

* the headers ``x-amz-server-side-encryption-customer-algorithm`` (only
  ``AES256``), ``…-customer-key`` (base64 of 32 bytes) and ``…-customer-key-MD5``
  (base64 MD5 of the key) come together; a wrong MD5 is 400 ``InvalidArgument``;
* PutObject and CreateMultipartUpload with them make an SSE-C object;
  **every** UploadPart of such an upload must carry the same key (400
  ``InvalidRequest`` otherwise), and so must CompleteMultipartUpload's
  object afterwards;
* GetObject/HeadObject of an SSE-C object without the key: 400
  ``InvalidRequest`` ("The object was stored using a form of Server Side
  Encryption…"; HEAD has no body); with another key: 403 ``AccessDenied``;
* CopyObject of an SSE-C source needs ``x-amz-copy-source-server-side-
  encryption-customer-*``;
* answers carry ``…-customer-algorithm`` and ``…-customer-key-MD5``.

The headers are taken off before moto sees the request.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import unquote

from tests.servers.checking_proxy import Checker, Exchange, Reply

__all__ = ["SseCChecker"]

_P = "x-amz-server-side-encryption-customer-"
_C = "x-amz-copy-source-server-side-encryption-customer-"
_NOT_SSE_C_READ = ("The object was stored using a form of Server Side Encryption. The correct "
                   "parameters must be provided to retrieve the object.")


def _error(status: int, code: str, message: str, head: bool = False) -> Reply:
    body = b"" if head else (
        f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
        f"<Message>{message}</Message></Error>").encode()
    return Reply(status, {"content-type": "application/xml", "content-length": str(len(body))},
                 body)


class SseCChecker(Checker):
    """SSE-C as S3 checks it (path-style requests)."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[tuple[str, str], str] = {}  # (bucket, key) -> key MD5
        self.uploads: dict[str, str] = {}  # upload id -> key MD5
        self.seen_part_keys: list[str | None] = []  # the key MD5 of each UploadPart

    def reset(self) -> None:
        with self.lock:
            self.objects.clear()
            self.uploads.clear()
            self.seen_part_keys.clear()

    @staticmethod
    def _key(ex: Exchange, prefix: str) -> tuple[str | None, Reply | None]:
        """The key MD5 the request carries under ``prefix`` (None: none); a Reply if malformed."""
        given = ex.pop(prefix + "algorithm", prefix + "key", prefix + "key-md5")
        if not given:
            return None, None
        algo, key, md5 = (given.get(prefix + n) for n in ("algorithm", "key", "key-md5"))
        if algo != "AES256" or not key or not md5:
            return None, _error(400, "InvalidArgument", "The SSE-C algorithm must be AES256 and "
                                "the key and its MD5 must be given.", ex.method == "HEAD")
        raw = base64.b64decode(key)
        if len(raw) != 32:
            return None, _error(400, "InvalidArgument", "The secret key was invalid for the "
                                "specified algorithm.", ex.method == "HEAD")
        if base64.b64encode(hashlib.md5(raw).digest()).decode() != md5:
            return None, _error(400, "InvalidArgument", "The calculated MD5 hash of the key did "
                                "not match the hash that was provided.", ex.method == "HEAD")
        return md5, None

    @staticmethod
    def _object(ex: Exchange) -> tuple[str, str]:
        bucket, _, key = ex.path.lstrip("/").partition("/")
        return bucket, key

    def request(self, ex: Exchange) -> Reply | None:
        md5, bad = self._key(ex, _P)
        if bad:
            return bad
        src_md5, bad = self._key(ex, _C)
        if bad:
            return bad
        ex.note["md5"] = md5
        bucket, key = self._object(ex)
        head = ex.method == "HEAD"
        if not key:
            return None
        with self.lock:
            if ex.method in ("GET", "HEAD") and "uploadId" not in ex.query:
                stored = self.objects.get((bucket, key))
                if stored and md5 is None:
                    return _error(400, "InvalidRequest", _NOT_SSE_C_READ, head)
                if stored and md5 != stored:
                    return _error(403, "AccessDenied", "Access Denied", head)
            if ex.method == "PUT" and "uploadId" in ex.query:
                upload = ex.arg("uploadId") or ""
                self.seen_part_keys.append(md5)
                if self.uploads.get(upload) != md5:
                    return _error(400, "InvalidRequest", "The provided encryption parameters did "
                                  "not match the ones used originally.")
            source = ex.header("x-amz-copy-source")
            if ex.method == "PUT" and source:
                sb, _, sk = unquote(source).lstrip("/").partition("/")
                stored = self.objects.get((sb, sk.split("?")[0]))
                if stored != src_md5:
                    return _error(400, "InvalidRequest", "The object was stored using a form of "
                                  "Server Side Encryption. The correct parameters must be "
                                  "provided to retrieve the object.")
        return None

    def response(self, ex: Exchange, reply: Reply) -> Reply:
        md5 = ex.note.get("md5")
        bucket, key = self._object(ex)
        if reply.status >= 300 or not key:
            return reply
        with self.lock:
            if (ex.method in ("GET", "HEAD") and "uploadId" not in ex.query and md5
                    and (bucket, key) not in self.objects):
                # a key for an object that exists without one (a missing one is 404, as above)
                return _error(400, "InvalidRequest", "The encryption parameters are not "
                              "applicable to this object.", ex.method == "HEAD")
            if ex.method == "POST" and "uploads" in ex.query:
                found = re.search(rb"<UploadId>([^<]+)</UploadId>", reply.body)
                if found:
                    self.uploads[found.group(1).decode()] = md5
            elif ex.method == "POST" and "uploadId" in ex.query:
                upload_md5 = self.uploads.pop(ex.arg("uploadId") or "", None)
                self._store(bucket, key, upload_md5)
                md5 = upload_md5
            elif ex.method == "PUT" and "uploadId" not in ex.query:
                self._store(bucket, key, md5)
            elif ex.method == "DELETE" and "uploadId" not in ex.query:
                self.objects.pop((bucket, key), None)
        if md5:
            reply.headers[_P + "algorithm"] = "AES256"
            reply.headers[_P + "key-md5"] = md5
        return reply

    def _store(self, bucket: str, key: str, md5: str | None) -> None:
        if md5:
            self.objects[(bucket, key)] = md5
        else:
            self.objects.pop((bucket, key), None)
