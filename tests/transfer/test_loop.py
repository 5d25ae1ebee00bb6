"""The engine's loop returns only when no other thread is still handing it a result.

The race behind the exit aborts (:mod:`omefs.transfer.loop`): a thread
queues a result with ``call_soon_threadsafe`` and is still inside it,
without the GIL, when the loop has already used the result and the
program moves on to finalize. Here the thread's wake-up write is made
slow on purpose; ``run_fresh`` must not return before it is done.
"""

from __future__ import annotations

import asyncio
import threading
import time

from omefs.transfer.loop import TrackingEventLoop, run_fresh


def test_run_fresh_waits_for_a_thread_still_inside_call_soon_threadsafe():
    left = threading.Event()

    async def main() -> int:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, TrackingEventLoop)
        future: asyncio.Future[int] = loop.create_future()
        write = loop._write_to_self

        def slow_write() -> None:
            write()
            if threading.current_thread() is not threading.main_thread():
                time.sleep(0.3)  # still inside call_soon_threadsafe, the GIL released

        loop._write_to_self = slow_write  # type: ignore[method-assign]

        def worker() -> None:
            loop.call_soon_threadsafe(future.set_result, 7)
            left.set()

        threading.Thread(target=worker, daemon=True).start()
        while not future.done():  # a busy loop: it runs the callback before the write returns
            await asyncio.sleep(0.005)
        return future.result()

    started = time.monotonic()
    assert run_fresh(main) == 7
    assert left.is_set(), "returned while a thread was still handing the loop its result"
    assert time.monotonic() - started >= 0.25


def test_run_fresh_behaves_like_asyncio_run():
    async def leftover() -> None:
        await asyncio.sleep(60)

    async def main() -> str:
        asyncio.ensure_future(leftover())  # cancelled when the loop ends, as asyncio.run does
        return "done"

    assert run_fresh(main) == "done"


def test_sigint_cancels_the_work_and_raises_keyboard_interrupt_after_its_cleanup():
    """A first SIGINT cancels the running work (its cleanup runs, as a copy's removal of what
    it wrote does); then ``run_fresh`` raises KeyboardInterrupt; Python's handler is back."""
    import os
    import signal

    import pytest

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    steps = []

    async def main() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # a cleanup that awaits: it is not interrupted
            steps.append("cleaned up")
            raise

    try:
        with pytest.raises(KeyboardInterrupt):
            run_fresh(main)
        assert steps == ["cleaned up"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
