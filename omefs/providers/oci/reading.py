"""Reading OCI objects: whole-object and ranged reads, parallel ranges for large objects, MD5 checked."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from typing import Any

from fsspec.callbacks import DEFAULT_CALLBACK
from oci.exceptions import ServiceError

from omefs.errors import ChecksumMismatchError
from omefs.providers.oci.connection import service_errors
from omefs.providers.oci.download import check_md5, parallel_read, read_body, read_range
from omefs.providers.oci.retry import call_with_retries
from omefs.providers.oci.writing import OCIWriting
from omefs.redact import get_logger

__all__ = ["OCIReading"]

log = get_logger(__name__)


class OCIReading(OCIWriting):
    """Downloads: ``cat_file`` and ``get_file``, in parallel ranges above ``multipart_threshold``."""

    # -- reading ------------------------------------------------------------
    def _read_object(
        self,
        path: str,
        consume: Callable[[int, bytes], None],
        *,
        on_size: Callable[[int], None] | None = None,
    ) -> Mapping[str, Any]:
        """Read a whole object into ``consume(offset, data)`` (in order), verifying its MD5.

        Small objects take one GET. A GET whose ``Content-Length`` is over
        ``multipart_threshold`` is dropped after its headers, and the object
        is read as parallel ranges of the same version (``If-Match``). A
        checksum mismatch is retried once from the start, then raised.
        """
        from oci.retry import NoneRetryStrategy

        bucket, namespace, key = self.split_path(path)
        uri = f"oci://{bucket}@{namespace}/{key}"

        def first() -> tuple[Mapping[str, Any], bytes | None]:
            response = self.oci_client.get_object(
                namespace, bucket, key, retry_strategy=NoneRetryStrategy()
            )
            size = int(response.headers.get("Content-Length", 0))
            if size > self.multipart_threshold and self.max_concurrency > 1:
                response.data.close()
                return response.headers, None
            return response.headers, read_body(response, size)

        attempts = 2 if self.verify_checksums else 1
        for attempt in range(1, attempts + 1):
            headers, data = call_with_retries(first, self.retry_policy, self.refresher,
                                              what=f"GET {uri}")
            size = int(headers.get("Content-Length", 0))
            if on_size is not None:
                on_size(size)
            if data is not None:
                digest = hashlib.md5(data).digest()
                consume(0, data)
            else:
                digest = self._read_ranges(path, size, headers.get("etag"), consume)
            if not self.verify_checksums:
                return headers
            try:
                check_md5(headers, digest, uri=uri, size=size)
            except ChecksumMismatchError:
                if attempt == attempts:
                    raise
                log.warning("%s: MD5 mismatch on download; reading it again", uri)
                continue
            return headers
        raise AssertionError("unreachable")

    def _read_ranges(self, path: str, size: int, etag: str | None,
                     consume: Callable[[int, bytes], None]) -> bytes:
        """Read ``[0, size)`` as parallel ranges into ``consume``; the MD5 of it all."""
        bucket, namespace, key = self.split_path(path)
        digest = hashlib.md5()

        def fetch(start: int, end: int) -> bytes:
            return read_range(self.oci_client, namespace, bucket, key, start, end,
                              policy=self.retry_policy, refresher=self.refresher, etag=etag)

        def take(offset: int, chunk: bytes) -> None:
            digest.update(chunk)
            consume(offset, chunk)

        parallel_read(fetch, size, take, part_size=self.part_size,
                      max_concurrency=self.max_concurrency)
        return digest.digest()

    @service_errors
    def cat_file(self, path: str, start: int | None = None, end: int | None = None,
                 **kwargs: Any) -> bytes:
        """The bytes of ``path`` (or of ``[start, end)``); whole reads are parallel and MD5-checked."""
        if start is None and end is None:
            buffer = bytearray()

            def consume(offset: int, data: bytes) -> None:
                del buffer[offset:]
                buffer.extend(data)

            self._read_object(path, consume)
            return bytes(buffer)
        bucket, namespace, key = self.split_path(path)
        if (start is None or start >= 0) and (end is None or end >= 0):
            return self._get_range(namespace, bucket, key, start or 0, end)
        details = self.info(path)  # a negative bound needs the size
        size = int(details["size"])
        begin = 0 if start is None else (start if start >= 0 else max(0, size + start))
        stop = size if end is None else (end if end >= 0 else size + end)
        stop = min(stop, size)
        if stop <= begin:
            return b""
        return read_range(self.oci_client, namespace, bucket, key, begin, stop,
                          policy=self.retry_policy, refresher=self.refresher,
                          etag=details.get("etag"))

    def _get_range(self, namespace: str, bucket: str, key: str, start: int, end: int | None) -> bytes:
        """One ranged GET, no HEAD first (the service clamps ``end``; past the end is ``b""``)."""
        from oci.retry import NoneRetryStrategy

        if end is not None and end <= start:
            return b""
        span = f"bytes={start}-" + ("" if end is None else str(end - 1))

        def once() -> bytes:
            try:
                response = self.oci_client.get_object(namespace, bucket, key, range=span,
                                                      retry_strategy=NoneRetryStrategy())
            except ServiceError as exc:
                if exc.status == 416:  # the range starts past the end of the object
                    return b""
                raise
            return read_body(response, int(response.headers.get("Content-Length", 0)))

        return call_with_retries(once, self.retry_policy, self.refresher,
                                 what=f"GET {bucket}@{namespace}/{key} [{span}]")

    @service_errors
    def get_file(self, rpath: str, lpath: Any = None, callback: Any = DEFAULT_CALLBACK,
                 outfile: Any = None, **kwargs: Any) -> None:
        """Download to a local file (parallel for large objects, MD5-checked).

        The bytes go to ``LPATH.omefs-partial`` and are renamed to ``lpath``
        only once complete and verified: a failed download leaves no file.
        """
        from fsspec.utils import isfilelike

        if outfile is None and isfilelike(lpath):
            outfile = lpath
        if outfile is not None:
            start = outfile.tell()

            def write_to(offset: int, data: bytes) -> None:
                outfile.seek(start + offset)
                outfile.write(data)
                callback.relative_update(len(data))

            self._read_object(rpath, write_to, on_size=callback.set_size)
            return None
        lpath = os.fspath(lpath)
        os.makedirs(os.path.dirname(os.path.abspath(lpath)), exist_ok=True)
        partial = lpath + ".omefs-partial"
        try:
            with open(partial, "wb") as fh:
                def write(offset: int, data: bytes) -> None:
                    fh.seek(offset)
                    fh.write(data)
                    callback.relative_update(len(data))

                self._read_object(rpath, write, on_size=callback.set_size)
            os.replace(partial, lpath)
        except BaseException as exc:
            try:
                os.unlink(partial)
            except OSError:
                pass
            # Not an object: a folder (recursive get) becomes a local directory.
            if isinstance(exc, ServiceError) and exc.status == 404 and self.isdir(rpath):
                os.makedirs(lpath, exist_ok=True)
                return None
            raise
        return None
