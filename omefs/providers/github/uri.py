"""The ``github://`` URI grammar: release assets, Actions artifacts and fsspec's repository-contents form.

``github://OWNER/REPO/actions/…`` names GitHub Actions artifacts (form
``artifacts``, ``path`` below ``actions/``), mirroring GitHub's own web
paths; a release whose tag is literally ``actions`` is written with the
``@TAG`` form, ``github://OWNER/REPO@actions/ASSET``, and formatted so.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

from omefs.providers.base import URISyntaxError

if TYPE_CHECKING:
    from omefs.uri import ObjectURI

__all__ = [
    "ACTIONS",
    "FORMS", "NAME_RE", "parse", "validate", "format_uri", "name", "parent", "join",
    "is_contents_url",
]

FORMS = (
    "github://OWNER/REPO/TAG/ASSET",
    "github://OWNER/REPO@TAG/ASSET",
    "github://OWNER/REPO[/TAG]",
    "github://ORG:REPO@REF/PATH",
    "github://OWNER/REPO/actions/artifacts[/NAME[/MEMBER]]",
    "github://OWNER/REPO/actions/runs/RUN_ID/artifacts[/NAME[/MEMBER]]",
    "github://OWNER/REPO/actions/artifacts/id:ARTIFACT_ID[/MEMBER]",
)

#: The path segment after ``OWNER/REPO`` that opens the Actions artifacts.
ACTIONS = "actions"

#: GitHub owner (user or organisation) and repository names.
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+\Z")
# fsspec's repository-contents form: [github://]ORG:REPO@[REF]/PATH
_CONTENTS_RE = re.compile(r"^(?:github://)?[^/:@]+:[^/:@]+@", re.IGNORECASE)
_BAD_REF_CHARS_RE = re.compile(r"[\s/\\\x00-\x1f\x7f]")


def is_contents_url(text: str) -> bool:
    """Whether ``text`` is fsspec's repository-contents form ``github://ORG:REPO@REF/PATH``."""
    return bool(_CONTENTS_RE.match(str(text)))


def parse(scheme: str, rest: str, text: str) -> dict[str, Any]:
    """The fields of a ``github://`` URI (release or contents form)."""
    first, _, after = rest.partition("/")
    if ":" in first:
        owner_repo, at, sha = first.partition("@")
        owner, _, repo = owner_repo.partition(":")
        if not at or not sha:
            raise URISyntaxError("the repository-contents form needs a ref: github://ORG:REPO@REF/PATH")
        return {"bucket": repo, "path": after, "namespace": owner, "ref": sha, "form": "contents"}
    segs = rest.split("/", 3)
    owner = segs[0]
    if not owner:
        raise URISyntaxError("the owner is missing")
    if len(segs) < 2 or not segs[1]:
        raise URISyntaxError("the repository is missing")
    ref: str | None
    if "@" in segs[1]:
        repo, _, tag = segs[1].partition("@")
        if not tag:
            raise URISyntaxError("the tag after '@' is missing")
        ref, path = tag, "/".join(segs[2:])
    else:
        repo = segs[1]
        ref = segs[2] if len(segs) > 2 else None
        path = segs[3] if len(segs) > 3 else ""
        if ref == ACTIONS:
            return {"bucket": repo, "path": path, "namespace": owner, "ref": None,
                    "form": "artifacts"}
        if ref == "":
            if path:
                raise URISyntaxError("the tag is missing (empty path segment)")
            ref = None
    return {"bucket": repo, "path": path, "namespace": owner, "ref": ref, "form": "release"}


