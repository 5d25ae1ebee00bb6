"""``--encryption``, ``--kms-key-id``, ``--customer-key(-file)`` and ``--src-customer-key(-file)``.

Server: moto behind the SSE-C check (:mod:`tests.servers.sse_c_proxy`), reached with
``--endpoint-url``; SSE-KMS is moto's own.
"""

from __future__ import annotations

import base64
import json
import os

import pytest

from tests.cli.test_cli_basic import cli_env, run_cli
from tests.servers.encryption_fixtures import *  # noqa: F401,F403

KMS = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777"


@pytest.fixture
def canary():
    """A customer key planted in every command below, and each text form it could show in."""
    key = os.urandom(32)
    return key, (base64.b64encode(key).decode(), key.hex(), base64.urlsafe_b64encode(key).decode())


@pytest.fixture
def cli(enc_s3, tmp_path, canary):
    import omefs

    omefs.filesystem("s3", **enc_s3).mkdir("enc")
    endpoint = enc_s3["client_kwargs"]["endpoint_url"]
    env = cli_env(AWS_ACCESS_KEY_ID=enc_s3["key"], AWS_SECRET_ACCESS_KEY=enc_s3["secret"])
    key_file = tmp_path / "customer.key"
    key_file.write_bytes(canary[0])
    outputs: list[str] = []

    def run(*args: str, ok: bool = True):
        proc = run_cli(*args, "--endpoint-url", endpoint, env=env)
        outputs.extend((proc.stdout, proc.stderr))
        assert (proc.returncode == 0) == ok, proc.stderr
        return proc

    yield run, str(key_file)
    for text in outputs:  # the canary: no output ever shows the key
        for form in canary[1]:
            assert form not in text


def test_encryption_flags_and_the_canary_key(cli, tmp_path, canary):
    run, key_file = cli
    local = tmp_path / "w.bin"
    local.write_bytes(b"weights" * 1000)
    insecure = "--allow-insecure-customer-key"
    run("cp", "--json", "--debug", str(local), "s3://enc/w.bin", "--customer-key-file", key_file,
        insecure)
    stat = run("stat", "--json", "s3://enc/w.bin", "--customer-key-file", key_file, insecure)
    assert json.loads(stat.stdout)["encryption"] == {"mode": "customer", "key_id": None}
    # the key given on the command line works too, and is not echoed
    run("stat", "--debug", "s3://enc/w.bin", "--customer-key", canary[1][0], insecure)

    refused = run("cat", "s3://enc/w.bin", ok=False)
    assert "customer-provided key" in refused.stderr and "--src-customer-key" in refused.stderr
    run("cp", "--json", "--debug", "s3://enc/w.bin", str(tmp_path / "back.bin"),
        "--src-customer-key-file", key_file, insecure)
    assert (tmp_path / "back.bin").read_bytes() == local.read_bytes()

    wrong = run("stat", "--json", "s3://enc/w.bin", "--customer-key",
                base64.b64encode(canary[0][:20]).decode(), insecure, ok=False)
    assert "32 bytes" in wrong.stderr


    run("cp", str(local), "s3://enc/k.bin", "--encryption", "kms", "--kms-key-id", KMS)
    stat = run("stat", "--json", "s3://enc/k.bin")
    assert json.loads(stat.stdout)["encryption"] == {"mode": "kms", "key_id": KMS}
