"""OCI lifecycle rules on the project's OCI fake (:mod:`tests.servers.oci`), which serves the
object lifecycle policy (``PUT|GET|DELETE /n/{ns}/b/{bucket}/l``), checks its rules as the
service does, and counts every request it receives by operation."""

from __future__ import annotations

import pytest

import omefs
import omefs.lifecycle as lifecycle
from omefs.errors import ConfigError
from omefs.lifecycle import Rule, Transition
from omefs.uri import parse_uri
from tests.lifecycle.sample import FULL, LOGS, extras, neutral
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options

#: An OCI rule the neutral form cannot hold (an exclusion pattern).
NATIVE = {"name": "keep-golden", "action": "DELETE", "target": "objects", "timeAmount": 2,
          "timeUnit": "YEARS", "isEnabled": True,
          "objectNameFilter": {"inclusionPrefixes": ["runs/"], "exclusionPatterns": ["*.golden"]}}


def url(fake, bucket: str) -> str:
    return f"oci://{bucket}@{fake.namespace}"


def test_round_trip_keeps_a_native_rule(oci_fake, oci_auth, oci_bucket):
    where, opts = url(oci_fake, oci_bucket), {"auth": oci_auth, **oci_fs_options()}
    assert lifecycle.get(where, **opts) == []
    oci_fake.bucket(oci_bucket).lifecycle = {"items": [NATIVE]}
    lifecycle.set(where, [FULL, LOGS], **opts)
    got = lifecycle.get(where, **opts)
    assert neutral(got) == [FULL, LOGS]
    [extra] = extras(got)
    assert extra.id == "keep-golden" and extra.native["objectNameFilter"]["exclusionPatterns"]
    stored = oci_fake.bucket(oci_bucket).lifecycle["items"]
    assert [i["name"] for i in stored] == [
        "coolOldCheckpoints.infrequent-access", "coolOldCheckpoints.archive",
        "coolOldCheckpoints.delete", "coolOldCheckpoints.delete-previous", "coolOldCheckpoints.abort",
        "expireLogs.delete", "keep-golden"]
    assert stored[4]["action"] == "ABORT" and stored[4]["target"] == "multipart-uploads"
    lifecycle.delete(where, **opts)
    assert oci_fake.bucket(oci_bucket).lifecycle is None
    assert lifecycle.get(where, **opts) == []


def test_dry_run_sends_no_write(oci_fake, oci_auth, oci_bucket):
    doc = lifecycle.set(url(oci_fake, oci_bucket), [LOGS], dry_run=True, auth=oci_auth,
                        **oci_fs_options())
    assert doc["items"][0]["name"] == "expireLogs.delete"
    assert oci_fake.calls["PutObjectLifecyclePolicy"] == 0
    assert oci_fake.bucket(oci_bucket).lifecycle is None


@pytest.mark.parametrize(("rule", "says"), [
    (Rule(id="cold", transitions=(Transition(30, "COLD"),)), "no storage class 'COLD'"),
    (Rule(id="now", transitions=(Transition(0, "ARCHIVE"),)), "at least one day"),
])
def test_an_impossible_rule_is_refused_before_any_request(oci_fake, oci_auth, oci_bucket, rule, says):
    before = sum(oci_fake.calls.values())
    with pytest.raises(ConfigError, match=says) as caught:
        lifecycle.set(url(oci_fake, oci_bucket), [rule], auth=oci_auth, **oci_fs_options())
    assert rule.id in str(caught.value)
    assert sum(oci_fake.calls.values()) == before  # the fake saw nothing


def test_the_fake_refuses_what_oci_refuses(oci_fake, oci_auth, oci_bucket):
    bad = {"items": [{**NATIVE, "action": "ABORT"}]}  # ABORT is for multipart uploads only
    where = url(oci_fake, oci_bucket)
    target = lifecycle.LifecycleTarget(fs=omefs.filesystem("oci", auth=oci_auth, **oci_fs_options()),
                                       uri=parse_uri(where), url=where)
    with pytest.raises(ConfigError, match="ABORT"):
        lifecycle.hooks_for(where).write(target, bad)
    assert oci_fake.bucket(oci_bucket).lifecycle is None


def test_a_missing_bucket_is_not_found(oci_fake, oci_auth):
    from omefs.errors import NotFoundError

    with pytest.raises(NotFoundError, match="lifecycle get"):
        lifecycle.get(url(oci_fake, "no-such-bucket"), auth=oci_auth, **oci_fs_options())
