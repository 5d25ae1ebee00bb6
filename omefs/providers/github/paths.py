"""The path grammar of ``github://`` release URLs.

Accepted forms (the protocol is optional inside the filesystem)::

    github://OWNER/REPO                 the repository: releases are its folders
    github://OWNER/REPO/TAG             a release: assets are its files
    github://OWNER/REPO/TAG/ASSET       an asset
    github://OWNER/REPO@TAG[/ASSET]     the same places, written as OME does
    github://ORG:REPO@REF/PATH          fsspec's repository-contents form

Paths inside the filesystem are always ``OWNER/REPO/TAG/ASSET``. A tag is
one path segment; a tag that contains ``/`` (``release/v1``) is written
with ``%2F`` (``release%2Fv1``), and listings show it that way, so names
round-trip. Asset names cannot contain ``/`` on GitHub. Everything else is
literal: ``@`` is allowed in tags (``pkg@1.2.0``) and a ``%`` that is not
``%2F`` stays a ``%``.

Owner and repository names, and the repository-contents form, are those of
the ``github://`` grammar (:mod:`omefs.providers.github.uri`); this module
adds what the filesystem needs on top: paths without the scheme, the
``%2F``-encoded tag segment and the :class:`ReleasePath` levels.

``latest`` as the tag means GitHub's "latest release": the newest
published release that is neither a draft nor a prerelease.

``OWNER/REPO/actions/…`` is the Actions artifacts namespace
(:mod:`omefs.providers.github.artifacts`); a release whose tag is
literally ``actions`` keeps the ``@`` form as its canonical path,
``OWNER/REPO@actions[/ASSET]``, in listings too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from omefs.errors import InvalidURIError
from omefs.providers.github.uri import ACTIONS, NAME_RE, is_contents_url

__all__ = [
    "LATEST",
    "ReleasePath",
    "ACCEPTED_FORMS",
    "decode_tag",
    "encode_tag",
    "is_actions_path",
    "is_contents_url",
    "release_dir",
    "normalize",
    "parse_release_path",
]

LATEST = "latest"

ACCEPTED_FORMS = (
    "github://OWNER/REPO, github://OWNER/REPO/TAG, github://OWNER/REPO/TAG/ASSET, "
    "github://OWNER/REPO@TAG/ASSET (tag 'latest' = GitHub's latest release; a tag with "
    "'/' written as %2F), or fsspec's github://ORG:REPO@REF/PATH for repository contents"
)

_PROTOCOL = re.compile(r"^github(?:://|::)", re.IGNORECASE)
_SLASH = re.compile(r"%2[fF]")


def encode_tag(tag: str) -> str:
    """A tag as one path segment (``/`` → ``%2F``)."""
    return tag.replace("/", "%2F")


def decode_tag(segment: str) -> str:
    """The tag a path segment names (``%2F`` → ``/``)."""
    return _SLASH.sub("/", segment)


def release_dir(repo_path: str, tag: str) -> str:
    """The canonical path of the release ``tag`` of ``OWNER/REPO``.

    ``OWNER/REPO/TAG`` with the tag encoded, except the tag ``actions``:
    ``OWNER/REPO/actions`` is the Actions artifacts namespace, so that
    release stays ``OWNER/REPO@actions``.
    """
    if tag == ACTIONS:
        return f"{repo_path}@{ACTIONS}"
    return f"{repo_path}/{encode_tag(tag)}"


def normalize(path: str) -> str:
    """``path`` without protocol and slashes at the ends, ``REPO@TAG`` turned into ``REPO/TAG``
    (except ``REPO@actions``, the release tagged ``actions``, which stays as written)."""
    text = _PROTOCOL.sub("", str(path)).strip("/")
    owner, sep, rest = text.partition("/")
    if sep and "@" in rest.split("/", 1)[0]:
        repo, _, tail = rest.partition("@")
        tail = tail.strip("/")
        if tail.split("/", 1)[0] == ACTIONS:
            rest = f"{repo}@{tail}"
        else:
            rest = f"{repo}/{tail}" if tail else repo
    return f"{owner}/{rest}" if sep else owner


def is_actions_path(path: str) -> bool:
    """Whether a normalized filesystem path is below ``OWNER/REPO/actions`` (Actions artifacts)."""
    parts = path.split("/", 3)
    return len(parts) >= 3 and parts[2] == ACTIONS and "@" not in parts[1]


@dataclass(frozen=True)
class ReleasePath:
    """A parsed release path; parts below the level named are None.

    ``tag`` is decoded (``release/v1``); :attr:`path` gives the encoded,
    canonical form ``OWNER/REPO/TAG/ASSET``.
    """

    owner: str | None = None
    repo: str | None = None
    tag: str | None = None
    asset: str | None = None

    @property
    def level(self) -> str:
        """``root``, ``owner``, ``repo``, ``release`` or ``asset``."""
        if self.asset is not None:
            return "asset"
        if self.tag is not None:
            return "release"
        if self.repo is not None:
            return "repo"
        if self.owner is not None:
            return "owner"
        return "root"

    @property
    def repo_path(self) -> str:
        """``OWNER/REPO``."""
        return f"{self.owner}/{self.repo}"

    @property
    def release_path(self) -> str:
        """``OWNER/REPO/TAG`` with the tag encoded (``OWNER/REPO@actions`` for the tag ``actions``)."""
        return release_dir(self.repo_path, self.tag or "")

    @property
    def path(self) -> str:
        """The canonical path of this place."""
        if self.tag is None:
            return "/".join(p for p in (self.owner, self.repo) if p is not None)
        tail = f"/{self.asset}" if self.asset is not None else ""
        return self.release_path + tail

    @property
    def is_latest(self) -> bool:
        """Whether the tag is ``latest`` (GitHub's latest release)."""
        return self.tag == LATEST

    def release(self) -> ReleasePath:
        """The release this path is in (or is)."""
        return ReleasePath(self.owner, self.repo, self.tag)

    def __str__(self) -> str:
        return f"github://{self.path}"


def parse_release_path(path: str) -> ReleasePath:
    """Parse a release path in any accepted form; :class:`InvalidURIError` when malformed."""
    original = str(path)
    if is_contents_url(original):
        raise InvalidURIError(
            f"{original!r} is a repository-contents URL (github://ORG:REPO@REF/PATH), "
            "not a release path; open it through fsspec.open or url_to_fs, which "
            "hand it to the contents filesystem",
            operation="parse",
            uri=original,
            provider="github",
        )
    text = normalize(original)
    if not text:
        return ReleasePath()
    parts = text.split("/")
    if len(parts) > 1 and parts[1].endswith(f"@{ACTIONS}"):  # OWNER/REPO@actions[/ASSET]
        parts[1:2] = [parts[1][: -len(ACTIONS) - 1], ACTIONS]
    if any(p == "" for p in parts):
        raise InvalidURIError(
            f"empty path segment in {original!r}; accepted: {ACCEPTED_FORMS}",
            operation="parse",
            uri=original,
            provider="github",
        )
    if len(parts) > 4:
        raise InvalidURIError(
            f"too many path segments in {original!r}: GitHub asset names cannot contain '/', "
            f"and a tag containing '/' must be written with %2F; accepted: {ACCEPTED_FORMS}",
            operation="parse",
            uri=original,
            provider="github",
        )
    owner = parts[0]
    if not NAME_RE.match(owner):
        raise InvalidURIError(
            f"{owner!r} is not a GitHub owner name (letters, digits, '-', '_', '.') in {original!r}; "
            f"accepted: {ACCEPTED_FORMS}",
            operation="parse",
            uri=original,
            provider="github",
        )
    repo = parts[1] if len(parts) > 1 else None
    if repo is not None and not NAME_RE.match(repo):
        raise InvalidURIError(
            f"{repo!r} is not a GitHub repository name (letters, digits, '.', '-', '_') "
            f"in {original!r}; accepted: {ACCEPTED_FORMS}",
            operation="parse",
            uri=original,
            provider="github",
        )
    tag = decode_tag(parts[2]) if len(parts) > 2 else None
    asset = parts[3] if len(parts) > 3 else None
    return ReleasePath(owner, repo, tag, asset)
