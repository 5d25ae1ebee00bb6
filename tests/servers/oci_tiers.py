"""Storage tiers in the OCI fake: UpdateObjectStorageTier, RestoreObjects, archival states.

As the OCI Object Storage reference describes them:

* ``POST /n/{ns}/b/{b}/actions/updateObjectStorageTier`` with
  ``{"objectName", "storageTier"}`` moves an object between ``Standard``
  and ``InfrequentAccess`` or into ``Archive`` (200); an ``Archive`` object
  cannot be moved out that way (400).
* ``POST /n/{ns}/b/{b}/actions/restoreObjects`` with ``{"objectName",
  "hours"}`` (1–240, 24 by default) starts a restore of an ``Archive``
  object (200). It is ``Restoring`` for ``FakeOCI.restore_seconds`` of the
  server's clock (0: done at once), then ``Restored`` for ``hours``, then
  ``Archived`` again.
* HEAD and listings carry the ``archival-state`` / ``archivalState`` of
  ``Archive`` objects; a GET is refused (409 ``NotRestored``) unless the
  object is ``Restored``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["TIERS", "archival_state", "readable", "update_tier", "restore_objects"]

TIERS = ("Standard", "InfrequentAccess", "Archive")


def archival_state(fake: Any, obj: Any) -> str | None:
    """``Archived``, ``Restoring`` or ``Restored`` for an Archive object; None otherwise."""
    if obj.tier != "Archive":
        return None
    now = fake.now()
    ready, until = getattr(obj, "restore_ready", None), getattr(obj, "restored_until", None)
    if ready is None or until is None or now >= until:
        return "Archived"
    return "Restoring" if now < ready else "Restored"


def readable(fake: Any, obj: Any) -> bool:
    """Whether a GET of ``obj`` is served."""
    return obj.tier != "Archive" or archival_state(fake, obj) == "Restored"


def _details(body: bytes, error: Any) -> dict[str, Any]:
    details = json.loads(body or b"{}")
    if not details.get("objectName"):
        raise error(400, "MissingParameter", "objectName is required")
    return details


def update_tier(fake: Any, bucket: Any, body: bytes, error: Any) -> None:
    """UpdateObjectStorageTier (``error`` builds the fake's ServiceError)."""
    details = _details(body, error)
    tier = details.get("storageTier")
    if tier not in TIERS:
        raise error(400, "InvalidParameter", f"storageTier must be one of {list(TIERS)}, got {tier!r}")
    with fake._lock:
        obj = bucket.objects.get(details["objectName"])
        if obj is None:
            raise error(404, "ObjectNotFound", f"no object {details['objectName']!r}")
        if obj.tier == "Archive" and tier != "Archive":
            raise error(400, "InvalidParameter",
                        "the storage tier of an object in the Archive tier cannot be changed")
        obj.tier = tier


def restore_objects(fake: Any, bucket: Any, body: bytes, error: Any) -> None:
    """RestoreObjects."""
    details = _details(body, error)
    hours = details.get("hours") or 24
    if not isinstance(hours, int) or not 1 <= hours <= 240:
        raise error(400, "InvalidParameter", f"hours must be 1..240, got {hours!r}")
    with fake._lock:
        obj = bucket.objects.get(details["objectName"])
        if obj is None:
            raise error(404, "ObjectNotFound", f"no object {details['objectName']!r}")
        if obj.tier != "Archive":
            raise error(400, "InvalidParameter", "only objects in the Archive tier can be restored")
        if archival_state(fake, obj) == "Archived":
            obj.restore_ready = fake.now() + fake.restore_seconds
        obj.restored_until = obj.restore_ready + hours * 3600
