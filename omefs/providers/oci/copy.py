"""Server-side copy with ``copyObject``, polled to completion through its work request.

OCI copies asynchronously: ``POST …/actions/copyObject`` answers at once
with an ``opc-work-request-id``, and the copy is done only when that work
request is ``COMPLETED``. ocifs fires the request and returns, so a reader
that follows can miss the object. :func:`copy_object` polls the work
request (backing off from ``poll_interval`` to ``max_poll_interval``),
raises a clear error naming the work request and the service's reasons
when it fails or is cancelled, and gives up after ``timeout`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from omefs.errors import NotFoundError, OmefsError, TransferError
from omefs.redact import get_logger

__all__ = ["CopyResult", "copy_object"]

log = get_logger(__name__)

_DONE = "COMPLETED"
_FAILED = ("FAILED", "CANCELED", "CANCELLED")


@dataclass(frozen=True)
class CopyResult:
    """A finished server-side copy: its work request, how many polls it took, how long."""

    work_request_id: str
    polls: int
    duration: float


def copy_object(
    client: Any,
    source: tuple[str, str, str],
    destination: tuple[str, str, str],
    *,
    region: str,
    source_etag: str | None = None,
    source_version_id: str | None = None,
    metadata: Mapping[str, str] | None = None,
    poll_interval: float = 0.2,
    max_poll_interval: float = 5.0,
    timeout: float | None = None,
    progress: Callable[[float], None] | None = None,
    uri: str | None = None,
) -> CopyResult:
    """Copy ``(ns, bucket, key)`` to ``(ns, bucket, key)`` on the service and wait for it.

    Args:
        region: the destination region (``copyObject`` needs it even within one region).
        source_etag: copy only this version of the source (``If-Match``).
        source_version_id: copy this older version of the source (a versioned bucket).
        metadata: replace the destination's metadata (default: keep the source's).
        progress: called with the work request's percent complete at each poll.
        timeout: seconds to wait for the work request (None: no limit).
    """
    from oci.object_storage.models import CopyObjectDetails

    src_ns, src_bucket, src_key = source
    dst_ns, dst_bucket, dst_key = destination
    what = uri or f"{src_bucket}@{src_ns}/{src_key} -> {dst_bucket}@{dst_ns}/{dst_key}"
    details = CopyObjectDetails(
        source_object_name=src_key,
        source_object_if_match_e_tag=source_etag,
        source_version_id=source_version_id,
        destination_region=region,
        destination_namespace=dst_ns,
        destination_bucket=dst_bucket,
        destination_object_name=dst_key,
        destination_object_metadata=dict(metadata) if metadata else None,
    )
    started = time.monotonic()
    response = client.copy_object(src_ns, src_bucket, details)
    work_request_id = response.headers.get("opc-work-request-id")
    if not work_request_id:
        raise TransferError(
            f"server-side copy {what}: the service returned no opc-work-request-id to poll",
            operation="copy", provider="oci",
        )
    log.debug("copy %s accepted as work request %s", what, work_request_id)
    delay = poll_interval
    polls = 0
    while True:
        polls += 1
        request = client.get_work_request(work_request_id).data
        status = str(request.status or "").upper()
        if progress is not None and request.percent_complete is not None:
            progress(float(request.percent_complete))
        if status == _DONE:
            return CopyResult(work_request_id, polls, time.monotonic() - started)
        if status in _FAILED:
            raise _failure(client, work_request_id, status, what)
        if timeout is not None and time.monotonic() - started > timeout:
            raise TransferError(
                f"server-side copy {what} did not finish within {timeout:g}s "
                f"(work request {work_request_id} is still {status or 'unknown'}; it may "
                "still complete on the service)",
                operation="copy", provider="oci",
            )
        time.sleep(delay)
        delay = min(max_poll_interval, delay * 1.5)


def _failure(client: Any, work_request_id: str, status: str, what: str) -> OmefsError:
    reasons: list[str] = []
    codes: list[str] = []
    try:
        for error in client.list_work_request_errors(work_request_id).data or []:
            codes.append(str(error.code or ""))
            reasons.append(f"{error.code}: {error.message}" if error.code else str(error.message))
    except Exception as exc:  # the failure itself is what matters
        reasons.append(f"(its errors could not be listed: {type(exc).__name__})")
    detail = "; ".join(reasons) or "the service gave no reason"
    message = f"server-side copy {what} {status.lower()} (work request {work_request_id}): {detail}"
    if any(code in ("ObjectNotFound", "BucketNotFound", "NotFound") for code in codes):
        return NotFoundError(message, operation="copy", provider="oci")
    return TransferError(message, operation="copy", provider="oci")
