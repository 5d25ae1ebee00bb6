"""What the copy engine asks of GitHub: no copy runs inside the service.

A release asset cannot be copied by the API: every copy, even between
two assets of one repository, streams through the client. Actions
artifacts are a source only: their members are read through the
filesystem, which checks each member against the CRC-32 its zip records
as the bytes pass (a corrupt member fails its copy before anything is
written), and their fingerprint is the member's size and the time the
artifact was made — so ``skip_existing`` copies an artifact again once a
newer one of that name exists, and skips what an earlier run landed.
"""

from __future__ import annotations

from typing import Any

from omefs.providers.hooks import TransferHooks

__all__ = ["GitHubTransferHooks"]


class GitHubTransferHooks(TransferHooks):
    """GitHub release assets through omefs's filesystem."""

    def same_account(self, a: Any, b: Any) -> bool:
        return False
