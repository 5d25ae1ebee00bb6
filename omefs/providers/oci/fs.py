"""``oci://``: OCI Object Storage on ocifs, with every OCI URL form and what ocifs lacks.

:class:`OCIFileSystem` is a subclass of :class:`ocifs.OCIFileSystem`:
ocifs's URL form ``oci://BUCKET@NS/PATH`` gives exactly what ocifs gives
(its paths, listings and options), and omefs adds

* every OCI URL form — ``oci://NS/BUCKET/PATH`` (canonical),
  ``oci://n/NS/b/BUCKET/o/PATH``, ``oci://NS@REGION/BUCKET/PATH`` and
  ``https://objectstorage.REGION.oraclecloud.com/n/NS/b/BUCKET/o/PATH``;
  ``oci://NS`` lists the namespace's buckets. Paths inside the filesystem
  stay ocifs's ``BUCKET@NS/PATH``;
* ``auth=`` (an :class:`~omefs.config.AuthConfig`, a mapping or a profile
  name), routing, ``endpoint_url=`` and typed errors; an
  :class:`~omefs.errors.AuthError` names the profile and key fingerprint
  (or the principal) that was refused;
* parallel multipart upload (``part_size``, ``max_concurrency``), aborted
  on failure — also when the code writing to an open file raises — so no
  partial object is ever visible;
* parallel ranged download of large objects (``cat_file``, ``get_file``);
* ``storage_class=`` on writes (neutral or native, as ``storage_tier=``)
  and the class in ``info()`` and listings (:mod:`omefs.providers.class_aware`);
* retries with exponential backoff and full jitter on 429, 5xx and
  connection errors, honouring ``Retry-After`` (``retries``); a 401 is
  re-sent once with a refreshed security token;
* server-side ``copy`` through ``copyObject``, polled to completion
  through its work request, with a clear error when it fails; ``mv``
  within a bucket is an atomic ``renameObject``;
* MD5 recorded and verified: ``Content-MD5`` on single-part puts and on
  every part, ``opc-multipart-md5`` on commit, OME's ``opc-meta-md5`` for
  the whole object on multipart uploads of known content, and every full
  read checked against ``Content-MD5`` or ``opc-meta-md5``;
* object versions: ``version_id=`` on ``info``/``cat``/``open``/``rm`` and
  ``KEY?version=ID`` (:mod:`omefs.providers.oci.versions`).

The SDK's circuit breaker is off by default (``config_kwargs=
{"circuit_breaker_strategy": …}`` turns it back on): its state is shared
by every client in the process, so one failing bucket would stop them all,
and the retries above already back off.
"""


from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import fsspec
from fsspec.spec import AbstractFileSystem

from omefs.errors import AlreadyExistsError, ChecksumMismatchError, ConfigError
from omefs.providers.class_aware import SyncClassMixin
from omefs.providers.error_mapping import SYNC_METHODS, map_errors
from omefs.providers.oci.connection import check_size, info_checksums, service_errors, signer_of
from omefs.providers.oci.copy import CopyResult, copy_object
from omefs.providers.oci.file import OCIFile
from omefs.providers.oci.limits import MAX_PART_SIZE, MIN_PART_SIZE
from omefs.providers.oci.reading import OCIReading
from omefs.providers.oci.versions import OCIVersions
from omefs.redact import get_logger

__all__ = ["OCIFileSystem", "OCIFile"]

log = get_logger(__name__)

_WRITE_MODES = {"w", "wb", "a", "ab", "xb"}


