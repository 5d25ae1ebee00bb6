"""S3 object versions: PutBucketVersioning / GetBucketVersioning, ListObjectVersions.

Reading, copying and deleting one version are s3fs's own calls on a
version-aware instance (``KEY?versionId=ID``); see
:mod:`omefs.providers.versioned`.
"""

from __future__ import annotations

from typing import Any

from omefs.versions import ObjectVersion, VersionHooks

__all__ = ["S3VersionHooks"]

# GetBucketVersioning's Status (absent: never turned on) -> the neutral state.
_STATES = {"Enabled": "enabled", "Suspended": "suspended"}


class S3VersionHooks(VersionHooks):
    """Versions through the S3 API that s3fs's client speaks."""

    def state(self, fs: Any, path: str) -> str:
        reply = fs.call_s3("get_bucket_versioning", Bucket=path)
        return _STATES.get(reply.get("Status", ""), "disabled")

    def set_state(self, fs: Any, path: str, enabled: bool) -> None:
        status = "Enabled" if enabled else "Suspended"
        fs.call_s3("put_bucket_versioning", Bucket=path,
                   VersioningConfiguration={"Status": status})

    def list(self, fs: Any, path: str) -> list[ObjectVersion]:
        bucket, _, prefix = path.partition("/")
        out: list[ObjectVersion] = []
        kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        while True:
            page = fs.call_s3("list_object_versions", **kwargs)
            for item in page.get("Versions", []):
                out.append(self._record(fs, bucket, item, marker=False))
            for item in page.get("DeleteMarkers", []):
                out.append(self._record(fs, bucket, item, marker=True))
            if not page.get("IsTruncated"):
                break
            kwargs.update(KeyMarker=page.get("NextKeyMarker"),
                          VersionIdMarker=page.get("NextVersionIdMarker"))
        # Per key, newest first: S3 lists versions so, but boto3 hands delete markers apart
        # (a stable sort keeps S3's order between versions of the same second).
        out.sort(key=lambda v: (v.path, not v.is_latest,
                                -(v.last_modified.timestamp() if v.last_modified else 0)))
        return out

    def _record(self, fs: Any, bucket: str, item: dict[str, Any], marker: bool) -> ObjectVersion:
        path = f"{bucket}/{item['Key']}"
        native = None if marker else item.get("StorageClass")
        return ObjectVersion(
            path=path, version_id=str(item["VersionId"]), size=int(item.get("Size", 0)),
            last_modified=item.get("LastModified"), is_latest=bool(item.get("IsLatest")),
            delete_marker=marker, storage_class=self.storage_class(native),
            storage_class_native=native, url=f"s3://{path}?version={item['VersionId']}",
        )
