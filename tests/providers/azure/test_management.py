"""Azure's management plane: :mod:`omefs.providers.azure.management` against the ARM fake.

The server that answers is :class:`tests.servers.azure_arm.FakeAzureARM` (over
TLS), which checks each bearer token as :class:`FakeEntra` issued it (its
signature, the management audience, the tenant, the expiry); Azurite has no
management plane.
"""

from __future__ import annotations

import pytest

from omefs.auth import resolve
from omefs.errors import AuthError, ConfigError, NotFoundError
from omefs.providers.azure.management import API_VERSION, management_client
from tests.servers.azure_arm import ArmWorld
from tests.servers.fake_azure import azure_access_token

pytest_plugins = ("tests.servers.auth_fixtures", "tests.servers.azure_arm_fixtures")

POLICY = {"rules": [{
    "enabled": True, "name": "coolLogs", "type": "Lifecycle",
    "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["logs/old"]},
                   "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30},
                                            "delete": {"daysAfterModificationGreaterThan": 365}}}},
}]}


def client(world: ArmWorld, account: str = "devstoreaccount1", **settings):
    return management_client(resolve(world.auth(**settings)), account)


def test_management_policy_put_get_delete(azure_arm: ArmWorld):
    arm = client(azure_arm)
    assert arm.get_management_policy() is None
    stored = arm.put_management_policy(POLICY)
    assert stored["properties"]["policy"] == POLICY
    assert azure_arm.account.policy == POLICY  # what the server holds
    got = arm.get_management_policy()
    assert got["properties"]["policy"] == POLICY
    assert got["type"] == "Microsoft.Storage/storageAccounts/managementPolicies"
    arm.delete_management_policy()
    assert arm.get_management_policy() is None
    seen = azure_arm.arm.management_requests()
    assert [s.method for s in seen] == ["GET", "PUT", "GET", "DELETE", "GET"]
    assert all(s.query["api-version"] == [API_VERSION] for s in seen)
    assert seen[1].path.endswith("/storageAccounts/devstoreaccount1/managementPolicies/default")


def test_blob_service_properties(azure_arm: ArmWorld):
    arm = client(azure_arm)
    assert arm.get_blob_service_properties()["isVersioningEnabled"] is False
    out = arm.set_blob_service_properties({"isVersioningEnabled": True})
    assert out["isVersioningEnabled"] is True and "deleteRetentionPolicy" in out  # others kept
    assert azure_arm.account.blob_service["isVersioningEnabled"] is True
    assert arm.get_blob_service_properties()["isVersioningEnabled"] is True


def test_the_token_is_for_the_management_audience(azure_arm: ArmWorld):
    client(azure_arm).get_blob_service_properties()
    scopes = [r.form().get("scope") for r in azure_arm.entra.requests("POST")]
    assert "https://management.azure.com/.default" in scopes


def test_a_policy_arm_refuses_is_a_config_error(azure_arm: ArmWorld):
    bad = {"rules": [{**POLICY["rules"][0], "name": "not-alphanumeric"}]}
    with pytest.raises(ConfigError, match="InvalidManagementPolicyRules"):
        client(azure_arm).put_management_policy(bad)


def test_an_unknown_account_is_not_found(azure_arm: ArmWorld):
    with pytest.raises(NotFoundError, match="ResourceNotFound"):
        client(azure_arm, account="nosuchaccount").get_blob_service_properties()


@pytest.mark.parametrize("missing", ["subscription_id", "resource_group"])
def test_missing_settings_are_named(azure_arm: ArmWorld, missing: str):
    creds = resolve(azure_arm.auth(**{missing: None}))
    with pytest.raises(ConfigError, match=missing):
        management_client(creds, "devstoreaccount1")
    assert azure_arm.arm.management_requests() == []


def test_a_key_cannot_reach_the_management_plane(azure_arm: ArmWorld):
    creds = resolve({"provider": "azure", "auth_type": "account_key", "settings": {
        "account_name": "devstoreaccount1", "account_key": "a2V5", "subscription_id": "s",
        "resource_group": "g"}})
    with pytest.raises(ConfigError, match="Entra ID token"):
        management_client(creds, None)


# -- the fake itself: what it refuses -------------------------------------------------------
def _get(world: ArmWorld, token: str | None, api_version: str | None = API_VERSION):
    import requests

    url = f"{world.arm.endpoint}{world.account.resource_id}/blobServices/default"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"api-version": api_version} if api_version else {}
    return requests.get(url, headers=headers, params=params, verify=str(world.tls.ca), timeout=10)


def test_fake_refuses_wrong_tokens(azure_arm: ArmWorld):
    tenant = azure_arm.entra.tenant
    good = azure_access_token(tenant, "x", 60, audience="https://management.azure.com")
    assert _get(azure_arm, good).status_code == 200
    cases = {
        None: "AuthenticationFailed",
        azure_access_token(tenant, "x", 60): "InvalidAuthenticationTokenAudience",  # storage token
        azure_access_token(tenant, "x", -60, audience="https://management.azure.com"):
            "ExpiredAuthenticationToken",
        azure_access_token("other-tenant", "x", 60, audience="https://management.azure.com"):
            "InvalidAuthenticationTokenTenant",
        azure_access_token(tenant, "x", 60, audience="https://management.azure.com",
                           key=b"another-signing-key-of-32-bytes!!"): "InvalidAuthenticationToken",
    }
    for token, code in cases.items():
        answer = _get(azure_arm, token)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == code
    answer = _get(azure_arm, good, api_version=None)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "MissingApiVersionParameter"


def test_an_expired_token_is_an_auth_error(azure_arm: ArmWorld):
    from omefs.providers.azure.management import ManagementClient

    class Stale:
        def get_token(self, *scopes):
            from types import SimpleNamespace

            return SimpleNamespace(token=azure_access_token(
                azure_arm.entra.tenant, "x", -60, audience="https://management.azure.com"))

    arm = ManagementClient(Stale(), subscription_id="00000000-0000-0000-0000-00000000beef",
                           resource_group="omefs-tests", account="devstoreaccount1",
                           endpoint=azure_arm.arm.endpoint, verify=str(azure_arm.tls.ca))
    with pytest.raises(AuthError, match="ExpiredAuthenticationToken"):
        arm.get_management_policy()
