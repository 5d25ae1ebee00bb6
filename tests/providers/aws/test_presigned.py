"""Whole-object reads and writes of S3 as presigned GETs and PUTs over plain HTTP
(omefs.providers.aws.presigned).

Servers: moto (``s3_env``) for the reads, and moto with IAM enforced
(``s3_auth_env``), which checks header signatures but answers every
presigned URL with a 500 (its IAM check reads only the ``Authorization``
header): a server that takes no query signature, whose objects must still
be read and written, through obstore's header-signed requests. The copy
engine's reads and writes of small objects take this path; a store whose
request is more than a signed URL (a proxy, requester-pays) keeps obstore's.
"""

from __future__ import annotations

import hashlib

import fsspec
import pytest

import omefs
from omefs.errors import HTTPNotFoundError, HTTPStatusError, NotFoundError
from omefs.providers.aws.presigned import get_object, plain_client, put_object
from omefs.providers.aws.store import build_s3_store

MiB = 1 << 20
NAMES = ["plain.bin", "with space.bin", "ü/ñ+%&=.bin", "deep/a/b/c.bin"]


def filled(server):
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **server.storage_options())
    fs.mkdir("plainget")
    fs.pipe({f"plainget/{name}": name.encode() * 1000 for name in NAMES})
    return fs


@pytest.fixture
def bucket(s3_env):
    return filled(s3_env)


def auth_of(server) -> dict:
    return {"provider": "aws", "auth_type": "access_key",
            "settings": {"access_key_id": server.access_key_id,
                         "secret_access_key": server.secret_access_key, "endpoint_url": server.endpoint}}


