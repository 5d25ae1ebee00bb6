"""GCS object versions: the bucket's ``versioning.enabled`` and object generations.

A version id is a generation number. Versioning is a bucket field (``PATCH
/b/{bucket}`` with ``{"versioning": {"enabled": …}}``); generations are
listed with ``versions=true``, and a noncurrent one carries
``timeDeleted``. Reading, copying (``sourceGeneration``) and deleting one
generation are gcsfs's own calls on a version-aware instance
(``KEY#GENERATION``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from omefs.versions import ObjectVersion, VersionHooks

__all__ = ["GCSVersionHooks"]


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


class GCSVersionHooks(VersionHooks):
    """Versions through the GCS JSON API that gcsfs speaks."""

    def state(self, fs: Any, path: str) -> str:
        bucket = fs.call("GET", "b/{}", path, json_out=True)
        versioning = bucket.get("versioning")
        if versioning is None:
            return "disabled"
        return "enabled" if versioning.get("enabled") else "suspended"

    def set_state(self, fs: Any, path: str, enabled: bool) -> None:
        fs.call("PATCH", "b/{}", path, json={"versioning": {"enabled": enabled}}, json_out=True)

    def list(self, fs: Any, path: str) -> list[ObjectVersion]:
        bucket, _, prefix = path.partition("/")
        out: list[ObjectVersion] = []
        token = None
        while True:
            page = fs.call("GET", "b/{}/o", bucket, prefix=prefix or None, versions="true",
                           pageToken=token, json_out=True)
            out.extend(self._record(bucket, item) for item in page.get("items", []))
            token = page.get("nextPageToken")
            if not token:
                break
        out.sort(key=lambda v: (v.path, -int(v.version_id)))
        return out

    def _record(self, bucket: str, item: dict[str, Any]) -> ObjectVersion:
        path = f"{bucket}/{item['name']}"
        native = item.get("storageClass")
        generation = str(item["generation"])
        return ObjectVersion(
            path=path, version_id=generation, size=int(item.get("size") or 0),
            last_modified=_time(item.get("updated") or item.get("timeCreated")),
            is_latest=not item.get("timeDeleted"), storage_class=self.storage_class(native),
            storage_class_native=native, url=f"gs://{path}?version={generation}",
        )
