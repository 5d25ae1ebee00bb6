#!/usr/bin/env python
"""Cross-cloud copy benchmark: omefs against rclone, fsspec.generic and a naive copy.

Starts the local servers (moto for S3, gcp-storage-emulator for GCS, Azurite
for Azure), writes a set of small objects and one big object into each
source, and copies them along each route (default: S3 -> Azure and
GCS -> S3) with:

* ``omefs``          — :func:`omefs.copy` (verifies every object: size, and the
                       source's own digest while streaming);
* ``omefs-size-only`` — the same with ``checksum=False`` (sizes only: what
                       rclone checks when the two ends share no hash type);
* ``rclone``         — ``rclone copy`` (Debian package ``rclone``);
* ``fsspec.generic`` — :func:`fsspec.generic.rsync` over s3fs/gcsfs/adlfs;
* ``naive``          — download everything to a temp folder, then upload it
                       (fsspec ``get`` then ``put``).

Each copier runs in its own process (``bench/_worker.py``) so its peak RSS
is its own; every copy is verified (every size, MD5 of a sample that always
holds the big object). For each dataset it also measures the raw ceilings
of the two sides — a GET loop against the source and a PUT loop against the
destination with a raw client (obstore; plain HTTP for the GCS emulator) —
and says which side bounds the copy. The CPU time of every server process
during each run is measured too: with the client's own CPU it gives each
run's *CPU floor*, the shortest time its work allows on this machine's cores.

    python bench/crosscopy.py                 # 1,000 x 64 KiB and 1 x 512 MiB
    python bench/crosscopy.py --quick         # 200 x 64 KiB and 1 x 64 MiB
    python bench/crosscopy.py --rss-check     # peak RSS: 2 GiB copy vs 512 MiB copy

Every copier gets the same parallelism (``--transfers``) and part size
(``--part-size``). All servers and copiers share this machine's cores, so
the numbers compare copiers with each other in one run; they are not cloud
throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import _stores as st  # noqa: E402

MiB = 1 << 20
ALL_COPIERS = ["omefs", "omefs-size-only", "rclone", "fsspec.generic", "naive"]
CORES = os.cpu_count() or 1
LABELS = {"s3": "S3", "gcs": "GCS", "azure": "Azure"}
SRC_BUCKET = "bench-src"
DST_BUCKET = "bench-dst"


# -- running steps in worker processes ------------------------------------------

def worker(spec: dict[str, Any], *, check: bool = True) -> dict[str, Any]:
    """Run one step in a fresh ``_worker.py`` process and return its JSON result."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / "_worker.py")],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        env=st.clean_env(),
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(
            f"worker {spec['task']} {spec.get('copier', '')} exited {proc.returncode}: {proc.stderr[-2000:]}"
        )
    result = json.loads(lines[-1])
    if check and not result.get("ok"):
        raise RuntimeError(f"worker {spec['task']} failed: {result.get('error')}\n{result.get('traceback', '')}")
    return result


def _side(provider: str, bucket: str, path: str) -> dict[str, str]:
    return {"provider": provider, "bucket": bucket, "path": path}


# -- the benchmark ------------------------------------------------------------------

