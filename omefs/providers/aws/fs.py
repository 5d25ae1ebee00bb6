"""``s3://`` and ``s3a://``: s3fs with ``auth=``, routing and typed errors.

Behaves exactly like :class:`s3fs.S3FileSystem` (same URL forms, options and
results) and adds:

* ``auth=`` (an :class:`~omefs.config.AuthConfig`, a mapping or a profile name);
* ``endpoint_url=`` and ``region=`` as top-level options;
* the ``s3://BUCKET@REGION/PATH`` form, which reaches a bucket in a region
  other than the default without a hand-set region;
* ``version_id=`` on ``open``/``cat``/``info``/``rm`` and ``KEY?version=ID``
  (:mod:`omefs.providers.versioned`);
* errors mapped to :mod:`omefs.errors`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import s3fs

from omefs.providers.aws import PROVIDER
from omefs.providers.base import URISyntaxError
from omefs.providers.error_mapping import ASYNC_METHODS, map_errors
from omefs.providers.filesystem import AuthMixin
from omefs.providers.versioned import VersionedMixin

__all__ = ["S3FileSystem"]


def _split_region(path: str) -> tuple[str, str | None]:
    """``BUCKET@REGION/PATH`` (scheme optional) as ``(BUCKET/PATH, REGION)``, by the
    ``s3://`` grammar (:meth:`omefs.providers.aws.S3Provider.parse_uri_parts`); any
    other path unchanged, with no region."""
    bare = path.split("://", 1)[-1]
    try:
        fields = PROVIDER.parse_uri_parts("s3", bare, path)
    except URISyntaxError:
        return path, None
    if not fields["region"]:
        return path, None
    return fields["bucket"] + ("/" + fields["path"] if "/" in bare else ""), fields["region"]


@map_errors(*ASYNC_METHODS)
class S3FileSystem(VersionedMixin, AuthMixin, s3fs.S3FileSystem):  # type: ignore[misc]
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
        region = kwargs.pop("region", None)
        if region:
            client_kwargs = dict(kwargs.get("client_kwargs") or {})
            client_kwargs.setdefault("region_name", region)
            kwargs["client_kwargs"] = client_kwargs
        return kwargs

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        stripped = super()._strip_protocol(path)
        if isinstance(stripped, str):
            stripped, _ = _split_region(stripped)
        return stripped

    @classmethod
    def _url_options(cls, path: str) -> dict[str, Any]:
        out = super()._url_options(path)
        _, region = _split_region(path)
        if region:
            out["region"] = region
        return out

    async def _rm_version(self, native_path: str) -> None:
        """DeleteObject with its VersionId: s3fs's ``rm`` would add a delete marker instead."""
        bucket, key, version_id = self.split_path(native_path)
        await self._call_s3("delete_object", Bucket=bucket, Key=key, VersionId=version_id)
