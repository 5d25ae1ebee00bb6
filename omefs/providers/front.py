"""A provider filesystem's obstore front: listings and ``info`` without the SDK stack.

A command whose bytes move through obstore still needed the provider's
fsspec filesystem for its listings — and importing s3fs brings aiobotocore
and botocore's service models, a large part of a short command's run. A
provider that declares a *front* (``Provider.front``, ``"module:Class"``)
lets shared code open one instead:

* it takes the same URL, ``auth=`` and storage options as the filesystem
  (auth configs and routes resolve to the same cached
  :class:`~omefs.auth.Credentials`), and refuses — so the caller gets the
  full filesystem — any option it does not understand;
* ``info``, ``ls``, ``find`` and ``exists`` go through the provider's
  obstore store (built by its transfer hooks, as the copy engine builds it)
  and answer entries of the full filesystem's shape;
* everything else (``open``, ``rm``, ``mkdir``, server-side copies, the
  SDK clients the hooks use) goes to the full filesystem, made on first use
  exactly as :func:`omefs.url_to_fs` makes it.

:func:`open_front` is what the copy engine and the CLI call.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

from omefs.providers.error_mapping import SYNC_METHODS, map_errors
from omefs.providers.filesystem import AuthMixin, exists_by_info

__all__ = ["StoreFront", "open_front"]

log = logging.getLogger("omefs.transfer")


class _FrontOptions:
    """The end of a front's ``__init__`` chain: keeps the options :class:`AuthMixin` translated."""

    #: The storage options the front understands; any other one refuses it.
    front_options: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        unknown = set(kwargs) - self.front_options
        if unknown or args:  # as any class refuses keywords it does not take
            raise TypeError(f"options {sorted(unknown)} need the full filesystem")
        #: The translated storage options (what the full filesystem's parent would take).
        self.storage_options = dict(kwargs)
        self._url = ""
        self._given: tuple[Any, dict[str, Any]] = (None, {})
        self._full: Any = None
        self._stores: dict[str, Any] = {}
        self._lock = threading.RLock()


