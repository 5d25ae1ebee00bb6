"""Object generations for gcp-storage-emulator, as the GCS JSON API reference describes them.

The emulator keeps one generation per object and answers a request for an
older ``generation`` with the live object. Loaded by the launcher in
:mod:`tests.servers.gcs` before the emulator builds its routes, this module
makes it keep history the way GCS does once a bucket has
``versioning.enabled`` (set with ``PATCH /b/{bucket}``):

* an overwrite or a delete of the live object keeps it as a noncurrent
  generation with ``timeDeleted`` set;
* ``GET /b/{b}/o/{o}?generation=G`` (metadata and ``alt=media``) and the
  download URL with ``generation=G`` serve that generation, or 404 — never
  the live object;
* ``DELETE /b/{b}/o/{o}?generation=G`` deletes that generation for good
  (the live one too, without keeping a copy);
* ``GET /b/{b}/o?versions=true`` lists noncurrent generations beside the
  live ones;
* ``copyTo`` / ``rewriteTo`` with ``sourceGeneration=G`` copy that generation.

Generations only grow: a write in the same nanosecond as the last one gets
the next number. The module imports only the emulator (it runs inside the
emulator's process).
"""

from __future__ import annotations

import datetime
from http import HTTPStatus
from typing import Any

from gcp_storage_emulator import storage as storage_module
from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import objects

Storage = storage_module.Storage


def _history(storage: Any) -> dict[str, dict[str, dict[str, tuple[dict[str, Any], bytes]]]]:
    """``{bucket: {name: {generation: (resource, bytes)}}}`` of noncurrent generations."""
    if not hasattr(storage, "noncurrent"):
        storage.noncurrent = {}
    return storage.noncurrent  # type: ignore[no-any-return]


def _versioned(storage: Any, bucket: str) -> bool:
    return bool(((storage.buckets.get(bucket) or {}).get("versioning") or {}).get("enabled"))


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _keep_live(storage: Any, bucket: str, name: str) -> dict[str, Any] | None:
    """Move the live generation of ``bucket/name`` into the history (versioned buckets only);
    returns the live resource, if there was one."""
    live = (storage.objects.get(bucket) or {}).get(name)
    if live is None or not _versioned(storage, bucket):
        return live
    content = storage.get_file(bucket, name, show_error=False)
    kept = dict(live, timeDeleted=_now())
    _history(storage).setdefault(bucket, {}).setdefault(name, {})[str(live["generation"])] = (
        kept, content)
    return live


_create_file = Storage.create_file
_delete_file = Storage.delete_file
_wipe = Storage.wipe


def create_file(self: Any, bucket_name: str, file_name: str, content: bytes,
                file_obj: dict[str, Any], file_id: str | None = None) -> None:
    if bucket_name in self.buckets:
        previous = _keep_live(self, bucket_name, file_name)
        if previous is not None and int(file_obj["generation"]) <= int(previous["generation"]):
            file_obj["generation"] = str(int(previous["generation"]) + 1)
    _create_file(self, bucket_name, file_name, content, file_obj, file_id)


def delete_file(self: Any, bucket_name: str, file_name: str) -> None:
    _keep_live(self, bucket_name, file_name)
    _delete_file(self, bucket_name, file_name)


def wipe(self: Any, keep_buckets: bool = False) -> None:
    self.noncurrent = {}
    _wipe(self, keep_buckets)


class _AtGeneration:
    """The storage, but ``bucket/name`` reads as one noncurrent generation (for the emulator's
    own download and copy handlers); every other call goes to the storage."""

    def __init__(self, storage: Any, bucket: str, name: str,
                 kept: tuple[dict[str, Any], bytes]) -> None:
        self._storage, self._where, self._kept = storage, (bucket, name), kept

    def get_file_obj(self, bucket_name: str, file_name: str) -> dict[str, Any]:
        if (bucket_name, file_name) == self._where:
            return self._kept[0]
        return self._storage.get_file_obj(bucket_name, file_name)  # type: ignore[no-any-return]

    def get_file(self, bucket_name: str, file_name: str, show_error: bool = True) -> bytes:
        if (bucket_name, file_name) == self._where:
            return self._kept[1]
        return self._storage.get_file(bucket_name, file_name, show_error)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


