"""The ``azure://`` (and adlfs ``az://``, ``abfs://``, ``abfss://``) URI grammar."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from omefs.providers.base import URISyntaxError

if TYPE_CHECKING:
    from omefs.uri import ObjectURI

__all__ = ["FORMS", "parse", "validate", "format_uri", "fsspec_url", "split_path"]

FORMS = (
    "azure://CONTAINER/PATH",
    "azure://CONTAINER@ACCOUNT/PATH",
    "azure://ACCOUNT.blob.core.windows.net/CONTAINER/PATH",
    "az://CONTAINER/PATH",
    "abfs://CONTAINER/PATH",
    "abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/PATH",
)

_CONTAINER_RE = re.compile(r"^(?:\$root|\$web|\$logs|[a-z0-9][a-z0-9-]{1,61}[a-z0-9])\Z")
_ACCOUNT_RE = re.compile(r"^[a-z0-9]{3,24}\Z")
# The account's host: Azure's public cloud, Azure China and Azure US Government.
_HOST_RE = re.compile(
    r"^(?P<account>[^.]+)\.(?:blob|dfs)\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)\Z",
    re.IGNORECASE,
)


def parse(scheme: str, rest: str, text: str) -> dict[str, Any]:
    """The fields of an Azure Blob URI in any of :data:`FORMS`."""
    first, _, after = rest.partition("/")
    account: str | None = None
    if "@" in first:
        container, _, host = first.partition("@")
        if not host:
            raise URISyntaxError("the storage account after '@' is missing")
        host_match = _HOST_RE.match(host)
        if host_match:
            account = host_match.group("account").lower()  # a DNS name: case-insensitive
        elif "." in host:
            raise URISyntaxError(
                f"the account host {host!r} is neither ACCOUNT nor "
                "ACCOUNT.blob.core.windows.net / ACCOUNT.dfs.core.windows.net"
            )
        else:
            account = host
        path = after
    else:
        host_match = _HOST_RE.match(first)
        if host_match:
            account = host_match.group("account").lower()
            container, _, path = after.partition("/")
            if not container:
                raise URISyntaxError(f"the container after the account host {first!r} is missing")
        else:
            container, path = first, after
    return {"bucket": container, "path": path, "account": account}


def split_path(path: str) -> tuple[str, str | None]:
    """A filesystem path (an ``azure://`` URL, or the same without the scheme) in
    ``CONTAINER/PATH`` form, with the storage account it names (or None).

    The forms are those of :func:`parse`; a path :func:`parse` refuses is
    passed on unchanged (with no account) for the filesystem to report, and
    ``ACCOUNT.blob.core.windows.net/`` is the account's root.
    """
    bare = path[len("azure://"):] if path.startswith("azure://") else path
    first, slash, after = bare.partition("/")
    host = _HOST_RE.match(first)
    if host is not None:
        return (after, host.group("account").lower()) if slash else (bare, None)
    try:
        fields = parse("azure", bare, path)
    except URISyntaxError:
        return bare, None
    if fields["account"] is None:
        return bare, None
    return fields["bucket"] + (f"/{after}" if slash else ""), fields["account"]


def validate(fields: dict[str, Any]) -> dict[str, Any]:
    """Check the container and account names against Azure's rules."""
    from omefs.uri import check_part

    check_part("container", fields["bucket"], _CONTAINER_RE.match,
               "3-63 lowercase letters, digits and '-', or $root, $web, $logs")
    if fields["account"] is not None:
        check_part("storage account", fields["account"], _ACCOUNT_RE.match,
                   "3-24 lowercase letters and digits")
    return fields


def format_uri(uri: ObjectURI) -> str:
    """The canonical ``azure://CONTAINER[@ACCOUNT]/PATH``."""
    at = f"@{uri.account}" if uri.account else ""
    return f"azure://{uri.bucket}{at}{'/' + uri.path if uri.path else ''}"


def fsspec_url(uri: ObjectURI) -> str:
    """adlfs's form: ``az://CONTAINER/PATH``; abfs(s) URIs keep their scheme and host."""
    path = f"/{uri.path}" if uri.path else ""
    if uri.scheme in ("abfs", "abfss"):
        host = f"@{uri.account}.dfs.core.windows.net" if uri.account else ""
        return f"{uri.scheme}://{uri.bucket}{host}{path}"
    return f"az://{uri.bucket}{path}"
