#!/usr/bin/env python
"""Command-line benchmark: ``omefs cp`` against ``rclone copy``, start-up included.

Starts the local servers (moto for S3, gcp-storage-emulator for GCS, Azurite
for Azure), writes three datasets into each source — one 64 KiB object, a set
of small objects (500 x 64 KiB) and one big object (512 MiB) — and copies each
along each route (default: S3 -> Azure and GCS -> S3) by running the two
commands as a user runs them:

* ``omefs cp`` (``python -m omefs``), the servers reached through a routing
  config (``OMEFS_CONFIG``), as ``make emulators`` writes it;
* ``rclone copy`` / ``rclone copyto`` (Debian package ``rclone``), its
  remotes given as ``RCLONE_CONFIG_*`` variables, as ``bench/crosscopy.py``
  gives them.

Every figure is the whole process: interpreter or binary start-up, config
reading, listing, copying, exit. omefs is compiled to bytecode first, as pip
leaves an installed package (the environment's ``PYTHONDONTWRITEBYTECODE``
does not make each run compile it again). For each run it measures the wall time, the
client's CPU (user + system, from ``os.wait4``), the client's CPU per object,
and the CPU every server process spent during the run; it prints them as
omefs/rclone ratios from the same run, with the side that bounds each
figure: the *client* when the command spent more CPU than all the servers
together, else the *emulator*. Both tools get the same parallelism
(``--transfers``) and part size (``--part-size``); each run writes to a new
prefix of a destination server restarted for it (``--keep-servers`` keeps it),
and every copy is verified (every size, the MD5 of a sample that always holds
the largest object). The tools run in turns, in a rotated order per repeat.

The big object is also copied by ``omefs cp --no-checksum`` ("omefs, size
only"): on S3 -> Azure rclone computes no digest (a multipart S3 object has
no MD5, and Azure keeps none for a block upload), so that run is the
like-for-like one, while plain ``omefs cp`` checks the source's multipart
ETag and sends and stores MD5s (two MD5 passes over every byte, each about
0.7 s of CPU per 512 MiB here). ``--no-size-only`` leaves that run out.

    python bench/cli.py                    # 1 x 64 KiB, 500 x 64 KiB, 1 x 512 MiB; 3 repeats
    python bench/cli.py --quick            # 1 x 64 KiB, 100 x 64 KiB, 1 x 32 MiB; 1 repeat
    python bench/cli.py --markdown out.md  # also the tables as Markdown

All servers and both clients share this machine's cores: the numbers compare
the two tools in one run; they are not cloud throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import _stores as st  # noqa: E402
from crosscopy import DST_BUCKET, LABELS, SRC_BUCKET, Bench, parse_size  # noqa: E402

MiB = 1 << 20
TOOLS = ("omefs", "rclone")
#: ``omefs cp --no-checksum``: sizes only, as rclone checks a multipart S3 object into Azure.
SIZE_ONLY = "omefs-size"
DATASETS = ("one", "small", "big")


# -- the two commands --------------------------------------------------------------

def omefs_config(topo: dict[str, Any], folder: Path) -> Path:
    """The routing config (``OMEFS_CONFIG``) sending s3://, gs:// and az:// to the servers."""
    import yaml

    profiles: dict[str, Any] = {}
    routes: dict[str, str] = {}
    if "s3" in topo:
        t = topo["s3"]
        profiles["bench-s3"] = {"provider": "aws", "auth_type": "access_key", "region": "us-east-1",
                                "settings": {"access_key_id": t["key"], "secret_access_key": t["secret"],
                                             "endpoint_url": t["endpoint"]}}
        routes["s3://"] = "bench-s3"
    if "gcs" in topo:
        t = topo["gcs"]
        profiles["bench-gcs"] = {"provider": "gcp", "auth_type": "anonymous",
                                 "settings": {"endpoint_url": t["endpoint"], "project": t["project"]}}
        routes["gs://"] = "bench-gcs"
    if "azure" in topo:
        profiles["bench-azure"] = {"provider": "azure", "auth_type": "connection_string",
                                   "settings": {"connection_string": topo["azure"]["connection_string"]}}
        routes["az://"] = "bench-azure"
    path = folder / "omefs.yaml"
    path.write_text(yaml.safe_dump({"profiles": profiles, "routes": routes}, sort_keys=False))
    return path


