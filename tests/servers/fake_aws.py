"""Fakes of AWS's credential endpoints (IMDSv2, the container endpoint), a region-keeping S3
front for moto, and helpers to provision principals on an IAM-enforcing moto."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.servers.fake_http import FakeServer, Reply, Seen, iso, json_reply, text_reply, utcnow

__all__ = [
    "ALLOW_ASSUME",
    "ALLOW_S3",
    "AWSKeys",
    "BOTOCORE_REFRESH_MARGIN",
    "FakeContainerCredentials",
    "FakeIMDS",
    "Issuer",
    "MotoIAM",
    "RegionalS3Front",
    "TRUST_ANYONE",
    "counting_issuer",
    "moto_key_issuer",
    "static_issuer",
]

@dataclass
class AWSKeys:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


Issuer = Callable[[], AWSKeys]


def static_issuer(keys: AWSKeys) -> Issuer:
    return lambda: keys


def counting_issuer(prefix: str = "ASIAFAKE", secret: str | None = None) -> Issuer:
    """New made-up keys at each call (for tests that do not reach a store with them)."""
    counter = itertools.count(1)

    def issue() -> AWSKeys:
        n = next(counter)
        return AWSKeys(f"{prefix}{n:08d}", secret or f"fake-secret-{n}-{secrets.token_hex(8)}",
                       f"fake-session-token-{n}")

    return issue


class moto_key_issuer:  # noqa: N801 - used like a function
    """Real keys of an IAM user on a moto server, deleted ``lifetime`` seconds after issue.

    Each call creates a new access key for ``user``; a timer deletes it
    ``lifetime`` seconds later (and the oldest is deleted early when moto's
    limit of two keys per user is reached), so a client that keeps using a
    key past its lifetime is refused, as it would be with expired
    credentials. ``lifetime=None`` keeps keys until :meth:`close`.
    """

    def __init__(self, iam: Any, user: str, lifetime: float | None = None) -> None:
        self.iam = iam
        self.user = user
        self.lifetime = lifetime
        self.issued: list[str] = []
        self.deleted: list[str] = []
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()

    def __call__(self) -> AWSKeys:
        with self._lock:
            while len(self.issued) >= 2:
                self._delete_locked(self.issued[0])
            key = self.iam.create_access_key(UserName=self.user)["AccessKey"]
            self.issued.append(key["AccessKeyId"])
            if self.lifetime is not None:
                timer = threading.Timer(self.lifetime, self.delete, args=(key["AccessKeyId"],))
                timer.daemon = True
                timer.start()
                self._timers.append(timer)
            return AWSKeys(key["AccessKeyId"], key["SecretAccessKey"])

    def delete(self, key_id: str) -> None:
        with self._lock:
            self._delete_locked(key_id)

    def _delete_locked(self, key_id: str) -> None:
        if key_id in self.issued:
            self.issued.remove(key_id)
            self.iam.delete_access_key(UserName=self.user, AccessKeyId=key_id)
            self.deleted.append(key_id)

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()


def _expiry(lifetime: float, refresh_margin: float) -> dt.datetime:
    """An expiry ``lifetime`` seconds past the SDK's refresh margin: it refreshes after ``lifetime`` s."""
    return utcnow() + dt.timedelta(seconds=refresh_margin + lifetime)


# botocore refreshes temporary credentials 15 minutes before they expire.
BOTOCORE_REFRESH_MARGIN = 15 * 60


