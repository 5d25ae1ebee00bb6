"""fsspec's abstract suite on omefs's parent libraries, on the same servers: a measurement.

Not part of the test run (its name does not start with ``test_``); run it
by naming it, next to the omefs run, to compare the two::

    pytest -q -p no:cacheprovider tests/fsspec_abstract/parent_libraries.py
    pytest -q -p no:cacheprovider tests/fsspec_abstract -k "not Parent"

Each class builds the parent's own filesystem (s3fs, gcsfs, adlfs,
ocifs) exactly as its users do, on the server the omefs class of the same
name uses, so a test that passes here and fails on omefs is omefs's defect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fsspec.tests import abstract

from tests.fsspec_abstract.fixtures import _BucketFixtures


class ParentS3Fixtures(_BucketFixtures):
    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, moto_server: Any, bucket: str) -> Iterator[Any]:
        import s3fs

        fs = s3fs.S3FileSystem(key="testing", secret="testing",
                               client_kwargs={"endpoint_url": moto_server.endpoint},
                               skip_instance_cache=True)
        fs.mkdir(bucket)
        yield fs
        fs.rm(bucket, recursive=True)


class ParentGCSFixtures(_BucketFixtures):
    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, gcs_server: Any, bucket: str) -> Iterator[Any]:
        import gcsfs.core

        fs = gcsfs.core.GCSFileSystem(token="anon", project="test", endpoint_url=gcs_server.endpoint,
                                      skip_instance_cache=True)
        fs.mkdir(bucket)
        yield fs
        fs.rm(bucket, recursive=True)


class ParentAzureFixtures(_BucketFixtures):
    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, azurite_server: Any, bucket: str) -> Iterator[Any]:
        import adlfs

        fs = adlfs.AzureBlobFileSystem(connection_string=azurite_server.connection_string,
                                       skip_instance_cache=True)
        fs.mkdir(bucket)
        yield fs
        fs.rm(bucket, recursive=True)


class ParentOCIFixtures(_BucketFixtures):
    @pytest.fixture(scope="class")
    @classmethod
    def fs(cls, oci_fake_server: Any, oci_class_auth: dict[str, Any], bucket: str) -> Iterator[Any]:
        import ocifs

        settings = oci_class_auth["settings"]
        fs = ocifs.OCIFileSystem(config=settings["config_path"],
                                 config_kwargs={"service_endpoint": oci_fake_server.endpoint},
                                 skip_instance_cache=True)
        oci_fake_server.create_bucket(bucket)
        yield fs

    @pytest.fixture(scope="class")
    @classmethod
    def fs_root(cls, fs: Any, bucket: str, oci_fake_server: Any) -> str:
        return f"{bucket}@{oci_fake_server.namespace}"


_SUITES = {"Copy": abstract.AbstractCopyTests, "Get": abstract.AbstractGetTests,
           "Put": abstract.AbstractPutTests, "Open": abstract.AbstractOpenTests,
           "Pipe": abstract.AbstractPipeTests}
for _name, _fixtures in (("S3", ParentS3Fixtures), ("GCS", ParentGCSFixtures),
                         ("Azure", ParentAzureFixtures), ("OCI", ParentOCIFixtures)):
    for _suite, _tests in _SUITES.items():
        _cls = f"TestParent{_name}{_suite}"
        globals()[_cls] = type(_cls, (_tests, _fixtures), {})
