"""The few GCS JSON-API calls a listing or a read needs, over plain keep-alive HTTP.

gcsfs reaches the JSON API through aiohttp, and importing it (with the
google libraries it pulls in) is a large part of a short command; each of
its requests also costs about a millisecond and a half of client CPU.
:class:`GCSJsonAPI` makes the same requests through
:class:`omefs.lean_http.LeanHTTP`:

* ``objects.get`` (metadata), ``objects.list`` (``prefix``, ``delimiter``,
  ``pageToken`` paging, ``fields`` so that answers hold only what entries
  keep), ``buckets.get``;
* the media download (``alt=media``), whole or one byte range.

Auth: none for anonymous access (emulators, public buckets); otherwise the
``Authorization: Bearer`` token of the google-auth credentials omefs
resolved (google-auth refreshes it; a 401 refreshes once and asks again).
Errors are :class:`~omefs.errors.HTTPStatusError` (an ``OSError`` carrying
the HTTP status and the API's reason, which
:mod:`omefs.providers.error_mapping` reads); a 404 is also a
``FileNotFoundError``.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import quote, urlencode

from omefs.errors import HTTPNotFoundError, HTTPStatusError
from omefs.lean_http import LeanHTTP, Response

__all__ = ["DROPPED_FIELDS", "GCSJsonAPI"]

#: Object-resource fields no entry keeps: not asked for (``fields``), and dropped where a
#: server sends them anyway (an emulator ignores ``fields``).
DROPPED_FIELDS = ("kind", "id", "selfLink", "mediaLink")
#: The object-resource fields an entry keeps (``fields`` of objects.get; ``items(...)`` of a list).
OBJECT_FIELDS = ("name,bucket,generation,metageneration,contentType,storageClass,size,md5Hash,"
                 "crc32c,etag,timeCreated,updated,timeStorageClassUpdated,timeFinalized,"
                 "componentCount,contentEncoding,contentDisposition,contentLanguage,cacheControl,"
                 "metadata,kmsKeyName,customerEncryption,temporaryHold,eventBasedHold,"
                 "retentionExpirationTime,softDeleteTime,hardDeleteTime,customTime")
#: A listing page holds at most this many items (the API's maximum).
PAGE = 1000
#: Attempts at one request that fails in passing (as gcsfs and obstore retry theirs).
ATTEMPTS = 4
#: Statuses worth asking again.
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def _error(answer: Response, url: str) -> HTTPStatusError:
    reason, message = None, answer.body[:200].decode("utf-8", "replace")
    try:
        error = json.loads(answer.body)["error"]
        if isinstance(error, dict):
            message = str(error.get("message", message))
            reason = next((e.get("reason") for e in error.get("errors") or [] if e.get("reason")), None)
        else:
            message = str(error)
    except (ValueError, KeyError, TypeError):
        pass
    where = url.split("?", 1)[0]
    cls = HTTPNotFoundError if answer.status == 404 else HTTPStatusError
    return cls(answer.status, reason, message, where, answer.headers)


def _transient(exc: BaseException) -> bool:
    """Whether the same request may succeed in a moment (a refused connection will not)."""
    if isinstance(exc, HTTPStatusError):
        return exc.http_status in RETRY_STATUS
    if isinstance(exc, ConnectionRefusedError):
        return False
    return isinstance(exc, (ConnectionError, TimeoutError))


class GCSJsonAPI:
    """JSON-API requests to one endpoint with one identity (thread-safe)."""

    def __init__(self, location: str, credentials: Any = None, *,
                 http: LeanHTTP | None = None) -> None:
        self.location = location.rstrip("/")
        #: google-auth credentials, or None for anonymous requests.
        self.credentials = credentials
        self.http = http or LeanHTTP()
        self._lock = threading.Lock()

    # -- auth -------------------------------------------------------------------------
    def _auth(self, *, force: bool = False) -> dict[str, str]:
        creds = self.credentials
        if creds is None:
            return {}
        with self._lock:
            if force or not getattr(creds, "valid", False) or not creds.token:
                import google.auth.transport.requests

                creds.refresh(google.auth.transport.requests.Request())
            token = str(creds.token)
        from omefs.redact import register_secret

        register_secret(token)
        return {"Authorization": f"Bearer {token}"}

    def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Response:
        """One exchange (idempotent: asked again, up to :data:`ATTEMPTS` times, after a 5xx,
        a 429 or a dropped connection, waiting as :mod:`omefs.retry` says); a non-2xx
        answer raises :class:`~omefs.errors.HTTPStatusError`."""
        from omefs.retry import DEFAULT

        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._exchange(method, url, headers)
            except Exception as exc:
                if attempt == ATTEMPTS or not _transient(exc):
                    raise
                time.sleep(DEFAULT.delay(attempt, exc))
        raise AssertionError("unreachable")

    def _exchange(self, method: str, url: str, headers: dict[str, str] | None) -> Response:
        answer = self.http.request(method, url, headers={**self._auth(), **(headers or {})})
        if answer.status == 401 and self.credentials is not None:  # a token revoked or expired early
            answer = self.http.request(method, url, headers={**self._auth(force=True), **(headers or {})})
        if not 200 <= answer.status < 300:
            raise _error(answer, url)
        return answer

    def _json(self, path: str, params: dict[str, Any]) -> Any:
        query = urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.location}/storage/v1/{path}" + (f"?{query}" if query else "")
        return json.loads(self.request("GET", url).body)

    # -- metadata ---------------------------------------------------------------------
    def get_object(self, bucket: str, key: str) -> dict[str, Any]:
        """objects.get: the object's resource (without :data:`DROPPED_FIELDS`)."""
        out: dict[str, Any] = self._json(f"b/{quote(bucket, safe='')}/o/{quote(key, safe='')}",
                                         {"fields": OBJECT_FIELDS})
        for name in DROPPED_FIELDS:
            out.pop(name, None)
        return out

    def get_bucket(self, bucket: str) -> dict[str, Any]:
        """buckets.get: the bucket's resource."""
        out: dict[str, Any] = self._json(f"b/{quote(bucket, safe='')}", {})
        return out

    def list_objects(self, bucket: str, prefix: str | None, *, delimiter: str | None = "/",
                     max_results: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
        """objects.list, every page (or up to ``max_results`` entries): ``(items, prefixes)``."""
        items: list[dict[str, Any]] = []
        prefixes: list[str] = []
        token = None
        fields = f"nextPageToken,prefixes,items({OBJECT_FIELDS})"
        while True:
            room = PAGE if max_results is None else min(PAGE, max_results - len(items) - len(prefixes))
            page = self._json(f"b/{quote(bucket, safe='')}/o",
                              {"prefix": prefix or None, "delimiter": delimiter or None,
                               "maxResults": room, "pageToken": token, "fields": fields})
            for item in page.get("items", ()):
                for name in DROPPED_FIELDS:
                    item.pop(name, None)
                items.append(item)
            prefixes.extend(page.get("prefixes", ()))
            token = page.get("nextPageToken")
            if not token or (max_results is not None and len(items) + len(prefixes) >= max_results):
                return items, prefixes

    # -- data -------------------------------------------------------------------------
    def download(self, bucket: str, key: str, start: int | None = None,
                 end: int | None = None) -> Response:
        """The object's bytes (``alt=media``): all of them, or ``[start, end)``."""
        url = (f"{self.location}/download/storage/v1/b/{quote(bucket, safe='')}/o/"
               f"{quote(key, safe='')}?alt=media")
        headers = {}
        if start is not None or end is not None:
            first = start or 0
            headers["Range"] = f"bytes={first}-{end - 1}" if end is not None else f"bytes={first}-"
        return self.request("GET", url, headers)

    def __repr__(self) -> str:
        who = "anonymous" if self.credentials is None else type(self.credentials).__name__
        return f"<{type(self).__name__} {self.location} {who}>"
