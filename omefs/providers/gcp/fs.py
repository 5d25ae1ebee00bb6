"""``gs://`` and ``gcs://``: gcsfs with ``auth=``, routing and typed errors.

Built on :class:`gcsfs.core.GCSFileSystem`, the plain JSON-API filesystem.
Recent gcsfs makes ``gcsfs.GCSFileSystem`` an ``ExtendedGcsFileSystem``
that probes every bucket over gRPC for hierarchical namespaces; against an
emulator or a private endpoint that probe fails TLS and stalls about a
minute per bucket, so omefs uses the JSON-API class, which gives the same
results for flat buckets.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gcsfs.core

from omefs.providers.error_mapping import ASYNC_METHODS, map_errors
from omefs.providers.filesystem import AuthMixin

__all__ = ["GCSFileSystem"]


@map_errors(*ASYNC_METHODS)
class GCSFileSystem(AuthMixin, gcsfs.core.GCSFileSystem):  # type: ignore[misc]
    """gcsfs's filesystem, taking omefs auth configs."""

    protocol = ("gs", "gcs")
    auth_provider: ClassVar[str] = "gcp"
    storage_provider: ClassVar[str] = "gcs"
    credential_kwargs: ClassVar[frozenset[str]] = frozenset({"token"})

    def _translate_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        from omefs.tls import POLICY_OPTIONS, endpoint_policy

        kwargs.pop("region", None)  # GCS buckets carry their own location
        # The TLS policy (omefs.tls); gcsfs checks certificates with the system's CAs.
        tls = {k: kwargs.pop(k, None) for k in POLICY_OPTIONS}
        settings = dict(getattr(getattr(self, "auth_config", None), "settings", None) or {})
        endpoint_policy(kwargs.get("endpoint_url"), provider="gcs", options=tls, settings=settings,
                        credentials=kwargs.get("token") != "anon")
        return kwargs
