"""Test-wide setup: a clean cloud environment and the local servers.

Server fixtures (session-scoped, started only when a test asks for them):
``moto_server``, ``moto_auth_server``, ``gcs_server``, ``azurite_server``.
Per-test fixtures that wipe the server's state first and yield the server:
``s3_env``, ``s3_auth_env``, ``gcs_env``, ``azure_env``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import warnings

# --- environment: before anything imports gcsfs/boto3/azure -------------------
_CLOUD_ENV_PREFIXES = ("AWS_", "AZURE_", "GOOGLE_", "GCE_", "GCLOUD_", "CLOUDSDK_", "OCI_",
                       "OMEFS_")
_CLOUD_ENV_NAMES = ("STORAGE_EMULATOR_HOST", "GITHUB_TOKEN", "GH_TOKEN", "AZURITE_ACCOUNTS",
                    "INITIAL_NO_AUTH_ACTION_COUNT")
for _name in list(os.environ):
    if _name.startswith(_CLOUD_ENV_PREFIXES) or _name in _CLOUD_ENV_NAMES:
        del os.environ[_name]

_SANDBOX = tempfile.mkdtemp(prefix="omefs-tests-")
atexit.register(shutil.rmtree, _SANDBOX, True)
os.environ.update({
    "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",  # else gcsfs probes every bucket for 60 s
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.path.join(_SANDBOX, "aws-config-absent"),
    "AWS_SHARED_CREDENTIALS_FILE": os.path.join(_SANDBOX, "aws-credentials-absent"),
    "CLOUDSDK_CONFIG": os.path.join(_SANDBOX, "gcloud"),  # no gcloud ADC / account
    "NO_GCE_CHECK": "true",  # google-auth (only the lower-case value counts): don't probe the GCE metadata server
    "AZURE_CONFIG_DIR": os.path.join(_SANDBOX, "azure"),  # no `az login` session
    "OMEFS_CONFIG": os.path.join(_SANDBOX, "omefs-config-absent.yaml"),
})
if "gcsfs" in sys.modules:
    warnings.warn("gcsfs was imported before tests/conftest.py; GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT "
                  "came too late and GCS tests may stall", stacklevel=1)

import pytest  # noqa: E402

# (also adds 127.0.0.1 and localhost to NO_PROXY)
from tests.servers import Azurite, GCSEmulator, MotoServer, clear_fsspec_caches  # noqa: E402


# --- servers ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_server():
    """moto (S3, STS, IAM …) accepting any key; ``storage_options()`` for s3fs."""
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="session")
def moto_auth_server():
    """moto that refuses wrong keys; the valid pair is ``access_key_id``/``secret_access_key``."""
    with MotoServer(auth=True) as server:
        yield server


@pytest.fixture(scope="session")
def gcs_server():
    """gcp-storage-emulator; ``storage_options()`` for gcsfs."""
    with GCSEmulator() as server:
        yield server


@pytest.fixture(scope="session")
def azurite_server():
    """Azurite blob service; ``connection_string``, ``container_sas()`` …"""
    with Azurite() as server:
        yield server


def _fresh(server):
    server.reset()
    clear_fsspec_caches()
    return server


@pytest.fixture
def s3_env(moto_server):
    """``moto_server`` with all state wiped before the test."""
    yield _fresh(moto_server)


@pytest.fixture
def s3_auth_env(moto_auth_server):
    """``moto_auth_server`` wiped before the test (same key pair afterwards)."""
    yield _fresh(moto_auth_server)


@pytest.fixture
def gcs_env(gcs_server):
    """``gcs_server`` with every bucket deleted before the test."""
    yield _fresh(gcs_server)


@pytest.fixture
def azure_env(azurite_server):
    """``azurite_server`` with every container deleted before the test."""
    yield _fresh(azurite_server)
