"""The OCI filesystem's listing cache and deletes: a listing taken before a write never hides it.

ocifs caches each folder's listing (``dircache``) and, after a write, drops
only the written path and its direct parent: ``find("b@ns/dir")`` taken
before ``put(…, "b@ns/dir/new/sub/x")`` kept answering from the cached
``b@ns/dir`` listing, which does not show ``new/``. Here every write, copy
and delete calls :meth:`OCIListing.invalidate_cache` on what it touched,
which drops that path's listing, every ancestor's up to the namespace's
bucket list, and every cached listing below it (as s3fs does).

The cache itself is fsspec's :class:`~fsspec.dircache.DirCache`, so the
options s3fs users know apply unchanged: ``use_listings_cache=False``
lists afresh every time, ``listings_expiry_time=SECONDS`` forgets a
listing after that long, ``max_paths=N`` keeps at most N folders.

:meth:`OCIListing.rm` follows fsspec's rules: a path, a list of paths or
a glob; ``recursive=True`` for folders and buckets (a bucket is deleted
after its objects); objects are deleted in parallel (OCI has no bulk
delete).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from oci._vendor.requests.structures import CaseInsensitiveDict
from oci.exceptions import ServiceError
from oci.pagination import list_call_get_all_results

from omefs.providers.oci.connection import OCIConnection, service_errors

__all__ = ["OCIListing"]

#: The listing fields ocifs asks for (so entries match its ``ls``).
_FIELDS = "name,size,etag,timeCreated,md5,timeModified,storageTier,archivalState"


def _entry(name: str, obj: Any) -> Any:
    """An object of a listing as ocifs's ``ls`` describes it."""
    return CaseInsensitiveDict({
        "name": name, "type": "file", "size": obj.size, "etag": obj.etag, "md5": obj.md5,
        "timeCreated": obj.time_created, "timeModified": obj.time_modified,
        "storageTier": obj.storage_tier, "archivalState": obj.archival_state,
    })


def _folder(name: str) -> Any:
    return CaseInsensitiveDict({"name": name, "type": "directory", "size": 0})


