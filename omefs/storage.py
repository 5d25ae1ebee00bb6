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

It is thin on purpose: object operations are the omefs filesystems'
(fsspec) methods, and transfers are :mod:`omefs.transfer`'s engine. Only
the multipart calls reach below fsspec, to each provider's own API:
S3 multipart uploads, Azure staged blocks, GCS parts composed on
completion, OCI multipart uploads. GitHub has no multipart API.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import types
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from omefs.errors import ConfigError, InvalidURIError, OmefsError
from omefs.providers import all_providers, storage_provider

__all__ = ["storage", "Storage", "ObjectInfo", "CompletedPart"]

_SCHEMES = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure",
            "abfss": "azure", "azure": "azure", "oci": "oci", "github": "github"}


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
    last_modified: Any = None
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


def _uri_text(uri: Any) -> str:
    if isinstance(uri, os.PathLike):
        return os.fspath(uri)
    if isinstance(uri, str):
        return uri
    if hasattr(uri, "fsspec_url") and hasattr(uri, "provider"):
        return str(uri)
    raise InvalidURIError(f"expected a URI string or ObjectURI, got {type(uri).__name__}",
                          operation="storage")


def _provider_of_uri(text: str) -> str | None:
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("http", "https") and "objectstorage" in text:
        return "oci"
    return _SCHEMES.get(scheme)


def storage(uri_or_provider: Any, auth: Any = None, **storage_options: Any) -> Storage:
    """A :class:`Storage` for a provider (``"s3"``, ``"aws"``…) or for the provider of a URI."""
    text = _uri_text(uri_or_provider)
    provider = _provider_of_uri(text) if "://" in text else storage_provider(text)
    if provider is None:
        raise ConfigError(f"unknown storage provider or URI {text!r}; providers: "
                          f"{', '.join(p.name for p in all_providers() if p.parses_uris)}", operation="storage")
    return Storage(provider, auth=auth, storage_options=storage_options)


