"""Every error omefs raises, in one place.

All errors derive from :class:`OmefsError`. Each carries the operation, the
URI and the provider it concerns (where known), so a message read in a log
says what failed and where. Messages pass through :func:`omefs.redact.redact`
before they are stored, so a secret that reaches an error by accident is
still shown as ``'***'``.

Some errors also derive from the built-in exception a caller already
catches: :class:`NotFoundError` is a :class:`FileNotFoundError` and
:class:`PermissionDeniedError` a :class:`PermissionError`, so code written
against plain fsspec keeps working.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

from omefs.redact import redact_text

if TYPE_CHECKING:
    from omefs.transfer.report import TransferReport

__all__ = [
    "OmefsError",
    "InvalidURIError",
    "ConfigError",
    "AuthError",
    "NotFoundError",
    "PermissionDeniedError",
    "ChecksumMismatchError",
    "TransferError",
    "TransferCancelledError",
    "TransferInterrupted",
    "EncryptionKeyError",
    "RateLimitError",
    "AssetTooLargeError",
    "IsAReleaseError",
    "AlreadyExistsError",
    "TruncatedBodyError",
    "ArchivedObjectError",
    "VersioningNotEnabledError",
    "ConnectionFailedError",
    "ServiceError",
]


class OmefsError(Exception):
    """Base of every omefs error.

    ``operation``, ``uri`` and ``provider`` are kept as attributes and, when
    given, appended to the message as ``(operation=…, uri=…, provider=…)``.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        uri: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.operation = operation
        self.uri = uri
        self.provider = provider
        context = [
            f"{name}={value}"
            for name, value in (("operation", operation), ("uri", uri), ("provider", provider))
            if value
        ]
        text = message if not context else f"{message} ({', '.join(context)})"
        self.message = redact_text(text)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable (Dask, multiprocessing) with their context.
        return (
            _rebuild,
            (type(self), self.message, self.operation, self.uri, self.provider),
            self.__dict__,
        )


def _rebuild(
    cls: type[OmefsError], message: str, operation: str | None, uri: str | None, provider: str | None
) -> OmefsError:
    err = cls.__new__(cls)
    OmefsError.__init__(err, message)
    err.operation, err.uri, err.provider = operation, uri, provider
    return err


class InvalidURIError(OmefsError, ValueError):
    """A URI could not be parsed: names the URI, the wrong part and the accepted forms."""


class ConfigError(OmefsError, ValueError):
    """An auth config or config file is invalid: names the key and what is accepted."""


class VersioningNotEnabledError(ConfigError):
    """A call about object versions on a bucket whose versioning was never turned on:
    names the bucket and how to turn it on."""


class AuthError(OmefsError):
    """Credentials could not be obtained, or the service did not accept them."""


class NotFoundError(OmefsError, FileNotFoundError):
    """The object, bucket or release does not exist."""


class PermissionDeniedError(OmefsError, PermissionError):
    """The credentials were accepted but do not allow the operation."""


class ArchivedObjectError(OmefsError, PermissionError):
    """A read of an archived object that is not restored (S3 ``GLACIER``/``DEEP_ARCHIVE``, Azure
    ``Archive``, OCI ``Archive``): names the object, its class and how to restore it.

    Attributes:
        storage_class: the neutral class (``ARCHIVE``).
        storage_class_native: the service's own name for it, where known.
    """

    def __init__(self, message: str, *, storage_class: str | None = "ARCHIVE",
                 storage_class_native: str | None = None, **context: str | None) -> None:
        super().__init__(message, **context)
        self.storage_class = storage_class
        self.storage_class_native = storage_class_native


class EncryptionKeyError(OmefsError, PermissionError):
    """An object is encrypted with a customer-provided key and the request did not carry
    that key (or carried another one): the message names the option that gives it."""
class ConnectionFailedError(OmefsError, ConnectionError):
    """The service could not be reached (connection refused or reset, name not resolved).

    The message names the endpoint and what to check; the network library's
    own error is the ``__cause__``.
    """


class ServiceError(OmefsError, OSError):
    """A service or its SDK failed in a way omefs has no finer class for.

    Raised in place of an SDK's own exception, which stays reachable as the
    ``__cause__`` (its error code and HTTP status are in the message).
    """


class ChecksumMismatchError(OmefsError):
    """The bytes written do not match the bytes read (size, MD5, CRC32C or ETag)."""


class TransferError(OmefsError):
    """One or more objects of a transfer failed; ``.report`` holds every result."""

    def __init__(self, message: str, *, report: TransferReport | None = None, **context: str | None) -> None:
        super().__init__(message, **context)
        self.report = report


