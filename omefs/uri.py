"""Parsing object-storage URIs for the five providers into one :class:`ObjectURI`.

:func:`parse_uri` accepts every form below and returns an :class:`ObjectURI`;
``str(uri)`` gives the canonical form and ``uri.fsspec_url`` the form the
underlying fsspec library (ocifs, s3fs, gcsfs, adlfs, omefs' GitHub
filesystem) takes.

=========  =====================================================================
provider   accepted forms
=========  =====================================================================
oci        ``oci://NS/BUCKET/PATH`` (canonical) · ``oci://NS@REGION/BUCKET/PATH``
           · ``oci://n/NS/b/BUCKET/o/PATH`` · ``oci://BUCKET@NS/PATH`` (ocifs)
           · ``https://objectstorage.REGION.oraclecloud.com/n/NS/b/BUCKET/o/PATH``
s3         ``s3://BUCKET/PATH`` · ``s3://BUCKET@REGION/PATH`` · ``s3a://BUCKET/PATH``
gcs        ``gs://BUCKET/PATH`` · ``gcs://BUCKET/PATH``
azure      ``azure://CONTAINER/PATH`` · ``azure://CONTAINER@ACCOUNT/PATH``
           · ``azure://ACCOUNT.blob.core.windows.net/CONTAINER/PATH``
           · adlfs' ``az://CONTAINER/PATH``, ``abfs://CONTAINER/PATH`` and
           ``abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/PATH``
github     ``github://OWNER/REPO/TAG/ASSET`` · ``github://OWNER/REPO@TAG/ASSET``
           · ``github://OWNER/REPO`` and ``github://OWNER/REPO/TAG`` (listing
           levels) · fsspec's repository-contents form ``github://ORG:REPO@REF/PATH``
=========  =====================================================================

Rules:

* ``oci://X@Y/…`` means ``NS@REGION`` when ``Y`` looks like an OCI region
  identifier (``us-ashburn-1``, ``eu-frankfurt-1``, ``us-gov-ashburn-1``…)
  and the ocifs form ``BUCKET@NS`` otherwise.
* Object names in ``scheme://`` URIs are literal: ``%``, ``#``, ``?``,
  spaces and any unicode are part of the name. Only the
  ``https://objectstorage…`` form, an HTTP URL, is percent-decoded.
* ``PATH`` may be empty (the bucket root) or end with ``/`` (a folder);
  a trailing slash is kept.
* For GitHub, ``namespace`` is the owner, ``bucket`` the repository, ``ref``
  the release tag (``latest`` is kept as the ref ``"latest"``) and ``path``
  the asset name. The contents form has ``form == "contents"``.
* A malformed URI raises :class:`~omefs.errors.InvalidURIError` naming the
  URI, the part that is wrong and the accepted forms.

``parse_uri(str(uri)) == uri`` holds for every :class:`ObjectURI`.
"""

from __future__ import annotations

import dataclasses
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from omefs.errors import InvalidURIError
from omefs.providers import auth_provider as _auth_provider
from omefs.providers import storage_provider as _storage_provider

__all__ = ["ObjectURI", "parse_uri"]

Form = Literal["release", "contents"]

# Which provider each URI scheme belongs to; the first scheme listed for a
# provider is its canonical one.
_SCHEMES: dict[str, tuple[str, ...]] = {
    "oci": ("oci", "https"),
    "s3": ("s3", "s3a"),
    "gcs": ("gs", "gcs"),
    "azure": ("azure", "az", "abfs", "abfss"),
    "github": ("github",),
}
_SCHEME_PROVIDER = {scheme: prov for prov, schemes in _SCHEMES.items() for scheme in schemes}

_LABELS = {"oci": "OCI", "s3": "S3", "gcs": "GCS", "azure": "Azure", "github": "GitHub"}

