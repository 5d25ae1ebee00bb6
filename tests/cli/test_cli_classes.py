"""``omefs cp --storage-class``, ``omefs set-class``, ``omefs restore`` and the class in
``omefs stat`` / ``omefs ls -l``, against moto (S3) and Azurite (Azure)."""

from __future__ import annotations

import json

from tests.cli.test_cli_basic import cli_env, run_cli
from tests.cli.test_cli_plugin_provider import run_session


def _env(server):
    return cli_env(AWS_ACCESS_KEY_ID=server.access_key_id,
                   AWS_SECRET_ACCESS_KEY=server.secret_access_key)


def test_cp_set_class_restore_stat_and_ls(s3_env, tmp_path):
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "a.bin").write_bytes(b"a" * 100)
    (tmp_path / "up" / "b.bin").write_bytes(b"b" * 200)
    ep = ["--endpoint-url", s3_env.endpoint]
    base = "s3://clicls"
    s3_env_fs = __import__("fsspec").filesystem("s3", skip_instance_cache=True,
                                                **s3_env.storage_options())
    s3_env_fs.mkdir("clicls")
    cp, stat, set_one, set_all, ls_long, frozen, restore, stat_frozen = run_session(
        ["cp", "-r", "--storage-class", "cold", *ep, f"{tmp_path}/up/", f"{base}/d/"],
        ["stat", "--json", *ep, f"{base}/d/a.bin"],
        ["set-class", *ep, f"{base}/d/a.bin", "STANDARD_IA"],
        ["set-class", "-r", "--json", *ep, f"{base}/d/", "INFREQUENT"],
        ["ls", "-l", *ep, f"{base}/d/"],
        ["cp", "--storage-class", "GLACIER", *ep, f"{tmp_path}/up/a.bin", f"{base}/frozen"],
        ["restore", "--days", "2", "--priority", "bulk", *ep, f"{base}/frozen"],
        ["stat", *ep, f"{base}/frozen"],
        env=_env(s3_env),
    )
    assert "2 copied, 0 skipped, 0 failed" in cp["stdout"]
    info = json.loads(stat["stdout"])
    assert (info["storage_class"], info["storage_class_native"]) == ("COLD", "GLACIER_IR")
    assert f"changed: {base}/d/a.bin (GLACIER_IR -> STANDARD_IA)" in set_one["stdout"]
    report = json.loads(set_all["stdout"])
    assert report["counts"] == {"copied": 1, "skipped": 1, "failed": 0, "deleted": 0}
    assert [line.split()[-2:] for line in ls_long["stdout"].splitlines()] == [
        ["INFREQUENT", "a.bin"], ["INFREQUENT", "b.bin"]]
    assert "restore started: " in restore["stdout"] and "(Bulk)" in restore["stdout"]
    rows = dict(line.split(":", 1) for line in stat_frozen["stdout"].splitlines())
    assert (rows["storage_class"].strip(), rows["restore_state"].strip()) == ("ARCHIVE", "restored")


def test_bad_class_and_archived_read_exit_codes(s3_env, tmp_path):
    (tmp_path / "f").write_bytes(b"x")
    ep = ["--endpoint-url", s3_env.endpoint]
    env = _env(s3_env)
    fs = __import__("fsspec").filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    fs.mkdir("clicls2")
    fs.pipe_file("clicls2/frozen", b"ice", StorageClass="DEEP_ARCHIVE")
    proc = run_cli("cp", "--storage-class", "FROZEN", *ep, str(tmp_path / "f"), "s3://clicls2/f",
                   env=env)
    assert proc.returncode == 2 and "unknown storage class 'FROZEN' for S3" in proc.stderr
    assert not fs.exists("clicls2/f")
    proc = run_cli("cat", *ep, "s3://clicls2/frozen", env=env)
    assert proc.returncode == 1, proc.stderr
    assert "is archived (storage class ARCHIVE, native DEEP_ARCHIVE)" in proc.stderr
    assert "omefs restore s3://clicls2/frozen" in proc.stderr
