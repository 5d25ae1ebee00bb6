"""The :class:`Credentials` every resolver returns.

A resolver turns an :class:`~omefs.config.AuthConfig` into the credential
object of the provider's own SDK (a botocore credential provider, a
google-auth credential, an azure-identity credential, an OCI signer, a
PyGithub ``Auth``) and wraps it in a :class:`Credentials`. The SDK object
signs, exchanges and refreshes; this class only exposes it uniformly and
says which keyword arguments the provider's fsspec filesystem takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from omefs.redact import redact_settings

if TYPE_CHECKING:
    import requests

    from omefs.config import AuthConfig

__all__ = ["Credentials", "Resolver", "setting"]


class Credentials:
    """Resolved credentials for one provider.

    Subclasses (one per provider, in ``omefs.auth.<provider>``) override what
    their SDK supports. The defaults describe credentials that never expire
    and have no token (anonymous access, a static key).

    Attributes:
        provider: the auth provider (``oci``, ``aws``, ``gcp``, ``azure``, ``github``).
        auth_type: the canonical auth type that resolved.
        region: the region, where known.
        config: the config link that resolved (for a fallback chain, the link
            that won, not the head of the chain).
        sdk: the SDK's own credential object, or None for anonymous access.
    """

    def __init__(
        self,
        config: AuthConfig,
        *,
        sdk: object = None,
        options: Mapping[str, object] | None = None,
        region: str | None = None,
    ) -> None:
        self.config = config
        self.provider = config.provider
        self.auth_type = config.auth_type
        self.region = region or config.region
        #: The SDK's own object; each provider's subclass knows (and narrows) its type.
        self.sdk: Any = sdk
        self._options: dict[str, Any] = dict(options or {})
        endpoint = config.settings.get("endpoint_url")
        if endpoint and "endpoint_url" not in self._options:
            self._options["endpoint_url"] = endpoint

    # -- lifetime -------------------------------------------------------
    @property
    def expired(self) -> bool:
        """Whether the credentials need a refresh before the next use."""
        return False

    def refresh(self) -> None:
        """Obtain fresh credentials now (a no-op for static credentials)."""

    def token(self) -> str | None:
        """The bearer token, for providers that have one (GCP, Azure, GitHub, OCI security tokens)."""
        return None

    # -- use ------------------------------------------------------------
    def storage_options(self) -> dict[str, object]:
        """Keyword arguments for this provider's omefs filesystem.

        ``endpoint_url`` is included when the config carries one; each
        filesystem turns it into its parent library's own spelling.
        """
        return dict(self._options)

    def store_options(self) -> dict[str, object]:
        """:meth:`storage_options` for a filesystem's obstore front: the same endpoint and
        settings, without SDK objects that only the full filesystem uses (an s3fs
        session). The front signs with :attr:`sdk` instead."""
        return self.storage_options()

    def service_endpoint(self, service: str = "storage") -> str | None:
        """The endpoint of ``service`` for these credentials (None: the SDK's default)."""
        return self._options.get("endpoint_url")

    def http_client(self) -> requests.Session:
        """A :class:`requests.Session` that authenticates every request.

        The base class authenticates nothing (anonymous access); providers
        override it with their SDK's signer or token.
        """
        import requests

        return requests.Session()

    def identity(self) -> dict[str, object]:
        """What can be said of who these credentials are, with nothing secret."""
        return {"provider": self.provider, "auth_type": self.auth_type}

    def __repr__(self) -> str:
        opts = redact_settings(self._options)
        return (
            f"{type(self).__name__}(provider={self.provider!r}, auth_type={self.auth_type!r}, "
            f"region={self.region!r}, options={opts!r})"
        )


def setting(config: AuthConfig, key: str, *aliases: str, env: str | tuple[str, ...] | None = None,
            default: Any = None) -> Any:
    """The setting ``key`` (or one of its ``aliases``), else the first set ``env`` variable."""
    for name in (key, *aliases):
        value = config.settings.get(name)
        if value not in (None, ""):
            return value
    return config.get(key, default, env=env)


#: A resolver takes a config and returns credentials, or raises
#: :class:`~omefs.errors.AuthError` (could not obtain) or
#: :class:`~omefs.errors.ConfigError` (settings wrong).
Resolver = Callable[["AuthConfig"], Credentials]
