"""The top-level package: every public name resolves, and ``import omefs`` stays light."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import omefs
import omefs.errors

#: Modules ``import omefs`` must not load: the SDKs, their fsspec libraries and the engine.
HEAVY = ("boto3", "botocore", "s3fs", "gcsfs", "google.cloud", "adlfs", "azure.storage",
         "azure.identity", "oci", "ocifs", "github", "obstore", "omefs.transfer")


def test_every_public_name_resolves():
    for name in omefs.__all__:
        assert getattr(omefs, name) is not None, name
    assert len(set(omefs.__all__)) == len(omefs.__all__)


def test_the_documented_names_are_public():
    wanted = {"copy", "sync", "storage", "Storage", "parse_uri", "ObjectURI", "TransferReport",
              "TransferItem", "Credentials", "AuthConfig", "resolve", "filesystem", "url_to_fs",
              "open", "errors"}
    assert wanted <= set(omefs.__all__)


def test_every_exception_class_of_errors_is_exported():
    # Public errors are those omefs.errors lists; the rest never leave omefs.
    classes = {name for name in omefs.errors.__all__
               if inspect.isclass(getattr(omefs.errors, name))
               and issubclass(getattr(omefs.errors, name), BaseException)}
    assert "OmefsError" in classes and "TransferError" in classes
    assert classes <= set(omefs.__all__)
    for name in classes:
        assert getattr(omefs, name) is getattr(omefs.errors, name)


def test_import_omefs_loads_no_sdk():
    code = ("import json, sys, omefs; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
