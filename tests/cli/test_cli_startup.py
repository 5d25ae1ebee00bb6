"""What a short command imports: a copy or a listing served by obstore loads no SDK stack it
does not use.

Each test runs the CLI in a subprocess as a user would — the servers reached through a
routing config (``OMEFS_CONFIG``), no flags — under ``python -X importtime``, and reads
the modules it imported from that report (the CLI ends with ``os._exit``, so nothing
can be asked of the process at exit). Servers: moto (S3), Azurite (Azure) and the GCS
emulator.

* ``cp -r`` S3 -> S3 within a bucket (obstore's server-side copy) and ``ls``/``ls -r``
  of S3: obstore lists and copies everything;
  none of s3fs, aiobotocore, botocore's clients (its service models), adlfs,
  azure-storage-blob or gcsfs is imported.
* ``cp`` S3 -> Azure (a folder, with and without its slash, and one object): the S3 side
  is the same; the Azure side asks ``info`` and writes with ``Content-MD5`` as plain HTTP
  (omefs.providers.azure.blob_http), so none of those is imported either.
* ``cp -r`` GCS -> S3 and ``ls`` of GCS: the GCS front lists and reads through the JSON
  API over plain HTTP (obstore cannot talk to the emulator) and obstore writes to S3;
  no SDK stack is imported, gcsfs and aiohttp included.

No copy here reads the package metadata (``importlib.metadata``): plug-ins' entry
points are read only for a name that is not omefs's own.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import fsspec
import pytest
import yaml

from tests.cli.test_cli_basic import cli_env
from tests.servers.routing import routing_document

#: Module prefixes no obstore-served S3 command needs.
HEAVY = ("s3fs", "aiobotocore", "botocore.client", "botocore.loaders", "adlfs",
         "azure.storage.blob", "gcsfs")
#: The scan of every installed package's entry points, which omefs's own schemes never
#: need (``ls`` imports fsspec, which reads them itself).
METADATA = ("importlib.metadata",)
#: What a copy of small objects has no use for: importlib's abstract bases (the pandas and
#: pyarrow import hook needs none), ctypes (glibc's malloc is tuned only for big objects),
#: and what they drag in.
UNUSED = ("importlib.abc", "importlib.resources", "ctypes", "tempfile")


def imported(stderr: str) -> set[str]:
    """The modules named in a ``-X importtime`` report."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def routed_env(tmp_path, **servers) -> dict[str, str]:
    """The CLI's environment with a routing config sending each scheme to its server."""
    path = tmp_path / "omefs.yaml"
    path.write_text(yaml.safe_dump(routing_document(**servers)))
    return cli_env(OMEFS_CONFIG=str(path))


def bucket(protocol: str, server, name: str, objects: str | None = None):
    """A filesystem on ``server`` with the bucket ``name``, holding five objects under
    ``objects/`` when asked."""
    fs = fsspec.filesystem(protocol, skip_instance_cache=True, **server.storage_options())
    fs.mkdir(name)
    if objects:
        fs.pipe({f"{name}/{objects}/obj-{i}.bin": bytes([i]) * 1000 for i in range(5)})
    return fs


@pytest.fixture
def routed(s3_env, azure_env, tmp_path):
    """The CLI's environment: a routing config sending s3:// to moto and az:// to Azurite."""
    return (routed_env(tmp_path, s3=s3_env, azure=azure_env), bucket("s3", s3_env, "src", "set"),
            bucket("az", azure_env, "dst"))


