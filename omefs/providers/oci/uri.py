"""The ``oci://`` URI grammar: every OCI form into :class:`~omefs.uri.ObjectURI` fields and back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from omefs.providers.base import URISyntaxError

if TYPE_CHECKING:
    from omefs.uri import ObjectURI

__all__ = ["FORMS", "REGION_RE", "NAME_RE", "parse", "validate", "format_uri", "long_form"]

FORMS = (
    "oci://NAMESPACE/BUCKET/PATH",
    "oci://NAMESPACE@REGION/BUCKET/PATH",
    "oci://n/NAMESPACE/b/BUCKET/o/PATH",
    "oci://BUCKET@NAMESPACE/PATH",
    "https://objectstorage.REGION.oraclecloud.com/n/NAMESPACE/b/BUCKET/o/PATH",
)

# OCI region identifiers: us-ashburn-1, eu-frankfurt-1, us-gov-ashburn-1, …
REGION_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z]+)+-\d+\Z")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,256}\Z")
_HOST_RE = re.compile(r"^(?:[a-z0-9-]+\.)?objectstorage\.(?P<region>[a-z0-9-]+)\.[a-z0-9.-]+\Z")


def parse(scheme: str, rest: str, text: str) -> dict[str, Any]:
    """The fields of an ``oci://`` or ``https://objectstorage…`` URI."""
    if scheme == "https":
        return _parse_https(text)
    first, _, after = rest.partition("/")
    region: str | None = None
    if "@" in first:
        left, _, right = first.partition("@")
        if REGION_RE.match(right):
            namespace, region = left, right
            bucket, _, path = after.partition("/")
        else:
            bucket, namespace, path = left, right, after
    else:
        found = long_form(rest)
        if found is not None:
            namespace, bucket, path = found
        else:
            namespace = first
            bucket, _, path = after.partition("/")
    return {"bucket": bucket, "path": path, "namespace": namespace, "region": region}


def long_form(rest: str) -> tuple[str, str, str] | None:
    """``n/NS/b/BUCKET[/o[/PATH]]`` → (NS, BUCKET, PATH), else None."""
    segs = rest.split("/", 5)
    if len(segs) < 4 or segs[0] != "n" or segs[2] != "b":
        return None
    if len(segs) == 4 or segs[4] == "o" or (len(segs) == 5 and segs[4] == ""):
        return segs[1], segs[3], segs[5] if len(segs) == 6 else ""
    return None


def _parse_https(text: str) -> dict[str, Any]:
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise URISyntaxError(f"the URL cannot be parsed ({exc})") from None
    match = _HOST_RE.match(host)
    if match is None:
        raise URISyntaxError(
            f"the host {host!r} is not an OCI Object Storage endpoint; "
            "https:// URLs are accepted only for OCI Object Storage"
        )
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise URISyntaxError(
            "a query string or fragment is not supported; percent-encode '?' as %3F "
            "and '#' as %23 in the object name"
        )
    raw = parts.path.lstrip("/")
    if raw.startswith("p/"):
        raise URISyntaxError("pre-authenticated request URLs (/p/…) are not supported")
    found = long_form(raw)
    if found is None:
        raise URISyntaxError(f"the path {parts.path!r} is not /n/NAMESPACE/b/BUCKET/o/OBJECT")
    namespace, bucket, path = (unquote(part) for part in found)
    return {"bucket": bucket, "path": path, "namespace": namespace,
            "region": match.group("region"), "scheme": "https"}


def validate(fields: dict[str, Any]) -> dict[str, Any]:
    """Check the namespace, bucket and region."""
    from omefs.uri import check_part

    check_part("namespace", fields["namespace"], NAME_RE.match, "letters, digits, '-', '_' and '.'")
    check_part("bucket", fields["bucket"], NAME_RE.match, "1-256 letters, digits, '-', '_' and '.'")
    if fields["region"] is not None:
        check_part("region", fields["region"], REGION_RE.match,
                   "an OCI region identifier such as us-ashburn-1")
    return fields


def format_uri(uri: ObjectURI) -> str:
    """The canonical ``oci://NS/BUCKET/PATH`` (``NS@REGION`` when the URI has a region)."""
    path = f"/{uri.path}" if uri.path else ""
    if uri.region:
        return f"oci://{uri.namespace}@{uri.region}/{uri.bucket}{path}"
    rest = f"{uri.namespace}/{uri.bucket}{path}"
    if long_form(rest) is not None:
        # oci://n/BUCKET/b/… would read back as the n/NS/b/BUCKET form.
        obj = f"/o{path}" if path else ""
        return f"oci://n/{uri.namespace}/b/{uri.bucket}{obj}"
    return f"oci://{rest}"
