"""Fixture classes that run fsspec's abstract test suite (``fsspec.tests.abstract``) on omefs.

fsspec ships the copy, get, put, open and pipe tests every backend is
expected to pass; a backend runs them by deriving test classes from the
abstract ones and from a fixture class that supplies ``fs``, ``fs_path``
and ``fs_join`` (s3fs does the same on itself). One fixture class per
omefs filesystem is defined here, each on its own local server:

==========================  =========================================
filesystem                  server
==========================  =========================================
``s3://``                   moto
``gs://``                   gcp-storage-emulator
``az://``, ``azure://``     Azurite
``oci://``                  the project's fake of the OCI Object Storage REST API
``testmem://``              in memory (the example third-party provider)
``github://``               the project's fake of the GitHub Releases REST API
==========================  =========================================

Servers are the session's (started once); each class gets its own bucket
and one filesystem instance. The remote source trees the copy and get
tests read (and never write) are built once per class, each in a folder of
its own, instead of once per test: on an object store most of a test's
requests were building and deleting them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fsspec.tests.abstract import AbstractFixtures, BaseAbstractFixtures


def _join(*parts: str) -> str:
    return "/".join(parts)


def new_bucket() -> str:
    return f"abstract-{uuid.uuid4().hex[:10]}"


class _BucketFixtures(AbstractFixtures):
    """A bucket (container) per test class on an object store: no empty folders."""

    @pytest.fixture
    def fs_join(self) -> Callable[..., str]:
        return _join

    @pytest.fixture
    def supports_empty_directories(self) -> bool:
        return False  # object stores keep no empty "folders"

    @pytest.fixture(scope="class")
    @classmethod
    def bucket(cls) -> str:
        return new_bucket()

    @pytest.fixture(scope="class")
    @classmethod
    def fs_root(cls, fs: Any, bucket: str) -> str:
        """The class's folder, in the filesystem's path form."""
        return bucket

    @pytest.fixture
    def fs_path(self, fs_root: str) -> str:
        return fs_root

    @pytest.fixture(scope="class")
    @classmethod
    def fs_bulk_operations_scenario_0(cls, fs: Any, fs_root: str) -> str:
        return _scenario("_bulk_operations_scenario_0", fs, f"{fs_root}/bulk")

    @pytest.fixture(scope="class")
    @classmethod
    def fs_glob_edge_cases_files(cls, fs: Any, fs_root: str) -> str:
        return _scenario("_glob_edge_cases_files", fs, f"{fs_root}/glob")

    @pytest.fixture(scope="class")
    @classmethod
    def fs_dir_and_file_with_same_name_prefix(cls, fs: Any, fs_root: str) -> str:
        return _scenario("_dir_and_file_with_same_name_prefix", fs, f"{fs_root}/prefix")

    @pytest.fixture(scope="class")
    @classmethod
    def fs_10_files_with_hashed_names(cls, fs: Any, fs_root: str) -> str:
        return _scenario("_10_files_with_hashed_names", fs, f"{fs_root}/hashed")


def _scenario(name: str, fs: Any, folder: str) -> str:
    """fsspec's scenario ``name`` built under ``folder`` (its ``source`` folder's path)."""
    build = getattr(BaseAbstractFixtures, name)
    return str(build(None, fs, _join, folder))


class S3Fixtures(_BucketFixtures):
    """``s3://`` on moto."""

    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, moto_server: Any, bucket: str) -> Iterator[Any]:
        import omefs

        fs = omefs.filesystem("s3", auth=_aws_auth(moto_server), skip_instance_cache=True)
        fs.mkdir(bucket)
        yield fs
        fs.rm(bucket, recursive=True)


def _aws_auth(server: Any) -> dict[str, Any]:
    return {"provider": "aws", "auth_type": "access_key",
            "settings": {"access_key_id": "testing", "secret_access_key": "testing",
                         "endpoint_url": server.endpoint}}


class GCSFixtures(_BucketFixtures):
    """``gs://`` on the GCS emulator."""

    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, gcs_server: Any, bucket: str) -> Iterator[Any]:
        import omefs

        fs = omefs.filesystem("gs", auth=_gcs_auth(gcs_server), skip_instance_cache=True)
        fs.mkdir(bucket)
        yield fs
        fs.rm(bucket, recursive=True)


