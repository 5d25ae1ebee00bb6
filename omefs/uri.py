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
           · Actions artifacts ``github://OWNER/REPO/actions/artifacts/NAME[/MEMBER]``
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
  the asset name. The contents form has ``form == "contents"``; Actions
  artifacts (``github://OWNER/REPO/actions/…``) have ``form == "artifacts"``
  and ``path`` below ``actions/``, and a release whose tag is ``actions``
  is written ``github://OWNER/REPO@actions/ASSET``.
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
from typing import TYPE_CHECKING, Any, Literal

from omefs.errors import InvalidURIError
from omefs.providers.base import URISyntaxError
from omefs.providers.registry import all_providers, find_provider, provider_for_scheme

if TYPE_CHECKING:
    from omefs.providers.base import Provider

__all__ = ["ObjectURI", "parse_uri", "normalize_url", "check_part", "loose_bucket"]

Form = Literal["release", "contents", "artifacts"]

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SCHEME_NO_SLASHES_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Characters no bucket name of any service may contain.
_BAD_BUCKET_CHARS_RE = re.compile(r"[\s/@?#%\\\x00-\x1f\x7f]")
_OPTIONAL = ("namespace", "region", "account", "ref")


@dataclass(frozen=True)
class ObjectURI:
    """One object, folder, bucket or release location on one of the providers.

    ``provider`` is the storage provider (``oci``, ``s3``, ``gcs``, ``azure``,
    ``github``, or a registered one; ``aws``/``gcp`` are accepted and
    normalised). ``bucket`` is the bucket, Azure container or GitHub
    repository; ``path`` the object name, folder (ending in ``/``) or GitHub
    release asset, ``""`` for the root. ``namespace`` is the OCI namespace or
    GitHub owner, ``region`` the OCI or S3 region when the URI names one,
    ``account`` the Azure storage account when the URI names one, ``ref`` the
    GitHub tag or git ref.

    ``form`` is ``"release"`` (release assets), ``"contents"`` (files of
    the repository at ``ref``) or ``"artifacts"`` (GitHub Actions artifacts:
    ``path`` is below ``OWNER/REPO/actions/``) for GitHub and ``None``
    otherwise. ``scheme`` remembers the scheme the URI was written with (``s3a``, ``abfss``,
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
        except URISyntaxError as bad:
            prov = find_provider(self.provider) if isinstance(self.provider, str) else None
            raise _invalid(str(bad), prov, None, what="ObjectURI") from None
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def _provider(self) -> Provider:
        found = find_provider(self.provider)
        assert found is not None  # validated in __post_init__
        return found

    # -- rendering ---------------------------------------------------------

    def __str__(self) -> str:
        """The canonical form; ``parse_uri(str(uri)) == uri``."""
        return self._provider.format_uri(self)

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
        return self._provider.fsspec_url(self)

    # -- helpers -----------------------------------------------------------

    @property
    def auth_provider(self) -> str:
        """The auth-side provider name: ``oci``, ``aws``, ``gcp``, ``azure`` or ``github``."""
        return self._provider.auth_name or self.provider

    @property
    def name(self) -> str:
        """The last component: the object or folder name (without the trailing
        slash), else the GitHub tag, else the bucket/container/repository."""
        stripped = self.path.rstrip("/")
        if stripped:
            return stripped.rsplit("/", 1)[-1]
        return self._provider.uri_name(self) or self.bucket

    @property
    def parent(self) -> ObjectURI:
        """The enclosing folder (its path ends with ``/``), the bucket root, or
        for a GitHub release the tag and then the repository. The root is its
        own parent."""
        if self.path:
            stripped = self.path.rstrip("/")
            head = stripped.rsplit("/", 1)[0] + "/" if "/" in stripped else ""
            return dataclasses.replace(self, path=head)
        return self._provider.uri_parent(self) or self

    def join(self, child: str) -> ObjectURI:
        """The location ``child`` below this one.

        ``child`` is a literal relative name (leading slashes are dropped) and
        may contain ``/``. Below a GitHub repository its first component is
        the tag; below a tag, the asset name.
        """
        if not isinstance(child, str):
            raise _invalid(f"join() takes a str, got {type(child).__name__}", self._provider,
                           str(self))
        child = child.lstrip("/")
        if not child:
            return self
        try:
            joined = self._provider.uri_join(self, child)
        except URISyntaxError as bad:
            raise _invalid(str(bad), self._provider, str(self)) from None
        if joined is not None:
            return joined
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
        given = loose.group(1).lower() if loose else ""
        prov = _uri_provider(given) if loose else None
        if prov is not None:
            raise _invalid(f"expected '{given}://' at the start", prov, text)
        hint = " (it starts with whitespace)" if text[:1].isspace() else ""
        raise _invalid(f"the URI has no scheme{hint}", None, text)
    scheme = match.group(1).lower()
    rest = text[match.end():]
    prov = _uri_provider(scheme)
    if prov is None:
        raise _invalid(f"unknown scheme {scheme + '://'!r}", None, text)
    try:
        fields = prov.parse_uri_parts(scheme, rest, text)
        fields.setdefault("scheme", scheme)
        return ObjectURI(**_validated(provider=prov.name, **fields))
    except URISyntaxError as bad:
        raise _invalid(str(bad), prov, _shown(text)) from None


def normalize_url(text: str) -> str:
    """``text`` with a provider's scheme in lower case (``S3://b/k`` → ``s3://b/k``).

    Schemes are case-insensitive (RFC 3986) but fsspec's registry is not.
    A provider's scheme followed by a single slash (``s3:/b/k``) is a mistyped URL, not a local path: it raises
    :class:`~omefs.errors.InvalidURIError`. Anything else (a local path, a
    Windows drive ``C:\\…``, another fsspec protocol) is returned unchanged.
    """
    if not isinstance(text, str):
        return text
    match = _SCHEME_RE.match(text)
    if match is not None:
        scheme = match.group(1)
        if scheme != scheme.lower() and provider_for_scheme(scheme) is not None:
            return scheme.lower() + text[len(scheme):]
        return text
    loose = _SCHEME_NO_SLASHES_RE.match(text)
    if loose is not None and len(loose.group(1)) > 1 and text[loose.end():loose.end() + 1] == "/":
        prov = provider_for_scheme(loose.group(1))
        if prov is not None and not (prov.capabilities.local and not prov.capabilities.bucketed):
            given = loose.group(1).lower()
            raise _invalid(f"expected '{given}://' at the start (a URL, not a local path)",
                           prov if prov.parses_uris else None, text)
    return text


def _uri_provider(scheme: str) -> Provider | None:
    prov = provider_for_scheme(scheme)
    return prov if prov is not None and prov.parses_uris else None


def _shown(text: str) -> str:
    """The URI as an error may show it: a pre-authenticated request's secret part hidden."""
    return re.sub(r"/p/[^/]+/", "/p/***/", text) if text.lower().startswith("https") else text


# -- validation ----------------------------------------------------------------


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
    """Check and normalise the fields of an ObjectURI; raise URISyntaxError on the first wrong one."""
    for name, value in (("provider", provider), ("bucket", bucket), ("path", path)):
        if not isinstance(value, str):
            raise URISyntaxError(f"{name} must be a str, got {type(value).__name__}")
    for name, value in (
        ("namespace", namespace), ("region", region), ("account", account),
        ("ref", ref), ("form", form), ("scheme", scheme),
    ):
        if value is not None and not isinstance(value, str):
            raise URISyntaxError(f"{name} must be a str or None, got {type(value).__name__}")
    prov = find_provider(provider)
    if prov is None or not prov.parses_uris:
        raise URISyntaxError(f"unknown provider {provider!r}")
    if scheme is None:
        scheme = prov.schemes[0]
    elif scheme not in prov.schemes:
        raise URISyntaxError(f"scheme {scheme!r} does not belong to provider {prov.name!r}")
    if form is not None and "form" not in prov.uri_fields:
        raise URISyntaxError(f"form is only used for github, not {prov.name}")
    values = {"namespace": namespace, "region": region, "account": account, "ref": ref}
    for name in _OPTIONAL:
        if values[name] is not None and name not in prov.uri_fields:
            raise URISyntaxError(f"{prov.name} URIs have no {name} (got {values[name]!r})")
    fields = {"provider": prov.name, "bucket": bucket, "path": path, **values, "form": form,
              "scheme": scheme}
    return prov.validate_uri(fields)


def check_part(kind: str, value: str | None, ok: Callable[[str], object], rule: str) -> None:
    """Raise :class:`URISyntaxError` unless ``value`` is present and ``ok(value)``."""
    if not value:
        raise URISyntaxError(f"the {kind} is missing")
    if not ok(value):
        raise URISyntaxError(f"the {kind} {value!r} is not valid (expected {rule})")


def loose_bucket(value: str) -> bool:
    """Whether ``value`` has none of the characters no bucket name of any service may contain."""
    return _BAD_BUCKET_CHARS_RE.search(value) is None


def _invalid(
    reason: str, provider: Provider | None, uri: str | None, *, what: str = "URI"
) -> InvalidURIError:
    """The error for a wrong URI: what is wrong, then the accepted forms."""
    if provider is not None and provider.uri_forms:
        label = provider.label or provider.name
        forms = f"accepted {label} forms: " + ", ".join(provider.uri_forms)
        head = f"invalid {label} {what}"
    else:
        grammars = [p for p in all_providers() if p.parses_uris and p.uri_forms]
        schemes = [s for p in grammars for s in p.schemes]
        forms = (
            "accepted forms: " + ", ".join(p.uri_forms[0] for p in grammars)
            + " (schemes: " + ", ".join(f"{s}://" for s in schemes)
            + "; https:// only for OCI Object Storage)"
        )
        head = f"invalid {what}"
    return InvalidURIError(
        f"{head}: {reason}; {forms}", operation="parse_uri", uri=uri,
        provider=provider.name if provider is not None else None,
    )
