"""A refused connection fails at once: gcsfs's request retries skip an endpoint nobody listens on.

gcsfs retries every request six times with exponential backoff (about
half a minute) on any connection error, a count fixed when gcsfs is
imported. A *refused* connection (nothing listens on the port: a wrong
``endpoint_url``, a stopped emulator) does not heal in seconds, so
:func:`request_once` raises it as gcsfs's ``NonRetryableError`` (the
SDK's error its cause), which gcsfs's retry loop does not retry. Every other failure (a reset, a
timeout, a slow read, a 5xx) keeps gcsfs's retries.
"""

from __future__ import annotations

from typing import Any

import gcsfs.core
import gcsfs.retry

from omefs.providers.error_mapping import exception_chain

__all__ = ["request_once"]

#: gcsfs's own request, without its retry loop.
_RAW_REQUEST = gcsfs.core.GCSFileSystem._request.__wrapped__


async def request_once(fs: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
    """One attempt of gcsfs's request; a refused connection is not to be retried."""
    try:
        return await _RAW_REQUEST(fs, method, path, *args, **kwargs)
    except OSError as exc:
        if any(isinstance(link, ConnectionRefusedError) for link in exception_chain(exc)):
            raise gcsfs.retry.NonRetryableError(
                f"connection refused by {getattr(fs, '_location', '')}") from exc
        raise