@map_errors(*SYNC_METHODS, "copy", "mv", "rename", "cat", "exists", "touch", "rmdir")
class OCIFileSystem(SyncClassMixin, OCIVersions, OCIReading):
    """ocifs's filesystem, with omefs auth, every OCI URL form, and parallel, verified transfers.

    Every ocifs argument works as in ocifs (``config``, ``signer``,
    ``profile``, ``region``, ``config_kwargs``…). omefs adds:

    Args:
        auth: an :class:`~omefs.config.AuthConfig`, a mapping or a routing
            profile name. Without it, and without ocifs credentials or
            ``OCIFS_IAM_TYPE``, omefs's ``default`` chain is used.
        endpoint_url: the Object Storage endpoint (an emulator, a dedicated
            or private endpoint).
        part_size: bytes per multipart part and per ranged read (default
            64 MiB; grown as needed to stay within OCI's 10,000 parts).
        max_concurrency: parts or ranges in flight at once (default 8).
        multipart_threshold: objects larger than this are uploaded as
            multipart and read as parallel ranges (default: ``part_size``).
        retries: retries after the first attempt (default 7); see
            :mod:`omefs.providers.oci.retry`.
        retry_base_delay, retry_max_delay: the backoff (seconds).
        verify_checksums: check MD5s on upload, download and copy (default True).
        record_md5: store the whole object's MD5 as ``opc-meta-md5`` on
            multipart uploads of files and bytes (default True; costs one
            read of the source before the upload).
        copy_poll_interval, copy_timeout: polling of server-side copies (seconds).
    """

    # -- opening files ------------------------------------------------------
    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_options: dict[str, Any] | None = None,
        cache_type: str | None = None,
        **kwargs: Any,
    ) -> Any:
        version = self._open_version(path, mode, kwargs.pop("version_id", None))
        if version is not None:
            return version
        bucket, namespace, key = (self.object_parts(path, "open") if mode in _WRITE_MODES
                                  else self.split_path(path))
        self._omefs_native(kwargs, file=True, mode=mode)  # storage_class= -> storage_tier=
        if mode not in {"r", "rb"} | _WRITE_MODES:
            raise ValueError(f"mode must be one of 'rb', 'wb', 'ab', 'xb', got {mode!r}")
        if mode == "xb" and self.exists(f"{bucket}@{namespace}/{key}"):
            # Refused here, before any byte is buffered; the write itself is
            # conditional too (if-none-match), for an object created meanwhile.
            raise AlreadyExistsError(
                f"oci://{bucket}@{namespace}/{key} exists: mode 'xb' creates a new object only",
                operation="open", uri=f"oci://{bucket}@{namespace}/{key}", provider="oci",
            )
        if mode in _WRITE_MODES:
            block_size = check_size("block_size", block_size or self.part_size, MIN_PART_SIZE,
                                     MAX_PART_SIZE)
        f = OCIFile(
            fs=self,
            path=f"{bucket}@{namespace}/{key}",
            mode=mode,
            block_size=block_size or self.default_block_size,
            cache_options=cache_options or self.default_cache_options,
            cache_type=cache_type or self.default_cache_type,
            autocommit=autocommit,
            **kwargs,
        )
        self._omefs_map_reads(f, path)  # an archived object's read: ArchivedObjectError
        return f

    # -- copying and moving -------------------------------------------------
    @service_errors
    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> CopyResult | None:
        """Copy on the service (``copyObject``), wait for its work request, and check the result.

        A folder (a prefix) is nothing to copy: OCI folders exist through the
        objects under them, so a recursive ``copy`` copies those.
        """
        b1, n1, k1 = self.split_path(path1)
        source = self.info(path1)
        if source["type"] != "file":
            return None
        b2, n2, k2 = self.object_parts(path2, "copy")
        region = (kwargs.get("destination_region") or getattr(self._tls, "destination_region", None)
                  or self.region or getattr(signer_of(self), "region", None))
        if not region:
            raise ConfigError(
                "server-side copy needs the destination region: pass region= to the filesystem "
                "or destination_region= to copy()",
                operation="copy", provider="oci",
            )
        uri = f"oci://{b1}@{n1}/{k1} -> oci://{b2}@{n2}/{k2}"
        result = copy_object(
            self.oci_client, (n1, b1, k1), (n2, b2, k2), region=region,
            source_etag=source.get("etag"), poll_interval=self.copy_poll_interval,
            timeout=self.copy_timeout, uri=uri,
        )
        self.invalidate_cache(f"{b2}@{n2}/{k2}")
        if self.verify_checksums:
            _check_copy(source, self.info(path2), uri)
        log.debug("copied %s in %.2fs (%d polls of work request %s)", uri, result.duration,
                  result.polls, result.work_request_id)
        return result

    def copy(self, path1: Any, path2: Any, recursive: bool = False, maxdepth: int | None = None,
             on_error: str | None = None, destination_region: str | None = None,
             **kwargs: Any) -> None:
        """fsspec's ``copy`` (globs, ``recursive``), each object copied on the service."""
        self._tls.destination_region = destination_region
        try:
            AbstractFileSystem.copy(self, path1, path2, recursive=recursive, maxdepth=maxdepth,
                                    on_error=on_error, **kwargs)
        finally:
            self._tls.destination_region = None

    @service_errors
    def mv(self, path1: Any, path2: Any, recursive: bool = False, maxdepth: int | None = None,
           **kwargs: Any) -> None:
        """Move: an atomic ``renameObject`` for one object within a bucket, else copy + delete."""
        if isinstance(path1, str) and isinstance(path2, str) and not recursive:
            b1, n1, k1 = self.split_path(path1)
            b2, n2, k2 = self.split_path(path2)
            if (b1, n1) == (b2, n2) and k1 and k2 and k1 != k2 and self.isfile(path1):
                try:
                    self.rename(path1, path2)
                finally:
                    self.invalidate_cache(f"{b1}@{n1}/{k1}")
                    self.invalidate_cache(f"{b2}@{n2}/{k2}")
                return
        AbstractFileSystem.mv(self, path1, path2, recursive=recursive, maxdepth=maxdepth, **kwargs)


def _check_copy(source: Mapping[str, Any], dest: Mapping[str, Any], uri: str) -> None:
    if int(source["size"]) != int(dest["size"]):
        raise ChecksumMismatchError(
            f"server-side copy {uri}: the copy has {dest['size']} bytes, the source {source['size']}",
            operation="copy", provider="oci",
        )
    a, b = info_checksums(source), info_checksums(dest)
    whole_a = a.get("content") or a.get("whole")
    whole_b = b.get("content") or b.get("whole")
    if whole_a and whole_b and whole_a != whole_b:
        raise ChecksumMismatchError(
            f"server-side copy {uri}: the copy has MD5 {whole_b}, the source {whole_a}",
            operation="copy", provider="oci",
        )


# Importing ocifs (at the top of this module) registers ocifs's own class
# for "oci" in fsspec's registry; point the name back at omefs's class, so
# that fsspec.filesystem("oci"), pandas and pyarrow get this one.
fsspec.register_implementation("oci", OCIFileSystem, clobber=True)
