"""The command line against rclone habits, on moto (S3): what is skipped, mkdir, ``-``,
dry-run sizes, ``auth show``/``auth check`` with a profile's endpoint, scheme spelling.

Most tests call the CLI's entry point in-process (``omefs.cli.main.run``);
the standard-input test runs the console script.
"""

from __future__ import annotations

import json
import os
import textwrap

import fsspec
import pytest

from omefs.cli.main import run
from tests.cli.test_cli_basic import cli_env, run_cli, run_cli_bytes
from tests.servers import clear_fsspec_caches


@pytest.fixture
def s3(s3_env, monkeypatch):
    """moto's S3 with the key pair in the environment, as a user has it; buckets src and dst."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_env.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_env.secret_access_key)
    clear_fsspec_caches()
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    fs.mkdir("src")
    fs.mkdir("dst")
    return fs


def omefs(capsys, *argv: str) -> tuple[int, str, str]:
    clear_fsspec_caches()
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def counts(out: str) -> tuple[int, int]:
    report = json.loads(out)["counts"]
    return report["copied"], report["skipped"]


def test_cp_r_rerun_skips_identical_objects(s3, s3_env, capsys):
    s3.pipe({f"src/d/{i}.bin": bytes([i]) * 100 for i in range(3)})
    ep = ["--endpoint-url", s3_env.endpoint, "--json"]
    assert counts(omefs(capsys, "cp", "-r", *ep, "s3://src/d/", "s3://dst/d/")[1]) == (3, 0)
    assert counts(omefs(capsys, "cp", "-r", *ep, "s3://src/d/", "s3://dst/d/")[1]) == (0, 3)
    s3.pipe("src/d/0.bin", b"changed")  # another size: copied again
    assert counts(omefs(capsys, "cp", "-r", *ep, "s3://src/d/", "s3://dst/d/")[1]) == (1, 2)
    assert counts(omefs(capsys, "cp", "-r", "-I", *ep, "s3://src/d/", "s3://dst/d/")[1]) == (3, 0)


def test_checksum_and_size_only_decide_a_same_size_change(s3, s3_env, capsys):
    s3.pipe("src/s/a.bin", b"a" * 64)
    ep = ["--endpoint-url", s3_env.endpoint, "--json"]
    assert counts(omefs(capsys, "cp", "-r", *ep, "s3://src/s/", "s3://dst/s/")[1]) == (1, 0)
    s3.pipe("src/s/a.bin", b"b" * 64)  # same size, other bytes
    assert counts(omefs(capsys, "cp", "-r", "--size-only", *ep, "s3://src/s/", "s3://dst/s/")[1]) == (0, 1)
    assert s3.cat("dst/s/a.bin") == b"a" * 64
    assert counts(omefs(capsys, "cp", "-r", "--checksum", *ep, "s3://src/s/", "s3://dst/s/")[1]) == (1, 0)
    assert s3.cat("dst/s/a.bin") == b"b" * 64


def test_ignore_existing_skips_what_exists_even_if_it_differs(s3, s3_env, capsys):
    s3.pipe({"src/i/a.bin": b"new content", "src/i/b.bin": b"b"})
    s3.pipe("dst/i/a.bin", b"old")
    code, out, err = omefs(capsys, "cp", "-r", "--ignore-existing", "--json", "--endpoint-url", s3_env.endpoint,
                           "s3://src/i/", "s3://dst/i/")
    assert code == 0, err
    assert counts(out) == (1, 1)
    assert s3.cat("dst/i/a.bin") == b"old"  # rclone's --ignore-existing: never overwritten
    assert s3.cat("dst/i/b.bin") == b"b"


def test_cp_r_folder_onto_an_object_is_a_clear_error(s3, s3_env, capsys):
    s3.pipe({"src/f/a.bin": b"a", "dst/taken": b"an object"})
    code, out, err = omefs(capsys, "cp", "-r", "--endpoint-url", s3_env.endpoint, "s3://src/f/", "s3://dst/taken")
    assert code == 2, out + err
    assert "s3://dst/taken: it is an object, not a folder" in err
    assert s3.cat("dst/taken") == b"an object"


def test_mkdir_and_mb_make_a_bucket(s3, s3_env, capsys):
    ep = ["--endpoint-url", s3_env.endpoint]
    code, out, err = omefs(capsys, "mkdir", *ep, "s3://made-by-mkdir")
    assert (code, out) == (0, "made: s3://made-by-mkdir\n"), err
    code, out, err = omefs(capsys, "mb", *ep, "s3://made-by-mb")
    assert code == 0, err
    assert {"made-by-mkdir", "made-by-mb"} <= set(s3.ls("", refresh=True))
    assert omefs(capsys, "mkdir", *ep, "s3://made-by-mb")[1] == "exists: s3://made-by-mb\n"


def test_cp_dash_reads_stdin_and_writes_stdout(s3, s3_env):
    env = cli_env(AWS_ACCESS_KEY_ID=s3_env.access_key_id, AWS_SECRET_ACCESS_KEY=s3_env.secret_access_key)
    data = os.urandom(100_000)
    proc = run_cli("cp", "--endpoint-url", s3_env.endpoint, "-", "s3://dst/from-stdin.bin",
                   env=env, input=data.hex().encode())
    assert proc.returncode == 0, proc.stderr
    assert s3.cat("dst/from-stdin.bin") == data.hex().encode()
    proc = run_cli_bytes("cp", "--endpoint-url", s3_env.endpoint, "s3://dst/from-stdin.bin", "-", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == data.hex().encode()


def test_rm_dry_run_shows_real_sizes(s3, s3_env, capsys):
    s3.pipe({"src/r/a.bin": b"a" * 1500, "src/r/b.bin": b"b" * 10})
    code, out, err = omefs(capsys, "rm", "-r", "-n", "--endpoint-url", s3_env.endpoint, "s3://src/r/")
    assert code == 0, err
    assert "would delete: s3://src/r/a.bin (1.465 KiB)" in out
    assert "would delete: s3://src/r/b.bin (10 B)" in out
    assert "2 object(s), 1.475 KiB" in out
    assert s3.exists("src/r/a.bin")


def test_upper_case_scheme_is_accepted_and_one_slash_is_refused(s3, s3_env, capsys):
    s3.pipe("src/u.txt", b"upper")
    code, out, err = omefs(capsys, "ls", "--endpoint-url", s3_env.endpoint, "S3://src/")
    assert code == 0, err
    assert "u.txt" in out
    code, out, err = omefs(capsys, "cat", "--endpoint-url", s3_env.endpoint, "s3:/src/u.txt")
    assert code == 2
    assert "expected 's3://' at the start" in err
    assert not os.path.exists("s3:")


def _route_all_s3(s3_env, tmp_path, monkeypatch, region: str | None = None) -> None:
    """OMEFS_CONFIG: a routing file whose one profile carries moto's endpoint and keys (and
    ``region``), routing every s3:// URL."""
    path = tmp_path / "omefs.yaml"
    region_line = f"region: {region}" if region else ""
    path.write_text(textwrap.dedent(f"""
        profiles:
          local:
            provider: aws
            auth_type: access_key
            {region_line}
            settings: {{access_key_id: {s3_env.access_key_id}, secret_access_key: "{s3_env.secret_access_key}",
                        endpoint_url: "{s3_env.endpoint}"}}
        routes:
          "s3://": local
    """))
    monkeypatch.setenv("OMEFS_CONFIG", str(path))


