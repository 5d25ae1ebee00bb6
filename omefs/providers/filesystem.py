"""What every omefs filesystem adds to its parent: ``auth=`` and routing.

:class:`AuthMixin` goes first in the bases of each omefs filesystem
(``class S3FileSystem(AuthMixin, s3fs.S3FileSystem)``). It

* takes ``auth=`` — an :class:`~omefs.config.AuthConfig`, a mapping, or a
  profile name of the routing config — resolves it (once per config and
  process: :func:`omefs.auth.resolve` caches the
  :class:`~omefs.auth.Credentials`), keeps the result as
  ``fs.auth_credentials`` (so the copy engine's obstore stores sign with the
  same object instead of resolving again), and merges the credentials'
  storage options under the caller's own (the caller wins, nested
  ``client_kwargs``/``config_kwargs`` merged key by key);
* applies zero-config routes (``OMEFS_CONFIG``): ``_get_kwargs_from_urls``
  hands the matching profile to ``__init__`` under the private keyword
  ``omefs_route``, which is used only when the caller gave neither
  ``auth=`` nor credentials of their own; a filesystem made without a URL
  (``fsspec.filesystem("s3")``) takes the route of its whole scheme
  (``"s3://"``), if there is one. A distinct keyword is needed
  because fsspec raises "multiple values for keyword argument" when a
  URL's kwargs collide with the caller's;
* maps SDK exceptions to :mod:`omefs.errors` at the boundary (see
  :mod:`omefs.providers.error_mapping`).

Everything else is the parent's, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from omefs.config import AuthConfig, as_auth_config

if TYPE_CHECKING:
    from omefs.auth.base import Credentials

__all__ = ["AuthMixin", "credentials_of", "exists_by_info", "merge_options"]

# Keyword arguments whose value is a mapping that should be merged key by
# key rather than replaced.
_NESTED = ("client_kwargs", "config_kwargs", "s3_additional_kwargs", "oci_additional_kwargs")


def merge_options(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``override``; nested option maps are merged, not replaced."""
    out = dict(base)
    for key, value in override.items():
        if key in _NESTED and isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def credentials_of(fs: Any) -> Credentials | None:
    """The :class:`~omefs.auth.Credentials` an omefs filesystem was built with, if any."""
    creds = getattr(fs, "auth_credentials", None)
    from omefs.auth.base import Credentials

    return creds if isinstance(creds, Credentials) else None


class AuthMixin:
    """Adds ``auth=`` and config routing to an fsspec filesystem class.

    Subclasses set :attr:`auth_provider` and :attr:`credential_kwargs` (the
    parent's own credential keywords: passing any of them means "do not
    route"), and may override :meth:`_translate_options` to turn the generic
    ``endpoint_url`` into the parent's spelling.
    """

    #: The auth provider whose configs this filesystem takes (``aws``, ``gcp``…).
    auth_provider: ClassVar[str] = ""
    #: The parent's keywords that carry credentials.
    credential_kwargs: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, auth: Any = None, omefs_route: Any = None, **kwargs: Any):
        config = as_auth_config(auth, self.auth_provider)
        if config is None and not (self.credential_kwargs & set(kwargs)):
            if omefs_route is None:
                omefs_route = self._scheme_route()
            if omefs_route is not None:
                config = as_auth_config(omefs_route, self.auth_provider)
        self.auth_config: AuthConfig | None = config
        #: The resolved credentials of ``auth_config`` (None without one). Not
        #: ``credentials``: gcsfs already uses that name for its own holder.
        self.auth_credentials: Credentials | None = None
        if config is not None:
            kwargs = merge_options(self._options_from_auth(config), kwargs)
            if self.auth_credentials is None:  # a subclass resolved it its own way: the cached object
                self.auth_credentials = self._resolve(config)
        from omefs.encryption import resolve_encryption

        #: How objects are encrypted at rest (:mod:`omefs.encryption`): the ``encryption=``
        #: option, else the auth config's ``settings``; None: the bucket's default.
        self.encryption = resolve_encryption(kwargs.pop("encryption", None), config)
        if self.encryption is not None:
            self._check_encryption_mode(self.encryption.mode)
        kwargs = self._translate_options(kwargs)
        super().__init__(*args, **kwargs)

    def _check_encryption_mode(self, mode: str) -> None:
        """Refuse an encryption mode the provider does not declare (``Capabilities.encryption``)."""
        from omefs.errors import ConfigError
        from omefs.providers.registry import get_provider

        name = getattr(self, "storage_provider", None) or self.auth_provider
        provider = get_provider(name)
        modes = provider.capabilities.encryption or ()
        if mode not in modes:
            raise ConfigError(
                f"{provider.label or name} has no encryption mode {mode!r}; it has: "
                f"{', '.join(modes) or 'no encryption settings'}",
                operation="connect", provider=provider.name)

    @classmethod
    def _scheme_route(cls) -> AuthConfig | None:
        """The route of the whole scheme (a ``"s3://"`` prefix), for a filesystem made without a URL.

        ``fsspec.filesystem("s3")`` has no URL to match, yet a user whose config
        sends every ``s3://`` URL to an endpoint expects it to go there too.
        Routes of one bucket never apply here: no bucket is named.
        """
        from omefs.routing import route_for

        protocol = getattr(cls, "protocol", None)  # the fsspec parent's
        first = protocol[0] if isinstance(protocol, (tuple, list)) and protocol else protocol
        return route_for(f"{first}://") if isinstance(first, str) and first else None

    def _options_from_auth(self, config: AuthConfig) -> dict[str, Any]:
        """The storage options that ``config`` resolves to (keeping the credentials)."""
        self.auth_credentials = self._resolve(config)
        return self.auth_credentials.storage_options()

    def _resolve(self, config: AuthConfig) -> Credentials:
        """``config`` resolved (from the process's cache when it was resolved before)."""
        from omefs.auth import resolve
        from omefs.errors import ConfigError

        creds = resolve(config)
        if self.auth_provider and creds.provider != self.auth_provider:
            raise ConfigError(
                f"{type(self).__name__} takes {self.auth_provider} credentials, but the auth config "
                f"resolved to provider {creds.provider!r} ({creds.auth_type})",
                operation="connect", provider=self.auth_provider,
            )
        return creds

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Turn omefs's generic options (``endpoint_url``) into the parent's spelling."""
        return kwargs

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        """Options the URL itself carries (an account, a region); the parent's by default."""
        return dict(super()._get_kwargs_from_urls(path))  # type: ignore[misc]

    @classmethod
    def _get_kwargs_from_urls(cls, path: str) -> dict[str, Any]:
        out = cls._url_options(path)
        from omefs.routing import route_for

        routed = route_for(path)
        if routed is not None:
            out["omefs_route"] = routed
        return out


def exists_by_info(fs: Any, path: str, **kwargs: Any) -> bool:
    """Whether ``fs.info(path)`` finds ``path``. Only "not found" is "no": refused credentials,
    permissions and rate limits are raised, not hidden (fsspec's own ``exists`` says "no" to
    any error)."""
    try:
        fs.info(path, **kwargs)
    except FileNotFoundError:
        return False
    return True
