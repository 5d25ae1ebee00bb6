"""``omefs.copy`` and ``omefs.sync``: the public entry points of the transfer engine.

Both are synchronous functions that run the engine on an event loop of
their own (in a helper thread when the caller already runs one, as in
Jupyter) and return only when every started operation has finished and
the loop is closed — obstore work included, which is what keeps an
interpreter from aborting at exit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from omefs.errors import (
    ConfigError,
    InvalidURIError,
    OmefsError,
    TransferCancelledError,
    TransferInterrupted,
)
from omefs.providers.error_mapping import translate
from omefs.transfer.endpoints import Endpoint, EndpointSpec
from omefs.transfer.engine import Engine
from omefs.transfer.options import (
    DEFAULT_CONCURRENCY,
    DEFAULT_RETRIES,
    TransferOptions,
)
from omefs.transfer.plan import Plan, build_plan
from omefs.transfer.progress import Progress, make_callback
from omefs.transfer.report import TransferItem, TransferReport
from omefs.transfer.streams import Runtime
from omefs.types import AuthLike, Executor, StorageOptions

if TYPE_CHECKING:
    from fsspec.callbacks import Callback

__all__ = ["copy", "sync", "run_coroutine"]

log = logging.getLogger("omefs.transfer")
T = TypeVar("T")


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``factory()`` to completion on a fresh event loop, closed before returning.

    From a thread that already runs a loop, the work runs in a helper
    thread (and this call blocks until it is done). The call returns only
    once no obstore thread is still handing the loop a result
    (:mod:`omefs.transfer.loop`: what aborted interpreters at exit).
    """
    from omefs.transfer.loop import run_fresh

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run_fresh(factory)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = run_fresh(factory)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="omefs-transfer-loop")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _as_uri(value: Any, name: str) -> str:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise InvalidURIError(f"{name} must be a non-empty URI or path, got {value!r}",
                              operation="copy")
    return value


def _endpoint(spec: EndpointSpec, retries: int) -> Endpoint:
    try:
        return spec.build(retries)
    except OmefsError:
        raise
    except (ValueError, ImportError) as exc:
        raise InvalidURIError(f"cannot open {spec.uri!r}: {exc}", operation="copy",
                              uri=spec.uri) from exc


async def _delete_extraneous(rt: Runtime, dst: Endpoint, plan: Plan, opts: TransferOptions,
                             report: TransferReport) -> None:
    if not plan.extraneous:
        return
    if not report.ok:
        log.warning("not deleting %d destination objects: some copies failed",
                    len(plan.extraneous))
        return
    semaphore = asyncio.Semaphore(opts.max_concurrency)

    async def remove(path: str) -> TransferItem:
        started = time.monotonic()
        if opts.dry_run:
            return TransferItem("", dst.url(path), 0, 0.0, 0, "deleted", method="dry-run")
        async with semaphore:
            try:
                await rt.run(dst.fs.rm_file, path)
            except Exception as exc:  # noqa: BLE001 - reported
                return TransferItem("", dst.url(path), 0, time.monotonic() - started, 1, "failed",
                                    error=f"delete failed: {type(exc).__name__}: {exc}")
        return TransferItem("", dst.url(path), 0, time.monotonic() - started, 1, "deleted",
                            method="delete")

    report.extend(await asyncio.gather(*(remove(p) for p in plan.extraneous)))


async def _transfer_async(src: str, dst: str, opts: TransferOptions, src_auth: Any, dst_auth: Any,
                          src_options: Mapping[str, Any] | None, dst_options: Mapping[str, Any] | None,
                          progress: Progress, executor: Any, report: TransferReport,
                          operation: str = "copy") -> TransferReport:
    """Plan and run the transfer, filling ``report`` (also when cancelled: then with every
    object's item, those not done as ``cancelled``)."""
    started = time.monotonic()
    main = asyncio.current_task()
    if main is not None:  # the callback raising cancels the whole transfer
        progress.stop_with(functools.partial(asyncio.get_running_loop().call_soon_threadsafe,
                                             main.cancel))
    pool = ThreadPoolExecutor(max_workers=opts.max_concurrency + 4, thread_name_prefix="omefs-transfer")
    try:
        rt = Runtime(pool)
        # The providers' obstore fronts list without their SDK stacks; a copy that keeps or
        # sets storage classes needs the classes in the listings: the full filesystems.
        front = opts.storage_class is None
        src_ep = await rt.run(_endpoint, EndpointSpec(src, src_auth, dict(src_options or {}), front),
                              opts.retries)
        dst_ep = await rt.run(_endpoint, EndpointSpec(dst, dst_auth, dict(dst_options or {}), front),
                              opts.retries)
        try:
            plan = await build_plan(rt, src_ep, dst_ep, opts, src, dst)
        except OmefsError:
            raise
        except Exception as exc:
            mapped = translate(exc, "copy", src, src_ep.name)
            if mapped is exc:
                raise
            raise mapped from exc
        progress.set_size(plan.total_bytes)
        if executor is not None and len(plan.tasks) > 1 and not opts.dry_run:
            gathered: list[TransferItem] = []
            try:
                from omefs.transfer.distribute import distribute

                items = await distribute(rt, executor, src_ep, dst_ep, opts, plan.tasks, progress,
                                         operation, gathered)
            except asyncio.CancelledError:
                report.extend(gathered)
                raise
        else:
            engine = Engine(src_ep, dst_ep, opts, rt, progress)
            try:
                items = await engine.run(plan.tasks)
            except asyncio.CancelledError:
                report.extend(engine.partial)
                raise
        report.extend(items)
        if opts.delete:
            await _delete_extraneous(rt, dst_ep, plan, opts, report)
    finally:
        pool.shutdown(wait=True)
        report.duration = time.monotonic() - started
    return report


