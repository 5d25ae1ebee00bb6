"""The OCI filesystem's construction: options, credentials, the SDK client, paths and metadata.

:class:`OCIConnection` is the base of :class:`~omefs.providers.oci.fs.OCIFileSystem`:
it checks the transfer options, resolves omefs credentials into ocifs's, sets up the
SDK client (retry strategy, no circuit breaker, a connection pool sized for the
parallel transfers), turns every OCI URL form into ocifs's ``BUCKET@NS/PATH`` and
answers ``info``/``exists``. The helpers here are shared by the reading, writing
and file modules.
"""

from __future__ import annotations

import functools
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import ocifs
import ocifs.core
from fsspec.utils import stringify_path
from oci._vendor.requests.structures import CaseInsensitiveDict
from oci.exceptions import ServiceError

from omefs.encryption import EncryptionOptions
from omefs.errors import ConfigError
from omefs.providers.filesystem import AuthMixin, exists_by_info
from omefs.providers.oci.limits import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PART_SIZE,
    MAX_PART_SIZE,
    MIN_PART_SIZE,
    MiB,
)
from omefs.providers.oci.paths import locate
from omefs.providers.oci.retry import OCIRetryStrategy, RetryPolicy, TokenRefresher

__all__ = ["OCIConnection"]


def service_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
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


def check_size(name: str, value: Any, low: int, high: int) -> int:
    """A size option in bytes within ``[low, high]``, or a :class:`ConfigError` naming it."""
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
    """A numeric option that must be positive (or zero, with ``allow_zero``)."""
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}", operation="config",
                          provider="oci") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}",
                          operation="config", provider="oci")
    return number


class OCIConnection(AuthMixin, EncryptionOptions, ocifs.OCIFileSystem):  # type: ignore[misc]
    """ocifs's filesystem with omefs auth and options; see :class:`~omefs.providers.oci.fs.OCIFileSystem`."""

    protocol: ClassVar[tuple[str, ...]] = ("oci",)
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
        self.part_size = check_size("part_size", part_size, MIN_PART_SIZE, MAX_PART_SIZE)
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
        self.refresher = TokenRefresher(lambda: signer_of(ref()))
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
        tls_options = {k: kwargs.pop(k, None) for k in ("verify", "ca_bundle", "allow_http")}
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
        self._tls_verify = _tls_policy(self, tls_options, config_kwargs.get("service_endpoint"))
        if self.encryption is not None:
            from omefs.encryption import check_transport

            check_transport(self.encryption, config_kwargs.get("service_endpoint")
                            or "https://objectstorage.oraclecloud.com", "oci")
        if isinstance(kwargs.get("config"), Mapping):
            kwargs["config"] = dict(kwargs["config"])  # ocifs updates it in place
        return kwargs

    def connect(self, refresh: bool = True) -> Any:
        client = super().connect(refresh=refresh)
        if refresh and client is not None:
            _size_pool(client, self.max_concurrency + 4)
            _secure(client, getattr(self, "_tls_verify", True))
        enc = getattr(self, "encryption", None)
        if enc is not None and client is not None:
            from omefs.providers.oci.encryption import EncryptingClient

            if not isinstance(client, EncryptingClient):
                # every object call carries the setting (opc-sse-* headers)
                client = self.oci_client = EncryptingClient(client, enc)
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
                # A folder (objects under KEY/), or not there: one listing says which.
                try:
                    under = self._call_oci(self.oci_client.list_objects, namespace_name=namespace,
                                           bucket_name=bucket, prefix=key.rstrip("/") + "/",
                                           limit=1).data.objects
                except ServiceError as err:
                    raise ocifs.core.translate_oci_error(err) from err
                if under:
                    return CaseInsensitiveDict({"name": name.rstrip("/"), "size": 0,
                                                "type": "directory"})
            if exc.status == 400 and (self.encryption is None or self.encryption.mode != "customer"):
                # HeadObject of an SSE-C object without its key: a bare 400.
                from omefs.errors import EncryptionKeyError
                from omefs.providers.error_mapping import KEY_HINT

                raise EncryptionKeyError(
                    f"head refused [400]: the object may be encrypted with a customer-provided key "
                    f"that the request did not carry; {KEY_HINT}", operation="info",
                    uri=f"oci://{name}", provider="oci") from exc
            raise ocifs.core.translate_oci_error(exc) from exc
        from omefs.providers.oci.encryption import describe_headers

        out = file_info(name, headers)
        out["encryption"] = describe_headers(headers)
        return out

    def get_bucket_encryption(self, bucket: str) -> dict[str, Any] | None:
        """The bucket's default encryption (its Vault ``kmsKeyId``), neutral; None: Oracle-managed."""
        name, namespace, _ = self.split_path(bucket)
        data = self._call_oci(self.oci_client.get_bucket, namespace_name=namespace,
                              bucket_name=name).data
        key = getattr(data, "kms_key_id", None)
        return {"mode": "kms", "key_id": key} if key else None

    def set_bucket_encryption(self, bucket: str, encryption: Any) -> None:
        """Set the bucket's default: a Vault key (``kms``) or Oracle-managed keys (``provider``)."""
        from oci.object_storage.models import UpdateBucketDetails

        from omefs.encryption import parse_encryption

        enc = parse_encryption(encryption)
        if enc is None or enc.mode == "customer":
            raise ConfigError("an OCI bucket's default encryption is 'provider' (Oracle-managed) "
                              "or 'kms' (a Vault key); a customer key is given per request",
                              operation="set-encryption", provider="oci")
        name, namespace, _ = self.split_path(bucket)
        self._call_oci(self.oci_client.update_bucket, namespace_name=namespace, bucket_name=name,
                       update_bucket_details=UpdateBucketDetails(kms_key_id=enc.key_id or ""))

    def exists(self, path: str, **kwargs: Any) -> bool:
        """Whether ``path`` exists; credentials that are refused raise rather than say "no"."""
        return exists_by_info(self, path, **kwargs)


