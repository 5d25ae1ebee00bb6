"""GitHub's Actions artifacts REST calls, under the GitHub client's policy.

* ``GET /repos/{o}/{r}/actions/artifacts`` (``?name=``) and
  ``GET /repos/{o}/{r}/actions/runs/{run}/artifacts``: paginated answers
  ``{"total_count": N, "artifacts": [...]}``, followed through ``Link: rel="next"``;
* ``GET /repos/{o}/{r}/actions/artifacts/{id}`` and ``DELETE`` of it;
* ``GET /repos/{o}/{r}/actions/artifacts/{id}/zip``: a 302 to a short-lived
  signed URL on another host, which must be read without our
  ``Authorization`` header.

Rate limits, token renewal and retries are the client's
(:class:`~omefs.providers.github.client.GitHubClient`); artifact downloads
need a token even for public repositories, so a read without one fails
before any request with an :class:`~omefs.errors.AuthError` saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urljoin

import requests

from omefs.errors import AuthError, NotFoundError, OmefsError

__all__ = ["ArtifactsREST", "needs_token"]

_REDIRECTS = (301, 302, 303, 307, 308)


def needs_token(operation: str, uri: str | None) -> AuthError:
    """The error of a read or delete without a token."""
    return AuthError(
        f"{operation}: GitHub Actions artifacts need a token even for public repositories "
        "(a personal access token with read access to Actions, or a GitHub App); configure "
        "the github provider's personal_access_token or github_app auth, or set GITHUB_TOKEN",
        operation=operation, uri=uri, provider="github",
    )


def _next_page(headers: Mapping[str, Any] | None) -> str | None:
    value = next((v for k, v in (headers or {}).items() if str(k).lower() == "link"), None)
    for link in requests.utils.parse_header_links(str(value)) if value else []:
        if link.get("rel") == "next" and link.get("url"):
            return str(link["url"])
    return None


class ArtifactsREST:
    """The artifact calls of one :class:`~omefs.providers.github.client.GitHubClient`."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def _repo_url(owner: str, repo: str) -> str:
        return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}/actions"

    def _pages(self, url: str, params: dict[str, Any], *, uri: str | None) -> Iterator[dict[str, Any]]:
        query = {**params, "per_page": self.client.per_page}
        headers, data = self.client.api("GET", url, params=query, operation="list artifacts", uri=uri)
        while True:
            yield from (data or {}).get("artifacts") or []
            nxt = _next_page(headers)
            if not nxt:
                return
            headers, data = self.client.api("GET", nxt, operation="list artifacts", uri=uri)

    def list(self, owner: str, repo: str, *, name: str | None = None, run_id: int | None = None,
             uri: str | None) -> list[dict[str, Any]]:
        """Every artifact of the repository (or of one run), of one name when ``name`` is given."""
        base = self._repo_url(owner, repo)
        url = f"{base}/runs/{int(run_id)}/artifacts" if run_id is not None else f"{base}/artifacts"
        params = {"name": name} if name is not None else {}
        return list(self._pages(url, params, uri=uri))

    def get(self, owner: str, repo: str, artifact_id: int, *, uri: str | None) -> dict[str, Any] | None:
        """The artifact ``artifact_id``, or None where GitHub answers 404."""
        try:
            data: dict[str, Any] = self.client.api(
                "GET", f"{self._repo_url(owner, repo)}/artifacts/{int(artifact_id)}",
                operation="stat artifact", uri=uri)[1]
        except NotFoundError:
            return None
        return data

    def delete(self, owner: str, repo: str, artifact_id: int, *, uri: str | None) -> None:
        """``DELETE /repos/{o}/{r}/actions/artifacts/{id}``."""
        if self.client.gh_auth is None:
            raise needs_token("rm", uri)
        self.client.api("DELETE", f"{self._repo_url(owner, repo)}/artifacts/{int(artifact_id)}",
                        operation="delete artifact", uri=uri)

    def zip_location(self, artifact: Mapping[str, Any], *, uri: str | None) -> tuple[str, bool]:
        """Where the artifact's zip is served, and whether that URL takes our credentials.

        GitHub answers ``…/zip`` with a 302 to a signed URL on another host:
        that URL is followed without the ``Authorization`` header. A server
        that serves the zip itself (some proxies) is read with credentials.
        """
        if self.client.gh_auth is None:
            raise needs_token("read artifact", uri)
        url = str(artifact.get("archive_download_url") or "")
        if not url:
            raise OmefsError("read artifact: GitHub gave no archive_download_url",
                             operation="read artifact", uri=uri, provider="github")
        resp = self.client._send(
            "GET", url, headers={"Accept": "application/vnd.github+json"}, authenticate=True,
            operation="read artifact", uri=uri, ok=(410,),
        )
        resp.close()
        if resp.status_code == 410:
            raise NotFoundError(
                f"read artifact: the artifact {artifact.get('name')!r} (id {artifact.get('id')}) "
                f"has expired (expires_at {artifact.get('expires_at')}); GitHub no longer serves it",
                operation="read artifact", uri=uri, provider="github",
            )
        if resp.status_code in _REDIRECTS and resp.headers.get("Location"):
            return urljoin(url, resp.headers["Location"]), False
        return url, True
