"""Server-side copies: when both ends are one provider and one account, no byte crosses the client.

* S3: ``CopyObject`` (obstore within a bucket, botocore across buckets) up
  to 5 GiB; above that a multipart upload of ``UploadPartCopy`` ranges,
  aborted if any part fails.
* GCS: the ``rewrite`` API through gcsfs, which loops on the rewrite token
  until the service reports the copy done.
* Azure: ``Copy Blob`` from the source URL, polled until the copy status
  is ``success`` (a failed or aborted copy is deleted so no empty blob is
  left behind).
* OCI and any other filesystem where source and destination are one
  filesystem instance: the filesystem's own ``cp_file`` (for OCI, omefs's
  filesystem runs ``copyObject`` and polls its work request).

:func:`same_account` decides whether two endpoints qualify. It is
conservative — the same endpoint and the same identity — and the engine
falls back to streaming when a server-side copy is refused.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from omefs.errors import OmefsError
from omefs.transfer.endpoints import Endpoint
from omefs.transfer.streams import Runtime

__all__ = ["same_account", "server_side_copy", "S3_COPY_LIMIT"]

S3_COPY_LIMIT = 5 * 1024**3
S3_MIN_PART = 5 * 1024**2
S3_MAX_PARTS = 10_000
AZURE_COPY_TIMEOUT = 6 * 3600.0


def _norm(url: Any) -> str | None:
    if not url:
        return None
    return str(url).rstrip("/").lower()


def _auth_identity(fs: Any) -> Any:
    config = getattr(fs, "auth_config", None)
    return config.fingerprint() if config is not None else None


def _s3_identity(fs: Any) -> tuple[Any, ...]:
    client_kwargs = getattr(fs, "client_kwargs", None) or {}
    endpoint = _norm(client_kwargs.get("endpoint_url") or getattr(fs, "endpoint_url", None))
    if getattr(fs, "anon", False):
        who: Any = "anon"
    elif getattr(fs, "key", None):
        who = ("key", fs.key, getattr(fs, "token", None))
    else:
        who = _auth_identity(fs) or ("default", (getattr(fs, "kwargs", None) or {}).get("profile"))
    return endpoint, who


def _azure_identity(fs: Any) -> tuple[Any, ...]:
    from omefs.transfer.obstore_stores import _azure_settings

    s = _azure_settings(fs)
    return (s["account_name"] or "").lower(), _norm(s["endpoint"])


def _gcs_identity(fs: Any) -> tuple[Any, ...]:
    holder = getattr(fs, "credentials", None)
    creds = getattr(holder, "credentials", None)
    who = _auth_identity(fs) or (id(creds) if creds is not None else getattr(holder, "method", None))
    return _norm(getattr(fs, "_location", None)), who


def same_account(a: Endpoint, b: Endpoint) -> bool:
    """Whether a copy from ``a`` to ``b`` can run inside the service."""
    if a.provider != b.provider:
        return False
    if a.fs is b.fs:
        return a.provider not in ("github",)
    if type(a.fs) is not type(b.fs) and a.provider not in ("s3", "gcs", "azure"):
        return False
    if a.provider == "s3":
        return _s3_identity(a.fs) == _s3_identity(b.fs)
    if a.provider == "azure":
        ida = _azure_identity(a.fs)
        return bool(ida[0]) and ida == _azure_identity(b.fs)
    if a.provider == "gcs":
        return _gcs_identity(a.fs) == _gcs_identity(b.fs)
    if a.provider == "oci":
        sa = getattr(a.fs, "storage_options", None)
        return sa is not None and sa == getattr(b.fs, "storage_options", None)
    return False


# ---------------------------------------------------------------------------

async def _s3_copy(rt: Runtime, src: Endpoint, spath: str, dst: Endpoint, dpath: str,
                   size: int, part_size: int) -> str:
    sbucket, skey = src.split(spath)
    dbucket, dkey = dst.split(dpath)
    if size <= S3_COPY_LIMIT:
        located = dst.store(dpath) if sbucket == dbucket else None
        src_located = src.store(spath) if located is not None else None
        if located is not None and src_located is not None:
            import obstore

            await obstore.copy_async(located[0], skey, dkey)
            return "server-side"
        await rt.run(dst.fs.call_s3, "copy_object", Bucket=dbucket, Key=dkey,
                     CopySource={"Bucket": sbucket, "Key": skey})
        return "server-side"
    await rt.run(_s3_part_copy, dst.fs, sbucket, skey, dbucket, dkey, size, part_size)
    return "server-side"


def _s3_part_copy(fs: Any, sbucket: str, skey: str, dbucket: str, dkey: str, size: int,
                  part_size: int) -> None:
    """Multipart ``UploadPartCopy`` for objects over 5 GiB; aborted on any failure."""
    part = max(part_size, S3_MIN_PART, math.ceil(size / S3_MAX_PARTS))
    part = min(part, S3_COPY_LIMIT)
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


async def _azure_copy_async(fs: Any, spath: str, dpath: str, timeout: float) -> None:
    c1, _, b1 = spath.partition("/")
    c2, _, b2 = dpath.partition("/")
    service = fs.service_client
    source = service.get_blob_client(c1, b1)
    target = service.get_blob_client(c2, b2)
    started = await target.start_copy_from_url(source.url)
    status = started.get("copy_status")
    copy_id = started.get("copy_id")
    deadline = time.monotonic() + timeout
    delay = 0.2
    while status == "pending":
        if time.monotonic() > deadline:
            await target.abort_copy(copy_id)
            status = "aborted"
            break
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)
        props = await target.get_blob_properties()
        status = props.copy.status
    if status != "success":
        try:
            props = await target.get_blob_properties()
            if props.copy.id == copy_id:
                await target.delete_blob()
        except Exception:  # noqa: BLE001 - nothing to clean up
            pass
        raise OmefsError(f"Azure copy ended with status {status!r}", operation="copy",
                         uri=f"azure://{dpath}", provider="azure")


def _azure_copy(fs: Any, spath: str, dpath: str, timeout: float = AZURE_COPY_TIMEOUT) -> None:
    from fsspec.asyn import sync

    sync(fs.loop, _azure_copy_async, fs, spath, dpath, timeout)


async def server_side_copy(rt: Runtime, src: Endpoint, spath: str, dst: Endpoint, dpath: str,
                           size: int, part_size: int) -> str:
    """Copy inside the service; returns the method name. Raises when the service refuses."""
    if src.provider == "s3":
        return await _s3_copy(rt, src, spath, dst, dpath, size, part_size)
    if src.provider == "azure":
        await rt.run(_azure_copy, dst.fs, spath, dpath)
        return "server-side"
    if src.provider == "gcs":
        await rt.run(dst.fs.cp_file, spath, dpath)
        return "server-side"
    if src.provider == "file":
        await rt.run(_local_copy, spath, dpath)
        return "server-side"
    await rt.run(dst.fs.cp_file, spath, dpath)
    return "server-side"


def _local_copy(spath: str, dpath: str) -> None:
    """Copy a local file through a temporary sibling, renamed into place when complete."""
    import contextlib
    import os
    import shutil

    from omefs.transfer.streams import _local_temp

    parent = os.path.dirname(dpath)
    if parent:
        os.makedirs(parent, exist_ok=True)
    temp = _local_temp(dpath)
    try:
        shutil.copyfile(spath, temp)
        os.replace(temp, dpath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
