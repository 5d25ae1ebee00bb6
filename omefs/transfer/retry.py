"""Which failures are worth another attempt, and how long to wait before it.

Two layers retry in a transfer. obstore (and each fsspec library) retry a
single HTTP request on 5xx, 429 and connection errors. This module is the
object layer above them: it retries a whole object when a request still
failed, when a body was cut short or reset mid-stream (which no request
layer can resume), or when the bytes did not verify. Waits grow
exponentially with full jitter and honour a server's ``Retry-After``.

Not retried: missing objects, refused credentials, denied permissions and
invalid input — another attempt would fail the same way.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import re
import time
from typing import Any

from omefs.errors import (
    AuthError,
    ConfigError,
    InvalidURIError,
    NotFoundError,
    PermissionDeniedError,
)
from omefs.providers.error_mapping import exception_chain
from omefs.transfer.verify import IntegrityError

__all__ = ["is_retryable", "retry_after", "backoff_delay", "sleep_before_retry", "RETRYABLE_STATUS"]

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
_RETRY_AFTER_TEXT = re.compile(r"retry-after[\"']?\s*[:=]\s*[\"']?(\d+(?:\.\d+)?)", re.IGNORECASE)

BASE_DELAY = 0.5
MAX_DELAY = 30.0
MAX_RETRY_AFTER = 300.0


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


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (``Retry-After``), if the error carries it."""
    for link in exception_chain(exc):
        headers: Any = None
        response = getattr(link, "response", None)
        if isinstance(response, dict):  # botocore ClientError
            headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders")
        elif response is not None:
            headers = getattr(response, "headers", None)
        if headers is None:
            headers = getattr(link, "headers", None)
        value = None
        if headers is not None:
            try:
                value = headers.get("Retry-After") or headers.get("retry-after")
            except AttributeError:
                value = None
        if value is None:
            match = _RETRY_AFTER_TEXT.search(str(link))
            value = match.group(1) if match else None
        seconds = _parse_retry_after(value)
        if seconds is not None:
            return min(seconds, MAX_RETRY_AFTER)
    return None


def _parse_retry_after(value: Any) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, exc: BaseException | None = None, *,
                  base: float = BASE_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1).

    Exponential with full jitter (uniform in ``[0, base·2^(attempt-1)]``,
    capped), but never less than the server's ``Retry-After``.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = random.uniform(0, ceiling)
    asked = retry_after(exc) if exc is not None else None
    if asked is not None:
        delay = max(delay, asked)
    return delay


async def sleep_before_retry(attempt: int, exc: BaseException, *, base: float = BASE_DELAY) -> float:
    """Sleep :func:`backoff_delay` seconds; returns how long."""
    delay = backoff_delay(attempt, exc, base=base)
    await asyncio.sleep(delay)
    return delay
