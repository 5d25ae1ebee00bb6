"""The :class:`Provider` base class and :class:`Capabilities`: what differs between stores.

A provider is one storage service (S3, GCS, Azure Blob Storage, OCI Object
Storage, GitHub Releases, local files…). Its :class:`Provider` object owns
everything about it that shared code must not know:

* its names (the storage-side ``name`` such as ``s3``, the auth-side
  ``auth_name`` such as ``aws``, other spellings) and URI schemes;
* its URI grammar — :meth:`Provider.parse_uri_parts`, :meth:`Provider.validate_uri`,
  :meth:`Provider.format_uri`, :meth:`Provider.fsspec_url` — which
  :func:`omefs.uri.parse_uri` dispatches to;
* its auth types (the module that registers their resolvers) and the
  resolution of an auth config into one cached
  :class:`~omefs.auth.Credentials` (:meth:`Provider.credentials`);
* its fsspec filesystem classes (:meth:`Provider.filesystem_class`) and
  which filesystem instances are its own (:meth:`Provider.owns`);
* its capabilities, as data (:class:`Capabilities`), which the engine reads
  instead of comparing provider names.

Hooks that only the copy engine or the OME facade use (``transfer``,
``multipart``) are objects of their own, created on first use, so that
importing a provider never imports its SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from omefs.errors import URISyntaxError

if TYPE_CHECKING:
    from omefs.classes import StorageClasses
    from omefs.uri import ObjectURI

__all__ = ["Capabilities", "Provider", "URISyntaxError", "load_object"]


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do, as data the shared code reads.

    ``digests`` names what the store reports for an object and can be
    compared with bytes read: ``md5``, ``crc32c``, ``etag`` (an ETag that is
    the MD5 of a single-part upload and ``md5-of-md5s-N`` of a multipart one).
    The part limits describe the native multipart upload. The last four
    fields are the slots of the data-management features; ``None`` means the
    provider has not declared them.
    """

    #: Whether the first path segment is a bucket (container, repository…).
    bucketed: bool = True
    #: Digests the store reports, in the order they are cheapest to check.
    digests: tuple[str, ...] = ()
    #: Native multipart limits (``None``: no multipart, or no limit).
    min_part_size: int | None = None
    max_part_size: int | None = None
    max_parts: int | None = None
    #: Part sizes must be a multiple of this (GCS resumable uploads: 256 KiB).
    part_alignment: int = 1
    #: The default upload cutoff: objects up to this size are written in one request, larger
    #: ones as multipart uploads (``None``: the transfer's part size). A transfer's
    #: ``upload_cutoff`` overrides it; the memory budget caps it.
    upload_cutoff: int | None = None
    #: Whether objects can be copied inside the service without the client.
    server_side_copy: bool = False
    #: Whether a write can be made conditional (if-none-match).
    conditional_writes: bool = False
    #: Whether the store is local to this machine (no network, no ranged reads).
    local: bool = False
    #: Whether the length a single write acknowledged stands for checking the object
    #: afterwards: the write is atomic and the service reports no digest a HEAD could add.
    acknowledged_writes: bool = False
    #: Data-management slots (storage classes, versions, encryption, lifecycle).
    #: ``storage_classes``: the neutral and native classes (:mod:`omefs.classes`);
    #: ``lifecycle`` lists the neutral rule actions the provider can express
    #: (see :data:`omefs.lifecycle.ACTIONS`).
    storage_classes: StorageClasses | None = None
    versions: bool | None = None
    encryption: tuple[str, ...] | None = None
    lifecycle: tuple[str, ...] | None = None
    #: Anything else a provider wants to declare.
    extra: Mapping[str, Any] = field(default_factory=dict)


def load_object(spec: str) -> Any:
    """``"package.module:attr"`` → the attribute (imported on demand)."""
    module, _, attr = spec.partition(":")
    obj: Any = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


