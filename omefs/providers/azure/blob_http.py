"""Put Blob, Put Block (List) and Get Blob Properties as plain HTTP, signed by obstore or a token.

The copy engine's Azure writes carry ``Content-MD5`` so that the service
refuses bytes that changed on the way (:mod:`.checked_write`). obstore
cannot send that header, and the Azure SDK's pipeline costs one to two
milliseconds of client CPU per request (and adlfs, azure-storage-blob and
aiohttp a quarter of a second to import). A Put Blob is one HTTP request
once it is authorised, so :class:`BlobHTTP` sends it through
:class:`~omefs.lean_http.LeanHTTP` and leaves the authorisation
to what already does it:

* an **account key** (a connection string's ``AccountKey``, ``account_key=``):
  obstore's ``sign`` makes a short-lived service SAS for the one blob and
  method (obstore's Azure signer, in Rust). It signs the percent-encoded
  name, which Azure refuses for a name that needs encoding (a space,
  non-ASCII letters): :meth:`BlobHTTP.takes` sends those through the SDK;
* a **SAS token**: appended to the URL as given;
* a **token credential** (azure-identity's sync credentials, which cache
  and renew the token): ``Authorization: Bearer``;
* **anonymous** access: nothing.

Anything else — an async-only credential, encryption settings (their
headers are the SDK client's), a request hook, a secondary location, a
proxy in the environment (:mod:`omefs.lean_http` goes through none) — keeps the
SDK client: :meth:`BlobHTTP.for_fs` answers None and the caller uses adlfs's.

A refusal becomes :class:`~omefs.errors.HTTPStatusError` with the status
and ``x-ms-error-code`` as its reason, which :mod:`omefs.providers.error_mapping`
and the engine's retry policy read as they read the SDK's errors; a 404 is
:class:`~omefs.errors.HTTPNotFoundError`, also a :class:`FileNotFoundError`.
"""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from omefs.errors import HTTPNotFoundError, HTTPStatusError

__all__ = ["API_VERSION", "BlobHTTP"]

#: The REST API version every request names (the one obstore's SAS tokens are made for).
API_VERSION = "2023-11-03"
#: How long a SAS made for one request stays valid.
_SAS_LIFETIME = timedelta(minutes=15)


def _error(method: str, what: str, status: int, headers: dict[str, str], body: bytes) -> HTTPStatusError:
    """Azure's refusal as omefs's plain-HTTP error: the status, ``x-ms-error-code`` as the
    reason, the ``<Message>`` of the body."""
    code = headers.get("x-ms-error-code")
    text = body.decode("utf-8", "replace")
    start, end = text.find("<Message>"), text.find("</Message>")
    detail = text[start + 9:end].splitlines()[0] if 0 <= start < end else method
    cls = HTTPNotFoundError if status == 404 else HTTPStatusError
    return cls(status, code, detail, f"{method} {what}", headers)


def _wire(block_id: str) -> str:
    """A block id as the SDK sends it: base64 of the id it is given."""
    return base64.b64encode(block_id.encode()).decode()


