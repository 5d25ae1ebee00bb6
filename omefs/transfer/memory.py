"""Keeping a streaming copy's memory flat: part buffers go back to the system when freed.

A multipart copy allocates and frees one ``part_size`` buffer after another
(16 MiB by default), in Python and in obstore's Rust threads. glibc's
malloc serves such large blocks with ``mmap`` — but after the first one is
freed it raises its *dynamic* mmap threshold to that size, and from then on
serves them from its heaps and per-thread arenas, which keep freed memory
instead of returning it. Peak RSS then depends on how the frees happen to
interleave: the same 512 MiB copy peaked anywhere from 265 to 326 MiB, and
a 2 GiB copy 0.9–1.17× that.

Pinning the threshold (``mallopt(M_MMAP_THRESHOLD, 4 MiB)``, which also
turns the dynamic adjustment off) keeps every block of 4 MiB and more on
``mmap``, returned to the system on ``free``: the same copies then peaked
at 249–276 MiB, the 2 GiB copy at 0.9–1.03× the 512 MiB one
(``python bench/crosscopy.py --rss-check``). Smaller allocations — almost
everything else a program does — are untouched.

Pinning the mmap threshold also freezes glibc's *trim* threshold at its
128 KiB default: the smaller buffers a stream passes through (obstore's
1 MiB pieces, the sockets' reads) are then given back to the system as
soon as the top of a heap is free, and faulted in, zeroed, again by the
next piece — a 512 MiB copy took 75–100 thousand page faults, against
about 25 thousand with the trim threshold at 8 MiB, which cut its system
CPU by 0.1–0.2 s. So the trim threshold is set with it, to twice the mmap
threshold: at most that much free memory stays at the top of each heap
(unless the environment sets ``MALLOC_TRIM_THRESHOLD_``, which then stands).

This is process-wide, so it is done once, only when omefs first streams a
large object, only on glibc, and never when the environment already
chooses (``MALLOC_MMAP_THRESHOLD_``) or opts out (``OMEFS_PIN_MMAP_THRESHOLD=0``).
"""

from __future__ import annotations

import logging
import os
import threading

from omefs.flags import env_flag

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "pin_mmap_threshold"]

log = logging.getLogger("omefs.transfer")

MMAP_THRESHOLD = 4 * 1024 * 1024
#: Free memory kept at the top of a heap before it goes back to the system.
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
_M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
_lock = threading.Lock()
_done: bool | None = None


def _allowed() -> bool:
    return "MALLOC_MMAP_THRESHOLD_" not in os.environ and env_flag("OMEFS_PIN_MMAP_THRESHOLD") is not False


def pin_mmap_threshold() -> bool:
    """Pin glibc's mmap threshold once per process; whether it is pinned (by this call or before)."""
    global _done
    with _lock:
        if _done is not None:
            return _done
        _done = False
        if not _allowed():
            return False
        # Imported here: ctypes.util alone (tempfile, random…) cost every command 4 ms.
        import ctypes

        try:
            libc = ctypes.CDLL(None)  # the process's own symbols, the C library's among them
            libc.gnu_get_libc_version  # noqa: B018 - glibc only; musl and others raise here
            mallopt = libc.mallopt
        except (OSError, AttributeError):
            return False
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
        _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
        if _done and "MALLOC_TRIM_THRESHOLD_" not in os.environ:
            mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        log.debug("glibc mmap threshold pinned at %d bytes: %s", MMAP_THRESHOLD, _done)
        return _done
