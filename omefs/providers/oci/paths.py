"""Every OCI URL form, turned into ocifs's own path form ``BUCKET@NS/PATH``.

ocifs keys everything (its directory cache, ``ls`` results, ``info`` names)
on ``BUCKET@NS/PATH``, and a namespace root is ``@NS``. omefs's ``oci://``
filesystem keeps those internal paths — so results are exactly ocifs's —
and accepts on input every form of :func:`omefs.uri.parse_uri` — the grammar
of :mod:`omefs.providers.oci.uri`, which this module applies rather than
repeats:

* ``oci://NS/BUCKET/PATH`` (canonical), ``oci://n/NS/b/BUCKET/o/PATH``,
  ``oci://NS@REGION/BUCKET/PATH``, ocifs's ``oci://BUCKET@NS/PATH`` and
  ``https://objectstorage.REGION.oraclecloud.com/n/NS/b/BUCKET/o/PATH``;
* the same without the scheme, as fsspec passes paths around;
* a namespace alone (``oci://NS``, ``oci://NS@REGION``, ``@NS``), whose
  listing is the namespace's buckets.

A path that is already ``BUCKET@NS/…`` or ``@NS`` maps to itself, so
stripping is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from omefs.errors import InvalidURIError
from omefs.providers.oci.uri import NAME_RE, REGION_RE

__all__ = ["OCILocation", "is_region", "locate"]

_SCHEMES = ("oci://",)


def is_region(text: str) -> bool:
    """Whether ``text`` looks like an OCI region identifier (``us-ashburn-1``, ``us-gov-ashburn-1``…)."""
    return bool(REGION_RE.match(text))


@dataclass(frozen=True)
class OCILocation:
    """Where an OCI URL points: a namespace, a bucket or an object (or folder)."""

    namespace: str
    bucket: str = ""
    key: str = ""
    region: str | None = None

    @property
    def internal(self) -> str:
        """ocifs's path: ``BUCKET@NS/KEY``, ``BUCKET@NS`` or ``@NS``."""
        if not self.bucket:
            return f"@{self.namespace}"
        key = self.key.strip("/")
        return f"{self.bucket}@{self.namespace}" + (f"/{key}" if key else "")


def _namespace_only(rest: str) -> OCILocation | None:
    """``NS``, ``NS/``, ``NS@REGION``, ``@NS`` → a namespace location; else None."""
    bare = rest.rstrip("/")
    if "/" in bare:
        return None
    if bare.startswith("@") and NAME_RE.match(bare[1:]):
        return OCILocation(namespace=bare[1:])
    ns, at, region = bare.partition("@")
    if at and is_region(region) and NAME_RE.match(ns):
        return OCILocation(namespace=ns, region=region)
    if not at and NAME_RE.match(bare):
        return OCILocation(namespace=bare)
    return None


def locate(path: str) -> OCILocation:
    """Parse any accepted OCI form (with or without its scheme) into an :class:`OCILocation`.

    Raises :class:`~omefs.errors.InvalidURIError` naming the URL, the part
    that is wrong and the accepted forms.
    """
    from omefs.uri import parse_uri

    text = str(path)
    if text.lower().startswith("https://"):
        uri = parse_uri(text)
        return OCILocation(uri.namespace or "", uri.bucket, uri.path, uri.region)
    rest = text
    for scheme in _SCHEMES:
        if text.startswith(scheme):
            rest = text[len(scheme):]
            break
    if not rest.strip("/"):
        raise InvalidURIError(
            "an oci:// URL needs at least a namespace: oci://NAMESPACE (lists its buckets), "
            "oci://NAMESPACE/BUCKET/PATH or oci://BUCKET@NAMESPACE/PATH",
            operation="parse_uri",
            uri=text,
            provider="oci",
        )
    ns_only = _namespace_only(rest)
    if ns_only is not None:
        return ns_only
    uri = parse_uri("oci://" + rest)
    return OCILocation(uri.namespace or "", uri.bucket, uri.path, uri.region)

