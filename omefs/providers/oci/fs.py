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
* retries with exponential backoff and full jitter on 429, 5xx and
  connection errors, honouring ``Retry-After`` (``retries``); a 401 is
  re-sent once with a refreshed security token;
* server-side ``copy`` through ``copyObject``, polled to completion
  through its work request, with a clear error when it fails; ``mv``
  within a bucket is an atomic ``renameObject``;
* MD5 recorded and verified: ``Content-MD5`` on single-part puts and on
  every part, ``opc-multipart-md5`` on commit, OME's ``opc-meta-md5`` for
  the whole object on multipart uploads of known content, and every full
  read checked against ``Content-MD5`` or ``opc-meta-md5``.

The SDK's circuit breaker is off by default (``config_kwargs=
{"circuit_breaker_strategy": …}`` turns it back on): its state is shared
by every client in the process, so one failing bucket would stop them all,
and the retries above already back off.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import mimetypes
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import fsspec
import ocifs
import ocifs.core
from fsspec.callbacks import DEFAULT_CALLBACK
from fsspec.spec import AbstractFileSystem
from fsspec.utils import stringify_path
from oci._vendor.requests.structures import CaseInsensitiveDict
from oci.exceptions import ServiceError

from omefs.errors import ChecksumMismatchError, ConfigError
from omefs.providers.error_mapping import SYNC_METHODS, map_errors
from omefs.providers.filesystem import AuthMixin
from omefs.providers.oci.checksum import META_MD5_KEY, b64md5, digest_to_b64
from omefs.providers.oci.copy import CopyResult, copy_object
from omefs.providers.oci.download import check_md5, parallel_read, read_body, read_range
from omefs.providers.oci.limits import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PART_SIZE,
    MAX_PART_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
    MiB,
)
from omefs.providers.oci.multipart import MultipartUpload
from omefs.providers.oci.paths import locate
from omefs.providers.oci.retry import (
    OCIRetryStrategy,
    RetryPolicy,
    TokenRefresher,
    call_with_retries,
)
from omefs.redact import get_logger

__all__ = ["OCIFileSystem", "OCIFile"]

log = get_logger(__name__)

_WRITE_MODES = {"w", "wb", "a", "ab"}


def _service_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the SDK's ``ServiceError`` into the ``OSError`` ocifs raises for it.

    ``map_errors`` then makes 401/403/404 omefs errors (it reads the cause);
    anything else (409 ``NotRestored``, 400…) stays an ``OSError`` with the
    status, code and message, as from ocifs.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            message = f"[{exc.status} {exc.code or ''}] {exc.message or ''}".replace(" ]", "]")
            raise ocifs.core.translate_oci_error(exc, message) from exc

    return wrapper


def _check_size(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be an integer number of bytes, got {value!r}",
                          operation="config", provider="oci") from None
    if not low <= number <= high:
        raise ConfigError(
            f"{name} must be between {low} and {high} bytes ({low // MiB} MiB to "
            f"{high // MiB} MiB), got {number}",
            operation="config", provider="oci",
        )
    return number


def _positive(name: str, value: Any, *, integer: bool = False, allow_zero: bool = False) -> Any:
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}", operation="config",
                          provider="oci") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}",
                          operation="config", provider="oci")
    return number


