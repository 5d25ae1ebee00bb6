"""The ``az://`` and ``azure://`` fronts: Azure writes and ``info`` without adlfs.

What :mod:`omefs.providers.front` describes, for Azure. A copy into Azure
needs from the destination only ``info`` of a path or two (is it a folder,
an object, nothing?) and its writes, which go as plain HTTP
(:mod:`.blob_http`) where they can be authorised without the SDK; the
bytes of an Azure source move through obstore. So a copy into or out of
Azure need not import adlfs, azure-storage-blob and aiohttp.

* Options are read as :class:`~omefs.providers.azure.fs.AzureBlobFileSystem`
  reads them (:func:`~omefs.providers.azure.options.translate_options`),
  under adlfs's attribute names, so that the obstore store, the plain HTTP
  client and the engine's hooks read the front as they read the filesystem.
* ``info`` of an object is one Get Blob Properties, answered in adlfs's
  shape (``content_settings.content_md5`` included, which obstore's
  ``head`` does not give); where no blob has the name, one listing of the
  name as a prefix tells a folder from nothing. A container, a missing
  container, or a name that only the SDK can sign is asked of the full
  filesystem.
* Listings (``ls``, ``find``) come from the full filesystem: obstore's
  listings lack the blobs' MD5s, which copies and syncs compare. Only an
  empty ``find`` (a copy to a new folder lists its destination) is
  obstore's answer: it lacks nothing.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from omefs.providers.azure.blob_http import BlobHTTP
from omefs.providers.azure.options import translate_options
from omefs.providers.azure.uri import split_path
from omefs.providers.front import StoreFront

__all__ = ["AzureFront", "OMEAzureFront"]


def _when(value: str | None) -> datetime | None:
    return parsedate_to_datetime(value) if value else None


class AzureFront(StoreFront):
    """An Azure account's ``info`` and Put Blob as plain HTTP; the rest through adlfs."""

    protocol: ClassVar[tuple[str, ...]] = ("az", "abfs", "abfss")
    auth_provider: ClassVar[str] = "azure"
    storage_provider: ClassVar[str] = "azure"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset(
        {"account_key", "connection_string", "credential", "sas_token", "client_secret", "anon"}
    )
    front_options: ClassVar[frozenset[str]] = frozenset(
        {"account_name", "account_key", "connection_string", "credential", "sas_token", "anon"}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opts = self.storage_options
        # adlfs's attribute names: what azure_settings, the hooks and BlobHTTP read.
        self.account_name = opts.get("account_name")
        self.account_key = opts.get("account_key")
        self.connection_string = opts.get("connection_string")
        self.credential = opts.get("credential")
        self.sas_token = opts.get("sas_token")
        self.anon = opts.get("anon")
        self.location_mode = None

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return translate_options(self, kwargs)

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        container, blob = self.split(path)
        lean = BlobHTTP.for_blob(self, blob) if blob and not kwargs else None
        if lean is None:
            return dict(self.full.info(path, **kwargs))
        try:
            headers = lean.properties(container, blob)
        except FileNotFoundError as missing:
            return self._folder_or_nothing(path, container, blob, missing)
        return self.blob_entry(f"{container}/{blob}", headers)

    def _folder_or_nothing(self, path: str, container: str, blob: str,
                           missing: FileNotFoundError) -> dict[str, Any]:
        """No blob of that name: a folder if any blob's name starts with it and ``/``."""
        store = self.store(container) if getattr(missing, "reason", "") == "BlobNotFound" else None
        if store is None:  # a missing container, or no store: the full filesystem tells
            return dict(self.full.info(path))
        if self.has_children(store, blob):
            return self.dir_entry(f"{container}/{blob}")
        raise FileNotFoundError(path) from missing

    @staticmethod
    def blob_entry(name: str, headers: dict[str, str]) -> dict[str, Any]:
        """adlfs's ``info`` entry of a blob, from its Get Blob Properties headers."""
        import base64

        md5 = headers.get("content-md5")
        entry: dict[str, Any] = {
            "name": name, "type": "file", "size": int(headers.get("content-length") or 0),
            "last_modified": _when(headers.get("last-modified")),
            "creation_time": _when(headers.get("x-ms-creation-time")),
            "etag": headers.get("etag"),
            "content_settings": {
                "content_type": headers.get("content-type"),
                "content_encoding": headers.get("content-encoding"),
                "content_language": headers.get("content-language"),
                "content_md5": bytearray(base64.b64decode(md5)) if md5 else None,
                "content_disposition": headers.get("content-disposition"),
                "cache_control": headers.get("cache-control"),
            },
            "metadata": {k[len("x-ms-meta-"):]: v for k, v in headers.items()
                         if k.startswith("x-ms-meta-")},
        }
        if headers.get("x-ms-access-tier"):
            entry["blob_tier"] = headers["x-ms-access-tier"]
        if headers.get("x-ms-version-id"):
            entry["version_id"] = headers["x-ms-version-id"]
        return entry

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        return list(self.full.ls(path, detail=detail, **kwargs))

    def find(self, path: str, maxdepth: int | None = None, withdirs: bool = False,
             detail: bool = False, **kwargs: Any) -> Any:
        """Nothing under ``path`` is obstore's answer (an empty listing lacks no digest: a copy
        to a new folder asks no more); anything there is listed by the full filesystem."""
        container, blob = self.split(path)
        lean = BlobHTTP.for_blob(self, blob) if container and blob else None
        store = self.store(container) if lean is not None else None
        if lean is not None and store is not None and maxdepth is None and not withdirs and not kwargs:
            try:
                empty = not self.has_children(store, blob)
            except Exception:  # noqa: BLE001 - a missing container and the like: adlfs's answer
                empty = False
            if empty:
                try:
                    lean.properties(container, blob)  # perhaps an object of that name
                except FileNotFoundError:
                    return {} if detail else []
        return self.full.find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)


class OMEAzureFront(AzureFront):
    """The front of OME's ``azure://CONTAINER[@ACCOUNT]/PATH`` forms."""

    protocol: ClassVar[tuple[str, ...]] = ("azure",)

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        stripped, _ = split_path(path)
        return stripped.strip("/")

    @classmethod
    def parse_url(cls, url: str) -> tuple[str, dict[str, Any]]:
        path, options = super().parse_url(url)
        _, account = split_path(url)
        if account:
            options["account_name"] = account
        return path, options
