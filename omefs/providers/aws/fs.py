"""``s3://`` and ``s3a://``: s3fs with ``auth=``, routing and typed errors.

Behaves exactly like :class:`s3fs.S3FileSystem` (same URL forms, options and
results) and adds:

* ``auth=`` (an :class:`~omefs.config.AuthConfig`, a mapping or a profile name);
* ``endpoint_url=`` and ``region=`` as top-level options;
* the ``s3://BUCKET@REGION/PATH`` form, which reaches a bucket in a region
  other than the default without a hand-set region;
* ``storage_class=`` on writes and the class in ``info()``/listings
  (:mod:`omefs.providers.class_aware`);
* ``version_id=`` on ``open``/``cat``/``info``/``rm`` and ``KEY?version=ID``
  (:mod:`omefs.providers.versioned`);
* errors mapped to :mod:`omefs.errors`.
"""

from __future__ import annotations

import contextvars
import errno
from typing import Any, ClassVar

import s3fs

from omefs.encryption import EncryptionOptions
from omefs.errors import EncryptionKeyError
from omefs.providers.aws import encryption as sse
from omefs.providers.aws.options import split_region, translate_options
from omefs.providers.class_aware import AsyncClassMixin
from omefs.providers.error_mapping import ASYNC_METHODS, KEY_HINT, has_service_error, map_errors
from omefs.providers.filesystem import AuthMixin
from omefs.providers.versioned import VersionedMixin

__all__ = ["S3FileSystem"]


# The HeadObject answer of the running ``_info`` (same task: a ContextVar set in an
# awaited coroutine is seen by its caller), for the fields s3fs does not keep.
_HEAD: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("omefs_s3_head",
                                                                              default=None)


@map_errors(*ASYNC_METHODS)
class S3FileSystem(VersionedMixin, AuthMixin, AsyncClassMixin, EncryptionOptions,
                   s3fs.S3FileSystem):  # type: ignore[misc]
    """s3fs's filesystem, taking omefs auth configs, with ``version_id=`` everywhere."""

    protocol = ("s3", "s3a")
    auth_provider: ClassVar[str] = "aws"
    storage_provider: ClassVar[str] = "s3"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset(
        {"key", "secret", "token", "anon", "session", "profile", "username", "password"}
    )

    async def set_session(self, refresh: bool = False, kwargs: dict[str, Any] | None = None) -> Any:
        """s3fs's client, which fails at once on a refused connection (see :mod:`.refused`)."""
        from omefs.providers.aws.refused import fail_fast_on_refused

        client = await super().set_session(refresh=refresh, kwargs=kwargs or {})
        return fail_fast_on_refused(client)

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return translate_options(kwargs, self.encryption, _settings(self))

    async def _call_s3(self, method: str, *akwarglist: Any, **kwargs: Any) -> Any:
        if method == "create_bucket":
            kwargs = _without_default_location(kwargs)
        try:
            out = await super()._call_s3(method, *akwarglist, **kwargs)
        except OSError as exc:
            # HeadObject of an SSE-C object without its key: S3 answers a bare 400
            # (no error code), which s3fs reports as EINVAL "Bad Request".
            if (method == "head_object" and exc.errno == errno.EINVAL
                    and (self.encryption is None or self.encryption.mode != "customer")):
                raise EncryptionKeyError(
                    f"head refused [400]: the object may be encrypted with a customer-provided "
                    f"key that the request did not carry; {KEY_HINT}", operation="info",
                    uri=f"s3://{kwargs.get('Bucket')}/{kwargs.get('Key')}", provider="s3",
                ) from exc
            raise
        if method == "head_object" and isinstance(out, dict):
            _HEAD.set(out)
        return out

    async def _info(self, path: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """s3fs's ``info`` plus ``encryption`` (from HeadObject; an entry from a listing
        cache has none, except on a filesystem with an encryption setting, which asks).

        A missing key's error keeps S3's answer (``NoSuchKey``/404) as its
        cause: s3fs hears the 404 of ``HeadObject``, then looks for a folder of
        that name and raises a new ``FileNotFoundError`` without it; code that
        reads ``exc.__cause__`` needs the service's answer, so it is asked for
        once more on that (rare) path.
        """
        if self.encryption is not None:
            kwargs["refresh"] = True
        token = _HEAD.set(None)
        try:
            info: dict[str, Any] = await super()._info(path, *args, **kwargs)
            head = _HEAD.get()
        except FileNotFoundError as exc:
            bucket, key, _ = self.split_path(path)
            if key and not has_service_error(exc):
                try:
                    await self._call_s3("head_object", Bucket=bucket, Key=key)
                except FileNotFoundError as answer:
                    exc.__cause__ = answer
            raise
        finally:
            _HEAD.reset(token)
        if head is not None and info.get("type") == "file":
            info = {**info, "encryption": sse.describe_head(head)}
        return info

    def get_bucket_encryption(self, bucket: str) -> dict[str, Any] | None:
        """The bucket's default encryption (GetBucketEncryption), neutral; None when unset."""
        try:
            out = self.call_s3("get_bucket_encryption", Bucket=self.split_path(bucket)[0])
        except Exception as exc:  # noqa: BLE001 - "no default" is an error code
            if "ServerSideEncryptionConfigurationNotFoundError" in repr(exc):
                return None
            raise
        return sse.describe_rule(out.get("ServerSideEncryptionConfiguration") or {})

    def set_bucket_encryption(self, bucket: str, encryption: Any) -> None:
        """Set the bucket's default encryption (PutBucketEncryption)."""
        self.call_s3("put_bucket_encryption", Bucket=self.split_path(bucket)[0],
                     ServerSideEncryptionConfiguration=sse.bucket_rule(encryption))

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        stripped = super()._strip_protocol(path)
        if isinstance(stripped, str):
            stripped, _ = split_region(stripped)
        return stripped

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        out = super()._url_options(path)
        _, region = split_region(path)
        if region:
            out["region"] = region
        return out

    async def _rm_version(self, native_path: str) -> None:
        """DeleteObject with its VersionId: s3fs's ``rm`` would add a delete marker instead."""
        bucket, key, version_id = self.split_path(native_path)
        await self._call_s3("delete_object", Bucket=bucket, Key=key, VersionId=version_id)


def _without_default_location(params: dict[str, Any]) -> dict[str, Any]:
    """CreateBucket's parameters without a ``us-east-1`` LocationConstraint.

    s3fs sends the client's region as the new bucket's LocationConstraint;
    S3 (and moto) refuse ``us-east-1`` there (``InvalidLocationConstraint``):
    a bucket in the default region is created with no configuration at all.
    """
    config = params.get("CreateBucketConfiguration")
    if not isinstance(config, dict) or config.get("LocationConstraint") != "us-east-1":
        return params
    rest = {k: v for k, v in config.items() if k != "LocationConstraint"}
    params = {k: v for k, v in params.items() if k != "CreateBucketConfiguration"}
    if rest:
        params["CreateBucketConfiguration"] = rest
    return params


def _settings(fs: Any) -> dict[str, Any]:
    """The auth config's settings (where the TLS options may be given too)."""
    return dict(getattr(getattr(fs, "auth_config", None), "settings", None) or {})
