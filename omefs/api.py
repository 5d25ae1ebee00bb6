"""The top-level helpers: :func:`filesystem`, :func:`url_to_fs`, :func:`open`.

They are fsspec's own functions with one addition: ``auth=`` is accepted
everywhere (an :class:`~omefs.config.AuthConfig`, a mapping or a profile
name) and passed to omefs's filesystems, which resolve it.
"""

from __future__ import annotations

import fsspec
from fsspec.core import OpenFile
from fsspec.registry import known_implementations

from omefs.types import AuthLike
from omefs.uri import normalize_url

__all__ = ["filesystem", "url_to_fs", "open"]


def _with_auth(kwargs: dict[str, object], auth: AuthLike) -> dict[str, object]:
    if auth is not None:
        kwargs = dict(kwargs, auth=auth)
    return kwargs


def filesystem(
    protocol_or_uri: str, auth: AuthLike = None, **storage_options: object
) -> fsspec.AbstractFileSystem:
    """The filesystem for a protocol (``"s3"``) or for the URI's protocol (``"s3://b/k"``).

    A full URI also contributes what the URI carries (an Azure account, an
    S3 region, a route of the routing config).
    """
    if "://" in protocol_or_uri:
        fs, _ = url_to_fs(protocol_or_uri, auth=auth, **storage_options)
        return fs
    from omefs.providers import provider_for_scheme

    if provider_for_scheme(protocol_or_uri) is not None:
        protocol_or_uri = protocol_or_uri.lower()
    _make_known(f"{protocol_or_uri}://")
    return fsspec.filesystem(protocol_or_uri, **_with_auth(storage_options, auth))


def url_to_fs(
    uri: str, auth: AuthLike = None, **kwargs: object
) -> tuple[fsspec.AbstractFileSystem, str]:
    """``(filesystem, path)`` for ``uri``, as :func:`fsspec.core.url_to_fs` with ``auth=``.

    A provider's scheme is read case-insensitively (``S3://b/k``); ``s3:/b/k``
    is an :class:`~omefs.errors.InvalidURIError`, not a local path.
    """
    uri = normalize_url(uri)
    _make_known(uri)
    fs, path = fsspec.core.url_to_fs(uri, **_with_auth(kwargs, auth))
    return fs, str(path)


def _make_known(uri: str) -> None:
    """Tell fsspec about a registered provider's filesystem that fsspec does not know yet.

    omefs's own providers are known to fsspec through entry points; a
    provider registered at run time (:func:`omefs.providers.register_provider`)
    that names its filesystem classes is made known here, on first use.
    """
    scheme, sep, _ = uri.partition("://")
    if not sep or not scheme:
        return
    scheme = scheme.lower()
    if scheme in fsspec.registry or scheme in known_implementations:
        return
    from omefs.providers import provider_for_scheme

    prov = provider_for_scheme(scheme)
    if prov is not None and prov.filesystems:
        fsspec.register_implementation(scheme, prov.filesystem_class(scheme))


def open(  # noqa: A001 - mirrors fsspec.open
    uri: str,
    mode: str = "rb",
    auth: AuthLike = None,
    **kwargs: object,
) -> OpenFile:
    """An :class:`fsspec.core.OpenFile` for ``uri`` (use it in a ``with`` block)."""
    uri = normalize_url(uri)
    _make_known(uri)
    return fsspec.open(uri, mode=mode, **_with_auth(kwargs, auth))
