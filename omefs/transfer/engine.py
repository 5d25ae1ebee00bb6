"""The copy engine: runs a plan's tasks with bounded concurrency, memory and bandwidth.

For each object the engine picks the cheapest correct way:

1. **server-side** when both ends are one provider and account
   (:mod:`omefs.transfer.serverside`) — nothing crosses the client;
2. **single** for objects up to ``part_size``: one GET, verify, one PUT
   (so a corrupt or short body is caught *before* anything is written);
3. **multipart** above that: chunks stream from a streamed GET or a window
   of ranged GETs straight into the destination's multipart API; the
   chunk iterator checks size and digests at its end and raises before
   the upload completes, so a bad object is aborted, never committed.

Concurrency is a weighted semaphore of ``max_concurrency`` slots: a small
object holds one slot (one buffer of at most ``part_size``), a large one
holds a slot per part it keeps in flight. Memory therefore stays near
``part_size × max_concurrency`` whatever the object sizes, and a large
object gets its parts' parallelism without starving (the semaphore is
FIFO).

Every object is verified (:mod:`omefs.transfer.verify`): the bytes read
against the source's size and digest, then the destination's size or
digest against the bytes sent. A mismatch, a truncated body or a
transient error is retried (:mod:`omefs.transfer.retry`); after the last
attempt the object is reported as failed — and if a bad copy was already
written (a destination that only reveals its digest after the write), it
is deleted.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import math
import os
import time
from collections.abc import Iterable
from typing import Any

from omefs.errors import ChecksumMismatchError, NotFoundError
from omefs.providers.error_mapping import classify
from omefs.redact import redact_text
from omefs.transfer.endpoints import Endpoint
from omefs.transfer.memory import pin_mmap_threshold
from omefs.transfer.options import MiB, TransferOptions, env_flag
from omefs.transfer.plan import Task
from omefs.transfer.progress import Progress, Throttle
from omefs.transfer.report import TransferItem
from omefs.transfer.retry import is_retryable, sleep_before_retry
from omefs.transfer.serverside import same_account, server_side_copy
from omefs.transfer.streams import (
    Runtime,
    WriteResult,
    iter_chunks,
    read_whole,
    write_stream,
    write_whole,
)
from omefs.transfer.verify import (
    Fingerprint,
    IntegrityError,
    StreamHasher,
    compare,
    fingerprint_from_info,
)

__all__ = ["Engine", "WeightedSemaphore"]

log = logging.getLogger("omefs.transfer")

S3_MIN_PART = 5 * MiB
S3_MAX_PART = 5 * 1024 * MiB
MAX_PARTS = {"s3": 10_000, "gcs": 10_000, "oci": 10_000, "azure": 50_000}
GCS_BLOCK = 256 * 1024
HASH_IN_THREAD = 1 * MiB
MTIME_SLACK = 2.0
PARTS_IN_FLIGHT = 4


class WeightedSemaphore:
    """A FIFO semaphore whose holders take ``n`` of ``capacity`` slots at once."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.free = capacity
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    async def acquire(self, n: int) -> int:
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
        self.free += n
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._waiters[0][0] <= self.free:
            n, fut = self._waiters.popleft()
            if fut.done():
                continue
            self.free -= n
            fut.set_result(None)


