"""``omefs.storage``: a facade for code written against OME's Go ``Storage`` interface.

``storage(uri_or_provider, auth=..., **storage_options)`` returns a
:class:`Storage` bound to one provider and one identity. Its methods take
object URIs (strings or :class:`~omefs.uri.ObjectURI`) and map one to one
onto OME's: ``download``, ``upload``, ``get``, ``put``, ``delete``,
``exists``, ``list``, ``stat``, ``copy``; multipart
(``initiate_multipart_upload``, ``upload_part``,
``complete_multipart_upload``, ``abort_multipart_upload``); and
``bulk_download`` / ``bulk_upload`` with a progress callback and
per-object results.

It is thin on purpose, and names no provider: object operations are the
omefs filesystems' (fsspec) methods, transfers are :mod:`omefs.transfer`'s
engine, and the provider of a URI comes from the provider registry. Only
the multipart calls reach below fsspec, through each provider's facade
hooks (:meth:`omefs.providers.base.Provider.facade`); a provider without a
multipart API refuses them with :class:`~omefs.errors.ConfigError`. Any
registered provider works, omefs's own or a third party's.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any

from omefs.errors import ConfigError, InvalidURIError
from omefs.providers import all_providers, find_provider, get_provider, provider_for_scheme
from omefs.providers.base import Provider
from omefs.providers.facade import FacadeHooks, Part
from omefs.types import AuthLike, StorageOptions, URILike
from omefs.uri import ObjectURI

if TYPE_CHECKING:
    from omefs.transfer.report import TransferReport

__all__ = ["storage", "Storage", "ObjectInfo", "CompletedPart"]

#: fsspec's ``type`` of an object (as opposed to ``directory``).
_OBJECT_TYPE = "file"


@dataclass(frozen=True)
class ObjectInfo:
    """An object's metadata, as OME's ``ObjectInfo``/``Metadata``.

    ``content_md5`` is the hex MD5 of the whole object when the store
    exposes it; ``parts`` the number of parts of a multipart upload (0 for
    a single upload or when unknown).
    """

    name: str
    size: int
    etag: str | None = None
    last_modified: datetime | None = None
    content_type: str | None = None
    content_md5: str | None = None
    is_multipart: bool = False
    parts: int = 0
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CompletedPart:
    """One uploaded part of a multipart upload: its number and ETag (OME's ``CompletedPart``)."""

    part_number: int
    etag: str


def _uri_text(uri: URILike | os.PathLike[str]) -> str:
    if isinstance(uri, os.PathLike):
        return str(os.fspath(uri))
    if isinstance(uri, str):
        return uri
    if hasattr(uri, "fsspec_url") and hasattr(uri, "provider"):
        return str(uri)
    raise InvalidURIError(f"expected a URI string or ObjectURI, got {type(uri).__name__}",
                          operation="storage")


def _forwarded(options: Mapping[str, object]) -> dict[str, Any]:
    """Keyword options handed on unchanged to the transfer function, which checks them."""
    return dict(options)


def _as_datetime(value: object) -> datetime | None:
    """An object's modification time as a timezone-aware datetime, whatever the store's spelling.

    Stores report a ``datetime`` (s3fs, adlfs), an RFC 3339 string (GCS's
    ``updated``, OCI's ``timeModified``) or seconds since the epoch (local files).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def _provider_of_uri(text: str) -> Provider | None:
    """The provider of a URI: by its grammar (:func:`omefs.uri.parse_uri`), else by its scheme.

    A URI of a provider with a grammar that the grammar rejects raises
    :class:`~omefs.errors.InvalidURIError` naming the accepted forms.
    """
    from omefs.uri import parse_uri

    scheme = text.split("://", 1)[0] if "://" in text else ""
    by_scheme = provider_for_scheme(scheme) if scheme else None
    if by_scheme is None or not by_scheme.parses_uris:
        return by_scheme
    return get_provider(parse_uri(text).provider)


def storage(uri_or_provider: URILike, auth: AuthLike = None, **storage_options: object) -> Storage:
    """A :class:`Storage` for a provider (``"s3"``, ``"aws"``…) or for the provider of a URI."""
    text = _uri_text(uri_or_provider)
    provider = _provider_of_uri(text) if "://" in text else find_provider(text)
    if provider is None:
        raise ConfigError(f"unknown storage provider or URI {text!r}; providers: "
                          f"{', '.join(p.name for p in all_providers() if p.parses_uris)}", operation="storage")
    return Storage(provider.name, auth=auth, storage_options=storage_options)


class Storage:
    """One provider and identity; every method takes the object's URI."""

    def __init__(self, provider: str, *, auth: AuthLike = None,
                 storage_options: StorageOptions | None = None) -> None:
        self.provider = provider
        self.auth = auth
        self.storage_options = dict(storage_options or {})
        self._uploads: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"<Storage {self.provider}>"

    # -- plumbing -------------------------------------------------------------
    def _hooks(self) -> FacadeHooks:
        """The provider's facade hooks (:class:`omefs.providers.facade.FacadeHooks`)."""
        hooks: FacadeHooks = get_provider(self.provider).facade()
        return hooks

    def _fs(self, uri: URILike) -> tuple[Any, str, str]:
        text = _uri_text(uri)
        found = _provider_of_uri(text) if "://" in text else None
        if found is None or found.name != self.provider:
            raise InvalidURIError(f"{text!r} is not a {self.provider} URI", operation="storage",
                                  uri=text, provider=self.provider)
        from omefs.api import url_to_fs

        fs, path = url_to_fs(text, auth=self.auth, **self.storage_options)
        return fs, path, text

    def _info(self, fs: Any, path: str, uri: str) -> ObjectInfo:
        from omefs.transfer.verify import fingerprint_from_info

        info = fs.info(path)
        if info.get("type") != _OBJECT_TYPE:
            raise IsADirectoryError(f"{uri} is a folder")
        fp = fingerprint_from_info(info, self.provider)
        etag = info.get("ETag") or info.get("etag") or info.get("e_tag")
        settings = info.get("content_settings") or {}
        content_type = (info.get("ContentType") or info.get("contentType")
                        or info.get("content_type")
                        or (settings.get("content_type") if isinstance(settings, dict) else None))
        return ObjectInfo(
            name=uri,
            size=int(info.get("size") or 0),
            etag=str(etag).strip('"') if etag else None,
            last_modified=_as_datetime(info.get("LastModified") or info.get("last_modified")
                                       or info.get("updated") or info.get("timeModified")
                                       or info.get("mtime")),
            content_type=content_type,
            content_md5=fp.md5,
            is_multipart=bool(fp.multipart_etag),
            parts=fp.parts or 0,
            metadata=dict(info.get("metadata") or info.get("Metadata") or {}),
        )

    def _transfer_kwargs(self, side: str) -> dict[str, Any]:
        return {f"{side}_auth": self.auth, f"{side}_options": self.storage_options}

    # -- objects ------------------------------------------------------------------
    def get(self, uri: URILike) -> IO[bytes]:
        """A binary file object reading the object (close it, or use ``with``)."""
        fs, path, _ = self._fs(uri)
        handle: IO[bytes] = fs.open(path, "rb")
        return handle

    def put(self, uri: URILike, data: bytes | IO[bytes], size: int | None = None) -> None:
        """Store ``data`` (bytes, or a binary file object read to its end) as the object."""
        fs, path, _ = self._fs(uri)
        if isinstance(data, (bytes, bytearray, memoryview)):
            fs.pipe_file(path, bytes(data))
            return
        with fs.open(path, "wb") as f:
            remaining = size
            while remaining is None or remaining > 0:
                chunk = data.read(8 * 1024 * 1024 if remaining is None else min(remaining, 8 * 1024 * 1024))
                if not chunk:
                    break
                f.write(chunk)
                if remaining is not None:
                    remaining -= len(chunk)

    def delete(self, uri: URILike) -> None:
        fs, path, _ = self._fs(uri)
        fs.rm_file(path)

    def exists(self, uri: URILike) -> bool:
        fs, path, _ = self._fs(uri)
        return bool(fs.exists(path))

    def stat(self, uri: URILike) -> ObjectInfo:
        """The object's metadata (size, ETag, MD5, multipart parts…)."""
        fs, path, text = self._fs(uri)
        return self._info(fs, path, text)

    get_object_info = stat

    def list(self, uri: URILike, *, recursive: bool = True) -> list[ObjectInfo]:
        """Objects under a prefix (every level, or one level with ``recursive=False``)."""
        from omefs.transfer.verify import fingerprint_from_info

        fs, path, text = self._fs(uri)
        base = text if text.endswith("/") else text + "/"
        root = path.rstrip("/")
        entries: Mapping[str, Any]
        if recursive:
            entries = fs.find(root, detail=True, withdirs=False)
        else:
            entries = {e["name"]: e for e in fs.ls(root, detail=True) if e.get("type") == _OBJECT_TYPE}
        out = []
        for name, info in sorted(entries.items()):
            if info.get("type", _OBJECT_TYPE) != _OBJECT_TYPE:
                continue
            rel = name[len(root) + 1:] if name.startswith(root + "/") else name
            fp = fingerprint_from_info(info, self.provider)
            etag = info.get("ETag") or info.get("etag")
            out.append(ObjectInfo(name=base + rel, size=int(info.get("size") or 0),
                                  etag=str(etag).strip('"') if etag else None,
                                  last_modified=_as_datetime(
                                      info.get("LastModified") or info.get("last_modified")
                                      or info.get("updated") or info.get("mtime")),
                                  content_md5=fp.md5, is_multipart=bool(fp.multipart_etag),
                                  parts=fp.parts or 0))
        return out

    # -- transfers ------------------------------------------------------------------
    def download(self, uri: URILike, target: str | os.PathLike[str], **options: object) -> TransferReport:
        """Download one object to the file ``target`` (or a prefix into the folder ``target``).

        Options are :func:`omefs.transfer.bulk_download`'s (``size_threshold``,
        ``chunk_size``, ``skip_existing``…) for a prefix, :func:`omefs.copy`'s
        for one object. Returns the :class:`~omefs.transfer.TransferReport`.
        """
        from omefs.transfer import bulk_download, copy

        fs, path, text = self._fs(uri)
        if text.endswith("/") or fs.isdir(path):
            return bulk_download(text, target, auth=self.auth, storage_options=self.storage_options,
                                 **_forwarded(options))
        return copy(text, os.fspath(target), **self._transfer_kwargs("src"), **_forwarded(options))

    def upload(self, source: str | os.PathLike[str], uri: URILike, **options: object) -> TransferReport:
        """Upload the local file ``source`` as the object ``uri``; :func:`omefs.copy`'s options."""
        from omefs.transfer import copy

        _, _, text = self._fs(uri)
        return copy(os.fspath(source), text, **self._transfer_kwargs("dst"), **_forwarded(options))

    def copy(self, source: URILike, target: URILike, **options: object) -> TransferReport:
        """Copy within this storage (server-side where the service can); :func:`omefs.copy`'s options."""
        from omefs.transfer import copy

        _, _, src = self._fs(source)
        _, _, dst = self._fs(target)
        return copy(src, dst, **self._transfer_kwargs("src"), **self._transfer_kwargs("dst"),
                    **_forwarded(options))

    def bulk_download(self, uris: URILike | Sequence[URILike], target_dir: str | os.PathLike[str],
                      **options: object) -> TransferReport:
        """:func:`omefs.transfer.bulk_download` with this storage's auth (``progress=fn`` per object)."""
        from omefs.transfer import bulk_download

        many: Sequence[URILike] = [uris] if isinstance(uris, (str, ObjectURI, os.PathLike)) else uris
        texts = [self._fs(u)[2] for u in many]
        return bulk_download(texts, target_dir, auth=self.auth,
                             storage_options=self.storage_options, **_forwarded(options))

    def bulk_upload(self, sources: str | os.PathLike[str] | Sequence[str] | Mapping[str, URILike],
                    dst: URILike | None = None, **options: object) -> TransferReport:
        """:func:`omefs.transfer.bulk_upload` with this storage's auth (``progress=fn`` per object)."""
        from omefs.transfer import bulk_upload

        local: str | os.PathLike[str] | Sequence[str] | Mapping[str, str]
        local = {k: self._fs(v)[2] for k, v in sources.items()} if isinstance(sources, Mapping) else sources
        target = self._fs(dst)[2] if dst is not None else None
        return bulk_upload(local, target, auth=self.auth, storage_options=self.storage_options,
                           **_forwarded(options))

    # -- multipart --------------------------------------------------------------------
    # Each call goes to the provider's facade hooks; a provider without a
    # multipart API raises ConfigError pointing at put/upload.
    def initiate_multipart_upload(self, uri: URILike, content_type: str | None = None) -> str:
        """Start a multipart upload; returns its upload id."""
        fs, path, _ = self._fs(uri)
        return str(self._hooks().initiate_multipart_upload(
            fs, path, content_type=content_type, uploads=self._uploads))

    def upload_part(self, uri: URILike, upload_id: str, part_number: int, data: bytes | IO[bytes],
                    size: int | None = None) -> str:
        """Upload part ``part_number`` (from 1); returns the part's ETag (or block id)."""
        fs, path, text = self._fs(uri)
        body = data if isinstance(data, (bytes, bytearray)) else data.read(-1 if size is None else size)
        body = bytes(body)
        if not 1 <= int(part_number) <= 10_000:
            raise ConfigError(f"part_number must be 1..10000, got {part_number}", operation="multipart",
                              uri=text, provider=self.provider)
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        return str(self._hooks().upload_part(fs, path, upload_id, int(part_number), body, md5=md5,
                                             uploads=self._uploads))

    def complete_multipart_upload(self, uri: URILike, upload_id: str,
                                  parts: Sequence[CompletedPart | tuple[int, str]]) -> None:
        """Assemble the parts, in part-number order, into the object."""
        fs, path, text = self._fs(uri)
        ordered = sorted((_part(p) for p in parts), key=lambda p: p.part_number)
        if not ordered:
            raise ConfigError("complete_multipart_upload needs at least one part",
                              operation="multipart", uri=text, provider=self.provider)
        self._hooks().complete_multipart_upload(
            fs, path, upload_id, [Part(p.part_number, p.etag) for p in ordered],
            uploads=self._uploads)
        fs.invalidate_cache(path)

    def abort_multipart_upload(self, uri: URILike, upload_id: str) -> None:
        """Throw the parts away; nothing becomes visible."""
        fs, path, _ = self._fs(uri)
        self._hooks().abort_multipart_upload(fs, path, upload_id, uploads=self._uploads)


def _part(p: CompletedPart | tuple[int, str]) -> CompletedPart:
    if isinstance(p, CompletedPart):
        return p
    number, etag = p
    return CompletedPart(int(number), str(etag))


class _CallableModule(types.ModuleType):
    """``omefs.storage`` is both this module and the :func:`storage` function.

    ``import omefs.storage`` (or ``from omefs.storage import Storage``) binds
    the *module* to ``omefs.storage``, shadowing the lazily exported
    function; making the module callable keeps ``omefs.storage("s3", …)``
    working either way.
    """

    def __call__(self, uri_or_provider: URILike, auth: AuthLike = None, **storage_options: object) -> Storage:
        return storage(uri_or_provider, auth=auth, **storage_options)


sys.modules[__name__].__class__ = _CallableModule
