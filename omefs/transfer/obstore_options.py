"""What every obstore store the engine builds shares: availability, timeouts, retries, expiry.

Each provider's ``store.py`` builds its own obstore store from its
filesystem's options and credentials; the generic pieces are here:
whether obstore may be used at all (``OMEFS_TRANSFER_OBSTORE=0`` turns the
obstore data plane off), loopback detection (emulators), client options,
the request-level retry policy, and the ``expires_at`` handed back to
obstore by credential providers (before the SDK's own expiry, so refresh
stays the SDK's).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from omefs.flags import env_flag

__all__ = ["obstore_available", "is_loopback", "client_options", "retry_config", "expiry"]

REFRESH_MARGIN = timedelta(minutes=5)
UNKNOWN_EXPIRY_TTL = timedelta(minutes=5)


def obstore_available() -> bool:
    """Whether obstore is importable and not turned off by ``OMEFS_TRANSFER_OBSTORE=0``."""
    if env_flag("OMEFS_TRANSFER_OBSTORE") is False:
        return False
    try:
        import obstore  # noqa: F401
    except ImportError:
        return False
    return True


def is_loopback(url: str | None) -> bool:
    """Whether ``url`` points at this machine (an emulator or a local proxy)."""
    if not url:
        return False
    host = (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def retry_config(retries: int) -> dict[str, Any]:
    """obstore's per-request retry policy: ``retries`` attempts, exponential backoff."""
    return {
        "max_retries": max(0, retries),
        "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=15),
                    "base": 2},
        "retry_timeout": timedelta(minutes=3),
    }


def client_options(endpoint: str | None, verify: Any = True) -> dict[str, Any]:
    """HTTP client options for a store at ``endpoint`` (None: the service's public one)."""
    options: dict[str, Any] = {
        "connect_timeout": timedelta(seconds=10),
        # A streamed GET of a large object is one request: the overall limit is
        # generous, and a stalled connection is caught by the read timeout instead.
        "timeout": timedelta(hours=6),
        "read_timeout": timedelta(seconds=120),
    }
    if is_loopback(endpoint):
        # Emulators on Node/werkzeug close idle keep-alive connections after ~5 s;
        # never reuse one that old (a reused dead connection costs a retry).
        options["pool_idle_timeout"] = timedelta(seconds=3)
    if endpoint and endpoint.startswith("http://"):
        options["allow_http"] = True
    if verify is False:
        options["allow_invalid_certificates"] = True
    return options


def _aware(when: Any) -> datetime | None:
    if when is None:
        return None
    if isinstance(when, (int, float)):
        return datetime.fromtimestamp(when, timezone.utc)
    if isinstance(when, datetime):
        # obstore accepts exactly datetime.timezone.utc (not dateutil's tzutc/tzlocal)
        aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc)
    return None


def expiry(when: Any) -> datetime:
    """When obstore should ask again: before the SDK's own expiry, never in the past."""
    now = datetime.now(timezone.utc)
    aware = _aware(when)
    if aware is None:
        return now + UNKNOWN_EXPIRY_TTL
    return max(now + timedelta(seconds=30), aware - REFRESH_MARGIN)
