"""A refused connection fails at once: no botocore retries against an endpoint nobody listens on.

botocore retries a request whose connection failed (five attempts with
backoff in legacy mode), which makes a wrong ``endpoint_url`` or a stopped
emulator take seconds to report. A *refused* connection (nothing listens
on the port) does not heal in a second, so a ``needs-retry`` handler
registered first ends the request with the error itself. Every other
failure (a reset, a timeout, a slow read, throttling) keeps botocore's
retries.
"""

from __future__ import annotations

from typing import Any

from omefs.providers.error_mapping import exception_chain

__all__ = ["fail_fast_on_refused"]

_MARK = "_omefs_fail_fast_on_refused"


def _refused(caught_exception: BaseException | None = None, **_: Any) -> None:
    if caught_exception is not None and any(
        isinstance(link, ConnectionRefusedError) for link in exception_chain(caught_exception)
    ):
        raise caught_exception


def fail_fast_on_refused(client: Any) -> Any:
    """Register the handler on a (aio)botocore ``client`` once; returns the client."""
    if client is not None and not getattr(client, _MARK, False):
        client.meta.events.register_first("needs-retry", _refused)
        setattr(client, _MARK, True)
    return client
