"""The GitHub Releases filesystem's construction: options, credentials, the REST client, paths and caches.

:class:`ReleasesConnection` is the base of
:class:`~omefs.providers.github.fs.GitHubReleasesFileSystem`: it checks the options,
turns omefs credentials (or ``token=``/``gh_auth=``/``anon=``) into a
:class:`~omefs.providers.github.client.GitHubClient`, strips ``github://`` paths to
the release grammar of :mod:`omefs.providers.github.paths` (or delegates the
repository-contents form to fsspec's filesystem) and keeps the listing caches.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from fsspec.spec import AbstractFileSystem
from fsspec.utils import stringify_path

from omefs.errors import ConfigError
from omefs.providers.filesystem import AuthMixin
from omefs.providers.github.artifacts.routing import ArtifactRouting
from omefs.providers.github.client import GitHubClient
from omefs.providers.github.paths import (
    ReleasePath,
    is_actions_path,
    is_contents_url,
    normalize,
    parse_release_path,
)
from omefs.providers.github.ratelimit import DEFAULT_MAX_WAIT
from omefs.redact import register_secret

__all__ = ["ReleasesConnection", "MAX_ASSET_SIZE", "RELEASE_FIELDS"]

#: GitHub: "each file included in a release must be under 2 GiB".
MAX_ASSET_SIZE = 2 * 1024**3 - 1

#: Keys ``create_release=`` (a mapping) and ``mkdir`` accept: GitHub's release fields.
RELEASE_FIELDS = frozenset({
    "name", "body", "draft", "prerelease", "target_commitish", "make_latest",
    "generate_release_notes", "discussion_category_name",
})

_OWN_OPTIONS = (
    "token", "gh_auth", "anon", "endpoint_url", "base_url", "create_release",
    "max_rate_limit_wait", "timeout", "per_page", "org", "repo", "sha", "username",
    "verify", "ca_bundle", "allow_http",
)


class ReleasesConnection(ArtifactRouting, AuthMixin, AbstractFileSystem):  # type: ignore[misc]
    """GitHub options, client, paths and caches; see :class:`~omefs.providers.github.fs.GitHubReleasesFileSystem`."""

    protocol: ClassVar[tuple[str, ...]] = ("github",)
    root_marker = ""
    auth_provider: ClassVar[str] = "github"
    storage_provider: ClassVar[str] = "github"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset({"token", "gh_auth", "anon", "username"})
    #: The largest asset accepted for upload (bytes); GitHub's limit is "under 2 GiB".
    max_asset_size: int = MAX_ASSET_SIZE
    blocksize = 5 * 2**20

    def __init__(self, *args: Any, auth: Any = None, omefs_route: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, auth=auth, omefs_route=omefs_route, **kwargs)
        self._setup(self._gh_options)

    # -- construction -----------------------------------------------------------
    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        self._gh_options = {k: kwargs.pop(k) for k in _OWN_OPTIONS if k in kwargs}
        kwargs.pop("region", None)
        return kwargs

    def _setup(self, opts: dict[str, Any]) -> None:
        from omefs.providers.github.auth import DEFAULT_BASE_URL, auth_type_of

        if self.auth_config is None and not (self.credential_kwargs & set(opts)):
            from omefs.auth import resolve
            from omefs.config import AuthConfig

            resolved = resolve(AuthConfig(provider="github", auth_type="default")).storage_options()
            opts = {**resolved, **opts}
        gh_auth = opts.get("gh_auth")
        token = opts.get("token")
        if gh_auth is None and token and not opts.get("anon"):
            from github.Auth import Token

            register_secret(str(token))
            gh_auth = Token(str(token))
        if opts.get("anon"):
            gh_auth = None
        if gh_auth is not None and type(gh_auth).__name__ == "Token":
            register_secret(gh_auth.token)
        endpoint = opts.get("endpoint_url") or opts.get("base_url") or DEFAULT_BASE_URL
        endpoint = str(endpoint).rstrip("/")
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(
                f"endpoint_url {endpoint!r} is not an http(s) URL; accepted: "
                "https://api.github.com or https://HOST/api/v3 (GitHub Enterprise Server)",
                operation="connect", provider="github",
            )
        verify = _tls(self.auth_config, opts, endpoint, credentials=gh_auth is not None)
        config_type = self.auth_config.auth_type if self.auth_config is not None else "default"
        self.auth_type = config_type if config_type != "default" else auth_type_of(gh_auth)
        self.endpoint_url = endpoint
        create = opts.get("create_release", False)
        self.create_release = check_release_fields(create, "create_release")
        timeout = opts.get("timeout", (10.0, 120.0))
        if not isinstance(timeout, (tuple, list)):
            timeout = (timeout, timeout)
        if len(timeout) != 2:
            raise ConfigError(
                f"timeout must be seconds or (connect, read) seconds, got {timeout!r}",
                operation="connect", provider="github",
            )
        self.client = GitHubClient(
            gh_auth=gh_auth,
            base_url=endpoint,
            auth_type=self.auth_type,
            timeout=(_number(timeout[0], "timeout"), _number(timeout[1], "timeout")),
            max_rate_limit_wait=_number(
                opts.get("max_rate_limit_wait", DEFAULT_MAX_WAIT), "max_rate_limit_wait"
            ),
            per_page=int(_number(opts.get("per_page", 100), "per_page", low=1)),
            verify=verify,
        )
        self._releases: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
        self._repos: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._contents: Any = None
        if opts.get("org") and opts.get("repo"):
            self._contents = self._contents_fs(opts, gh_auth, endpoint)

    def _contents_fs(self, opts: dict[str, Any], gh_auth: Any, endpoint: str) -> Any:
        """fsspec's repository-contents filesystem for ``org``/``repo``/``sha``."""
        from omefs.providers.github.contents import ContentsFileSystem

        username, token = opts.get("username"), None
        if gh_auth is not None and hasattr(gh_auth, "token") and type(gh_auth).__name__ != "AppAuth":
            token = gh_auth.token  # a PAT, or the current installation token
            username = username or "x-access-token"
        return ContentsFileSystem(
            opts["org"], opts["repo"], sha=opts.get("sha") or None,
            username=username if token else None, token=token, api_url=endpoint,
            skip_instance_cache=True,
        )

    def _omefs_error_hint(self) -> str:
        """Whose credentials a mapped error concerns (for :mod:`omefs.providers.error_mapping`); never a secret."""
        return f"github auth_type={self.auth_type} at {self.endpoint_url}"

    def __repr__(self) -> str:
        mode = " (repository contents)" if getattr(self, "_contents", None) is not None else ""
        return (
            f"{type(self).__name__}(endpoint_url={getattr(self, 'endpoint_url', None)!r}, "
            f"auth_type={getattr(self, 'auth_type', None)!r}){mode}"
        )

    # -- paths --------------------------------------------------------------------
    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = stringify_path(path)
        if is_contents_url(text):
            from fsspec.implementations.github import GithubFileSystem

            return GithubFileSystem._strip_protocol(text)
        return normalize(text)

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        text = stringify_path(path)
        if not is_contents_url(text):
            return {}
        from fsspec.implementations.github import GithubFileSystem

        return dict(GithubFileSystem._get_kwargs_from_urls(text))

    def _parse(self, path: Any) -> ReleasePath:
        """The release path ``path`` names. Every read of an artifact path is routed before
        this is asked, so an artifact path here is a write: refused, artifacts are read-only."""
        text = self._strip_protocol(path)
        if is_actions_path(text):
            from omefs.providers.github.artifacts.access import read_only

            raise read_only(text, "write")
        return parse_release_path(text)

    @staticmethod
    def _uri(p: ReleasePath) -> str:
        return f"github://{p.path}"

    # -- caches ---------------------------------------------------------------------
    def _fresh(self, stamp: float) -> bool:
        if not self.dircache.use_listings_cache:
            return False
        expiry = self.dircache.listings_expiry_time
        return expiry is None or time.monotonic() - stamp < expiry

    def invalidate_cache(self, path: str | None = None) -> None:
        """Forget cached listings: everything, or everything of the repository ``path`` is in."""
        if getattr(self, "_contents", None) is not None:
            self._contents.invalidate_cache(path)
            return
        if self._artifact_access is not None:
            self._artifact_access.invalidate()
        if path is None:
            self.dircache.clear()
            self._releases.clear()
            self._repos.clear()
            return
        text = normalize(stringify_path(path))
        parts = text.split("/")
        if len(parts) < 2 or not parts[1]:
            self.dircache.clear()
            self._releases.clear()
            self._repos.clear()
            return
        owner, repo = parts[0], parts[1].split("@", 1)[0]
        prefix = f"{owner}/{repo}"
        for key in [k for k in list(self.dircache)
                    if k == prefix or k.startswith((prefix + "/", prefix + "@"))]:
            self.dircache.pop(key, None)
        for rkey in [k for k in list(self._releases) if k[:2] == (owner, repo)]:
            self._releases.pop(rkey, None)
        self._repos.pop((owner, repo), None)


