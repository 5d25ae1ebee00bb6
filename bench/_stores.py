"""How the benchmark reaches each local server, for each kind of client.

A *topology* is a plain JSON-able dict describing the running servers
(endpoints and the emulators' well-known test credentials), handed from
the orchestrator to its worker processes on stdin:

    {"s3":    {"endpoint": ..., "key": ..., "secret": ...},
     "gcs":   {"endpoint": ..., "project": ...},
     "azure": {"endpoint": ..., "account_name": ..., "account_key": ...,
               "connection_string": ...}}

From it this module builds URLs, fsspec storage options, omefs auth
configs and options, rclone remotes and raw clients (obstore for S3 and
Azure; plain HTTP for the GCS emulator, which obstore cannot talk to: the
emulator sends no ETag / Last-Modified headers, and answers HEAD with 501).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any
from urllib.parse import quote

SCHEMES = {"s3": "s3", "gcs": "gs", "azure": "az"}
PROTOCOLS = {"s3": ("s3", "s3a"), "gcs": ("gs", "gcs"), "azure": ("az", "abfs", "abfss")}


def topology(servers: dict[str, Any]) -> dict[str, Any]:
    """The JSON-able description of ``running_servers(...)``'s servers."""
    topo: dict[str, Any] = {}
    if "s3" in servers:
        s = servers["s3"]
        topo["s3"] = {
            "endpoint": s.endpoint,
            "key": getattr(s, "access_key_id", "testing"),
            "secret": getattr(s, "secret_access_key", "testing"),
        }
    if "gcs" in servers:
        g = servers["gcs"]
        topo["gcs"] = {"endpoint": g.endpoint, "project": g.storage_options().get("project", "bench")}
    if "azure" in servers:
        a = servers["azure"]
        topo["azure"] = {
            "endpoint": a.blob_endpoint,
            "account_name": a.account_name,
            "account_key": a.account_key,
            "connection_string": a.connection_string,
        }
    return topo


def url(provider: str, bucket: str, path: str = "") -> str:
    """``s3://bucket/path``, ``gs://…``, ``az://…``."""
    return f"{SCHEMES[provider]}://{bucket}/{path}".rstrip("/")


def fsspec_options(provider: str, topo: dict[str, Any]) -> dict[str, Any]:
    """Storage options of the fsspec filesystem (s3fs, gcsfs, adlfs)."""
    t = topo[provider]
    if provider == "s3":
        return {"key": t["key"], "secret": t["secret"], "client_kwargs": {"endpoint_url": t["endpoint"]}}
    if provider == "gcs":
        return {"token": "anon", "project": t["project"], "endpoint_url": t["endpoint"]}
    return {"connection_string": t["connection_string"]}


def fsspec_fs(provider: str, topo: dict[str, Any]) -> Any:
    import fsspec

    return fsspec.filesystem(SCHEMES[provider], skip_instance_cache=True, **fsspec_options(provider, topo))


def omefs_side(provider: str, topo: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """``(auth config, storage options)`` of one side of :func:`omefs.copy`."""
    from omefs import AuthConfig

    t = topo[provider]
    if provider == "s3":
        auth = AuthConfig(
            provider="aws",
            auth_type="access_key",
            region="us-east-1",
            settings={"access_key_id": t["key"], "secret_access_key": t["secret"]},
        )
        return auth, {"endpoint_url": t["endpoint"]}
    if provider == "gcs":
        auth = AuthConfig(provider="gcp", auth_type="anonymous")
        return auth, {"endpoint_url": t["endpoint"], "project": t["project"]}
    auth = AuthConfig(
        provider="azure",
        auth_type="connection_string",
        settings={"connection_string": t["connection_string"]},
    )
    return auth, {}


# -- rclone -------------------------------------------------------------------

def container_sas(topo: dict[str, Any], container: str) -> str:
    """A read/write/list/delete SAS token for one Azurite container."""
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    t = topo["azure"]
    return generate_container_sas(
        account_name=t["account_name"],
        container_name=container,
        account_key=t["account_key"],
        permission=ContainerSasPermissions(read=True, write=True, delete=True, list=True, add=True, create=True),
        expiry=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=6),
    )


def rclone_env(provider: str, name: str, bucket: str, topo: dict[str, Any]) -> dict[str, str]:
    """``RCLONE_CONFIG_<NAME>_*`` variables of a remote for ``provider``.

    rclone reaches Azurite only through a container SAS URL remote (its
    emulator switch assumes the default port), so an Azure remote is bound
    to one container: paths on it start with that container's name.
    """
    t = topo[provider]
    prefix = f"RCLONE_CONFIG_{name.upper()}_"
    if provider == "s3":
        values = {
            "TYPE": "s3", "PROVIDER": "Other", "ACCESS_KEY_ID": t["key"],
            "SECRET_ACCESS_KEY": t["secret"], "ENDPOINT": t["endpoint"], "REGION": "us-east-1",
        }
    elif provider == "gcs":
        values = {
            "TYPE": "google cloud storage", "ANONYMOUS": "true",
            "ENDPOINT": t["endpoint"] + "/storage/v1/", "PROJECT_NUMBER": t["project"],
        }
    else:
        sas = container_sas(topo, bucket)
        values = {"TYPE": "azureblob", "SAS_URL": f"{t['endpoint']}/{bucket}?{sas}"}
    return {prefix + k: v for k, v in values.items()}


def rclone_path(name: str, bucket: str, path: str) -> str:
    return f"{name}:{bucket}/{path}".rstrip("/")


# -- raw clients ----------------------------------------------------------------

# moto takes minutes to complete a multipart upload of gigabytes: obstore's
# default 30 s request timeout would abort it.
_CLIENT = {"allow_http": True, "timeout": "900s"}


def obstore_store(provider: str, bucket: str, topo: dict[str, Any]) -> Any:
    """An obstore store for S3 or Azure (None for the GCS emulator)."""
    t = topo[provider]
    if provider == "s3":
        from obstore.store import S3Store

        return S3Store(
            bucket, endpoint=t["endpoint"], virtual_hosted_style_request=False, region="us-east-1",
            access_key_id=t["key"], secret_access_key=t["secret"], client_options=_CLIENT,
        )
    if provider == "azure":
        from obstore.store import AzureStore

        return AzureStore(
            bucket, account_name=t["account_name"], account_key=t["account_key"],
            endpoint=t["endpoint"], client_options=_CLIENT,
        )
    return None


def gcs_media_url(topo: dict[str, Any], bucket: str, key: str) -> str:
    return f"{topo['gcs']['endpoint']}/download/storage/v1/b/{bucket}/o/{quote(key, safe='')}?alt=media"


def gcs_upload_url(topo: dict[str, Any], bucket: str, key: str) -> str:
    return f"{topo['gcs']['endpoint']}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={quote(key, safe='')}"


def clean_env() -> dict[str, str]:
    """The environment for a worker: no CA bundle override (rclone's S3 backend needs it unset),
    bytecode written and read as for an installed package."""
    env = dict(os.environ)
    env.pop("AWS_CA_BUNDLE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package runs from its bytecode
    env.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    return env
