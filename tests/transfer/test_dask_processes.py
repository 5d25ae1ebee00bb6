"""A bulk copy on a Dask cluster of real worker processes (``LocalCluster(processes=True)``).

Servers: moto (``moto_server``) is the source, Azurite the destination. A
second source bucket is reached through a
:class:`~tests.servers.corrupting_proxy.CorruptingProxy`, so that a test can
make an object's bytes arrive corrupted. No credential is given to
``omefs.copy``: a routing file (``OMEFS_CONFIG``, inherited by the worker
processes) holds them — the S3 secret is a canary planted for the scan,
Azurite's account key is the one it checks signatures with — and each
worker resolves them itself. What omefs submits to the cluster is pickled
with cloudpickle (Dask's serializer) and scanned for those secrets.

The cluster (two worker processes of one thread each) and the source
objects are made once for the module; each test copies to its own prefix.
``pytest tests/transfer/test_dask_processes.py --dask-objects 2000`` is the
full-size run of the worker-kill copy.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fsspec
import pytest
import yaml

import omefs
from omefs.config import AuthConfig
from omefs.errors import ConfigError
from omefs.redact import redact_text
from tests.servers.corrupting_proxy import CorruptingProxy
from tests.transfer.pickled import RecordingExecutor, assert_not_pickled

distributed = pytest.importorskip("distributed")

#: The set the copy and the worker-kill case move. ``--dask-objects 2000`` is the full-size
#: run; the suite's default keeps the module near 30 CPU-seconds, servers and workers
#: included (2,000 objects cost about 75: moto and Azurite spend milliseconds per request).
N_OBJECTS = 600
N_SMALL = 240  # the set of the lost-batch case
N_FLAKY = 6


def body(i: int) -> bytes:
    """Object ``i``'s bytes: 200-400 bytes, distinct per object."""
    seed = hashlib.sha256(str(i).encode()).digest()
    return (seed * 13)[: 200 + (i * 7) % 200]


def name(i: int) -> str:
    return f"{i:04d}.bin"


class World:
    """The servers, the routing file and the buckets the tests copy between."""

    def __init__(self, moto: Any, azurite: Any, proxy: CorruptingProxy, directory: Path) -> None:
        self.moto, self.azurite, self.proxy = moto, azurite, proxy
        tag = uuid.uuid4().hex[:8]
        self.src, self.flaky, self.dst = f"dask-src-{tag}", f"dask-flaky-{tag}", f"dask-dst-{tag}"
        #: The S3 secret of the routing file: planted so that the scan has something to find.
        self.canary = f"canary-{uuid.uuid4().hex}{uuid.uuid4().hex}"
        lake = {"access_key_id": "dask-canary-key", "secret_access_key": self.canary,
                "endpoint_url": moto.endpoint}
        self.config = directory / "omefs.yaml"
        self.config.write_text(yaml.safe_dump({
            "profiles": {
                "lake": {"provider": "aws", "auth_type": "access_key", "settings": lake},
                "flaky": {"provider": "aws", "auth_type": "access_key",
                          "settings": {**lake, "endpoint_url": proxy.endpoint}},
                "mirror": {"provider": "azure", "auth_type": "connection_string",
                           "settings": {"connection_string": azurite.connection_string}},
            },
            "routes": {"s3://": "lake", f"s3://{self.flaky}/": "flaky", "az://": "mirror"},
        }))

    @property
    def secrets(self) -> list[str]:
        """Every secret the routing file holds (what the scan looks for)."""
        return [self.canary, self.azurite.account_key, self.azurite.connection_string]

    def s3(self) -> Any:
        return omefs.filesystem("s3", skip_instance_cache=True, **self.moto.storage_options())

    def azure(self) -> Any:
        fs = omefs.filesystem("azure", skip_instance_cache=True,
                              connection_string=self.azurite.connection_string)
        fs.invalidate_cache()
        return fs

    def landed(self, prefix: str) -> dict[str, bytes | None]:
        """Destination key → the Content-MD5 Azurite computed for it, for objects under ``prefix``."""
        found = self.azure().find(f"{self.dst}/{prefix}/", detail=True)
        return {path.rsplit("/", 1)[1]: info["content_settings"]["content_md5"]
                for path, info in found.items()}

    def check_intact(self, prefix: str, keys: list[str]) -> list[str]:
        """The keys of ``keys`` NOT at ``prefix`` with their bytes: each object's MD5 (computed by
        Azurite over the bytes it stored) against the source bytes', and a sample read back."""
        md5s = self.landed(prefix)
        bad = [k for k in keys if md5s.get(k) is None
               or bytes(md5s[k]) != hashlib.md5(body(int(k[:4]))).digest()]
        sample = sorted(keys)[::97]
        read = self.azure().cat([f"{self.dst}/{prefix}/{k}" for k in sample])
        bad += [k for k in sample if read[f"{self.dst}/{prefix}/{k}"] != body(int(k[:4]))]
        return bad


