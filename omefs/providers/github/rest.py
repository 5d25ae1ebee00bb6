"""GitHub's JSON API under omefs's policy: rate limits, token renewal, retries, typed errors; the metadata calls.

:class:`RestClient` holds the credentials, the per-thread PyGithub ``Requester``
and the shared :class:`requests.Session`; :meth:`RestClient.api` makes one JSON
call (rate limits waited out or raised, a 401 renewed once, idempotent calls
retried on 5xx and broken connections) and the methods below it are the
repository, release and asset calls the filesystem makes. See
:mod:`omefs.providers.github.client` for the whole policy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from omefs.errors import (
    AlreadyExistsError,
    AuthError,
    NotFoundError,
    OmefsError,
    PermissionDeniedError,
)
from omefs.providers.github.ratelimit import DEFAULT_MAX_WAIT, RateLimitPolicy, classify
from omefs.redact import redact_text
from omefs.retry import Backoff

__all__ = ["RestClient", "USER_AGENT"]

USER_AGENT = "omefs (PyGithub)"
IDEMPOTENT = frozenset({"GET", "HEAD", "DELETE", "PATCH", "PUT"})
SERVER_RETRIES = 3
UPLOAD_RETRIES = 2
LOCATION_TTL = 60.0
#: Waits between retries of 5xx answers and broken connections: up to 0.5, 1, 2, 4 s.
_SERVER_BACKOFF = Backoff(base_delay=0.5, max_delay=4.0)
CHUNK = 1 << 20


def error_message(data: Any) -> str:
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


def response_message(resp: requests.Response) -> str:
    """GitHub's error message from a ``requests`` response (JSON or text)."""
    try:
        return error_message(resp.json())
    except ValueError:
        return (resp.text or resp.reason or "")[:200]


def is_already_exists(data: Any) -> bool:
    """Whether a 422 body says ``already_exists`` (an asset name or a release tag in use)."""
    errors = data.get("errors") if isinstance(data, Mapping) else None
    return isinstance(errors, list) and any(
        isinstance(e, Mapping) and e.get("code") == "already_exists" for e in errors
    )


class RestClient:
    """The JSON API and the metadata calls; see :class:`~omefs.providers.github.client.GitHubClient`."""

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
        verify: bool | str = True,
    ) -> None:
        from omefs.tls import ssl_context, tls_adapter

        self.gh_auth = gh_auth
        self.verify = verify
        self.base_url = base_url.rstrip("/")
        self.auth_type = auth_type
        self.timeout = timeout
        self.per_page = max(1, min(int(per_page), 100))
        self.limits = RateLimitPolicy(max_wait=float(max_rate_limit_wait))
        self._local = threading.local()
        self._session = requests.Session()
        self._session.trust_env = True
        self._session.verify = verify
        self._session.mount("http://", HTTPAdapter(pool_connections=pool_size,
                                                   pool_maxsize=pool_size))
        # TLS 1.2 at least; the certificate checked (against ``ca_bundle`` when given).
        self._session.mount("https://", tls_adapter(
            HTTPAdapter, ssl_context(verify), pool_connections=pool_size,
            pool_maxsize=pool_size))
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
                verify=self.verify,
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
        self, state: Attempts, status: int, headers: Any, message: str,
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

        state, failures = Attempts(), 0
        while True:
            try:
                answer: tuple[dict[str, Any], Any] = self._requester().requestJsonAndCheck(
                    verb, url, parameters=params, input=body
                )
                return answer
            except GithubException as exc:
                status = int(exc.status or 0)
                message = error_message(exc.data)
                if self._wait_or_renew(state, status, exc.headers, message, operation, uri):
                    continue
                if status >= 500 and verb in IDEMPOTENT and failures < SERVER_RETRIES:
                    self._backoff(failures)
                    failures += 1
                    continue
                if status == 422 and is_already_exists(exc.data):
                    raise AlreadyExistsError(
                        f"{operation}: it already exists on GitHub [HTTP 422: {message}]",
                        operation=operation, uri=uri, provider="github",
                    ) from exc
                # The client's error stays the cause, as every omefs error keeps the SDK's.
                raise self.error(status, message, operation, uri) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if verb in IDEMPOTENT and failures < SERVER_RETRIES:
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

    def _object(self, verb: str, url: str, *, body: Any = None, operation: str,
                uri: str | None) -> dict[str, Any]:
        """The JSON object one :meth:`api` call answers with."""
        data: dict[str, Any] = self.api(verb, url, body=body, operation=operation, uri=uri)[1]
        return data

    # -- repositories and releases ----------------------------------------------
    @staticmethod
    def _repo_url(owner: str, repo: str) -> str:
        return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    def get_repo(self, owner: str, repo: str, *, uri: str | None) -> dict[str, Any]:
        """``GET /repos/{owner}/{repo}``."""
        return self._object("GET", self._repo_url(owner, repo), operation="stat repository", uri=uri)

    def list_releases(self, owner: str, repo: str, *, uri: str | None) -> list[dict[str, Any]]:
        """Every release, drafts included where the credentials may see them."""
        return list(self.paginate(
            f"{self._repo_url(owner, repo)}/releases", operation="list releases", uri=uri
        ))

    def get_release_by_tag(self, owner: str, repo: str, tag: str, *, uri: str | None) -> dict[str, Any] | None:
        """The published release of ``tag``, or None (drafts are not found this way)."""
        return self._release_or_none(owner, repo, f"tags/{quote(tag, safe='')}", "stat release", uri)

    def release_by_tag(self, owner: str, repo: str, tag: str, *, uri: str | None) -> dict[str, Any]:
        """The published release of ``tag``; :class:`NotFoundError` (GitHub's 404 as its cause) if none."""
        return self._object("GET", f"{self._repo_url(owner, repo)}/releases/tags/{quote(tag, safe='')}",
                            operation="stat release", uri=uri)

    def get_latest_release(self, owner: str, repo: str, *, uri: str | None) -> dict[str, Any] | None:
        """GitHub's latest release (newest published, not a draft or prerelease), or None."""
        return self._release_or_none(owner, repo, "latest", "stat latest release", uri)

    def _release_or_none(self, owner: str, repo: str, which: str, operation: str,
                         uri: str | None) -> dict[str, Any] | None:
        """``GET …/releases/{which}``: the release, or None where GitHub answers 404."""
        try:
            return self._object("GET", f"{self._repo_url(owner, repo)}/releases/{which}",
                                operation=operation, uri=uri)
        except NotFoundError:
            return None

    def create_release(self, owner: str, repo: str, fields: dict[str, Any], *, uri: str | None) -> dict[str, Any]:
        """``POST /repos/{owner}/{repo}/releases``; :class:`AlreadyExistsError` if the tag has one."""
        return self._object(
            "POST", f"{self._repo_url(owner, repo)}/releases", body=fields,
            operation="create release", uri=uri,
        )

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
        return self._object(
            "PATCH", f"{self._repo_url(owner, repo)}/releases/assets/{int(asset_id)}",
            body=body, operation="rename asset", uri=uri,
        )


@dataclass
class Attempts:
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
