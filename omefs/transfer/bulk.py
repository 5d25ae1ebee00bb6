"""Bulk download and upload between object storage and local disk, with OME's options.

:func:`bulk_download` fetches objects (one URI, a prefix, or a list of
them) into a local folder; :func:`bulk_upload` sends local files (a
folder, a list, or an explicit ``{local path: URI}`` mapping). Both run on
the copy engine, so they stream with bounded memory, verify every object,
retry, and report per object — and they add OME's download options:

* ``size_threshold`` / ``chunk_size``: objects larger than the threshold
  are fetched in chunks of ``chunk_size`` (parallel ranged reads where
  that pays, see ``parallel``), smaller ones in one request;
* ``exclude``: globs matched on the object key and on its base name;
* where an object lands (the first option that applies, as in OME):
  ``base_name_only`` (``target/NAME``), ``strip_prefix`` (``target/`` +
  the key without that prefix), ``tail_overlap`` (``/local/data`` +
  ``data/files/x`` → ``/local/data/files/x``), else ``target/KEY``;
* ``skip_existing``: a local file is kept when it is valid — same size and,
  where the store exposes one, the same MD5 (or multipart ETag / CRC32C);
* a ``progress`` callable ``(completed, total, item)`` called after each
  object, and the per-object :class:`~omefs.transfer.report.TransferItem`
  list in the returned report.

A key that would land outside the target folder (``../``) is refused and
reported as failed; two objects that would land on the same local path
are reported as failed rather than overwriting each other.
"""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from omefs.errors import NotFoundError, TransferError
from omefs.sizes import MiB
from omefs.transfer.api import _endpoint, run_coroutine
from omefs.transfer.endpoints import Endpoint, EndpointSpec
from omefs.transfer.engine import Engine
from omefs.transfer.options import DEFAULT_CONCURRENCY, DEFAULT_RETRIES, TransferOptions
from omefs.transfer.plan import ENTRY_FILE, Task, excluded
from omefs.transfer.progress import Progress, make_callback
from omefs.transfer.report import TransferItem, TransferReport
from omefs.transfer.streams import Runtime
from omefs.transfer.verify import Fingerprint, fingerprint_from_info
from omefs.types import AuthLike, StorageOptions

if TYPE_CHECKING:
    from fsspec.callbacks import Callback

__all__ = ["bulk_download", "bulk_upload", "local_path_for", "join_with_tail_overlap"]

ProgressFn = Callable[[int, int, TransferItem], None]
DEFAULT_THRESHOLD = 10 * MiB
DEFAULT_CHUNK = 10 * MiB


def join_with_tail_overlap(target: str, key: str) -> str:
    """Join so that the end of ``target`` and the start of ``key`` overlap once.

    ``("/local/data", "data/files/x")`` → ``/local/data/files/x``;
    ``("/a/b/c", "b/c/d")`` → ``/a/b/c/d``; no overlap → a plain join.
    """
    tparts = [p for p in target.replace("\\", "/").split("/") if p]
    kparts = [p for p in key.split("/") if p]
    overlap = 0
    for k in range(1, min(len(tparts), len(kparts)) + 1):
        if tparts[-k:] == kparts[:k]:
            overlap = k
    joined = "/".join(tparts + kparts[overlap:])
    return ("/" + joined) if target.startswith("/") else joined


def local_path_for(target_dir: str, key: str, *, strip_prefix: str | None = None,
                   base_name_only: bool = False, tail_overlap: bool = False) -> str:
    """Where object ``key`` lands under ``target_dir`` (OME's rules; see the module doc)."""
    if base_name_only:
        return os.path.join(target_dir, posixpath.basename(key))
    if strip_prefix:
        if key.startswith(strip_prefix):
            key = key[len(strip_prefix):]
        return os.path.join(target_dir, key.lstrip("/"))
    if tail_overlap:
        return join_with_tail_overlap(target_dir, key)
    return os.path.join(target_dir, key.lstrip("/"))


