"""What the copy engine asks a provider: the default answers, for any fsspec filesystem.

The engine (:mod:`omefs.transfer`) never names a provider. Where stores
differ it reads :class:`~omefs.providers.base.Capabilities` (facts: the
digests a store reports, part limits, whether it is local) or calls the
hooks of ``provider.transfer()`` (behaviour: how an ``info()`` entry maps
to a :class:`~omefs.transfer.verify.Fingerprint`, how a write is verified,
the server-side copy, the obstore store of a bucket…).

:class:`TransferHooks` answers for a plain fsspec filesystem: every byte
moves through fsspec's own API, nothing is assumed about digests, and a
copy runs inside the service only when source and destination are the
same filesystem instance (its own ``cp_file``). A third-party provider
that declares nothing gets exactly this and copies correctly.
:class:`LocalFileHooks` and :class:`MemoryHooks` serve local files and
fsspec's memory filesystem; each cloud provider's hooks live in
``omefs.providers.<package>.transfer``.

Hooks receive the engine's :class:`~omefs.transfer.endpoints.Endpoint`
objects (the filesystem, its paths and its obstore stores) and its
:class:`~omefs.transfer.streams.Runtime` (a thread pool for blocking calls).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omefs.providers.base import Provider
    from omefs.transfer.endpoints import Endpoint
    from omefs.transfer.streams import Runtime, WriteResult
    from omefs.transfer.verify import Fingerprint

__all__ = ["TransferHooks", "LocalFileHooks", "MemoryHooks", "etag_layout_part", "local_temp"]

#: Keys of an ``info()`` entry that hold an unambiguous whole-object MD5.
_MD5_KEYS = ("md5", "content_md5", "Content-MD5", "content-md5")
#: Attributes of a filesystem that may hold its endpoint URL.
_ENDPOINT_ATTRS = ("endpoint_url", "_omefs_account_url")


class TransferHooks:
    """The engine's questions to one provider; this base answers for plain fsspec."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    # -- paths and reports ------------------------------------------------------
    def url(self, protocol: str, path: str) -> str:
        """The URL of a path of this provider's filesystem, for reports."""
        return f"{protocol}://{path.lstrip('/')}"

    def join(self, base: str, rel: str) -> str:
        """``base`` + ``/`` + ``rel`` in the filesystem's path form."""
        if not base:
            return rel
        return base.rstrip("/") + "/" + rel

    # -- digests ----------------------------------------------------------------
    def fingerprint(self, info: dict[str, Any] | None) -> Fingerprint:
        """A fingerprint from an ``info()``/``find(detail=True)`` entry.

        The default takes the size and mtime, and an MD5 when the entry has
        an unambiguous ``md5``/``content_md5`` key.
        """
        from omefs.transfer.verify import b64_to_hex, base_fingerprint

        fp = base_fingerprint(info)
        for key in _MD5_KEYS:
            if info and info.get(key):
                return fp.with_(md5=b64_to_hex(info[key]))
        return fp

    def head_fingerprint(self, meta: dict[str, Any]) -> Fingerprint:
        """A fingerprint from an obstore ``head`` answer (the size; digests where they are some)."""
        from omefs.transfer.verify import Fingerprint

        return Fingerprint(size=meta["size"])

    def etag_fingerprint(self, etag: str) -> Fingerprint | None:
        """The digest an upload's ETag stands for (None: the ETag is no digest here)."""
        return None

    def reported_digests(self, *, multipart: bool, obstore: bool) -> set[str]:
        """Which digests the destination exposes after this engine's write of an object.

        ``multipart`` says whether the write was a multipart stream,
        ``obstore`` whether it went through the obstore store.
        """
        return set()

    def read_written(self, ep: Endpoint, path: str, *, method: str) -> bool:
        """Whether the destination's fingerprint must come from fsspec's ``info`` even where
        an obstore store exists (``method`` is how the object was written)."""
        return False

    def written_fingerprint(self, ep: Endpoint, path: str) -> Fingerprint:
        """What the filesystem says it holds at ``path`` now (blocking; run in a thread)."""
        invalidate = getattr(ep.fs, "invalidate_cache", None)
        if callable(invalidate):
            invalidate(path)
        return self.fingerprint(ep.fs.info(path))

    def etag_is_not_md5(self, ep: Endpoint, path: str) -> bool:
        """Whether this object's ETag is something other than its MD5 (server-side encryption).

        Asked only after a digest mismatch; blocking, run in a thread.
        """
        return False

    def source_part_size(self, ep: Endpoint, path: str) -> int | None:
        """The part size of a multipart object, where the store tells (blocking)."""
        return None

    def local_path(self, path: str) -> str | None:
        """A path of this machine's file system holding the object, if there is one."""
        return None

    # -- the multipart layout ---------------------------------------------------------
    def part_size(self, size: int, part: int, source_part: int | None, *, obstore: bool) -> int:
        """The part size of a multipart write of ``size`` bytes (``part``: the option).

        The default keeps within :attr:`Capabilities.max_parts` and rounds
        up to :attr:`Capabilities.part_alignment`. A store that takes a
        single part (``max_parts == 1``) has no multipart layout: the
        writer buffers as it does.
        """
        caps = self.provider.capabilities
        if caps.max_parts and caps.max_parts > 1:
            part = max(part, math.ceil(size / caps.max_parts))
        if caps.part_alignment > 1:
            part = math.ceil(part / caps.part_alignment) * caps.part_alignment
        return part

    # -- stores and accounts ----------------------------------------------------------
    def build_store(self, fs: Any, bucket: str, *, retries: int) -> Any:
        """An obstore store for ``bucket`` reached as ``fs`` reaches it, or None (use fsspec)."""
        return None

    def endpoint_urls(self, fs: Any) -> list[str]:
        """Every endpoint URL the filesystem may talk to (to tell emulators on loopback)."""
        opts = getattr(fs, "storage_options", {}) or {}
        found = [(getattr(fs, "client_kwargs", None) or {}).get("endpoint_url"),
                 opts.get("endpoint_url")]
        found.extend(getattr(fs, attr, None) for attr in _ENDPOINT_ATTRS)
        return [u for u in found if isinstance(u, str)]

    def same_account(self, a: Any, b: Any) -> bool:
        """Whether the filesystems ``a`` and ``b`` (both this provider's) reach one account,
        so a copy between them can run inside the service."""
        return a is b

    async def server_side_copy(self, rt: Runtime, src: Endpoint, spath: str, dst: Endpoint,
                               dpath: str, size: int, part_size: int) -> str:
        """Copy inside the service; returns the method name. Raises when the service refuses."""
        await rt.run(dst.fs.cp_file, spath, dpath)
        return "server-side"

    def abort_uploads(self, ep: Endpoint, path: str, since: float | None = None,
                      before: float | None = None) -> None:
        """Abort unfinished multipart uploads of exactly ``path``, started in a time window.

        Two uses: after a transfer failed an object (``since`` its start),
        and before a resumed transfer (``skip_existing``) writes a key
        again (``before`` its start). Blocking; run in a thread.
        """

    def leaves_uploads(self) -> bool:
        """Whether an interrupted multipart write can leave an upload behind to abort."""
        return False

    # -- reading ------------------------------------------------------------------------
    async def read_stored(self, rt: Runtime, store: Any, key: str) -> Any:
        """The whole object ``key`` of the obstore ``store`` (a bytes-like object): obstore's
        GET by default."""
        import obstore

        result = await obstore.get_async(store, key)
        return await result.bytes_async()

    async def write_stored(self, rt: Runtime, store: Any, key: str, data: Any,
                           **attributes: Any) -> WriteResult:
        """Write ``data`` as the whole object ``key`` of the obstore ``store`` in one request
        (``attributes``: obstore's, such as a storage class): obstore's PUT by default."""
        import obstore

        from omefs.transfer.streams import WriteResult

        result = await obstore.put_async(store, key, data, use_multipart=False, **attributes)
        return WriteResult(etag=result.get("e_tag"), version=result.get("version"),
                           acknowledged=len(data))

    async def read_whole(self, rt: Runtime, ep: Endpoint, path: str) -> Any:
        """The whole object in one request, where no obstore store serves it (a bytes-like
        object): the filesystem's ``cat_file`` by default."""
        return await rt.run(ep.fs.cat_file, path)

    async def read_range(self, rt: Runtime, ep: Endpoint, path: str, start: int, end: int) -> Any:
        """Bytes ``[start, end)`` of the object in one request, where no obstore store serves
        it: the filesystem's ``cat_file`` by default."""
        return await rt.run(ep.fs.cat_file, path, start=start, end=end)

    # -- writing ------------------------------------------------------------------------
    async def write_whole(self, rt: Runtime, ep: Endpoint, path: str, data: Any,
                          **options: Any) -> WriteResult:
        """Write ``data`` as the whole object in one request through fsspec.

        ``options`` are the filesystem's write options (``storage_class=``).
        """
        from omefs.transfer.streams import WriteResult

        payload = data if isinstance(data, bytes) else bytes(data)
        await rt.run(ep.fs.pipe_file, path, payload, **options)
        return WriteResult()

    async def write_stream(self, rt: Runtime, ep: Endpoint, path: str,
                           chunks: AsyncIterator[Any], *, part_size: int,
                           **options: Any) -> WriteResult:
        """Stream ``chunks`` into a file opened for writing with ``block_size=part_size``
        (and the filesystem's write ``options``, such as ``storage_class=``).

        On error the file is discarded, never committed.
        """
        from omefs.errors import UploadStopped
        from omefs.transfer.cancel import stream_stopped
        from omefs.transfer.streams import WriteResult, abandon

        f = await rt.run(ep.fs.open, path, "wb", block_size=part_size, **options)
        try:
            async for piece in chunks:
                await rt.run(f.write, piece if isinstance(piece, bytes) else bytes(piece))
            if stream_stopped():  # cancelled while the last part uploaded: commit nothing
                raise UploadStopped("the copy was cancelled before the upload completed")
        except BaseException:
            await rt.run(abandon, f)
            raise
        await rt.run(f.close)
        return WriteResult(method="multipart", part_size=part_size)

    # -- writes the service checks ----------------------------------------------------
    def sends_digests(self) -> bool:
        """Whether this provider's writes send the bytes' digest for the service to check.

        Then the engine writes through :meth:`write_whole_checked` and
        :meth:`write_stream_checked` (even where an obstore store exists,
        which cannot send one), and a mismatch fails the request itself.
        """
        return False

    async def write_whole_checked(self, rt: Runtime, ep: Endpoint, path: str, data: Any, *,
                                  sent: Callable[[], Fingerprint]) -> WriteResult:
        """One request whose digest (``sent()``) the service checks; :meth:`sends_digests`."""
        raise NotImplementedError

    async def write_stream_checked(self, rt: Runtime, ep: Endpoint, path: str,
                                   chunks: AsyncIterator[Any], *, part_size: int,
                                   concurrency: int, sent: Callable[[], Fingerprint],
                                   part_md5: Callable[[int, int], bytes | None] | None = None
                                   ) -> WriteResult:
        """A multipart write whose parts the service checks; ``sent()`` is the whole
        stream's fingerprint once ``chunks`` ended. On error nothing is committed.

        ``part_md5(i, n)``, where given, is the MD5 of part ``i`` (0-based, ``n`` bytes), computed by
        the engine while the bytes streamed past (:meth:`takes_part_md5`); None for a
        part it did not hash.
        """
        raise NotImplementedError

    def takes_part_md5(self) -> bool:
        """Whether :meth:`write_stream_checked` sends each part's MD5: then the engine
        hashes at the part size while streaming and hands the digests over, so no part
        is hashed twice."""
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.provider.name}>"