class Storage:
    """One provider and identity; every method takes the object's URI."""

    def __init__(self, provider: str, *, auth: Any = None,
                 storage_options: Mapping[str, Any] | None = None) -> None:
        self.provider = provider
        self.auth = auth
        self.storage_options = dict(storage_options or {})
        self._uploads: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"<Storage {self.provider}>"

    # -- plumbing -------------------------------------------------------------
    def _fs(self, uri: Any) -> tuple[Any, str, str]:
        text = _uri_text(uri)
        found = _provider_of_uri(text)
        if found != self.provider:
            raise InvalidURIError(f"{text!r} is not a {self.provider} URI", operation="storage",
                                  uri=text, provider=self.provider)
        from omefs.api import url_to_fs

        fs, path = url_to_fs(text, auth=self.auth, **self.storage_options)
        return fs, path, text

    def _info(self, fs: Any, path: str, uri: str) -> ObjectInfo:
        from omefs.transfer.verify import fingerprint_from_info

        info = fs.info(path)
        if info.get("type") != "file":
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
            last_modified=(info.get("LastModified") or info.get("last_modified")
                           or info.get("updated") or info.get("timeModified") or info.get("mtime")),
            content_type=content_type,
            content_md5=fp.md5,
            is_multipart=bool(fp.multipart_etag),
            parts=fp.parts or 0,
            metadata=dict(info.get("metadata") or info.get("Metadata") or {}),
        )

    def _transfer_kwargs(self, side: str) -> dict[str, Any]:
        return {f"{side}_auth": self.auth, f"{side}_options": self.storage_options}

    # -- objects ------------------------------------------------------------------
    def get(self, uri: Any) -> IO[bytes]:
        """A binary file object reading the object (close it, or use ``with``)."""
        fs, path, _ = self._fs(uri)
        return fs.open(path, "rb")

    def put(self, uri: Any, data: bytes | IO[bytes], size: int | None = None) -> None:
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

    def delete(self, uri: Any) -> None:
        fs, path, _ = self._fs(uri)
        fs.rm_file(path)

    def exists(self, uri: Any) -> bool:
        fs, path, _ = self._fs(uri)
        return bool(fs.exists(path))

    def stat(self, uri: Any) -> ObjectInfo:
        """The object's metadata (size, ETag, MD5, multipart parts…)."""
        fs, path, text = self._fs(uri)
        return self._info(fs, path, text)

    get_object_info = stat

    def list(self, uri: Any, *, recursive: bool = True) -> list[ObjectInfo]:
        """Objects under a prefix (every level, or one level with ``recursive=False``)."""
        from omefs.transfer.verify import fingerprint_from_info

        fs, path, text = self._fs(uri)
        base = text if text.endswith("/") else text + "/"
        root = path.rstrip("/")
        entries: Mapping[str, Any]
        if recursive:
            entries = fs.find(root, detail=True, withdirs=False)
        else:
            entries = {e["name"]: e for e in fs.ls(root, detail=True) if e.get("type") == "file"}
        out = []
        for name, info in sorted(entries.items()):
            if info.get("type", "file") != "file":
                continue
            rel = name[len(root) + 1:] if name.startswith(root + "/") else name
            fp = fingerprint_from_info(info, self.provider)
            etag = info.get("ETag") or info.get("etag")
            out.append(ObjectInfo(name=base + rel, size=int(info.get("size") or 0),
                                  etag=str(etag).strip('"') if etag else None,
                                  last_modified=info.get("LastModified") or info.get("last_modified")
                                  or info.get("updated") or info.get("mtime"),
                                  content_md5=fp.md5, is_multipart=bool(fp.multipart_etag),
                                  parts=fp.parts or 0))
        return out

    # -- transfers ------------------------------------------------------------------
    def download(self, uri: Any, target: str | os.PathLike[str], **options: Any) -> Any:
        """Download one object to the file ``target`` (or a prefix into the folder ``target``).

        Options are :func:`omefs.transfer.bulk_download`'s (``size_threshold``,
        ``chunk_size``, ``skip_existing``…) for a prefix, :func:`omefs.copy`'s
        for one object. Returns the :class:`~omefs.transfer.TransferReport`.
        """
        from omefs.transfer import bulk_download, copy

        fs, path, text = self._fs(uri)
        if text.endswith("/") or fs.isdir(path):
            return bulk_download(text, target, auth=self.auth, storage_options=self.storage_options,
                                 **options)
        return copy(text, os.fspath(target), **self._transfer_kwargs("src"), **options)

    def upload(self, source: str | os.PathLike[str], uri: Any, **options: Any) -> Any:
        """Upload the local file ``source`` as the object ``uri``; :func:`omefs.copy`'s options."""
        from omefs.transfer import copy

        _, _, text = self._fs(uri)
        return copy(os.fspath(source), text, **self._transfer_kwargs("dst"), **options)

    def copy(self, source: Any, target: Any, **options: Any) -> Any:
        """Copy within this storage (server-side where the service can); :func:`omefs.copy`'s options."""
        from omefs.transfer import copy

        _, _, src = self._fs(source)
        _, _, dst = self._fs(target)
        return copy(src, dst, **self._transfer_kwargs("src"), **self._transfer_kwargs("dst"),
                    **options)

    def bulk_download(self, uris: Any, target_dir: str | os.PathLike[str], **options: Any) -> Any:
        """:func:`omefs.transfer.bulk_download` with this storage's auth (``progress=fn`` per object)."""
        from omefs.transfer import bulk_download

        texts = [self._fs(u)[2] for u in ([uris] if isinstance(uris, (str, os.PathLike)) or
                                          hasattr(uris, "fsspec_url") else uris)]
        return bulk_download(texts, target_dir, auth=self.auth,
                             storage_options=self.storage_options, **options)

    def bulk_upload(self, sources: Any, dst: Any = None, **options: Any) -> Any:
        """:func:`omefs.transfer.bulk_upload` with this storage's auth (``progress=fn`` per object)."""
        from omefs.transfer import bulk_upload

        if isinstance(sources, Mapping):
            sources = {k: self._fs(v)[2] for k, v in sources.items()}
        target = self._fs(dst)[2] if dst is not None else None
        return bulk_upload(sources, target, auth=self.auth, storage_options=self.storage_options,
                           **options)

    # -- multipart --------------------------------------------------------------------
    def initiate_multipart_upload(self, uri: Any, content_type: str | None = None) -> str:
        """Start a multipart upload; returns its upload id."""
        fs, path, text = self._fs(uri)
        if self.provider == "s3":
            bucket, key, _ = fs.split_path(path)
            extra = {"ContentType": content_type} if content_type else {}
            return str(fs.call_s3("create_multipart_upload", Bucket=bucket, Key=key, **extra)["UploadId"])
        if self.provider == "oci":
            from oci.object_storage.models import CreateMultipartUploadDetails

            bucket, namespace, key = fs.split_path(path)
            details = CreateMultipartUploadDetails(object=key, content_type=content_type)
            return str(fs.oci_client.create_multipart_upload(namespace, bucket, details).data.upload_id)
        if self.provider in ("azure", "gcs"):
            upload_id = uuid.uuid4().hex
            self._uploads[upload_id] = {"uri": text, "content_type": content_type}
            return upload_id
        raise OmefsError(f"{self.provider} has no multipart upload API", operation="multipart",
                         uri=text, provider=self.provider)

    def upload_part(self, uri: Any, upload_id: str, part_number: int, data: bytes | IO[bytes],
                    size: int | None = None) -> str:
        """Upload part ``part_number`` (from 1); returns the part's ETag (or block id)."""
        fs, path, text = self._fs(uri)
        body = data if isinstance(data, (bytes, bytearray)) else data.read(-1 if size is None else size)
        body = bytes(body)
        if not 1 <= int(part_number) <= 10_000:
            raise ConfigError(f"part_number must be 1..10000, got {part_number}", operation="multipart",
                              uri=text, provider=self.provider)
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        if self.provider == "s3":
            bucket, key, _ = fs.split_path(path)
            out = fs.call_s3("upload_part", Bucket=bucket, Key=key, UploadId=upload_id,
                             PartNumber=int(part_number), Body=body, ContentMD5=md5)
            return str(out["ETag"]).strip('"')
        if self.provider == "oci":
            bucket, namespace, key = fs.split_path(path)
            out = fs.oci_client.upload_part(namespace, bucket, key, upload_id, int(part_number), body,
                                            content_md5=md5)
            return str(out.headers.get("etag")).strip('"')
        if self.provider == "azure":
            block_id = _block_id(upload_id, int(part_number))
            _azure_call(fs, path, "stage_block", block_id=block_id, data=body, length=len(body))
            return block_id
        if self.provider == "gcs":
            fs.pipe_file(_gcs_part(path, upload_id, int(part_number)), body)
            return md5
        raise OmefsError(f"{self.provider} has no multipart upload API", operation="multipart",
                         uri=text, provider=self.provider)

    def complete_multipart_upload(self, uri: Any, upload_id: str,
                                  parts: Sequence[CompletedPart | tuple[int, str]]) -> None:
        """Assemble the parts, in part-number order, into the object."""
        fs, path, text = self._fs(uri)
        ordered = sorted((_part(p) for p in parts), key=lambda p: p.part_number)
        if not ordered:
            raise ConfigError("complete_multipart_upload needs at least one part",
                              operation="multipart", uri=text, provider=self.provider)
        if self.provider == "s3":
            bucket, key, _ = fs.split_path(path)
            fs.call_s3("complete_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id,
                       MultipartUpload={"Parts": [{"PartNumber": p.part_number, "ETag": f'"{p.etag}"'}
                                                  for p in ordered]})
        elif self.provider == "oci":
            from oci.object_storage.models import (
                CommitMultipartUploadDetails,
                CommitMultipartUploadPartDetails,
            )

            bucket, namespace, key = fs.split_path(path)
            details = CommitMultipartUploadDetails(parts_to_commit=[
                CommitMultipartUploadPartDetails(part_num=p.part_number, etag=p.etag) for p in ordered])
            fs.oci_client.commit_multipart_upload(namespace, bucket, key, upload_id, details)
        elif self.provider == "azure":
            from azure.storage.blob import BlobBlock, ContentSettings

            state = self._uploads.pop(upload_id, {})
            settings = ContentSettings(content_type=state.get("content_type")) \
                if state.get("content_type") else None
            _azure_call(fs, path, "commit_block_list", [BlobBlock(block_id=p.etag) for p in ordered],
                        content_settings=settings)
        elif self.provider == "gcs":
            self._uploads.pop(upload_id, None)
            sources = [_gcs_part(path, upload_id, p.part_number) for p in ordered]
            _gcs_compose(fs, path, sources)
            fs.rm(sources)
        else:
            raise OmefsError(f"{self.provider} has no multipart upload API", operation="multipart",
                             uri=text, provider=self.provider)
        fs.invalidate_cache(path)

    def abort_multipart_upload(self, uri: Any, upload_id: str) -> None:
        """Throw the parts away; nothing becomes visible."""
        fs, path, text = self._fs(uri)
        if self.provider == "s3":
            bucket, key, _ = fs.split_path(path)
            fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id)
        elif self.provider == "oci":
            bucket, namespace, key = fs.split_path(path)
            fs.oci_client.abort_multipart_upload(namespace, bucket, key, upload_id)
        elif self.provider == "azure":
            # Uncommitted blocks are never visible and the service drops them after a week.
            self._uploads.pop(upload_id, None)
        elif self.provider == "gcs":
            self._uploads.pop(upload_id, None)
            prefix = _gcs_part(path, upload_id, 1).rsplit("/", 1)[0]
            try:
                leftovers = fs.find(prefix)
            except FileNotFoundError:
                leftovers = []
            if leftovers:
                fs.rm(leftovers)
        else:
            raise OmefsError(f"{self.provider} has no multipart upload API", operation="multipart",
                             uri=text, provider=self.provider)


