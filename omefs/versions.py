"""Object versions, the same on every provider that keeps them.

* :func:`versioning` reads or switches a bucket's versioning
  (``"enabled"``, ``"suspended"`` or ``"disabled"``);
* :func:`list_versions` lists the versions of an object (or of every object
  under a prefix) as :class:`ObjectVersion` records, newest first;
* :func:`restore_version` makes an older version the live one (a copy of it
  onto the object, done by the service).

Reading, copying and deleting one version go through the filesystems
(``version_id=`` on ``open``/``cat``/``info``/``rm``, or the URL spelling
``KEY?version=ID``; see :mod:`omefs.providers.versioned`) and
:func:`omefs.copy`. A provider declares versions with
``Capabilities(versions=True)`` and answers through its
:class:`VersionHooks` (``Provider.versions_hooks``); nothing here names a
provider.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from omefs.errors import ConfigError, OmefsError, VersioningNotEnabledError
from omefs.types import AuthLike

__all__ = [
    "STATES",
    "ObjectVersion",
    "VersionHooks",
    "list_versions",
    "restore_version",
    "version_source",
    "versioning",
    "versions_listing",
]

#: The neutral versioning states of a bucket.
STATES = ("enabled", "suspended", "disabled")


@dataclass(frozen=True)
class ObjectVersion:
    """One version of one object, as every provider reports it.

    ``path`` is the object's path on its filesystem (``BUCKET/KEY``), ``url``
    the URL that reads this version (``…?version=ID``). A delete marker
    (S3) has no bytes: ``size`` 0. ``storage_class`` is the neutral class
    where the provider maps it, else the native one.
    """

    path: str
    version_id: str
    size: int
    last_modified: datetime | None
    is_latest: bool
    delete_marker: bool = False
    storage_class: str | None = None
    storage_class_native: str | None = None
    url: str = ""

    @property
    def key(self) -> str:
        """The object's name inside its bucket."""
        return self.path.partition("/")[2]

    def as_dict(self) -> dict[str, object]:
        """The record as plain data (``last_modified`` as ISO 8601), for JSON output."""
        out = asdict(self)
        out["last_modified"] = self.last_modified.isoformat() if self.last_modified else None
        return out


class VersionHooks:
    """What a provider answers about versions; subclassed in each provider's ``versions`` module.

    ``path`` arguments are paths on the provider's filesystem (``BUCKET/KEY``
    in its own form). The defaults say the provider has no versions.
    """

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def _unsupported(self, operation: str) -> OmefsError:
        return ConfigError(f"{self.provider.label} keeps no object versions",
                           operation=operation, provider=self.provider.name)

    def state(self, fs: Any, path: str) -> str:
        """The bucket's versioning: one of :data:`STATES`."""
        raise self._unsupported("versioning")

    def known_state(self, fs: Any, path: str) -> str | None:
        """The state, where it can be asked with the filesystem's credentials (None: it
        cannot, and the calls that need versions go ahead and let the service answer)."""
        return self.state(fs, path)

    def set_state(self, fs: Any, path: str, enabled: bool) -> None:
        """Turn the bucket's versioning on, or off (suspended where the service keeps the
        old versions, as they all do)."""
        raise self._unsupported("versioning")

    def list(self, fs: Any, path: str) -> list[ObjectVersion]:
        """Every version of every object whose key starts with ``path``'s key, delete
        markers included; per key, newest first."""
        raise self._unsupported("list_versions")

    def restore(self, fs: Any, path: str, version_id: str) -> None:
        """Make ``version_id`` of ``path`` the live object: by default a copy of that version
        onto ``path`` through the version-aware filesystem, which the services do in place."""
        twin = fs.version_aware_twin()
        twin.cp_file(twin.native_version_path(path, version_id), path)

    def storage_class(self, native: str | None) -> str | None:
        """The neutral name of a native storage class where the provider's table has one,
        else the native name. The table is the provider's ``Capabilities.storage_classes``:
        an object whose ``native`` maps each native class to its neutral one, or a plain
        neutral -> native mapping."""
        if not native:
            return None
        table = self.provider.capabilities.storage_classes
        by_native = getattr(table, "native", None)
        if isinstance(by_native, Mapping):
            pairs = [(str(n), v) for n, v in by_native.items()]
        elif isinstance(table, Mapping):
            pairs = [(str(n), neutral) for neutral, n in table.items()]
        else:
            return native
        for name, neutral in pairs:
            if name.lower() == native.lower():
                return str(neutral) if neutral else native
        return native


# -- the public calls -----------------------------------------------------------
def _resolve(url: str, auth: AuthLike, storage_options: dict[str, object],
             operation: str) -> tuple[Any, str, Any, VersionHooks]:
    from omefs.api import url_to_fs
    from omefs.providers import provider_of

    fs, path = url_to_fs(url, auth=auth, **storage_options)
    provider = provider_of(fs)
    if not provider.capabilities.versions:
        from omefs.providers import all_providers

        have = sorted(p.label for p in all_providers() if p.capabilities.versions)
        raise ConfigError(f"{provider.label} keeps no object versions; providers that do: "
                          f"{', '.join(have)}", operation=operation, uri=url,
                          provider=provider.name)
    return fs, path, provider, provider.versions()


@contextlib.contextmanager
def _mapped(operation: str, uri: str, provider: Any) -> Iterator[None]:
    """SDK errors raised by a hook as :mod:`omefs.errors` (a missing bucket: NotFoundError…)."""
    from omefs.providers.error_mapping import translate

    try:
        yield
    except OmefsError:
        raise
    except Exception as exc:
        mapped = translate(exc, operation, uri, provider.name)
        if mapped is exc:
            raise
        raise mapped from exc


