"""What the OME facade and the CLI ask of GitHub Releases: the defaults.

GitHub has no multipart upload API (a release asset is one upload, which
``put``/``upload`` stream at any size), so the multipart operations keep
:class:`~omefs.providers.facade.FacadeHooks`'s clear refusal; the identity
check fetches the token.
"""

from __future__ import annotations

from omefs.providers.facade import FacadeHooks

__all__ = ["GitHubFacade"]


class GitHubFacade(FacadeHooks):
    """GitHub Releases: no multipart API; the token is the credential check."""
