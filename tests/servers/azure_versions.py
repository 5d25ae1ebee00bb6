"""Blob versions in front of Azurite, as the Azure Blob REST reference describes them.

Azurite keeps no blob versions. :class:`BlobVersionsProxy` is a reverse
proxy on 127.0.0.1 in front of it: a client (adlfs, azure-storage-blob)
points its account URL at the proxy, every request is forwarded unchanged
(so SharedKey signatures verify at Azurite) and, while ``enabled()`` says
the account has versioning on (the ``isVersioningEnabled`` Blob service
property, which lives in the management plane), the proxy keeps history:

* Put Blob, Put Block List and Copy Blob first keep the live blob as a
  previous version, then answer with the new ``x-ms-version-id``; Delete
  Blob keeps it too (the blob then has versions but no current one);
* Get Blob / Get Blob Properties answer ``x-ms-version-id`` and
  ``x-ms-is-current-version``; with ``versionid=`` they serve that version
  (ranges included) or 404 ``BlobNotFound`` — never the live blob;
* Delete Blob with ``versionid=`` deletes that version for good;
* List Blobs with ``include=versions`` lists the previous versions beside
  the current ones (``VersionId``, ``IsCurrentVersion``);
* Copy Blob whose ``x-ms-copy-source`` names ``?versionid=`` copies that
  version (synchronously: ``x-ms-copy-status: success``).

The proxy's own requests to Azurite carry an account SAS made with
Azurite's published development key. Version ids are UTC timestamps with
seven decimals, as Azure's.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.servers.fake_http import serve_in_thread, shut_down

__all__ = ["BlobVersionsProxy"]

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade", "content-length"}
# Headers of a blob that a stored version answers with.
_KEPT = ("content-type", "content-md5", "etag", "last-modified", "x-ms-creation-time",
         "x-ms-blob-type", "x-ms-server-encrypted", "x-ms-access-tier", "content-encoding",
         "content-language", "content-disposition", "cache-control")


@dataclass
class Version:
    """One previous version of a blob."""

    version_id: str
    body: bytes
    headers: dict[str, str]


class BlobVersionsProxy:
    """The proxy; ``start()`` it (or use it as a context manager)."""

    def __init__(self, upstream: str, account: str, account_key: str,
                 enabled: Callable[[], bool]) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.account = account
        self.enabled = enabled
        self._sas = _account_sas(account, account_key)
        self.history: dict[tuple[str, str], list[Version]] = {}  # newest first
        self.current: dict[tuple[str, str], str] = {}
        self._last_id = ""
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        assert self._server is not None, "proxy not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def blob_endpoint(self) -> str:
        return f"{self.endpoint}/{self.account}"

    def connection_string(self, account_key: str) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={self.account};"
                f"AccountKey={account_key};BlobEndpoint={self.blob_endpoint};")

    def start(self) -> BlobVersionsProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve_in_thread(self._server, "blob-versions-proxy")
        return self

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    def clear(self) -> None:
        with self._lock:
            self.history.clear()
            self.current.clear()

    def __enter__(self) -> BlobVersionsProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- Azurite, as the proxy itself --------------------------------------------
    def upstream(self, method: str, path: str, query: str = "", body: bytes | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request to Azurite (``path`` already encoded); ``(status, headers, body)``."""
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=120)
        try:
            target = path + "?" + "&".join(q for q in (query, self._sas) if q)
            conn.request(method, target, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def new_version_id(self) -> str:
        with self._lock:
            now = dt.datetime.now(dt.timezone.utc)
            text = now.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
            if text <= self._last_id:  # the same tick: the next one
                stamp = dt.datetime.strptime(self._last_id[:26], "%Y-%m-%dT%H:%M:%S.%f")
                text = (stamp + dt.timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
            self._last_id = text
            return text

    def keep_live(self, container: str, blob: str) -> None:
        """Keep the live blob as a previous version (versioning on, and a live blob there)."""
        if not self.enabled():
            return
        status, headers, body = self.upstream("GET", _blob_path(self.account, container, blob))
        if status != 200:
            return
        key = (container, blob)
        with self._lock:
            version_id = self.current.pop(key, None) or _id_from_date(headers.get("last-modified"))
            kept = {k: v for k, v in headers.items() if k in _KEPT}
            self.history.setdefault(key, []).insert(0, Version(version_id, body, kept))

    def find(self, container: str, blob: str, version_id: str) -> Version | None:
        with self._lock:
            return next((v for v in self.history.get((container, blob), [])
                         if v.version_id == version_id), None)


def _account_sas(account: str, key: str) -> str:
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    return generate_account_sas(
        account_name=account, account_key=key,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True,
                                         create=True),
        expiry=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))


