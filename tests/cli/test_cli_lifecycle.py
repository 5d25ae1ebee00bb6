"""``omefs lifecycle get|set|delete`` against moto (which stores the bucket's lifecycle rules)."""

from __future__ import annotations

import json

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError

from tests.cli.test_cli_basic import cli_env, run_cli

RULES = """\
rules:
  - id: coolOldCheckpoints
    prefix: checkpoints/
    transitions: [{days: 30, storage_class: INFREQUENT}, {days: 180, storage_class: ARCHIVE}]
    expire_days: 365
    noncurrent_expire_days: 30
    abort_incomplete_multipart_days: 7
"""


def test_set_get_dry_run_delete(s3_env, tmp_path):
    s3 = boto3.client("s3", **s3_env.boto3_kwargs())
    s3.create_bucket(Bucket="clilc")
    env = cli_env(AWS_ACCESS_KEY_ID=s3_env.access_key_id,
                  AWS_SECRET_ACCESS_KEY=s3_env.secret_access_key)
    ep = ["--endpoint-url", s3_env.endpoint]
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)

    proc = run_cli("lifecycle", "set", "--dry-run", *ep, "s3://clilc", str(rules), env=env)
    assert proc.returncode == 0, proc.stderr
    native = json.loads(proc.stdout)
    assert native["Rules"][0]["Transitions"][0] == {"Days": 30, "StorageClass": "STANDARD_IA"}

    proc = run_cli("lifecycle", "set", *ep, "s3://clilc", str(rules), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "set 1 lifecycle rule(s) on s3://clilc" in proc.stdout

    proc = run_cli("lifecycle", "get", "--json", *ep, "s3://clilc", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == yaml.safe_load(RULES)  # the round trip

    proc = run_cli("lifecycle", "delete", *ep, "s3://clilc", env=env)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(ClientError, match="NoSuchLifecycleConfiguration"):
        s3.get_bucket_lifecycle_configuration(Bucket="clilc")


def test_an_impossible_rule_is_a_usage_error(s3_env, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"id": "early", "transitions": [
        {"days": 5, "storage_class": "INFREQUENT"}]}]}))
    proc = run_cli("lifecycle", "set", "--endpoint-url", s3_env.endpoint, "s3://nobucket",
                   str(rules), env=cli_env())
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("omefs: error: S3 cannot express lifecycle rule 'early'")
