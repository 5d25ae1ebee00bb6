"""Native documents -> neutral rules, for the cases the servers' round trips do not reach.

Pure conversions (no server): how each provider's rules that were not
written by omefs are read back, neutral where they can be and read-only
extras where they cannot.
"""

from __future__ import annotations

from omefs.lifecycle import LifecycleTarget, Rule, Transition, hooks_for
from omefs.uri import parse_uri


def read(url: str, document: dict) -> list[Rule]:
    return hooks_for(url).from_native(document, LifecycleTarget(fs=None, uri=parse_uri(url), url=url))


def test_gcs_rules_of_one_prefix_gather_and_a_repeated_action_starts_a_new_rule():
    doc = {"rule": [
        {"action": {"type": "Delete"}, "condition": {"age": 30, "matchesPrefix": ["a/"]}},
        {"action": {"type": "SetStorageClass", "storageClass": "COLDLINE"},
         "condition": {"age": 10, "matchesPrefix": ["a/"], "isLive": True}},
        {"action": {"type": "Delete"}, "condition": {"age": 60, "matchesPrefix": ["a/"]}},
        {"action": {"type": "Delete"}, "condition": {"age": 5, "matchesSuffix": [".tmp"]}},
    ]}
    assert read("gs://b", doc) == [
        Rule(id="a", prefix="a/", transitions=(Transition(10, "COLD"),), expire_days=30),
        Rule(id="a-2", prefix="a/", expire_days=60),
        Rule(id="native-1", native=doc["rule"][3]),
    ]


def test_s3_disabled_and_dated_rules_are_extras():
    disabled = {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}
    dated = {"ID": "dated", "Status": "Enabled", "Filter": {},
             "Expiration": {"Date": "2030-01-01T00:00:00Z"}}
    legacy = {"ID": "legacy", "Status": "Enabled", "Prefix": "x/", "Expiration": {"Days": 2}}
    assert read("s3://b", {"Rules": [disabled, dated, legacy]}) == [
        Rule(id="off", native=disabled), Rule(id="dated", native=dated),
        Rule(id="legacy", prefix="x/", expire_days=2)]


def test_oci_items_of_one_rule_with_different_prefixes_stay_native():
    a = {"name": "r.delete", "action": "DELETE", "target": "objects", "timeAmount": 5,
         "timeUnit": "DAYS", "isEnabled": True, "objectNameFilter": {"inclusionPrefixes": ["a/"]}}
    b = {**a, "name": "r.archive", "action": "ARCHIVE",
         "objectNameFilter": {"inclusionPrefixes": ["b/"]}}
    assert read("oci://ns/bkt", {"items": [a, b]}) == [Rule(id="r.delete", native=a),
                                                       Rule(id="r.archive", native=b)]


def test_azure_rules_of_other_containers_are_not_this_buckets():
    def rule(name: str, prefixes: list[str]) -> dict:
        return {"enabled": True, "name": name, "type": "Lifecycle", "definition": {
            "filters": {"blobTypes": ["blockBlob"], "prefixMatch": prefixes},
            "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 9}}}}}

    everywhere = {**rule("all", []), "definition": {
        "filters": {"blobTypes": ["blockBlob"]},
        "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 9}}}}}
    doc = {"rules": [rule("mine", ["models"]), rule("theirs", ["logs/x"]),
                     rule("both", ["models/a", "logs/b"]), everywhere]}
    assert read("azure://models@acct", doc) == [
        Rule(id="mine", expire_days=9), Rule(id="both", native=doc["rules"][2]),
        Rule(id="all", native=everywhere)]
