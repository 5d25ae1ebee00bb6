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

import hashlib
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from omefs.errors import (
    AlreadyExistsError,
    AuthError,
    ChecksumMismatchError,
    NotFoundError,
    OmefsError,
    PermissionDeniedError,
)
from omefs.providers.github.ratelimit import DEFAULT_MAX_WAIT, RateLimitPolicy, classify
from omefs.redact import get_logger, redact_text
from omefs.retry import Backoff

__all__ = ["GitHubClient", "USER_AGENT"]

log = get_logger(__name__)

USER_AGENT = "omefs (PyGithub)"
_IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE", "PATCH", "PUT"})
_SERVER_RETRIES = 3
_UPLOAD_RETRIES = 2
_LOCATION_TTL = 60.0
#: Waits between retries of 5xx answers and broken connections: up to 0.5, 1, 2, 4 s.
_SERVER_BACKOFF = Backoff(base_delay=0.5, max_delay=4.0)
_CHUNK = 1 << 20


def _message(data: Any) -> str:
    """GitHub's error message, with validation error codes, from a JSON body."""
    if not isinstance(data, Mapping):
        return str(data)[:200] if data else ""
    message = str(data.get("message") or "")
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        codes = [
            str(e.get("code") or e.get("message") or e) if isinstance(e, Mapping) else str(e)
            for e in errors
        ]
        message += f" ({', '.join(codes)})"
    return message


def _response_message(resp: requests.Response) -> str:
    try:
        return _message(resp.json())
    except ValueError:
        return (resp.text or resp.reason or "")[:200]


def _already_exists(data: Any) -> bool:
    errors = data.get("errors") if isinstance(data, Mapping) else None
    return isinstance(errors, list) and any(
        isinstance(e, Mapping) and e.get("code") == "already_exists" for e in errors
    )


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
            chunk = self.read(_CHUNK)
            if not chunk:
                return
            yield chunk