class TransferCancelledError(TransferError):
    """The caller's progress callback raised: the transfer stopped before its end.

    The callback's exception is the ``__cause__``. ``.report`` holds what
    was done; each object not done is in ``report.cancelled``, and its
    item's ``error`` says whether something written for it was removed
    (a cancelled copy leaves no object).
    """


class TransferInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped a transfer; still a :class:`KeyboardInterrupt`.

    The requests in flight were finished and what they wrote removed
    before this was raised. ``.report`` holds what was done; each object
    not done is in ``report.cancelled``.
    """

    def __init__(self, message: str, *, report: TransferReport | None = None) -> None:
        super().__init__(redact_text(message))
        self.report = report


class RateLimitError(OmefsError):
    """A service refused a request because a rate limit was reached (GitHub).

    Attributes:
        kind: ``"primary"`` (the hourly request budget is spent; it comes
            back at :attr:`reset_at`) or ``"secondary"`` (the service asked for a
            pause of :attr:`retry_after` seconds that was longer than omefs
            may wait, see ``max_rate_limit_wait``).
        reset_at: when the primary budget resets (UTC), where the service said.
        retry_after: the pause the service asked for, in seconds, where it said.
        limit: the request budget per hour of these credentials, where known.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        reset_at: datetime | None = None,
        retry_after: float | None = None,
        limit: int | None = None,
        **context: str | None,
    ) -> None:
        super().__init__(message, **context)
        self.kind = kind
        self.reset_at = reset_at
        self.retry_after = retry_after
        self.limit = limit


class AssetTooLargeError(OmefsError, ValueError):
    """An upload was refused before any byte was sent: GitHub release assets must be under 2 GiB."""


class IsAReleaseError(OmefsError, IsADirectoryError):
    """A file operation named a GitHub release (a folder): deleting one needs ``recursive=True``."""


class AlreadyExistsError(OmefsError, FileExistsError):
    """The service answered that the thing being created exists (GitHub: an asset of that
    name, or a release of that tag)."""


class TruncatedBodyError(OSError):
    """A response body ended before the promised number of bytes (OCI; retried, so an
    ``OSError`` as the SDK's own transport errors are, not an :class:`OmefsError`)."""


# -- internal: raised and caught inside omefs, never by a public call ---------------------


class HTTPStatusError(OSError):
    """A service's answer that is not a success, to one of omefs's own plain HTTP clients
    (GCS's JSON API without gcsfs). It carries the HTTP status, the service's reason code
    (``notFound``, ``forbidden``…) and the answer's headers (``Retry-After``);
    :mod:`omefs.providers.error_mapping` reads them as it reads an SDK's errors (a status it
    has no meaning for is a :class:`ServiceError`), so a filesystem's public methods raise
    the mapped :class:`OmefsError`, and the copy engine's retries read the status."""

    def __init__(self, status: int, reason: str | None, message: str, where: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(redact_text(f"{status} {reason or 'error'}: {message} ({where})"))
        self.http_status = status
        self.reason = reason
        self.headers = dict(headers or {})
        self._given = (status, reason, message, where, self.headers)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from what it was given (an executor in another process sends it back).
        return type(self), self._given


class HTTPNotFoundError(HTTPStatusError, FileNotFoundError):
    """:class:`HTTPStatusError` for a 404: no such object or bucket."""


class URISyntaxError(ValueError):
    """Raised by a provider's URI grammar: one part of a URI is wrong, the message says which.

    :func:`omefs.uri.parse_uri` turns it into :class:`InvalidURIError` naming the
    URI and the provider's accepted forms; it never reaches a caller.
    """


class UsageError(Exception):
    """A command-line flag or argument that cannot be used (the CLI exits with status 2)."""


class IntegrityError(Exception):
    """The bytes read or written do not match what the store says (size or digest).

    Internal and retryable: the copy engine retries the object and, when every
    attempt fails, reports it with a :class:`ChecksumMismatchError` message.
    """


class UploadStopped(Exception):  # noqa: N818 - a signal to a writer, not an error of the copy
    """Raised by the chunk iterator of a cancelled copy's stream: the writer aborts its upload
    (:func:`omefs.transfer.cancel.stop_between_parts`)."""


class StreamCancelled(asyncio.CancelledError):
    """The cancellation of a streamed write, once its writer returned.

    ``committed`` is False when the writer aborted the upload because the
    stream stopped (nothing reached the destination), True when it may
    have changed the destination (it completed, or failed some other way).
    """

    def __init__(self, committed: bool) -> None:
        super().__init__("the copy was cancelled")
        self.committed = committed
