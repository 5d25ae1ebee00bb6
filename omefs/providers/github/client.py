"""The REST calls the GitHub Releases filesystem makes, under one policy.

Metadata calls (repositories, releases, asset listings, creating and
deleting releases, renaming and deleting assets) go through PyGithub's
``Requester`` — ``Github.requester``, which PyGithub offers for endpoints
used directly — so PyGithub does authentication (a token, or an App's JWT
exchanged for an installation token), the base URL of GitHub Enterprise
Server and error typing. The raw JSON is used rather than PyGithub's
objects: their attributes fetch the whole object again when a field is
absent from a list answer (``digest`` often is), and a paginated listing
must be retried page by page under rate limits.

Bytes go through one :class:`requests.Session`: ranged GETs of the
download URL GitHub redirects an asset to, and streaming uploads with
``Content-Length`` (GitHub has no multipart upload). The download URL is
pre-signed, so it never receives the ``Authorization`` header.

Every call shares one policy: rate limits are classified by
:mod:`omefs.providers.github.ratelimit` (secondary limits waited out within a bound,
an exhausted primary limit raised with its reset time); a 401 to an App
installation token renews the token once; idempotent calls are retried a
few times, with backoff, on 5xx answers and broken connections; every
other failure becomes a typed :mod:`omefs.errors` error naming the
operation, the URI, the provider and the auth type — never a token.

PyGithub's ``Requester`` is not thread-safe (one connection object per
client), so each thread gets its own ``Github`` client; they share the
``Auth`` object and so the cached installation token.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

import requests

from omefs.errors import AlreadyExistsError, OmefsError
from omefs.providers.github.download import DownloadClient
from omefs.providers.github.rest import (
    CHUNK,
    UPLOAD_RETRIES,
    USER_AGENT,
    Attempts,
    error_message,
    is_already_exists,
)

__all__ = ["GitHubClient", "USER_AGENT"]


class _Progress:
    """A read-only view of ``size`` bytes of a file, reporting progress as they are sent.

    requests streams a body that has ``read`` and ``__iter__``; ``__len__``
    gives it the ``Content-Length`` GitHub requires.
    """

    def __init__(self, source: IO[bytes], size: int, callback: Any, base: int) -> None:
        self._source = source
        self._left = size
        self._sent = 0
        self._callback = callback
        self._base = base

    def __len__(self) -> int:
        return self._left

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        want = self._left if n is None or n < 0 else min(max(n, 256 << 10), self._left)
        data = self._source.read(want)
        self._left -= len(data)
        self._sent += len(data)
        if self._callback is not None:
            self._callback.absolute_update(self._base + self._sent)
        return data

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self.read(CHUNK)
            if not chunk:
                return
            yield chunk


class GitHubClient(DownloadClient):
    """REST access to one GitHub (github.com or an Enterprise Server) with one set of credentials.

    Args:
        gh_auth: a PyGithub ``Auth`` object, or None for anonymous access.
        base_url: the REST API root (``https://api.github.com``,
            ``https://HOST/api/v3``).
        auth_type: the omefs auth type, named in error messages.
        timeout: ``(connect, read)`` seconds for every request.
        max_rate_limit_wait: the bound on the total pause one call may spend
            waiting out secondary rate limits.
        per_page: page size of listings (GitHub's maximum is 100).
    """

    # -- bytes: uploads ---------------------------------------------------------------
    def upload(
        self,
        release: Mapping[str, Any],
        name: str,
        source: IO[bytes],
        size: int,
        *,
        content_type: str,
        label: str | None = None,
        callback: Any = None,
        cleanup: Any = None,
        uri: str | None,
    ) -> dict[str, Any]:
        """Upload ``size`` bytes of ``source`` (from its current position) as asset ``name``.

        The body streams from ``source``; nothing but a 1 MiB piece is held
        in memory. Rate limits, a 401 to an App token, 5xx answers and broken
        connections are retried from the start of ``source`` (so it must be
        seekable); after a failed attempt ``cleanup()`` is called to remove
        what GitHub may have kept of it. :class:`AlreadyExistsError` when the
        release already has an asset of that name.
        """
        url = str(release["upload_url"]).split("{", 1)[0]
        params = {"name": name}
        if label:
            params["label"] = label
        start = source.tell()
        base = getattr(callback, "value", 0) or 0
        state, failures = Attempts(), 0
        operation = "upload"
        while True:
            source.seek(start)
            body = _Progress(source, size, callback, base)
            headers = {
                "Content-Type": content_type,
                "Content-Length": str(size),
                "Accept": "application/vnd.github+json",
                **self._auth_headers(),
            }
            try:
                resp = self._session.post(
                    url, params=params, data=body if size else b"", headers=headers,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                failures += 1
                if cleanup is not None:
                    cleanup()
                if failures > UPLOAD_RETRIES:
                    raise OmefsError(
                        f"upload: could not send {name!r} to GitHub after {failures} attempts: "
                        f"{type(exc).__name__}",
                        operation=operation, uri=uri, provider="github",
                    ) from exc
                self._backoff(failures)
                continue
            with resp:
                status = resp.status_code
                if status in (200, 201):
                    return dict(resp.json())
                try:
                    data = resp.json()
                except ValueError:
                    data = {"message": (resp.text or resp.reason or "")[:200]}
            message = error_message(data)
            if status == 422 and is_already_exists(data):
                raise AlreadyExistsError(
                    f"upload: the release already has an asset named {name!r} [HTTP 422: {message}]",
                    operation=operation, uri=uri, provider="github",
                )
            if self._wait_or_renew(state, status, resp.headers, message, operation, uri):
                continue
            if status >= 500 and failures < UPLOAD_RETRIES:
                failures += 1
                if cleanup is not None:
                    cleanup()
                self._backoff(failures)
                continue
            if cleanup is not None and status >= 500:
                cleanup()
            raise self.error(status, message, operation, uri)