class RegionalS3Front(FakeServer):
    """A front for moto that keeps buckets in regions, as S3 does.

    A request signed for another region than its bucket's gets S3's answer
    (301 ``PermanentRedirect`` with ``x-amz-bucket-region``; a bare 301 for
    HEAD); a request signed for the right region is passed to moto. moto
    itself serves any bucket from any region, so this is what lets a test
    see botocore find a bucket's region by itself.
    """

    name = "regional-s3"

    def __init__(self, upstream: str, regions: dict[str, str]) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.regions = regions
        self.redirects = 0
        self.signed_regions: list[str] = []

    def handle(self, req: Seen) -> Reply:
        import http.client
        import re

        match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/s3/", req.headers.get("authorization", ""))
        region = match.group(1) if match else None
        if region:
            self.signed_regions.append(region)
        bucket = req.path.lstrip("/").split("/", 1)[0]
        home = self.regions.get(bucket)
        if home and region and region != home:
            self.redirects += 1
            body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PermanentRedirect</Code>"
                    f"<Message>The bucket you are attempting to access must be addressed using the "
                    f"specified endpoint.</Message><Bucket>{bucket}</Bucket>"
                    f"<Endpoint>s3.{home}.amazonaws.com</Endpoint></Error>").encode()
            headers = {"x-amz-bucket-region": home, "Content-Type": "application/xml"}
            return 301, headers, b"" if req.method == "HEAD" else body
        up = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        try:
            headers = {k: v for k, v in req.headers.items() if k not in ("connection", "content-length")}
            conn.request(req.method, req.target, body=req.body or None, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            out = {k: v for k, v in resp.getheaders()
                   if k.lower() not in ("transfer-encoding", "connection")
                   and (k.lower() != "content-length" or req.method == "HEAD")}
            return resp.status, out, payload
        finally:
            conn.close()


class FakeIMDS(FakeServer):
    """EC2 instance metadata (IMDSv2): ``PUT /latest/api/token`` then credential GETs with the token."""

    name = "fake-imds"

    def __init__(self, issuer: Issuer, role: str = "omefs-instance-role", lifetime: float = 3600,
                 require_token: bool = True) -> None:
        super().__init__()
        self.issuer = issuer
        self.role = role
        self.lifetime = lifetime
        self.require_token = require_token
        self.tokens: set[str] = set()

    def handle(self, req: Seen) -> Reply:
        if req.method == "PUT" and req.path == "/latest/api/token":
            if "x-aws-ec2-metadata-token-ttl-seconds" not in req.headers:
                return text_reply("missing TTL header", 400)
            token = secrets.token_urlsafe(24)
            self.tokens.add(token)
            return text_reply(token, headers={"x-aws-ec2-metadata-token-ttl-seconds": "21600"})
        if self.require_token and req.headers.get("x-aws-ec2-metadata-token") not in self.tokens:
            return text_reply("Unauthorized", 401)
        base = "/latest/meta-data/iam/security-credentials/"
        if req.method == "GET" and req.path == base:
            return text_reply(self.role)
        if req.method == "GET" and req.path == base + self.role:
            keys = self.issuer()
            return json_reply({
                "Code": "Success", "LastUpdated": iso(utcnow()), "Type": "AWS-HMAC",
                "AccessKeyId": keys.access_key_id, "SecretAccessKey": keys.secret_access_key,
                "Token": keys.session_token or "", "Expiration": iso(
                    _expiry(self.lifetime, BOTOCORE_REFRESH_MARGIN)),
            })
        return text_reply("Not Found", 404)

    @property
    def credential_fetches(self) -> int:
        return self.count("GET", "/latest/meta-data/iam/security-credentials/" + self.role)


class FakeContainerCredentials(FakeServer):
    """The ECS task role / EKS Pod Identity endpoint: ``GET`` with an ``Authorization`` token."""

    name = "fake-ecs"

    def __init__(self, issuer: Issuer, auth_token: str | None = None, lifetime: float = 3600,
                 path: str = "/v2/credentials/omefs") -> None:
        super().__init__()
        self.issuer = issuer
        self.auth_token = auth_token
        self.lifetime = lifetime
        self.path = path

    @property
    def full_uri(self) -> str:
        return self.endpoint + self.path

    def handle(self, req: Seen) -> Reply:
        if req.path != self.path:
            return json_reply({"message": "not found"}, 404)
        if self.auth_token is not None and req.headers.get("authorization") != self.auth_token:
            return json_reply({"code": "AccessDenied", "message": "bad authorization token"}, 403)
        keys = self.issuer()
        return json_reply({
            "AccessKeyId": keys.access_key_id, "SecretAccessKey": keys.secret_access_key,
            "Token": keys.session_token or "", "RoleArn": "arn:aws:iam::123456789012:role/omefs-task",
            "Expiration": iso(_expiry(self.lifetime, BOTOCORE_REFRESH_MARGIN)),
        })

    @property
    def credential_fetches(self) -> int:
        return self.count("GET", self.path)


ALLOW_S3 = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
ALLOW_ASSUME = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
TRUST_ANYONE = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*", "Federated": "*"},
                               "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]}]}


# ---------------------------------------------------------------------------
# moto with IAM enforced
@dataclass
class MotoIAM:
    """Admin clients of an IAM-enforcing moto server, and helpers to provision principals."""

    server: Any

    @property
    def endpoint(self) -> str:
        return str(self.server.endpoint)

    def client(self, service: str, **creds: Any) -> Any:
        import boto3

        kwargs = dict(self.server.boto3_kwargs())
        if creds:
            kwargs.update(aws_access_key_id=creds["access_key_id"],
                          aws_secret_access_key=creds["secret_access_key"],
                          aws_session_token=creds.get("session_token"))
        return boto3.client(service, **kwargs)

    @property
    def iam(self) -> Any:
        return self.client("iam")

    @property
    def s3(self) -> Any:
        return self.client("s3")

    def user(self, name: str, policy: dict[str, Any] | None = None,
             with_key: bool = True) -> dict[str, str]:
        """An IAM user with an inline ``policy``; returns its access key settings (or {})."""
        iam = self.iam
        iam.create_user(UserName=name)
        if policy is not None:
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
        if not with_key:
            return {}
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}

    def role(self, name: str, policy: dict[str, Any] = ALLOW_S3) -> str:
        """A role anyone may assume, with ``policy``; returns its ARN."""
        iam = self.iam
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_ANYONE))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
        return str(arn)

    def bucket(self, name: str) -> str:
        self.s3.create_bucket(Bucket=name)
        return name

    def allow_unsigned_calls(self, count: int = 1) -> None:
        """Let the next ``count`` calls through unauthenticated (moto answers 500 to unsigned calls
        when it enforces auth, and STS AssumeRoleWithWebIdentity is unsigned by design)."""
        from tests.servers._process import http_request

        status, body = http_request("POST", f"{self.endpoint}/moto-api/reset-auth", body=str(count).encode())
        assert status == 200, body
