"""Every provider, by name, alias and URI scheme.

omefs's own providers are listed here by module; others come from the
``omefs.providers`` entry-point group (name: the provider's name, value:
``"package.module:PROVIDER"`` — a :class:`~omefs.providers.base.Provider`
instance or subclass). Nothing else in omefs names a provider: shared code
asks this registry.

The entry points are read only when a name or scheme is none of omefs's
own, or when every provider is listed: reading them scans every installed
package's metadata, which a command that names ``s3://`` and ``az://``
should not wait for. So a plug-in adds providers; it does not replace
omefs's own (one that claims an omefs name is skipped, with a warning).
:func:`register_provider` called by code does replace.
"""

from __future__ import annotations

import threading
from typing import Any

from omefs.providers.base import Provider, load_object
from omefs.redact import get_logger

__all__ = [
    "ENTRY_POINT_GROUP",
    "all_providers",
    "auth_provider",
    "find_provider",
    "get_provider",
    "provider_for_scheme",
    "provider_of",
    "register_provider",
    "storage_provider",
]

log = get_logger(__name__)

ENTRY_POINT_GROUP = "omefs.providers"

#: omefs's own providers, cloud providers first (the order of listings and messages).
_BUILTIN = (
    "omefs.providers.oci:PROVIDER",
    "omefs.providers.aws:PROVIDER",
    "omefs.providers.gcp:PROVIDER",
    "omefs.providers.azure:PROVIDER",
    "omefs.providers.github:PROVIDER",
    "omefs.providers.local:FILE",
    "omefs.providers.local:MEMORY",
)

_lock = threading.RLock()
_providers: list[Provider] = []
_by_name: dict[str, Provider] = {}
_by_scheme: dict[str, Provider] = {}
_loaded = False
_plugins_loaded = False


def register_provider(provider: Provider | type[Provider]) -> Provider:
    """Add ``provider`` (an instance or a subclass) under its names, aliases and schemes.

    A later registration of the same name replaces the earlier one.
    """
    inst = provider() if isinstance(provider, type) else provider
    if not inst.name:
        from omefs.errors import ConfigError

        raise ConfigError(f"provider {inst!r} has no name", operation="register")
    with _lock:
        _ensure_plugins()
        _add(inst)
    return inst


def _add(inst: Provider) -> None:
    old = _by_name.get(inst.name)
    if old is not None and old in _providers:
        _providers.remove(old)
    _providers.append(inst)
    for key in (inst.name, inst.auth_name, *inst.aliases):
        if key:
            _by_name[key.lower()] = inst
    for scheme in inst.schemes:
        _by_scheme.setdefault(scheme.lower(), inst)
        if old is not None and _by_scheme.get(scheme.lower()) is old:
            _by_scheme[scheme.lower()] = inst


def _ensure_loaded() -> None:
    """Load omefs's own providers (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for spec in _BUILTIN:
        _add(load_object(spec))


def _ensure_plugins() -> None:
    """Load the ``omefs.providers`` entry points (once), after omefs's own providers."""
    global _plugins_loaded
    _ensure_loaded()
    if _plugins_loaded:
        return
    _plugins_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj: Any = ep.load()
            inst = obj() if isinstance(obj, type) else obj
        except Exception as exc:  # noqa: BLE001 - a broken plug-in must not break omefs
            log.warning("omefs.providers entry point %r failed to load: %s", ep.name, exc)
            continue
        taken = _by_name.get((inst.name or "").lower())
        if taken is not None and type(taken).__module__.startswith("omefs."):
            log.warning("omefs.providers entry point %r claims omefs's provider name %r; skipped",
                        ep.name, inst.name)
            continue
        _add(inst)


def all_providers() -> list[Provider]:
    """Every registered provider, omefs's own first."""
    with _lock:
        _ensure_plugins()
        return list(_providers)


def find_provider(name: str | None) -> Provider | None:
    """The provider called ``name`` (either side's name, an alias or a scheme), or None."""
    if not name:
        return None
    key = str(name).strip().lower()
    with _lock:
        _ensure_loaded()
        if key not in _by_name and key not in _by_scheme:
            _ensure_plugins()
        return _by_name.get(key) or _by_scheme.get(key)


def get_provider(name: str) -> Provider:
    """Like :func:`find_provider`, but an unknown name is a :class:`~omefs.errors.ConfigError`."""
    found = find_provider(name)
    if found is None:
        from omefs.errors import ConfigError

        known = ", ".join(p.name for p in all_providers())
        raise ConfigError(f"unknown provider {name!r}; known providers: {known}",
                          operation="resolve")
    return found


def provider_for_scheme(scheme: str) -> Provider | None:
    """The provider whose URIs start with ``scheme://``, or None."""
    key = scheme.strip().lower()
    with _lock:
        _ensure_loaded()
        if key not in _by_scheme:
            _ensure_plugins()
        return _by_scheme.get(key)


def provider_of(fs: Any) -> Provider:
    """The provider the filesystem instance ``fs`` reaches.

    A filesystem no provider claims gets a generic provider named after its
    protocol: everything works through fsspec, with no provider-specific
    shortcuts.
    """
    with _lock:
        _ensure_loaded()
        known = list(_providers)
    for prov in known:
        if prov.owns(fs):
            return prov
    for prov in all_providers():  # the plug-ins too
        if prov not in known and prov.owns(fs):
            return prov
    proto = fs.protocol[0] if isinstance(fs.protocol, (list, tuple)) else fs.protocol
    return _generic(str(proto))


_generic_cache: dict[str, Provider] = {}


def _generic(protocol: str) -> Provider:
    with _lock:
        found = _generic_cache.get(protocol)
        if found is None:
            found = type(f"GenericProvider_{protocol}", (Provider,),
                         {"name": protocol, "label": protocol, "schemes": (protocol,)})()
            _generic_cache[protocol] = found
        return found


def auth_provider(name: str) -> str | None:
    """The auth-side name (``aws``, ``gcp``…) for any spelling, or None if unknown."""
    found = find_provider(name)
    return (found.auth_name or None) if found is not None else None


def storage_provider(name: str) -> str | None:
    """The storage-side name (``s3``, ``gcs``…) for any spelling, or None if unknown."""
    found = find_provider(name)
    return found.name if found is not None else None