def signer_of(fs: Any) -> Any:
    """The signer of ``fs``'s SDK client, or None (for the token refresher)."""
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


def _tls_policy(fs: Any, options: Mapping[str, Any], endpoint: Any) -> bool | str:
    """The TLS policy (:mod:`omefs.tls`) for the service endpoint: requests are always signed,
    so plain http goes only to loopback or with ``allow_http``; options win over auth settings."""
    from omefs import tls

    settings = dict(getattr(getattr(fs, "auth_config", None), "settings", None) or {})
    value = {k: options[k] if options.get(k) is not None else settings.get(k) for k in options}
    if endpoint:
        tls.check_endpoint(str(endpoint), credentials=True, allow_http=value["allow_http"],
                           provider="oci")
    verify = tls.verify_setting(value["verify"], value["ca_bundle"])
    tls.note_verify(verify, str(endpoint) if endpoint else None)
    return verify


def _secure(client: Any, verify: bool | str) -> None:
    """HTTPS through a TLS 1.2+ context checking certificates (against ``ca_bundle`` if set)."""
    from omefs.tls import ssl_context, tls_adapter

    session = client.base_client.session
    session.verify = verify
    adapter = session.adapters.get("https://")
    if adapter is None or getattr(adapter, "_omefs_tls", False):
        return
    secured = tls_adapter(type(adapter), ssl_context(verify),
                          pool_connections=getattr(adapter, "_pool_connections", 10),
                          pool_maxsize=getattr(adapter, "_pool_maxsize", 10),
                          max_retries=adapter.max_retries,
                          pool_block=getattr(adapter, "_pool_block", False))
    secured._omefs_tls = True
    session.mount("https://", secured)


def file_info(name: str, headers: Mapping[str, Any]) -> Any:
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
        "archivalState": headers.get("archival-state"),
        "md5": md5,
        "metadata": metadata,
    })


def info_checksums(info: Mapping[str, Any]) -> dict[str, str]:
    """The MD5s an ``info`` dict carries, by kind."""
    out: dict[str, str] = {}
    md5 = info.get("md5")
    if md5:
        out["multipart" if "-" in str(md5) else "content"] = str(md5)
    meta = (info.get("metadata") or {}).get("md5")
    if meta:
        out["whole"] = str(meta)
    return out
