"""A gcsfs file's background read-ahead, stopped when the file is dropped without ``close()``.

gcsfs reads through fsspec's ``BackgroundPrefetcher``: a task on the
filesystem's event loop waits for the reader and fetches ahead. A reader
that drops the file without closing it (pyarrow does, for every file that
pandas' ``read_parquet`` opens through fsspec) leaves the file to the
garbage collector: an fsspec file is always in a reference cycle (its
cache calls back into it), and gcsfs's task sits in the same garbage, so
the collector destroys the still-waiting task, ``Task was destroyed but it
is pending!`` goes to stderr, and the task's teardown never runs.

:func:`detach_prefetcher` keeps the read-ahead out of the file's garbage
and stops it when the file is collected:

* the task fetches through a *weak* reference to the file (gcsfs gives it
  the file's bound ``_async_fetch_range``), so the read-ahead no longer
  keeps the file alive;
* a ``weakref.finalize`` on the file holds the prefetcher and closes it
  (on its loop, without waiting) once the file is collected unclosed. A
  file closed as usual has stopped it already; the finalizer does nothing;
* at interpreter exit, before the loop's thread is stopped, the
  prefetchers still running are closed and waited for (a file dropped
  just before exit is collected only during shutdown, when gcsfs no
  longer closes anything).
"""

from __future__ import annotations

import atexit
import time
import weakref
from typing import Any

__all__ = ["detach_prefetcher"]

#: The prefetchers of files opened here that may still be running.
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()
#: How long exit waits for them all to stop, in seconds.
_EXIT_WAIT = 5.0


def detach_prefetcher(file: Any) -> None:
    """Tie ``file``'s read-ahead task (if it has one) to the file's lifetime, not its garbage."""
    prefetcher = getattr(getattr(file, "cache", None), "_prefetcher", None)
    producer: Any = getattr(prefetcher, "producer", None)
    fetcher: Any = getattr(producer, "fetcher", None)
    if fetcher is None or getattr(fetcher, "__self__", None) is not file:
        return
    method = weakref.WeakMethod(fetcher)

    async def fetch(*args: Any, **kwargs: Any) -> Any:
        bound = method()
        if bound is None:  # the file is gone: nothing is waiting for these bytes
            raise RuntimeError("the file was closed")
        return await bound(*args, **kwargs)

    producer.fetcher = fetch
    weakref.finalize(file, _stop, prefetcher).atexit = False
    _LIVE.add(prefetcher)


def _stop(prefetcher: Any) -> None:
    """Close a dropped file's prefetcher on its loop (fire and forget: this runs inside GC)."""
    if not prefetcher.is_stopped:
        prefetcher.close(timeout=0)


@atexit.register
def _stop_all_at_exit() -> None:
    """Stop the prefetchers still running and wait for them (at most :data:`_EXIT_WAIT`
    seconds in all), while the loop still runs."""
    deadline = time.monotonic() + _EXIT_WAIT
    for prefetcher in list(_LIVE):
        if not prefetcher.is_stopped:
            prefetcher.close(timeout=max(0.0, deadline - time.monotonic()))  # 0: no wait
