"""Google Cloud Storage: ``gs://BUCKET/PATH``.

Modules: :mod:`.auth` (every GCP auth type, through google-auth),
:mod:`.fs` (the ``gs://`` filesystem on gcsfs) and :mod:`.front` (its
listings and reads through the JSON API, without gcsfs).
"""

from __future__ import annotations

from typing import ClassVar

from omefs.lifecycle.model import ACTIONS as LIFECYCLE_ACTIONS
from omefs.providers.base import Capabilities, Provider
from omefs.providers.gcp.classes import GCS_CLASSES

__all__ = ["GCSProvider", "PROVIDER"]

MiB = 1 << 20


class GCSProvider(Provider):
    """Google Cloud Storage."""

    name = "gcs"
    auth_name = "gcp"
    label = "GCS"
    aliases = ("google",)
    schemes = ("gs", "gcs")
    extra = "gcs"
    capabilities = Capabilities(
        digests=("crc32c", "md5"), min_part_size=5 * MiB, max_part_size=5 * 1024 * MiB,
        max_parts=10_000, part_alignment=256 * 1024, server_side_copy=True,
        upload_cutoff=64 * MiB,  # measured: docs/transfer.md
        conditional_writes=True, storage_classes=GCS_CLASSES,
        encryption=("provider", "kms", "customer"), lifecycle=LIFECYCLE_ACTIONS, versions=True,
    )
    transfer_hooks = "omefs.providers.gcp.transfer:GCSTransferHooks"
    versions_hooks = "omefs.providers.gcp.versions:GCSVersionHooks"
    filesystems: ClassVar[dict[str, str]] = {"*": "omefs.providers.gcp.fs:GCSFileSystem"}
    front = "omefs.providers.gcp.front:GCSFront"
    foreign_modules = ("gcsfs",)
    auth_module = "omefs.providers.gcp.auth"
    facade_hooks = "omefs.providers.gcp.facade:GCSFacade"
    lifecycle_hooks = "omefs.providers.gcp.lifecycle:GCSLifecycle"
    uri_forms = ("gs://BUCKET/PATH", "gcs://BUCKET/PATH")


PROVIDER = GCSProvider()
