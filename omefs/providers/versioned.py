"""Object versions on an omefs filesystem: ``version_id=`` and the neutral ``?version=ID``.

s3fs, gcsfs and adlfs each reach an older version of an object, but only on
an instance made with ``version_aware=True`` and each in its own spelling
(s3fs ``KEY?versionId=ID``, gcsfs ``KEY#GENERATION`` or
``KEY?generation=GENERATION``, adlfs ``KEY?versionid=ID``).
:class:`VersionedMixin` puts one behaviour on top of them:

* ``version_id=`` on ``open``, ``cat``/``cat_file``, ``info`` and
  ``rm``/``rm_file`` works on any instance: a plain instance hands the call
  to its version-aware twin (the same options plus ``version_aware=True``);
* the neutral spelling ``KEY?version=ID`` is understood wherever the
  library's own form is (a version-aware instance, or a URL that carries it);
* ``info()`` reports the neutral ``version_id``;
* ``ls(path, versions=True)`` lists every version, newest first, with the
  neutral fields of :class:`omefs.versions.ObjectVersion`.

A provider's filesystem mixes it in and says how its library spells a
version (:attr:`VersionedMixin.native_version_form`) and which info field
carries it (:attr:`VersionedMixin.native_version_field`).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

__all__ = ["NEUTRAL_VERSION_RE", "VersionedMixin", "names_version", "split_neutral_version"]

#: ``KEY?version=ID`` at the end of a path: the spelling every omefs filesystem takes.
NEUTRAL_VERSION_RE = re.compile(r"^(?P<path>.*)\?version=(?P<version>[^?#/&=]+)\Z", re.S)


def split_neutral_version(path: str) -> tuple[str, str | None]:
    """``"b/k?version=ID"`` -> ``("b/k", "ID")``; any other path -> ``(path, None)``."""
    match = NEUTRAL_VERSION_RE.match(path)
    if match is None:
        return path, None
    return match.group("path"), match.group("version")


def names_version(fs: Any, path: Any) -> bool:
    """Whether ``path`` names one version of an object on ``fs`` (a version-aware omefs
    filesystem, in the neutral or the library's spelling): such a path is read through the
    filesystem, which knows the spelling, not through a store that would take it as a name."""
    if not getattr(fs, "version_aware", False) or not isinstance(path, str):
        return False
    if split_neutral_version(path)[1] is not None:
        return True
    form = getattr(fs, "native_version_form", None)
    if not isinstance(form, str):
        return False
    marker = form.format(path="", version="\x00").split("\x00")[0]
    return bool(marker) and marker in path


class VersionedMixin:
    """``version_id=`` and ``?version=ID`` on a library filesystem with ``version_aware``.

    Put it before the library's class in the bases. The provider's
    :class:`omefs.versions.VersionHooks` lists versions for
    ``ls(..., versions=True)``.
    """

    #: The library's own spelling of a version, ``{path}`` and ``{version}`` filled in.
    native_version_form: ClassVar[str] = "{path}?versionId={version}"
    #: The ``info()`` field where the library reports an object's version.
    native_version_field: ClassVar[str] = "VersionId"

    version_aware: bool
    storage_options: dict[str, Any]

    # -- paths -------------------------------------------------------------
    @classmethod
    def native_version_path(cls, path: str, version_id: str) -> str:
        """``path`` naming ``version_id`` in the library's own spelling."""
        return cls.native_version_form.format(path=path, version=version_id)

    def _native_path(self, path: str) -> str:
        """A neutral ``?version=ID`` suffix rewritten to the library's form (version-aware only)."""
        if not self.version_aware or not isinstance(path, str):
            return path
        bare, version = split_neutral_version(path)
        return path if version is None else self.native_version_path(bare, version)

    def version_aware_twin(self) -> Any:
        """This filesystem with ``version_aware=True`` (itself when it already is)."""
        if self.version_aware:
            return self
        return type(self)(**dict(self.storage_options, version_aware=True))

    def _for_version(self, path: str, version_id: str | None) -> tuple[Any, str]:
        """The filesystem and path to call for ``path`` at ``version_id`` (or as given)."""
        if version_id is None:
            return self, self._native_path(path)
        bare, neutral = split_neutral_version(path) if self.version_aware else (path, None)
        suffix = self.native_version_path("", str(version_id))
        if self.version_aware and bare.endswith(suffix):  # the library passing its own form on
            bare = bare[: -len(suffix)]
        if neutral is not None and neutral != version_id:
            raise ValueError(f"two versions given for {bare!r}: {neutral!r} and {version_id!r}")
        return self.version_aware_twin(), self.native_version_path(bare, str(version_id))

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        out: dict[str, Any] = super()._url_options(path)  # type: ignore[misc]
        if isinstance(path, str) and split_neutral_version(path)[1] is not None:
            out["version_aware"] = True
        return out

    # -- the calls that take a version ---------------------------------------
    def _open(self, path: str, mode: str = "rb", *args: Any, version_id: str | None = None,
              **kwargs: Any) -> Any:
        fs, native = self._for_version(path, version_id)
        if fs is not self:
            return fs._open(native, mode, *args, **kwargs)
        return super()._open(native, mode, *args, **kwargs)  # type: ignore[misc]

    async def _cat_file(self, path: str, start: int | None = None, end: int | None = None,
                        version_id: str | None = None, **kwargs: Any) -> bytes:
        fs, native = self._for_version(path, version_id)
        if fs is not self:
            data: bytes = await fs._cat_file(native, start=start, end=end, **kwargs)
            return data
        data = await super()._cat_file(native, start=start, end=end, **kwargs)  # type: ignore[misc]
        return data

    async def _cat(self, path: Any, recursive: bool = False, on_error: str = "raise",
                   **kwargs: Any) -> Any:
        """fsspec's ``cat``; a path naming one version (or ``version_id=``) is read as that one
        object, not expanded as a glob (``?`` is a glob character to fsspec)."""
        if isinstance(path, str) and ("version_id" in kwargs or self._native_path(path) != path):
            return await self._cat_file(path, **kwargs)
        return await super()._cat(path, recursive=recursive, on_error=on_error,  # type: ignore[misc]
                                  **kwargs)

    def cat(self, path: Any, recursive: bool = False, on_error: str = "raise", **kwargs: Any) -> Any:
        """fsspec's ``cat`` (or the library's own); one version is read as one object."""
        if isinstance(path, str) and ("version_id" in kwargs or self._native_path(path) != path):
            return self.cat_file(path, **kwargs)  # type: ignore[attr-defined]
        from fsspec.spec import AbstractFileSystem

        parent = getattr(super().cat, "__func__", None)  # type: ignore[misc]
        if parent is None or parent is AbstractFileSystem.cat:  # fsspec's: run the async one
            from fsspec.asyn import sync

            return sync(self.loop, self._cat, path, recursive, on_error,  # type: ignore[attr-defined]
                        **kwargs)
        return super().cat(path, recursive, on_error, **kwargs)  # type: ignore[misc]

    async def _info(self, path: str, *args: Any, version_id: str | None = None,
                    **kwargs: Any) -> dict[str, Any]:
        fs, native = self._for_version(path, version_id)
        if fs is not self:
            out: dict[str, Any] = await fs._info(native, *args, **kwargs)
        else:
            out = await super()._info(native, *args, **kwargs)  # type: ignore[misc]
        native_id = out.get(self.native_version_field)
        if "version_id" not in out or out.get("version_id") is None:
            out["version_id"] = None if native_id in (None, "", "null") else str(native_id)
        return out

    async def _rm_file(self, path: str, version_id: str | None = None, **kwargs: Any) -> None:
        fs, native = self._for_version(path, version_id)
        if fs is self and native == path:
            await super()._rm_file(path, **kwargs)  # type: ignore[misc]
            return
        await fs._info(native)  # a version that is not there: NotFoundError, nothing deleted
        await fs._rm_version(native)
        self.invalidate_cache(self._parent(path))  # type: ignore[attr-defined]

    async def _rm_version(self, native_path: str) -> None:
        """Delete the one version ``native_path`` names (the library's form); most libraries
        do it in ``_rm_file`` on a version-aware instance."""
        await super()._rm_file(native_path)  # type: ignore[misc]

    async def _rm(self, path: Any, recursive: bool = False, *args: Any,
                  version_id: str | None = None, **kwargs: Any) -> Any:
        """fsspec's ``rm``; with ``version_id=`` (or a path naming a version) it deletes that
        one version of one object."""
        if version_id is not None or (isinstance(path, str) and self._native_path(path) != path):
            await self._rm_file(path, version_id=version_id)
            return None
        return await super()._rm(path, recursive, *args, **kwargs)  # type: ignore[misc]

    def rm(self, path: Any, recursive: bool = False, *args: Any, **kwargs: Any) -> Any:
        """``_rm`` above, run on the filesystem's loop (some libraries bind ``rm`` to their own
        ``_rm``)."""
        from fsspec.asyn import sync

        return sync(self.loop, self._rm, path, recursive, *args, **kwargs)  # type: ignore[attr-defined]

    # -- listing ---------------------------------------------------------------
    def ls(self, path: str, *args: Any, versions: bool = False, **kwargs: Any) -> Any:
        """The library's ``ls`` (its own defaults); with ``versions=True``, every version of the
        object at ``path`` (or of its direct children), newest first, with the neutral version
        fields (``detail`` defaults to True there)."""
        if not versions:
            from fsspec.asyn import sync

            return sync(self.loop, self._ls, path, *args, **kwargs)  # type: ignore[attr-defined]
        from omefs.versions import versions_listing

        detail = kwargs.get("detail", args[0] if args else True)
        entries = versions_listing(self, path)
        return entries if detail else [e["name"] for e in entries]
