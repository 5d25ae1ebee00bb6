#!/usr/bin/env python
"""Incremental sync at scale: ``omefs.sync`` of N objects of which a few changed,
against the listing of both sides alone.

Starts the local servers (moto, gcp-storage-emulator, Azurite), writes
``--objects`` tiny objects into each route's source, syncs them once (not
timed), then for each repetition rewrites ``--changed`` of them in the
source (same size, new bytes: only a digest or a time can tell) and times,
each in a fresh process:

* ``listing``  — ``fs.find(prefix, detail=True)`` of the source and of the
  destination with omefs's filesystems, each alone and both at once (two
  threads): the least any sync has to do;
* ``sync``     — :func:`omefs.sync` (imports and start-up left out), which
  must copy exactly the changed objects and skip the rest;
* ``cli``      — ``omefs sync SRC DST`` as a user runs it (start-up
  included; the routes of an ``OMEFS_CONFIG`` file reach the servers);
* ``rclone``   — with ``--rclone``: ``rclone lsf -R`` of each side and
  ``rclone sync`` of the same change into a destination folder of its own.

It prints each figure, the sync's ratio to the listing of both sides at
once (and to the two listings one after the other), which side's listing
bounds the sync, and with ``--count-requests`` the requests one more
incremental sync sends each server (through a recording proxy,
``tests/servers/checking_proxy.py``), by method and kind:

    python bench/sync_incremental.py                       # 10,000 x 1 KiB, 10 changed
    python bench/sync_incremental.py --objects 2000 --routes s3:azure --count-requests
    python bench/sync_incremental.py --rclone --repeat 3

All servers and clients share this machine's cores: the figures compare
each other within one run, they are not cloud latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
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

LABELS = {"s3": "S3", "gcs": "GCS", "azure": "Azure"}
SRC_BUCKET, DST_BUCKET, PREFIX = "inc-src", "inc-dst", "data"


# -- steps run in a fresh process ---------------------------------------------------

def _sides(spec: dict[str, Any]) -> tuple[tuple[str, Any, Any], tuple[str, Any, Any]]:
    """``(url, auth, options)`` of the route's source and destination."""
    topo, src, dst = spec["topo"], spec["src"], spec["dst"]
    out = []
    buckets = spec.get("buckets", (SRC_BUCKET, DST_BUCKET))
    for provider, bucket in ((src, buckets[0]), (dst, buckets[1])):
        auth, options = st.omefs_side(provider, topo)
        out.append((st.url(provider, bucket, PREFIX) + "/", auth, options))
    return out[0], out[1]


def step_listing(spec: dict[str, Any]) -> dict[str, Any]:
    """Each side's ``find(detail=True)`` alone, then both at once (fresh filesystems each time)."""
    from concurrent.futures import ThreadPoolExecutor

    import omefs

    def client(side: tuple[str, Any, Any]) -> tuple[Any, str]:
        fs, root = omefs.url_to_fs(side[0], auth=side[1], skip_instance_cache=True, **side[2])
        return fs, root

    def find(fs: Any, root: str) -> tuple[int, float]:
        t0 = time.perf_counter()
        n = len(fs.find(root, detail=True, withdirs=False))
        return n, time.perf_counter() - t0

    src, dst = _sides(spec)
    find(*client(src)), find(*client(dst))  # imports done, servers warm
    # Fresh clients (no listing cache, no open connection), as a sync starts with.
    (n_src, t_src), (n_dst, t_dst) = find(*client(src)), find(*client(dst))
    clients = client(src), client(dst)
    with ThreadPoolExecutor(2) as pool:
        t0 = time.perf_counter()
        futures = [pool.submit(find, *c) for c in clients]
        for future in futures:
            future.result()
        both = time.perf_counter() - t0
    return {"ok": True, "src": t_src, "dst": t_dst, "both": both, "n_src": n_src, "n_dst": n_dst}


