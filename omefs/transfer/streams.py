"""Moving bytes: readers that produce chunks and writers that consume them.

Readers (source side):

* :func:`read_whole` — one object in one request (small objects): through
  obstore where the provider builds a store, else the provider's hook
  (the filesystem's ``cat_file`` by default; a lean HTTP GET where the
  provider has one);
* :func:`iter_chunks` — an async iterator of chunks in order, either one
  streamed GET (cheapest on servers that slice the whole object for each
  Range request, like moto, and on loopback where one connection is not
  latency-bound) or a window of parallel ranged GETs (what beats a single
  connection's throughput over a WAN).

Writers (destination side):

* :func:`write_whole` — one request: an obstore put where the provider
  builds a store, else the provider's hook (an fsspec ``pipe_file`` by
  default, an atomic local write for files…);
* :func:`write_stream` — chunks into the destination's native multipart
  API: obstore's multipart upload (aborted by obstore when the chunk
  iterator raises), else the provider's hook (by default an fsspec file
  opened for writing with ``block_size=part_size``, ``discard()``-ed on
  error and never committed; a local temporary file renamed into place
  only when complete for files).

obstore work runs on the engine's event loop and every started future is
awaited, never abandoned (an obstore result arriving after the loop is
gone is what crashes interpreters at exit). fsspec work runs in the
engine's thread pool through each filesystem's sync API, which for async
filesystems (s3fs, gcsfs, adlfs) means fsspec's own IO loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from omefs.transfer.endpoints import Endpoint
from omefs.transfer.verify import Fingerprint, IntegrityError

__all__ = ["Runtime", "Sent", "WriteResult", "abandon", "read_whole", "iter_chunks", "write_whole",
           "write_stream", "remove_object"]

#: The pieces a streamed GET is cut into: below the mmap threshold a streaming copy pins
#: (:data:`omefs.transfer.memory.MMAP_THRESHOLD`), so they come from heap memory the
#: allocator reuses. Pieces of a whole part (16 MiB and more) were each mapped anew and
#: returned on free, and touching new memory cost the kernel a page fault per 4 KiB, a
#: second of system CPU per GiB copied. The writers cut parts from pieces of any size.
STREAM_PIECE = 1 << 20


class Runtime:
    """The engine's event loop helpers: a thread pool for blocking fsspec calls."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        if kwargs:
            import functools

            return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))
        return await loop.run_in_executor(self.pool, fn, *args)


@dataclass
class WriteResult:
    """What the destination said about the write: its ETag, where it gives one.

    ``acknowledged`` is the body length of a single-request write that the
    service accepted (2xx after receiving exactly that many bytes as the
    request's ``Content-Length``): an atomic write, so the object now has
    that size. ``checked`` names a digest the write itself compared with
    the service's answer (gcsfs's ``consistency="md5"``), so nothing needs
    to be asked again.
    """

    etag: str | None = None
    version: str | None = None
    method: str = "single"
    part_size: int | None = None
    acknowledged: int | None = None
    checked: str | None = None


# ---------------------------------------------------------------------------
# reading

async def read_whole(rt: Runtime, ep: Endpoint, path: str) -> Any:
    """The whole object in one request (a bytes-like object)."""
    located = ep.store(path)
    if located is not None:
        return await ep.hooks.read_stored(rt, *located)
    return await ep.hooks.read_whole(rt, ep, path)


async def _ordered_window(
    fetchers: list[Callable[[], Awaitable[Any]]], window: int
) -> AsyncIterator[Any]:
    """Run ``fetchers`` with at most ``window`` in flight; yield results in order.

    On error (or when the consumer stops early) every fetch already started
    is awaited before the error propagates: none is abandoned mid-flight.
    """
    pending: deque[asyncio.Task[Any]] = deque()
    index = 0
    try:
        while index < len(fetchers) or pending:
            while index < len(fetchers) and len(pending) < max(1, window):
                pending.append(asyncio.ensure_future(fetchers[index]()))
                index += 1
            task = pending.popleft()
            yield await task
    finally:
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


