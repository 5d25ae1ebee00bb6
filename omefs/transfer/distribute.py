"""Spreading a bulk copy over an executor: a local pool or a Dask cluster.

The client lists the source once and splits the objects into batches of
about equal bytes. Each :class:`Batch` is what a worker receives: how to
rebuild both endpoints (:class:`~omefs.transfer.endpoints.EndpointSpec`:
the URI, the auth config *as the caller named it*, the storage options),
the options and the objects. :func:`run_batch` runs it on the worker with
an event loop and ``max_concurrency`` slots of its own, so every retry of
an object happens there, and returns one item per object.

**Credentials travel by name, never by value.** A worker resolves its
credentials itself, from the routing config (``OMEFS_CONFIG``) and the
environment of the machine it runs on, exactly as the client did. A batch
bound for anything but a local thread or process pool (a Dask cluster's
task graph is shipped over the network and kept by the scheduler) must
therefore hold no secret: an auth config or storage option with one
(``secret_access_key``, ``connection_string``…), or any secret omefs has
resolved in this process, found in the pickled batch is refused with a
:class:`~omefs.errors.ConfigError` before anything is submitted.

**A lost worker loses no object.** Dask runs a lost worker's batches
again on another worker; when it gives up (``KilledWorker``), or a batch
fails in any other way (it raised on the worker, its future was
cancelled), each object of that batch is reported ``failed`` with the
reason — it may or may not have reached the
destination, and a rerun with ``skip_existing=True`` completes the set.
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from omefs.errors import ConfigError
from omefs.redact import find_secret_keys, holds_known_secret, redact_text
from omefs.transfer.endpoints import Endpoint, EndpointSpec
from omefs.transfer.engine import Engine
from omefs.transfer.options import TransferOptions
from omefs.transfer.plan import Task
from omefs.transfer.progress import Progress
from omefs.transfer.report import TransferItem
from omefs.transfer.streams import Runtime

__all__ = ["Batch", "run_batch", "distribute", "check_no_secrets"]


@dataclass
class Batch:
    """A picklable unit of work for an executor: endpoints to rebuild and tasks to run."""

    src: EndpointSpec
    dst: EndpointSpec
    opts: TransferOptions
    tasks: list[Task]


def run_batch(batch: Batch) -> list[TransferItem]:
    """Run one batch in this process (called by executor / Dask workers)."""
    from omefs.transfer.api import _endpoint, run_coroutine

    async def main() -> list[TransferItem]:
        pool = ThreadPoolExecutor(max_workers=batch.opts.max_concurrency + 4,
                                  thread_name_prefix="omefs-batch")
        try:
            rt = Runtime(pool)
            src = await rt.run(_endpoint, batch.src, batch.opts.retries)
            dst = await rt.run(_endpoint, batch.dst, batch.opts.retries)
            engine = Engine(src, dst, batch.opts, rt, Progress())
            return await engine.run(batch.tasks)
        finally:
            pool.shutdown(wait=True)

    return run_coroutine(main)


def is_cluster(executor: Any) -> bool:
    """Whether ``executor`` has a scheduler of its own (a Dask ``distributed.Client``)."""
    return callable(getattr(executor, "scheduler_info", None))


def stays_local(executor: Any) -> bool:
    """Whether what is submitted stays on this machine: a thread or process pool of this process."""
    return isinstance(executor, (ThreadPoolExecutor, ProcessPoolExecutor))


def workers_of(executor: Any) -> int:
    """How many tasks ``executor`` runs at once (a Dask cluster's threads, a pool's workers)."""
    if is_cluster(executor):
        try:
            workers = executor.scheduler_info().get("workers", {})
            return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))
        except Exception:  # noqa: BLE001 - a guess is enough to size the batches
            return 4
    return max(1, int(getattr(executor, "_max_workers", 4) or 4))


def split(tasks: Sequence[Task], n: int) -> list[list[Task]]:
    """``n`` batches with about the same bytes (largest objects placed first)."""
    bins: list[list[Task]] = [[] for _ in range(max(1, n))]
    loads = [0] * len(bins)
    for task in sorted(tasks, key=lambda t: t.size, reverse=True):
        i = loads.index(min(loads))
        bins[i].append(task)
        loads[i] += task.size + 1
    return [b for b in bins if b]


def _side_secrets(side: str, spec: EndpointSpec) -> list[str]:
    """``"<side> <where> '<key>'"`` for every setting of ``spec`` that holds a secret."""
    found: list[str] = []
    auth = spec.auth
    chain = auth.chain() if hasattr(auth, "chain") else [auth]
    for n, link in enumerate(chain):
        settings = getattr(link, "settings", link)
        if isinstance(settings, Mapping):
            where = "auth setting" if n == 0 else f"auth fallback {n} setting"
            found += [f"{side} {where} {key!r}" for key in find_secret_keys(settings)]
    found += [f"{side} storage option {key!r}" for key in find_secret_keys(spec.options)]
    return found


def _pickled(value: Any) -> bytes:
    """``value`` pickled as an executor pickles it (empty if it does not pickle: the executor
    reports that itself)."""
    try:
        return pickle.dumps(value)
    except Exception:  # noqa: BLE001 - not ours to report
        return b""


def check_no_secrets(batch: Batch, operation: str) -> None:
    """Refuse a batch that would carry a secret in clear to a cluster's workers.

    Raises:
        ConfigError: naming the settings that hold one (never their values)
            and how workers get credentials instead.
    """
    found = _side_secrets("source", batch.src) + _side_secrets("destination", batch.dst)
    if not found and holds_known_secret(_pickled((batch.src, batch.dst, batch.opts))):
        found = ["a value omefs holds as a secret (a resolved credential)"]
    if found:
        raise ConfigError(
            f"{operation}: the executor would receive a secret in its task graph "
            f"({'; '.join(found)}). Workers resolve credentials themselves: name a profile of "
            "the routing config (auth='NAME'), let a route of OMEFS_CONFIG apply (auth=None), or "
            "use an auth type that reads the secret where each worker runs (environment, "
            "credentials file, instance or workload identity). Thread and process pools of this "
            "process are exempt.",
            operation=operation,
        )


def _lost(src: Endpoint, dst: Endpoint, task: Task, exc: BaseException) -> TransferItem:
    """The item of an object whose batch did not complete on the executor (its worker was
    lost, the batch raised, the future was cancelled)."""
    text = str(exc).strip()
    why = type(exc).__name__ + (f": {text.splitlines()[0]}" if text else "")
    return TransferItem(src.url(task.src), dst.url(task.dst), task.size, 0.0, 0, "failed",
                        error=f"its batch did not complete on the executor ({redact_text(why)}); "
                              "the object may be at the destination: copy again with "
                              "skip_existing=True to complete the set")


async def distribute(rt: Runtime, executor: Any, src: Endpoint, dst: Endpoint,
                     opts: TransferOptions, tasks: list[Task], progress: Progress,
                     operation: str = "copy",
                     out: list[TransferItem] | None = None) -> list[TransferItem]:
    """Run ``tasks`` as batches on ``executor``; one item per task, whatever happens to a worker.

    Items are appended to ``out`` (a new list by default) as batches come back. When the
    transfer is cancelled (the progress callback raised, Ctrl-C), ``out`` still gets one item
    per task before the cancellation propagates: those of batches already done, and
    ``cancelled`` ones for the rest, whose futures are cancelled.
    """
    assert src.spec is not None and dst.spec is not None
    items: list[TransferItem] = [] if out is None else out
    batches = [Batch(src.spec, dst.spec, opts, part)
               for part in split(tasks, min(len(tasks), 4 * workers_of(executor)))]
    if not stays_local(executor) and batches:
        check_no_secrets(batches[0], operation)  # every batch has the same specs and options
    futures = []
    for batch in batches:
        if is_cluster(executor):
            futures.append(executor.submit(run_batch, batch, pure=False))
        else:
            futures.append(executor.submit(run_batch, batch))
    for n, (batch, future) in enumerate(zip(batches, futures, strict=True)):
        try:
            done: list[TransferItem] = await rt.run(future.result)
        except asyncio.CancelledError:
            items.extend(_after_cancel(src, dst, batches[n:], futures[n:]))
            raise
        except Exception as exc:  # noqa: BLE001 - every object of the batch is reported
            done = [_lost(src, dst, task, exc) for task in batch.tasks]
        items.extend(done)
        for item in done:
            progress.advance(item.bytes if item.status != "failed" else 0)
            progress.item(item)
    return items


def _after_cancel(src: Endpoint, dst: Endpoint, batches: list[Batch],
                  futures: list[Any]) -> list[TransferItem]:
    """The items of the batches not gathered when the transfer was cancelled."""
    items: list[TransferItem] = []
    for batch, future in zip(batches, futures, strict=True):
        if future.done() and not future.cancelled() and future.exception() is None:
            items.extend(future.result())
            continue
        future.cancel()
        items.extend(TransferItem(src.url(t.src), dst.url(t.dst), t.size, 0.0, 0, "cancelled",
                                  error="cancelled; a batch already running on a worker may still "
                                        "copy it: copy again with skip_existing=True")
                     for t in batch.tasks)
    return items
