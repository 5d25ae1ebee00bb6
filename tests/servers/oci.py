"""A fake of OCI Object Storage's REST API, and of the identity endpoints principals use.

No emulator of OCI Object Storage exists, so the tests run against this
one: a real HTTP server on 127.0.0.1 (threaded, port 0) that speaks the
paths, headers and JSON bodies of the service closely enough for the OCI
SDK, ocifs and omefs to run unmodified against it.

What it checks, as the service does:

* **Request signatures** (HTTP Signatures, RSA-SHA256). The
  ``Authorization: Signature keyId="TENANCY/USER/FINGERPRINT",...`` header
  is parsed, the signing string rebuilt from the signed headers (``date
  (request-target) host``, plus ``content-length content-type
  x-content-sha256`` on bodies other than object and part uploads) and
  verified with the public key registered for that key id; the body's
  SHA-256 is checked against ``x-content-sha256``. For security tokens the
  key id is ``ST$<jwt>``: the JWT must be one this server signed, not
  expired (by the server's clock, which tests can move), and carries the
  session public key (``jwk``) the request must be signed with. Anything
  wrong gets 401 ``{"code": "NotAuthenticated", "message": ...}``.
* ``Content-MD5`` on object and part uploads (400 on a mismatch),
  ``If-Match`` / ``If-None-Match``, ``Range`` (206 / 416), storage tiers
  (``Archive`` objects must be restored before a GET: 409; see
  :mod:`tests.servers.oci_tiers` for updateObjectStorageTier and restoreObjects).

What it serves:

* ``GET /n``, ``GET /n/{ns}``, buckets (``GET|POST /n/{ns}/b``,
  ``HEAD|GET|DELETE /n/{ns}/b/{b}``), objects (``PUT|GET|HEAD|DELETE``),
  bucket versioning (``POST /n/{ns}/b/{b}`` UpdateBucket, ``GET
  /n/{ns}/b/{b}/objectversions``, ``versionId`` on object reads and
  deletes, ``sourceVersionId`` on copies: :mod:`tests.servers.oci_versions`),
  listing with ``prefix``, ``delimiter``, ``start``, ``end``,
  ``startAfter``, ``limit``, ``fields`` and ``nextStartWith``; multipart
  create / upload part / list parts / commit (``opc-multipart-md5``) /
  abort / list uploads; the object lifecycle policy (``PUT|GET|DELETE
  /n/{ns}/b/{b}/l``, its rules checked as the service checks them:
  names unique, ``action`` one of ARCHIVE / INFREQUENT_ACCESS / DELETE /
  ABORT, ``target`` objects / previous-object-versions / multipart-uploads,
  ABORT only and always for multipart uploads, ``timeAmount`` positive,
  ``timeUnit`` DAYS or YEARS); ``copyObject`` as a work request (``GET
  /workRequests/{id}`` advances it one step per poll; ``…/errors`` says
  why it failed) and ``renameObject``.
* OKE's proxymux (``start_proxymux``: ``POST /resourcePrincipalSessionTokens``
  over TLS, with a service-account token the fake signed), for OKE
  workload identity.
* The instance metadata service (``/opc/v2/instance/region``,
  ``/opc/v2/identity/{cert,key,intermediate}.pem``, with an instance
  certificate issued by the fake's intermediate CA and naming the
  tenancy), the Auth federation endpoint (``POST /v1/x509``: the request
  must be signed with the instance certificate's key), and a resource
  principal token endpoint (``POST /v1/resourcePrincipalSessionToken``),
  which the tests use as the platform that hands a function its
  ``OCI_RESOURCE_PRINCIPAL_RPST``. Security tokens are short-lived JWTs
  (``exp``) the fake signs, carrying the session key.

What it records and can be told to do:

* ``calls`` (a Counter by operation), ``peak_part_uploads`` (the largest
  number of ``UploadPart`` requests in flight at once), ``aborted``
  (aborted upload ids), ``federation_calls``, ``token_issues``,
  ``work_request_polls``, ``auth_failures``;
* ``inject(op, status, ...)`` fails matching requests (a part number, an
  object name, a number of times, with ``Retry-After``);
  ``corrupt(key)`` flips one byte of the next GET body of an object;
  ``fail_next_copy(code, message)`` makes the next copy work request fail;
  ``advance_clock(seconds)`` moves the server's clock (tokens expire).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import json
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.servers import oci_tiers
from tests.servers.fake_http import serve_in_thread, shut_down
from tests.servers.oci_sse import (
    Sse,
    SseRefused,
    check_copy_source,
    check_part,
    check_read,
    request_sse,
)
from tests.servers.oci_sse import response_headers as sse_headers
from tests.servers.oci_versions import (
    DeleteMarker,
    VersionedObjects,
    list_object_versions,
    parse_versioning,
)

__all__ = ["FakeOCI", "Fault", "fingerprint_of", "new_key", "pem_private", "pem_public"]

TENANCY = "ocid1.tenancy.oc1..aaaaaaaafaketenancy"
REGION = "us-ashburn-1"
NAMESPACE = "fakens"
MAX_CLOCK_SKEW = 300  # seconds, as the service allows

_KEYS: list[Any] = []
_KEYS_LOCK = threading.Lock()


def new_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cached_key(index: int) -> rsa.RSAPrivateKey:
    """Keys reused across servers in one test run (generating RSA keys is slow)."""
    with _KEYS_LOCK:
        while len(_KEYS) <= index:
            _KEYS.append(new_key())
        return _KEYS[index]


def pem_private(key: Any, passphrase: bytes | None = None) -> bytes:
    enc = (serialization.BestAvailableEncryption(passphrase) if passphrase
           else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def pem_public(key: Any) -> bytes:
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint_of(key: Any) -> str:
    """OCI's API key fingerprint: MD5 of the DER public key, colon-separated hex."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def _b64md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _rfc3339(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


