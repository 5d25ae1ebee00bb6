"""OCI Object Storage: ``oci://NAMESPACE/BUCKET/PATH`` and its other forms.

Modules, one job each: :mod:`.uri` (the URI grammar), :mod:`.auth` (OCI
principals and config files), :mod:`.fs` (the ``oci://`` filesystem on
ocifs), :mod:`.paths` (every form into ocifs's ``BUCKET@NS/PATH``),
:mod:`.retry`, :mod:`.checksum`, :mod:`.multipart`, :mod:`.download` and
:mod:`.copy` (the REST operations, driven through the OCI SDK), and
:mod:`.limits` (part sizes and counts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from omefs.lifecycle.model import ACTIONS as LIFECYCLE_ACTIONS
from omefs.providers.base import Capabilities, Provider
from omefs.providers.oci import uri as _uri
from omefs.providers.oci.limits import MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE

if TYPE_CHECKING:
    from omefs.uri import ObjectURI

__all__ = ["OCIProvider", "PROVIDER"]


class OCIProvider(Provider):
    """Oracle Cloud Infrastructure Object Storage."""

    name = "oci"
    auth_name = "oci"
    label = "OCI"
    aliases = ("oracle",)
    schemes = ("oci", "https")
    extra = "oci"
    capabilities = Capabilities(
        digests=("md5",), min_part_size=MIN_PART_SIZE, max_part_size=MAX_PART_SIZE,
        max_parts=MAX_PARTS, server_side_copy=True,
        encryption=("provider", "kms", "customer"),
        lifecycle=LIFECYCLE_ACTIONS, versions=True,
    )
    transfer_hooks = "omefs.providers.oci.transfer:OCITransferHooks"
    versions_hooks = "omefs.providers.oci.versions:OCIVersionHooks"
    filesystems: ClassVar[dict[str, str]] = {"*": "omefs.providers.oci.fs:OCIFileSystem"}
    foreign_modules = ("ocifs",)
    auth_module = "omefs.providers.oci.auth"
    facade_hooks = "omefs.providers.oci.facade:OCIFacade"
    lifecycle_hooks = "omefs.providers.oci.lifecycle:OCILifecycle"
    uri_forms = _uri.FORMS
    uri_fields = frozenset({"namespace", "region"})

    def parse_uri_parts(self, scheme: str, rest: str, text: str) -> dict[str, Any]:
        return _uri.parse(scheme, rest, text)

    def validate_uri(self, fields: dict[str, Any]) -> dict[str, Any]:
        return _uri.validate(fields)

    def format_uri(self, uri: ObjectURI) -> str:
        return _uri.format_uri(uri)

    def fsspec_url(self, uri: ObjectURI) -> str:
        path = f"/{uri.path}" if uri.path else ""
        return f"oci://{uri.bucket}@{uri.namespace}{path}"


PROVIDER = OCIProvider()
