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

from oci.exceptions import ServiceError

from omefs.providers.oci.connection import OCIConnection, service_errors

__all__ = ["OCIListing"]


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
        named (or matched) with ``recursive=True`` is deleted once empty.
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
            if recursive:
                self.rmdir(bucket_path)

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
