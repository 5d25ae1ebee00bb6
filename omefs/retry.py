"""One backoff policy for every retry in omefs: exponential, full jitter, ``Retry-After`` honoured.

The copy engine's object-level retries, the OCI client's request retries
and the GitHub client's rate-limit waits all wait the way
:class:`Backoff` says: a uniform wait in ``[0, min(max_delay,
base_delay·2^(attempt-1))]``, but never less than what the server asked for
in ``Retry-After`` (capped at ``max_retry_after``, so a server asking for an
hour does not hang a pipeline for an hour). :func:`retry_after` reads that
header from any SDK's error.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from typing import Any

from omefs.providers.error_mapping import exception_chain

__all__ = ["Backoff", "DEFAULT", "parse_retry_after", "retry_after"]

_RETRY_AFTER_TEXT = re.compile(r"retry-after[\"']?\s*[:=]\s*[\"']?(\d+(?:\.\d+)?)", re.IGNORECASE)


def parse_retry_after(value: Any) -> float | None:
    """A ``Retry-After`` value (delta-seconds or an HTTP date) in seconds from now, or None."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    import email.utils  # only for an HTTP date: 3.5 ms of imports (email's header modules)

    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _headers_of(link: BaseException) -> Any:
    response = getattr(link, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        return (response.get("ResponseMetadata") or {}).get("HTTPHeaders")
    if response is not None and getattr(response, "headers", None) is not None:
        return response.headers
    return getattr(link, "headers", None)


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked to wait (``Retry-After``), from any error in ``exc``'s chain."""
    if exc is None:
        return None
    for link in exception_chain(exc):
        headers = _headers_of(link)
        value = None
        if headers is not None:
            try:
                value = headers.get("Retry-After") or headers.get("retry-after")
            except AttributeError:
                value = None
        if value is None:
            match = _RETRY_AFTER_TEXT.search(str(link))
            value = match.group(1) if match else None
        seconds = parse_retry_after(value)
        if seconds is not None:
            return seconds
    return None


@dataclass(frozen=True)
class Backoff:
    """How long to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""

    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0

    def jitter(self, attempt: int) -> float:
        """Full jitter: uniform in ``[0, min(max_delay, base_delay·2^(attempt-1))]``."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return random.uniform(0, ceiling)

    def delay(self, attempt: int, exc: BaseException | None = None,
              asked: float | None = None) -> float:
        """The jittered wait, but never less than the server's ``Retry-After``
        (``asked``, or read from ``exc``), capped at ``max_retry_after``."""
        wait = self.jitter(attempt)
        if asked is None:
            asked = retry_after(exc)
        if asked is not None:
            wait = max(wait, min(asked, self.max_retry_after))
        return wait


#: The policy used where nothing more specific is configured.
DEFAULT = Backoff()
