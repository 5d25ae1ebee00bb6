"""Mapping each SDK's exceptions to :mod:`omefs.errors` at the filesystem boundary.

The parent libraries raise their own errors (s3fs turns botocore codes into
``PermissionError``; adlfs lets ``azure.core`` errors through; gcsfs raises
``HttpError``; ocifs and PyGithub raise their SDK's errors). omefs
filesystems wrap their public methods with :func:`map_errors`, so a caller
sees one family: :class:`~omefs.errors.AuthError` when the credentials were
not accepted, :class:`~omefs.errors.PermissionDeniedError` when they were
but do not allow the operation, :class:`~omefs.errors.NotFoundError` when
the thing is not there — each naming the operation, URI and provider, and
each still an ``OSError`` subclass where the parent raised one, so code
that catches ``FileNotFoundError`` or ``PermissionError`` keeps working.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from omefs.errors import (
    ArchivedObjectError,
    AuthError,
    ConnectionFailedError,
    EncryptionKeyError,
    NotFoundError,
    OmefsError,
    PermissionDeniedError,
    ServiceError,
)
from omefs.redact import redact_text

__all__ = ["classify", "translate", "map_errors", "has_service_error", "archived_error"]

T = TypeVar("T")

# Error codes (S3, Azure, GCS JSON API reasons, OCI codes) by meaning.
_AUTH_CODES = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
    "TokenRefreshRequired", "AuthenticationFailed", "InvalidAuthenticationInfo",
    "NotAuthenticated", "authError", "unauthorized", "InvalidClientTokenId",
    "AuthFailure", "MissingAuthenticationToken", "NoAuthorizationHeader",
}
_DENIED_CODES = {
    "AccessDenied", "AllAccessDisabled", "AuthorizationFailure",
    "AuthorizationPermissionMismatch", "AuthorizationResourceTypeMismatch",
    "AuthorizationSourceIPMismatch", "AuthorizationProtocolMismatch",
    "InsufficientAccountPermissions", "forbidden", "NotAuthorized",
    "NotAuthorizedOrNotFound", "AccountIsDisabled",
}
_NOT_FOUND_CODES = {
    "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion", "404", "NotFound",
    "BlobNotFound", "ContainerNotFound", "ResourceNotFound", "ObjectNotFound",
    "BucketNotFound", "notFound",
}


# A read of an archived object that is not restored (S3, Azure, OCI).
_ARCHIVED_CODES = {"InvalidObjectState", "BlobArchived", "NotRestored"}
_ARCHIVED_TEXT = re.compile(r"<Code>InvalidObjectState</Code>|\bBlobArchived\b|\bNotRestored\b")
_CLASS_TEXT = re.compile(r"<StorageClass>([A-Z_]+)</StorageClass>")

# A customer-key object read without its key, or with another key (S3 SSE-C, GCS CSEK,
# Azure CPK, OCI SSE-C), by code or by the services' wording.
_KEY_CODES = {
    "BlobUsesCustomerSpecifiedEncryption", "BlobCustomerSpecifiedEncryptionMismatch",
    "resourceIsEncryptedWithCustomerEncryptionKey", "customerEncryptionKeyIsIncorrect",
    "SseCustomerKeyRequired", "SseCustomerKeyMismatch",
}
_KEY_TEXT = re.compile(r"stored using a form of Server Side Encryption|"
                       r"customer[- ]?(?:provided|supplied|specified) (?:encryption )?key|"
                       r"encrypted with customer specified encryption|"
                       + "|".join(sorted(_KEY_CODES)), re.I)
#: What a caller does about an :class:`EncryptionKeyError`.
KEY_HINT = ("give the key as encryption={'mode': 'customer', 'customer_key': ...} "
            "(in a copy: src_options; on the command line: --customer-key or "
            "--customer-key-file, and --src-customer-key or --src-customer-key-file for the "
            "source of cp and sync)")
#: Modules whose exceptions never reach a caller as they are: each SDK, the
#: parent filesystem libraries and the HTTP stacks under them.
_SDK_MODULES = (
    "botocore", "aiobotocore", "boto3", "s3fs", "azure", "adlfs", "google", "gcsfs",
    "oci", "ocifs", "github", "aiohttp", "requests", "urllib3", "httpx", "obstore",
)
#: Exception class names that mean "no credentials were found at all".
_NO_CREDENTIALS = frozenset({
    "NoCredentialsError", "DefaultCredentialsError", "CredentialUnavailableError",
    "PartialCredentialsError",
})
#: Class names of the network layers' "could not connect" errors.
_CONNECT_ERRORS = frozenset({
    "ClientConnectorError", "ClientConnectionError", "ServerDisconnectedError",
    "EndpointConnectionError", "ConnectionClosedError", "ServiceRequestError", "NewConnectionError",
    "MaxRetryError", "ConnectTimeoutError", "ConnectTimeout", "ConnectError",
})


def _from_sdk(exc: BaseException) -> bool:
    """Whether ``exc`` is a service's answer: an SDK's exception, or an HTTP status that
    omefs's own HTTP clients raise (:class:`~omefs.errors.HTTPStatusError`)."""
    if isinstance(getattr(exc, "http_status", None), int):
        return True
    module = type(exc).__module__ or ""
    return module.split(".", 1)[0] in _SDK_MODULES