class OCIListing(OCIConnection):
    """``invalidate_cache`` over a path's ancestors and descendants; ``ls`` of a missing path
    raises; ``rm`` of lists and globs."""

    def invalidate_cache(self, path: str | None = None) -> None:
        """Forget cached listings: all of them, or those ``path`` is in or under.

        Drops the listing of ``path`` itself, of each parent up to the
        namespace (``@NS``, the bucket list), and of every folder below
        ``path`` — whatever a write, copy or delete of ``path`` may have
        changed.
        """
        if path is None:
            self.dircache.clear()
            return
        path = str(self._strip_protocol(path)).rstrip("/")
        if not path:
            self.dircache.clear()
            return
        below = path + "/"
        for cached in [k for k in list(self.dircache) if k.startswith(below)]:
            self.dircache.pop(cached, None)
        while path:
            self.dircache.pop(path, None)
            try:
                parent = self._parent(path)
            except ValueError:  # no namespace in the path: nothing above it is cached
                break
            if parent == path:
                break
            path = parent

    def ls(self, path: str, detail: bool = False, refresh: bool = False, **kwargs: Any) -> Any:
        """ocifs's listing; a folder or object that is not there raises ``FileNotFoundError``.

        ocifs answers ``[]`` for any missing path; s3fs, gcsfs and adlfs (and
        fsspec's rules) raise. An empty bucket still lists as ``[]``.
        """
        out = super().ls(path, detail=detail, refresh=refresh, **kwargs)
        if not out and self.split_path(path)[2]:
            raise FileNotFoundError(f"oci://{self._strip_protocol(path)}")
        return out

    def info(self, path: str, **kwargs: Any) -> Any:
        """Metadata of ``path``; a folder known from a cached listing costs no request.

        Objects are always asked for (``HeadObject``): their metadata and MD5s
        are not in listings.
        """
        bucket, namespace, key = self.split_path(path)
        if key and not kwargs:
            name = f"{bucket}@{namespace}/{key}".rstrip("/")
            if self._cached_type(name) == "directory" or self.dircache.get(name):
                return _folder(name)
        return super().info(path, **kwargs)

    def isdir(self, path: str) -> bool:
        """Whether ``path`` is a folder or bucket; answered from cached listings when they know."""
        name = str(self._strip_protocol(path)).rstrip("/")
        if self.dircache.get(name) or self._cached_type(name) == "directory":
            return True
        return bool(super().isdir(path))

    def isfile(self, path: str) -> bool:
        """Whether ``path`` is an object; answered from cached listings when they know."""
        known = self._cached_type(str(self._strip_protocol(path)).rstrip("/"))
        if known is not None:
            return known == "file"
        return bool(super().isfile(path))

    def find(self, path: str, maxdepth: int | None = None, withdirs: bool = False,
             detail: bool = False, **kwargs: Any) -> Any:
        """Everything under ``path`` from one flat listing (paged), not one listing per folder.

        Same answer as fsspec's walk-based ``find``: files (and, with
        ``withdirs``, the folders between them and ``path`` itself); a file
        path finds itself. ``maxdepth`` and namespace roots use fsspec's walk.
        """
        bucket, namespace, key = self.split_path(path)
        if maxdepth is not None or not bucket or kwargs:
            return super().find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)
        base = f"{bucket}@{namespace}"
        key = key.rstrip("/")
        root = f"{base}/{key}" if key else base
        try:
            listed = list_call_get_all_results(
                self.oci_client.list_objects, namespace, bucket,
                prefix=f"{key}/" if key else None, fields=_FIELDS,
            ).data.objects
        except ServiceError as exc:
            if exc.status == 404:
                return {} if detail else []
            raise
        out: dict[str, Any] = {}
        for obj in listed:
            name = f"{base}/{obj.name}"
            if withdirs:
                parent = self._parent(name)
                while len(parent) > len(root) and parent not in out:
                    out[parent] = _folder(parent)
                    parent = self._parent(parent)
            if not (obj.name.endswith("/") and obj.size == 0):  # a folder marker, as ocifs skips
                out[name] = _entry(name, obj)
        if withdirs and (out or not key):
            out[root] = _folder(root)  # fsspec's find lists the folder itself too
        if not out and key:
            try:
                found = self.info(root)
            except FileNotFoundError:
                found = None
            if found is not None and found["type"] == "file":
                out[root] = found
        names = sorted(out)
        return {n: out[n] for n in names} if detail else names

    def _cached_type(self, path: str) -> str | None:
        """``"file"`` or ``"directory"`` for ``path`` if its parent's listing is cached."""
        try:
            listing = self.dircache[self._parent(path)]
        except (KeyError, ValueError):
            return None
        for entry in listing:
            if entry["name"].rstrip("/") == path:
                return str(entry["type"])
        return None

    @service_errors
    def rm(self, path: Any, recursive: bool = False, maxdepth: int | None = None,
           **kwargs: Any) -> None:
        """Delete objects, folders (``recursive=True``) and buckets; ``path`` may be a list or a glob.

        Raises ``FileNotFoundError`` when nothing matches, as fsspec does.
        A folder is the objects under it: deleting them deletes it. A bucket
        is deleted once empty (``recursive=True`` empties it first).
        """
        paths = self.expand_path(path, recursive=recursive, maxdepth=maxdepth)
        buckets = [p for p in paths if not self.split_path(p)[2]]
        objects = [p for p in paths if self.split_path(p)[2] and self._cached_type(p) != "directory"]
        workers = max(1, min(self.max_concurrency, len(objects)))
        if objects:
            with ThreadPoolExecutor(max_workers=workers,
                                    thread_name_prefix="omefs-oci-delete") as pool:
                for _ in pool.map(self._delete_object, objects):
                    pass
        for bucket_path in buckets:
            self.rmdir(bucket_path)  # refused while objects remain, as the service does

    @service_errors
    def rm_file(self, path: str) -> None:
        """Delete one object; ``FileNotFoundError`` if there is none of that name."""
        bucket, namespace, key = self.split_path(path)
        if not key:
            raise IsADirectoryError(f"oci://{bucket}@{namespace} is a bucket: use rm(recursive=True)")
        if not self.isfile(path):
            raise FileNotFoundError(f"oci://{bucket}@{namespace}/{key}")
        self._delete_object(path)

    def _delete_object(self, path: str) -> None:
        """``DeleteObject``; a name that is only a folder (a prefix) has nothing to delete."""
        bucket, namespace, key = self.split_path(path)
        try:
            self.oci_client.delete_object(namespace, bucket, key)
        except ServiceError as exc:
            if exc.status != 404:
                raise
        finally:
            self.invalidate_cache(path)

    @service_errors
    def rmdir(self, path: str, **kwargs: Any) -> None:
        """Delete an empty bucket (folders need no deleting: they vanish with their objects)."""
        bucket, namespace, key = self.split_path(path)
        if key:
            return None
        self.invalidate_cache(f"{bucket}@{namespace}")
        try:
            super().rmdir(f"{bucket}@{namespace}", **kwargs)
        finally:
            self.invalidate_cache(f"{bucket}@{namespace}")
        return None