def _inside(root: str, path: str) -> bool:
    root = os.path.abspath(root)
    path = os.path.abspath(path)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _progress_callback(callback: Callback | None, progress: ProgressFn | bool | None,
                       desc: str) -> tuple[Callback | None, ProgressFn | None]:
    fn = progress if callable(progress) else None
    return make_callback(callback, progress is True, desc=desc), fn


class _Counter:
    """Calls ``progress(completed, total, item)`` after each object."""

    def __init__(self, fn: ProgressFn | None, total: int) -> None:
        self.fn = fn
        self.total = total
        self.done = 0

    def __call__(self, item: TransferItem) -> None:
        self.done += 1
        if self.fn is not None:
            self.fn(self.done, self.total, item)


async def _run_group(rt: Runtime, src: Endpoint, dst: Endpoint, opts: TransferOptions,
                     tasks: list[Task], tracker: Progress) -> list[TransferItem]:
    engine = Engine(src, dst, opts, rt, tracker)
    return await engine.run(tasks)


def _local_fingerprint(path: str) -> Fingerprint | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return Fingerprint(size=st.st_size, mtime=st.st_mtime)


def _finish(report: TransferReport, operation: str, first_uri: str, raise_on_error: bool) -> TransferReport:
    if raise_on_error:
        report.raise_if_failed(operation, first_uri)
    return report


def _failed(src: str, dst: str, size: int, why: str) -> TransferItem:
    return TransferItem(src, dst, size, 0.0, 0, "failed", error=why)


def bulk_download(
    sources: str | Sequence[str],
    target_dir: str | os.PathLike[str],
    *,
    auth: AuthLike = None,
    storage_options: StorageOptions | None = None,
    exclude: str | Sequence[str] | None = None,
    strip_prefix: str | None = None,
    base_name_only: bool = False,
    tail_overlap: bool = False,
    size_threshold: int | str = DEFAULT_THRESHOLD,
    chunk_size: int | str = DEFAULT_CHUNK,
    parallel: bool | None = None,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    retries: int = DEFAULT_RETRIES,
    skip_existing: bool = True,
    checksum: bool = True,
    callback: Callback | None = None,
    progress: ProgressFn | bool | None = None,
    raise_on_error: bool = True,
) -> TransferReport:
    """Download objects into ``target_dir``.

    Args:
        sources: an object URI, a prefix URI (everything under it), or a list of them.
        target_dir: the local folder (created as needed).
        auth, storage_options: how to reach the store (as for ``omefs.url_to_fs``).
        exclude: globs matched on the object key and its base name.
        strip_prefix, base_name_only, tail_overlap: where objects land (module doc).
        size_threshold: objects above this size are fetched in chunks.
        chunk_size: the chunk size for those.
        parallel: fetch the chunks with parallel ranged reads (True), one
            streamed request (False), or decide by source (None: parallel
            except on local emulators).
        max_concurrency, retries, checksum: as for :func:`omefs.copy`.
        skip_existing: keep local files that are already valid (size + MD5).
        callback: an fsspec callback (bytes); ``progress``: a callable
            ``(completed, total, item)`` per object, or True for a tqdm bar.
        raise_on_error: raise :class:`~omefs.errors.TransferError` (with
            ``.report``) if any object failed.
    """
    uris = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    uris = [os.fspath(u) for u in uris]
    target = os.path.abspath(os.fspath(target_dir))
    opts = TransferOptions.build(
        recursive=True, checksum=checksum, skip_existing=skip_existing, exclude=exclude,
        max_concurrency=max_concurrency, part_size=chunk_size, retries=retries,
        threshold=size_threshold, ranged=parallel,
    )
    cb, fn = _progress_callback(callback, progress, "download")
    tracker = Progress(cb)

    async def main() -> TransferReport:
        started = time.monotonic()
        report = TransferReport()
        pool = ThreadPoolExecutor(max_workers=opts.max_concurrency + 4, thread_name_prefix="omefs-bulk")
        try:
            rt = Runtime(pool)
            dst = await rt.run(_endpoint, EndpointSpec(target), opts.retries)
            groups: list[tuple[Endpoint, list[Task]]] = []
            seen: dict[str, str] = {}
            total_bytes = 0
            for uri in uris:
                src = await rt.run(_endpoint, EndpointSpec(uri, auth, dict(storage_options or {})),
                                   opts.retries)
                entries = await _list_remote(rt, src, uri)
                tasks: list[Task] = []
                for path, info in entries:
                    _, key = src.split(path)
                    size = int(info.get("size") or 0)
                    if opts.exclude and excluded(opts.exclude, key, key):
                        continue
                    local = local_path_for(target, key, strip_prefix=strip_prefix,
                                           base_name_only=base_name_only, tail_overlap=tail_overlap)
                    if not _inside(target, local):
                        report.add(_failed(src.url(path), local, size,
                                           f"refused: object key {key!r} would land outside {target}"))
                        continue
                    if local in seen:
                        report.add(_failed(src.url(path), local, size,
                                           f"refused: {seen[local]} already lands on {local}"))
                        continue
                    seen[local] = src.url(path)
                    task = Task(path, local, size, fingerprint_from_info(info, src.provider))
                    if opts.skip_existing:
                        task.existing = await rt.run(_local_fingerprint, local)
                    tasks.append(task)
                    total_bytes += size
                groups.append((src, tasks))
            tracker.set_size(total_bytes)
            counter = _Counter(fn, sum(len(t) for _, t in groups) + len(report.failed))
            tracker.on_item = counter
            for item in list(report.failed):
                counter(item)
            for src, tasks in groups:
                report.extend(await _run_group(rt, src, dst, opts, tasks, tracker))
        finally:
            pool.shutdown(wait=True)
            report.duration = time.monotonic() - started
        return report

    try:
        report = run_coroutine(main)
    finally:
        tracker.close()
    return _finish(report, "bulk_download", uris[0] if uris else target, raise_on_error)


