"""GCS lifecycle rules on gcp-storage-emulator (which stores the bucket's ``lifecycle`` field
verbatim and never applies it).

Requests are counted by a recording proxy in front of the emulator
(:class:`tests.servers.corrupting_proxy.CorruptingProxy`, no rules).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import omefs
import omefs.lifecycle as lifecycle
from omefs.errors import ConfigError
from omefs.lifecycle import Rule, Transition
from tests.lifecycle.sample import FULL, LOGS, extras, neutral
from tests.servers.corrupting_proxy import CorruptingProxy

#: A GCS rule the neutral form cannot hold (a storage-class condition).
NATIVE = {"action": {"type": "Delete"}, "condition": {"age": 10, "matchesStorageClass": ["NEARLINE"]}}


def bucket_resource(gcs_env, name: str) -> dict:
    import requests

    return requests.get(f"{gcs_env.endpoint}/storage/v1/b/{name}", timeout=10).json()


def patch_lifecycle(gcs_env, name: str, rules: list) -> None:
    import requests

    requests.patch(f"{gcs_env.endpoint}/storage/v1/b/{name}", json={"lifecycle": {"rule": rules}},
                   timeout=10).raise_for_status()


@pytest.fixture
def bucket(gcs_env):
    omefs.filesystem("gs", **gcs_env.storage_options(), skip_instance_cache=True).mkdir("backup")
    return "backup"


def test_round_trip_keeps_a_native_rule(gcs_env, bucket):
    opts = gcs_env.storage_options()
    assert lifecycle.get("gs://backup", **opts) == []
    patch_lifecycle(gcs_env, bucket, [NATIVE])
    lifecycle.set("gs://backup", [FULL, LOGS], **opts)
    got = lifecycle.get("gs://backup", **opts)
    # GCS rules have no names: get names each rule after its prefix
    assert neutral(got) == [replace(FULL, id="checkpoints"), replace(LOGS, id="logs")]
    assert [e.native for e in extras(got)] == [NATIVE]
    stored = bucket_resource(gcs_env, bucket)["lifecycle"]["rule"]
    assert stored[0] == {"action": {"type": "SetStorageClass", "storageClass": "NEARLINE"},
                         "condition": {"age": 30, "matchesPrefix": ["checkpoints/"]}}
    assert {"action": {"type": "AbortIncompleteMultipartUpload"},
            "condition": {"age": 7, "matchesPrefix": ["checkpoints/"]}} in stored
    assert {"action": {"type": "Delete"}, "condition": {
        "daysSinceNoncurrentTime": 30, "isLive": False, "matchesPrefix": ["checkpoints/"]}} in stored
    assert stored[-1] == NATIVE
    lifecycle.set("gs://backup", [LOGS], **opts)
    assert [r.id for r in lifecycle.get("gs://backup", **opts)] == ["logs", "native-1"]
    lifecycle.delete("gs://backup", **opts)
    assert lifecycle.get("gs://backup", **opts) == []


def test_a_rule_set_with_its_gcs_name_round_trips_exactly(gcs_env, bucket):
    rules = [Rule(id="bucket", transitions=(Transition(60, "COLD"),), expire_days=400)]
    lifecycle.set("gs://backup", rules, **gcs_env.storage_options())
    assert lifecycle.get("gs://backup", **gcs_env.storage_options()) == rules


@pytest.mark.parametrize(("rule", "says"), [
    (Rule(id="glacier", transitions=(Transition(40, "GLACIER"),)), "no storage class 'GLACIER'"),
])
def test_an_impossible_rule_is_refused_before_any_request(gcs_env, bucket, rule, says):
    with CorruptingProxy(gcs_env.endpoint) as proxy:
        opts = {**gcs_env.storage_options(), "endpoint_url": proxy.endpoint,
                "skip_instance_cache": True}
        with pytest.raises(ConfigError, match=says) as caught:
            lifecycle.set("gs://backup", [rule], **opts)
        assert rule.id in str(caught.value) and "NEARLINE" in str(caught.value)
        assert proxy.requests == []  # the emulator saw nothing
        lifecycle.set("gs://backup", [LOGS], **opts)  # the control: a possible rule goes through
        assert any(method == "PATCH" for method, _, _ in proxy.requests)
