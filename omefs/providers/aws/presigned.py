"""The copy engine's whole-object reads from S3 as one presigned GET over plain HTTP.

obstore's async GET of a small object costs about 1.1 ms of client CPU
(two hand-offs between its runtime and the event loop, one for the answer
and one for the body); the same GET presigned by obstore (``obstore.sign``,
about 16 µs: obstore still signs, with the store's own credentials) and
sent over a kept-alive connection (:mod:`omefs.lean_http`) in the engine's thread
pool costs about 0.7 ms. The bytes are checked by the engine as any read's
are (their MD5 against the ETag).

Used where the store's request is nothing but a signed GET: no proxy on
the way (that client goes through none), no requester-pays
setting (a header the URL does not carry) and a store obstore can sign
for. Anything else keeps obstore's GET. A refusal is
:class:`~omefs.errors.HTTPStatusError` with S3's ``<Code>`` as the reason
(:class:`~omefs.errors.HTTPNotFoundError` for a 404), which the engine's
retries and error mapping read as they read obstore's.

Not every S3-compatible server takes a signature in the query string
(moto with IAM enforced answers 500). So a refusal other than a 404 or
throttling is asked again through obstore's own GET (signed in headers);
if that one answers, the store is read by obstore from then on
(:func:`refused_presigned`).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from omefs.errors import HTTPNotFoundError, HTTPStatusError
from omefs.lean_http import LeanHTTP, proxied

__all__ = ["plain_reader", "get_object", "refused_presigned"]

#: How long a URL signed for one GET stays valid (it is used at once).
_LIFETIME = timedelta(minutes=15)

_lock = threading.Lock()
#: One client per TLS setting (``verify``); connections are per thread inside it.
_clients: dict[bool, LeanHTTP] = {}
#: Whether each store (by identity, held here) can be read with a presigned GET.
_verdicts: dict[int, tuple[Any, bool]] = {}


def _error(status: int, headers: dict[str, str], body: bytes, key: str) -> HTTPStatusError:
    """S3's refusal: the status, ``<Code>`` as the reason and ``<Message>`` as the text."""
    text = body.decode("utf-8", "replace")

    def element(name: str) -> str | None:
        start, end = text.find(f"<{name}>"), text.find(f"</{name}>")
        return text[start + len(name) + 2:end] if 0 <= start < end else None

    cls = HTTPNotFoundError if status == 404 else HTTPStatusError
    return cls(status, element("Code"), element("Message") or "GET refused", f"GET {key}", headers)


def plain_reader(store: Any) -> LeanHTTP | None:
    """The plain HTTP client that reads ``store``'s objects as obstore would, or None."""
    with _lock:
        known = _verdicts.get(id(store))
        if known is not None and known[0] is store:
            return _clients[_verify(store)] if known[1] else None
    able = _can_presign(store)
    with _lock:
        if len(_verdicts) >= 256:  # stores come and go in a long-lived process
            _verdicts.clear()
        _verdicts[id(store)] = (store, able)
        if able:
            verify = _verify(store)
            if verify not in _clients:
                _clients[verify] = LeanHTTP(verify=verify)
            return _clients[verify]
    return None


def _verify(store: Any) -> bool:
    options = getattr(store, "client_options", None) or {}
    return str(options.get("allow_invalid_certificates", "false")).lower() != "true"


def _can_presign(store: Any) -> bool:
    import obstore

    config = getattr(store, "config", None) or {}
    if str(config.get("request_payer", "false")).lower() == "true":
        return False
    try:
        url = obstore.sign(store, "GET", "omefs-probe", _LIFETIME)
    except Exception:  # noqa: BLE001 - a store obstore cannot sign for: its own GET reads
        return False
    return not proxied(str(url))


def refused_presigned(store: Any) -> None:
    """Read ``store`` through obstore from now on: it refused a presigned GET that obstore's
    header-signed GET got answered."""
    with _lock:
        _verdicts[id(store)] = (store, False)


def get_object(client: LeanHTTP, store: Any, key: str) -> bytes:
    """The whole object ``key`` (blocking: run in the engine's pool)."""
    import obstore

    url = str(obstore.sign(store, "GET", key, _LIFETIME))
    answer = client.request("GET", url)
    if answer.status != 200:
        raise _error(answer.status, answer.headers, answer.body, key)
    return answer.body