def _error_text(exc: BaseException) -> str:
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
        forced = env_flag("OMEFS_TRANSFER_SERVER_SIDE")
        self.server_side = same_account(src, dst) if forced is not False else False
        self._part_sizes: dict[str, int | None] = {}
        self._bad_dest: set[str] = set()
        self._started = time.time()

    # -- orchestration ------------------------------------------------------
    async def run(self, tasks: Iterable[Task]) -> list[TransferItem]:
        """Run every task; one item per task, in task order."""
        tasks = list(tasks)
        await self._prepare_stores(tasks)
        results: list[TransferItem | None] = [None] * len(tasks)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(tasks)):
            queue.put_nowait(index)

        async def worker() -> None:
            while True:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                item = await self.one(tasks[index])
                results[index] = item
                self.progress.item(item)

        workers = min(len(tasks), self.opts.max_concurrency)
        await asyncio.gather(*(worker() for _ in range(workers)))
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
                same = await self.identical(task)
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
        while True:
            attempts += 1
            moved = [0]
            weight = await self.slots.acquire(self._weight(task))
            try:
                method, verified = await self.attempt(task, moved)
            except Exception as exc:  # noqa: BLE001 - classified below
                self.progress.advance(-moved[0])
                retry = attempts <= self.opts.retries and is_retryable(exc)
                log.info("%s -> %s: attempt %d failed (%s)%s", src_url, dst_url, attempts,
                         _error_text(exc), "; retrying" if retry else "")
                if not retry:
                    self.slots.release(weight)
                    await self._cleanup_failed(task, exc)
                    return TransferItem(src_url, dst_url, task.size, time.monotonic() - started,
                                        attempts, "failed", error=_error_text(exc))
                self.slots.release(weight)
                await sleep_before_retry(attempts, exc)
                continue
            self.slots.release(weight)
            return TransferItem(src_url, dst_url, task.size, time.monotonic() - started, attempts,
                                "copied", method=method, verified=verified)

    def _weight(self, task: Task) -> int:
        """Slots an object holds: a slot per ``part_size`` of buffer it keeps.

        A single-request object is held whole, so one above ``part_size``
        (a ``threshold``/bulk ``size_threshold`` larger than the part size)
        takes a slot per part it spans; a streamed one, one per part in flight.
        """
        if self.server_side:
            return 1
        if task.size <= self.opts.single_limit:
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

    async def attempt(self, task: Task, moved: list[int]) -> tuple[str, str]:
        """One attempt at one object: returns (method, what was verified)."""
        if self.server_side:
            try:
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
                dest = await self._verify_dest(task, task.fingerprint, None)
                return method, f"destination {dest}"
        if task.size <= self.opts.single_limit:
            return await self._copy_single(task, moved)
        return await self._copy_multipart(task, moved)

    # -- verification helpers ---------------------------------------------
    async def _source_part_size(self, path: str, fp: Fingerprint) -> int | None:
        """The part size of a multipart source object (S3: HEAD partNumber=1), if learnable."""
        if not fp.multipart_etag or fp.size is None:
            return None
        if fp.parts == 1:
            return fp.size
        if path in self._part_sizes:
            return self._part_sizes[path]
        size: int | None = None
        if self.src.provider == "s3":
            bucket, key = self.src.split(path)
            try:
                out = await self.rt.run(self.src.fs.call_s3, "head_object", Bucket=bucket, Key=key,
                                        PartNumber=1)
                size = int(out["ContentLength"])
            except Exception as exc:  # noqa: BLE001 - then the ETag cannot be checked
                log.debug("part size of %s unknown: %s", path, exc)
        self._part_sizes[path] = size
        return size

    def _dest_part_size(self, task: Task, src_part: int | None) -> int:
        part = self.opts.part_size
        dst = self.dst
        uses_obstore = dst.uses_obstore(task.dst)
        s3_like = dst.provider in ("s3", "oci") or (dst.provider == "gcs" and uses_obstore)
        if s3_like:
            part = max(part, S3_MIN_PART)
            if (src_part and S3_MIN_PART <= src_part <= min(S3_MAX_PART, 2 * part)
                    and math.ceil(task.size / src_part) <= MAX_PARTS["s3"]):
                part = src_part  # same layout: the destination gets the source's ETag
        limit = MAX_PARTS.get(dst.provider)
        if limit:
            part = max(part, math.ceil(task.size / limit))
        if dst.provider == "gcs" and not uses_obstore:
            part = math.ceil(part / GCS_BLOCK) * GCS_BLOCK
        return part

    def _dest_reports(self, path: str, multipart: bool) -> set[str]:
        """Which digests the destination exposes after our write."""
        dst = self.dst
        if dst.uses_obstore(path):
            if dst.provider == "s3":
                return {"etag"} if multipart else {"md5"}
            if dst.provider == "gcs":
                return {"crc32c"} if multipart else {"md5"}
            return set()
        if dst.provider == "s3":
            return {"etag"} if multipart else {"md5"}
        if dst.provider == "gcs":
            return {"md5", "crc32c"}
        if dst.provider == "oci":
            return {"etag"} if multipart else {"md5"}
        if dst.provider == "azure":
            return set() if multipart else {"md5"}
        return set()

    def _hasher(self, task: Task, src_part: int | None, dst_part: int | None,
                multipart: bool) -> StreamHasher:
        if not self.opts.checksum:
            return StreamHasher()
        fp = task.fingerprint
        reports = self._dest_reports(task.dst, multipart)
        # The source is checked with the cheapest digest it offers: CRC32C
        # (several GB/s) over MD5 (~0.7 GB/s), unless the destination needs
        # the whole MD5 anyway. A GCS source into an S3 multipart upload
        # would otherwise hash every byte twice with MD5 (whole object for
        # the source, per part for the destination's ETag).
        dest_md5 = "md5" in reports
        md5 = dest_md5 or (bool(fp.md5) and fp.crc32c is None)
        crc = (fp.crc32c is not None and not (md5 and fp.md5)) or ("crc32c" in reports and not md5)
        parts = []
        if fp.multipart_etag and src_part:
            parts.append(src_part)
        if "etag" in reports and dst_part:
            parts.append(dst_part)
        return StreamHasher(md5=md5, crc32c=crc, part_sizes=parts)

    async def _hash(self, hasher: StreamHasher, piece: Any) -> None:
        if not hasher.active:
            hasher.size += len(piece)
        elif len(piece) >= HASH_IN_THREAD:
            await self.rt.run(hasher.update, piece)
        else:
            hasher.update(piece)

    @staticmethod
    def _check_source(task: Task, got: Fingerprint, src_part: int | None) -> str:
        """Raise unless the bytes read match the source's size and digests; say what matched."""
        if got.size != task.size:
            raise IntegrityError(f"source body has {got.size} bytes, expected {task.size}")
        expected = task.fingerprint.with_(part_size=src_part) if src_part else task.fingerprint
        ok, why = compare(expected, got)
        if ok is False:
            raise IntegrityError(f"source bytes do not match the source's checksum: {why}")
        return why if ok else "size"

    async def _dest_fingerprint(self, path: str, result: WriteResult | None) -> Fingerprint:
        """What the destination says it holds: the upload's ETag where that is a digest,
        else a HEAD (obstore) or ``info`` (fsspec)."""
        dst = self.dst
        located = dst.store(path)
        if dst.provider == "gcs" and result is not None and result.method == "multipart":
            located = None  # a composed GCS object has only a CRC32C: gcsfs's info shows it
        if located is not None and result is not None and result.etag and self.opts.checksum \
                and dst.provider in ("s3", "gcs"):
            fp = fingerprint_from_info({"ETag": result.etag}, "s3")
            if fp.md5 or fp.multipart_etag:
                return fp.with_(part_size=result.part_size)
        if located is not None:
            import obstore

            store, key = located
            meta = await obstore.head_async(store, key)
            info: dict[str, Any] = {"size": meta["size"]}
            if dst.provider == "s3":
                info["ETag"] = meta.get("e_tag")
            fp = fingerprint_from_info(info, dst.provider)
            return fp.with_(part_size=result.part_size if result else None)
        if dst.provider == "file":
            st = await self.rt.run(os.stat, path)
            return Fingerprint(size=st.st_size)
        invalidate = getattr(dst.fs, "invalidate_cache", None)
        if callable(invalidate):
            invalidate(path)
        info = await self.rt.run(dst.fs.info, path)
        fp = fingerprint_from_info(info, dst.provider)
        return fp.with_(part_size=result.part_size if result else None)

    async def _verify_dest(self, task: Task, sent: Fingerprint, result: WriteResult | None) -> str:
        """Raise unless the destination's size/digest matches ``sent``; say what matched.

        An Azure single write (Put Blob) answers with an ETag that is no
        digest, so the only thing a HEAD could add is the size — which the
        service already acknowledged for the atomic write. That HEAD would
        cost the server about 60% of the PUT (Azurite: 0.9 ms against 1.5 ms
        of CPU per 64 KiB blob), so the acknowledged length stands for it.
        The same holds for any single write when digests are off
        (``checksum=False``): the size is all there is to check.
        """
        if result is not None and result.checked and sent.size == result.acknowledged:
            return f"size+{result.checked} (checked by the upload)"
        acknowledged = (result.acknowledged if result is not None
                        and (self.dst.provider == "azure" or not self.opts.checksum) else None)
        if acknowledged is not None:
            got = Fingerprint(size=acknowledged)
        else:
            got = await self._dest_fingerprint(task.dst, result)
        ok, what = compare(sent, got)
        if ok is False and self.dst.provider == "s3" and not (what.startswith("size")):
            if await self._s3_etag_not_md5(task.dst):
                got = Fingerprint(size=got.size if got.size is not None else sent.size)
                ok, what = compare(sent, got)
        if ok is False:
            self._bad_dest.add(task.dst)
            raise IntegrityError(f"destination does not match what was sent: {what}")
        if acknowledged is not None:
            return "size (acknowledged write)"
        if ok is None and got.size is None and sent.size is not None:
            return "sent-size"
        return what if ok else (what or "size")

    async def _s3_etag_not_md5(self, path: str) -> bool:
        """Whether SSE-KMS / SSE-C makes this S3 object's ETag something other than its MD5."""
        bucket, key = self.dst.split(path)
        try:
            out = await self.rt.run(self.dst.fs.call_s3, "head_object", Bucket=bucket, Key=key)
        except Exception:  # noqa: BLE001
            return False
        sse = str(out.get("ServerSideEncryption") or "").lower()
        return "kms" in sse or bool(out.get("SSECustomerAlgorithm"))

    # -- the two streaming paths -------------------------------------------
    async def _copy_single(self, task: Task, moved: list[int]) -> tuple[str, str]:
        src_part = await self._source_part_size(task.src, task.fingerprint)
        hasher = self._hasher(task, src_part, None, multipart=False)
        data = await read_whole(self.rt, self.src, task.src)
        n = len(data)
        await self.throttle.consume(n)
        await self._hash(hasher, data)
        self.progress.advance(n)
        moved[0] += n
        got = hasher.fingerprint(src_part)
        source = self._check_source(task, got, src_part)
        result = await write_whole(self.rt, self.dst, task.dst, data)
        del data
        dest = await self._verify_dest(task, got.with_(multipart_etag=None, part_size=None), result)
        return result.method, f"source {source}, destination {dest}"

    async def _copy_multipart(self, task: Task, moved: list[int]) -> tuple[str, str]:
        pin_mmap_threshold()
        src_part = await self._source_part_size(task.src, task.fingerprint)
        part = self._dest_part_size(task, src_part)
        hasher = self._hasher(task, src_part, part, multipart=True)
        concurrency, window = self._parallelism(task)
        reader = iter_chunks(self.rt, self.src, task.src, task.size, part, window)
        counted = [0]
        source = ["size"]

        async def feed() -> Any:
            # Digests are computed in order, one piece at a time, in a thread,
            # while the piece before is uploading and the next is read: the
            # hash of piece k must finish before piece k+1 is handed over, and
            # every hash before the stream ends, so the check below still
            # comes before the upload can complete.
            hashing: asyncio.Future[None] | None = None
            try:
                async for piece in reader:
                    n = len(piece)
                    counted[0] += n
                    if counted[0] > task.size:
                        raise IntegrityError(f"source body is longer than {task.size} bytes")
                    await self.throttle.consume(n)
                    if hashing is not None:
                        await hashing
                    hashing = asyncio.ensure_future(self._hash(hasher, piece))
                    self.progress.advance(n)
                    moved[0] += n
                    yield piece
                if hashing is not None:
                    await hashing
                    hashing = None
            finally:
                if hashing is not None:  # the upload stopped early: never leave the thread's work behind
                    await asyncio.gather(hashing, return_exceptions=True)
            # The end of the stream: check it all *before* the upload may complete.
            source[0] = self._check_source(task, hasher.fingerprint(src_part), src_part)

        if self.opts.skip_existing and self.dst.provider == "s3":
            await self.rt.run(_abort_s3_uploads, self.dst, task.dst, None, self._started)
        chunks = feed()
        try:
            result = await write_stream(self.rt, self.dst, task.dst, chunks, part_size=part,
                                        concurrency=concurrency)
        finally:
            await chunks.aclose()
            await reader.aclose()
        sent = hasher.fingerprint(part)
        dest = await self._verify_dest(task, sent, result)
        return result.method, f"source {source[0]}, destination {dest}"

    def _ranged_reads(self, task: Task) -> bool:
        forced = env_flag("OMEFS_TRANSFER_RANGED_READS")
        if forced is not None:
            return forced
        if self.opts.ranged is not None:
            return self.opts.ranged and self.src.provider not in ("file", "memory")
        if self.src.provider in ("file", "memory"):
            return False
        # On this machine (an emulator) one streamed GET is cheaper: moto, for one,
        # slices the whole object for every Range request.
        return not self.src.is_local_server and task.size >= 4 * self.opts.part_size

    # -- skip / cleanup ---------------------------------------------------------
    async def identical(self, task: Task) -> bool:
        """Whether the destination already holds this object (``skip_existing``)."""
        ex, fp = task.existing, task.fingerprint
        if ex is None or ex.size != task.size:
            return False
        if not self.opts.checksum:
            return True
        ok, _ = compare(fp, ex)
        if ok is not None:
            return ok
        # Compute what the listings lack where it is cheap: on local files.
        for side, path, other in ((self.dst, task.dst, fp), (self.src, task.src, ex)):
            if side.provider != "file" or not (other.md5 or other.crc32c is not None or other.multipart_etag):
                continue
            part = None
            if other.multipart_etag:
                other_path = task.src if side is self.dst else task.dst
                other_side = self.src if side is self.dst else self.dst
                part = await self._part_size_of(other_side, other_path, other)
                if part is None:
                    continue
            computed = await self.rt.run(_hash_local, path, other.md5 is not None,
                                         other.crc32c is not None and not other.md5, part)
            ok, _ = compare(other.with_(part_size=part) if part else other, computed)
            if ok is not None:
                return ok
        if ex.mtime is not None and fp.mtime is not None:
            # Written after the source last changed (stores keep whole seconds at best).
            return ex.mtime >= fp.mtime - MTIME_SLACK
        return True

    async def _part_size_of(self, side: Endpoint, path: str, fp: Fingerprint) -> int | None:
        if side is self.src:
            return await self._source_part_size(path, fp)
        if fp.parts == 1:
            return fp.size
        if side.provider == "s3":
            bucket, key = side.split(path)
            try:
                out = await self.rt.run(side.fs.call_s3, "head_object", Bucket=bucket, Key=key,
                                        PartNumber=1)
                return int(out["ContentLength"])
            except Exception:  # noqa: BLE001
                return None
        return None

    async def _cleanup_failed(self, task: Task, exc: BaseException) -> None:
        """After the last failed attempt: remove a bad copy and any leftover S3 upload."""
        if task.dst in self._bad_dest:
            try:
                located = self.dst.store(task.dst)
                if located is not None:
                    import obstore

                    await obstore.delete_async(located[0], located[1])
                else:
                    await self.rt.run(self.dst.fs.rm_file, task.dst)
                log.warning("deleted %s: it did not verify after the last attempt",
                            self.dst.url(task.dst))
            except Exception as err:  # noqa: BLE001
                log.error("could not delete unverified %s: %s", self.dst.url(task.dst), err)
        if self.dst.provider == "s3" and task.size > self.opts.single_limit:
            await self.rt.run(_abort_s3_uploads, self.dst, task.dst, self._started - 300, None)


