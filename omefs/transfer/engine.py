"""The copy engine: runs a plan's tasks with bounded concurrency, memory and bandwidth.

For each object the engine picks the cheapest correct way:

1. **server-side** when both ends are one provider and account
   (:mod:`omefs.transfer.serverside`) — nothing crosses the client;
2. **single** for objects up to the upload cutoff (``upload_cutoff``, else
   the destination's :attr:`Capabilities.upload_cutoff`, else ``part_size``;
   never above the memory budget ``part_size × max_concurrency``): one GET,
   verify, one PUT (so a corrupt or short body is caught *before* anything
   is written);
3. **multipart** above that: chunks stream from a streamed GET or a window
   of ranged GETs straight into the destination's multipart API; the
   chunk iterator checks size and digests at its end and raises before
   the upload completes, so a bad object is aborted, never committed.

Concurrency is a weighted semaphore (:mod:`omefs.transfer.slots`) of
``max_concurrency`` slots: a small
object holds one slot (one buffer of at most ``part_size``), a large one
holds a slot per part it keeps in flight. Memory therefore stays near
``part_size × max_concurrency`` whatever the object sizes, and a large
object gets its parts' parallelism without starving (the semaphore is
FIFO).

Where stores differ the engine asks the provider
(:class:`~omefs.providers.base.Capabilities` and ``provider.transfer()``
hooks); it names none. Every object is verified
(:mod:`omefs.transfer.checks`, :mod:`omefs.transfer.verify`): the bytes read
against the source's size and digest, then the destination's size or
digest against the bytes sent. A mismatch, a truncated body or a
transient error is retried (:mod:`omefs.transfer.retry`); after the last
attempt the object is reported as failed.

One rule holds for every failure, whichever layer noticed it (a
transport error, the upload's own digest check, the post-write check, a
size mismatch, cancellation): **a failed write leaves no object**. Once an attempt has
started writing the destination and the object finally fails, whatever
is at the destination path is removed before the failure is reported,
and the item's error says so (:meth:`Engine._cleanup_failed`). A
multipart write that failed because its *source* failed is aborted
before it commits, so it changed nothing and nothing is removed.

A cancelled transfer (Ctrl-C, the progress callback raising) keeps the
rule too: the request in flight finishes, a stream stops between parts
and is aborted (:mod:`omefs.transfer.cancel`), then whatever the object's
write may have committed is removed; every object not done is reported
``cancelled`` (:attr:`Engine.partial`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Iterable
from typing import Any

from omefs.errors import (
    ArchivedObjectError,
    ChecksumMismatchError,
    EncryptionKeyError,
    NotFoundError,
)
from omefs.flags import env_flag
from omefs.providers.error_mapping import archived_error, classify, translate
from omefs.redact import redact_text
from omefs.transfer.cancel import StreamCancelled
from omefs.transfer.checks import Checks
from omefs.transfer.endpoints import Endpoint
from omefs.transfer.memory import pin_mmap_threshold
from omefs.transfer.options import TransferOptions
from omefs.transfer.plan import Task
from omefs.transfer.progress import Progress, Throttle
from omefs.transfer.report import TransferItem
from omefs.transfer.retry import is_retryable, sleep_before_retry
from omefs.transfer.serverside import same_account, server_side_copy
from omefs.transfer.slots import WeightedSemaphore
from omefs.transfer.storage_class import ClassChoice
from omefs.transfer.streams import (
    Runtime,
    Sent,
    iter_chunks,
    read_whole,
    remove_object,
    write_stream,
    write_whole,
)
from omefs.transfer.verify import IntegrityError

__all__ = ["Engine"]

log = logging.getLogger("omefs.transfer")

PARTS_IN_FLIGHT = 4
#: Item statuses that leave the destination as it was (its cached listings stay true).
_UNCHANGED = frozenset({"skipped", "dry-run"})


def _forget_listings(fs: Any, path: str) -> None:
    """Drop the cached listings that ``path`` is in (or, for a folder, its own and its
    parents'), after writing into it another way.

    The engine may write through obstore or a hook, not through ``fs``; and
    fsspec keeps one cached instance per thread, so the caller's filesystem
    is often another instance of the same class (or, behind an obstore
    front, of the front's full filesystem class). Every cached instance of
    that class forgets the listings (a needless drop costs one listing; a
    stale one hides the copy from the caller's ``ls``/``find``).
    """
    # A provider's obstore front caches no listing: its full filesystem's class does.
    cls = getattr(fs, "listing_class", None) or type(fs)
    instances = [fs, *list(getattr(cls, "_cache", {}).values())]
    for instance in {id(i): i for i in instances}.values():
        invalidate = getattr(instance, "invalidate_cache", None)
        if not callable(invalidate):
            continue
        try:
            invalidate(path)
        except Exception as exc:  # noqa: BLE001 - a cache that cannot be dropped only costs staleness
            log.debug("could not drop cached listings of %s: %s", path, exc)


def _error_text(exc: BaseException) -> str:
    if classify(exc) is EncryptionKeyError and not isinstance(exc, EncryptionKeyError):
        # Read through obstore: say which option gives the key.
        exc = translate(exc, "read", None, "")
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    if isinstance(exc, IntegrityError):
        return redact_text(f"{ChecksumMismatchError.__name__}: {first}")
    name = type(exc).__name__
    return redact_text(first if first.startswith(name) else f"{name}: {first}")


class Engine:
    """Copies tasks from one endpoint to another. One engine serves one ``copy``/``sync`` call."""

    def __init__(self, src: Endpoint, dst: Endpoint, opts: TransferOptions, rt: Runtime,
                 progress: Progress) -> None:
        self.src = src
        self.dst = dst
        self.opts = opts
        self.rt = rt
        self.progress = progress
        self.throttle = Throttle(opts.bandwidth)
        self.slots = WeightedSemaphore(opts.max_concurrency)
        self.checks = Checks(src, dst, opts, rt)
        #: Objects up to this size go as one request each way (the upload cutoff).
        self.single_limit = opts.single_limit_for(dst.provider.capabilities.upload_cutoff)
        #: The class each object is written with (a ConfigError here, before any byte moves).
        self.classes = ClassChoice(src, dst, opts.storage_class)
        forced = env_flag("OMEFS_TRANSFER_SERVER_SIDE")
        self.server_side = same_account(src, dst) if forced is not False else False
        self._started = time.time()
        #: After a cancellation: one item per task (done, or ``cancelled``), in task order.
        self.partial: list[TransferItem] = []
        self._cancelled: dict[int, TransferItem] = {}

    # -- orchestration ------------------------------------------------------
    async def run(self, tasks: Iterable[Task]) -> list[TransferItem]:
        """Run every task; one item per task, in task order."""
        tasks = list(tasks)
        await self._prepare_stores(tasks)
        results: list[TransferItem | None] = [None] * len(tasks)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(tasks)):
            queue.put_nowait(index)

        #: The folders written into: their cached listings are dropped once, at the end.
        folders: set[str] = set()

        async def worker() -> None:
            while True:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                item = await self.one(tasks[index])
                if item.status not in _UNCHANGED:
                    folders.add(tasks[index].dst.rpartition("/")[0] or tasks[index].dst)
                results[index] = item
                self.progress.item(item)

        workers = min(len(tasks), self.opts.max_concurrency)
        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        except asyncio.CancelledError:
            self.partial = [r or self._cancelled.get(id(t)) or TransferItem(
                self.src.url(t.src), self.dst.url(t.dst), t.size, 0.0, 0, "cancelled",
                error="cancelled before it started") for r, t in zip(results, tasks, strict=True)]
            raise
        finally:
            for folder in folders:
                _forget_listings(self.dst.fs, folder)
        return [r for r in results if r is not None]

    async def _prepare_stores(self, tasks: list[Task]) -> None:
        """Build each bucket's obstore store in a thread (it may resolve credentials or
        look a bucket's region up), so the event loop never blocks on it."""
        seen: set[tuple[int, str]] = set()
        for task in tasks:
            for side, path in ((self.src, task.src), (self.dst, task.dst)):
                bucket = side.split(path)[0]
                if (id(side), bucket) in seen:
                    continue
                seen.add((id(side), bucket))
                await self.rt.run(side.store, path)

    async def one(self, task: Task) -> TransferItem:
        """Skip, copy (with retries) or fail one object; never raises for the object's own failure."""
        started = time.monotonic()
        src_url, dst_url = self.src.url(task.src), self.dst.url(task.dst)
        if self.opts.skip_existing and task.existing is not None:
            try:
                same = await self.checks.identical(task)
            except Exception as exc:  # noqa: BLE001 - undecidable: copy it
                log.debug("cannot compare %s with %s: %s", src_url, dst_url, exc)
                same = False
            if same:
                self.progress.advance(task.size)
                return TransferItem(src_url, dst_url, task.size, time.monotonic() - started, 0,
                                    "skipped")
        if self.opts.dry_run:
            return TransferItem(src_url, dst_url, task.size, 0.0, 0, "dry-run")

        attempts = 0
        #: Whether some attempt may have changed the destination (set by the write paths).
        wrote = [False]
        while True:
            attempts += 1
            moved = [0]
            weight = await self.slots.acquire(self._weight(task))
            try:
                method, verified = await self.attempt(task, moved, wrote)
            except asyncio.CancelledError:
                # Cancelled mid-write (an interrupted copy): the rule holds too.
                await self._cancelled_item(task, started, attempts, wrote[0])
                raise
            except Exception as exc:  # noqa: BLE001 - classified below
                self.progress.advance(-moved[0])
                retry = attempts <= self.opts.retries and is_retryable(exc)
                log.info("%s -> %s: attempt %d failed (%s)%s", src_url, dst_url, attempts,
                         _error_text(exc), "; retrying" if retry else "")
                if not retry:
                    self.slots.release(weight)
                    exc = await self._missing_bucket(task, exc)
                    note = await self._cleanup_failed(task, exc, wrote[0])
                    if classify(exc) is ArchivedObjectError:  # name the object, class, remedy
                        exc = archived_error(exc, "copy", src_url, self.src.name)
                    return TransferItem(src_url, dst_url, task.size, time.monotonic() - started,
                                        attempts, "failed", error=_error_text(exc) + note)
                self.slots.release(weight)
                await sleep_before_retry(attempts, exc)
                continue
            self.slots.release(weight)
            return TransferItem(src_url, dst_url, task.size, time.monotonic() - started, attempts,
                                "copied", method=method, verified=verified)

    async def _cancelled_item(self, task: Task, started: float, attempts: int, wrote: bool) -> None:
        """Remove what a cancelled object's write may have committed; record its item."""
        note = ""
        if wrote:
            with contextlib.suppress(BaseException):  # a second Ctrl-C stops the cleanup
                note = await asyncio.shield(self._remove_dest(task, "its copy was cancelled"))
        self._cancelled[id(task)] = TransferItem(
            self.src.url(task.src), self.dst.url(task.dst), task.size,
            time.monotonic() - started, attempts, "cancelled", error="cancelled" + note)

    async def _missing_bucket(self, task: Task, exc: Exception) -> Exception:
        """A write that found nothing because the destination bucket is missing: say so, by name
        (the store's answer is a bare 404, an XML body at best)."""
        bucket, _ = self.dst.split(task.dst)
        if not bucket or not isinstance(exc, FileNotFoundError):
            return exc
        try:
            exists = await self.rt.run(self.dst.fs.exists, bucket)
        except Exception:  # noqa: BLE001 - the original error stands
            return exc
        if exists:
            return exc
        return NotFoundError(f"the destination bucket {bucket!r} does not exist (create it first: "
                             f"omefs mkdir {self.dst.url(bucket)})", operation="copy",
                             uri=self.dst.url(task.dst), provider=self.dst.name)

    def _weight(self, task: Task) -> int:
        """Slots an object holds: a slot per ``part_size`` of buffer it keeps.

        A single-request object is held whole, so one above ``part_size``
        (a ``threshold``/bulk ``size_threshold`` larger than the part size)
        takes a slot per part it spans; a streamed one, one per part in flight.
        """
        if self.server_side:
            return 1
        if task.size <= self.single_limit:
            return max(1, min(self.opts.max_concurrency, math.ceil(task.size / self.opts.part_size)))
        uploads, window = self._parallelism(task)
        return min(self.opts.max_concurrency, uploads + window + 1)

    def _parallelism(self, task: Task) -> tuple[int, int]:
        """(parts uploading at once, ranged reads in flight) for one large object.

        At most ``PARTS_IN_FLIGHT`` parts upload at once per object (as
        rclone's S3 default): on the emulators more only queue behind the
        server's one core (Azurite: 4 in flight 193 MB/s, 16 in flight 123
        MB/s for a 512 MiB object), and over a WAN 4 × part_size in flight
        already covers a 100 ms round trip at a few hundred MB/s. The rest
        of ``max_concurrency`` serves other objects.
        """
        parts = max(1, math.ceil(task.size / self.opts.part_size))
        slots = self.opts.max_concurrency
        uploads = max(1, min(PARTS_IN_FLIGHT, parts, slots - 2))
        window = 1
        if self._ranged_reads(task):
            window = max(1, min(PARTS_IN_FLIGHT, parts, slots - uploads - 1))
        return uploads, window

    async def attempt(self, task: Task, moved: list[int],
                      wrote: list[bool] | None = None) -> tuple[str, str]:
        """One attempt at one object: returns (method, what was verified).

        ``wrote[0]`` becomes True once the destination may have been changed
        (a write started that could have committed).
        """
        wrote = [False] if wrote is None else wrote
        if self.server_side and not self.src.names_version(task.src):
            try:
                wrote[0] = True
                method = await server_side_copy(self.rt, self.src, task.src, self.dst, task.dst,
                                                task.size, self.opts.part_size)
            except Exception as exc:
                if is_retryable(exc) or classify(exc) is NotFoundError:
                    raise
                # Refused (a credential that may not read the source, a copy the
                # service does not support): stream this and every later object.
                log.info("server-side copy refused (%s); streaming through the client instead",
                         _error_text(exc))
                self.server_side = False
            else:
                self.progress.advance(task.size)
                moved[0] += task.size
                native = self.classes.for_task(task)
                if native is not None:
                    await self.rt.run(self.classes.set_after_copy, task.dst, native)
                dest = await self.checks.verify_dest(task, task.fingerprint, None)
                return method, f"destination {dest}"
        if task.size <= self.single_limit:
            return await self._copy_single(task, moved, wrote)
        return await self._copy_multipart(task, moved, wrote)

    # -- the two streaming paths -------------------------------------------
    async def _copy_single(self, task: Task, moved: list[int],
                           wrote: list[bool]) -> tuple[str, str]:
        src_part = await self.checks.source_part_size(task.src, task.fingerprint)
        hasher = self.checks.hasher(task, src_part, None, multipart=False)
        data = await read_whole(self.rt, self.src, task.src)
        n = len(data)
        await self.throttle.consume(n)
        await self.checks.hash(hasher, data)
        self.progress.advance(n)
        moved[0] += n
        got = hasher.fingerprint(src_part)
        source = self.checks.check_source(task, got, src_part)
        wrote[0] = True
        native = self.classes.for_task(task)
        result = await write_whole(self.rt, self.dst, task.dst, data, sent=self._sent(lambda: got),
                                   storage_class=native,
                                   attributes=self.classes.obstore_attributes(native))
        del data
        dest = await self.checks.verify_dest(task, got.with_(multipart_etag=None, part_size=None), result)
        return result.method, f"source {source}, destination {dest}"

    async def _copy_multipart(self, task: Task, moved: list[int],
                              wrote: list[bool]) -> tuple[str, str]:
        pin_mmap_threshold()
        src_part = await self.checks.source_part_size(task.src, task.fingerprint)
        part = self.checks.dest_part_size(task, src_part)
        hasher = self.checks.hasher(task, src_part, part, multipart=True)
        concurrency, window = self._parallelism(task)
        # A writer handed each part's MD5 gets every piece hashed before it has it.
        hand_over = self.checks.hands_part_md5s() and self.classes.for_task(task) is None
        reader = iter_chunks(self.rt, self.src, task.src, task.size, part, window)
        counted = [0]
        source = ["size"]
        source_failed = [False]

        async def feed() -> Any:
            # Digests are computed in order, one piece at a time, in a thread,
            # while the piece before is uploading and the next is read: the
            # hash of piece k must finish before piece k+1 is handed over, and
            # every hash before the stream ends, so the check below still
            # comes before the upload can complete. A writer handed the parts'
            # MD5s (hand_over) gets piece k once its hash is done, so the MD5
            # of every part it completes is there when it sends that part.
            hashing: asyncio.Future[None] | None = None
            try:
                # An error raised here aborts the upload before it commits.
                source_failed[0] = True
                async for piece in reader:
                    n = len(piece)
                    counted[0] += n
                    if counted[0] > task.size:
                        raise IntegrityError(f"source body is longer than {task.size} bytes")
                    await self.throttle.consume(n)
                    if hashing is not None:
                        await hashing
                    hashing = asyncio.ensure_future(self.checks.hash(hasher, piece))
                    if hand_over:
                        await hashing
                        hashing = None
                    self.progress.advance(n)
                    moved[0] += n
                    source_failed[0] = False
                    yield piece
                    source_failed[0] = True
                if hashing is not None:
                    await hashing
                    hashing = None
            finally:
                if hashing is not None:  # the upload stopped early: never leave the thread's work behind
                    await asyncio.gather(hashing, return_exceptions=True)
            # The end of the stream: check it all *before* the upload may complete.
            source[0] = self.checks.check_source(task, hasher.fingerprint(src_part), src_part)
            source_failed[0] = False

        if self.opts.skip_existing and self.dst.hooks.leaves_uploads():
            # What an interrupted run left: invisible but billed.
            await self.rt.run(self.dst.hooks.abort_uploads, self.dst, task.dst, None, self._started)
        chunks = feed()
        try:
            native = self.classes.for_task(task)
            result = await write_stream(self.rt, self.dst, task.dst, chunks, part_size=part,
                                        concurrency=concurrency,
                                        sent=self._sent(lambda: hasher.fingerprint(None)),
                                        part_md5=(lambda i, n: hasher.part_md5(part, i, n))
                                        if hand_over else None,
                                        storage_class=native,
                                        attributes=self.classes.obstore_attributes(native))
        except StreamCancelled as exc:  # the writer said whether it committed
            wrote[0] = wrote[0] or exc.committed
            raise
        except BaseException:
            # The source's own failure aborted the upload; any other may have committed.
            wrote[0] = wrote[0] or not source_failed[0]
            raise
        finally:
            await chunks.aclose()
            await reader.aclose()
        wrote[0] = True
        sent = hasher.fingerprint(part)
        dest = await self.checks.verify_dest(task, sent, result)
        return result.method, f"source {source[0]}, destination {dest}"

    def _sent(self, fingerprint: Sent) -> Sent | None:
        """What a writer is told of its bytes: nothing in a size-only copy, so none hashes them."""
        return fingerprint if self.opts.checksum else None

    def _ranged_reads(self, task: Task) -> bool:
        forced = env_flag("OMEFS_TRANSFER_RANGED_READS")
        if forced is not None:
            return forced
        if self.opts.ranged is not None:
            return self.opts.ranged and not self.src.provider.capabilities.local
        if self.src.provider.capabilities.local:
            return False
        # On this machine (an emulator) one streamed GET is cheaper: moto, for one,
        # slices the whole object for every Range request.
        return not self.src.is_local_server and task.size >= 4 * self.opts.part_size

    # -- cleanup ----------------------------------------------------------------
    async def _cleanup_failed(self, task: Task, exc: BaseException, wrote: bool) -> str:
        """After the last failed attempt: leave no object, and no leftover multipart upload.

        ``wrote`` says whether some attempt may have changed the destination;
        a destination that failed its post-write check counts too. Returns
        the note for the report: what was removed, or why it could not be.
        """
        note = ""
        if wrote or task.dst in self.checks.bad_dest:
            note = await self._remove_dest(task)
        if self.dst.hooks.leaves_uploads() and task.size > self.single_limit:
            # obstore aborts its own uploads when a stream fails, but a failure
            # while completing can leave one behind.
            await self.rt.run(self.dst.hooks.abort_uploads, self.dst, task.dst,
                              self._started - 300, None)
        return note

    async def _remove_dest(self, task: Task, why: str = "its write failed") -> str:
        """Delete whatever is at the destination path; the report's note."""
        url = self.dst.url(task.dst)
        try:
            removed = await remove_object(self.rt, self.dst, task.dst)
        except Exception as err:  # noqa: BLE001 - reported, never raised
            log.error("could not remove %s (%s): %s", url, why, _error_text(err))
            return f" (the destination could not be removed: {_error_text(err)})"
        if not removed:
            return ""
        log.warning("removed %s: %s", url, why)
        return " (the destination object was removed)"
