"""GitHub Actions artifacts through the ``github://`` filesystem, against the fake GitHub API.

Every answer comes from :mod:`tests.servers.github` (the REST API) and its
blob host (:mod:`tests.servers.github_artifacts`: the separate host the
``/zip`` endpoint redirects to, which signs and expires its URLs, serves
``Range``, counts the bytes it sends and refuses ``Authorization``).
"""

from __future__ import annotations

import io
import time
import zipfile

import fsspec
import pytest

from omefs import parse_uri
from omefs.errors import AuthError, ChecksumMismatchError, NotFoundError, PermissionDeniedError
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import OWNER, REPO, make_fs

MiB = 1 << 20
ROOT = f"{OWNER}/{REPO}/actions/artifacts"
TABLE = b"model,accuracy\nbase,0.81\nlarge,0.87\n"
DAY = 86400.0


@pytest.fixture
def three(gh):
    """Three artifacts named ``eval`` (the newest expired) and one named ``weights``."""
    now = time.time()
    old = gh.add_artifact(OWNER, REPO, "eval", {"table.csv": b"model\nold\n"}, created_at=now - 5 * DAY,
                          run_id=11)
    mid = gh.add_artifact(OWNER, REPO, "eval", {"table.csv": TABLE, "logs/run.txt": b"ok\n"},
                          created_at=now - 3 * DAY, run_id=12, head_branch="feature")
    new = gh.add_artifact(OWNER, REPO, "eval", {"table.csv": b"model\nexpired\n"},
                          created_at=now - 2 * DAY, expires_in=DAY, run_id=13)
    gh.add_artifact(OWNER, REPO, "weights", {"w.bin": b"\x01" * 1000}, created_at=now - DAY, run_id=13)
    return old, mid, new


def test_uri_forms_and_the_actions_tag():
    uri = parse_uri("github://o/r/actions/artifacts/eval/logs/run.txt")
    assert (uri.form, uri.path) == ("artifacts", "artifacts/eval/logs/run.txt")
    assert str(uri) == "github://o/r/actions/artifacts/eval/logs/run.txt"
    assert parse_uri("github://o/r/actions/runs/7/artifacts/eval").form == "artifacts"
    release = parse_uri("github://o/r@actions/tool.zip")
    assert (release.form, release.ref, release.path) == ("release", "actions", "tool.zip")
    assert str(release) == "github://o/r@actions/tool.zip"  # stays a release when formatted


def test_release_tagged_actions_stays_reachable(gh, gh_fs):
    gh.create_release(OWNER, REPO, "actions")
    gh.add_asset(OWNER, REPO, "actions", "tool.zip", b"tool")
    assert gh_fs.cat(f"github://{OWNER}/{REPO}@actions/tool.zip") == b"tool"
    assert f"{OWNER}/{REPO}@actions" in gh_fs.ls(f"{OWNER}/{REPO}", detail=False)
    assert gh_fs.ls(f"{OWNER}/{REPO}@actions", detail=False) == [f"{OWNER}/{REPO}@actions/tool.zip"]


def test_list_newest_non_expired_by_run_and_by_id(gh, gh_fs, three):
    old, mid, new = three
    listing = {e["name"]: e for e in gh_fs.ls(f"github://{ROOT}/")}
    assert set(listing) == {f"{ROOT}/eval", f"{ROOT}/weights"}
    ev = listing[f"{ROOT}/eval"]
    assert ev["type"] == "directory" and ev["others"] == 2
    # the rule of `gh run download -n eval`: the newest one that has not expired
    assert ev["id"] == mid["id"] and ev["run_id"] == 12 and ev["head_branch"] == "feature"
    assert ev["expired"] is False and ev["expires"] is not None and ev["head_sha"]
    assert ev["size"] == mid["size_in_bytes"]
    info = gh_fs.info(f"{ROOT}/eval")
    assert info["type"] == "file" and info["id"] == mid["id"]
    assert gh_fs.cat(f"{ROOT}/eval/table.csv") == TABLE

    # one run
    run = f"{OWNER}/{REPO}/actions/runs/13/artifacts"
    assert gh_fs.ls(run, detail=False) == [f"{run}/eval", f"{run}/weights"]
    assert gh_fs.cat(f"{run}/weights/w.bin") == b"\x01" * 1000
    with pytest.raises(NotFoundError, match="expired"):
        gh_fs.cat(f"{run}/eval/table.csv")  # run 13's eval is the expired one
    assert gh_fs.cat(f"{OWNER}/{REPO}/actions/runs/11/artifacts/eval/table.csv") == b"model\nold\n"

    # by id, even an old one
    assert gh_fs.cat(f"{ROOT}/id:{old['id']}/table.csv") == b"model\nold\n"
    assert gh_fs.info(f"{ROOT}/id:{old['id']}")["artifact_name"] == "eval"

    # member listing: size and CRC-32
    members = {e["name"]: e for e in gh_fs.ls(f"{ROOT}/eval")}
    table = members[f"{ROOT}/eval/table.csv"]
    assert table["size"] == len(TABLE) and table["crc32"] == zipfile.crc32(TABLE)
    assert members[f"{ROOT}/eval/logs"]["type"] == "directory"
    assert gh_fs.find(f"{ROOT}/eval") == [f"{ROOT}/eval/logs/run.txt", f"{ROOT}/eval/table.csv"]
    assert gh_fs.glob(f"github://{ROOT}/eval/**/*.txt") == [f"{ROOT}/eval/logs/run.txt"]


