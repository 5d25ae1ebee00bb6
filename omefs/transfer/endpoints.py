"""One side of a transfer: a filesystem, a root path, and the fast data plane if any.

:class:`Endpoint` is what the rest of the engine talks to. It knows

* the fsspec filesystem (made from the URI, ``auth=`` and storage options
  exactly as ``omefs.url_to_fs`` makes it — so routes and auth configs apply);
* the storage provider (``s3``, ``gcs``, ``azure``, ``oci``, ``github``,
  ``file``, ``memory`` or another protocol);
* for S3, GCS and Azure, an obstore store per bucket (built lazily,
  see :mod:`omefs.transfer.obstore_stores`), and whether a given key can go
  through it (obstore normalises keys, so keys with empty, ``.`` or ``..``
  segments or a leading/trailing ``/`` stay on fsspec);
* how to turn a path back into a URL for reports.

Endpoints are rebuilt from :class:`EndpointSpec` (picklable) in executor
workers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from omefs.transfer.obstore_stores import build_store, is_loopback, storage_provider_of

__all__ = ["Endpoint", "EndpointSpec", "obstore_key_ok"]

#: Stores whose first path segment is a bucket; ``memory://NAME/…`` reads the same way.
BUCKETED = frozenset({"s3", "gcs", "azure", "oci", "memory"})


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

    def build(self, retries: int = 3) -> Endpoint:
        return Endpoint.from_uri(self.uri, self.auth, self.options, retries=retries)


class Endpoint:
    """A filesystem plus what the engine needs to know about it."""

    def __init__(self, fs: Any, root: str, spec: EndpointSpec | None = None, *, retries: int = 3) -> None:
        self.fs = fs
        self.root = root
        self.spec = spec
        self.retries = retries
        self.provider = storage_provider_of(fs)
        self._stores: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_uri(cls, uri: str, auth: Any = None, options: dict[str, Any] | None = None, *,
                 retries: int = 3) -> Endpoint:
        from omefs.api import url_to_fs

        opts = dict(options or {})
        if "auth" in opts:  # auth given among the storage options
            given = opts.pop("auth")
            auth = given if auth is None else auth
        fs, root = url_to_fs(uri, auth=auth, **opts)
        return cls(fs, root, EndpointSpec(uri, auth, opts), retries=retries)

    # -- paths ------------------------------------------------------------
    @property
    def protocol(self) -> str:
        proto = self.fs.protocol
        return proto[0] if isinstance(proto, (list, tuple)) else proto

    def url(self, path: str) -> str:
        """The URL of ``path`` (a path of this filesystem), for reports."""
        if self.provider == "file":
            return path
        if self.provider == "memory":
            return f"memory://{path.lstrip('/')}"
        return f"{self.protocol}://{path.lstrip('/')}"

    def split(self, path: str) -> tuple[str, str]:
        """``(bucket, key)`` of a path of a bucketed store; ``("", path)`` elsewhere (files)."""
        if self.provider in BUCKETED:
            bucket, _, key = path.lstrip("/").partition("/")
            return bucket, key
        return "", path

    def join(self, base: str, rel: str) -> str:
        """``base`` + ``/`` + ``rel`` in this filesystem's path form."""
        if not base:
            return rel if self.provider != "memory" else "/" + rel
        return base.rstrip("/") + "/" + rel

    # -- data plane -------------------------------------------------------
    @property
    def is_local_server(self) -> bool:
        """Whether the store is on this machine (an emulator), where one streamed GET beats ranges."""
        opts = getattr(self.fs, "storage_options", {}) or {}
        candidates = [
            (getattr(self.fs, "client_kwargs", None) or {}).get("endpoint_url"),
            getattr(self.fs, "endpoint_url", None),
            getattr(self.fs, "_omefs_account_url", None),
            getattr(self.fs, "_location", None) if self.provider == "gcs" else None,
            opts.get("endpoint_url"),
        ]
        text = getattr(self.fs, "connection_string", None)
        if text:
            from omefs.providers.azure.auth import parse_connection_string

            candidates.append(parse_connection_string(text).get("BlobEndpoint"))
        return any(is_loopback(c) for c in candidates if isinstance(c, str))

    def store(self, path: str) -> tuple[Any, str] | None:
        """``(obstore store, key)`` for ``path``, or None to use fsspec."""
        if self.provider not in ("s3", "gcs", "azure"):
            return None
        bucket, key = self.split(path)
        if not obstore_key_ok(key):
            return None
        with self._lock:
            if bucket not in self._stores:
                self._stores[bucket] = build_store(self.fs, bucket, retries=self.retries)
            store = self._stores[bucket]
        return (store, key) if store is not None else None

    def uses_obstore(self, path: str) -> bool:
        return self.store(path) is not None

    def __repr__(self) -> str:
        return f"<Endpoint {self.provider} {self.root!r}>"
