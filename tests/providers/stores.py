"""One description per object store for the tests that run on all of them.

Each :class:`Store` knows how to build the parent library's filesystem and
omefs's on the same server, the auth config that reaches it, and a URL
for a path — so one test body serves S3, GCS and Azure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fsspec


@dataclass
class Store:
    name: str
    scheme: str
    auth: dict[str, Any]
    parent: Callable[[], fsspec.AbstractFileSystem]
    bucket: str

    def url(self, path: str = "") -> str:
        return f"{self.scheme}://{self.bucket}/{path}" if path else f"{self.scheme}://{self.bucket}"

    def omefs_fs(self, **kw: Any) -> fsspec.AbstractFileSystem:
        import omefs

        return omefs.filesystem(self.scheme, auth=self.auth, skip_instance_cache=True, **kw)


def new_bucket(prefix: str = "omefs") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def s3_store(server: Any) -> Store:
    import s3fs

    return Store(
        name="s3",
        scheme="s3",
        auth={"provider": "aws", "auth_type": "access_key",
              "settings": {"access_key_id": "testing", "secret_access_key": "testing",
                           "endpoint_url": server.endpoint}},
        parent=lambda: s3fs.S3FileSystem(key="testing", secret="testing",
                                         client_kwargs={"endpoint_url": server.endpoint},
                                         skip_instance_cache=True),
        bucket=new_bucket(),
    )


def gcs_store(server: Any) -> Store:
    import gcsfs.core

    return Store(
        name="gcs",
        scheme="gs",
        auth={"provider": "gcp", "auth_type": "anonymous",
              "settings": {"endpoint_url": server.endpoint, "project": "test"}},
        parent=lambda: gcsfs.core.GCSFileSystem(token="anon", project="test",
                                                endpoint_url=server.endpoint,
                                                skip_instance_cache=True),
        bucket=new_bucket(),
    )


def azure_store(server: Any, scheme: str = "azure") -> Store:
    import adlfs

    return Store(
        name="azure",
        scheme=scheme,
        auth={"provider": "azure", "auth_type": "connection_string",
              "settings": {"connection_string": server.connection_string}},
        parent=lambda: adlfs.AzureBlobFileSystem(connection_string=server.connection_string,
                                                 skip_instance_cache=True),
        bucket=new_bucket(),
    )
