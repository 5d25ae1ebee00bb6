"""Reading GitHub release assets' bytes: the pre-signed download URL (cached), ranged GETs, checked downloads."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import requests

from omefs.errors import (
    AuthError,
    ChecksumMismatchError,
    NotFoundError,
    OmefsError,
    PermissionDeniedError,
)
from omefs.providers.github.rest import (
    CHUNK,
    LOCATION_TTL,
    SERVER_RETRIES,
    Attempts,
    RestClient,
    response_message,
)
from omefs.redact import get_logger

__all__ = ["DownloadClient"]

log = get_logger(__name__)


class DownloadClient(RestClient):
    """Downloads: one request sender for the bytes, ranged reads and whole-asset downloads."""

    # -- bytes: downloads ----------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        authenticate: bool,
        operation: str,
        uri: str | None,
        ok: tuple[int, ...] = (),
        stream: bool = True,
    ) -> requests.Response:
        """A data-plane request under the shared policy; answers < 400 and ``ok`` are returned."""
        state, failures = Attempts(), 0
        while True:
            sent = dict(headers)
            if authenticate:
                sent.update(self._auth_headers())
            try:
                resp = self._session.request(
                    method, url, headers=sent, stream=stream, allow_redirects=False,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if failures < SERVER_RETRIES:
                    self._backoff(failures)
                    failures += 1
                    continue
                raise OmefsError(
                    f"{operation}: could not reach {urlsplit(url).netloc}: {type(exc).__name__}",
                    operation=operation, uri=uri, provider="github",
                ) from exc
            status = resp.status_code
            if status < 400 or status in ok:
                return resp
            message = response_message(resp)
            resp.close()
            if self._wait_or_renew(state, status, resp.headers, message, operation, uri,
                                   renewable=authenticate):
                continue
            if status >= 500 and failures < SERVER_RETRIES:
                self._backoff(failures)
                failures += 1
                continue
            raise self.error(status, message, operation, uri)

    def _location(self, asset: Mapping[str, Any], *, refresh: bool, operation: str, uri: str | None) -> tuple[str, bool]:
        """Where the asset's bytes are served, and whether that URL needs our credentials.

        Authenticated: the asset's API URL with ``Accept: application/octet-stream``
        answers 302 to a pre-signed download URL (needs no credentials).
        Anonymous: the public ``browser_download_url`` redirects the same way
        and spends none of the 60 requests/hour of the API budget.
        """
        asset_id = int(asset["id"])
        now = time.monotonic()
        if not refresh:
            with self._locations_lock:
                hit = self._locations.get(asset_id)
            if hit and hit[1] > now:
                return hit[0], hit[2]
        if self.gh_auth is None and asset.get("browser_download_url"):
            url, authenticate = str(asset["browser_download_url"]), False
        else:
            url, authenticate = str(asset["url"]), True
        resp = self._send(
            "GET", url, headers={"Accept": "application/octet-stream"},
            authenticate=authenticate, operation=operation, uri=uri,
        )
        resp.close()
        if resp.status_code in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
            location, needs_auth = urljoin(url, resp.headers["Location"]), False
        else:  # served directly (some proxies): ranged reads go to the same URL
            location, needs_auth = url, authenticate
        with self._locations_lock:
            self._locations[asset_id] = (location, now + LOCATION_TTL, needs_auth)
        return location, needs_auth

    def _open_stream(
        self, asset: Mapping[str, Any], start: int, end: int | None, *, operation: str, uri: str | None
    ) -> requests.Response:
        """A streaming response for bytes ``[start, end)`` of an asset (``end`` None: to the end)."""
        rng = f"bytes={start}-" + (str(end - 1) if end is not None else "")
        headers = {"Range": rng, "Accept": "application/octet-stream"}
        for attempt in range(2):
            location, needs_auth = self._location(asset, refresh=attempt > 0, operation=operation, uri=uri)
            try:
                resp = self._send(
                    "GET", location, headers=headers, authenticate=needs_auth,
                    operation=operation, uri=uri, ok=(416,),
                )
            except (AuthError, PermissionDeniedError, NotFoundError):
                if attempt == 0 and not needs_auth:
                    continue  # the pre-signed URL expired: ask GitHub for a new one
                raise
            if resp.status_code in (301, 302, 303, 307, 308):  # a download URL that moved
                resp.close()
                with self._locations_lock:
                    self._locations.pop(int(asset["id"]), None)
                continue
            return resp
        raise OmefsError(
            f"{operation}: GitHub kept redirecting the download", operation=operation, uri=uri,
            provider="github",
        )

    def read_range(
        self, asset: Mapping[str, Any], start: int, end: int, *, uri: str | None
    ) -> bytes:
        """Bytes ``[start, end)`` of an asset with one ranged request (clipped to its size)."""
        size = int(asset.get("size") or 0)
        end = min(end, size) if size else end
        if end <= start:
            return b""
        for attempt in range(2):
            resp = self._open_stream(asset, start, end, operation="read", uri=uri)
            with resp:
                if resp.status_code == 416:
                    return b""
                skip = start if resp.status_code == 200 else 0  # the server ignored Range
                out = bytearray()
                want = end - start
                for chunk in resp.iter_content(CHUNK):
                    if skip:
                        if len(chunk) <= skip:
                            skip -= len(chunk)
                            continue
                        chunk, skip = chunk[skip:], 0
                    out += chunk
                    if len(out) >= want:
                        break
            if len(out) >= want or attempt:
                return bytes(out[:want])
            log.warning("short read of %s (%d of %d bytes); retrying", uri, len(out), want)
        return bytes(out[:want])  # pragma: no cover - loop always returns

    def download(
        self, asset: Mapping[str, Any], out: IO[bytes], *, callback: Any = None, uri: str | None
    ) -> int:
        """Stream a whole asset into ``out`` in 1 MiB pieces; resume after a broken connection.

        When GitHub gives the asset's ``digest`` (``sha256:…``), the bytes are
        checked against it: :class:`ChecksumMismatchError` on a mismatch.
        """
        size = int(asset.get("size") or 0)
        digest = str(asset.get("digest") or "")
        hasher = hashlib.sha256() if digest.startswith("sha256:") else None
        written, failures = 0, 0
        while True:
            resp = self._open_stream(asset, written, None, operation="download", uri=uri)
            try:
                with resp:
                    if resp.status_code == 416:
                        break
                    skip = written if resp.status_code == 200 else 0
                    for chunk in resp.iter_content(CHUNK):
                        if skip:
                            if len(chunk) <= skip:
                                skip -= len(chunk)
                                continue
                            chunk, skip = chunk[skip:], 0
                        out.write(chunk)
                        if hasher is not None:
                            hasher.update(chunk)
                        written += len(chunk)
                        if callback is not None:
                            callback.relative_update(len(chunk))
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                failures += 1
                if failures > SERVER_RETRIES:
                    raise OmefsError(
                        f"download: the connection broke {failures} times "
                        f"({written} of {size} bytes read): {type(exc).__name__}",
                        operation="download", uri=uri, provider="github",
                    ) from exc
                log.warning("download of %s broke at byte %d; resuming", uri, written)
                continue
            if written >= size or not size:
                break
            failures += 1
            if failures > SERVER_RETRIES:
                break
        if size and written != size:
            raise ChecksumMismatchError(
                f"download: read {written} bytes, the asset has {size}",
                operation="download", uri=uri, provider="github",
            )
        if hasher is not None and f"sha256:{hasher.hexdigest()}" != digest:
            raise ChecksumMismatchError(
                f"download: the bytes read do not match the asset's digest {digest}",
                operation="download", uri=uri, provider="github",
            )
        return written