class BlobHTTP:
    """Requests to one Azure account's blob endpoint, authorised as its filesystem is."""

    def __init__(self, endpoint: str, *, account_name: str, account_key: str | None = None,
                 sas_token: str | None = None, credential: Any = None, verify: bool | str = True) -> None:
        from omefs.lean_http import LeanHTTP

        self.endpoint = endpoint.rstrip("/")
        self.account_name = account_name
        self._account_key = account_key
        self._sas = str(sas_token).lstrip("?") if sas_token else None
        self._credential = credential
        self._http = LeanHTTP(verify=verify)
        self._stores: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_fs(cls, fs: Any) -> BlobHTTP | None:
        """The fast path for an Azure filesystem (made once per filesystem), or None where only
        its SDK client can make the request (see the module's docstring)."""
        cached = getattr(fs, "_omefs_blob_http", False)
        if cached is None or isinstance(cached, BlobHTTP):
            return cached
        made = cls._make(fs)
        try:
            fs._omefs_blob_http = made
        except AttributeError:  # a filesystem that takes no new attributes: made each time
            pass
        return made

    @classmethod
    def for_blob(cls, fs: Any, blob: str) -> BlobHTTP | None:
        """:meth:`for_fs`, where it can authorise a request for ``blob`` (:meth:`takes`)."""
        lean = cls.for_fs(fs)
        return lean if lean is not None and lean.takes(blob) else None

    @classmethod
    def _make(cls, fs: Any) -> BlobHTTP | None:
        from omefs.lean_http import proxied
        from omefs.providers.azure.store import azure_settings, sync_token_credential
        from omefs.transfer.obstore_options import obstore_available

        if getattr(fs, "encryption", None) is not None or getattr(fs, "location_mode", None) not in (
                None, "primary"):
            return None
        extra = dict(getattr(fs, "_omefs_client_kwargs", None) or {})
        verify = extra.pop("connection_verify", True)
        if extra:  # a request hook or another client option only the SDK client applies
            return None
        s = azure_settings(fs)
        if not s["account_name"]:
            return None
        endpoint = s["endpoint"] or f"https://{s['account_name']}.blob.core.windows.net"
        if proxied(endpoint):
            return None
        if s["account_key"]:
            if not obstore_available():
                return None
            return cls(endpoint, account_name=s["account_name"], account_key=s["account_key"], verify=verify)
        if s["sas_token"]:
            return cls(endpoint, account_name=s["account_name"], sas_token=s["sas_token"], verify=verify)
        if s["credential"] is not None or not getattr(fs, "anon", False):
            credential = sync_token_credential(fs, s["credential"])
            if credential is None:
                return None
            return cls(endpoint, account_name=s["account_name"], credential=credential, verify=verify)
        return cls(endpoint, account_name=s["account_name"], verify=verify)

    # -- authorisation -------------------------------------------------------------------
    def takes(self, blob: str) -> bool:
        """Whether a request for ``blob`` can be authorised here. obstore's SAS signs the
        percent-encoded name where Azure signs the name itself, so with an account key only
        names that need no encoding are taken; the SDK client signs the others."""
        return not self._account_key or quote(blob, safe="/~") == blob

    def _store(self, container: str) -> Any:
        with self._lock:
            store = self._stores.get(container)
            if store is None:
                from obstore.store import AzureStore

                from omefs.transfer.obstore_options import (
                    client_options,
                    retry_config,
                    shared_store,
                )
                from omefs.transfer.options import DEFAULT_RETRIES

                # The arguments the engine's and the front's store of this container are
                # built with, so that signing shares their store rather than building one.
                config = {"account_name": self.account_name, "account_key": self._account_key,
                          "endpoint": self.endpoint}
                store = self._stores[container] = shared_store(
                    AzureStore, container, config, client_options=client_options(self.endpoint),
                    retry_config=retry_config(DEFAULT_RETRIES))
            return store

    def _authorised(self, method: str, container: str, blob: str) -> tuple[str, dict[str, str]]:
        """The URL and headers that authorise ``method`` on ``container/blob``."""
        headers = {"x-ms-version": API_VERSION}
        if self._account_key:
            import obstore

            # A HEAD needs read permission: the SAS of a GET grants it.
            url = obstore.sign(self._store(container), "GET" if method == "HEAD" else method,  # type: ignore[call-overload]
                               blob, _SAS_LIFETIME)
            return str(url), headers
        url = f"{self.endpoint}/{quote(container)}/{quote(blob)}"
        if self._sas:
            url += "?" + self._sas
        elif self._credential is not None:
            headers["Authorization"] = f"Bearer {self._credential()}"
        return url, headers

    # -- requests ------------------------------------------------------------------------
    def put_blob(self, container: str, blob: str, data: Any, md5: bytes | None) -> dict[str, str]:
        """One Put Blob of ``data`` (bytes-like); with ``md5`` as ``Content-MD5`` (checked by the
        service) and as the blob's stored MD5. The answer's headers, lower-case."""
        url, headers = self._authorised("PUT", container, blob)
        headers.update({"x-ms-blob-type": "BlockBlob", "Content-Type": "application/octet-stream",
                        "x-ms-blob-content-type": "application/octet-stream",
                        "Content-Length": str(memoryview(data).nbytes)})
        if md5 is not None:
            headers["Content-MD5"] = headers["x-ms-blob-content-md5"] = base64.b64encode(md5).decode()
        answer = self._http.request("PUT", url, body=data, headers=headers)
        if answer.status != 201:
            raise _error("Put Blob", f"{container}/{blob}", answer.status, answer.headers, answer.body)
        return answer.headers

    def put_block(self, container: str, blob: str, block_id: str, data: Any, md5: bytes) -> None:
        """Put Block: stage ``data`` (bytes-like, or a list of bytes-like pieces sent one after
        another) as block ``block_id`` of the blob, with its ``Content-MD5`` (checked by the
        service). Staged blocks are invisible until committed.

        ``block_id`` is the id as the SDK's ``stage_block`` takes it; on the wire it is
        base64-encoded once more, as the SDK sends it, so blocks staged either way have
        ids of one length (Azure refuses a blob's blocks whose ids differ in length)."""
        url, headers = self._authorised("PUT", container, blob)
        url += ("&" if "?" in url else "?") + f"comp=block&blockid={quote(_wire(block_id), safe='')}"
        pieces = data if isinstance(data, list) else [data]  # several pieces: sent one after another
        headers.update({"Content-Length": str(sum(memoryview(p).nbytes for p in pieces)),
                        "Content-MD5": base64.b64encode(md5).decode()})
        answer = self._http.request("PUT", url, body=data, headers=headers)
        if answer.status != 201:
            raise _error("Put Block", f"{container}/{blob}", answer.status, answer.headers, answer.body)

    def put_block_list(self, container: str, blob: str, block_ids: list[str],
                       md5: bytes | None) -> dict[str, str]:
        """Put Block List: commit the staged blocks, in order, as the blob; ``md5`` (the whole
        object's) is stored as its ``Content-MD5``. The answer's headers, lower-case."""
        from xml.sax.saxutils import escape

        url, headers = self._authorised("PUT", container, blob)
        url += ("&" if "?" in url else "?") + "comp=blocklist"
        body = ('<?xml version="1.0" encoding="utf-8"?><BlockList>'
                + "".join(f"<Latest>{escape(_wire(i))}</Latest>" for i in block_ids)
                + "</BlockList>").encode()
        headers.update({"Content-Type": "application/xml", "Content-Length": str(len(body)),
                        "x-ms-blob-content-type": "application/octet-stream"})
        if md5 is not None:
            headers["x-ms-blob-content-md5"] = base64.b64encode(md5).decode()
        answer = self._http.request("PUT", url, body=body, headers=headers)
        if answer.status != 201:
            raise _error("Put Block List", f"{container}/{blob}", answer.status, answer.headers,
                         answer.body)
        return answer.headers

    def properties(self, container: str, blob: str) -> dict[str, str]:
        """Get Blob Properties: the blob's headers, lower-case (404: :class:`~omefs.errors.HTTPNotFoundError`)."""
        url, headers = self._authorised("HEAD", container, blob)
        answer = self._http.request("HEAD", url, headers=headers)
        if answer.status != 200:
            raise _error("Get Blob Properties", f"{container}/{blob}", answer.status, answer.headers,
                         answer.body)
        return answer.headers

    def __repr__(self) -> str:
        auth = ("account key" if self._account_key else "SAS" if self._sas
                else "token" if self._credential is not None else "anonymous")
        return f"<BlobHTTP {self.endpoint} ({auth})>"
