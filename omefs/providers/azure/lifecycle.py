"""Azure lifecycle rules: neutral rules <-> the storage account's management policy.

Azure keeps lifecycle rules in one **management policy per storage
account**, in Azure Resource Manager (:mod:`omefs.providers.azure.management`),
not per container. A container's rules are the policy rules whose every
``prefixMatch`` starts with ``CONTAINER/``; ``set`` replaces those and keeps
every other rule of the account as it is. One neutral rule is one Azure rule:

* ``name`` = the rule id (Azure allows letters and digits only, unique in
  the account's policy);
* ``filters``: ``blobTypes: [blockBlob]``, ``prefixMatch: [CONTAINER/PREFIX]``;
* transitions: ``baseBlob.tierToCool`` / ``tierToCold`` / ``tierToArchive``
  with ``daysAfterModificationGreaterThan``; ``expire_days``:
  ``baseBlob.delete``; ``noncurrent_expire_days``:
  ``version.delete.daysAfterCreationGreaterThan``.

Azure has no action for incomplete uploads (uncommitted blocks are
discarded by the service after seven days): such a rule is refused before
any request. Rules that reach the container without being its own (no
prefix, or prefixes in several containers) and its rules with other
filters or actions (blob index tags, last-access time, snapshots, disabled
rules) are read-only extras. It needs an Entra ID auth config with ``subscription_id``
and ``resource_group``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from omefs.errors import ConfigError
from omefs.lifecycle.hooks import LifecycleHooks, LifecycleTarget
from omefs.lifecycle.model import Rule, Transition

__all__ = ["AzureLifecycle"]

_NAME = re.compile(r"^[A-Za-z0-9]{1,256}$")
_TIER_ACTIONS = {"Cool": "tierToCool", "Cold": "tierToCold", "Archive": "tierToArchive"}
_AGE = "daysAfterModificationGreaterThan"


class AzureLifecycle(LifecycleHooks):
    """Azure Storage management policies (see the module docstring)."""

    classes: ClassVar[dict[str, str]] = {"INFREQUENT": "Cool", "COLD": "Cold", "ARCHIVE": "Archive"}
    native_classes: ClassVar[tuple[str, ...]] = ("Cool", "Cold", "Archive")

    # -- neutral -> native -----------------------------------------------------------------------
    def to_native(self, rules: Sequence[Rule], extras: Sequence[Rule], target: LifecycleTarget,
                  current: Any = None) -> dict[str, Any]:
        container = target.bucket
        mine = [self._rule(rule, container) for rule in rules]
        kept = [r for r in _rules_of(current) if not _owned(r, container)]
        kept += [dict(e.native or {}) for e in extras if _owned(dict(e.native or {}), container)]
        names = {r.get("name") for r in kept}
        for native in mine:
            if native["name"] in names:
                raise ConfigError(
                    f"Azure lifecycle rule {native['name']!r}: the account's management policy already "
                    f"has a rule of that name outside container {container!r}; rule names are unique "
                    f"per storage account", operation="lifecycle", uri=target.url, provider="azure")
        return {"rules": kept + mine}

    def _rule(self, rule: Rule, container: str) -> dict[str, Any]:
        self.check_actions(rule)
        if not _NAME.match(rule.id):
            raise self.refuse(rule, "Azure rule names are 1-256 letters and digits (no '-', '_' or "
                                    "spaces), e.g. coolOldCheckpoints")
        base: dict[str, Any] = {}
        for t in rule.transitions:
            action = _TIER_ACTIONS[self.native_class(rule, t.storage_class)]
            if action in base:
                raise self.refuse(rule, f"Azure takes one transition to each tier ({action} twice)")
            base[action] = {_AGE: t.days}
        if rule.expire_days is not None:
            base["delete"] = {_AGE: rule.expire_days}
        actions: dict[str, Any] = {}
        if base:
            actions["baseBlob"] = base
        if rule.noncurrent_expire_days is not None:
            actions["version"] = {"delete": {"daysAfterCreationGreaterThan": rule.noncurrent_expire_days}}
        return {"enabled": True, "name": rule.id, "type": "Lifecycle", "definition": {
            "filters": {"blobTypes": ["blockBlob"], "prefixMatch": [f"{container}/{rule.prefix}"]},
            "actions": actions}}

    # -- native -> neutral -----------------------------------------------------------------------
    def from_native(self, document: Any, target: LifecycleTarget) -> list[Rule]:
        container = target.bucket
        out = []
        for native in _rules_of(document):
            prefixes = _prefixes(native)
            if prefixes and not any(_inside(p, container) for p in prefixes):
                continue  # only other containers' blobs
            rule = self._neutral(native, container) if _owned(native, container) else None
            out.append(rule or Rule(id=str(native.get("name") or "unnamed"), native=native))
        return out

    def _neutral(self, native: dict[str, Any], container: str) -> Rule | None:
        definition = native.get("definition") or {}
        filters = dict(definition.get("filters") or {})
        prefixes = filters.pop("prefixMatch", [])
        actions = dict(definition.get("actions") or {})
        if (native.get("enabled") is False or native.get("type", "Lifecycle") != "Lifecycle"
                or set(filters) != {"blobTypes"} or filters["blobTypes"] != ["blockBlob"]
                or len(prefixes) != 1 or set(actions) - {"baseBlob", "version"}):
            return None
        prefix = prefixes[0][len(container) + 1:] if "/" in prefixes[0] else ""
        transitions, expire = [], None
        for action, age in (actions.get("baseBlob") or {}).items():
            if set(age or {}) != {_AGE}:
                return None
            if action == "delete":
                expire = int(age[_AGE])
                continue
            tier = next((t for t, a in _TIER_ACTIONS.items() if a == action), None)
            if tier is None:
                return None
            transitions.append(Transition(int(age[_AGE]), self.neutral_class(tier)))
        version = dict(actions.get("version") or {})
        noncurrent = None
        if version:
            delete = version.pop("delete", None) or {}
            if version or set(delete) != {"daysAfterCreationGreaterThan"}:
                return None
            noncurrent = int(delete["daysAfterCreationGreaterThan"])
        if not transitions and expire is None and noncurrent is None:
            return None
        return Rule(id=str(native["name"]), prefix=prefix,
                    transitions=tuple(sorted(transitions, key=lambda t: t.days)),
                    expire_days=expire, noncurrent_expire_days=noncurrent)

    # -- requests ---------------------------------------------------------------------------
    def _client(self, target: LifecycleTarget) -> Any:
        from omefs.providers.azure.management import management_client
        from omefs.providers.filesystem import credentials_of

        creds = credentials_of(target.fs)
        if creds is None:
            raise ConfigError("Azure lifecycle rules live in Azure Resource Manager: give an auth "
                              "config (auth=...) with an Entra ID credential, subscription_id and "
                              "resource_group", operation="lifecycle", uri=target.url, provider="azure")
        return management_client(creds, getattr(target.uri, "account", None))  # type: ignore[arg-type]

    def read(self, target: LifecycleTarget) -> Any:
        resource = self._client(target).get_management_policy()
        if resource is None:
            return None
        return (resource.get("properties") or {}).get("policy") or None

    def write(self, target: LifecycleTarget, document: dict[str, Any]) -> None:
        client = self._client(target)
        if document.get("rules"):
            client.put_management_policy(document)
        else:
            client.delete_management_policy()

    def remove(self, target: LifecycleTarget, current: Any = None) -> None:
        others = [r for r in _rules_of(current) if not _owned(r, target.bucket)]
        self.write(target, {"rules": others})


def _rules_of(document: Any) -> list[dict[str, Any]]:
    return [r for r in ((document or {}).get("rules") or []) if isinstance(r, dict)]


def _prefixes(native: dict[str, Any]) -> list[str]:
    return list(((native.get("definition") or {}).get("filters") or {}).get("prefixMatch") or [])


def _inside(prefix: str, container: str) -> bool:
    return prefix == container or prefix.startswith(f"{container}/")


def _owned(native: dict[str, Any], container: str) -> bool:
    """Whether every prefix of the rule is inside ``container`` (and it has one): the rules a
    ``set`` on the container replaces. Rules that reach other containers too are extras."""
    prefixes = _prefixes(native)
    return bool(prefixes) and all(_inside(p, container) for p in prefixes)
