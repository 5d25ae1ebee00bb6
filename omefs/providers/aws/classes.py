"""S3 storage classes: writing with one, reading it, CopyObject in place, RestoreObject.

* A class is written with the ``x-amz-storage-class`` header (s3fs's
  ``StorageClass=``, obstore's ``Storage-Class`` attribute) on single puts
  and on ``CreateMultipartUpload``.
* HEAD omits the header for ``STANDARD``; s3fs reports ``STANDARD`` then.
* A class changes in place with ``CopyObject`` onto the same key with the
  new ``StorageClass`` (metadata copied); an archived (``GLACIER``,
  ``DEEP_ARCHIVE``) object must be restored first.
* ``RestoreObject`` makes a temporary readable copy for ``Days`` days; the
  ``x-amz-restore`` header (``Restore`` in HEAD) says whether it is still
  running (``ongoing-request="true"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omefs.classes import StorageClasses, StorageClassOps
from omefs.errors import ConfigError

__all__ = ["S3_CLASSES", "S3ClassOps"]

S3_CLASSES = StorageClasses(
    neutral={"STANDARD": "STANDARD", "INFREQUENT": "STANDARD_IA", "COLD": "GLACIER_IR",
             "ARCHIVE": "GLACIER"},
    native={"STANDARD": "STANDARD", "REDUCED_REDUNDANCY": "STANDARD",
            "INTELLIGENT_TIERING": "STANDARD", "EXPRESS_ONEZONE": "STANDARD",
            "STANDARD_IA": "INFREQUENT", "ONEZONE_IA": "INFREQUENT", "GLACIER_IR": "COLD",
            "GLACIER": "ARCHIVE", "DEEP_ARCHIVE": "ARCHIVE"},
    archived=frozenset({"GLACIER", "DEEP_ARCHIVE"}),
    ops="omefs.providers.aws.classes:S3ClassOps",
)

#: Neutral restore priorities -> S3's retrieval tiers.
_TIERS = {"standard": "Standard", "high": "Expedited", "expedited": "Expedited", "bulk": "Bulk",
          "low": "Bulk"}


def restore_tier(priority: str | None) -> str:
    """A neutral or native priority as S3's ``GlacierJobParameters.Tier``."""
    if priority is None:
        return "Standard"
    tier = _TIERS.get(str(priority).lower())
    if tier is None:
        raise ConfigError(f"unknown restore priority {priority!r} for S3; it accepts standard, "
                          "high (Expedited) or bulk", operation="restore", provider="s3")
    return tier


class S3ClassOps(StorageClassOps):
    """S3 through s3fs."""

    info_keys = ("StorageClass", "storage_class_native")

    def restore_state(self, entry: Mapping[str, Any]) -> str | None:
        if "Restore" not in entry:
            return None
        header = entry["Restore"]
        if not header:
            return "archived"
        return "restoring" if 'ongoing-request="true"' in str(header) else "restored"

    def write_options(self, native: str, *, file: bool) -> dict[str, Any]:
        return {"StorageClass": native}

    def obstore_attributes(self, native: str) -> dict[str, str] | None:
        return {"Storage-Class": native}

    async def refresh_async(self, fs: Any, path: str, entry: dict[str, Any]) -> dict[str, Any]:
        bucket, key, _ = fs.split_path(path)
        out = await fs._call_s3("head_object", Bucket=bucket, Key=key)
        entry["Restore"] = out.get("Restore")
        entry["restore_state"] = self.restore_state(entry)
        return entry

    def set_class(self, fs: Any, path: str, native: str) -> None:
        bucket, key, _ = fs.split_path(path)
        fs.call_s3("copy_object", Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key},
                   StorageClass=native, MetadataDirective="COPY")
        fs.invalidate_cache(path)

    def restore(self, fs: Any, path: str, *, days: int | None, priority: str | None) -> str:
        bucket, key, _ = fs.split_path(path)
        tier = restore_tier(priority)
        request = {"Days": int(days or 1), "GlacierJobParameters": {"Tier": tier}}
        try:
            fs.call_s3("restore_object", Bucket=bucket, Key=key, RestoreRequest=request)
        except Exception as exc:  # noqa: BLE001 - one known answer is not a failure
            if "RestoreAlreadyInProgress" not in str(exc) and "RestoreAlreadyInProgress" not in repr(
                    getattr(exc, "__cause__", None)):
                raise
            return "already restoring"
        fs.invalidate_cache(path)
        return f"restore requested for {request['Days']} days ({tier})"