def parse_size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Results go to stdout; --markdown FILE also writes them as Markdown tables.",
    )
    p.add_argument("--small", type=int, default=None, help="number of small objects (default 1000; --quick 200)")
    p.add_argument("--small-kib", type=int, default=64, help="size of each small object in KiB (default 64)")
    p.add_argument("--big-mib", type=int, default=None, help="size of the big object in MiB (default 512; --quick 64)")
    p.add_argument("--quick", action="store_true", help="a small run: 200 x 64 KiB and 1 x 64 MiB")
    p.add_argument("--transfers", type=int, default=16, help="parallel objects/parts, every copier (default 16)")
    p.add_argument("--part-size", type=parse_size, default=16 * MiB, help="part size, every copier (default 16M)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each copier; the median is reported")
    p.add_argument("--copiers", default=",".join(ALL_COPIERS), help="comma-separated subset of " + ",".join(ALL_COPIERS))
    p.add_argument("--routes", default="s3:azure,gcs:s3", help="comma-separated SRC:DST provider pairs")
    p.add_argument("--datasets", default="small,big", help="small, big or both")
    p.add_argument("--no-raw", action="store_true", help="skip the raw-client ceilings")
    p.add_argument("--keep-servers", action="store_true",
                   help="do not restart a destination server (one that holds no source data) before "
                        "each run; by default every run meets a fresh one")
    p.add_argument("--rss-check", action="store_true",
                   help="instead: peak RSS of omefs copying --rss-big-mib vs --rss-base-mib")
    p.add_argument("--rss-big-mib", type=int, default=2048)
    p.add_argument("--rss-base-mib", type=int, default=512)
    p.add_argument("--rss-route", default="s3:azure")
    p.add_argument("--markdown", type=Path, help="also write the results as Markdown to this file")
    p.add_argument("--json", type=Path, help="also write the raw results as JSON to this file")
    args = p.parse_args(argv)
    if args.small is None:
        args.small = 200 if args.quick else 1000
    if args.big_mib is None:
        args.big_mib = 64 if args.quick else 512
    args.copiers = [c.strip() for c in args.copiers.split(",") if c.strip()]
    unknown = set(args.copiers) - set(ALL_COPIERS)
    if unknown:
        p.error(f"unknown copier(s) {sorted(unknown)}")
    args.routes = [tuple(r.split(":")) for r in args.routes.split(",")]
    args.datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    return args


def check_rclone(copiers: list[str]) -> list[str]:
    if "rclone" in copiers and shutil.which("rclone") is None:
        print("rclone is not installed (Debian: apt-get install -y rclone); its runs are skipped "
              "and no ratio to rclone is given.", file=sys.stderr)
        return [c for c in copiers if c != "rclone"]
    return copiers


