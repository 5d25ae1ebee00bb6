"""The ``omefs`` command with a provider registered at run time (``tmem://``).

The command names no provider: ``ls``, ``stat``, ``cat`` and ``cp`` to and
from local files work for any registered provider, in-process.
"""

from __future__ import annotations

import json

import pytest

import omefs
from omefs.cli.main import run
from tests.third_party import registered


@pytest.fixture
def tmem():
    with registered():
        st = omefs.storage("tmem://bucket/")
        st.put("tmem://bucket/data/a.txt", b"alpha\n")
        st.put("tmem://bucket/data/sub/b.txt", b"bravo!\n")
        yield st


def test_ls(tmem, capsys):
    assert run(["ls", "tmem://bucket/data/"]) == 0
    out = capsys.readouterr().out
    assert "a.txt" in out and "sub/" in out
    assert run(["ls", "-R", "--json", "tmem://bucket/data/"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert sorted((e["name"], e["size"]) for e in entries) == [("a.txt", 6), ("sub/b.txt", 7)]
    assert {e["url"] for e in entries} == {"tmem://bucket/data/a.txt", "tmem://bucket/data/sub/b.txt"}


def test_cat_and_stat(tmem, capsysbinary):
    assert run(["cat", "tmem://bucket/data/a.txt", "tmem://bucket/data/sub/b.txt"]) == 0
    assert capsysbinary.readouterr().out == b"alpha\nbravo!\n"
    assert run(["cat", "--head", "3", "tmem://bucket/data/a.txt"]) == 0
    assert capsysbinary.readouterr().out == b"alp"
    assert run(["stat", "--json", "tmem://bucket/data/a.txt"]) == 0
    info = json.loads(capsysbinary.readouterr().out)
    assert info["size"] == 6 and info["type"] == "file"
    assert run(["stat", "tmem://bucket/data/absent.txt"]) == 1


def test_cp_to_and_from_local_files(tmem, tmp_path, capsys):
    assert run(["cp", "-q", "tmem://bucket/data/a.txt", str(tmp_path / "a.txt")]) == 0
    assert (tmp_path / "a.txt").read_bytes() == b"alpha\n"
    assert run(["cp", "-q", "-r", "tmem://bucket/data/", str(tmp_path / "tree")]) == 0
    assert (tmp_path / "tree" / "sub" / "b.txt").read_bytes() == b"bravo!\n"
    (tmp_path / "up.txt").write_bytes(b"uploaded\n")
    assert run(["cp", "-q", str(tmp_path / "up.txt"), "tmem://bucket/up/up.txt"]) == 0
    assert tmem.get("tmem://bucket/up/up.txt").read() == b"uploaded\n"
