"""How the ``github://`` filesystem tells artifact paths from release paths.

:class:`ArtifactRouting` is a base of the releases filesystem: each of its
calls asks :meth:`ArtifactRouting._actions_path` first and hands a path
below ``OWNER/REPO/actions`` to :class:`~omefs.providers.github.artifacts.access.ArtifactAccess`.
A release whose tag is literally ``actions`` is ``OWNER/REPO@actions/ASSET``
and stays a release path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fsspec.utils import stringify_path

from omefs.providers.github.artifacts.paths import ArtifactPath, parse_artifact_path
from omefs.providers.github.paths import is_actions_path, is_contents_url, normalize

if TYPE_CHECKING:
    from omefs.providers.github.artifacts.access import ArtifactAccess

__all__ = ["ArtifactRouting"]


class ArtifactRouting:
    """The artifact side of the ``github://`` filesystem: path routing and the lazily made access."""

    _contents: Any
    _artifact_access: ArtifactAccess | None = None

    @property
    def artifacts(self) -> ArtifactAccess:
        """The Actions artifacts this filesystem's credentials reach."""
        if self._artifact_access is None:
            from omefs.providers.github.artifacts.access import ArtifactAccess

            self._artifact_access = ArtifactAccess(self)
        return self._artifact_access

    def _actions_path(self, path: Any) -> ArtifactPath | None:
        """The artifact path ``path`` names, or None for a release (or contents) path."""
        if self._contents is not None or not isinstance(path, str):
            return None
        text = stringify_path(path)
        if is_contents_url(text):
            return None
        text = normalize(text)
        return parse_artifact_path(text) if is_actions_path(text) else None