def run_timed(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "omefs", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    report = "\n".join(ln for ln in proc.stderr.splitlines() if not ln.startswith("import time:"))
    assert proc.returncode == 0, report
    return proc, imported(proc.stderr)


def test_cp_s3_to_s3_imports_no_sdk_stack(routed):
    env, s3, _ = routed
    proc, modules = run_timed(env, "cp", "-r", "s3://src/set/", "s3://src/copy/")
    assert "5 copied" in proc.stdout
    assert s3.cat("src/copy/obj-3.bin") == bytes([3]) * 1000
    assert "obstore" in modules  # the report is read right
    assert loaded(modules, (*HEAVY, *METADATA, *UNUSED)) == []


@pytest.mark.parametrize("args", [
    ("-r", "s3://src/set/", "az://dst/set/"),
    ("-r", "s3://src/set", "az://dst/set"),  # the destination's info is asked
    ("s3://src/set/obj-4.bin", "az://dst/set/obj-4.bin"),  # one object
])
def test_cp_s3_to_azure_imports_no_sdk_stack(routed, args):
    env, _, az = routed
    proc, modules = run_timed(env, "cp", *args)
    assert ("5 copied" if "-r" in args else "1 copied") in proc.stdout
    assert az.cat("dst/set/obj-4.bin") == bytes([4]) * 1000
    # every blob carries the MD5 the service checked on the way in
    assert bytes(az.info("dst/set/obj-4.bin")["content_settings"]["content_md5"]) == \
        hashlib.md5(bytes([4]) * 1000).digest()
    assert loaded(modules, (*HEAVY, *METADATA, *UNUSED)) == []


def test_ls_of_s3_imports_no_sdk_stack(routed):
    env, _, _ = routed
    for flags in ((), ("-R",)):
        proc, modules = run_timed(env, "ls", *flags, "s3://src/")
        names = ["set/"] if not flags else [f"set/obj-{i}.bin" for i in range(5)]
        assert proc.stdout.split()[1::2] == names, flags
        assert loaded(modules, HEAVY) == [], flags


@pytest.fixture
def routed_gcs(s3_env, gcs_env, tmp_path):
    """The CLI's environment: a routing config sending gs:// to the GCS emulator, s3:// to moto."""
    bucket("gcs", gcs_env, "gsrc", "set")
    return routed_env(tmp_path, s3=s3_env, gcs=gcs_env), bucket("s3", s3_env, "dst")


def test_cp_gcs_to_s3_imports_no_sdk_stack(routed_gcs):
    env, s3 = routed_gcs
    proc, modules = run_timed(env, "cp", "-r", "gs://gsrc/set/", "s3://dst/set/")
    assert "5 copied" in proc.stdout
    assert s3.cat("dst/set/obj-2.bin") == bytes([2]) * 1000
    assert loaded(modules, (*HEAVY, *METADATA, *UNUSED, "aiohttp", "google.cloud")) == []
    for flags in ((), ("-R",)):
        proc, modules = run_timed(env, "ls", *flags, "gs://gsrc/")
        names = ["set/"] if not flags else [f"set/obj-{i}.bin" for i in range(5)]
        assert proc.stdout.split()[1::2] == names, flags
        assert loaded(modules, (*HEAVY, "aiohttp")) == [], flags


#: Runs the CLI with every obstore store class counting what it builds (one stderr line each).
_COUNTING = r"""
import sys
import obstore.store as stores

def counting(cls):
    class Counted(cls):
        def __new__(kind, *args, **kwargs):
            sys.stderr.write(f"built {cls.__name__} {args[0]}\n")
            return cls(*args, **kwargs)
    return Counted

for name in ("S3Store", "AzureStore", "GCSStore"):
    setattr(stores, name, counting(getattr(stores, name)))
from omefs.cli.main import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("args", [
    ("-r", "s3://src/set", "az://dst/counted"),  # list both sides, info, five copies
    ("s3://src/set/obj-1.bin", "az://dst/counted/obj-1.bin"),
])
def test_one_command_builds_one_store_per_bucket(routed, args):
    """The listing front, the copy engine and the Azure signer share one obstore store per
    bucket: each costs milliseconds of CPU to build (its HTTP client and TLS roots)."""
    env, _, az = routed
    proc = subprocess.run([sys.executable, "-c", _COUNTING, "cp", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    built = sorted(line for line in proc.stderr.splitlines() if line.startswith("built "))
    assert built == ["built AzureStore dst", "built S3Store src"], proc.stderr
    assert az.cat("dst/counted/obj-1.bin") == bytes([1]) * 1000