async def iter_chunks(rt: Runtime, ep: Endpoint, path: str, size: int, chunk: int,
                      window: int) -> AsyncGenerator[Any, None]:
    """The object's bytes as chunks, in order.

    ``window <= 1``: one streamed GET (obstore) or sequential reads of an
    open file (fsspec). ``window > 1``: that many ranged GETs of ``chunk``
    bytes in flight. Each ranged chunk is checked for its exact length, so
    a short body is caught at once (:class:`IntegrityError`); the caller
    checks the total.
    """
    ranges = [(start, min(size, start + chunk)) for start in range(0, size, chunk)]
    located = ep.store(path)
    if located is not None:
        import obstore

        store, key = located
        if window <= 1:
            result = await obstore.get_async(store, key)
            async for piece in result.stream(min_chunk_size=min(chunk, STREAM_PIECE)):
                yield piece
            return

        def obstore_fetch(start: int, end: int) -> Callable[[], Awaitable[Any]]:
            async def fetch() -> Any:
                data = await obstore.get_range_async(store, key, start=start, end=end)
                if len(data) != end - start:
                    raise IntegrityError(f"range {start}-{end} returned {len(data)} bytes")
                return data
            return fetch

        async for piece in _ordered_window([obstore_fetch(s, e) for s, e in ranges], window):
            yield piece
        return

    if window <= 1 or ep.provider.capabilities.local:
        f = await rt.run(ep.fs.open, path, "rb")
        try:
            while True:
                data = await rt.run(f.read, chunk)
                if not data:
                    break
                yield data
        finally:
            await rt.run(f.close)
        return

    def fsspec_fetch(start: int, end: int) -> Callable[[], Awaitable[Any]]:
        async def fetch() -> Any:
            data = await ep.hooks.read_range(rt, ep, path, start, end)
            if len(data) != end - start:
                raise IntegrityError(f"range {start}-{end} returned {len(data)} bytes")
            return data
        return fetch

    async for piece in _ordered_window([fsspec_fetch(s, e) for s, e in ranges], window):
        yield piece


# ---------------------------------------------------------------------------
# writing

#: What a writer is told of the bytes it sends: their fingerprint (for a stream, once it ended).
Sent = Callable[[], Fingerprint]


