"""GitHub auth types, resolved to PyGithub ``Auth`` objects.

* ``personal_access_token`` — settings ``token`` (else ``GITHUB_TOKEN``,
  then ``GH_TOKEN``); classic and fine-grained tokens alike.
* ``github_app`` — settings ``app_id``, ``installation_id`` and
  ``private_key`` (PEM text) or ``private_key_path``. PyGithub signs an
  RS256 JWT with the key and exchanges it for an installation token;
  :class:`InstallationTokenAuth` caches that token and renews it before it
  expires (``refresh_margin`` seconds, default 300), and drops it when the
  API refuses it.
* ``anonymous`` — no credentials (public repositories; 60 requests/hour).
* ``default`` — an App when ``app_id`` is set, else a token from settings
  or ``GITHUB_TOKEN``/``GH_TOKEN``, else anonymous.

Every type takes ``base_url`` (or ``endpoint_url``; else ``GITHUB_API_URL``,
which GitHub Actions sets, also on GitHub Enterprise Server): the REST API
root, ``https://HOST/api/v3`` for GitHub Enterprise Server.

OME's Go names (``GitHubPersonalAccessToken``, ``GitHubToken``,
``GitHubApp``) are accepted by :class:`~omefs.config.AuthConfig` with a
:class:`DeprecationWarning`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from omefs.auth.base import Credentials
from omefs.auth.registry import declare_settings, register
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.redact import get_logger, register_secret

if TYPE_CHECKING:
    import requests
    from github.Auth import Auth

__all__ = [
    "DEFAULT_BASE_URL",
    "GitHubCredentials",
    "InstallationTokenAuth",
    "auth_type_of",
    "base_url_of",
]

PROVIDER = "github"
DEFAULT_BASE_URL = "https://api.github.com"
TOKEN_ENV = ("GITHUB_TOKEN", "GH_TOKEN")
BASE_URL_ENV = "GITHUB_API_URL"
#: Renew an installation token this many seconds before it expires (capped
#: at a quarter of the token's lifetime, so a short-lived token is not
#: renewed on every request).
DEFAULT_REFRESH_MARGIN = 300.0

log = get_logger(__name__)

# GitHub's token formats: classic/OAuth/user/server/refresh tokens and fine-grained PATs.
_TOKEN_SHAPE = re.compile(r"\b(?:gh[opusr]_[A-Za-z0-9_]{20,}|github_pat_[A-Za-z0-9_]{20,})")


class _TokenShapeFilter(logging.Filter):
    """Masks GitHub-token-shaped strings in PyGithub's own log records.

    At DEBUG, PyGithub's requester logs response bodies — the installation
    token exchange's included — before omefs has seen (and registered) the
    new token, so the masking of known secrets cannot catch it there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging
            return True
        masked = _TOKEN_SHAPE.sub("***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _guard_pygithub_logs() -> None:
    logger = logging.getLogger("github.Requester")
    if not any(isinstance(f, _TokenShapeFilter) for f in logger.filters):
        logger.addFilter(_TokenShapeFilter())


_guard_pygithub_logs()

try:  # PyGithub is the github extra; the module must import without it for docs/tools.
    from github.Auth import AppAuth, AppInstallationAuth, Token
except ImportError:  # pragma: no cover - exercised only without omefs[github]
    AppInstallationAuth = object  # type: ignore[assignment,misc]


class InstallationTokenAuth(AppInstallationAuth):
    """A GitHub App installation token that is renewed before it expires.

    PyGithub's :class:`~github.Auth.AppInstallationAuth` does the JWT →
    installation-token exchange; this subclass only changes *when* the
    token is renewed: ``refresh_margin`` seconds before ``expires_at``
    (PyGithub's own margin is 20 s), at most a quarter of the token's
    lifetime before, and at once after :meth:`invalidate` — which the
    filesystem calls when the API answers 401 to a token (revoked, or the
    clocks disagree). It is thread-safe: one exchange at a time.
    """

    def __init__(
        self,
        app_auth: AppAuth,
        installation_id: int,
        *,
        base_url: str = DEFAULT_BASE_URL,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        token_permissions: dict[str, str] | None = None,
    ) -> None:
        super().__init__(app_auth, installation_id, token_permissions)
        self._base_url = base_url
        self._margin = float(refresh_margin)
        self._lock = threading.RLock()
        self._bound = False
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self._renew_at = 0.0
        #: How many installation tokens this object has obtained.
        self.renewals = 0

    # PyGithub binds an auth object to each Github client's requester; the
    # token exchange needs one binding only (its own requester), so later
    # clients share the cached token instead of rebinding.
    def withRequester(self, requester: Any) -> InstallationTokenAuth:
        with self._lock:
            if not self._bound:
                super().withRequester(requester)
                self._bound = True
        return self

    @property
    def token(self) -> str:
        with self._lock:
            if self._token is None or time.time() >= self._renew_at:
                self._renew()
            assert self._token is not None
            return self._token

    @property
    def expires_at(self) -> datetime | None:
        """When the current token expires (None before the first exchange)."""
        return self._expires_at

    @property
    def expired(self) -> bool:
        """Whether the next use will obtain a new token."""
        return self._token is None or time.time() >= self._renew_at

    def invalidate(self) -> None:
        """Forget the current token; the next use obtains a new one."""
        with self._lock:
            self._token = None

    def refresh(self) -> None:
        """Obtain a new installation token now."""
        with self._lock:
            self._renew()

    def _renew(self) -> None:
        if not self._bound:
            from github import Github

            Github(auth=self, base_url=self._base_url, retry=None,
                   seconds_between_requests=0, seconds_between_writes=0)
        from github.GithubException import GithubException

        try:
            authorization = self._get_installation_authorization()
        except GithubException as exc:
            if exc.status not in (401, 403, 404, 422):
                raise  # rate limits and server errors: the caller's policy decides
            message = exc.data.get("message") if isinstance(exc.data, dict) else None
            raise AuthError(
                f"GitHub App {self.app_id}: could not obtain an installation token for "
                f"installation {self.installation_id} [HTTP {exc.status}: "
                f"{message or 'no message'}] (auth_type=github_app)",
                operation="token exchange",
                provider=PROVIDER,
            ) from None
        token = authorization.token
        register_secret(token)
        expires = authorization.expires_at
        now = time.time()
        if expires is None:
            expires = datetime.fromtimestamp(now + 3600, timezone.utc)
        elif expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        lifetime = max(0.0, expires.timestamp() - now)
        self._token = token
        self._expires_at = expires
        self._renew_at = expires.timestamp() - min(self._margin, lifetime / 4)
        self.renewals += 1
        log.debug(
            "GitHub App %s installation %s: new installation token, expires %s",
            self.app_id, self.installation_id, expires.isoformat(),
        )

    def __getstate__(self) -> dict[str, Any]:
        # Picklable for Dask workers: keep the key, drop the token, lock and requester.
        return {
            "app_auth": self._app_auth,
            "installation_id": self._installation_id,
            "base_url": self._base_url,
            "margin": self._margin,
            "permissions": self._token_permissions,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["app_auth"],
            state["installation_id"],
            base_url=state["base_url"],
            refresh_margin=state["margin"],
            token_permissions=state["permissions"],
        )

    def __repr__(self) -> str:
        return (
            f"InstallationTokenAuth(app_id={self.app_id!r}, "
            f"installation_id={self.installation_id!r}, base_url={self._base_url!r})"
        )


def auth_type_of(gh_auth: Any) -> str:
    """The omefs auth type a PyGithub ``Auth`` object stands for (for messages)."""
    if gh_auth is None:
        return "anonymous"
    name = type(gh_auth).__name__
    if isinstance(gh_auth, AppInstallationAuth) or name in ("AppAuth", "AppAuthToken"):
        return "github_app"
    if name == "Token":
        return "personal_access_token"
    return name


class GitHubCredentials(Credentials):
    """GitHub credentials: a PyGithub ``Auth`` object (None for anonymous access).

    ``storage_options()`` gives the GitHub Releases filesystem's keywords:
    ``gh_auth`` (the ``Auth`` object) or ``anon=True``, and ``endpoint_url``
    (the REST API root).
    """

    def __init__(self, config: AuthConfig, *, sdk: Auth | None, base_url: str) -> None:
        options: dict[str, Any] = {"endpoint_url": base_url}
        if sdk is None:
            options["anon"] = True
        else:
            options["gh_auth"] = sdk
        super().__init__(config, sdk=sdk, options=options)
        self.base_url = base_url

    @property
    def expired(self) -> bool:
        return bool(getattr(self.sdk, "expired", False))

    def refresh(self) -> None:
        if isinstance(self.sdk, InstallationTokenAuth):
            self.sdk.refresh()

    def token(self) -> str | None:
        """The token sent to GitHub (an installation token is obtained or renewed as needed)."""
        return self.sdk.token if self.sdk is not None else None

    def service_endpoint(self, service: str = "storage") -> str | None:
        return self.base_url

    def http_client(self) -> requests.Session:
        """A session that sends ``Authorization`` to the API host only, renewed per request."""
        import requests

        session = requests.Session()
        if self.sdk is not None:
            session.auth = _HeaderAuth(self.sdk, self.base_url)
        return session

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        out["base_url"] = self.base_url
        if isinstance(self.sdk, InstallationTokenAuth):
            out["app_id"] = self.sdk.app_id
            out["installation_id"] = self.sdk.installation_id
        return out


class _HeaderAuth:
    """requests auth hook: the PyGithub auth header, only for the API's own host."""

    def __init__(self, gh_auth: Auth, base_url: str) -> None:
        from urllib.parse import urlsplit

        self._auth = gh_auth
        self._host = urlsplit(base_url).netloc

    def __call__(self, request: Any) -> Any:
        from urllib.parse import urlsplit

        if urlsplit(request.url).netloc == self._host:
            headers: dict[str, str] = {}
            self._auth.authentication(headers)
            request.headers.update(headers)
        return request


# -- resolvers ------------------------------------------------------------


def base_url_of(config: AuthConfig) -> str:
    """The REST API root a config names: ``base_url``, ``endpoint_url``, ``GITHUB_API_URL``, or github.com's."""
    url = config.get("base_url") or config.get("endpoint_url", env=BASE_URL_ENV) or DEFAULT_BASE_URL
    url = str(url).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"github base_url {url!r} is not an http(s) URL; accepted: "
            "https://api.github.com or https://HOST/api/v3 (GitHub Enterprise Server)",
            operation="resolve",
            provider=PROVIDER,
        )
    return url


