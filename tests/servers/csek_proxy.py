"""GCS customer-supplied keys (CSEK) and CMEK in front of gcp-storage-emulator.

The emulator ignores the CSEK headers and does not report ``kmsKeyName``.
This checker does what the JSON API reference documents ("Customer-supplied
encryption keys", "Customer-managed encryption keys"):

* ``x-goog-encryption-algorithm`` (``AES256``), ``x-goog-encryption-key``
  (base64 of 32 bytes) and ``x-goog-encryption-key-sha256`` come together
  and the hash must match the key (400 otherwise);
* an upload with them makes a CSEK object; **every** request of a
  resumable upload must carry the same key;
* media downloads of a CSEK object need the key: 400 "The target object is
  encrypted by a customer-supplied encryption key." without it, 400 with
  another key; a key sent for an object that has none is refused too;
  metadata reads work without the key (and report ``customerEncryption``);
* ``kmsKeyName`` on an upload (or the bucket's ``encryption.defaultKmsKeyName``)
  makes a CMEK object, reported as ``kmsKeyName`` with a key version;
  ``kmsKeyName`` together with a customer key is refused;
* object resources (upload answers, metadata reads, listings) carry
  ``customerEncryption {encryptionAlgorithm, keySha256}`` or ``kmsKeyName``.

The CSEK headers are taken off before the emulator sees the request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers.checking_proxy import Checker, Exchange, Reply

__all__ = ["CsekChecker"]

_H = "x-goog-encryption-"
_OBJECT = re.compile(r"^(?:/download)?/storage/v1/b/([^/]+)/o/(.+)$")
_UPLOAD = re.compile(r"^/upload/storage/v1/b/([^/]+)/o$")
_BUCKET = re.compile(r"^/storage/v1/b/([^/]+)$")
_LIST = re.compile(r"^/storage/v1/b/([^/]+)/o$")


def _error(status: int, reason: str, message: str, head: bool = False) -> Reply:
    body = b"" if head else json.dumps({"error": {"code": status, "message": message, "errors": [
        {"domain": "global", "reason": reason, "message": message}]}}).encode()
    return Reply(status, {"content-type": "application/json"}, body)


class CsekChecker(Checker):
    """CSEK and CMEK as the GCS JSON API checks and reports them."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}  # -> {"sha"} or {"kms"}
        self.sessions: dict[str, tuple[str, str, dict[str, Any]]] = {}  # upload id -> object
        self.bucket_keys: dict[str, str] = {}
        self.chunk_keys: list[str | None] = []  # the key hash of each resumable chunk

    def reset(self) -> None:
        with self.lock:
            self.objects.clear()
            self.sessions.clear()
            self.bucket_keys.clear()
            self.chunk_keys.clear()

    @staticmethod
    def _key(ex: Exchange) -> tuple[str | None, Reply | None]:
        given = ex.pop(_H + "algorithm", _H + "key", _H + "key-sha256")
        if not given:
            return None, None
        algo, key, sha = (given.get(_H + n) for n in ("algorithm", "key", "key-sha256"))
        if algo != "AES256" or not key or not sha:
            return None, _error(400, "invalid", "Missing an encryption algorithm, key or key hash.")
        raw = base64.b64decode(key)
        if len(raw) != 32:
            return None, _error(400, "customerEncryptionKeyFormatIsInvalid",
                                "Invalid customer-supplied encryption key: it must be 256 bits.")
        if base64.b64encode(hashlib.sha256(raw).digest()).decode() != sha:
            return None, _error(400, "customerEncryptionKeySha256IsInvalid",
                                "The provided encryption key hash does not match the key.")
        return sha, None

    def request(self, ex: Exchange) -> Reply | None:
        sha, bad = self._key(ex)
        if bad:
            return bad
        ex.pop("x-goog-copy-source-encryption-algorithm", "x-goog-copy-source-encryption-key",
               "x-goog-copy-source-encryption-key-sha256")
        ex.note["sha"] = sha
        kms = ex.arg("kmsKeyName")
        if kms and sha:
            return _error(400, "invalid", "kmsKeyName cannot be used with a customer-supplied "
                          "encryption key.")
        with self.lock:
            upload = ex.arg("upload_id")
            if upload is not None:  # a chunk of a resumable upload (PUT, or POST as gcsfs sends)
                self.chunk_keys.append(sha)
                session = self.sessions.get(upload)
                if session is not None and session[2].get("sha") != sha:
                    return _error(400, "customerEncryptionKeyIsIncorrect", "The customer-supplied "
                                  "encryption key of this request does not match the upload's.")
                return None
            found = _OBJECT.match(ex.path)
            if found and ex.method == "GET" and (ex.arg("alt") == "media" or
                                                 ex.path.startswith("/download/")):
                stored = self.objects.get((found[1], found[2]), {})
                if stored.get("sha") and sha is None:
                    return _error(400, "resourceIsEncryptedWithCustomerEncryptionKey",
                                  "The target object is encrypted by a customer-supplied "
                                  "encryption key.")
                if stored.get("sha") and sha != stored["sha"]:
                    return _error(400, "customerEncryptionKeyIsIncorrect", "The provided "
                                  "customer-supplied encryption key is incorrect.")
                if sha and not stored.get("sha"):
                    return _error(400, "resourceNotEncryptedWithCustomerEncryptionKey",
                                  "The target object is not encrypted by a customer-supplied "
                                  "encryption key.")
            uploading = _UPLOAD.match(ex.path)
            if uploading and ex.method == "POST":
                bucket = uploading[1]
                kms = kms or (None if sha else self.bucket_keys.get(bucket))
                ex.note["enc"] = {"sha": sha} if sha else {"kms": kms} if kms else {}
        return None

    def response(self, ex: Exchange, reply: Reply) -> Reply:
        if reply.status >= 300:
            return reply
        with self.lock:
            self._record(ex, reply)
            if "json" in reply.headers.get("content-type", "") and reply.body:
                try:
                    doc = json.loads(reply.body)
                except ValueError:
                    return reply
                if isinstance(doc, dict):
                    self._annotate(doc)
                    for item in doc.get("items") or []:
                        if isinstance(item, dict):
                            self._annotate(item)
                    reply.body = json.dumps(doc).encode()
        return reply

    def _record(self, ex: Exchange, reply: Reply) -> None:
        """Remember the encryption of objects written, sessions opened, bucket defaults set."""
        found = _OBJECT.match(ex.path)
        if found and ex.method == "DELETE":
            self.objects.pop((found[1], found[2]), None)
        bucket = _BUCKET.match(ex.path)
        if bucket and ex.method in ("PATCH", "PUT") and ex.body:
            default = ((json.loads(ex.body).get("encryption") or {}).get("defaultKmsKeyName"))
            if default:
                self.bucket_keys[bucket[1]] = default
            else:
                self.bucket_keys.pop(bucket[1], None)
        uploading = _UPLOAD.match(ex.path)
        upload = ex.arg("upload_id")
        if uploading and ex.method == "POST" and upload is None:
            enc = ex.note.get("enc") or {}
            location = reply.headers.get("location")
            if location:  # a resumable upload opened: its chunks come here too
                reply.headers["location"] = self.local_url(location)
                name = ex.arg("name") or json.loads(ex.body or b"{}").get("name", "")
                upload = parse_qs(urlsplit(location).query).get("upload_id", [""])[0]
                self.sessions[upload] = (uploading[1], name, enc)
            else:
                doc = json.loads(reply.body or b"{}")
                self.objects[(uploading[1], doc.get("name", ""))] = enc
        if upload is not None and reply.status in (200, 201):
            session = self.sessions.pop(upload, None)
            if session is not None:
                self.objects[(session[0], session[1])] = session[2]

    def _annotate(self, doc: dict[str, Any]) -> None:
        if doc.get("kind") == "storage#bucket":
            # a default set to null is removed (the emulator keeps the old one)
            default = self.bucket_keys.get(doc.get("name", ""))
            doc.pop("encryption", None)
            if default:
                doc["encryption"] = {"defaultKmsKeyName": default}
            return
        if doc.get("kind") != "storage#object":
            return
        enc = self.objects.get((doc.get("bucket", ""), doc.get("name", "")), {})
        doc.pop("kmsKeyName", None)
        if enc.get("sha"):
            doc["customerEncryption"] = {"encryptionAlgorithm": "AES256", "keySha256": enc["sha"]}
        elif enc.get("kms"):
            doc["kmsKeyName"] = enc["kms"] + "/cryptoKeyVersions/1"
