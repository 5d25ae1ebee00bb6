"""The provider-neutral lifecycle model: :class:`Rule` and :class:`Transition`, and their checks.

A rule applies to the objects under ``prefix`` (all of the bucket when
empty) and says what happens to them as they age:

* ``transitions`` — move to a storage class ``days`` after creation
  (``STANDARD``, ``INFREQUENT``, ``COLD``, ``ARCHIVE``, or a provider's own
  class name);
* ``expire_days`` — delete the object that many days after creation;
* ``noncurrent_expire_days`` — delete a version that many days after it
  stopped being the current one;
* ``abort_incomplete_multipart_days`` — abort multipart uploads left open
  that many days.

A rule read from a provider that the neutral form cannot express is kept
as a **native extra**: a read-only :class:`Rule` whose ``native`` holds the
provider's own document. :func:`omefs.lifecycle.set` never sends what a
caller put in ``native``: it keeps the extras the bucket has.

Checks that need no provider (names, numbers, at least one action) are
here and raise :class:`~omefs.errors.ConfigError` naming the rule; what a
given provider can express is checked by its own lifecycle module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from omefs.errors import ConfigError

__all__ = [
    "ACTIONS",
    "NEUTRAL_CLASSES",
    "Rule",
    "Transition",
    "check_rules",
    "rule_from_dict",
    "rule_to_dict",
    "rules_from_data",
]

#: The neutral storage classes, warmest first.
NEUTRAL_CLASSES = ("STANDARD", "INFREQUENT", "COLD", "ARCHIVE")
#: The neutral actions a rule can carry (what ``Capabilities.lifecycle`` lists).
ACTIONS = ("transitions", "expire_days", "noncurrent_expire_days", "abort_incomplete_multipart_days")
_FIELDS = ("id", "prefix", *ACTIONS)


@dataclass(frozen=True)
class Transition:
    """Move objects to ``storage_class`` ``days`` days after they were created."""

    days: int
    storage_class: str


@dataclass(frozen=True)
class Rule:
    """One lifecycle rule (see the module docstring); ``native`` set: a read-only extra."""

    id: str
    prefix: str = ""
    transitions: tuple[Transition, ...] = ()
    expire_days: int | None = None
    noncurrent_expire_days: int | None = None
    abort_incomplete_multipart_days: int | None = None
    native: Mapping[str, Any] | None = field(default=None, hash=False)

    @property
    def read_only(self) -> bool:
        """Whether this is a provider's own rule kept as it is (a native extra)."""
        return self.native is not None

    def actions(self) -> tuple[str, ...]:
        """The neutral actions this rule carries, in :data:`ACTIONS` order."""
        return tuple(a for a in ACTIONS if (self.transitions if a == "transitions"
                                            else getattr(self, a) is not None))


