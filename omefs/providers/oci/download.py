"""Reading OCI objects: ranged GETs with retries, in parallel, checked against their MD5.

:func:`read_range` fetches one byte range; a body cut short is an error
that is retried like a reset connection, and ``If-Match`` on the ETag
seen at the start makes sure every range comes from the same version of
the object. :func:`parallel_read` fetches a large object as ranges on a
thread pool and hands them to a consumer *in order*, so the whole-object
MD5 is computed on the fly and memory stays near ``part_size ×
max_concurrency``. :func:`check_md5` compares the result with the MD5 the
object carries (``Content-MD5`` or OME's ``opc-meta-md5``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from omefs.errors import ChecksumMismatchError, TruncatedBodyError
from omefs.providers.oci.checksum import digest_to_b64, expected_md5
from omefs.providers.oci.retry import RetryPolicy, TokenRefresher, call_with_retries

__all__ = ["check_md5", "parallel_read", "read_range", "read_body"]


def read_body(response: Any, expected: int | None) -> bytes:
    """The body of a streamed SDK response; :class:`TruncatedBodyError` if it is short."""
    raw = response.data
    try:
        data = raw.content if hasattr(raw, "content") else raw.raw.read()
    finally:
        close = getattr(raw, "close", None)
        if callable(close):
            close()
    if expected is not None and len(data) != expected:
        raise TruncatedBodyError(f"expected {expected} bytes, received {len(data)}")
    return bytes(data)


def read_range(
    client: Any,
    namespace: str,
    bucket: str,
    key: str,
    start: int,
    end: int,
    *,
    policy: RetryPolicy,
    refresher: TokenRefresher | None = None,
    etag: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """Bytes ``[start, end)`` of an object, retried on throttling, 5xx, resets and short bodies."""
    from oci.retry import NoneRetryStrategy

    if end <= start:
        return b""
    kwargs: dict[str, Any] = dict(extra or {})
    kwargs["range"] = f"bytes={start}-{end - 1}"
    if etag:
        kwargs["if_match"] = etag
    # This loop retries; the client's own strategy must not retry inside it.
    kwargs["retry_strategy"] = NoneRetryStrategy()

    def once() -> bytes:
        response = client.get_object(namespace, bucket, key, **kwargs)
        return read_body(response, end - start)

    return call_with_retries(once, policy, refresher, what=f"GET {bucket}@{namespace}/{key} [{start}:{end})")


def parallel_read(
    fetch: Callable[[int, int], bytes],
    size: int,
    consume: Callable[[int, bytes], None],
    *,
    part_size: int,
    max_concurrency: int,
) -> None:
    """Fetch ``[0, size)`` as ranges of ``part_size`` on ``max_concurrency`` threads.

    ``consume(offset, data)`` is called in the caller's thread, in offset
    order. At most ``max_concurrency`` ranges are fetched or waiting at
    once. The first failure cancels what is pending and is raised.
    """
    ranges = [(s, min(s + part_size, size)) for s in range(0, size, part_size)]
    if not ranges:
        return
    workers = max(1, min(int(max_concurrency), len(ranges)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="omefs-oci-get")
    pending: deque[tuple[int, Future[bytes]]] = deque()
    todo = iter(ranges)
    try:
        for start, end in todo:
            pending.append((start, pool.submit(fetch, start, end)))
            if len(pending) >= workers:
                break
        while pending:
            start, future = pending.popleft()
            data = future.result()
            consume(start, data)
            nxt = next(todo, None)
            if nxt is not None:
                pending.append((nxt[0], pool.submit(fetch, *nxt)))
    except BaseException:
        for _, future in pending:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_md5(headers: Mapping[str, Any], digest: bytes, *, uri: str, size: int | None = None) -> bool:
    """Compare a downloaded object's MD5 ``digest`` with the one its headers carry.

    Returns whether a check was possible (False for a multipart object with
    no ``opc-meta-md5``). Raises :class:`ChecksumMismatchError` on a mismatch.
    """
    expected = expected_md5(headers)
    if expected is None:
        return False
    source, value = expected
    got = digest_to_b64(digest)
    if got != value:
        raise ChecksumMismatchError(
            f"{uri}: the bytes received have MD5 {got} but the object's {source} is {value}"
            + (f" ({size} bytes read)" if size is not None else ""),
            operation="read", uri=uri, provider="oci",
        )
    return True
