"""Object versioning for the fake OCI Object Storage, as the OCI REST reference describes it.

* A bucket's ``versioning`` is ``Disabled`` until ``CreateBucket`` or
  ``UpdateBucket`` (``POST /n/{ns}/b/{bucket}``) sets ``Enabled`` or
  ``Suspended``; ``GetBucket`` reports it.
* In an ``Enabled`` bucket an overwrite keeps the previous version, and a
  delete keeps it behind a delete marker.
* ``GET /n/{ns}/b/{bucket}/objectversions`` (``prefix``, ``start``,
  ``end``, ``limit``, ``fields``, ``page``) lists them as
  ``ObjectVersionSummary`` items, per name newest first, with
  ``versionId`` and ``isDeleteMarker``; ``opc-next-page`` pages on.
* ``GetObject``, ``HeadObject`` and ``DeleteObject`` take ``versionId``
  (a delete with it removes that version for good); ``CopyObject`` takes
  ``sourceVersionId``.

:class:`VersionedObjects` is the bucket's object table: a dict of the live
objects that keeps the history beside them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DeleteMarker", "VersionedObjects", "list_object_versions", "parse_versioning"]

STATES = ("Enabled", "Suspended", "Disabled")


@dataclass
class DeleteMarker:
    """What a delete leaves in a versioned bucket: a version with no bytes."""

    created: float
    version: str = field(default_factory=lambda: str(uuid.uuid4()))


class VersionedObjects(dict[str, Any]):
    """``{name: StoredObject}`` of live objects, plus ``history`` (older versions and delete
    markers, newest first) while the bucket's ``versioning`` is ``Enabled``."""

    def __init__(self, *args: Any, clock: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versioning = "Disabled"
        self.history: dict[str, list[Any]] = {}
        self.clock = clock

    def _keep(self, key: str) -> None:
        if self.versioning == "Enabled" and key in self:
            self.history.setdefault(key, []).insert(0, dict.__getitem__(self, key))

    def __setitem__(self, key: str, value: Any) -> None:
        self._keep(key)
        super().__setitem__(key, value)

    def _marker(self, key: str) -> None:
        if self.versioning == "Enabled":
            now = self.clock() if self.clock else 0.0
            self.history.setdefault(key, []).insert(0, DeleteMarker(now))

    def __delitem__(self, key: str) -> None:
        self._keep(key)
        super().__delitem__(key)
        self._marker(key)

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if key not in self:
            return super().pop(key, *default)
        self._keep(key)
        value = super().pop(key)
        self._marker(key)
        return value

    # -- versions ----------------------------------------------------------------
    def versions(self, key: str) -> list[Any]:
        """Every version of ``key``, newest first (the live object first, when there is one)."""
        live = [dict.__getitem__(self, key)] if key in self else []
        return live + self.history.get(key, [])

    def find(self, key: str, version: str) -> Any:
        """The version ``version`` of ``key`` (a StoredObject or a DeleteMarker), or None."""
        return next((v for v in self.versions(key) if v.version == version), None)

    def drop(self, key: str, version: str) -> bool:
        """Delete one version for good; the live one leaves the newest older object live (no
        new marker). False when there is no such version."""
        if key in self and dict.__getitem__(self, key).version == version:
            dict.__delitem__(self, key)
            older = self.history.get(key, [])
            if older and not isinstance(older[0], DeleteMarker):
                dict.__setitem__(self, key, older.pop(0))
            return True
        kept = self.history.get(key, [])
        for index, item in enumerate(kept):
            if item.version == version:
                del kept[index]
                if index == 0 and key not in self and kept and not isinstance(kept[0], DeleteMarker):
                    dict.__setitem__(self, key, kept.pop(0))  # the marker went: older is live
                return True
        return False

    def names(self) -> list[str]:
        return sorted(set(self) | {k for k, v in self.history.items() if v})


def parse_versioning(value: Any) -> str:
    """A ``versioning`` field of a request body, checked."""
    if value not in STATES:
        raise ValueError(f"versioning must be one of {', '.join(STATES)}, not {value!r}")
    return str(value)


_VERSION_FIELDS = ("name", "size", "etag", "md5", "timeCreated", "timeModified", "storageTier",
                   "archivalState")


def list_object_versions(objects: VersionedObjects, query: dict[str, str],
                         rfc3339: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers of ``ListObjectVersions`` over ``objects``."""
    prefix = query.get("prefix", "")
    start, end = query.get("start"), query.get("end")
    limit = max(1, min(int(query.get("limit") or 1000), 1000))
    fields = {f.strip() for f in query.get("fields", "name").split(",") if f.strip()} | {"name"}
    unknown = fields - set(_VERSION_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    rows: list[tuple[str, Any]] = []
    for name in objects.names():
        if not name.startswith(prefix) or (start and name < start) or (end and name >= end):
            continue
        rows.extend((name, v) for v in objects.versions(name))
    first = int(query.get("page") or 0)
    page, more = rows[first:first + limit], rows[first + limit:]
    items = []
    for name, version in page:
        marker = isinstance(version, DeleteMarker)
        full = {"name": name, "size": 0 if marker else len(version.data),
                "etag": None if marker else version.etag,
                "md5": None if marker else version.listed_md5,
                "timeCreated": rfc3339(version.created), "timeModified": rfc3339(version.created),
                "storageTier": None if marker else version.tier,
                "archivalState": None if marker or version.tier != "Archive" else "Archived"}
        item = {k: v for k, v in full.items() if k in fields and v is not None}
        item.update(versionId=version.version, isDeleteMarker=marker)
        items.append(item)
    headers = {"opc-next-page": str(first + limit)} if more else {}
    return {"items": items, "prefixes": []}, headers
