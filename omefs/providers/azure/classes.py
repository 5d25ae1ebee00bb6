"""Azure access tiers: writing with one, Set Blob Tier, rehydrating from Archive.

* A tier is written with ``x-ms-access-tier`` on Put Blob and Put Block
  List (azure-storage-blob's ``standard_blob_tier=``, obstore's
  ``Storage-Class`` attribute). adlfs's files commit their block list
  without it, so omefs's files set the tier right after the commit.
* The tier of a blob is ``blob_tier`` in its properties (``x-ms-access-tier``).
* Set Blob Tier changes it in place. Leaving ``Archive`` is a rehydration
  that takes hours on Azure (``archive_status`` is
  ``rehydrate-pending-to-hot`` meanwhile), at ``Standard`` or ``High``
  priority; reading an ``Archive`` blob is refused (409 ``BlobArchived``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omefs.classes import StorageClasses, StorageClassOps
from omefs.errors import ConfigError

__all__ = ["AZURE_CLASSES", "AzureClassOps", "rehydrate_priority"]

AZURE_CLASSES = StorageClasses(
    neutral={"STANDARD": "Hot", "INFREQUENT": "Cool", "COLD": "Cold", "ARCHIVE": "Archive"},
    native={"Hot": "STANDARD", "Cool": "INFREQUENT", "Cold": "COLD", "Archive": "ARCHIVE"},
    archived=frozenset({"Archive"}),
    ops="omefs.providers.azure.classes:AzureClassOps",
    term="access tier",
)

_PRIORITIES = {"standard": "Standard", "high": "High"}


def rehydrate_priority(priority: str | None) -> str:
    """A neutral or native priority as Azure's ``x-ms-rehydrate-priority``."""
    if priority is None:
        return "Standard"
    value = _PRIORITIES.get(str(priority).lower())
    if value is None:
        raise ConfigError(f"unknown rehydrate priority {priority!r} for Azure; it accepts "
                          "standard or high", operation="restore", provider="azure")
    return value


async def _set_tier(fs: Any, path: str, native: str, priority: str | None) -> None:
    container, blob, _ = fs.split_path(path)
    async with fs.service_client.get_blob_client(container, blob) as client:
        kwargs = {"rehydrate_priority": priority} if priority else {}
        await client.set_standard_blob_tier(native, **kwargs)


class AzureClassOps(StorageClassOps):
    """Azure Blob Storage through adlfs."""

    info_keys = ("blob_tier",)

    def restore_state(self, entry: Mapping[str, Any]) -> str | None:
        status = str(entry.get("archive_status") or "")
        if status.startswith("rehydrate-pending"):
            return "restoring"
        if str(entry.get("blob_tier") or "") == "Archive":
            return "archived"
        return None

    def write_options(self, native: str, *, file: bool) -> dict[str, Any]:
        if file:
            return {"omefs_blob_tier": native}
        from azure.storage.blob import StandardBlobTier

        return {"standard_blob_tier": StandardBlobTier(native)}

    def obstore_attributes(self, native: str) -> dict[str, str] | None:
        return {"Storage-Class": native}

    def set_class(self, fs: Any, path: str, native: str) -> None:
        from fsspec.asyn import sync

        info = fs.info(path)
        leaving_archive = info.get("blob_tier") == "Archive" and native != "Archive"
        sync(fs.loop, _set_tier, fs, path, native, "Standard" if leaving_archive else None)
        fs.invalidate_cache(path)

    def restore(self, fs: Any, path: str, *, days: int | None, priority: str | None) -> str:
        from fsspec.asyn import sync

        chosen = rehydrate_priority(priority)
        sync(fs.loop, _set_tier, fs, path, "Hot", chosen)
        fs.invalidate_cache(path)
        return f"rehydrating to Hot ({chosen} priority)"
