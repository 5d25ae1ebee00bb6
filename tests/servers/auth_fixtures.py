"""Fixtures for the auth tests: credential-endpoint fakes, TLS files, moto IAM helpers.

Test modules load them explicitly with ``pytest_plugins``::

    pytest_plugins = ("tests.servers.auth_fixtures",)

* ``fakes`` — starts fakes from :mod:`tests.servers.auth_fakes` and stops
  them after the test: ``imds = fakes.start(FakeIMDS(issuer))``;
* ``tls_files`` — a throwaway CA and a 127.0.0.1 server certificate;
* ``moto_iam`` — on the IAM-enforcing moto server (state wiped first): an
  admin IAM/S3/STS client and helpers to make users and roles with
  exactly the permissions a test needs;
* ``azurite_oauth`` — an Azurite over HTTPS with ``--oauth basic``, which
  checks bearer tokens' issuer, audience and lifetime.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.auth_fakes import AzuriteOAuth, FakeManager, MotoIAM, TLSFiles, make_tls_files


@pytest.fixture
def fakes() -> Iterator[FakeManager]:
    manager = FakeManager()
    yield manager
    manager.stop_all()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def moto_iam(s3_auth_env: Any) -> MotoIAM:
    """The IAM-enforcing moto server, wiped, with provisioning helpers."""
    return MotoIAM(s3_auth_env)


@pytest.fixture(scope="session")
def azurite_oauth_server(tls_files: TLSFiles) -> Iterator[AzuriteOAuth]:
    with AzuriteOAuth(tls_files) as server:
        yield server


@pytest.fixture
def azurite_oauth(azurite_oauth_server: AzuriteOAuth) -> AzuriteOAuth:
    from tests.servers import clear_fsspec_caches

    azurite_oauth_server.reset()
    clear_fsspec_caches()
    return azurite_oauth_server
