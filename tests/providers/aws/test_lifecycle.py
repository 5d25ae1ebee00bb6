"""S3 lifecycle rules on moto (which stores BucketLifecycleConfiguration and never applies it).

The server that answers is moto; requests are counted by a recording proxy in
front of it (:class:`tests.servers.corrupting_proxy.CorruptingProxy`, no rules).
"""

from __future__ import annotations

import boto3
import pytest

import omefs.lifecycle as lifecycle
from omefs.errors import ConfigError
from omefs.lifecycle import Rule, Transition
from tests.lifecycle.sample import FULL, LOGS, extras, neutral
from tests.servers.corrupting_proxy import CorruptingProxy

TAGGED = {"ID": "tagged-cleanup", "Status": "Enabled",
          "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}]}},
          "Expiration": {"Days": 3}}


@pytest.fixture
def s3(s3_env):
    client = boto3.client("s3", **s3_env.boto3_kwargs())
    client.create_bucket(Bucket="models")
    return client


def test_round_trip_keeps_a_native_rule(s3_env, s3):
    opts = s3_env.storage_options()
    assert lifecycle.get("s3://models", **opts) == []
    s3.put_bucket_lifecycle_configuration(Bucket="models", LifecycleConfiguration={"Rules": [TAGGED]})
    lifecycle.set("s3://models", [FULL, LOGS], **opts)
    got = lifecycle.get("s3://models", **opts)
    assert neutral(got) == [FULL, LOGS]
    [extra] = extras(got)
    assert extra.id == "tagged-cleanup" and extra.native["Filter"] == TAGGED["Filter"]
    stored = s3.get_bucket_lifecycle_configuration(Bucket="models")["Rules"]
    assert [r["ID"] for r in stored] == ["coolOldCheckpoints", "expireLogs", "tagged-cleanup"]
    assert stored[0]["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"},
                                        {"Days": 180, "StorageClass": "GLACIER"}]
    assert stored[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    # a second set with other rules keeps the native one again
    lifecycle.set("s3://models", [LOGS], **opts)
    assert [r.id for r in lifecycle.get("s3://models", **opts)] == ["expireLogs", "tagged-cleanup"]
    lifecycle.delete("s3://models", **opts)
    assert lifecycle.get("s3://models", **opts) == []


def test_native_class_names_round_trip(s3_env, s3):
    rule = Rule(id="deep", transitions=(Transition(90, "DEEP_ARCHIVE"),))
    lifecycle.set("s3://models", [rule], **s3_env.storage_options())
    assert lifecycle.get("s3://models", **s3_env.storage_options()) == [rule]


def test_dry_run_returns_the_document_and_writes_nothing(s3_env, s3):
    doc = lifecycle.set("s3://models", [LOGS], dry_run=True, **s3_env.storage_options())
    assert doc == {"Rules": [{"ID": "expireLogs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
                              "Expiration": {"Days": 90}}]}
    assert lifecycle.get("s3://models", **s3_env.storage_options()) == []


@pytest.mark.parametrize(("rule", "says"), [
    (Rule(id="early", transitions=(Transition(10, "INFREQUENT"),)), "no earlier than day 30"),
    (Rule(id="warm", transitions=(Transition(40, "STANDARD"),)), "STANDARD_IA, ONEZONE_IA"),
    (Rule(id="nearline", transitions=(Transition(40, "NEARLINE"),)), "no storage class 'NEARLINE'"),
])
def test_an_impossible_rule_is_refused_before_any_request(s3_env, s3, rule, says):
    with CorruptingProxy(s3_env.endpoint) as proxy:
        opts = {**s3_env.storage_options(), "client_kwargs": {"endpoint_url": proxy.endpoint}}
        with pytest.raises(ConfigError, match=says) as caught:
            lifecycle.set("s3://models", [rule], **opts)
        assert rule.id in str(caught.value)
        assert proxy.requests == []  # moto saw nothing
        lifecycle.set("s3://models", [LOGS], **opts)  # the control: a possible rule goes through
        assert any(method == "PUT" for method, _, _ in proxy.requests)


def test_a_missing_bucket_is_not_found(s3_env):
    from omefs.errors import NotFoundError

    with pytest.raises(NotFoundError, match="lifecycle get"):
        lifecycle.get("s3://no-such-bucket", **s3_env.storage_options())
