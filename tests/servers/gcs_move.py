"""``objects.move`` for gcp-storage-emulator, as the GCS JSON API reference describes it.

``POST /storage/v1/b/{bucket}/o/{sourceObject}/moveTo/o/{destinationObject}``
renames an object inside one bucket and answers with the destination's
object resource; gcsfs's ``mv`` tries it first. The emulator has no such
route: the request fell to the generic object route, which answered
``501 Not Implemented``, and gcsfs retried that six times (about 33 s of
back-off) before falling back to copy and delete. This module adds the route
with the reference's semantics:

* the source missing: ``404``;
* ``ifSourceGenerationMatch`` / ``ifGenerationMatch`` (``0``: the destination
  must not exist) not met: ``412``;
* otherwise the destination gets the source's bytes and metadata (a new
  generation) and the source is gone.

It runs inside the emulator's process, after :mod:`gcs_generations` has
patched the handlers, and imports only the emulator.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from gcp_storage_emulator import settings
from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import objects

_PRECONDITION_FAILED = {"error": {"code": 412, "message": "At least one of the pre-conditions "
                                  "you specified did not hold.", "errors": [
                                      {"reason": "conditionNotMet", "domain": "global"}]}}


def _generation(storage: Any, bucket: str, name: str) -> str | None:
    try:
        return str(storage.get_file_obj(bucket, name).get("generation"))
    except NotFound:
        return None


def _precondition_holds(request: Any, storage: Any, bucket: str, source: str, dest: str) -> bool:
    wanted_source = request.query.get("ifSourceGenerationMatch", [None])[0]
    if wanted_source is not None and _generation(storage, bucket, source) != wanted_source:
        return False
    wanted_dest = request.query.get("ifGenerationMatch", [None])[0]
    if wanted_dest is None:
        return True
    current = _generation(storage, bucket, dest)
    return current is None if wanted_dest == "0" else current == wanted_dest


def move(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> None:
    """The ``moveTo`` handler: copy within the bucket, then delete the source."""
    bucket = request.params["bucket_name"]
    source, dest = request.params["object_id"], request.params["dest_object_id"]
    try:
        storage.get_file_obj(bucket, source)
    except NotFound:
        response.status = HTTPStatus.NOT_FOUND
        return
    if not _precondition_holds(request, storage, bucket, source, dest):
        response.status = HTTPStatus.PRECONDITION_FAILED
        response.json(_PRECONDITION_FAILED)
        return
    resource = objects._copy(request.base_url, storage, bucket, source, bucket, dest)
    storage.delete_file(bucket, source)
    response.json(resource)


def install() -> None:
    """Put the ``moveTo`` routes ahead of the generic object route."""
    from gcp_storage_emulator import server

    routes = tuple(
        (rf"^{prefix}/b/(?P<bucket_name>[-.\w]+)/o/(?P<object_id>.*[^/]+)/moveTo/o/"
         rf"(?P<dest_object_id>.*[^/]+)$", {"POST": move})
        for prefix in (settings.API_ENDPOINT, ""))
    server.HANDLERS = (*routes, *server.HANDLERS)
