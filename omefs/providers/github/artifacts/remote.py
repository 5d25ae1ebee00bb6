"""An artifact's zip on the signed-URL host: ranged reads, renewal on expiry, spill without ranges.

GitHub answers ``…/artifacts/{id}/zip`` with a 302 to a signed URL that
lives a minute or so, on a blob-storage host. :class:`RemoteZip` keeps that
URL, reads byte ranges from it without ever sending the ``Authorization``
header there, and asks GitHub for a new URL when the host refuses an
expired one — also in the middle of a long read. Where the host ignores
``Range`` (it answers 200 with the whole zip) the zip is spilled once to a
temporary file and every later read is served from there.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from typing import IO, Any

from omefs.errors import AuthError, NotFoundError, OmefsError, PermissionDeniedError
from omefs.providers.github.artifacts.rest import ArtifactsREST
from omefs.redact import get_logger

__all__ = ["RemoteZip", "URL_TTL"]

log = get_logger(__name__)

#: Seconds a signed URL is reused before asking GitHub for a new one (GitHub's last about a minute).
URL_TTL = 50.0
_CHUNK = 1 << 20
_RENEWALS = 3


class RemoteZip:
    """The zip of one artifact, read by byte ranges from its signed URL."""

    def __init__(self, rest: ArtifactsREST, artifact: Mapping[str, Any], *, uri: str) -> None:
        self.rest = rest
        self.client = rest.client
        self.artifact = dict(artifact)
        self.size = int(artifact.get("size_in_bytes") or 0)
        self.uri = uri
        self._where: tuple[str, bool, float] | None = None
        self._spill: IO[bytes] | None = None
        self._lock = threading.Lock()
        #: Signed URLs asked of GitHub (the first, and every renewal).
        self.renewals = 0

    def _location(self, refresh: bool) -> tuple[str, bool]:
        with self._lock:
            where = self._where
        if where is not None and not refresh and where[2] > time.monotonic():
            return where[0], where[1]
        url, auth = self.rest.zip_location(self.artifact, uri=self.uri)
        with self._lock:
            self._where = (url, auth, time.monotonic() + URL_TTL)
            self.renewals += 1
        return url, auth

    def _get(self, start: int, end: int) -> Any:
        """A streaming response for ``[start, end)``; renews the signed URL when it has expired."""
        headers = {"Range": f"bytes={start}-{end - 1}"}
        for attempt in range(_RENEWALS + 1):
            url, auth = self._location(refresh=attempt > 0)
            try:
                resp = self.client._send("GET", url, headers=headers, authenticate=auth,
                                         operation="read artifact", uri=self.uri, ok=(416,))
            except (AuthError, PermissionDeniedError, NotFoundError):
                if auth or attempt == _RENEWALS:
                    raise
                log.info("signed URL of %s refused (expired?); asking GitHub for a new one", self.uri)
                continue
            if resp.status_code in (301, 302, 303, 307, 308):
                resp.close()
                continue
            return resp
        raise OmefsError("read artifact: the signed URL kept failing", operation="read artifact",
                         uri=self.uri, provider="github")

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the zip (clipped to its size)."""
        end = min(end, self.size)
        if end <= start:
            return b""
        if self._spill is not None:
            return self._from_spill(start, end)
        resp = self._get(start, end)
        with resp:
            if resp.status_code == 416:
                return b""
            if resp.status_code == 200:  # the host ignored Range: keep the whole zip once
                self._spill_from(resp)
                return self._from_spill(start, end)
            out = bytearray()
            for chunk in resp.iter_content(_CHUNK):
                out += chunk
        if len(out) != end - start:
            raise OmefsError(
                f"read artifact: asked bytes {start}-{end - 1}, got {len(out)} bytes",
                operation="read artifact", uri=self.uri, provider="github",
            )
        return bytes(out)

    def iter_range(self, start: int, end: int, chunk: int = 8 << 20) -> Iterator[bytes]:
        """``[start, end)`` in pieces of at most ``chunk`` bytes, one ranged request each."""
        pos = start
        while pos < end:
            piece = self.read(pos, min(end, pos + chunk))
            if not piece:
                return
            pos += len(piece)
            yield piece

    def _spill_from(self, resp: Any) -> None:
        with self._lock:
            if self._spill is not None:
                return
            log.info("%s: the host ignores Range; keeping the zip in a temporary file", self.uri)
            spill = tempfile.TemporaryFile(prefix="omefs-artifact-")
            for chunk in resp.iter_content(_CHUNK):
                spill.write(chunk)
            self._spill = spill

    def _from_spill(self, start: int, end: int) -> bytes:
        with self._lock:
            assert self._spill is not None
            self._spill.seek(start)
            return self._spill.read(end - start)

    def close(self) -> None:
        """Drop the temporary copy, if one was made."""
        with self._lock:
            if self._spill is not None:
                self._spill.close()
                self._spill = None
