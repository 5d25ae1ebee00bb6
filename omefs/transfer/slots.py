"""The engine's weighted FIFO semaphore: an object holds a slot per buffer it keeps.

A small object holds one slot (one buffer of at most ``part_size``), a
large one a slot per part it keeps in flight, so memory stays near
``part_size × max_concurrency`` whatever the object sizes; waiters are
served in arrival order, so a large object never starves behind small ones.
"""

from __future__ import annotations

import asyncio
import collections

__all__ = ["WeightedSemaphore"]


class WeightedSemaphore:
    """A FIFO semaphore whose holders take ``n`` of ``capacity`` slots at once."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.free = capacity
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    async def acquire(self, n: int) -> int:
        """Take ``n`` slots (clamped to ``1..capacity``) once they are free; returns how many."""
        n = max(1, min(n, self.capacity))
        if not self._waiters and self.free >= n:
            self.free -= n
            return n
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((n, fut))
        try:
            await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self.release(n)
            else:
                self._waiters.remove((n, fut))
                self._wake()
            raise
        return n

    def release(self, n: int) -> None:
        """Give ``n`` slots back and wake the waiters they suffice for, in order."""
        self.free += n
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._waiters[0][0] <= self.free:
            n, fut = self._waiters.popleft()
            if fut.done():
                continue
            self.free -= n
            fut.set_result(None)
