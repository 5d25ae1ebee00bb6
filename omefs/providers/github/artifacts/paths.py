"""The path grammar of GitHub Actions artifacts inside the ``github://`` filesystem.

Paths (without the protocol), mirroring GitHub's own web paths::

    OWNER/REPO/actions                                  the Actions folder
    OWNER/REPO/actions/artifacts                        every artifact, a folder per name
    OWNER/REPO/actions/artifacts/NAME                   the newest artifact NAME that has not
                                                        expired: its zip file (ls: its members)
    OWNER/REPO/actions/artifacts/NAME/MEMBER/PATH       one file inside that zip
    OWNER/REPO/actions/artifacts/id:ARTIFACT_ID[/…]     an artifact by id
    OWNER/REPO/actions/runs/RUN_ID[/artifacts[/NAME[/…]]]  the artifacts of one workflow run

Artifact names cannot contain ``/`` on GitHub, so the segment after
``artifacts`` is always the artifact and the rest is the member path.
"""

from __future__ import annotations

from dataclasses import dataclass

from omefs.errors import InvalidURIError
from omefs.providers.github.uri import ACTIONS, NAME_RE

__all__ = ["ACCEPTED_FORMS", "ArtifactPath", "parse_artifact_path", "ID_PREFIX"]

#: An artifact named by id: ``id:ARTIFACT_ID``.
ID_PREFIX = "id:"

ACCEPTED_FORMS = (
    "github://OWNER/REPO/actions/artifacts[/NAME[/MEMBER]], "
    "github://OWNER/REPO/actions/runs/RUN_ID/artifacts[/NAME[/MEMBER]], "
    "github://OWNER/REPO/actions/artifacts/id:ARTIFACT_ID[/MEMBER] "
    "(a release whose tag is 'actions' is github://OWNER/REPO@actions/ASSET)"
)


@dataclass(frozen=True)
class ArtifactPath:
    """A parsed artifact path; ``level`` says which place it names.

    Levels: ``actions``, ``runs`` (``actions/runs``), ``run``
    (``actions/runs/ID``), ``artifacts`` (a listing), ``artifact`` (one
    artifact: its zip) and ``member`` (a file or folder inside the zip).
    """

    owner: str
    repo: str
    level: str
    run_id: int | None = None
    selector: str | None = None  # NAME or id:ID
    member: str | None = None

    @property
    def repo_path(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def actions_path(self) -> str:
        return f"{self.repo_path}/{ACTIONS}"

    @property
    def listing_path(self) -> str:
        """``OWNER/REPO/actions[/runs/ID]/artifacts``."""
        run = f"/runs/{self.run_id}" if self.run_id is not None else ""
        return f"{self.actions_path}{run}/artifacts"

    @property
    def artifact_path(self) -> str:
        """``…/artifacts/SELECTOR``."""
        return f"{self.listing_path}/{self.selector}"

    @property
    def artifact_id(self) -> int | None:
        """The id of an ``id:ID`` selector, else None."""
        if self.selector and self.selector.startswith(ID_PREFIX):
            return int(self.selector[len(ID_PREFIX):])
        return None

    @property
    def path(self) -> str:
        """The canonical path of this place."""
        if self.level == "actions":
            return self.actions_path
        if self.level == "runs":
            return f"{self.actions_path}/runs"
        if self.level == "run":
            return f"{self.actions_path}/runs/{self.run_id}"
        if self.level == "artifacts":
            return self.listing_path
        if self.level == "artifact":
            return self.artifact_path
        return f"{self.artifact_path}/{self.member}"

    def artifact(self) -> ArtifactPath:
        """The artifact this path is in (or is)."""
        return ArtifactPath(self.owner, self.repo, "artifact", self.run_id, self.selector)

    def child(self, member: str) -> ArtifactPath:
        """The member ``member`` of this path's artifact."""
        return ArtifactPath(self.owner, self.repo, "member", self.run_id, self.selector, member)

    def __str__(self) -> str:
        return f"github://{self.path}"


def _bad(text: str, why: str) -> InvalidURIError:
    return InvalidURIError(
        f"{why} in {text!r}; accepted: {ACCEPTED_FORMS}",
        operation="parse", uri=f"github://{text}", provider="github",
    )


def parse_artifact_path(text: str) -> ArtifactPath:
    """Parse a normalized ``OWNER/REPO/actions/…`` path; :class:`InvalidURIError` when malformed."""
    parts = text.split("/")
    if len(parts) < 3 or parts[2] != ACTIONS:
        raise _bad(text, "not an Actions path")
    owner, repo = parts[0], parts[1]
    if not NAME_RE.match(owner) or not NAME_RE.match(repo):
        raise _bad(text, "not a GitHub owner and repository")
    if any(p == "" for p in parts):
        raise _bad(text, "empty path segment")
    rest = parts[3:]
    run_id = None
    if rest and rest[0] == "runs":
        if len(rest) == 1:
            return ArtifactPath(owner, repo, "runs")
        if not rest[1].isdigit():
            raise _bad(text, f"the run id {rest[1]!r} is not a number")
        run_id = int(rest[1])
        rest = rest[2:]
        if not rest:
            return ArtifactPath(owner, repo, "run", run_id)
    if not rest:
        return ArtifactPath(owner, repo, "actions")
    if rest[0] != "artifacts":
        raise _bad(text, f"{rest[0]!r} is not 'artifacts' or 'runs'")
    if len(rest) == 1:
        return ArtifactPath(owner, repo, "artifacts", run_id)
    selector = rest[1]
    if selector.startswith(ID_PREFIX) and not selector[len(ID_PREFIX):].isdigit():
        raise _bad(text, f"the artifact id in {selector!r} is not a number")
    if len(rest) == 2:
        return ArtifactPath(owner, repo, "artifact", run_id, selector)
    return ArtifactPath(owner, repo, "member", run_id, selector, "/".join(rest[2:]))
