"""What the copy engine asks of S3: ETags, part layouts, CopyObject, leftover uploads.

* An S3 ETag is the MD5 of a single-part upload and ``md5(part md5s)-N``
  of a multipart one — unless SSE-KMS or SSE-C made it something else.
* A multipart source's part size is learnt with ``HEAD ?partNumber=1``, so
  the destination can reuse the layout (and get the same ETag).
* Server-side copies: ``CopyObject`` (obstore within a bucket, botocore
  across buckets) up to 5 GiB; above that ``UploadPartCopy`` ranges,
  aborted if any part fails.
* Unfinished multipart uploads are invisible but billed: the engine asks
  to abort the ones it (or an interrupted earlier run) left behind.
* A whole object is read and written with one presigned GET or PUT over
  plain HTTP (:mod:`omefs.providers.aws.presigned`) where that is all
  obstore's request is.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from omefs.providers.hooks import TransferHooks, etag_layout_part

if TYPE_CHECKING:
    from omefs.transfer.endpoints import Endpoint
    from omefs.transfer.streams import Runtime, WriteResult
    from omefs.transfer.verify import Fingerprint

__all__ = ["S3TransferHooks", "COPY_LIMIT", "s3_identity"]

log = logging.getLogger("omefs.transfer")

MiB = 1 << 20
#: The largest object one ``CopyObject`` copies.
COPY_LIMIT = 5 * 1024 * MiB


def _norm(url: Any) -> str | None:
    return str(url).rstrip("/").lower() if url else None


def _sse_hides_md5(info: dict[str, Any]) -> bool:
    """Whether the object's ETag is no MD5: SSE-KMS and SSE-C (from a HeadObject answer,
    or the neutral ``encryption`` of an ``info()`` entry)."""
    if (info.get("encryption") or {}).get("mode") in ("kms", "customer"):
        return True
    sse = str(info.get("ServerSideEncryption") or "").lower()
    return "kms" in sse or bool(info.get("SSECustomerAlgorithm"))


def s3_identity(fs: Any) -> tuple[Any, ...]:
    """The endpoint and the identity an S3 filesystem signs with (nothing secret leaves)."""
    from omefs.providers.aws.store import s3_endpoint

    endpoint = _norm(s3_endpoint(fs))
    config = getattr(fs, "auth_config", None)
    if getattr(fs, "anon", False):
        who: Any = "anon"
    elif getattr(fs, "key", None):
        who = ("key", fs.key, getattr(fs, "token", None))
    else:
        who = (config.fingerprint() if config is not None else None) or (
            "default", (getattr(fs, "kwargs", None) or {}).get("profile"))
    return endpoint, who


class S3TransferHooks(TransferHooks):
    """S3 (and S3-compatible stores reached through s3fs)."""

    def fingerprint(self, info: dict[str, Any] | None) -> Fingerprint:
        from omefs.transfer.verify import base_fingerprint, etag_digest

        fp = base_fingerprint(info)
        if not info or _sse_hides_md5(info):
            return fp
        md5, multi = etag_digest(info.get("ETag") or info.get("etag") or info.get("e_tag"))
        return fp.with_(md5=md5, multipart_etag=multi)

    def head_fingerprint(self, meta: dict[str, Any]) -> Fingerprint:
        return self.fingerprint({"size": meta["size"], "ETag": meta.get("e_tag")})

    def etag_fingerprint(self, etag: str) -> Fingerprint | None:
        return self.fingerprint({"ETag": etag})

    def reported_digests(self, *, multipart: bool, obstore: bool) -> set[str]:
        return {"etag"} if multipart else {"md5"}

    def etag_is_not_md5(self, ep: Endpoint, path: str) -> bool:
        bucket, key = ep.split(path)
        try:
            out = ep.fs.call_s3("head_object", Bucket=bucket, Key=key)
        except Exception:  # noqa: BLE001 - then nothing more is known
            return False
        return _sse_hides_md5(out)

    def source_part_size(self, ep: Endpoint, path: str) -> int | None:
        located = ep.store(path)
        client = None
        if located is not None:
            from omefs.providers.aws.presigned import first_part_size, plain_client

            client = plain_client(located[0])
        if client is not None:
            try:  # without s3fs and aiobotocore (about 0.3 s of imports on a big copy)
                size = first_part_size(client, *located)  # type: ignore[misc]
            except Exception as exc:  # noqa: BLE001 - s3fs asks instead
                log.debug("part size of %s through botocore's signer: %s", path, exc)
                size = None
            if size is not None:
                return size
        bucket, key = ep.split(path)
        try:
            out = ep.fs.call_s3("head_object", Bucket=bucket, Key=key, PartNumber=1)
            return int(out["ContentLength"])
        except Exception as exc:  # noqa: BLE001 - then the ETag cannot be checked
            log.debug("part size of %s unknown: %s", path, exc)
            return None

    def part_size(self, size: int, part: int, source_part: int | None, *, obstore: bool) -> int:
        caps = self.provider.capabilities
        return etag_layout_part(size, part, source_part, min_part=caps.min_part_size or 1,
                                max_part=caps.max_part_size or COPY_LIMIT,
                                max_parts=caps.max_parts or 10_000)

    async def read_stored(self, rt: Runtime, store: Any, key: str) -> Any:
        """One presigned GET over plain HTTP where the store's GET is nothing more
        (:mod:`omefs.providers.aws.presigned`), else obstore's."""
        from omefs.providers.aws.presigned import get_object, presigned_or_obstore

        by_obstore = super().read_stored
        return await presigned_or_obstore(rt, store, lambda client: get_object(client, store, key),
                                          lambda: by_obstore(rt, store, key))

    async def write_stored(self, rt: Runtime, store: Any, key: str, data: Any,
                           **attributes: Any) -> WriteResult:
        """One presigned PUT over plain HTTP where the store's PUT is nothing more and no
        attribute (a storage class) goes with it, else obstore's."""
        from omefs.providers.aws.presigned import presigned_or_obstore, put_object
        from omefs.transfer.streams import WriteResult

        by_obstore = super().write_stored
        if attributes:
            return await by_obstore(rt, store, key, data, **attributes)

        def send(client: Any) -> WriteResult:
            headers = put_object(client, store, key, data)
            return WriteResult(etag=headers.get("etag"), version=headers.get("x-amz-version-id"),
                               acknowledged=memoryview(data).nbytes)

        return await presigned_or_obstore(  # type: ignore[no-any-return]
            rt, store, send, lambda: by_obstore(rt, store, key, data))

    def build_store(self, fs: Any, bucket: str, *, retries: int) -> Any:
        from omefs.providers.aws.store import build_s3_store

        return build_s3_store(fs, bucket, retries)

    def same_account(self, a: Any, b: Any) -> bool:
        return a is b or s3_identity(a) == s3_identity(b)

    async def server_side_copy(self, rt: Runtime, src: Endpoint, spath: str, dst: Endpoint,
                               dpath: str, size: int, part_size: int) -> str:
        sbucket, skey = src.split(spath)
        dbucket, dkey = dst.split(dpath)
        if size > COPY_LIMIT:
            await rt.run(self._part_copy, dst.fs, sbucket, skey, dbucket, dkey, size, part_size)
            return "server-side"
        located = dst.store(dpath) if sbucket == dbucket else None
        src_located = src.store(spath) if located is not None else None
        if located is not None and src_located is not None:
            import obstore

            await obstore.copy_async(located[0], skey, dkey)
            return "server-side"
        await rt.run(dst.fs.call_s3, "copy_object", Bucket=dbucket, Key=dkey,
                     CopySource={"Bucket": sbucket, "Key": skey})
        return "server-side"

    def _part_copy(self, fs: Any, sbucket: str, skey: str, dbucket: str, dkey: str, size: int,
                   part_size: int) -> None:
        """Multipart ``UploadPartCopy`` for objects over 5 GiB; aborted on any failure."""
        caps = self.provider.capabilities
        max_parts = caps.max_parts or 10_000
        part = max(part_size, caps.min_part_size or 1, math.ceil(size / max_parts))
        part = min(part, COPY_LIMIT)
        mpu = fs.call_s3("create_multipart_upload", Bucket=dbucket, Key=dkey)
        upload_id = mpu["UploadId"]
        try:
            parts = []
            for number, start in enumerate(range(0, size, part), 1):
                end = min(size, start + part) - 1
                out = fs.call_s3("upload_part_copy", Bucket=dbucket, Key=dkey, PartNumber=number,
                                 UploadId=upload_id, CopySource={"Bucket": sbucket, "Key": skey},
                                 CopySourceRange=f"bytes={start}-{end}")
                parts.append({"PartNumber": number, "ETag": out["CopyPartResult"]["ETag"]})
            fs.call_s3("complete_multipart_upload", Bucket=dbucket, Key=dkey, UploadId=upload_id,
                       MultipartUpload={"Parts": parts})
        except BaseException:
            try:
                fs.call_s3("abort_multipart_upload", Bucket=dbucket, Key=dkey, UploadId=upload_id)
            except Exception:  # noqa: BLE001 - the original error matters more
                pass
            raise

    def leaves_uploads(self) -> bool:
        return True

    def abort_uploads(self, ep: Endpoint, path: str, since: float | None = None,
                      before: float | None = None) -> None:
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