def rclone_version() -> str | None:
    if shutil.which("rclone") is None:
        return None
    out = subprocess.run(["rclone", "version"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else None


def _cpu_of_tree(pid: int | None) -> float:
    """User + system CPU seconds of a process and its children (an npm/node launcher's child)."""
    import psutil

    if pid is None:
        return 0.0
    total = 0.0
    try:
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                t = proc.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
    except psutil.Error:
        return 0.0
    return total


def _fmt_cpu(per_server: dict[str, float]) -> str:
    return "(" + ", ".join(f"{name} {sec:.2f}" for name, sec in per_server.items()) + ")"


class Bench:
    def __init__(self, args: argparse.Namespace, topo: dict[str, Any],
                 servers: dict[str, Any] | None = None) -> None:
        self.args = args
        self.topo = topo
        self.servers = servers or {}
        # Providers whose server holds source data a route still to run needs.
        self.needed_sources: set[str] = {src for src, _ in getattr(args, "routes", [])}
        self.sources: dict[str, dict[str, list[Any]]] = {}
        self.results: list[dict[str, Any]] = []

    def log(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def setup_source(self, provider: str, dst_providers: list[str], big: dict[str, int],
                     small_n: int | None = None) -> dict[str, list[Any]]:
        if provider in self.sources:
            return self.sources[provider]
        n = self.args.small if small_n is None else small_n
        self.log(f"setup: {n} x {self.args.small_kib} KiB"
                 + "".join(f" + {s // MiB} MiB" for s in big.values()) + f" in {LABELS[provider]}")
        result = worker({
            "task": "setup", "topo": self.topo,
            "src": _side(provider, SRC_BUCKET, ""),
            "dst": [_side(p, DST_BUCKET, "") for p in dst_providers],
            "small_n": n, "small_size": self.args.small_kib * 1024, "big": big,
            "transfers": self.args.transfers,
        })
        self.sources[provider] = result["objects"]
        return result["objects"]

    def expect(self, provider: str, dataset: str) -> dict[str, list[Any]]:
        objects = self.sources[provider]
        return {k[len(dataset) + 1:]: v for k, v in objects.items() if k.startswith(dataset + "/")}

    def raw(self, src: str, dst: str, dataset: str) -> dict[str, Any]:
        expect = self.expect(src, dataset)
        common = {"topo": self.topo, "transfers": self.args.transfers, "part_size": self.args.part_size}
        gets, puts = [], []
        for _ in range(2):  # best of two: the first run can meet a cold server
            gets.append(worker({**common, "task": "raw_get", "src": _side(src, SRC_BUCKET, dataset),
                                "objects": {f"{dataset}/{k}": v[0] for k, v in expect.items()}}))
            put_side = _side(dst, DST_BUCKET, f"raw-put/{dataset}")
            puts.append(worker({**common, "task": "raw_put", "dst": put_side,
                                "objects": {k: v[0] for k, v in expect.items()}}))
            worker({"task": "cleanup", "topo": self.topo, "dst": put_side})
        return {"get": min(gets, key=lambda r: r["seconds"]), "put": min(puts, key=lambda r: r["seconds"])}

    def fresh_destination(self, dst: str) -> None:
        """Restart the destination's server unless it holds source data still to be copied,
        and make its bucket again.

        Azurite keeps blobs in memory and frees deleted ones lazily, so its
        CPU per request grows with what earlier runs wrote (the same 512 MiB
        copy measured 1.8 s of Azurite CPU on a fresh server and 3.6 s after
        a few runs); moto's cost of assembling a multipart upload drifts the
        same way (3.5 s to 5.2 s of CPU for the same 512 MiB). Without a
        restart the copier that runs later pays more.
        """
        server = self.servers.get(dst)
        if self.args.keep_servers or server is None or dst in self.needed_sources:
            return
        server._fixed_port = server.port  # the same endpoint, so the topology stays valid
        server.stop()
        server.start()
        self.sources.pop(dst, None)  # whatever source data it held is gone (and no longer needed)
        worker({"task": "mkdir", "topo": self.topo, "dst": _side(dst, DST_BUCKET, "")})

    def copy(self, copier: str, src: str, dst: str, dataset: str, rep: int) -> dict[str, Any]:
        self.fresh_destination(dst)
        dst_side = _side(dst, DST_BUCKET, f"{copier}-{rep}/{dataset}")
        spec = {
            "task": "copy", "copier": copier, "topo": self.topo,
            "src": _side(src, SRC_BUCKET, dataset), "dst": dst_side,
            "transfers": self.args.transfers, "part_size": self.args.part_size,
        }
        return self.checked(self.measured(lambda: worker(spec, check=False)), src, dataset, dst_side)

    def rotated_runs(self, names: list[str], src: str, dst: str, dataset: str,
                     line: Any) -> dict[str, list[dict[str, Any]]]:
        """``args.repeat`` copies by each of ``names``, in an order rotated each repeat (so no
        copier always runs first on a fresh server); ``line(name, result, status)`` logs each."""
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for rep in range(self.args.repeat):
            k = rep % len(names)
            for name in names[k:] + names[:k]:
                result = self.copy(name, src, dst, dataset, rep)
                runs[name].append(result)
                status = "ok" if result.get("ok") and result["verified"] else "FAILED"
                problem = "" if status == "ok" else f"  {result.get('error') or result['verify_problems']}"
                self.log(line(name, result, status) + problem)
        return runs

    def measured(self, copy: Any) -> dict[str, Any]:
        """``copy()``'s result, with the CPU each server spent meanwhile (``server_cpu``)."""
        before = {name: _cpu_of_tree(srv.pid) for name, srv in self.servers.items()}
        result: dict[str, Any] = copy()
        result["server_cpu"] = {name: _cpu_of_tree(srv.pid) - before[name]
                                for name, srv in self.servers.items()}
        return result

    def checked(self, result: dict[str, Any], src: str, dataset: str,
                dst_side: dict[str, Any]) -> dict[str, Any]:
        """``result`` with its copy verified (``verified``, ``verify_problems``); the copy removed."""
        if result.get("ok"):
            verify = worker({"task": "verify", "topo": self.topo, "dst": dst_side,
                             "expect": self.expect(src, dataset), "sample": 16}, check=False)
        else:
            verify = {"ok": False, "problems": ["copy failed"]}
        worker({"task": "cleanup", "topo": self.topo, "dst": dst_side}, check=False)
        result["verified"] = bool(verify.get("ok"))
        result["verify_problems"] = verify.get("problems") or ([verify["error"]] if verify.get("error") else [])
        return result

    def run(self) -> None:
        args = self.args
        big = {"big": args.big_mib * MiB} if "big" in args.datasets else {}
        for src, _dst in args.routes:
            dsts = sorted({d for s, d in args.routes if s == src})
            self.setup_source(src, dsts, big, small_n=args.small if "small" in args.datasets else 0)
        for index, (src, dst) in enumerate(args.routes):
            self.needed_sources = {s for s, _ in args.routes[index:]}
            for dataset in args.datasets:
                expect = self.expect(src, dataset)
                nbytes = sum(v[0] for v in expect.values())
                row: dict[str, Any] = {"route": f"{src}:{dst}", "src": src, "dst": dst, "dataset": dataset,
                                       "objects": len(expect), "bytes": nbytes, "copiers": {}}
                self.log(f"{LABELS[src]} -> {LABELS[dst]}, {dataset}: {len(expect)} objects, {nbytes / MiB:.1f} MiB")
                if not args.no_raw:
                    raw = self.raw(src, dst, dataset)
                    row["raw"] = {side: {"seconds": raw[side]["seconds"], "client": raw[side]["client"]}
                                  for side in ("get", "put")}
                    self.log(f"  raw: {LABELS[src]} GET {nbytes / MiB / raw['get']['seconds']:.1f} MiB/s, "
                             f"{LABELS[dst]} PUT {nbytes / MiB / raw['put']['seconds']:.1f} MiB/s")
                def line(copier: str, result: dict[str, Any], status: str, nbytes: int = nbytes) -> str:
                    servers_cpu = sum(result["server_cpu"].values())
                    return (f"  {copier:<15} {result.get('seconds', 0):7.2f}s  "
                            f"cpu {result.get('cpu_seconds', 0):6.2f}s  servers {servers_cpu:6.2f}s {_fmt_cpu(result['server_cpu'])}  "
                            f"{nbytes / MiB / max(result.get('seconds', 0), 1e-9):8.1f} MiB/s  "
                            f"rss {result.get('rss_kib', 0) / 1024:6.0f} MiB  {status}")

                runs = self.rotated_runs(args.copiers, src, dst, dataset, line)
                for copier, results in runs.items():
                    good = [r for r in results if r.get("ok") and r["verified"]]
                    row["copiers"][copier] = {
                        "seconds": statistics.median(r["seconds"] for r in good) if good else None,
                        "rss_kib": max(r.get("rss_kib", 0) for r in results),
                        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in good) if good else None,
                        "server_cpu": {name: statistics.median(r["server_cpu"][name] for r in good)
                                       for name in self.servers} if good else {},
                        "verified": len(good) == len(results),
                        "runs": len(results),
                        "errors": [r.get("error") or r["verify_problems"] for r in results if r not in good],
                        "command": results[0].get("command"),
                    }
                self.results.append(row)


# -- reporting -----------------------------------------------------------------------

def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "n/a"
    return f"{b / a:.2f}x"


def _floor(c: dict[str, Any]) -> str:
    """The shortest time the run's CPU work allows on this machine: (client + servers) / cores.

    Every server and the copier share the cores, so a copier that costs
    the servers or itself less CPU per object has a lower floor; how close
    a run comes to its floor says how much idle time it left.
    """
    if c.get("cpu_seconds") is None or not c.get("server_cpu"):
        return "-"
    return f"{(c['cpu_seconds'] + sum(c['server_cpu'].values())) / CORES:.2f} s"


def describe(row: dict[str, Any]) -> str:
    if row["dataset"] == "small":
        size = row["bytes"] // max(row["objects"], 1)
        return f"{row['objects']} x {size // 1024} KiB"
    return f"1 x {row['bytes'] // MiB} MiB"


def render(results: list[dict[str, Any]], args: argparse.Namespace, markdown: bool) -> str:
    out: list[str] = []
    for row in results:
        title = f"{LABELS[row['src']]} -> {LABELS[row['dst']]}, {describe(row)} ({row['bytes'] / MiB:.1f} MiB)"
        out.append(f"### {title}" if markdown else title)
        out.append("")
        cop = row["copiers"]
        rclone_s = (cop.get("rclone") or {}).get("seconds")
        generic_s = (cop.get("fsspec.generic") or {}).get("seconds")
        header = ["copier", "time", "MiB/s", "objects/s", "omefs vs it", "client CPU", "server CPU",
                  "CPU floor", "peak RSS", "verified"]
        rows = []
        omefs_s = (cop.get("omefs") or {}).get("seconds")
        for name, c in cop.items():
            s = c["seconds"]
            rows.append([
                name,
                f"{s:.2f} s" if s else "failed",
                f"{row['bytes'] / MiB / s:.1f}" if s else "-",
                f"{row['objects'] / s:.0f}" if s and row["dataset"] == "small" else "-",
                "-" if name == "omefs" else _ratio(omefs_s, s),
                f"{c['cpu_seconds']:.2f} s" if c.get("cpu_seconds") is not None else "-",
                f"{sum(c['server_cpu'].values()):.2f} s" if c.get("server_cpu") else "-",
                _floor(c),
                f"{c['rss_kib'] / 1024:.0f} MiB",
                "yes" if c["verified"] else "NO",
            ])
        out += _table(header, rows, markdown)
        out.append("")
        if "raw" in row:
            g, p = row["raw"]["get"], row["raw"]["put"]
            get_rate = row["bytes"] / MiB / g["seconds"]
            put_rate = row["bytes"] / MiB / p["seconds"]
            bound = (f"the destination ({LABELS[row['dst']]} PUT)" if put_rate < get_rate
                     else f"the source ({LABELS[row['src']]} GET)")
            line = (f"Raw ceilings: {LABELS[row['src']]} GET {get_rate:.1f} MiB/s ({g['client']}), "
                    f"{LABELS[row['dst']]} PUT {put_rate:.1f} MiB/s ({p['client']}): bound by {bound}")
            if omefs_s:
                line += f"; omefs reaches {row['bytes'] / MiB / omefs_s / min(get_rate, put_rate):.0%} of the lower ceiling"
            out.append(line + ".")
        targets = []
        if omefs_s and rclone_s:
            want = 1.5 if row["dataset"] == "small" else 1.1
            got = rclone_s / omefs_s
            targets.append(f"vs rclone {got:.2f}x (target >= {want}x: {'met' if got >= want else 'NOT met'})")
        if omefs_s and generic_s and row["dataset"] == "small":
            got = generic_s / omefs_s
            targets.append(f"vs fsspec.generic {got:.2f}x (target >= 1.8x: {'met' if got >= 1.8 else 'NOT met'})")
        if targets:
            out.append(("" if not markdown else "") + "Targets: " + "; ".join(targets) + ".")
        for name, c in cop.items():
            for err in c["errors"]:
                out.append(f"{name} failed: {str(err)[:500]}")
        out.append("")
    return "\n".join(out)


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return lines
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header)] + [fmt.format(*r) for r in rows]


