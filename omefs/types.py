"""The type aliases of omefs's public signatures.

Public functions take these rather than ``Any``, so that a type checker in
the caller's code sees what is accepted:

* :data:`AuthLike` — an auth config in any of its accepted spellings;
* :data:`StorageOptions` — keyword options of a filesystem (the parent
  library's own, plus omefs's ``endpoint_url``…);
* :data:`URILike` — a URL string or a parsed :class:`~omefs.uri.ObjectURI`;
* :class:`Executor` — what ``copy(..., executor=)`` needs of an executor
  (``concurrent.futures.Executor`` and Dask's ``distributed.Client`` both fit).

Values inside options and settings are ``object``: they are handed on to an
SDK or a parent library, which checks them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, Union

if TYPE_CHECKING:
    from concurrent.futures import Future

    from omefs.config import AuthConfig
    from omefs.uri import ObjectURI

__all__ = ["AuthLike", "Executor", "StorageOptions", "URILike"]

#: An :class:`~omefs.config.AuthConfig`, a mapping of its fields
#: (``{"provider": "aws", "auth_type": …}``), the name of a profile of the
#: routing config, or ``None`` (routes, then each SDK's default chain).
AuthLike = Union["AuthConfig", Mapping[str, object], str, None]

#: Keyword options of a filesystem, as ``fsspec.filesystem(protocol, **options)`` takes them.
StorageOptions = Mapping[str, object]

#: A URL (``"s3://bucket/key"``, a local path…) or one already parsed.
URILike = Union[str, "ObjectURI"]


class Executor(Protocol):
    """Anything with ``submit(fn, *args, **kwargs)`` returning a future."""

    def submit(self, fn: Callable[..., object], /, *args: object, **kwargs: object) -> Future[object]:
        """Schedule ``fn(*args, **kwargs)``; its future."""
        ...
