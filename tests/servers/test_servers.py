"""Smoke tests of the local servers the other tests run on."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import (
    Azurite,
    GCSEmulator,
    ManagedServer,
    ServerNotInstalled,
    ServerProcess,
    ServerStartError,
    free_port,
    running_servers,
)
from tests.servers._process import http_probe

REPO = Path(__file__).resolve().parents[2]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_s3_round_trip_and_reset(s3_env):
    import s3fs

    opts = s3_env.storage_options()
    assert opts == {"key": "testing", "secret": "testing",
                    "client_kwargs": {"endpoint_url": s3_env.endpoint}}
    assert s3_env.endpoint.startswith("http://127.0.0.1:")
    fs = s3fs.S3FileSystem(skip_instance_cache=True, **opts)
    fs.mkdir("smoke-bucket")
    fs.pipe("smoke-bucket/dir/a.txt", b"hello s3")
    assert fs.cat("smoke-bucket/dir/a.txt") == b"hello s3"
    s3_env.reset()
    fs.invalidate_cache()
    assert not fs.exists("smoke-bucket")


def test_gcs_round_trip_and_reset(gcs_env):
    import gcsfs.core

    opts = gcs_env.storage_options()
    assert opts == {"token": "anon", "project": "test", "endpoint_url": gcs_env.endpoint}
    fs = gcsfs.core.GCSFileSystem(skip_instance_cache=True, **opts)
    fs.mkdir("smoke-bucket")
    fs.pipe("smoke-bucket/dir/a.txt", b"hello gcs")
    assert fs.cat("smoke-bucket/dir/a.txt") == b"hello gcs"
    assert fs.cat_file("smoke-bucket/dir/a.txt", start=-3) == b"gcs"  # suffix range
    assert fs.cat_file("smoke-bucket/dir/a.txt", start=2, end=5) == b"llo"
    gcs_env.reset()
    fs.invalidate_cache()
    assert fs.ls("") == []


def test_gcs_emulator_moves_objects_as_gcs_does(gcs_env):
    """``moveTo`` (gcs_move.py): a rename, 404 for a missing source, 412 when a precondition fails."""
    import gcsfs.core
    import requests

    fs = gcsfs.core.GCSFileSystem(skip_instance_cache=True, **gcs_env.storage_options())
    fs.mkdir("moves")
    fs.pipe({"moves/a.txt": b"moved bytes", "moves/taken.txt": b"here"})
    base = f"{gcs_env.endpoint}/storage/v1/b/moves/o"
    answer = requests.post(f"{base}/a.txt/moveTo/o/dir%2Fb.txt", timeout=10)
    assert answer.status_code == 200 and answer.json()["name"] == "dir/b.txt"
    fs.invalidate_cache()
    assert fs.cat("moves/dir/b.txt") == b"moved bytes" and not fs.exists("moves/a.txt")
    assert requests.post(f"{base}/a.txt/moveTo/o/c.txt", timeout=10).status_code == 404
    refused = requests.post(f"{base}/dir%2Fb.txt/moveTo/o/taken.txt?ifGenerationMatch=0", timeout=10)
    assert refused.status_code == 412
    fs.invalidate_cache()
    assert fs.cat("moves/taken.txt") == b"here" and fs.exists("moves/dir/b.txt")
    start = time.monotonic()
    fs.mv("moves/dir/b.txt", "moves/final.txt")  # gcsfs takes moveTo: no 501, no back-off
    assert time.monotonic() - start < 5 and fs.cat("moves/final.txt") == b"moved bytes"


def test_gcs_many_concurrent_requests_are_fast(gcs_env):
    """The emulator's default listen backlog (5) made this take minutes."""
    import gcsfs.core

    fs = gcsfs.core.GCSFileSystem(skip_instance_cache=True, **gcs_env.storage_options())
    fs.mkdir("many")
    start = time.monotonic()
    fs.pipe({f"many/{i}": b"x" for i in range(100)})
    assert len(fs.cat([f"many/{i}" for i in range(100)])) == 100
    assert time.monotonic() - start < 10


def test_azure_round_trip_sas_and_reset(azure_env):
    import adlfs
    from azure.core.exceptions import HttpResponseError

    server = azure_env
    assert server.blob_endpoint == f"{server.endpoint}/devstoreaccount1"
    assert server.account_name == "devstoreaccount1"
    assert f"AccountKey={server.account_key};" in server.connection_string
    fs = adlfs.AzureBlobFileSystem(connection_string=server.connection_string,
                                   skip_instance_cache=True)
    fs.mkdir("smoke-container")
    fs.pipe("smoke-container/dir/a.txt", b"hello azure")
    assert fs.cat("smoke-container/dir/a.txt") == b"hello azure"

    ro = adlfs.AzureBlobFileSystem(
        connection_string=server.sas_connection_string(server.container_sas("smoke-container")),
        skip_instance_cache=True)
    assert ro.cat("smoke-container/dir/a.txt") == b"hello azure"
    with pytest.raises((HttpResponseError, PermissionError)):
        ro.pipe("smoke-container/nope.txt", b"x")
    rw = adlfs.AzureBlobFileSystem(
        connection_string=server.sas_connection_string(
            server.container_sas("smoke-container", write=True)),
        skip_instance_cache=True)
    rw.pipe("smoke-container/yes.txt", b"y")
    assert rw.cat("smoke-container/yes.txt") == b"y"

    server.blob_service_client().get_container_client("smoke-container").acquire_lease(-1)
    server.reset()
    fs.invalidate_cache()
    assert fs.ls("") == []