@map_errors(*SYNC_METHODS, "copy", "mv", "rename", "cat", "exists", "touch", "rmdir")
class OCIFileSystem(AuthMixin, ocifs.OCIFileSystem):
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

    protocol: ClassVar[tuple[str, ...]] = ("oci",)  # type: ignore[misc]
    auth_provider: ClassVar[str] = "oci"
    storage_provider: ClassVar[str] = "oci"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset(
        {"config", "signer", "iam_type", "profile"}
    )

    def __init__(
        self,
        *args: Any,
        auth: Any = None,
        omefs_route: Any = None,
        part_size: int = DEFAULT_PART_SIZE,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        multipart_threshold: int | None = None,
        retries: int = 7,
        retry_base_delay: float = 0.5,
        retry_max_delay: float = 30.0,
        verify_checksums: bool = True,
        record_md5: bool = True,
        copy_poll_interval: float = 0.2,
        copy_timeout: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.part_size = _check_size("part_size", part_size, MIN_PART_SIZE, MAX_PART_SIZE)
        self.max_concurrency = _positive("max_concurrency", max_concurrency, integer=True)
        self.multipart_threshold = (
            self.part_size if multipart_threshold is None
            else _positive("multipart_threshold", multipart_threshold, integer=True)
        )
        self.retry_policy = RetryPolicy(
            max_attempts=_positive("retries", retries, integer=True, allow_zero=True) + 1,
            base_delay=_positive("retry_base_delay", retry_base_delay, allow_zero=True),
            max_delay=_positive("retry_max_delay", retry_max_delay, allow_zero=True),
        )
        self.verify_checksums = bool(verify_checksums)
        self.record_md5 = bool(record_md5)
        self.copy_poll_interval = _positive("copy_poll_interval", copy_poll_interval)
        self.copy_timeout = copy_timeout
        self._omefs_credentials: Any = None
        self._tls = threading.local()
        ref = weakref.ref(self)
        self.refresher = TokenRefresher(lambda: _signer_of(ref()))
        if (
            auth is None and omefs_route is None
            and not (self.credential_kwargs & set(kwargs))
            and not os.environ.get("OCIFS_IAM_TYPE")
        ):
            auth = {"provider": "oci", "auth_type": "default"}
        super().__init__(*args, auth=auth, omefs_route=omefs_route, **kwargs)

    # -- construction -----------------------------------------------------
    def _options_from_auth(self, config: Any) -> dict[str, Any]:
        from omefs.auth import resolve

        creds = resolve(config)
        self._omefs_credentials = creds
        return creds.storage_options()

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        import oci
        from oci.circuit_breaker import NoCircuitBreakerStrategy

        endpoint = kwargs.pop("endpoint_url", None)
        region = kwargs.get("region")
        config_kwargs = dict(kwargs.get("config_kwargs") or {})
        if endpoint:
            config_kwargs.setdefault("service_endpoint", str(endpoint).rstrip("/"))
        elif region and "service_endpoint" not in config_kwargs:
            # ocifs would build https://objectstorage.REGION.oraclecloud.com, which is
            # wrong outside the commercial realm; the SDK knows every realm's domain.
            config_kwargs["service_endpoint"] = oci.regions.endpoint_for("object_storage", region)
        config_kwargs.setdefault("retry_strategy", OCIRetryStrategy(self.retry_policy, self.refresher))
        config_kwargs.setdefault("circuit_breaker_strategy", NoCircuitBreakerStrategy())
        kwargs["config_kwargs"] = config_kwargs
        if isinstance(kwargs.get("config"), Mapping):
            kwargs["config"] = dict(kwargs["config"])  # ocifs updates it in place
        return kwargs

    def connect(self, refresh: bool = True) -> Any:
        client = super().connect(refresh=refresh)
        if refresh and client is not None:
            _size_pool(client, self.max_concurrency + 4)
        return client

    def _refresh_signer(self) -> None:
        # ocifs forces a new security token every time it connects. The SDK
        # signers renew their tokens when due, and a 401 is re-sent once with
        # a refreshed token (omefs.providers.oci.retry), so a new filesystem need not
        # cost a token exchange.
        return None

    def _omefs_error_hint(self) -> str | None:
        """Whose credentials these are, for AuthError messages (no secret)."""
        creds = self._omefs_credentials
        if creds is not None and hasattr(creds, "describe"):
            return str(creds.describe())
        config = self.config if isinstance(self.config, Mapping) else {}
        parts = [f"oci {self._iam_type or 'credentials'}"]
        if self.profile:
            parts.append(f"profile {self.profile!r}")
        for key in ("fingerprint", "user", "tenancy"):
            if config.get(key):
                parts.append(f"{key} {config[key]}")
        return ", ".join(parts)

    # -- paths --------------------------------------------------------------
    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = stringify_path(path)
        bare = text[len("oci://"):] if text.startswith("oci://") else text
        if not bare.strip("/"):
            return cls.root_marker
        return locate(text).internal

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        region = locate(path).region
        return {"region": region} if region else {}

    @classmethod
    def _get_kwargs_from_urls(cls, path: str) -> dict[str, Any]:
        """The URL's region, and the route (``OMEFS_CONFIG``) for it in any of its forms.

        Routes are URL prefixes; an OCI object has several URLs, so a route
        written for the canonical ``oci://NS/BUCKET/`` also routes the
        ocifs, ``n/NS/b/…``, ``NS@REGION`` and ``https://`` forms of it.
        """
        from omefs.routing import route_for

        out = cls._url_options(path)
        routed = route_for(path)
        if routed is None:
            loc = locate(path)
            canonical = f"oci://{loc.namespace}" + (f"/{loc.bucket}" if loc.bucket else "") + (
                f"/{loc.key}" if loc.key else "")
            routed = route_for(canonical) if canonical != path else None
        if routed is not None:
            out["omefs_route"] = routed
        return out

    # -- metadata -----------------------------------------------------------
    def info(self, path: str, **kwargs: Any) -> Any:
        """ocifs's ``info``, plus ``md5`` (as ocifs's listings give it) and user ``metadata``."""
        bucket, namespace, key = self.split_path(path)
        if bucket and not key:
            # ocifs passes compartment_id to HeadBucket, which the SDK refuses:
            # info() and exists() on a bucket never work there.
            try:
                headers = self._call_oci(self.oci_client.head_bucket, namespace_name=namespace,
                                         bucket_name=bucket, **kwargs).headers
            except ServiceError as exc:
                raise ocifs.core.translate_oci_error(exc) from exc
            return CaseInsensitiveDict({"etag": headers.get("etag"), "name": f"{bucket}@{namespace}",
                                        "size": 0, "type": "directory"})
        if not key:
            return super().info(path, **kwargs)
        name = f"{bucket}@{namespace}/{key}"
        try:
            headers = self._call_oci(
                self.oci_client.head_object, namespace_name=namespace, bucket_name=bucket,
                object_name=key, **kwargs,
            ).headers
        except ServiceError as exc:
            if exc.status == 404:
                return super().info(path, **kwargs)  # a folder, or not there
            raise ocifs.core.translate_oci_error(exc) from exc
        return _file_info(name, headers)

    def exists(self, path: str, **kwargs: Any) -> bool:
        """Whether ``path`` exists; credentials that are refused raise rather than say "no"."""
        try:
            self.info(path, **kwargs)
            return True
        except FileNotFoundError:
            return False

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
    ) -> OCIFile:
        bucket, namespace, key = self.split_path(path)
        if mode not in {"r", "rb"} | _WRITE_MODES:
            raise ValueError(f"mode must be one of 'rb', 'wb', 'ab', got {mode!r}")
        if mode in _WRITE_MODES:
            block_size = _check_size("block_size", block_size or self.part_size, MIN_PART_SIZE,
                                     MAX_PART_SIZE)
        return OCIFile(
            fs=self,
            path=f"{bucket}@{namespace}/{key}",
            mode=mode,
            block_size=block_size or self.default_block_size,
            cache_options=cache_options or self.default_cache_options,
            cache_type=cache_type or self.default_cache_type,
            autocommit=autocommit,
            **kwargs,
        )

    # -- writing ------------------------------------------------------------
    def _part_size_for(self, size: int) -> int:
        """``part_size``, grown (to whole MiB) when ``size`` would need more than 10,000 parts."""
        needed = math.ceil(size / MAX_PARTS)
        if needed <= self.part_size:
            return self.part_size
        return min(MAX_PART_SIZE, math.ceil(needed / MiB) * MiB)

    @_service_errors
    def put_single(
        self,
        path: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        storage_tier: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """One ``PutObject`` with ``Content-MD5`` (the service rejects a corrupted body)."""
        bucket, namespace, key = self.split_path(path)
        md5 = b64md5(data)
        meta = {k[9:] if k.lower().startswith("opc-meta-") else k: v for k, v in (metadata or {}).items()}
        if meta:
            kwargs["opc_meta"] = meta
        if storage_tier:
            kwargs["storage_tier"] = storage_tier
        response = self.oci_client.put_object(
            namespace, bucket, key, data, content_md5=md5, content_length=len(data),
            content_type=content_type or mimetypes.guess_type(key)[0] or "application/octet-stream",
            **kwargs,
        )
        echoed = response.headers.get("opc-content-md5")
        if self.verify_checksums and echoed and echoed != md5:
            raise ChecksumMismatchError(
                f"the service stored MD5 {echoed} but the bytes sent have MD5 {md5}",
                operation="put", uri=f"oci://{bucket}@{namespace}/{key}", provider="oci",
            )
        self.invalidate_cache(self._parent(f"{bucket}@{namespace}/{key}"))
        return response

    def _upload(
        self,
        path: str,
        size: int,
        read: Callable[[int, int], bytes],
        *,
        whole_md5: Callable[[], str] | None,
        content_type: str | None,
        metadata: Mapping[str, str] | None,
        storage_tier: str | None,
        callback: Any,
        check_source: Callable[[], None] | None = None,
    ) -> None:
        bucket, namespace, key = self.split_path(path)
        uri = f"oci://{bucket}@{namespace}/{key}"
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        callback.set_size(size)
        if size <= self.multipart_threshold:
            self.put_single(path, read(0, size), content_type=content_type, metadata=metadata,
                            storage_tier=storage_tier)
            callback.relative_update(size)
            return
        meta = dict(metadata or {})
        if whole_md5 is not None:
            meta[META_MD5_KEY] = whole_md5()
        part_size = self._part_size_for(size)
        lock = threading.Lock()

        def done(part: Any) -> None:
            with lock:
                callback.relative_update(part.size)

        upload = MultipartUpload(
            self.oci_client, namespace, bucket, key, max_concurrency=self.max_concurrency,
            content_type=content_type, storage_tier=storage_tier, metadata=meta, uri=uri,
            on_part=done,
        )
        try:
            with upload.start():
                for number, offset in enumerate(range(0, size, part_size), start=1):
                    length = min(part_size, size - offset)
                    upload.submit(number, functools.partial(read, offset, length))
                if check_source is not None:
                    upload.wait()
                    check_source()
                upload.complete()
        finally:
            upload.close()
        self.invalidate_cache(self._parent(f"{bucket}@{namespace}/{key}"))

    @_service_errors
    def put_file(self, lpath: str, rpath: str, callback: Any = DEFAULT_CALLBACK,
                 mode: str = "overwrite", **kwargs: Any) -> None:
        """Upload a local file: one verified PUT, or a parallel multipart upload if it is large."""
        if os.path.isdir(lpath):
            return None  # OCI has no folders to create
        if mode == "create" and self.exists(rpath):
            raise FileExistsError(rpath)
        before = os.stat(lpath)
        with open(lpath, "rb") as fh:
            fd = fh.fileno()

            def read(offset: int, length: int) -> bytes:
                return os.pread(fd, length, offset)

            def source_unchanged() -> None:
                after = os.stat(lpath)
                if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                    raise ChecksumMismatchError(
                        f"{lpath} changed while it was being uploaded; the upload was aborted",
                        operation="put", uri=rpath, provider="oci",
                    )

            self._upload(
                rpath, before.st_size, read,
                whole_md5=(lambda: _file_md5(fd, before.st_size)) if self.record_md5 else None,
                content_type=kwargs.pop("content_type", None),
                metadata=kwargs.pop("metadata", None),
                storage_tier=kwargs.pop("storage_tier", None),
                callback=callback, check_source=source_unchanged,
            )
        return None

    @_service_errors
    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        """Write ``value`` to ``path``: one verified PUT, or a parallel multipart upload."""
        if mode == "create" and self.exists(path):
            raise FileExistsError(path)
        view = memoryview(value).cast("B")
        self._upload(
            path, len(view), lambda offset, length: bytes(view[offset:offset + length]),
            whole_md5=(lambda: b64md5(view)) if self.record_md5 else None,
            content_type=kwargs.pop("content_type", None),
            metadata=kwargs.pop("metadata", None),
            storage_tier=kwargs.pop("storage_tier", None),
            callback=DEFAULT_CALLBACK,
        )

    # -- reading ------------------------------------------------------------
    def _read_object(
        self,
        path: str,
        consume: Callable[[int, bytes], None],
        *,
        on_size: Callable[[int], None] | None = None,
    ) -> Mapping[str, Any]:
        """Read a whole object into ``consume(offset, data)`` (in order), verifying its MD5.

        Small objects take one GET. A GET whose ``Content-Length`` is over
        ``multipart_threshold`` is dropped after its headers, and the object
        is read as parallel ranges of the same version (``If-Match``). A
        checksum mismatch is retried once from the start, then raised.
        """
        from oci.retry import NoneRetryStrategy

        bucket, namespace, key = self.split_path(path)
        uri = f"oci://{bucket}@{namespace}/{key}"

        def first() -> tuple[Any, bytes | None]:
            response = self.oci_client.get_object(
                namespace, bucket, key, retry_strategy=NoneRetryStrategy()
            )
            size = int(response.headers.get("Content-Length", 0))
            if size > self.multipart_threshold and self.max_concurrency > 1:
                response.data.close()
                return response.headers, None
            return response.headers, read_body(response, size)

        attempts = 2 if self.verify_checksums else 1
        for attempt in range(1, attempts + 1):
            headers, data = call_with_retries(first, self.retry_policy, self.refresher,
                                              what=f"GET {uri}")
            size = int(headers.get("Content-Length", 0))
            if on_size is not None:
                on_size(size)
            if data is not None:
                digest = hashlib.md5(data).digest()
                consume(0, data)
            else:
                digest = self._read_ranges(path, size, headers.get("etag"), consume)
            if not self.verify_checksums:
                return headers
            try:
                check_md5(headers, digest, uri=uri, size=size)
            except ChecksumMismatchError:
                if attempt == attempts:
                    raise
                log.warning("%s: MD5 mismatch on download; reading it again", uri)
                continue
            return headers
        raise AssertionError("unreachable")

    def _read_ranges(self, path: str, size: int, etag: str | None,
                     consume: Callable[[int, bytes], None]) -> bytes:
        """Read ``[0, size)`` as parallel ranges into ``consume``; the MD5 of it all."""
        bucket, namespace, key = self.split_path(path)
        digest = hashlib.md5()

        def fetch(start: int, end: int) -> bytes:
            return read_range(self.oci_client, namespace, bucket, key, start, end,
                              policy=self.retry_policy, refresher=self.refresher, etag=etag)

        def take(offset: int, chunk: bytes) -> None:
            digest.update(chunk)
            consume(offset, chunk)

        parallel_read(fetch, size, take, part_size=self.part_size,
                      max_concurrency=self.max_concurrency)
        return digest.digest()

    @_service_errors
    def cat_file(self, path: str, start: int | None = None, end: int | None = None,
                 **kwargs: Any) -> bytes:
        """The bytes of ``path`` (or of ``[start, end)``); whole reads are parallel and MD5-checked."""
        if start is None and end is None:
            buffer = bytearray()

            def consume(offset: int, data: bytes) -> None:
                del buffer[offset:]
                buffer.extend(data)

            self._read_object(path, consume)
            return bytes(buffer)
        bucket, namespace, key = self.split_path(path)
        if (start is None or start >= 0) and (end is None or end >= 0):
            return self._get_range(namespace, bucket, key, start or 0, end)
        details = self.info(path)  # a negative bound needs the size
        size = int(details["size"])
        begin = 0 if start is None else (start if start >= 0 else max(0, size + start))
        stop = size if end is None else (end if end >= 0 else size + end)
        stop = min(stop, size)
        if stop <= begin:
            return b""
        return read_range(self.oci_client, namespace, bucket, key, begin, stop,
                          policy=self.retry_policy, refresher=self.refresher,
                          etag=details.get("etag"))

    def _get_range(self, namespace: str, bucket: str, key: str, start: int, end: int | None) -> bytes:
        """One ranged GET, no HEAD first (the service clamps ``end``; past the end is ``b""``)."""
        from oci.retry import NoneRetryStrategy

        if end is not None and end <= start:
            return b""
        span = f"bytes={start}-" + ("" if end is None else str(end - 1))

        def once() -> bytes:
            try:
                response = self.oci_client.get_object(namespace, bucket, key, range=span,
                                                      retry_strategy=NoneRetryStrategy())
            except ServiceError as exc:
                if exc.status == 416:  # the range starts past the end of the object
                    return b""
                raise
            return read_body(response, int(response.headers.get("Content-Length", 0)))

        return call_with_retries(once, self.retry_policy, self.refresher,
                                 what=f"GET {bucket}@{namespace}/{key} [{span}]")

    @_service_errors
    def get_file(self, rpath: str, lpath: Any = None, callback: Any = DEFAULT_CALLBACK,
                 outfile: Any = None, **kwargs: Any) -> None:
        """Download to a local file (parallel for large objects, MD5-checked).

        The bytes go to ``LPATH.omefs-partial`` and are renamed to ``lpath``
        only once complete and verified: a failed download leaves no file.
        """
        from fsspec.utils import isfilelike

        if outfile is None and isfilelike(lpath):
            outfile = lpath
        if outfile is not None:
            start = outfile.tell()

            def write_to(offset: int, data: bytes) -> None:
                outfile.seek(start + offset)
                outfile.write(data)
                callback.relative_update(len(data))

            self._read_object(rpath, write_to, on_size=callback.set_size)
            return None
        lpath = os.fspath(lpath)
        os.makedirs(os.path.dirname(os.path.abspath(lpath)), exist_ok=True)
        partial = lpath + ".omefs-partial"
        try:
            with open(partial, "wb") as fh:
                def write(offset: int, data: bytes) -> None:
                    fh.seek(offset)
                    fh.write(data)
                    callback.relative_update(len(data))

                self._read_object(rpath, write, on_size=callback.set_size)
            os.replace(partial, lpath)
        except BaseException as exc:
            try:
                os.unlink(partial)
            except OSError:
                pass
            # Not an object: a folder (recursive get) becomes a local directory.
            if isinstance(exc, ServiceError) and exc.status == 404 and self.isdir(rpath):
                os.makedirs(lpath, exist_ok=True)
                return None
            raise
        return None

    # -- copying and moving -------------------------------------------------
    @_service_errors
    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> CopyResult | None:
        """Copy on the service (``copyObject``), wait for its work request, and check the result.

        A folder (a prefix) is nothing to copy: OCI folders exist through the
        objects under them, so a recursive ``copy`` copies those.
        """
        b1, n1, k1 = self.split_path(path1)
        b2, n2, k2 = self.split_path(path2)
        source = self.info(path1)
        if source["type"] != "file":
            return None
        region = (kwargs.get("destination_region") or getattr(self._tls, "destination_region", None)
                  or self.region or getattr(_signer_of(self), "region", None))
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
        self.invalidate_cache(self._parent(f"{b2}@{n2}/{k2}"))
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

    @_service_errors
    def mv(self, path1: Any, path2: Any, recursive: bool = False, maxdepth: int | None = None,
           **kwargs: Any) -> None:
        """Move: an atomic ``renameObject`` for one object within a bucket, else copy + delete."""
        if isinstance(path1, str) and isinstance(path2, str) and not recursive:
            b1, n1, k1 = self.split_path(path1)
            b2, n2, k2 = self.split_path(path2)
            if (b1, n1) == (b2, n2) and k1 and k2 and k1 != k2 and self.isfile(path1):
                self.rename(path1, path2)
                self.invalidate_cache(self._parent(f"{b2}@{n2}/{k2}"))
                return
        AbstractFileSystem.mv(self, path1, path2, recursive=recursive, maxdepth=maxdepth, **kwargs)


def _signer_of(fs: Any) -> Any:
    client = getattr(fs, "oci_client", None) if fs is not None else None
    base = getattr(client, "base_client", None)
    return getattr(base, "signer", None)


def _size_pool(client: Any, size: int) -> None:
    """Let the client's connection pools hold ``size`` connections (parallel parts reuse them)."""
    session = client.base_client.session
    for prefix in ("https://", "http://"):
        adapter = session.adapters.get(prefix)
        if adapter is None or getattr(adapter, "_pool_maxsize", 0) >= size:
            continue
        session.mount(prefix, type(adapter)(
            pool_connections=getattr(adapter, "_pool_connections", 10),
            pool_maxsize=size,
            max_retries=adapter.max_retries,
            pool_block=getattr(adapter, "_pool_block", False),
        ))


def _file_info(name: str, headers: Mapping[str, Any]) -> Any:
    """ocifs's file ``info`` for HEAD ``headers``, plus ``md5`` and ``metadata``."""
    md5 = headers.get("Content-MD5") or headers.get("opc-multipart-md5")
    metadata = {
        str(k)[9:]: v for k, v in headers.items() if str(k).lower().startswith("opc-meta-")
    }
    return CaseInsensitiveDict({
        "name": name,
        "type": "file",
        "size": int(headers["Content-Length"]),
        "contentType": headers.get("Content-Type"),
        "timeModified": headers.get("last-modified"),
        "acceptRanges": headers.get("accept-ranges"),
        "etag": headers.get("etag"),
        "versionId": headers.get("version-id"),
        "storageTier": headers.get("storage-tier"),
        "md5": md5,
        "metadata": metadata,
    })


def _info_checksums(info: Mapping[str, Any]) -> dict[str, str]:
    """The MD5s an ``info`` dict carries, by kind."""
    out: dict[str, str] = {}
    md5 = info.get("md5")
    if md5:
        out["multipart" if "-" in str(md5) else "content"] = str(md5)
    meta = (info.get("metadata") or {}).get("md5")
    if meta:
        out["whole"] = str(meta)
    return out


def _check_copy(source: Mapping[str, Any], dest: Mapping[str, Any], uri: str) -> None:
    if int(source["size"]) != int(dest["size"]):
        raise ChecksumMismatchError(
            f"server-side copy {uri}: the copy has {dest['size']} bytes, the source {source['size']}",
            operation="copy", provider="oci",
        )
    a, b = _info_checksums(source), _info_checksums(dest)
    whole_a = a.get("content") or a.get("whole")
    whole_b = b.get("content") or b.get("whole")
    if whole_a and whole_b and whole_a != whole_b:
        raise ChecksumMismatchError(
            f"server-side copy {uri}: the copy has MD5 {whole_b}, the source {whole_a}",
            operation="copy", provider="oci",
        )


def _file_md5(fd: int, size: int, chunk: int = 8 * MiB) -> str:
    digest = hashlib.md5()
    offset = 0
    while offset < size:
        data = os.pread(fd, min(chunk, size - offset), offset)
        if not data:
            break
        digest.update(data)
        offset += len(data)
    return digest_to_b64(digest.digest())


def _value(buffer: io.BytesIO | None) -> bytes:
    return buffer.getvalue() if buffer is not None else b""


def _expected_headers(info: Mapping[str, Any]) -> dict[str, str]:
    """Object headers (for :func:`check_md5`) rebuilt from an ``info`` dict."""
    sums = _info_checksums(info)
    headers: dict[str, str] = {}
    if "content" in sums:
        headers["Content-MD5"] = sums["content"]
    if "whole" in sums:
        headers[META_MD5_KEY] = sums["whole"]
    return headers


class OCIFile(ocifs.core.OCIFile):
    """ocifs's file, with parallel multipart writes and checked, retried reads.

    Writing: full parts go up on the filesystem's thread pool as soon as
    they are written (at most ``max_concurrency`` in flight); a file that
    never reaches one part is a single PUT with ``Content-MD5``. Leaving a
    ``with`` block with an exception aborts the upload instead of
    committing what was written so far.

    Reading: ranges are retried (throttling, 5xx, resets, short bodies),
    pinned to the version opened (``If-Match``), and a file read from
    start to end in order is checked against the object's MD5.
    """

    MINIMUM_BLOCK_SIZE = MIN_PART_SIZE
    fs: OCIFileSystem
    buffer: io.BytesIO | None  # type: ignore[assignment]

    def __init__(self, fs: OCIFileSystem, path: str, mode: str = "rb", **kwargs: Any) -> None:
        self._upload: MultipartUpload | None = None
        self._single: bytes | None = None
        self._parts = 0
        self._read_digest: Any = None
        self._read_pos = 0
        super().__init__(fs, path, mode, **kwargs)
        if self.readable() and fs.verify_checksums and _expected_headers(self.details):
            self._read_digest = hashlib.md5()

    # -- reading ------------------------------------------------------------
    @_service_errors
    def _fetch_range(self, start: int, end: int, max_attempts: int = 10, **kwargs: Any) -> bytes:
        end = min(end, self.size)
        data = read_range(
            self.fs.oci_client, self.namespace, self.bucket, self.key, start, end,
            policy=self.fs.retry_policy, refresher=self.fs.refresher, etag=self.details.get("etag"),
        )
        self._track(start, data)
        return data

    def _track(self, start: int, data: bytes) -> None:
        if self._read_digest is None:
            return
        if start == self._read_pos:
            self._read_digest.update(data)
            self._read_pos += len(data)
        elif start + len(data) <= self._read_pos:
            return  # bytes already checked, fetched again by the cache
        else:
            self._read_digest = None  # not a sequential read: nothing to check
            return
        if self._read_pos >= self.size:
            digest, self._read_digest = self._read_digest.digest(), None
            check_md5(_expected_headers(self.details), digest,
                      uri=f"oci://{self.path}", size=self._read_pos)

    # -- writing ------------------------------------------------------------
    def _initiate_upload(self, **kwargs: Any) -> None:
        """Nothing yet: the multipart upload starts with the first full part."""

    def _submit(self, data: bytes) -> None:
        if self._upload is None:
            meta = self.kwargs.get("metadata") or self.kwargs.get("opc_meta")
            self._upload = MultipartUpload(
                self.fs.oci_client, self.namespace, self.bucket, self.key,
                max_concurrency=self.fs.max_concurrency,
                content_type=self.kwargs.get("content_type") or "application/octet-stream",
                storage_tier=self.kwargs.get("storage_tier"), metadata=meta,
                uri=f"oci://{self.path}",
            ).start()
        self._parts += 1
        try:
            self._upload.submit(self._parts, data)
        except BaseException:
            self._upload.abort()
            raise

    @_service_errors
    def _upload_chunk(self, final: bool = False, **kwargs: Any) -> bool:
        if self.buffer is None:
            raise ValueError(f"write to a closed file: oci://{self.path}")
        data = self.buffer.getvalue()
        size = self.blocksize
        if final and self._upload is None:
            self._single = data  # the whole file is under one part: one PUT on commit
            consumed = len(data)
        else:
            consumed = len(data) if final else (len(data) // size) * size
            for offset in range(0, consumed, size):
                self._submit(data[offset:offset + size])
        self.offset += consumed
        self.buffer = io.BytesIO()
        self.buffer.write(data[consumed:])
        if final and self.autocommit:
            self.commit()
        # False: fsspec must not reset the buffer, which keeps the unsent remainder.
        return False

    @_service_errors
    def commit(self, **kwargs: Any) -> None:
        """Make the object visible: the single PUT, or the multipart commit (checked)."""
        if self._upload is not None:
            try:
                self._upload.complete()
            finally:
                self._upload.close()
            self._upload = None
        elif self._single is not None or self.buffer is not None:
            data = self._single if self._single is not None else _value(self.buffer)
            meta = self.kwargs.get("metadata") or self.kwargs.get("opc_meta")
            self.fs.put_single(f"{self.bucket}@{self.namespace}/{self.key}", data,
                               content_type=self.kwargs.get("content_type"),
                               metadata=meta, storage_tier=self.kwargs.get("storage_tier"))
        self._single = None
        self.buffer = None
        self.fs.invalidate_cache(self.path)
        self.fs.invalidate_cache(self.fs._parent(self.path))

    @_service_errors
    def discard(self) -> None:
        """Abort: nothing written becomes visible."""
        if self._upload is not None:
            self._upload.abort()
            self._upload.close()
            self._upload = None
        self._single = None
        self.buffer = None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and self.writable() and not getattr(self, "closed", True):
            self.discard()
            self.closed = True
            return None
        self.close()
        return None


# Importing ocifs (at the top of this module) registers ocifs's own class
# for "oci" in fsspec's registry; point the name back at omefs's class, so
# that fsspec.filesystem("oci"), pandas and pyarrow get this one.
fsspec.register_implementation("oci", OCIFileSystem, clobber=True)
