"""omefs: OCI Object Storage, S3, GCS, Azure Blob Storage and GitHub Releases as one thing.

The public surface is small:

* :func:`filesystem`, :func:`url_to_fs`, :func:`open` — fsspec with ``auth=``;
* :func:`parse_uri` / :class:`ObjectURI` — every provider's URL forms;
* :class:`AuthConfig` and :func:`resolve` — one auth config, each SDK's credentials;
* :func:`copy` and :func:`sync` — the cross-cloud transfer engine;
* :func:`set_storage_class` and :func:`restore` — storage classes in place, archived objects;
* :func:`versioning`, :func:`list_versions`, :func:`restore_version` — object versions;
* :func:`storage` — a facade for code written against OME's Go interface;
* :mod:`omefs.lifecycle` — a bucket's lifecycle rules, one neutral form on four clouds;
* :class:`TransferReport` / :class:`TransferItem` — what a transfer did;
* :mod:`omefs.errors` — every error omefs raises (its classes are exported here too).

Heavy parts (SDKs, the transfer engine) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omefs import errors
from omefs.config import AuthConfig
from omefs.errors import (
    AlreadyExistsError,
    ArchivedObjectError,
    AssetTooLargeError,
    AuthError,
    ChecksumMismatchError,
    ConfigError,
    ConnectionFailedError,
    EncryptionKeyError,
    InvalidURIError,
    IsAReleaseError,
    NotFoundError,
    OmefsError,
    PermissionDeniedError,
    RateLimitError,
    ServiceError,
    TransferCancelledError,
    TransferError,
    TransferInterrupted,
    TruncatedBodyError,
    VersioningNotEnabledError,
)
from omefs.pyarrow_urls import install as _install_pyarrow_urls
from omefs.redact import install_log_filter

if TYPE_CHECKING:  # loaded on first use (``_LAZY``): fsspec is not imported by ``import omefs``
    from omefs.api import filesystem, open, url_to_fs

__version__ = "0.1.0"

__all__ = [
    # fsspec with auth=
    "filesystem",
    "open",
    "url_to_fs",
    # URIs
    "ObjectURI",
    "parse_uri",
    # auth
    "AuthConfig",
    "Credentials",
    "resolve",
    # encryption at rest
    "Encryption",
    # transfers
    "TransferItem",
    "TransferReport",
    "copy",
    "sync",
    # storage classes
    "restore",
    "set_storage_class",
    # the OME facade
    "Storage",
    "storage",
    # lifecycle rules
    "lifecycle",
    # FUSE mounts
    "mount",
    # errors
    "errors",
    "AlreadyExistsError",
    "ArchivedObjectError",
    "AssetTooLargeError",
    "AuthError",
    "ChecksumMismatchError",
    "ConfigError",
    "EncryptionKeyError",
    "ConnectionFailedError",
    "InvalidURIError",
    "NotFoundError",
    "OmefsError",
    "IsAReleaseError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServiceError",
    "TransferError",
    "TransferCancelledError",
    "TransferInterrupted",
    "TruncatedBodyError",
    "VersioningNotEnabledError",
    # object versions
    "ObjectVersion",
    "list_versions",
    "restore_version",
    "versioning",
    "__version__",
]

install_log_filter("omefs")

# pandas and pyarrow open omefs's URLs through omefs (routes, auth configs); see omefs.pyarrow_urls.
_install_pyarrow_urls()

#: Names loaded on first use: ``module, attribute``. Keeps ``import omefs`` free of
#: fsspec, the SDKs and the transfer engine (a short command's start-up).
_LAZY = {
    "filesystem": ("omefs.api", "filesystem"),
    "open": ("omefs.api", "open"),
    "url_to_fs": ("omefs.api", "url_to_fs"),
    "parse_uri": ("omefs.uri", "parse_uri"),
    "ObjectURI": ("omefs.uri", "ObjectURI"),
    "Credentials": ("omefs.auth", "Credentials"),
    "resolve": ("omefs.auth", "resolve"),
    "Encryption": ("omefs.encryption", "Encryption"),
    "copy": ("omefs.transfer", "copy"),
    "sync": ("omefs.transfer", "sync"),
    "TransferItem": ("omefs.transfer.report", "TransferItem"),
    "TransferReport": ("omefs.transfer.report", "TransferReport"),
    "storage": ("omefs.storage", "storage"),
    "set_storage_class": ("omefs.classes_api", "set_storage_class"),
    "restore": ("omefs.classes_api", "restore"),
    "Storage": ("omefs.storage", "Storage"),
    "ObjectVersion": ("omefs.versions", "ObjectVersion"),
    "list_versions": ("omefs.versions", "list_versions"),
    "restore_version": ("omefs.versions", "restore_version"),
    "versioning": ("omefs.versions", "versioning"),
    "lifecycle": ("omefs.lifecycle", ""),  # the module itself
    "mount": ("omefs.mount", ""),  # the module, callable as mount()
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = importlib.import_module(module)
        value = getattr(value, attr) if attr else value
        globals()[name] = value
        return value
    raise AttributeError(f"module 'omefs' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
