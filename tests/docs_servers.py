"""Local servers for the docs examples that need them.

A page whose examples talk to a store starts with a line such as::

    <!-- docs-servers: s3 gcs azure oci github -->

The docs test then starts those servers (each emptied first) and points
``OMEFS_CONFIG`` at a routing file whose profiles send every URL of those
schemes (``s3://``, ``gs://``, ``az://``/``azure://``, ``oci://``,
``github://``) to the local server. The examples are therefore written as a
user writes them, with no endpoint or key in sight. ``azure-arm`` (instead of
``azure``) routes ``azure://`` to an Entra ID credential whose Azure Resource
Manager is the ARM fake, for pages about management policies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

MARKER = re.compile(r"<!--\s*docs-servers:\s*([a-z0-9 ,-]+?)\s*-->")

#: The token the GitHub fake accepts for the docs.
GITHUB_TOKEN = "ghp_docs0123456789abcdefghijklmnopqrstuvwx"


def servers_of(text: str) -> list[str]:
    """The server names a page asks for (its ``docs-servers`` line), in order."""
    match = MARKER.search(text)
    if match is None:
        return []
    return [name for name in re.split(r"[ ,]+", match.group(1)) if name]


def _s3(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    server = request.getfixturevalue("s3_env")
    return "s3://", {"provider": "aws", "auth_type": "access_key",
                     "settings": {"access_key_id": "testing", "secret_access_key": "testing",
                                  "endpoint_url": server.endpoint}}


def _gcs(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    server = request.getfixturevalue("gcs_env")
    return "gs://", {"provider": "gcp", "auth_type": "anonymous",
                     "settings": {"endpoint_url": server.endpoint, "project": "docs"}}


def _azure(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    server = request.getfixturevalue("azure_env")
    return "az://", {"provider": "azure", "auth_type": "connection_string",
                     "settings": {"connection_string": server.connection_string}}


def _azure_arm(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """``azure://`` with an Entra ID credential whose management plane is the ARM fake
    (storage account ``myaccount``): for the pages about lifecycle management policies."""
    from tests.servers.azure_arm import RESOURCE_GROUP, SUBSCRIPTION

    world = request.getfixturevalue("azure_arm")
    world.arm.add_account(SUBSCRIPTION, RESOURCE_GROUP, "myaccount")
    return "azure://", world.auth()


def _oci(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return "oci://", dict(request.getfixturevalue("oci_auth"))


def _github(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    from tests.servers.github_fixtures import add_docs_artifacts

    fake = request.getfixturevalue("gh")
    token = fake.add_token(GITHUB_TOKEN)
    add_docs_artifacts(fake)
    return "github://", {"provider": "github", "auth_type": "personal_access_token",
                         "settings": {"token": token, "endpoint_url": fake.endpoint}}


SERVERS: dict[str, Callable[[pytest.FixtureRequest], tuple[str, dict[str, Any]]]] = {
    "s3": _s3, "gcs": _gcs, "azure": _azure, "azure-arm": _azure_arm, "oci": _oci,
    "github": _github,
}


def start(names: list[str], request: pytest.FixtureRequest, directory: Path) -> Path:
    """Start ``names`` and write the routing file that points at them; its path."""
    unknown = [n for n in names if n not in SERVERS]
    if unknown:
        raise ValueError(f"docs-servers names {unknown}; known: {', '.join(SERVERS)}")
    profiles: dict[str, Any] = {}
    routes: dict[str, str] = {}
    for name in names:
        prefix, profile = SERVERS[name](request)
        profiles[f"docs-{name}"] = profile
        routes[prefix] = f"docs-{name}"
    path = directory / "omefs-docs.yaml"
    path.write_text(yaml.safe_dump({"profiles": profiles, "routes": routes}))
    return path
