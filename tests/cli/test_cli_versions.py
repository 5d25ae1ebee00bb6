"""``omefs versioning``, ``omefs ls --versions`` and ``omefs restore-version`` against moto
(S3 keeps versions itself) and the GCS emulator (with tests/servers/gcs_generations.py)."""

from __future__ import annotations

import json

import fsspec

from tests.cli.test_cli_basic import cli_env, run_cli


def _error_line(proc):
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr.strip().splitlines()[0]


def test_s3_versioning_list_and_restore(s3_env):
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    fs.mkdir("clivers")
    env = cli_env(AWS_ACCESS_KEY_ID=s3_env.access_key_id,
                  AWS_SECRET_ACCESS_KEY=s3_env.secret_access_key)
    ep = ["--endpoint-url", s3_env.endpoint]

    proc = run_cli("versioning", *ep, "s3://clivers", env=env)
    assert (proc.returncode, proc.stdout) == (0, "disabled\n"), proc.stderr
    fs.pipe("clivers/m.bin", b"old")
    line = _error_line(run_cli("ls", "--versions", *ep, "s3://clivers/m.bin", env=env))
    assert "no versioning" in line and "omefs versioning URL on" in line

    proc = run_cli("versioning", "--json", *ep, "s3://clivers", "on", env=env)
    assert json.loads(proc.stdout) == {"url": "s3://clivers", "versioning": "enabled"}
    fs.pipe("clivers/m.bin", b"first")
    fs.pipe("clivers/m.bin", b"second!")

    proc = run_cli("ls", "--versions", "--json", *ep, "s3://clivers/m.bin", env=env)
    listed = json.loads(proc.stdout)
    assert [(v["size"], v["is_latest"]) for v in listed] == [(7, True), (5, False), (3, False)]
    proc = run_cli("ls", "--versions", *ep, "s3://clivers/", env=env)
    rows = [line.split() for line in proc.stdout.splitlines()]
    assert [r[0] for r in rows] == ["7", "5", "3"] and rows[0][3] == "*"
    assert [r[4] if r[3] == "*" else r[3] for r in rows] == [v["version_id"] for v in listed]

    proc = run_cli("restore-version", *ep, "s3://clivers/m.bin", listed[1]["version_id"], env=env)
    assert proc.returncode == 0 and "live version is now" in proc.stdout, proc.stderr
    assert fs.cat("clivers/m.bin") == b"first"
    assert "not found" in _error_line(run_cli("restore-version", *ep, "s3://clivers/m.bin",
                                              "no-such-version", env=env))


def test_a_bad_switch_is_a_usage_error(capsys):
    from omefs.cli.main import run

    assert run(["versioning", "s3://clivers", "maybe"]) != 0
    assert "'on' or 'off'" in capsys.readouterr().err


def test_gcs_ls_versions(gcs_env):
    fs = fsspec.filesystem("gs", skip_instance_cache=True, **gcs_env.storage_options())
    fs.mkdir("cligen")
    env = cli_env(STORAGE_EMULATOR_HOST=gcs_env.endpoint)
    proc = run_cli("versioning", "-o", "token=anon", "gs://cligen", "on", env=env)
    assert proc.stdout == "enabled\n", proc.stderr
    fs.pipe("cligen/a.txt", b"1")
    fs.pipe("cligen/a.txt", b"22")
    proc = run_cli("ls", "--versions", "--json", "-o", "token=anon", "gs://cligen/a.txt", env=env)
    listed = json.loads(proc.stdout)
    assert [v["size"] for v in listed] == [2, 1], proc.stderr
    assert listed[1]["url"] == f"gs://cligen/a.txt?version={listed[1]['version_id']}"
