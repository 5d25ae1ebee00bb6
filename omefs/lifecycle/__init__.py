"""Lifecycle rules, provider-neutral: one rule set for S3, GCS, Azure and OCI buckets.

::

    import omefs.lifecycle as lifecycle

    rules = lifecycle.load("rules.yaml")         # or lifecycle.loads(text), or Rule(...) objects
    lifecycle.set("s3://models", rules)           # S3 BucketLifecycleConfiguration
    lifecycle.get("gs://backup")                  # -> [Rule(...), ...]
    lifecycle.set("oci://logs@ns", rules, dry_run=True)   # the native document, nothing sent
    lifecycle.delete("s3://models")

See :mod:`omefs.lifecycle.model` for the rule fields, :mod:`omefs.lifecycle.hooks`
for what a provider implements, and ``docs/lifecycle.md`` for the mapping
onto each provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omefs.lifecycle.api import delete, get, hooks_for, set  # noqa: A004 - the interface's names
    from omefs.lifecycle.files import as_data, dumps, load, loads
    from omefs.lifecycle.hooks import LifecycleHooks, LifecycleTarget
    from omefs.lifecycle.model import ACTIONS, NEUTRAL_CLASSES, Rule, Transition

#: Where each name lives: imported on first use, so that a provider reading
#: :data:`omefs.lifecycle.model.ACTIONS` does not load the rest.
_LAZY = {
    **dict.fromkeys(("delete", "get", "hooks_for", "set"), "omefs.lifecycle.api"),
    **dict.fromkeys(("as_data", "dumps", "load", "loads"), "omefs.lifecycle.files"),
    **dict.fromkeys(("LifecycleHooks", "LifecycleTarget"), "omefs.lifecycle.hooks"),
    **dict.fromkeys(("ACTIONS", "NEUTRAL_CLASSES", "Rule", "Transition"), "omefs.lifecycle.model"),
}

__all__ = [
    "ACTIONS",
    "NEUTRAL_CLASSES",
    "LifecycleHooks",
    "LifecycleTarget",
    "Rule",
    "Transition",
    "as_data",
    "delete",
    "dumps",
    "get",
    "hooks_for",
    "load",
    "loads",
    "set",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'omefs.lifecycle' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
