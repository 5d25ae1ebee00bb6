"""Mounts on a real FUSE mount (fuse3; skipped where /dev/fuse or fusepy is missing): the
notebook API :func:`omefs.mount` in the background, read-only by default, whole-file
writes with ``read_only=False``, a ``gs://`` mount listable with numeric times, and every
provider's mount listable and readable.
Servers: moto (S3), the GCS emulator, Azurite, and the fakes of OCI and GitHub."""

from __future__ import annotations

import os
import threading
import time

import fsspec
import pytest

import omefs
from omefs.mount import timestamp
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import *  # noqa: F401,F403


def _fuse_missing() -> str | None:
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse does not exist on this machine"
    try:
        import fuse  # noqa: F401  (fusepy)
    except (ImportError, OSError) as exc:
        return f"fusepy/libfuse not usable: {exc}"
    return None


needs_fuse = pytest.mark.skipif(_fuse_missing() is not None, reason=_fuse_missing() or "")


def test_timestamp_reads_every_form_of_mtime():
    import datetime as dt

    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert timestamp({"mtime": when}) == when.timestamp()  # gcsfs
    assert timestamp({"LastModified": when}) == when.timestamp()  # s3fs
    assert timestamp({"updated": "2026-01-02T03:04:05Z"}) == when.timestamp()
    assert timestamp({"mtime": 12.5}) == 12.5


@needs_fuse
def test_s3_mount_from_a_background_caller_reads_and_writes_whole_files(s3_env, tmp_path):
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    fs.mkdir("mnt")
    fs.pipe({"mnt/a.txt": b"hello\n", "mnt/dir/b.bin": b"b" * 4096})
    auth = {"provider": "aws", "auth_type": "access_key",
            "settings": {"access_key_id": s3_env.access_key_id, "secret_access_key": s3_env.secret_access_key,
                         "endpoint_url": s3_env.endpoint}}
    point = tmp_path / "ro"
    point.mkdir()
    ticks = []
    ticker = threading.Thread(target=lambda: [ticks.append(time.sleep(0.05)) for _ in range(20)])
    ticker.start()  # the caller keeps running while the mount starts (a notebook kernel)
    with omefs.mount("s3://mnt/", point, auth=auth) as m:
        assert m.mounted and m.read_only
        assert sorted(os.listdir(point)) == ["a.txt", "dir"]
        assert (point / "a.txt").read_bytes() == b"hello\n"
        assert (point / "dir" / "b.bin").stat().st_size == 4096
        with pytest.raises(OSError):
            (point / "new.txt").write_bytes(b"refused")  # read-only by default
    ticker.join()
    assert len(ticks) == 20 and not os.path.ismount(point)
    assert not fs.exists("mnt/new.txt")

    point = tmp_path / "rw"
    point.mkdir()
    payload = os.urandom(3 * 1024 * 1024 + 7)
    with omefs.mount("s3://mnt/", point, read_only=False, auth=auth):
        with open(point / "written.bin", "wb") as f:  # several FUSE writes, one upload
            for start in range(0, len(payload), 128 * 1024):
                f.write(payload[start:start + 128 * 1024])
        (point / "a.txt").write_bytes(b"replaced\n")
        assert (point / "written.bin").stat().st_size == len(payload)
    fs.invalidate_cache()
    assert fs.cat("mnt/written.bin") == payload
    assert fs.cat("mnt/a.txt") == b"replaced\n"


@needs_fuse
def test_a_failed_upload_fails_the_writers_close_and_leaves_no_object(s3_env, tmp_path):
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    fs.mkdir("gone")
    fs.pipe("gone/keep.txt", b"k")
    auth = {"provider": "aws", "auth_type": "access_key",
            "settings": {"access_key_id": s3_env.access_key_id, "secret_access_key": s3_env.secret_access_key,
                         "endpoint_url": s3_env.endpoint}}
    point = tmp_path / "rw"
    point.mkdir()
    with omefs.mount("s3://gone/", point, read_only=False, auth=auth):
        assert os.listdir(point) == ["keep.txt"]
        fs.rm("gone", recursive=True)  # the bucket goes away under the mount: the upload must fail
        f = open(point / "lost.bin", "wb")  # noqa: SIM115 - close() is what is tested
        f.write(b"x" * 1000)
        with pytest.raises(OSError):
            f.close()
    fs.invalidate_cache()
    assert not fs.exists("gone/lost.bin")