def _asked(request: Any, name: str) -> str | None:
    values = request.query.get(name)
    return values[0] if values else None


def _at(storage: Any, bucket: str, name: str, generation: str | None) -> Any:
    """The storage to serve ``bucket/name`` at ``generation`` from: itself for the live one
    (or no generation asked), a view of a noncurrent one, or None when there is none."""
    if generation is None:
        return storage
    live = (storage.objects.get(bucket) or {}).get(name)
    if live is not None and str(live["generation"]) == generation:
        return storage
    kept = _history(storage).get(bucket, {}).get(name, {}).get(generation)
    return None if kept is None else _AtGeneration(storage, bucket, name, kept)


def _with_generation(handler: Any, param: str, names: tuple[str, str]) -> Any:
    """``handler`` serving the generation in query ``param`` of the object named by the
    route parameters ``names`` (bucket, object)."""

    def wrapped(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> Any:
        if _asked(request, "softDeleted"):
            return handler(request, response, storage, *args, **kwargs)
        bucket, name = (request.params[n] for n in names)
        source = _at(storage, bucket, name, _asked(request, param))
        if source is None:
            response.status = HTTPStatus.NOT_FOUND
            response.json({"error": {"code": 404, "message": f"No such object: {bucket}/{name}"
                                     f"#{_asked(request, param)}"}})
            return None
        return handler(request, response, source, *args, **kwargs)

    wrapped.__name__ = getattr(handler, "__name__", "handler")
    return wrapped


def _delete_handler(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> Any:
    generation = _asked(request, "generation")
    if generation is None:
        return _delete_live(request, response, storage, *args, **kwargs)
    bucket, name = request.params["bucket_name"], request.params["object_id"]
    live = (storage.objects.get(bucket) or {}).get(name)
    if live is not None and str(live["generation"]) == generation:
        _delete_file(storage, bucket, name)  # that generation, for good: nothing kept
        return None
    kept = _history(storage).get(bucket, {}).get(name, {})
    if kept.pop(generation, None) is None:
        response.status = HTTPStatus.NOT_FOUND
    return None


def _ls_handler(request: Any, response: Any, storage: Any, *args: Any, **kwargs: Any) -> Any:
    if (_asked(request, "versions") or "").lower() != "true":
        return _ls(request, response, storage, *args, **kwargs)
    bucket = request.params["bucket_name"]
    prefix = _asked(request, "prefix") or ""
    try:
        live, prefixes = storage.get_file_list(bucket, prefix or None, _asked(request, "delimiter"))
    except NotFound:
        response.status = HTTPStatus.NOT_FOUND
        return None
    items = list(live)
    for name, generations in _history(storage).get(bucket, {}).items():
        if name.startswith(prefix):
            items.extend(resource for resource, _ in generations.values())
    items.sort(key=lambda o: (o["name"], int(o["generation"])))
    response.json({"kind": "storage#objects", "prefixes": prefixes, "items": items})
    return None


_delete_live = objects.delete
_ls = objects.ls


def install() -> None:
    """Patch the storage and the handlers (before the emulator's routes are built)."""
    Storage.create_file = create_file
    Storage.delete_file = delete_file
    Storage.wipe = wipe
    objects.get = _with_generation(objects.get, "generation", ("bucket_name", "object_id"))
    objects.download = _with_generation(objects.download, "generation",
                                        ("bucket_name", "object_id"))
    objects.copy = _with_generation(objects.copy, "sourceGeneration",
                                    ("bucket_name", "object_id"))
    objects.rewrite = _with_generation(objects.rewrite, "sourceGeneration",
                                       ("bucket_name", "object_id"))
    objects.delete = _delete_handler
    objects.ls = _ls_handler
