"""Azure Blob Storage: ``azure://CONTAINER[@ACCOUNT]/PATH`` and adlfs's ``az://`` forms.

Modules: :mod:`.uri` (the URI grammar), :mod:`.auth` (every Azure auth
type, through azure-identity) and :mod:`.fs` (the filesystems on adlfs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from omefs.lifecycle.model import ACTIONS as LIFECYCLE_ACTIONS
from omefs.providers.azure import uri as _uri
from omefs.providers.azure.classes import AZURE_CLASSES
from omefs.providers.base import Capabilities, Provider

if TYPE_CHECKING:
    from omefs.uri import ObjectURI

__all__ = ["AzureProvider", "PROVIDER"]

MiB = 1 << 20


class AzureProvider(Provider):
    """Azure Blob Storage (and ADLS Gen2 through adlfs's schemes)."""

    name = "azure"
    auth_name = "azure"
    label = "Azure"
    aliases = ("adl",)
    schemes = ("azure", "az", "abfs", "abfss")
    extra = "azure"
    capabilities = Capabilities(
        digests=("md5",), min_part_size=1, max_part_size=4000 * MiB, max_parts=50_000,
        server_side_copy=True, conditional_writes=True, acknowledged_writes=True,
        upload_cutoff=64 * MiB,  # measured: docs/transfer.md
        storage_classes=AZURE_CLASSES,
        encryption=("provider", "kms", "customer"),
        # Azure has no lifecycle action for incomplete uploads
        lifecycle=tuple(a for a in LIFECYCLE_ACTIONS if a != "abort_incomplete_multipart_days"),
        versions=True,
    )
    transfer_hooks = "omefs.providers.azure.transfer:AzureTransferHooks"
    versions_hooks = "omefs.providers.azure.versions:AzureVersionHooks"
    filesystems: ClassVar[dict[str, str]] = {
        "azure": "omefs.providers.azure.fs:OMEAzureFileSystem",
        "*": "omefs.providers.azure.fs:AzureBlobFileSystem",
    }
    front: ClassVar[dict[str, str]] = {
        "azure": "omefs.providers.azure.front:OMEAzureFront",
        "*": "omefs.providers.azure.front:AzureFront",
    }
    foreign_modules = ("adlfs",)
    auth_module = "omefs.providers.azure.auth"
    facade_hooks = "omefs.providers.azure.facade:AzureFacade"
    lifecycle_hooks = "omefs.providers.azure.lifecycle:AzureLifecycle"
    uri_forms = _uri.FORMS
    uri_fields = frozenset({"account"})

    def parse_uri_parts(self, scheme: str, rest: str, text: str) -> dict[str, Any]:
        return _uri.parse(scheme, rest, text)

    def validate_uri(self, fields: dict[str, Any]) -> dict[str, Any]:
        return _uri.validate(fields)

    def format_uri(self, uri: ObjectURI) -> str:
        return _uri.format_uri(uri)

    def fsspec_url(self, uri: ObjectURI) -> str:
        return _uri.fsspec_url(uri)


PROVIDER = AzureProvider()