_FORMS: dict[str, tuple[str, ...]] = {
    "oci": (
        "oci://NAMESPACE/BUCKET/PATH",
        "oci://NAMESPACE@REGION/BUCKET/PATH",
        "oci://n/NAMESPACE/b/BUCKET/o/PATH",
        "oci://BUCKET@NAMESPACE/PATH",
        "https://objectstorage.REGION.oraclecloud.com/n/NAMESPACE/b/BUCKET/o/PATH",
    ),
    "s3": ("s3://BUCKET/PATH", "s3://BUCKET@REGION/PATH", "s3a://BUCKET/PATH"),
    "gcs": ("gs://BUCKET/PATH", "gcs://BUCKET/PATH"),
    "azure": (
        "azure://CONTAINER/PATH",
        "azure://CONTAINER@ACCOUNT/PATH",
        "azure://ACCOUNT.blob.core.windows.net/CONTAINER/PATH",
        "az://CONTAINER/PATH",
        "abfs://CONTAINER/PATH",
        "abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/PATH",
    ),
    "github": (
        "github://OWNER/REPO/TAG/ASSET",
        "github://OWNER/REPO@TAG/ASSET",
        "github://OWNER/REPO[/TAG]",
        "github://ORG:REPO@REF/PATH",
    ),
}

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SCHEME_NO_SLASHES_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")

# OCI region identifiers: us-ashburn-1, eu-frankfurt-1, us-gov-ashburn-1, …
_OCI_REGION_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z]+)+-\d+\Z")
_OCI_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,256}\Z")
_OCI_HOST_RE = re.compile(
    r"^(?:[a-z0-9-]+\.)?objectstorage\.(?P<region>[a-z0-9-]+)\.[a-z0-9.-]+\Z"
)
# S3-compatible stores (MinIO, Ceph…) use free-form region names.
_GENERIC_REGION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
# Characters no bucket name of any service may contain.
_BAD_BUCKET_CHARS_RE = re.compile(r"[\s/@?#%\\\x00-\x1f\x7f]")
_AZ_CONTAINER_RE = re.compile(r"^(?:\$root|\$web|\$logs|[a-z0-9][a-z0-9-]{1,61}[a-z0-9])\Z")
_AZ_ACCOUNT_RE = re.compile(r"^[a-z0-9]{3,24}\Z")
_AZ_HOST_RE = re.compile(r"^(?P<account>[^.]+)\.(?:blob|dfs)\.core\.windows\.net\Z", re.IGNORECASE)
_GH_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+\Z")
_BAD_REF_CHARS_RE = re.compile(r"[\s/\\\x00-\x1f\x7f]")


class _Bad(Exception):
    """Internal: one part of a URI is wrong; the message says which and why."""


