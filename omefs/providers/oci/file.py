"""The file object of ``OCIFileSystem.open``: parallel multipart writes, checked and retried reads."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ocifs
import ocifs.core
from oci.exceptions import ServiceError

from omefs.providers.oci.checksum import META_MD5_KEY
from omefs.providers.oci.connection import info_checksums, service_errors
from omefs.providers.oci.download import check_md5, read_range
from omefs.providers.oci.limits import MIN_PART_SIZE
from omefs.providers.oci.multipart import MultipartUpload
from omefs.providers.oci.writing import EXCLUSIVE, exists_error

if TYPE_CHECKING:
    from omefs.providers.oci.fs import OCIFileSystem

__all__ = ["OCIFile"]


def _value(buffer: io.BytesIO | None) -> bytes:
    return buffer.getvalue() if buffer is not None else b""


def _expected_headers(info: Mapping[str, Any]) -> dict[str, str]:
    """Object headers (for :func:`check_md5`) rebuilt from an ``info`` dict."""
    sums = info_checksums(info)
    headers: dict[str, str] = {}
    if "content" in sums:
        headers["Content-MD5"] = sums["content"]
    if "whole" in sums:
        headers[META_MD5_KEY] = sums["whole"]
    return headers


class OCIFile(ocifs.core.OCIFile):  # type: ignore[misc]
    """ocifs's file, with parallel multipart writes and checked, retried reads.

    Writing: full parts go up on the filesystem's thread pool as soon as
    they are written (at most ``max_concurrency`` in flight); a file that
    never reaches one part is a single PUT with ``Content-MD5``. Leaving a
    ``with`` block with an exception aborts the upload instead of
    committing what was written so far.

    Mode ``"xb"`` creates exclusively: the PUT or the multipart upload carries
    ``if-none-match: *``, so the service refuses to replace an object that
    appeared after the file was opened (:class:`~omefs.errors.AlreadyExistsError`).

    Reading: ranges are retried (throttling, 5xx, resets, short bodies),
    pinned to the version opened (``If-Match``), and a file read from
    start to end in order is checked against the object's MD5.
    """

    MINIMUM_BLOCK_SIZE = MIN_PART_SIZE
    fs: OCIFileSystem
    buffer: io.BytesIO | None

    def __init__(self, fs: OCIFileSystem, path: str, mode: str = "rb", **kwargs: Any) -> None:
        self._upload: MultipartUpload | None = None
        self._single: bytes | None = None
        self._parts = 0
        self._read_digest: Any = None
        self._read_pos = 0
        super().__init__(fs, path, mode, **kwargs)
        if self.readable() and fs.verify_checksums and _expected_headers(self.details):
            self._read_digest = hashlib.md5()

    # -- reading ------------------------------------------------------------
    @service_errors
    def _fetch_range(self, start: int, end: int, max_attempts: int = 10, **kwargs: Any) -> bytes:
        end = min(end, self.size)
        data = read_range(
            self.fs.oci_client, self.namespace, self.bucket, self.key, start, end,
            policy=self.fs.retry_policy, refresher=self.fs.refresher, etag=self.details.get("etag"),
        )
        self._track(start, data)
        return data

    def _track(self, start: int, data: bytes) -> None:
        if self._read_digest is None:
            return
        if start == self._read_pos:
            self._read_digest.update(data)
            self._read_pos += len(data)
        elif start + len(data) <= self._read_pos:
            return  # bytes already checked, fetched again by the cache
        else:
            self._read_digest = None  # not a sequential read: nothing to check
            return
        if self._read_pos >= self.size:
            digest, self._read_digest = self._read_digest.digest(), None
            check_md5(_expected_headers(self.details), digest,
                      uri=f"oci://{self.path}", size=self._read_pos)

    # -- writing ------------------------------------------------------------
    def _initiate_upload(self, **kwargs: Any) -> None:
        """Nothing yet: the multipart upload starts with the first full part."""

    def _submit(self, data: bytes) -> None:
        if self._upload is None:
            meta = self.kwargs.get("metadata") or self.kwargs.get("opc_meta")
            self._upload = MultipartUpload(
                self.fs.oci_client, self.namespace, self.bucket, self.key,
                max_concurrency=self.fs.max_concurrency,
                content_type=self.kwargs.get("content_type") or "application/octet-stream",
                storage_tier=self.kwargs.get("storage_tier"), metadata=meta,
                uri=f"oci://{self.path}", create_kwargs=self._condition,
                commit_kwargs=self._condition,
            )
            try:
                self._upload.start()
            except ServiceError as exc:
                self._upload = None
                refused = exists_error(exc, f"oci://{self.path}") if self._condition else None
                if refused is None:
                    raise
                raise refused from exc
        self._parts += 1
        try:
            self._upload.submit(self._parts, data)
        except BaseException:
            self._upload.abort()
            raise

    @service_errors
    def _upload_chunk(self, final: bool = False, **kwargs: Any) -> bool:
        if self.buffer is None:
            raise ValueError(f"write to a closed file: oci://{self.path}")
        data = self.buffer.getvalue()
        size = self.blocksize
        if final and self._upload is None:
            self._single = data  # the whole file is under one part: one PUT on commit
            consumed = len(data)
        else:
            consumed = len(data) if final else (len(data) // size) * size
            for offset in range(0, consumed, size):
                self._submit(data[offset:offset + size])
        self.offset += consumed
        self.buffer = io.BytesIO()
        self.buffer.write(data[consumed:])
        if final and self.autocommit:
            self.commit()
        # False: fsspec must not reset the buffer, which keeps the unsent remainder.
        return False

    @property
    def _condition(self) -> dict[str, str] | None:
        """The write's precondition: ``if-none-match: *`` in mode ``"xb"``."""
        return EXCLUSIVE if self.mode == "xb" else None

    @service_errors
    def commit(self, **kwargs: Any) -> None:
        """Make the object visible: the single PUT, or the multipart commit (checked)."""
        if self._upload is not None:
            try:
                self._upload.complete()
            except ServiceError as exc:
                refused = exists_error(exc, f"oci://{self.path}") if self._condition else None
                if refused is None:
                    raise
                raise refused from exc
            finally:
                self._upload.close()
                self._upload = None
                self.fs.invalidate_cache(self.path)
        elif self._single is not None or self.buffer is not None:
            data = self._single if self._single is not None else _value(self.buffer)
            meta = self.kwargs.get("metadata") or self.kwargs.get("opc_meta")
            self.fs.put_single(f"{self.bucket}@{self.namespace}/{self.key}", data,
                               content_type=self.kwargs.get("content_type"),
                               metadata=meta, storage_tier=self.kwargs.get("storage_tier"),
                               exclusive=self._condition is not None)
        self._single = None
        self.buffer = None
        self.fs.invalidate_cache(self.path)

    @service_errors
    def discard(self) -> None:
        """Abort: nothing written becomes visible."""
        if self._upload is not None:
            self._upload.abort()
            self._upload.close()
            self._upload = None
        self._single = None
        self.buffer = None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and self.writable() and not getattr(self, "closed", True):
            self.discard()
            self.closed = True
            return None
        self.close()
        return None

