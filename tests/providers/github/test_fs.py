"""GitHub Releases through fsspec, against the fake GitHub API (tests/servers/github.py)."""

from __future__ import annotations

import io
import os
import tracemalloc

import fsspec
import pytest

from omefs.errors import (
    AssetTooLargeError,
    ChecksumMismatchError,
    InvalidURIError,
    IsAReleaseError,
    NotFoundError,
    OmefsError,
    PermissionDeniedError,
)
from omefs.providers.github.fs import GitHubReleasesFileSystem
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import OWNER, REPO, make_fs

MiB = 1 << 20


def test_registered_for_github_scheme():
    assert fsspec.get_filesystem_class("github") is GitHubReleasesFileSystem


# -- listing and metadata ------------------------------------------------------------
def test_releases_are_folders_assets_are_files(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1.0")
    gh.create_release(OWNER, REPO, "v2.0-rc1", prerelease=True)
    gh.create_release(OWNER, REPO, "v3-draft", draft=True)
    gh.add_asset(OWNER, REPO, "v1.0", "weights.bin", b"w" * 100)
    gh.add_asset(OWNER, REPO, "v1.0", "tokenizer.json", b"{}", content_type="application/json")

    releases = {e["name"]: e for e in gh_fs.ls(f"github://{OWNER}/{REPO}")}
    assert set(releases) == {f"{OWNER}/{REPO}/v1.0", f"{OWNER}/{REPO}/v2.0-rc1", f"{OWNER}/{REPO}/v3-draft"}
    v1 = releases[f"{OWNER}/{REPO}/v1.0"]
    assert v1["type"] == "directory" and v1["draft"] is False and v1["prerelease"] is False
    assert v1["published_at"] is not None
    assert releases[f"{OWNER}/{REPO}/v2.0-rc1"]["prerelease"] is True
    assert releases[f"{OWNER}/{REPO}/v3-draft"]["draft"] is True
    assert releases[f"{OWNER}/{REPO}/v3-draft"]["published_at"] is None

    assets = {e["name"]: e for e in gh_fs.ls(f"{OWNER}/{REPO}/v1.0")}
    w = assets[f"{OWNER}/{REPO}/v1.0/weights.bin"]
    assert w["type"] == "file" and w["size"] == 100
    assert w["content_type"] == "application/octet-stream"
    assert w["created"] is not None and w["updated"] is not None
    assert w["download_count"] == 0
    assert w["digest"].startswith("sha256:")
    assert assets[f"{OWNER}/{REPO}/v1.0/tokenizer.json"]["content_type"] == "application/json"
    assert gh_fs.isdir(f"{OWNER}/{REPO}/v1.0") and gh_fs.isfile(f"{OWNER}/{REPO}/v1.0/weights.bin")
    assert gh_fs.info(f"{OWNER}/{REPO}")["type"] == "directory"


def test_at_form_and_latest(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1", published_at=1_000)
    gh.create_release(OWNER, REPO, "v2", published_at=2_000)
    gh.create_release(OWNER, REPO, "v3-rc", prerelease=True, published_at=3_000)
    gh.create_release(OWNER, REPO, "v4", draft=True)
    for tag in ("v1", "v2", "v3-rc", "v4"):
        gh.add_asset(OWNER, REPO, tag, "x.txt", tag.encode())

    assert gh_fs.cat(f"github://{OWNER}/{REPO}@v1/x.txt") == b"v1"
    assert gh_fs.cat(f"github://{OWNER}/{REPO}/v1/x.txt") == b"v1"
    # latest = newest published release that is neither a draft nor a prerelease
    assert gh_fs.cat(f"github://{OWNER}/{REPO}/latest/x.txt") == b"v2"
    assert gh_fs.cat(f"github://{OWNER}/{REPO}@latest/x.txt") == b"v2"
    info = gh_fs.info(f"{OWNER}/{REPO}/latest")
    assert info["tag"] == "v2" and info["name"] == f"{OWNER}/{REPO}/latest"
    assert gh_fs.ls(f"{OWNER}/{REPO}/latest", detail=False) == [f"{OWNER}/{REPO}/latest/x.txt"]
    # drafts are reachable by tag for those who can see them
    assert gh_fs.cat(f"{OWNER}/{REPO}/v4/x.txt") == b"v4"


def test_tag_with_slash_round_trips(gh, gh_fs):
    gh.create_release(OWNER, REPO, "release/v1")
    gh.add_asset(OWNER, REPO, "release/v1", "a.txt", b"slash")
    names = gh_fs.ls(f"{OWNER}/{REPO}", detail=False)
    assert names == [f"{OWNER}/{REPO}/release%2Fv1"]
    assert gh_fs.cat(names[0] + "/a.txt") == b"slash"
    assert gh_fs.info(names[0])["tag"] == "release/v1"


def test_150_assets_list_completely(gh, gh_fs):
    gh.create_release(OWNER, REPO, "big")
    for i in range(150):
        gh.add_asset(OWNER, REPO, "big", f"part-{i:03d}.bin", b"x")
    gh.clear_log()
    names = gh_fs.ls(f"{OWNER}/{REPO}/big", detail=False)
    assert len(names) == 150 and names[0].endswith("part-000.bin") and names[-1].endswith("part-149.bin")
    pages = gh.requests("GET", contains="/assets")
    assert len(pages) == 2  # 100 + 50, following the Link header
    assert pages[1].query["page"] == "2"
    assert len(gh_fs.find(f"{OWNER}/{REPO}")) == 150


def test_pagination_of_releases_with_small_pages(gh, gh_token):
    for i in range(7):
        gh.create_release(OWNER, REPO, f"r{i}")
    fs = make_fs(gh, token=gh_token, per_page=3)
    assert len(fs.ls(f"{OWNER}/{REPO}")) == 7
    assert len(gh.requests("GET", contains="/releases")) == 3


def test_missing_things_are_not_found(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "present.txt", b"")
    with pytest.raises(NotFoundError, match="present.txt") as err:
        gh_fs.info(f"{OWNER}/{REPO}/v1/absent.txt")
    assert isinstance(err.value, FileNotFoundError)
    assert err.value.provider == "github"
    with pytest.raises(NotFoundError, match="no release with tag 'v9'"):
        gh_fs.ls(f"{OWNER}/{REPO}/v9")
    with pytest.raises(NotFoundError):
        gh_fs.ls(f"{OWNER}/nope")
    gh.create_repo(OWNER, "empty")
    gh.create_release(OWNER, "empty", "rc", prerelease=True)
    with pytest.raises(NotFoundError, match="no latest release"):
        gh_fs.ls(f"{OWNER}/empty/latest")
    assert not gh_fs.exists(f"{OWNER}/{REPO}/v1/absent.txt")
    assert gh_fs.exists(f"{OWNER}/{REPO}/v1/present.txt")


def test_bad_paths_are_typed_errors(gh_fs):
    for bad in ("github://acme/models/v1/a/b", "acme//models", "acme/mod els/v1"):
        with pytest.raises(InvalidURIError) as err:
            gh_fs.info(bad)
        assert "OWNER/REPO" in str(err.value)
    with pytest.raises(InvalidURIError, match="listings start at a repository"):
        gh_fs.ls("acme")


def test_bad_options_are_config_errors(gh, gh_token):
    from omefs.errors import ConfigError

    for bad in ({"per_page": "many"}, {"max_rate_limit_wait": -1}, {"timeout": (1, 2, 3)},
                {"endpoint_url": "ftp://x"}, {"create_release": "yes"}):
        with pytest.raises(ConfigError):
            make_fs(gh, token=gh_token, **bad)


def test_private_repo_needs_credentials(gh, gh_token):
    gh.create_repo(OWNER, "secret", private=True)
    gh.create_release(OWNER, "secret", "v1")
    gh.add_asset(OWNER, "secret", "v1", "k.bin", b"k")
    assert make_fs(gh, token=gh_token).cat(f"{OWNER}/secret/v1/k.bin") == b"k"
    with pytest.raises(NotFoundError):
        make_fs(gh, anon=True).cat(f"{OWNER}/secret/v1/k.bin")


def test_anonymous_reads_public_assets_via_browser_url(gh):
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "pub.txt", b"public bytes")
    fs = make_fs(gh, anon=True)
    assert fs.auth_type == "anonymous"
    assert fs.cat_file(f"{OWNER}/{REPO}/v1/pub.txt", 7) == b"bytes"
    assert gh.requests(contains="/releases/download/")
    assert all(r.auth is None for r in gh.log)
    with pytest.raises(OmefsError) as err:  # writing needs credentials
        fs.pipe(f"{OWNER}/{REPO}/v1/new.txt", b"x")
    assert "anonymous" in str(err.value)


# -- reading -------------------------------------------------------------------------------
def test_pandas_csv_and_parquet_by_tag_and_latest(gh, gh_options):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"x": range(50), "y": [f"v{i}" for i in range(50)]})
    csv = df.to_csv(index=False).encode()
    pq = io.BytesIO()
    df.to_parquet(pq)
    gh.create_release(OWNER, REPO, "v1", published_at=1)
    gh.create_release(OWNER, REPO, "v2", published_at=2)
    for tag in ("v1", "v2"):
        gh.add_asset(OWNER, REPO, tag, "data.csv", csv, content_type="text/csv")
        gh.add_asset(OWNER, REPO, tag, "data.parquet", pq.getvalue())

    for tag in ("v1", "latest"):
        got = pd.read_csv(f"github://{OWNER}/{REPO}/{tag}/data.csv", storage_options=gh_options)
        pd.testing.assert_frame_equal(got, df)
        got = pd.read_parquet(f"github://{OWNER}/{REPO}/{tag}/data.parquet", storage_options=gh_options)
        pd.testing.assert_frame_equal(got, df)
    # pandas writes through open("wb")
    df.to_parquet(f"github://{OWNER}/{REPO}/v2/out.parquet", storage_options=gh_options)
    pd.testing.assert_frame_equal(
        pd.read_parquet(f"github://{OWNER}/{REPO}@v2/out.parquet", storage_options=gh_options), df
    )