def _days(rule: str, name: str, value: Any, *, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        else:
            raise ConfigError(f"lifecycle rule {rule!r}: {name} must be a whole number of days, "
                              f"not {value!r}", operation="lifecycle")
    if value < minimum:
        raise ConfigError(f"lifecycle rule {rule!r}: {name} must be at least {minimum}, not {value}",
                          operation="lifecycle")
    return int(value)


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """A :class:`Rule` from its mapping form (YAML/JSON); ConfigError names what is wrong."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"a lifecycle rule must be a mapping, not {type(data).__name__}",
                          operation="lifecycle")
    rid = data.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise ConfigError(f"every lifecycle rule needs an id (a non-empty string); got {rid!r}",
                          operation="lifecycle")
    if data.get("native") is not None:
        native = data["native"]
        if not isinstance(native, Mapping):
            raise ConfigError(f"lifecycle rule {rid!r}: native must be a mapping", operation="lifecycle")
        return Rule(id=rid, prefix=str(data.get("prefix") or ""), native=dict(native))
    unknown = sorted(set(data) - set(_FIELDS) - {"read_only"})
    if unknown:
        raise ConfigError(f"lifecycle rule {rid!r}: unknown field(s) {', '.join(unknown)}; "
                          f"accepted: {', '.join(_FIELDS)}", operation="lifecycle")
    prefix = data.get("prefix") or ""
    if not isinstance(prefix, str):
        raise ConfigError(f"lifecycle rule {rid!r}: prefix must be a string", operation="lifecycle")
    raw = data.get("transitions") or []
    if not isinstance(raw, list):
        raise ConfigError(f"lifecycle rule {rid!r}: transitions must be a list of "
                          f"{{days, storage_class}}", operation="lifecycle")
    transitions = []
    for item in raw:
        if not isinstance(item, Mapping) or set(item) - {"days", "storage_class"} \
                or not item.get("storage_class") or item.get("days") is None:
            raise ConfigError(f"lifecycle rule {rid!r}: each transition is {{days: N, storage_class: "
                              f"NAME}}; got {item!r}", operation="lifecycle")
        days = _days(rid, "transition days", item["days"], minimum=0)
        transitions.append(Transition(int(days or 0), str(item["storage_class"]).strip()))
    return Rule(
        id=rid, prefix=prefix, transitions=tuple(transitions),
        expire_days=_days(rid, "expire_days", data.get("expire_days"), minimum=1),
        noncurrent_expire_days=_days(rid, "noncurrent_expire_days",
                                     data.get("noncurrent_expire_days"), minimum=1),
        abort_incomplete_multipart_days=_days(rid, "abort_incomplete_multipart_days",
                                              data.get("abort_incomplete_multipart_days"), minimum=1),
    )


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The mapping form of ``rule`` (what YAML/JSON hold); only the fields that are set."""
    out: dict[str, Any] = {"id": rule.id}
    if rule.prefix:
        out["prefix"] = rule.prefix
    if rule.native is not None:
        out["read_only"] = True
        out["native"] = dict(rule.native)
        return out
    if rule.transitions:
        out["transitions"] = [{"days": t.days, "storage_class": t.storage_class}
                              for t in rule.transitions]
    for name in ACTIONS[1:]:
        if getattr(rule, name) is not None:
            out[name] = getattr(rule, name)
    return out


def rules_from_data(data: Any) -> list[Rule]:
    """Rules from ``{"rules": [...]}``, a list of rules, or :class:`Rule` objects (mixed)."""
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"rules"})
        if unknown or "rules" not in data:
            raise ConfigError(f"a lifecycle document is {{rules: [...]}}; got the key(s) "
                              f"{', '.join(map(str, unknown or data)) or 'none'}", operation="lifecycle")
        data = data["rules"] or []
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise ConfigError("lifecycle rules must be a list (or {rules: [...]})", operation="lifecycle")
    return [r if isinstance(r, Rule) else rule_from_dict(r) for r in data]


def check_rules(rules: Iterable[Rule]) -> list[Rule]:
    """The rules a caller may set, checked: ids unique, each with an action, transitions in order.

    Read-only extras are left out (a bucket's own are kept by ``set``).
    """
    out: list[Rule] = []
    seen: set[str] = set()
    for rule in rules:
        if rule.read_only:
            continue
        if rule.id in seen:
            raise ConfigError(f"lifecycle rule id {rule.id!r} is used twice; ids must be unique",
                              operation="lifecycle")
        seen.add(rule.id)
        if not rule.actions():
            raise ConfigError(f"lifecycle rule {rule.id!r} has no action; give at least one of "
                              f"{', '.join(ACTIONS)}", operation="lifecycle")
        days = [t.days for t in rule.transitions]
        if days != sorted(set(days)):
            raise ConfigError(f"lifecycle rule {rule.id!r}: transitions must have distinct days in "
                              f"increasing order; got {days}", operation="lifecycle")
        if rule.expire_days is not None and days and days[-1] >= rule.expire_days:
            raise ConfigError(f"lifecycle rule {rule.id!r}: expire_days ({rule.expire_days}) must "
                              f"come after the last transition (day {days[-1]})", operation="lifecycle")
        out.append(rule)
    return out