def step_sync(spec: dict[str, Any]) -> dict[str, Any]:
    """One ``omefs.sync``, timed after its imports."""
    import omefs

    (src, s_auth, s_opts), (dst, d_auth, d_opts) = _sides(spec)
    cpu0, t0 = time.process_time(), time.perf_counter()
    report = omefs.sync(src, dst, src_auth=s_auth, dst_auth=d_auth, src_options=s_opts,
                        dst_options=d_opts, raise_on_error=False)
    return {"ok": report.ok, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0,
            "copied": len(report.copied), "skipped": len(report.skipped), "failed": len(report.failed)}


STEPS = {"listing": step_listing, "sync": step_sync}


def run_step(spec: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--step"], input=json.dumps(spec),
                          capture_output=True, text=True, env=st.clean_env())
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"step {spec['step']} exited {proc.returncode}: {proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    if not result.get("ok"):
        raise RuntimeError(f"step {spec['step']} failed: {result}")
    return result


# -- data -----------------------------------------------------------------------------

def keys(n: int) -> list[str]:
    """``data/dNN/obj-NNNNN.bin``: 100 folders, as a tree of results would be."""
    return [f"{PREFIX}/d{i % 100:02d}/obj-{i:05d}.bin" for i in range(n)]


def put_objects(provider: str, bucket: str, topo: dict[str, Any], items: dict[str, bytes]) -> None:
    import _worker as wk

    if provider == "gcs":
        asyncio.run(wk._gcs_put_many(topo, bucket, items, 16))
    else:
        asyncio.run(wk._obstore_put_many(st.obstore_store(provider, bucket, topo), items, 16))


def change(provider: str, topo: dict[str, Any], names: list[str], count: int, rep: int,
           size: int) -> list[str]:
    """Rewrite ``count`` source objects (spread over the set) with new bytes of the same size."""
    step = max(1, len(names) // max(1, count))
    chosen = [names[(i * step + rep) % len(names)] for i in range(count)]
    put_objects(provider, SRC_BUCKET, topo, {k: os.urandom(size) for k in chosen})
    return chosen


def routing_file(topo: dict[str, Any], directory: str) -> str:
    """An ``OMEFS_CONFIG`` whose routes send ``s3://``, ``gs://`` and ``az://`` to the servers."""
    import yaml

    profiles: dict[str, Any] = {}
    for provider in st.SCHEMES:
        if provider in topo:
            auth, options = st.omefs_side(provider, topo)
            settings = {**dict(auth.settings), **options}
            if auth.region:
                settings["region"] = auth.region
            profiles[f"bench-{provider}"] = {"provider": auth.provider, "auth_type": auth.auth_type,
                                             "settings": settings}
    routes = {f"{st.SCHEMES[p]}://": f"bench-{p}" for p in topo}
    path = os.path.join(directory, "omefs.yaml")
    with open(path, "w") as f:
        yaml.safe_dump({"profiles": profiles, "routes": routes}, f)
    return path


def cli_sync(src: str, dst: str, config: str) -> float:
    env = {**st.clean_env(), "OMEFS_CONFIG": config, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "omefs", "sync", "--no-progress", src, dst],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"omefs sync exited {proc.returncode}: {proc.stderr[-2000:]}")
    return seconds


# -- rclone ---------------------------------------------------------------------------