def _number(value: Any, what: str, low: float = 0.0) -> float:
    """A numeric option, or a :class:`ConfigError` naming it."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number >= low:
        raise ConfigError(
            f"{what} must be a number >= {low:g}, got {value!r}",
            operation="connect", provider="github",
        )
    return number


def check_release_fields(value: Any, what: str) -> Any:
    """``create_release`` / ``mkdir`` keywords: a bool, or a mapping of GitHub's release fields."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - RELEASE_FIELDS)
        if unknown:
            raise ConfigError(
                f"{what}: unknown release field(s) {', '.join(map(repr, unknown))}; "
                f"accepted: {', '.join(sorted(RELEASE_FIELDS))}",
                operation=what, provider="github",
            )
        return dict(value)
    raise ConfigError(
        f"{what} must be True/False or a mapping of release fields, got {type(value).__name__}",
        operation=what, provider="github",
    )


def _tls(config: Any, opts: Mapping[str, Any], endpoint: str, *, credentials: bool) -> bool | str:
    """The TLS policy (:mod:`omefs.tls`) for ``endpoint``: options win over auth settings."""
    from omefs import tls

    settings = dict(getattr(config, "settings", None) or {})
    value = {k: opts.get(k, settings.get(k)) for k in ("verify", "ca_bundle", "allow_http")}
    tls.check_endpoint(endpoint, credentials=credentials, allow_http=value["allow_http"],
                       provider="github")
    verify = tls.verify_setting(value["verify"], value["ca_bundle"])
    tls.note_verify(verify, endpoint)
    return verify
