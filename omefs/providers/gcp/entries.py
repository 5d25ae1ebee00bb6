"""GCS listing entries in gcsfs's shape, made from JSON-API object resources without gcsfs.

The ``gs://`` filesystem's entries are gcsfs's (the object resource, with
``name`` = ``bucket/key``, ``size`` an int, ``type``, ``mtime``/``ctime``
parsed from ``updated``/``timeCreated``) plus omefs's ``encryption`` and
storage-class fields. :func:`object_entry` builds the same from a resource
the front fetched itself, so the copy engine's fingerprints
(:mod:`omefs.providers.gcp.transfer`: ``md5Hash``, ``crc32c``) and every
other reader see one shape.

The OME facade's waiting multipart parts live under :data:`HIDDEN_FOLDER`,
which listings skip unless they look inside it (:func:`hidden`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["HIDDEN_FOLDER", "hidden", "object_entry", "directory_entry", "is_directory_marker",
           "parse_timestamp", "shows_hidden"]

#: Where the OME facade's multipart parts wait (``omefs.providers.gcp.facade``): a folder of
#: the bucket that listings and globs skip unless they look inside it.
HIDDEN_FOLDER = ".omefs-multipart"


def hidden(key: str) -> bool:
    """Whether ``key`` (in its bucket) is the hidden folder or inside it."""
    return key == HIDDEN_FOLDER or key.startswith(HIDDEN_FOLDER + "/")


def shows_hidden(asked: str) -> bool:
    """Whether a listing of the key prefix ``asked`` looks inside the hidden folder."""
    return hidden(asked.rstrip("/")) or asked.startswith(HIDDEN_FOLDER + "/")


def parse_timestamp(stamp: str) -> datetime:
    """An RFC 3339 time of the JSON API (``2026-01-02T03:04:05.678Z``), as gcsfs parses it."""
    if not stamp.endswith("Z"):
        raise ValueError(f"not a UTC timestamp: {stamp!r}")
    stamp = stamp[:-1]
    stamp += "0" * (6 - len(stamp.rsplit(".", 1)[-1]))
    return datetime.fromisoformat(stamp + "+00:00")


def is_directory_marker(entry: dict[str, Any]) -> bool:
    """An empty object whose name ends with ``/``: a folder made by a console or a tool."""
    return bool(entry["size"] == 0 and str(entry["name"]).endswith("/"))


def object_entry(bucket: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The ``gs://`` filesystem's entry of the object ``resource`` (a JSON-API object)."""
    from omefs import classes
    from omefs.providers.gcp import PROVIDER
    from omefs.providers.gcp.encryption import describe_object

    out = dict(resource)
    out["size"] = int(resource.get("size", 0))
    out["name"] = f"{bucket}/{resource['name']}"
    out["type"] = "file"
    if "updated" in resource:
        out["mtime"] = parse_timestamp(resource["updated"])
    if "timeCreated" in resource:
        out["ctime"] = parse_timestamp(resource["timeCreated"])
    if "generation" in resource or "metageneration" in resource:
        out["generation"] = resource.get("generation")
        out["metageneration"] = resource.get("metageneration")
    out["encryption"] = describe_object(resource)
    classes.annotate(PROVIDER, out)
    return out


def directory_entry(bucket: str, name: str) -> dict[str, Any]:
    """The entry of a folder (a common prefix, or a path with objects under it)."""
    return {"bucket": bucket, "name": name.rstrip("/"), "size": 0, "storageClass": "DIRECTORY",
            "type": "directory"}
