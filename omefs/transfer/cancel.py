"""Cancelling a copy without leaving anything behind at the destination.

A copy is cancelled by Ctrl-C (SIGINT cancels the engine's main task, see
:func:`omefs.transfer.loop.run_fresh`) or by the caller's progress
callback raising (:class:`~omefs.transfer.progress.Progress`). Cancelling
an ``await`` does not stop a request already on its way: a thread of the
pool keeps running its fsspec call, and the service may still commit a
body it has received. If the engine removed the destination object at
once, such a write could land *after* the removal, and a cancelled copy
would leave an object. So every write is awaited through
:func:`finish_in_flight`: on cancellation it lets the request in flight
finish (one request: a single PUT or one part), *then* lets the
cancellation through, and only then does the engine clean up.

A streamed (multipart) upload is stopped between parts instead:
:func:`stop_between_parts` makes its chunk iterator raise
:class:`UploadStopped`, so the writer aborts the upload the way it aborts
any failed stream (nothing committed), and the cancellation goes on once
the writer has returned. A writer whose stream had already ended asks
:func:`stream_stopped` before it commits, so a copy cancelled while its
last parts upload commits nothing either (obstore's writer cannot ask:
there the object is committed, then removed).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from omefs.errors import StreamCancelled, UploadStopped

__all__ = ["StreamCancelled", "UploadStopped", "finish_in_flight", "stop_between_parts",
           "stream_stopped"]

T = TypeVar("T")

#: The stop flag of the stream whose writer runs in this context (set by stop_between_parts).
_STOP: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("omefs_stream_stop",
                                                                         default=None)


def stream_stopped() -> bool:
    """Whether the copy whose stream this writer consumes was cancelled (ask before committing)."""
    flag = _STOP.get()
    return bool(flag and flag[0])


async def finish_in_flight(work: Awaitable[T]) -> T:
    """Await ``work``; when cancelled meanwhile, wait for it to end first, then re-raise.

    The result (or error) of ``work`` after a cancellation is dropped: the
    engine treats the object as cancelled and removes what it wrote.
    """
    future = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await _settle(future)
        raise


async def _settle(future: asyncio.Future[Any]) -> None:
    """Wait until ``future`` is done (a second cancellation stops the wait); consume its error."""
    try:
        await asyncio.wait({future})
    except asyncio.CancelledError:
        future.add_done_callback(_consume)
        raise
    _consume(future)


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: no "exception was never retrieved" at exit


async def stop_between_parts(
    write: Callable[[AsyncIterator[Any]], Awaitable[T]], chunks: AsyncIterator[Any]
) -> T:
    """Run ``write(guarded chunks)``; a cancellation stops the stream at its next chunk.

    The writer sees :class:`UploadStopped` from the iterator and aborts its
    upload as for any failed stream; the cancellation is re-raised once
    the writer has returned, so no part is left uploading, as a
    :class:`StreamCancelled` that says whether the writer committed.
    """
    stopping = [False]

    async def guarded() -> AsyncIterator[Any]:
        async for piece in chunks:
            if stopping[0]:
                raise UploadStopped("the copy was cancelled")
            yield piece
        if stopping[0]:
            raise UploadStopped("the copy was cancelled")

    token = _STOP.set(stopping)  # the writer's task copies this context
    try:
        future = asyncio.ensure_future(write(guarded()))
    finally:
        _STOP.reset(token)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        stopping[0] = True
        await _settle(future)
        aborted = not future.cancelled() and isinstance(future.exception(), UploadStopped)
        raise StreamCancelled(committed=not aborted) from None
