"""OCI object versions: bucket ``versioning``, ListObjectVersions, ``versionId`` on objects.

:class:`OCIVersions` gives the ``oci://`` filesystem what
:mod:`omefs.providers.versioned` gives the others: ``version_id=`` on
``info``, ``cat``/``cat_file``, ``open`` (read) and ``rm``/``rm_file``,
the neutral spelling ``KEY?version=ID`` on an instance made with
``version_aware=True`` (or opened from such a URL), and ``ls(path,
versions=True)``. ocifs has no spelling of its own. :class:`OCIVersionHooks`
reads and switches a bucket's versioning (GetBucket / UpdateBucket), lists
versions and restores one (``copyObject`` with ``sourceVersionId``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fsspec.spec import AbstractBufferedFile

from omefs.errors import ConfigError, NotFoundError
from omefs.providers.oci.connection import file_info, service_errors
from omefs.providers.oci.download import check_md5, read_range
from omefs.providers.versioned import split_neutral_version
from omefs.versions import ObjectVersion, VersionHooks

__all__ = ["OCIVersionHooks", "OCIVersions", "OCIVersionFile"]

# GetBucket's versioning -> the neutral state.
_STATES = {"Enabled": "enabled", "Suspended": "suspended", "Disabled": "disabled"}


class OCIVersionFile(AbstractBufferedFile):  # type: ignore[misc]
    """One older version of an object, read in ranges (``versionId`` on each GET)."""

    def __init__(self, fs: Any, path: str, version_id: str, **kwargs: Any) -> None:
        self.version_id = version_id
        details = fs.info(path, version_id=version_id)
        super().__init__(fs, path, mode="rb", size=int(details["size"]), **kwargs)
        self.details = details

    def _fetch_range(self, start: int, end: int) -> bytes:
        data: bytes = self.fs.cat_file(self.path, start, end, version_id=self.version_id)
        return data


class OCIVersions:
    """``version_id=`` and ``?version=ID`` on the ``oci://`` filesystem (put first in the bases)."""

    native_version_form = "{path}?version={version}"

    def __init__(self, *args: Any, version_aware: bool = False, **kwargs: Any) -> None:
        #: Whether paths ending in ``?version=ID`` name that version.
        self.version_aware = version_aware
        super().__init__(*args, **kwargs)

    @classmethod
    def native_version_path(cls, path: str, version_id: str) -> str:
        """``path`` naming ``version_id`` (the neutral spelling: ocifs has none)."""
        return cls.native_version_form.format(path=path, version=version_id)

    def version_aware_twin(self) -> Any:
        """This filesystem: a version id is an argument on every call here."""
        return self

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        out: dict[str, Any] = super()._url_options(path)  # type: ignore[misc]
        if isinstance(path, str) and split_neutral_version(path)[1] is not None:
            out["version_aware"] = True
        return out

    def _versioned(self, path: str, version_id: str | None) -> tuple[str, str | None]:
        """``(path without a version, the version asked)``."""
        if isinstance(path, str) and self.version_aware:
            bare, neutral = split_neutral_version(path)
            if neutral is not None and version_id is not None and neutral != version_id:
                raise ValueError(f"two versions given for {bare!r}: {neutral!r} and {version_id!r}")
            return bare, version_id or neutral
        return path, version_id

    # -- reads -------------------------------------------------------------------
    def info(self, path: str, version_id: str | None = None, **kwargs: Any) -> Any:
        """ocifs's ``info`` (omefs's fuller one), with ``version_id``; a version that is not
        there is :class:`~omefs.errors.NotFoundError`, never the live object."""
        path, version_id = self._versioned(path, version_id)
        if version_id is None:
            out = super().info(path, **kwargs)  # type: ignore[misc]
        else:
            from oci.exceptions import ServiceError

            bucket, namespace, key = self.split_path(path)  # type: ignore[attr-defined]
            try:
                headers = self._call_oci(  # type: ignore[attr-defined]
                    self.oci_client.head_object, namespace_name=namespace,  # type: ignore[attr-defined]
                    bucket_name=bucket, object_name=key, version_id=version_id).headers
            except ServiceError as exc:
                if exc.status in (400, 404):
                    raise NotFoundError(f"version {version_id} of {key!r} not found",
                                        operation="info", uri=f"oci://{bucket}@{namespace}/{key}",
                                        provider="oci") from exc
                raise
            out = file_info(f"{bucket}@{namespace}/{key}", headers)
        if out.get("type") == "file":
            out["version_id"] = out.get("versionId")
        return out

    @service_errors
    def cat_file(self, path: str, start: int | None = None, end: int | None = None,
                 version_id: str | None = None, **kwargs: Any) -> bytes:
        path, version_id = self._versioned(path, version_id)
        if version_id is None:
            data: bytes = super().cat_file(path, start=start, end=end, **kwargs)  # type: ignore[misc]
            return data
        details = self.info(path, version_id=version_id)
        size = int(details["size"])
        begin = 0 if start is None else (start if start >= 0 else max(0, size + start))
        stop = size if end is None else min(size, end if end >= 0 else size + end)
        bucket, namespace, key = self.split_path(path)  # type: ignore[attr-defined]
        data = read_range(self.oci_client, namespace, bucket, key, begin, stop,  # type: ignore[attr-defined]
                          policy=self.retry_policy, refresher=self.refresher,  # type: ignore[attr-defined]
                          extra={"version_id": version_id})
        if (begin, stop) == (0, size) and self.verify_checksums:  # type: ignore[attr-defined]
            check_md5(details, hashlib.md5(data).digest(),
                      uri=f"oci://{bucket}@{namespace}/{key}?version={version_id}", size=size)
        return data

    def cat(self, path: Any, recursive: bool = False, on_error: str = "raise",
            **kwargs: Any) -> Any:
        """fsspec's ``cat``; one version (``version_id=`` or ``?version=ID``) is read as one
        object, not expanded as a glob."""
        if isinstance(path, str) and (kwargs.get("version_id") or self._versioned(path, None)[1]):
            return self.cat_file(path, **kwargs)
        return super().cat(path, recursive=recursive, on_error=on_error,  # type: ignore[misc]
                           **kwargs)

    def _open_version(self, path: str, mode: str, version_id: str | None) -> Any:
        """The file to read for ``_open`` when ``path`` (or ``version_id``) names a version,
        else None."""
        path, version_id = self._versioned(path, version_id)
        if version_id is None:
            return None
        if mode not in ("r", "rb"):
            raise ValueError(f"a version of an object can only be read, not opened with {mode!r}")
        return OCIVersionFile(self, path, version_id)

    # -- deletes -----------------------------------------------------------------
    def rm_file(self, path: str, version_id: str | None = None, **kwargs: Any) -> None:
        """Delete the object, or with ``version_id`` that one version for good."""
        path, version_id = self._versioned(path, version_id)
        if version_id is None:
            super().rm_file(path, **kwargs)  # type: ignore[misc]
            return
        self.info(path, version_id=version_id)  # NotFoundError when it is not there
        bucket, namespace, key = self.split_path(path)  # type: ignore[attr-defined]
        self._call_oci(self.oci_client.delete_object, namespace_name=namespace,  # type: ignore[attr-defined]
                       bucket_name=bucket, object_name=key, version_id=version_id)
        self.invalidate_cache(self._parent(path))  # type: ignore[attr-defined]

    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None,
           version_id: str | None = None, **kwargs: Any) -> None:
        """fsspec's ``rm``; with ``version_id=`` (or ``?version=ID``) that one version."""
        if version_id is not None or (isinstance(path, str) and self._versioned(path, None)[1]):
            self.rm_file(path, version_id=version_id)
            return
        if maxdepth is not None:
            kwargs["maxdepth"] = maxdepth
        super().rm(path, recursive=recursive, **kwargs)  # type: ignore[misc]

    # -- listing -----------------------------------------------------------------
    def ls(self, path: str, *args: Any, versions: bool = False, **kwargs: Any) -> Any:
        """ocifs's ``ls`` (its own defaults); with ``versions=True`` every version of the object
        at ``path`` (or of its direct children), newest first, with the neutral version fields."""
        if not versions:
            return super().ls(path, *args, **kwargs)  # type: ignore[misc]
        from omefs.versions import versions_listing

        detail = kwargs.get("detail", args[0] if args else True)
        entries = versions_listing(self, path)
        return entries if detail else [e["name"] for e in entries]


