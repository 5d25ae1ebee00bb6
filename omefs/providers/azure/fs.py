"""Azure Blob Storage: adlfs with ``auth=``, routing, typed errors, and OME's ``azure://``.

:class:`AzureBlobFileSystem` serves adlfs's own schemes (``az://``,
``abfs://``, ``abfss://``) unchanged. :class:`OMEAzureFileSystem` serves
OME's ``azure://`` forms:

* ``azure://CONTAINER/PATH`` — the account comes from ``auth=`` or the options;
* ``azure://CONTAINER@ACCOUNT/PATH``;
* ``azure://ACCOUNT.blob.core.windows.net/CONTAINER/PATH``.

Both accept ``endpoint_url=`` / ``account_url=`` (an emulator, a private
endpoint, a sovereign cloud): adlfs itself always builds
``https://{account_host}``, which cannot reach an ``http://`` emulator
with a token credential or key, so omefs connects to the given URL itself.

Both take ``storage_class=`` on writes and show the access tier in
``info()`` and listings (:mod:`omefs.providers.class_aware`): adlfs leaves
``blob_tier`` out of its entries, so omefs adds it; adlfs's files commit
their blocks without a tier, so omefs's set it right after the commit.
"""

from __future__ import annotations

import contextvars
from typing import Any, ClassVar

import adlfs
from adlfs.spec import _create_aio_blob_service_client
from fsspec.asyn import sync_wrapper

from omefs.encryption import EncryptionOptions
from omefs.providers.azure.options import translate_options
from omefs.providers.azure.uri import split_path
from omefs.providers.class_aware import AsyncClassMixin
from omefs.providers.error_mapping import ASYNC_METHODS, has_service_error, map_errors
from omefs.providers.filesystem import AuthMixin
from omefs.providers.versioned import VersionedMixin

__all__ = ["AzureBlobFileSystem", "OMEAzureFileSystem", "TieredAzureBlobFile"]


class TieredAzureBlobFile(adlfs.AzureBlobFile):  # type: ignore[misc]
    """adlfs's file, which sets the blob's access tier once its block list is committed."""

    def __init__(self, *args: Any, omefs_blob_tier: str | None = None, **kwargs: Any) -> None:
        self.omefs_blob_tier = omefs_blob_tier
        super().__init__(*args, **kwargs)

    async def _async_upload_chunk(self, final: bool = False, **kwargs: Any) -> Any:
        out = await super()._async_upload_chunk(final=final, **kwargs)
        if final and self.omefs_blob_tier and self.mode in {"wb", "xb"}:
            async with self.container_client.get_blob_client(blob=self.blob) as client:
                await client.set_standard_blob_tier(self.omefs_blob_tier)
        return out

    _upload_chunk = sync_wrapper(_async_upload_chunk)


# Whether adlfs's ``_details`` runs inside ``_info`` (blob properties) rather than a listing.
_FROM_PROPERTIES: contextvars.ContextVar[bool] = contextvars.ContextVar("omefs_azure_properties",
                                                                        default=False)


