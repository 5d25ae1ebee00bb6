"""Storage classes: one neutral vocabulary over every provider's native names.

A provider declares its classes as data, a :class:`StorageClasses` table in
the ``storage_classes`` slot of its
:class:`~omefs.providers.base.Capabilities`:

* ``neutral`` — what each neutral class is written as (``COLD`` → S3
  ``GLACIER_IR``); a neutral class the provider lacks is absent;
* ``native`` — every native name it knows, spelled as the service spells
  it, and the neutral class it reads as (``DEEP_ARCHIVE`` → ``ARCHIVE``);
* ``archived`` — the native classes whose objects must be restored before
  they can be read;
* ``ops`` — ``"module:Class"`` of the provider's :class:`StorageClassOps`
  (reading a class from an ``info()`` entry, changing it in place,
  restoring), loaded on first use so that no SDK is imported before.

Names are accepted case-insensitively, neutral or native. Shared code asks
this module (and through it the provider); it names no provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from omefs.errors import ConfigError

if TYPE_CHECKING:
    from omefs.providers.base import Provider

__all__ = [
    "NEUTRAL",
    "PRESERVE",
    "StorageClasses",
    "StorageClassOps",
    "accepted",
    "annotate",
    "archived",
    "nearest",
    "ops_of",
    "table_of",
    "to_native",
    "to_neutral",
]

#: The neutral classes, warmest first.
NEUTRAL = ("STANDARD", "INFREQUENT", "COLD", "ARCHIVE")
#: The copy option that maps each source's class to the destination's nearest one.
PRESERVE = "preserve"


@dataclass(frozen=True)
class StorageClasses:
    """A provider's storage classes, as data (see the module docstring)."""

    #: neutral class -> the native class written for it.
    neutral: Mapping[str, str]
    #: every native class -> the neutral class it reads as (None: none is close).
    native: Mapping[str, str | None]
    #: native classes whose objects must be restored before a read.
    archived: frozenset[str] = frozenset()
    #: ``"module:Class"`` of the provider's :class:`StorageClassOps`.
    ops: str = ""
    #: What the provider calls a class in its own documentation (messages).
    term: str = "storage class"
    #: Extra, provider-specific notes for messages (how a restore is asked for…).
    notes: Mapping[str, Any] = field(default_factory=dict)


