"""Rule sets the lifecycle tests share: the issue's example, in each provider's reach."""

from __future__ import annotations

from dataclasses import replace

from omefs.lifecycle import Rule, Transition

#: Every neutral action, on one prefix (S3, GCS and OCI express all of it).
FULL = Rule(id="coolOldCheckpoints", prefix="checkpoints/",
            transitions=(Transition(30, "INFREQUENT"), Transition(180, "ARCHIVE")),
            expire_days=365, noncurrent_expire_days=30, abort_incomplete_multipart_days=7)
#: A second rule: expiry alone, on another prefix.
LOGS = Rule(id="expireLogs", prefix="logs/", expire_days=90)


def without_abort(rule: Rule) -> Rule:
    """``rule`` without the abort-multipart action (Azure has none)."""
    return replace(rule, abort_incomplete_multipart_days=None)


def neutral(rules: list[Rule]) -> list[Rule]:
    """The rules that are not read-only extras."""
    return [r for r in rules if not r.read_only]


def extras(rules: list[Rule]) -> list[Rule]:
    """The read-only extras."""
    return [r for r in rules if r.read_only]