class OCIVersionHooks(VersionHooks):
    """Versions through the OCI SDK client of the filesystem."""

    def _bucket(self, fs: Any, path: str) -> tuple[str, str]:
        bucket, namespace, _ = fs.split_path(path)
        return bucket, namespace

    def state(self, fs: Any, path: str) -> str:
        bucket, namespace = self._bucket(fs, path)
        data = fs._call_oci(fs.oci_client.get_bucket, namespace_name=namespace,
                            bucket_name=bucket).data
        return _STATES.get(str(getattr(data, "versioning", None) or "Disabled"), "disabled")

    def set_state(self, fs: Any, path: str, enabled: bool) -> None:
        from oci.object_storage.models import UpdateBucketDetails

        bucket, namespace = self._bucket(fs, path)
        details = UpdateBucketDetails(versioning="Enabled" if enabled else "Suspended")
        fs._call_oci(fs.oci_client.update_bucket, namespace_name=namespace, bucket_name=bucket,
                     update_bucket_details=details)

    def list(self, fs: Any, path: str) -> list[ObjectVersion]:
        bucket, namespace, prefix = fs.split_path(path)
        out: list[ObjectVersion] = []
        page = None
        seen: set[str] = set()
        while True:
            response = fs._call_oci(
                fs.oci_client.list_object_versions, namespace_name=namespace, bucket_name=bucket,
                prefix=prefix or None, page=page,
                fields="name,size,etag,md5,timeCreated,timeModified,storageTier")
            for item in response.data.items or []:
                name = f"{bucket}@{namespace}/{item.name}"
                native = item.storage_tier
                out.append(ObjectVersion(
                    path=name, version_id=str(item.version_id), size=int(item.size or 0),
                    last_modified=item.time_modified or item.time_created,
                    is_latest=name not in seen, delete_marker=bool(item.is_delete_marker),
                    storage_class=self.storage_class(native), storage_class_native=native,
                    url=f"oci://{namespace}/{bucket}/{item.name}?version={item.version_id}",
                ))
                seen.add(name)  # per name the service lists the newest first
            page = response.headers.get("opc-next-page")
            if not page:
                return out

    def restore(self, fs: Any, path: str, version_id: str) -> None:
        from omefs.providers.oci.connection import signer_of
        from omefs.providers.oci.copy import copy_object

        bucket, namespace, key = fs.split_path(path)
        region = fs.region or getattr(signer_of(fs), "region", None)
        if not region:
            raise ConfigError("restoring a version copies it on the service, which needs the "
                              "region: pass region= to the filesystem", operation="restore_version",
                              provider="oci")
        copy_object(fs.oci_client, (namespace, bucket, key), (namespace, bucket, key),
                    region=region, source_version_id=version_id,
                    poll_interval=fs.copy_poll_interval, timeout=fs.copy_timeout,
                    uri=f"oci://{bucket}@{namespace}/{key}?version={version_id}")