async def _list_remote(rt: Runtime, ep: Endpoint, uri: str) -> list[tuple[str, dict[str, Any]]]:
    """``(path, info)`` of the object at ``uri``, or of every object under it."""
    root = ep.root
    if not uri.endswith("/"):
        try:
            info = await rt.run(ep.fs.info, root)
        except (FileNotFoundError, NotFoundError):
            info = None
        if info is not None and info.get("type") == ENTRY_FILE:
            return [(root, info)]
    try:
        found = await rt.run(ep.fs.find, root, detail=True, withdirs=False)
    except (FileNotFoundError, NotFoundError):
        found = {}
    out = [(p, i) for p, i in sorted(found.items())
           if i.get("type", ENTRY_FILE) == ENTRY_FILE and not p.endswith("/")]
    if not out:
        raise NotFoundError(f"nothing to download at {uri}", operation="bulk_download", uri=uri,
                            provider=ep.name)
    return out


def _upload_pairs(sources: Any, dst: str | None) -> list[tuple[str, str, str]]:
    """Normalise the accepted source forms to ``(local file, destination URI, relative name)``."""
    if isinstance(sources, Mapping):
        return [(os.path.abspath(os.fspath(k)), str(v), os.path.basename(os.fspath(k)))
                for k, v in sources.items()]
    if dst is None:
        raise TransferError("bulk_upload needs dst unless sources maps each file to its URI",
                            operation="bulk_upload")
    base = dst.rstrip("/")
    if isinstance(sources, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(sources))
        if os.path.isdir(path):
            pairs = []
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(folder, name)
                    rel = os.path.relpath(full, path).replace(os.sep, "/")
                    pairs.append((full, f"{base}/{rel}", rel))
            return pairs
        if not os.path.exists(path):
            raise NotFoundError(f"no such local file or folder: {path}", operation="bulk_upload",
                                uri=path)
        name = os.path.basename(path)
        return [(path, f"{base}/{name}", name)]
    out = []
    for p in sources:
        name = os.path.basename(os.fspath(p))
        out.append((os.path.abspath(os.fspath(p)), f"{base}/{name}", name))
    return out