def upload_in_parts(server, key: str, parts: list[bytes]) -> None:
    """One multipart upload of ``parts`` (boto3: the layout is the test's, not a client's)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                      aws_access_key_id=server.access_key_id,
                      aws_secret_access_key=server.secret_access_key)
    upload = s3.create_multipart_upload(Bucket="plainget", Key=key)["UploadId"]
    done = [{"PartNumber": n, "ETag": s3.upload_part(Bucket="plainget", Key=key, UploadId=upload,
                                                      PartNumber=n, Body=part)["ETag"]}
            for n, part in enumerate(parts, 1)]
    s3.complete_multipart_upload(Bucket="plainget", Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": done})


def store_for(fs):
    return build_s3_store(fs, "plainget", 3)


def test_every_name_is_read_whole_with_a_signed_get(bucket):
    store = store_for(bucket)
    client = plain_client(store)
    assert client is not None
    for name in NAMES:
        assert get_object(client, store, name) == name.encode() * 1000, name


def test_every_name_is_written_whole_with_a_signed_put(bucket):
    store = store_for(bucket)
    for name in NAMES:
        data = memoryview(b"w-" + name.encode() * 500)
        headers = put_object(plain_client(store), store, f"put/{name}", data)
        assert headers["etag"].strip('"') == hashlib.md5(data).hexdigest()
        assert bucket.cat(f"plainget/put/{name}") == bytes(data)


def test_a_missing_object_is_a_typed_404(bucket):
    client = plain_client(store_for(bucket))
    with pytest.raises(HTTPNotFoundError) as missing:
        get_object(client, store_for(bucket), "absent.bin")
    assert missing.value.http_status == 404 and missing.value.reason == "NoSuchKey"
    assert isinstance(missing.value, FileNotFoundError)


def test_a_server_refusing_query_signatures_is_read_through_obstore(s3_auth_env, tmp_path):
    fs = filled(s3_auth_env)
    store = store_for(fs)
    with pytest.raises(HTTPStatusError) as refused:  # what moto-auth makes of a presigned URL
        get_object(plain_client(store), store, "plain.bin")
    assert refused.value.http_status == 500
    report = omefs.copy("s3://plainget/", str(tmp_path / "out"), src_auth=auth_of(s3_auth_env),
                        recursive=True)
    assert report.ok and len(report.copied) == len(NAMES)
    assert (tmp_path / "out" / NAMES[2]).read_bytes() == NAMES[2].encode() * 1000
    assert plain_client(store) is None  # obstore reads this store from now on


def test_a_server_refusing_query_signatures_is_written_through_obstore(s3_auth_env, tmp_path):
    fs = filled(s3_auth_env)
    (tmp_path / "up").mkdir()
    for name in ("a.bin", "b c.bin"):
        (tmp_path / "up" / name).write_bytes(name.encode() * 100)
    report = omefs.copy(str(tmp_path / "up"), "s3://plainget/up/", dst_auth=auth_of(s3_auth_env),
                        recursive=True)
    assert report.ok and len(report.copied) == 2
    assert fs.cat("plainget/up/b c.bin") == b"b c.bin" * 100


def test_a_proxy_keeps_obstores_requests(bucket, monkeypatch):
    from obstore.store import S3Store

    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = S3Store("plainget", config={"endpoint": bucket.client_kwargs["endpoint_url"],
                                          "access_key_id": "k", "secret_access_key": "s",
                                          "region": "us-east-1"}, client_options={"allow_http": True})
    assert plain_client(proxied) is None


@pytest.mark.parametrize("setting", [{"request_payer": True}, {"checksum_algorithm": "sha256"}])
def test_a_setting_a_url_cannot_carry_keeps_obstores_requests(bucket, setting):
    from obstore.store import S3Store

    store = S3Store("plainget", config={"endpoint": bucket.client_kwargs["endpoint_url"],
                                        "access_key_id": "k", "secret_access_key": "s",
                                        "region": "us-east-1", **setting},
                    client_options={"allow_http": True})
    assert plain_client(store) is None


def test_the_engine_reads_and_writes_small_objects_this_way(bucket, s3_env, tmp_path, monkeypatch):
    import obstore

    def no_obstore(*args, **kwargs):
        raise AssertionError("obstore's GET or PUT was used")

    monkeypatch.setattr(obstore, "get_async", no_obstore)
    monkeypatch.setattr(obstore, "put_async", no_obstore)
    auth = auth_of(s3_env)
    report = omefs.copy("s3://plainget/", str(tmp_path / "out"), src_auth=auth, recursive=True)
    assert report.ok and len(report.copied) == len(NAMES)
    for name in NAMES:
        data = (tmp_path / "out" / name).read_bytes()
        assert hashlib.md5(data).digest() == hashlib.md5(name.encode() * 1000).digest()
    with pytest.raises(NotFoundError):
        omefs.copy("s3://plainget/absent.bin", str(tmp_path / "absent.bin"), src_auth=auth)
    back = omefs.copy(str(tmp_path / "out"), "s3://plainget/back/", dst_auth=auth, recursive=True)
    assert back.ok and len(back.copied) == len(NAMES)
    for name in NAMES:  # the engine compared each ETag with the MD5 of what it sent
        assert bucket.cat(f"plainget/back/{name}") == name.encode() * 1000


@pytest.mark.parametrize("name", ["mp.bin", "a b/ü+%.bin"])
def test_a_multipart_sources_part_size_is_asked_without_s3fs(s3_auth_env, name):
    """``HEAD ?partNumber=1`` signed by botocore's SigV4 in headers, which moto-auth checks:
    the answer is part 1's size (the layout a multipart ETag is checked with)."""
    from omefs.providers.aws.presigned import first_part_size

    fs = filled(s3_auth_env)
    upload_in_parts(s3_auth_env, name, [b"p" * (5 * MiB), b"q" * (5 * MiB), b"tail"])
    assert fs.info(f"plainget/{name}")["ETag"].strip('"').endswith("-3")
    store = store_for(fs)
    from omefs.lean_http import LeanHTTP

    assert first_part_size(LeanHTTP(), store, name) == 5 * MiB


def test_a_multipart_copy_checks_the_etag_with_the_part_size_learnt_so(s3_env, tmp_path, monkeypatch):
    fs = filled(s3_env)
    upload_in_parts(s3_env, "big/mp.bin", [b"r" * (5 * MiB), b"r" * (5 * MiB), b"r" * MiB])
    def no_s3fs(*args, **kwargs):
        raise AssertionError("s3fs was asked for the part size")

    monkeypatch.setattr(type(fs), "call_s3", no_s3fs, raising=False)
    report = omefs.copy("s3://plainget/big/mp.bin", str(tmp_path / "mp.bin"), src_auth=auth_of(s3_env),
                        part_size=8 * MiB)
    (item,) = report.copied
    assert "etag" in item.verified
    assert (tmp_path / "mp.bin").read_bytes() == b"r" * (11 * MiB)
