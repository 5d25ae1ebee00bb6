"""Resolving a config, following its fallback chain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omefs.auth.base import Credentials
from omefs.auth.registry import get_resolver
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError, OmefsError
from omefs.redact import get_logger, redact_text

__all__ = ["resolve"]

log = get_logger(__name__)


def resolve(config: AuthConfig | Mapping[str, Any]) -> Credentials:
    """Turn a config into :class:`Credentials`, trying each fallback in turn.

    The first link that resolves wins. When every link fails, one
    :class:`AuthError` lists each link, its auth type and why it failed.
    An unknown provider or auth type is a :class:`ConfigError` at once:
    that is a mistake in the config, not a credential that is missing.
    """
    config = AuthConfig.from_dict(config)
    failures: list[str] = []
    links = config.chain()
    for index, link in enumerate(links):
        resolver = get_resolver(link.provider, link.auth_type)
        try:
            creds = resolver(link)
        except (ConfigError, AuthError, OmefsError) as exc:
            reason = str(exc)
        except Exception as exc:  # an SDK's own error: report it, typed
            reason = f"{type(exc).__name__}: {redact_text(str(exc))}"
        else:
            if index:
                log.info(
                    "auth for %s resolved by fallback link %d (%s)",
                    link.provider, index + 1, link.auth_type,
                )
            return creds
        log.debug("auth link %d (%s/%s) failed: %s", index + 1, link.provider, link.auth_type, reason)
        failures.append(f"  {index + 1}. {link.provider}/{link.auth_type}: {reason}")
    if len(links) == 1:
        raise AuthError(
            f"could not resolve {config.provider}/{config.auth_type} credentials: "
            f"{failures[0].split(': ', 1)[1]}",
            operation="resolve",
            provider=config.provider,
        )
    raise AuthError(
        f"no link of the auth chain resolved ({len(links)} tried):\n" + "\n".join(failures),
        operation="resolve",
        provider=config.provider,
    )
