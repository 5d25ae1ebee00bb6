"""AWS S3 and S3-compatible stores: ``s3://BUCKET/PATH``.

Modules: :mod:`.auth` (every AWS auth type, through botocore) and
:mod:`.fs` (the ``s3://`` filesystem on s3fs).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from omefs.lifecycle.model import ACTIONS as LIFECYCLE_ACTIONS
from omefs.providers.aws.classes import S3_CLASSES
from omefs.providers.base import Capabilities, Provider, URISyntaxError

if TYPE_CHECKING:
    from omefs.uri import ObjectURI

__all__ = ["S3Provider", "PROVIDER"]

MiB = 1 << 20
# S3-compatible stores (MinIO, Ceph…) use free-form region names.
_REGION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


class S3Provider(Provider):
    """Amazon S3 and the stores that speak its API."""

    name = "s3"
    auth_name = "aws"
    label = "S3"
    aliases = ("amazon",)
    schemes = ("s3", "s3a")
    extra = "s3"
    capabilities = Capabilities(
        digests=("etag",), min_part_size=5 * MiB, max_part_size=5 * 1024 * MiB,
        max_parts=10_000, server_side_copy=True, conditional_writes=True,
        upload_cutoff=200 * MiB,  # rclone's --s3-upload-cutoff; docs/transfer.md
        storage_classes=S3_CLASSES, encryption=("provider", "kms", "customer"),
        lifecycle=LIFECYCLE_ACTIONS, versions=True,
    )
    versions_hooks = "omefs.providers.aws.versions:S3VersionHooks"
    transfer_hooks = "omefs.providers.aws.transfer:S3TransferHooks"
    filesystems: ClassVar[dict[str, str]] = {"*": "omefs.providers.aws.fs:S3FileSystem"}
    front = "omefs.providers.aws.front:S3Front"
    foreign_modules = ("s3fs",)
    auth_module = "omefs.providers.aws.auth"
    facade_hooks = "omefs.providers.aws.facade:S3Facade"
    lifecycle_hooks = "omefs.providers.aws.lifecycle:S3Lifecycle"
    uri_forms = ("s3://BUCKET/PATH", "s3://BUCKET@REGION/PATH", "s3a://BUCKET/PATH")
    uri_fields = frozenset({"region"})

    def parse_uri_parts(self, scheme: str, rest: str, text: str) -> dict[str, Any]:
        first, _, path = rest.partition("/")
        bucket, at, region = first.partition("@")
        if at and not region:
            raise URISyntaxError("the region after '@' is missing")
        return {"bucket": bucket, "path": path, "region": region or None}

    def validate_uri(self, fields: dict[str, Any]) -> dict[str, Any]:
        from omefs.uri import check_part

        super().validate_uri(fields)
        if fields["region"] is not None:
            check_part("region", fields["region"], _REGION_RE.match,
                       "letters, digits, '-', '_' and '.', such as us-east-1")
        return fields

    def format_uri(self, uri: ObjectURI) -> str:
        at = f"@{uri.region}" if uri.region else ""
        return f"s3://{uri.bucket}{at}{'/' + uri.path if uri.path else ''}"

    def fsspec_url(self, uri: ObjectURI) -> str:
        return f"s3://{uri.bucket}{'/' + uri.path if uri.path else ''}"


PROVIDER = S3Provider()