def test_pyarrow_dataset_through_fsspec_handler(gh, gh_fs):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    table = pa.table({"a": list(range(1000))})
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=100)
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "t.parquet", buf.getvalue())
    pafs = PyFileSystem(FSSpecHandler(gh_fs))
    got = ds.dataset(f"{OWNER}/{REPO}/v1/t.parquet", filesystem=pafs, format="parquet").to_table()
    assert got.equals(table)


def test_30_mib_upload_then_ranged_reads_in_bounded_memory(gh, gh_fs, tmp_path):
    size = 30 * MiB
    local = tmp_path / "big.bin"
    block = os.urandom(MiB)
    with open(local, "wb") as fh:
        for i in range(30):
            fh.write(bytes([i]) + block[1:])
    gh.create_release(OWNER, REPO, "v1")
    path = f"{OWNER}/{REPO}/v1/big.bin"

    tracemalloc.start()
    try:
        gh_fs.put(str(local), path)
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        gh.clear_log()
        with gh_fs.open(path, "rb", block_size=2 * MiB) as f:
            assert f.size == size
            for i in (0, 7, 29, 13):
                f.seek(i * MiB)
                assert f.read(4) == bytes([i]) + block[1:4]
            f.seek(size - 3)
            assert f.read() == block[-3:]
        assert gh_fs.cat_file(path, start=5 * MiB, end=5 * MiB + 10) == bytes([5]) + block[1:10]
        assert gh_fs.cat_file(path, start=-2) == block[-2:]
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert gh.asset_bytes(OWNER, REPO, "v1", "big.bin")[:1] == b"\x00"
    assert upload_peak < 8 * MiB, upload_peak
    assert read_peak < 10 * MiB, read_peak
    downloads = gh.requests("GET", contains="/_downloads/")
    assert downloads and all(r.range for r in downloads)
    assert sum(r.bytes_out for r in downloads) < 16 * MiB  # never the whole 30 MiB
    assert all(r.auth is None for r in downloads)  # pre-signed URL: no Authorization sent


