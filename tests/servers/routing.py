"""The ``OMEFS_CONFIG`` document that sends ``s3://``, ``gs://`` and ``az://`` URLs to local servers.

``make emulators`` prints it, the command-line tests and the benchmarks
point the CLI at their servers with it: one shape everywhere, with a
profile per server given (a server left out gets no route).
"""

from __future__ import annotations

from typing import Any


def routing_document(s3: Any = None, gcs: Any = None, azure: Any = None,
                     prefix: str = "emulator-") -> dict[str, Any]:
    """Profiles and routes for the given servers (moto, the GCS emulator, Azurite)."""
    profiles: dict[str, Any] = {}
    routes: dict[str, str] = {}
    if s3 is not None:
        profiles[prefix + "s3"] = {"provider": "aws", "auth_type": "access_key",
                                   "settings": {"access_key_id": s3.access_key_id,
                                                "secret_access_key": s3.secret_access_key,
                                                "endpoint_url": s3.endpoint}}
        routes["s3://"] = prefix + "s3"
    if gcs is not None:
        profiles[prefix + "gcs"] = {"provider": "gcp", "auth_type": "anonymous",
                                    "settings": {"endpoint_url": gcs.endpoint, "project": "test"}}
        routes["gs://"] = prefix + "gcs"
    if azure is not None:
        profiles[prefix + "azure"] = {"provider": "azure", "auth_type": "connection_string",
                                      "settings": {"connection_string": azure.connection_string}}
        routes["az://"] = prefix + "azure"
    return {"profiles": profiles, "routes": routes}
