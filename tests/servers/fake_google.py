"""Fakes of Google's OAuth token endpoint, IAM credentials API and GCE metadata server, and a
proxy that makes the (auth-ignoring) GCS emulator check bearer tokens."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tests.servers.fake_http import FakeServer, Reply, Seen, json_reply, text_reply, utcnow

__all__ = [
    "BearerCheckingProxy",
    "FakeGCEMetadata",
    "FakeGoogleOAuth",
    "GCSFS_REFRESH_MARGIN",
    "make_service_account_key",
]

# gcsfs refreshes a token with less than 300 s left (google-auth: 225 s).
GCSFS_REFRESH_MARGIN = 300


def make_service_account_key(token_uri: str, email: str = "omefs-sa@omefs-test.iam.gserviceaccount.com",
                             project: str = "omefs-test") -> tuple[dict[str, Any], Any]:
    """A service-account key JSON (with a fresh RSA key) and its public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    info = {
        "type": "service_account", "project_id": project, "private_key_id": uuid.uuid4().hex,
        "private_key": pem, "client_email": email, "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
        "universe_domain": "googleapis.com",
    }
    return info, key.public_key()


class FakeGoogleOAuth(FakeServer):
    """Google's OAuth token endpoint (``POST /token``) and IAM credentials API.

    * ``urn:ietf:params:oauth:grant-type:jwt-bearer`` — a service account's
      signed JWT; verified with the public key registered for its ``iss``;
    * ``urn:ietf:params:oauth:grant-type:token-exchange`` — workload identity
      federation's STS exchange of a subject token;
    * ``refresh_token`` — gcloud's user credentials (``authorized_user`` ADC files);
    * ``POST /v1/projects/-/serviceAccounts/SA:generateAccessToken`` —
      impersonation, accepted only with a bearer token this fake issued.
    """

    name = "fake-google-oauth"

    def __init__(self, lifetime: float = 3600, real_lifetime: float | None = None,
                 token_prefix: str = "ya29.fake-") -> None:
        super().__init__()
        self.token_prefix = token_prefix
        self.lifetime = lifetime
        self.real_lifetime = real_lifetime if real_lifetime is not None else lifetime + 2
        self.public_keys: dict[str, Any] = {}
        self.subject_tokens: set[str] = set()
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> the user it belongs to
        self.issued: dict[str, tuple[str, float]] = {}  # token -> (issued to, real expiry)
        self.impersonable: set[str] = set()

    def valid_token(self, token: str) -> bool:
        """Whether ``token`` was issued here and has not yet (really) expired."""
        entry = self.issued.get(token)
        return entry is not None and time.time() < entry[1]

    def trust_service_account(self, email: str, public_key: Any) -> None:
        self.public_keys[email] = public_key

    @property
    def token_uri(self) -> str:
        return self.endpoint + "/token"

    @property
    def iam_endpoint(self) -> str:
        return self.endpoint

    def _issue(self, who: str) -> str:
        token = self.token_prefix + secrets.token_urlsafe(24)
        self.issued[token] = (who, time.time() + self.real_lifetime)
        return token

    def handle(self, req: Seen) -> Reply:
        if req.method == "POST" and req.path == "/token":
            return self._token(req)
        if req.method == "POST" and req.path.endswith(":generateAccessToken"):
            return self._generate(req)
        return json_reply({"error": "not_found"}, 404)

    def _token(self, req: Seen) -> Reply:
        import jwt

        form = req.form()
        grant = form.get("grant_type", "")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            assertion = form.get("assertion", "")
            try:
                unverified = jwt.decode(assertion, options={"verify_signature": False})
                key = self.public_keys[unverified["iss"]]
                # google-auth signs for Google's token endpoint, whatever token_uri says
                jwt.decode(assertion, key, algorithms=["RS256"],
                           audience=[self.token_uri, "https://oauth2.googleapis.com/token"])
            except Exception as exc:
                return json_reply({"error": "invalid_grant", "error_description": str(exc)}, 400)
            return json_reply({"access_token": self._issue(unverified["iss"]),
                               "expires_in": int(GCSFS_REFRESH_MARGIN + self.lifetime),
                               "token_type": "Bearer"})
        if grant == "refresh_token":  # gcloud's user credentials (authorized_user)
            user = self.refresh_tokens.get(form.get("refresh_token", ""))
            if user is None:
                return json_reply({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
            return json_reply({"access_token": self._issue(user), "token_type": "Bearer",
                               "expires_in": int(GCSFS_REFRESH_MARGIN + self.lifetime),
                               "scope": form.get("scope", "")})
        if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            if form.get("subject_token") not in self.subject_tokens:
                return json_reply({"error": "invalid_grant", "error_description": "unknown subject token"}, 400)
            return json_reply({"access_token": self._issue("federated:" + form.get("audience", "")),
                               "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                               "token_type": "Bearer",
                               "expires_in": int(GCSFS_REFRESH_MARGIN + self.lifetime)})
        return json_reply({"error": "unsupported_grant_type"}, 400)

    def _generate(self, req: Seen) -> Reply:
        bearer = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not self.valid_token(bearer):
            return json_reply({"error": {"code": 401, "message": "invalid credentials",
                                         "status": "UNAUTHENTICATED"}}, 401)
        target = req.path.split("/serviceAccounts/", 1)[1].rsplit(":", 1)[0]
        if self.impersonable and target not in self.impersonable:
            return json_reply({"error": {"code": 403, "message": "Permission denied",
                                         "status": "PERMISSION_DENIED"}}, 403)
        expire = utcnow() + dt.timedelta(seconds=GCSFS_REFRESH_MARGIN + self.lifetime)
        return json_reply({"accessToken": self._issue(target),
                           "expireTime": expire.strftime("%Y-%m-%dT%H:%M:%SZ")})

    @property
    def token_requests(self) -> int:
        return self.count("POST", "/token")

    @property
    def impersonation_requests(self) -> int:
        return len([s for s in self.requests("POST") if s.path.endswith(":generateAccessToken")])


class FakeGCEMetadata(FakeServer):
    """The GCE metadata server: the ping, the project, the default service account and its token."""

    name = "fake-gce-metadata"

    def __init__(self, email: str = "omefs-vm@omefs-test.iam.gserviceaccount.com",
                 project: str = "omefs-test", lifetime: float = 3600,
                 real_lifetime: float | None = None) -> None:
        super().__init__()
        self.email = email
        self.project = project
        self.lifetime = lifetime
        self.real_lifetime = real_lifetime if real_lifetime is not None else lifetime + 2
        self.issued: dict[str, float] = {}  # token -> real expiry

    def valid_token(self, token: str) -> bool:
        return time.time() < self.issued.get(token, 0.0)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def handle(self, req: Seen) -> Reply:
        flavor = {"Metadata-Flavor": "Google"}
        if req.headers.get("metadata-flavor") != "Google":
            return text_reply("Missing Metadata-Flavor header", 403, flavor)
        root = "/computeMetadata/v1/"
        path = req.path
        if path in ("/", ""):
            return text_reply("computeMetadata/", 200, flavor)
        if path == root + "project/project-id":
            return text_reply(self.project, 200, flavor)
        if path == root + "universe/universe-domain":
            return text_reply("googleapis.com", 200, flavor)
        account = root + "instance/service-accounts/default/"
        if path == account:
            return json_reply({"aliases": ["default"], "email": self.email,
                               "scopes": ["https://www.googleapis.com/auth/cloud-platform"]},
                              headers=flavor)
        if path == account + "email":
            return text_reply(self.email, 200, flavor)
        if path == account + "token":
            token = "ya29.metadata-" + secrets.token_urlsafe(24)
            self.issued[token] = time.time() + self.real_lifetime
            return json_reply({"access_token": token, "token_type": "Bearer",
                               "expires_in": int(GCSFS_REFRESH_MARGIN + self.lifetime)},
                              headers=flavor)
        return text_reply("not found", 404, flavor)

    @property
    def token_requests(self) -> int:
        return self.count("GET", "/computeMetadata/v1/instance/service-accounts/default/token")


class BearerCheckingProxy(FakeServer):
    """A reverse proxy that forwards only requests whose bearer token ``valid(token)`` accepts.

    Put in front of an emulator that ignores auth (the GCS emulator), it
    makes the token real: a missing, unknown or expired token gets 401, so
    a read that completes proves that every request carried a live token.
    """

    name = "bearer-proxy"

    def __init__(self, upstream: str, valid: Callable[[str], bool]) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.valid = valid
        self.refused = 0
        self.tokens_seen: set[str] = set()

    def handle(self, req: Seen) -> Reply:
        import http.client

        token = req.headers.get("authorization", "")
        token = token[7:].strip() if token.lower().startswith("bearer ") else ""
        if not self.valid(token):
            self.refused += 1
            return json_reply({"error": {"code": 401, "message": "Invalid Credentials",
                                         "errors": [{"reason": "authError"}]}}, 401)
        self.tokens_seen.add(token)
        up = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        try:
            headers = {k: v for k, v in req.headers.items()
                       if k not in ("host", "authorization", "connection", "content-length")}
            conn.request(req.method, req.target, body=req.body or None, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            out = {k: v for k, v in resp.getheaders()
                   if k.lower() not in ("transfer-encoding", "connection")
                   and (k.lower() != "content-length" or req.method == "HEAD")}
            return resp.status, out, body
        finally:
            conn.close()
