"""A refused connection fails at once: gcsfs's request retries skip an endpoint nobody listens on.

gcsfs retries every request six times with exponential backoff (about
half a minute) on any connection error, a count fixed when gcsfs is
imported. A *refused* connection (nothing listens on the port: a wrong
``endpoint_url``, a stopped emulator) does not heal in seconds, so
:func:`request_once` turns it into :class:`RefusedConnection`, which
gcsfs's retry loop does not retry. Every other failure (a reset, a
timeout, a slow read, a 5xx) keeps gcsfs's retries.
"""

from __future__ import annotations

from typing import Any

import gcsfs.core
import gcsfs.retry

from omefs.providers.error_mapping import exception_chain

__all__ = ["RefusedConnection", "request_once"]

#: gcsfs's own request, without its retry loop.
_RAW_REQUEST = gcsfs.core.GCSFileSystem._request.__wrapped__


class RefusedConnection(gcsfs.retry.NonRetryableError, ConnectionRefusedError):  # type: ignore[misc]
    """Nothing listens at the endpoint (the SDK's error is the cause)."""


async def request_once(fs: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
    """One attempt of gcsfs's request; a refused connection raises :class:`RefusedConnection`."""
    try:
        return await _RAW_REQUEST(fs, method, path, *args, **kwargs)
    except OSError as exc:
        if any(isinstance(link, ConnectionRefusedError) for link in exception_chain(exc)):
            raise RefusedConnection(f"connection refused by {getattr(fs, '_location', '')}") from exc
        raise