def commands(tool: str, dataset: str, src: str, dst: str, dst_path: str, args: argparse.Namespace,
             topo: dict[str, Any], config: Path) -> tuple[list[str], dict[str, str]]:
    """``(argv, environment)`` of one copy of ``dataset`` from ``src`` to ``dst``."""
    env = st.clean_env()
    t = str(args.transfers)
    single = dataset == "one"
    if tool in ("omefs", SIZE_ONLY):
        env["OMEFS_CONFIG"] = str(config)
        source = st.url(src, SRC_BUCKET, "one/one.bin" if single else dataset) + ("" if single else "/")
        target = st.url(dst, DST_BUCKET, dst_path + ("/one.bin" if single else "")) + ("" if single else "/")
        argv = [sys.executable, "-m", "omefs", "cp", *([] if single else ["-r"]),
                *(["--no-checksum"] if tool == SIZE_ONLY else []), "-q",
                "--transfers", t, "--part-size", str(args.part_size), source, target]
        return argv, env
    env.update(st.rclone_env(src, "SRC", SRC_BUCKET, topo))
    env.update(st.rclone_env(dst, "DST", DST_BUCKET, topo))
    p = f"{args.part_size // 1024}Ki"
    source = st.rclone_path("SRC", SRC_BUCKET, "one/one.bin" if single else dataset)
    target = st.rclone_path("DST", DST_BUCKET, dst_path + ("/one.bin" if single else ""))
    argv = ["rclone", "copyto" if single else "copy", "--config", os.devnull, "-q", "--stats", "0",
            source, target, "--transfers", t, "--checkers", t,
            "--s3-chunk-size", p, "--s3-upload-concurrency", t,
            "--azureblob-chunk-size", p, "--azureblob-upload-concurrency", t]
    return argv, env


