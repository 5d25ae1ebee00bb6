"""Retrying OCI calls: exponential backoff with full jitter, ``Retry-After``, one re-sign on 401.

:class:`RetryPolicy` says how often to try and for how long; the waits
between tries are omefs's one backoff policy, :class:`omefs.retry.Backoff`
(full jitter, never less than the server's ``Retry-After``, capped). Two
things use it:

* :class:`OCIRetryStrategy`, handed to the SDK's ``ObjectStorageClient`` as
  its ``retry_strategy``: every SDK call (ocifs's and omefs's) is retried
  on throttling (429), server errors (5xx but 501), ``409 IncorrectState``
  and connection errors and timeouts. A file-like request body is rewound
  before each attempt, using the SDK's own helpers.
* :func:`call_with_retries`, for work the SDK call does not cover: reading
  a response body that may be cut short, or a whole ranged read.

A ``401`` means the signature or token was not accepted. For signers that
hold a security token (instance, resource and OKE principals, session
tokens) the token may have expired or been revoked before its ``exp``: the
strategy asks the :class:`TokenRefresher` for a fresh token once and
re-sends; the signer re-signs with it. A second 401 is final. Concurrent
calls that fail together refresh the token once, not once each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from omefs.errors import TruncatedBodyError
from omefs.redact import get_logger
from omefs.retry import Backoff

__all__ = [
    "RetryPolicy",
    "OCIRetryStrategy",
    "TokenRefresher",
    "call_with_retries",
    "is_retryable",
]

log = get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try and how long to wait between tries.

    Args:
        max_attempts: attempts in all, the first included (1 = no retry).
        base_delay: the first backoff ceiling, in seconds; it doubles per attempt.
        max_delay: the largest backoff ceiling, in seconds.
        max_retry_after: the longest ``Retry-After`` honoured, in seconds (a
            server asking for an hour does not hang a pipeline for an hour).
        total_timeout: give up retrying once this many seconds have passed
            since the first attempt (None: no limit).
    """

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    total_timeout: float | None = 600.0

    def __post_init__(self) -> None:
        from omefs.errors import ConfigError

        if int(self.max_attempts) < 1:
            raise ConfigError(
                f"retries must be >= 0 (max_attempts >= 1), got max_attempts={self.max_attempts!r}",
                operation="config", provider="oci",
            )
        if self.base_delay < 0 or self.max_delay < 0:
            raise ConfigError("retry delays must be >= 0", operation="config", provider="oci")

    @property
    def waits(self) -> Backoff:
        """The backoff these delays and caps make."""
        return Backoff(self.base_delay, self.max_delay, self.max_retry_after)

    def backoff(self, attempt: int) -> float:
        """Full jitter: a uniform wait in ``[0, min(max_delay, base_delay * 2**(attempt-1))]``."""
        return self.waits.jitter(attempt)

    def delay(self, exc: BaseException, attempt: int) -> float:
        """The wait before the next attempt: the jittered backoff, but at least the
        server's ``Retry-After`` (capped at ``max_retry_after``)."""
        return self.waits.delay(attempt, exc)


