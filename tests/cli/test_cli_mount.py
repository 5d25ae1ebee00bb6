"""``omefs mount`` against moto, through FUSE (skipped where FUSE is missing)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import fsspec
import pytest

from tests.cli.test_cli_basic import cli_env, omefs_command, run_cli
from tests.test_mount import needs_fuse


def test_mount_needs_an_existing_mount_point(tmp_path):
    proc = run_cli("mount", "s3://bucket/", str(tmp_path / "absent"))
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[0]
    assert line.startswith("omefs: error: ")
    assert "absent" in line  # either "not an existing folder" or why FUSE is unavailable


@needs_fuse
def test_mount_lists_and_reads_then_unmounts_on_sigterm(s3_env, tmp_path):
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    fs.mkdir("mnt")
    fs.pipe({"mnt/a.txt": b"hello\n", "mnt/dir/b.bin": b"b" * 4096})
    mountpoint = tmp_path / "m"
    mountpoint.mkdir()
    env = cli_env(AWS_ACCESS_KEY_ID=s3_env.access_key_id, AWS_SECRET_ACCESS_KEY=s3_env.secret_access_key)
    proc = subprocess.Popen(
        [*omefs_command(), "mount", "--read-only", "--endpoint-url", s3_env.endpoint, "s3://mnt/", str(mountpoint)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not os.path.ismount(mountpoint):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"not mounted: rc={proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}")
            time.sleep(0.1)
        assert sorted(os.listdir(mountpoint)) == ["a.txt", "dir"]
        assert (mountpoint / "a.txt").read_bytes() == b"hello\n"
        assert (mountpoint / "dir" / "b.bin").stat().st_size == 4096
        with pytest.raises(OSError):
            (mountpoint / "new.txt").write_bytes(b"refused")  # --read-only
        proc.send_signal(signal.SIGTERM)  # libfuse unmounts and returns
        assert proc.wait(timeout=20) == 0, proc.stderr.read()
        assert not os.path.ismount(mountpoint)
        assert "mounting s3://mnt/" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            subprocess.run(["fusermount", "-u", str(mountpoint)], check=False)
            proc.kill()
            proc.wait()
        if os.path.ismount(mountpoint):
            subprocess.run(["fusermount", "-u", str(mountpoint)], check=False)
    assert not fs.exists("mnt/new.txt")
