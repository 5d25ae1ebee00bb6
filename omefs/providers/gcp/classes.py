"""GCS storage classes: ``storageClass`` in the upload's metadata, rewrite in place.

* A class is part of the object resource sent with the upload (the JSON
  part of a multipart upload, the body that starts a resumable one);
  gcsfs has no argument for it, so the filesystem adds it to those two
  requests while :data:`~omefs.providers.class_aware.WRITE_CLASS` is set.
* A class changes in place with ``rewrite`` onto the same object, the
  new ``storageClass`` in the request body (``rewriteToken`` loops for
  large objects).
* Every GCS class is readable at once: nothing is ever archived, and
  there is nothing to restore.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from omefs.classes import StorageClasses, StorageClassOps

__all__ = ["GCS_CLASSES", "GCSClassOps", "with_class"]

GCS_CLASSES = StorageClasses(
    neutral={"STANDARD": "STANDARD", "INFREQUENT": "NEARLINE", "COLD": "COLDLINE",
             "ARCHIVE": "ARCHIVE"},
    native={"STANDARD": "STANDARD", "MULTI_REGIONAL": "STANDARD", "REGIONAL": "STANDARD",
            "DURABLE_REDUCED_AVAILABILITY": "STANDARD", "NEARLINE": "INFREQUENT",
            "COLDLINE": "COLD", "ARCHIVE": "ARCHIVE"},
    ops="omefs.providers.gcp.classes:GCSClassOps",
)

#: The boundary of gcsfs's multipart/related body, and where its JSON part sits.
_HEAD = b"\n\n"
_BOUNDARY = b"\n--==0=="


def with_class(native: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of gcsfs's ``_call`` for an upload-starting request, with
    ``storageClass`` added to the object resource (``json=`` or the JSON part of ``data=``)."""
    if isinstance(kwargs.get("json"), dict):
        return {**kwargs, "json": {**kwargs["json"], "storageClass": native}}
    data = kwargs.get("data")
    if isinstance(data, (bytes, bytearray)):
        start = data.find(_HEAD)
        end = data.find(_BOUNDARY, start + len(_HEAD)) if start >= 0 else -1
        if start >= 0 and end > start:
            resource = json.loads(bytes(data[start + len(_HEAD):end]))
            resource["storageClass"] = native
            body = (bytes(data[:start + len(_HEAD)]) + json.dumps(resource).encode()
                    + bytes(data[end:]))
            return {**kwargs, "data": body}
    return kwargs


class GCSClassOps(StorageClassOps):
    """GCS through gcsfs."""

    info_keys = ("storageClass",)

    def write_options(self, native: str, *, file: bool) -> dict[str, Any]:
        return {"storage_class_native": native} if file else {}

    def obstore_attributes(self, native: str) -> dict[str, str] | None:
        return {"Storage-Class": native}

    def set_class(self, fs: Any, path: str, native: str) -> None:
        bucket, key, _ = fs.split_path(path)
        token = None
        while True:
            params: dict[str, Any] = {"rewriteToken": token} if token else {}
            out = fs.call("POST", "b/{}/o/{}/rewriteTo/b/{}/o/{}", bucket, key, bucket, key,
                          json={"storageClass": native}, json_out=True, **params)
            if out.get("done", True):
                break
            token = out.get("rewriteToken")
        fs.invalidate_cache(path)

    def restore(self, fs: Any, path: str, *, days: int | None, priority: str | None) -> str:
        return "nothing to restore: every GCS class is readable at once"

    def restore_state(self, entry: Mapping[str, Any]) -> str | None:
        return None
