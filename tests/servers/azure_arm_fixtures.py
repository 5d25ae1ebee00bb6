"""Fixtures for tests of Azure's management plane: an Entra ID fake and an ARM fake, over TLS.

Load them (with the auth fixtures they build on) with::

    pytest_plugins = ("tests.servers.auth_fixtures", "tests.servers.azure_arm_fixtures")

* ``azure_arm_server`` (session) — :class:`~tests.servers.azure_arm.ArmWorld`: a :class:`FakeEntra`
  with one registered app and a :class:`FakeAzureARM` trusting its tokens;
* ``azure_arm`` — the same, every account and recorded request forgotten,
  with one storage account (``devstoreaccount1``, Azurite's) registered;
  ``azure_arm.settings(**more)`` are the auth-config settings of a
  ``client_secret`` config that reaches both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.azure_arm import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    RESOURCE_GROUP,
    SUBSCRIPTION,
    ArmWorld,
    FakeAzureARM,
)
from tests.servers.fake_azure import EntraApp, FakeEntra
from tests.servers.fake_http import TLSFiles


@pytest.fixture(scope="session")
def azure_arm_server(tls_files: TLSFiles) -> Iterator[ArmWorld]:
    entra = FakeEntra(tls_files)
    entra.register_app(EntraApp(CLIENT_ID, secret=CLIENT_SECRET))
    arm = FakeAzureARM(tls_files, tenant=entra.tenant)
    entra.start()
    arm.start()
    try:
        yield ArmWorld(entra, arm, tls_files)
    finally:
        arm.stop()
        entra.stop()


@pytest.fixture
def azure_arm(azure_arm_server: ArmWorld) -> ArmWorld:
    """The ARM fake with no state but one account (``devstoreaccount1``)."""
    azure_arm_server.arm.clear()
    azure_arm_server.entra.reset()
    azure_arm_server.account = azure_arm_server.arm.add_account(SUBSCRIPTION, RESOURCE_GROUP, ACCOUNT)
    return azure_arm_server
