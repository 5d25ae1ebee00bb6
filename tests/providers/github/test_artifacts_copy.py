"""Copying an artifact's members to other clouds: S3 (moto) and Azure (Azurite).

The source is the fake GitHub API with its blob host (tests/servers/github.py,
tests/servers/github_artifacts.py); the destinations are the local moto
server and Azurite. Each member lands as one object, verified by content;
a second run skips every object that is already identical.
"""

from __future__ import annotations

import io
import zipfile

import pytest

import omefs
from omefs.errors import TransferError
from tests.cli.test_cli_basic import cli_env, run_cli
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import OWNER, REPO

MEMBERS = {
    "metrics.csv": b"step,loss\n1,0.9\n2,0.5\n",
    "model/weights.bin": bytes(range(256)) * 2048,  # 512 KiB
    "model/config.json": b'{"layers": 4}',
    "empty.txt": b"",
}
SRC = f"github://{OWNER}/{REPO}/actions/artifacts/train/"


@pytest.fixture
def artifact(gh, gh_token):
    gh.add_artifact(OWNER, REPO, "train", MEMBERS)
    return {"token": gh_token, "endpoint_url": gh.endpoint}


def _s3(s3_env):
    fs = omefs.filesystem("s3", **s3_env.storage_options())
    fs.mkdir("landing")
    return "s3://landing/run/", dict(s3_env.storage_options()), fs, "landing/run"


def _azure(azure_env):
    opts = {"connection_string": azure_env.connection_string}
    fs = omefs.filesystem("az", **opts)
    fs.mkdir("landing")
    return "az://landing/run/", opts, fs, "landing/run"


@pytest.mark.parametrize("where", ["s3", "azure"])
def test_members_land_as_objects_and_a_rerun_skips(request, gh, artifact, where):
    dst, opts, fs, root = (_s3 if where == "s3" else _azure)(
        request.getfixturevalue("s3_env" if where == "s3" else "azure_env"))
    report = omefs.copy(SRC, dst, recursive=True, src_options=artifact, dst_options=opts)
    assert report.ok, report.failed
    assert len(report.copied) == len(MEMBERS)
    fs.invalidate_cache()
    for rel, data in MEMBERS.items():
        assert fs.cat_file(f"{root}/{rel}") == data
    served = gh.blob_bytes_served

    again = omefs.copy(SRC, dst, recursive=True, skip_existing=True, src_options=artifact,
                       dst_options=opts)
    assert again.ok and len(again.skipped) == len(MEMBERS)
    assert gh.blob_bytes_served - served < 64 << 10  # the central directory at most



def test_a_corrupt_member_is_reported_not_landed(s3_env, gh, gh_token):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("good.txt", b"fine")
        zf.writestr("bad.txt", b"hello world")
    gh.add_artifact(OWNER, REPO, "broken", zip_bytes=buf.getvalue().replace(b"hello", b"HELLO"))
    dst, opts, fs, root = _s3(s3_env)
    with pytest.raises(TransferError) as err:
        omefs.copy(f"github://{OWNER}/{REPO}/actions/artifacts/broken/", dst, recursive=True,
                   src_options={"token": gh_token, "endpoint_url": gh.endpoint},
                   dst_options=opts, retries=0)
    report = err.value.report
    assert [i.src.rsplit("/", 1)[-1] for i in report.copied] == ["good.txt"]
    (failed,) = report.failed
    assert "CRC-32" in failed.error
    fs.invalidate_cache()
    assert fs.find(root) == [f"{root}/good.txt"]


def test_omefs_cp(s3_env, gh, artifact, tmp_path):
    fs = omefs.filesystem("s3", **s3_env.storage_options())
    fs.mkdir("landing")
    auth = tmp_path / "gh.yaml"
    auth.write_text("provider: github\nauth_type: personal_access_token\nsettings:\n"
                    f"  token: {artifact['token']}\n  endpoint_url: {artifact['endpoint_url']}\n")
    env = cli_env(AWS_ACCESS_KEY_ID=s3_env.access_key_id,
                  AWS_SECRET_ACCESS_KEY=s3_env.secret_access_key)
    proc = run_cli("cp", "-r", "--src-auth", str(auth), "--dst-endpoint-url", s3_env.endpoint,
                   SRC, "s3://landing/cli/", env=env)
    assert proc.returncode == 0, proc.stderr
    assert fs.cat_file("landing/cli/model/config.json") == MEMBERS["model/config.json"]
