"""S3 (and STS, IAM …) on a local moto server.

``MotoServer()`` accepts any credentials. ``MotoServer(auth=True)`` enforces
them: it starts with ``INITIAL_NO_AUTH_ACTION_COUNT`` set to the number of
calls it needs to provision one IAM user with an allow-all policy and an
access key (``access_key_id`` / ``secret_access_key``); every later request
must be signed with that pair.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ._process import ManagedServer, ServerError, http_probe, http_request

TEST_KEY = "testing"
TEST_SECRET = "testing"
AUTH_USER = "omefs-test"
# Seeding moto's random generator before provisioning makes the access key
# the same after every reset.
_SEED = 4242
_ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
# create_user, put_user_policy, create_access_key: the unauthenticated calls.
_PROVISION_CALLS = 3


class MotoServer(ManagedServer):
    name = "moto"

    def __init__(self, auth: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.auth = auth
        self.access_key_id = TEST_KEY
        self.secret_access_key = TEST_SECRET
        if auth:
            self.name = "moto-auth"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)]

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
        if self.auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(_PROVISION_CALLS)
        return env

    def probe(self) -> bool:
        # A moto-api URL: an AWS call would use up one of the unauthenticated calls.
        return http_probe(f"{self.endpoint}/moto-api/config")()

    def after_start(self) -> None:
        if self.auth:
            self._provision()

    def _post(self, path: str, body: bytes = b"") -> None:
        status, text = http_request("POST", f"{self.endpoint}{path}", body=body)
        if status != 200:
            raise ServerError(f"{self.name}: POST {path} -> {status}: {text[:500]!r}")

    def _provision(self) -> None:
        import boto3

        self._post(f"/moto-api/seed?a={_SEED}")
        iam = boto3.client("iam", endpoint_url=self.endpoint, region_name="us-east-1",
                           aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_SECRET)
        iam.create_user(UserName=AUTH_USER)
        iam.put_user_policy(UserName=AUTH_USER, PolicyName="allow-all", PolicyDocument=_ALLOW_ALL)
        key = iam.create_access_key(UserName=AUTH_USER)["AccessKey"]
        self.access_key_id = key["AccessKeyId"]
        self.secret_access_key = key["SecretAccessKey"]

    def reset(self) -> None:
        """Wipe all state (every service). The auth variant provisions its user again, same keys."""
        if self.auth:
            # Re-arm the unauthenticated calls (and zero moto's request counter) first.
            self._post("/moto-api/reset-auth", str(_PROVISION_CALLS).encode())
        self._post("/moto-api/reset")
        if self.auth:
            self._provision()

    def storage_options(self) -> dict[str, Any]:
        """s3fs keyword arguments for this server (with the valid key pair)."""
        return {"key": self.access_key_id, "secret": self.secret_access_key,
                "client_kwargs": {"endpoint_url": self.endpoint}}

    def boto3_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``boto3.client(service, **kw)``."""
        return {"endpoint_url": self.endpoint, "region_name": "us-east-1",
                "aws_access_key_id": self.access_key_id,
                "aws_secret_access_key": self.secret_access_key}

    def info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "auth": self.auth,
                "access_key_id": self.access_key_id, "secret_access_key": self.secret_access_key,
                "storage_options": self.storage_options()}
