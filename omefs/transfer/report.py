"""The result of a transfer: one :class:`TransferItem` per object, in a :class:`TransferReport`.

A report is the contract that nothing fails silently: every object the
plan named ends up in exactly one of ``copied``, ``skipped``, ``failed``
or — when the transfer was stopped (Ctrl-C, the progress callback
raising) — ``cancelled`` (and, for ``sync(delete=True)``, every removed destination
object in ``deleted``). Items are plain data (strings and numbers) so a
report pickles across processes and Dask workers and serialises to JSON
for the CLI's ``--json``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal

__all__ = ["TransferItem", "TransferReport", "Status"]

#: ``copied``: moved and verified; ``skipped``: already identical at the
#: destination (``skip_existing``); ``failed``: every attempt failed;
#: ``deleted``: removed from the destination by ``sync(delete=True)``;
#: ``dry-run``: would have been copied (``dry_run=True``); ``cancelled``:
#: the transfer stopped before this object was done (nothing of it is left
#: at the destination; its ``error`` says whether something was removed).
Status = Literal["copied", "skipped", "failed", "deleted", "dry-run", "cancelled"]


@dataclass
class TransferItem:
    """What happened to one object.

    Attributes:
        src: the source URL (empty for a ``deleted`` item).
        dst: the destination URL.
        bytes: the object's size in bytes.
        duration: seconds spent on this object, all attempts included.
        attempts: how many times the copy was tried (0 when skipped).
        status: see :data:`Status`.
        error: why it failed (the last attempt's error), else None.
        method: how the bytes moved: ``server-side``, ``single`` (one
            request each way), ``multipart`` (streamed into the
            destination's multipart API) or ``stream`` (streamed into an
            fsspec file); None when nothing moved.
        verified: what was compared, e.g. ``source size+md5, destination
            etag``: the bytes read against the source's size and digest, and
            the destination's size or digest against the bytes sent (``size``
            alone where a side exposes no comparable digest).
    """

    src: str
    dst: str
    bytes: int = 0
    duration: float = 0.0
    attempts: int = 0
    status: Status = "copied"
    error: str | None = None
    method: str | None = None
    verified: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The item as a JSON-serialisable mapping."""
        return asdict(self)


@dataclass
class TransferReport:
    """Every object's result, and totals.

    ``bytes`` counts the bytes of copied objects (server-side copies
    included); ``duration`` is the wall time of the whole transfer; ``ok``
    is True when nothing failed.
    """

    copied: list[TransferItem] = field(default_factory=list)
    skipped: list[TransferItem] = field(default_factory=list)
    failed: list[TransferItem] = field(default_factory=list)
    deleted: list[TransferItem] = field(default_factory=list)
    cancelled: list[TransferItem] = field(default_factory=list)
    duration: float = 0.0
    dry_run: bool = False
    started: float = field(default_factory=time.time)

    # -- building ---------------------------------------------------------
    def add(self, item: TransferItem) -> None:
        """File ``item`` under the list its status names."""
        if item.status in ("copied", "dry-run"):
            self.copied.append(item)
        elif item.status == "skipped":
            self.skipped.append(item)
        elif item.status == "deleted":
            self.deleted.append(item)
        elif item.status == "cancelled":
            self.cancelled.append(item)
        else:
            self.failed.append(item)

    def extend(self, items: Iterable[TransferItem]) -> None:
        for item in items:
            self.add(item)

    # -- reading ----------------------------------------------------------
    @property
    def bytes(self) -> int:
        """Bytes of the copied objects."""
        return sum(item.bytes for item in self.copied if item.status == "copied")

    @property
    def ok(self) -> bool:
        """True when no object failed and none was cancelled."""
        return not self.failed and not self.cancelled

    @property
    def items(self) -> list[TransferItem]:
        """Every item: copied, skipped, failed, deleted, then cancelled."""
        return [*self.copied, *self.skipped, *self.failed, *self.deleted, *self.cancelled]

    def __iter__(self) -> Iterator[TransferItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return (len(self.copied) + len(self.skipped) + len(self.failed) + len(self.deleted)
                + len(self.cancelled))

    @property
    def throughput(self) -> float:
        """Copied bytes per second of wall time (0 when nothing was timed)."""
        return self.bytes / self.duration if self.duration > 0 else 0.0

    def summary(self) -> str:
        """One line: counts, bytes, time and speed."""
        verb = "would copy" if self.dry_run else "copied"
        parts = [f"{verb} {len(self.copied)}", f"skipped {len(self.skipped)}",
                 f"failed {len(self.failed)}"]
        if self.deleted:
            parts.append(f"deleted {len(self.deleted)}")
        if self.cancelled:
            parts.append(f"cancelled {len(self.cancelled)}")
        mib = self.bytes / 2**20
        speed = self.throughput / 2**20
        return f"{', '.join(parts)}; {mib:.1f} MiB in {self.duration:.2f} s ({speed:.1f} MiB/s)"

    def raise_if_failed(self, operation: str, uri: str | None) -> None:
        """Raise :class:`~omefs.errors.TransferError` (with this report) when an object failed:
        how many of the objects tried, and the first failure."""
        if not self.failed:
            return
        from omefs.errors import TransferError

        first = self.failed[0]
        tried = len(self.failed) + len(self.copied) + len(self.skipped)
        raise TransferError(
            f"{operation}: {len(self.failed)} of {tried} objects failed "
            f"(first: {first.src or first.dst}: {first.error})",
            report=self, operation=operation, uri=uri,
        )

    def to_dict(self) -> dict[str, object]:
        """The report as a JSON-serialisable mapping (items and totals)."""
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "bytes": self.bytes,
            "duration": self.duration,
            "copied": [i.to_dict() for i in self.copied],
            "skipped": [i.to_dict() for i in self.skipped],
            "failed": [i.to_dict() for i in self.failed],
            "deleted": [i.to_dict() for i in self.deleted],
            "cancelled": [i.to_dict() for i in self.cancelled],
        }

    def __repr__(self) -> str:
        return f"<TransferReport {self.summary()}>"
