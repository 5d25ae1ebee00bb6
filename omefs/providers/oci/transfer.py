"""What the copy engine asks of OCI Object Storage: MD5s, part layouts, accounts.

* ``info()`` carries ``md5`` — the Content-MD5 of a single upload, or
  ``opc-multipart-md5`` (``base64-N``, S3's ETag layout) of a multipart
  one; OME records the whole object's MD5 as ``opc-meta-md5`` too.
* A server-side copy is the filesystem's own ``cp_file`` (``copyObject``
  and its work request), between filesystems with the same options.
* Uploads carry ``Content-MD5``; the service refuses bytes that do not
  match it (400 ``InvalidParameter``). That refusal is raised as
  :class:`~omefs.errors.IntegrityError`, retried like any corrupt body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from omefs.providers.hooks import TransferHooks, etag_layout_part

if TYPE_CHECKING:
    from omefs.transfer.endpoints import Endpoint
    from omefs.transfer.streams import Runtime, WriteResult
    from omefs.transfer.verify import Fingerprint

__all__ = ["OCITransferHooks"]

MiB = 1 << 20
#: The smallest part the engine writes to OCI: S3's floor, so layouts (and
#: multipart MD5s) match an S3 source's and part counts stay low.
ETAG_MIN_PART = 5 * MiB


def md5_refused(exc: BaseException) -> bool:
    """Whether OCI refused an upload because its ``Content-MD5`` did not match the bytes."""
    from omefs.providers.error_mapping import exception_chain

    for link in exception_chain(exc):
        text = str(link)
        if ("400" in text or "422" in text) and "md5" in text.lower():
            return True
    return False


def _as_integrity(exc: BaseException) -> BaseException:
    from omefs.transfer.verify import IntegrityError

    if md5_refused(exc):
        err = IntegrityError(f"OCI refused the upload: its Content-MD5 differs from the bytes "
                             f"that arrived ({exc})")
        err.__cause__ = exc
        return err
    return exc


class OCITransferHooks(TransferHooks):
    """OCI Object Storage through omefs's filesystem."""

    def fingerprint(self, info: dict[str, Any] | None) -> Fingerprint:
        from omefs.transfer.verify import b64_to_hex, base_fingerprint

        fp = base_fingerprint(info)
        if not info:
            return fp
        raw = info.get("md5") or info.get("opc-multipart-md5") or info.get("content-md5")
        meta = info.get("metadata")
        whole = meta.get("md5") if isinstance(meta, dict) else None
        md5 = multi = None
        if raw and "-" in str(raw):
            head, _, n = str(raw).rpartition("-")
            hexed = b64_to_hex(head)
            if hexed and n.isdigit():
                multi = f"{hexed}-{n}"
        elif raw:
            md5 = b64_to_hex(raw)
        return fp.with_(md5=md5 or b64_to_hex(whole), multipart_etag=multi)

    def reported_digests(self, *, multipart: bool, obstore: bool) -> set[str]:
        return {"etag"} if multipart else {"md5"}

    def part_size(self, size: int, part: int, source_part: int | None, *, obstore: bool) -> int:
        caps = self.provider.capabilities
        return etag_layout_part(size, part, source_part,
                                min_part=max(ETAG_MIN_PART, caps.min_part_size or 1),
                                max_part=min(5 * 1024 * MiB, caps.max_part_size or 5 * 1024 * MiB),
                                max_parts=caps.max_parts or 10_000)

    def same_account(self, a: Any, b: Any) -> bool:
        if a is b:
            return True
        if type(a) is not type(b):
            return False
        options = getattr(a, "storage_options", None)
        return options is not None and options == getattr(b, "storage_options", None)

    async def write_whole(self, rt: Runtime, ep: Endpoint, path: str, data: Any) -> WriteResult:
        try:
            return await super().write_whole(rt, ep, path, data)
        except Exception as exc:
            raise _as_integrity(exc) from exc

    async def write_stream(self, rt: Runtime, ep: Endpoint, path: str,
                           chunks: AsyncIterator[Any], *, part_size: int) -> WriteResult:
        try:
            return await super().write_stream(rt, ep, path, chunks, part_size=part_size)
        except Exception as exc:
            raise _as_integrity(exc) from exc
