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

import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from omefs.flags import env_flag

__all__ = ["obstore_available", "is_loopback", "client_options", "retry_config", "expiry", "shared_store"]

REFRESH_MARGIN = timedelta(minutes=5)
#: Stores kept for reuse (the least recently used is dropped beyond this many).
SHARED_STORES = 64
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


_stores: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_stores_lock = threading.Lock()


def shared_store(store_class: Any, bucket: str, config: dict[str, Any], **kwargs: Any) -> Any:
    """``store_class(bucket, config=config, **kwargs)``, built once per process for equal arguments.

    Building an obstore store costs several milliseconds of CPU (its HTTP
    client and TLS roots), and one command asks for the same bucket from
    several places (the listing front, the copy engine, a signer): they now
    share one store and its connection pool. A credential provider is keyed
    by identity (the cached store holds it, so the identity cannot be
    reused while the entry lives).
    """
    key = (store_class, bucket, tuple(sorted((k, repr(v)) for k, v in config.items())),
           tuple(sorted((k, id(v) if k == "credential_provider" else repr(v)) for k, v in kwargs.items())))
    # Built under the lock: two threads asking at once (the front and the engine) get one
    # store; the constructor holds the GIL, so building two at once would gain nothing.
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = store_class(bucket, config=config, **kwargs)
            while len(_stores) > SHARED_STORES:
                _stores.popitem(last=False)
        _stores.move_to_end(key)
        return store
