"""``omefs auth check``: which credentials a URL uses, who they are, whether they work.

Most tests call the CLI's entry point in-process (``omefs.cli.main.run``);
one runs the installed console script to prove the wiring.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from omefs.cli.main import run
from tests.cli.test_cli_basic import cli_env, run_cli
from tests.servers import clear_fsspec_caches


def check(capsys, *argv: str) -> tuple[int, str, str]:
    code = run(["auth", "check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def line(out: str, key: str) -> str:
    """The value of the ``key:`` line of the text output."""
    for text in out.splitlines():
        if text.startswith(key + ":"):
            return text[len(key) + 1:].strip()
    raise AssertionError(f"no {key!r} line in:\n{out}")


def routes(tmp_path: Path, monkeypatch, text: str) -> Path:
    path = tmp_path / "omefs.yaml"
    path.write_text(textwrap.dedent(text))
    monkeypatch.setenv("OMEFS_CONFIG", str(path))
    clear_fsspec_caches()
    return path


@pytest.fixture
def moto_routes(s3_auth_env, tmp_path, monkeypatch):
    """A routing file for the IAM-enforcing moto: a good profile, a bad one, a fallback chain."""
    import boto3

    server = s3_auth_env
    boto3.client("s3", **server.boto3_kwargs()).create_bucket(Bucket="checked")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.endpoint)
    path = routes(tmp_path, monkeypatch, f"""
        profiles:
          good:
            provider: aws
            auth_type: access_key
            settings: {{access_key_id: {server.access_key_id}, secret_access_key: "{server.secret_access_key}",
                        endpoint_url: "{server.endpoint}"}}
          bad:
            provider: aws
            auth_type: access_key
            settings: {{access_key_id: {server.access_key_id}, secret_access_key: "not-the-right-secret-1",
                        endpoint_url: "{server.endpoint}"}}
          chain:
            provider: aws
            auth_type: web_identity
            settings: {{role_arn: "arn:aws:iam::123456789012:role/x", token_file: /nonexistent/token}}
            fallback: good
        routes:
          "s3://checked/": good
          "s3://checked/bad/": bad
          "s3://checked/chain/": chain
    """)
    return server, path


def test_routed_url_ok_with_identity(moto_routes, capsys):
    server, path = moto_routes
    code, out, err = check(capsys, "s3://checked/data/x.csv")
    assert code == 0, out + err
    assert line(out, "profile") == f"good (route 's3://checked/' in {path})"
    assert line(out, "auth type") == "aws/access_key"
    assert "arn=arn:aws:iam::123456789012:user/omefs-test" in line(out, "identity")
    assert line(out, "check").startswith(
        "ok: info checked/data/x.csv: not found (the credentials were accepted)")
    assert server.secret_access_key not in out + err
    assert server.access_key_id not in out  # masked: AKIA…1234


def test_json_output(moto_routes, capsys):
    server, _ = moto_routes
    server_client = __import__("boto3").client("s3", **server.boto3_kwargs())
    server_client.put_object(Bucket="checked", Key="obj.bin", Body=b"12345")
    code, out, _ = check(capsys, "--json", "s3://checked/obj.bin")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] and doc["source"] == "route" and doc["profile"] == "good"
    assert doc["route"] == "s3://checked/" and doc["auth_type"] == "access_key"
    assert doc["identity"]["account"] == "123456789012"
    assert doc["call"]["ok"] and doc["call"]["result"] == "file exists, 5 bytes"


def test_refused_credentials_exit_1_without_the_secret(moto_routes, capsys):
    code, out, err = check(capsys, "s3://checked/bad/thing")
    assert code == 1
    assert line(out, "profile").startswith("bad ")
    assert line(out, "check").startswith("FAILED: info checked/bad/thing: refused")
    assert "SignatureDoesNotMatch" in line(out, "check")
    assert "not-the-right-secret-1" not in out + err


def test_fallback_link_that_won_is_named(moto_routes, capsys):
    code, out, _ = check(capsys, "s3://checked/chain/x")
    assert code == 0
    assert line(out, "auth type") == "aws/access_key (link 2 of 2: aws/web_identity -> aws/access_key)"


def test_unresolvable_credentials_list_every_link(tmp_path, monkeypatch, capsys):
    routes(tmp_path, monkeypatch, """
        profiles:
          broken:
            provider: aws
            auth_type: web_identity
            settings: {role_arn: "arn:aws:iam::1:role/x", token_file: /nonexistent/token}
            fallback: {provider: aws, auth_type: access_key}
        routes: {"s3://nowhere/": broken}
    """)
    code, out, _ = check(capsys, "--json", "s3://nowhere/x")
    doc = json.loads(out)
    assert code == 1 and not doc["ok"] and not doc["resolve"]["ok"]
    assert doc["resolve"]["failures"][0].startswith("1. aws/web_identity: ")
    assert doc["resolve"]["failures"][1].startswith("2. aws/access_key: ")
    code, out, _ = check(capsys, "s3://nowhere/x")
    assert code == 1 and line(out, "credentials").startswith("NOT RESOLVED")


def test_auth_flag_without_url_uses_the_identity_call(moto_routes, capsys):
    code, out, _ = check(capsys, "--auth", "good")
    assert code == 0
    assert line(out, "profile").startswith("good (--auth") and "sts:GetCallerIdentity" in out
    code, out, _ = check(capsys, "--auth", "bad")
    assert code == 1 and line(out, "check").startswith("FAILED: sts:GetCallerIdentity")


def test_default_chain_when_no_route(s3_env, monkeypatch, tmp_path, capsys):
    routes(tmp_path, monkeypatch, "profiles: {}\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEFAULTCHAIN0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "default-chain-secret-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_env.endpoint)  # botocore's own: the S3 client and STS
    import boto3

    boto3.client("s3", **s3_env.boto3_kwargs()).create_bucket(Bucket="anything")  # a missing one fails
    code, out, err = check(capsys, "s3://anything/x")
    assert code == 0, out + err
    assert line(out, "profile") == "(none: no route matches; the SDK's default chain)"
    assert "aws/default" in out and "credential_source=env" in out
    assert "default-chain-secret-1" not in out + err


def test_gcs_and_azure_routes(gcs_env, azure_env, tmp_path, monkeypatch, capsys):
    routes(tmp_path, monkeypatch, f"""
        profiles:
          emu: {{provider: gcp, auth_type: anonymous, settings: {{project: p, endpoint_url: "{gcs_env.endpoint}"}}}}
          az: {{provider: azure, auth_type: connection_string, settings: {{connection_string: "{azure_env.connection_string}"}}}}
        routes:
          "gs://g-bucket/": emu
          "azure://boxes/": az
    """)
    azure_env.blob_service_client().create_container("boxes")
    # The route "gs://g-bucket/" also covers the bucket itself: the check's bucket-level
    # call stays on the emulator (it used to fall through to storage.googleapis.com).
    code, out, _ = check(capsys, "--json", "gs://g-bucket/x")
    assert code == 1 and json.loads(out)["call"]["result"] == "bucket not found"
    import gcsfs

    gcsfs.GCSFileSystem(**gcs_env.storage_options(), skip_instance_cache=True).mkdir("g-bucket")
    code, out, _ = check(capsys, "gs://g-bucket/x")
    assert code == 0 and "gcp/anonymous" in out
    code, out, err = check(capsys, "--json", "azure://boxes/")
    doc = json.loads(out)
    assert code == 0 and doc["identity"]["account_name"] == "devstoreaccount1"
    assert doc["call"]["result"] == "directory exists"
    assert azure_env.account_key not in out + err


def test_usage_and_config_errors_exit_2(tmp_path, monkeypatch, capsys):
    code, _, err = check(capsys)
    assert code == 2 and "give a URL, or --auth" in err
    code, _, err = check(capsys, "ftp://host/x")
    assert code == 2 and "not a URL of a store omefs knows" in err
    path = routes(tmp_path, monkeypatch, "profiles: {p: {provider: aws}}\nroutes: {'s3://b/': ghost}\n")
    code, _, err = check(capsys, "s3://b/x")
    assert code == 2 and str(path) in err and "ghost" in err


def test_console_script(s3_env, tmp_path):
    import boto3

    boto3.client("s3", **s3_env.boto3_kwargs()).create_bucket(Bucket="open")
    cfg = tmp_path / "omefs.yaml"
    cfg.write_text(f'profiles: {{anon: {{provider: aws, auth_type: anonymous, settings: '
                   f'{{endpoint_url: "{s3_env.endpoint}"}}}}}}\nroutes: {{"s3://open/": anon}}\n')
    proc = run_cli("auth", "check", "--json", "s3://open/x", env=cli_env(OMEFS_CONFIG=str(cfg)))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["profile"] == "anon" and doc["auth_type"] == "anonymous" and doc["call"]["ok"]
    proc = run_cli("auth", "--help")
    assert proc.returncode == 0 and "check" in proc.stdout
