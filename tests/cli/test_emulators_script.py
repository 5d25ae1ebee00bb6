"""``make emulators`` (``examples/emulators.py``) as a user runs it: start it, take the
``export OMEFS_CONFIG=…`` line it prints, use the command line against the servers with
nothing else configured (mkdir, cp, ls, cat on ``s3://``, ``gs://`` and ``az://``), then
stop it with Ctrl-C (SIGINT) and check that it cleans up.

Servers: the script's own moto, GCS emulator and Azurite, on free ports.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from omefs.cli.main import run
from tests.cli.test_cli_basic import cli_env
from tests.servers import clear_fsspec_caches
from tests.servers._process import free_port

ROOT = Path(__file__).resolve().parents[2]


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _read_banner(proc: subprocess.Popen, timeout: float) -> list[str]:
    """The script's output up to its last banner line ('# Ctrl-C stops the servers.')."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no banner after {timeout} s: {seen}") from None
        if line is None:
            raise AssertionError(f"the script ended: {seen}\n{proc.stderr.read()}")
        seen.append(line.rstrip("\n"))
        if line.startswith("# Ctrl-C"):
            return seen


def omefs(capsys, *argv: str) -> tuple[int, str, str]:
    clear_fsspec_caches()
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.timeout(180)
def test_emulators_script_prints_a_config_the_cli_uses(tmp_path, monkeypatch, capsys):
    ports = [str(free_port()) for _ in range(3)]
    config = tmp_path / "emulators.yaml"
    proc = subprocess.Popen(
        [sys.executable, "examples/emulators.py", "--s3-port", ports[0], "--gcs-port", ports[1],
         "--azure-port", ports[2], "--config", str(config)],
        cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        banner = _read_banner(proc, timeout=120)
        exports = [line for line in banner if line.startswith("export OMEFS_CONFIG=")]
        assert exports == [f"export OMEFS_CONFIG={config}"], banner
        assert all(f"127.0.0.1:{port}" in "\n".join(banner) for port in ports), banner

        monkeypatch.setenv("OMEFS_CONFIG", exports[0].split("=", 1)[1])
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        local = tmp_path / "hello.txt"
        local.write_text("hello from the emulators\n")
        for scheme in ("s3", "gs", "az"):
            bucket = f"{scheme}://emulated"
            code, out, err = omefs(capsys, "mkdir", bucket)
            assert (code, out) == (0, f"made: {bucket}\n"), err
            code, out, err = omefs(capsys, "cp", str(local), f"{bucket}/hello.txt")
            assert code == 0, err
            code, out, err = omefs(capsys, "ls", f"{bucket}/")
            assert code == 0 and "hello.txt" in out, out + err
            code, out, err = omefs(capsys, "cat", f"{bucket}/hello.txt")
            assert (code, out) == (0, "hello from the emulators\n"), err
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        clear_fsspec_caches()
    assert code == 0, proc.stderr.read()
    assert not config.exists()  # the script removes the config it wrote