class ServiceError(Exception):
    """An error response: status, OCI error code, message, extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


@dataclass
class Fault:
    """An injected failure: requests of ``op`` matching ``part``/``key`` fail ``times`` times."""

    op: str
    status: int = 500
    code: str = "InternalServerError"
    message: str = "injected failure"
    times: int | None = 1
    part: int | None = None
    key: str | None = None
    retry_after: float | None = None
    hits: int = 0

    def matches(self, op: str, part: int | None, key: str | None) -> bool:
        if self.op != op or (self.times is not None and self.hits >= self.times):
            return False
        if self.part is not None and self.part != part:
            return False
        return self.key is None or self.key == key


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    metadata: dict[str, str]
    tier: str
    created: float
    md5: str | None  # Content-MD5 of a single-part object
    multipart_md5: str | None = None
    etag: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: str = field(default_factory=lambda: str(uuid.uuid4()))
    restore_ready: float | None = None  # when a restore of an Archive object completes
    restored_until: float | None = None  # when the restored copy goes away
    sse: Sse = field(default_factory=Sse)

    @property
    def listed_md5(self) -> str | None:
        return self.md5 or self.multipart_md5


@dataclass
class Bucket:
    name: str
    namespace: str
    compartment: str
    tier: str
    created: float
    # The live objects; older versions and delete markers beside them (oci_versions.py).
    objects: VersionedObjects = field(default_factory=VersionedObjects)
    etag: str = field(default_factory=lambda: str(uuid.uuid4()))
    kms_key_id: str | None = None
    lifecycle: dict[str, Any] | None = None  # the object lifecycle policy, as stored


@dataclass
class Upload:
    upload_id: str
    namespace: str
    bucket: str
    key: str
    content_type: str
    metadata: dict[str, str]
    tier: str
    created: float
    parts: dict[int, tuple[bytes, str, str]] = field(default_factory=dict)  # num -> (data, md5, etag)
    sse: Sse = field(default_factory=Sse)


@dataclass
class WorkRequest:
    id: str
    compartment: str
    source: tuple[str, str, str]
    dest: tuple[str, str, str]
    source_etag: str | None
    metadata: dict[str, str] | None
    tier: str | None
    accepted: float
    status: str = "ACCEPTED"
    started: float | None = None
    finished: float | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    fail: tuple[str, str] | None = None
    source_version: str | None = None
    sse: Sse | None = None  # what the request asked the copy's encryption to be


class FakeOCI:
    """The fake service; ``start()`` it (or use it as a context manager)."""

    def __init__(self, *, region: str = REGION, namespace: str = NAMESPACE,
                 tenancy: str = TENANCY) -> None:
        self.region, self.namespace, self.tenancy = region, namespace, tenancy
        self._lock = threading.RLock()
        self._issuer = _cached_key(0)
        self._ca_key = _cached_key(1)
        self._leaf_key = _cached_key(2)
        self.instance_id = "ocid1.instance.oc1.iad.fakeinstance"
        self._ca_cert, self._leaf_cert = self._make_instance_certs()
        self._tls_cert = self._make_tls_cert()
        self._server: ThreadingHTTPServer | None = None
        self._proxymux: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.api_keys: dict[str, Any] = {}
        self.token_ttl = 3600.0
        self.part_delay = 0.0
        self.reset()

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> FakeOCI:
        handler = type("Handler", (_Handler,), {"fake": self})
        server = _Server(("127.0.0.1", 0), handler)
        self._server = server
        self._thread = serve_in_thread(server, "fake-oci")
        return self

    def stop(self) -> None:
        shut_down(self._server)
        shut_down(self._proxymux)
        self._server = self._proxymux = None

    def start_proxymux(self, directory: Path, *, sa_ttl: float = 3600) -> dict[str, Any]:
        """Serve OKE's proxymux (``POST /resourcePrincipalSessionTokens``) over TLS on loopback.

        Writes a service-account token (a JWT the fake signs, as the
        Kubernetes API server would) and the CA certificate to ``directory``
        and returns the settings of omefs's ``oke_workload_identity``.
        """
        import ssl

        directory.mkdir(parents=True, exist_ok=True)
        if self._proxymux is None:
            cert_path, key_path = directory / "proxymux.pem", directory / "proxymux.key"
            cert_path.write_bytes(self._tls_cert.public_bytes(serialization.Encoding.PEM))
            key_path.write_bytes(pem_private(self._ca_key))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(cert_path), str(key_path))
            handler = type("Handler", (_Handler,), {"fake": self})
            server = _Server(("127.0.0.1", 0), handler)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            serve_in_thread(server, "fake-proxymux")
            self._proxymux = server
        ca_path = directory / "ca.crt"
        ca_path.write_bytes(self._tls_cert.public_bytes(serialization.Encoding.PEM))
        token_path = directory / "token"
        now = self.now()
        token_path.write_text(jwt.encode(
            {"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:ml:trainer",
             "iat": int(now), "exp": int(now + sa_ttl)},
            self._issuer, algorithm="RS256"))
        return {"service_host": "127.0.0.1", "service_port": self._proxymux.server_address[1],
                "sa_token_path": str(token_path), "sa_cert_path": str(ca_path)}

    def __enter__(self) -> FakeOCI:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """The Object Storage endpoint, ``http://127.0.0.1:PORT``."""
        assert self._server is not None, "the fake is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def metadata_url(self) -> str:
        """The instance metadata base URL (for ``OCI_METADATA_BASE_URL``)."""
        return self.endpoint + "/opc/v2"

    @property
    def auth_url(self) -> str:
        """The Auth service origin (federation endpoint at ``/v1/x509``)."""
        return self.endpoint

    def info(self) -> dict[str, Any]:
        """Where the fake listens (as the other servers of ``tests.servers`` describe themselves)."""
        return {"endpoint": self.endpoint, "metadata_url": self.metadata_url,
                "auth_url": self.auth_url, "namespace": self.namespace, "region": self.region,
                "tenancy": self.tenancy}

    def reset(self) -> None:
        """Forget all data, faults and counters (registered keys stay)."""
        with self._lock:
            self.namespaces: dict[str, dict[str, Bucket]] = {self.namespace: {}}
            self.uploads: dict[str, Upload] = {}
            self.work_requests: dict[str, WorkRequest] = {}
            self.faults: list[Fault] = []
            self.restore_seconds = 0.0  # how long RestoreObjects takes, by the server's clock
            self.corruptions: Counter[str] = Counter()
            self.copy_failures: list[tuple[str, str]] = []
            self.copy_steps = 2
            self.calls: Counter[str] = Counter()
            self.aborted: list[str] = []
            #: the opc-sse-customer-key-sha256 each UploadPart carried (None: none)
            self.part_sse: list[str | None] = []
            self.federation_calls = 0
            self.token_issues = 0
            self.work_request_polls = 0
            self.auth_failures: list[str] = []
            self.revoked_before: float | None = None
            self._in_flight_parts = 0
            self.peak_part_uploads = 0
            self.clock_offset = 0.0
            self.part_delay = 0.0
            self.token_ttl = 3600.0

    # -- test controls ----------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the clock the server judges and issues tokens by: earlier tokens may now be expired.

        The client's clock is not moved, so its SDK still thinks its token is
        good: the next request gets a 401, as when a token expires before the
        client expects it to.
        """
        with self._lock:
            self.clock_offset += seconds

    def register_key(self, user: str, public_key: Any, tenancy: str | None = None) -> str:
        """Accept API-key signatures of ``user`` made with ``public_key``; returns the key id."""
        key_id = f"{tenancy or self.tenancy}/{user}/{fingerprint_of(public_key)}"
        with self._lock:
            self.api_keys[key_id] = public_key.public_key() if hasattr(public_key, "public_key") else public_key
        return key_id

    def inject(self, op: str, status: int = 500, code: str = "InternalServerError", *,
               message: str = "injected failure", times: int | None = 1, part: int | None = None,
               key: str | None = None, retry_after: float | None = None) -> Fault:
        """Fail the next ``times`` (None: every) requests of operation ``op`` (``UploadPart``…)."""
        fault = Fault(op, status, code, message, times, part, key, retry_after)
        with self._lock:
            self.faults.append(fault)
        return fault

    def corrupt(self, key: str, times: int = 1) -> None:
        """Flip one byte in the body of the next ``times`` GETs of object ``key``."""
        with self._lock:
            self.corruptions[key] += times

    def fail_next_copy(self, code: str = "InternalServerError",
                       message: str = "the copy failed on the service") -> None:
        with self._lock:
            self.copy_failures.append((code, message))

    def revoke_tokens(self) -> None:
        """Refuse every security token issued so far (as if the service rotated keys)."""
        with self._lock:
            self.revoked_before = self.now()

    # -- data helpers -------------------------------------------------------------
    def bucket(self, name: str, namespace: str | None = None) -> Bucket:
        return self.namespaces[namespace or self.namespace][name]

    def create_bucket(self, name: str, namespace: str | None = None, tier: str = "Standard") -> Bucket:
        ns = namespace or self.namespace
        with self._lock:
            buckets = self.namespaces.setdefault(ns, {})
            bucket = buckets.get(name) or Bucket(name, ns, self.tenancy, tier, self.now())
            bucket.objects.clock = self.now
            buckets[name] = bucket
            return bucket

    def put(self, bucket: str, key: str, data: bytes, namespace: str | None = None,
            tier: str | None = None) -> StoredObject:
        """Store an object directly (no request)."""
        with self._lock:
            b = self.bucket(bucket, namespace)
            obj = StoredObject(data, "application/octet-stream", {}, tier or b.tier, self.now(), _b64md5(data))
            b.objects[key] = obj
            return obj

    def objects(self, bucket: str, namespace: str | None = None) -> dict[str, bytes]:
        with self._lock:
            return {k: o.data for k, o in self.bucket(bucket, namespace).objects.items()}

    def open_uploads(self) -> list[Upload]:
        with self._lock:
            return list(self.uploads.values())

    # -- tokens -------------------------------------------------------------------
    def issue_token(self, public_key: Any, *, ptype: str = "instance", subject: str | None = None,
                    ttl: float | None = None, claims: dict[str, Any] | None = None) -> str:
        """A security token (JWT signed by the fake) binding ``public_key`` as the session key."""
        pub = public_key.public_key() if hasattr(public_key, "public_key") else public_key
        now = self.now()
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(pub))
        jwk.update({"kid": "fake-session-key", "alg": "RS256", "use": "sig"})
        body = {
            "iss": "authService.oracle.com",
            "sub": subject or (self.instance_id if ptype == "instance" else "ocid1.fnfunc.oc1..fake"),
            "aud": "oci",
            "iat": int(now),
            "exp": int(now + (self.token_ttl if ttl is None else ttl)),
            "jti": str(uuid.uuid4()),
            "ptype": ptype,
            "tenant": self.tenancy,
            "res_tenant": self.tenancy,
            "res_compartment": self.tenancy,
            "jwk": json.dumps(jwk),
        }
        body.update(claims or {})
        with self._lock:
            self.token_issues += 1
        return jwt.encode(body, self._issuer, algorithm="RS256", headers={"kid": "fake-issuer"})

    def _token_key(self, token: str) -> Any:
        try:
            claims = jwt.decode(token, self._issuer.public_key(), algorithms=["RS256"],
                                options={"verify_exp": False, "verify_aud": False,
                                         "verify_iat": False, "verify_nbf": False})
        except jwt.PyJWTError as exc:
            raise _auth_error(f"the security token is not valid ({type(exc).__name__})") from None
        if claims.get("exp", 0) <= self.now():
            raise _auth_error("the security token has expired")
        if self.revoked_before is not None and claims.get("iat", 0) <= self.revoked_before:
            raise _auth_error("the security token has been revoked")
        return jwt.algorithms.RSAAlgorithm.from_jwk(claims["jwk"])

    def resource_principal_env(self, directory: Path, *, ttl: float | None = None,
                               passphrase: bytes | None = None) -> dict[str, str]:
        """Act as the platform: make a session key, get an RPST for it, write both to files.

        Returns the ``OCI_RESOURCE_PRINCIPAL_*`` (version 2.2) environment a
        function would see, with the token and key as file paths (so the SDK
        re-reads them after a 401).
        """
        directory.mkdir(parents=True, exist_ok=True)
        key = new_key()
        key_path = directory / "rp_private.pem"
        key_path.write_bytes(pem_private(key, passphrase))
        token_path = directory / "rpst"
        self._write_rpst(key, token_path, ttl)
        env = {
            "OCI_RESOURCE_PRINCIPAL_VERSION": "2.2",
            "OCI_RESOURCE_PRINCIPAL_RPST": str(token_path),
            "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM": str(key_path),
            "OCI_RESOURCE_PRINCIPAL_REGION": self.region,
        }
        if passphrase:
            pass_path = directory / "rp_passphrase"
            pass_path.write_bytes(passphrase)
            env["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM_PASSPHRASE"] = str(pass_path)
        self._rp_state = (key, token_path, ttl)
        return env

    def rotate_resource_principal_token(self) -> None:
        """Act as the platform again: write a fresh RPST for the same session key."""
        key, token_path, ttl = self._rp_state
        self._write_rpst(key, token_path, ttl)

    def _write_rpst(self, key: Any, token_path: Path, ttl: float | None) -> None:
        import requests

        der = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        response = requests.post(
            self.endpoint + "/v1/resourcePrincipalSessionToken",
            json={"sessionPublicKey": base64.b64encode(der).decode(),
                  "resourceId": "ocid1.fnfunc.oc1..fake", "ttl": ttl},
            timeout=10,
        )
        response.raise_for_status()
        token_path.write_text(response.json()["token"])

    # -- certificates ----------------------------------------------------------------
    def _make_tls_cert(self) -> x509.Certificate:
        """A self-signed server certificate for 127.0.0.1 (the proxymux listener)."""
        import ipaddress

        now = dt.datetime.now(dt.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self._ca_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(self._ca_key, hashes.SHA256()))

    def _make_instance_certs(self) -> tuple[x509.Certificate, x509.Certificate]:
        now = dt.datetime.now(dt.timezone.utc)
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fake OCI Intermediate CA")])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(self._ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .sign(self._ca_key, hashes.SHA256()))
        subject = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, self.instance_id),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "opc-instance:" + self.instance_id),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "opc-compartment:" + self.tenancy),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "opc-tenant:" + self.tenancy),
        ])
        leaf = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
                .public_key(self._leaf_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                .sign(self._ca_key, hashes.SHA256()))
        return ca, leaf


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many parallel part uploads connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the client went away (e.g. it dropped a GET it did not need)
        super().handle_error(request, client_address)


def _sse(check: Any, *args: Any) -> Any:
    """``check(*args)`` (an :mod:`tests.servers.oci_sse` rule), its refusal as a ServiceError."""
    try:
        return check(*args)
    except SseRefused as exc:
        raise ServiceError(exc.status, exc.code, exc.message) from None


_LIFECYCLE_ACTIONS = ("ARCHIVE", "INFREQUENT_ACCESS", "DELETE", "ABORT")
_LIFECYCLE_TARGETS = ("objects", "previous-object-versions", "multipart-uploads")


def _lifecycle_problem(items: Any) -> str | None:
    """What Object Storage would refuse in lifecycle rules (None: nothing)."""
    if not isinstance(items, list):
        return "items must be a list of lifecycle rules"
    names: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            return "each lifecycle rule must be an object"
        name = item.get("name")
        if not isinstance(name, str) or not name:
            return "a lifecycle rule needs a name"
        if name in names:
            return f"the lifecycle rule name '{name}' is used twice"
        names.add(name)
        for key in ("action", "timeAmount", "timeUnit", "isEnabled"):
            if item.get(key) is None:
                return f"the lifecycle rule '{name}' has no {key}"
        action, target = item["action"], item.get("target") or "objects"
        if action not in _LIFECYCLE_ACTIONS:
            return f"the lifecycle rule '{name}': action must be one of {', '.join(_LIFECYCLE_ACTIONS)}"
        if target not in _LIFECYCLE_TARGETS:
            return f"the lifecycle rule '{name}': target must be one of {', '.join(_LIFECYCLE_TARGETS)}"
        if (action == "ABORT") != (target == "multipart-uploads"):
            return f"the lifecycle rule '{name}': ABORT is the only action on multipart-uploads"
        if not isinstance(item["timeAmount"], int) or item["timeAmount"] <= 0:
            return f"the lifecycle rule '{name}': timeAmount must be a positive integer"
        if item["timeUnit"] not in ("DAYS", "YEARS"):
            return f"the lifecycle rule '{name}': timeUnit must be DAYS or YEARS"
    return None


def _auth_error(reason: str) -> ServiceError:
    return ServiceError(
        401, "NotAuthenticated",
        "The required information to complete authentication was not provided or was incorrect.",
        {"x-fake-reason": reason},
    )


def _not_found(what: str) -> ServiceError:
    return ServiceError(404, what, f"{what}: the resource does not exist or you are not authorized")


_SIG_FIELD = re.compile(r'(\w+)="([^"]*)"')
_PATH = re.compile(r"^/n(?:/(?P<ns>[^/]+)(?:/b(?:/(?P<b>[^/]+)(?:/(?P<kind>o|u|actions|l|objectversions)(?:/(?P<rest>.*))?)?)?)?)?$")
_FIELDS = ("name", "size", "etag", "md5", "timeCreated", "timeModified", "storageTier", "archivalState")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait between them
    fake: FakeOCI

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # -- plumbing -------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes | str | Any = b"", headers: dict[str, str] | None = None,
              content_type: str | None = None) -> None:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            content_type = content_type or "application/json"
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("opc-request-id", uuid.uuid4().hex.upper())
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.command == "HEAD":
            if "Content-Length" not in (headers or {}):
                self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _error(self, err: ServiceError) -> None:
        headers = dict(err.headers)
        self._send(err.status, {"code": err.code, "message": err.message}, headers)

    def _dispatch(self) -> None:
        fake = self.fake
        raw_target = self.path
        parts = urlsplit(raw_target)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        op = self._operation(parts.path, query)
        tracking = op == "UploadPart"
        if tracking:
            with fake._lock:
                fake._in_flight_parts += 1
                fake.peak_part_uploads = max(fake.peak_part_uploads, fake._in_flight_parts)
        try:
            body = self._read_body()
            with fake._lock:
                fake.calls[op] += 1
            if tracking and fake.part_delay:
                time.sleep(fake.part_delay)
            try:
                if parts.path.startswith("/opc/v2/"):
                    return self._metadata(parts.path)
                if parts.path == "/v1/x509":
                    return self._federation(raw_target, body)
                if parts.path == "/v1/resourcePrincipalSessionToken":
                    return self._rp_token(body)
                if parts.path == "/resourcePrincipalSessionTokens":
                    return self._proxymux(body)
                self._authenticate(raw_target, body)
                self._check_faults(op, parts.path, query)
                self._route(op, parts.path, query, body)
            except ServiceError as err:
                if err.status == 401:
                    with fake._lock:
                        fake.auth_failures.append(err.headers.get("x-fake-reason", ""))
                self._error(err)
        finally:
            if tracking:
                with fake._lock:
                    fake._in_flight_parts -= 1

    def _operation(self, path: str, query: dict[str, str]) -> str:
        """The API operation a request is (for ``calls`` and ``inject``)."""
        cmd = self.command
        if path.startswith("/opc/v2/"):
            return "Metadata"
        if path == "/v1/x509":
            return "Federation"
        if path == "/v1/resourcePrincipalSessionToken":
            return "ResourcePrincipalToken"
        if path == "/resourcePrincipalSessionTokens":
            return "Proxymux"
        if path.startswith("/workRequests/"):
            return "ListWorkRequestErrors" if path.endswith("/errors") else "GetWorkRequest"
        match = _PATH.match(path)
        if not match:
            return "Unknown"
        if match["ns"] is None:
            return "GetNamespace"
        if match["b"] is None:
            if path.rstrip("/").endswith("/b"):
                return "CreateBucket" if cmd == "POST" else "ListBuckets"
            return "GetNamespaceMetadata"
        kind, rest = match["kind"], match["rest"]
        if kind is None:
            return {"HEAD": "HeadBucket", "GET": "GetBucket", "DELETE": "DeleteBucket",
                    "POST": "UpdateBucket"}.get(cmd, cmd)
        if kind == "objectversions":
            return "ListObjectVersions"
        if kind == "o":
            if rest is None:
                return "ListObjects"
            return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject",
                    "DELETE": "DeleteObject"}.get(cmd, cmd)
        if kind == "u":
            if rest is None:
                return "CreateMultipartUpload" if cmd == "POST" else "ListMultipartUploads"
            return {"PUT": "UploadPart", "GET": "ListMultipartUploadParts",
                    "POST": "CommitMultipartUpload", "DELETE": "AbortMultipartUpload"}.get(cmd, cmd)
        if kind == "l":
            return {"PUT": "PutObjectLifecyclePolicy", "GET": "GetObjectLifecyclePolicy",
                    "DELETE": "DeleteObjectLifecyclePolicy"}.get(cmd, cmd)
        return {"copyObject": "CopyObject", "renameObject": "RenameObject",
                "updateObjectStorageTier": "UpdateObjectStorageTier",
                "restoreObjects": "RestoreObjects"}.get(rest or "", "Unknown")

    # -- signatures -------------------------------------------------------------------
    def _signature_fields(self) -> dict[str, str]:
        header = self.headers.get("Authorization") or self.headers.get("authorization") or ""
        if not header.startswith("Signature "):
            raise _auth_error("no Signature authorization header")
        fields = dict(_SIG_FIELD.findall(header))
        for name in ("keyId", "signature", "headers"):
            if name not in fields:
                raise _auth_error(f"the signature has no {name}")
        if fields.get("algorithm", "rsa-sha256") != "rsa-sha256":
            raise _auth_error("unsupported signature algorithm")
        return fields

    def _verify(self, fields: dict[str, str], raw_target: str, body: bytes, public_key: Any,
                required: tuple[str, ...]) -> None:
        signed = fields["headers"].split()
        missing = [h for h in required if h not in signed]
        if missing:
            raise _auth_error(f"headers not signed: {missing}")
        lines = []
        for name in signed:
            if name == "(request-target)":
                lines.append(f"(request-target): {self.command.lower()} {raw_target}")
            else:
                value = self.headers.get(name)
                if value is None:
                    raise _auth_error(f"signed header {name} is missing")
                lines.append(f"{name}: {value}")
        try:
            public_key.verify(base64.b64decode(fields["signature"]), "\n".join(lines).encode(),
                              padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise _auth_error("signature does not verify") from None
        if "x-content-sha256" in signed:
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            if self.headers.get("x-content-sha256") != digest:
                raise _auth_error("x-content-sha256 does not match the body")
            if int(self.headers.get("content-length") or 0) != len(body):
                raise _auth_error("content-length does not match the body")
        date = self.headers.get("x-date") or self.headers.get("date")
        try:
            sent = email.utils.parsedate_to_datetime(date).timestamp() if date else None
        except (TypeError, ValueError):
            sent = None
        # The Date check uses the real clock: advance_clock() models a token that
        # expired early (clock skew, revocation), not a client with a wrong clock.
        if sent is None or abs(time.time() - sent) > MAX_CLOCK_SKEW:
            raise _auth_error("the date header is missing or too far from the server's clock")

    def _authenticate(self, raw_target: str, body: bytes) -> None:
        fields = self._signature_fields()
        key_id = fields["keyId"]
        if key_id.startswith("ST$"):
            public_key = self.fake._token_key(key_id[3:])
        else:
            public_key = self.fake.api_keys.get(key_id)
            if public_key is None:
                raise _auth_error(f"unknown key id {key_id}")
        required: tuple[str, ...] = ("(request-target)", "host")
        if not ({"date", "x-date"} & set(fields["headers"].split())):
            raise _auth_error("date not signed")
        path = urlsplit(raw_target).path
        upload = self.command == "PUT" and re.match(r"^/n/[^/]+/b/[^/]+/(o|u)/", path)
        if self.command in ("POST", "PUT") and not upload:
            required += ("content-length", "content-type", "x-content-sha256")
        self._verify(fields, raw_target, body, public_key, required)

    def _check_faults(self, op: str, path: str, query: dict[str, str]) -> None:
        part = int(query["uploadPartNum"]) if "uploadPartNum" in query else None
        match = _PATH.match(path)
        key = unquote(match["rest"]) if match and match["rest"] else None
        with self.fake._lock:
            for fault in self.fake.faults:
                if fault.matches(op, part, key):
                    fault.hits += 1
                    headers = {}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = f"{fault.retry_after:g}"
                    raise ServiceError(fault.status, fault.code, fault.message, headers)

    # -- identity endpoints ----------------------------------------------------------------
    def _metadata(self, path: str) -> None:
        fake = self.fake
        if self.headers.get("Authorization") != "Bearer Oracle":
            raise ServiceError(401, "NotAuthenticated", "missing Authorization: Bearer Oracle")
        pem = {
            "/opc/v2/identity/cert.pem": fake._leaf_cert.public_bytes(serialization.Encoding.PEM),
            "/opc/v2/identity/key.pem": pem_private(fake._leaf_key),
            "/opc/v2/identity/intermediate.pem": fake._ca_cert.public_bytes(serialization.Encoding.PEM),
        }
        if path == "/opc/v2/instance/region":
            return self._send(200, fake.region, content_type="text/plain")
        if path == "/opc/v2/instance/id":
            return self._send(200, fake.instance_id, content_type="text/plain")
        if path in pem:
            return self._send(200, pem[path], content_type="text/plain")
        raise ServiceError(404, "NotFound", "no such metadata")

    def _federation(self, raw_target: str, body: bytes) -> None:
        fake = self.fake
        with fake._lock:
            fake.federation_calls += 1
        fields = self._signature_fields()
        try:
            payload = json.loads(body)
            cert = x509.load_der_x509_certificate(base64.b64decode(payload["certificate"]))
            session_key = serialization.load_der_public_key(base64.b64decode(payload["publicKey"]))
        except (ValueError, KeyError, TypeError):
            raise ServiceError(400, "InvalidParameter", "certificate and publicKey are required") from None
        try:
            fake._ca_key.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                             padding.PKCS1v15(), cert.signature_hash_algorithm)
        except InvalidSignature:
            raise _auth_error("the certificate is not issued by the instance CA") from None
        sha1 = ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA1()))
        if fields["keyId"] != f"{fake.tenancy}/fed-x509/{sha1}":
            raise _auth_error("keyId does not name the certificate's tenancy and fingerprint")
        self._verify(fields, raw_target, body, cert.public_key(),
                     ("(request-target)", "content-length", "content-type", "x-content-sha256"))
        token = fake.issue_token(session_key, ptype="instance")
        self._send(200, {"token": token})

    def _rp_token(self, body: bytes) -> None:
        payload = json.loads(body or b"{}")
        try:
            key = serialization.load_der_public_key(base64.b64decode(payload["sessionPublicKey"]))
        except (KeyError, ValueError, TypeError):
            raise ServiceError(400, "InvalidParameter", "sessionPublicKey is required") from None
        token = self.fake.issue_token(key, ptype="resource", subject=payload.get("resourceId"),
                                      ttl=payload.get("ttl"))
        self._send(200, {"token": token})

    def _proxymux(self, body: bytes) -> None:
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            raise ServiceError(401, "NotAuthenticated", "a service account token is required")
        try:
            claims = jwt.decode(auth[7:], self.fake._issuer.public_key(), algorithms=["RS256"],
                                options={"verify_exp": False, "verify_iat": False})
        except jwt.PyJWTError:
            raise ServiceError(401, "NotAuthenticated", "the service account token is not valid") from None
        if claims.get("exp", 0) <= self.fake.now():
            raise ServiceError(401, "NotAuthenticated", "the service account token has expired")
        try:
            key = serialization.load_der_public_key(base64.b64decode(json.loads(body)["podKey"]))
        except (KeyError, ValueError, TypeError):
            raise ServiceError(400, "InvalidParameter", "podKey is required") from None
        token = self.fake.issue_token(key, ptype="workload", subject=claims.get("sub"))
        encoded = base64.b64encode(json.dumps({"token": "ST$" + token}).encode())
        self._send(200, encoded, content_type="application/json")

    # -- the object storage API -----------------------------------------------------------
    def _route(self, op: str, path: str, query: dict[str, str], body: bytes) -> None:
        fake = self.fake
        if path.startswith("/workRequests/"):
            return self._work_request(path)
        match = _PATH.match(path)
        if not match:
            raise ServiceError(404, "NotFound", f"no such path {path}")
        ns = unquote(match["ns"]) if match["ns"] else None
        bucket_name = unquote(match["b"]) if match["b"] else None
        kind, rest = match["kind"], match["rest"]
        cmd = self.command
        if ns is None:
            return self._send(200, json.dumps(fake.namespace), content_type="application/json")
        with fake._lock:
            if ns not in fake.namespaces:
                raise _not_found("NamespaceNotFound")
        if bucket_name is None:
            if cmd == "GET" and path.rstrip("/").endswith("/b"):
                return self._list_buckets(ns, query)
            if cmd == "POST" and path.endswith("/b"):
                return self._create_bucket(ns, body)
            if cmd == "GET":
                return self._send(200, {"namespace": ns, "defaultS3CompartmentId": fake.tenancy,
                                        "defaultSwiftCompartmentId": fake.tenancy})
            raise ServiceError(405, "MethodNotAllowed", cmd)
        with fake._lock:
            bucket = fake.namespaces[ns].get(bucket_name)
        if bucket is None:
            raise ServiceError(404, "BucketNotFound",
                               f"Either the bucket named '{bucket_name}' does not exist in the "
                               f"namespace '{ns}' or you are not authorized to access it")
        if kind is None:
            return self._bucket(bucket, body)
        if kind == "o" and rest is None:
            return self._list_objects(bucket, query)
        if kind == "objectversions" and rest is None and cmd == "GET":
            try:
                with fake._lock:
                    listing, headers = list_object_versions(bucket.objects, query, _rfc3339)
            except ValueError as err:
                raise ServiceError(400, "InvalidParameter", str(err)) from None
            return self._send(200, listing, headers)
        if kind == "o":
            return self._object(bucket, unquote(rest), query, body)
        if kind == "u":
            return self._multipart(bucket, unquote(rest) if rest else None, query, body)
        if kind == "l" and rest is None:
            return self._lifecycle(bucket, body)
        if kind == "actions" and rest == "copyObject" and cmd == "POST":
            return self._copy(bucket, body)
        if kind == "actions" and rest == "renameObject" and cmd == "POST":
            return self._rename(bucket, body)
        if kind == "actions" and rest == "updateObjectStorageTier" and cmd == "POST":
            oci_tiers.update_tier(fake, bucket, body, ServiceError)
            return self._send(200, b"")
        if kind == "actions" and rest == "restoreObjects" and cmd == "POST":
            oci_tiers.restore_objects(fake, bucket, body, ServiceError)
            return self._send(200, b"")
        raise ServiceError(404, "NotFound", f"no such path {path}")

    def _list_buckets(self, ns: str, query: dict[str, str]) -> None:
        if not query.get("compartmentId"):
            raise ServiceError(400, "MissingParameter", "compartmentId is required")
        with self.fake._lock:
            buckets = sorted(self.fake.namespaces[ns].values(), key=lambda b: b.name)
        start = query.get("page")
        if start:
            buckets = [b for b in buckets if b.name >= start]
        limit = int(query.get("limit") or 1000)
        page, more = buckets[:limit], buckets[limit:]
        headers = {"opc-next-page": more[0].name} if more else {}
        self._send(200, [{
            "namespace": ns, "name": b.name, "compartmentId": b.compartment,
            "createdBy": "ocid1.user.oc1..fake", "timeCreated": _rfc3339(b.created), "etag": b.etag,
            "freeformTags": {}, "definedTags": {},
        } for b in page], headers)

    def _bucket_json(self, b: Bucket) -> dict[str, Any]:
        return {"namespace": b.namespace, "name": b.name, "compartmentId": b.compartment,
                "metadata": {}, "createdBy": "ocid1.user.oc1..fake", "timeCreated": _rfc3339(b.created),
                "etag": b.etag, "publicAccessType": "NoPublicAccess", "storageTier": b.tier,
                "objectEventsEnabled": False, "freeformTags": {}, "definedTags": {},
                "versioning": b.objects.versioning, "approximateCount": len(b.objects),
                "kmsKeyId": b.kms_key_id}

    def _create_bucket(self, ns: str, body: bytes) -> None:
        details = json.loads(body or b"{}")
        name, compartment = details.get("name"), details.get("compartmentId")
        if not name or not compartment:
            raise ServiceError(400, "MissingParameter", "name and compartmentId are required")
        tier = details.get("storageTier") or "Standard"
        if tier not in ("Standard", "Archive"):
            raise ServiceError(400, "InvalidParameter", f"storageTier {tier!r}")
        with self.fake._lock:
            if name in self.fake.namespaces[ns]:
                raise ServiceError(409, "BucketAlreadyExists", f"bucket {name!r} already exists")
            bucket = Bucket(name, ns, compartment, tier, self.fake.now(),
                            kms_key_id=details.get("kmsKeyId"))
            bucket.objects.clock = self.fake.now
            if details.get("versioning"):
                try:
                    bucket.objects.versioning = parse_versioning(details["versioning"])
                except ValueError as err:
                    raise ServiceError(400, "InvalidParameter", str(err)) from None
            self.fake.namespaces[ns][name] = bucket
        self._send(200, self._bucket_json(bucket), {"etag": bucket.etag})

    def _bucket(self, bucket: Bucket, body: bytes = b"") -> None:
        cmd = self.command
        if cmd in ("HEAD", "GET"):
            body = self._bucket_json(bucket) if cmd == "GET" else b""
            return self._send(200, body, {"etag": bucket.etag})
        if cmd == "POST":  # UpdateBucket: of its fields, the fake keeps versioning and kmsKeyId
            details = json.loads(body or b"{}")
            if "kmsKeyId" in details:  # "" removes the Vault key (Oracle-managed keys again)
                with self.fake._lock:
                    bucket.kms_key_id = details["kmsKeyId"] or None
            if "versioning" in details:
                try:
                    state = parse_versioning(details["versioning"])
                except ValueError as err:
                    raise ServiceError(400, "InvalidParameter", str(err)) from None
                if state == "Disabled" and bucket.objects.versioning != "Disabled":
                    raise ServiceError(400, "InvalidParameter",
                                       "versioning can be suspended, not disabled, once enabled")
                bucket.objects.versioning = state
            return self._send(200, self._bucket_json(bucket), {"etag": bucket.etag})
        if cmd == "DELETE":
            with self.fake._lock:
                if bucket.objects:
                    raise ServiceError(409, "BucketNotEmpty", f"bucket {bucket.name!r} is not empty")
                del self.fake.namespaces[bucket.namespace][bucket.name]
            return self._send(204)
        raise ServiceError(405, "MethodNotAllowed", cmd)

    def _lifecycle(self, bucket: Bucket, body: bytes) -> None:
        """The bucket's object lifecycle policy: PUT replaces it, GET reads it, DELETE removes it."""
        cmd = self.command
        if cmd == "GET":
            with self.fake._lock:
                policy = bucket.lifecycle
            if policy is None:
                raise ServiceError(404, "LifecyclePolicyNotFound",
                                   f"There is no lifecycle policy for the bucket '{bucket.name}'")
            return self._send(200, policy)
        if cmd == "DELETE":
            with self.fake._lock:
                bucket.lifecycle = None
            return self._send(204)
        if cmd != "PUT":
            raise ServiceError(405, "MethodNotAllowed", cmd)
        try:
            details = json.loads(body or b"{}")
        except ValueError:
            raise ServiceError(400, "InvalidParameter", "the body is not JSON") from None
        items = details.get("items") if isinstance(details, dict) else None
        if items is None:
            items = []
        problem = _lifecycle_problem(items)
        if problem:
            raise ServiceError(400, "InvalidParameter", problem)
        policy = {"items": items, "timeCreated": _rfc3339(self.fake.now())}
        with self.fake._lock:
            bucket.lifecycle = policy
        return self._send(200, policy)

    def _list_objects(self, bucket: Bucket, query: dict[str, str]) -> None:
        if self.command != "GET":
            raise ServiceError(405, "MethodNotAllowed", self.command)
        prefix = query.get("prefix", "")
        delimiter = query.get("delimiter") or None
        if delimiter not in (None, "/"):
            raise ServiceError(400, "InvalidParameter", "only '/' is supported as a delimiter")
        start, end, after = query.get("start"), query.get("end"), query.get("startAfter")
        limit = max(1, min(int(query.get("limit") or 1000), 1000))
        fields = {f.strip() for f in query.get("fields", "name").split(",") if f.strip()} | {"name"}
        unknown = fields - set(_FIELDS)
        if unknown:
            raise ServiceError(400, "InvalidParameter", f"unknown fields {sorted(unknown)}")
        with self.fake._lock:
            names = sorted(bucket.objects)
            entries: list[tuple[str, StoredObject | None]] = []
            last_prefix = None
            for name in names:
                if not name.startswith(prefix) or (start and name < start) or (end and name >= end):
                    continue
                if after and name <= after:
                    continue
                if delimiter:
                    tail = name[len(prefix):]
                    if delimiter in tail:
                        collapsed = prefix + tail.split(delimiter, 1)[0] + delimiter
                        if collapsed != last_prefix:
                            entries.append((collapsed, None))
                            last_prefix = collapsed
                        continue
                entries.append((name, bucket.objects[name]))
            page, more = entries[:limit], entries[limit:]
        objects, prefixes = [], []
        for name, obj in page:
            if obj is None:
                prefixes.append(name)
                continue
            full = {"name": name, "size": len(obj.data), "etag": obj.etag, "md5": obj.listed_md5,
                    "timeCreated": _rfc3339(obj.created), "timeModified": _rfc3339(obj.created),
                    "storageTier": obj.tier,
                    "archivalState": oci_tiers.archival_state(self.fake, obj)}
            objects.append({k: v for k, v in full.items() if k in fields and v is not None})
        result: dict[str, Any] = {"objects": objects, "prefixes": prefixes}
        if more:
            result["nextStartWith"] = more[0][0]
        self._send(200, result)

    def _object_headers(self, obj: StoredObject, *, full: bool) -> dict[str, str]:
        headers = {
            "etag": obj.etag, "last-modified": _http_date(obj.created), "accept-ranges": "bytes",
            "version-id": obj.version, "storage-tier": obj.tier, "Content-Type": obj.content_type,
        }
        state = oci_tiers.archival_state(self.fake, obj)
        if state:
            headers["archival-state"] = state
        if obj.multipart_md5:
            headers["opc-multipart-md5"] = obj.multipart_md5
        elif full and obj.md5:
            headers["Content-MD5"] = obj.md5
        for key, value in obj.metadata.items():
            headers[key] = value
        headers.update(sse_headers(obj.sse))
        return headers

    def _check_md5(self, data: bytes) -> str:
        md5 = _b64md5(data)
        sent = self.headers.get("Content-MD5")
        if sent and sent != md5:
            raise ServiceError(400, "InvalidParameter",
                               "The computed MD5 hash does not match the Content-MD5 header")
        return md5

    def _object(self, bucket: Bucket, key: str, query: dict[str, str], body: bytes) -> None:
        fake, cmd = self.fake, self.command
        version = query.get("versionId")
        with fake._lock:
            obj = bucket.objects.get(key) if version is None else bucket.objects.find(key, version)
        if version is not None and cmd == "DELETE":
            with fake._lock:
                if not bucket.objects.drop(key, version):
                    raise ServiceError(404, "ObjectNotFound", f"no version {version} of '{key}'")
            return self._send(204, b"", {"version-id": version})
        if isinstance(obj, DeleteMarker):
            raise ServiceError(404, "ObjectNotFound",
                               f"version {version} of '{key}' is a delete marker")
        if cmd == "PUT":
            md5 = self._check_md5(body)
            self._preconditions(obj)
            sse = _sse(request_sse, self.headers, bucket.kms_key_id)
            tier = self.headers.get("storage-tier") or bucket.tier
            meta = {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("opc-meta-")}
            new = StoredObject(body, self.headers.get("Content-Type") or "application/octet-stream",
                               meta, tier, fake.now(), md5, sse=sse)
            with fake._lock:
                bucket.objects[key] = new
            return self._send(200, b"", {"etag": new.etag, "last-modified": _http_date(new.created),
                                         "opc-content-md5": md5, "version-id": new.version})
        if obj is None:
            raise ServiceError(404, "ObjectNotFound",
                               f"The object '{key}' was not found in the bucket '{bucket.name}'")
        if cmd == "DELETE":
            self._preconditions(obj)
            with fake._lock:
                bucket.objects.pop(key, None)
            return self._send(204)
        if cmd in ("HEAD", "GET"):
            _sse(check_read, obj.sse, self.headers)
        if cmd == "HEAD":
            headers = self._object_headers(obj, full=True)
            headers["Content-Length"] = str(len(obj.data))
            return self._send(200, b"", headers)
        if cmd != "GET":
            raise ServiceError(405, "MethodNotAllowed", cmd)
        self._preconditions(obj)
        if not oci_tiers.readable(fake, obj):
            raise ServiceError(409, "NotRestored", f"the object '{key}' is archived; restore it first")
        data, status, headers = obj.data, 200, self._object_headers(obj, full=True)
        rng = self.headers.get("Range")
        if rng:
            match = re.match(r"^bytes=(\d*)-(\d*)$", rng.strip())
            size = len(obj.data)
            if not match or (match[1] == "" and match[2] == ""):
                raise ServiceError(400, "InvalidRange", f"bad Range {rng!r}")
            if match[1] == "":
                first, last = max(0, size - int(match[2])), size - 1
            else:
                first = int(match[1])
                last = min(int(match[2]), size - 1) if match[2] else size - 1
            if first >= size or last < first:
                return self._send(416, {"code": "InvalidRange", "message": "range not satisfiable"},
                                  {"Content-Range": f"bytes */{size}"})
            data = obj.data[first:last + 1]
            status = 206
            headers = self._object_headers(obj, full=False)
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        with fake._lock:
            if fake.corruptions[key] > 0 and data:
                fake.corruptions[key] -= 1
                data = bytes([data[0] ^ 0xFF]) + data[1:]
        self._send(status, data, headers)

    def _preconditions(self, obj: StoredObject | None) -> None:
        if_match = self.headers.get("if-match")
        if if_match and if_match != "*" and (obj is None or obj.etag != if_match):
            raise ServiceError(412, "IfMatchFailed", "The If-Match header does not match the object")
        if self.headers.get("if-none-match") == "*" and obj is not None:
            raise ServiceError(412, "IfNoneMatchFailed", "The object already exists")

    def _multipart(self, bucket: Bucket, key: str | None, query: dict[str, str], body: bytes) -> None:
        fake, cmd = self.fake, self.command
        if key is None:
            if cmd == "POST":
                details = json.loads(body or b"{}")
                if not details.get("object"):
                    raise ServiceError(400, "MissingParameter", "object is required")
                meta = {k.lower(): str(v) for k, v in (details.get("metadata") or {}).items()}
                bad = [k for k in meta if not k.startswith("opc-meta-")]
                if bad:
                    raise ServiceError(400, "InvalidParameter", f"metadata keys must start opc-meta-: {bad}")
                with fake._lock:
                    # CreateMultipartUpload takes if-none-match: * (refused at once if the object exists).
                    self._preconditions(bucket.objects.get(details["object"]))
                upload = Upload(str(uuid.uuid4()), bucket.namespace, bucket.name, details["object"],
                                details.get("contentType") or "application/octet-stream", meta,
                                details.get("storageTier") or bucket.tier, fake.now(),
                                sse=_sse(request_sse, self.headers, bucket.kms_key_id))
                with fake._lock:
                    fake.uploads[upload.upload_id] = upload
                return self._send(200, {"namespace": upload.namespace, "bucket": upload.bucket,
                                        "object": upload.key, "uploadId": upload.upload_id,
                                        "timeCreated": _rfc3339(upload.created),
                                        "storageTier": upload.tier})
            if cmd == "GET":
                with fake._lock:
                    uploads = [u for u in fake.uploads.values() if u.bucket == bucket.name]
                return self._send(200, [{"namespace": u.namespace, "bucket": u.bucket, "object": u.key,
                                         "uploadId": u.upload_id, "timeCreated": _rfc3339(u.created),
                                         "storageTier": u.tier} for u in uploads])
            raise ServiceError(405, "MethodNotAllowed", cmd)
        with fake._lock:
            upload = fake.uploads.get(query.get("uploadId", ""))
        if upload is None or upload.key != key or upload.bucket != bucket.name:
            raise ServiceError(404, "NoSuchUpload", f"no upload {query.get('uploadId')!r} for {key!r}")
        if cmd == "PUT":
            number = int(query.get("uploadPartNum") or 0)
            if not 1 <= number <= 10000:
                raise ServiceError(400, "InvalidParameter", "uploadPartNum must be 1..10000")
            md5 = self._check_md5(body)
            _sse(check_part, upload.sse, self.headers)
            fake.part_sse.append(self.headers.get("opc-sse-customer-key-sha256"))
            etag = str(uuid.uuid4())
            with fake._lock:
                upload.parts[number] = (body, md5, etag)
            return self._send(200, b"", {"etag": etag, "opc-content-md5": md5})
        if cmd == "GET":
            with fake._lock:
                parts = sorted(upload.parts.items())
            return self._send(200, [{"partNumber": n, "etag": e, "md5": m, "size": len(d)}
                                    for n, (d, m, e) in parts])
        if cmd == "DELETE":
            with fake._lock:
                fake.uploads.pop(upload.upload_id, None)
                fake.aborted.append(upload.upload_id)
            return self._send(204)
        if cmd == "POST":
            details = json.loads(body or b"{}")
            chosen = details.get("partsToCommit") or []
            with fake._lock:
                # CommitMultipartUpload takes if-match / if-none-match, checked at commit time.
                self._preconditions(bucket.objects.get(key))
                pieces, digests = [], []
                for item in sorted(chosen, key=lambda p: p["partNum"]):
                    stored = upload.parts.get(item["partNum"])
                    if stored is None or stored[2] != item.get("etag"):
                        raise ServiceError(400, "InvalidParameter",
                                           f"part {item['partNum']} is missing or its etag differs")
                    pieces.append(stored[0])
                    digests.append(hashlib.md5(stored[0]).digest())
                if not pieces:
                    raise ServiceError(400, "InvalidParameter", "no parts to commit")
                combined = base64.b64encode(hashlib.md5(b"".join(digests)).digest()).decode()
                multipart_md5 = f"{combined}-{len(pieces)}"
                obj = StoredObject(b"".join(pieces), upload.content_type, upload.metadata, upload.tier,
                                   fake.now(), None, multipart_md5, sse=upload.sse)
                bucket.objects[key] = obj
                fake.uploads.pop(upload.upload_id, None)
            return self._send(200, b"", {"etag": obj.etag, "opc-multipart-md5": multipart_md5,
                                         "last-modified": _http_date(obj.created)})
        raise ServiceError(405, "MethodNotAllowed", cmd)

    def _copy(self, bucket: Bucket, body: bytes) -> None:
        fake = self.fake
        details = json.loads(body or b"{}")
        required = ("sourceObjectName", "destinationRegion", "destinationNamespace",
                    "destinationBucket", "destinationObjectName")
        missing = [k for k in required if not details.get(k)]
        if missing:
            raise ServiceError(400, "MissingParameter", f"missing {missing}")
        with fake._lock:
            source_version = details.get("sourceVersionId")
            source = (bucket.objects.find(details["sourceObjectName"], source_version)
                      if source_version else bucket.objects.get(details["sourceObjectName"]))
            if source is None or isinstance(source, DeleteMarker):
                raise ServiceError(404, "ObjectNotFound", f"no object {details['sourceObjectName']!r}")
            _sse(check_copy_source, source.sse, self.headers)
            wr = WorkRequest(
                id="ocid1.objectstorageworkrequest.oc1.iad." + uuid.uuid4().hex,
                compartment=bucket.compartment,
                source=(bucket.namespace, bucket.name, details["sourceObjectName"]),
                dest=(details["destinationNamespace"], details["destinationBucket"],
                      details["destinationObjectName"]),
                source_etag=details.get("sourceObjectIfMatchETag"),
                metadata=details.get("destinationObjectMetadata"),
                tier=details.get("destinationObjectStorageTier"),
                accepted=fake.now(),
                source_version=source_version,
                sse=_sse(request_sse, self.headers, None),
            )
            if fake.copy_failures:
                wr.fail = fake.copy_failures.pop(0)
            fake.work_requests[wr.id] = wr
        self._send(202, b"", {"opc-work-request-id": wr.id})

    def _advance(self, wr: WorkRequest) -> None:
        fake = self.fake
        if wr.status == "ACCEPTED":
            wr.status, wr.started = "IN_PROGRESS", fake.now()
            return
        if wr.status != "IN_PROGRESS":
            return
        ns, b, k = wr.source
        dns, db, dk = wr.dest
        source = fake.namespaces.get(ns, {}).get(b)
        obj = (source.objects.find(k, wr.source_version) if wr.source_version
               else source.objects.get(k)) if source else None
        dest = fake.namespaces.get(dns, {}).get(db)
        error = None
        if wr.fail is not None:
            error = wr.fail
        elif obj is None:
            error = ("ObjectNotFound", f"the source object '{k}' no longer exists")
        elif wr.source_etag and obj.etag != wr.source_etag:
            error = ("IfMatchFailed", "the source object changed since the copy was requested")
        elif dest is None:
            error = ("BucketNotFound", f"the destination bucket '{db}' does not exist")
        wr.finished = fake.now()
        if error is not None:
            wr.status = "FAILED"
            wr.errors.append({"code": error[0], "message": error[1], "timestamp": _rfc3339(wr.finished)})
            return
        assert obj is not None and dest is not None
        meta = ({k2.lower(): v for k2, v in wr.metadata.items()} if wr.metadata is not None
                else dict(obj.metadata))
        sse = wr.sse if wr.sse and (wr.sse.kms_key_id or wr.sse.customer_sha256) else \
            Sse(kms_key_id=dest.kms_key_id)
        dest.objects[dk] = StoredObject(obj.data, obj.content_type, meta, wr.tier or obj.tier,
                                        fake.now(), obj.md5, obj.multipart_md5, sse=sse)
        wr.status = "COMPLETED"

    def _work_request(self, path: str) -> None:
        fake = self.fake
        parts = path.strip("/").split("/")
        with fake._lock:
            wr = fake.work_requests.get(parts[1])
            if wr is None:
                raise ServiceError(404, "NotFound", "no such work request")
            if len(parts) == 3 and parts[2] == "errors":
                return self._send(200, wr.errors)
            fake.work_request_polls += 1
            self._advance(wr)
            percent = {"ACCEPTED": 0.0, "IN_PROGRESS": 50.0}.get(wr.status, 100.0)
            body = {
                "operationType": "COPY_OBJECT", "status": wr.status, "id": wr.id,
                "compartmentId": wr.compartment, "percentComplete": percent,
                "resources": [{"actionType": "WRITTEN", "entityType": "object",
                               "identifier": f"{wr.dest[2]}",
                               "entityUri": f"/n/{wr.dest[0]}/b/{wr.dest[1]}/o/{wr.dest[2]}"}],
                "timeAccepted": _rfc3339(wr.accepted),
                "timeStarted": _rfc3339(wr.started) if wr.started else None,
                "timeFinished": _rfc3339(wr.finished) if wr.finished else None,
            }
        self._send(200, body)

    def _rename(self, bucket: Bucket, body: bytes) -> None:
        details = json.loads(body or b"{}")
        source, new = details.get("sourceName"), details.get("newName")
        if not source or not new:
            raise ServiceError(400, "MissingParameter", "sourceName and newName are required")
        with self.fake._lock:
            obj = bucket.objects.get(source)
            if obj is None:
                raise ServiceError(404, "ObjectNotFound", f"no object {source!r}")
            if details.get("srcObjIfMatchETag") and details["srcObjIfMatchETag"] != obj.etag:
                raise ServiceError(412, "IfMatchFailed", "source etag differs")
            if details.get("newObjIfNoneMatchETag") == "*" and new in bucket.objects:
                raise ServiceError(412, "IfNoneMatchFailed", "the new name exists")
            bucket.objects[new] = bucket.objects.pop(source)
        self._send(200, b"")