def validate(fields: dict[str, Any]) -> dict[str, Any]:
    """Check owner, repository, tag/ref and asset; default the form to ``release``."""
    from omefs.uri import check_part

    form = fields["form"]
    if form is None:
        form = fields["form"] = "release"
    elif form not in ("release", "contents", "artifacts"):
        raise URISyntaxError(f"form must be 'release', 'contents' or 'artifacts', got {form!r}")
    ref, path = fields["ref"], fields["path"]
    check_part("owner", fields["namespace"], NAME_RE.match, "letters, digits, '-', '_' and '.'")
    check_part("repository", fields["bucket"], _repo_ok, "letters, digits, '-', '_' and '.'")
    if form == "artifacts":
        if ref is not None:
            raise URISyntaxError("Actions artifact URIs have no tag or ref")
        _check_actions_path(path)
        return fields
    kind = "ref" if form == "contents" else "tag"
    if ref is not None or form == "contents":
        check_part(kind, ref, _ref_ok, "no whitespace, control characters, '/' or '\\'")
    if form == "release" and path:
        if ref is None:
            raise URISyntaxError(f"the asset {path!r} needs a tag: github://OWNER/REPO/TAG/ASSET")
        if "/" in path:
            raise URISyntaxError(
                f"the asset name {path!r} contains '/'; release assets are flat "
                "(for files in the repository use github://ORG:REPO@REF/PATH)"
            )
    return fields


def _check_actions_path(path: str) -> None:
    """``path`` below ``actions/``: ``artifacts[/…]``, ``runs/RUN_ID/artifacts[/…]`` or empty."""
    parts = path.rstrip("/").split("/") if path.rstrip("/") else []
    if not parts:
        return
    if parts[0] == "runs" and len(parts) > 1:
        if not parts[1].isdigit():
            raise URISyntaxError(f"run id {parts[1]!r} is not a number: actions/runs/RUN_ID/artifacts")
        parts = parts[2:]
        if not parts:
            return
    elif parts[0] == "runs":
        return
    if parts[0] != "artifacts":
        raise URISyntaxError(
            f"{path!r} is not an Actions artifact path; accepted: actions/artifacts/NAME[/MEMBER], "
            "actions/runs/RUN_ID/artifacts/NAME[/MEMBER], actions/artifacts/id:ARTIFACT_ID[/MEMBER] "
            "(a release whose tag is 'actions' is github://OWNER/REPO@actions/ASSET)"
        )
    if any(p == "" for p in parts[1:]):
        raise URISyntaxError(f"empty path segment in the artifact path {path!r}")


def _repo_ok(value: str) -> bool:
    return bool(NAME_RE.match(value)) and value not in (".", "..")


def _ref_ok(value: str) -> bool:
    return _BAD_REF_CHARS_RE.search(value) is None


def format_uri(uri: ObjectURI) -> str:
    """``github://OWNER/REPO[/TAG[/ASSET]]`` or ``github://ORG:REPO@REF/PATH``."""
    path = f"/{uri.path}" if uri.path else ""
    if uri.form == "contents":
        return f"github://{uri.namespace}:{uri.bucket}@{uri.ref}{path}"
    if uri.form == "artifacts":
        return f"github://{uri.namespace}/{uri.bucket}/{ACTIONS}{path}"
    if uri.ref == ACTIONS:  # the release tagged "actions": the '@' form keeps it a release
        return f"github://{uri.namespace}/{uri.bucket}@{ACTIONS}{path}"
    tag = f"/{uri.ref}" if uri.ref is not None else ""
    return f"github://{uri.namespace}/{uri.bucket}{tag}{path}"


def _release_level(uri: ObjectURI) -> bool:
    return uri.form == "release" and uri.ref is not None


def name(uri: ObjectURI) -> str | None:
    """A release's name is its tag; the artifacts root is ``actions``."""
    if uri.form == "artifacts":
        return ACTIONS
    return uri.ref if _release_level(uri) else None


def parent(uri: ObjectURI) -> ObjectURI | None:
    """A release's parent is the repository, and so is the artifacts root's."""
    if uri.form == "artifacts":
        return dataclasses.replace(uri, form="release", path="")
    return dataclasses.replace(uri, ref=None) if _release_level(uri) else None


def join(uri: ObjectURI, child: str) -> ObjectURI | None:
    """Below a repository the first component is the tag; below a tag, the asset."""
    if uri.form != "release":
        return None
    if uri.ref is None:
        tag, _, asset = child.partition("/")
        if tag == ACTIONS:
            return dataclasses.replace(uri, form="artifacts", path=asset)
        return dataclasses.replace(uri, ref=tag, path=asset)
    if uri.path:
        raise URISyntaxError(f"cannot join {child!r} below the release asset {uri.path!r}")
    return dataclasses.replace(uri, path=child)
