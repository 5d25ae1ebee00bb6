"""The ``gs://`` storage options, translated once for the filesystem and its front.

:class:`~omefs.providers.gcp.fs.GCSFileSystem` (on gcsfs) and
:class:`~omefs.providers.gcp.front.GCSFront` (the JSON API over plain HTTP)
take the same options; :func:`translate_options` turns omefs's generic ones
into gcsfs's spelling and refuses what neither can honour, and
:func:`gcs_location` says which endpoint gcsfs would reach for them. Nothing
here imports gcsfs or google-auth.
"""

from __future__ import annotations

import os
from typing import Any

from omefs.encryption import check_transport

__all__ = ["translate_options", "gcs_location", "uses_client_certificate"]


def translate_options(kwargs: dict[str, Any], encryption: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` in gcsfs's spelling: no region, the TLS policy checked (gcsfs verifies
    with the system's CAs only), the encryption's transport checked."""
    from omefs.tls import POLICY_OPTIONS, endpoint_policy

    kwargs.pop("region", None)  # GCS buckets carry their own location
    tls = {k: kwargs.pop(k, None) for k in POLICY_OPTIONS}
    verify = endpoint_policy(kwargs.get("endpoint_url"), provider="gcs", options=tls,
                             settings=settings, credentials=kwargs.get("token") != "anon")
    if verify is not True:
        from omefs.errors import ConfigError

        raise ConfigError("gcs: ca_bundle and verify=False are not supported (gcsfs checks "
                          "certificates with the system's CAs); accepted: a CA added to the "
                          "system's store, or SSL_CERT_FILE naming a bundle")
    if encryption is not None:
        check_transport(encryption, kwargs.get("endpoint_url")
                        or "https://storage.googleapis.com", "gcs")
    return kwargs


def gcs_location(endpoint_url: str | None) -> str:
    """The endpoint gcsfs reaches: ``endpoint_url``, else ``STORAGE_EMULATOR_HOST``, else
    ``https://storage.`` + the universe domain (``GOOGLE_CLOUD_UNIVERSE_DOMAIN``)."""
    if endpoint_url:
        return endpoint_url.rstrip("/")
    emulator = os.environ.get("STORAGE_EMULATOR_HOST", "")
    if emulator not in ("", "default"):
        return (emulator if emulator.startswith(("http://", "https://")) else
                f"http://{emulator}").rstrip("/")
    return f"https://storage.{os.environ.get('GOOGLE_CLOUD_UNIVERSE_DOMAIN', 'googleapis.com')}"


def uses_client_certificate() -> bool:
    """Whether google-auth may present a client certificate (mutual TLS), which gcsfs then
    does and a plain HTTP client does not."""
    return os.environ.get("GOOGLE_API_USE_CLIENT_CERTIFICATE", "").lower() == "true" or bool(
        os.environ.get("GOOGLE_API_CERTIFICATE_CONFIG"))
