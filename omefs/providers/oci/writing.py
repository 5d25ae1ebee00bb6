"""Writing OCI objects: single puts with ``Content-MD5``, parallel multipart uploads, ``put_file``/``pipe_file``."""

from __future__ import annotations

import functools
import hashlib
import math
import mimetypes
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from fsspec.callbacks import DEFAULT_CALLBACK
from oci.exceptions import ServiceError

from omefs.errors import AlreadyExistsError, ChecksumMismatchError, InvalidURIError
from omefs.providers.oci.checksum import META_MD5_KEY, b64md5, digest_to_b64
from omefs.providers.oci.connection import service_errors
from omefs.providers.oci.limits import MAX_PART_SIZE, MAX_PARTS, MiB
from omefs.providers.oci.listing import OCIListing
from omefs.providers.oci.multipart import MultipartUpload

__all__ = ["OCIWriting", "EXCLUSIVE", "exists_error"]

#: The condition of an exclusive create: "fail if any object has this name" (OCI's ``if-none-match``).
EXCLUSIVE = {"if_none_match": "*"}


def exists_error(exc: BaseException, uri: str) -> AlreadyExistsError | None:
    """The error for an exclusive create the service refused (412) because the object exists."""
    if isinstance(exc, ServiceError) and exc.status == 412:
        return AlreadyExistsError(
            f"{uri} exists: an exclusive create (mode 'xb' or mode='create') does not replace "
            f"an object [412 {exc.code}]", operation="put", uri=uri, provider="oci",
        )
    return None