class Provider:
    """One storage provider. Subclass it, set the class attributes, override what differs.

    Instances are singletons held by :mod:`omefs.providers.registry`; they
    hold no credentials and import nothing heavy until asked.
    """

    #: The storage-side name (``ObjectURI.provider``): ``s3``, ``gcs``, ``oci``…
    name: ClassVar[str] = ""
    #: The auth-side name (``AuthConfig.provider``): ``aws``, ``gcp``, ``oci``…
    auth_name: ClassVar[str] = ""
    #: How people and messages name it: ``S3``, ``GCS``, ``Azure``…
    label: ClassVar[str] = ""
    #: Other spellings accepted for either name (``amazon``, ``google``…).
    aliases: ClassVar[tuple[str, ...]] = ()
    #: URI schemes, canonical first.
    schemes: ClassVar[tuple[str, ...]] = ()
    #: Whether :func:`omefs.uri.parse_uri` takes its URIs (local files: no).
    parses_uris: ClassVar[bool] = True
    #: The pip extra that installs its SDK (``omefs[s3]``), if any.
    extra: ClassVar[str | None] = None
    #: What it can do.
    capabilities: ClassVar[Capabilities] = Capabilities()
    #: ``scheme -> "module:Class"`` of its fsspec filesystems; ``"*"`` for the default.
    filesystems: ClassVar[Mapping[str, str]] = {}
    #: ``"module:Class"`` of its obstore front (:mod:`omefs.providers.front`): listings and
    #: ``info`` without the SDK stack, for commands whose bytes move through obstore; or
    #: ``scheme -> "module:Class"`` (``"*"`` for the default) as :attr:`filesystems`; None: none.
    front: ClassVar[str | Mapping[str, str] | None] = None
    #: Module prefixes of parent libraries whose filesystems count as this provider's.
    foreign_modules: ClassVar[tuple[str, ...]] = ()
    #: The module whose import registers its auth resolvers, if any.
    auth_module: ClassVar[str | None] = None
    #: ``"module:Class"`` of its transfer hooks (:class:`omefs.providers.hooks.TransferHooks`).
    transfer_hooks: ClassVar[str] = "omefs.providers.hooks:TransferHooks"
    #: ``"module:Class"`` of what the OME facade and the CLI ask
    #: (:class:`omefs.providers.facade.FacadeHooks`).
    facade_hooks: ClassVar[str] = "omefs.providers.facade:FacadeHooks"
    #: ``"module:Class"`` of its object-version hooks (:class:`omefs.versions.VersionHooks`).
    versions_hooks: ClassVar[str] = "omefs.versions:VersionHooks"
    #: ``"module:Class"`` of its lifecycle hooks (:class:`omefs.lifecycle.LifecycleHooks`),
    #: or None when it has no lifecycle rules.
    lifecycle_hooks: ClassVar[str | None] = None

    # -- URI grammar -----------------------------------------------------------
    #: The accepted forms, for error messages and docs.
    uri_forms: ClassVar[tuple[str, ...]] = ()
    #: The optional ObjectURI fields its URIs may carry (``namespace``, ``region``…).
    uri_fields: ClassVar[frozenset[str]] = frozenset()

    def parse_uri_parts(self, scheme: str, rest: str, text: str) -> dict[str, Any]:
        """The ObjectURI fields of ``scheme://rest`` (``text`` is the whole URI).

        The default grammar is ``scheme://BUCKET/PATH``. Raise
        :class:`URISyntaxError` for a malformed URI.
        """
        bucket, _, path = rest.partition("/")
        return {"bucket": bucket, "path": path}

    def validate_uri(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Check (and normalise) the provider-specific fields; raise :class:`URISyntaxError`."""
        from omefs.uri import check_part, loose_bucket

        check_part("bucket", fields["bucket"], loose_bucket,
                   "no whitespace, control characters or any of / @ ? # % \\")
        return fields

    def format_uri(self, uri: ObjectURI) -> str:
        """The canonical text of ``uri``; ``parse_uri(format_uri(u)) == u``."""
        return f"{self.schemes[0]}://{uri.bucket}{_tail(uri.path)}"

    def fsspec_url(self, uri: ObjectURI) -> str:
        """The URL the provider's fsspec filesystem takes."""
        return self.format_uri(uri)

    def uri_name(self, uri: ObjectURI) -> str | None:
        """The last component when the path is empty (``None``: the bucket)."""
        return None

    def uri_parent(self, uri: ObjectURI) -> ObjectURI | None:
        """The parent when the path is empty (``None``: the root is its own parent)."""
        return None

    def uri_join(self, uri: ObjectURI, child: str) -> ObjectURI | None:
        """``uri`` joined with ``child`` when the grammar is not ``PATH/child`` (else ``None``)."""
        return None

    # -- filesystems -----------------------------------------------------------
    def filesystem_class(self, scheme: str | None = None) -> type[Any]:
        """The fsspec filesystem class for ``scheme`` (the canonical one by default)."""
        spec = self.filesystems.get(scheme or "") or self.filesystems.get("*")
        if spec is None:
            if not self.filesystems:
                import fsspec

                return fsspec.get_filesystem_class(scheme or self.schemes[0])  # type: ignore[no-any-return]
            spec = next(iter(self.filesystems.values()))
        try:
            cls = load_object(spec)
        except ImportError as exc:
            from omefs.errors import ConfigError

            raise ConfigError(
                f"the {self.label or self.name} filesystem needs optional dependencies that are "
                f"not installed ({getattr(exc, 'name', None) or exc}); "
                f"install omefs[{self.extra or self.name}]",
                operation="connect", provider=self.name,
            ) from None
        return cls  # type: ignore[no-any-return]

    def owns(self, fs: Any) -> bool:
        """Whether the filesystem instance ``fs`` reaches this provider.

        A filesystem that names its provider (``storage_provider``) belongs to
        that one; any other is this provider's when :meth:`claims` says so.
        """
        declared = getattr(fs, "storage_provider", None)
        if isinstance(declared, str) and declared:
            return declared == self.name
        return self.claims(fs)

    def claims(self, fs: Any) -> bool:
        """Whether ``fs``, which names no provider, is this one's: by default a
        filesystem of a parent library listed in :attr:`foreign_modules`."""
        module = type(fs).__module__
        return any(module == m or module.startswith(m + ".") for m in self.foreign_modules)

    # -- auth ------------------------------------------------------------------
    def load_auth(self) -> None:
        """Import the module that registers this provider's auth resolvers."""
        if self.auth_module:
            importlib.import_module(self.auth_module)

    def credentials(self, config: Any) -> Any:
        """``config`` (an :class:`~omefs.config.AuthConfig` or a mapping) resolved into this
        process's one :class:`~omefs.auth.Credentials` for it (see :mod:`omefs.auth.resolve`)."""
        from omefs.auth import resolve

        return resolve(config)

    # -- hooks of the engine and the facade -----------------------------------
    def transfer(self) -> Any:
        """The copy engine's hooks (created once, on first use)."""
        return self._hooks("_transfer", self.transfer_hooks)

    def facade(self) -> Any:
        """The OME facade's and the CLI's hooks (created once, on first use)."""
        return self._hooks("_facade", self.facade_hooks)

    def versions(self) -> Any:
        """The object-version hooks (created once, on first use)."""
        return self._hooks("_versions", self.versions_hooks)
    def lifecycle(self) -> Any:
        """The lifecycle hooks (created once, on first use), or None when it has none."""
        return self._hooks("_lifecycle", self.lifecycle_hooks) if self.lifecycle_hooks else None

    def _hooks(self, slot: str, spec: str) -> Any:
        hooks = self.__dict__.get(slot)
        if hooks is None:
            hooks = load_object(spec)(self)
            self.__dict__[slot] = hooks
        return hooks

    def __repr__(self) -> str:
        return f"<Provider {self.name} ({', '.join(s + '://' for s in self.schemes)})>"


def _tail(path: str) -> str:
    return f"/{path}" if path else ""
