"""The obstore ``GCSStore`` of a bucket, reached as a GCS filesystem reaches it.

Only GCS's public endpoint qualifies: obstore speaks GCS's XML API, which
emulators do not implement, so anything else moves through gcsfs. The
credentials are gcsfs's own google-auth object, refreshed by google-auth.
"""

from __future__ import annotations

import threading
from typing import Any

from omefs.redact import register_secret
from omefs.transfer.obstore_options import client_options, expiry, retry_config, shared_store

__all__ = ["GCS_PUBLIC", "GoogleCredentialProvider", "build_gcs_store"]

#: GCS's public JSON/XML endpoint; anything else (an emulator) goes through gcsfs.
GCS_PUBLIC = ("https://storage.googleapis.com", "https://storage.mtls.googleapis.com")


class GoogleCredentialProvider:
    """obstore GCS credential provider backed by a google-auth credentials object."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            if not getattr(self.credentials, "valid", False) or not self.credentials.token:
                import google.auth.transport.requests

                self.credentials.refresh(google.auth.transport.requests.Request())
            token = self.credentials.token
            when = getattr(self.credentials, "expiry", None)
        register_secret(token)
        return {"token": token, "expires_at": expiry(when)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.credentials).__name__})"


def _google_credentials(fs: Any) -> Any:
    """The google-auth credentials the filesystem signs with (its omefs Credentials' first)."""
    from omefs.providers.filesystem import credentials_of

    creds = credentials_of(fs)
    if creds is not None and creds.sdk is not None and hasattr(creds.sdk, "refresh"):
        return creds.sdk
    holder = getattr(fs, "credentials", None)
    return getattr(holder, "credentials", None)


def build_gcs_store(fs: Any, bucket: str, retries: int) -> Any:
    """A ``GCSStore`` for ``bucket`` with ``fs``'s identity, or None (an emulator, no credential)."""
    location = getattr(fs, "_location", None)
    if location not in GCS_PUBLIC:
        return None
    from obstore.store import GCSStore

    config: dict[str, Any] = {}
    kwargs: dict[str, Any] = {
        "client_options": client_options(location),
        "retry_config": retry_config(retries),
    }
    holder = getattr(fs, "credentials", None)
    creds = _google_credentials(fs)
    if creds is None and getattr(holder, "method", None) == "anon":
        config["skip_signature"] = True
    elif creds is not None:
        kwargs["credential_provider"] = GoogleCredentialProvider(creds)
    else:
        return None
    return shared_store(GCSStore, bucket, config, **kwargs)
