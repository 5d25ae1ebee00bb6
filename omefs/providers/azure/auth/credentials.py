"""What every Azure auth type resolves to: :class:`AzureCredentials`.

Token types (``client_secret``, ``client_certificate``, ``managed_identity``,
``workload_identity``, ``default``) hold one synchronous azure-identity
credential. adlfs talks to Azure asynchronously, so it gets an
:class:`AsyncTokenCredentialBridge` around that same credential: one MSAL
token cache, one renewal schedule (azure-identity renews five minutes
before expiry, or at the ``refresh_in`` Entra sends), nothing to close.
Key, SAS and connection-string types hold no credential object; adlfs
signs with the key or appends the SAS itself.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import email.utils
import functools
import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from omefs.auth.base import Credentials
from omefs.config import AuthConfig
from omefs.redact import register_secret

if TYPE_CHECKING:
    import requests

__all__ = [
    "AsyncTokenCredentialBridge",
    "AzureCredentials",
    "STORAGE_SCOPE",
    "STORAGE_API_VERSION",
    "account_from_url",
    "blob_endpoint_of",
    "jwt_claims",
    "parse_connection_string",
]

PROVIDER = "azure"
STORAGE_SCOPE = "https://storage.azure.com/.default"
#: The Blob service version :meth:`AzureCredentials.http_client` asks for.
STORAGE_API_VERSION = "2021-08-06"
# azure-core renews a bearer token with less than this many seconds left.
REFRESH_MARGIN = 300


def parse_connection_string(text: str) -> dict[str, str]:
    """``Key=Value;…`` → dict (values may contain ``=``)."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if "=" in part:
            key, _, value = part.partition("=")
            out[key.strip()] = value.strip()
    return out


def blob_endpoint_of(parts: dict[str, str]) -> str | None:
    """The blob endpoint a parsed connection string names (``BlobEndpoint`` or built from the account)."""
    if parts.get("BlobEndpoint"):
        return parts["BlobEndpoint"].rstrip("/")
    if parts.get("AccountName"):
        protocol = parts.get("DefaultEndpointsProtocol", "https")
        suffix = parts.get("EndpointSuffix", "core.windows.net")
        return f"{protocol}://{parts['AccountName']}.blob.{suffix}"
    return None


