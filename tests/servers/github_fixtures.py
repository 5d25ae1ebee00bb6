"""pytest fixtures for the fake GitHub API (:mod:`tests.servers.github`).

Import them explicitly in a test module::

    from tests.servers.github_fixtures import *  # noqa: F401,F403

* ``github_server`` — one fake per session (state wiped by ``gh``);
* ``gh`` — the fake, wiped, with repository ``acme/models`` (public) and a
  clean fsspec instance cache;
* ``gh_token`` — a personal access token the fake accepts (read/write);
* ``gh_fs`` — a ``GitHubReleasesFileSystem`` on the fake with that token;
* ``gh_options`` — the same as storage options (for pandas / fsspec.open);
* ``app_key`` — an RSA key pair made offline, PEM ``(private, public)``;
* ``gh_app`` — a GitHub App and installation registered with the fake; its
  omefs auth settings.

:func:`add_docs_artifacts` leaves the Actions artifacts the documentation's
examples read (``eval-results`` of ``acme/models``, an older expired one too).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.github import FakeGitHub

__all__ = [
    "CANARY",
    "add_docs_artifacts",
    "OWNER",
    "REPO",
    "app_key",
    "gh",
    "gh_app",
    "gh_fs",
    "gh_options",
    "gh_token",
    "github_server",
    "make_fs",
]

OWNER, REPO = "acme", "models"
#: A token-shaped canary: tests check it never appears in errors, reprs or logs.
CANARY = "ghp_CANARY0123456789abcdefghijklmnopqrstuv"


def add_docs_artifacts(fake: FakeGitHub) -> None:
    """The artifacts a workflow of ``acme/models`` left, as the docs' examples expect them."""
    import time

    now = time.time()
    fake.add_artifact(OWNER, REPO, "eval-results", {"metrics.csv": b"model,accuracy\nold,0.70\n"},
                      created_at=now - 100 * 86400, run_id=4101)  # expired 10 days ago
    fake.add_artifact(
        OWNER, REPO, "eval-results",
        {"metrics.csv": b"model,accuracy\nbase,0.81\nlarge,0.87\n",
         "model/config.json": b'{"layers": 24, "hidden": 1024}\n'},
        created_at=now - 3600, run_id=4242, head_branch="main",
    )


@pytest.fixture(scope="session")
def github_server() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def gh(github_server: FakeGitHub) -> Iterator[FakeGitHub]:
    from tests.servers import clear_fsspec_caches

    github_server.reset()
    github_server.installation_token_ttl = 3600.0
    github_server.download_url_ttl = 300.0
    github_server.create_repo(OWNER, REPO)
    clear_fsspec_caches()
    yield github_server
    clear_fsspec_caches()


@pytest.fixture
def gh_token(gh: FakeGitHub) -> str:
    return gh.add_token("ghp_" + secrets.token_hex(18))


def make_fs(fake: FakeGitHub, **kwargs: Any) -> Any:
    """A fresh ``GitHubReleasesFileSystem`` on ``fake`` (no instance cache)."""
    from omefs.providers.github.fs import GitHubReleasesFileSystem

    kwargs.setdefault("endpoint_url", fake.endpoint)
    return GitHubReleasesFileSystem(skip_instance_cache=True, **kwargs)


@pytest.fixture
def gh_fs(gh: FakeGitHub, gh_token: str) -> Any:
    return make_fs(gh, token=gh_token)


@pytest.fixture
def gh_options(gh: FakeGitHub, gh_token: str) -> dict[str, Any]:
    return {"token": gh_token, "endpoint_url": gh.endpoint}


@pytest.fixture(scope="session")
def app_key() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


@pytest.fixture
def gh_app(gh: FakeGitHub, app_key: tuple[str, str]) -> dict[str, Any]:
    """Settings of a ``github_app`` auth config for an App installed on the fake."""
    private, public = app_key
    gh.add_app(4242, public, installation_id=77)
    return {
        "app_id": 4242,
        "installation_id": 77,
        "private_key": private,
        "base_url": gh.endpoint,
    }
