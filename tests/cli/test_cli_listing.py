"""``omefs ls``, ``stat``, ``cat`` and ``rm`` against moto, the GCS emulator and Azurite."""

from __future__ import annotations

import json

import fsspec
import pytest

from tests.cli.test_cli_basic import cli_env, run_cli, run_cli_bytes

PAYLOAD = bytes(range(256)) * 40  # 10240 bytes, every byte value


def _s3(server):
    return fsspec.filesystem("s3", skip_instance_cache=True, **server.storage_options())


def _s3_env(server, **extra):
    return cli_env(AWS_ACCESS_KEY_ID=server.access_key_id,
                   AWS_SECRET_ACCESS_KEY=server.secret_access_key, **extra)


def _fill(fs, bucket):
    fs.mkdir(bucket)
    fs.pipe({
        f"{bucket}/top.txt": b"hello\n",
        f"{bucket}/data/a.bin": PAYLOAD,
        f"{bucket}/data/sub/b.tmp": b"tmp",
        f"{bucket}/data/sub/c.bin": b"c" * 3000,
    })


def _error_line(proc):
    assert "Traceback" not in proc.stderr, proc.stderr
    line = proc.stderr.strip().splitlines()[0]
    assert line.startswith("omefs: error: "), proc.stderr
    return line