def account_from_url(url: str) -> str | None:
    """The account of an account URL: host ``ACCOUNT.blob.…``, or the first path part (emulators)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ".blob." in host or ".dfs." in host:
        return host.split(".", 1)[0]
    first = parts.path.strip("/").split("/", 1)[0]
    return first or None


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT access token, unverified (for display: who the token says it is)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        data = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class AsyncTokenCredentialBridge:
    """An async token credential (what adlfs and azure-storage-blob's aio clients take)
    that asks a synchronous azure-identity credential, in a worker thread.

    Sharing the synchronous credential keeps a single token cache for the
    filesystem and for :meth:`AzureCredentials.token` / ``http_client()``,
    and leaves no aiohttp session behind to close.
    """

    def __init__(self, credential: Any) -> None:
        self.credential = credential

    async def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                        enable_cae: bool = False, **kwargs: Any) -> Any:
        call = functools.partial(self.credential.get_token, *scopes, claims=claims,
                                 tenant_id=tenant_id, enable_cae=enable_cae, **kwargs)
        token = await asyncio.to_thread(call)
        register_secret(token.token)
        return token

    async def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        if hasattr(self.credential, "get_token_info"):
            info = await asyncio.to_thread(self.credential.get_token_info, *scopes, options=options)
        else:  # an older credential: AccessToken has token and expires_on too
            info = await asyncio.to_thread(self.credential.get_token, *scopes)
        register_secret(info.token)
        return info

    async def close(self) -> None:
        """Nothing to close: the synchronous credential owns its transport."""

    async def __aenter__(self) -> AsyncTokenCredentialBridge:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    def __repr__(self) -> str:
        return f"AsyncTokenCredentialBridge({type(self.credential).__name__})"


class AzureCredentials(Credentials):
    """An azure-identity token credential (``sdk``), or an account key, SAS or connection string.

    ``storage_options()`` are adlfs's keyword arguments plus ``account_url``
    (a non-default endpoint: an emulator, a private endpoint, a sovereign
    cloud) and ``connection_verify`` (a CA bundle), which omefs's Azure
    filesystem honours.
    """

    def __init__(self, config: AuthConfig, *, sdk: Any = None, options: dict[str, Any] | None = None,
                 region: str | None = None) -> None:
        super().__init__(config, sdk=sdk, options=options, region=region)
        self._last: Any = None  # the last AccessToken / AccessTokenInfo obtained

    # -- tokens -------------------------------------------------------------------
    def _get(self) -> Any:
        if hasattr(self.sdk, "get_token_info"):
            token = self.sdk.get_token_info(STORAGE_SCOPE)
        else:
            token = self.sdk.get_token(STORAGE_SCOPE)
        register_secret(token.token)
        self._last = token
        return token

    def token(self) -> str | None:
        """A bearer token for Azure Storage (cached and renewed by azure-identity); None for keys/SAS."""
        if self.sdk is None or not hasattr(self.sdk, "get_token"):
            return None
        return str(self._get().token)

    @property
    def expired(self) -> bool:
        """True when the last token is gone or within azure-core's five-minute renewal margin."""
        if self.sdk is None:
            return False
        if self._last is None:
            return True
        now = time.time()
        refresh_on = getattr(self._last, "refresh_on", None)
        return bool((refresh_on is not None and now >= refresh_on)
                    or self._last.expires_on - now < REFRESH_MARGIN)

    @property
    def expiry_time(self) -> _dt.datetime | None:
        if self._last is None:
            return None
        return _dt.datetime.fromtimestamp(self._last.expires_on, _dt.timezone.utc)

    def refresh(self) -> None:
        """Ask the credential for a token: azure-identity returns its cached one until renewal is due."""
        if self.sdk is not None and hasattr(self.sdk, "get_token"):
            self._get()

    # -- use --------------------------------------------------------------------------
    def service_endpoint(self, service: str = "blob") -> str | None:
        """The account's endpoint for ``service``: ``account_url``, the connection string's, or the public one."""
        opts = self._options
        if opts.get("account_url") and service == "blob":
            return str(opts["account_url"]).rstrip("/")
        if opts.get("connection_string"):
            parts = parse_connection_string(opts["connection_string"])
            explicit = parts.get(f"{service.capitalize()}Endpoint")
            if explicit:
                return explicit.rstrip("/")
            if parts.get("AccountName"):
                protocol = parts.get("DefaultEndpointsProtocol", "https")
                suffix = parts.get("EndpointSuffix", "core.windows.net")
                return f"{protocol}://{parts['AccountName']}.{service}.{suffix}"
        if opts.get("account_name"):
            suffix = self.config.get_str("endpoint_suffix", "core.windows.net") or "core.windows.net"
            return f"https://{opts['account_name']}.{service}.{suffix}"
        return None

    def http_client(self) -> requests.Session:
        """A ``requests.Session`` authenticating every request to the account.

        Token credentials send ``Authorization: Bearer`` (renewed when due),
        an account key signs each request with Shared Key, a SAS is added to
        each URL; ``x-ms-version`` is set. ``connection_verify`` applies.
        """
        session = _session(self._options.get("connection_verify"))
        session.headers["x-ms-version"] = STORAGE_API_VERSION
        opts = self._options
        key = opts.get("account_key")
        sas = opts.get("sas_token")
        account = opts.get("account_name")
        if opts.get("connection_string"):
            parts = parse_connection_string(opts["connection_string"])
            key, sas = parts.get("AccountKey"), parts.get("SharedAccessSignature")
            account = parts.get("AccountName") or account
        if self.sdk is not None and hasattr(self.sdk, "get_token"):
            session.auth = _BearerAuth(self)
        elif key and account:
            session.auth = SharedKeyAuth(str(account), str(key))
        elif sas:
            session.auth = _SasAuth(str(sas))
        return session

    # -- identity ----------------------------------------------------------------------
    def account_name(self) -> str | None:
        name = self._options.get("account_name")
        if not name and self._options.get("connection_string"):
            name = parse_connection_string(self._options["connection_string"]).get("AccountName")
        if not name and self.service_endpoint():
            name = account_from_url(str(self.service_endpoint()))
        return str(name) if name else None

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        account = self.account_name()
        if account:
            out["account_name"] = account
        if self.sdk is not None:
            out["credential"] = type(self.sdk).__name__
        if self._last is not None:
            claims = jwt_claims(self._last.token)
            for claim, key in (("tid", "tenant_id"), ("appid", "client_id"), ("azp", "client_id"),
                               ("oid", "object_id"), ("upn", "user"), ("unique_name", "user"),
                               ("xms_mirid", "managed_identity_resource_id")):
                if claims.get(claim) and key not in out:
                    out[key] = claims[claim]
            if self.expiry_time is not None:
                out["expires"] = self.expiry_time.isoformat()
        sas = self._options.get("sas_token") or (
            parse_connection_string(self._options["connection_string"]).get("SharedAccessSignature")
            if self._options.get("connection_string") else None)
        if sas:
            fields = dict(parse_qsl(str(sas).lstrip("?")))
            for name, key in (("sp", "sas_permissions"), ("se", "sas_expiry"), ("sr", "sas_resource")):
                if fields.get(name):
                    out[key] = fields[name]
        return out


def _session(verify: Any) -> requests.Session:
    """A ``requests.Session`` that keeps ``verify`` (requests lets ``REQUESTS_CA_BUNDLE`` override
    ``Session.verify``; a per-request value wins over it)."""
    import requests

    class _Session(requests.Session):
        def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
            if verify is not None:
                kwargs.setdefault("verify", verify)
            return super().request(method, url, *args, **kwargs)

    session = _Session()
    if verify is not None:
        session.verify = verify
    return session


class _BearerAuth:
    """``requests`` auth: a bearer token from the credential on every request."""

    def __init__(self, creds: AzureCredentials) -> None:
        self._creds = creds

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self._creds.token()}"
        return request


