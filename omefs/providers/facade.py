"""What the OME facade (:mod:`omefs.storage`) and the CLI ask a provider: the default answers.

A provider's :meth:`~omefs.providers.base.Provider.facade` returns one
:class:`FacadeHooks` (or a subclass named by its ``facade_hooks``
attribute). The facade and the CLI call these methods instead of asking
which provider they hold:

* the four multipart operations of OME's ``Storage`` interface — a
  provider without a native multipart API keeps the defaults, which raise
  :class:`~omefs.errors.ConfigError` pointing at ``put``/``upload``;
* what ``omefs auth check`` reports about an identity and how it checks
  credentials without a URL;
* why a store refused a call, when the store's own answer says too little;
* the scheme URLs are compared under in the routing config.

The defaults answer for a plain fsspec filesystem, so a third-party
provider works with no hooks of its own.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from omefs.errors import ConfigError
from omefs.redact import redact_text

if TYPE_CHECKING:
    from omefs.providers.base import Provider

__all__ = ["FacadeHooks", "Part", "Uploads", "first_line", "local_upload"]

#: Per-upload state a :class:`~omefs.storage.Storage` keeps for hooks that need it,
#: by upload id (for example the content type of an upload assembled on completion).
Uploads = MutableMapping[str, dict[str, Any]]


class Part(NamedTuple):
    """One uploaded part, as the hooks receive it: its number (from 1) and ETag or block id."""

    part_number: int
    etag: str


def local_upload(path: str, content_type: str | None, uploads: Uploads) -> str:
    """Start an upload that only omefs tracks (its parts are staged, then joined on
    completion): a fresh id, remembered in ``uploads`` with the path and content type."""
    import uuid

    upload_id = uuid.uuid4().hex
    uploads[upload_id] = {"path": path, "content_type": content_type}
    return upload_id


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, secrets redacted (for one-line reports)."""
    text = str(exc).strip().splitlines()
    return redact_text(text[0] if text else type(exc).__name__)


class FacadeHooks:
    """The facade's questions to one provider; this base answers for plain fsspec."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def __repr__(self) -> str:
        return f"<{type(self).__name__} for {self.provider.name}>"

    # -- multipart uploads (OME's Storage interface) ---------------------------------
    def _no_multipart(self) -> ConfigError:
        name = self.provider.label or self.provider.name
        return ConfigError(
            f"multipart uploads are not supported by provider {name}; "
            "use put/upload, which stream any size",
            operation="multipart", provider=self.provider.name,
        )

    def initiate_multipart_upload(self, fs: Any, path: str, *, content_type: str | None,
                                  uploads: Uploads) -> str:
        """Start a multipart upload of ``path`` on ``fs``; return its upload id."""
        raise self._no_multipart()

    def upload_part(self, fs: Any, path: str, upload_id: str, part_number: int, body: bytes, *,
                    md5: str, uploads: Uploads) -> str:
        """Upload one part (``md5`` is its base64 MD5); return its ETag or block id."""
        raise self._no_multipart()

    def complete_multipart_upload(self, fs: Any, path: str, upload_id: str,
                                  parts: Sequence[Part], *, uploads: Uploads) -> None:
        """Assemble ``parts`` (in part-number order, at least one) into the object."""
        raise self._no_multipart()

    def abort_multipart_upload(self, fs: Any, path: str, upload_id: str, *,
                               uploads: Uploads) -> None:
        """Throw the parts away; nothing becomes visible."""
        raise self._no_multipart()

    # -- omefs auth check -------------------------------------------------------------
    def describe_identity(self, creds: Any, *, call: bool) -> dict[str, Any]:
        """What ``omefs auth check`` shows as the identity (``call``: network calls allowed).

        The default is the credentials' own :meth:`~omefs.auth.Credentials.identity`.
        """
        return dict(creds.identity())

    def token_identity(self, creds: Any, *, call: bool) -> dict[str, Any]:
        """:meth:`describe_identity` for token-based credentials: fetching a token fills
        token-derived facts (expiry, tenant, client) in the identity."""
        info = dict(creds.identity())
        if call and creds.sdk is not None:
            try:
                creds.token()
                info = dict(creds.identity())
            except Exception as exc:  # noqa: BLE001 - informative; the check decides
                info["token_error"] = f"{type(exc).__name__}: {first_line(exc)}"
        return info

    def check_credentials(self, creds: Any, report: dict[str, Any]) -> None:
        """Check ``creds`` with the provider's cheapest identity call (no URL given).

        Records the call it makes in ``report["operation"]`` and raises when
        the call fails. The default fetches a token where the credentials
        have one.
        """
        if creds.sdk is not None and creds.token() is not None:
            report["operation"] = "token"
        else:
            report["operation"] = "none (anonymous or static credentials: give a URL to check them)"

    def explain_refusal(self, fs: Any, path: str) -> BaseException | None:
        """A clearer error than a bare refusal of ``path``, where the store can say why (else None)."""
        return None

    # -- routing ---------------------------------------------------------------------
    def route_scheme(self) -> str:
        """The one scheme under which URLs of this provider are matched against routes."""
        return self.provider.schemes[0] if self.provider.schemes else self.provider.name
