"""Validated transfer options: :class:`TransferOptions` and the size parser.

``copy``/``sync`` take loose user input (``part_size="16MiB"``,
``bandwidth="50M"``, ``exclude="*.tmp"``); this module turns it into one
frozen, picklable object, or raises :class:`~omefs.errors.ConfigError`
naming the option and what is accepted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omefs.errors import ConfigError

__all__ = ["TransferOptions", "parse_size", "env_flag", "MiB", "DEFAULT_PART_SIZE",
           "DEFAULT_CONCURRENCY"]

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

DEFAULT_PART_SIZE = 8 * MiB
DEFAULT_CONCURRENCY = 16
DEFAULT_RETRIES = 3

_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "ki": KiB, "kib": KiB,
    "m": 1000**2, "mb": 1000**2, "mi": MiB, "mib": MiB,
    "g": 1000**3, "gb": 1000**3, "gi": GiB, "gib": GiB,
    "t": 1000**4, "tb": 1000**4, "ti": 1024**4, "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*(?:/s)?\s*$")


def env_flag(name: str) -> bool | None:
    """An ``OMEFS_*`` switch from the environment: True (1/true/yes/on), False (0/false/no/off),
    or None when unset or anything else (the built-in choice stands)."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def parse_size(value: Any, name: str = "size") -> int:
    """``8388608``, ``"8MiB"``, ``"8M"`` (decimal), ``"1.5GiB"``, ``"50MB/s"`` → bytes.

    Raises :class:`ConfigError` for anything else (negative, unknown unit,
    not a number).
    """
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a size in bytes or a string like '8MiB', got {value!r}",
                          operation="transfer")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _SIZE.match(value)
        unit = match.group(2).lower() if match else None
        if not match or unit not in _UNITS:
            raise ConfigError(
                f"{name}={value!r} is not a size; use bytes or a number with a unit "
                "(B, KiB, MiB, GiB, KB, MB, GB; e.g. '8MiB')",
                operation="transfer",
            )
        number = float(match.group(1)) * _UNITS[unit or ""]
    else:
        raise ConfigError(f"{name} must be a size in bytes or a string like '8MiB', "
                          f"got {type(value).__name__}", operation="transfer")
    if number < 0:
        raise ConfigError(f"{name} must not be negative, got {value!r}", operation="transfer")
    return int(number)


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
    exclude: tuple[str, ...] = ()
    max_concurrency: int = DEFAULT_CONCURRENCY
    part_size: int = DEFAULT_PART_SIZE
    retries: int = DEFAULT_RETRIES
    bandwidth: float | None = None
    dry_run: bool = False
    delete: bool = False
    #: Objects larger than this move as multipart streams (default: ``part_size``).
    threshold: int | None = None
    #: Parallel ranged reads for large objects: True, False or None (decide per source).
    ranged: bool | None = None

    @property
    def single_limit(self) -> int:
        """The largest object moved in one request each way."""
        return self.part_size if self.threshold is None else self.threshold

    @classmethod
    def build(
        cls,
        *,
        recursive: bool = False,
        checksum: bool = True,
        skip_existing: bool = False,
        exclude: Any = None,
        max_concurrency: Any = DEFAULT_CONCURRENCY,
        part_size: Any = DEFAULT_PART_SIZE,
        retries: Any = DEFAULT_RETRIES,
        bandwidth: Any = None,
        dry_run: bool = False,
        delete: bool = False,
        threshold: Any = None,
        ranged: bool | None = None,
    ) -> TransferOptions:
        """Validate loose input; :class:`ConfigError` names the first bad option."""
        if max_concurrency is None:
            max_concurrency = DEFAULT_CONCURRENCY
        if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool) or max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be a positive integer, got {max_concurrency!r}",
                              operation="transfer")
        size = parse_size(DEFAULT_PART_SIZE if part_size is None else part_size, "part_size")
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
            rate = float(parse_size(bandwidth, "bandwidth"))
            if rate <= 0:
                raise ConfigError(f"bandwidth must be positive, got {bandwidth!r}",
                                  operation="transfer")
        limit = None
        if threshold is not None:
            limit = parse_size(threshold, "size_threshold")
        return cls(
            threshold=limit,
            ranged=ranged,
            recursive=bool(recursive),
            checksum=bool(checksum),
            skip_existing=bool(skip_existing),
            exclude=_patterns(exclude),
            max_concurrency=max_concurrency,
            part_size=size,
            retries=retries,
            bandwidth=rate,
            dry_run=bool(dry_run),
            delete=bool(delete),
        )