def bulk_upload(
    sources: str | os.PathLike[str] | Sequence[str] | Mapping[str, str],
    dst: str | None = None,
    *,
    auth: AuthLike = None,
    storage_options: StorageOptions | None = None,
    exclude: str | Sequence[str] | None = None,
    part_size: int | str = DEFAULT_CHUNK,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    retries: int = DEFAULT_RETRIES,
    skip_existing: bool = True,
    checksum: bool = True,
    storage_class: str | None = None,
    callback: Callback | None = None,
    progress: ProgressFn | bool | None = None,
    raise_on_error: bool = True,
) -> TransferReport:
    """Upload local files.

    Args:
        sources: a local folder (its files go under ``dst`` with their
            relative paths), a local file or a list of files (each to
            ``dst/NAME``), or a mapping ``{local path: destination URI}``.
        dst: the destination prefix URI (not needed for a mapping).
        exclude: globs matched on the relative path and the base name.
        part_size: files above this size are uploaded in parts of this size.
        skip_existing: skip files whose object already exists with the same
            size and (where the store exposes one) the same MD5 / ETag.
        storage_class: the class every object is written with (neutral or
            the destination's native name); None: the destination's default.
        Other arguments as for :func:`bulk_download`.
    """
    pairs = _upload_pairs(sources, dst)
    opts = TransferOptions.build(
        recursive=True, checksum=checksum, skip_existing=skip_existing, exclude=exclude,
        max_concurrency=max_concurrency, part_size=part_size, retries=retries,
        storage_class=storage_class,
    )
    cb, fn = _progress_callback(callback, progress, "upload")
    tracker = Progress(cb)

    async def main() -> TransferReport:
        started = time.monotonic()
        report = TransferReport()
        pool = ThreadPoolExecutor(max_workers=opts.max_concurrency + 4, thread_name_prefix="omefs-bulk")
        try:
            rt = Runtime(pool)
            local = await rt.run(_endpoint, EndpointSpec("file:///"), opts.retries)
            groups: dict[int, tuple[Endpoint, list[Task]]] = {}
            total = 0
            for path, uri, rel in pairs:
                if opts.exclude and excluded(opts.exclude, rel, path):
                    continue
                st = await rt.run(_local_fingerprint, path)
                if st is None:
                    report.add(_failed(path, uri, 0, f"no such local file: {path}"))
                    continue
                ep = await rt.run(_endpoint, EndpointSpec(uri, auth, dict(storage_options or {})),
                                  opts.retries)
                key = id(ep.fs)
                if key not in groups:
                    groups[key] = (ep, [])
                task = Task(path, ep.root, int(st.size or 0), st)
                groups[key][1].append(task)
                total += task.size
            if opts.skip_existing:
                for ep, tasks in groups.values():
                    await _attach_existing(rt, ep, tasks)
            tracker.set_size(total)
            counter = _Counter(fn, sum(len(t) for _, t in groups.values()) + len(report.failed))
            tracker.on_item = counter
            for item in list(report.failed):
                counter(item)
            for ep, tasks in groups.values():
                report.extend(await _run_group(rt, local, ep, opts, tasks, tracker))
        finally:
            pool.shutdown(wait=True)
            report.duration = time.monotonic() - started
        return report

    try:
        report = run_coroutine(main)
    finally:
        tracker.close()
    return _finish(report, "bulk_upload", pairs[0][1] if pairs else str(dst), raise_on_error)


async def _attach_existing(rt: Runtime, ep: Endpoint, tasks: list[Task]) -> None:
    """What the destination already has at each task's path (one listing, or HEADs for a few)."""
    if not tasks:
        return
    if len(tasks) <= 4:
        for task in tasks:
            try:
                info = await rt.run(ep.fs.info, task.dst)
            except (FileNotFoundError, NotFoundError):
                continue
            if info.get("type") == ENTRY_FILE:
                task.existing = fingerprint_from_info(info, ep.provider)
        return
    common = posixpath.commonpath([t.dst for t in tasks]) if len(tasks) > 1 else tasks[0].dst
    try:
        found = await rt.run(ep.fs.find, common, detail=True, withdirs=False)
    except (FileNotFoundError, NotFoundError):
        return
    for task in tasks:
        info = found.get(task.dst)
        if info is not None:
            task.existing = fingerprint_from_info(info, ep.provider)

