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

from omefs.lifecycle.api import delete, get, hooks_for, set  # noqa: A004 - the interface's names
from omefs.lifecycle.files import as_data, dumps, load, loads
from omefs.lifecycle.hooks import LifecycleHooks, LifecycleTarget
from omefs.lifecycle.model import ACTIONS, NEUTRAL_CLASSES, Rule, Transition

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
