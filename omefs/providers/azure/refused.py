"""A refused connection fails at once: no storage-SDK retries against an endpoint nobody listens on.

azure-storage-blob retries a failed connection three times with
exponential backoff from 15 s (over a minute in all), which makes a wrong
``account_url`` or a stopped Azurite take that long to report. A
*refused* connection (nothing listens on the port) does not heal in
seconds, so the client's retry policy is told its connection retries are
spent when the error is a refusal. Every other failure (a reset, a
timeout, a slow read, a 5xx) keeps the policy's retries.
"""

from __future__ import annotations

from typing import Any

from omefs.providers.error_mapping import exception_chain

__all__ = ["fail_fast_on_refused"]

_MARK = "_omefs_fail_fast_on_refused"


def fail_fast_on_refused(client: Any) -> Any:
    """Make ``client``'s retry policy (shared by its container and blob clients) give up on a refusal."""
    policy = getattr(getattr(client, "_config", None), "retry_policy", None)
    if policy is None or getattr(policy, _MARK, False) or not hasattr(policy, "increment"):
        return client
    increment = policy.increment

    def _increment(settings: dict[str, Any], request: Any, response: Any = None,
                   error: Any = None) -> Any:
        if error is not None and any(isinstance(link, ConnectionRefusedError)
                                     for link in exception_chain(error)):
            settings["connect"] = 0  # the policy counts this error: no connection retry is left
        return increment(settings, request, response=response, error=error)

    policy.increment = _increment
    setattr(policy, _MARK, True)
    return client