def test_moto_auth_refuses_wrong_secret(s3_auth_env):
    import boto3
    from botocore.exceptions import ClientError

    server = s3_auth_env
    assert server.access_key_id != "testing"
    good = boto3.client("s3", **server.boto3_kwargs())
    good.create_bucket(Bucket="auth-bucket")
    good.put_object(Bucket="auth-bucket", Key="k", Body=b"v")
    assert good.get_object(Bucket="auth-bucket", Key="k")["Body"].read() == b"v"
    bad = boto3.client("s3", **{**server.boto3_kwargs(), "aws_secret_access_key": "wrong"})
    with pytest.raises(ClientError) as info:
        bad.get_object(Bucket="auth-bucket", Key="k")
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    unknown = boto3.client("s3", **{**server.boto3_kwargs(), "aws_access_key_id": "testing",
                                    "aws_secret_access_key": "testing"})
    with pytest.raises(ClientError):
        unknown.list_buckets()
    sts = boto3.client("sts", **server.boto3_kwargs())
    assert sts.get_caller_identity()["Arn"].endswith(":user/omefs-test")

    key = (server.access_key_id, server.secret_access_key)
    server.reset()
    assert (server.access_key_id, server.secret_access_key) == key
    assert good.list_buckets()["Buckets"] == []
    with pytest.raises(ClientError):
        bad.list_buckets()


def test_broken_command_fails_fast_with_log():
    proc = ServerProcess("broken", [sys.executable, "-c",
                                    "import sys; print('kaboom: no such option', file=sys.stderr);"
                                    " sys.exit(3)"],
                         ready=lambda: False, timeout=30)
    start = time.monotonic()
    with pytest.raises(ServerStartError) as info:
        proc.start()
    assert time.monotonic() - start < 5
    assert "kaboom: no such option" in str(info.value)
    assert "exited with code 3" in str(info.value)
    assert not proc.running()


def test_never_ready_times_out_with_log_and_is_killed():
    proc = ServerProcess("sleepy", [sys.executable, "-u", "-c",
                                    "import time; print('starting up', flush=True); time.sleep(60)"],
                         ready=http_probe(f"http://127.0.0.1:{free_port()}/"), timeout=0.5)
    with pytest.raises(ServerStartError) as info:
        proc.start()
    assert "not ready after 0.5 s" in str(info.value)
    assert "starting up" in str(info.value)
    assert _gone(proc.pid)


def test_sigterm_ignored_is_killed():
    proc = ServerProcess("stubborn", [sys.executable, "-c",
                                      "import signal, time; signal.signal(signal.SIGTERM, "
                                      "signal.SIG_IGN); print('up', flush=True); time.sleep(60)"],
                         ready=lambda: "up" in proc.log())
    proc.start()
    start = time.monotonic()
    assert proc.stop(timeout=0.3) == -signal.SIGKILL
    assert time.monotonic() - start < 3
    assert _gone(proc.pid)


def test_port_taken_meanwhile_is_retried(monkeypatch):
    import tests.servers._process as process

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound, not listening: the server's bind fails
        ports = iter([taken.getsockname()[1]])
        real = process.free_port
        monkeypatch.setattr(process, "free_port", lambda host="127.0.0.1": next(ports, 0) or real(host))
        with GCSEmulator() as server:
            assert server.port != taken.getsockname()[1]
            assert server.probe()


def test_broken_server_class_fails_fast():
    class Broken(GCSEmulator):
        def command(self) -> list[str]:
            return [*super().command(), "--no-such-flag"]

    with pytest.raises(ServerStartError) as info:
        Broken().start()
    assert "--no-such-flag" in str(info.value)


def test_azurite_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("AZURITE_BLOB", str(REPO / "no" / "such" / "azurite-blob"))
    with pytest.raises(ServerNotInstalled) as info:
        Azurite()
    assert "npm install --prefix .node azurite@3.35.0" in str(info.value)


def test_running_servers_context_manager():
    with running_servers(["s3", "gcs"]) as servers:
        assert set(servers) == {"s3", "gcs"}
        pids = [s.pid for s in servers.values()]
        assert all(isinstance(s, ManagedServer) and s.running() for s in servers.values())
    assert all(_gone(pid) for pid in pids)


def test_cli_prints_json_and_stops_on_sigterm(tmp_path):
    env_file = tmp_path / "servers.json"
    cli = subprocess.Popen([sys.executable, "-m", "tests.servers", "gcs", "s3-auth",
                            "--env-file", str(env_file)],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = cli.stdout.readline()
        info = json.loads(line)
        assert set(info) == {"gcs", "s3-auth"}
        assert info["gcs"]["storage_options"]["endpoint_url"] == info["gcs"]["endpoint"]
        assert info["s3-auth"]["access_key_id"] != "testing"
        assert json.loads(env_file.read_text()) == info
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(timeout=15) == 0, cli.stderr.read()
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert not env_file.exists()
    port = int(info["gcs"]["endpoint"].rsplit(":", 1)[1])
    assert not http_probe(f"http://127.0.0.1:{port}/")()
