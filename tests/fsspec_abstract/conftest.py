"""Fixtures of the abstract suite and the write-path tests: an OCI API key per test class, and
``target``, a new place on each omefs filesystem in turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fsspec_abstract.targets import MAKERS, PROVIDERS
from tests.servers.github_fixtures import gh, github_server  # noqa: F401 - the fake GitHub
from tests.servers.oci_fixtures import (
    USER,
    oci_fake_server,  # noqa: F401 - the session's fake
    write_oci_config,
)


@pytest.fixture(scope="class")
def oci_class_auth(oci_fake_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # noqa: F811
    """An omefs ``user_principal`` auth config on the fake, registered for one test class."""
    from tests.servers.oci import _cached_key, fingerprint_of, pem_private

    directory: Path = tmp_path_factory.mktemp("oci")
    key = _cached_key(5)
    key_path = directory / "oci_api_key.pem"
    key_path.write_bytes(pem_private(key))
    key_path.chmod(0o600)
    oci_fake_server.register_key(USER, key)
    config = write_oci_config(directory / "oci_config", {"DEFAULT": {
        "user": USER, "fingerprint": fingerprint_of(key), "tenancy": oci_fake_server.tenancy,
        "region": oci_fake_server.region, "key_file": str(key_path),
    }})
    return {"provider": "oci", "auth_type": "user_principal",
            "settings": {"config_path": str(config), "profile": "DEFAULT",
                         "endpoint_url": oci_fake_server.endpoint}}


@pytest.fixture(params=PROVIDERS)
def target(request: pytest.FixtureRequest) -> Any:
    """A new, empty place on each omefs filesystem in turn (see :mod:`.targets`)."""
    from tests.servers import clear_fsspec_caches

    clear_fsspec_caches()
    return MAKERS[request.param](request)


#: Abstract-suite classes of filesystems that keep a parent's behaviour, by class-name prefix.
_PARENT_FAILURES = {"TestS3": ("S3", "s3fs"), "TestGCS": ("GCS", "gcsfs"),
                    "TestAzure": ("AZURE", "adlfs"), "TestOMEAzure": ("AZURE", "adlfs")}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the abstract tests that fail on the parent library too as strict ``xfail``.

    See :mod:`tests.fsspec_abstract.parent_failures`: a test that passes on
    the parent is never marked, so omefs may not fail it.
    """
    from tests.fsspec_abstract import parent_failures

    for item in items:
        cls = getattr(item, "cls", None)
        if cls is None or not cls.__module__.startswith("tests.fsspec_abstract.test_abstract_"):
            continue
        for prefix, (key, parent) in _PARENT_FAILURES.items():
            suite = cls.__name__.removeprefix(prefix)
            if suite not in ("Copy", "Get", "Put", "Open", "Pipe"):
                continue
            if f"{suite}::{item.name}" in getattr(parent_failures, key):
                reason = f"fails on {parent} too, on the same server: {getattr(parent_failures, key + '_REASON')}"
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