# -- peak RSS check ----------------------------------------------------------------------

def rss_check(bench: Bench) -> str:
    """Peak RSS of omefs copying the big object vs the base one; medians of ``--repeat`` runs.

    Each run is its own process; a single run's peak moves by some 30 MiB
    with the timing of frees, so one run against one run says little.
    """
    args = bench.args
    src, dst = args.rss_route
    sizes = {"rss-base": args.rss_base_mib * MiB, "rss-big": args.rss_big_mib * MiB}
    bench.setup_source(src, [dst], sizes, small_n=0)
    rss: dict[str, float] = {}
    lines = []
    for name, size in sizes.items():
        peaks, seconds = [], []
        for rep in range(args.repeat):
            result = bench.copy("omefs", src, dst, name, rep)
            if not (result.get("ok") and result["verified"]):
                raise RuntimeError(f"omefs copy of {size // MiB} MiB failed: "
                                   f"{result.get('error') or result['verify_problems']}")
            peaks.append(result["rss_kib"] / 1024)
            seconds.append(result["seconds"])
        rss[name] = statistics.median(peaks)
        runs = ", ".join(f"{p:.0f}" for p in peaks)
        lines.append(f"omefs {LABELS[src]} -> {LABELS[dst]}, 1 x {size // MiB} MiB: "
                     f"{statistics.median(seconds):.1f} s, {size / MiB / statistics.median(seconds):.1f} MiB/s, "
                     f"peak RSS {rss[name]:.0f} MiB (median of {runs}; verified)")
    budget = args.part_size * args.transfers / MiB + 100
    big, base = rss["rss-big"], rss["rss-base"]
    lines.append(f"part_size x max_concurrency + 100 MiB = {args.part_size // MiB} MiB x {args.transfers} + 100 MiB "
                 f"= {budget:.0f} MiB: {args.rss_big_mib} MiB copy peak {big:.0f} MiB "
                 f"({'within' if big <= budget else 'OVER'})")
    lines.append(f"{args.rss_big_mib} MiB copy vs {args.rss_base_mib} MiB copy: {big:.0f} / {base:.0f} MiB = "
                 f"{big / base:.2f}x (target <= 1.10x: {'met' if big <= base * 1.1 else 'NOT met'})")
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.copiers = check_rclone(args.copiers)
    try:
        from tests.servers import running_servers
    except ImportError as exc:
        print(f"cannot import the local servers (tests.servers): {exc}", file=sys.stderr)
        return 2
    if args.rss_check:
        args.rss_route = tuple(args.rss_route.split(":"))
        routes = [args.rss_route]
    else:
        routes = args.routes
    providers = sorted({p for r in routes for p in r})
    started = time.perf_counter()
    command = "python bench/crosscopy.py " + " ".join(sys.argv[1:] if argv is None else argv)
    with running_servers(providers) as servers:
        bench = Bench(args, st.topology(servers), servers)
        if args.rss_check:
            text = rss_check(bench)
            print(text)
            if args.markdown:
                args.markdown.write_text(f"```text\n$ {command}\n{text}\n```\n")
            return 0
        bench.run()
    header = (f"{command}\nsmall objects: {args.small} x {args.small_kib} KiB; big object: {args.big_mib} MiB; "
              f"transfers {args.transfers}, part size {args.part_size // MiB} MiB, repeat {args.repeat} "
              f"(median); {rclone_version() or 'rclone absent'}; total {time.perf_counter() - started:.0f} s\n")
    print(header)
    print(render(bench.results, args, markdown=False))
    if args.markdown:
        args.markdown.write_text(f"```text\n{header}```\n\n" + render(bench.results, args, markdown=True))
    if args.json:
        args.json.write_text(json.dumps({"command": command, "results": bench.results}, indent=2))
    ok = all(c["verified"] for row in bench.results for c in row["copiers"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
