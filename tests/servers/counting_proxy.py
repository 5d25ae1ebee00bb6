"""A recording proxy: which requests a client sends a server, by kind.

``counting_proxy(upstream)`` is a :class:`~tests.servers.checking_proxy.CheckingProxy`
that forwards everything unchanged and keeps a :class:`RequestLog`: each
request's method, its decoded path and its kind — ``"list"`` for a
listing (S3 ``ListObjects``/``ListObjectsV2``, Azure ``List Blobs``, the GCS
JSON API's ``objects.list``), otherwise the method (``HEAD``, ``GET``,
``PUT``…). Tests use it to pin what a client may ask a store: that an
incremental sync lists each side and touches no unchanged object, for one.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.servers.checking_proxy import Checker, CheckingProxy, Exchange

__all__ = ["Recorded", "RequestLog", "counting_proxy", "kind_of"]


def kind_of(method: str, target: str) -> str:
    """``"list"`` for a listing request (S3, Azure, GCS JSON API), else the method."""
    parts = urlsplit(target)
    query = parts.query
    if method == "GET" and ("list-type=" in query or "comp=list" in query
                            or parts.path.rstrip("/").endswith("/o")):
        return "list"
    if method == "GET" and parts.path.count("/") <= 1 and "prefix=" in query:
        return "list"  # S3 ListObjects (v1): GET /bucket?prefix=...
    return method


@dataclass(frozen=True)
class Recorded:
    """One request: method, kind and decoded path."""

    method: str
    kind: str
    path: str


class RequestLog(Checker):
    """Forwards every request unchanged and records it."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[Recorded] = []

    def request(self, ex: Exchange) -> None:
        with self.lock:
            self.records.append(Recorded(ex.method, kind_of(ex.method, ex.target), ex.path))
        return None

    def reset(self) -> None:
        with self.lock:
            self.records.clear()

    def kinds(self) -> collections.Counter[str]:
        """How many requests of each kind."""
        with self.lock:
            return collections.Counter(r.kind for r in self.records)

    def paths(self, *kinds: str) -> list[str]:
        """The paths of the requests of these kinds."""
        with self.lock:
            return [r.path for r in self.records if r.kind in kinds]


def counting_proxy(upstream: str) -> CheckingProxy:
    """A started proxy in front of ``upstream``; its log is ``proxy.checker`` (a :class:`RequestLog`)."""
    return CheckingProxy(upstream, RequestLog()).start()