class StorageClassOps:
    """What a provider does with classes; each provider's ``classes`` module subclasses it.

    The base answers for a provider that only reads a class from an entry
    key; everything else raises :class:`ConfigError`.
    """

    #: ``info()``/listing keys that may hold the native class, in order.
    info_keys: tuple[str, ...] = ()

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def native_of(self, entry: Mapping[str, Any]) -> str | None:
        """The native class an ``info()`` or listing entry carries (None: not said)."""
        for key in self.info_keys:
            value = entry.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    def restore_state(self, entry: Mapping[str, Any]) -> str | None:
        """``"archived"``, ``"restoring"`` or ``"restored"`` for an archived object (None: not archived
        or not known from the entry)."""
        return None

    def write_options(self, native: str, *, file: bool) -> dict[str, Any]:
        """The parent filesystem's keyword arguments that write with ``native``: for
        ``open(…, "wb")`` when ``file``, else for ``pipe_file``/``put_file``."""
        raise self._unsupported("writing with a class")

    def obstore_attributes(self, native: str) -> dict[str, str] | None:
        """obstore ``attributes`` that write with ``native`` (None: obstore cannot; use fsspec)."""
        return None

    def set_class(self, fs: Any, path: str, native: str) -> None:
        """Change the class of the object at ``path`` in place (blocking)."""
        raise self._unsupported("changing a class in place")

    def restore(self, fs: Any, path: str, *, days: int | None, priority: str | None) -> str:
        """Start the restore of an archived object; returns what was asked (for reports)."""
        raise self._unsupported("restoring archived objects")

    async def refresh_async(self, fs: Any, path: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Complete the ``info()`` entry of an archived object whose restore state the entry
        lacks (an async filesystem's ``_info``; default: nothing to add)."""
        return entry

    def _unsupported(self, what: str) -> ConfigError:
        return ConfigError(f"{self.provider.label or self.provider.name} does not support {what}",
                           operation="storage-class", provider=self.provider.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.provider.name}>"


_OPS: dict[str, StorageClassOps] = {}


def table_of(provider: Provider) -> StorageClasses:
    """The provider's table; :class:`ConfigError` when it has no storage classes."""
    table = provider.capabilities.storage_classes
    if not isinstance(table, StorageClasses):
        raise ConfigError(f"{provider.label or provider.name} has no storage classes",
                          operation="storage-class", provider=provider.name)
    return table


def ops_of(provider: Provider) -> StorageClassOps:
    """The provider's :class:`StorageClassOps` (created once)."""
    ops = _OPS.get(provider.name)
    if ops is None:
        from omefs.providers.base import load_object

        spec = table_of(provider).ops
        ops = load_object(spec)(provider) if spec else StorageClassOps(provider)
        _OPS[provider.name] = ops
    return ops


def accepted(provider: Provider) -> str:
    """The names a provider accepts, for messages."""
    table = table_of(provider)
    return (f"{', '.join(n for n in NEUTRAL if n in table.neutral)} "
            f"or the native names {', '.join(table.native)}")


def to_native(provider: Provider, name: str) -> str:
    """``name`` (neutral or native, any case) as the provider's native class.

    Raises :class:`ConfigError` for a neutral class the provider lacks or an
    unknown name, listing what it accepts.
    """
    table = table_of(provider)
    label = provider.label or provider.name
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"a storage class must be a name, got {name!r}; {label} accepts "
                          f"{accepted(provider)}", operation="storage-class", provider=provider.name)
    wanted = name.strip()
    upper = wanted.upper()
    if upper in table.neutral:
        return table.neutral[upper]
    for native in table.native:
        if native.casefold() == wanted.casefold():
            return native
    if upper in NEUTRAL:
        raise ConfigError(f"{label} has no {upper} {table.term}; it accepts {accepted(provider)}",
                          operation="storage-class", provider=provider.name)
    if upper == PRESERVE.upper():
        raise ConfigError(f"{PRESERVE!r} only applies to a copy (it maps each source's class); "
                          f"{label} accepts {accepted(provider)}",
                          operation="storage-class", provider=provider.name)
    raise ConfigError(f"unknown storage class {name!r} for {label}; it accepts {accepted(provider)}",
                      operation="storage-class", provider=provider.name)


def to_neutral(provider: Provider, native: str | None) -> str | None:
    """The neutral class a native one reads as (None: unknown or none is close)."""
    if not native:
        return None
    table = provider.capabilities.storage_classes
    if not isinstance(table, StorageClasses):
        return None
    for name, neutral in table.native.items():
        if name.casefold() == native.casefold():
            return neutral
    return None


def nearest(provider: Provider, neutral: str | None) -> str | None:
    """The provider's native class nearest ``neutral``: the same one, else the next warmer
    (reads stay possible without a restore), else the next colder. None: no class given."""
    if not neutral:
        return None
    table = table_of(provider)
    if neutral in table.neutral:
        return table.neutral[neutral]
    rank = NEUTRAL.index(neutral)
    for candidate in list(reversed(NEUTRAL[:rank])) + list(NEUTRAL[rank + 1:]):
        if candidate in table.neutral:
            return table.neutral[candidate]
    return None


def archived(provider: Provider, native: str | None) -> bool:
    """Whether objects of the native class must be restored before a read."""
    table = provider.capabilities.storage_classes
    if not native or not isinstance(table, StorageClasses):
        return False
    return any(a.casefold() == native.casefold() for a in table.archived)


def annotate(provider: Provider, entry: dict[str, Any]) -> dict[str, Any]:
    """Add ``storage_class`` (neutral), ``storage_class_native`` and, for archived objects,
    ``restore_state`` to an ``info()``/listing entry of a file. Returns ``entry``."""
    if not isinstance(provider.capabilities.storage_classes, StorageClasses):
        return entry
    if entry.get("type", "file") != "file":
        return entry
    ops = ops_of(provider)
    native = ops.native_of(entry)
    if native is None:
        return entry
    entry["storage_class_native"] = native
    entry["storage_class"] = to_neutral(provider, native)
    state = ops.restore_state(entry)
    if state is not None or archived(provider, native):
        entry["restore_state"] = state
    return entry