@pytest.fixture
def profile(s3_env, tmp_path, monkeypatch):
    """A routing file whose profile carries moto's endpoint and keys (none in the environment)."""
    _route_all_s3(s3_env, tmp_path, monkeypatch)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"):
        monkeypatch.delenv(name, raising=False)
    return s3_env


def test_auth_show_prints_the_resolved_config_redacted(profile, capsys):
    code, out, err = omefs(capsys, "auth", "show", "s3://any-bucket/key")
    assert code == 0, err
    assert "profile: local (route 's3://'" in out
    assert f"endpoint_url: {profile.endpoint}" in out
    # (other tests of the process may have registered secrets that mask parts of key names)
    assert [line for line in out.splitlines() if line.startswith("  secret") and line.endswith(": ***")]
    assert profile.secret_access_key not in out + err
    code, out, err = omefs(capsys, "auth", "show", "--json", "--auth", "local")
    assert json.loads(out)["storage_options"]["endpoint_url"] == profile.endpoint


def test_auth_check_uses_the_profiles_endpoint_and_checks_the_bucket(profile, s3, capsys):
    code, out, err = omefs(capsys, "auth", "check", "--json", "--auth", "local")
    result = json.loads(out)
    assert code == 0, out + err
    # at the profile's endpoint, not AWS's STS
    assert result["call"]["operation"] == f"s3:ListBuckets at {profile.endpoint}"
    code, out, err = omefs(capsys, "auth", "check", "--json", "s3://src/absent-object")
    assert code == 0, out + err  # the bucket is there: an absent object proves the credentials
    code, out, err = omefs(capsys, "auth", "check", "--json", "s3://no-such-bucket/x")
    result = json.loads(out)
    assert code == 1, out + err
    assert result["call"]["result"] == "bucket not found"
    assert "no-such-bucket" in result["call"]["error"]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-2"])
def test_mkdir_with_a_profiles_region_and_endpoint(region, s3_env, tmp_path, monkeypatch, capsys):
    """us-east-1 takes no LocationConstraint (S3 and moto refuse one); any other region needs it."""
    _route_all_s3(s3_env, tmp_path, monkeypatch, region)
    code, out, err = omefs(capsys, "mkdir", f"s3://made-in-{region}")
    assert (code, out) == (0, f"made: s3://made-in-{region}\n"), err
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    location = fs.call_s3("get_bucket_location", Bucket=f"made-in-{region}")["LocationConstraint"]
    assert location == (None if region == "us-east-1" else region)
