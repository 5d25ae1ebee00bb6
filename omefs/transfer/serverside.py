"""Server-side copies: when both ends are one provider and one account, no byte crosses the client.

Whether two endpoints qualify, and how the copy runs, is the provider's
answer (its transfer hooks' ``same_account`` and ``server_side_copy``:
``CopyObject``, GCS's rewrite, Azure's Copy Blob, a filesystem's own
``cp_file``…). The default qualifies only one filesystem instance copying
within itself. It is conservative — the same endpoint and the same
identity — and the engine falls back to streaming when a server-side copy
is refused.
"""

from __future__ import annotations

from omefs.transfer.endpoints import Endpoint
from omefs.transfer.streams import Runtime

__all__ = ["same_account", "server_side_copy"]


def same_account(a: Endpoint, b: Endpoint) -> bool:
    """Whether a copy from ``a`` to ``b`` can run inside the service."""
    if a.provider is not b.provider:
        return False
    if a.encryption is not None or b.encryption is not None:
        # An encryption setting is carried by the filesystem's own requests; a copy
        # inside the service would need both sides' keys on one request.
        return False
    return bool(a.hooks.same_account(a.fs, b.fs))


async def server_side_copy(rt: Runtime, src: Endpoint, spath: str, dst: Endpoint, dpath: str,
                           size: int, part_size: int) -> str:
    """Copy inside the service; returns the method name. Raises when the service refuses."""
    return str(await src.hooks.server_side_copy(rt, src, spath, dst, dpath, size, part_size))
