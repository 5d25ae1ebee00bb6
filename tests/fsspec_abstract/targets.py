"""One place to write to on each omefs filesystem, for the tests that run on all of them.

A :class:`Target` is a filesystem (the cached instance, as ``omefs.filesystem``
and the copy engine's ``url_to_fs`` both get it), a fresh folder to write
under (a new bucket, or a new release on GitHub), the URL of a path, and the
auth config that reaches the server. Servers are the session's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

#: Every omefs filesystem the write-path tests run on.
PROVIDERS = ("s3", "gs", "az", "azure", "oci", "testmem", "github")


@dataclass
class Target:
    """A filesystem and a new, empty place on it."""

    scheme: str
    fs: Any
    base: str  # the filesystem's path of the place (a bucket, or OWNER/REPO/TAG on GitHub)
    auth: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    #: Folders inside ``base`` can be nested (GitHub releases hold assets only).
    nested: bool = True
    missing_bucket: str = ""  # a path in a bucket (repository) that does not exist

    def path(self, rel: str) -> str:
        return f"{self.base}/{rel}"

    def url(self, rel: str) -> str:
        return f"{self.scheme}://{self.path(rel).lstrip('/')}"


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _s3(request: pytest.FixtureRequest) -> Target:
    import omefs

    server = request.getfixturevalue("moto_server")
    auth = {"provider": "aws", "auth_type": "access_key",
            "settings": {"access_key_id": "testing", "secret_access_key": "testing",
                         "endpoint_url": server.endpoint}}
    fs = omefs.filesystem("s3", auth=auth)
    bucket = f"lw-{_uid()}"
    fs.mkdir(bucket)
    return Target("s3", fs, bucket, auth, missing_bucket=f"no-such-{_uid()}/key")


def _gs(request: pytest.FixtureRequest) -> Target:
    import omefs

    server = request.getfixturevalue("gcs_server")
    auth = {"provider": "gcp", "auth_type": "anonymous",
            "settings": {"endpoint_url": server.endpoint, "project": "test"}}
    fs = omefs.filesystem("gs", auth=auth)
    bucket = f"lw-{_uid()}"
    fs.mkdir(bucket)
    return Target("gs", fs, bucket, auth, missing_bucket=f"no-such-{_uid()}/key")


def _azure(scheme: str) -> Callable[[pytest.FixtureRequest], Target]:
    def make(request: pytest.FixtureRequest) -> Target:
        import omefs

        server = request.getfixturevalue("azurite_server")
        auth = {"provider": "azure", "auth_type": "connection_string",
                "settings": {"connection_string": server.connection_string}}
        fs = omefs.filesystem(scheme, auth=auth)
        container = f"lw-{_uid()}"
        fs.mkdir(container)
        return Target(scheme, fs, container, auth, missing_bucket=f"no-such-{_uid()}/key")

    return make


def _oci(request: pytest.FixtureRequest) -> Target:
    from omefs.providers.oci.fs import OCIFileSystem
    from tests.servers.oci_fixtures import oci_fs_options

    fake = request.getfixturevalue("oci_fake_server")
    auth = request.getfixturevalue("oci_class_auth")
    options = oci_fs_options()
    options.pop("skip_instance_cache")
    fs = OCIFileSystem(auth=auth, **options)
    bucket = f"lw-{_uid()}"
    fake.create_bucket(bucket)
    return Target("oci", fs, f"{bucket}@{fake.namespace}", auth, options,
                  missing_bucket=f"no-such-{_uid()}@{fake.namespace}/key")


def _testmem(request: pytest.FixtureRequest) -> Target:
    import omefs
    from tests.third_party import _testmem_installed

    if not _testmem_installed():
        pytest.skip("the example provider is not installed: pip install -e tests/plugins/omefs-testmem")

    fs = omefs.filesystem("testmem")
    bucket = f"/lw-{_uid()}"
    fs.mkdir(bucket)
    return Target("testmem", fs, bucket, missing_bucket=f"/no-such-{_uid()}/key")


def _github(request: pytest.FixtureRequest) -> Target:
    import omefs
    from tests.servers.github_fixtures import OWNER, REPO

    fake = request.getfixturevalue("gh")
    token = fake.add_token("ghp_" + uuid.uuid4().hex + "abcd")
    options = {"token": token, "endpoint_url": fake.endpoint}
    fs = omefs.filesystem("github", **options)
    tag = f"lw-{_uid()}"
    fs.mkdir(f"{OWNER}/{REPO}/{tag}")
    return Target("github", fs, f"{OWNER}/{REPO}/{tag}", None, options, nested=False,
                  missing_bucket=f"{OWNER}/no-such-{_uid()}/v1/key")


MAKERS: dict[str, Callable[[pytest.FixtureRequest], Target]] = {
    "s3": _s3, "gs": _gs, "az": _azure("az"), "azure": _azure("azure"), "oci": _oci,
    "testmem": _testmem, "github": _github,
}
