"""Azure writes the service checks: ``Content-MD5`` on Put Blob and on every Put Block.

obstore cannot send a digest with an Azure write, so an object copied
through it is checked by size alone — a body whose bytes changed on the
way (same length) is stored as if it were right. These writers go
through the Azure SDK client adlfs already holds instead:

* one **Put Blob** carries the bytes' MD5 as ``Content-MD5`` (and as the
  blob's ``x-ms-blob-content-md5`` property): the service compares it with
  what arrived and refuses a mismatch (``400 Md5Mismatch``) — nothing is
  stored. Its answer's ``Content-MD5`` is compared too. It is always one
  request, whatever the size (the SDK's ``upload_blob`` would split a
  large body into blocks, each then carrying the whole body's MD5).
* a **block upload** sends each block with its ``Content-MD5`` (checked
  by the service the same way) and commits the list with the whole
  object's MD5 as the blob's ``x-ms-blob-content-md5``, so the committed
  blob carries the digest listings and later comparisons read. A stream
  that fails before the commit leaves only uncommitted blocks: invisible,
  never part of a blob, and discarded by the service after seven days.

Every digest sent is one the copy engine computed while the bytes streamed
past (the whole MD5, and each block's MD5 where the engine hashes at the
block size: ``part_md5``); the SDK's own ``validate_content`` is not used,
since it hashes every byte a second time. A block whose MD5 the engine did
not compute is hashed here, once, in a worker thread (hashlib releases the
GIL). Blocks are cut from the stream's pieces as memoryview slices: a block
that is one piece (ranged reads of exactly the block size) is sent as it
is; one that spans pieces is sent piece after piece as plain HTTP, and
joined once for the SDK client; a Put Blob sends the bytes read as they
are (the SDK takes a memoryview).

A refusal for a digest mismatch is raised as
:class:`~omefs.errors.IntegrityError` (retried like any corrupt body).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omefs.transfer.endpoints import Endpoint
    from omefs.transfer.streams import Runtime, WriteResult
    from omefs.transfer.verify import Fingerprint

__all__ = ["BLOCK_ID_CHARS", "PartMD5", "block_id", "put_blob_checked", "put_blocks_checked",
           "is_md5_refusal"]

#: What a block writer may be told: the MD5 of block ``index`` (0-based) of ``length`` bytes,
#: or None where it was not computed.
PartMD5 = Callable[[int, int], "bytes | None"]
#: Blocks at least this large are hashed in a worker thread.
_HASH_IN_THREAD = 1 << 20
#: The length of every block id omefs stages, before base64 (32 hex digits, ``-``, 6 digits).
BLOCK_ID_CHARS = 39


def block_id(upload: str, index: int) -> str:
    """The base64 block id of block ``index`` of the upload ``upload`` (a 32-hex-digit id).

    All block ids of one blob must have the same length, uncommitted ones
    left by an aborted upload included; every omefs writer uses this one.
    """
    raw = f"{upload}-{index:06d}"
    if len(raw) != BLOCK_ID_CHARS:
        raise ValueError(f"block id {raw!r} must be {BLOCK_ID_CHARS} characters")
    return base64.b64encode(raw.encode()).decode()


def is_md5_refusal(exc: BaseException) -> bool:
    """Whether Azure refused a write because its ``Content-MD5`` did not match the body."""
    from omefs.providers.error_mapping import _code_and_status, exception_chain

    for link in exception_chain(exc):
        code, status = _code_and_status(link)
        if status == 400 and ("md5" in str(code or "").lower() or "md5" in str(link).lower()):
            return True
    return False


def _on_fs_loop(fs: Any, coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    """Run ``coro`` on the filesystem's own event loop (where its SDK client lives)."""
    return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, fs.loop))


def _blob_client(fs: Any, path: str) -> Any:
    container, blob, _ = fs.split_path(path)
    return fs.service_client.get_blob_client(container, blob)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _settings(md5_hex: str | None) -> Any:
    from azure.storage.blob import ContentSettings

    return ContentSettings(content_type="application/octet-stream",
                           content_md5=bytearray(bytes.fromhex(md5_hex)) if md5_hex else None)


def _integrity(exc: BaseException, what: str) -> BaseException:
    from omefs.errors import IntegrityError

    if is_md5_refusal(exc):
        err = IntegrityError(f"Azure refused the {what}: its Content-MD5 differs from the bytes "
                             "that arrived")
        err.__cause__ = exc
        return err
    return exc


async def put_blob_checked(rt: Runtime, ep: Endpoint, path: str, data: Any,
                           sent: Callable[[], Fingerprint]) -> WriteResult:
    """One Put Blob with ``Content-MD5``; the answer's MD5 must be the one sent.

    Without an MD5 to send (a copy with ``checksum=False``) the write carries
    none and is checked by its acknowledged length alone. The request goes
    as plain HTTP where :class:`~omefs.providers.azure.blob_http.BlobHTTP`
    can authorise it, else through the filesystem's SDK client.
    """
    from omefs.providers.azure.blob_http import BlobHTTP
    from omefs.transfer.streams import WriteResult
    from omefs.transfer.verify import IntegrityError, b64_to_hex

    md5 = sent().md5
    digest = bytes.fromhex(md5) if md5 else None
    container, blob = ep.split(path)
    lean = BlobHTTP.for_blob(ep.fs, blob)
    try:
        if lean is not None:
            answer = await rt.run(lean.put_blob, container, blob, data, digest)
            answer = {"content_md5": answer.get("content-md5"), "etag": answer.get("etag"),
                      "version_id": answer.get("x-ms-version-id")}
        else:
            answer = await _sdk_put_blob(ep.fs, path, data, digest)
    except Exception as exc:
        raise _integrity(exc, "upload") from exc
    stored = b64_to_hex(answer.get("content_md5"))
    if md5 and stored and stored != md5:
        raise IntegrityError(f"Azure stored MD5 {stored}, the bytes sent have {md5}")
    return WriteResult(etag=answer.get("etag"), version=answer.get("version_id"),
                       acknowledged=len(data), checked="md5" if md5 else None)