def test_get_recursive_downloads_the_members(gh, gh_fs, three, tmp_path):
    gh_fs.get(f"github://{ROOT}/eval/", f"{tmp_path}/out/", recursive=True)
    assert (tmp_path / "out" / "table.csv").read_bytes() == TABLE
    assert (tmp_path / "out" / "logs" / "run.txt").read_bytes() == b"ok\n"
    gh_fs.get(f"{ROOT}/eval", str(tmp_path / "eval.zip"))  # the artifact itself: its zip
    assert zipfile.ZipFile(tmp_path / "eval.zip").read("table.csv") == TABLE


def test_listing_follows_pages(gh, gh_token):
    for i in range(5):
        gh.add_artifact(OWNER, REPO, f"a{i}", {"x": b"x"})
    fs = make_fs(gh, token=gh_token, per_page=2)
    assert len(fs.ls(ROOT)) == 5
    pages = gh.requests("GET", "/actions/artifacts")
    assert len(pages) == 3 and pages[-1].query["page"] == "3"


def test_read_the_zip(gh, gh_fs, three):
    mid = three[1]
    whole = gh_fs.cat(f"github://{ROOT}/eval")
    assert whole == gh.artifact_zip(mid["id"])
    with zipfile.ZipFile(io.BytesIO(whole)) as zf:
        assert zf.read("table.csv") == TABLE
    with gh_fs.open(f"{ROOT}/eval") as fh:
        fh.seek(-22, 2)
        assert fh.read()[:4] == b"PK\x05\x06"


def test_member_of_a_big_zip_moves_little(gh, gh_fs):
    small = bytes(range(256)) * 4  # 1 KiB
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("data/small.bin", small)
        zf.writestr("data/big.bin", b"\0" * (50 * MiB))
    gh.add_artifact(OWNER, REPO, "big", zip_bytes=buf.getvalue())
    del buf
    assert gh_fs.info(f"{ROOT}/big")["size"] > 50 * MiB
    assert gh_fs.cat(f"{ROOT}/big/data/small.bin") == small
    served = gh.blob_bytes_served
    assert 1024 <= served < 256 << 10, served  # the central directory, a header, the member
    assert all(r.range for r in gh.blob_log)  # every read was a ranged read


def test_ranges_of_a_deflated_member_resume(gh, gh_fs):
    import random

    data = random.Random(5).randbytes(3 * MiB)  # deflate cannot shrink it: ~3 MiB compressed
    gh.add_artifact(OWNER, REPO, "packed", {"p.bin": data})
    path = f"{ROOT}/packed/p.bin"
    assert gh_fs.info(path)["compression"] == "deflate"
    step = 256 << 10
    got = b"".join(gh_fs.cat_file(path, start=s, end=s + step) for s in range(0, len(data), step))
    assert got == data  # the last range ends the member: its CRC-32 was checked
    # each range starts from where the one before stopped: linear, not quadratic
    assert gh.blob_bytes_served < 2.5 * len(data), gh.blob_bytes_served


def test_member_through_fsspec_and_pandas(gh, gh_options, three):
    pd = pytest.importorskip("pandas")
    url = f"github://{ROOT}/eval/table.csv"
    with fsspec.open(url, "rt", **gh_options) as fh:
        assert fh.read() == TABLE.decode()
    frame = pd.read_csv(url, storage_options=gh_options)
    assert list(frame["model"]) == ["base", "large"]


def test_parquet_member(gh, gh_options):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = io.BytesIO()
    pd.DataFrame({"x": [1, 2, 3]}).to_parquet(out)
    gh.add_artifact(OWNER, REPO, "tables", {"t.parquet": out.getvalue()})
    frame = pd.read_parquet(f"github://{ROOT}/tables/t.parquet", storage_options=gh_options)
    assert list(frame["x"]) == [1, 2, 3]


