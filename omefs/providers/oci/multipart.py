"""Parallel multipart upload to OCI Object Storage, aborted on failure.

:class:`MultipartUpload` creates an upload, sends parts on a thread pool
(at most ``max_concurrency`` in flight, so memory stays near
``part_size × max_concurrency`` however large the object), and either
commits or aborts — a failed upload never leaves a partial object behind,
and no stale upload is left to be billed.

Every part is sent with its ``Content-MD5`` (the service rejects a part
corrupted in transit). On commit, the service's ``opc-multipart-md5`` is
checked against the MD5 of the part MD5s computed here; the whole
object's MD5, when the caller knows it, is recorded as OME's
``opc-meta-md5`` metadata so that a download can be checked end to end.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from omefs.errors import ChecksumMismatchError, OmefsError, TransferError
from omefs.providers.oci.checksum import digest_to_b64, multipart_md5
from omefs.redact import get_logger

__all__ = ["MultipartUpload", "PartResult"]

log = get_logger(__name__)

PartData = bytes | Callable[[], bytes]


@dataclass(frozen=True)
class PartResult:
    """One uploaded part: its number, ETag, binary MD5 and size."""

    part_num: int
    etag: str
    digest: bytes
    size: int


class MultipartUpload:
    """One multipart upload of ``namespace/bucket/key``.

    Use it as a context manager: leaving the block with an exception aborts
    the upload. ``submit`` parts (numbered from 1, in any order), then
    ``complete()``. ``submit`` blocks while ``max_concurrency`` parts are
    in flight and raises at once if an earlier part failed, so a writer
    stops early.

    Args:
        client: an ``oci.object_storage.ObjectStorageClient`` (its retry
            strategy retries each part).
        namespace, bucket, key: the object.
        max_concurrency: parts in flight at once.
        content_type, storage_tier: as for ``CreateMultipartUpload``.
        metadata: user metadata, keys with or without ``opc-meta-``.
        uri: the object's URI, for messages.
        part_kwargs: extra keyword arguments for every ``upload_part`` call
            (SSE-C headers, say).
        create_kwargs, commit_kwargs: extra keyword arguments for
            ``create_multipart_upload`` and ``commit_multipart_upload``
            (``if_none_match="*"`` for an exclusive create, say).
        on_part: called (from a worker thread) with each part once it is stored.
    """

    def __init__(
        self,
        client: Any,
        namespace: str,
        bucket: str,
        key: str,
        *,
        max_concurrency: int,
        content_type: str | None = None,
        storage_tier: str | None = None,
        metadata: Mapping[str, str] | None = None,
        uri: str | None = None,
        part_kwargs: Mapping[str, Any] | None = None,
        create_kwargs: Mapping[str, Any] | None = None,
        commit_kwargs: Mapping[str, Any] | None = None,
        on_part: Callable[[PartResult], None] | None = None,
    ) -> None:
        self.client = client
        self.namespace, self.bucket, self.key = namespace, bucket, key
        self.max_concurrency = max(1, int(max_concurrency))
        self.content_type = content_type
        self.storage_tier = storage_tier
        self.metadata = {
            (k if k.lower().startswith("opc-meta-") else f"opc-meta-{k}"): str(v)
            for k, v in (metadata or {}).items()
        }
        self.uri = uri or f"oci://{bucket}@{namespace}/{key}"
        self.part_kwargs = dict(part_kwargs or {})
        self.create_kwargs = dict(create_kwargs or {})
        self.commit_kwargs = dict(commit_kwargs or {})
        self.on_part = on_part
        self.upload_id: str | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._lock = threading.Lock()
        self._futures: dict[int, Future[PartResult | None]] = {}
        self._failure: tuple[int, BaseException] | None = None
        self._done = False

    # -- lifecycle --------------------------------------------------------
    def start(self) -> MultipartUpload:
        """Create the upload on the service (``CreateMultipartUpload``)."""
        from oci.object_storage.models import CreateMultipartUploadDetails

        details = CreateMultipartUploadDetails(
            object=self.key,
            content_type=self.content_type,
            storage_tier=self.storage_tier,
            metadata=self.metadata or None,
        )
        response = self.client.create_multipart_upload(
            self.namespace, self.bucket, details, **self.create_kwargs
        )
        self.upload_id = response.data.upload_id
        self._pool = ThreadPoolExecutor(
            max_workers=self.max_concurrency, thread_name_prefix="omefs-oci-part"
        )
        log.debug("multipart upload %s started for %s", self.upload_id, self.uri)
        return self

    def __enter__(self) -> MultipartUpload:
        if self.upload_id is None:
            self.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and not self._done:
            self.abort()

    # -- parts ------------------------------------------------------------
    def submit(self, part_num: int, data: PartData) -> None:
        """Queue part ``part_num`` (bytes, or a callable that reads them when the part is sent)."""
        if self.upload_id is None or self._pool is None:
            raise RuntimeError("MultipartUpload.submit() before start()")
        self._raise_failure()
        self._slots.acquire()
        if self._failure is not None:
            self._slots.release()
            self._raise_failure()
        future = self._pool.submit(self._upload_part, part_num, data)
        future.add_done_callback(functools.partial(self._part_done, part_num))
        with self._lock:
            self._futures[part_num] = future

    def _part_done(self, part_num: int, future: Future[PartResult | None]) -> None:
        self._slots.release()
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            with self._lock:
                if self._failure is None:
                    self._failure = (part_num, exc)

    def _upload_part(self, part_num: int, data: PartData) -> PartResult | None:
        """Send one part; None (nothing sent) when an earlier part already failed."""
        if self._failure is not None:  # another part failed: do not send more
            return None
        body = data() if callable(data) else data
        digest = hashlib.md5(body).digest()
        md5 = digest_to_b64(digest)
        response = self.client.upload_part(
            self.namespace, self.bucket, self.key, self.upload_id, part_num, body,
            content_md5=md5, content_length=len(body), **self.part_kwargs,
        )
        echoed = response.headers.get("opc-content-md5")
        if echoed and echoed != md5:
            raise ChecksumMismatchError(
                f"part {part_num} of {self.uri}: the service stored MD5 {echoed}, "
                f"the part sent has MD5 {md5}",
                operation="upload", uri=self.uri, provider="oci",
            )
        result = PartResult(part_num, response.headers["etag"], digest, len(body))
        if self.on_part is not None:
            self.on_part(result)
        return result

    def _raise_failure(self) -> None:
        if self._failure is None:
            return
        part_num, exc = self._failure
        raise _part_error(self.uri, part_num, exc) from exc

    # -- finish -----------------------------------------------------------
    def complete(self) -> Any:
        """Wait for every part, commit, and check ``opc-multipart-md5``; abort on any failure.

        Returns the commit response. Raises the first part's error (as an
        omefs error) after aborting, or :class:`ChecksumMismatchError` if
        the committed object's multipart MD5 is not the one sent (the
        object is then deleted).
        """
        try:
            results = self.wait()
            if not results:
                raise TransferError(
                    f"multipart upload of {self.uri} has no parts", operation="upload",
                    uri=self.uri, provider="oci",
                )
            response = self._commit(results)
        except BaseException:
            self.abort()
            raise
        self._done = True
        expected = multipart_md5(r.digest for r in results)
        got = response.headers.get("opc-multipart-md5")
        if got and got != expected:
            self._delete_committed()
            raise ChecksumMismatchError(
                f"{self.uri}: the committed object has opc-multipart-md5 {got}, the parts "
                f"sent give {expected}; the object was deleted",
                operation="upload", uri=self.uri, provider="oci",
            )
        log.debug("multipart upload %s committed (%d parts) for %s", self.upload_id, len(results), self.uri)
        return response

    def wait(self) -> list[PartResult]:
        """Wait for every submitted part; the results in part order, or the first part's error."""
        with self._lock:
            futures = dict(self._futures)
        results: list[PartResult] = []
        for part_num in sorted(futures):
            try:
                result = futures[part_num].result()
            except BaseException as exc:
                # The done-callback may not have run yet: record the failure here too.
                with self._lock:
                    if self._failure is None:
                        self._failure = (part_num, exc)
                break
            if result is not None:
                results.append(result)
        self._raise_failure()
        return results

    def _commit(self, results: list[PartResult]) -> Any:
        from oci.object_storage.models import (
            CommitMultipartUploadDetails,
            CommitMultipartUploadPartDetails,
        )

        details = CommitMultipartUploadDetails(
            parts_to_commit=[
                CommitMultipartUploadPartDetails(part_num=r.part_num, etag=r.etag) for r in results
            ]
        )
        return self.client.commit_multipart_upload(
            self.namespace, self.bucket, self.key, self.upload_id, details, **self.commit_kwargs
        )

    def abort(self) -> None:
        """Abort the upload (best effort): pending parts are cancelled, the service forgets the parts."""
        if self._done:
            return
        self._done = True
        with self._lock:
            futures = list(self._futures.values())
        for future in futures:
            future.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self.upload_id is None:
            return
        try:
            self.client.abort_multipart_upload(self.namespace, self.bucket, self.key, self.upload_id)
            log.info("multipart upload %s of %s aborted", self.upload_id, self.uri)
        except Exception as exc:  # the original error matters more than this one
            log.warning(
                "could not abort multipart upload %s of %s (%s); it will expire on the "
                "service or can be aborted with the OCI CLI", self.upload_id, self.uri,
                type(exc).__name__,
            )

    def close(self) -> None:
        """Release the thread pool (after :meth:`complete` or :meth:`abort`)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _delete_committed(self) -> None:
        try:
            self.client.delete_object(self.namespace, self.bucket, self.key)
        except Exception as exc:
            log.warning("could not delete %s after a checksum mismatch (%s)", self.uri, type(exc).__name__)


def _part_error(uri: str, part_num: int, exc: BaseException) -> OmefsError:
    if isinstance(exc, OmefsError):
        return exc
    from omefs.errors import AuthError, NotFoundError, PermissionDeniedError
    from omefs.providers.error_mapping import translate

    mapped = translate(exc, "upload", uri, "oci")
    if isinstance(mapped, (AuthError, NotFoundError, PermissionDeniedError)):
        return mapped  # a meaning of its own; anything else says which part failed
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    detail = f"HTTP {status} {code or ''}".strip() if status is not None else type(exc).__name__
    return TransferError(
        f"multipart upload failed at part {part_num} ({detail}); the upload was aborted "
        "and no object was written",
        operation="upload", uri=uri, provider="oci",
    )
