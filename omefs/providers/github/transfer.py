"""What the copy engine asks of GitHub Releases: no copy runs inside the service.

A release asset cannot be copied by the API: every copy, even between
two assets of one repository, streams through the client.
"""

from __future__ import annotations

from typing import Any

from omefs.providers.hooks import TransferHooks

__all__ = ["GitHubTransferHooks"]


class GitHubTransferHooks(TransferHooks):
    """GitHub release assets through omefs's filesystem."""

    def same_account(self, a: Any, b: Any) -> bool:
        return False
