"""Fakes of Microsoft Entra ID (over TLS) and the App Service managed identity endpoint, and an
Azurite over HTTPS with OAuth."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import ssl
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers.azurite import Azurite
from tests.servers.fake_http import FakeServer, Reply, Seen, TLSFiles, json_reply, utcnow

__all__ = [
    "AzuriteOAuth",
    "EntraApp",
    "FakeAppServiceIdentity",
    "FakeEntra",
    "STORAGE_AUDIENCE",
    "azure_access_token",
    "make_client_certificate",
]

STORAGE_AUDIENCE = "https://storage.azure.com"


def azure_access_token(tenant: str, client_id: str, lifetime: float, audience: str = STORAGE_AUDIENCE,
                       key: bytes = b"omefs-fake-entra-signing-key-32b!") -> str:
    """An Entra-shaped access token (HS256-signed; Azurite checks claims, not signatures)."""
    import jwt

    now = int(time.time())
    claims = {"aud": audience, "iss": f"https://sts.windows.net/{tenant}/", "iat": now,
              "nbf": now - 5, "exp": now + int(lifetime), "tid": tenant, "appid": client_id,
              "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)), "ver": "1.0",
              "uti": secrets.token_hex(8)}
    return jwt.encode(claims, key, algorithm="HS256")


@dataclass
class EntraApp:
    client_id: str
    secret: str | None = None
    # JWT header name -> base64url thumbprint of the DER certificate ("x5t" SHA-1, "x5t#S256" SHA-256)
    certificate_thumbprints: dict[str, str] = field(default_factory=dict)
    public_key: Any = None
    federated_tokens: set[str] = field(default_factory=set)


class FakeEntra(FakeServer):
    """Microsoft Entra ID's token endpoints for one tenant, over TLS.

    Serves tenant discovery (``/{tenant}/v2.0/.well-known/openid-configuration``)
    and ``POST /{tenant}/oauth2/v2.0/token`` for the client-credentials grant
    with a client secret or a client assertion (a certificate-signed JWT, or
    a federated token for workload identity). Tokens are announced to live
    ``lifetime`` seconds; the token itself (its ``exp``) dies
    ``real_lifetime`` seconds after issue (default: the same), so a store
    that checks ``exp`` (Azurite does) refuses one that was not renewed.

    azure-core renews a token at a random moment up to a minute before its
    last five minutes, and MSAL hands out no cached token with less than
    five minutes left; so a token announced to live a few seconds is renewed
    for every request once it is issued, which is what a test of renewal
    during a read needs.
    """

    name = "fake-entra"

    def __init__(self, tls: TLSFiles, tenant: str = "00000000-0000-0000-0000-0000000000aa",
                 lifetime: float = 3600, real_lifetime: float | None = None) -> None:
        super().__init__(tls=tls)
        self.tenant = tenant
        self.lifetime = lifetime
        self.real_lifetime = real_lifetime if real_lifetime is not None else lifetime
        self.apps: dict[str, EntraApp] = {}

    def register_app(self, app: EntraApp) -> EntraApp:
        self.apps[app.client_id] = app
        return app

    @property
    def authority(self) -> str:
        return self.endpoint

    def handle(self, req: Seen) -> Reply:
        prefix = f"/{self.tenant}"
        if req.path in (f"{prefix}/v2.0/.well-known/openid-configuration",
                        f"{prefix}/.well-known/openid-configuration"):
            base = f"{self.endpoint}/{self.tenant}"
            return json_reply({
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"{base}/v2.0", "jwks_uri": f"{base}/discovery/v2.0/keys",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "tenant_region_scope": "EU",
            })
        if req.method == "POST" and req.path == f"{prefix}/oauth2/v2.0/token":
            return self._token(req)
        return json_reply({"error": "not_found"}, 404)

    def _token(self, req: Seen) -> Reply:
        form = req.form()
        app = self.apps.get(form.get("client_id", ""))
        if form.get("grant_type") != "client_credentials":
            return json_reply({"error": "unsupported_grant_type"}, 400)
        if app is None:
            return json_reply({"error": "unauthorized_client",
                               "error_description": "AADSTS700016: application not found"}, 400)
        error = self._authenticate(app, form)
        if error:
            return json_reply({"error": "invalid_client", "error_description": error}, 401)
        scope = form.get("scope", "")
        audience = scope.split()[0].removesuffix("/.default") if scope else STORAGE_AUDIENCE
        announced = max(1, int(self.lifetime))
        return json_reply({
            "token_type": "Bearer", "expires_in": announced, "ext_expires_in": announced,
            "access_token": azure_access_token(self.tenant, app.client_id, self.real_lifetime, audience),
        })

    def _authenticate(self, app: EntraApp, form: dict[str, str]) -> str | None:
        import jwt

        if "client_secret" in form:
            return None if app.secret and form["client_secret"] == app.secret else \
                "AADSTS7000215: Invalid client secret provided."
        assertion = form.get("client_assertion")
        if not assertion:
            return "AADSTS7000216: client_assertion or client_secret is required."
        if assertion in app.federated_tokens:
            return None
        if app.public_key is None:
            return "AADSTS700213: No matching federated identity record found."
        try:
            header = jwt.get_unverified_header(assertion)
            if app.certificate_thumbprints and not any(
                    str(header.get(name, "")).rstrip("=") == value
                    for name, value in app.certificate_thumbprints.items()):
                return "AADSTS700027: certificate thumbprint does not match"
            jwt.decode(assertion, app.public_key, algorithms=["RS256", "PS256"],
                       audience=f"{self.endpoint}/{self.tenant}/oauth2/v2.0/token",
                       options={"verify_aud": False})
        except Exception as exc:
            return f"AADSTS700027: client assertion failed signature validation ({exc})"
        return None

    @property
    def token_requests(self) -> int:
        return self.count("POST", f"/{self.tenant}/oauth2/v2.0/token")


def make_client_certificate(folder: Path) -> tuple[Path, dict[str, str], Any]:
    """A self-signed client certificate with its key in one PEM file.

    Returns ``(path, thumbprints, public key)``; ``thumbprints`` maps the JWT
    header names ``x5t`` and ``x5t#S256`` to the certificate's thumbprints.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "omefs test app")])
    now = utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "client-cert.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
                     + cert.public_bytes(serialization.Encoding.PEM))
    der = cert.public_bytes(serialization.Encoding.DER)

    def b64(digest: bytes) -> str:
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    thumbprints = {"x5t": b64(hashlib.sha1(der).digest()),  # noqa: S324 - what the header holds
                   "x5t#S256": b64(hashlib.sha256(der).digest())}
    return path, thumbprints, key.public_key()