# adlfs defines sync ``cat`` and ``expand_path`` itself, outside fsspec's mirroring.
@map_errors(*ASYNC_METHODS, "cat", "expand_path")
class AzureBlobFileSystem(
        VersionedMixin, AuthMixin, AsyncClassMixin, EncryptionOptions,
        adlfs.AzureBlobFileSystem):  # type: ignore[misc]
    """adlfs's filesystem, taking omefs auth configs, with ``version_id=`` everywhere
    (:mod:`omefs.providers.versioned`)."""

    native_version_form = "{path}?versionid={version}"
    native_version_field = "version_id"

    protocol = ("abfs", "az", "abfss")
    auth_provider: ClassVar[str] = "azure"
    storage_provider: ClassVar[str] = "azure"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset(
        {"account_key", "connection_string", "credential", "sas_token", "client_secret", "anon"}
    )

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return translate_options(self, kwargs)

    def invalidate_cache(self, path: str | None = None) -> None:
        """Forget the cached listing of ``path`` and of every folder above it.

        adlfs drops only the written path's parent, so a listing of a folder
        higher up, cached before the write, kept hiding the new sub-folder.
        """
        super().invalidate_cache(path)
        if path is None:
            return
        parent = str(self._strip_protocol(path)).rstrip("/")
        while parent:
            self.dircache.pop(parent, None)
            parent = parent.rpartition("/")[0]
        self.dircache.pop("", None)

    async def _pipe_file(self, path: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        """adlfs's ``pipe_file``; then the listings the new blob is in are dropped.

        adlfs drops the blob's parent without its container (a name no cached
        listing has), so a listing taken before kept hiding the blob.
        """
        try:
            return await super()._pipe_file(path, value, *args, **kwargs)
        finally:
            self.invalidate_cache(path)

    async def _cp_file(self, path1: str, path2: str, **kwargs: Any) -> Any:
        """adlfs's ``cp_file``; then the listings the copy is in are dropped (adlfs drops only
        the containers' own)."""
        try:
            return await super()._cp_file(path1, path2, **kwargs)
        finally:
            self.invalidate_cache(path2)

    async def _cat_file(self, path: str, start: int | None = None, end: int | None = None,
                        version_id: str | None = None, **kwargs: Any) -> bytes:
        """adlfs's ranged read, plus negative offsets (from the end) as s3fs and gcsfs take them."""
        if version_id is not None:
            kwargs["version_id"] = version_id
        if (start is not None and start < 0) or (end is not None and end < 0):
            size = (await self._info(path, version_id=version_id))["size"]
            if start is not None and start < 0:
                start = max(size + start, 0)
            if end is not None and end < 0:
                end = max(size + end, 0)
        data: bytes = await super()._cat_file(path, start=start, end=end, **kwargs)
        return data

    async def _info(self, path: str, *args: Any, **kwargs: Any) -> Any:
        """adlfs's ``info``; a missing blob's error keeps Azure's answer (``BlobNotFound``) as its cause.

        adlfs hears ``BlobNotFound``, then looks for a folder of that name and
        raises a new ``FileNotFoundError`` without it; code that reads
        ``exc.__cause__`` needs the service's answer, so it is asked for once
        more on that (rare) path.
        """
        token = _FROM_PROPERTIES.set(True)
        try:
            return await super()._info(path, *args, **kwargs)
        except FileNotFoundError as exc:
            container, blob, _ = self.split_path(path)
            if blob and not has_service_error(exc):
                try:
                    async with self.service_client.get_blob_client(container, blob) as client:
                        await client.get_blob_properties()
                except Exception as answer:  # noqa: BLE001 - kept as the cause, whatever it is
                    exc.__cause__ = answer
            raise
        finally:
            _FROM_PROPERTIES.reset(token)

    async def _details(self, contents: Any, *args: Any, **kwargs: Any) -> Any:
        """adlfs's entries, plus

        * each blob's access tier (``blob_tier``), which adlfs leaves out;
        * the blob's ``version_id`` also when not version-aware (adlfs keeps it only
          then): ``info()`` reports the live version everywhere;
        * ``encryption`` (mode and key id). Blob properties (``info()``) tell all
          three modes; a listing tells an encryption scope, but the SDK drops the key
          hash of a CPK blob from list results, so a listing entry without a scope
          carries no ``encryption``.
        """
        from omefs.providers.azure.encryption import describe_blob

        out = await super()._details(contents, *args, **kwargs)
        tiers = {f"{c.get('container')}/{c.get('name')}".rstrip("/"): str(c.get("blob_tier"))
                 for c in contents if hasattr(c, "get") and c.get("blob_tier") is not None
                 and c.get("container") is not None}
        for entry in out if tiers else ():
            tier = tiers.get(str(entry.get("name", "")).rstrip("/"))
            if tier is not None and entry.get("type") == "file":
                entry["blob_tier"] = tier
        if not self.version_aware:
            ids = {str(c.get("name")): c.get("version_id") for c in contents
                   if hasattr(c, "get") and c.get("version_id")}
            for entry in out if ids else ():
                blob = str(entry.get("name", "")).split("/", 1)[-1]
                if blob in ids:
                    entry.setdefault("version_id", ids[blob])
        complete = _FROM_PROPERTIES.get()
        found = {}
        for content in contents:
            if content.has_key("container") and content.has_key("name"):  # NOQA
                described = describe_blob(content)
                if complete or described["mode"] == "kms":
                    found[f"{content.container}/{content.name}".rstrip("/")] = described
        for entry in out:
            if entry.get("type") == "file" and entry.get("name") in found:
                entry["encryption"] = found[entry["name"]]
        return out

    def _open(self, path: str, mode: str = "rb", *args: Any, version_id: str | None = None,
              **kwargs: Any) -> Any:
        """adlfs's ``_open``; a file written with ``storage_class=`` gets that tier."""
        self._omefs_native(kwargs, file=True, mode=mode)
        tier = kwargs.pop("omefs_blob_tier", None)
        if not tier:
            return super()._open(path, mode, *args, version_id=version_id, **kwargs)
        if kwargs.get("block_size") is None:
            kwargs["block_size"] = self.blocksize
        return TieredAzureBlobFile(fs=self, path=path, mode=mode, omefs_blob_tier=tier, **kwargs)

    def _omefs_client(self, account_url: str, credential: Any = None) -> Any:
        """adlfs's service client, with omefs's extra client options when there are any."""
        extra = getattr(self, "_omefs_client_kwargs", None)
        if not extra:
            return _create_aio_blob_service_client(
                account_url=account_url, location_mode=self.location_mode, credential=credential
            )
        from azure.storage.blob.aio import BlobServiceClient

        kwargs: dict[str, Any] = dict(extra)
        if self.location_mode is not None:
            kwargs["_location_mode"] = self.location_mode
        return BlobServiceClient(account_url, credential=credential, **kwargs)

    def do_connect(self) -> None:
        """adlfs's connection, whose client fails at once on a refused connection (see :mod:`.refused`)."""
        from omefs.providers.azure.refused import fail_fast_on_refused

        self._omefs_connect()
        fail_fast_on_refused(getattr(self, "service_client", None))

    def _omefs_connect(self) -> None:
        url = getattr(self, "_omefs_account_url", None)
        extra = getattr(self, "_omefs_client_kwargs", None)
        if self.connection_string is not None and extra:
            from azure.storage.blob.aio import BlobServiceClient

            self.service_client = BlobServiceClient.from_connection_string(self.connection_string, **extra)
            return None
        if not url or self.connection_string is not None:
            super().do_connect()
            return None
        self.account_url = url
        credential = self.credential or self.account_key
        if credential is None and self.account_key is None and self.sas_token:
            sas = self.sas_token if self.sas_token.startswith("?") else f"?{self.sas_token}"
            self.service_client = self._omefs_client(url + sas)
            return None
        if self.account_key is not None and self.credential is None:
            credential = {"account_name": self.account_name, "account_key": self.account_key}
        self.service_client = self._omefs_client(url, credential)
        return None


class OMEAzureFileSystem(AzureBlobFileSystem):
    """OME's ``azure://`` URLs on adlfs."""

    protocol = ("azure",)  # type: ignore[assignment]

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        stripped, _ = split_path(str(path))
        return stripped.lstrip("/").rstrip("/") if stripped.rstrip("/") else ""

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        _, account = split_path(path)
        return {"account_name": account} if account else {}


def _claim_abfss() -> None:
    """Make ``abfss://`` omefs's once this module is loaded.

    adlfs declares an ``abfss`` entry point of its own, and fsspec keeps
    whichever entry point it finds first; loading this module (through any
    of ``az``, ``abfs``, ``azure`` or ``import omefs``) settles it.
    """
    import fsspec

    fsspec.register_implementation("abfss", AzureBlobFileSystem, clobber=True)


_claim_abfss()
