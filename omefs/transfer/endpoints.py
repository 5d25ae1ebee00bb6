"""One side of a transfer: a filesystem, a root path, its provider, and the fast data plane.

:class:`Endpoint` is what the rest of the engine talks to. It knows

* the fsspec filesystem (made from the URI, ``auth=`` and storage options
  exactly as ``omefs.url_to_fs`` makes it — so routes and auth configs apply);
* the :class:`~omefs.providers.base.Provider` it reaches
  (:func:`~omefs.providers.registry.provider_of`), whose capabilities and
  transfer hooks answer everything the engine does not know about a store
  (``.name`` for reports);
* an obstore store per bucket where the provider builds one (lazily,
  through its hooks), and whether a given key can go through it (obstore
  normalises keys, so keys with empty, ``.`` or ``..`` segments or a
  leading/trailing ``/`` stay on fsspec);
* how to turn a path back into a URL for reports.

Endpoints are rebuilt from :class:`EndpointSpec` (picklable) in executor
workers.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from omefs.providers.base import Provider
from omefs.providers.registry import provider_of
from omefs.transfer.obstore_options import is_loopback, obstore_available

__all__ = ["Endpoint", "EndpointSpec", "obstore_key_ok"]

log = logging.getLogger("omefs.transfer")


def obstore_key_ok(key: str) -> bool:
    """Whether obstore stores ``key`` under exactly that name."""
    if not key or key.startswith("/") or key.endswith("/") or "//" in key:
        return False
    return not any(seg in (".", "..") for seg in key.split("/"))


@dataclass(frozen=True)
class EndpointSpec:
    """How to build an endpoint again (in another process): URI, auth and options."""

    uri: str
    auth: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    #: Whether the provider's obstore front (:mod:`omefs.providers.front`) may stand for
    #: its filesystem: listings without the SDK stack, entries without storage classes.
    front: bool = False

    def build(self, retries: int = 3) -> Endpoint:
        return Endpoint.from_uri(self.uri, self.auth, self.options, retries=retries, front=self.front)


class Endpoint:
    """A filesystem plus what the engine needs to know about it."""

    def __init__(self, fs: Any, root: str, spec: EndpointSpec | None = None, *, retries: int = 3) -> None:
        self.fs = fs
        self.root = root
        self.spec = spec
        self.retries = retries
        self.provider: Provider = provider_of(fs)
        #: The provider's answers to the engine's questions (:mod:`omefs.providers.hooks`).
        self.hooks: Any = self.provider.transfer()
        self._stores: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def encryption(self) -> Any:
        """The filesystem's encryption setting (:mod:`omefs.encryption`), None without one."""
        return getattr(self.fs, "encryption", None)

    @property
    def name(self) -> str:
        """The provider's name, for reports and errors."""
        return self.provider.name

    @classmethod
    def from_uri(cls, uri: str, auth: Any = None, options: dict[str, Any] | None = None, *,
                 retries: int = 3, front: bool = False) -> Endpoint:
        """The endpoint of ``uri``; with ``front``, on the provider's obstore front where it
        has one that takes these options (its full filesystem is then made on first use)."""
        opts = dict(options or {})
        if "auth" in opts:  # auth given among the storage options
            given = opts.pop("auth")
            auth = given if auth is None else auth
        opened = None
        if front and obstore_available():
            from omefs.providers.front import open_front

            opened = open_front(uri, auth, opts)
        if opened is None:
            from omefs.api import url_to_fs

            opened = url_to_fs(uri, auth=auth, **opts)
        fs, root = opened
        return cls(fs, root, EndpointSpec(uri, auth, opts, front), retries=retries)

    # -- paths ------------------------------------------------------------
    @property
    def protocol(self) -> str:
        proto = self.fs.protocol
        return str(proto[0] if isinstance(proto, (list, tuple)) else proto)

    def url(self, path: str) -> str:
        """The URL of ``path`` (a path of this filesystem), for reports."""
        return str(self.hooks.url(self.protocol, path))

    def split(self, path: str) -> tuple[str, str]:
        """``(bucket, key)`` of a path of a bucketed store; ``("", path)`` elsewhere (files)."""
        if self.provider.capabilities.bucketed:
            bucket, _, key = path.lstrip("/").partition("/")
            return bucket, key
        return "", path

    def join(self, base: str, rel: str) -> str:
        """``base`` + ``/`` + ``rel`` in this filesystem's path form."""
        return str(self.hooks.join(base, rel))

    # -- data plane -------------------------------------------------------
    @property
    def is_local_server(self) -> bool:
        """Whether the store is on this machine (an emulator), where one streamed GET beats ranges."""
        return any(is_loopback(url) for url in self.hooks.endpoint_urls(self.fs))

    def store(self, path: str) -> tuple[Any, str] | None:
        """``(obstore store, key)`` for ``path``, or None to use fsspec."""
        bucket, key = self.split(path)
        if not bucket or not obstore_key_ok(key) or self.names_version(path):
            return None
        with self._lock:
            if bucket not in self._stores:
                self._stores[bucket] = self._build_store(bucket)
            store = self._stores[bucket]
        return (store, key) if store is not None else None

    def _build_store(self, bucket: str) -> Any:
        """The provider's obstore store for ``bucket``, or None: obstore is off or missing,
        the provider builds none, or its setup cannot be expressed in obstore terms."""
        if not obstore_available() or self.encryption is not None:
            # The encryption headers are the filesystem's: its requests carry them.
            return None
        try:
            return self.hooks.build_store(self.fs, bucket, retries=self.retries)
        except Exception as exc:  # noqa: BLE001 - never fail a copy for want of the fast path
            log.info("obstore store for %s bucket %r unavailable (%s); using fsspec",
                     self.name, bucket, type(exc).__name__)
            return None

    def names_version(self, path: str) -> bool:
        """Whether ``path`` names one version of an object (read it through the filesystem)."""
        from omefs.providers.versioned import names_version

        return names_version(self.fs, path)

    def uses_obstore(self, path: str) -> bool:
        return self.store(path) is not None

    def __repr__(self) -> str:
        return f"<Endpoint {self.name} {self.root!r}>"
