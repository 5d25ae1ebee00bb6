"""The registry of resolvers, keyed by ``(provider, auth_type)``.

omefs's own resolvers live one module per provider (``omefs.providers.aws.auth``…)
and register themselves when imported; a module is imported the first time
its provider is asked for. Third parties add providers or auth types with
:func:`register` or through the ``omefs.auth`` entry-point group (name
``provider.auth_type``, value the resolver), without touching omefs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TypeVar, overload

from omefs.auth.base import Resolver
from omefs.errors import ConfigError
from omefs.providers import all_providers, auth_provider, find_provider
from omefs.redact import get_logger

__all__ = ["register", "get_resolver", "known_providers", "known_auth_types"]

log = get_logger(__name__)

ENTRY_POINT_GROUP = "omefs.auth"

_lock = threading.RLock()
_resolvers: dict[tuple[str, str], Resolver] = {}
_loaded_builtin: set[str] = set()
_entry_points_loaded = False


R = TypeVar("R", bound=Resolver)


@overload
def register(provider: str, auth_type: str) -> Callable[[R], R]: ...
@overload
def register(provider: str, auth_type: str, resolver: R) -> R: ...
def register(provider: str, auth_type: str, resolver=None):  # type: ignore[no-untyped-def]
    """Register ``resolver`` for ``(provider, auth_type)``; usable as a decorator.

    A provider name that is not one of omefs's five is registered as it is
    (lower-cased), so a new provider needs nothing more than this call.
    """
    key = (auth_provider(provider) or provider.strip().lower(), auth_type.strip().lower())

    def decorate(fn: R) -> R:
        with _lock:
            _resolvers[key] = fn
        return fn

    return decorate(resolver) if resolver is not None else decorate


def _load(provider: str) -> None:
    global _entry_points_loaded
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
        if not _entry_points_loaded:
            _entry_points_loaded = True
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                prov, _, atype = ep.name.replace(":", ".").partition(".")
                try:
                    register(prov, atype, ep.load())
                except Exception as exc:  # a broken plug-in must not break omefs
                    log.warning("omefs.auth entry point %r failed to load: %s", ep.name, exc)


def known_providers() -> list[str]:
    """Every provider with at least one registered auth type (built-in ones always)."""
    _load("")
    with _lock:
        builtin = {p.auth_name for p in all_providers() if p.auth_module}
        return sorted(builtin | {p for p, _ in _resolvers})


def known_auth_types(provider: str) -> list[str]:
    """The registered auth types of ``provider``."""
    prov = auth_provider(provider) or provider.strip().lower()
    _load(prov)
    with _lock:
        return sorted(t for p, t in _resolvers if p == prov)


def get_resolver(provider: str, auth_type: str) -> Resolver:
    """The resolver for ``(provider, auth_type)``; :class:`ConfigError` listing the known ones."""
    prov = auth_provider(provider) or provider.strip().lower()
    _load(prov)
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
