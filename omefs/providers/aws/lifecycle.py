"""S3 lifecycle rules: neutral rules <-> the bucket's ``LifecycleConfiguration``.

One neutral rule is one S3 rule: ``ID``, ``Filter.Prefix``, ``Transitions``
(``Days``, ``StorageClass``), ``Expiration.Days``,
``NoncurrentVersionExpiration.NoncurrentDays``,
``AbortIncompleteMultipartUpload.DaysAfterInitiation``, ``Status: Enabled``.
Rules with anything else (tag or size filters, dates, noncurrent
transitions, delete-marker expiry, a disabled status) are kept as
read-only extras. S3 refuses a transition to STANDARD and a move to an
infrequent-access class before day 30; so does omefs, before sending.

Requests go through the bucket's s3fs filesystem (its aiobotocore client).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from omefs.lifecycle.hooks import LifecycleHooks, LifecycleTarget
from omefs.lifecycle.model import Rule, Transition

__all__ = ["S3Lifecycle"]

_SIMPLE_KEYS = {"ID", "Status", "Filter", "Prefix", "Transitions", "Expiration",
                "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}
_IA_CLASSES = ("STANDARD_IA", "ONEZONE_IA")
_MISSING_CODES = ("NoSuchLifecycleConfiguration",)


class S3Lifecycle(LifecycleHooks):
    """S3 BucketLifecycleConfiguration (see the module docstring)."""

    classes: ClassVar[dict[str, str]] = {"INFREQUENT": "STANDARD_IA", "COLD": "GLACIER_IR",
                                         "ARCHIVE": "GLACIER"}
    native_classes: ClassVar[tuple[str, ...]] = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                                                 "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")

    # -- neutral <-> native --------------------------------------------------------------------
    def to_native(self, rules: Sequence[Rule], extras: Sequence[Rule], target: LifecycleTarget,
                  current: Any = None) -> dict[str, Any]:
        out = [self._rule(rule) for rule in rules]
        out.extend(dict(extra.native or {}) for extra in extras)
        return {"Rules": out}

    def _rule(self, rule: Rule) -> dict[str, Any]:
        self.check_actions(rule)
        if len(rule.id) > 255:
            raise self.refuse(rule, "an S3 rule ID is at most 255 characters")
        native: dict[str, Any] = {"ID": rule.id, "Filter": {"Prefix": rule.prefix}, "Status": "Enabled"}
        if rule.transitions:
            native["Transitions"] = [self._transition(rule, t) for t in rule.transitions]
        if rule.expire_days is not None:
            native["Expiration"] = {"Days": rule.expire_days}
        if rule.noncurrent_expire_days is not None:
            native["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule.noncurrent_expire_days}
        if rule.abort_incomplete_multipart_days is not None:
            native["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": rule.abort_incomplete_multipart_days}
        return native

    def _transition(self, rule: Rule, transition: Transition) -> dict[str, Any]:
        native = self.native_class(rule, transition.storage_class)
        if native in _IA_CLASSES and transition.days < 30:
            raise self.refuse(rule, f"S3 moves objects to {native} no earlier than day 30 "
                                    f"(the rule says day {transition.days})")
        return {"Days": transition.days, "StorageClass": native}

    def from_native(self, document: Any, target: LifecycleTarget) -> list[Rule]:
        out = []
        for index, native in enumerate((document or {}).get("Rules") or []):
            rule = self._neutral(native)
            out.append(rule if rule is not None else Rule(
                id=str(native.get("ID") or f"rule-{index + 1}"), prefix=_prefix_of(native) or "",
                native=native))
        return out

    def _neutral(self, native: dict[str, Any]) -> Rule | None:
        """The neutral form of an S3 rule, or None when it has more than the neutral form holds."""
        prefix = _prefix_of(native)
        if (prefix is None or native.get("Status") != "Enabled" or not native.get("ID")
                or set(native) - _SIMPLE_KEYS):
            return None
        transitions = []
        for t in native.get("Transitions") or []:
            if set(t) != {"Days", "StorageClass"}:
                return None
            transitions.append(Transition(int(t["Days"]), self.neutral_class(str(t["StorageClass"]))))
        values: dict[str, int | None] = {}
        for key, inner, name in (("Expiration", "Days", "expire_days"),
                                 ("NoncurrentVersionExpiration", "NoncurrentDays", "noncurrent_expire_days"),
                                 ("AbortIncompleteMultipartUpload", "DaysAfterInitiation",
                                  "abort_incomplete_multipart_days")):
            part = native.get(key)
            if part is None:
                values[name] = None
            elif set(part) == {inner}:
                values[name] = int(part[inner])
            else:
                return None
        if not transitions and not any(v is not None for v in values.values()):
            return None
        return Rule(id=str(native["ID"]), prefix=prefix, transitions=tuple(transitions),
                    expire_days=values["expire_days"],
                    noncurrent_expire_days=values["noncurrent_expire_days"],
                    abort_incomplete_multipart_days=values["abort_incomplete_multipart_days"])

    # -- requests ---------------------------------------------------------------------------
    def read(self, target: LifecycleTarget) -> Any:
        try:
            answer = self._call(target, "get_bucket_lifecycle_configuration")
        except Exception as exc:
            if _code(exc) in _MISSING_CODES:
                return None
            raise self.failure(exc, target, "lifecycle get") from exc
        return {"Rules": answer.get("Rules") or []}

    def write(self, target: LifecycleTarget, document: dict[str, Any]) -> None:
        try:
            self._call(target, "put_bucket_lifecycle_configuration", LifecycleConfiguration=document)
        except Exception as exc:
            raise self.failure(exc, target, "lifecycle set") from exc

    def remove(self, target: LifecycleTarget, current: Any = None) -> None:
        try:
            self._call(target, "delete_bucket_lifecycle")
        except Exception as exc:
            raise self.failure(exc, target, "lifecycle delete") from exc

    @staticmethod
    def _call(target: LifecycleTarget, method: str, **kwargs: Any) -> Any:
        from fsspec.asyn import sync

        fs = target.fs

        async def call() -> Any:
            await fs.set_session()
            client = await fs.get_s3(target.bucket)
            return await getattr(client, method)(Bucket=target.bucket, **kwargs)

        return sync(fs.loop, call)



def _prefix_of(native: dict[str, Any]) -> str | None:
    """The rule's prefix when its filter is a prefix alone (or nothing); else None."""
    if "Filter" in native:
        flt = native["Filter"] or {}
        if set(flt) - {"Prefix"}:
            return None
        return str(flt.get("Prefix") or "")
    return str(native.get("Prefix") or "")


def _code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None