def rclone(args: list[str], topo: dict[str, Any], src: str, dst: str) -> float:
    env = st.clean_env()
    env.update(st.rclone_env(src, "SRC", SRC_BUCKET, topo))
    env.update(st.rclone_env(dst, "DST", DST_BUCKET, topo))
    t0 = time.perf_counter()
    proc = subprocess.run(["rclone", "--config", os.devnull, "-q", *args], env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"rclone {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return time.perf_counter() - t0


# -- counting requests ----------------------------------------------------------------------

def count_requests(spec: dict[str, Any], route: tuple[str, str]) -> dict[str, dict[str, int]]:
    """The requests one incremental sync sends each server, by kind, through recording proxies."""
    from tests.servers.counting_proxy import counting_proxy

    topo = json.loads(json.dumps(spec["topo"]))
    recorders, proxies = {}, []
    for provider in dict.fromkeys(route):
        upstream = topo[provider]["endpoint"]
        proxy = counting_proxy(upstream)
        proxies.append(proxy)
        recorders[provider] = proxy.checker
        topo[provider]["endpoint"] = proxy.endpoint
        if provider == "azure":
            topo[provider]["connection_string"] = topo[provider]["connection_string"].replace(
                upstream, proxy.endpoint)
    try:
        result = run_step({**spec, "topo": topo, "step": "sync"})
    finally:
        for proxy in proxies:
            proxy.stop()
    counts = {p: dict(r.kinds()) for p, r in recorders.items()}
    counts["copied"] = {"objects": result["copied"]}
    return counts


# -- the run ------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--objects", type=int, default=10_000)
    p.add_argument("--changed", type=int, default=10)
    p.add_argument("--size", type=int, default=1024, help="bytes per object (default 1 KiB)")
    p.add_argument("--routes", default="s3:azure,gcs:s3", help="SRC:DST,… of s3, gcs, azure")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--no-cli", action="store_true", help="leave out the command-line runs")
    p.add_argument("--rclone", action="store_true", help="also time rclone lsf -R and rclone sync")
    p.add_argument("--count-requests", action="store_true",
                   help="one more sync through recording proxies: requests per server and kind")
    p.add_argument("--step", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.route_list = [tuple(r.split(":")) for r in args.routes.split(",") if r]
    return args


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def bench_route(args: argparse.Namespace, topo: dict[str, Any], src: str, dst: str,
                config: str) -> dict[str, Any]:
    import _worker as wk

    names = keys(args.objects)
    for provider, bucket in ((src, SRC_BUCKET), (dst, DST_BUCKET)):
        wk._mkdir(provider, bucket, topo)
    t0 = time.perf_counter()
    put_objects(src, SRC_BUCKET, topo, {k: os.urandom(args.size) for k in names})
    log(f"{LABELS[src]} -> {LABELS[dst]}: {args.objects} x {args.size} B written in "
        f"{time.perf_counter() - t0:.1f} s")
    spec = {"topo": topo, "src": src, "dst": dst}
    t0 = time.perf_counter()
    first = run_step({**spec, "step": "sync"})
    log(f"  first sync: {first['copied']} copied in {time.perf_counter() - t0:.1f} s")
    src_url = st.url(src, SRC_BUCKET, PREFIX) + "/"
    dst_url = st.url(dst, DST_BUCKET, PREFIX) + "/"
    runs: dict[str, list[float]] = collections.defaultdict(list)
    if args.rclone:
        rclone(["sync", "--checkers", "16", "--transfers", "16", f"SRC:{SRC_BUCKET}/{PREFIX}",
                f"DST:{DST_BUCKET}/rclone"], topo, src, dst)
    for rep in range(args.repeat):
        listing = run_step({**spec, "step": "listing"})
        for key in ("src", "dst", "both"):
            runs[f"list_{key}"].append(listing[key])
        change(src, topo, names, args.changed, rep * 3, args.size)
        result = run_step({**spec, "step": "sync"})
        if (result["copied"], result["skipped"]) != (args.changed, args.objects - args.changed):
            raise RuntimeError(f"the incremental sync copied {result['copied']} and skipped "
                               f"{result['skipped']}; expected {args.changed} and "
                               f"{args.objects - args.changed}")
        runs["sync"].append(result["seconds"])
        runs["sync_cpu"].append(result["cpu"])
        if args.rclone:  # the same change into rclone's own destination
            runs["rclone_sync"].append(rclone(["sync", "--checkers", "16", "--transfers", "16",
                                               f"SRC:{SRC_BUCKET}/{PREFIX}", f"DST:{DST_BUCKET}/rclone"],
                                              topo, src, dst))
            runs["rclone_lsf_src"].append(rclone(["lsf", "-R", "--files-only", f"SRC:{SRC_BUCKET}/{PREFIX}"],
                                                 topo, src, dst))
            runs["rclone_lsf_dst"].append(rclone(["lsf", "-R", "--files-only", f"DST:{DST_BUCKET}/rclone"],
                                                 topo, src, dst))
        if not args.no_cli:
            change(src, topo, names, args.changed, rep * 3 + 1, args.size)
            runs["cli"].append(cli_sync(src_url, dst_url, config))
            if args.rclone:  # rclone's destination catches up, untimed
                rclone(["sync", f"SRC:{SRC_BUCKET}/{PREFIX}", f"DST:{DST_BUCKET}/rclone"], topo, src, dst)
        log(f"  rep {rep + 1}: list {LABELS[src]} {listing['src']:.2f} s, {LABELS[dst]} "
            f"{listing['dst']:.2f} s, both {listing['both']:.2f} s; sync {result['seconds']:.2f} s"
            + (f"; cli {runs['cli'][-1]:.2f} s" if runs.get("cli") else ""))
    row: dict[str, Any] = {"route": f"{LABELS[src]} -> {LABELS[dst]}",
                           **{k: statistics.median(v) for k, v in runs.items()}}
    if args.count_requests:
        change(src, topo, names, args.changed, 99, args.size)
        row["requests"] = count_requests(spec, (src, dst))
    return row


def render(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    out = [f"Incremental sync: {args.objects:,} objects of {args.size} B, {args.changed} changed "
           f"(median of {args.repeat}; seconds)", ""]
    for r in rows:
        src_label, dst_label = r["route"].split(" -> ")
        bound = src_label if r["list_src"] >= r["list_dst"] else dst_label
        out.append(f"{r['route']}")
        out.append(f"  listing only   {src_label} {r['list_src']:.2f}  {dst_label} {r['list_dst']:.2f}  "
                   f"both at once {r['list_both']:.2f}  one after the other "
                   f"{r['list_src'] + r['list_dst']:.2f}")
        out.append(f"  omefs.sync     {r['sync']:.2f}  (client CPU {r['sync_cpu']:.2f})  ratio "
                   f"{r['sync'] / r['list_both']:.2f}x the listing of both at once, "
                   f"{r['sync'] / (r['list_src'] + r['list_dst']):.2f}x one after the other")
        if "cli" in r:
            out.append(f"  omefs sync CLI {r['cli']:.2f}  (start-up included)  ratio "
                       f"{r['cli'] / r['list_both']:.2f}x")
        if "rclone_sync" in r:
            out.append(f"  rclone         lsf -R {src_label} {r['rclone_lsf_src']:.2f}  {dst_label} "
                       f"{r['rclone_lsf_dst']:.2f}  sync {r['rclone_sync']:.2f}")
        out.append(f"  bound by       the {bound} listing")
        if "requests" in r:
            req = r.pop("requests")
            copied = req.pop("copied")["objects"]
            for provider, kinds in req.items():
                shown = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
                out.append(f"  requests       {LABELS[provider]}: {shown}  ({copied} objects copied)")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.step:
        spec = json.loads(sys.stdin.read())
        print(json.dumps(STEPS[spec["step"]](spec)), flush=True)
        os._exit(0)  # obstore's threads may still be winding down
    from tests.servers import running_servers

    providers = sorted({p for route in args.route_list for p in route})
    rows = []
    with running_servers(providers) as servers, tempfile.TemporaryDirectory() as tmp:
        topo = st.topology(servers)
        config = routing_file(topo, tmp)
        for src, dst in args.route_list:
            rows.append(bench_route(args, topo, src, dst, config))
    print(render(rows, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
