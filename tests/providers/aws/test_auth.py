"""AWS auth types against moto with IAM enforced, and local credential endpoints.

moto (``s3_auth_env``) refuses any request not signed with a key it issued
and checks each principal's IAM policies, so a write that succeeds proves
which credentials made it. Temporary credentials come from moto's STS
(``assume_role``, ``web_identity``) or from local fakes of the instance
metadata service and the container credentials endpoint that hand out
real moto keys (``moto_key_issuer``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

import omefs
from omefs.auth import resolve
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError, PermissionDeniedError
from omefs.providers.aws.auth import AWSCredentials
from tests.servers.auth_fakes import (
    ALLOW_ASSUME,
    ALLOW_S3,
    AWSKeys,
    FakeContainerCredentials,
    FakeIMDS,
    MotoIAM,
    RegionalS3Front,
    moto_key_issuer,
    static_issuer,
)

pytest_plugins = ("tests.servers.auth_fixtures",)  # fakes, tls_files, moto_iam, azurite_oauth…


def s3fs_for(auth: dict, **kw) -> object:
    return omefs.filesystem("s3", auth=auth, skip_instance_cache=True, **kw)


def with_endpoint(settings: dict, iam: MotoIAM, **more) -> dict:
    return {**settings, "endpoint_url": iam.endpoint, **more}


# -- access_key -------------------------------------------------------------------
def test_access_key_reads_and_writes_with_iam_enforced(moto_iam: MotoIAM):
    keys = moto_iam.user("writer", ALLOW_S3)
    bucket = moto_iam.bucket("ak-bucket")
    auth = {"provider": "aws", "auth_type": "access_key", "settings": with_endpoint(keys, moto_iam)}
    fs = s3fs_for(auth)
    fs.pipe(f"{bucket}/a.txt", b"hello")
    assert fs.cat(f"{bucket}/a.txt") == b"hello"
    creds = resolve(auth)
    options = creds.storage_options()
    # s3fs gets a session, not a frozen key
    assert set(options) == {"session", "endpoint_url"}
    assert keys["secret_access_key"] not in repr(creds) + repr(options)


def test_access_key_from_environment_and_ome_shapes(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value-1")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-session-token-1")
    creds = resolve({"provider": "aws", "auth_type": "access_key"})
    frozen = creds.frozen()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (
        "AKIAENVIRONMENT0001", "env-secret-value-1", "env-session-token-1")
    # OME's nested shape and Go constant name; settings win over the environment
    with pytest.warns(DeprecationWarning, match="access_key"):
        cfg = AuthConfig.from_dict({"provider": "aws", "auth_type": "AWSAccessKey", "extra": {
            "access_key": {"access_key_id": "AKIANESTED00000001", "secret_access_key": "nested-secret"}}})
    frozen = resolve(cfg).frozen()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("AKIANESTED00000001", "nested-secret", None)


def test_access_key_missing_names_settings_and_env(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    with pytest.raises(AuthError, match="secret_access_key.*AWS_SECRET_ACCESS_KEY"):
        resolve({"provider": "aws", "auth_type": "access_key", "settings": {"access_key_id": "AKIAONLYKEY0000"}})


def test_wrong_secret_is_refused_as_auth_error(moto_iam: MotoIAM):
    keys = moto_iam.user("writer", ALLOW_S3)
    bucket = moto_iam.bucket("wrong-secret")
    bad = dict(keys, secret_access_key="not-the-secret-at-all")
    fs = s3fs_for({"provider": "aws", "auth_type": "access_key", "settings": with_endpoint(bad, moto_iam)})
    with pytest.raises(AuthError):
        fs.pipe(f"{bucket}/x", b"x")


# -- profile ---------------------------------------------------------------------
def test_profile_from_shared_files(moto_iam: MotoIAM, tmp_path: Path, monkeypatch):
    keys = moto_iam.user("writer", ALLOW_S3)
    bucket = moto_iam.bucket("profile-bucket")
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[team]\naws_access_key_id = {keys['access_key_id']}\n"
                           f"aws_secret_access_key = {keys['secret_access_key']}\n")
    config = tmp_path / "config"
    config.write_text("[profile team]\nregion = eu-west-3\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    auth = {"provider": "aws", "auth_type": "profile",
            "settings": {"profile": "team", "endpoint_url": moto_iam.endpoint}}
    creds = resolve(auth)
    assert creds.region == "eu-west-3"  # the profile's region
    assert creds.identity()["access_key_id"].startswith(keys["access_key_id"][:4])
    s3fs_for(auth).pipe(f"{bucket}/p", b"profile")
    assert moto_iam.s3.get_object(Bucket=bucket, Key="p")["Body"].read() == b"profile"

    # settings name the files too; an unknown profile lists the defined ones
    monkeypatch.delenv("AWS_SHARED_CREDENTIALS_FILE")
    with pytest.raises(AuthError, match=r"'nope' is not defined.*team"):
        resolve({"provider": "aws", "auth_type": "profile",
                 "settings": {"profile": "nope", "credentials_file": str(credentials)}})
    monkeypatch.setenv("AWS_PROFILE", "team")
    creds = resolve({"provider": "aws", "auth_type": "profile",
                     "settings": {"credentials_file": str(credentials)}})
    assert creds.frozen().access_key == keys["access_key_id"]


# -- assume_role -----------------------------------------------------------------------
def test_assume_role_only_the_role_can_write(moto_iam: MotoIAM):
    """The source user may only call sts:AssumeRole; the write must be the assumed role's."""
    source = moto_iam.user("assumer", ALLOW_ASSUME)
    role_arn = moto_iam.role("writer-role", ALLOW_S3)
    bucket = moto_iam.bucket("assume-bucket")
    source_cfg = {"provider": "aws", "auth_type": "access_key", "settings": with_endpoint(source, moto_iam)}
    with pytest.raises(PermissionDeniedError):
        s3fs_for(source_cfg).pipe(f"{bucket}/by-source", b"nope")

    auth = {"provider": "aws", "auth_type": "assume_role", "settings": {
        "role_arn": role_arn, "role_session_name": "omefs-test", "external_id": "ext-123",
        "duration_seconds": 1800, "sts_endpoint_url": moto_iam.endpoint,
        "endpoint_url": moto_iam.endpoint, "source": source_cfg}}
    creds = resolve(auth)
    assert isinstance(creds, AWSCredentials)
    who = creds.caller_identity()
    assert who["arn"].endswith(":assumed-role/writer-role/omefs-test")
    left = (creds.expiry_time - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 1700 < left <= 1800  # duration_seconds reached STS
    assert creds.identity()["access_key_id"].startswith("ASIA")
    s3fs_for(auth).pipe(f"{bucket}/by-role", b"role")
    assert moto_iam.s3.get_object(Bucket=bucket, Key="by-role")["Body"].read() == b"role"


def test_assume_role_through_env_sts_endpoint_and_chained(moto_iam: MotoIAM, monkeypatch):
    """botocore's AWS_ENDPOINT_URL_STS is honoured; a role assumed from another assumed role works."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_iam.endpoint)
    source = moto_iam.user("assumer", ALLOW_ASSUME)
    hop = moto_iam.role("hop-role", ALLOW_ASSUME)
    final = moto_iam.role("final-role", ALLOW_S3)
    bucket = moto_iam.bucket("chain-bucket")
    first = {"provider": "aws", "auth_type": "assume_role",
             "settings": {"role_arn": hop, "source": {"provider": "aws", "auth_type": "access_key",
                                                      "settings": source}}}
    with pytest.raises(PermissionDeniedError):
        s3fs_for(dict(first, settings=dict(first["settings"], endpoint_url=moto_iam.endpoint))).pipe(
            f"{bucket}/hop", b"x")
    chained = {"provider": "aws", "auth_type": "assume_role",
               "settings": {"role_arn": final, "source": first, "endpoint_url": moto_iam.endpoint}}
    creds = resolve(chained)
    assert ":assumed-role/final-role/" in creds.caller_identity()["arn"]
    s3fs_for(chained).pipe(f"{bucket}/final", b"ok")


def test_assume_role_refused_is_auth_error_naming_the_role(moto_iam: MotoIAM):
    nobody = moto_iam.user("nobody", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    role_arn = moto_iam.role("unreachable")
    with pytest.raises(AuthError) as info:
        resolve({"provider": "aws", "auth_type": "assume_role", "settings": {
            "role_arn": role_arn, "sts_endpoint_url": moto_iam.endpoint, "max_attempts": 1,
            "source": {"provider": "aws", "auth_type": "access_key", "settings": nobody}}})
    assert "unreachable" in str(info.value) and "AccessDenied" in str(info.value)
    assert nobody["secret_access_key"] not in str(info.value)


def test_assume_role_source_must_be_aws():
    with pytest.raises(ConfigError, match="source must be an aws auth config"):
        resolve({"provider": "aws", "auth_type": "assume_role", "settings": {
            "role_arn": "arn:aws:iam::123456789012:role/x", "source": {"provider": "gcp", "auth_type": "anonymous"}}})


# -- web_identity ------------------------------------------------------------------------
def test_web_identity_only_the_role_can_write(moto_iam: MotoIAM, tmp_path: Path):
    role_arn = moto_iam.role("web-role", ALLOW_S3)
    bucket = moto_iam.bucket("web-bucket")
    token_file = tmp_path / "token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvbWVmcyJ9.c2lnbmF0dXJl\n")
    auth = {"provider": "aws", "auth_type": "web_identity", "settings": {
        "role_arn": role_arn, "token_file": str(token_file), "role_session_name": "ci-job",
        "sts_endpoint_url": moto_iam.endpoint, "endpoint_url": moto_iam.endpoint}}
    # AssumeRoleWithWebIdentity is unsigned; moto enforcing auth cannot take an unsigned call,
    # so exactly that one call is let through — every other call below is checked.
    moto_iam.allow_unsigned_calls(1)
    creds = resolve(auth)
    assert creds.source.method == "assume-role-with-web-identity"
    assert ":assumed-role/web-role/ci-job" in creds.caller_identity()["arn"]
    fs = omefs.filesystem("s3", auth={"provider": "aws", "auth_type": "access_key", "settings": {
        "access_key_id": creds.frozen().access_key, "secret_access_key": creds.frozen().secret_key,
        "session_token": creds.frozen().token, "endpoint_url": moto_iam.endpoint}},
        skip_instance_cache=True)
    fs.pipe(f"{bucket}/web", b"web")
    assert moto_iam.s3.get_object(Bucket=bucket, Key="web")["Body"].read() == b"web"
    # and the same credentials through the web_identity config's own session
    fs = omefs.filesystem("s3", session=creds.aio_session(), endpoint_url=moto_iam.endpoint,
                          skip_instance_cache=True)
    assert fs.cat(f"{bucket}/web") == b"web"


def test_web_identity_env_and_missing_token_file(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/x")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "absent"))
    with pytest.raises(AuthError, match="token file .*absent.* does not exist"):
        resolve({"provider": "aws", "auth_type": "web_identity"})
    monkeypatch.delenv("AWS_ROLE_ARN")
    with pytest.raises(AuthError, match="needs settings role_arn"):
        resolve({"provider": "aws", "auth_type": "web_identity"})


# -- instance_profile ----------------------------------------------------------------------
def test_instance_profile_imdsv2(moto_iam: MotoIAM, fakes, monkeypatch):
    moto_iam.user("instance-user", ALLOW_S3, with_key=False)
    bucket = moto_iam.bucket("imds-bucket")
    issuer = moto_key_issuer(moto_iam.iam, "instance-user")
    imds = fakes.start(FakeIMDS(issuer, role="omefs-instance-role"))
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint)
    auth = {"provider": "aws", "auth_type": "instance_profile", "settings": {"endpoint_url": moto_iam.endpoint}}
    creds = resolve(auth)
    assert creds.identity()["role_name"] == "omefs-instance-role"
    s3fs_for(auth).pipe(f"{bucket}/imds", b"from the instance role")
    assert moto_iam.s3.get_object(Bucket=bucket, Key="imds")["Body"].read() == b"from the instance role"
    # IMDSv2: a token was PUT first and every metadata GET carried it
    assert imds.count("PUT", "/latest/api/token") >= 1
    gets = imds.requests("GET")
    assert gets and all(g.headers.get("x-aws-ec2-metadata-token") in imds.tokens for g in gets)


def test_instance_profile_unreachable_or_disabled(monkeypatch, fakes):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(AuthError, match="AWS_EC2_METADATA_DISABLED"):
        resolve({"provider": "aws", "auth_type": "instance_profile"})
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    imds = fakes.start(FakeIMDS(static_issuer(AWSKeys("AKIA0000", "s")), role="r"))
    imds.stop()  # nothing listens there now
    start = time.monotonic()
    with pytest.raises(AuthError, match="no role credentials from the instance metadata service"):
        resolve({"provider": "aws", "auth_type": "instance_profile",
                 "settings": {"metadata_endpoint": imds.endpoint, "timeout": 0.5}})
    assert time.monotonic() - start < 5


# -- ecs_task_role ----------------------------------------------------------------------------
def test_ecs_task_role_full_uri_with_token_file(moto_iam: MotoIAM, fakes, monkeypatch, tmp_path):
    moto_iam.user("task-user", ALLOW_S3, with_key=False)
    bucket = moto_iam.bucket("ecs-bucket")
    ecs = fakes.start(FakeContainerCredentials(moto_key_issuer(moto_iam.iam, "task-user"),
                                               auth_token="pod-identity-token-0001"))
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text("pod-identity-token-0001")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", ecs.full_uri)
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
    auth = {"provider": "aws", "auth_type": "ecs_task_role", "settings": {"endpoint_url": moto_iam.endpoint}}
    s3fs_for(auth).pipe(f"{bucket}/task", b"task")
    assert moto_iam.s3.get_object(Bucket=bucket, Key="task")["Body"].read() == b"task"
    assert ecs.requests("GET")[0].headers["authorization"] == "pod-identity-token-0001"


def test_ecs_task_role_wrong_token_is_auth_error(fakes):
    ecs = fakes.start(FakeContainerCredentials(static_issuer(AWSKeys("AKIA0000", "s")),
                                               auth_token="right-token-value"))
    with pytest.raises(AuthError) as info:
        resolve({"provider": "aws", "auth_type": "ecs_task_role", "settings": {
            "full_uri": ecs.full_uri, "authorization_token": "wrong-token-value", "max_attempts": 1}})
    assert "403" in str(info.value) and "wrong-token-value" not in str(info.value)
    with pytest.raises(AuthError, match="relative_uri or full_uri"):
        resolve({"provider": "aws", "auth_type": "ecs_task_role"})


def test_ecs_task_role_relative_uri_goes_to_the_ecs_agent_address():
    """A relative URI is joined to 169.254.170.2 by botocore (nothing answers there in a test)."""
    with pytest.raises(AuthError, match=r"169\.254\.170\.2"):
        resolve({"provider": "aws", "auth_type": "ecs_task_role", "settings": {
            "relative_uri": "/v2/credentials/omefs", "timeout": 0.2, "max_attempts": 1}})


def test_ecs_credentials_expiring_mid_read_are_refreshed(moto_iam: MotoIAM, fakes):
    """Keys live 2.5 s at moto (deleted after); the SDK renews them every 1 s during a ~4 s read."""
    moto_iam.user("task-user", ALLOW_S3, with_key=False)
    bucket = moto_iam.bucket("long-read")
    payload = os.urandom(6 * 1024 * 1024)
    moto_iam.s3.put_object(Bucket=bucket, Key="big.bin", Body=payload)
    issuer = moto_key_issuer(moto_iam.iam, "task-user", lifetime=2.5)
    ecs = fakes.start(FakeContainerCredentials(issuer, lifetime=1.0))
    try:
        fs = s3fs_for({"provider": "aws", "auth_type": "ecs_task_role",
                       "settings": {"full_uri": ecs.full_uri, "endpoint_url": moto_iam.endpoint}})
        got = bytearray()
        with fs.open(f"{bucket}/big.bin", block_size=1024 * 1024) as f:
            while chunk := f.read(1024 * 1024):
                got += chunk
                time.sleep(0.7)
        assert bytes(got) == payload
        assert ecs.credential_fetches >= 3  # renewed during the read
        assert len(issuer.deleted) >= 1  # and the first keys really were gone by the end
    finally:
        issuer.close()


def test_static_key_past_its_lifetime_is_refused(moto_iam: MotoIAM):
    """The control for the test above: a key that is not renewed stops working.

    The key is deleted at the end of its life by hand, not by the issuer's
    timer, so how long the first request takes on a busy machine does not
    matter.
    """
    moto_iam.user("task-user", ALLOW_S3, with_key=False)
    bucket = moto_iam.bucket("control")
    issuer = moto_key_issuer(moto_iam.iam, "task-user")
    keys = issuer()
    fs = s3fs_for({"provider": "aws", "auth_type": "access_key", "settings": {
        "access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key,
        "endpoint_url": moto_iam.endpoint}})
    fs.pipe(f"{bucket}/a", b"a")
    issuer.delete(keys.access_key_id)  # the end of the key's life
    with pytest.raises(AuthError):
        fs.pipe(f"{bucket}/b", b"b")
    issuer.close()


def test_refresh_now_reaches_the_filesystem(moto_iam: MotoIAM, fakes):
    moto_iam.user("task-user", ALLOW_S3, with_key=False)
    bucket = moto_iam.bucket("forced")
    issuer = moto_key_issuer(moto_iam.iam, "task-user")
    ecs = fakes.start(FakeContainerCredentials(issuer))
    auth = {"provider": "aws", "auth_type": "ecs_task_role",
            "settings": {"full_uri": ecs.full_uri, "endpoint_url": moto_iam.endpoint}}
    creds = resolve(auth)
    fs = omefs.filesystem("s3", session=creds.aio_session(), endpoint_url=moto_iam.endpoint,
                          skip_instance_cache=True)
    fs.pipe(f"{bucket}/one", b"1")
    first_key = creds.frozen().access_key
    assert not creds.expired
    creds.refresh()
    assert creds.frozen().access_key != first_key
    issuer.delete(first_key)  # the old key is gone: s3fs must use the new one
    fs.pipe(f"{bucket}/two", b"2")
    assert ecs.credential_fetches == 2


# -- process ---------------------------------------------------------------------------------
def write_helper(tmp_path: Path, keys: dict, fail: bool = False) -> str:
    script = tmp_path / "creds-helper.py"
    calls = tmp_path / "calls"
    script.write_text(textwrap.dedent(f"""
        import json, sys, datetime
        with open({str(calls)!r}, "a") as fh:
            fh.write("x")
        if {fail!r}:
            sys.stderr.write("helper failed: vault sealed\\n")
            sys.exit(3)
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        print(json.dumps({{"Version": 1, "AccessKeyId": {keys['access_key_id']!r},
                          "SecretAccessKey": {keys['secret_access_key']!r},
                          "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}}))
    """))
    return f"{sys.executable} {script}"


def test_process_runs_a_real_helper(moto_iam: MotoIAM, tmp_path: Path):
    keys = moto_iam.user("proc-user", ALLOW_S3)
    bucket = moto_iam.bucket("proc-bucket")
    auth = {"provider": "aws", "auth_type": "process",
            "settings": {"credential_process": write_helper(tmp_path, keys),
                         "endpoint_url": moto_iam.endpoint}}
    creds = resolve(auth)
    assert creds.expiry_time is not None
    s3fs_for(auth).pipe(f"{bucket}/proc", b"proc")
    assert moto_iam.s3.get_object(Bucket=bucket, Key="proc")["Body"].read() == b"proc"
    # Once per process: the filesystem reuses the credentials resolved above.
    assert (tmp_path / "calls").read_text() == "x"


def test_process_failure_is_auth_error_with_its_stderr(tmp_path: Path):
    command = write_helper(tmp_path, {"access_key_id": "A", "secret_access_key": "S"}, fail=True)
    with pytest.raises(AuthError, match="vault sealed"):
        resolve({"provider": "aws", "auth_type": "process", "settings": {"credential_process": command}})


# -- anonymous, default ------------------------------------------------------------------------
def test_anonymous_reads_a_public_object(s3_env):
    import boto3

    s3 = boto3.client("s3", **s3_env.boto3_kwargs())
    s3.create_bucket(Bucket="public-data")
    s3.put_object(Bucket="public-data", Key="open.txt", Body=b"open", ACL="public-read")
    creds = resolve({"provider": "aws", "auth_type": "anonymous"})
    assert creds.storage_options() == {"anon": True}
    assert creds.http_client().auth is None
    fs = s3fs_for({"provider": "aws", "auth_type": "anonymous", "settings": {"endpoint_url": s3_env.endpoint}})
    assert fs.cat("public-data/open.txt") == b"open"


def test_default_chain_from_environment(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEFAULTCHAIN01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "default-chain-secret")
    creds = resolve({"provider": "aws"})
    assert creds.auth_type == "default" and creds.frozen().access_key == "AKIADEFAULTCHAIN01"
    assert creds.identity()["credential_source"] == "env"
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AuthError, match="no credentials found by botocore's default chain"):
        resolve({"provider": "aws", "auth_type": "default"})


# -- region, endpoints, http_client ----------------------------------------------------------
def test_region_resolution_order(monkeypatch):
    base = {"provider": "aws", "auth_type": "anonymous"}
    assert resolve(base).region is None
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert resolve(base).region == "eu-west-1"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert resolve(base).region == "eu-central-1"
    assert resolve(dict(base, settings={"region": "ap-south-1"})).region == "ap-south-1"
    creds = resolve(dict(base, region="us-west-2", settings={"region": "ap-south-1"}))
    assert creds.region == "us-west-2"
    assert creds.storage_options()["region"] == "us-west-2"
    assert creds.service_endpoint("s3") == "https://s3.us-west-2.amazonaws.com"
    assert creds.service_endpoint("sts") == "https://sts.us-west-2.amazonaws.com"


def test_bucket_at_region_url_sets_the_region(s3_env):
    fs, path = omefs.url_to_fs("s3://my-bucket@eu-west-3/key.txt",
                               auth={"provider": "aws", "auth_type": "anonymous",
                                     "settings": {"endpoint_url": s3_env.endpoint}})
    assert path == "my-bucket/key.txt"
    assert fs.client_kwargs["region_name"] == "eu-west-3"


def test_bucket_in_another_region_without_a_hand_set_region(s3_env, fakes):
    """botocore (in s3fs) follows S3's PermanentRedirect to the bucket's region by itself."""
    import boto3

    boto3.client("s3", **s3_env.boto3_kwargs()).create_bucket(Bucket="paris-bucket")
    front = fakes.start(RegionalS3Front(s3_env.endpoint, {"paris-bucket": "eu-west-3"}))
    auth = {"provider": "aws", "auth_type": "access_key", "settings": {
        "access_key_id": "testing", "secret_access_key": "testing", "endpoint_url": front.endpoint}}
    assert resolve(auth).region is None
    fs = s3fs_for(auth)
    fs.pipe("paris-bucket/a.txt", b"bonjour")
    assert fs.cat("paris-bucket/a.txt") == b"bonjour"
    assert fs.info("paris-bucket/a.txt")["size"] == 7
    assert front.redirects >= 1
    assert front.signed_regions[0] == "us-east-1" and front.signed_regions[-1] == "eu-west-3"


def test_http_client_signs_with_sigv4(moto_iam: MotoIAM):
    keys = moto_iam.user("http-user", ALLOW_S3)
    bucket = moto_iam.bucket("http-bucket")
    creds = resolve({"provider": "aws", "auth_type": "access_key", "settings": keys})
    session = creds.http_client()
    url = f"{moto_iam.endpoint}/{bucket}/dir/with%20space.txt"
    assert session.put(url, data=b"signed body").status_code == 200
    reply = session.get(url)
    assert reply.status_code == 200 and reply.content == b"signed body"
    # STS too, with the service named
    sts = creds.http_client(service="sts").post(
        moto_iam.endpoint, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    assert sts.status_code == 200 and "http-user" in sts.text
    bad = resolve({"provider": "aws", "auth_type": "access_key",
                   "settings": dict(keys, secret_access_key="wrong-secret-value")})
    assert bad.http_client().get(url).status_code == 403


def test_unknown_type_and_bad_numbers_are_config_errors():
    with pytest.raises(ConfigError, match="known auth types: .*assume_role.*web_identity"):
        resolve({"provider": "aws", "auth_type": "kerberos"})
    with pytest.raises(ConfigError, match="duration_seconds=.soon. is not a number"):
        resolve({"provider": "aws", "auth_type": "assume_role",
                 "settings": {"role_arn": "arn:aws:iam::1:role/x", "duration_seconds": "soon",
                              "source": {"provider": "aws", "auth_type": "access_key",
                                         "settings": {"access_key_id": "AKIAX", "secret_access_key": "y"}}}})


def test_credentials_json_round_trip_of_identity(moto_iam: MotoIAM):
    keys = moto_iam.user("id-user", ALLOW_S3)
    creds = resolve({"provider": "aws", "auth_type": "access_key", "settings": keys})
    info = creds.identity()
    json.dumps(info)
    assert keys["access_key_id"] not in json.dumps(info)  # masked
