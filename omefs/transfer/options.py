"""Validated transfer options: :class:`TransferOptions`.

``copy``/``sync`` take loose user input (``part_size="16MiB"``,
``bandwidth="50M"``, ``exclude="*.tmp"``; sizes are read by
:func:`omefs.sizes.parse_size`: ``8M`` is 8 MiB, ``8MB`` 8,000,000 bytes); this module turns it into one
frozen, picklable object, or raises :class:`~omefs.errors.ConfigError`
naming the option and what is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omefs.errors import ConfigError
from omefs.sizes import KiB, MiB, parse_size

__all__ = ["TransferOptions", "COMPARE_MODES", "DEFAULT_PART_SIZE", "DEFAULT_CONCURRENCY",
           "DEFAULT_RETRIES"]

DEFAULT_PART_SIZE = 8 * MiB
DEFAULT_CONCURRENCY = 16
DEFAULT_RETRIES = 3

#: How ``skip_existing`` decides that the destination already holds an object
#: (rclone's choices): ``"auto"`` size, then digests where both sides have a
#: comparable one, else modification times; ``"checksum"`` size and digests
#: (an object whose digests cannot be compared is copied); ``"size"`` size
#: only; ``"exists"`` any object already there (rclone's ``--ignore-existing``).
COMPARE_MODES = ("auto", "checksum", "size", "exists")


def _size(value: Any, name: str) -> int:
    return parse_size(value, name, operation="transfer")


def _patterns(exclude: Any) -> tuple[str, ...]:
    if exclude is None:
        return ()
    if isinstance(exclude, str):
        return (exclude,)
    if isinstance(exclude, Sequence) and all(isinstance(p, str) for p in exclude):
        return tuple(exclude)
    raise ConfigError("exclude must be a glob string or a list of glob strings, "
                      f"got {exclude!r}", operation="transfer")


@dataclass(frozen=True)
class TransferOptions:
    """Everything that shapes a transfer, validated.

    See :func:`omefs.transfer.copy` for the meaning of each field.
    """

    recursive: bool = False
    checksum: bool = True
    skip_existing: bool = False
    compare: str = "auto"
    exclude: tuple[str, ...] = ()
    max_concurrency: int = DEFAULT_CONCURRENCY
    part_size: int = DEFAULT_PART_SIZE
    retries: int = DEFAULT_RETRIES
    bandwidth: float | None = None
    dry_run: bool = False
    delete: bool = False
    #: Objects larger than this move as multipart streams (bulk downloads' ``size_threshold``;
    #: it overrides ``upload_cutoff``).
    threshold: int | None = None
    #: Objects up to this size are written in one request (None: the destination's default,
    #: :attr:`Capabilities.upload_cutoff`, else ``part_size``). :meth:`build` sets it to
    #: ``part_size`` when a part size is given without a cutoff.
    upload_cutoff: int | None = None
    #: Parallel ranged reads for large objects: True, False or None (decide per source).
    ranged: bool | None = None
    #: The class to write: a neutral or native name, ``"preserve"``, or None (the default).
    storage_class: str | None = None

    @property
    def memory_budget(self) -> int:
        """The bytes a transfer keeps in flight at most: ``part_size × max_concurrency``."""
        return self.part_size * self.max_concurrency

    @property
    def single_limit(self) -> int:
        """The largest object moved in one request each way, without a destination's default."""
        return self.single_limit_for(None)

    def single_limit_for(self, default_cutoff: int | None) -> int:
        """The largest object moved in one request each way to a destination whose own
        cutoff is ``default_cutoff`` (:attr:`Capabilities.upload_cutoff`).

        ``threshold`` wins, then ``upload_cutoff``, then the destination's
        default, then ``part_size``; a cutoff is never above the memory
        budget (an object written in one request is held whole).
        """
        if self.threshold is not None:
            return self.threshold
        cutoff = self.upload_cutoff
        if cutoff is None:
            cutoff = self.part_size if default_cutoff is None else max(default_cutoff,
                                                                          self.part_size)
        return min(cutoff, max(self.memory_budget, self.part_size))

    @classmethod
    def build(
        cls,
        *,
        recursive: bool = False,
        checksum: bool = True,
        skip_existing: bool = False,
        compare: str = "auto",
        exclude: Any = None,
        max_concurrency: Any = DEFAULT_CONCURRENCY,
        part_size: Any = None,
        retries: Any = DEFAULT_RETRIES,
        bandwidth: Any = None,
        dry_run: bool = False,
        delete: bool = False,
        threshold: Any = None,
        ranged: bool | None = None,
        storage_class: str | None = None,
        upload_cutoff: Any = None,
    ) -> TransferOptions:
        """Validate loose input; :class:`ConfigError` names the first bad option."""
        if max_concurrency is None:
            max_concurrency = DEFAULT_CONCURRENCY
        if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool) or max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be a positive integer, got {max_concurrency!r}",
                              operation="transfer")
        size = _size(DEFAULT_PART_SIZE if part_size is None else part_size, "part_size")
        if size < 64 * KiB:
            raise ConfigError(f"part_size must be at least 64KiB, got {part_size!r}",
                              operation="transfer")
        if retries is None:
            retries = DEFAULT_RETRIES
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise ConfigError(f"retries must be an integer >= 0, got {retries!r}",
                              operation="transfer")
        rate: float | None = None
        if bandwidth not in (None, 0, "", "0"):
            rate = float(_size(bandwidth, "bandwidth"))
            if rate <= 0:
                raise ConfigError(f"bandwidth must be positive, got {bandwidth!r}",
                                  operation="transfer")
        if storage_class is not None and (not isinstance(storage_class, str)
                                          or not storage_class.strip()):
            raise ConfigError("storage_class must be a class name (neutral such as COLD, or the "
                              f"destination's own) or 'preserve', got {storage_class!r}",
                              operation="transfer")
        if compare not in COMPARE_MODES:
            raise ConfigError(f"compare must be one of {', '.join(COMPARE_MODES)}, got {compare!r}",
                              operation="transfer")
        limit = None
        if threshold is not None:
            limit = _size(threshold, "size_threshold")
        cutoff = None if upload_cutoff is None else _size(upload_cutoff, "upload_cutoff")
        if cutoff is None and part_size is not None:
            cutoff = size  # a part size given: objects up to it move in one request, as always
        if cutoff is not None and cutoff < 0:
            raise ConfigError(f"upload_cutoff must be a size >= 0, got {upload_cutoff!r}",
                              operation="transfer")
        return cls(
            threshold=limit,
            upload_cutoff=cutoff,
            ranged=ranged,
            storage_class=storage_class.strip() if storage_class else None,
            recursive=bool(recursive),
            checksum=bool(checksum),
            skip_existing=bool(skip_existing),
            compare=compare,
            exclude=_patterns(exclude),
            max_concurrency=max_concurrency,
            part_size=size,
            retries=retries,
            bandwidth=rate,
            dry_run=bool(dry_run),
            delete=bool(delete),
        )
