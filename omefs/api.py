"""The top-level helpers: :func:`filesystem`, :func:`url_to_fs`, :func:`open`.

They are fsspec's own functions with one addition: ``auth=`` is accepted
everywhere (an :class:`~omefs.config.AuthConfig`, a mapping or a profile
name) and passed to omefs's filesystems, which resolve it.
"""

from __future__ import annotations

from typing import Any

import fsspec
from fsspec.core import OpenFile

from omefs.config import AuthConfig

__all__ = ["filesystem", "url_to_fs", "open"]


def _with_auth(kwargs: dict[str, Any], auth: AuthConfig | dict[str, Any] | str | None) -> dict[str, Any]:
    if auth is not None:
        kwargs = dict(kwargs, auth=auth)
    return kwargs


def filesystem(
    protocol_or_uri: str, auth: AuthConfig | dict[str, Any] | str | None = None, **storage_options: Any
) -> fsspec.AbstractFileSystem:
    """The filesystem for a protocol (``"s3"``) or for the URI's protocol (``"s3://b/k"``).

    A full URI also contributes what the URI carries (an Azure account, an
    S3 region, a route of the routing config).
    """
    if "://" in protocol_or_uri:
        fs, _ = url_to_fs(protocol_or_uri, auth=auth, **storage_options)
        return fs
    return fsspec.filesystem(protocol_or_uri, **_with_auth(storage_options, auth))


def url_to_fs(
    uri: str, auth: AuthConfig | dict[str, Any] | str | None = None, **kwargs: Any
) -> tuple[fsspec.AbstractFileSystem, str]:
    """``(filesystem, path)`` for ``uri``, as :func:`fsspec.core.url_to_fs` with ``auth=``."""
    return fsspec.core.url_to_fs(uri, **_with_auth(kwargs, auth))


def open(  # noqa: A001 - mirrors fsspec.open
    uri: str,
    mode: str = "rb",
    auth: AuthConfig | dict[str, Any] | str | None = None,
    **kwargs: Any,
) -> OpenFile:
    """An :class:`fsspec.core.OpenFile` for ``uri`` (use it in a ``with`` block)."""
    return fsspec.open(uri, mode=mode, **_with_auth(kwargs, auth))
