"""``storage_class=`` on writes and the class in ``info()``/listings, for every omefs filesystem.

Two mixins, one for fsspec's async filesystems (s3fs, gcsfs, adlfs: the
coroutines are wrapped, fsspec mirrors them into the sync API) and one for
sync ones (ocifs). Placed before the parent library's class, they

* take ``storage_class=`` (neutral or native, any case) on ``open(…, "wb")``,
  ``pipe``/``pipe_file`` and ``put``/``put_file``, turn it into the
  provider's native class (:func:`omefs.classes.to_native`, a
  :class:`~omefs.errors.ConfigError` before any byte moves) and into the
  parent's own keyword arguments (the provider's
  :meth:`~omefs.classes.StorageClassOps.write_options`);
* add ``storage_class``, ``storage_class_native`` and, for archived
  objects, ``restore_state`` to every file entry of ``info()``, ``ls(detail=True)``
  and ``find(detail=True)`` (:func:`omefs.classes.annotate`).

:data:`WRITE_CLASS` holds the native class of the write in progress, for
a parent library that offers no argument for it (the provider's filesystem
then adds it to the request itself).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from omefs import classes

__all__ = ["AsyncClassMixin", "SyncClassMixin", "WRITE_CLASS", "write_class"]

#: The native class of the write in progress in this context (None: the default).
WRITE_CLASS: contextvars.ContextVar[str | None] = contextvars.ContextVar("omefs_write_class",
                                                                        default=None)


@contextlib.contextmanager
def write_class(native: str | None) -> Iterator[None]:
    """Set :data:`WRITE_CLASS` for the calls made inside the ``with`` block."""
    token = WRITE_CLASS.set(native)
    try:
        yield
    finally:
        WRITE_CLASS.reset(token)


class _ClassBase:
    """What both mixins share: the provider, the class asked for, annotating entries.

    ``storage_class=`` given to the filesystem itself (``fsspec.open(url, "wb",
    storage_class=…)`` hands its options to the filesystem) is the class of
    every write that names none.
    """

    _omefs_default_class: str | None = None

    def __init__(self, *args: Any, storage_class: str | None = None, **kwargs: Any) -> None:
        self._omefs_default_class = storage_class
        super().__init__(*args, **kwargs)

    def _omefs_provider(self) -> Any:
        from omefs.providers.registry import provider_of

        return provider_of(self)

    def _omefs_native(self, kwargs: dict[str, Any], *, file: bool, mode: str = "wb") -> str | None:
        """Pop ``storage_class`` from ``kwargs``; for a write, add the parent's options for it."""
        wanted = kwargs.pop("storage_class", None) or self._omefs_default_class
        if "r" in mode:
            return None
        if wanted is None:
            return None
        provider = self._omefs_provider()
        native = classes.to_native(provider, wanted)
        kwargs.update(classes.ops_of(provider).write_options(native, file=file))
        return native

    def _omefs_map_reads(self, f: Any, path: str) -> Any:
        """Map the errors of a file's ranged reads (``_fetch_range``, and the read cache that
        holds it) to :mod:`omefs.errors`, as the filesystem's own methods are: a read of an
        archived object raises :class:`~omefs.errors.ArchivedObjectError`. Returns ``f``."""
        fetch = getattr(f, "_fetch_range", None)
        if not callable(fetch) or getattr(f, "mode", "rb") not in ("r", "rb"):
            return f
        from omefs.providers.error_mapping import translate

        provider = str(getattr(self, "storage_provider", "") or self._omefs_provider().name)
        protocol = self.protocol[0] if isinstance(self.protocol, (list, tuple)) else self.protocol  # type: ignore[attr-defined]
        uri = path if "://" in str(path) else f"{protocol}://{path}"

        def mapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return fetch(*args, **kwargs)
            except Exception as exc:
                error = translate(exc, "read", uri, provider)
                if error is exc:
                    raise
                raise error from exc

        f._fetch_range = mapped
        cache = getattr(f, "cache", None)
        if cache is not None and getattr(cache, "fetcher", None) is not None:
            cache.fetcher = mapped
        return f

    def _omefs_annotate(self, entry: Any) -> Any:
        """Annotate one entry (listings without detail hold plain names: left alone)."""
        if isinstance(entry, dict) or (hasattr(entry, "get") and hasattr(entry, "__setitem__")):
            classes.annotate(self._omefs_provider(), entry)
        return entry

    def _omefs_annotate_all(self, out: Any) -> Any:
        if isinstance(out, dict):
            for entry in out.values():
                self._omefs_annotate(entry)
        elif isinstance(out, list):
            for entry in out:
                self._omefs_annotate(entry)
        return out


