"""The ``omefs`` command line without any server: help, usage errors, config errors.

Every test runs the real console script in a subprocess. The helpers here
(:func:`run_cli`, :func:`cli_env`) are shared by the other ``test_cli_*``
modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def omefs_command() -> list[str]:
    """The installed ``omefs`` console script, else ``python -m omefs``."""
    script = BIN / "omefs"
    if script.exists():
        return [str(script)]
    found = shutil.which("omefs", path=str(BIN))
    return [found] if found else [sys.executable, "-m", "omefs"]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for the CLI: the test run's own (tests/conftest.py has removed the
    host's cloud credentials and pointed OMEFS_CONFIG at an absent file), plus ``extra``."""
    env = dict(os.environ)
    env.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    env.pop("COLUMNS", None)
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, input: bytes | None = None,
            timeout: float = 60, cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``omefs ARGS`` and return the finished process (text output)."""
    return subprocess.run(
        [*omefs_command(), *args],
        env=env if env is not None else cli_env(),
        input=input.decode() if input is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def run_cli_bytes(*args: str, env: dict[str, str] | None = None,
                  timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """As :func:`run_cli`, with stdout as bytes (for ``cat``)."""
    return subprocess.run([*omefs_command(), *args], env=env if env is not None else cli_env(),
                          capture_output=True, timeout=timeout)


# -- help -------------------------------------------------------------------------

def test_top_level_help_lists_every_verb_with_examples():
    proc = run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for verb in ("ls", "stat", "cat", "cp", "sync", "rm", "mount"):
        assert f"\n    {verb} " in out, verb
    assert "Examples:" in out
    assert "Exit status" in out


@pytest.mark.parametrize("verb", ["ls", "stat", "cat", "cp", "sync", "rm", "mount"])
def test_each_verb_has_usage_description_and_examples(verb):
    proc = run_cli(verb, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: omefs {verb} ")
    assert "Examples:\n  omefs " + verb in proc.stdout


def test_transfer_flags_are_documented():
    out = run_cli("cp", "--help").stdout
    for flag in ("--dry-run", "--json", "--checksum", "--transfers", "--exclude", "--part-size",
                 "--retries", "--bwlimit", "--src-auth", "--dst-auth", "--auth", "--endpoint-url",
                 "--src-endpoint-url", "--dst-endpoint-url", "--no-progress", "-o KEY=VALUE"):
        assert flag in out, flag


def test_python_dash_m_omefs_works():
    proc = subprocess.run([sys.executable, "-m", "omefs", "--version"], capture_output=True, text=True,
                          env=cli_env(), timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith("omefs ")


def test_no_verb_prints_help_and_exits_2():
    proc = run_cli()
    assert proc.returncode == 2
    assert "Available commands" in proc.stderr


# -- usage and config errors: exit 2, one clean line ---------------------------------

@pytest.mark.parametrize(
    "args, message",
    [
        (["cp", "--part-size", "12Q", "a", "b"], "invalid size '12Q'"),
        (["cp", "--transfers", "0", "a", "b"], "must be at least 1"),
        (["cp", "--retries", "-1", "a", "b"], "must not be negative"),
        (["cp", "only-one-arg"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def _error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines, proc
    assert lines[0].startswith("omefs: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_unknown_profile_is_a_config_error(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("profiles:\n  public: {provider: aws, auth_type: anonymous}\n")
    proc = run_cli("ls", "--auth", "nosuch", "s3://bucket/", env=cli_env(OMEFS_CONFIG=str(cfg)))
    assert proc.returncode == 2
    line = _error_line(proc)
    assert "no profile named 'nosuch'" in line and "public" in line


def test_missing_auth_file_is_a_config_error(tmp_path):
    proc = run_cli("ls", "--auth", str(tmp_path / "absent.yaml"), "s3://bucket/")
    assert proc.returncode == 2
    assert "no such auth config file" in _error_line(proc)


def test_invalid_auth_file_names_the_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("provider: nope\n")
    proc = run_cli("cp", "--src-auth", str(bad), "s3://b/x", "./x")
    assert proc.returncode == 2
    line = _error_line(proc)
    assert "--src-auth" in line and "unknown provider 'nope'" in line


def test_bad_option_syntax_is_a_usage_error():
    proc = run_cli("ls", "-o", "novalue", "s3://bucket/")
    assert proc.returncode == 2
    assert "expected KEY=VALUE" in _error_line(proc)


def test_unknown_protocol_is_a_usage_error():
    proc = run_cli("ls", "nosuchscheme://x/y")
    assert proc.returncode == 2
    assert "Protocol not known" in _error_line(proc)


def test_debug_shows_the_traceback(tmp_path):
    proc = run_cli("--debug", "ls", "--auth", str(tmp_path / "absent.yaml"), "s3://bucket/")
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr
    assert "omefs: error: " in proc.stderr


# -- local paths: ls, stat, cat, rm need no server -------------------------------------

def test_local_ls_stat_cat_rm(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_bytes(b"hello\n")
    (tmp_path / "d" / "sub" / "b.bin").write_bytes(b"x" * 2048)
    d = str(tmp_path / "d")

    proc = run_cli("ls", d)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["6", "a.txt", "DIR", "sub/"]

    proc = run_cli("ls", "-R", "--json", d)
    entries = json.loads(proc.stdout)
    assert [(e["name"], e["size"], e["type"]) for e in entries] == [
        ("a.txt", 6, "file"), ("sub/b.bin", 2048, "file")]

    proc = run_cli("stat", "--json", d + "/sub/b.bin")
    assert json.loads(proc.stdout)["size"] == 2048

    assert run_cli("cat", d + "/a.txt", d + "/a.txt").stdout == "hello\nhello\n"
    assert run_cli("cat", "--offset", "1", "--count", "3", d + "/a.txt").stdout == "ell"
    assert run_cli("cat", "--tail", "3", d + "/a.txt").stdout == "lo\n"

    proc = run_cli("rm", "-r", "--dry-run", d)
    assert proc.returncode == 0
    assert (tmp_path / "d" / "a.txt").exists()
    assert "would delete" in proc.stdout

    proc = run_cli("rm", d + "/missing.txt")
    assert proc.returncode == 1
    _error_line(proc)


def test_auth_verb_is_registered_when_its_module_exists():
    import importlib.util

    if importlib.util.find_spec("omefs.cli.auth") is None:
        proc = run_cli("auth", "--help")
        assert proc.returncode == 2  # not a verb (yet): a usage error, not a crash
        assert "invalid choice" in proc.stderr
        pytest.skip("omefs.cli.auth is not written yet")
    proc = run_cli("--help")
    assert "\n    auth " in proc.stdout
    assert run_cli("auth", "--help").returncode == 0
