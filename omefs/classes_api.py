"""``omefs.set_storage_class`` and ``omefs.restore``: changing classes in place and restoring
archived objects, one object or every object under a prefix, with a report like a copy's.

Each call turns the class or priority into the provider's own terms
first (a :class:`~omefs.errors.ConfigError` before any request), then asks
the provider's :class:`~omefs.classes.StorageClassOps` per object: S3
``CopyObject`` in place, GCS ``rewrite``, Azure Set Blob Tier, OCI
``UpdateObjectStorageTier``; S3 ``RestoreObject``, Azure rehydration (a
tier change with a priority), OCI ``RestoreObjects``.

The :class:`~omefs.transfer.report.TransferReport` lists every object: an
item is ``copied`` when the change or restore was made (``method`` says
which, ``verified`` what was asked), ``skipped`` when there was nothing to
do (already in that class; not archived), ``failed`` with the error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from omefs import classes
from omefs.errors import ConfigError, NotFoundError
from omefs.transfer.report import TransferItem, TransferReport
from omefs.types import AuthLike, StorageOptions

__all__ = ["set_storage_class", "restore"]

DEFAULT_CONCURRENCY = 8


def _targets(fs: Any, root: str, uri: str, recursive: bool,
             operation: str) -> list[tuple[str, dict[str, Any]]]:
    """``(path, entry)`` of every object to act on."""
    try:
        info = fs.info(root)
    except (FileNotFoundError, NotFoundError):
        info = None
    if info is not None and info.get("type") == "file":
        return [(root, dict(info))]
    if not recursive:
        if info is None:
            raise NotFoundError(f"{operation}: {uri} does not exist", operation=operation, uri=uri)
        raise ConfigError(f"{uri} is a folder; pass recursive=True to act on every object in it",
                          operation=operation, uri=uri)
    found = fs.find(root, detail=True, withdirs=False)
    out = [(path, dict(entry)) for path, entry in sorted(found.items())
           if entry.get("type", "file") == "file" and not path.endswith("/")]
    if not out and info is None:
        raise NotFoundError(f"{operation}: nothing at {uri}", operation=operation, uri=uri)
    return out


def _run(operation: str, url: str, auth: AuthLike, storage_options: StorageOptions | None,
         recursive: bool, max_concurrency: int, raise_on_error: bool,
         act: Callable[[Any, Any, str, dict[str, Any]], tuple[str, str] | None],
         check: Callable[[Any], None]) -> TransferReport:
    from omefs.api import url_to_fs
    from omefs.providers.error_mapping import translate
    from omefs.providers.registry import provider_of

    started = time.monotonic()
    fs, root = url_to_fs(url, auth=auth, **dict(storage_options or {}))
    provider = provider_of(fs)
    check(provider)
    ops = classes.ops_of(provider)
    hooks = provider.transfer()
    protocol = fs.protocol[0] if isinstance(fs.protocol, (list, tuple)) else fs.protocol
    report = TransferReport()

    def one(item: tuple[str, dict[str, Any]]) -> TransferItem:
        path, entry = item
        link = str(hooks.url(protocol, path))
        size = int(entry.get("size") or 0)
        begun = time.monotonic()
        try:
            done = act(fs, ops, path, entry)
        except Exception as exc:  # noqa: BLE001 - reported per object
            mapped = translate(exc, operation, link, provider.name)
            text = str(mapped).strip().splitlines()[0] if str(mapped).strip() else type(mapped).__name__
            return TransferItem(link, link, size, time.monotonic() - begun, 1, "failed",
                                error=f"{type(mapped).__name__}: {text}")
        if done is None:
            return TransferItem(link, link, size, time.monotonic() - begun, 0, "skipped",
                                method=operation)
        return TransferItem(link, link, size, time.monotonic() - begun, 1, "copied",
                            method=done[0], verified=done[1])

    targets = _targets(fs, root, url, recursive, operation)
    with ThreadPoolExecutor(max_workers=max(1, max_concurrency),
                            thread_name_prefix=f"omefs-{operation}") as pool:
        report.extend(pool.map(one, targets))
    report.duration = time.monotonic() - started
    if raise_on_error:
        report.raise_if_failed(operation, url)
    return report


def set_storage_class(
    url: str,
    storage_class: str,
    *,
    recursive: bool = False,
    auth: AuthLike = None,
    storage_options: StorageOptions | None = None,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    raise_on_error: bool = True,
) -> TransferReport:
    """Change the storage class of an object (or, ``recursive=True``, of every object under
    ``url``) in place.

    Args:
        url: the object or prefix (``s3://b/k``, ``gs://…``, ``azure://…``, ``oci://…``).
        storage_class: a neutral class (``STANDARD``, ``INFREQUENT``, ``COLD``,
            ``ARCHIVE``) or the provider's native name, any case.
        recursive: act on every object under ``url``.
        auth, storage_options: as for :func:`omefs.filesystem`.
        max_concurrency: objects changed at once.
        raise_on_error: raise :class:`~omefs.errors.TransferError` (with
            ``.report``) when any object failed; else return the report.

    Objects already in that class are ``skipped``; a class the provider
    lacks, or an unknown name, is a :class:`~omefs.errors.ConfigError`
    before any request.
    """
    wanted: dict[str, str] = {}

    def check(provider: Any) -> None:
        wanted["native"] = classes.to_native(provider, storage_class)

    def act(fs: Any, ops: classes.StorageClassOps, path: str,
            entry: dict[str, Any]) -> tuple[str, str] | None:
        native = wanted["native"]
        current = ops.native_of(entry)
        if current is not None and current.casefold() == native.casefold():
            return None
        ops.set_class(fs, path, native)
        return "set-class", f"{current or 'default'} -> {native}"

    return _run("set-class", url, auth, storage_options, recursive, max_concurrency,
                raise_on_error, act, check)


def restore(
    url: str,
    *,
    days: int | None = None,
    priority: str | None = None,
    recursive: bool = False,
    auth: AuthLike = None,
    storage_options: StorageOptions | None = None,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    raise_on_error: bool = True,
) -> TransferReport:
    """Start the restore of an archived object (or, ``recursive=True``, of every archived object
    under ``url``); ``info()['restore_state']`` then says ``restoring`` and, when done,
    ``restored`` (Azure: the blob is back in the ``Hot`` tier).

    Args:
        days: how long the restored copy stays readable (S3 ``Days``, OCI
            ``hours`` = 24 × days; Azure rehydrates for good).
        priority: ``standard`` (default), ``high`` (S3 Expedited, Azure
            High) or ``bulk`` (S3); the provider's native names too.
        recursive, auth, storage_options, max_concurrency, raise_on_error:
            as for :func:`set_storage_class`.

    Objects that are not archived are ``skipped``.
    """
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
        raise ConfigError(f"days must be a positive integer, got {days!r}", operation="restore",
                          uri=url)

    def check(provider: Any) -> None:
        classes.table_of(provider)  # a provider without classes: ConfigError

    def act(fs: Any, ops: classes.StorageClassOps, path: str,
            entry: dict[str, Any]) -> tuple[str, str] | None:
        native = ops.native_of(entry)
        if not classes.archived(ops.provider, native):
            return None
        return "restore", ops.restore(fs, path, days=days, priority=priority)

    return _run("restore", url, auth, storage_options, recursive, max_concurrency,
                raise_on_error, act, check)

