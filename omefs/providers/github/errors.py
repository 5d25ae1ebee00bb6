"""Errors that only the GitHub Releases filesystem raises.

Both derive from :class:`~omefs.errors.OmefsError`, so they carry the
operation, URI and provider and are redacted like every omefs error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from omefs.errors import OmefsError

__all__ = ["RateLimitError", "AssetTooLargeError", "IsAReleaseError"]


class RateLimitError(OmefsError):
    """GitHub refused a request because a rate limit was reached.

    Attributes:
        kind: ``"primary"`` (the hourly request budget is spent; it comes
            back at :attr:`reset_at`) or ``"secondary"`` (GitHub asked for a
            pause of :attr:`retry_after` seconds that was longer than omefs
            may wait, see ``max_rate_limit_wait``).
        reset_at: when the primary budget resets (UTC), where GitHub said.
        retry_after: the pause GitHub asked for, in seconds, where it said.
        limit: the request budget per hour of these credentials, where known.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        reset_at: datetime | None = None,
        retry_after: float | None = None,
        limit: int | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message, **context)
        self.kind = kind
        self.reset_at = reset_at
        self.retry_after = retry_after
        self.limit = limit


class AssetTooLargeError(OmefsError, ValueError):
    """An upload was refused before any byte was sent: GitHub release assets must be under 2 GiB."""


class IsAReleaseError(OmefsError, IsADirectoryError):
    """A file operation named a release (a folder): deleting one needs ``recursive=True``."""
