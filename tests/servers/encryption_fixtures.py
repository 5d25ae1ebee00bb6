"""pytest fixtures: the emulators behind the encryption checks of the real services.

* ``sse_c_proxy`` — moto behind :class:`~tests.servers.sse_c_proxy.SseCChecker` (S3 SSE-C);
* ``csek_proxy`` — gcp-storage-emulator behind :class:`~tests.servers.csek_proxy.CsekChecker`
  (GCS CSEK and CMEK);
* ``enc_s3`` / ``enc_gcs`` — per test: the server wiped, the checker reset, and the
  storage options that reach it through the proxy.

Use with ``from tests.servers.encryption_fixtures import *``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.checking_proxy import CheckingProxy
from tests.servers.csek_proxy import CsekChecker
from tests.servers.sse_c_proxy import SseCChecker

__all__ = ["csek_proxy", "enc_gcs", "enc_s3", "sse_c_proxy"]


@pytest.fixture(scope="session")
def sse_c_proxy(moto_server: Any) -> Iterator[CheckingProxy]:
    with CheckingProxy(moto_server.endpoint, SseCChecker()) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def csek_proxy(gcs_server: Any) -> Iterator[CheckingProxy]:
    with CheckingProxy(gcs_server.endpoint, CsekChecker()) as proxy:
        yield proxy


@pytest.fixture
def enc_s3(s3_env: Any, sse_c_proxy: CheckingProxy) -> dict[str, Any]:
    """s3fs options that reach moto through the SSE-C check."""
    sse_c_proxy.reset()
    return {"key": s3_env.access_key_id, "secret": s3_env.secret_access_key,
            "client_kwargs": {"endpoint_url": sse_c_proxy.endpoint}}


@pytest.fixture
def enc_gcs(gcs_env: Any, csek_proxy: CheckingProxy) -> dict[str, Any]:
    """gcsfs options that reach the emulator through the CSEK/CMEK check."""
    csek_proxy.reset()
    return dict(gcs_env.storage_options(), endpoint_url=csek_proxy.endpoint)
