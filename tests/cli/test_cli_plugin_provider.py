"""The command line with a provider known only through entry points: ``testmem://``.

The example distribution in tests/plugins/omefs-testmem keeps its objects in
the memory of one process. A CLI run is a process of its own, so data gets
into testmem either in the same run (a session of several ``omefs``
commands in one interpreter, :func:`run_session`) or from files and S3
that outlive the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import fsspec
import pytest

from tests.cli.test_cli_basic import cli_env, run_cli
from tests.third_party import requires_testmem

pytestmark = requires_testmem

# Runs each argv of argv[1] (a JSON list) through omefs's command line, one after the
# other in this one interpreter, and prints [{"argv", "code", "stdout"}, ...] as JSON.
# Each command's stdout is caught at the file-descriptor level (``cat`` writes bytes).
SESSION = r"""
import json, os, sys, tempfile
from omefs.cli.main import run

results = []
real = os.dup(1)
for argv in json.loads(sys.argv[1]):
    with tempfile.TemporaryFile() as out:
        sys.stdout.flush()
        os.dup2(out.fileno(), 1)
        try:
            code = run(argv)
        except SystemExit as exc:
            code = exc.code
        sys.stdout.flush()
        os.dup2(real, 1)
        out.seek(0)
        results.append({"argv": argv, "code": code, "stdout": out.read().decode()})
os.write(real, json.dumps(results).encode())
"""


def run_session(*commands: list[str], env: dict[str, str] | None = None) -> list[dict]:
    """Run several ``omefs`` commands in one process; their results, in order."""
    proc = subprocess.run([sys.executable, "-c", SESSION, json.dumps(list(commands))],
                          env=env if env is not None else cli_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    for result in results:
        assert result["code"] == 0, (result, proc.stderr)
    return results


@pytest.fixture
def bucket() -> str:
    return f"bkt-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def local_tree(tmp_path):
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\n")
    (root / "sub" / "b.txt").write_text("beta, longer\n")
    return root


def test_ls_in_a_new_process_finds_an_empty_store(bucket):
    proc = run_cli("ls", f"testmem://{bucket}/")
    assert proc.returncode == 1
    assert proc.stderr.startswith("omefs: error: not found")
    assert "unknown" not in proc.stderr


def test_cp_local_to_testmem_with_the_console_script(local_tree, bucket):
    proc = run_cli("cp", "-r", f"{local_tree}/", f"testmem://{bucket}/in/", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    pairs = {(i["src"], i["dst"]) for i in report["copied"]}
    assert pairs == {(str(local_tree / "a.txt"), f"testmem://{bucket}/in/a.txt"),
                     (str(local_tree / "sub" / "b.txt"), f"testmem://{bucket}/in/sub/b.txt")}


def test_ls_stat_cat_after_cp_in_one_session(local_tree, bucket):
    base = f"testmem://{bucket}"
    cp, ls, ls_long, ls_rec, stat, cat = run_session(
        ["cp", "-r", f"{local_tree}/", f"{base}/in/"],
        ["ls", f"{base}/"],
        ["ls", "-l", f"{base}/in/"],
        ["ls", "-R", "--json", f"{base}/in/"],
        ["stat", "--json", f"{base}/in/sub/b.txt"],
        ["cat", f"{base}/in/a.txt"],
    )
    assert "2 copied, 0 skipped, 0 failed" in cp["stdout"]
    assert ls["stdout"].split() == ["DIR", "in/"]
    assert ls_long["stdout"].splitlines()[0].split()[0] == "6"
    assert ls_long["stdout"].splitlines()[0].endswith("a.txt")
    listed = json.loads(ls_rec["stdout"])
    assert sorted((e["url"], e["size"]) for e in listed) == [
        (f"{base}/in/a.txt", 6), (f"{base}/in/sub/b.txt", 13)]
    info = json.loads(stat["stdout"])
    assert (info["url"], info["type"], info["size"]) == (f"{base}/in/sub/b.txt", "file", 13)
    assert cat["stdout"] == "alpha\n"


def test_cp_testmem_to_s3_in_one_session(local_tree, bucket, s3_env):
    s3 = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    target = f"s3-{uuid.uuid4().hex[:10]}"
    s3.mkdir(target)
    env = cli_env(AWS_ACCESS_KEY_ID=s3_env.access_key_id,
                  AWS_SECRET_ACCESS_KEY=s3_env.secret_access_key)
    _, out = run_session(
        ["cp", "-r", f"{local_tree}/", f"testmem://{bucket}/in/"],
        ["cp", "-r", "--json", "--dst-endpoint-url", s3_env.endpoint,
         f"testmem://{bucket}/in/", f"s3://{target}/out/"],
        env=env,
    )
    report = json.loads(out["stdout"])
    pairs = {(i["src"], i["dst"]) for i in report["copied"]}
    assert pairs == {(f"testmem://{bucket}/in/a.txt", f"s3://{target}/out/a.txt"),
                     (f"testmem://{bucket}/in/sub/b.txt", f"s3://{target}/out/sub/b.txt")}
    s3.invalidate_cache()
    assert s3.cat_file(f"{target}/out/a.txt") == b"alpha\n"
    assert s3.cat_file(f"{target}/out/sub/b.txt") == b"beta, longer\n"
