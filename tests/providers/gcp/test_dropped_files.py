"""A ``gs://`` file dropped without ``close()`` stops its read-ahead task: nothing prints
``Task was destroyed but it is pending!`` (gcsfs's prefetcher, seen at the end of the
cross-cloud demo, where pyarrow drops the files pandas' ``read_parquet`` opens).

Each case runs in a child process, whose stderr is what a user sees, both when the
garbage collector takes the file and when the interpreter exits with it uncollected.
Server: the GCS emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import fsspec
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]

CHILD = textwrap.dedent("""
    import gc, json, sys
    import fsspec, pandas as pd
    import omefs  # noqa: F401
    options = json.loads(sys.argv[1])
    fs = fsspec.filesystem("gs", skip_instance_cache=True, **options)
    assert pd.read_parquet("gs://dropped/frame.parquet", storage_options=options).shape == (1000, 1)

    def drop_one():
        f = fs.open("dropped/blob.bin", "rb")
        f.seek(-1000, 2); f.read(); f.seek(0); f.read(10)  # the read-ahead restarts at 0 and waits

    drop_one()
    gc.collect()  # one dropped file taken by the garbage collector...
    drop_one()  # ...and one still uncollected when the interpreter exits
    print("read", flush=True)
""")


@pytest.mark.timeout(120)
def test_dropped_files_leave_no_pending_task(gcs_env):
    fs = fsspec.filesystem("gs", skip_instance_cache=True, **gcs_env.storage_options())
    fs.mkdir("dropped")
    fs.pipe("dropped/blob.bin", os.urandom(3_000_000))
    with fs.open("dropped/frame.parquet", "wb") as f:
        pd.DataFrame({"x": range(1000)}).to_parquet(f)

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(gcs_env.storage_options())],
                          capture_output=True, text=True, timeout=100, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "read\n"
    assert "Task was destroyed" not in proc.stderr, proc.stderr