def _class_options(storage_class: str | None,
                   attributes: dict[str, str] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(obstore keyword arguments, fsspec keyword arguments) that write ``storage_class``."""
    if storage_class is None:
        return {}, {}
    return ({"attributes": attributes} if attributes else {}), {"storage_class": storage_class}


async def write_whole(rt: Runtime, ep: Endpoint, path: str, data: Any,
                      sent: Sent | None = None, *, storage_class: str | None = None,
                      attributes: dict[str, str] | None = None) -> WriteResult:
    """Write ``data`` as the whole object in one request; nothing partial is ever visible.

    A cancellation lets the request finish before it goes on
    (:func:`~omefs.transfer.cancel.finish_in_flight`), so nothing it
    writes can land after the engine's cleanup.
    """
    from omefs.transfer.cancel import finish_in_flight

    return await finish_in_flight(_write_whole(rt, ep, path, data, sent,
                                               storage_class=storage_class, attributes=attributes))


async def _write_whole(rt: Runtime, ep: Endpoint, path: str, data: Any,
                       sent: Sent | None = None, *, storage_class: str | None = None,
                       attributes: dict[str, str] | None = None) -> WriteResult:
    """:func:`write_whole`'s request.

    Where the provider sends a digest with its writes for the service to
    check (``hooks.sends_digests()``), its own writer runs with ``sent``.
    ``storage_class`` (native) is written through obstore's ``attributes``
    when the provider gives some for it, else through the filesystem (a
    write with a class takes the plain path).
    """
    if sent is not None and storage_class is None and ep.hooks.sends_digests():
        return await ep.hooks.write_whole_checked(rt, ep, path, data,  # type: ignore[no-any-return]
                                                  sent=sent)
    located = ep.store(path) if storage_class is None or attributes is not None else None
    by_obstore, by_fsspec = _class_options(storage_class, attributes)
    if located is not None:
        return await ep.hooks.write_stored(rt, *located, data, **by_obstore)  # type: ignore[no-any-return]
    return await ep.hooks.write_whole(rt, ep, path, data, **by_fsspec)  # type: ignore[no-any-return]


def abandon(f: Any) -> None:
    """Throw away an fsspec file opened for writing without committing anything."""
    discard = getattr(f, "discard", None)
    if callable(discard):
        with contextlib.suppress(Exception):
            discard()
    # AbstractBufferedFile.__del__ would otherwise close() — i.e. commit — it.
    with contextlib.suppress(Exception):
        f.closed = True
    with contextlib.suppress(Exception):
        f.buffer = None


async def write_stream(rt: Runtime, ep: Endpoint, path: str, chunks: AsyncIterator[Any], *,
                       part_size: int, concurrency: int, sent: Sent | None = None,
                       part_md5: Callable[[int, int], bytes | None] | None = None,
                       storage_class: str | None = None,
                       attributes: dict[str, str] | None = None) -> WriteResult:
    """Stream ``chunks`` into the destination's multipart API (:func:`_write_stream`).

    A cancellation stops the stream at its next chunk, so the upload is
    aborted as for any failed stream, and is re-raised once the writer
    returned, as :class:`~omefs.transfer.cancel.StreamCancelled`
    (:func:`~omefs.transfer.cancel.stop_between_parts`).
    """
    from omefs.transfer.cancel import stop_between_parts

    async def write(stream: AsyncIterator[Any]) -> WriteResult:
        return await _write_stream(rt, ep, path, stream, part_size=part_size,
                                   concurrency=concurrency, sent=sent, part_md5=part_md5,
                                   storage_class=storage_class, attributes=attributes)

    return await stop_between_parts(write, chunks)


async def _write_stream(rt: Runtime, ep: Endpoint, path: str, chunks: AsyncIterator[Any], *,
                        part_size: int, concurrency: int, sent: Sent | None = None,
                        part_md5: Callable[[int, int], bytes | None] | None = None,
                        storage_class: str | None = None,
                        attributes: dict[str, str] | None = None) -> WriteResult:
    """Stream ``chunks`` into the destination's multipart API.

    If ``chunks`` raises (a read failed, the bytes did not verify), the
    upload is aborted (obstore aborts its multipart upload; an fsspec file
    is discarded; a local temporary file is removed) and the error
    propagates: the destination keeps whatever it had before. A provider
    that sends digests with its writes streams through its own writer,
    told the whole stream's fingerprint (``sent``) once the chunks ended,
    and each part's MD5 where the engine computed it (``part_md5``).
    """
    if sent is not None and storage_class is None and ep.hooks.sends_digests():
        return await ep.hooks.write_stream_checked(  # type: ignore[no-any-return]
            rt, ep, path, chunks, part_size=part_size, concurrency=concurrency, sent=sent,
            part_md5=part_md5)
    located = ep.store(path) if storage_class is None or attributes is not None else None
    by_obstore, by_fsspec = _class_options(storage_class, attributes)
    if located is not None:
        import obstore

        store, key = located
        result = await obstore.put_async(store, key, chunks, use_multipart=True,
                                         chunk_size=part_size, max_concurrency=max(1, concurrency),
                                         **by_obstore)
        return WriteResult(etag=result.get("e_tag"), version=result.get("version"),
                           method="multipart", part_size=part_size)

    return await ep.hooks.write_stream(rt, ep, path, chunks,  # type: ignore[no-any-return]
                                       part_size=part_size, **by_fsspec)


async def remove_object(rt: Runtime, ep: Endpoint, path: str) -> bool:
    """Delete the object at ``path`` if there is one; whether one was there.

    Used after a failed write (a failed write leaves no object). Raises
    when the object exists and cannot be deleted.
    """
    from omefs.errors import NotFoundError
    from omefs.providers.error_mapping import classify

    located = ep.store(path)
    if located is not None:
        import obstore

        store, key = located
        try:
            await obstore.head_async(store, key)
        except Exception as exc:  # noqa: BLE001 - only "not there" is an answer
            if classify(exc) is not NotFoundError and not isinstance(exc, FileNotFoundError):
                raise
            return False
        await obstore.delete_async(store, key)
        return True

    def remove() -> bool:
        invalidate = getattr(ep.fs, "invalidate_cache", None)
        if callable(invalidate):
            invalidate(path)
        if not ep.fs.exists(path):
            return False
        ep.fs.rm_file(path)
        if callable(invalidate):
            invalidate(path)
        return True

    return await rt.run(remove)  # type: ignore[no-any-return]
