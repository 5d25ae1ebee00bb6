"""pandas and pyarrow with ``s3://``, ``gs://`` and ``az://`` URLs and no ``storage_options``
follow omefs's routes (``OMEFS_CONFIG``): the bytes go to the routed server, never to the
real cloud, and nothing waits for a cloud's credentials.

Without omefs, pandas' ``read_parquet``/``to_parquet`` and pyarrow's ``read_table``,
``write_table`` and ``dataset`` hand such a URL to pyarrow's own S3/GCS/Azure client, which
knows no routes (S3 goes to AWS; GCS waits up to 15 minutes for credentials).
Servers: moto (S3), the GCS emulator and Azurite, reached only through the routes.
"""

from __future__ import annotations

import textwrap

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

import omefs  # noqa: F401  (importing omefs is what makes pandas and pyarrow follow routes)
from omefs.pyarrow_urls import omefs_filesystem
from tests.servers import clear_fsspec_caches

FRAME = pd.DataFrame({"name": ["a", "b", "c"], "value": [1.5, 2.5, 3.5]})


@pytest.fixture
def routes(s3_env, gcs_env, azure_env, tmp_path, monkeypatch):
    """An OMEFS_CONFIG whose routes send every s3://, gs:// and az:// URL to the local servers;
    nothing in the environment names them."""
    path = tmp_path / "omefs.yaml"
    path.write_text(textwrap.dedent(f"""
        profiles:
          local-s3:
            provider: aws
            auth_type: access_key
            settings: {{access_key_id: {s3_env.access_key_id}, secret_access_key: "{s3_env.secret_access_key}",
                        endpoint_url: "{s3_env.endpoint}"}}
          local-gcs:
            provider: gcp
            auth_type: anonymous
            settings: {{endpoint_url: "{gcs_env.endpoint}", project: test}}
          local-azure:
            provider: azure
            auth_type: connection_string
            settings: {{connection_string: "{azure_env.connection_string}"}}
        routes:
          "s3://": local-s3
          "gs://": local-gcs
          "az://": local-azure
    """))
    monkeypatch.setenv("OMEFS_CONFIG", str(path))
    # pyarrow's own S3 client would read this: a request that bypassed the route fails in
    # seconds at a closed port instead of reaching AWS
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    clear_fsspec_caches()
    yield {"s3": s3_env, "gs": gcs_env, "az": azure_env}
    clear_fsspec_caches()


def _server_fs(scheme: str, env) -> fsspec.AbstractFileSystem:
    """The routed server, reached with its own options (to check what landed there)."""
    if scheme == "az":
        return fsspec.filesystem("az", skip_instance_cache=True, connection_string=env.connection_string)
    return fsspec.filesystem(scheme, skip_instance_cache=True, **env.storage_options())


@pytest.mark.timeout(60, method="thread")  # a C++ wait ignores the signal method
@pytest.mark.parametrize("scheme", ["s3", "gs", "az"])
def test_pandas_and_pyarrow_follow_the_route(routes, scheme):
    server = _server_fs(scheme, routes[scheme])
    server.mkdir("frames")
    base = f"{scheme}://frames"

    FRAME.to_parquet(f"{base}/pd.parquet")
    assert server.cat("frames/pd.parquet")[:4] == b"PAR1"  # it landed on the routed server
    assert pd.read_parquet(f"{base}/pd.parquet").equals(FRAME)

    FRAME.to_csv(f"{base}/pd.csv", index=False)
    assert pd.read_csv(f"{base}/pd.csv").equals(FRAME)

    table = pa.Table.from_pandas(FRAME, preserve_index=False)
    pq.write_table(table, f"{base}/pa.parquet")
    assert pq.read_table(f"{base}/pa.parquet").equals(table)

    ds.write_dataset(table, f"{base}/set/", format="parquet")
    assert sorted(p.rsplit("/", 1)[-1] for p in server.ls("frames/set", refresh=True)) == ["part-0.parquet"]
    assert ds.dataset(f"{base}/set/", format="parquet").to_table().equals(table)
    assert pd.read_parquet(f"{base}/set/").equals(FRAME)


def test_pyarrow_keeps_its_own_filesystems_where_omefs_has_nothing_to_add(tmp_path, monkeypatch):
    # a local path, and an s3:// URL carrying pyarrow's own options, stay pyarrow's
    local, _ = pafs._resolve_filesystem_and_path(str(tmp_path))
    assert isinstance(local, pafs.LocalFileSystem)
    native, path = pafs._resolve_filesystem_and_path(
        "s3://bucket/key.parquet?endpoint_override=127.0.0.1:9&scheme=http&region=us-east-1")
    assert isinstance(native, pafs.S3FileSystem) and path == "bucket/key.parquet"
    # a URL omefs serves goes through omefs's filesystem (no request is made here)
    routed, path = pafs._resolve_filesystem_and_path("s3://bucket/key.parquet")
    assert isinstance(routed, pafs.PyFileSystem) and path == "bucket/key.parquet"
    assert type(routed.handler.fs).__module__.startswith("omefs.")
    # and OMEFS_PYARROW_ROUTES=0 gives every URL back to pyarrow's own clients
    monkeypatch.setenv("OMEFS_PYARROW_ROUTES", "0")
    assert omefs_filesystem("s3://bucket/key.parquet") is None


def test_pandas_and_pyarrow_imported_after_omefs_are_adapted_too():
    """The other order: ``import omefs`` first, pandas and pyarrow later (the import hook)."""
    import subprocess
    import sys

    child = ("import sys, omefs\n"
             "assert 'pandas' not in sys.modules and 'pyarrow' not in sys.modules\n"
             "import pandas.io.parquet, pyarrow.fs, pyarrow.parquet.core, pyarrow.dataset\n"
             "assert pandas.io.parquet._get_path_or_handle._omefs\n"
             "assert pyarrow.fs._resolve_filesystem_and_path._omefs\n"
             "assert pyarrow.parquet.core._resolve_filesystem_and_path._omefs\n")
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