def _transfer(operation: str, src: Any, dst: Any, opts: TransferOptions, *, src_auth: Any,
              dst_auth: Any, src_options: Mapping[str, Any] | None,
              dst_options: Mapping[str, Any] | None, callback: Callback | None, progress: bool,
              executor: Any, raise_on_error: bool) -> TransferReport:
    src_uri, dst_uri = _as_uri(src, "src"), _as_uri(dst, "dst")
    tracker = Progress(make_callback(callback, progress, desc=operation))
    report = TransferReport(dry_run=opts.dry_run)
    try:
        run_coroutine(lambda: _transfer_async(
            src_uri, dst_uri, opts, src_auth, dst_auth, src_options, dst_options, tracker, executor,
            report, operation))
    except KeyboardInterrupt as exc:
        raise TransferInterrupted(f"{operation} interrupted: {report.summary()}",
                                  report=report) from exc
    except asyncio.CancelledError:
        if tracker.stopped_by is None:
            raise
        raise TransferCancelledError(
            f"{operation} cancelled: the progress callback raised "
            f"{type(tracker.stopped_by).__name__}: {tracker.stopped_by}; {report.summary()}",
            report=report, operation=operation, uri=src_uri) from tracker.stopped_by
    finally:
        tracker.close()
    log.info("%s %s -> %s: %s", operation, src_uri, dst_uri, report.summary())
    if raise_on_error:
        report.raise_if_failed(operation, src_uri)
    return report


