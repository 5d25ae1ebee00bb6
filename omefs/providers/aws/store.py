"""The obstore ``S3Store`` of a bucket, reached as an S3 filesystem reaches it.

The store must use the same endpoint and the same identity as the
filesystem: its endpoint, region and addressing style come from the
filesystem's options, and its credentials from the filesystem's own
:class:`~omefs.auth.Credentials` (``fs.auth_credentials``), whose botocore
credentials object refreshes itself — the store never resolves the auth
config a second time. Static keys and anonymous access pass as config.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from omefs.redact import register_secret
from omefs.transfer.obstore_options import client_options, expiry, retry_config, shared_store

__all__ = ["BotocoreCredentialProvider", "build_s3_store", "s3_endpoint"]

log = logging.getLogger("omefs.transfer")


class BotocoreCredentialProvider:
    """obstore S3 credential provider backed by a botocore credentials object.

    botocore refreshes :class:`~botocore.credentials.RefreshableCredentials`
    (assume-role, web identity, SSO, instance metadata) inside
    ``get_frozen_credentials()``; obstore calls this again when the
    ``expires_at`` we return passes.
    """

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            frozen = self.credentials.get_frozen_credentials()
        register_secret(frozen.secret_key)
        register_secret(frozen.token)
        refreshable = hasattr(self.credentials, "refresh_needed")
        expires = (expiry(getattr(self.credentials, "_expiry_time", None)) if refreshable else None)
        return {
            "access_key_id": frozen.access_key,
            "secret_access_key": frozen.secret_key,
            "token": frozen.token,
            "expires_at": expires,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.credentials).__name__})"


def s3_endpoint(fs: Any) -> str | None:
    """The endpoint URL an S3 filesystem talks to (None: AWS)."""
    client_kwargs = getattr(fs, "client_kwargs", None) or {}
    return client_kwargs.get("endpoint_url") or getattr(fs, "endpoint_url", None) or None


def _botocore_credentials(fs: Any) -> Any:
    from omefs.providers.filesystem import credentials_of

    creds = credentials_of(fs)
    if creds is not None:
        sdk = creds.sdk
        if sdk is not None and hasattr(sdk, "get_frozen_credentials"):
            return sdk
    import botocore.session

    kwargs = getattr(fs, "kwargs", None) or {}
    profile = kwargs.get("profile") or getattr(fs, "profile", None)
    session = botocore.session.Session(profile=profile)
    return session.get_credentials()


def _s3_region(fs: Any, bucket: str, endpoint: str | None) -> str:
    from omefs.providers.filesystem import credentials_of

    client_kwargs = getattr(fs, "client_kwargs", None) or {}
    region = client_kwargs.get("region_name")
    creds = credentials_of(fs)
    if not region and creds is not None:
        region = creds.region
    if region:
        return str(region)
    if endpoint is None:
        # Real AWS: ask the bucket where it lives (s3fs follows redirects; obstore does not).
        try:
            out = fs.call_s3("head_bucket", Bucket=bucket)
            found = (out.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}).get("x-amz-bucket-region")
            if found:
                return str(found)
        except Exception as exc:  # noqa: BLE001 - fall back to the environment's region
            log.debug("bucket region lookup for %s failed: %s", bucket, exc)
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def build_s3_store(fs: Any, bucket: str, retries: int) -> Any:
    """An ``S3Store`` for ``bucket`` with ``fs``'s endpoint and identity, or None."""
    from obstore.store import S3Store

    endpoint = s3_endpoint(fs)
    client_kwargs = getattr(fs, "client_kwargs", None) or {}
    if isinstance(client_kwargs.get("verify"), str):
        return None  # a private CA (ca_bundle): obstore cannot take one; s3fs moves the bytes
    config: dict[str, Any] = {"region": _s3_region(fs, bucket, endpoint)}
    if endpoint:
        config["endpoint"] = endpoint.rstrip("/")
        style = ((getattr(fs, "config_kwargs", None) or {}).get("s3") or {}).get("addressing_style")
        config["virtual_hosted_style_request"] = style == "virtual"
    if getattr(fs, "req_kw", None) or getattr(fs, "requester_pays", False):
        config["request_payer"] = True
    kwargs: dict[str, Any] = {
        "client_options": client_options(endpoint, client_kwargs.get("verify", True)),
        "retry_config": retry_config(retries),
    }
    if getattr(fs, "anon", False):
        config["skip_signature"] = True
    elif getattr(fs, "key", None) and getattr(fs, "secret", None):
        config["access_key_id"] = fs.key
        config["secret_access_key"] = fs.secret
        if getattr(fs, "token", None):
            config["session_token"] = fs.token
    else:
        creds = _botocore_credentials(fs)
        if creds is None:
            return None
        kwargs["credential_provider"] = BotocoreCredentialProvider(creds)
    return shared_store(S3Store, bucket, config, **kwargs)