@needs_fuse
def test_gs_mount_lists_with_numeric_times(gcs_env, tmp_path):
    fs = fsspec.filesystem("gs", skip_instance_cache=True, **gcs_env.storage_options())
    fs.mkdir("gmnt")
    fs.pipe({"gmnt/x.txt": b"x", "gmnt/sub/y.txt": b"yy"})
    auth = {"provider": "gcp", "auth_type": "anonymous",
            "settings": {"endpoint_url": gcs_env.endpoint, "project": gcs_env.storage_options()["project"]}}
    point = tmp_path / "g"
    point.mkdir()
    with omefs.mount("gs://gmnt/", point, auth=auth):
        assert sorted(os.listdir(point)) == ["sub", "x.txt"]
        stat = (point / "x.txt").stat()
        assert stat.st_size == 1 and abs(stat.st_mtime - time.time()) < 3600
        assert (point / "sub" / "y.txt").read_bytes() == b"yy"


def test_mount_that_cannot_start_raises_with_the_reason(tmp_path):
    with pytest.raises(omefs.OmefsError, match="could not mount"):
        omefs.mount("s3://bucket/", tmp_path / "absent", timeout=20)


# -- every provider: listable and readable through a mount --------------------------------
def _check_read_only_mount(url: str, point, auth, expected: dict[str, bytes]) -> None:
    """Mount ``url``, list it (folders included), read every file, check sizes and times."""
    point.mkdir()
    with omefs.mount(url, point, auth=auth) as m:
        assert m.mounted and m.read_only
        top = sorted({name.split("/", 1)[0] for name in expected})
        assert sorted(os.listdir(point)) == top
        for name, data in expected.items():
            stat = (point / name).stat()
            assert stat.st_size == len(data), name
            assert abs(stat.st_mtime - time.time()) < 3600, name
            assert (point / name).read_bytes() == data, name
        with pytest.raises(OSError):
            (point / "refused.txt").write_bytes(b"no")
    assert not os.path.ismount(point)


@needs_fuse
def test_azure_mount_lists_and_reads(azure_env, tmp_path):
    fs = fsspec.filesystem("az", skip_instance_cache=True, connection_string=azure_env.connection_string)
    fs.mkdir("amnt")
    files = {"a.txt": b"azure\n", "sub/b.bin": os.urandom(70_000)}
    fs.pipe({f"amnt/{k}": v for k, v in files.items()})
    auth = {"provider": "azure", "auth_type": "connection_string",
            "settings": {"connection_string": azure_env.connection_string}}
    _check_read_only_mount("az://amnt/", tmp_path / "a", auth, files)


@needs_fuse
def test_oci_mount_lists_and_reads(oci_fs, oci_fake, oci_auth, oci_bucket, tmp_path):
    files = {"a.txt": b"oci\n", "sub/b.bin": os.urandom(70_000)}
    for name, data in files.items():
        oci_fs.pipe_file(f"oci://{oci_fake.namespace}/{oci_bucket}/{name}", data)
    _check_read_only_mount(f"oci://{oci_bucket}@{oci_fake.namespace}/", tmp_path / "o", oci_auth, files)


@needs_fuse
def test_github_release_mount_lists_and_reads(gh, gh_token, tmp_path):
    gh.create_release("acme", "models", "v1")
    files = {"weights.bin": os.urandom(70_000), "card.md": b"# model\n"}
    for name, data in files.items():
        gh.add_asset("acme", "models", "v1", name, data)
    auth = {"provider": "github", "auth_type": "personal_access_token",
            "settings": {"token": gh_token, "endpoint_url": gh.endpoint}}
    _check_read_only_mount("github://acme/models/v1/", tmp_path / "r", auth, files)
    # the repository's releases are folders
    point = tmp_path / "repo"
    point.mkdir()
    with omefs.mount("github://acme/models/", point, auth=auth):
        assert os.listdir(point) == ["v1"]
        assert (point / "v1" / "card.md").read_bytes() == b"# model\n"
