"""Azure blob versions: the account's versioning switch (management plane), List Blobs
with ``include=versions``, ``versionid=`` on blob reads, deletes and copy sources.

Versioning is a property of the storage account's Blob service
(``isVersioningEnabled``), not of a container, and lives in Azure Resource
Manager: :mod:`omefs.providers.azure.management` reads and sets it, with an
Entra ID credential and the ``subscription_id`` / ``resource_group``
settings. Everything else is the data plane, through adlfs's client
(``KEY?versionid=ID`` on a version-aware instance).
"""

from __future__ import annotations

from typing import Any

from omefs.errors import ConfigError
from omefs.versions import ObjectVersion, VersionHooks

__all__ = ["AzureVersionHooks"]


def _management(fs: Any) -> Any:
    from omefs.providers.azure.management import management_client

    creds = getattr(fs, "auth_credentials", None)
    if creds is None:
        raise ConfigError(
            "Azure blob versioning is switched in the management plane: give the filesystem an "
            "Entra ID auth config (client_secret, managed_identity, default…) with "
            "subscription_id and resource_group", operation="versioning", provider="azure")
    account = (getattr(fs, "account_name", None)
               or getattr(getattr(fs, "service_client", None), "account_name", None))
    return management_client(creds, account)


class AzureVersionHooks(VersionHooks):
    """Versions through adlfs's blob client, the switch through Azure Resource Manager."""

    def state(self, fs: Any, path: str) -> str:
        enabled = _management(fs).get_blob_service_properties().get("isVersioningEnabled")
        return "enabled" if enabled else "disabled"

    def known_state(self, fs: Any, path: str) -> str | None:
        """The state when the management plane can be asked with this filesystem's credentials;
        None (listing and reading versions go on) with a key, SAS or connection string."""
        try:
            return self.state(fs, path)
        except ConfigError:
            return None

    def set_state(self, fs: Any, path: str, enabled: bool) -> None:
        _management(fs).set_blob_service_properties({"isVersioningEnabled": enabled})

    def list(self, fs: Any, path: str) -> list[ObjectVersion]:
        from fsspec.asyn import sync

        container, _, prefix = path.partition("/")

        async def listing() -> list[Any]:
            client = fs.service_client.get_container_client(container)
            return [b async for b in client.list_blobs(name_starts_with=prefix or None,
                                                       include=["versions"])]

        out = [self._record(fs, container, blob) for blob in sync(fs.loop, listing)]
        # Per blob the current version first, then newest first (version ids are timestamps).
        out.sort(key=lambda v: v.version_id, reverse=True)
        out.sort(key=lambda v: (v.path, not v.is_latest))
        return out

    def _record(self, fs: Any, container: str, blob: Any) -> ObjectVersion:
        path = f"{container}/{blob.name}"
        native = str(blob.blob_tier) if getattr(blob, "blob_tier", None) else None
        scheme = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
        return ObjectVersion(
            path=path, version_id=str(blob.version_id), size=int(blob.size or 0),
            last_modified=blob.last_modified, is_latest=bool(blob.is_current_version),
            storage_class=self.storage_class(native), storage_class_native=native,
            url=f"{scheme}://{path}?version={blob.version_id}",
        )