class AsyncClassMixin(_ClassBase):
    """For fsspec async filesystems; list it before the parent library's class."""

    async def _info(self, path: str, *args: Any, **kwargs: Any) -> Any:
        entry = await super()._info(path, *args, **kwargs)  # type: ignore[misc]
        self._omefs_annotate(entry)
        if entry.get("restore_state", "") is None:
            provider = self._omefs_provider()
            entry = await classes.ops_of(provider).refresh_async(self, path, entry)
        return entry

    async def _ls(self, path: str, *args: Any, **kwargs: Any) -> Any:
        out = await super()._ls(path, *args, **kwargs)  # type: ignore[misc]
        return self._omefs_annotate_all(out)

    async def _find(self, path: str, *args: Any, **kwargs: Any) -> Any:
        out = await super()._find(path, *args, **kwargs)  # type: ignore[misc]
        return self._omefs_annotate_all(out)

    async def _pipe_file(self, path: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        native = self._omefs_native(kwargs, file=False)
        with write_class(native):
            return await super()._pipe_file(path, value, *args, **kwargs)  # type: ignore[misc]

    async def _put_file(self, lpath: str, rpath: str, *args: Any, **kwargs: Any) -> Any:
        native = self._omefs_native(kwargs, file=False)
        with write_class(native):
            return await super()._put_file(lpath, rpath, *args, **kwargs)  # type: ignore[misc]

    # Some parents (s3fs, adlfs) bind sync methods to their own coroutines; these reach
    # the coroutines above whatever the parent does.
    def find(self, path: str, *args: Any, **kwargs: Any) -> Any:
        from fsspec.asyn import sync

        return sync(self.loop, self._find, path, *args, **kwargs)  # type: ignore[attr-defined]

    def pipe_file(self, path: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        from fsspec.asyn import sync

        return sync(self.loop, self._pipe_file, path, value, *args, **kwargs)  # type: ignore[attr-defined]

    def put_file(self, lpath: str, rpath: str, *args: Any, **kwargs: Any) -> Any:
        from fsspec.asyn import sync

        return sync(self.loop, self._put_file, lpath, rpath, *args, **kwargs)  # type: ignore[attr-defined]

    def _open(self, path: str, mode: str = "rb", *args: Any, **kwargs: Any) -> Any:
        self._omefs_native(kwargs, file=True, mode=mode)
        f = super()._open(path, mode, *args, **kwargs)  # type: ignore[misc]
        return self._omefs_map_reads(f, path)


class SyncClassMixin(_ClassBase):
    """For sync filesystems (ocifs); list it before the parent class."""

    def info(self, path: str, *args: Any, **kwargs: Any) -> Any:
        return self._omefs_annotate(super().info(path, *args, **kwargs))  # type: ignore[misc]

    def ls(self, path: str, *args: Any, **kwargs: Any) -> Any:
        return self._omefs_annotate_all(super().ls(path, *args, **kwargs))  # type: ignore[misc]

    def find(self, path: str, *args: Any, **kwargs: Any) -> Any:
        return self._omefs_annotate_all(super().find(path, *args, **kwargs))  # type: ignore[misc]

    def pipe_file(self, path: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        native = self._omefs_native(kwargs, file=False)
        with write_class(native):
            return super().pipe_file(path, value, *args, **kwargs)  # type: ignore[misc]

    def put_file(self, lpath: str, rpath: str, *args: Any, **kwargs: Any) -> Any:
        native = self._omefs_native(kwargs, file=False)
        with write_class(native):
            return super().put_file(lpath, rpath, *args, **kwargs)  # type: ignore[misc]

    def _open(self, path: str, mode: str = "rb", *args: Any, **kwargs: Any) -> Any:
        self._omefs_native(kwargs, file=True, mode=mode)
        f = super()._open(path, mode, *args, **kwargs)  # type: ignore[misc]
        return self._omefs_map_reads(f, path)