class OCIWriting(OCIListing):
    """Uploads: one request up to ``multipart_threshold``, parallel verified parts above it."""

    # -- writing ------------------------------------------------------------
    def object_parts(self, path: str, operation: str = "write") -> tuple[str, str, str]:
        """``(bucket, namespace, key)`` of an object to write; a path with no key is refused.

        A path without ``@`` reads as ``NAMESPACE/BUCKET/KEY`` (OME's form), so
        ``"bkt/a.txt"`` names the bucket ``a.txt`` of namespace ``bkt``: the
        SDK would refuse it with a bare ``objectName cannot be None``.
        """
        bucket, namespace, key = self.split_path(path)
        if not key:
            raise InvalidURIError(
                f"{path!r} names the bucket {bucket!r} of namespace {namespace!r}, not an object; "
                "an object is oci://NAMESPACE/BUCKET/KEY, BUCKET@NAMESPACE/KEY or "
                "oci://BUCKET@NAMESPACE/KEY", operation=operation, uri=f"oci://{path}",
                provider="oci")
        return bucket, namespace, key

    def _part_size_for(self, size: int) -> int:
        """``part_size``, grown (to whole MiB) when ``size`` would need more than 10,000 parts."""
        needed = math.ceil(size / MAX_PARTS)
        if needed <= self.part_size:
            return self.part_size
        return min(MAX_PART_SIZE, math.ceil(needed / MiB) * MiB)

    @service_errors
    def put_single(
        self,
        path: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        storage_tier: str | None = None,
        exclusive: bool = False,
        **kwargs: Any,
    ) -> Any:
        """One ``PutObject`` with ``Content-MD5`` (the service rejects a corrupted body).

        ``exclusive=True`` sends ``if-none-match: *``: the service refuses the
        write if the object exists, and :class:`~omefs.errors.AlreadyExistsError`
        (a ``FileExistsError``) is raised with its answer as the cause.
        """
        bucket, namespace, key = self.object_parts(path)
        md5 = b64md5(data)
        meta = {k[9:] if k.lower().startswith("opc-meta-") else k: v for k, v in (metadata or {}).items()}
        if meta:
            kwargs["opc_meta"] = meta
        if storage_tier:
            kwargs["storage_tier"] = storage_tier
        if exclusive:
            kwargs.update(EXCLUSIVE)
        try:
            response = self.oci_client.put_object(
                namespace, bucket, key, data, content_md5=md5, content_length=len(data),
                content_type=content_type or mimetypes.guess_type(key)[0] or "application/octet-stream",
                **kwargs,
            )
        except ServiceError as exc:
            refused = exists_error(exc, f"oci://{bucket}@{namespace}/{key}") if exclusive else None
            if refused is None:
                raise
            raise refused from exc
        finally:
            self.invalidate_cache(f"{bucket}@{namespace}/{key}")
        echoed = response.headers.get("opc-content-md5")
        if self.verify_checksums and echoed and echoed != md5:
            raise ChecksumMismatchError(
                f"the service stored MD5 {echoed} but the bytes sent have MD5 {md5}",
                operation="put", uri=f"oci://{bucket}@{namespace}/{key}", provider="oci",
            )
        return response

    def _upload(
        self,
        path: str,
        size: int,
        read: Callable[[int, int], bytes],
        *,
        whole_md5: Callable[[], str] | None,
        content_type: str | None,
        metadata: Mapping[str, str] | None,
        storage_tier: str | None,
        callback: Any,
        check_source: Callable[[], None] | None = None,
        exclusive: bool = False,
    ) -> None:
        bucket, namespace, key = self.object_parts(path)
        uri = f"oci://{bucket}@{namespace}/{key}"
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        callback.set_size(size)
        if size <= self.multipart_threshold:
            self.put_single(path, read(0, size), content_type=content_type, metadata=metadata,
                            storage_tier=storage_tier, exclusive=exclusive)
            callback.relative_update(size)
            return
        meta = dict(metadata or {})
        if whole_md5 is not None:
            meta[META_MD5_KEY] = whole_md5()
        part_size = self._part_size_for(size)
        lock = threading.Lock()

        def done(part: Any) -> None:
            with lock:
                callback.relative_update(part.size)

        upload = MultipartUpload(
            self.oci_client, namespace, bucket, key, max_concurrency=self.max_concurrency,
            content_type=content_type, storage_tier=storage_tier, metadata=meta, uri=uri,
            on_part=done, create_kwargs=EXCLUSIVE if exclusive else None,
            commit_kwargs=EXCLUSIVE if exclusive else None,
        )
        try:
            with upload.start():
                for number, offset in enumerate(range(0, size, part_size), start=1):
                    length = min(part_size, size - offset)
                    upload.submit(number, functools.partial(read, offset, length))
                if check_source is not None:
                    upload.wait()
                    check_source()
                upload.complete()
        except ServiceError as exc:
            refused = exists_error(exc, uri) if exclusive else None
            if refused is None:
                raise
            raise refused from exc
        finally:
            upload.close()
            self.invalidate_cache(f"{bucket}@{namespace}/{key}")

    @service_errors
    def put_file(self, lpath: str, rpath: str, callback: Any = DEFAULT_CALLBACK,
                 mode: str = "overwrite", **kwargs: Any) -> None:
        """Upload a local file: one verified PUT, or a parallel multipart upload if it is large."""
        if os.path.isdir(lpath):
            return None  # OCI has no folders to create
        before = os.stat(lpath)
        with open(lpath, "rb") as fh:
            fd = fh.fileno()

            def read(offset: int, length: int) -> bytes:
                return os.pread(fd, length, offset)

            def source_unchanged() -> None:
                after = os.stat(lpath)
                if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                    raise ChecksumMismatchError(
                        f"{lpath} changed while it was being uploaded; the upload was aborted",
                        operation="put", uri=rpath, provider="oci",
                    )

            self._upload(
                rpath, before.st_size, read,
                whole_md5=(lambda: _file_md5(fd, before.st_size)) if self.record_md5 else None,
                content_type=kwargs.pop("content_type", None),
                metadata=kwargs.pop("metadata", None),
                storage_tier=kwargs.pop("storage_tier", None),
                callback=callback, check_source=source_unchanged, exclusive=mode == "create",
            )
        return None

    @service_errors
    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        """Write ``value`` to ``path``: one verified PUT, or a parallel multipart upload.

        ``mode="create"`` writes only if no object has that name (``if-none-match: *``),
        else raises :class:`~omefs.errors.AlreadyExistsError` (a ``FileExistsError``).
        """
        view = memoryview(value).cast("B")
        self._upload(
            path, len(view), lambda offset, length: bytes(view[offset:offset + length]),
            whole_md5=(lambda: b64md5(view)) if self.record_md5 else None,
            content_type=kwargs.pop("content_type", None),
            metadata=kwargs.pop("metadata", None),
            storage_tier=kwargs.pop("storage_tier", None),
            callback=DEFAULT_CALLBACK, exclusive=mode == "create",
        )


def _file_md5(fd: int, size: int, chunk: int = 8 * MiB) -> str:
    digest = hashlib.md5()
    offset = 0
    while offset < size:
        data = os.pread(fd, min(chunk, size - offset), offset)
        if not data:
            break
        digest.update(data)
        offset += len(data)
    return digest_to_b64(digest.digest())
