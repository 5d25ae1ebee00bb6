"""No SDK exception escapes a public call: the errors that carry no service code.

A refused connection, credentials that cannot be found at all, and any
other SDK error reach the caller as :mod:`omefs.errors` classes (each still
the built-in it stands for: ``ConnectionError``, ``OSError``), with the
SDK's exception as the ``__cause__``. Nothing listens on the port these
tests use (a port taken and closed again), so every connection is refused
at once.
"""

from __future__ import annotations

import socket

import pytest

import omefs
from omefs.errors import AuthError, ConnectionFailedError, ServiceError
from omefs.providers.error_mapping import translate


@pytest.fixture
def dead_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _refused(call) -> ConnectionFailedError:
    with pytest.raises(ConnectionFailedError) as caught:
        call()
    err = caught.value
    assert isinstance(err, ConnectionError) and err.__cause__ is not None
    assert "endpoint" in str(err)
    return err


def test_s3_connection_refused(dead_endpoint):
    fs = omefs.filesystem("s3", endpoint_url=dead_endpoint, key="k", secret="s",
                          skip_instance_cache=True, config_kwargs={"retries": {"max_attempts": 1}})
    err = _refused(lambda: fs.ls("bucket"))
    assert dead_endpoint in str(err) and err.provider == "s3"


def test_a_network_error_from_aiohttp_is_a_connection_failure(dead_endpoint):
    """gcsfs and adlfs speak aiohttp; their refused connections map the same way.

    (Through gcsfs itself a refused connection takes ~35 s to surface: it
    retries six times with backoff before giving up.)
    """
    import asyncio

    import aiohttp

    async def fetch() -> None:
        async with aiohttp.ClientSession() as session:
            await session.get(dead_endpoint)

    try:
        asyncio.run(fetch())
    except aiohttp.ClientConnectorError as exc:
        raw = exc
    mapped = translate(raw, "ls", "gs://b", "gcs")
    assert isinstance(mapped, ConnectionFailedError) and "127.0.0.1" in str(mapped)


def test_s3_without_any_credentials_is_an_auth_error(dead_endpoint, monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    fs = omefs.filesystem("s3", endpoint_url=dead_endpoint, skip_instance_cache=True)
    with pytest.raises(AuthError) as caught:
        fs.ls("bucket")
    assert type(caught.value.__cause__).__name__ == "NoCredentialsError"
    assert "auth=" in str(caught.value)


def test_an_sdk_error_with_no_known_code_becomes_a_service_error():
    from botocore.exceptions import ClientError

    raw = ClientError({"Error": {"Code": "SomethingNew", "Message": "odd"},
                       "ResponseMetadata": {"HTTPStatusCode": 418}}, "GetObject")
    mapped = translate(raw, "cat", "s3://b/k", "s3")
    assert isinstance(mapped, ServiceError) and isinstance(mapped, OSError)
    assert "418" in str(mapped) and "SomethingNew" in str(mapped)
    # A built-in error of omefs's own or the caller's making is left alone.
    plain = ValueError("bad argument")
    assert translate(plain, "cat", "s3://b/k", "s3") is plain