def test_parallel_reads_from_threads(gh, gh_fs):
    from concurrent.futures import ThreadPoolExecutor

    data = os.urandom(2 * MiB)
    gh.create_release(OWNER, REPO, "v1")
    for i in range(4):
        gh.add_asset(OWNER, REPO, "v1", f"p{i}.bin", data)

    def read(i: int) -> bool:
        gh_fs.info(f"{OWNER}/{REPO}/v1/p{i % 4}.bin")
        start = (i * 4099) % (len(data) - 1000)
        return gh_fs.cat_file(f"{OWNER}/{REPO}/v1/p{i % 4}.bin", start, start + 1000) == data[start:start + 1000]

    gh_fs.invalidate_cache()
    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(read, range(64)))


def test_get_streams_to_disk_and_checks_digest(gh, gh_fs, tmp_path):
    data = os.urandom(3 * MiB + 5)
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "w.bin", data)
    gh.add_asset(OWNER, REPO, "v1", "t.txt", b"t")
    gh_fs.get(f"github://{OWNER}/{REPO}/v1/w.bin", str(tmp_path / "w.bin"))
    assert (tmp_path / "w.bin").read_bytes() == data
    gh_fs.get(f"{OWNER}/{REPO}/v1/", str(tmp_path / "all"), recursive=True)
    assert sorted(os.listdir(tmp_path / "all")) == ["t.txt", "w.bin"]
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]
    gh.corrupt(OWNER, REPO, "v1", "w.bin")
    with pytest.raises(ChecksumMismatchError, match="digest"):
        gh_fs.get(f"{OWNER}/{REPO}/v1/w.bin", str(tmp_path / "bad.bin"))
    assert not (tmp_path / "bad.bin").exists()
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]


