"""Progress reporting and bandwidth limiting, shared by every object of a transfer.

:class:`Progress` feeds an fsspec :class:`~fsspec.callbacks.Callback` (and,
with ``progress=True``, a tqdm bar): ``set_size`` with the total bytes,
``relative_update`` as bytes move (taken back when an attempt fails, so
the bar never counts a byte twice), and the hook ``"item"`` with the
finished :class:`~omefs.transfer.report.TransferItem` for callers that want
per-object events: ``Callback(hooks={"item": fn})`` with
``fn(size, value, item=None)`` — fsspec also calls every hook on each byte
update, then without ``item``.

A callback that raises on a byte update (or on ``set_size``) stops the
whole transfer: :meth:`Progress.stop_with` names what stops it (the
engine cancels its main task), the exception is kept in
``Progress.stopped_by`` and the caller gets a
:class:`~omefs.errors.TransferCancelledError` caused by it. An ``"item"``
hook that raises is ignored (an event, not a control).

:class:`Throttle` is a token bucket over all transfers: reads wait until
the configured bytes per second allow them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # fsspec is imported only where a callback or a bar is asked for
    from fsspec.callbacks import Callback

__all__ = ["Progress", "Throttle", "make_callback"]

T = TypeVar("T")


def make_callback(callback: Callback | None, progress: bool, desc: str = "copy") -> Callback | None:
    """The callback to drive: the caller's, a tqdm bar, or None (nothing to report to)."""
    if callback is not None:
        return callback
    if progress:
        from fsspec.callbacks import TqdmCallback

        return TqdmCallback(tqdm_kwargs={"desc": desc, "unit": "B", "unit_scale": True,
                                         "unit_divisor": 1024, "dynamic_ncols": True})
    return None


class Progress:
    """Thread-safe wrapper around an fsspec callback (workers report from threads too);
    without one, only the count of bytes done is kept."""

    def __init__(self, callback: Callback | None = None,
                 on_item: Callable[[Any], None] | None = None) -> None:
        self.callback = callback
        self.on_item = on_item
        self._lock = threading.Lock()
        self.done = 0
        #: The exception the callback raised, which stopped the transfer.
        self.stopped_by: Exception | None = None
        self._stop: Callable[[], object] | None = None

    def stop_with(self, stop: Callable[[], object]) -> None:
        """Call ``stop()`` (once, from any thread) when the callback raises."""
        self._stop = stop

    def _call(self, method: Callable[[T], object], value: T) -> None:
        if self.stopped_by is not None:
            return  # stopping already: the callback is not asked again
        try:
            method(value)
        except Exception as exc:
            if self._stop is None:
                raise
            self.stopped_by = exc
            self._stop()

    def set_size(self, size: int) -> None:
        if self.callback is None:
            return
        with self._lock:
            self._call(self.callback.set_size, size)

    def advance(self, n: int) -> None:
        if not n:
            return
        with self._lock:
            self.done += n
            if self.callback is not None:
                self._call(self.callback.relative_update, n)

    def item(self, item: Any) -> None:
        if self.callback is None and self.on_item is None:
            return
        with self._lock:
            try:
                if self.callback is not None:
                    self.callback.call("item", item=item)
                if self.on_item is not None:
                    self.on_item(item)
            except Exception:  # noqa: BLE001 - a user hook must not break a transfer
                pass

    def close(self) -> None:
        close = getattr(self.callback, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001
                pass


class Throttle:
    """A token bucket: ``await consume(n)`` returns when ``n`` bytes fit in ``rate`` bytes/s.

    The bucket holds up to one second of tokens (a burst); a request larger
    than the bucket goes into debt and the next caller waits it out, so the
    long-run rate holds whatever the chunk size. ``rate=None`` never waits.
    """

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._tokens = float(rate or 0)
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock() if rate else None

    async def consume(self, n: int) -> None:
        if not self.rate or n <= 0 or self._lock is None:
            return
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= n
            if self._tokens < 0:
                wait = -self._tokens / self.rate
                await asyncio.sleep(wait)
                self._stamp = time.monotonic()
                self._tokens = 0.0