class FakeAppServiceIdentity(FakeServer):
    """App Service's managed identity endpoint (``IDENTITY_ENDPOINT`` + ``X-IDENTITY-HEADER``)."""

    name = "fake-msi"

    def __init__(self, header_secret: str, tenant: str = "00000000-0000-0000-0000-0000000000aa",
                 client_id: str = "11111111-2222-3333-4444-555555555555", lifetime: float = 3600,
                 real_lifetime: float | None = None) -> None:
        super().__init__()
        self.header_secret = header_secret
        self.tenant = tenant
        self.client_id = client_id
        self.lifetime = lifetime
        self.real_lifetime = real_lifetime if real_lifetime is not None else lifetime

    @property
    def identity_endpoint(self) -> str:
        return self.endpoint + "/msi/token"

    def handle(self, req: Seen) -> Reply:
        if req.path != "/msi/token":
            return json_reply({"error": "not found"}, 404)
        if req.headers.get("x-identity-header") != self.header_secret:
            return json_reply({"error": "invalid_request", "error_description": "bad identity header"}, 401)
        query = {k: v[0] for k, v in req.query.items()}
        who = query.get("client_id") or query.get("mi_res_id") or query.get("principal_id") \
            or query.get("object_id") or self.client_id
        resource = query.get("resource", STORAGE_AUDIENCE)
        return json_reply({
            "access_token": azure_access_token(self.tenant, who, self.real_lifetime,
                                               resource.removesuffix("/")),
            "expires_on": str(int(time.time() + self.lifetime)),
            "resource": resource,
            "token_type": "Bearer", "client_id": who,
        })

    @property
    def token_requests(self) -> int:
        return self.count("GET", "/msi/token")


# ---------------------------------------------------------------------------
# Azurite over HTTPS with OAuth
class AzuriteOAuth(Azurite):
    """Azurite serving HTTPS with ``--oauth basic``: bearer tokens are checked for issuer,
    audience and lifetime (not signature), and shared keys keep working."""

    name = "azurite-oauth"

    def __init__(self, tls: TLSFiles, **kw: Any) -> None:
        super().__init__(**kw)
        self.tls = tls

    def command(self) -> list[str]:
        return [*super().command(), "--oauth", "basic", "--cert", str(self.tls.cert),
                "--key", str(self.tls.key)]

    @property
    def endpoint(self) -> str:
        return super().endpoint.replace("http://", "https://", 1)

    @property
    def connection_string(self) -> str:
        return super().connection_string.replace("DefaultEndpointsProtocol=http;",
                                                 "DefaultEndpointsProtocol=https;")

    def probe(self) -> bool:
        ctx = ssl.create_default_context(cafile=str(self.tls.ca))
        try:
            urllib.request.urlopen(f"{self.blob_endpoint}?comp=list", context=ctx, timeout=2)
        except urllib.error.HTTPError:
            return True  # any HTTP answer: it is listening
        except OSError:
            return False
        return True

    def blob_service_client(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient.from_connection_string(self.connection_string,
                                                        connection_verify=str(self.tls.ca))
