"""Sizes written one way everywhere — the API, the command line and config files.

``K``, ``M``, ``G``, ``T`` (and ``KiB``… spelled out) are binary, as in
rclone: ``8M`` is 8 MiB = 8,388,608 bytes. ``KB``, ``MB``, ``GB``, ``TB``
spelled out are decimal: ``8MB`` is 8,000,000 bytes. A bare number is
bytes, a trailing ``/s`` is allowed (bandwidths), case does not matter.
"""

from __future__ import annotations

import math
import re

from omefs.errors import ConfigError

__all__ = ["KiB", "MiB", "GiB", "TiB", "parse_size", "format_size", "format_rate"]

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
TiB = 1024 * GiB

_FACTORS = {
    "": 1, "b": 1,
    "k": KiB, "ki": KiB, "kib": KiB, "kb": 1000,
    "m": MiB, "mi": MiB, "mib": MiB, "mb": 1000**2,
    "g": GiB, "gi": GiB, "gib": GiB, "gb": 1000**3,
    "t": TiB, "ti": TiB, "tib": TiB, "tb": 1000**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*(?:/s)?\s*$")
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
ACCEPTED = "bytes, or a number with K, M, G, T (binary, as rclone), KiB… or KB, MB… (decimal)"


def parse_size(value: object, name: str = "size", *, operation: str = "config") -> int:
    """``8388608``, ``"8M"``, ``"8MiB"``, ``"8MB"`` (decimal), ``"1.5G"``, ``"50M/s"`` → bytes.

    Raises :class:`~omefs.errors.ConfigError` (a ``ValueError``) naming
    ``name``, the value and the accepted spellings.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{name} must be a size ({ACCEPTED}), got {value!r}",
                          operation=operation)
    if isinstance(value, str):
        match = _SIZE.match(value)
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _FACTORS:
            raise ConfigError(f"{name}={value!r} is not a size; use {ACCEPTED} (e.g. '8M')",
                              operation=operation)
        number = float(match.group(1)) * _FACTORS[unit or ""]
    else:
        number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"{name} must not be negative, got {value!r}", operation=operation)
    return int(number)


def format_size(n: float | None, *, exact: bool = False) -> str:
    """Bytes in binary units: ``1.500 GiB``; ``exact`` adds the byte count."""
    if n is None:
        return "-"
    n = float(n)
    if n < 1024:
        text = f"{int(n)} B"
    else:
        power = min(int(math.log(n, 1024)), len(_UNITS) - 1)
        text = f"{n / 1024 ** power:.3f} {_UNITS[power]}"
    if exact and n >= 1024:
        text += f" ({int(n)} bytes)"
    return text


def format_rate(nbytes: float, seconds: float) -> str:
    """Throughput as ``12.345 MiB/s``."""
    if seconds <= 0:
        return "-"
    return format_size(nbytes / seconds) + "/s"