class GitHubClient:
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

    def __init__(
        self,
        *,
        gh_auth: Any,
        base_url: str,
        auth_type: str,
        timeout: tuple[float, float] = (10.0, 120.0),
        max_rate_limit_wait: float = DEFAULT_MAX_WAIT,
        per_page: int = 100,
        pool_size: int = 16,
    ) -> None:
        self.gh_auth = gh_auth
        self.base_url = base_url.rstrip("/")
        self.auth_type = auth_type
        self.timeout = timeout
        self.per_page = max(1, min(int(per_page), 100))
        self.limits = RateLimitPolicy(max_wait=float(max_rate_limit_wait))
        self._local = threading.local()
        self._session = requests.Session()
        self._session.trust_env = True
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = USER_AGENT
        self._api_host = urlsplit(self.base_url).netloc
        self._locations: dict[int, tuple[str, float, bool]] = {}
        self._locations_lock = threading.Lock()

    # -- plumbing ----------------------------------------------------------
    def _requester(self) -> Any:
        gh = getattr(self._local, "github", None)
        if gh is None:
            from github import Github

            gh = Github(
                auth=self.gh_auth,
                base_url=self.base_url,
                timeout=int(max(self.timeout)),
                user_agent=USER_AGENT,
                per_page=self.per_page,
                retry=None,
                seconds_between_requests=0,
                seconds_between_writes=0,
            )
            self._local.github = gh
        return gh.requester

    def _auth_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.gh_auth is not None:
            self.gh_auth.authentication(headers)
        return headers

    def _can_renew(self) -> bool:
        return callable(getattr(self.gh_auth, "invalidate", None))

    def error(self, status: int, message: str, operation: str, uri: str | None) -> OmefsError:
        """The typed omefs error for an HTTP error answer."""
        detail = f"[HTTP {status}: {redact_text(message) or 'no message'}]"
        who = f"(provider github, auth_type={self.auth_type})"
        if status == 401:
            return AuthError(
                f"{operation}: GitHub did not accept the credentials {who} {detail}",
                operation=operation, uri=uri, provider="github",
            )
        if status == 403:
            return PermissionDeniedError(
                f"{operation}: GitHub refused the request; the credentials {who} do not "
                f"allow it {detail}",
                operation=operation, uri=uri, provider="github",
            )
        if status == 404:
            return NotFoundError(
                f"{operation}: not found on GitHub {detail}",
                operation=operation, uri=uri, provider="github",
            )
        return OmefsError(
            f"{operation}: GitHub answered an error {detail}",
            operation=operation, uri=uri, provider="github",
        )

    def _wait_or_renew(
        self, state: _Attempts, status: int, headers: Any, message: str,
        operation: str, uri: str | None, *, renewable: bool = True,
    ) -> bool:
        """Whether to send the request again: a rate limit waited out, or a 401 renewed once.

        A rate limit past the wait bound raises (through ``limits``); a
        second 401, one to a request sent without our credentials
        (``renewable=False``), or one with credentials that cannot be renewed,
        is left to the caller to report.
        """
        limit = classify(status, headers, message)
        if limit is not None:
            state.waited += self.limits.wait_or_raise(
                limit, waited=state.waited, attempt=state.limited, operation=operation, uri=uri
            )
            state.limited += 1
            return True
        if status == 401 and renewable and not state.renewed and self._can_renew():
            self.gh_auth.invalidate()
            state.renewed = True
            return True
        return False

    def _backoff(self, attempt: int) -> None:
        """Sleep before retry ``attempt + 1`` of a 5xx or a broken connection (full jitter)."""
        time.sleep(_SERVER_BACKOFF.delay(attempt))

    # -- JSON API ------------------------------------------------------------
    def api(
        self,
        verb: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        operation: str,
        uri: str | None,
    ) -> tuple[dict[str, Any], Any]:
        """One JSON API call through PyGithub: ``(response headers, decoded body)``."""
        from github.GithubException import GithubException

        state, failures = _Attempts(), 0
        while True:
            try:
                return self._requester().requestJsonAndCheck(
                    verb, url, parameters=params, input=body
                )
            except GithubException as exc:
                status = int(exc.status or 0)
                message = _message(exc.data)
                if self._wait_or_renew(state, status, exc.headers, message, operation, uri):
                    continue
                if status >= 500 and verb in _IDEMPOTENT and failures < _SERVER_RETRIES:
                    self._backoff(failures)
                    failures += 1
                    continue
                if status == 422 and _already_exists(exc.data):
                    raise AlreadyExistsError(
                        f"{operation}: it already exists on GitHub [HTTP 422: {message}]",
                        operation=operation, uri=uri, provider="github",
                    ) from None
                raise self.error(status, message, operation, uri) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                if verb in _IDEMPOTENT and failures < _SERVER_RETRIES:
                    self._backoff(failures)
                    failures += 1
                    continue
                raise OmefsError(
                    f"{operation}: could not reach GitHub at {self.base_url}: "
                    f"{type(exc).__name__}",
                    operation=operation, uri=uri, provider="github",
                ) from exc

    def paginate(
        self, url: str, *, params: dict[str, Any] | None = None, operation: str, uri: str | None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paginated listing, following GitHub's ``Link: <…>; rel="next"``."""
        query = dict(params or {})
        query.setdefault("per_page", self.per_page)
        headers, data = self.api("GET", url, params=query, operation=operation, uri=uri)
        while True:
            yield from data or []
            nxt = _next_link(headers)
            if not nxt:
                return
            headers, data = self.api("GET", nxt, operation=operation, uri=uri)

    # -- repositories and releases ----------------------------------------------
    @staticmethod
    def _repo_url(owner: str, repo: str) -> str:
        return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    def get_repo(self, owner: str, repo: str, *, uri: str | None) -> dict[str, Any]:
        """``GET /repos/{owner}/{repo}``."""
        return self.api("GET", self._repo_url(owner, repo), operation="stat repository", uri=uri)[1]

    def list_releases(self, owner: str, repo: str, *, uri: str | None) -> list[dict[str, Any]]:
        """Every release, drafts included where the credentials may see them."""
        return list(self.paginate(
            f"{self._repo_url(owner, repo)}/releases", operation="list releases", uri=uri
        ))

    def get_release_by_tag(self, owner: str, repo: str, tag: str, *, uri: str | None) -> dict[str, Any] | None:
        """The published release of ``tag``, or None (drafts are not found this way)."""
        return self._release_or_none(owner, repo, f"tags/{quote(tag, safe='')}", "stat release", uri)

    def get_latest_release(self, owner: str, repo: str, *, uri: str | None) -> dict[str, Any] | None:
        """GitHub's latest release (newest published, not a draft or prerelease), or None."""
        return self._release_or_none(owner, repo, "latest", "stat latest release", uri)

    def _release_or_none(self, owner: str, repo: str, which: str, operation: str,
                         uri: str | None) -> dict[str, Any] | None:
        """``GET …/releases/{which}``: the release, or None where GitHub answers 404."""
        try:
            return self.api("GET", f"{self._repo_url(owner, repo)}/releases/{which}",
                            operation=operation, uri=uri)[1]
        except NotFoundError:
            return None

    def create_release(self, owner: str, repo: str, fields: dict[str, Any], *, uri: str | None) -> dict[str, Any]:
        """``POST /repos/{owner}/{repo}/releases``; :class:`AlreadyExistsError` if the tag has one."""
        return self.api(
            "POST", f"{self._repo_url(owner, repo)}/releases", body=fields,
            operation="create release", uri=uri,
        )[1]

    def delete_release(self, owner: str, repo: str, release_id: int, *, uri: str | None) -> None:
        """``DELETE /repos/{owner}/{repo}/releases/{id}`` (the git tag stays)."""
        self.api("DELETE", f"{self._repo_url(owner, repo)}/releases/{int(release_id)}",
                 operation="delete release", uri=uri)

    def list_assets(self, owner: str, repo: str, release_id: int, *, uri: str | None) -> list[dict[str, Any]]:
        """Every asset of a release (all pages)."""
        return list(self.paginate(
            f"{self._repo_url(owner, repo)}/releases/{int(release_id)}/assets",
            operation="list assets", uri=uri,
        ))

    def delete_asset(self, owner: str, repo: str, asset_id: int, *, uri: str | None) -> None:
        """``DELETE /repos/{owner}/{repo}/releases/assets/{id}``."""
        self.api("DELETE", f"{self._repo_url(owner, repo)}/releases/assets/{int(asset_id)}",
                 operation="delete asset", uri=uri)
        with self._locations_lock:
            self._locations.pop(int(asset_id), None)

    def rename_asset(
        self, owner: str, repo: str, asset_id: int, name: str, *, label: str | None = None,
        uri: str | None,
    ) -> dict[str, Any]:
        """``PATCH /repos/{owner}/{repo}/releases/assets/{id}`` with a new ``name``."""
        body: dict[str, Any] = {"name": name}
        if label is not None:
            body["label"] = label
        return self.api(
            "PATCH", f"{self._repo_url(owner, repo)}/releases/assets/{int(asset_id)}",
            body=body, operation="rename asset", uri=uri,
        )[1]

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
        state, failures = _Attempts(), 0
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
                if failures < _SERVER_RETRIES:
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
            message = _response_message(resp)
            resp.close()
            if self._wait_or_renew(state, status, resp.headers, message, operation, uri,
                                   renewable=authenticate):
                continue
            if status >= 500 and failures < _SERVER_RETRIES:
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
            self._locations[asset_id] = (location, now + _LOCATION_TTL, needs_auth)
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
                for chunk in resp.iter_content(_CHUNK):
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
                    for chunk in resp.iter_content(_CHUNK):
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
                if failures > _SERVER_RETRIES:
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
            if failures > _SERVER_RETRIES:
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
        state, failures = _Attempts(), 0
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
                if failures > _UPLOAD_RETRIES:
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
            message = _message(data)
            if status == 422 and _already_exists(data):
                raise AlreadyExistsError(
                    f"upload: the release already has an asset named {name!r} [HTTP 422: {message}]",
                    operation=operation, uri=uri, provider="github",
                )
            if self._wait_or_renew(state, status, resp.headers, message, operation, uri):
                continue
            if status >= 500 and failures < _UPLOAD_RETRIES:
                failures += 1
                if cleanup is not None:
                    cleanup()
                self._backoff(failures)
                continue
            if cleanup is not None and status >= 500:
                cleanup()
            raise self.error(status, message, operation, uri)


@dataclass
class _Attempts:
    """What one request has spent so far on rate limits and token renewal."""

    waited: float = 0.0
    limited: int = 0
    renewed: bool = False


def _next_link(headers: Mapping[str, Any] | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if str(k).lower() == "link"), None)
    if not value:
        return None
    for link in requests.utils.parse_header_links(str(value)):
        if link.get("rel") == "next" and link.get("url"):
            return str(link["url"])
    return None
