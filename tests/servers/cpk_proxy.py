"""Azure customer-provided keys (CPK) and encryption scopes in front of Azurite.

Azurite has neither (it answers 500 to the CPK headers). This checker does
what the Blob service REST reference documents ("Provide an encryption key
on a request to Blob storage", "Encryption scopes"):

* ``x-ms-encryption-key`` (base64 of 32 bytes), ``x-ms-encryption-key-sha256``
  and ``x-ms-encryption-algorithm: AES256`` come together; a hash that does
  not match the key is 400;
* Put Blob, **every** Put Block and Put Block List of a CPK blob carry the
  key (a block list whose blocks were sent with another key is refused);
* Get Blob / Get Blob Properties of a CPK blob without the key: 409
  ``BlobUsesCustomerSpecifiedEncryption``; with another key: 409
  ``BlobCustomerSpecifiedEncryptionMismatch``; a key for a blob without one:
  409 ``BlobDoesNotUseCustomerSpecifiedEncryption``;
* ``x-ms-encryption-scope`` on a write puts the blob in that scope; a key and
  a scope on one request are refused;
* answers carry ``x-ms-server-encrypted`` / ``x-ms-request-server-encrypted``,
  ``x-ms-encryption-key-sha256`` or ``x-ms-encryption-scope``, and List Blobs
  reports ``CustomerProvidedKeySha256`` / ``EncryptionScope`` per blob.

The headers are taken off before Azurite sees the request.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape

from tests.servers.checking_proxy import Checker, Exchange, Reply

__all__ = ["CpkChecker"]

_BLOB_COMPS = (None, "block", "blocklist", "metadata")


def _error(status: int, code: str, message: str, head: bool = False) -> Reply:
    body = b"" if head else (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code>"
                             f"<Message>{message}</Message></Error>").encode()
    return Reply(status, {"content-type": "application/xml", "x-ms-error-code": code}, body)


class CpkChecker(Checker):
    """CPK and encryption scopes as the Blob service checks and reports them."""

    def __init__(self, account: str = "devstoreaccount1") -> None:
        super().__init__()
        self.account = account
        self.blobs: dict[tuple[str, str], dict[str, str]] = {}  # -> {"sha"} or {"scope"}
        self.blocks: dict[tuple[str, str], set[str | None]] = {}
        self.block_keys: list[str | None] = []  # the key hash each Put Block carried

    def reset(self) -> None:
        with self.lock:
            self.blobs.clear()
            self.blocks.clear()
            self.block_keys.clear()

    def _blob(self, ex: Exchange) -> tuple[str, str] | None:
        parts = ex.path.lstrip("/").split("/", 2)
        if parts and parts[0] == self.account:
            parts = parts[1:]
        else:
            parts = ex.path.lstrip("/").split("/", 1)
        if len(parts) < 2 or not parts[1] or "restype" in ex.query:
            return None
        return parts[0], parts[1]

    @staticmethod
    def _key(ex: Exchange) -> tuple[str | None, Reply | None]:
        given = ex.pop("x-ms-encryption-key", "x-ms-encryption-key-sha256",
                       "x-ms-encryption-algorithm")
        if not given:
            return None, None
        key, sha = given.get("x-ms-encryption-key"), given.get("x-ms-encryption-key-sha256")
        head = ex.method == "HEAD"
        if given.get("x-ms-encryption-algorithm") != "AES256" or not key or not sha:
            return None, _error(400, "MissingRequiredHeader", "x-ms-encryption-key, -key-sha256 "
                                "and -algorithm (AES256) are required together.", head)
        raw = base64.b64decode(key)
        if len(raw) != 32 or base64.b64encode(hashlib.sha256(raw).digest()).decode() != sha:
            return None, _error(400, "InvalidHeaderValue", "The value for one of the HTTP headers "
                                "is not in the correct format: x-ms-encryption-key-sha256.", head)
        return sha, None

    def request(self, ex: Exchange) -> Reply | None:
        sha, bad = self._key(ex)
        if bad:
            return bad
        scope = ex.pop("x-ms-encryption-scope").get("x-ms-encryption-scope")
        head = ex.method == "HEAD"
        if sha and scope:
            return _error(400, "InvalidHeaderValue", "An encryption scope and a customer-provided "
                          "key cannot be used on one request.", head)
        ex.note.update(sha=sha, scope=scope)
        blob = self._blob(ex)
        comp = ex.arg("comp")
        if blob is None or comp not in _BLOB_COMPS:
            return None
        with self.lock:
            stored = self.blobs.get(blob, {})
            if ex.method in ("GET", "HEAD") and comp is None:
                if stored.get("sha") and sha is None:
                    return _error(409, "BlobUsesCustomerSpecifiedEncryption", "The blob is "
                                  "encrypted with customer specified encryption, but it was not "
                                  "provided in the request.", head)
                if stored.get("sha") and sha != stored["sha"]:
                    return _error(409, "BlobCustomerSpecifiedEncryptionMismatch", "The given "
                                  "customer specified encryption does not match the encryption "
                                  "used to encrypt the blob.", head)
                if sha and not stored.get("sha"):
                    return _error(409, "BlobDoesNotUseCustomerSpecifiedEncryption", "The blob is "
                                  "not encrypted with customer specified encryption.", head)
            if ex.method == "PUT" and comp == "block":
                self.block_keys.append(sha)
                self.blocks.setdefault(blob, set()).add(sha)
            if ex.method == "PUT" and comp == "blocklist":
                if self.blocks.get(blob, {sha}) != {sha}:
                    return _error(409, "BlobCustomerSpecifiedEncryptionMismatch", "The blocks "
                                  "were uploaded with another customer-provided key.")
        return None

    def response(self, ex: Exchange, reply: Reply) -> Reply:
        if reply.status >= 300:
            return reply
        sha, scope = ex.note.get("sha"), ex.note.get("scope")
        blob = self._blob(ex)
        comp = ex.arg("comp")
        with self.lock:
            if blob is not None and ex.method == "PUT" and comp in (None, "blocklist"):
                self.blobs[blob] = {"sha": sha} if sha else {"scope": scope} if scope else {}
                self.blocks.pop(blob, None)
            elif blob is not None and ex.method == "DELETE" and comp is None:
                self.blobs.pop(blob, None)
            stored = self.blobs.get(blob, {}) if blob is not None else {}
            if blob is not None and comp in _BLOB_COMPS:
                encrypted = "x-ms-request-server-encrypted" if ex.method == "PUT" else \
                    "x-ms-server-encrypted"
                reply.headers[encrypted] = "true"
                if stored.get("sha") or sha:
                    reply.headers["x-ms-encryption-key-sha256"] = stored.get("sha") or sha or ""
                if stored.get("scope") or scope:
                    reply.headers["x-ms-encryption-scope"] = stored.get("scope") or scope or ""
            if ex.arg("comp") == "list" and ex.arg("restype") == "container" and reply.body:
                container = ex.path.rstrip("/").rsplit("/", 1)[-1]
                reply.body = self._annotate_listing(container, reply.body)
        return reply

    def _annotate_listing(self, container: str, body: bytes) -> bytes:
        text = body.decode("utf-8")

        def blob(match: re.Match[str]) -> str:
            name = match.group(1)
            enc = self.blobs.get((container, _unescape(name)), {})
            extra = ""
            if enc.get("sha"):
                extra = f"<CustomerProvidedKeySha256>{escape(enc['sha'])}</CustomerProvidedKeySha256>"
            elif enc.get("scope"):
                extra = f"<EncryptionScope>{escape(enc['scope'])}</EncryptionScope>"
            return match.group(0) + extra

        text = re.sub(r"<Blob><Name>([^<]*)</Name>.*?<Properties>", blob, text, flags=re.S)
        return text.encode("utf-8")


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))
