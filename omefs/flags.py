"""Boolean switches, read one way from settings and from the environment.

True: ``1``, ``true``, ``yes``, ``on`` (and Python's ``True``); false:
``0``, ``false``, ``no``, ``off``, ``""`` (and ``False``/``None``), any case.
"""

from __future__ import annotations

import os

__all__ = ["TRUE", "FALSE", "parse_flag", "is_true", "env_flag"]

TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
FALSE = frozenset({"0", "false", "no", "off", "n", "f", ""})


def parse_flag(value: object) -> bool | None:
    """True, False, or None when ``value`` is neither spelling (the caller's default stands)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return None


def is_true(value: object) -> bool:
    """Whether ``value`` is one of the true spellings (anything else is false)."""
    return parse_flag(value) is True


def env_flag(name: str) -> bool | None:
    """An environment switch: True, False, or None when unset or unrecognised."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    return parse_flag(raw)