async def _sdk_put_blob(fs: Any, path: str, data: Any, digest: bytes | None) -> dict[str, Any]:
    """Put Blob through the SDK client adlfs holds; the answer's headers."""
    from azure.storage.blob._generated.models import BlobHTTPHeaders
    from azure.storage.blob._shared.response_handlers import return_response_headers

    client = _blob_client(fs, path)
    headers = BlobHTTPHeaders(blob_content_type="application/octet-stream", blob_content_md5=digest)
    answer: dict[str, Any] = await _on_fs_loop(fs, client._client.block_blob.upload(
        body=data if isinstance(data, bytes) else memoryview(data), content_length=len(data),
        transactional_content_md5=digest, blob_http_headers=headers, cls=return_response_headers))
    return answer


def _md5(block: bytes | memoryview | list[memoryview]) -> bytes:
    h = hashlib.md5()
    for piece in block if isinstance(block, list) else (block,):
        h.update(piece)
    return h.digest()


async def put_blocks_checked(rt: Runtime, ep: Endpoint, path: str, chunks: AsyncIterator[Any], *,
                             part_size: int, concurrency: int,
                             sent: Callable[[], Fingerprint],
                             part_md5: PartMD5 | None = None) -> WriteResult:
    """Put Block for each ``part_size`` piece (``Content-MD5`` each), then Put Block List.

    ``part_md5(i, n)`` gives block ``i``'s MD5 (``n`` bytes) where the engine computed it
    while streaming; any other block is hashed here.
    """
    from omefs.providers.azure.blob_http import BlobHTTP
    from omefs.transfer.streams import WriteResult

    container, blob = ep.split(path)
    lean = BlobHTTP.for_blob(ep.fs, blob)
    client = _blob_client(ep.fs, path) if lean is None else None
    prefix = os.urandom(16).hex()  # this upload's block-id prefix
    ids: list[str] = []
    running: set[asyncio.Future[Any]] = set()
    total = 0

    async def settle(all_of_them: bool) -> None:
        while running and (all_of_them or len(running) >= max(1, concurrency)):
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            running.difference_update(done)
            for fut in done:
                exc = fut.exception()
                if exc is not None:
                    raise _integrity(exc, "block upload") from exc

    async def stage(pieces: list[memoryview]) -> None:
        # The plain HTTP path sends a block cut from several pieces as they are (no copy);
        # the SDK takes one buffer: a block that spans pieces is joined once for it.
        length = sum(len(p) for p in pieces)
        block: bytes | memoryview | list[memoryview] = (
            pieces[0] if len(pieces) == 1 else pieces if lean is not None else b"".join(pieces))
        digest = part_md5(len(ids), length) if part_md5 is not None else None
        if digest is None:
            digest = await rt.run(_md5, block) if length >= _HASH_IN_THREAD else _md5(block)
        this_id = block_id(prefix, len(ids))
        ids.append(this_id)
        if lean is not None:
            running.add(asyncio.ensure_future(rt.run(lean.put_block, container, blob, this_id, block,
                                                     digest)))
        else:
            assert client is not None
            running.add(_on_fs_loop(ep.fs, client.stage_block(
                this_id, block, length=length, headers={"Content-MD5": _b64(digest)})))

    pending: list[memoryview] = []
    filled = 0
    try:
        async for piece in chunks:
            view = memoryview(piece).cast("B")
            total += len(view)
            while len(view):
                take = view[: part_size - filled]
                pending.append(take)
                filled += len(take)
                view = view[len(take):]
                if filled == part_size:
                    await settle(False)
                    await stage(pending)
                    pending, filled = [], 0
        if pending or not ids:
            await settle(False)
            await stage(pending)
        await settle(True)
    except BaseException:
        if running:  # never leave a block upload running behind the error
            await asyncio.gather(*running, return_exceptions=True)
        raise
    from omefs.errors import UploadStopped
    from omefs.transfer.cancel import stream_stopped

    if stream_stopped():  # cancelled while the last blocks uploaded: commit nothing
        raise UploadStopped("the copy was cancelled before its block list was committed")
    fp = sent()
    try:
        if lean is not None:
            headers = await rt.run(lean.put_block_list, container, blob, ids,
                                   bytes.fromhex(fp.md5) if fp.md5 else None)
            answer = {"etag": headers.get("etag"), "version_id": headers.get("x-ms-version-id")}
        else:
            assert client is not None
            answer = await _on_fs_loop(ep.fs, client.commit_block_list(
                ids, content_settings=_settings(fp.md5)))
    except Exception as exc:
        raise _integrity(exc, "block list") from exc
    return WriteResult(etag=answer.get("etag"), version=answer.get("version_id"),
                       method="multipart", part_size=part_size, acknowledged=total,
                       checked="md5 per block")
