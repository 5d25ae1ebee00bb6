"""No ``Any`` in a public signature: what ``omefs`` exports says what it takes and returns.

Every name in ``omefs.__all__`` is checked: a function's annotations, and
for a class its constructor and public methods (exceptions: the
constructor). ``Any`` anywhere in an annotation — ``Mapping[str, Any]``
included — fails, naming the function and the parameter.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import omefs


def _has_any(annotation: object) -> bool:
    if annotation is Any:
        return True
    return any(_has_any(arg) for arg in typing.get_args(annotation))


def _namespace() -> dict[str, object]:
    """Names that modules import only for type checking, so that their hints resolve."""
    import requests
    from fsspec.callbacks import Callback

    from omefs.config import AuthConfig
    from omefs.transfer.report import TransferReport
    from omefs.uri import ObjectURI

    return {"AuthConfig": AuthConfig, "TransferReport": TransferReport, "ObjectURI": ObjectURI,
            "requests": requests, "Callback": Callback}


def _callables() -> typing.Iterator[tuple[str, object]]:
    for name in omefs.__all__:
        obj = getattr(omefs, name)
        if inspect.ismodule(obj) or not callable(obj):
            continue
        if not inspect.isclass(obj):
            yield name, obj
            continue
        members = ["__init__"] if issubclass(obj, BaseException) else [
            m for m in vars(obj) if not m.startswith("_") or m == "__init__"]
        for member in members:
            if member not in vars(obj):
                continue
            value = inspect.getattr_static(obj, member)
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property):
                value = value.fget
            if callable(value):
                yield f"{name}.{member}", value


def public_any() -> list[str]:
    """``name: parameter: annotation`` for each ``Any`` in a public signature."""
    found = []
    namespace = _namespace()
    for where, func in _callables():
        hints = typing.get_type_hints(func, localns=namespace)
        found.extend(f"{where}: {param}: {hint}" for param, hint in hints.items() if _has_any(hint))
    return found


def test_no_any_in_a_public_signature():
    found = public_any()
    assert not found, "Any in public signatures:\n  " + "\n  ".join(found)


def test_the_check_finds_an_any(monkeypatch):
    def leaky(options: dict[str, Any]) -> None:
        """A public function that takes ``Any``."""

    monkeypatch.setattr(omefs, "leaky", leaky, raising=False)
    monkeypatch.setattr(omefs, "__all__", [*omefs.__all__, "leaky"])
    assert public_any()[-1].startswith("leaky: options: dict[str, typing.Any]")
