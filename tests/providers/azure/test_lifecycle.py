"""Azure lifecycle rules: the storage account's management policy, on the ARM fake.

The server that answers is :class:`tests.servers.azure_arm.FakeAzureARM` (Azurite
has no management plane); it checks the Entra ID token, stores the policy per
account, validates it as ARM does and records every request.
"""

from __future__ import annotations

import copy

import pytest

import omefs.lifecycle as lifecycle
from omefs.errors import ConfigError
from omefs.lifecycle import Rule, Transition
from tests.lifecycle.sample import FULL, LOGS, extras, neutral, without_abort
from tests.servers.azure_arm import ArmWorld

pytest_plugins = ("tests.servers.auth_fixtures", "tests.servers.azure_arm_fixtures")

URL = "azure://models@devstoreaccount1"
#: A rule of this container the neutral form cannot hold (last-access time).
NATIVE = {"enabled": True, "name": "byAccess", "type": "Lifecycle", "definition": {
    "filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["models/cache/"]},
    "actions": {"baseBlob": {"tierToCool": {"daysAfterLastAccessTimeGreaterThan": 14}}}}}
#: Another container's rule: not shown, never touched.
OTHER = {"enabled": True, "name": "otherLogs", "type": "Lifecycle", "definition": {
    "filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["logs/app/"]},
    "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 30}}}}}


def test_round_trip_keeps_native_and_other_containers_rules(azure_arm: ArmWorld):
    auth = azure_arm.auth()
    assert lifecycle.get(URL, auth=auth) == []
    azure_arm.account.policy = {"rules": [copy.deepcopy(OTHER), copy.deepcopy(NATIVE)]}
    rules = [without_abort(FULL), LOGS]
    lifecycle.set(URL, rules, auth=auth)
    got = lifecycle.get(URL, auth=auth)
    assert neutral(got) == rules
    assert [e.native for e in extras(got)] == [NATIVE]
    stored = azure_arm.account.policy["rules"]
    assert [r["name"] for r in stored] == ["otherLogs", "byAccess", "coolOldCheckpoints", "expireLogs"]
    assert stored[2]["definition"] == {
        "filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["models/checkpoints/"]},
        "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30},
                                 "tierToArchive": {"daysAfterModificationGreaterThan": 180},
                                 "delete": {"daysAfterModificationGreaterThan": 365}},
                    "version": {"delete": {"daysAfterCreationGreaterThan": 30}}}}
    lifecycle.delete(URL, auth=auth)  # this container's rules only
    assert azure_arm.account.policy["rules"] == [OTHER]
    assert lifecycle.get(URL, auth=auth) == []


def test_cold_tier_and_dry_run(azure_arm: ArmWorld):
    rule = Rule(id="toCold", prefix="old/", transitions=(Transition(60, "COLD"),))
    doc = lifecycle.set(URL, [rule], dry_run=True, auth=azure_arm.auth())
    assert doc["rules"][0]["definition"]["actions"]["baseBlob"] == {
        "tierToCold": {"daysAfterModificationGreaterThan": 60}}
    assert azure_arm.account.policy is None
    assert not azure_arm.arm.requests("PUT")
    lifecycle.set(URL, [rule], auth=azure_arm.auth())
    assert lifecycle.get(URL, auth=azure_arm.auth()) == [rule]


@pytest.mark.parametrize(("rule", "says"), [
    (FULL, "no abort_incomplete_multipart_days; Azure supports transitions, expire_days, "
           "noncurrent_expire_days"),
    (Rule(id="cool-old", expire_days=3), "letters and digits"),
    (Rule(id="hot", transitions=(Transition(3, "STANDARD"),)), "accepts INFREQUENT, COLD, ARCHIVE"),
])
def test_an_impossible_rule_is_refused_before_any_request(azure_arm: ArmWorld, rule, says):
    with pytest.raises(ConfigError, match=says) as caught:
        lifecycle.set(URL, [rule], auth=azure_arm.auth())
    assert repr(rule.id) in str(caught.value)
    assert azure_arm.arm.requests() == []  # ARM saw nothing


def test_settings_the_management_plane_needs(azure_arm: ArmWorld):
    with pytest.raises(ConfigError, match="resource_group"):
        lifecycle.get(URL, auth=azure_arm.auth(resource_group=None))
    with pytest.raises(ConfigError, match="unique per storage account"):
        azure_arm.account.policy = {"rules": [copy.deepcopy(OTHER)]}
        lifecycle.set(URL, [Rule(id="otherLogs", expire_days=5)], auth=azure_arm.auth())


def test_errors_name_the_account_and_show_no_secret(azure_arm: ArmWorld):
    from omefs.errors import NotFoundError
    from tests.servers.azure_arm import CLIENT_SECRET

    with pytest.raises(NotFoundError) as caught:
        lifecycle.get("azure://models@nosuchaccount", auth=azure_arm.auth())
    token = azure_arm.arm.requests()[-1].headers["authorization"].removeprefix("Bearer ")
    text = str(caught.value) + repr(caught.value)
    assert "ResourceNotFound" in text and "nosuchaccount" in text
    assert CLIENT_SECRET not in text and token not in text
