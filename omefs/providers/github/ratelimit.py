"""Telling GitHub's rate-limit answers apart, and what to do about each.

GitHub has two kinds of limit (REST API docs, "Rate limits"):

* the **primary** limit — a budget of requests per hour (60 anonymous,
  5,000 for a token, more for some Apps). When it is spent, GitHub answers
  403 or 429 with ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset``
  (epoch seconds). Waiting may mean most of an hour, so omefs does not
  wait: it raises :class:`~omefs.errors.RateLimitError` saying when
  the budget resets.
* **secondary** limits — too many requests too fast, or too many at once.
  GitHub answers 403 or 429, usually with ``Retry-After`` (seconds), else
  with a message naming a secondary limit (then GitHub asks for at least a
  minute, growing with each repeat). omefs sleeps that long and retries, as
  long as the total pause of one call stays within ``max_wait``; past that
  it raises.

Waits are computed by omefs's one backoff policy, :class:`omefs.retry.Backoff`
(never less than what GitHub asked for), and ``Retry-After`` is read by
:func:`omefs.retry.parse_retry_after` (seconds or an HTTP date). Every wait
is a real sleep of at least :attr:`RateLimitPolicy.min_wait` seconds and the
number of attempts is bounded, so there is never a hot retry loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from omefs.errors import RateLimitError
from omefs.redact import get_logger
from omefs.retry import Backoff, parse_retry_after

__all__ = ["RateLimit", "RateLimitPolicy", "classify", "DEFAULT_MAX_WAIT"]

log = get_logger(__name__)

#: Default bound, in seconds, on the time one call may spend waiting out
#: secondary limits.
DEFAULT_MAX_WAIT = 60.0

# GitHub's documented pause when a secondary limit comes without Retry-After.
_SECONDARY_DEFAULT_WAIT = 60.0
_SECONDARY_MESSAGES = (
    "secondary rate limit",
    "please retry your request again later.",
    "please wait a few minutes before you try again.",
    "abuse detection",
)


@dataclass(frozen=True)
class RateLimit:
    """One rate-limit answer: its kind and what GitHub said about waiting."""

    kind: str  # "primary" or "secondary"
    status: int
    retry_after: float | None = None
    reset_at: datetime | None = None
    limit: int | None = None
    message: str = ""


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value)
    return None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def classify(status: int, headers: Mapping[str, Any] | None, message: str | None) -> RateLimit | None:
    """The rate limit a response means, or None when it is not one.

    Only 403 and 429 can be rate limits; a 403 without any of GitHub's
    rate-limit signs is a permission error and is left to the caller.
    """
    if status not in (403, 429):
        return None
    msg = (message or "").strip()
    lowered = msg.lower()
    retry_after = parse_retry_after(_header(headers, "retry-after"))
    remaining = _header(headers, "x-ratelimit-remaining")
    reset = _number(_header(headers, "x-ratelimit-reset"))
    limit = _number(_header(headers, "x-ratelimit-limit"))
    reset_at = datetime.fromtimestamp(reset, timezone.utc) if reset is not None else None
    budget = int(limit) if limit is not None else None

    def limit_of(kind: str, wait: float | None = None) -> RateLimit:
        return RateLimit(kind, status, retry_after=wait, reset_at=reset_at, limit=budget, message=msg)

    if retry_after is not None:
        return limit_of("secondary", max(retry_after, 0.0))
    if any(m in lowered for m in _SECONDARY_MESSAGES):
        return limit_of("secondary")
    if remaining is not None and remaining.strip() == "0":
        return limit_of("primary")
    if "rate limit" in lowered:
        return limit_of("primary")
    if status == 429:
        return limit_of("secondary")
    return None


@dataclass
class RateLimitPolicy:
    """What one call does when GitHub answers with a rate limit.

    Args:
        max_wait: the longest total pause, in seconds, that one call may
            spend waiting out secondary limits (``max_rate_limit_wait`` of
            the filesystem). 0 means never wait.
        max_attempts: the most attempts one call makes under secondary limits.
        min_wait: the shortest pause, in seconds, whatever ``Retry-After``
            says (``Retry-After: 0`` must not become a hot loop).
        sleep: the sleep function (tests may count calls; it is always real
            time in omefs).
        backoff: the jitter under GitHub's asked-for pause (the pause itself
            is never shortened: :meth:`omefs.retry.Backoff.delay` returns at
            least what was asked, and the bound is ``max_wait``, not a cap).
    """

    max_wait: float = DEFAULT_MAX_WAIT
    max_attempts: int = 6
    min_wait: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    backoff: Backoff = field(default=Backoff(base_delay=1.0, max_delay=1.0, max_retry_after=math.inf))

    def wait_or_raise(
        self,
        limit: RateLimit,
        *,
        waited: float,
        attempt: int,
        operation: str,
        uri: str | None,
    ) -> float:
        """Sleep out a secondary limit and return the pause, or raise :class:`RateLimitError`.

        ``waited`` is what this call has already slept, ``attempt`` how many
        rate-limit answers it has had before this one.
        """
        if limit.kind == "primary":
            raise RateLimitError(
                _primary_message(limit),
                kind="primary",
                reset_at=limit.reset_at,
                limit=limit.limit,
                operation=operation,
                uri=uri,
                provider="github",
            )
        if limit.retry_after is not None:
            asked = limit.retry_after
        else:  # GitHub: at least a minute, growing exponentially with repeats
            asked = _SECONDARY_DEFAULT_WAIT * (2**attempt)
        wait = max(self.backoff.delay(attempt + 1, asked=asked), self.min_wait)
        if waited + wait > self.max_wait or attempt + 1 >= self.max_attempts:
            raise RateLimitError(
                f"GitHub secondary rate limit (HTTP {limit.status}): GitHub asked for a pause of "
                f"{wait:.0f} s, which would take this call's waiting to {waited + wait:.0f} s, "
                f"over the bound max_rate_limit_wait={self.max_wait:g} s "
                f"(after {attempt + 1} rate-limited attempt(s)); retry later, make fewer "
                "concurrent requests, or raise max_rate_limit_wait",
                kind="secondary",
                retry_after=wait,
                reset_at=limit.reset_at,
                limit=limit.limit,
                operation=operation,
                uri=uri,
                provider="github",
            )
        log.warning(
            "GitHub secondary rate limit on %s (HTTP %d): waiting %.1f s before retrying",
            operation, limit.status, wait,
        )
        self.sleep(wait)
        return wait


def _primary_message(limit: RateLimit) -> str:
    budget = f" of {limit.limit} requests/hour" if limit.limit else ""
    if limit.reset_at is not None:
        delta = max(0.0, limit.reset_at.timestamp() - time.time())
        minutes, seconds = divmod(int(round(delta)), 60)
        when = (
            f"it resets at {limit.reset_at.strftime('%Y-%m-%d %H:%M:%S')} UTC "
            f"(in {minutes} min {seconds} s)"
        )
    else:
        when = "GitHub did not say when it resets"
    hint = (
        " Anonymous requests have a budget of 60/hour; authenticate (a token or a "
        "GitHub App) for more." if limit.limit is not None and limit.limit <= 60 else ""
    )
    return f"GitHub API rate limit exhausted (the primary budget{budget} is spent); {when}.{hint}"