@register(PROVIDER, "personal_access_token", settings=("token",))
def personal_access_token(config: AuthConfig) -> GitHubCredentials:
    """A classic or fine-grained token: settings ``token``, else ``GITHUB_TOKEN``, then ``GH_TOKEN``."""
    token = config.get("token", env=TOKEN_ENV)
    if not token:
        raise AuthError(
            "github personal_access_token needs setting 'token' "
            "(or the environment variable GITHUB_TOKEN or GH_TOKEN)",
            operation="resolve",
            provider=PROVIDER,
        )
    token = str(token).strip()
    register_secret(token)
    return GitHubCredentials(config, sdk=Token(token), base_url=base_url_of(config))


@register(PROVIDER, "github_app", settings=("app_id", "installation_id", "private_key", "private_key_path", "token_permissions", "org", "repo", "username"))
def github_app(config: AuthConfig) -> GitHubCredentials:
    """A GitHub App installation: ``app_id``, ``installation_id``, ``private_key`` or ``private_key_path``."""
    app_id = config.get("app_id")
    installation = config.get("installation_id")
    key = config.get("private_key")
    key_path = config.get("private_key_path")
    missing = [n for n, v in (("app_id", app_id), ("installation_id", installation)) if not v]
    if not key and not key_path:
        missing.append("private_key or private_key_path")
    if missing:
        raise AuthError(
            f"github github_app needs settings {', '.join(missing)}",
            operation="resolve",
            provider=PROVIDER,
        )
    try:
        installation_id = int(str(installation).strip())
    except ValueError:
        raise ConfigError(
            f"github github_app: installation_id must be an integer, got {installation!r}",
            operation="resolve",
            provider=PROVIDER,
        ) from None
    if not key:
        path = os.path.expanduser(str(key_path))
        try:
            with open(path, encoding="utf-8") as fh:
                key = fh.read()
        except OSError as exc:
            raise ConfigError(
                f"github github_app: private_key_path {str(key_path)!r} cannot be read "
                f"({exc.strerror})",
                operation="resolve",
                provider=PROVIDER,
            ) from None
    key = str(key)
    register_secret(key)
    _check_private_key(key)
    raw_margin = config.get("refresh_margin", DEFAULT_REFRESH_MARGIN)
    try:
        margin = float(str(raw_margin))
    except ValueError:
        raise ConfigError(
            f"github github_app: refresh_margin must be a number of seconds, got {raw_margin!r}",
            operation="resolve",
            provider=PROVIDER,
        ) from None
    permissions = config.get("token_permissions")
    if permissions is not None and not isinstance(permissions, dict):
        raise ConfigError(
            "github github_app: token_permissions must be a mapping such as {'contents': 'write'}",
            operation="resolve",
            provider=PROVIDER,
        )
    base_url = base_url_of(config)
    app_auth = AppAuth(str(app_id).strip(), key)
    sdk = InstallationTokenAuth(
        app_auth,
        installation_id,
        base_url=base_url,
        refresh_margin=margin,
        token_permissions=dict(permissions) if permissions else None,
    )
    return GitHubCredentials(config, sdk=sdk, base_url=base_url)