class _SasAuth:
    """``requests`` auth: the SAS query added to every URL."""

    def __init__(self, sas: str) -> None:
        self._sas = sas.lstrip("?")

    def __call__(self, request: Any) -> Any:
        request.url += ("&" if "?" in request.url else "?") + self._sas
        return request


class SharedKeyAuth:
    """``requests`` auth: Azure Storage Shared Key signing (HMAC-SHA256 of the canonical request).

    Follows the documented string-to-sign for the Blob service (version
    2015-02-21 and later: an empty Content-Length when there is no body).
    """

    _STANDARD = ("content-encoding", "content-language", "content-length", "content-md5",
                 "content-type", "date", "if-modified-since", "if-match", "if-none-match",
                 "if-unmodified-since", "range")

    def __init__(self, account: str, key: str) -> None:
        self.account = account
        self._key = base64.b64decode(key)
        register_secret(key)

    def __call__(self, request: Any) -> Any:
        headers = request.headers
        headers["x-ms-date"] = email.utils.formatdate(usegmt=True)
        headers.setdefault("x-ms-version", STORAGE_API_VERSION)
        body = request.body
        if body and "Content-Length" not in headers:
            headers["Content-Length"] = str(len(body))
        lowered = {k.lower(): str(v).strip() for k, v in headers.items()}
        standard = [lowered.get(name, "") for name in self._STANDARD]
        if standard[2] == "0":
            standard[2] = ""
        canonical_headers = "".join(f"{k}:{lowered[k]}\n" for k in sorted(lowered) if k.startswith("x-ms-"))
        url = urlsplit(request.url)
        resource = f"/{self.account}{url.path or '/'}"
        params: dict[str, list[str]] = {}
        for name, value in parse_qsl(url.query, keep_blank_values=True):
            params.setdefault(name.lower(), []).append(value)
        for name in sorted(params):
            resource += f"\n{name}:{','.join(sorted(unquote(v) for v in params[name]))}"
        to_sign = "\n".join([request.method.upper(), *standard]) + "\n" + canonical_headers + resource
        signature = base64.b64encode(hmac.new(self._key, to_sign.encode(), hashlib.sha256).digest()).decode()
        headers["Authorization"] = f"SharedKey {self.account}:{signature}"
        return request

    def __repr__(self) -> str:
        return f"SharedKeyAuth(account={self.account!r})"
