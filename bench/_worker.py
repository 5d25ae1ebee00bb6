"""One benchmark step in its own process: ``python bench/_worker.py < spec.json``.

The orchestrator (``bench/crosscopy.py``) runs every copier, and every
setup, verification and raw-client step, in a fresh process of this
script, so that each copier's peak RSS is its own: Python copiers report
``getrusage(RUSAGE_SELF)``, rclone (a child of this process) is measured
with ``getrusage(RUSAGE_CHILDREN)``. The spec arrives as JSON on stdin and
the result leaves as one JSON line on stdout.

Tasks: ``setup``, ``copy`` (copiers ``omefs``, ``omefs-size-only``, ``rclone``, ``fsspec.generic``,
``naive``), ``verify``, ``cleanup``, ``raw_get``, ``raw_put``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _stores as st  # noqa: E402

CHUNK = 8 << 20


# -- helpers ---------------------------------------------------------------------

def _rss_self_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_children_kib() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def _random_chunks(size: int, chunk: int = CHUNK):
    left = size
    while left > 0:
        n = min(chunk, left)
        yield os.urandom(n)
        left -= n


def _mkdir(provider: str, bucket: str, topo: dict[str, Any]) -> None:
    fs = st.fsspec_fs(provider, topo)
    try:
        fs.mkdir(bucket)
    except (FileExistsError, OSError) as exc:
        if "exist" not in str(exc).lower() and "conflict" not in str(exc).lower():
            if not fs.exists(bucket):
                raise


def task_mkdir(spec: dict[str, Any]) -> dict[str, Any]:
    _mkdir(spec["dst"]["provider"], spec["dst"]["bucket"], spec["topo"])
    return {"ok": True}


def _side_url(side: dict[str, Any]) -> str:
    return st.url(side["provider"], side["bucket"], side["path"])


# -- setup -------------------------------------------------------------------------

def task_setup(spec: dict[str, Any]) -> dict[str, Any]:
    """Create the buckets, then the source objects; return their sizes and MD5s."""
    topo = spec["topo"]
    src = spec["src"]
    for side in [src, *spec.get("dst", [])]:
        _mkdir(side["provider"], side["bucket"], topo)
    objects: dict[str, list[Any]] = {}
    provider, bucket = src["provider"], src["bucket"]
    small = {f"small/obj-{i:05d}.bin": os.urandom(spec["small_size"]) for i in range(spec["small_n"])}
    t0 = time.perf_counter()
    if provider == "gcs":
        asyncio.run(_gcs_put_many(topo, bucket, small, spec.get("transfers", 16)))
    else:
        asyncio.run(_obstore_put_many(st.obstore_store(provider, bucket, topo), small, spec.get("transfers", 16)))
    for key, data in small.items():
        objects[key] = [len(data), hashlib.md5(data).hexdigest()]
    for name, size in spec.get("big", {}).items():
        key = f"{name}/{name}.bin"
        md5 = hashlib.md5()

        def chunks(md5: Any = md5, size: int = size):
            for c in _random_chunks(size):
                md5.update(c)
                yield c

        if provider == "gcs":
            fs = st.fsspec_fs("gcs", topo)
            with fs.open(f"{bucket}/{key}", "wb", block_size=CHUNK * 2) as f:
                for c in chunks():
                    f.write(c)
        else:
            import obstore

            obstore.put(st.obstore_store(provider, bucket, topo), key, chunks(), chunk_size=CHUNK, max_concurrency=8)
        objects[key] = [size, md5.hexdigest()]
    return {"ok": True, "objects": objects, "seconds": time.perf_counter() - t0}


async def _obstore_put_many(store: Any, items: dict[str, bytes], transfers: int) -> None:
    import obstore

    sem = asyncio.Semaphore(transfers)

    async def one(key: str, data: bytes) -> None:
        async with sem:
            await obstore.put_async(store, key, data)

    await asyncio.gather(*(one(k, v) for k, v in items.items()))


async def _gcs_put_many(topo: dict[str, Any], bucket: str, items: dict[str, bytes], transfers: int) -> None:
    import aiohttp

    sem = asyncio.Semaphore(transfers)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=transfers)) as session:

        async def one(key: str, data: bytes) -> None:
            async with sem:
                async with session.post(st.gcs_upload_url(topo, bucket, key), data=data,
                                        headers={"Content-Type": "application/octet-stream"}) as r:
                    r.raise_for_status()
                    await r.read()

        await asyncio.gather(*(one(k, v) for k, v in items.items()))


# -- copiers -------------------------------------------------------------------------

def copy_omefs(spec: dict[str, Any]) -> dict[str, Any]:
    import omefs

    topo = spec["topo"]
    src_auth, src_options = st.omefs_side(spec["src"]["provider"], topo)
    dst_auth, dst_options = st.omefs_side(spec["dst"]["provider"], topo)
    t0 = time.perf_counter()
    report = omefs.copy(
        _side_url(spec["src"]) + "/",
        _side_url(spec["dst"]) + "/",
        recursive=True,
        src_auth=src_auth,
        src_options=src_options,
        dst_auth=dst_auth,
        dst_options=dst_options,
        max_concurrency=spec["transfers"],
        part_size=spec["part_size"],
        progress=False,
        raise_on_error=False,
        checksum=spec["copier"] != "omefs-size-only",
    )
    seconds = time.perf_counter() - t0
    return {
        "ok": bool(report.ok),
        "seconds": seconds,
        "objects": len(report.copied),
        "failed": [f"{i.src}: {i.error}" for i in report.failed][:5],
    }


def copy_rclone(spec: dict[str, Any]) -> dict[str, Any]:
    topo = spec["topo"]
    env = st.clean_env()
    env.update(st.rclone_env(spec["src"]["provider"], "SRC", spec["src"]["bucket"], topo))
    env.update(st.rclone_env(spec["dst"]["provider"], "DST", spec["dst"]["bucket"], topo))
    t, p = str(spec["transfers"]), f"{spec['part_size'] // 1024}Ki"
    cmd = [
        "rclone", "copy", "--config", os.devnull, "-q", "--stats", "0",
        st.rclone_path("SRC", spec["src"]["bucket"], spec["src"]["path"]),
        st.rclone_path("DST", spec["dst"]["bucket"], spec["dst"]["path"]),
        "--transfers", t, "--checkers", t,
        "--s3-chunk-size", p, "--s3-upload-concurrency", t,
        "--azureblob-chunk-size", p, "--azureblob-upload-concurrency", t,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    return {
        "ok": proc.returncode == 0,
        "seconds": seconds,
        "error": proc.stderr[-2000:] if proc.returncode else None,
        "command": "rclone copy SRC DST " + " ".join(cmd[9:]),
    }


def copy_generic(spec: dict[str, Any]) -> dict[str, Any]:
    from fsspec.generic import GenericFileSystem, rsync

    topo = spec["topo"]
    # Keyed by every protocol of the class: rsync turns "az://" URLs into "abfs://" ones.
    options = {
        proto: st.fsspec_options(p, topo)
        for p in {spec["src"]["provider"], spec["dst"]["provider"]}
        for proto in st.PROTOCOLS[p]
    }
    gfs = GenericFileSystem(default_method="options", storage_options=options)
    t0 = time.perf_counter()
    copied = rsync(_side_url(spec["src"]), _side_url(spec["dst"]), fs=gfs,
                   batch_size=spec["transfers"], on_error="raise")
    return {"ok": True, "seconds": time.perf_counter() - t0, "objects": len(copied)}


def copy_naive(spec: dict[str, Any]) -> dict[str, Any]:
    topo = spec["topo"]
    src_fs = st.fsspec_fs(spec["src"]["provider"], topo)
    dst_fs = st.fsspec_fs(spec["dst"]["provider"], topo)
    src_path = f"{spec['src']['bucket']}/{spec['src']['path']}/"
    dst_path = f"{spec['dst']['bucket']}/{spec['dst']['path']}/"
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="omefs-bench-") as tmp:
        src_fs.get(src_path, tmp + "/", recursive=True, batch_size=spec["transfers"])
        dst_fs.put(tmp + "/", dst_path, recursive=True, batch_size=spec["transfers"])
    return {"ok": True, "seconds": time.perf_counter() - t0}


COPIERS = {"omefs": copy_omefs, "omefs-size-only": copy_omefs, "rclone": copy_rclone, "fsspec.generic": copy_generic, "naive": copy_naive}


_FS_MODULES = {"s3": "omefs.providers.aws.fs", "gcs": "omefs.providers.gcp.fs", "azure": "omefs.providers.azure.fs"}


def _warm_imports(spec: dict[str, Any]) -> None:
    """Import what the copier will use before the clock starts.

    A copy is timed from the call to its end, as rclone's is from its start
    (a Go binary starts in milliseconds); a first call that imports
    botocore, the Azure SDK or gcsfs would otherwise charge up to a second
    of interpreter work to the copy. Only the copier's own modules are
    imported, so its peak RSS stays its own.
    """
    import importlib

    names = [_FS_MODULES[spec["src"]["provider"]], _FS_MODULES[spec["dst"]["provider"]]]
    if spec["copier"].startswith("omefs"):
        names += ["omefs.transfer", "obstore"]
    elif spec["copier"] == "fsspec.generic":
        names += ["fsspec.generic"]
    for name in names:
        importlib.import_module(name)


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def task_copy(spec: dict[str, Any]) -> dict[str, Any]:
    rclone = spec["copier"] == "rclone"
    if not rclone:
        _warm_imports(spec)
    who = resource.RUSAGE_CHILDREN if rclone else resource.RUSAGE_SELF
    cpu0 = _cpu_seconds(who)
    out = COPIERS[spec["copier"]](spec)
    out["cpu_seconds"] = _cpu_seconds(who) - cpu0
    out["rss_kib"] = _rss_children_kib() if rclone else _rss_self_kib()
    return out


# -- verify / cleanup ----------------------------------------------------------------

def task_verify(spec: dict[str, Any]) -> dict[str, Any]:
    """Sizes of every object, and MD5 of a sample (always including the largest)."""
    fs = st.fsspec_fs(spec["dst"]["provider"], spec["topo"])
    root = f"{spec['dst']['bucket']}/{spec['dst']['path']}"
    found = fs.find(root, detail=True)
    got = {name[len(root) + 1:]: int(info["size"]) for name, info in found.items()}
    expect: dict[str, list[Any]] = spec["expect"]
    problems = []
    missing = sorted(set(expect) - set(got))
    extra = sorted(set(got) - set(expect))
    if missing:
        problems.append(f"{len(missing)} missing, e.g. {missing[:3]}")
    if extra:
        problems.append(f"{len(extra)} unexpected, e.g. {extra[:3]}")
    wrong = [k for k in expect if k in got and got[k] != expect[k][0]]
    if wrong:
        problems.append(f"{len(wrong)} with the wrong size, e.g. {wrong[:3]}")
    present = sorted(k for k in expect if k in got)
    rng = random.Random(1234)
    sample = set(rng.sample(present, min(spec.get("sample", 16), len(present))))
    if present:
        sample.add(max(present, key=lambda k: expect[k][0]))
    for key in sorted(sample):
        md5 = hashlib.md5()
        with fs.open(f"{root}/{key}", "rb", block_size=CHUNK) as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                md5.update(chunk)
        if md5.hexdigest() != expect[key][1]:
            problems.append(f"content differs: {key}")
    return {"ok": not problems, "problems": problems, "objects": len(got),
            "bytes": sum(got.values()), "sampled": len(sample)}


def task_cleanup(spec: dict[str, Any]) -> dict[str, Any]:
    fs = st.fsspec_fs(spec["dst"]["provider"], spec["topo"])
    root = f"{spec['dst']['bucket']}/{spec['dst']['path']}"
    names = fs.find(root)
    if names:
        fs.rm(names)
    return {"ok": True, "deleted": len(names)}


# -- raw clients -----------------------------------------------------------------------

def _ranges(size: int, part: int) -> list[tuple[int, int]]:
    return [(start, min(start + part, size)) for start in range(0, size, part)] or [(0, 0)]


def task_raw_get(spec: dict[str, Any]) -> dict[str, Any]:
    """Read every object of the source, discarding the bytes.

    Objects larger than a part are read both ways — as parallel ranged GETs
    and as one streamed GET — and the faster counts: some servers (moto)
    pay for the whole object on every ranged request.
    """
    topo, side = spec["topo"], spec["src"]
    objects = spec["objects"]  # {key: size}
    ways = [spec["part_size"]]
    if any(size > spec["part_size"] for size in objects.values()):
        ways.append(1 << 62)  # "parts" larger than any object: one GET each
    best = None
    for part in ways:
        t0 = time.perf_counter()
        if side["provider"] == "gcs":
            total = asyncio.run(_gcs_get_all(topo, side["bucket"], objects, spec["transfers"], part))
        else:
            store = st.obstore_store(side["provider"], side["bucket"], topo)
            total = asyncio.run(_obstore_get_all(store, objects, spec["transfers"], part))
        seconds = time.perf_counter() - t0
        how = "ranged" if part == spec["part_size"] and len(ways) > 1 else "whole"
        if best is None or seconds < best["seconds"]:
            best = {"seconds": seconds, "bytes": total, "how": how}
    assert best is not None
    client = _raw_client(side) + (f", {best['how']} GETs" if len(ways) > 1 else "")
    return {"ok": True, "seconds": best["seconds"], "bytes": best["bytes"], "client": client}


def _raw_client(side: dict[str, Any]) -> str:
    return "aiohttp (JSON API)" if side["provider"] == "gcs" else "obstore"


async def _obstore_get_all(store: Any, objects: dict[str, int], transfers: int, part: int) -> int:
    import obstore

    sem = asyncio.Semaphore(transfers)

    async def whole(key: str) -> int:
        async with sem:
            resp = await obstore.get_async(store, key)
            n = 0
            async for chunk in resp.stream(min_chunk_size=1 << 20):
                n += len(chunk)
            return n

    async def ranged(key: str, start: int, end: int) -> int:
        async with sem:
            return len(await obstore.get_range_async(store, key, start=start, end=end))

    jobs = []
    for key, size in objects.items():
        if size > part:
            jobs += [ranged(key, a, b) for a, b in _ranges(size, part)]
        else:
            jobs.append(whole(key))
    return sum(await asyncio.gather(*jobs))


async def _gcs_get_all(topo: dict[str, Any], bucket: str, objects: dict[str, int], transfers: int, part: int) -> int:
    import aiohttp

    sem = asyncio.Semaphore(transfers)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=transfers)) as session:

        async def one(key: str, rng: tuple[int, int] | None) -> int:
            headers = {"Range": f"bytes={rng[0]}-{rng[1] - 1}"} if rng else {}
            async with sem, session.get(st.gcs_media_url(topo, bucket, key), headers=headers) as r:
                r.raise_for_status()
                n = 0
                async for chunk in r.content.iter_chunked(1 << 20):
                    n += len(chunk)
                return n

        jobs = []
        for key, size in objects.items():
            if size > part:
                jobs += [one(key, rng) for rng in _ranges(size, part)]
            else:
                jobs.append(one(key, None))
        return sum(await asyncio.gather(*jobs))


def task_raw_put(spec: dict[str, Any]) -> dict[str, Any]:
    """Write objects of the given sizes from memory.

    Objects larger than a part are written both ways — parallel multipart
    and one single PUT — and the faster counts (moto pays for assembling
    many parts; a single large PUT is what some servers take best).
    """
    topo, side = spec["topo"], spec["dst"]
    sizes: dict[str, int] = spec["objects"]
    data = {f"{side['path']}/{key}": os.urandom(size) for key, size in sizes.items()}
    ways = [spec["part_size"]]
    if side["provider"] != "gcs" and any(size > spec["part_size"] for size in sizes.values()):
        ways.append(1 << 62)  # "parts" larger than any object: one PUT each
    best = None
    for part in ways:
        t0 = time.perf_counter()
        if side["provider"] == "gcs":
            asyncio.run(_gcs_put_many(topo, side["bucket"], data, spec["transfers"]))
        else:
            store = st.obstore_store(side["provider"], side["bucket"], topo)
            asyncio.run(_obstore_put_sized(store, data, spec["transfers"], part))
        seconds = time.perf_counter() - t0
        how = "multipart" if part == spec["part_size"] and len(ways) > 1 else "single PUTs"
        if best is None or seconds < best["seconds"]:
            best = {"seconds": seconds, "how": how}
    assert best is not None
    client = _raw_client(side) + (f", {best['how']}" if len(ways) > 1 else "")
    return {"ok": True, "seconds": best["seconds"], "bytes": sum(sizes.values()), "client": client}


async def _obstore_put_sized(store: Any, data: dict[str, bytes], transfers: int, part: int) -> None:
    import obstore

    sem = asyncio.Semaphore(transfers)

    async def one(key: str, body: bytes) -> None:
        if len(body) > part:
            await obstore.put_async(store, key, body, chunk_size=part, max_concurrency=transfers)
            return
        async with sem:
            await obstore.put_async(store, key, body, use_multipart=False)

    await asyncio.gather(*(one(k, v) for k, v in data.items()))


TASKS = {
    "setup": task_setup,
    "copy": task_copy,
    "verify": task_verify,
    "cleanup": task_cleanup,
    "mkdir": task_mkdir,
    "raw_get": task_raw_get,
    "raw_put": task_raw_put,
}


def main() -> None:
    spec = json.loads(sys.stdin.read())
    try:
        result = TASKS[spec["task"]](spec)
    except Exception as exc:
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc()[-3000:]}
    result.setdefault("rss_kib", _rss_self_kib())
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    # obstore 0.12.1 can abort at interpreter shutdown; nothing is left to do here.
    os._exit(0)


if __name__ == "__main__":
    main()
