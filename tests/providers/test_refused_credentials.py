"""Wrong credentials are refused with typed errors that name the URI and provider, never the secret."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import omefs
from omefs.errors import AuthError, PermissionDeniedError
from tests.providers.stores import new_bucket

CANARY = "CanarySecretDoNotLeak0123456789abcdef"


def _no_canary(exc: BaseException) -> None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        assert CANARY not in str(exc) and CANARY not in repr(exc)
        exc = exc.__cause__ or exc.__context__


def test_s3_wrong_secret_is_auth_error(moto_auth_server):
    server = moto_auth_server
    good = {"provider": "aws", "auth_type": "access_key",
            "settings": {"access_key_id": server.access_key_id,
                         "secret_access_key": server.secret_access_key,
                         "endpoint_url": server.endpoint}}
    bucket = new_bucket()
    fs = omefs.filesystem("s3", auth=good, skip_instance_cache=True)
    fs.mkdir(bucket)
    fs.pipe(f"{bucket}/k", b"data")

    bad = {**good, "settings": {**good["settings"], "secret_access_key": CANARY}}
    url = f"s3://{bucket}/k"
    # A GET carries S3's error code in its body: the signature was not accepted.
    bad_fs = omefs.filesystem("s3", auth=bad, skip_instance_cache=True)
    with pytest.raises(AuthError) as info:
        bad_fs.ls(bucket)
    msg = str(info.value)
    assert f"s3://{bucket}" in msg and "provider=s3" in msg
    assert "SignatureDoesNotMatch" in msg
    _no_canary(info.value)
    # A HEAD (what open() sends first) has no body, so S3 says only "403":
    # refused, typed, but it cannot tell a bad key from a missing permission.
    with pytest.raises((AuthError, PermissionDeniedError)) as info2:
        with omefs.open(url, auth=bad, skip_instance_cache=True) as f:
            f.read()
    assert "provider=s3" in str(info2.value)
    _no_canary(info2.value)


def test_azure_wrong_key_is_auth_error(azure_env):
    server = azure_env
    good = omefs.filesystem("azure", auth={"provider": "azure", "auth_type": "connection_string",
                                           "settings": {"connection_string": server.connection_string}})
    bucket = new_bucket()
    good.mkdir(bucket)
    good.pipe(f"{bucket}/k", b"data")
    import base64

    wrong_key = base64.b64encode(CANARY.encode()).decode()
    bad = {"provider": "azure", "auth_type": "account_key",
           "settings": {"account_name": server.account_name, "account_key": wrong_key,
                        "account_url": server.blob_endpoint}}
    fs = omefs.filesystem("azure", auth=bad, skip_instance_cache=True)
    with pytest.raises(AuthError) as info:
        fs.cat(f"{bucket}/k")
    msg = str(info.value)
    assert f"azure://{bucket}/k" in msg and "provider=azure" in msg
    assert wrong_key not in msg
    _no_canary(info.value)


def test_azure_read_only_sas_cannot_write(azure_env):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    server = azure_env
    cs = {"provider": "azure", "auth_type": "connection_string",
          "settings": {"connection_string": server.connection_string}}
    bucket = new_bucket()
    admin = omefs.filesystem("azure", auth=cs)
    admin.mkdir(bucket)
    admin.pipe(f"{bucket}/readable.txt", b"ok")
    sas = generate_container_sas(
        account_name=server.account_name, container_name=bucket, account_key=server.account_key,
        permission=ContainerSasPermissions(read=True, list=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    ro = {"provider": "azure", "auth_type": "sas_token",
          "settings": {"account_name": server.account_name, "sas_token": sas,
                       "account_url": server.blob_endpoint}}
    fs = omefs.filesystem("azure", auth=ro, skip_instance_cache=True)
    assert fs.cat(f"{bucket}/readable.txt") == b"ok"
    with pytest.raises(PermissionDeniedError) as info:
        fs.pipe(f"{bucket}/new.txt", b"nope")
    assert f"azure://{bucket}/new.txt" in str(info.value)
    assert isinstance(info.value, PermissionError)
    sig = sas.split("sig=")[1].split("&")[0]
    assert sig not in str(info.value) and sig not in repr(fs.auth_config)