def _hash_local(path: str, md5: bool, crc32c: bool, part_size: int | None) -> Fingerprint:
    hasher = StreamHasher(md5=md5, crc32c=crc32c, part_sizes=[part_size] if part_size else [])
    with open(path, "rb") as f:
        while True:
            block = f.read(8 * MiB)
            if not block:
                break
            hasher.update(block)
    return hasher.fingerprint(part_size)


def _abort_s3_uploads(ep: Endpoint, path: str, since: float | None = None,
                      before: float | None = None) -> None:
    """Abort unfinished multipart uploads of exactly this key, started in a time window.

    Two uses: after this transfer failed an object (``since`` its start —
    obstore aborts its own uploads when a stream fails, but a failure while
    completing can leave one behind), and when a resumed transfer
    (``skip_existing``) is about to write a key again (``before`` its start:
    what an interrupted run left, invisible but billed).
    """
    bucket, key = ep.split(path)
    try:
        out = ep.fs.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=key)
    except Exception:  # noqa: BLE001 - listing uploads may be denied; nothing more to do
        return
    for upload in out.get("Uploads", []) or []:
        initiated = upload.get("Initiated")
        when = initiated.timestamp() if initiated is not None else None
        if upload.get("Key") != key:
            continue
        if when is not None and ((since is not None and when < since)
                                 or (before is not None and when >= before)):
            continue
        try:
            ep.fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=key,
                          UploadId=upload["UploadId"])
            log.info("aborted a leftover multipart upload of %s", ep.url(path))
        except Exception:  # noqa: BLE001
            pass
