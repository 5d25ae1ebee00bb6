"""The ``s3://`` front: S3 listings and ``info`` through obstore, without s3fs.

What :mod:`omefs.providers.front` describes, for S3: the options are
translated as :class:`~omefs.providers.aws.fs.S3FileSystem` translates
them (:mod:`.options`), kept under s3fs's attribute names (``key``,
``client_kwargs``…) so that the obstore store is built by the same code
(:func:`~omefs.providers.aws.store.build_s3_store`), and entries have
s3fs's shape (``Key``, ``ETag``, ``LastModified``, ``size``…) so that the
copy engine's fingerprints read them unchanged. The storage class is not in
obstore's listings: the engine opens the full filesystem when a copy asks
for classes, and ``ls -l`` / ``stat`` always do.
"""

from __future__ import annotations

from typing import Any, ClassVar

from omefs.providers.aws.options import split_region, translate_options
from omefs.providers.front import StoreFront

__all__ = ["S3Front"]


class S3Front(StoreFront):
    """An S3 bucket's listings through obstore; the rest through the ``s3://`` filesystem."""

    protocol: ClassVar[tuple[str, ...]] = ("s3", "s3a")
    auth_provider: ClassVar[str] = "aws"
    storage_provider: ClassVar[str] = "s3"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset(
        {"key", "secret", "token", "anon", "session", "profile", "username", "password"}
    )
    front_options: ClassVar[frozenset[str]] = frozenset(
        {"key", "secret", "token", "anon", "profile", "endpoint_url", "client_kwargs", "config_kwargs"}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opts = self.storage_options
        # s3fs's attribute names: what build_s3_store and s3_identity read.
        self.key = opts.get("key")
        self.secret = opts.get("secret")
        self.token = opts.get("token")
        self.anon = bool(opts.get("anon", False))
        self.endpoint_url = opts.get("endpoint_url")
        self.client_kwargs = dict(opts.get("client_kwargs") or {})
        self.config_kwargs = dict(opts.get("config_kwargs") or {})
        self.profile = opts.get("profile")
        self.kwargs = {"profile": self.profile} if self.profile else {}
        static = getattr(self.auth_credentials, "static", None)
        if static is not None and not (self.key or self.anon or self.kwargs):
            # A static key pair: the store signs with it as given (no botocore needed).
            self.key, self.secret, self.token = static
        self.req_kw: dict[str, Any] = {}
        self.requester_pays = False

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        settings = dict(getattr(self.auth_config, "settings", None) or {})
        return translate_options(kwargs, self.encryption, settings)

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        return split_region(super()._strip_protocol(path))[0]

    @classmethod
    def parse_url(cls, url: str) -> tuple[str, dict[str, Any]]:
        path, options = super().parse_url(url)
        _, region = split_region(url)
        if region:
            options["region"] = region
        return path, options

    def entry(self, bucket: str, meta: dict[str, Any]) -> dict[str, Any]:
        name = f"{bucket}/{meta['path']}"
        size = int(meta["size"])
        return {"Key": name, "LastModified": meta.get("last_modified"), "ETag": meta.get("e_tag"),
                "Size": size, "type": "file", "size": size, "name": name}

    def dir_entry(self, name: str) -> dict[str, Any]:
        name = name.rstrip("/")
        return {"Key": name, "Size": 0, "StorageClass": "DIRECTORY", "type": "directory",
                "size": 0, "name": name}