def _blob_path(account: str, container: str, blob: str) -> str:
    return f"/{account}/{quote(container)}/{quote(blob)}"


def _id_from_date(value: str | None) -> str:
    when = email.utils.parsedate_to_datetime(value) if value else dt.datetime.now(dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _error_xml(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms wait
    owner: BlobVersionsProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    # -- plumbing ------------------------------------------------------------------
    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _reply(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if self.command != "HEAD" else
                                               int(headers.get("content-length", len(body)))))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _not_found(self, what: str) -> None:
        self._reply(404, {"x-ms-error-code": "BlobNotFound", "Content-Type": "application/xml",
                          "x-ms-request-id": str(uuid.uuid4())},
                    _error_xml("BlobNotFound", f"The specified blob does not exist: {what}"))

    def _forward(self, body: bytes | None) -> tuple[int, dict[str, str], bytes]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        owner = self.owner
        conn = http.client.HTTPConnection(owner.upstream_host, owner.upstream_port, timeout=120)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    # -- dispatch ------------------------------------------------------------------
    def _handle(self) -> None:
        parts = urlsplit(self.path)
        query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segments = parts.path.lstrip("/").split("/", 2)
        body = self._body()
        container = unquote(segments[1]) if len(segments) > 1 else ""
        blob = unquote(segments[2]) if len(segments) > 2 else ""
        method = self.command
        if blob and "restype" not in query:
            return self._blob(method, container, blob, query, body)
        if container and method == "GET" and query.get("comp") == "list":
            return self._list(container, parts.query)
        self._reply(*self._forward(body))

    def _blob(self, method: str, container: str, blob: str, query: dict[str, str],
              body: bytes | None) -> None:
        owner, key = self.owner, (container, blob)
        version = query.get("versionid")
        comp = query.get("comp")
        if version is not None and method in ("GET", "HEAD", "DELETE"):
            with owner._lock:
                live = owner.current.get(key)
            if version != live:
                return self._old_version(method, container, blob, version)
        copy_source = self.headers.get("x-ms-copy-source")
        writes = method == "PUT" and (comp in (None, "blocklist") and
                                      (self.headers.get("x-ms-blob-type") or comp or copy_source))
        if copy_source and method == "PUT" and comp is None:
            src = urlsplit(copy_source)
            src_version = {k.lower(): v[-1] for k, v in parse_qs(src.query).items()}.get("versionid")
            if src_version is not None:
                return self._copy_version(container, blob, src.path, src_version)
        if writes or (method == "DELETE" and comp is None):
            owner.keep_live(container, blob)
        status, headers, data = self._forward(body)
        if writes and status in (200, 201, 202):
            with owner._lock:
                if owner.enabled():
                    owner.current[key] = headers["x-ms-version-id"] = owner.new_version_id()
                else:
                    owner.current.pop(key, None)
        elif method == "DELETE" and status in (200, 202):
            with owner._lock:
                owner.current.pop(key, None)
        elif method in ("GET", "HEAD") and status in (200, 206):
            with owner._lock:
                live = owner.current.get(key)
            if live:
                headers.update({"x-ms-version-id": live, "x-ms-is-current-version": "true"})
        self._reply(status, headers, data)

    def _old_version(self, method: str, container: str, blob: str, version_id: str) -> None:
        owner = self.owner
        found = owner.find(container, blob, version_id)
        if found is None:
            return self._not_found(f"{container}/{blob}?versionid={version_id}")
        base = {"x-ms-request-id": str(uuid.uuid4()), "x-ms-version-id": version_id,
                "x-ms-version": self.headers.get("x-ms-version", "2021-08-06"),
                "Date": email.utils.formatdate(usegmt=True)}
        if method == "DELETE":
            with owner._lock:
                owner.history[(container, blob)].remove(found)
            return self._reply(202, base)
        headers = {**found.headers, **base, "accept-ranges": "bytes"}
        data, size = found.body, len(found.body)
        span = self.headers.get("x-ms-range") or self.headers.get("Range")
        if span and span.startswith("bytes="):
            first_text, _, last_text = span[6:].partition("-")
            first = int(first_text or 0)
            last = min(int(last_text), size - 1) if last_text else size - 1
            data = data[first:last + 1]
            headers["content-range"] = f"bytes {first}-{last}/{size}"
            headers["content-length"] = str(len(data))
            return self._reply(206, headers, data)
        headers["content-length"] = str(size)
        self._reply(200, headers, data)

    def _copy_version(self, container: str, blob: str, source_path: str, version_id: str) -> None:
        owner = self.owner
        src = unquote(source_path).lstrip("/").split("/", 2)
        source = owner.find(src[1], src[2], version_id) if len(src) == 3 else None
        with owner._lock:
            live = owner.current.get((src[1], src[2])) if len(src) == 3 else None
        if source is None and live == version_id:
            status, headers, body = owner.upstream("GET", _blob_path(owner.account, src[1], src[2]))
            if status == 200:
                source = Version(version_id, body, {k: v for k, v in headers.items() if k in _KEPT})
        if source is None:
            return self._not_found(f"copy source {source_path}?versionid={version_id}")
        owner.keep_live(container, blob)
        put_headers = {"x-ms-blob-type": "BlockBlob",
                       "Content-Type": source.headers.get("content-type", "application/octet-stream")}
        status, headers, data = owner.upstream("PUT", _blob_path(owner.account, container, blob),
                                               body=source.body, headers=put_headers)
        if status != 201:
            return self._reply(status, headers, data)
        reply = {k: v for k, v in headers.items() if k in ("etag", "last-modified", "date")}
        reply.update({"x-ms-copy-id": str(uuid.uuid4()), "x-ms-copy-status": "success",
                      "x-ms-request-id": str(uuid.uuid4()),
                      "x-ms-version": self.headers.get("x-ms-version", "2021-08-06")})
        if owner.enabled():
            with owner._lock:
                owner.current[(container, blob)] = reply["x-ms-version-id"] = owner.new_version_id()
        self._reply(202, reply)

    def _list(self, container: str, raw_query: str) -> None:
        """List Blobs: Azurite's listing with each current blob's ``VersionId`` (as Azure lists
        them in an account with versioning), and with ``include=versions`` the previous ones."""
        owner = self.owner
        pairs = [(k, v) for k, v in parse_qs(raw_query, keep_blank_values=True).items()]
        query = {k: v[-1] for k, v in pairs}
        include = [i for i in query.get("include", "").split(",") if i and i != "versions"]
        with_history = "versions" in query.get("include", "").split(",")
        sent = {k: v for k, v in query.items() if k != "include"}
        if include:
            sent["include"] = ",".join(include)
        encoded = "&".join(f"{k}={quote(v, safe='')}" for k, v in sent.items())
        status, headers, data = owner.upstream("GET", f"/{owner.account}/{quote(container)}",
                                               encoded)
        if status != 200:
            return self._reply(status, headers, data)
        root = ET.fromstring(data)
        blobs = root.find("Blobs")
        assert blobs is not None
        prefix, delimiter = query.get("prefix", ""), query.get("delimiter")
        with owner._lock:
            for element in blobs.findall("Blob"):
                name = element.findtext("Name") or ""
                live = owner.current.get((container, name))
                if live is None and with_history:
                    live = _id_from_date(element.findtext("Properties/Last-Modified"))
                if live is not None:
                    _insert_after_name(element, live, current=True)
            for (c, name), versions in owner.history.items() if with_history else ():
                tail = name[len(prefix):]
                if c != container or not name.startswith(prefix) or (delimiter and delimiter in tail):
                    continue
                for version in versions:
                    blobs.append(_version_element(name, version))
        ordered = sorted(blobs.findall("Blob"),
                         key=lambda e: (e.findtext("Name") or "", e.findtext("VersionId") or ""))
        for element in blobs.findall("Blob"):
            blobs.remove(element)
        for element in ordered:
            blobs.append(element)
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        self._reply(200, {**{k: v for k, v in headers.items() if k != "content-length"}}, body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def _insert_after_name(element: ET.Element, version_id: str, current: bool) -> None:
    children = list(element)
    index = next((i for i, c in enumerate(children) if c.tag == "Name"), 0) + 1
    vid = ET.Element("VersionId")
    vid.text = version_id
    element.insert(index, vid)
    if current:
        flag = ET.Element("IsCurrentVersion")
        flag.text = "true"
        element.insert(index + 1, flag)


def _version_element(name: str, version: Version) -> ET.Element:
    """A List Blobs ``<Blob>`` for a previous version."""
    blob = ET.Element("Blob")
    ET.SubElement(blob, "Name").text = name
    ET.SubElement(blob, "VersionId").text = version.version_id
    props = ET.SubElement(blob, "Properties")
    h = version.headers
    for tag, value in (("Creation-Time", h.get("x-ms-creation-time")),
                       ("Last-Modified", h.get("last-modified")), ("Etag", h.get("etag")),
                       ("Content-Length", str(len(version.body))),
                       ("Content-Type", h.get("content-type")), ("Content-MD5", h.get("content-md5")),
                       ("BlobType", h.get("x-ms-blob-type", "BlockBlob")),
                       ("AccessTier", h.get("x-ms-access-tier")),
                       ("ServerEncrypted", h.get("x-ms-server-encrypted"))):
        if value is not None:
            ET.SubElement(props, tag).text = value
    return blob