def test_s3_ls_stat_cat_rm(s3_env):
    _fill(_s3(s3_env), "clibkt")
    env = _s3_env(s3_env)
    ep = ["--endpoint-url", s3_env.endpoint]

    proc = run_cli("ls", *ep, "s3://clibkt/", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["DIR", "data/", "6", "top.txt"]

    proc = run_cli("ls", "-R", "--json", *ep, "s3://clibkt/data", env=env)
    entries = json.loads(proc.stdout)
    assert [(e["name"], e["size"]) for e in entries] == [
        ("a.bin", 10240), ("sub/b.tmp", 3), ("sub/c.bin", 3000)]
    assert entries[0]["url"] == "s3://clibkt/data/a.bin"
    assert entries[0]["modified"].endswith("Z")

    proc = run_cli("ls", "-R", "-l", "-H", "--exclude", "*.tmp", *ep, "s3://clibkt/data/", env=env)
    assert "b.tmp" not in proc.stdout
    assert "10.000 KiB" in proc.stdout and "sub/c.bin" in proc.stdout

    proc = run_cli("ls", *ep, "s3://", env=env)
    assert "clibkt/" in proc.stdout

    proc = run_cli("stat", "--json", *ep, "s3://clibkt/data/a.bin", env=env)
    info = json.loads(proc.stdout)
    assert info["size"] == 10240 and info["type"] == "file"
    assert "ETag" in info["info"]
    proc = run_cli("stat", *ep, "s3://clibkt/data/a.bin", env=env)
    assert "size:" in proc.stdout and "10240" in proc.stdout

    assert run_cli_bytes("cat", *ep, "s3://clibkt/data/a.bin", env=env).stdout == PAYLOAD
    assert run_cli_bytes("cat", "--offset", "256", "--count", "10", *ep, "s3://clibkt/data/a.bin",
                         env=env).stdout == bytes(range(10))
    assert run_cli_bytes("cat", "--head", "3", *ep, "s3://clibkt/top.txt", "s3://clibkt/top.txt",
                         env=env).stdout == b"helhel"

    proc = run_cli("ls", *ep, "s3://clibkt/nothing-here", env=env)
    assert proc.returncode == 1
    _error_line(proc)
    proc = run_cli("cat", *ep, "s3://clibkt/missing.txt", env=env)
    assert proc.returncode == 1
    assert "missing.txt" in _error_line(proc)

    proc = run_cli("rm", *ep, "s3://clibkt/data", env=env)
    assert proc.returncode == 2
    assert "use 'omefs rm -r'" in _error_line(proc)

    proc = run_cli("rm", "-r", "--exclude", "*.tmp", "--json", *ep, "s3://clibkt/data/", env=env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert sorted(report["deleted"]) == ["s3://clibkt/data/a.bin", "s3://clibkt/data/sub/c.bin"]
    proc = run_cli("rm", "-v", *ep, "s3://clibkt/top.txt", env=env)
    assert proc.returncode == 0
    assert "deleted: s3://clibkt/top.txt" in proc.stdout
    assert sorted(_s3(s3_env).find("clibkt")) == ["clibkt/data/sub/b.tmp"]


def test_s3_through_a_routing_profile(s3_env, tmp_path):
    _fill(_s3(s3_env), "routed")
    config = tmp_path / "omefs.yaml"
    config.write_text(
        "profiles:\n"
        f"  moto: {{provider: aws, auth_type: access_key, settings: {{access_key_id: {s3_env.access_key_id},"
        f" secret_access_key: {s3_env.secret_access_key}, endpoint_url: '{s3_env.endpoint}'}}}}\n"
        "routes:\n"
        "  's3://routed/': moto\n"
    )
    env = cli_env(OMEFS_CONFIG=str(config))
    proc = run_cli("ls", "-R", "s3://routed/", env=env)  # the route supplies auth and endpoint
    assert proc.returncode == 0, proc.stderr
    assert "data/sub/c.bin" in proc.stdout
    proc = run_cli("ls", "--auth", "moto", "s3://", env=env)  # a profile named explicitly
    assert proc.returncode == 0, proc.stderr
    assert "routed/" in proc.stdout


def test_gcs_with_an_auth_file_and_options(gcs_env, tmp_path):
    opts = gcs_env.storage_options()
    _fill(fsspec.filesystem("gs", skip_instance_cache=True, **opts), "cligcs")
    auth = tmp_path / "gcp.yaml"
    auth.write_text("provider: gcp\nauth_type: anonymous\n")
    flags = ["--auth", str(auth), "--endpoint-url", gcs_env.endpoint, "-o", f"project={opts['project']}"]

    proc = run_cli("ls", "-R", "--json", *flags, "gs://cligcs/data/")
    assert proc.returncode == 0, proc.stderr
    assert [e["name"] for e in json.loads(proc.stdout)] == ["a.bin", "sub/b.tmp", "sub/c.bin"]
    assert run_cli_bytes("cat", *flags, "gs://cligcs/data/a.bin").stdout == PAYLOAD
    proc = run_cli("stat", "--json", *flags, "gs://cligcs/top.txt")
    assert json.loads(proc.stdout)["size"] == 6
    proc = run_cli("rm", "-r", *flags, "gs://cligcs/data/sub/")
    assert proc.returncode == 0, proc.stderr
    assert "2 object(s)" in proc.stdout
    proc = run_cli("ls", "-R", *flags, "gs://cligcs/")
    assert proc.stdout.split() == ["10240", "data/a.bin", "6", "top.txt"]


@pytest.fixture
def azure_auth(azure_env, tmp_path):
    path = tmp_path / "azure.json"
    path.write_text(json.dumps({"provider": "azure", "auth_type": "connection_string",
                                "settings": {"connection_string": azure_env.connection_string}}))
    return path


def test_azure_with_a_connection_string_auth_file(azure_env, azure_auth):
    _fill(fsspec.filesystem("az", skip_instance_cache=True, **azure_env.storage_options()), "cliaz")
    flags = ["--auth", str(azure_auth)]
    proc = run_cli("ls", *flags, "az://cliaz/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["DIR", "data/", "6", "top.txt"]
    proc = run_cli("ls", "-R", "--json", *flags, "azure://cliaz/data/")  # OME's form
    assert proc.returncode == 0, proc.stderr
    entries = json.loads(proc.stdout)
    assert [e["url"] for e in entries][0] == "azure://cliaz/data/a.bin"
    assert run_cli_bytes("cat", "--tail", "4", *flags, "az://cliaz/data/a.bin").stdout == bytes([252, 253, 254, 255])
    proc = run_cli("stat", "--json", *flags, "az://cliaz/data/sub/c.bin")
    assert json.loads(proc.stdout)["size"] == 3000
    proc = run_cli("rm", "-r", "--dry-run", *flags, "az://cliaz/data/")
    assert proc.returncode == 0
    assert proc.stdout.count("would delete") == 3
    proc = run_cli("rm", "-r", "-q", *flags, "az://cliaz/data/")
    assert proc.returncode == 0 and proc.stdout == ""
    assert run_cli("ls", "-R", *flags, "az://cliaz/").stdout.split() == ["6", "top.txt"]


def test_azure_secrets_never_printed(azure_env, tmp_path):
    wrong_key = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleQ=="
    conn = azure_env.connection_string.replace(azure_env.account_key, wrong_key)
    auth = tmp_path / "bad.yaml"
    auth.write_text(f"provider: azure\nauth_type: connection_string\nsettings:\n  connection_string: '{conn}'\n")
    for args in (["ls", "az://nocontainer/"], ["--debug", "ls", "az://nocontainer/"],
                 ["cat", "az://nocontainer/x"], ["ls", "-o", f"account_key={wrong_key}", "az://c/"]):
        proc = run_cli(*args, "--auth", str(auth))
        assert proc.returncode != 0, args
        assert wrong_key not in proc.stdout + proc.stderr, args
        assert azure_env.account_key not in proc.stdout + proc.stderr, args
        if "--debug" not in args:
            _error_line(proc)
