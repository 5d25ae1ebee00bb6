"""Per-object verification: what to hash, and whether source and destination agree.

The engine verifies every object (:mod:`omefs.transfer.verify` holds the
digest machinery): the bytes read against the source's size and digest,
then the destination's size or digest against the bytes sent. What a store
reports and how to read it back are its provider's answers
(``provider.transfer()``): which digests a write exposes, what an upload's
ETag stands for, how an ``info()`` or a HEAD maps to a fingerprint, whether
an ETag is an MD5 at all, the part size of a multipart source.

:class:`Checks` holds one copy call's state: the part sizes already
learnt, and the destinations that failed to verify (deleted when the last
attempt fails too).
"""

from __future__ import annotations

import logging
from typing import Any

from omefs.sizes import MiB
from omefs.transfer.endpoints import Endpoint
from omefs.transfer.options import TransferOptions
from omefs.transfer.plan import Task
from omefs.transfer.streams import Runtime, WriteResult
from omefs.transfer.verify import Fingerprint, IntegrityError, StreamHasher, compare

__all__ = ["Checks", "HASH_IN_THREAD", "MTIME_SLACK"]

log = logging.getLogger("omefs.transfer")

#: Pieces at least this large are hashed in a worker thread (hashlib drops the GIL).
HASH_IN_THREAD = 1 * MiB
#: Seconds of mtime tolerance when only times can tell two objects apart.
MTIME_SLACK = 2.0


def hash_local(path: str, md5: bool, crc32c: bool, part_size: int | None) -> Fingerprint:
    """The digests of a local file (blocking)."""
    hasher = StreamHasher(md5=md5, crc32c=crc32c, part_sizes=[part_size] if part_size else [])
    with open(path, "rb") as f:
        while True:
            block = f.read(8 * MiB)
            if not block:
                break
            hasher.update(block)
    return hasher.fingerprint(part_size)