def _fallback_class(exc: BaseException) -> type[OmefsError] | None:
    """The class for an SDK error with no code we know: missing credentials, no connection, or other."""
    names = [type(link).__name__ for link in exception_chain(exc)]
    if any(name in _NO_CREDENTIALS for name in names):
        return AuthError
    if any(name in _CONNECT_ERRORS for name in names) or any(
        isinstance(link, ConnectionRefusedError) for link in exception_chain(exc)
    ):
        return ConnectionFailedError
    if _from_sdk(exc):
        return ServiceError
    return None


_AUTH_TEXT = re.compile(r"failed to authenticate|signature (?:we calculated )?does not match", re.I)


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and each exception it was raised from or during, once each."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _code_and_status(exc: BaseException) -> tuple[str | None, int | None]:
    """The service's error code and HTTP status, for any SDK we know."""
    # botocore ClientError
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response.get("Error") or {}
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        return err.get("Code"), status
    # azure.core HttpResponseError
    code = getattr(exc, "error_code", None)
    status = getattr(exc, "status_code", None)
    if code is not None or (status is not None and type(exc).__module__.startswith("azure")):
        return (str(code) if code is not None else None), status
    # oci ServiceError
    if type(exc).__name__ == "ServiceError" and hasattr(exc, "status"):
        return getattr(exc, "code", None), getattr(exc, "status", None)
    # gcsfs HttpError
    if type(exc).__name__ == "HttpError" and hasattr(exc, "code"):
        return getattr(exc, "reason", None) or None, _int(getattr(exc, "code", None))
    # omefs's own HTTP clients (a provider's lean JSON-API reads and listings)
    http_status = getattr(exc, "http_status", None)
    if isinstance(http_status, int):
        reason = getattr(exc, "reason", None)
        return (str(reason) if reason else None), http_status
    # PyGithub GithubException
    if hasattr(exc, "status") and type(exc).__module__.startswith("github"):
        return None, _int(getattr(exc, "status", None))
    # requests HTTPError
    resp = getattr(exc, "response", None)
    if resp is not None and hasattr(resp, "status_code"):
        return None, _int(resp.status_code)
    # obstore: the status is only in the message ("non-2xx status code: 403 Forbidden")
    if type(exc).__module__.startswith("obstore"):
        found = _OBSTORE_STATUS.search(str(exc))
        if found:
            return None, int(found.group(1))
    return None, None


_OBSTORE_STATUS = re.compile(r"non-2xx status code: (\d{3})\b")


