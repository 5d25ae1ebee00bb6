"""pytest fixtures for the fake OCI Object Storage (:mod:`tests.servers.oci`).

Import them explicitly in a test module::

    from tests.servers.oci_fixtures import *  # noqa: F401,F403

* ``oci_fake`` — the running fake, reset for each test (one server per run);
* ``oci_user`` — an API key registered with the fake and an OCI config
  file (profile ``DEFAULT``) that uses it;
* ``oci_auth`` — the omefs auth config (``user_principal``) for that user;
* ``oci_bucket`` — a new bucket's name in the fake's namespace;
* ``oci_fs`` — omefs's ``oci://`` filesystem on the fake, with 1 MiB parts
  and quick retries so multipart and failure tests stay fast.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers.oci import FakeOCI, _cached_key, fingerprint_of, pem_private

__all__ = [
    "OCIUser",
    "oci_auth",
    "oci_bucket",
    "oci_fake",
    "oci_fake_server",
    "oci_fs",
    "oci_fs_options",
    "oci_user",
    "write_oci_config",
]

USER = "ocid1.user.oc1..aaaaaaaafakeuser"
MiB = 1024 * 1024


@dataclass
class OCIUser:
    """An API-key identity on the fake, and the config file that names it."""

    config_path: Path
    profile: str
    key_path: Path
    key: Any
    fingerprint: str
    user: str
    tenancy: str
    region: str


def write_oci_config(path: Path, profiles: dict[str, dict[str, str]]) -> Path:
    lines = []
    for name, values in profiles.items():
        lines.append(f"[{name}]")
        lines.extend(f"{k}={v}" for k, v in values.items())
        lines.append("")
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="session")
def oci_fake_server() -> Iterator[FakeOCI]:
    fake = FakeOCI().start()
    yield fake
    fake.stop()


@pytest.fixture
def oci_fake(oci_fake_server: FakeOCI) -> Iterator[FakeOCI]:
    oci_fake_server.reset()
    yield oci_fake_server
    oci_fake_server.reset()


@pytest.fixture
def oci_user(oci_fake: FakeOCI, tmp_path: Path) -> OCIUser:
    key = _cached_key(5)
    key_path = tmp_path / "oci_api_key.pem"
    key_path.write_bytes(pem_private(key))
    key_path.chmod(0o600)
    fingerprint = fingerprint_of(key)
    oci_fake.register_key(USER, key)
    config = write_oci_config(tmp_path / "oci_config", {"DEFAULT": {
        "user": USER, "fingerprint": fingerprint, "tenancy": oci_fake.tenancy,
        "region": oci_fake.region, "key_file": str(key_path),
    }})
    return OCIUser(config, "DEFAULT", key_path, key, fingerprint, USER, oci_fake.tenancy,
                   oci_fake.region)


@pytest.fixture
def oci_auth(oci_user: OCIUser, oci_fake: FakeOCI) -> dict[str, Any]:
    return {
        "provider": "oci",
        "auth_type": "user_principal",
        "settings": {"config_path": str(oci_user.config_path), "profile": oci_user.profile,
                     "endpoint_url": oci_fake.endpoint},
    }


@pytest.fixture
def oci_bucket(oci_fake: FakeOCI) -> str:
    name = f"bkt-{uuid.uuid4().hex[:8]}"
    oci_fake.create_bucket(name)
    return name


def oci_fs_options(**overrides: Any) -> dict[str, Any]:
    """Storage options that keep tests fast: 1 MiB parts, quick retries."""
    options: dict[str, Any] = {
        "part_size": MiB, "max_concurrency": 8, "retries": 3, "retry_base_delay": 0.01,
        "retry_max_delay": 0.05, "copy_poll_interval": 0.01, "skip_instance_cache": True,
    }
    options.update(overrides)
    return options


@pytest.fixture
def oci_fs(oci_auth: dict[str, Any]) -> Any:
    from omefs.providers.oci.fs import OCIFileSystem

    return OCIFileSystem(auth=oci_auth, **oci_fs_options())
