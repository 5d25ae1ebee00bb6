"""The registry of resolvers, keyed by ``(provider, auth_type)``.

omefs's own resolvers live one module per provider (``omefs.providers.aws.auth``…)
and register themselves when imported; a module is imported the first time
its provider is asked for. Third parties add providers or auth types with
:func:`register` or through the ``omefs.auth`` entry-point group (name
``provider.auth_type``, value the resolver), without touching omefs.

The entry points are read only when omefs's own resolvers do not answer
(an unknown type, an unknown setting) or when the known types are listed:
reading them scans every installed package's metadata. A plug-in adds
auth types; one that names an omefs type is skipped, with a warning.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar, overload

from omefs.auth.base import Resolver
from omefs.errors import ConfigError
from omefs.providers import all_providers, auth_provider, find_provider
from omefs.redact import get_logger

__all__ = [
    "SHARED_SETTINGS",
    "accepted_settings",
    "check_settings",
    "declare_settings",
    "get_resolver",
    "known_auth_types",
    "known_providers",
    "register",
]

log = get_logger(__name__)

ENTRY_POINT_GROUP = "omefs.auth"

_lock = threading.RLock()
_resolvers: dict[tuple[str, str], Resolver] = {}
_loaded_builtin: set[str] = set()
_entry_points_loaded = False

#: Settings every auth type of every provider takes: where the store is,
#: which region, and the settings of features that apply to any provider
#: (server-side encryption, default storage class, TLS).
SHARED_SETTINGS: frozenset[str] = frozenset({
    "endpoint_url", "region", "encryption", "storage_class", "default_storage_class",
    "ca_bundle", "allow_http", "verify",
})
#: Each auth type's own settings, declared where it is registered.
_type_settings: dict[tuple[str, str], frozenset[str]] = {}
#: Settings every auth type of one provider takes (its shared and features' settings).
_provider_settings: dict[str, set[str]] = {}


R = TypeVar("R", bound=Resolver)


@overload
def register(provider: str, auth_type: str, *,
             settings: Iterable[str] | None = None) -> Callable[[R], R]: ...
@overload
def register(provider: str, auth_type: str, resolver: R, *,
             settings: Iterable[str] | None = None) -> R: ...
def register(provider: str, auth_type: str, resolver=None, *, settings=None):  # type: ignore[no-untyped-def]
    """Register ``resolver`` for ``(provider, auth_type)``; usable as a decorator.

    A provider name that is not one of omefs's five is registered as it is
    (lower-cased), so a new provider needs nothing more than this call.
    ``settings`` names the settings the type reads (with their aliases):
    a config of the provider with a key that none of its types declares
    (nor :func:`declare_settings`, nor :data:`SHARED_SETTINGS`) is a
    :class:`ConfigError` that suggests the nearest accepted key. A type
    registered without ``settings`` takes any.
    """
    key = (auth_provider(provider) or provider.strip().lower(), auth_type.strip().lower())

    def decorate(fn: R) -> R:
        with _lock:
            _resolvers[key] = fn
            if settings is not None:
                _type_settings[key] = frozenset(settings)
        return fn

    return decorate(resolver) if resolver is not None else decorate


def _load(provider: str) -> None:
    """Import omefs's own resolvers of ``provider`` (once)."""
    with _lock:
        owner = find_provider(provider) if provider else None
        if owner is not None and owner.auth_module and provider not in _loaded_builtin:
            _loaded_builtin.add(provider)
            try:
                owner.load_auth()
            except ImportError as exc:
                _loaded_builtin.discard(provider)
                raise ConfigError(
                    f"provider {provider!r} needs optional dependencies that are not "
                    f"installed ({exc.name or exc}); install omefs[{owner.extra or owner.name}]",
                    operation="resolve",
                    provider=provider,
                ) from None


def _load_plugins() -> None:
    """Read the ``omefs.auth`` entry points (once), after every one of omefs's own resolvers."""
    global _entry_points_loaded
    with _lock:
        if _entry_points_loaded:
            return
        _entry_points_loaded = True
        for owner in all_providers():
            if owner.auth_module and owner.auth_name:
                try:
                    _load(owner.auth_name)
                except ConfigError:  # its extra is not installed
                    pass
        from importlib.metadata import entry_points

        own = set(_resolvers)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            prov, _, atype = ep.name.replace(":", ".").partition(".")
            if (auth_provider(prov) or prov.strip().lower(), atype.strip().lower()) in own:
                log.warning("omefs.auth entry point %r names an auth type omefs has; skipped", ep.name)
                continue
            try:
                register(prov, atype, ep.load())
            except Exception as exc:  # a broken plug-in must not break omefs
                log.warning("omefs.auth entry point %r failed to load: %s", ep.name, exc)


