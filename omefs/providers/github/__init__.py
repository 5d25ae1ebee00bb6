"""GitHub Releases: ``github://OWNER/REPO/TAG/ASSET`` (releases are folders, assets files).

Modules, one job each: :mod:`.uri` (the URI grammar), :mod:`.auth`
(tokens and GitHub Apps), :mod:`.fs` (the releases filesystem),
:mod:`.paths` (the ``OWNER/REPO/TAG/ASSET`` path grammar of the
filesystem), :mod:`.errors` (rate limits, the 2 GiB asset limit),
:mod:`.ratelimit` (waiting out or reporting limits), :mod:`.client` (the
REST calls), :mod:`.files` (the file objects) and :mod:`.contents`
(fsspec's repository-contents filesystem on any API endpoint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from omefs.providers.base import Capabilities, Provider
from omefs.providers.github import uri as _uri

if TYPE_CHECKING:
    from omefs.uri import ObjectURI

__all__ = ["GitHubProvider", "PROVIDER"]


class GitHubProvider(Provider):
    """GitHub Releases (and fsspec's repository-contents form)."""

    name = "github"
    auth_name = "github"
    label = "GitHub"
    aliases = ("gh",)
    schemes = ("github",)
    extra = "github"
    capabilities = Capabilities(digests=(), max_part_size=2 * 1024**3 - 1, max_parts=1)
    transfer_hooks = "omefs.providers.github.transfer:GitHubTransferHooks"
    filesystems: ClassVar[dict[str, str]] = {
        "*": "omefs.providers.github.fs:GitHubReleasesFileSystem"}
    auth_module = "omefs.providers.github.auth"
    facade_hooks = "omefs.providers.github.facade:GitHubFacade"
    uri_forms = _uri.FORMS
    uri_fields = frozenset({"namespace", "ref", "form"})

    def parse_uri_parts(self, scheme: str, rest: str, text: str) -> dict[str, Any]:
        return _uri.parse(scheme, rest, text)

    def validate_uri(self, fields: dict[str, Any]) -> dict[str, Any]:
        return _uri.validate(fields)

    def format_uri(self, uri: ObjectURI) -> str:
        return _uri.format_uri(uri)

    def uri_name(self, uri: ObjectURI) -> str | None:
        return _uri.name(uri)

    def uri_parent(self, uri: ObjectURI) -> ObjectURI | None:
        return _uri.parent(uri)

    def uri_join(self, uri: ObjectURI, child: str) -> ObjectURI | None:
        return _uri.join(uri, child)


PROVIDER = GitHubProvider()
