"""The storage class each copied object is written with (``copy(…, storage_class=)``).

* ``None``: nothing is asked; the destination's default class applies.
* a neutral class or a native name of the destination: every object is
  written with it — checked when the engine starts, so a class the
  destination lacks is a :class:`~omefs.errors.ConfigError` before any
  byte moves;
* ``"preserve"``: each object gets the destination's class nearest to its
  source's (:func:`omefs.classes.nearest`); a source without a class (a
  local file) gets the default.

The engine asks the destination's provider how to write a class
(:meth:`~omefs.classes.StorageClassOps.obstore_attributes`, the
filesystem's ``storage_class=``) and, after a server-side copy, to change
it in place (:meth:`~omefs.classes.StorageClassOps.set_class`).
"""

from __future__ import annotations

from typing import Any

from omefs import classes
from omefs.transfer.plan import Task

__all__ = ["ClassChoice"]


class ClassChoice:
    """The class to write for each task, from the option and both ends' providers."""

    def __init__(self, src: Any, dst: Any, wanted: str | None) -> None:
        self.src = src
        self.dst = dst
        self.preserve = isinstance(wanted, str) and wanted.strip().lower() == classes.PRESERVE
        self.fixed: str | None = None
        if wanted is not None and not self.preserve:
            self.fixed = classes.to_native(dst.provider, wanted)
        self.active = wanted is not None and (self.fixed is not None or self._dst_has_classes())

    def _dst_has_classes(self) -> bool:
        return isinstance(self.dst.provider.capabilities.storage_classes, classes.StorageClasses)

    def for_task(self, task: Task) -> str | None:
        """The destination's native class for ``task`` (None: its default)."""
        if not self.active:
            return None
        if self.fixed is not None:
            return self.fixed
        neutral = classes.to_neutral(self.src.provider, task.storage_class)
        return classes.nearest(self.dst.provider, neutral)

    def obstore_attributes(self, native: str | None) -> dict[str, str] | None:
        """obstore attributes that write ``native`` (``{}``: none to write; None: obstore cannot)."""
        if native is None:
            return {}
        return classes.ops_of(self.dst.provider).obstore_attributes(native)

    def set_after_copy(self, path: str, native: str) -> None:
        """Give a server-side copy its class (blocking; run in a thread)."""
        ops = classes.ops_of(self.dst.provider)
        current = ops.native_of(dict(self.dst.fs.info(path)))
        if current is None or current.casefold() != native.casefold():
            ops.set_class(self.dst.fs, path, native)
