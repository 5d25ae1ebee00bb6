"""One token exchange per side per copy, counted where the exchange happens.

An S3 → Azure copy whose source assumes a role through STS: the source
filesystem, the listing, and the obstore store that moves the bytes all
sign with one :class:`~omefs.auth.Credentials` object, so STS sees exactly
one ``AssumeRole``. STS is reached through a counting proxy in front of
the IAM-enforcing moto server; S3 is reached directly.
"""

from __future__ import annotations

import uuid

import omefs
from omefs.auth.resolve import clear_cache
from tests.servers.corrupting_proxy import CorruptingProxy
from tests.servers.fake_aws import ALLOW_ASSUME, ALLOW_S3, MotoIAM

pytest_plugins = ("tests.servers.auth_fixtures",)

MiB = 1 << 20
BODIES = {"data/small.bin": b"s" * 1000, "data/big.bin": bytes(range(256)) * (80 * 1024 + 7)}


def test_s3_to_azure_copy_assumes_the_role_once(moto_iam: MotoIAM, azure_env):
    clear_cache()
    source = moto_iam.user("copier", ALLOW_ASSUME)
    role_arn = moto_iam.role("copy-role", ALLOW_S3)
    bucket = moto_iam.bucket("assume-copy")
    for key, body in BODIES.items():
        moto_iam.s3.put_object(Bucket=bucket, Key=key, Body=body)
    container = f"c-{uuid.uuid4().hex[:10]}"
    dst_options = {"connection_string": azure_env.connection_string}
    omefs.filesystem("azure", **dst_options).mkdir(container)

    with CorruptingProxy(moto_iam.endpoint) as sts:
        src_auth = {"provider": "aws", "auth_type": "assume_role", "settings": {
            "role_arn": role_arn, "role_session_name": "omefs-copy",
            "sts_endpoint_url": sts.endpoint, "endpoint_url": moto_iam.endpoint,
            "source": {"provider": "aws", "auth_type": "access_key",
                       "settings": {**source, "endpoint_url": moto_iam.endpoint}}}}
        report = omefs.copy(f"s3://{bucket}/data/", f"azure://{container}/out/", recursive=True,
                            src_auth=src_auth, dst_options=dst_options, part_size="8MiB")
        exchanges = sts.count("POST", "/")

    assert report.ok, report
    assert sorted(i.bytes for i in report.copied) == sorted(len(b) for b in BODIES.values())
    dst = omefs.filesystem("azure", **dst_options)
    for key, body in BODIES.items():
        assert dst.cat(f"{container}/out/{key.removeprefix('data/')}") == body
    assert exchanges == 1, f"{exchanges} AssumeRole calls reached STS"
