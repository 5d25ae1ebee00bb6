"""OCI lifecycle rules: neutral rules <-> the bucket's object lifecycle policy.

An OCI lifecycle rule has one action, so one neutral rule becomes several
OCI rules, named ``ID.SLOT`` so that ``get`` can gather them again:

==================================  ======================  ===========================  =======================
neutral                             OCI ``action``          OCI ``target``               name
==================================  ======================  ===========================  =======================
transition to INFREQUENT            ``INFREQUENT_ACCESS``   ``objects``                  ``ID.infrequent-access``
transition to ARCHIVE               ``ARCHIVE``             ``objects``                  ``ID.archive``
``expire_days``                     ``DELETE``              ``objects``                  ``ID.delete``
``noncurrent_expire_days``          ``DELETE``              ``previous-object-versions`` ``ID.delete-previous``
``abort_incomplete_multipart_days`` ``ABORT``               ``multipart-uploads``        ``ID.abort``
==================================  ======================  ===========================  =======================

with ``timeAmount`` days (``timeUnit: DAYS``), ``isEnabled: true`` and
``objectNameFilter.inclusionPrefixes: [prefix]``. OCI has no cold tier
(Standard, InfrequentAccess, Archive) and no move back to Standard: a
transition to COLD or STANDARD is refused before any request. Any other
OCI rule (patterns, exclusions, YEARS, disabled, another name) is a
read-only extra. Requests use the filesystem's ``ObjectStorageClient``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from omefs.lifecycle.hooks import LifecycleHooks, LifecycleTarget
from omefs.lifecycle.model import Rule, Transition

__all__ = ["OCILifecycle"]

_ACTIONS = {"InfrequentAccess": "INFREQUENT_ACCESS", "Archive": "ARCHIVE"}
# slot -> (action, target, neutral field)
_SLOTS = {
    "infrequent-access": ("INFREQUENT_ACCESS", "objects", "transitions"),
    "archive": ("ARCHIVE", "objects", "transitions"),
    "delete": ("DELETE", "objects", "expire_days"),
    "delete-previous": ("DELETE", "previous-object-versions", "noncurrent_expire_days"),
    "abort": ("ABORT", "multipart-uploads", "abort_incomplete_multipart_days"),
}
_NAME = re.compile(r"^(?P<id>.+)\.(?P<slot>" + "|".join(map(re.escape, _SLOTS)) + r")$")


class OCILifecycle(LifecycleHooks):
    """OCI Object Storage object lifecycle policies (see the module docstring)."""

    classes: ClassVar[dict[str, str]] = {"INFREQUENT": "InfrequentAccess", "ARCHIVE": "Archive"}
    native_classes: ClassVar[tuple[str, ...]] = ("InfrequentAccess", "Archive")

    # -- neutral -> native -----------------------------------------------------------------------
    def to_native(self, rules: Sequence[Rule], extras: Sequence[Rule], target: LifecycleTarget,
                  current: Any = None) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for rule in rules:
            self.check_actions(rule)
            where = {"objectNameFilter": {"inclusionPrefixes": [rule.prefix]}} if rule.prefix else {}
            for t in rule.transitions:
                if t.days < 1:
                    raise self.refuse(rule, "OCI moves objects after at least one day")
                slot = _ACTIONS[self.native_class(rule, t.storage_class)].lower().replace("_", "-")
                if any(i["name"] == f"{rule.id}.{slot}" for i in items):
                    raise self.refuse(rule, f"OCI takes one transition to each tier ({slot} twice)")
                items.append(self._item(rule, slot, t.days, where))
            for slot, value in (("delete", rule.expire_days),
                                ("delete-previous", rule.noncurrent_expire_days),
                                ("abort", rule.abort_incomplete_multipart_days)):
                if value is not None:
                    items.append(self._item(rule, slot, value, where))
        items.extend(dict(extra.native or {}) for extra in extras)
        return {"items": items}

    @staticmethod
    def _item(rule: Rule, slot: str, days: int, where: dict[str, Any]) -> dict[str, Any]:
        action, target, _ = _SLOTS[slot]
        return {"name": f"{rule.id}.{slot}", "action": action, "target": target, "timeAmount": days,
                "timeUnit": "DAYS", "isEnabled": True, **where}

    # -- native -> neutral -----------------------------------------------------------------------
    def from_native(self, document: Any, target: LifecycleTarget) -> list[Rule]:
        groups: dict[str, dict[str, Any]] = {}  # id -> {"prefix", "fields", "items"}
        order: list[tuple[str, Any]] = []  # ("group", id) or ("extra", item)
        for item in (document or {}).get("items") or []:
            parsed = self._piece(item)
            if parsed is None:
                order.append(("extra", item))
                continue
            rid, prefix, field, value = parsed
            group = groups.get(rid)
            if group is None:
                group = groups[rid] = {"prefix": prefix, "fields": {}, "items": [], "ok": True}
                order.append(("group", rid))
            group["items"].append(item)
            if group["prefix"] != prefix or (field != "transitions" and field in group["fields"]):
                group["ok"] = False
            elif field == "transitions":
                group["fields"].setdefault("transitions", []).append(value)
            else:
                group["fields"][field] = value
        out: list[Rule] = []
        for kind, value in order:
            if kind == "extra":
                out.append(Rule(id=str(value.get("name") or "unnamed"), native=value))
                continue
            group = groups[value]
            if not group["ok"]:
                out.extend(Rule(id=str(i["name"]), native=i) for i in group["items"])
                continue
            fields = dict(group["fields"])
            fields["transitions"] = tuple(sorted(fields.get("transitions", []), key=lambda t: t.days))
            out.append(Rule(id=value, prefix=group["prefix"], **fields))
        return out

    def _piece(self, item: Any) -> tuple[str, str, str, Any] | None:
        """``(rule id, prefix, neutral field, value)`` of one OCI rule, or None for an extra."""
        if not isinstance(item, dict):
            return None
        match = _NAME.match(str(item.get("name") or ""))
        if match is None or item.get("isEnabled") is not True or item.get("timeUnit") != "DAYS":
            return None
        action, target, field = _SLOTS[match["slot"]]
        if item.get("action") != action or (item.get("target") or "objects") != target:
            return None
        flt = {k: v for k, v in (item.get("objectNameFilter") or {}).items() if v}
        prefixes = flt.pop("inclusionPrefixes", [])
        if flt or len(prefixes) > 1:
            return None
        prefix = str(prefixes[0]) if prefixes else ""
        days = int(item.get("timeAmount") or 0)
        if field == "transitions":
            native = next(c for c, a in _ACTIONS.items() if a == action)
            return match["id"], prefix, field, Transition(days, self.neutral_class(native))
        return match["id"], prefix, field, days

    # -- requests ---------------------------------------------------------------------------
    def _call(self, target: LifecycleTarget, method: str, operation: str, **kwargs: Any) -> Any:
        fs = target.fs
        bucket, namespace, _ = fs.split_path(target.url)
        try:
            return fs._call_oci(getattr(fs.oci_client, method), namespace_name=namespace,
                                bucket_name=bucket, **kwargs)
        except Exception as exc:
            if getattr(exc, "status", None) == 404 and method == "get_object_lifecycle_policy" \
                    and "Bucket" not in str(getattr(exc, "code", "")):
                return None
            raise self.failure(exc, target, operation) from exc

    def read(self, target: LifecycleTarget) -> Any:
        response = self._call(target, "get_object_lifecycle_policy", "lifecycle get")
        if response is None or response.data is None:
            return None
        data = target.fs.oci_client.base_client.sanitize_for_serialization(response.data)
        return {"items": list(data.get("items") or [])}

    def write(self, target: LifecycleTarget, document: dict[str, Any]) -> None:
        self._call(target, "put_object_lifecycle_policy", "lifecycle set",
                   put_object_lifecycle_policy_details=document)

    def remove(self, target: LifecycleTarget, current: Any = None) -> None:
        self._call(target, "delete_object_lifecycle_policy", "lifecycle delete")