def test_expired_download_url_is_asked_for_again(gh, gh_fs):
    gh.download_url_ttl = -1  # every pre-signed URL is already expired ...
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "a.bin", b"0123456789")
    with pytest.raises(PermissionDeniedError):
        gh_fs.cat_file(f"{OWNER}/{REPO}/v1/a.bin", 0, 4)
    gh.download_url_ttl = 300
    assert gh_fs.cat_file(f"{OWNER}/{REPO}/v1/a.bin", 0, 4) == b"0123"
    gh.download_url_ttl = -1  # ... the cached one now expires: a fresh one is fetched once
    gh_fs.client._locations.clear()
    gh.download_url_ttl = 300
    assert gh_fs.cat_file(f"{OWNER}/{REPO}/v1/a.bin", 4, 8) == b"4567"


# -- writing --------------------------------------------------------------------------------
def test_open_wb_put_pipe(gh, gh_fs, tmp_path):
    gh.create_release(OWNER, REPO, "v1")
    with gh_fs.open(f"github://{OWNER}/{REPO}/v1/model.bin", "wb") as f:
        for _ in range(3):
            f.write(b"a" * MiB)
    assert gh.asset_bytes(OWNER, REPO, "v1", "model.bin") == b"a" * (3 * MiB)
    local = tmp_path / "tok.json"
    local.write_bytes(b'{"v": 1}')
    gh_fs.put(str(local), f"{OWNER}/{REPO}@v1/tok.json")
    gh_fs.pipe(f"{OWNER}/{REPO}/v1/readme.txt", b"hello")
    info = gh_fs.info(f"{OWNER}/{REPO}/v1/tok.json")
    assert info["content_type"] == "application/json" and info["size"] == 8
    assert gh_fs.cat(f"{OWNER}/{REPO}/v1/readme.txt") == b"hello"
    with fsspec.open(f"github://{OWNER}/{REPO}/v1/text.txt", "w", endpoint_url=gh.endpoint,
                     token=gh_fs.client.gh_auth.token) as f:
        f.write("text mode")
    assert gh.asset_bytes(OWNER, REPO, "v1", "text.txt") == b"text mode"


def test_write_to_missing_release_is_a_clear_error_unless_create_release(gh, gh_fs, gh_token):
    with pytest.raises(NotFoundError, match="create_release=True") as err:
        gh_fs.open(f"{OWNER}/{REPO}/v9/a.txt", "wb")
    assert "v9" in str(err.value)
    with pytest.raises(NotFoundError, match="create_release=True"):
        gh_fs.pipe(f"{OWNER}/{REPO}/v9/a.txt", b"x")
    assert not gh.requests("POST")  # nothing was created or uploaded

    gh_fs.pipe(f"{OWNER}/{REPO}/v9/a.txt", b"x", create_release=True)
    assert gh.asset_names(OWNER, REPO, "v9") == ["a.txt"]
    fs = make_fs(gh, token=gh_token, create_release={"prerelease": True})
    with fs.open(f"{OWNER}/{REPO}/v10/b.txt", "wb") as f:
        f.write(b"y")
    assert fs.info(f"{OWNER}/{REPO}/v10")["prerelease"] is True
    with pytest.raises(OmefsError, match="accepted"):
        make_fs(gh, token=gh_token, create_release={"colour": "red"})
    gh.create_repo(OWNER, "fresh")  # no release at all, so no latest one
    with pytest.raises(InvalidURIError, match="latest"):
        gh_fs.pipe(f"{OWNER}/fresh/latest/c.txt", b"z", create_release=True)


