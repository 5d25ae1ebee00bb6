"""The main job on the local emulators: one DataFrame across three clouds.

Starts moto (S3), the GCS emulator and Azurite on loopback, writes a
pandas DataFrame as parquet to ``s3://``, copies it to ``gs://`` and
``azure://`` with :func:`omefs.copy`, reads each copy back with pandas and
prints one row per URI: rows, bytes, seconds, and whether it equals the
original. No cloud account is needed; every server stops at the end.

Run it with ``make demo`` (which sets everything up first).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import omefs  # noqa: E402
from tests.servers import running_servers  # noqa: E402

ROWS = 200_000


def make_frame(rows: int = ROWS) -> pd.DataFrame:
    """A DataFrame with the column types a pipeline usually has."""
    rng = np.random.default_rng(42)
    return pd.DataFrame({
        "id": np.arange(rows, dtype="int64"),
        "score": rng.random(rows),
        "label": rng.choice(["cat", "dog", "bird", "fish"], rows),
        "ts": pd.date_range("2026-01-01", periods=rows, freq="s"),
    })


def main() -> int:
    df = make_frame()
    with running_servers(["s3", "gcs", "azure"]) as servers:
        s3, gcs, azure = servers["s3"], servers["gcs"], servers["azure"]
        auth = {
            "s3": {"provider": "aws", "auth_type": "access_key",
                   "settings": {"access_key_id": "testing", "secret_access_key": "testing",
                                "endpoint_url": s3.endpoint}},
            "gcs": {"provider": "gcp", "auth_type": "anonymous",
                    "settings": {"endpoint_url": gcs.endpoint, "project": "demo"}},
            "azure": {"provider": "azure", "auth_type": "connection_string",
                      "settings": {"connection_string": azure.connection_string}},
        }
        urls = {
            "s3": "s3://omefs-demo/frames/data.parquet",
            "gcs": "gs://omefs-demo/frames/data.parquet",
            "azure": "azure://omefs-demo/frames/data.parquet",
        }
        for name, url in urls.items():
            fs, _ = omefs.url_to_fs(url, auth=auth[name])
            fs.mkdir("omefs-demo")

        rows = []
        start = time.perf_counter()
        df.to_parquet(urls["s3"], storage_options={"auth": auth["s3"]})
        write_seconds = time.perf_counter() - start
        for target in ("gcs", "azure"):
            start = time.perf_counter()
            report = omefs.copy(urls["s3"], urls[target], src_auth=auth["s3"], dst_auth=auth[target])
            rows.append((target, report, time.perf_counter() - start))

        print(f"{'URI':<45} {'rows':>8} {'bytes':>10} {'seconds':>8}  equal")
        ok = True
        for name, url in urls.items():
            start = time.perf_counter()
            back = pd.read_parquet(url, storage_options={"auth": auth[name]})
            seconds = time.perf_counter() - start
            if name == "s3":
                seconds += write_seconds
            else:
                seconds += next(s for t, _, s in rows if t == name)
            fs, path = omefs.url_to_fs(url, auth=auth[name])
            size = fs.size(path)
            equal = back.equals(df)
            ok &= equal
            print(f"{url:<45} {len(back):>8} {size:>10} {seconds:>8.2f}  {'yes' if equal else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