def copy(
    src: str,
    dst: str,
    *,
    recursive: bool = False,
    src_auth: AuthLike = None,
    dst_auth: AuthLike = None,
    src_options: StorageOptions | None = None,
    dst_options: StorageOptions | None = None,
    checksum: bool = True,
    skip_existing: bool = False,
    compare: str = "auto",
    exclude: str | Sequence[str] | None = None,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    part_size: int | str | None = None,
    upload_cutoff: int | str | None = None,
    retries: int = DEFAULT_RETRIES,
    bandwidth: int | float | str | None = None,
    dry_run: bool = False,
    storage_class: str | None = None,
    callback: Callback | None = None,
    progress: bool = False,
    executor: Executor | None = None,
    raise_on_error: bool = True,
    version_id: str | None = None,
) -> TransferReport:
    """Copy an object, or a folder with ``recursive=True``, between any two filesystems.

    Args:
        src, dst: URIs (``s3://b/k``, ``gs://…``, ``azure://…``, ``oci://…``,
            ``github://…``, ``file:///…`` or a local path, ``memory://…``,
            any fsspec URL). Layout as rclone: a folder's *contents* go under
            ``dst``; a single object to a ``dst`` ending in ``/`` or to an
            existing folder keeps its base name, else ``dst`` is its new name.
        recursive: copy everything under ``src``.
        src_auth, dst_auth: an :class:`~omefs.config.AuthConfig`, a mapping
            or a profile name for each side (routes apply when omitted).
        src_options, dst_options: storage options of each side
            (``endpoint_url``, ``connection_string``…).
        checksum: verify with MD5 / CRC32C / multipart ETags where both ends
            expose a comparable one (sizes are always verified), and use them
            to decide ``skip_existing``. False: sizes only.
        skip_existing: skip objects already identical at the destination,
            so a re-run after an interruption moves only what is missing.
        compare: how ``skip_existing`` (and ``sync``) decide "identical", as
            rclone: ``"auto"`` size, then digests where comparable, else
            modification times; ``"checksum"`` size and digests only;
            ``"size"`` size only; ``"exists"`` any object already there.
        exclude: glob(s) matched on the relative path, the key and the base name.
        max_concurrency: requests in flight at once (objects, or parts of a
            large object); memory stays near ``part_size × max_concurrency``.
        part_size: multipart part size (bytes or ``"16MiB"``; default 8 MiB).
        upload_cutoff: objects up to this size move in one request each way,
            larger ones as multipart streams (bytes or ``"200MiB"``; rclone's
            ``--s3-upload-cutoff``). None: ``part_size`` when one is given,
            else the destination's default (S3 200 MiB, Azure and GCS 64 MiB,
            others the part size). Never above ``part_size × max_concurrency``:
            an object sent in one request is held whole in memory.
        retries: further attempts per object after a failure (with
            exponential backoff, jitter, and the server's ``Retry-After``).
        bandwidth: a cap on bytes read per second, all objects together
            (a number or ``"50MB"``).
        dry_run: plan only; the report lists what would be copied.
        storage_class: the class every copied object is written with — a
            neutral class (``STANDARD``, ``INFREQUENT``, ``COLD``,
            ``ARCHIVE``) or the destination's native name — or
            ``"preserve"``: each object gets the destination's class nearest
            its source's. None (default): the destination's default class.
            A class the destination lacks is a ConfigError before any byte
            moves. An archived source object that is not restored is
            reported failed (``ArchivedObjectError``); the rest are copied.
        callback: an fsspec :class:`~fsspec.callbacks.Callback`: total size,
            byte updates, and the hook ``"item"`` per finished object.
        progress: show a tqdm progress bar (when no ``callback`` is given).
        executor: a :class:`concurrent.futures.Executor` or a Dask
            ``distributed.Client`` to spread the objects over (each batch
            runs with ``max_concurrency`` of its own). Workers resolve
            credentials themselves (routes, profiles, their environment): a
            secret passed inline is refused for anything but a thread or
            process pool of this process (:mod:`omefs.transfer.distribute`).
        raise_on_error: raise :class:`~omefs.errors.TransferError` (with
            ``.report``) when any object failed; else return the report.
        version_id: copy this version of the object ``src`` (a store that keeps
            versions); the same as ``src`` spelled ``KEY?version=ID``.

    Returns:
        A :class:`~omefs.transfer.report.TransferReport`.
    """
    if version_id is not None:
        from omefs.versions import version_source

        src, dst = version_source(src, dst, version_id, recursive)
    opts = TransferOptions.build(
        recursive=recursive, checksum=checksum, skip_existing=skip_existing, compare=compare,
        exclude=exclude,
        max_concurrency=max_concurrency, part_size=part_size, retries=retries,
        bandwidth=bandwidth, dry_run=dry_run, storage_class=storage_class,
        upload_cutoff=upload_cutoff,
    )
    return _transfer("copy", src, dst, opts, src_auth=src_auth, dst_auth=dst_auth,
                     src_options=src_options, dst_options=dst_options, callback=callback,
                     progress=progress, executor=executor, raise_on_error=raise_on_error)


def sync(
    src: str,
    dst: str,
    *,
    delete: bool = False,
    recursive: bool = True,
    skip_existing: bool = True,
    compare: str = "auto",
    src_auth: AuthLike = None,
    dst_auth: AuthLike = None,
    src_options: StorageOptions | None = None,
    dst_options: StorageOptions | None = None,
    checksum: bool = True,
    exclude: str | Sequence[str] | None = None,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    part_size: int | str | None = None,
    upload_cutoff: int | str | None = None,
    retries: int = DEFAULT_RETRIES,
    bandwidth: int | float | str | None = None,
    dry_run: bool = False,
    storage_class: str | None = None,
    callback: Callback | None = None,
    progress: bool = False,
    executor: Executor | None = None,
    raise_on_error: bool = True,
) -> TransferReport:
    """Make ``dst`` hold what ``src`` holds: a recursive copy that skips identical objects.

    Takes :func:`copy`'s options (``recursive`` and ``skip_existing`` are
    always on; passing them False is an error) and ``delete``: also remove
    destination objects that have no source (rclone's ``sync``). Deletion
    happens only after every copy succeeded, never touches excluded paths,
    and each removal is reported in ``report.deleted``. ``compare`` is
    :func:`copy`'s.
    """
    if not recursive or not skip_existing:
        raise ConfigError("sync is always recursive and skips identical objects; "
                          "use omefs.copy for anything else", operation="sync")
    opts = TransferOptions.build(
        recursive=True, checksum=checksum, skip_existing=True, compare=compare, exclude=exclude,
        max_concurrency=max_concurrency, part_size=part_size, retries=retries,
        bandwidth=bandwidth, dry_run=dry_run, delete=delete, storage_class=storage_class,
        upload_cutoff=upload_cutoff,
    )
    return _transfer("sync", src, dst, opts, src_auth=src_auth, dst_auth=dst_auth,
                     src_options=src_options, dst_options=dst_options, callback=callback,
                     progress=progress, executor=executor, raise_on_error=raise_on_error)