@pytest.fixture(scope="module")
def n_objects(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--dask-objects", N_OBJECTS))


@pytest.fixture(scope="module")
def world(moto_server: Any, azurite_server: Any, n_objects: int,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with CorruptingProxy(moto_server.endpoint) as proxy:
        w = World(moto_server, azurite_server, proxy, tmp_path_factory.mktemp("dask"))
        s3 = w.s3()
        for bucket in (w.src, w.flaky):
            s3.mkdir(bucket)
        staged = f"memory://dask-{uuid.uuid4().hex[:8]}"
        memory = fsspec.filesystem("memory")
        for folder, n in (("set", n_objects), ("small", N_SMALL), ("flaky", N_FLAKY)):
            memory.pipe({f"{staged}/{folder}/{name(i)}": body(i) for i in range(n)})
        for folder, dst in (("set", f"{w.src}/set"), ("small", f"{w.src}/small"),
                            ("flaky", f"{w.flaky}/set")):  # omefs's uploads: the fastest fill
            omefs.copy(f"{staged}/{folder}", f"s3://{dst}", recursive=True, max_concurrency=32,
                       dst_options=moto_server.storage_options())
        memory.rm(staged, recursive=True)
        w.azure().mkdir(w.dst)
        yield w


@pytest.fixture(scope="module")
def cluster(world: World) -> Iterator[Any]:
    """Two worker processes (one thread each) that find the routing file in their environment."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMEFS_CONFIG", str(world.config))
        with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                      dashboard_address=None, silence_logs=50) as lc, \
                distributed.Client(lc) as client:
            yield client


@pytest.fixture
def client(cluster: Any) -> Any:
    """The module's cluster with both workers up (a killed one is restarted by its nanny)."""
    cluster.wait_for_workers(2, timeout=60)
    return cluster


def worker_pids(client: Any) -> list[int]:
    pids = client.run(os.getpid)
    assert len(pids) == 2 and os.getpid() not in pids.values()
    return list(pids.values())


def kill_a_worker_mid_copy(client: Any, recorder: RecordingExecutor,
                           copying: threading.Thread) -> dict[str, Any]:
    """SIGKILL one worker process once a first batch is done (objects copied, more to go)."""
    pid = worker_pids(client)[0]
    deadline = time.monotonic() + 120
    while not any(future.done() for future in list(recorder.futures)):
        assert copying.is_alive(), "the copy ended before the worker could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    done = sum(1 for future in recorder.futures if future.done())
    return {"pid": pid, "batches_done": done, "mid_copy": copying.is_alive()}


def runs_per_batch(client: Any, recorder: RecordingExecutor) -> list[int]:
    """How many times the scheduler sent each submitted batch to a worker."""
    keys = [future.key for future in recorder.futures]

    def runs(dask_scheduler: Any) -> list[int]:
        return [sum(1 for event in dask_scheduler.story(key) if event[2] == "processing")
                for key in keys]

    return list(client.run_on_scheduler(runs))


def copy_in_thread(**kwargs: Any) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["report"] = omefs.copy(**kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, name="dask-copy")
    thread.start()
    return thread, box


def test_bulk_copy_with_a_worker_killed_mid_copy(world: World, client: Any,
                                                          n_objects: int) -> None:
    """``--dask-objects`` objects (600; 2,000 in the full-size run) over two worker processes;
    one is killed mid-copy and its batches run again elsewhere: one report with every object,
    every object intact, no secret pickled."""
    recorder = RecordingExecutor(client)
    started = time.monotonic()
    copying, box = copy_in_thread(src=f"s3://{world.src}/set", dst=f"az://{world.dst}/big",
                                  recursive=True, executor=recorder)
    kill = kill_a_worker_mid_copy(client, recorder, copying)
    copying.join(timeout=300)
    took = time.monotonic() - started
    assert not copying.is_alive() and "error" not in box, box.get("error")
    assert kill["mid_copy"] and kill["batches_done"] < len(recorder.futures)
    report = box["report"]
    print(f"{n_objects} objects on 2 worker processes, one killed after {kill['batches_done']} "
          f"batches: {took:.1f} s")

    # one report gathered back, every object in it exactly once, all copied
    assert report.ok, report.failed[:3]
    keys = [name(i) for i in range(n_objects)]
    assert sorted(item.dst.rsplit("/", 1)[1] for item in report.copied) == keys
    assert len(report) == n_objects
    # eight batches went to the worker processes; the killed worker's ran again elsewhere
    runs = runs_per_batch(client, recorder)
    assert len(runs) == 8 and max(runs) >= 2, runs
    # the secrets stayed in the routing file: none is in what was submitted
    assert_not_pickled(recorder.payloads, world.secrets)
    # every object at the destination with its bytes
    assert world.check_intact("big", keys) == []


def test_lost_batches_are_reported_failed_and_a_rerun_completes(world: World, client: Any) -> None:
    """With no second chance for a lost worker's tasks (``allowed_failures=0``), the killed
    worker's batches come back as failed objects: none lost, and a rerun copies the rest."""
    def set_allowed_failures(n: int) -> Callable[[Any], int]:
        def change(dask_scheduler: Any) -> int:
            before = int(dask_scheduler.allowed_failures)
            dask_scheduler.allowed_failures = n
            return before
        return change

    before = client.run_on_scheduler(set_allowed_failures(0))
    try:
        recorder = RecordingExecutor(client)
        copying, box = copy_in_thread(src=f"s3://{world.src}/small", dst=f"az://{world.dst}/lost",
                                      recursive=True, executor=recorder, raise_on_error=False)
        kill = kill_a_worker_mid_copy(client, recorder, copying)
        copying.join(timeout=300)
    finally:
        client.run_on_scheduler(set_allowed_failures(before))
    assert not copying.is_alive() and "error" not in box, box.get("error")
    assert kill["mid_copy"]
    report = box["report"]
    keys = [name(i) for i in range(N_SMALL)]
    # every object is in the report once: copied, or failed with the reason
    assert sorted(item.dst.rsplit("/", 1)[1] for item in report) == keys
    assert report.failed, "the killed worker's batches should have been reported failed"
    assert all("did not complete on the executor" in (item.error or "") and "KilledWorker" in (item.error or "")
               for item in report.failed)
    # none lost: what the report calls copied is at the destination intact
    copied = [item.dst.rsplit("/", 1)[1] for item in report.copied]
    assert world.check_intact("lost", copied) == []
    # a rerun completes the set
    client.wait_for_workers(2, timeout=60)
    again = omefs.copy(f"s3://{world.src}/small", f"az://{world.dst}/lost", recursive=True,
                       skip_existing=True, executor=client)
    assert again.ok and len(again) == N_SMALL
    assert len(again.copied) <= len(report.failed)
    assert world.check_intact("lost", keys) == []


def test_retries_per_object_happen_on_the_worker(world: World, client: Any) -> None:
    """Bytes that arrive corrupted are fetched again by the engine on the worker: the item
    says attempt 2, and Dask ran each batch once (no task-level retry)."""
    world.proxy.clear()
    corrupted = [name(1), name(4)]
    for key in corrupted:  # the proxy flips bytes in these bodies, once each
        world.proxy.add_rule("GET", f"{world.flaky}/set/{key}", "corrupt", times=1)
    recorder = RecordingExecutor(client)
    report = omefs.copy(f"s3://{world.flaky}/set", f"az://{world.dst}/flaky", recursive=True,
                        executor=recorder)
    assert report.ok and len(report.copied) == N_FLAKY
    attempts = {item.dst.rsplit("/", 1)[1]: item.attempts for item in report.copied}
    assert attempts == {name(i): 2 if name(i) in corrupted else 1 for i in range(N_FLAKY)}
    assert all(world.proxy.count("GET", f"{world.flaky}/set/{key}") == 2 for key in corrupted)
    assert runs_per_batch(client, recorder) == [1] * len(recorder.futures)
    assert world.check_intact("flaky", list(attempts)) == []


def test_an_inline_secret_is_refused_before_anything_is_submitted(world: World,
                                                                  client: Any) -> None:
    """A secret given to copy() itself would travel in the task graph: refused, unnamed."""
    recorder = RecordingExecutor(client)
    auth = AuthConfig(provider="aws", auth_type="access_key",
                      settings={"access_key_id": "dask-canary-key",
                                "secret_access_key": world.canary,
                                "endpoint_url": world.moto.endpoint})
    with pytest.raises(ConfigError) as caught:
        omefs.copy(f"s3://{world.src}/small", f"az://{world.dst}/refused", recursive=True,
                   src_auth=auth, executor=recorder)
    message = str(caught.value)
    # (as every omefs message, it went through redaction, which a test that registered a
    # short word as a secret would apply to that word too)
    assert redact_text("'secret_access_key'") in message and "auth='NAME'" in message
    assert world.canary not in message and base64.b64encode(world.canary.encode()).decode() \
        not in message
    assert recorder.payloads == []
    assert world.landed("refused") == {}
