"""The names of the five providers, on the storage side and the auth side.

Storage providers are named as in OME's storage layer (``oci``, ``s3``,
``gcs``, ``azure``, ``github``); auth providers as in OME's ``pkg/auth``
(``oci``, ``aws``, ``gcp``, ``azure``, ``github``). Each side accepts the
other's spelling; these helpers turn either into the canonical one.
"""

from __future__ import annotations

STORAGE_PROVIDERS = ("oci", "s3", "gcs", "azure", "github")
AUTH_PROVIDERS = ("oci", "aws", "gcp", "azure", "github")

_TO_AUTH = {
    "oci": "oci", "oracle": "oci",
    "aws": "aws", "s3": "aws", "s3a": "aws", "amazon": "aws",
    "gcp": "gcp", "gcs": "gcp", "gs": "gcp", "google": "gcp",
    "azure": "azure", "az": "azure", "abfs": "azure", "abfss": "azure", "adl": "azure",
    "github": "github", "gh": "github",
}
_AUTH_TO_STORAGE = {"oci": "oci", "aws": "s3", "gcp": "gcs", "azure": "azure", "github": "github"}


def auth_provider(name: str) -> str | None:
    """The auth-side name (``aws``, ``gcp``…) for either spelling, or None if unknown."""
    return _TO_AUTH.get(str(name).strip().lower())


def storage_provider(name: str) -> str | None:
    """The storage-side name (``s3``, ``gcs``…) for either spelling, or None if unknown."""
    auth = auth_provider(name)
    return _AUTH_TO_STORAGE.get(auth) if auth else None
