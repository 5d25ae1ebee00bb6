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

Resolution happens once per config per process: :func:`resolve` keeps the
:class:`Credentials` it returned in a small cache keyed by a keyed hash of
the whole config (provider, auth type, region, settings — secrets
included, hashed — and the fallback chain) and of the environment the
resolvers read. Every filesystem, obstore store and client built from one
config in one process therefore shares one SDK credential object — one
token exchange (one STS ``AssumeRole``…), refreshed by the SDK as it
expires, never frozen. An entry is dropped when its credentials report
:attr:`~Credentials.expired` and cannot be refreshed, and in any case after
:data:`CACHE_MAX_AGE` seconds, so nothing expired is kept forever;
different configs (another role, another key) never share an entry.
:func:`clear_cache` empties it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from omefs.auth.base import Credentials
from omefs.auth.registry import get_resolver
from omefs.config import MAX_FALLBACK_DEPTH, AuthConfig
from omefs.errors import AuthError, ConfigError, OmefsError
from omefs.redact import get_logger, install_sdk_log_redaction, redact_text

__all__ = ["resolve", "ResolveFailure", "clear_cache", "CACHE_MAX_AGE", "CACHE_SIZE"]

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


#: Seconds a cached resolution is reused at most (the SDK refreshes within it).
CACHE_MAX_AGE = 3600.0
#: Configs whose credentials are kept at once (least recently used dropped first).
CACHE_SIZE = 64

_cache_lock = threading.Lock()
_cache: OrderedDict[str, tuple[float, Credentials]] = OrderedDict()
_key_locks: dict[str, threading.RLock] = {}
_KEY = os.urandom(32)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _file_state(text: str) -> str | None:
    """``size:mtime`` of the file ``text`` names, if it names one (a key file, a token file…)."""
    if not text or len(text) > 4096 or "\n" in text or not text.startswith(("/", "~")):
        return None
    try:
        st = os.stat(os.path.expanduser(text))
    except (OSError, ValueError):
        return None
    return f"{st.st_size}:{st.st_mtime_ns}" if stat.S_ISREG(st.st_mode) else None


def _cache_key(config: AuthConfig) -> str:
    """A keyed hash of the config (secrets included, never in clear) and of what it reads.

    The environment is part of it because resolvers read it (``AWS_PROFILE``,
    ``GOOGLE_APPLICATION_CREDENTIALS``…): other variables, other credentials.
    So is the state of every file a setting or a variable names (a key file
    rewritten in place is another credential).
    """
    env = hmac.new(_KEY, digestmod=hashlib.sha256)
    whole_config = config.to_dict(redact=False)
    for name, value in sorted(os.environ.items()):
        env.update(f"{name}={value}\0".encode("utf-8", "surrogateescape"))
    for text in sorted(set(_strings(whole_config)) | set(os.environ.values())):
        state = _file_state(text)
        if state is not None:
            env.update(f"{text}@{state}\0".encode("utf-8", "surrogateescape"))
    whole = json.dumps(whole_config, sort_keys=True, default=str)
    digest = hmac.new(_KEY, whole.encode("utf-8", "surrogateescape"), hashlib.sha256)
    digest.update(env.digest())
    return digest.hexdigest()


def _usable(stamp: float, creds: Credentials) -> bool:
    """Whether a cached entry may be handed out again (refreshing it if it says so)."""
    if time.monotonic() - stamp > CACHE_MAX_AGE:
        return False
    try:
        if creds.expired:
            creds.refresh()
            return not creds.expired
    except Exception as exc:  # noqa: BLE001 - then resolve again
        log.debug("cached %s/%s credentials could not refresh: %s", creds.provider,
                  creds.auth_type, _reason(exc))
        return False
    return True


def clear_cache() -> None:
    """Forget every cached resolution (the next :func:`resolve` of each config resolves again)."""
    with _cache_lock:
        _cache.clear()
        _key_locks.clear()


def resolve(config: AuthConfig | Mapping[str, object]) -> Credentials:
    """Turn a config into :class:`Credentials`, trying each fallback in turn.

    The first link that resolves wins (``creds.config`` is that link). When
    every link fails, one :class:`AuthError` lists each link, its auth type
    and why it failed; ``err.failures`` holds the same as
    :class:`ResolveFailure` objects. An unknown provider or auth type is a
    :class:`~omefs.errors.ConfigError` at once.

    The same config resolved again in this process returns the same
    :class:`Credentials` object (see the module's notes on the cache);
    failures are never cached.
    """
    config = AuthConfig.from_dict(config)
    key = _cache_key(config)
    with _cache_lock:
        lock = _key_locks.setdefault(key, threading.RLock())
    with lock:  # one resolution per config at a time: a second caller waits for the first
        with _cache_lock:
            entry = _cache.get(key)
        if entry is not None and _usable(*entry):
            with _cache_lock:
                if key in _cache:
                    _cache.move_to_end(key)
            return entry[1]
        creds = _resolve_chain(config)
        with _cache_lock:
            _cache[key] = (time.monotonic(), creds)
            _cache.move_to_end(key)
            while len(_cache) > CACHE_SIZE:
                dropped, _ = _cache.popitem(last=False)
                _key_locks.pop(dropped, None)
        return creds


def _resolve_chain(config: AuthConfig) -> Credentials:
    """Resolve ``config``, then its fallbacks, until one link resolves."""
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