def test_signed_url_gets_no_authorization_and_is_renewed(gh, gh_fs):
    data = bytes(range(256)) * 4096  # 1 MiB, stored: read in pieces
    gh.add_artifact(OWNER, REPO, "model", {"m.bin": data}, compression=zipfile.ZIP_STORED)
    gh.download_url_ttl = 1.0
    with gh_fs.open(f"{ROOT}/model/m.bin", block_size=64 << 10) as fh:
        first = fh.read(100_000)
        time.sleep(1.3)  # the signed URL has expired: the next read asks GitHub for a new one
        rest = fh.read()
    assert first + rest == data
    assert len(gh.requests("GET", "/zip")) >= 2
    assert [r for r in gh.blob_log if r.status == 403]  # the expired URL was refused…
    assert all(r.auth is None for r in gh.blob_log)  # …and no request carried Authorization
    assert all(r.auth == "token" for r in gh.requests("GET", "/zip"))


def test_the_blob_host_refuses_authorization(gh, gh_token, three):
    import requests

    answer = requests.get(three[1]["archive_download_url"], allow_redirects=False,
                          headers={"Authorization": f"token {gh_token}"}, timeout=10)
    assert answer.status_code == 302
    signed = answer.headers["Location"]
    assert signed.split("/")[2] != three[1]["archive_download_url"].split("/")[2]  # another host
    refused = requests.get(signed, headers={"Authorization": f"token {gh_token}"}, timeout=10)
    assert refused.status_code == 400 and b"Authorization" in refused.content
    assert requests.get(signed, timeout=10).content == gh.artifact_zip(three[1]["id"])


def test_host_without_ranges_spills_once(gh, gh_fs, three):
    gh.blob_ranges = False
    assert gh_fs.cat(f"{ROOT}/eval/table.csv") == TABLE
    assert gh_fs.cat(f"{ROOT}/eval/logs/run.txt") == b"ok\n"
    assert len([r for r in gh.blob_log if r.status == 200]) == 1


def test_corrupt_member_fails_its_crc(gh, gh_fs):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("a.txt", b"hello world")
    raw = buf.getvalue().replace(b"hello world", b"hello WORLD")
    gh.add_artifact(OWNER, REPO, "bad", zip_bytes=raw)
    with pytest.raises(ChecksumMismatchError, match="CRC-32"):
        gh_fs.cat(f"{ROOT}/bad/a.txt")


def test_members_outside_the_artifact_are_left_out(gh, gh_fs):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ok/a.txt", b"a")
        zf.writestr("../escape.txt", b"x")
        zf.writestr("/abs.txt", b"y")
    gh.add_artifact(OWNER, REPO, "odd", zip_bytes=buf.getvalue())
    assert gh_fs.find(f"{ROOT}/odd") == [f"{ROOT}/odd/ok/a.txt"]


def test_errors(gh, gh_fs, three):
    with pytest.raises(NotFoundError, match=r"expired on \d{4}-\d\d-\d\d") as err:
        gh_fs.cat(f"{ROOT}/id:{three[2]['id']}/table.csv")
    assert three[2]["expires_at"][:10] in str(err.value)
    with pytest.raises(NotFoundError, match="its artifacts: eval, weights"):
        gh_fs.info(f"{ROOT}/evals")
    with pytest.raises(NotFoundError, match="nearest: table.csv"):
        gh_fs.cat(f"{ROOT}/eval/tabel.csv")
    for write in (lambda: gh_fs.pipe(f"{ROOT}/eval/new.csv", b"x"),
                  lambda: gh_fs.open(f"{ROOT}/eval/table.csv", "wb"),
                  lambda: gh_fs.mv(f"{ROOT}/eval/table.csv", f"{ROOT}/eval/t.csv"),
                  lambda: gh_fs.rm(f"{ROOT}/eval/table.csv"),
                  lambda: gh_fs.mkdir(f"{ROOT}/new")):
        with pytest.raises(PermissionDeniedError, match="github://OWNER/REPO/TAG/ASSET"):
            write()


def test_no_token_is_an_auth_error(gh, three):
    fs = make_fs(gh, anon=True)
    assert len(fs.ls(ROOT)) == 2  # listing a public repository's artifacts needs no token…
    with pytest.raises(AuthError, match="need a token even for public repositories"):
        fs.cat(f"{ROOT}/eval/table.csv")  # …downloading does
    assert not gh.requests("GET", "/zip")


def test_rm_deletes_one_artifact(gh, gh_token, three):
    weights = max(gh.artifacts)  # added last
    ro = make_fs(gh, token=gh.add_token("ghp_" + "r" * 36, write=False))
    with pytest.raises(PermissionDeniedError):
        ro.rm(f"{ROOT}/weights")
    fs = make_fs(gh, token=gh_token)
    fs.rm(f"github://{ROOT}/weights")
    assert gh.requests("DELETE")[-1].path == f"/repos/{OWNER}/{REPO}/actions/artifacts/{weights}"
    assert fs.ls(ROOT, detail=False) == [f"{ROOT}/eval"]
