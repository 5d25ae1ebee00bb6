"""The ``gs://`` front: GCS listings and ``info`` through the JSON API, without gcsfs.

What :mod:`omefs.providers.front` describes, for GCS. obstore speaks GCS's
XML API, which emulators do not implement, so this front does not go
through obstore: it makes the JSON-API requests itself
(:class:`~omefs.providers.gcp.json_api.GCSJsonAPI`, plain keep-alive HTTP)
and answers gcsfs's entries (:mod:`omefs.providers.gcp.entries`) with
gcsfs's semantics: ``info`` of a folder, listings that skip the OME
facade's hidden parts folder, ``find`` of a single object.

It takes the options of :class:`~omefs.providers.gcp.fs.GCSFileSystem`
(translated by :mod:`omefs.providers.gcp.options`) and refuses — so the
caller gets the full filesystem — what it cannot honour: any option it
does not know (``requester_pays``, ``version_aware``…), a URL naming a
generation, an encryption setting, gcsfs's default credential chain (no
auth config and no ``token``), a token that is not a google-auth
credentials object, a client certificate, and an endpoint the environment
sends through a proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from omefs.providers.error_mapping import SYNC_METHODS, map_errors
from omefs.providers.filesystem import exists_by_info
from omefs.providers.front import StoreFront
from omefs.providers.gcp.entries import (
    directory_entry,
    hidden,
    is_directory_marker,
    object_entry,
    shows_hidden,
)
from omefs.providers.gcp.options import gcs_location, translate_options, uses_client_certificate

__all__ = ["GCSFront"]


def _names_version(key: str) -> bool:
    """Whether a key names one version (``?version=ID``, gcsfs's ``#GENERATION``)."""
    return "?version=" in key or "#" in key


@dataclass
class TokenHolder:
    """What gcsfs's credentials holder tells of the identity (``method``, ``credentials``),
    for the code that reads it from any ``gs://`` filesystem (obstore stores, identities)."""

    method: str
    credentials: Any = None


@map_errors(*SYNC_METHODS, "exists")
class GCSFront(StoreFront):
    """A GCS bucket's listings through the JSON API; the rest through the ``gs://`` filesystem."""

    protocol: ClassVar[tuple[str, ...]] = ("gs", "gcs")
    auth_provider: ClassVar[str] = "gcp"
    storage_provider: ClassVar[str] = "gcs"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset({"token"})
    front_options: ClassVar[frozenset[str]] = frozenset({"token", "project", "endpoint_url"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from omefs.lean_http import proxied
        from omefs.providers.gcp.json_api import GCSJsonAPI

        opts = self.storage_options
        token = opts.get("token")
        if token == "anon":
            creds, method = None, "anon"
        elif token is not None and callable(getattr(token, "refresh", None)) and hasattr(token, "token"):
            creds, method = token, "token"
        else:  # gcsfs's default chain, a token file, a raw token: gcsfs's own credential code
            raise TypeError("these credentials need the full filesystem")
        self.endpoint_url = opts.get("endpoint_url")
        #: gcsfs's attribute names, read by the obstore store's builder and the identity check.
        self._location = gcs_location(self.endpoint_url)
        if uses_client_certificate() or proxied(self._location):
            raise TypeError("a client certificate or a proxy needs the full filesystem")
        self.credentials = TokenHolder(method, creds)
        self.project = opts.get("project")
        self.client_kwargs: dict[str, Any] = {}
        self.requester_pays = False
        #: The JSON API, as this filesystem reaches it.
        self.api = GCSJsonAPI(self._location, creds)

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        settings = dict(getattr(self.auth_config, "settings", None) or {})
        return translate_options(kwargs, self.encryption, settings)

    @classmethod
    def parse_url(cls, url: str) -> tuple[str, dict[str, Any]]:
        path, options = super().parse_url(url)
        if "#" in path:  # a generation (gcsfs's version_aware): the full filesystem's
            options["version_aware"] = True
        return path, options

    # -- listings -------------------------------------------------------------------
    def _objects(self, bucket: str, prefix: str | None, delimiter: str | None,
                 max_results: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
        """objects.list as the ``gs://`` filesystem sees it: entries, without the hidden
        parts folder unless the listing looks inside it."""
        items, prefixes = self.api.list_objects(bucket, prefix, delimiter=delimiter,
                                                max_results=max_results)
        if not shows_hidden(prefix or ""):
            items = [i for i in items if not hidden(str(i.get("name", "")))]
            prefixes = [p for p in prefixes if not hidden(p.rstrip("/"))]
        return [object_entry(bucket, i) for i in items], prefixes

    def _bucket_info(self, bucket: str, path: str) -> dict[str, Any]:
        try:
            out = self.api.get_bucket(bucket)
        except OSError:  # as gcsfs: a bucket it may not read may still list
            items, prefixes = self._objects(bucket, None, "/", max_results=1)
            if not (items or prefixes):
                raise FileNotFoundError(path) from None
            return {"name": bucket, "size": 0, "type": "directory"}
        out.update(size=0, type="directory")
        return out

    # -- what the front serves --------------------------------------------------------
    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        bucket, key = self.split(path)
        if kwargs or not bucket or _names_version(key):
            return dict(self.full.info(path, **kwargs))
        out = self._info(bucket, key, path)
        native = out.get("generation")  # the neutral version, as every omefs filesystem's info()
        out["version_id"] = None if native in (None, "", "null") else str(native)
        return out

    def _info(self, bucket: str, key: str, path: str) -> dict[str, Any]:
        if not key:
            return self._bucket_info(bucket, path)
        try:
            entry = object_entry(bucket, self.api.get_object(bucket, key))
            if not is_directory_marker(entry):
                return entry
        except FileNotFoundError:
            pass
        items, prefixes = self._objects(bucket, key + "/", "/", max_results=1)
        if items or prefixes:
            return directory_entry(bucket, f"{bucket}/{key}")
        raise FileNotFoundError(path)

    def ls(self, path: str, detail: bool = False, **kwargs: Any) -> list[Any]:  # gcsfs's default
        kwargs.pop("refresh", None)  # nothing is cached here
        bucket, key = self.split(path)
        if kwargs or not bucket or _names_version(key):
            return list(self.full.ls(path, detail=detail, **kwargs))
        name = f"{bucket}/{key}" if key else bucket
        items, prefixes = self._objects(bucket, key + "/" if key else None, "/")
        found = [directory_entry(bucket, f"{bucket}/{p}") for p in prefixes] + items
        if not found and key:
            found = [object_entry(bucket, self.api.get_object(bucket, key))]
        out: list[dict[str, Any]] = []
        dirs: set[str] = set()
        for entry in found:
            if is_directory_marker(entry):
                entry = directory_entry(bucket, name)
            if entry["type"] == "directory":
                if entry["name"] in dirs:
                    continue
                dirs.add(entry["name"])
            out.append(entry)
        out.sort(key=lambda e: e["name"])
        return out if detail else [e["name"] for e in out]

    def find(self, path: str, maxdepth: int | None = None, withdirs: bool = False,
             detail: bool = False, **kwargs: Any) -> Any:
        bucket, key = self.split(path)
        if not bucket or maxdepth is not None or withdirs or kwargs or _names_version(key):
            return self.full.find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)
        name = f"{bucket}/{key}" if key else bucket
        objects, _ = self._objects(bucket, key + "/" if key else None, None)
        if not objects:  # perhaps the path is an object
            objects, _ = self._objects(bucket, key or None, None)
        inside = name + "/"
        objects = [o for o in objects if o["name"].startswith(inside) or o["name"] == name]
        if detail:
            return {o["name"]: o for o in objects}
        return [o["name"] for o in objects]

    def exists(self, path: str, **kwargs: Any) -> bool:
        return exists_by_info(self, path, **kwargs)  # buckets too: the JSON API answers them
