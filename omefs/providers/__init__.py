"""Providers: one package per storage service, and the registry that finds them.

* :mod:`omefs.providers.base` — the :class:`Provider` base class and
  :class:`Capabilities`;
* :mod:`omefs.providers.registry` — providers by name, alias, scheme and
  filesystem; the ``omefs.providers`` entry-point group;
* ``aws/``, ``gcp/``, ``azure/``, ``oci/``, ``github/`` — omefs's own, each
  owning its URI grammar, auth types, filesystem and SDK details;
  :mod:`omefs.providers.local` — local files and fsspec's memory filesystem.

Shared code (the engine, the facade, the CLI) asks these; it names no provider.
"""

from omefs.providers.base import Capabilities, Provider
from omefs.providers.registry import (
    all_providers,
    auth_provider,
    find_provider,
    get_provider,
    provider_for_scheme,
    provider_of,
    register_provider,
    storage_provider,
)

__all__ = [
    "Capabilities",
    "Provider",
    "all_providers",
    "auth_provider",
    "find_provider",
    "get_provider",
    "provider_for_scheme",
    "provider_of",
    "register_provider",
    "storage_provider",
]
