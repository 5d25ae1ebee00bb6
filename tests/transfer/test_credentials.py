"""obstore gets omefs's credentials: SDK credential objects become credential providers.

An ``assume_role`` auth config (STS on the moto server) resolves to
botocore refreshable credentials; the copy engine's obstore store must
sign with them through a
:class:`~omefs.providers.aws.store.BotocoreCredentialProvider` (so
botocore, not obstore, refreshes them). With moto enforcing signatures, a
wrong secret is refused with a typed error before anything moves.
"""

from __future__ import annotations

import pytest

import omefs
from omefs.errors import AuthError, PermissionDeniedError
from omefs.providers.aws.store import BotocoreCredentialProvider
from omefs.transfer.endpoints import Endpoint
from tests.transfer.conftest import MiB, blob


def _role_config(server, key: str, secret: str) -> dict:
    return {
        "provider": "aws", "auth_type": "assume_role",
        "settings": {
            "role_arn": "arn:aws:iam::123456789012:role/omefs-copier",
            "sts_endpoint_url": server.endpoint, "sts_region": "us-east-1",
            "endpoint_url": server.endpoint,
            "source": {"provider": "aws", "auth_type": "access_key",
                       "settings": {"access_key_id": key, "secret_access_key": secret}},
        },
    }


def test_assume_role_credentials_reach_obstore(s3_env, side):
    server = s3_env
    fs = omefs.filesystem("s3", key=server.access_key_id, secret=server.secret_access_key,
                          client_kwargs={"endpoint_url": server.endpoint})
    fs.mkdir("role-src")
    fs.pipe({"role-src/d/small.bin": blob(1000, 1), "role-src/d/big.bin": blob(6 * MiB, 2)})
    auth = _role_config(server, server.access_key_id, server.secret_access_key)

    endpoint = Endpoint.from_uri("s3://role-src/d/", auth=auth)
    store, key = endpoint.store("role-src/d/big.bin")
    assert isinstance(store.credential_provider, BotocoreCredentialProvider)
    assert key == "d/big.bin"

    dst = side("file")
    report = omefs.copy("s3://role-src/d/", dst.uri("out/"), recursive=True, src_auth=auth,
                        part_size="5MiB")
    assert report.ok and len(report.copied) == 2
    assert dst.read("out/big.bin") == blob(6 * MiB, 2)
    assert {i.method for i in report.copied} == {"single", "stream"}


def test_refused_credentials_are_a_typed_error(s3_auth_env, side):
    server = s3_auth_env
    fs = omefs.filesystem("s3", key=server.access_key_id, secret=server.secret_access_key,
                          client_kwargs={"endpoint_url": server.endpoint})
    fs.mkdir("locked")
    fs.pipe("locked/x.bin", b"x" * 100)
    src = side("file")
    src.put("x.bin", b"y" * 100)
    wrong = {"key": server.access_key_id, "secret": "not-the-secret",
             "client_kwargs": {"endpoint_url": server.endpoint}}
    with pytest.raises((AuthError, PermissionDeniedError)):
        omefs.copy(src.uri("x.bin"), "s3://locked/x.bin", dst_options=wrong, retries=1)
    assert fs.cat_file("locked/x.bin") == b"x" * 100


def test_google_credentials_provider_hands_obstore_an_utc_expiry():
    from datetime import datetime, timedelta, timezone

    from google.oauth2.credentials import Credentials

    from omefs.providers.gcp.store import GoogleCredentialProvider

    expiry = datetime.utcnow() + timedelta(hours=1)  # google-auth keeps naive UTC
    creds = Credentials(token="ya29.token", expiry=expiry)
    out = GoogleCredentialProvider(creds)()
    assert out["token"] == "ya29.token"
    assert out["expires_at"].tzinfo is timezone.utc
    # asked again before google-auth's own expiry
    assert out["expires_at"] < expiry.replace(tzinfo=timezone.utc)


def test_botocore_provider_for_static_and_refreshable_credentials():
    from datetime import datetime, timedelta, timezone

    from botocore.credentials import Credentials, RefreshableCredentials

    static = BotocoreCredentialProvider(Credentials("AKIA", "static-secret-value-92", None))()
    assert static["expires_at"] is None and static["access_key_id"] == "AKIA"
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    refreshable = RefreshableCredentials("AKIA2", "s2", "tok", later,
                                         lambda: {"access_key": "AKIA3", "secret_key": "s3",
                                                  "token": "t3", "expiry_time": later.isoformat()},
                                         "test")
    out = BotocoreCredentialProvider(refreshable)()
    assert out["token"] == "tok" and out["expires_at"].tzinfo is timezone.utc
    assert out["expires_at"] < later
