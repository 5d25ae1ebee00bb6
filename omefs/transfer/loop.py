"""The transfer engine's event loop, which lets no obstore thread outlive it inside Python.

Why an interpreter could abort at exit after a successful copy (SIGABRT,
about 1 run in 300 of ``bench/exit_loop.py`` on a loaded 2-core machine
with obstore 0.12.1 on CPython 3.11; a core dump shows it):

1. an obstore call (``put_async`` …) finishes on one of obstore's tokio
   threads, which takes the GIL and hands the result to asyncio with
   ``loop.call_soon_threadsafe`` (pyo3-async-runtimes' ``set_result``);
2. ``call_soon_threadsafe`` queues the callback *first*, then wakes the
   loop by writing a byte to its self-pipe — and ``socket.send`` releases
   the GIL;
3. the loop's thread, not waiting for that byte, runs the callback at
   once: the copy completes, ``omefs.copy`` returns, the program ends and
   Python starts finalizing — while the tokio thread is still inside
   ``send``, or waiting for the GIL after it;
4. the tokio thread asks for the GIL back; a finalizing CPython 3.11 ends
   any such thread with ``pthread_exit``, whose forced unwinding through
   Rust frames aborts the process.

So the abort comes from thread shutdown order (not from the mmap pin, and
not from a future left unawaited). :class:`TrackingEventLoop` closes the
window: it counts the threads inside its ``call_soon_threadsafe`` (the
count drops only after the wake-up write returned and the GIL was taken
back), and :func:`run_fresh` waits for that count to reach zero after the
loop closed, before returning to the caller. After that no obstore thread
holds or wants the GIL for this loop, so finalization cannot meet one —
whether the program was the CLI or any user of the API.

Ctrl-C: while :func:`run_fresh` runs in the main thread with Python's
default SIGINT handler, a first SIGINT cancels the running copy (as
:class:`asyncio.Runner` does) instead of raising wherever the main thread
happens to be; the engine then finishes the requests in flight, removes
what they wrote (:mod:`omefs.transfer.cancel`) and :func:`run_fresh`
raises :class:`KeyboardInterrupt`. A second SIGINT raises at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

__all__ = ["TrackingEventLoop", "run_fresh", "FOREIGN_CALL_WAIT"]

T = TypeVar("T")

#: The longest wait, in seconds, for other threads to leave ``call_soon_threadsafe``.
FOREIGN_CALL_WAIT = 10.0


class TrackingEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop that knows how many threads are inside ``call_soon_threadsafe``."""

    def __init__(self) -> None:
        super().__init__()
        self._foreign_calls = 0
        self._foreign_lock = threading.Lock()

    def call_soon_threadsafe(  # type: ignore[override]
            self, callback: Callable[..., Any], *args: Any,
            context: contextvars.Context | None = None) -> asyncio.Handle:
        with self._foreign_lock:
            self._foreign_calls += 1
        try:
            return super().call_soon_threadsafe(callback, *args, context=context)
        finally:
            with self._foreign_lock:
                self._foreign_calls -= 1

    def foreign_calls(self) -> int:
        """How many threads are inside ``call_soon_threadsafe`` now."""
        with self._foreign_lock:
            return self._foreign_calls

    def wait_for_foreign_calls(self, timeout: float = FOREIGN_CALL_WAIT) -> bool:
        """Wait until no thread is inside ``call_soon_threadsafe``; whether that happened."""
        deadline = time.monotonic() + timeout
        while self.foreign_calls():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True


def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


class _Interrupts:
    """How many SIGINTs arrived while :func:`_sigint_cancels` was in force."""

    count = 0


@contextlib.contextmanager
def _sigint_cancels(task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> Iterator[_Interrupts]:
    """While in force, a first SIGINT cancels ``task``; a second raises KeyboardInterrupt.

    Only in the main thread, and only over Python's own default handler
    (a program that installed its own keeps it).
    """
    seen = _Interrupts()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield seen
        return

    def on_sigint(signum: int, frame: object) -> None:
        seen.count += 1
        if seen.count == 1 and not task.done():
            task.cancel()
            loop.call_soon_threadsafe(lambda: None)  # wake the loop up
            return
        raise KeyboardInterrupt()

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield seen
    finally:
        if signal.getsignal(signal.SIGINT) is on_sigint:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def run_fresh(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``factory()`` on a new :class:`TrackingEventLoop`, as :func:`asyncio.run` does
    (remaining tasks cancelled, async generators and the default executor shut down, the
    loop closed), then wait until no other thread is still handing it a result.

    A SIGINT cancels the work and raises :class:`KeyboardInterrupt` once it has wound
    down (see the module docstring)."""
    loop = TrackingEventLoop()
    try:
        asyncio.set_event_loop(loop)
        task = loop.create_task(factory())
        with _sigint_cancels(task, loop) as interrupts:
            try:
                return loop.run_until_complete(task)
            except asyncio.CancelledError:
                if interrupts.count and task.uncancel() == 0:
                    raise KeyboardInterrupt() from None
                raise
    finally:
        try:
            _cancel_remaining(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            loop.wait_for_foreign_calls()
