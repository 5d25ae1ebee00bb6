"""The copy engine's whole-object reads and writes of S3 as one presigned request each.

obstore's async GET of a small object costs about 1.1 ms of client CPU
(two hand-offs between its runtime and the event loop, one for the answer
and one for the body), its PUT about 1 ms; the same request presigned by
obstore (``obstore.sign``, about 16 µs: obstore still signs, with the
store's own credentials) and sent over a kept-alive connection
(:mod:`omefs.lean_http`) in the engine's thread pool costs about 0.3 ms. The
engine checks the bytes as it checks obstore's: a read's MD5 against the
ETag, a write's ETag against the MD5 of what was sent.

Used where the store's request is nothing but the signed request: a store
whose configuration holds only where the bucket is and who asks
(:data:`_PLAIN_CONFIG`: no requester-pays, no setting that adds a header
the URL would not carry), no proxy on the way (that client goes through
none), and a store obstore can sign for. Anything else keeps obstore's
request. A refusal is :class:`~omefs.errors.HTTPStatusError` with S3's
``<Code>`` as the reason (:class:`~omefs.errors.HTTPNotFoundError` for a
404), which the engine's retries and error mapping read as they read
obstore's.

Not every S3-compatible server takes a signature in the query string
(moto with IAM enforced answers 500). So a refusal other than a 404 or
throttling is asked again through obstore's own request (signed in
headers); if that one is answered, the store is served by obstore from then
on (:func:`_refused_presigned`).
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from omefs.errors import HTTPNotFoundError, HTTPStatusError
from omefs.lean_http import LeanHTTP, proxied

if TYPE_CHECKING:
    from omefs.transfer.streams import Runtime

__all__ = ["first_part_size", "get_object", "plain_client", "presigned_or_obstore", "put_object"]

#: How long a URL signed for one request stays valid (it is used at once).
_LIFETIME = timedelta(minutes=15)
#: The store settings a presigned URL carries all of.
_PLAIN_CONFIG = frozenset({"bucket", "region", "endpoint", "virtual_hosted_style_request",
                           "access_key_id", "secret_access_key", "session_token", "token"})
#: Refusals that obstore's own request would get too (no such object, slow down).
_FINAL = frozenset({404, 429, 503})

_lock = threading.Lock()
#: One client per TLS setting (``verify``); connections are per thread inside it.
_clients: dict[bool, LeanHTTP] = {}
#: Each store (by identity, held here) and the client of its presigned requests (None: obstore's).
_verdicts: dict[int, tuple[Any, LeanHTTP | None]] = {}


def _obstore_may_answer(exc: BaseException) -> bool:
    """Whether a presigned request's failure should be asked again through obstore."""
    return isinstance(exc, HTTPStatusError) and exc.http_status not in _FINAL


def _error(method: str, status: int, headers: dict[str, str], body: bytes, key: str) -> HTTPStatusError:
    """S3's refusal: the status, ``<Code>`` as the reason and ``<Message>`` as the text."""
    text = body.decode("utf-8", "replace")

    def element(name: str) -> str | None:
        start, end = text.find(f"<{name}>"), text.find(f"</{name}>")
        return text[start + len(name) + 2:end] if 0 <= start < end else None

    cls = HTTPNotFoundError if status == 404 else HTTPStatusError
    return cls(status, element("Code"), element("Message") or f"{method} refused", f"{method} {key}", headers)


def plain_client(store: Any) -> LeanHTTP | None:
    """The plain HTTP client that sends ``store``'s requests as obstore would, or None."""
    with _lock:
        known = _verdicts.get(id(store))
        if known is not None and known[0] is store:
            return known[1]
    client = None
    if _can_presign(store):
        verify = _verify(store)
        with _lock:
            client = _clients.setdefault(verify, LeanHTTP(verify=verify))
    with _lock:
        if len(_verdicts) >= 256:  # stores come and go in a long-lived process
            _verdicts.clear()
        _verdicts[id(store)] = (store, client)
    return client


def _refused_presigned(store: Any) -> None:
    """Serve ``store`` by obstore from now on: it refused a presigned request that obstore's
    header-signed request got answered."""
    with _lock:
        _verdicts[id(store)] = (store, None)


async def presigned_or_obstore(rt: Runtime, store: Any, send: Callable[[LeanHTTP], Any],
                               by_obstore: Callable[[], Awaitable[Any]]) -> Any:
    """``send(client)`` in the engine's pool where ``store`` is served by presigned requests,
    else ``by_obstore()``; a refusal obstore might not get (:func:`_obstore_may_answer`) is
    asked again through ``by_obstore()``, and if that is answered the store stays with
    obstore (:func:`_refused_presigned`)."""
    client = plain_client(store)
    if client is None:
        return await by_obstore()
    try:
        return await rt.run(send, client)
    except Exception as exc:
        if not _obstore_may_answer(exc):
            raise
        answer = await by_obstore()  # signed in headers instead
        _refused_presigned(store)
        return answer


def _verify(store: Any) -> bool:
    options = getattr(store, "client_options", None) or {}
    return str(options.get("allow_invalid_certificates", "false")).lower() != "true"


def _can_presign(store: Any) -> bool:
    import obstore

    config = getattr(store, "config", None) or {}
    if set(config) - _PLAIN_CONFIG:
        return False
    try:
        url = obstore.sign(store, "GET", "omefs-probe", _LIFETIME)
    except Exception:  # noqa: BLE001 - a store obstore cannot sign for: its own requests go
        return False
    return not proxied(str(url))


def get_object(client: LeanHTTP, store: Any, key: str) -> bytes:
    """The whole object ``key`` (blocking: run in the engine's pool)."""
    import obstore

    answer = client.request("GET", str(obstore.sign(store, "GET", key, _LIFETIME)))
    if answer.status != 200:
        raise _error("GET", answer.status, answer.headers, answer.body, key)
    return answer.body


def put_object(client: LeanHTTP, store: Any, key: str, data: Any) -> dict[str, str]:
    """Write ``data`` (bytes-like) as the whole object ``key``; the answer's headers
    (``etag``, ``x-amz-version-id``). Blocking: run in the engine's pool."""
    import obstore

    answer = client.request("PUT", str(obstore.sign(store, "PUT", key, _LIFETIME)), data)
    if answer.status != 200:
        raise _error("PUT", answer.status, answer.headers, answer.body, key)
    return answer.headers


def first_part_size(client: LeanHTTP, store: Any, key: str) -> int | None:
    """The size of part 1 of the object ``key`` (``HEAD ?partNumber=1``, which a presigned URL
    cannot carry: botocore's SigV4 signs it, with the keys of the store's settings), or None
    where the store's settings hold no keys. Blocking: run in the engine's pool."""
    import obstore

    config = getattr(store, "config", None) or {}
    key_id, secret = config.get("access_key_id"), config.get("secret_access_key")
    if not key_id or not secret:
        return None
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = str(obstore.sign(store, "HEAD", key, _LIFETIME)).split("?", 1)[0] + "?partNumber=1"
    request = AWSRequest(method="HEAD", url=url)
    token = config.get("session_token") or config.get("token")
    S3SigV4Auth(Credentials(key_id, secret, token), "s3", config.get("region") or "us-east-1").add_auth(request)
    answer = client.request("HEAD", url, headers=dict(request.headers.items()))
    if answer.status not in (200, 206):
        raise _error("HEAD", answer.status, answer.headers, answer.body, key)
    return int(answer.headers["content-length"])
