"""``gs://`` and ``gcs://``: gcsfs with ``auth=``, routing and typed errors.

Built on :class:`gcsfs.core.GCSFileSystem`, the plain JSON-API filesystem.
Recent gcsfs makes ``gcsfs.GCSFileSystem`` an ``ExtendedGcsFileSystem``
that probes every bucket over gRPC for hierarchical namespaces; against an
emulator or a private endpoint that probe fails TLS and stalls about a
minute per bucket, so omefs uses the JSON-API class, which gives the same
results for flat buckets.

omefs adds ``storage_class=`` on writes and the class in ``info()`` and
listings (:mod:`omefs.providers.class_aware`); gcsfs has no argument for a
class, so it is added to the object resource of the request that starts
an upload (:func:`omefs.providers.gcp.classes.with_class`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import gcsfs.core
import gcsfs.retry

from omefs.encryption import EncryptionOptions
from omefs.providers.class_aware import WRITE_CLASS, AsyncClassMixin, write_class
from omefs.providers.error_mapping import ASYNC_METHODS, map_errors
from omefs.providers.filesystem import AuthMixin
from omefs.providers.gcp import encryption as gcs_encryption
from omefs.providers.gcp.classes import with_class
from omefs.providers.gcp.entries import HIDDEN_FOLDER, shows_hidden
from omefs.providers.gcp.entries import hidden as _hidden
from omefs.providers.gcp.options import translate_options
from omefs.providers.gcp.prefetch import detach_prefetcher
from omefs.providers.versioned import VersionedMixin

__all__ = ["GCSFileSystem", "GCSFile", "HIDDEN_FOLDER"]

#: The requests that start an upload and carry the object resource.
_STARTS_UPLOAD = ("multipart", "resumable")


class GCSFile(gcsfs.core.GCSFile):  # type: ignore[misc]
    """gcsfs's file, starting its upload with the storage class it was opened with."""

    def __init__(self, *args: Any, storage_class_native: str | None = None, **kwargs: Any) -> None:
        self.storage_class_native = storage_class_native
        super().__init__(*args, **kwargs)

    def _initiate_upload(self) -> None:
        with write_class(self.storage_class_native):
            super()._initiate_upload()

    def _simple_upload(self) -> None:
        with write_class(self.storage_class_native):
            super()._simple_upload()


@map_errors(*ASYNC_METHODS)
class GCSFileSystem(VersionedMixin, AuthMixin, AsyncClassMixin, EncryptionOptions,
                    gcsfs.core.GCSFileSystem):  # type: ignore[misc]
    """gcsfs's filesystem, taking omefs auth configs, with ``version_id=`` (a generation)
    everywhere (:mod:`omefs.providers.versioned`)."""

    native_version_form = "{path}#{version}"
    native_version_field = "generation"

    protocol = ("gs", "gcs")
    auth_provider: ClassVar[str] = "gcp"
    storage_provider: ClassVar[str] = "gcs"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset({"token"})

    @gcsfs.retry.retry_request(retries=gcsfs.core.GCSFileSystem.retries)  # type: ignore[untyped-decorator]
    async def _request_retried(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        """gcsfs's request and retries, but a refused connection fails at once (see :mod:`.refused`)."""
        from omefs.providers.gcp.refused import request_once

        return await request_once(self, method, path, *args, **kwargs)

    async def _do_list_objects(self, path: str, *args: Any, **kwargs: Any) -> Any:
        """gcsfs's listing, without the facade's waiting multipart parts (unless asked for)."""
        items, prefixes = await super()._do_list_objects(path, *args, **kwargs)
        bucket, key, _ = self.split_path(path)
        asked = f"{key.rstrip('/')}/{kwargs.get('prefix') or ''}".lstrip("/") if key else str(
            kwargs.get("prefix") or "")
        if shows_hidden(asked):
            return items, prefixes
        start = len(bucket) + 1
        items = [i for i in items if not _hidden(str(i.get("name", ""))[start:])]
        prefixes = [p for p in prefixes if not _hidden(str(p).rstrip("/"))]
        return items, prefixes

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        settings = dict(getattr(getattr(self, "auth_config", None), "settings", None) or {})
        return translate_options(kwargs, self.encryption, settings)

    async def _call(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        """gcsfs's request, with the storage class of the write in progress added to the
        request that starts an upload."""
        native = WRITE_CLASS.get()
        if native and method.upper() == "POST" and kwargs.get("uploadType") in _STARTS_UPLOAD:
            kwargs = with_class(native, kwargs)
        return await super()._call(method, path, *args, **kwargs)

    def _open(self, path: str, mode: str = "rb", *args: Any, version_id: str | None = None,
              **kwargs: Any) -> Any:
        """gcsfs's ``_open``; a file written with ``storage_class=`` starts its upload with it;
        a file dropped unclosed stops its read-ahead (:mod:`omefs.providers.gcp.prefetch`)."""
        self._omefs_native(kwargs, file=True, mode=mode)
        native = kwargs.pop("storage_class_native", None)
        if not native:
            file = super()._open(path, mode, *args, version_id=version_id, **kwargs)
        else:
            if kwargs.get("block_size") is None:
                kwargs["block_size"] = self.default_block_size
            kwargs["consistency"] = kwargs.get("consistency") or self.consistency
            file = GCSFile(self, path, mode, storage_class_native=native, **kwargs)
        detach_prefetcher(file)
        return file

    async def _request(self, method: str, path: str, *args: Any, headers: Any = None,
                       **kwargs: Any) -> Any:
        """Every request that touches object data carries the encryption setting."""
        if self.encryption is not None:
            headers, kwargs = gcs_encryption.apply(self.encryption, method,
                                                   self._format_path(path, args), headers, kwargs)
        return await self._request_retried(method, path, *args, headers=headers, **kwargs)

    def _process_object(self, bucket: str, object_metadata: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = super()._process_object(bucket, object_metadata)
        out["encryption"] = gcs_encryption.describe_object(object_metadata)
        return out

    def get_bucket_encryption(self, bucket: str) -> dict[str, Any] | None:
        """The bucket's default encryption (``encryption.defaultKmsKeyName``), neutral."""
        name = self.split_path(bucket)[0]
        return gcs_encryption.describe_bucket(self.call("GET", "b/{}", name, json_out=True))

    def set_bucket_encryption(self, bucket: str, encryption: Any) -> None:
        """Set (``kms``) or remove (``provider``) the bucket's default CMEK key."""
        name = self.split_path(bucket)[0]
        self.call("PATCH", "b/{}", name, json=gcs_encryption.bucket_patch(encryption),
                  json_out=True)