def _part(p: CompletedPart | tuple[int, str]) -> CompletedPart:
    if isinstance(p, CompletedPart):
        return p
    number, etag = p
    return CompletedPart(int(number), str(etag))


def _block_id(upload_id: str, part_number: int) -> str:
    # Block ids of one blob must all have the same length.
    return base64.b64encode(f"{upload_id}-{part_number:05d}".encode()).decode()


def _azure_call(fs: Any, path: str, method: str, *args: Any, **kwargs: Any) -> Any:
    from fsspec.asyn import sync

    container, _, blob = path.partition("/")

    async def call() -> Any:
        client = fs.service_client.get_blob_client(container, blob)
        return await getattr(client, method)(*args, **kwargs)

    return sync(fs.loop, call)


def _gcs_part(path: str, upload_id: str, part_number: int) -> str:
    bucket, _, key = path.partition("/")
    return f"{bucket}/.omefs-multipart/{upload_id}/{part_number:05d}"


def _gcs_compose(fs: Any, path: str, sources: list[str]) -> None:
    """Compose ``sources`` into ``path``; more than 32 parts compose in rounds (GCS's limit)."""
    rounds = 0
    temps: list[str] = []
    try:
        while len(sources) > 32:
            rounds += 1
            merged = []
            for i in range(0, len(sources), 32):
                target = f"{sources[0].rsplit('/', 1)[0]}/round{rounds}-{i // 32:05d}"
                fs.merge(target, sources[i:i + 32])
                merged.append(target)
                temps.append(target)
            sources = merged
        fs.merge(path, sources)
    finally:
        if temps:
            fs.rm(temps)


class _CallableModule(types.ModuleType):
    """``omefs.storage`` is both this module and the :func:`storage` function.

    ``import omefs.storage`` (or ``from omefs.storage import Storage``) binds
    the *module* to ``omefs.storage``, shadowing the lazily exported
    function; making the module callable keeps ``omefs.storage("s3", …)``
    working either way.
    """

    def __call__(self, uri_or_provider: Any, auth: Any = None, **storage_options: Any) -> Storage:
        return storage(uri_or_provider, auth=auth, **storage_options)


sys.modules[__name__].__class__ = _CallableModule