@map_errors(*SYNC_METHODS, "exists")
class StoreFront(AuthMixin, _FrontOptions):
    """The base of a provider's front. Subclasses set the class attributes and
    :meth:`entry` / :meth:`dir_entry`; see :mod:`omefs.providers.aws.front`."""

    #: The provider's name, as the full filesystem's ``storage_provider``.
    storage_provider: ClassVar[str] = ""
    #: The URL schemes, canonical first.
    protocol: ClassVar[tuple[str, ...]] = ()
    #: Whether listings are versioned (never: a front refuses version options).
    version_aware: ClassVar[bool] = False
    _url: str
    _given: tuple[Any, dict[str, Any]]
    _full: Any
    _stores: dict[str, Any]
    _lock: threading.RLock  # re-entered: a store's build may ask for the full filesystem

    def _options_from_auth(self, config: Any) -> dict[str, Any]:
        self.auth_credentials = self._resolve(config)
        return self.auth_credentials.store_options()

    # -- the full filesystem ---------------------------------------------------
    @property
    def full(self) -> Any:
        """The provider's fsspec filesystem for the same URL, auth and options (made once)."""
        with self._lock:
            if self._full is None:
                from omefs.api import url_to_fs

                auth, options = self._given
                self._full = url_to_fs(self._url, auth=auth, **options)[0]
            return self._full

    def __getattr__(self, name: str) -> Any:
        # Only called for what the front lacks: the full filesystem has it. omefs's own
        # optional probes (``_omefs_*``, looked up with a default) are not worth making it.
        if name.startswith(("__", "_omefs")) or name in ("_full", "_lock", "_given", "_url", "_stores"):
            raise AttributeError(name)
        log.debug("%s front: %s needs the full filesystem", self.storage_provider, name)
        return getattr(self.full, name)

    # -- paths ----------------------------------------------------------------------
    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        for proto in cls.protocol:
            if path.lower().startswith(proto + "://"):
                path = path[len(proto) + 3:]
                break
        return path.rstrip("/")

    @classmethod
    def parse_url(cls, url: str) -> tuple[str, dict[str, Any]]:
        """``(path, options the URL carries)``: the path as the full filesystem strips it,
        and the route of the routing config that the URL matches."""
        from omefs.routing import route_for

        options: dict[str, Any] = {}
        routed = route_for(url)
        if routed is not None:
            options["omefs_route"] = routed
        return cls._strip_protocol(url), options

    def split(self, path: str) -> tuple[str, str]:
        bucket, _, key = self._strip_protocol(path).lstrip("/").partition("/")
        return bucket, key

    def unstrip_protocol(self, name: str) -> str:
        return f"{self.protocol[0]}://{name}"

    def store(self, bucket: str) -> Any:
        """The provider's obstore store for ``bucket`` (built once), or None where the
        provider builds none for these settings (then the full filesystem answers)."""
        with self._lock:
            if bucket not in self._stores:
                from omefs.providers.registry import get_provider

                hooks = get_provider(self.storage_provider).transfer()
                self._stores[bucket] = hooks.build_store(self, bucket, retries=3)
            return self._stores[bucket]

    # -- entries (the provider's shape) ---------------------------------------------
    def entry(self, bucket: str, meta: dict[str, Any]) -> dict[str, Any]:
        """The full filesystem's listing entry of an object, from obstore's ``ObjectMeta``."""
        name = f"{bucket}/{meta['path']}"
        return {"name": name, "size": int(meta["size"]), "type": "file",
                "last_modified": meta.get("last_modified"), "etag": meta.get("e_tag")}

    def dir_entry(self, name: str) -> dict[str, Any]:
        """The full filesystem's entry of a folder (a common prefix)."""
        return {"name": name.rstrip("/"), "size": 0, "type": "directory"}

    # -- what the front serves -------------------------------------------------------
    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        bucket, key = self.split(path)
        if not key or kwargs or self.store(bucket) is None:
            return dict(self.full.info(path, **kwargs))
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            return self.entry(bucket, dict(obstore.head(self.store(bucket), key)))
        except (FileNotFoundError, NotFoundError):
            pass
        if self.has_children(self.store(bucket), key):
            return self.dir_entry(f"{bucket}/{key}")
        raise FileNotFoundError(path)

    @staticmethod
    def has_children(store: Any, key: str) -> bool:
        """Whether any object's key in ``store`` starts with ``key`` and ``/`` (a folder)."""
        import obstore

        listed = obstore.list_with_delimiter(store, key.rstrip("/") + "/")
        return bool(listed["objects"] or listed["common_prefixes"])

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        bucket, key = self.split(path)
        if not bucket or kwargs or self.store(bucket) is None:
            return list(self.full.ls(path, detail=detail, **kwargs))
        import obstore

        prefix = key + "/" if key else None
        with self._bucket_checked(bucket, path):
            listed = obstore.list_with_delimiter(self.store(bucket), prefix)
        out = [self.dir_entry(f"{bucket}/{p}") for p in listed["common_prefixes"]]
        out += [self.entry(bucket, dict(m)) for m in listed["objects"]]
        if not out and key:
            info = self.info(path)  # a file, or nothing there (FileNotFoundError)
            out = [info] if info["type"] == "file" else []
        out.sort(key=lambda e: e["name"])
        return out if detail else [e["name"] for e in out]

    def find(self, path: str, maxdepth: int | None = None, withdirs: bool = False,
             detail: bool = False, **kwargs: Any) -> Any:
        bucket, key = self.split(path)
        if not bucket or maxdepth is not None or withdirs or kwargs or self.store(bucket) is None:
            return self.full.find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)
        import obstore

        found: dict[str, dict[str, Any]] = {}
        prefix = key + "/" if key else None
        with self._bucket_checked(bucket, path):
            for chunk in obstore.list(self.store(bucket), prefix, chunk_size=1000):
                for meta in chunk:
                    info = self.entry(bucket, dict(meta))
                    found[info["name"]] = info
        if not found and key:
            try:
                info = self.info(path)
            except FileNotFoundError:
                info = {}
            if info.get("type") == "file":
                found[info["name"]] = info
        ordered = dict(sorted(found.items()))
        return ordered if detail else list(ordered)

    def exists(self, path: str, **kwargs: Any) -> bool:
        bucket, key = self.split(path)
        if not key:  # buckets: the service's own answer, through the full filesystem
            return bool(self.full.exists(path, **kwargs))
        return exists_by_info(self, path)

    @contextlib.contextmanager
    def _bucket_checked(self, bucket: str, path: str) -> Iterator[None]:
        """A listing that fails because the bucket is missing raises FileNotFoundError (obstore
        reports it as a generic error); the full filesystem tells, on that path only."""
        try:
            yield
        except FileNotFoundError:
            raise
        except Exception:
            if not self.full.exists(bucket):
                raise FileNotFoundError(path) from None
            raise

    def isdir(self, path: str) -> bool:
        try:
            return bool(self.info(path)["type"] == "directory")
        except FileNotFoundError:
            return False

    def isfile(self, path: str) -> bool:
        try:
            return bool(self.info(path)["type"] == "file")
        except FileNotFoundError:
            return False

    @property
    def listing_class(self) -> type | None:
        """The full filesystem's class: its cached instances hold the listings a write changes.

        Only a class already imported can have instances, so this never imports
        it (a front exists to keep the SDK stack out of short commands): None then.
        """
        import sys

        fsspec_registry = sys.modules.get("fsspec.registry")
        if fsspec_registry is None:  # fsspec itself not imported: no filesystem was made
            return None
        found = fsspec_registry.registry.get(self.protocol[0])
        return found if isinstance(found, type) else None

    def invalidate_cache(self, path: str | None = None) -> None:
        """The front caches no listing; the full filesystem (if made) forgets its own."""
        if self._full is not None:
            self._full.invalidate_cache(path)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._url!r}>"


def open_front(url: str, auth: Any = None, options: dict[str, Any] | None = None) -> tuple[Any, str] | None:
    """``(front, path)`` for ``url``, or None when its provider has no front or the
    URL, auth or options need the full filesystem (the caller opens that instead)."""
    from omefs.providers.registry import provider_for_scheme

    scheme, sep, _ = url.partition("://")
    provider = provider_for_scheme(scheme.lower()) if sep else None
    spec = getattr(provider, "front", None) if provider is not None else None
    if spec is not None and not isinstance(spec, str):
        spec = spec.get(scheme.lower(), spec.get("*"))
    if not spec or "?" in url:
        return None
    from omefs.transfer.obstore_options import obstore_available

    if not obstore_available():
        return None
    from omefs.providers.base import load_object

    cls = load_object(spec)
    options = dict(options or {})
    try:
        path, url_options = cls.parse_url(url)
        front = cls(auth=auth, **{**url_options, **options})
    except TypeError as exc:  # an option only the full filesystem takes
        log.debug("no front for %s: %s", url, exc)
        return None
    if front.encryption is not None:
        return None  # its headers are the full filesystem's
    front._url = url
    front._given = (auth, options)
    return front, path