def run_command(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``argv``; its wall time, and its CPU (user + system) from ``os.wait4``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return {"ok": proc.returncode == 0, "seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "rss_kib": usage.ru_maxrss, "error": stderr[-2000:] if proc.returncode else None}


# -- the benchmark -----------------------------------------------------------------------

class CliBench(Bench):
    """:class:`crosscopy.Bench`'s sources, fresh destinations and checks, with commands as copiers."""

    def __init__(self, args: argparse.Namespace, topo: dict[str, Any], servers: dict[str, Any],
                 config: Path) -> None:
        super().__init__(args, topo, servers)
        self.config = config

    def copy(self, copier: str, src: str, dst: str, dataset: str, rep: int) -> dict[str, Any]:
        self.fresh_destination(dst)
        dst_path = f"{copier}-{rep}/{dataset}"
        argv, env = commands(copier, dataset, src, dst, dst_path, self.args, self.topo, self.config)
        result = self.measured(lambda: run_command(argv, env))
        result["command"] = " ".join(Path(a).name if a == sys.executable else a for a in argv)
        dst_side = {"provider": dst, "bucket": DST_BUCKET, "path": dst_path}
        return self.checked(result, src, dataset, dst_side)

    def run(self) -> None:
        args = self.args
        sizes = {"one": args.small_kib * 1024, "big": args.big_mib * MiB}
        big = {name: size for name, size in sizes.items() if name in args.datasets}
        small_n = args.small if "small" in args.datasets else 0
        for src, _dst in args.routes:
            self.setup_source(src, sorted({d for s, d in args.routes if s == src}), big, small_n=small_n)
        for index, (src, dst) in enumerate(args.routes):
            self.needed_sources = {s for s, _ in args.routes[index:]}
            for dataset in args.datasets:
                expect = self.expect(src, dataset)
                row: dict[str, Any] = {"route": f"{src}:{dst}", "src": src, "dst": dst, "dataset": dataset,
                                       "objects": len(expect), "bytes": sum(v[0] for v in expect.values()),
                                       "tools": {}}
                self.log(f"{LABELS[src]} -> {LABELS[dst]}, {describe(row)}")
                tools = args.tools + ([SIZE_ONLY] if dataset == "big" and args.size_only else [])
                runs = self.rotated_runs(
                    tools, src, dst, dataset,
                    lambda tool, result, status: (
                        f"  {tool:<10} {result['seconds']:7.2f}s  cpu {result['cpu_seconds']:6.2f}s  "
                        f"servers {sum(result['server_cpu'].values()):6.2f}s  {status}"))
                for tool, results in runs.items():
                    good = [r for r in results if r["ok"] and r["verified"]]
                    row["tools"][tool] = {
                        "seconds": statistics.median(r["seconds"] for r in good) if good else None,
                        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in good) if good else None,
                        "server_cpu": statistics.median(sum(r["server_cpu"].values()) for r in good)
                        if good else None,
                        "runs": len(results), "verified": len(good) == len(results),
                        "errors": [r["error"] or r["verify_problems"] for r in results if r not in good],
                        "command": results[0]["command"] if results else None,
                    }
                self.results.append(row)


# -- reporting -------------------------------------------------------------------------------

def describe(row: dict[str, Any]) -> str:
    if row["dataset"] == "big":
        return f"1 x {row['bytes'] // MiB} MiB"
    return f"{row['objects']} x {row['bytes'] // max(row['objects'], 1) // 1024} KiB"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def _bound(t: dict[str, Any]) -> str:
    if t.get("cpu_seconds") is None or t.get("server_cpu") is None:
        return "-"
    return "client" if t["cpu_seconds"] > t["server_cpu"] else "emulator"


def _s(value: float | None, unit: str = " s", digits: int = 2) -> str:
    return "failed" if value is None else f"{value:.{digits}f}{unit}"


def render(results: list[dict[str, Any]]) -> str:
    """One Markdown table: each route and dataset, both tools, and omefs/rclone ratios."""
    header = ["route", "objects", "figure", "omefs", "rclone", "omefs/rclone", "bound (omefs, rclone)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in results:
        o = row["tools"].get("omefs") or {}
        r = row["tools"].get("rclone") or {}
        n = max(row["objects"], 1)
        per = {k: (v["cpu_seconds"] / n * 1000 if v.get("cpu_seconds") is not None else None) for k, v in
               (("o", o), ("r", r))}
        bound = f"{_bound(o)}, {_bound(r)}"
        route = f"{LABELS[row['src']]} -> {LABELS[row['dst']]}"
        figures = [
            ("wall time", _s(o.get("seconds")), _s(r.get("seconds")), _ratio(o.get("seconds"), r.get("seconds"))),
            ("client CPU", _s(o.get("cpu_seconds")), _s(r.get("cpu_seconds")),
             _ratio(o.get("cpu_seconds"), r.get("cpu_seconds"))),
            ("client CPU / object", _s(per["o"], " ms", 1), _s(per["r"], " ms", 1), _ratio(per["o"], per["r"])),
            ("server CPU", _s(o.get("server_cpu")), _s(r.get("server_cpu")),
             _ratio(o.get("server_cpu"), r.get("server_cpu"))),
        ]
        size_only = row["tools"].get(SIZE_ONLY)
        if size_only:
            figures += [
                ("wall time, omefs size only", _s(size_only.get("seconds")), _s(r.get("seconds")),
                 _ratio(size_only.get("seconds"), r.get("seconds"))),
                ("client CPU, omefs size only", _s(size_only.get("cpu_seconds")), _s(r.get("cpu_seconds")),
                 _ratio(size_only.get("cpu_seconds"), r.get("cpu_seconds"))),
            ]
        for i, (name, a, b, ratio) in enumerate(figures):
            lines.append("| " + " | ".join([route if i == 0 else "", describe(row) if i == 0 else "", name, a, b,
                                            ratio, bound if i == 0 else ""]) + " |")
    notes = []
    for row in results:
        for tool, t in row["tools"].items():
            if not t["verified"]:
                notes.append(f"- {tool} {row['route']} {row['dataset']}: NOT verified: {str(t['errors'])[:300]}")
    return "\n".join(lines + ([""] + notes if notes else []))


def rclone_version() -> str:
    out = subprocess.run(["rclone", "version"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else "rclone"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1 x 64 KiB, 100 x 64 KiB, 1 x 32 MiB, 1 repeat")
    p.add_argument("--small", type=int, default=None, help="number of small objects (default 500; --quick 100)")
    p.add_argument("--small-kib", type=int, default=64, help="size of each small object and the single one (KiB)")
    p.add_argument("--big-mib", type=int, default=None, help="size of the big object in MiB (default 512; --quick 32)")
    p.add_argument("--repeat", type=int, default=None, help="runs of each tool; the median is reported (default 3)")
    p.add_argument("--transfers", type=int, default=16, help="parallel objects/parts, both tools (default 16)")
    p.add_argument("--part-size", type=parse_size, default=16 * MiB, help="part size, both tools (default 16M)")
    p.add_argument("--routes", default="s3:azure,gcs:s3", help="comma-separated SRC:DST provider pairs")
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated subset of one,small,big")
    p.add_argument("--keep-servers", action="store_true",
                   help="do not restart a destination server before each run")
    p.add_argument("--no-size-only", dest="size_only", action="store_false",
                   help="leave out the big object's omefs --no-checksum run")
    p.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    p.add_argument("--json", type=Path, help="also write the raw results as JSON to this file")
    args = p.parse_args(argv)
    args.small = args.small if args.small is not None else (100 if args.quick else 500)
    args.big_mib = args.big_mib if args.big_mib is not None else (32 if args.quick else 512)
    args.repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    args.routes = [tuple(r.split(":")) for r in args.routes.split(",")]
    args.datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = set(args.datasets) - set(DATASETS)
    if unknown:
        p.error(f"unknown dataset(s) {sorted(unknown)}")
    args.tools = list(TOOLS)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("rclone") is None:
        print("rclone is not installed (Debian: apt-get install -y rclone)", file=sys.stderr)
        return 2
    from tests.servers import running_servers

    command = "python bench/cli.py " + " ".join(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    # As pip leaves an installed package: compiled to bytecode, so no run compiles omefs's
    # sources at start-up (with PYTHONDONTWRITEBYTECODE set, every run would).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "omefs")], check=True)
    providers = sorted({p for r in args.routes for p in r})
    with tempfile.TemporaryDirectory(prefix="omefs-bench-cli-") as tmp, running_servers(providers) as servers:
        topo = st.topology(servers)
        bench = CliBench(args, topo, servers, omefs_config(topo, Path(tmp)))
        bench.run()
    header = (f"$ {command}\n{args.small} x {args.small_kib} KiB, 1 x {args.small_kib} KiB, 1 x {args.big_mib} MiB; "
              f"--transfers {args.transfers}, part size {args.part_size // MiB} MiB; median of {args.repeat}; "
              f"{rclone_version()}; {os.cpu_count()} cores; total {time.perf_counter() - started:.0f} s")
    table = render(bench.results)
    print(header + "\n\n" + table)
    if args.markdown:
        args.markdown.write_text(f"```text\n{header}\n```\n\n{table}\n")
    if args.json:
        args.json.write_text(json.dumps({"command": command, "results": bench.results}, indent=2, default=str))
    ok = all(t["verified"] for row in bench.results for t in row["tools"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