@dataclass(frozen=True)
class ObjectURI:
    """One object, folder, bucket or release location on one of the five providers.

    ``provider`` is the storage provider (``oci``, ``s3``, ``gcs``, ``azure``,
    ``github``; ``aws``/``gcp`` are accepted and normalised). ``bucket`` is
    the bucket, Azure container or GitHub repository; ``path`` the object
    name, folder (ending in ``/``) or GitHub release asset, ``""`` for the
    root. ``namespace`` is the OCI namespace or GitHub owner, ``region`` the
    OCI or S3 region when the URI names one, ``account`` the Azure storage
    account when the URI names one, ``ref`` the GitHub tag or git ref.

    ``form`` is ``"release"`` (release assets) or ``"contents"`` (files of
    the repository at ``ref``) for GitHub and ``None`` otherwise. ``scheme``
    remembers the scheme the URI was written with (``s3a``, ``abfss``,
    ``https``…); it takes no part in equality.

    Constructing an ``ObjectURI`` directly validates it like
    :func:`parse_uri` does.
    """

    provider: str
    bucket: str
    path: str = ""
    namespace: str | None = None
    region: str | None = None
    account: str | None = None
    ref: str | None = None
    form: Form | None = None
    scheme: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        try:
            values = _validated(
                provider=self.provider,
                bucket=self.bucket,
                path=self.path,
                namespace=self.namespace,
                region=self.region,
                account=self.account,
                ref=self.ref,
                form=self.form,
                scheme=self.scheme,
            )
        except _Bad as bad:
            prov = _storage_provider(self.provider) if isinstance(self.provider, str) else None
            raise _invalid(str(bad), prov, None, what="ObjectURI") from None
        for name, value in values.items():
            object.__setattr__(self, name, value)

    # -- rendering ---------------------------------------------------------

    def __str__(self) -> str:
        """The canonical form; ``parse_uri(str(uri)) == uri``."""
        path = _tail(self.path)
        if self.provider == "oci":
            if self.region:
                return f"oci://{self.namespace}@{self.region}/{self.bucket}{path}"
            rest = f"{self.namespace}/{self.bucket}{path}"
            if _oci_long_form(rest) is not None:
                # oci://n/BUCKET/b/… would read back as the n/NS/b/BUCKET form.
                obj = f"/o{path}" if path else ""
                return f"oci://n/{self.namespace}/b/{self.bucket}{obj}"
            return f"oci://{rest}"
        if self.provider == "s3":
            at = f"@{self.region}" if self.region else ""
            return f"s3://{self.bucket}{at}{path}"
        if self.provider == "gcs":
            return f"gs://{self.bucket}{path}"
        if self.provider == "azure":
            at = f"@{self.account}" if self.account else ""
            return f"azure://{self.bucket}{at}{path}"
        return self._github_url()

    @property
    def fsspec_url(self) -> str:
        """The URL the underlying fsspec filesystem takes.

        ocifs' ``oci://BUCKET@NS/PATH``, ``s3://BUCKET/PATH``,
        ``gs://BUCKET/PATH``, adlfs' ``az://CONTAINER/PATH`` (``abfs``/``abfss``
        URIs keep their scheme and ``CONTAINER@ACCOUNT.dfs.core.windows.net``
        host) and ``github://…`` unchanged. The OCI/S3 region and the Azure
        account are not part of it except in the abfs(s) host; they are
        carried as ``region`` and ``account``.
        """
        path = _tail(self.path)
        if self.provider == "oci":
            return f"oci://{self.bucket}@{self.namespace}{path}"
        if self.provider == "s3":
            return f"s3://{self.bucket}{path}"
        if self.provider == "gcs":
            return f"gs://{self.bucket}{path}"
        if self.provider == "azure":
            if self.scheme in ("abfs", "abfss"):
                host = f"@{self.account}.dfs.core.windows.net" if self.account else ""
                return f"{self.scheme}://{self.bucket}{host}{path}"
            return f"az://{self.bucket}{path}"
        return self._github_url()

    def _github_url(self) -> str:
        path = _tail(self.path)
        if self.form == "contents":
            return f"github://{self.namespace}:{self.bucket}@{self.ref}{path}"
        tag = f"/{self.ref}" if self.ref is not None else ""
        return f"github://{self.namespace}/{self.bucket}{tag}{path}"

    # -- helpers -----------------------------------------------------------

    @property
    def auth_provider(self) -> str:
        """The auth-side provider name: ``oci``, ``aws``, ``gcp``, ``azure`` or ``github``."""
        return _auth_provider(self.provider) or self.provider

    @property
    def name(self) -> str:
        """The last component: the object or folder name (without the trailing
        slash), else the GitHub tag, else the bucket/container/repository."""
        stripped = self.path.rstrip("/")
        if stripped:
            return stripped.rsplit("/", 1)[-1]
        if self.provider == "github" and self.form == "release" and self.ref is not None:
            return self.ref
        return self.bucket

    @property
    def parent(self) -> ObjectURI:
        """The enclosing folder (its path ends with ``/``), the bucket root, or
        for a GitHub release the tag and then the repository. The root is its
        own parent."""
        if self.path:
            stripped = self.path.rstrip("/")
            head = stripped.rsplit("/", 1)[0] + "/" if "/" in stripped else ""
            return dataclasses.replace(self, path=head)
        if self.provider == "github" and self.form == "release" and self.ref is not None:
            return dataclasses.replace(self, ref=None)
        return self

    def join(self, child: str) -> ObjectURI:
        """The location ``child`` below this one.

        ``child`` is a literal relative name (leading slashes are dropped) and
        may contain ``/``. Below a GitHub repository its first component is
        the tag; below a tag, the asset name.
        """
        if not isinstance(child, str):
            raise _invalid(f"join() takes a str, got {type(child).__name__}", self.provider, str(self))
        child = child.lstrip("/")
        if not child:
            return self
        if self.provider == "github" and self.form == "release":
            if self.ref is None:
                tag, _, asset = child.partition("/")
                return dataclasses.replace(self, ref=tag, path=asset)
            if self.path:
                raise _invalid(
                    f"cannot join {child!r} below the release asset {self.path!r}",
                    self.provider,
                    str(self),
                )
            return dataclasses.replace(self, path=child)
        base = self.path
        if base and not base.endswith("/"):
            base += "/"
        return dataclasses.replace(self, path=base + child)