def _gcs_auth(server: Any) -> dict[str, Any]:
    return {"provider": "gcp", "auth_type": "anonymous",
            "settings": {"endpoint_url": server.endpoint, "project": "test"}}


class AzureFixtures(_BucketFixtures):
    """``az://`` (adlfs's scheme) on Azurite."""

    scheme = "az"

    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, azurite_server: Any, bucket: str) -> Iterator[Any]:
        import omefs

        fs = omefs.filesystem(cls.scheme, auth=_azure_auth(azurite_server),
                              skip_instance_cache=True)
        fs.mkdir(bucket)
        yield fs
        fs.rm(bucket, recursive=True)


class OMEAzureFixtures(AzureFixtures):
    """``azure://`` (OME's scheme) on Azurite."""

    scheme = "azure"


def _azure_auth(server: Any) -> dict[str, Any]:
    return {"provider": "azure", "auth_type": "connection_string",
            "settings": {"connection_string": server.connection_string}}


class OCIFixtures(_BucketFixtures):
    """``oci://`` on the project's fake of the OCI Object Storage REST API."""

    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, oci_fake_server: Any, oci_class_auth: dict[str, Any], bucket: str) -> Iterator[Any]:
        from omefs.providers.oci.fs import OCIFileSystem
        from tests.servers.oci_fixtures import oci_fs_options

        fs = OCIFileSystem(auth=oci_class_auth, **oci_fs_options())
        fs.mkdir(f"{bucket}@{oci_fake_server.namespace}")
        yield fs
        fs.rm(f"{bucket}@{oci_fake_server.namespace}", recursive=True)

    @pytest.fixture(scope="class")
    @classmethod
    def fs_root(cls, fs: Any, bucket: str, oci_fake_server: Any) -> str:
        return f"{bucket}@{oci_fake_server.namespace}"


class ExampleProviderFixtures(_BucketFixtures):
    """``testmem://``, the example third-party provider (in memory).

    Its parent, fsspec's memory filesystem, keeps empty folders, and so does it.
    """

    @pytest.fixture
    def supports_empty_directories(self) -> bool:
        return True

    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, bucket: str) -> Iterator[Any]:
        import omefs

        fs = omefs.filesystem("testmem", skip_instance_cache=True)
        fs.mkdir(f"/{bucket}")
        yield fs
        fs.rm(f"/{bucket}", recursive=True)

    @pytest.fixture(scope="class")
    @classmethod
    def fs_root(cls, fs: Any, bucket: str) -> str:
        return f"/{bucket}"


class GitHubFixtures(_BucketFixtures):
    """``github://`` releases on the project's fake of the GitHub Releases REST API.

    A release is the one folder level GitHub has (``OWNER/REPO/TAG/ASSET``):
    assets cannot be nested, so only the suites whose target is a file in a
    folder apply — ``open`` and ``pipe``. The copy, get and put suites build
    trees two and three folders deep (``source/subdir/nesteddir``) and
    copy them into new folders, which a release cannot hold: they are not run.
    """

    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, github_server: Any, bucket: str) -> Iterator[Any]:
        from omefs.providers.github.fs import GitHubReleasesFileSystem
        from tests.servers.github_fixtures import OWNER, REPO

        if (OWNER, REPO) not in github_server.repos:
            github_server.create_repo(OWNER, REPO)
        token = github_server.add_token("ghp_" + uuid.uuid4().hex + "abcd")
        fs = GitHubReleasesFileSystem(token=token, endpoint_url=github_server.endpoint,
                                      skip_instance_cache=True)
        fs.mkdir(f"{OWNER}/{REPO}/{bucket}")
        yield fs
        fs.rm(f"{OWNER}/{REPO}/{bucket}", recursive=True)

    @pytest.fixture(scope="class")
    @classmethod
    def fs_root(cls, fs: Any, bucket: str) -> str:
        from tests.servers.github_fixtures import OWNER, REPO

        return f"{OWNER}/{REPO}/{bucket}"
