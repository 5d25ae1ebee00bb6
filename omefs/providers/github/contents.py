"""fsspec's own repository-contents filesystem, pointed at any GitHub API root.

``github://ORG:REPO@REF/PATH`` has meant "a file of a repository at a ref"
in fsspec for years (:class:`fsspec.implementations.github.GithubFileSystem`).
omefs registers its Releases filesystem for ``github``, and hands this form
to fsspec's class unchanged; the one addition here is the API root, which
fsspec writes as ``https://api.github.com``, so that GitHub Enterprise
Server (and the test fake) work too.
"""

from __future__ import annotations

from typing import Any

import requests
from fsspec.implementations.github import GithubFileSystem

__all__ = ["ContentsFileSystem"]


class ContentsFileSystem(GithubFileSystem):  # type: ignore[misc]
    """:class:`GithubFileSystem` with a configurable API root (``api_url``)."""

    def __init__(
        self,
        org: str,
        repo: str,
        sha: str | None = None,
        username: str | None = None,
        token: str | None = None,
        timeout: Any = None,
        api_url: str = "https://api.github.com",
        **kwargs: Any,
    ) -> None:
        api = api_url.rstrip("/")
        self.api_url = api
        self.url = api + "/repos/{org}/{repo}/git/trees/{sha}"
        self.content_url = api + "/repos/{org}/{repo}/contents/{path}?ref={sha}"
        if not sha:
            # fsspec looks the default branch up at api.github.com itself.
            auth = (username, token) if username and token else None
            r = requests.get(f"{api}/repos/{org}/{repo}", auth=auth, timeout=timeout or self.timeout)
            r.raise_for_status()
            sha = r.json()["default_branch"]
        super().__init__(org, repo, sha=sha, username=username, token=token, timeout=timeout, **kwargs)
