"""fsspec finds omefs's filesystems through entry points, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("protocol,expected", [
    ("azure", "omefs.providers.azure.fs.OMEAzureFileSystem"),
    ("s3", "omefs.providers.aws.fs.S3FileSystem"),
    ("s3a", "omefs.providers.aws.fs.S3FileSystem"),
    ("gs", "omefs.providers.gcp.fs.GCSFileSystem"),
    ("gcs", "omefs.providers.gcp.fs.GCSFileSystem"),
    ("az", "omefs.providers.azure.fs.AzureBlobFileSystem"),
    ("abfs", "omefs.providers.azure.fs.AzureBlobFileSystem"),
])
def test_protocol_resolves_to_omefs_without_import(protocol, expected):
    code = (
        "import sys, fsspec\n"
        f"cls = fsspec.get_filesystem_class({protocol!r})\n"
        "print(cls.__module__ + '.' + cls.__qualname__)\n"
    )
    assert _fresh(code) == expected


def test_abfss_resolves_to_omefs():
    # adlfs declares its own abfss entry point: whichever is found first wins
    # in fsspec, so omefs re-registers the scheme when its Azure module loads.
    code = (
        "import fsspec\n"
        "cls = fsspec.get_filesystem_class('abfss')\n"
        "print(cls.__module__)\n"
    )
    assert _fresh(code) == "omefs.providers.azure.fs"
    code2 = "import fsspec, omefs.providers.azure.fs\nprint(fsspec.get_filesystem_class('abfss').__module__)"
    assert _fresh(code2) == "omefs.providers.azure.fs"


def test_omefs_not_imported_until_a_scheme_is_used():
    code = "import sys, fsspec\nprint('omefs' in sys.modules)"
    assert _fresh(code) == "False"