def _status_and_code(exc: BaseException) -> tuple[int | None, str | None]:
    status = getattr(exc, "status", None)
    if type(exc).__name__ in ("ServiceError", "TransientServiceError") and isinstance(status, int):
        return status, getattr(exc, "code", None)
    return None, None


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is worth another attempt: throttling, 5xx, a reset or timeout, a cut body."""
    status, code = _status_and_code(exc)
    if status is not None:
        if status == 429 or status == -1:
            return True
        if status == 409 and code in ("IncorrectState", "LockConflict"):
            return True
        return status >= 500 and status != 501
    if isinstance(exc, TruncatedBodyError):
        return True
    # Connection errors and timeouts, from the SDK's vendored requests, plain
    # requests, urllib3 or the socket layer.
    name = type(exc).__name__
    if name in (
        "RequestException", "ConnectTimeout", "ConnectionError", "Timeout", "ReadTimeout",
        "ChunkedEncodingError", "ProtocolError", "IncompleteRead", "ReadTimeoutError",
        "ConnectTimeoutError", "NewConnectionError", "MaxRetryError", "RemoteDisconnected",
    ):
        return True
    return isinstance(exc, (ConnectionError, TimeoutError))


class TokenRefresher:
    """Refreshes a signer's security token once for a burst of 401s.

    ``signer`` is a callable returning the signer in use (it may change
    when a client is rebuilt). Callers take :attr:`generation` before a
    request; on a 401 they call :meth:`refresh` with it, and only the first
    of them whose generation is current asks the SDK for a new token.
    """

    def __init__(self, signer: Callable[[], Any]) -> None:
        self._signer = signer
        self._lock = threading.Lock()
        self.generation = 0

    @property
    def can_refresh(self) -> bool:
        """Whether the signer has a token to refresh (API-key signers have none)."""
        signer = self._signer()
        return signer is not None and callable(getattr(signer, "refresh_security_token", None))

    def refresh(self, seen_generation: int) -> bool:
        """Get a fresh token unless another caller already did since ``seen_generation``.

        Returns whether a re-sent request may now succeed.
        """
        if not self.can_refresh:
            return False
        with self._lock:
            if self.generation != seen_generation:
                return True
            signer = self._signer()
            log.info("request not authenticated (401); refreshing the security token and re-signing")
            signer.refresh_security_token()
            self.generation += 1
            return True


class OCIRetryStrategy:
    """An OCI SDK retry strategy (``make_retrying_call``) driven by a :class:`RetryPolicy`.

    Pass it as ``retry_strategy`` to an ``ObjectStorageClient`` (omefs's
    filesystem does). ``refresher`` enables the one re-sign on 401.
    """

    def __init__(self, policy: RetryPolicy | None = None, refresher: TokenRefresher | None = None):
        self.policy = policy or RetryPolicy()
        self.refresher = refresher
        self.circuit_breaker_callback: Callable[..., Any] | None = None

    def add_circuit_breaker_callback(self, callback: Callable[..., Any]) -> None:
        """Part of the SDK's strategy interface; kept for the SDK's circuit breaker, if one is set."""
        self.circuit_breaker_callback = callback

    def make_retrying_call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``func(*args, **kwargs)`` with retries; the SDK's strategy interface."""
        from oci.util import (
            record_body_position_for_rewind,
            rewind_body,
            should_record_body_position_for_retry,
        )

        rewindable_body = should_record_body_position_for_retry(func, **kwargs)
        return _retry_loop(
            lambda: func(*args, **kwargs),
            self.policy,
            self.refresher,
            before=(lambda: record_body_position_for_rewind(kwargs.get("body")))
            if rewindable_body else None,
            rewind=(lambda state: state[0] and rewind_body(kwargs.get("body"), state[1]))
            if rewindable_body else None,
            what=getattr(func, "__name__", "call"),
        )


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    refresher: TokenRefresher | None = None,
    *,
    what: str = "call",
    retry_on: Callable[[BaseException], bool] | None = None,
) -> T:
    """Call ``fn()`` with retries on :func:`is_retryable` errors (or ``retry_on``)."""
    return _retry_loop(fn, policy, refresher, what=what, retry_on=retry_on)


def _retry_loop(
    fn: Callable[[], T],
    policy: RetryPolicy,
    refresher: TokenRefresher | None,
    *,
    before: Callable[[], Any] | None = None,
    rewind: Callable[[Any], bool] | None = None,
    what: str = "call",
    retry_on: Callable[[BaseException], bool] | None = None,
) -> T:
    start = time.monotonic()
    attempt = 0
    resigned = False
    while True:
        state = before() if before is not None else None
        generation = refresher.generation if refresher is not None else 0
        try:
            return fn()
        except Exception as exc:
            attempt += 1
            status, _ = _status_and_code(exc)
            if status == 401 and not resigned and refresher is not None and refresher.refresh(generation):
                resigned = True
                wait = 0.0
            elif (retry_on or is_retryable)(exc) and attempt < policy.max_attempts and (
                policy.total_timeout is None or time.monotonic() - start < policy.total_timeout
            ):
                wait = policy.delay(exc, attempt)
            else:
                raise
            if rewind is not None and not rewind(state):
                raise
            log.debug(
                "%s failed (attempt %d of %d: %s); retrying in %.2fs",
                what, attempt, policy.max_attempts, _describe(exc), wait,
            )
            if wait:
                time.sleep(wait)


def _describe(exc: BaseException) -> str:
    status, code = _status_and_code(exc)
    if status is not None:
        return f"HTTP {status} {code or ''}".strip()
    return type(exc).__name__