def known_providers() -> list[str]:
    """Every provider with at least one registered auth type (built-in ones always)."""
    _load_plugins()
    with _lock:
        builtin = {p.auth_name for p in all_providers() if p.auth_module}
        return sorted(builtin | {p for p, _ in _resolvers})


def known_auth_types(provider: str) -> list[str]:
    """The registered auth types of ``provider``."""
    prov = auth_provider(provider) or provider.strip().lower()
    _load(prov)
    _load_plugins()
    with _lock:
        return sorted(t for p, t in _resolvers if p == prov)


def get_resolver(provider: str, auth_type: str) -> Resolver:
    """The resolver for ``(provider, auth_type)``; :class:`ConfigError` listing the known ones."""
    prov = auth_provider(provider) or provider.strip().lower()
    _load(prov)
    with _lock:
        resolver = _resolvers.get((prov, auth_type))
    if resolver is None:
        _load_plugins()
        with _lock:
            resolver = _resolvers.get((prov, auth_type))
    if resolver is not None:
        return resolver
    if prov not in known_providers():
        raise ConfigError(
            f"unknown provider {provider!r}; known providers: {', '.join(known_providers())}",
            operation="resolve",
        )
    raise ConfigError(
        f"unknown auth_type {auth_type!r} for provider {prov!r}; "
        f"known auth types: {', '.join(known_auth_types(prov))}",
        operation="resolve",
        provider=prov,
    )


def declare_settings(provider: str, names: Iterable[str]) -> None:
    """Accept ``names`` in the settings of every auth type of ``provider`` (its shared settings)."""
    prov = auth_provider(provider) or provider.strip().lower()
    with _lock:
        _provider_settings.setdefault(prov, set()).update(names)


def accepted_settings(provider: str, auth_type: str) -> frozenset[str] | None:
    """Every setting key a config of ``(provider, auth_type)`` takes; None: any (undeclared type).

    The keys are those every type of the provider declares, the provider's
    shared ones, :data:`SHARED_SETTINGS` and the type names (OME nests a
    type's settings under its name).
    """
    prov = auth_provider(provider) or provider.strip().lower()
    try:
        _load(prov)
    except ConfigError:  # the provider's extra is not installed: resolving will say so
        return None
    with _lock:
        if (prov, auth_type) not in _resolvers:
            _load_plugins()  # a plug-in's type
        if (prov, auth_type) not in _type_settings:
            return None
        # Every type's settings of the provider: a resolver may hand its config on to
        # another type of the same provider (``default`` does), and a fallback or source
        # may be nested under a type's name.
        types = {t for p, t in _resolvers if p == prov}
        declared = set().union(*(names for (p, _), names in _type_settings.items() if p == prov))
        return frozenset(declared | SHARED_SETTINGS | _provider_settings.get(prov, set()) | types)


def check_settings(provider: str, auth_type: str, settings: Mapping[str, object]) -> None:
    """Raise :class:`ConfigError` for a setting key ``(provider, auth_type)`` does not take.

    The message names the key, the nearest accepted one ("did you mean")
    and every accepted key, so that a typo (``endpoint`` for
    ``endpoint_url``) never falls through to the provider's default (a
    real cloud).
    """
    accepted = accepted_settings(provider, auth_type)
    if accepted is None:
        return
    unknown = sorted(str(k) for k in settings if str(k) not in accepted)
    if unknown and not _entry_points_loaded:  # a plug-in's type of the provider may take them
        _load_plugins()
        accepted = accepted_settings(provider, auth_type) or frozenset(settings)
        unknown = sorted(str(k) for k in settings if str(k) not in accepted)
    if not unknown:
        return
    prov = auth_provider(provider) or provider.strip().lower()
    import difflib

    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, sorted(accepted), n=1, cutoff=0.6)
        if not close and len(key) >= 3:  # a prefix of one key (endpoint, account)
            close = [k for k in sorted(accepted) if k.startswith(key)][:1]
        hints.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    raise ConfigError(
        f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(hints)} for {prov}/{auth_type}; "
        f"accepted: {', '.join(sorted(accepted))}",
        operation="config", provider=prov,
    )
