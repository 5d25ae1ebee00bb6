"""GCS lifecycle rules: neutral rules <-> the bucket's ``lifecycle.rule`` list.

A GCS rule has one action and one condition, so one neutral rule becomes
several GCS rules:

* a transition: ``SetStorageClass`` (``storageClass``) with ``age``;
* ``expire_days``: ``Delete`` with ``age``;
* ``noncurrent_expire_days``: ``Delete`` with ``daysSinceNoncurrentTime`` and ``isLive: false``;
* ``abort_incomplete_multipart_days``: ``AbortIncompleteMultipartUpload`` with ``age``;

each with ``matchesPrefix: [prefix]`` when the rule has a prefix. GCS rules
carry **no name**, so ``get`` gathers the GCS rules of one prefix back
into one neutral rule (a new one when an action repeats) and names it after the prefix (``logs/`` ->
``logs``, no prefix -> ``bucket``; a second rule of the same prefix gets
``-2``). A GCS rule with any other condition (``createdBefore``,
``matchesStorageClass``, ``numNewerVersions``, ``matchesSuffix``…) is a
read-only extra. Requests are gcsfs's: ``GET`` and ``PATCH`` of the bucket
resource (``lifecycle: {"rule": []}`` removes every rule, as Google's own
client does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from omefs.lifecycle.hooks import LifecycleHooks, LifecycleTarget
from omefs.lifecycle.model import Rule, Transition

__all__ = ["GCSLifecycle", "rule_name"]


def rule_name(prefix: str, taken: set[str]) -> str:
    """The id ``get`` gives a GCS rule group of ``prefix`` (unique among ``taken``)."""
    base = prefix.strip("/").replace("/", "-") or "bucket"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


class GCSLifecycle(LifecycleHooks):
    """GCS bucket ``lifecycle`` (see the module docstring)."""

    classes: ClassVar[dict[str, str]] = {"STANDARD": "STANDARD", "INFREQUENT": "NEARLINE",
                                         "COLD": "COLDLINE", "ARCHIVE": "ARCHIVE"}
    native_classes: ClassVar[tuple[str, ...]] = ("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE",
                                                 "MULTI_REGIONAL", "REGIONAL")

    # -- neutral -> native -----------------------------------------------------------------------
    def to_native(self, rules: Sequence[Rule], extras: Sequence[Rule], target: LifecycleTarget,
                  current: Any = None) -> dict[str, Any]:
        out: list[dict[str, Any]] = []
        for rule in rules:
            self.check_actions(rule)
            where = {"matchesPrefix": [rule.prefix]} if rule.prefix else {}
            for t in rule.transitions:
                out.append({"action": {"type": "SetStorageClass",
                                       "storageClass": self.native_class(rule, t.storage_class)},
                            "condition": {"age": t.days, **where}})
            if rule.expire_days is not None:
                out.append({"action": {"type": "Delete"},
                            "condition": {"age": rule.expire_days, **where}})
            if rule.noncurrent_expire_days is not None:
                out.append({"action": {"type": "Delete"},
                            "condition": {"daysSinceNoncurrentTime": rule.noncurrent_expire_days,
                                          "isLive": False, **where}})
            if rule.abort_incomplete_multipart_days is not None:
                out.append({"action": {"type": "AbortIncompleteMultipartUpload"},
                            "condition": {"age": rule.abort_incomplete_multipart_days, **where}})
        out.extend(dict(extra.native or {}) for extra in extras)
        return {"rule": out}

    # -- native -> neutral -----------------------------------------------------------------------
    def from_native(self, document: Any, target: LifecycleTarget) -> list[Rule]:
        groups: list[dict[str, Any]] = []  # {"prefix", "fields"} in order of appearance
        extras: list[dict[str, Any]] = []
        for native in (document or {}).get("rule") or []:
            parsed = self._piece(native)
            if parsed is None:
                extras.append(native)
                continue
            prefix, slot, value = parsed
            group = next((g for g in reversed(groups) if g["prefix"] == prefix), None)
            if group is None or _taken(group["fields"], slot, value):
                group = {"prefix": prefix, "fields": {}}
                groups.append(group)
            if slot == "transitions":
                group["fields"].setdefault("transitions", []).append(value)
            else:
                group["fields"][slot] = value
        out: list[Rule] = []
        taken: set[str] = set()
        for group in groups:
            name = rule_name(group["prefix"], taken)
            taken.add(name)
            fields = dict(group["fields"])
            fields["transitions"] = tuple(sorted(fields.get("transitions", []), key=lambda t: t.days))
            out.append(Rule(id=name, prefix=group["prefix"], **fields))
        for index, native in enumerate(extras):
            name = rule_name(f"native-{index + 1}", taken)
            taken.add(name)
            out.append(Rule(id=name, native=native))
        return out

    def _piece(self, native: Any) -> tuple[str, str, Any] | None:
        """``(prefix, neutral field, value)`` of one GCS rule, or None for an extra."""
        if not isinstance(native, dict):
            return None
        action = native.get("action") or {}
        cond = dict(native.get("condition") or {})
        prefixes = cond.pop("matchesPrefix", None)
        if prefixes is not None and (not isinstance(prefixes, list) or len(prefixes) != 1):
            return None
        prefix = str(prefixes[0]) if prefixes else ""
        kind = action.get("type")
        if kind == "Delete" and set(cond) == {"daysSinceNoncurrentTime", "isLive"} \
                and cond["isLive"] is False:
            return prefix, "noncurrent_expire_days", int(cond["daysSinceNoncurrentTime"])
        if cond.get("isLive") is True and kind != "AbortIncompleteMultipartUpload":
            cond.pop("isLive")
        if set(cond) != {"age"} or set(action) - {"type", "storageClass"}:
            return None
        age = int(cond["age"])
        if kind == "SetStorageClass" and action.get("storageClass"):
            return prefix, "transitions", Transition(age, self.neutral_class(str(action["storageClass"])))
        if kind == "Delete" and "storageClass" not in action:
            return prefix, "expire_days", age
        if kind == "AbortIncompleteMultipartUpload" and "storageClass" not in action:
            return prefix, "abort_incomplete_multipart_days", age
        return None

    # -- requests ---------------------------------------------------------------------------
    def read(self, target: LifecycleTarget) -> Any:
        try:
            resource = target.fs.call("GET", "b/{}", target.bucket, json_out=True)
        except Exception as exc:
            raise self.failure(exc, target, "lifecycle get") from exc
        lifecycle = resource.get("lifecycle") or {}
        return {"rule": list(lifecycle.get("rule") or [])} if lifecycle.get("rule") else None

    def write(self, target: LifecycleTarget, document: dict[str, Any]) -> None:
        self._patch(target, document, "lifecycle set")

    def remove(self, target: LifecycleTarget, current: Any = None) -> None:
        self._patch(target, {"rule": []}, "lifecycle delete")

    def _patch(self, target: LifecycleTarget, document: dict[str, Any], operation: str) -> None:
        try:
            target.fs.call("PATCH", "b/{}", target.bucket, json={"lifecycle": document},
                           json_out=True)
        except Exception as exc:
            raise self.failure(exc, target, operation) from exc



def _taken(fields: dict[str, Any], slot: str, value: Any) -> bool:
    """Whether a group already holds ``slot`` (a second transition to the same day counts)."""
    if slot == "transitions":
        return any(t.days == value.days for t in fields.get("transitions", []))
    return slot in fields
