"""OCI storage tiers: writing with one, UpdateObjectStorageTier, RestoreObjects.

* A tier is written with the ``storage-tier`` header on PutObject and in
  CreateMultipartUpload's body (ocifs's and omefs's ``storage_tier=``).
* HEAD and listings carry ``storage-tier`` / ``storageTier`` and, for
  Archive objects, ``archival-state`` / ``archivalState``: ``Archived``,
  ``Restoring`` or ``Restored``.
* UpdateObjectStorageTier moves an object between Standard and
  InfrequentAccess, or into Archive; nothing leaves Archive that way.
* RestoreObjects makes an Archive object readable for ``hours`` (1–240,
  24 by default); it takes up to an hour. OCI has no Cold tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omefs.classes import StorageClasses, StorageClassOps
from omefs.errors import ConfigError

__all__ = ["OCI_CLASSES", "OCIClassOps"]

OCI_CLASSES = StorageClasses(
    neutral={"STANDARD": "Standard", "INFREQUENT": "InfrequentAccess", "ARCHIVE": "Archive"},
    native={"Standard": "STANDARD", "InfrequentAccess": "INFREQUENT", "Archive": "ARCHIVE"},
    archived=frozenset({"Archive"}),
    ops="omefs.providers.oci.classes:OCIClassOps",
    term="storage tier",
)

_STATES = {"archived": "archived", "restoring": "restoring", "restored": "restored"}


class OCIClassOps(StorageClassOps):
    """OCI Object Storage through omefs's ocifs filesystem."""

    info_keys = ("storageTier",)

    def restore_state(self, entry: Mapping[str, Any]) -> str | None:
        state = entry.get("archivalState")
        if state:
            return _STATES.get(str(state).lower(), str(state).lower())
        return "archived" if entry.get("storageTier") == "Archive" else None

    def write_options(self, native: str, *, file: bool) -> dict[str, Any]:
        return {"storage_tier": native}

    def set_class(self, fs: Any, path: str, native: str) -> None:
        from oci.object_storage.models import UpdateObjectStorageTierDetails

        bucket, namespace, key = fs.split_path(path)
        current = fs.info(path).get("storageTier")
        if current == "Archive" and native != "Archive":
            raise ConfigError(
                f"OCI cannot move an object out of Archive ({path}); restore it and copy it "
                "with storage_class= instead", operation="set-class", provider="oci")
        fs.oci_client.update_object_storage_tier(
            namespace, bucket, UpdateObjectStorageTierDetails(object_name=key, storage_tier=native))
        fs.invalidate_cache(path)

    def restore(self, fs: Any, path: str, *, days: int | None, priority: str | None) -> str:
        from oci.object_storage.models import RestoreObjectsDetails

        if priority is not None:
            raise ConfigError("OCI restores take no priority", operation="restore",
                              provider="oci")
        hours = 24 * int(days) if days else 24
        if not 1 <= hours <= 240:
            raise ConfigError(f"OCI restores an object for 1 to 240 hours (10 days); got {days!r} "
                              "days", operation="restore", provider="oci")
        bucket, namespace, key = fs.split_path(path)
        fs.oci_client.restore_objects(namespace, bucket,
                                      RestoreObjectsDetails(object_name=key, hours=hours))
        fs.invalidate_cache(path)
        return f"restore requested for {hours} hours"
