"""Auth resolvers: one provider-neutral config, each SDK's own credentials.

``resolve(config)`` returns :class:`Credentials`; ``register`` adds a
resolver for a provider and auth type. Each provider's resolvers live in
their own module (``omefs.providers.aws.auth``, ``omefs.providers.oci.auth``…).
"""

from omefs.auth.base import Credentials, Resolver
from omefs.auth.registry import get_resolver, known_auth_types, known_providers, register
from omefs.auth.resolve import resolve

__all__ = [
    "Credentials",
    "Resolver",
    "register",
    "resolve",
    "get_resolver",
    "known_auth_types",
    "known_providers",
]