def has_service_error(exc: BaseException) -> bool:
    """Whether the service's own error (an SDK exception with a code or status) is in ``exc``'s chain.

    Some parents drop it: s3fs and adlfs, asked for a missing key, hear 404
    on the object, then look for a folder of that name and raise a fresh
    ``FileNotFoundError`` with no cause. Their omefs subclasses ask once more
    to put the service's answer back (see ``S3FileSystem._info``).
    """
    return any(_code_and_status(link) != (None, None) for link in exception_chain(exc))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def classify(exc: BaseException) -> type[OmefsError] | None:
    """Which omefs error ``exc`` (or anything in its cause chain) means, if any."""
    if isinstance(exc, OmefsError):
        return type(exc)
    for link in exception_chain(exc):
        code, status = _code_and_status(link)
        if code in _ARCHIVED_CODES or _ARCHIVED_TEXT.search(str(link)):
            return ArchivedObjectError
        if code in _KEY_CODES or _KEY_TEXT.search(str(link)):
            return EncryptionKeyError
        if _AUTH_TEXT.search(str(link)):
            # Azurite answers a bad signature with AuthorizationFailure where
            # Azure says AuthenticationFailed; the message is the same.
            return AuthError
        if code in _AUTH_CODES or status == 401:
            return AuthError
        if code in _DENIED_CODES or status == 403:
            return PermissionDeniedError
        if code in _NOT_FOUND_CODES or status == 404:
            return NotFoundError
        text = str(link)
        for group, cls in ((_AUTH_CODES, AuthError), (_DENIED_CODES, PermissionDeniedError)):
            if any(c in text for c in group if len(c) > 8):
                return cls
    for link in exception_chain(exc):
        if isinstance(link, FileNotFoundError):
            return NotFoundError
        if isinstance(link, PermissionError):
            return PermissionDeniedError
    return _fallback_class(exc)


