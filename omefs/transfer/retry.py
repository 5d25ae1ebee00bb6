"""Which failures are worth another attempt (the wait itself is :class:`omefs.retry.Backoff`'s).

Two layers retry in a transfer. obstore (and each fsspec library) retry a
single HTTP request on 5xx, 429 and connection errors. This module is the
object layer above them: it retries a whole object when a request still
failed, when a body was cut short or reset mid-stream (which no request
layer can resume), or when the bytes did not verify. Waits are omefs's one
backoff policy (:mod:`omefs.retry`): exponential with full jitter, never
shorter than a server's ``Retry-After``.

Not retried: missing objects, refused credentials, denied permissions and
invalid input — another attempt would fail the same way.
"""

from __future__ import annotations

import asyncio
import re

from omefs.errors import (
    AuthError,
    ConfigError,
    EncryptionKeyError,
    InvalidURIError,
    NotFoundError,
    PermissionDeniedError,
)
from omefs.providers.error_mapping import classify, exception_chain
from omefs.retry import Backoff
from omefs.transfer.verify import IntegrityError

__all__ = ["BACKOFF", "is_retryable", "sleep_before_retry", "RETRYABLE_STATUS"]

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_THROTTLE_CODES = frozenset({
    "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
    "InternalError", "ServiceUnavailable", "ServerBusy", "OperationTimedOut", "TooManyRequests",
    "RequestLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded", "backendError",
    "InternalServerError",
})
_TRANSIENT_TEXT = re.compile(
    r"(connection (reset|closed|aborted|refused)|broken pipe|timed? ?out|timeout|"
    r"error decoding response body|incomplete ?read|unexpected eof|end of file|"
    r"server disconnected|payload|premature|truncated|"
    r"status(?: code)?:? (?:408|429|5\d\d)|\b(?:408|429|500|502|503|504) (?:[A-Z][a-z]+)|"
    r"too many requests|slow ?down|service unavailable|internal server error)",
    re.IGNORECASE,
)
#: How long the engine waits before another attempt at an object.
BACKOFF = Backoff(base_delay=0.5, max_delay=30.0, max_retry_after=300.0)


_NEVER = (NotFoundError, AuthError, PermissionDeniedError, ConfigError, InvalidURIError,
          FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError,
          TypeError, AttributeError, KeyError, NotImplementedError)


def _status_and_code(exc: BaseException) -> tuple[int | None, str | None]:
    from omefs.providers.error_mapping import _code_and_status

    code, status = _code_and_status(exc)
    if status is None:
        for attr in ("status", "status_code", "code"):
            value = getattr(exc, attr, None)
            if isinstance(value, int) and 100 <= value < 600:
                status = value
                break
    return status, code


def is_retryable(exc: BaseException) -> bool:
    """Whether another attempt at the object may succeed."""
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, asyncio.CancelledError):
        return False
    if classify(exc) is EncryptionKeyError:  # the same request without the key fails again
        return False
    for link in exception_chain(exc):
        status, code = _status_and_code(link)
        if code in _THROTTLE_CODES or (status is not None and status in RETRYABLE_STATUS):
            return True
        if status is not None and 400 <= status < 500:
            return False
    if isinstance(exc, _NEVER):
        return False
    module = type(exc).__module__
    name = type(exc).__name__
    if module.startswith("obstore"):
        return name in ("GenericError", "JoinError") and not _looks_permanent(str(exc))
    if isinstance(exc, (ConnectionError, TimeoutError, asyncio.TimeoutError, EOFError)):
        return True
    transient_names = ("IncompleteRead", "ClientPayloadError", "ServerDisconnectedError",
                       "ClientConnectionError", "ClientOSError", "ReadTimeoutError",
                       "ConnectTimeoutError", "EndpointConnectionError", "ConnectionClosedError",
                       "ProtocolError", "ServiceRequestError", "ServiceResponseError",
                       "IncompleteReadError", "ChunkedEncodingError", "ResponseStreamingError")
    if any(n in name for n in transient_names):
        return True
    if isinstance(exc, OSError):
        return bool(_TRANSIENT_TEXT.search(str(exc)))
    return bool(_TRANSIENT_TEXT.search(str(exc)))


def _looks_permanent(text: str) -> bool:
    low = text.lower()
    if _TRANSIENT_TEXT.search(text):
        return False
    return any(s in low for s in ("404", "not found", "403", "401", "forbidden", "unauthorized",
                                  "access denied", "invalid", "bad request"))


async def sleep_before_retry(attempt: int, exc: BaseException, *,
                            policy: Backoff = BACKOFF) -> float:
    """Sleep as ``policy`` says before attempt ``attempt + 1`` (full jitter, never less than
    the server's ``Retry-After``); returns how long."""
    delay = policy.delay(attempt, exc)
    await asyncio.sleep(delay)
    return delay