def etag_layout_part(size: int, part: int, source_part: int | None, *, min_part: int,
                     max_part: int, max_parts: int) -> int:
    """The part size of a store whose multipart ETag is ``md5(part md5s)-N``.

    At least ``min_part``; the source's own part size when it is usable and
    close to ``part`` (then the destination's ETag equals the source's); and
    never more than ``max_parts`` parts.
    """
    part = max(part, min_part)
    if (source_part and min_part <= source_part <= min(max_part, 2 * part)
            and math.ceil(size / source_part) <= max_parts):
        part = source_part
    return max(part, math.ceil(size / max_parts))


def local_temp(path: str) -> str:
    """A hidden temporary sibling of ``path``, renamed into place when complete."""
    head, _, name = path.rpartition("/")
    return f"{head}/.{name}.omefs-{os.urandom(6).hex()}.part"


def _write_atomically(path: str, data: Any) -> None:
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    temp = local_temp(path)
    try:
        with open(temp, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _copy_atomically(spath: str, dpath: str) -> None:
    import shutil

    parent = os.path.dirname(dpath)
    if parent:
        os.makedirs(parent, exist_ok=True)
    temp = local_temp(dpath)
    try:
        shutil.copyfile(spath, temp)
        os.replace(temp, dpath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class LocalFileHooks(TransferHooks):
    """Local files: writes go to a temporary sibling renamed into place when complete."""

    def url(self, protocol: str, path: str) -> str:
        return path

    def local_path(self, path: str) -> str | None:
        return path

    def written_fingerprint(self, ep: Endpoint, path: str) -> Fingerprint:
        from omefs.transfer.verify import Fingerprint

        return Fingerprint(size=os.stat(path).st_size)

    async def server_side_copy(self, rt: Runtime, src: Endpoint, spath: str, dst: Endpoint,
                               dpath: str, size: int, part_size: int) -> str:
        await rt.run(_copy_atomically, spath, dpath)
        return "server-side"

    async def write_whole(self, rt: Runtime, ep: Endpoint, path: str, data: Any,
                          **options: Any) -> WriteResult:
        from omefs.transfer.streams import WriteResult

        await rt.run(_write_atomically, path, data)
        return WriteResult()

    async def write_stream(self, rt: Runtime, ep: Endpoint, path: str,
                           chunks: AsyncIterator[Any], *, part_size: int,
                           **options: Any) -> WriteResult:
        from omefs.transfer.streams import WriteResult

        parent = os.path.dirname(path)
        if parent:
            await rt.run(os.makedirs, parent, exist_ok=True)
        temp = local_temp(path)
        fh = await rt.run(open, temp, "wb")
        try:
            async for piece in chunks:
                await rt.run(fh.write, piece)
            await rt.run(fh.close)
            await rt.run(os.replace, temp, path)
        except BaseException:
            with contextlib.suppress(Exception):
                fh.close()
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return WriteResult(method="stream")


class MemoryHooks(TransferHooks):
    """fsspec's memory filesystem: paths start with ``/``, a stream is written whole."""

    def url(self, protocol: str, path: str) -> str:
        return f"{protocol}://{path.lstrip('/')}"

    def join(self, base: str, rel: str) -> str:
        return super().join(base, rel) if base else "/" + rel

    async def write_stream(self, rt: Runtime, ep: Endpoint, path: str,
                           chunks: AsyncIterator[Any], *, part_size: int,
                           **options: Any) -> WriteResult:
        from omefs.transfer.streams import WriteResult

        parts = [bytes(piece) async for piece in chunks]
        await rt.run(ep.fs.pipe_file, path, b"".join(parts))
        return WriteResult(method="stream")
