"""Azure blob versions: Azurite behind tests/servers/azure_versions.py, plus the ARM fake.

Azurite has no blob versions: the proxy in front of it keeps them as the Blob
REST reference describes (``x-ms-version-id``, ``include=versions``,
``versionid=`` reads, deletes and copy sources) while the storage account's
``isVersioningEnabled`` is on. That switch lives in the management plane,
answered by tests/servers/azure_arm.py (Azurite has none). The data plane
authenticates with Azurite's key; the management plane with an Entra ID token.
"""

from __future__ import annotations

import pytest

import omefs
from omefs.errors import ConfigError
from tests.providers.versions_story import run_versions_story
from tests.servers.azure_versions import BlobVersionsProxy
from tests.servers.azurite import ACCOUNT_KEY, ACCOUNT_NAME

pytest_plugins = ("tests.servers.auth_fixtures", "tests.servers.azure_arm_fixtures")


@pytest.fixture(scope="module")
def blob_versions(azurite_server, azure_arm_server):
    def enabled() -> bool:
        account = azure_arm_server.account
        return bool(account and account.blob_service.get("isVersioningEnabled"))

    with BlobVersionsProxy(azurite_server.endpoint, ACCOUNT_NAME, ACCOUNT_KEY, enabled) as proxy:
        yield proxy


@pytest.fixture
def versions_env(azure_env, azure_arm, blob_versions):
    blob_versions.clear()
    return {"auth": azure_arm.auth(),
            "connection_string": blob_versions.connection_string(ACCOUNT_KEY)}


def test_versions_story_through_the_proxy_and_arm(versions_env, azure_arm):
    omefs.filesystem("az", **versions_env).mkdir("versioned")
    final = run_versions_story("az://versioned", "2001-01-01T00:00:00.0000000Z", **versions_env)
    assert all(v.version_id.endswith("Z") for v in final)
    assert azure_arm.account.blob_service["isVersioningEnabled"] is False  # switched off at the end


def test_a_key_lists_versions_but_cannot_switch_them(versions_env, azure_arm):
    key_only = {"connection_string": versions_env["connection_string"]}
    fs = omefs.filesystem("az", **key_only)
    fs.mkdir("keyonly")
    omefs.versioning("az://keyonly", enabled=True, **versions_env)
    fs.pipe("keyonly/a.txt", b"1")
    fs.pipe("keyonly/a.txt", b"22")
    assert [v.size for v in omefs.list_versions("az://keyonly/a.txt", **key_only)] == [2, 1]
    with pytest.raises(ConfigError, match="management plane"):
        omefs.versioning("az://keyonly", **key_only)


def test_adlfs_own_url_form_reads_a_version(versions_env):
    fs = omefs.filesystem("az", **versions_env)
    fs.mkdir("native")
    omefs.versioning("az://native", enabled=True, **versions_env)
    fs.pipe("native/a.txt", b"one")
    fs.pipe("native/a.txt", b"two")
    old = omefs.list_versions("az://native/a.txt", **versions_env)[1]
    aware = omefs.filesystem("az", version_aware=True, **versions_env)
    assert aware.cat_file(f"native/a.txt?versionid={old.version_id}") == b"one"
    assert aware.cat_file(f"native/a.txt?version={old.version_id}") == b"one"
