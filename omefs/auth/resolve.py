"""Resolving a config, following its fallback chain.

``resolve(config)`` tries the config, then its ``fallback``, then the
fallback's fallback… (at most :data:`~omefs.config.MAX_FALLBACK_DEPTH`
links, checked when the config is built). The first link whose resolver
returns credentials wins. When none does, one :class:`AuthError` lists
every link — its number, provider, auth type and the reason it failed —
with every secret masked.

A link fails when its resolver raises :class:`AuthError` (the credentials
could not be obtained), :class:`ConfigError` (its settings are wrong) or
any SDK error (reported with its type, redacted). An unknown provider or
auth type is different: that is a mistake in the config rather than a
credential that is missing here, so it raises :class:`ConfigError` at once
instead of falling through to the next link.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from omefs.auth.base import Credentials
from omefs.auth.registry import get_resolver
from omefs.config import MAX_FALLBACK_DEPTH, AuthConfig
from omefs.errors import AuthError, ConfigError, OmefsError
from omefs.redact import get_logger, install_sdk_log_redaction, redact_text

__all__ = ["resolve", "ResolveFailure"]

log = get_logger(__name__)

# SDK loggers (botocore, azure, google-auth…) are redacted too once omefs resolves credentials.
install_sdk_log_redaction()


class ResolveFailure:
    """Why one link of a chain did not resolve (kept on :attr:`AuthError.failures`)."""

    def __init__(self, index: int, provider: str, auth_type: str, reason: str) -> None:
        self.index = index
        self.provider = provider
        self.auth_type = auth_type
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.index}. {self.provider}/{self.auth_type}: {self.reason}"

    def __repr__(self) -> str:
        return f"ResolveFailure({str(self)!r})"


def _reason(exc: BaseException) -> str:
    """The message of ``exc`` without omefs's ``(operation=…, provider=…)`` suffix, redacted."""
    if isinstance(exc, OmefsError):
        text = exc.message
        for suffix in _context_suffixes(exc):
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                break
        return redact_text(text.strip())
    return f"{type(exc).__name__}: {redact_text(str(exc).strip())}"


def _context_suffixes(exc: OmefsError) -> list[str]:
    parts = [f"{name}={value}" for name, value in
             (("operation", exc.operation), ("uri", exc.uri), ("provider", exc.provider)) if value]
    return [f" ({', '.join(parts)})"] if parts else []


def resolve(config: AuthConfig | Mapping[str, Any]) -> Credentials:
    """Turn a config into :class:`Credentials`, trying each fallback in turn.

    The first link that resolves wins (``creds.config`` is that link). When
    every link fails, one :class:`AuthError` lists each link, its auth type
    and why it failed; ``err.failures`` holds the same as
    :class:`ResolveFailure` objects. An unknown provider or auth type is a
    :class:`~omefs.errors.ConfigError` at once.
    """
    config = AuthConfig.from_dict(config)
    failures: list[ResolveFailure] = []
    links = config.chain()
    for index, link in enumerate(links, 1):
        resolver = get_resolver(link.provider, link.auth_type)
        try:
            creds = resolver(link)
        except ConfigError as exc:
            if len(links) == 1:  # bad settings, no chain: say so as what it is
                raise ConfigError(f"invalid {link.provider}/{link.auth_type} config: {_reason(exc)}",
                                  operation="resolve", provider=link.provider) from None
            reason = _reason(exc)
        except Exception as exc:  # every failure of a link is reported, typed
            reason = _reason(exc)
        else:
            if index > 1:
                log.info("auth for %s resolved by fallback link %d (%s) after %d failed",
                         link.provider, index, link.auth_type, index - 1)
            else:
                log.debug("auth %s/%s resolved", link.provider, link.auth_type)
            return creds
        log.debug("auth link %d (%s/%s) failed: %s", index, link.provider, link.auth_type, reason)
        failures.append(ResolveFailure(index, link.provider, link.auth_type, reason))
    if len(links) == 1:
        err = AuthError(
            f"could not resolve {config.provider}/{config.auth_type} credentials: {failures[0].reason}",
            operation="resolve", provider=config.provider,
        )
    else:
        err = AuthError(
            f"no link of the auth chain resolved ({len(links)} tried):\n"
            + "\n".join(f"  {failure}" for failure in failures),
            operation="resolve", provider=config.provider,
        )
    err.failures = failures  # type: ignore[attr-defined]
    raise err


_source_depth = threading.local()


def resolve_source(source: AuthConfig, what: str) -> Credentials:
    """Resolve the ``source`` config of a chaining auth type (assume_role, impersonation…).

    ``what`` names the dependent link in messages (``"aws assume_role"``).
    Nesting is bounded by :data:`~omefs.config.MAX_FALLBACK_DEPTH` across
    every provider, so a cycle of sources fails with :class:`ConfigError`
    instead of recursing; a source that does not resolve is an
    :class:`AuthError` naming the dependent link.
    """
    depth = getattr(_source_depth, "value", 0)
    if depth >= MAX_FALLBACK_DEPTH:
        raise ConfigError(f"{what}: source configs nest deeper than {MAX_FALLBACK_DEPTH} (a cycle?)",
                          operation="resolve", provider=source.provider)
    _source_depth.value = depth + 1
    try:
        return resolve(source)
    except AuthError as exc:
        raise AuthError(f"{what}: its source did not resolve: {exc.message}",
                        operation="resolve", provider=source.provider) from None
    finally:
        _source_depth.value = depth
