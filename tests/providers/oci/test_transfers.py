"""Transfers on ``oci://``: parallel multipart, aborts, retries, ranged downloads, copy, MD5."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from omefs.errors import ChecksumMismatchError, NotFoundError, TransferError
from omefs.providers.oci.checksum import b64md5, multipart_md5
from omefs.providers.oci.fs import OCIFileSystem
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def big() -> bytes:
    return os.urandom(64 * MiB)


def _url(fake, bucket: str, key: str) -> str:
    return f"oci://{fake.namespace}/{bucket}/{key}"


# -- multipart upload -----------------------------------------------------------------------------


def test_64mib_upload_is_parallel_multipart(oci_fs, oci_fake, oci_bucket, big, tmp_path):
    oci_fake.part_delay = 0.02  # hold each part briefly, so overlap is visible, not luck
    source = tmp_path / "weights.bin"
    source.write_bytes(big)
    oci_fs.put_file(str(source), _url(oci_fake, oci_bucket, "model/weights.bin"))
    assert oci_fake.calls["UploadPart"] == 64
    assert oci_fake.calls["PutObject"] == 0
    assert oci_fake.peak_part_uploads > 1, "parts were sent one at a time"
    assert oci_fake.peak_part_uploads <= oci_fs.max_concurrency
    stored = oci_fake.bucket(oci_bucket).objects["model/weights.bin"]
    assert stored.data == big
    # opc-multipart-md5 checked by omefs; OME's opc-meta-md5 recorded for the whole object.
    digests = [hashlib.md5(big[i:i + MiB]).digest() for i in range(0, len(big), MiB)]
    assert stored.multipart_md5 == multipart_md5(digests)
    assert stored.metadata["opc-meta-md5"] == b64md5(big)
    assert not oci_fake.open_uploads()


def test_streamed_write_is_parallel_multipart(oci_fs, oci_fake, oci_bucket, big):
    oci_fake.part_delay = 0.01
    url = _url(oci_fake, oci_bucket, "stream.bin")
    with oci_fs.open(url, "wb") as f:
        for offset in range(0, 16 * MiB, 300_000):  # writes that do not line up with parts
            f.write(big[offset:min(offset + 300_000, 16 * MiB)])
    assert oci_fake.calls["UploadPart"] == 16 and oci_fake.peak_part_uploads > 1
    assert oci_fake.objects(oci_bucket)["stream.bin"] == big[:16 * MiB]


def test_failure_mid_upload_leaves_no_object(oci_fs, oci_fake, oci_bucket, big, tmp_path):
    source = tmp_path / "weights.bin"
    source.write_bytes(big)
    oci_fake.inject("UploadPart", 500, part=20, times=None)  # part 20 always fails
    url = _url(oci_fake, oci_bucket, "model/weights.bin")
    with pytest.raises(TransferError) as info:
        oci_fs.put_file(str(source), url)
    assert "part 20" in str(info.value) and "aborted" in str(info.value)
    assert "model/weights.bin" not in oci_fake.objects(oci_bucket)
    assert len(oci_fake.aborted) == 1 and not oci_fake.open_uploads()
    assert oci_fake.calls["CommitMultipartUpload"] == 0
    assert not oci_fs.exists(url)


def test_exception_while_writing_aborts_instead_of_committing(oci_fs, oci_fake, oci_bucket, big):
    url = _url(oci_fake, oci_bucket, "half.bin")
    with pytest.raises(RuntimeError):
        with oci_fs.open(url, "wb") as f:
            f.write(big[:5 * MiB])
            raise RuntimeError("the producer crashed")
    assert "half.bin" not in oci_fake.objects(oci_bucket)
    assert len(oci_fake.aborted) == 1 and not oci_fake.open_uploads()


def test_small_write_is_one_put_with_content_md5(oci_fs, oci_fake, oci_bucket):
    url = _url(oci_fake, oci_bucket, "small.txt")
    with oci_fs.open(url, "wb") as f:
        f.write(b"tiny")
    assert oci_fake.calls["PutObject"] == 1 and oci_fake.calls["CreateMultipartUpload"] == 0
    assert oci_fs.info(url)["md5"] == b64md5(b"tiny")


def test_transient_part_failure_is_retried_honouring_retry_after(oci_fs, oci_fake, oci_bucket):
    fault = oci_fake.inject("UploadPart", 429, "TooManyRequests", part=2, times=1, retry_after=0.3)
    data = os.urandom(3 * MiB)
    started = time.monotonic()
    oci_fs.pipe_file(_url(oci_fake, oci_bucket, "t.bin"), data)
    assert time.monotonic() - started >= 0.3  # waited as told, not the 10 ms backoff
    assert fault.hits == 1 and oci_fake.calls["UploadPart"] == 4
    assert oci_fake.objects(oci_bucket)["t.bin"] == data


@pytest.mark.parametrize("status,code", [(503, "ServiceUnavailable"), (500, "InternalServerError")])
def test_5xx_on_get_is_retried(oci_fs, oci_fake, oci_bucket, status, code):
    oci_fake.put(oci_bucket, "g.bin", b"abc" * 100)
    fault = oci_fake.inject("GetObject", status, code, times=2)
    assert oci_fs.cat_file(_url(oci_fake, oci_bucket, "g.bin")) == b"abc" * 100
    assert fault.hits == 2


def test_retries_give_up_with_the_service_error(oci_fake, oci_bucket, oci_auth):
    fs = OCIFileSystem(auth=oci_auth, **oci_fs_options(retries=1))
    oci_fake.put(oci_bucket, "g.bin", b"abc")
    oci_fake.inject("HeadObject", 503, "ServiceUnavailable", times=None)
    with pytest.raises(OSError):
        fs.info(_url(oci_fake, oci_bucket, "g.bin"))
    assert oci_fake.calls["HeadObject"] == 2  # one try, one retry


def test_part_md5_is_checked_by_the_service(oci_fs, oci_fake, oci_bucket):
    # A part whose Content-MD5 does not match is refused: nothing corrupt is assembled.
    from omefs.providers.oci.multipart import MultipartUpload

    upload = MultipartUpload(oci_fs.oci_client, oci_fake.namespace, oci_bucket, "x",
                             max_concurrency=2).start()
    with pytest.raises(Exception) as info:
        oci_fs.oci_client.upload_part(oci_fake.namespace, oci_bucket, "x", upload.upload_id, 1,
                                      b"data", content_md5=b64md5(b"other"))
    assert getattr(info.value, "status", None) == 400
    upload.abort()


def test_part_size_grows_past_10000_parts(oci_fs):
    assert oci_fs._part_size_for(5 * MiB) == MiB
    assert oci_fs._part_size_for(20_000 * MiB) == 2 * MiB


def test_bad_tuning_is_a_config_error(oci_auth):
    from omefs.errors import ConfigError

    with pytest.raises(ConfigError, match="part_size must be between"):
        OCIFileSystem(auth=oci_auth, part_size=1000, skip_instance_cache=True)
    with pytest.raises(ConfigError, match="max_concurrency"):
        OCIFileSystem(auth=oci_auth, max_concurrency=0, skip_instance_cache=True)


# -- download -------------------------------------------------------------------------------------


def test_large_read_is_parallel_ranges_and_verified(oci_fs, oci_fake, oci_bucket, big, tmp_path):
    oci_fs.pipe_file(_url(oci_fake, oci_bucket, "w.bin"), big[:20 * MiB])
    oci_fake.calls.clear()
    assert oci_fs.cat_file(_url(oci_fake, oci_bucket, "w.bin")) == big[:20 * MiB]
    assert oci_fake.calls["GetObject"] == 21  # the first GET (headers only) + 20 ranges
    target = tmp_path / "out" / "w.bin"
    oci_fs.get_file(_url(oci_fake, oci_bucket, "w.bin"), str(target))
    assert target.read_bytes() == big[:20 * MiB]
    assert not list(target.parent.glob("*.omefs-partial"))


def test_corrupted_byte_is_caught_by_md5(oci_fs, oci_fake, oci_bucket, tmp_path):
    data = os.urandom(512 * 1024)
    oci_fake.put(oci_bucket, "c.bin", data)  # single-part: Content-MD5
    url = _url(oci_fake, oci_bucket, "c.bin")
    oci_fake.corrupt("c.bin", times=10)
    with pytest.raises(ChecksumMismatchError) as info:
        oci_fs.cat_file(url)
    assert "Content-MD5" in str(info.value)
    target = tmp_path / "c.bin"
    with pytest.raises(ChecksumMismatchError):
        oci_fs.get_file(url, str(target))
    assert not target.exists() and not list(tmp_path.glob("*.omefs-partial"))


def test_corrupted_byte_once_is_read_again(oci_fs, oci_fake, oci_bucket):
    data = os.urandom(512 * 1024)
    oci_fake.put(oci_bucket, "c.bin", data)
    oci_fake.corrupt("c.bin", times=1)
    assert oci_fs.cat_file(_url(oci_fake, oci_bucket, "c.bin")) == data
    assert oci_fake.calls["GetObject"] == 2


def test_corruption_in_a_multipart_object_is_caught_by_opc_meta_md5(oci_fs, oci_fake, oci_bucket, big):
    url = _url(oci_fake, oci_bucket, "mp.bin")
    oci_fs.pipe_file(url, big[:4 * MiB])  # multipart, with opc-meta-md5
    oci_fake.corrupt("mp.bin", times=100)
    with pytest.raises(ChecksumMismatchError) as info:
        oci_fs.cat_file(url)
    assert "opc-meta-md5" in str(info.value)


def test_sequential_file_read_is_verified(oci_fs, oci_fake, oci_bucket):
    data = os.urandom(300_000)
    oci_fake.put(oci_bucket, "s.bin", data)
    oci_fake.corrupt("s.bin", times=100)
    with pytest.raises(ChecksumMismatchError):
        with oci_fs.open(_url(oci_fake, oci_bucket, "s.bin"), "rb", block_size=64 * 1024) as f:
            while f.read(50_000):
                pass


def test_truncated_body_is_retried(oci_fs, oci_fake, oci_bucket):
    from omefs.providers.oci.download import read_range
    from omefs.providers.oci.retry import RetryPolicy

    data = os.urandom(100_000)
    oci_fake.put(oci_bucket, "t.bin", data)
    fault = oci_fake.inject("GetObject", 500, times=1)
    got = read_range(oci_fs.oci_client, oci_fake.namespace, oci_bucket, "t.bin", 10, 90_000,
                     policy=RetryPolicy(max_attempts=3, base_delay=0.01))
    assert got == data[10:90_000] and fault.hits == 1


# -- server-side copy -----------------------------------------------------------------------------


def test_copy_between_buckets_polls_the_work_request(oci_fs, oci_fake, oci_bucket, big):
    oci_fake.create_bucket("dest-bkt")
    src = _url(oci_fake, oci_bucket, "m/w.bin")
    oci_fs.pipe_file(src, big[:3 * MiB])
    result = oci_fs.cp_file(src, _url(oci_fake, "dest-bkt", "copied/w.bin"))
    assert oci_fake.calls["CopyObject"] == 1
    assert result.polls == oci_fake.work_request_polls >= 2  # ACCEPTED -> IN_PROGRESS -> COMPLETED
    assert all(wr.status == "COMPLETED" for wr in oci_fake.work_requests.values())
    assert oci_fake.objects("dest-bkt")["copied/w.bin"] == big[:3 * MiB]
    # fsspec's copy (recursive, globs) goes through the same server-side copy.
    oci_fs.copy(_url(oci_fake, oci_bucket, "m/"), _url(oci_fake, "dest-bkt", "tree/"), recursive=True)
    assert oci_fake.objects("dest-bkt")["tree/w.bin"] == big[:3 * MiB]
    assert oci_fake.calls["GetObject"] == 0  # no bytes through the client


def test_failed_copy_is_a_clear_error(oci_fs, oci_fake, oci_bucket):
    oci_fake.create_bucket("dest-bkt")
    oci_fs.pipe_file(_url(oci_fake, oci_bucket, "a"), b"abc")
    oci_fake.fail_next_copy("InsufficientServiceQuota", "the destination is out of quota")
    with pytest.raises(TransferError) as info:
        oci_fs.cp_file(_url(oci_fake, oci_bucket, "a"), _url(oci_fake, "dest-bkt", "a"))
    text = str(info.value)
    assert "failed (work request ocid1.objectstorageworkrequest" in text
    assert "InsufficientServiceQuota: the destination is out of quota" in text
    assert "a" not in oci_fake.objects("dest-bkt")


def test_copy_to_a_missing_bucket_is_not_found(oci_fs, oci_fake, oci_bucket):
    oci_fs.pipe_file(_url(oci_fake, oci_bucket, "a"), b"abc")
    with pytest.raises(NotFoundError, match="BucketNotFound"):
        oci_fs.cp_file(_url(oci_fake, oci_bucket, "a"), _url(oci_fake, "nowhere", "a"))


def test_copy_timeout(oci_fake, oci_bucket, oci_auth):
    fs = OCIFileSystem(auth=oci_auth, **oci_fs_options(copy_timeout=0.0))
    fs.pipe_file(_url(oci_fake, oci_bucket, "a"), b"abc")
    oci_fake.create_bucket("dest-bkt")
    with pytest.raises(TransferError, match="did not finish within 0s"):
        fs.cp_file(_url(oci_fake, oci_bucket, "a"), _url(oci_fake, "dest-bkt", "a"))


def test_put_get_file_round_trip_keeps_md5(oci_fs, oci_fake, oci_bucket, tmp_path, big):
    source = tmp_path / "src.bin"
    source.write_bytes(big[:3 * MiB + 17])
    url = _url(oci_fake, oci_bucket, "rt.bin")
    oci_fs.put(str(source), url)
    info = oci_fs.info(url)
    assert info["metadata"]["md5"] == b64md5(big[:3 * MiB + 17])
    assert info["md5"].endswith("-4")
    oci_fs.get(url, str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == source.read_bytes()