def parse_uri(text: str | ObjectURI) -> ObjectURI:
    """Parse any accepted URI form into an :class:`ObjectURI`.

    An ``ObjectURI`` is returned unchanged. Anything malformed raises
    :class:`~omefs.errors.InvalidURIError` naming the URI, the part that is
    wrong and the forms accepted for that provider.
    """
    if isinstance(text, ObjectURI):
        return text
    if not isinstance(text, str):
        raise _invalid(
            f"expected a URI string, got {type(text).__name__} {reprlib.repr(text)}", None, None
        )
    if not text:
        raise _invalid("the URI is empty", None, None)
    match = _SCHEME_RE.match(text)
    if match is None:
        loose = _SCHEME_NO_SLASHES_RE.match(text)
        if loose and loose.group(1).lower() in _SCHEME_PROVIDER:
            given = loose.group(1).lower()
            raise _invalid(f"expected '{given}://' at the start", _SCHEME_PROVIDER[given], text)
        hint = " (it starts with whitespace)" if text[:1].isspace() else ""
        raise _invalid(f"the URI has no scheme{hint}", None, text)
    scheme = match.group(1).lower()
    rest = text[match.end():]
    prov = _SCHEME_PROVIDER.get(scheme)
    if prov is None:
        raise _invalid(f"unknown scheme {scheme + '://'!r}", None, text)
    try:
        if scheme == "https":
            return _parse_oci_https(text)
        return _PARSERS[prov](scheme, rest)
    except _Bad as bad:
        shown = re.sub(r"/p/[^/]+/", "/p/***/", text) if scheme == "https" else text
        raise _invalid(str(bad), prov, shown) from None


# -- parsers -----------------------------------------------------------------


def _parse_oci(scheme: str, rest: str) -> ObjectURI:
    first, _, after = rest.partition("/")
    region: str | None = None
    if "@" in first:
        left, _, right = first.partition("@")
        if _OCI_REGION_RE.match(right):
            namespace, region = left, right
            bucket, _, path = after.partition("/")
        else:
            bucket, namespace, path = left, right, after
    else:
        long_form = _oci_long_form(rest)
        if long_form is not None:
            namespace, bucket, path = long_form
        else:
            namespace = first
            bucket, _, path = after.partition("/")
    return _make(
        provider="oci", bucket=bucket, path=path, namespace=namespace, region=region, scheme=scheme
    )


def _oci_long_form(rest: str) -> tuple[str, str, str] | None:
    """``n/NS/b/BUCKET[/o[/PATH]]`` → (NS, BUCKET, PATH), else None."""
    segs = rest.split("/", 5)
    if len(segs) < 4 or segs[0] != "n" or segs[2] != "b":
        return None
    if len(segs) == 4 or segs[4] == "o" or (len(segs) == 5 and segs[4] == ""):
        return segs[1], segs[3], segs[5] if len(segs) == 6 else ""
    return None


def _parse_oci_https(text: str) -> ObjectURI:
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise _Bad(f"the URL cannot be parsed ({exc})") from None
    match = _OCI_HOST_RE.match(host)
    if match is None:
        raise _Bad(
            f"the host {host!r} is not an OCI Object Storage endpoint; "
            "https:// URLs are accepted only for OCI Object Storage"
        )
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise _Bad(
            "a query string or fragment is not supported; percent-encode '?' as %3F "
            "and '#' as %23 in the object name"
        )
    raw = parts.path.lstrip("/")
    if raw.startswith("p/"):
        raise _Bad("pre-authenticated request URLs (/p/…) are not supported")
    long_form = _oci_long_form(raw)
    if long_form is None:
        raise _Bad(f"the path {parts.path!r} is not /n/NAMESPACE/b/BUCKET/o/OBJECT")
    namespace, bucket, path = (unquote(part) for part in long_form)
    return _make(
        provider="oci",
        bucket=bucket,
        path=path,
        namespace=namespace,
        region=match.group("region"),
        scheme="https",
    )


def _parse_s3(scheme: str, rest: str) -> ObjectURI:
    first, _, path = rest.partition("/")
    bucket, at, region = first.partition("@")
    if at and not region:
        raise _Bad("the region after '@' is missing")
    return _make(provider="s3", bucket=bucket, path=path, region=region or None, scheme=scheme)


