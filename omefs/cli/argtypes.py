"""argparse ``type=`` functions: counts, sizes and bandwidths, with friendly usage errors.

Sizes are read by :func:`omefs.sizes.parse_size`, as everywhere in omefs:
``K``, ``M``, ``G``, ``T`` are binary (as rclone's), ``KB``, ``MB``… decimal,
``KiB``, ``MiB``… binary. A :class:`~omefs.errors.ConfigError` becomes
an :class:`argparse.ArgumentTypeError`, which argparse prints as one usage
line (exit status 2).
"""

from __future__ import annotations

import argparse

from omefs.errors import ConfigError
from omefs.sizes import parse_size

__all__ = ["bandwidth", "non_negative_int", "positive_int", "size", "size_or_zero"]

_EXAMPLES = "expected e.g. 512, 64K, 64M, 1G; K, M, G, T are binary, KB, MB… decimal"
#: Spellings of "no bandwidth limit".
_NO_LIMIT = frozenset({"off", "0", "none", ""})


def positive_int(text: str) -> int:
    """An integer of at least 1."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An integer of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def _bytes(text: str) -> int:
    try:
        return parse_size(text, "size", operation="parse arguments")
    except ConfigError:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} ({_EXAMPLES})") from None


def size(text: str) -> int:
    """A size of more than 0 bytes (``64M``, ``1G``, ``512``)."""
    value = _bytes(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def size_or_zero(text: str) -> int:
    """A size, 0 allowed (a byte offset)."""
    return 0 if text.strip() == "0" else size(text)


def bandwidth(text: str) -> int | None:
    """Bytes per second (``10M``, ``10M/s``), or None for no limit (``0``, ``off``, ``none``)."""
    if text.strip().lower() in _NO_LIMIT:
        return None
    return _bytes(text.strip())