def test_replace_is_safe_when_upload_fails(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    gh_fs.pipe(f"{OWNER}/{REPO}/v1/w.bin", b"old")
    gh.fail_uploads(3)  # every attempt fails and leaves a broken "starter" asset
    with pytest.raises(OmefsError):
        gh_fs.pipe(f"{OWNER}/{REPO}/v1/w.bin", b"new" * 1000)
    assert gh.asset_names(OWNER, REPO, "v1") == ["w.bin"]  # no leftovers
    assert gh.asset_bytes(OWNER, REPO, "v1", "w.bin") == b"old"
    assert gh_fs.cat(f"{OWNER}/{REPO}/v1/w.bin") == b"old"

    gh.fail_uploads(1)  # one failure is retried
    gh_fs.pipe(f"{OWNER}/{REPO}/v1/w.bin", b"new")
    assert gh.asset_names(OWNER, REPO, "v1") == ["w.bin"]
    assert gh_fs.cat(f"{OWNER}/{REPO}/v1/w.bin") == b"new"


def test_replace_keeps_name_and_updates_listing(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    path = f"{OWNER}/{REPO}/v1/w.bin"
    gh_fs.pipe(path, b"1")
    first = gh_fs.info(path)["id"]
    gh_fs.pipe(path, b"22")
    info = gh_fs.info(path)
    assert info["id"] != first and info["size"] == 2
    assert gh_fs.ls(f"{OWNER}/{REPO}/v1", detail=False) == [path]
    with pytest.raises(FileExistsError):
        gh_fs.pipe(path, b"333", mode="create")


def test_exception_in_with_block_uploads_nothing(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    with pytest.raises(RuntimeError):
        with gh_fs.open(f"{OWNER}/{REPO}/v1/half.bin", "wb") as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert gh.asset_names(OWNER, REPO, "v1") == []


def test_assets_over_2_gib_are_refused_before_any_byte(gh, gh_fs, tmp_path):
    gh.create_release(OWNER, REPO, "v1")
    sparse = tmp_path / "huge.bin"
    with open(sparse, "wb") as fh:
        fh.truncate(2 * 1024**3)  # exactly 2 GiB: one byte too many
    gh.clear_log()
    with pytest.raises(AssetTooLargeError, match="2 GiB"):
        gh_fs.put_file(str(sparse), f"{OWNER}/{REPO}/v1/huge.bin")
    assert not gh.requests()  # not even a lookup, let alone an upload
    with pytest.raises(AssetTooLargeError):
        gh_fs.put(str(sparse), f"{OWNER}/{REPO}/v1/")

    gh_fs.max_asset_size = 10  # the same check on a stream, with a small limit
    with pytest.raises(AssetTooLargeError):
        with gh_fs.open(f"{OWNER}/{REPO}/v1/s.bin", "wb") as f:
            f.write(b"x" * 8)
            f.write(b"x" * 8)
    with pytest.raises(AssetTooLargeError):
        gh_fs.pipe(f"{OWNER}/{REPO}/v1/p.bin", b"x" * 11)
    assert not gh.requests("POST")


def test_transaction_uploads_on_commit(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    with gh_fs.transaction:
        with gh_fs.open(f"{OWNER}/{REPO}/v1/t.bin", "wb") as f:
            f.write(b"tx")
        assert gh.asset_names(OWNER, REPO, "v1") == []
    assert gh.asset_names(OWNER, REPO, "v1") == ["t.bin"]


# -- deleting, renaming, creating ------------------------------------------------------------
def test_rm_asset_and_release(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    gh.add_asset(OWNER, REPO, "v1", "a", b"a")
    gh.add_asset(OWNER, REPO, "v1", "b", b"b")
    gh_fs.rm(f"{OWNER}/{REPO}/v1/a")
    assert gh.asset_names(OWNER, REPO, "v1") == ["b"]
    with pytest.raises(IsAReleaseError, match="recursive=True"):
        gh_fs.rm(f"{OWNER}/{REPO}/v1")
    with pytest.raises(IsADirectoryError):
        gh_fs.rm_file(f"{OWNER}/{REPO}/v1")
    gh_fs.rm(f"{OWNER}/{REPO}/v1", recursive=True)
    assert gh_fs.ls(f"{OWNER}/{REPO}") == []
    gh.create_release(OWNER, REPO, "v2")
    gh_fs.invalidate_cache()  # v2 was made behind the filesystem's back
    with pytest.raises(PermissionDeniedError, match="never repositories"):
        gh_fs.rm(f"{OWNER}/{REPO}", recursive=True)
    assert gh_fs.ls(f"{OWNER}/{REPO}", detail=False) == [f"{OWNER}/{REPO}/v2"]


def test_mv_renames_server_side_and_cp_copies(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    gh.create_release(OWNER, REPO, "v2")
    gh.add_asset(OWNER, REPO, "v1", "a.bin", b"abc")
    gh.clear_log()
    gh_fs.mv(f"{OWNER}/{REPO}/v1/a.bin", f"{OWNER}/{REPO}/v1/b.bin")
    assert gh.asset_names(OWNER, REPO, "v1") == ["b.bin"]
    assert not gh.requests("POST")  # a rename, no bytes moved
    gh_fs.cp(f"{OWNER}/{REPO}/v1/b.bin", f"{OWNER}/{REPO}/v2/c.bin")
    assert gh.asset_bytes(OWNER, REPO, "v2", "c.bin") == b"abc"
    gh_fs.mv(f"{OWNER}/{REPO}/v2/c.bin", f"{OWNER}/{REPO}/v1/d.bin")
    assert gh.asset_names(OWNER, REPO, "v1") == ["b.bin", "d.bin"]
    assert gh.asset_names(OWNER, REPO, "v2") == []


def test_mkdir_creates_release_makedirs_needs_create_release(gh, gh_fs, tmp_path):
    gh_fs.mkdir(f"{OWNER}/{REPO}/v5", draft=True, body="notes")
    assert gh_fs.info(f"{OWNER}/{REPO}/v5")["draft"] is True
    with pytest.raises(FileExistsError):
        gh_fs.mkdir(f"{OWNER}/{REPO}/v5")
    with pytest.raises(NotFoundError, match="create_release"):
        gh_fs.makedirs(f"{OWNER}/{REPO}/v6")
    gh_fs.makedirs(f"{OWNER}/{REPO}/v6", create_release=True)
    gh_fs.makedirs(f"{OWNER}/{REPO}/v6", exist_ok=True)
    with pytest.raises(InvalidURIError, match="no sub-folders"):
        gh_fs.makedirs(f"{OWNER}/{REPO}/v6/sub")
    # put of a folder: its files become the release's assets
    src = tmp_path / "dist"
    src.mkdir()
    (src / "a.whl").write_bytes(b"wheel")
    (src / "b.tar.gz").write_bytes(b"sdist")
    gh_fs.put(str(src) + "/", f"{OWNER}/{REPO}/v7/", recursive=True, create_release=True)
    assert gh.asset_names(OWNER, REPO, "v7") == ["a.whl", "b.tar.gz"]


def test_readonly_token_is_permission_denied(gh):
    token = gh.add_token("ghp_readonly_0123456789", write=False)
    gh.create_release(OWNER, REPO, "v1")
    fs = make_fs(gh, token=token)
    with pytest.raises(PermissionDeniedError) as err:
        fs.pipe(f"{OWNER}/{REPO}/v1/x", b"x")
    assert isinstance(err.value, PermissionError)
    assert "personal_access_token" in str(err.value)


# -- endpoints and the contents form ------------------------------------------------------------
def test_enterprise_server_prefix(app_key):
    from tests.servers.github import FakeGitHub

    with FakeGitHub(prefix="/api/v3") as ghes:
        ghes.create_repo("corp", "ml")
        token = ghes.add_token("ghp_enterprise_0123456789")
        fs = make_fs(ghes, token=token)
        assert fs.endpoint_url.endswith("/api/v3")
        fs.pipe("corp/ml/v1/w.bin", b"enterprise", create_release=True)
        assert fs.cat_file("corp/ml/v1/w.bin", 0, 5) == b"enter"
        assert ghes.requests("POST", contains="/api/uploads/")
        assert ghes.requests("GET", contains="/api/v3/repos/corp/ml/releases")


def test_contents_form_is_delegated_to_fsspec_github(gh, gh_token):
    gh.create_repo("org", "lib", files={"README.md": b"# lib", "src/pkg/mod.py": b"x = 1\n"})
    url = "github://org:lib@main/src/pkg/mod.py"
    with fsspec.open(url, "rb", endpoint_url=gh.endpoint, token=gh_token) as f:
        assert f.read() == b"x = 1\n"
    fs, path = fsspec.core.url_to_fs("github://org:lib@main/", endpoint_url=gh.endpoint, anon=True)
    assert isinstance(fs, GitHubReleasesFileSystem)
    assert "repository contents" in repr(fs)
    assert sorted(fs.ls("", detail=False)) == ["README.md", "src"]
    assert fs.cat("README.md") == b"# lib"
    with pytest.raises(NotImplementedError):
        fs.pipe("new.txt", b"x")