def _parse_gcs(scheme: str, rest: str) -> ObjectURI:
    bucket, _, path = rest.partition("/")
    return _make(provider="gcs", bucket=bucket, path=path, scheme=scheme)


def _parse_azure(scheme: str, rest: str) -> ObjectURI:
    first, _, after = rest.partition("/")
    account: str | None = None
    if "@" in first:
        container, _, host = first.partition("@")
        if not host:
            raise _Bad("the storage account after '@' is missing")
        host_match = _AZ_HOST_RE.match(host)
        if host_match:
            account = host_match.group("account").lower()  # a DNS name: case-insensitive
        elif "." in host:
            raise _Bad(
                f"the account host {host!r} is neither ACCOUNT nor "
                "ACCOUNT.blob.core.windows.net / ACCOUNT.dfs.core.windows.net"
            )
        else:
            account = host
        path = after
    else:
        host_match = _AZ_HOST_RE.match(first)
        if host_match:
            account = host_match.group("account").lower()
            container, _, path = after.partition("/")
            if not container:
                raise _Bad(f"the container after the account host {first!r} is missing")
        else:
            container, path = first, after
    return _make(provider="azure", bucket=container, path=path, account=account, scheme=scheme)


def _parse_github(scheme: str, rest: str) -> ObjectURI:
    first, _, after = rest.partition("/")
    if ":" in first:
        owner_repo, at, sha = first.partition("@")
        owner, _, repo = owner_repo.partition(":")
        if not at or not sha:
            raise _Bad("the repository-contents form needs a ref: github://ORG:REPO@REF/PATH")
        return _make(
            provider="github",
            bucket=repo,
            path=after,
            namespace=owner,
            ref=sha,
            form="contents",
            scheme=scheme,
        )
    segs = rest.split("/", 3)
    owner = segs[0]
    if not owner:
        raise _Bad("the owner is missing")
    if len(segs) < 2 or not segs[1]:
        raise _Bad("the repository is missing")
    ref: str | None
    if "@" in segs[1]:
        repo, _, tag = segs[1].partition("@")
        if not tag:
            raise _Bad("the tag after '@' is missing")
        ref, path = tag, "/".join(segs[2:])
    else:
        repo = segs[1]
        ref = segs[2] if len(segs) > 2 else None
        path = segs[3] if len(segs) > 3 else ""
        if ref == "":
            if path:
                raise _Bad("the tag is missing (empty path segment)")
            ref = None
    return _make(
        provider="github",
        bucket=repo,
        path=path,
        namespace=owner,
        ref=ref,
        form="release",
        scheme=scheme,
    )


_PARSERS = {
    "oci": _parse_oci,
    "s3": _parse_s3,
    "gcs": _parse_gcs,
    "azure": _parse_azure,
    "github": _parse_github,
}


# -- validation ----------------------------------------------------------------


def _make(**fields: str | None) -> ObjectURI:
    # Validate first so that a failure surfaces as _Bad, which parse_uri
    # turns into an error naming the URI; then construct (validates again).
    return ObjectURI(**_validated(**fields))