def _bucket_of(path: str) -> str:
    return path.split("/", 1)[0]


def versioning(bucket_url: str, enabled: bool | None = None, *, auth: AuthLike = None,
               **storage_options: object) -> str:
    """The bucket's versioning state; with ``enabled=True``/``False``, switch it first.

    Returns ``"enabled"``, ``"suspended"`` (off, the old versions kept) or
    ``"disabled"`` (never turned on). ``bucket_url`` may name an object: its
    bucket is meant.
    """
    fs, path, provider, hooks = _resolve(bucket_url, auth, storage_options, "versioning")
    bucket = _bucket_of(path)
    with _mapped("versioning", bucket_url, provider):
        if enabled is not None:
            if not isinstance(enabled, bool):
                raise ConfigError(f"enabled must be True, False or None, not {enabled!r}",
                                  operation="versioning", uri=bucket_url, provider=provider.name)
            hooks.set_state(fs, bucket, enabled)
        return hooks.state(fs, bucket)


def _require_versioning(fs: Any, path: str, hooks: VersionHooks, url: str, provider: Any,
                        operation: str) -> None:
    if hooks.known_state(fs, _bucket_of(path)) == "disabled":
        bucket = _bucket_of(path)
        raise VersioningNotEnabledError(
            f"bucket {bucket!r} has no versioning: turn it on with "
            f"omefs.versioning(url, enabled=True) or `omefs versioning URL on`",
            operation=operation, uri=url, provider=provider.name,
        )


def _select(versions: list[ObjectVersion], path: str, children_only: bool) -> list[ObjectVersion]:
    """The versions of the object at ``path``; where there is none, of the objects under it
    (its direct children only with ``children_only``)."""
    own = [v for v in versions if v.path == path]
    if own:
        return own
    base = path + "/"
    under = [v for v in versions if v.path.startswith(base)]
    if children_only:
        under = [v for v in under if "/" not in v.path[len(base):]]
    return under


def list_versions(url: str, *, auth: AuthLike = None, **storage_options: object) -> list[ObjectVersion]:
    """Every version of the object at ``url`` (or of each object under that prefix), per
    object newest first, delete markers included.

    Raises :class:`~omefs.errors.VersioningNotEnabledError` on a bucket whose
    versioning was never turned on.
    """
    fs, path, provider, hooks = _resolve(url, auth, storage_options, "list_versions")
    with _mapped("list_versions", url, provider):
        _require_versioning(fs, path, hooks, url, provider, "list_versions")
        return _select(hooks.list(fs, path), path.rstrip("/"), children_only=False)


def restore_version(url: str, version_id: str, *, auth: AuthLike = None,
                    **storage_options: object) -> ObjectVersion:
    """Make ``version_id`` of the object at ``url`` its live version again; returns the new
    live version (a new version id with the old bytes: the history stays).

    A version that does not exist raises :class:`~omefs.errors.NotFoundError`.
    """
    fs, path, provider, hooks = _resolve(url, auth, storage_options, "restore_version")
    if not version_id or not isinstance(version_id, str):
        raise ConfigError(f"version_id must be a non-empty string, not {version_id!r}",
                          operation="restore_version", uri=url, provider=provider.name)
    with _mapped("restore_version", url, provider):
        _require_versioning(fs, path, hooks, url, provider, "restore_version")
        fs.info(path, version_id=version_id)  # NotFoundError for a version that is not there
        hooks.restore(fs, path, version_id)
        fs.invalidate_cache(path)
        latest = [v for v in hooks.list(fs, path) if v.path == path and v.is_latest]
    if not latest:
        raise OmefsError(f"{url}: restored version {version_id} but the object has no live "
                         "version", operation="restore_version", uri=url, provider=provider.name)
    return latest[0]


def version_source(src: str, dst: str, version_id: str, recursive: bool) -> tuple[str, str]:
    """``omefs.copy(src, dst, version_id=…)``: the source spelled ``KEY?version=ID`` (which
    every omefs filesystem reads), and a destination ending in ``/`` given the object's name."""
    import posixpath

    if recursive:
        raise ConfigError("version_id names one version of one object: it cannot be used with "
                          "recursive=True", operation="copy", uri=src)
    if not isinstance(version_id, str) or not version_id or any(c in version_id for c in "?#/&="):
        raise ConfigError(f"version_id must be a version id such as the ones list_versions() "
                          f"gives, not {version_id!r}", operation="copy", uri=src)
    from omefs.providers.versioned import split_neutral_version

    bare, given = split_neutral_version(src)
    if given is not None and given != version_id:
        raise ConfigError(f"two versions given for {bare}: {given!r} and {version_id!r}",
                          operation="copy", uri=src)
    if dst.endswith("/"):
        dst += posixpath.basename(bare)
    return f"{bare}?version={version_id}", dst


def versions_listing(fs: Any, path: str) -> list[dict[str, Any]]:
    """``fs.ls(path, versions=True, detail=True)``: the versions of the object at ``path`` or
    of its direct children, as fsspec entries (``name`` in the library's version form) with
    the :class:`ObjectVersion` fields."""
    from omefs.providers import provider_of

    provider = provider_of(fs)
    stripped = fs._strip_protocol(path).rstrip("/")
    with _mapped("ls", path, provider):
        versions = provider.versions().list(fs, stripped)
    out = []
    for v in _select(versions, stripped, children_only=True):
        entry = v.as_dict()
        entry.update(name=fs.native_version_path(v.path, v.version_id), type="file",
                     last_modified=v.last_modified)
        out.append(entry)
    return out