def translate(
    exc: BaseException, operation: str, uri: str | None, provider: str, hint: str | None = None
) -> BaseException:
    """``exc`` as an omefs error when it has a meaning we know; else ``exc`` itself.

    ``hint`` says whose credentials were used (a profile, a key fingerprint —
    never a secret); it is added to :class:`AuthError` and
    :class:`PermissionDeniedError` messages.
    """
    if isinstance(exc, OmefsError):
        return exc
    cls = classify(exc)
    if cls is None:
        return exc
    if cls is ArchivedObjectError:
        return archived_error(exc, operation, uri, provider)
    what = {
        AuthError: "credentials were not accepted",
        PermissionDeniedError: "permission denied",
        NotFoundError: "not found",
        EncryptionKeyError: "refused: the object is encrypted with a customer-provided key "
                            "that the request did not carry (or not this one)",
        ConnectionFailedError: "could not connect",
    }.get(cls, "failed")
    names = {type(link).__name__ for link in exception_chain(exc)}
    if cls is AuthError and names & _NO_CREDENTIALS:
        what = "found no credentials"
        hint = ("pass auth= (an auth config, see the auth docs), route the URL in OMEFS_CONFIG, "
                "or set the SDK's own environment variables or config file")
    code, status = next(
        (cs for cs in map(_code_and_status, exception_chain(exc)) if cs != (None, None)), (None, None)
    )
    detail = " ".join(str(x) for x in (status, code) if x)
    reason = redact_text(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    message = f"{operation} {what}" + (f" [{detail}]" if detail else "") + f": {reason}"
    if cls is ConnectionFailedError:
        message += "; is the endpoint right (endpoint_url) and the service running and reachable?"
    elif hint and cls is AuthError and names & _NO_CREDENTIALS:
        message += f"; {hint}"
    elif hint and cls in (AuthError, PermissionDeniedError):
        message += f"; credentials used: {hint}"
    if cls is EncryptionKeyError:
        message += f"; {KEY_HINT}"
    return cls(message, operation=operation, uri=uri, provider=provider)


def _archived_native(exc: BaseException, provider: str) -> str | None:
    """The native class an "archived" refusal names, else the provider's only archived class."""
    for link in exception_chain(exc):
        response = getattr(link, "response", None)
        if isinstance(response, dict):
            named = (response.get("Error") or {}).get("StorageClass")
            if named:
                return str(named)
        match = _CLASS_TEXT.search(str(link))
        if match:
            return match.group(1)
    from omefs.classes import StorageClasses
    from omefs.providers.registry import get_provider

    try:
        table = get_provider(provider).capabilities.storage_classes
    except Exception:  # noqa: BLE001 - an unknown provider: no class to name
        return None
    if isinstance(table, StorageClasses) and len(table.archived) == 1:
        return next(iter(table.archived))
    return None


def archived_error(exc: BaseException, operation: str, uri: str | None,
                   provider: str) -> ArchivedObjectError:
    """An :class:`ArchivedObjectError` for the refusal ``exc``: the object, its class, how to restore."""
    if isinstance(exc, ArchivedObjectError):
        return exc
    native = _archived_native(exc, provider)
    what = uri or "the object"
    named = f"ARCHIVE, native {native}" if native and native != "ARCHIVE" else "ARCHIVE"
    message = (f"{operation} refused: {what} is archived (storage class {named}) and cannot be "
               f"read until it is restored; start a restore with omefs.restore({what!r}, days=1) "
               f"or `omefs restore {what}`, and read it when the restore is done "
               "(info()['restore_state'])")
    return ArchivedObjectError(message, storage_class="ARCHIVE", storage_class_native=native,
                               operation=operation, uri=uri, provider=provider)


def _uri_of(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    path = args[0] if args else kwargs.get("path", kwargs.get("rpath"))
    if isinstance(path, (list, tuple)):
        path = path[0] if path else None
    if not isinstance(path, str):
        return None
    protocol = self.protocol[0] if isinstance(self.protocol, (tuple, list)) else self.protocol
    return path if "://" in path else f"{protocol}://{path}"


def _hint(self: Any) -> str | None:
    """The filesystem's description of its credentials, if it offers one (``_omefs_error_hint``)."""
    describe = getattr(self, "_omefs_error_hint", None)
    try:
        return describe() if callable(describe) else None
    except Exception:
        return None


def _wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    operation = name.lstrip("_")
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(self, *args, **kwargs)
            except Exception as exc:
                mapped = translate(
                    exc, operation, _uri_of(self, args, kwargs), self.storage_provider, _hint(self)
                )
                if mapped is exc:
                    raise
                raise mapped from exc

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except Exception as exc:
            mapped = translate(
                exc, operation, _uri_of(self, args, kwargs), self.storage_provider, _hint(self)
            )
            if mapped is exc:
                raise
            raise mapped from exc

    return wrapper


def map_errors(*names: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: wrap the named methods (as found on the class's MRO) with error mapping.

    The class needs a ``storage_provider`` attribute naming the provider
    for messages. Methods not found on the class are skipped, so one list
    serves sync and async parents.
    """

    def decorate(cls: type[T]) -> type[T]:
        for name in names:
            fn = getattr(cls, name, None)
            if fn is None or getattr(fn, "_omefs_mapped", False):
                continue
            wrapped = _wrap(name, fn)
            wrapped._omefs_mapped = True  # type: ignore[attr-defined]
            setattr(cls, name, wrapped)
        return cls

    return decorate


#: Async filesystems (s3fs, gcsfs, adlfs): fsspec mirrors these coroutines
#: into the sync API, so wrapping them covers both.
ASYNC_METHODS = (
    "_info", "_ls", "_find", "_glob", "_cat_file", "_pipe_file", "_put_file", "_get_file",
    "_rm", "_rm_file", "_mkdir", "_makedirs", "_cp_file", "_open", "_exists", "_expand_path",
)
#: Sync filesystems (ocifs, GitHub Releases).
SYNC_METHODS = (
    "info", "ls", "find", "glob", "cat_file", "pipe_file", "put_file", "get_file",
    "rm", "rm_file", "mkdir", "makedirs", "cp_file", "_open",
)
