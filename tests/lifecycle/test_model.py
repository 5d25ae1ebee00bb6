"""The neutral lifecycle model: YAML/JSON in and out, and the checks that need no provider."""

from __future__ import annotations

import json

import pytest

import omefs.lifecycle as lifecycle
from omefs.errors import ConfigError
from omefs.lifecycle import Rule, Transition
from tests.lifecycle.sample import FULL

ISSUE_EXAMPLE = """\
rules:
  - id: cool-old-checkpoints
    prefix: checkpoints/
    transitions: [{days: 30, storage_class: INFREQUENT}, {days: 180, storage_class: ARCHIVE}]
    expire_days: 365
    noncurrent_expire_days: 30
    abort_incomplete_multipart_days: 7
"""


def test_the_issue_example_loads():
    [rule] = lifecycle.loads(ISSUE_EXAMPLE)
    assert rule == Rule(id="cool-old-checkpoints", prefix="checkpoints/",
                        transitions=(Transition(30, "INFREQUENT"), Transition(180, "ARCHIVE")),
                        expire_days=365, noncurrent_expire_days=30, abort_incomplete_multipart_days=7)
    assert rule.actions() == lifecycle.ACTIONS


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_and_load_round_trip(fmt, tmp_path):
    extra = Rule(id="tagged", native={"ID": "tagged", "Filter": {"Tag": {"Key": "k", "Value": "v"}}})
    text = lifecycle.dumps([FULL, extra], format=fmt)
    path = tmp_path / f"rules.{fmt}"
    path.write_text(text)
    assert lifecycle.load(path) == [FULL, extra]
    if fmt == "json":
        assert json.loads(text)["rules"][1] == {"id": "tagged", "read_only": True,
                                                "native": extra.native}


@pytest.mark.parametrize(("text", "says"), [
    ("rules:\n  - prefix: a/\n    expire_days: 3\n", "needs an id"),
    ("rules:\n  - id: a\n    expire_days: 0\n", "expire_days must be at least 1"),
    ("rules:\n  - id: a\n    expire_days: soon\n", "whole number of days"),
    ("rules:\n  - id: a\n    expire: 3\n", "unknown field(s) expire; accepted: id, prefix"),
    ("rules:\n  - id: a\n    transitions: [{days: 3}]\n", "each transition is"),
    ("rules:\n  - id: a\n", "has no action"),
    ("rules:\n  - {id: a, expire_days: 3}\n  - {id: a, expire_days: 4}\n", "used twice"),
    ("rules:\n  - id: a\n    transitions: [{days: 90, storage_class: COLD}, "
     "{days: 30, storage_class: INFREQUENT}]\n", "increasing order"),
    ("rules:\n  - id: a\n    transitions: [{days: 90, storage_class: COLD}]\n    expire_days: 60\n",
     "must come after the last transition"),
    ("policy: []\n", "lifecycle document is {rules: [...]}"),
    ("rules: [\n", "not valid YAML or JSON"),
])
def test_bad_rules_are_config_errors_naming_the_problem(text, says):
    with pytest.raises(ConfigError) as caught:  # loading, or checking before any request
        lifecycle.set("s3://never-reached", lifecycle.loads(text))
    assert says in str(caught.value)


def test_a_missing_file_and_a_path_in_the_url(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the lifecycle file"):
        lifecycle.load(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="without a path"):
        lifecycle.get("s3://bucket/some/key")


def test_a_provider_without_lifecycle_says_so():
    with pytest.raises(ConfigError, match="GitHub has no lifecycle rules"):
        lifecycle.set("github://owner/repo", [FULL])


def test_every_lifecycle_provider_declares_its_actions():
    from omefs.providers import get_provider

    for name in ("s3", "gcs", "azure", "oci"):
        provider = get_provider(name)
        assert provider.lifecycle() is not None
        assert set(provider.capabilities.lifecycle) <= set(lifecycle.ACTIONS)
    assert get_provider("github").lifecycle() is None