def _validated(
    *,
    provider: Any,
    bucket: Any,
    path: Any = "",
    namespace: Any = None,
    region: Any = None,
    account: Any = None,
    ref: Any = None,
    form: Any = None,
    scheme: Any = None,
) -> dict[str, Any]:
    """Check and normalise the fields of an ObjectURI; raise _Bad on the first wrong one."""
    for name, value in (("provider", provider), ("bucket", bucket), ("path", path)):
        if not isinstance(value, str):
            raise _Bad(f"{name} must be a str, got {type(value).__name__}")
    for name, value in (
        ("namespace", namespace), ("region", region), ("account", account),
        ("ref", ref), ("form", form), ("scheme", scheme),
    ):
        if value is not None and not isinstance(value, str):
            raise _Bad(f"{name} must be a str or None, got {type(value).__name__}")
    prov = _storage_provider(provider)
    if prov is None:
        raise _Bad(f"unknown provider {provider!r}")
    if scheme is None:
        scheme = _SCHEMES[prov][0]
    elif scheme not in _SCHEMES[prov]:
        raise _Bad(f"scheme {scheme!r} does not belong to provider {prov!r}")
    if prov == "github":
        if form is None:
            form = "release"
        elif form not in ("release", "contents"):
            raise _Bad(f"form must be 'release' or 'contents', got {form!r}")
    elif form is not None:
        raise _Bad(f"form is only used for github, not {prov}")

    allowed = {
        "oci": {"namespace", "region"},
        "s3": {"region"},
        "gcs": set(),
        "azure": {"account"},
        "github": {"namespace", "ref"},
    }[prov]
    for name, value in (
        ("namespace", namespace), ("region", region), ("account", account), ("ref", ref)
    ):
        if value is not None and name not in allowed:
            raise _Bad(f"{prov} URIs have no {name} (got {value!r})")

    if prov == "oci":
        _check("namespace", namespace, _OCI_NAME_RE.match,
               "letters, digits, '-', '_' and '.'")
        _check("bucket", bucket, _OCI_NAME_RE.match,
               "1-256 letters, digits, '-', '_' and '.'")
        if region is not None:
            _check("region", region, _OCI_REGION_RE.match,
                   "an OCI region identifier such as us-ashburn-1")
    elif prov in ("s3", "gcs"):
        _check("bucket", bucket, _loose_bucket,
               "no whitespace, control characters or any of / @ ? # % \\")
        if region is not None:
            _check("region", region, _GENERIC_REGION_RE.match,
                   "letters, digits, '-', '_' and '.', such as us-east-1")
    elif prov == "azure":
        _check("container", bucket, _AZ_CONTAINER_RE.match,
               "3-63 lowercase letters, digits and '-', or $root, $web, $logs")
        if account is not None:
            _check("storage account", account, _AZ_ACCOUNT_RE.match,
                   "3-24 lowercase letters and digits")
    else:
        _check("owner", namespace, _GH_NAME_RE.match, "letters, digits, '-', '_' and '.'")
        _check("repository", bucket, _gh_repo, "letters, digits, '-', '_' and '.'")
        kind = "ref" if form == "contents" else "tag"
        if ref is not None or form == "contents":
            _check(kind, ref, _gh_ref, "no whitespace, control characters, '/' or '\\'")
        if form == "release" and path:
            if ref is None:
                raise _Bad(f"the asset {path!r} needs a tag: github://OWNER/REPO/TAG/ASSET")
            if "/" in path:
                raise _Bad(
                    f"the asset name {path!r} contains '/'; release assets are flat "
                    "(for files in the repository use github://ORG:REPO@REF/PATH)"
                )
    return {
        "provider": prov,
        "bucket": bucket,
        "path": path,
        "namespace": namespace,
        "region": region,
        "account": account,
        "ref": ref,
        "form": form,
        "scheme": scheme,
    }


def _check(kind: str, value: str | None, ok: Callable[[str], object], rule: str) -> None:
    if not value:
        raise _Bad(f"the {kind} is missing")
    if not ok(value):
        raise _Bad(f"the {kind} {value!r} is not valid (expected {rule})")


def _loose_bucket(value: str) -> bool:
    return _BAD_BUCKET_CHARS_RE.search(value) is None


def _gh_repo(value: str) -> bool:
    return bool(_GH_NAME_RE.match(value)) and value not in (".", "..")


def _gh_ref(value: str) -> bool:
    return _BAD_REF_CHARS_RE.search(value) is None


def _tail(path: str) -> str:
    return f"/{path}" if path else ""


def _invalid(
    reason: str, provider: str | None, uri: str | None, *, what: str = "URI"
) -> InvalidURIError:
    """The error for a wrong URI: what is wrong, then the accepted forms."""
    if provider is not None and provider in _FORMS:
        label = _LABELS[provider]
        forms = f"accepted {label} forms: " + ", ".join(_FORMS[provider])
        head = f"invalid {label} {what}"
    else:
        forms = (
            "accepted forms: " + ", ".join(fs[0] for fs in _FORMS.values())
            + " (schemes: " + ", ".join(f"{s}://" for s in _SCHEME_PROVIDER)
            + "; https:// only for OCI Object Storage)"
        )
        head = f"invalid {what}"
    return InvalidURIError(
        f"{head}: {reason}; {forms}", operation="parse_uri", uri=uri, provider=provider
    )
