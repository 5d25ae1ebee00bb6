"""What the copy engine asks of GitHub: the asset ``digest``; no copy runs inside the service.

* A release asset's ``digest`` (``sha256:<hex>``, given by GitHub for
  assets uploaded since mid-2025; older ones have none) is its SHA-256:
  an asset written by the engine is checked against the SHA-256 of the
  bytes sent, and an asset read is checked against it. Where GitHub gives
  no digest, the size is all there is (and the report says ``size``).
* A release asset cannot be copied by the API: every copy, even between
  two assets of one repository, streams through the client.
* Actions artifacts are a source only: their members are read through the
  filesystem, which checks each member against the CRC-32 its zip records
  as the bytes pass (a corrupt member fails its copy before anything is
  written), and their fingerprint is the member's size and the time the
  artifact was made — so ``skip_existing`` copies an artifact again once a
  newer one of that name exists, and skips what an earlier run landed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omefs.providers.hooks import TransferHooks

if TYPE_CHECKING:
    from omefs.transfer.verify import Fingerprint

__all__ = ["GitHubTransferHooks", "sha256_of_digest"]


def sha256_of_digest(digest: Any) -> str | None:
    """The hex SHA-256 of a GitHub ``digest`` field (``sha256:<hex>``), else None."""
    text = str(digest or "").strip().lower()
    algorithm, _, value = text.partition(":")
    if algorithm != "sha256" or len(value) != 64:
        return None
    try:
        int(value, 16)
    except ValueError:
        return None
    return value


class GitHubTransferHooks(TransferHooks):
    """GitHub release assets through omefs's filesystem."""

    def fingerprint(self, info: dict[str, Any] | None) -> Fingerprint:
        fp = super().fingerprint(info)
        return fp.with_(sha256=sha256_of_digest((info or {}).get("digest")))

    def reported_digests(self, *, multipart: bool, obstore: bool) -> set[str]:
        return {"sha256"}

    def same_account(self, a: Any, b: Any) -> bool:
        return False