def _check_private_key(pem: str) -> None:
    """Refuse, without showing it, a key that is not a PEM RSA private key (JWTs are RS256)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(
            "github github_app: private_key is not an unencrypted PEM RSA private key "
            "(GitHub App keys are RS256; download one from the App's settings page)",
            operation="resolve",
            provider=PROVIDER,
        )


@register(PROVIDER, "anonymous", settings=())
def anonymous(config: AuthConfig) -> GitHubCredentials:
    """No credentials: public repositories only, 60 API requests/hour."""
    return GitHubCredentials(config, sdk=None, base_url=base_url_of(config))


@register(PROVIDER, "default", settings=("token", "app_id", "installation_id", "private_key", "private_key_path", "token_permissions", "org", "repo", "username"))
def default(config: AuthConfig) -> GitHubCredentials:
    """An App if ``app_id`` is set, else a token (settings, GITHUB_TOKEN, GH_TOKEN), else anonymous."""
    if config.get("app_id"):
        return github_app(config)
    if config.get("token", env=TOKEN_ENV):
        return personal_access_token(config)
    return anonymous(config)


#: Settings every github auth type takes (endpoints, timeouts, and the settings of
#: features beyond auth); one list for the provider.
declare_settings(PROVIDER, ("base_url", "refresh_margin", "timeout", "max_rate_limit_wait"))
