"""OCI credentials: :class:`OCICredentials` around an SDK signer, and the signer of a session-token file.

Every OCI auth type returns :class:`OCICredentials`; its ``sdk`` is the OCI
SDK signer that signs every request and renews its own security token.
:func:`key_fingerprint` names an API key in messages without showing it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

import requests
from oci.auth.signers import SecurityTokenSigner
from oci.auth.signers.security_token_signer import SECURITY_TOKEN_FORMAT_STRING

from omefs.auth.base import Credentials
from omefs.config import AuthConfig
from omefs.redact import register_secret

__all__ = ["OCICredentials", "SessionTokenFileSigner", "key_fingerprint", "PROVIDER"]

#: The provider name the OCI auth types register under.
PROVIDER = "oci"


def key_fingerprint(private_key: Any) -> str:
    """The OCI API-key fingerprint of a key: MD5 of the DER public key, colon-separated hex."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _token_container(signer: Any) -> Any:
    """The SDK's SecurityTokenContainer a signer holds, if any."""
    container = getattr(signer, "security_token", None)
    if container is not None and hasattr(container, "valid"):
        return container
    client = getattr(signer, "federation_client", None)
    container = getattr(client, "security_token", None)
    if container is not None and hasattr(container, "valid"):
        return container
    return None


class OCICredentials(Credentials):
    """An OCI signer (``sdk``), with what omefs knows about whose it is."""

    def __init__(self, config: AuthConfig, *, sdk: Any, options: dict[str, Any] | None = None,
                 region: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(config, sdk=sdk, options=options, region=region)
        self._details = {k: v for k, v in (details or {}).items() if v not in (None, "")}
        self._refresh_lock = threading.Lock()

    @property
    def signer(self) -> Any:
        """The OCI SDK signer (a ``requests`` auth object)."""
        return self.sdk

    @property
    def expired(self) -> bool:
        container = _token_container(self.sdk)
        return bool(container is not None and not container.valid())

    def refresh(self) -> None:
        """Fetch a new security token now (a no-op for API keys, which do not expire)."""
        refresh = getattr(self.sdk, "refresh_security_token", None)
        if callable(refresh):
            with self._refresh_lock:
                refresh()

    def token(self) -> str | None:
        """The security token (a JWT) the signer signs with; None for API keys."""
        get = getattr(self.sdk, "get_security_token", None)
        token: str | None = None
        if callable(get):
            token = get()
        elif getattr(self.sdk, "federation_client", None) is not None:
            token = self.sdk.federation_client.get_security_token()
        else:
            api_key = str(getattr(self.sdk, "api_key", "") or "")
            token = api_key[3:] if api_key.startswith("ST$") else None
        if token:
            register_secret(token)
        return token

    def service_endpoint(self, service: str = "object_storage") -> str | None:
        """``endpoint_url`` when set, else the SDK's endpoint of ``service`` in this region."""
        if self._options.get("endpoint_url"):
            return str(self._options["endpoint_url"])
        if not self.region:
            return None
        import oci

        name = "object_storage" if service in ("storage", "objectstorage") else service
        endpoint: str = oci.regions.endpoint_for(name, self.region)
        return endpoint

    def http_client(self) -> requests.Session:
        """A :class:`requests.Session` that signs every request with the OCI signer.

        On a 401 it refreshes the security token (where the signer has one)
        and re-sends the request once, re-signed.
        """
        return _SignedSession(self)

    def identity(self) -> dict[str, Any]:
        out = super().identity()
        if self.region:
            out["region"] = self.region
        out.update(self._details)
        return out

    def describe(self) -> str:
        """Who these credentials are, in a few words, for error messages (nothing secret)."""
        parts = [f"oci {self.auth_type}"]
        for key in ("profile", "fingerprint", "user", "tenancy", "config_path"):
            if self._details.get(key):
                parts.append(f"{key} {self._details[key]!r}" if key == "profile"
                             else f"{key} {self._details[key]}")
        return ", ".join(parts)


class _SignedSession(requests.Session):
    """A session that signs with the OCI signer and re-signs once after a 401."""

    def __init__(self, creds: OCICredentials) -> None:
        super().__init__()
        self._creds = creds
        self.auth = creds.sdk

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = super().send(request, **kwargs)
        refresh = getattr(self._creds.sdk, "refresh_security_token", None)
        if response.status_code != 401 or not callable(refresh):
            return response
        if request.body is not None and not isinstance(request.body, (bytes, str)):
            return response  # a stream cannot be sent twice
        response.close()
        self._creds.refresh()
        again = request.copy()
        for header in ("authorization", "date", "x-date"):
            again.headers.pop(header, None)
        self._creds.sdk(again)
        return super().send(again, **kwargs)


# -- user principal ---------------------------------------------------------
class SessionTokenFileSigner(SecurityTokenSigner):  # type: ignore[misc]
    """A session-token signer (``oci session authenticate``) that re-reads its token file.

    The OCI CLI's ``oci session refresh`` rewrites ``security_token_file``;
    :meth:`refresh_security_token` picks the new token up, so a 401 after a
    refresh outside this process is retried with it.
    """

    def __init__(self, token_file: str, private_key: Any) -> None:
        self.token_file = os.path.expanduser(token_file)
        super().__init__(self._read(), private_key)

    def _read(self) -> str:
        with open(self.token_file) as fh:
            token = fh.read().strip()
        register_secret(token)
        return token

    def refresh_security_token(self) -> str:
        """Re-read the token file and sign with the token it now holds."""
        token = self._read()
        self.api_key = SECURITY_TOKEN_FORMAT_STRING.format(token)
        self._basic_signer.reset_signer(self.api_key, self.private_key)
        self._body_signer.reset_signer(self.api_key, self.private_key)
        return token

    def get_security_token(self) -> str:
        """The token this signer signs with."""
        return str(self.api_key)[3:]
