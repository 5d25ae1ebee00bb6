"""Errors a new user meets, each fast and clear: a refused connection (no server at the
endpoint) on S3, GCS and Azure, and a missing bucket on moto (S3)."""

from __future__ import annotations

import socket
import time

import fsspec
import pytest

import omefs
from omefs.cli.main import run
from omefs.errors import ConnectionFailedError, TransferError
from tests.servers import clear_fsspec_caches

#: An Azurite-style connection string (the well-known development key, no secret).
_AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@pytest.fixture
def closed_endpoint():
    """``http://127.0.0.1:PORT`` where nothing listens (a port bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _filesystem(kind: str, endpoint: str):
    if kind == "s3":
        return omefs.filesystem("s3", endpoint_url=endpoint, key="a", secret="b", skip_instance_cache=True)
    if kind == "gs":
        return omefs.filesystem("gs", endpoint_url=endpoint, token="anon", skip_instance_cache=True)
    return omefs.filesystem("az", skip_instance_cache=True, connection_string=(
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={_AZURITE_KEY};"
        f"BlobEndpoint={endpoint}/devstoreaccount1;"))


@pytest.mark.parametrize("kind", ["s3", "gs", "az"])
def test_connection_refused_fails_in_under_3_s_naming_the_endpoint(kind, closed_endpoint):
    fs = _filesystem(kind, closed_endpoint)
    with pytest.raises(ConnectionFailedError):
        fs.ls("bucket")  # the first call also builds the client (imports, credentials)
    started = time.monotonic()
    with pytest.raises(ConnectionFailedError) as info:
        fs.ls("other-bucket", refresh=True)
    elapsed = time.monotonic() - started
    assert elapsed < 3, f"{kind}: {elapsed:.1f} s"  # the SDKs' own retries take 5 s to 80 s
    text = str(info.value)
    assert closed_endpoint.split("//")[1] in text
    assert "is the endpoint right" in text


def test_copy_to_a_missing_bucket_is_not_found_naming_it(s3_env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_env.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_env.secret_access_key)
    clear_fsspec_caches()
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3_env.storage_options())
    assert not fs.exists("no-such-bucket")
    src = tmp_path / "w.bin"
    src.write_bytes(b"w" * 1000)
    with pytest.raises(TransferError) as info:
        omefs.copy(str(src), "s3://no-such-bucket/w.bin", dst_options={"endpoint_url": s3_env.endpoint},
                   retries=0)
    item = info.value.report.failed[0]
    assert item.error.startswith("NotFoundError: the destination bucket 'no-such-bucket' does not exist")
    assert "<?xml" not in str(info.value)
    code = run(["cp", "--retries", "0", "--endpoint-url", s3_env.endpoint, str(src), "s3://no-such-bucket/w.bin"])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "no-such-bucket" in err and "<?xml" not in err and "<Error>" not in err