class Checks:
    """What is hashed and compared for each object of one copy call."""

    def __init__(self, src: Endpoint, dst: Endpoint, opts: TransferOptions, rt: Runtime) -> None:
        self.src = src
        self.dst = dst
        self.opts = opts
        self.rt = rt
        self._part_sizes: dict[str, int | None] = {}
        #: Destination paths written with bytes that did not verify.
        self.bad_dest: set[str] = set()

    # -- layouts ---------------------------------------------------------------
    async def source_part_size(self, path: str, fp: Fingerprint) -> int | None:
        """The part size of a multipart source object, if learnable."""
        if not fp.multipart_etag or fp.size is None:
            return None
        if fp.parts == 1:
            return fp.size
        if path not in self._part_sizes:
            self._part_sizes[path] = await self.rt.run(self.src.hooks.source_part_size,
                                                       self.src, path)
        return self._part_sizes[path]

    async def part_size_of(self, side: Endpoint, path: str, fp: Fingerprint) -> int | None:
        """The part size of a multipart object on either side, if learnable."""
        if side is self.src:
            return await self.source_part_size(path, fp)
        if fp.parts == 1:
            return fp.size
        return await self.rt.run(side.hooks.source_part_size, side, path)  # type: ignore[no-any-return]

    def dest_part_size(self, task: Task, src_part: int | None) -> int:
        """The part size of the destination's multipart write (its provider's layout)."""
        return int(self.dst.hooks.part_size(task.size, self.opts.part_size, src_part,
                                            obstore=self.dst.uses_obstore(task.dst)))

    # -- hashing ---------------------------------------------------------------
    def hasher(self, task: Task, src_part: int | None, dst_part: int | None,
               multipart: bool) -> StreamHasher:
        """A hasher computing exactly what the source and the destination can be checked with."""
        if not self.opts.checksum:
            return StreamHasher()
        fp = task.fingerprint
        reports = self.dst.hooks.reported_digests(multipart=multipart,
                                                  obstore=self.dst.uses_obstore(task.dst))
        # The source is checked with the cheapest digest it offers: CRC32C
        # (several GB/s) over MD5 (~0.7 GB/s), unless the destination needs
        # the whole MD5 anyway. A CRC32C-only source into an ETag-layout
        # multipart upload would otherwise hash every byte twice with MD5
        # (whole object for the source, per part for the destination's ETag).
        dest_md5 = "md5" in reports
        md5 = dest_md5 or (bool(fp.md5) and fp.crc32c is None)
        crc = (fp.crc32c is not None and not (md5 and fp.md5)) or ("crc32c" in reports and not md5)
        # SHA-256 (GitHub's asset digest) where the destination reports it, or
        # where the source offers nothing cheaper to be checked with.
        source_covered = (bool(fp.md5) and md5) or (fp.crc32c is not None and crc)
        sha256 = "sha256" in reports or (bool(fp.sha256) and not source_covered)
        parts = []
        if fp.multipart_etag and src_part:
            parts.append(src_part)
        if dst_part and ("etag" in reports or self.hands_part_md5s()):
            parts.append(dst_part)
        return StreamHasher(md5=md5, crc32c=crc, sha256=sha256, part_sizes=parts)

    def hands_part_md5s(self) -> bool:
        """Whether a multipart write is handed each part's MD5 from the stream's hasher
        (the destination sends them with the parts: :meth:`TransferHooks.takes_part_md5`)."""
        return (self.opts.checksum and self.dst.hooks.sends_digests()
                and self.dst.hooks.takes_part_md5())

    async def hash(self, hasher: StreamHasher, piece: Any) -> None:
        """Feed ``piece`` to ``hasher`` (in a thread when it is large)."""
        if not hasher.active:
            hasher.size += len(piece)
        elif len(piece) >= HASH_IN_THREAD:
            await self.rt.run(hasher.update, piece)
        else:
            hasher.update(piece)

    # -- source and destination ---------------------------------------------------
    @staticmethod
    def check_source(task: Task, got: Fingerprint, src_part: int | None) -> str:
        """Raise unless the bytes read match the source's size and digests; say what matched."""
        if got.size != task.size:
            raise IntegrityError(f"source body has {got.size} bytes, expected {task.size}")
        expected = task.fingerprint.with_(part_size=src_part) if src_part else task.fingerprint
        ok, why = compare(expected, got)
        if ok is False:
            raise IntegrityError(f"source bytes do not match the source's checksum: {why}")
        return why if ok else "size"

    async def dest_fingerprint(self, path: str, result: WriteResult | None) -> Fingerprint:
        """What the destination says it holds: the upload's ETag where that is a digest,
        else a HEAD (obstore) or ``info`` (fsspec)."""
        dst = self.dst
        part_size = result.part_size if result is not None else None
        located = dst.store(path)
        if located is not None and result is not None and dst.hooks.read_written(
                dst, path, method=result.method):
            located = None
        if located is not None and result is not None and result.etag and self.opts.checksum:
            fp = dst.hooks.etag_fingerprint(result.etag)
            if fp is not None and (fp.md5 or fp.multipart_etag):
                return fp.with_(part_size=result.part_size)  # type: ignore[no-any-return]
        if located is not None:
            import obstore

            store, key = located
            meta = await obstore.head_async(store, key)
            return dst.hooks.head_fingerprint(meta).with_(part_size=part_size)  # type: ignore[no-any-return]
        fp = await self.rt.run(dst.hooks.written_fingerprint, dst, path)
        return fp.with_(part_size=part_size)  # type: ignore[no-any-return]

    async def verify_dest(self, task: Task, sent: Fingerprint, result: WriteResult | None) -> str:
        """Raise unless the destination's size/digest matches ``sent``; say what matched.

        Where a provider's single write is acknowledged with an ETag that is
        no digest (:attr:`Capabilities.acknowledged_writes`), the only thing
        a HEAD could add is the size — which the service already
        acknowledged for the atomic write (on Azurite that HEAD costs about
        60% of the PUT's server CPU), so the acknowledged length stands for
        it. The same holds for any single write when digests are off
        (``checksum=False``): the size is all there is to check.
        """
        if result is not None and result.checked and sent.size == result.acknowledged:
            return f"size+{result.checked} (checked by the upload)"
        trusts = self.dst.provider.capabilities.acknowledged_writes or not self.opts.checksum
        acknowledged = result.acknowledged if result is not None and trusts else None
        if acknowledged is not None:
            got = Fingerprint(size=acknowledged)
        else:
            got = await self.dest_fingerprint(task.dst, result)
        ok, what = compare(sent, got)
        if ok is False and not what.startswith("size") and await self.rt.run(
                self.dst.hooks.etag_is_not_md5, self.dst, task.dst):
            got = Fingerprint(size=got.size if got.size is not None else sent.size)
            ok, what = compare(sent, got)
        if ok is False:
            self.bad_dest.add(task.dst)
            raise IntegrityError(f"destination does not match what was sent: {what}")
        if acknowledged is not None:
            return "size (acknowledged write)"
        if ok is None and got.size is None and sent.size is not None:
            return "sent-size"
        return what if ok else (what or "size")

    # -- skip_existing ---------------------------------------------------------------
    async def identical(self, task: Task) -> bool:
        """Whether the destination already holds this object (``skip_existing``)."""
        ex, fp = task.existing, task.fingerprint
        mode = self.opts.compare
        if ex is not None and mode == "exists":
            return True
        if ex is None or ex.size != task.size:
            return False
        if mode == "size" or not self.opts.checksum:
            return True
        ok, _ = compare(fp, ex)
        if ok is not None:
            return ok
        # Compute what the listings lack where it is cheap: on local files.
        for side, path, other in ((self.dst, task.dst, fp), (self.src, task.src, ex)):
            local = side.hooks.local_path(path)
            if local is None or not (other.md5 or other.crc32c is not None or other.multipart_etag):
                continue
            part = None
            if other.multipart_etag:
                other_path = task.src if side is self.dst else task.dst
                other_side = self.src if side is self.dst else self.dst
                part = await self.part_size_of(other_side, other_path, other)
                if part is None:
                    continue
            computed = await self.rt.run(hash_local, local, other.md5 is not None,
                                         other.crc32c is not None and not other.md5, part)
            ok, _ = compare(other.with_(part_size=part) if part else other, computed)
            if ok is not None:
                return ok
        if mode == "checksum":
            return False  # no digest to compare: copy it
        if ex.mtime is not None and fp.mtime is not None:
            # Written after the source last changed (stores keep whole seconds at best).
            return ex.mtime >= fp.mtime - MTIME_SLACK
        return True

