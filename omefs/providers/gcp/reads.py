"""The copy engine's reads of GCS objects through the JSON API, without gcsfs's aiohttp.

gcsfs's ``_cat_file`` costs about a millisecond and a half of client CPU
per GET (aiohttp's request pipeline), most of a small object's cost. Where
the object is reached without any of what gcsfs alone handles, the engine
reads it with a plain HTTP GET (``alt=media``, whole or one byte range) of
:class:`~omefs.providers.gcp.json_api.GCSJsonAPI`:

* from the ``gs://`` front, always (it exists only for such settings);
* from the full ``gs://`` filesystem when it has no encryption setting, no
  requester-pays project, no client certificate and no proxy on the way,
  and its identity is anonymous or a google-auth credentials object
  (:func:`lean_api` decides, once per filesystem).

The bytes are checked by the engine as any read's are (their MD5 or CRC32C
against the listing's ``md5Hash`` / ``crc32c``); a 404 is a
``FileNotFoundError``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["lean_api", "download"]

_NONE = object()


def lean_api(fs: Any) -> Any:
    """The :class:`~omefs.providers.gcp.json_api.GCSJsonAPI` that reads ``fs``'s objects as
    ``fs`` would, or None (its own client must read them)."""
    from omefs.providers.gcp.front import GCSFront

    if isinstance(fs, GCSFront):
        return fs.api
    found = getattr(fs, "__dict__", {}).get("_omefs_lean_api", _NONE)
    if found is _NONE:
        found = _for_full(fs)
        try:
            fs._omefs_lean_api = found
        except AttributeError:
            pass
    return found


def _for_full(fs: Any) -> Any:
    """The JSON API for a gcsfs-based filesystem whose requests it can make, else None."""
    from omefs.lean_http import proxied
    from omefs.providers.gcp.options import uses_client_certificate

    location = getattr(fs, "_location", None)
    if (not isinstance(location, str) or getattr(fs, "encryption", None) is not None
            or getattr(fs, "requester_pays", False) or getattr(fs, "session_kwargs", None)
            or uses_client_certificate() or proxied(location)):
        return None
    holder = getattr(fs, "credentials", None)
    if getattr(holder, "method", None) == "anon":
        creds = None
    else:
        creds = getattr(holder, "credentials", None)
        if creds is None or not callable(getattr(creds, "refresh", None)):
            return None
    from omefs.providers.gcp.json_api import GCSJsonAPI

    return GCSJsonAPI(location, creds)


def download(api: Any, bucket: str, key: str, start: int | None = None,
             end: int | None = None) -> bytes:
    """The object's bytes (all, or ``[start, end)``): blocking, run in the engine's pool."""
    return bytes(api.download(bucket, key, start, end).body)
