"""The ``gs://`` front (JSON API over plain HTTP) answers as the gcsfs-based filesystem does.

Server: the GCS emulator (gcp-storage-emulator). The same objects are asked
through :class:`~omefs.providers.gcp.front.GCSFront` and through the full
``gs://`` filesystem (gcsfs); ``info``, ``ls``, ``find`` and ``exists``
must agree entry for entry (the front leaves out only the resource fields
it never asks for, :data:`~omefs.providers.gcp.json_api.DROPPED_FIELDS`),
on nested prefixes, a folder, the OME facade's hidden parts folder, a
missing key and a missing bucket. Options the front cannot honour give
the full filesystem instead, and the copy engine reads through the front
without gcsfs's client.
"""

from __future__ import annotations

from typing import Any

import pytest

import omefs
from omefs.providers.front import open_front
from omefs.providers.gcp.front import GCSFront
from omefs.providers.gcp.json_api import DROPPED_FIELDS, GCSJsonAPI

OBJECTS = {
    "top.bin": b"t" * 10,
    "dir/a.txt": b"hello",
    "dir/sub/b.bin": b"b" * 300,
    "dir/sub/c.bin": b"",
    "dir/subway.bin": b"s",
    ".omefs-multipart/u1/00001": b"part",
}


def _kept(entry: Any) -> Any:
    return {k: v for k, v in entry.items() if k not in DROPPED_FIELDS} if isinstance(entry, dict) else entry


def _both(full: Any, front: Any, method: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """``method`` asked of both; an error on either side must be the same kind."""
    full.invalidate_cache()
    out = []
    for fs in (full, front):
        try:
            out.append(getattr(fs, method)(*args, **kwargs))
        except FileNotFoundError as exc:
            out.append(("missing", type(exc).__name__))
    return out[0], out[1]


@pytest.fixture
def pair(gcs_env):
    options = gcs_env.storage_options()
    full = omefs.filesystem("gs", skip_instance_cache=True, **options)
    full.mkdir("bkt")
    full.pipe({f"bkt/{k}": v for k, v in OBJECTS.items()})
    opened = open_front("gs://bkt", None, dict(options))
    assert opened is not None
    front = opened[0]
    assert isinstance(front, GCSFront)
    yield full, front
    assert front._full is None, "the front asked the full filesystem"


PATHS = ["bkt", "bkt/top.bin", "bkt/dir", "bkt/dir/", "bkt/dir/sub", "bkt/dir/sub/c.bin",
         "bkt/dir/su", "bkt/missing.bin", "bkt/.omefs-multipart", "nobucket", "nobucket/x"]


@pytest.mark.parametrize("path", PATHS)
def test_front_entries_equal_gcsfs(pair, path):
    full, front = pair
    a, b = _both(full, front, "info", path)
    if path == "bkt":  # the bucket's resource, as gcsfs returns it
        assert a == b
    else:
        assert _kept(a) == b, path
    for detail in (True, False):
        a, b = _both(full, front, "ls", path, detail=detail)
        assert (a if not detail or not isinstance(a, list) else [_kept(e) for e in a]) == b, path
        a, b = _both(full, front, "find", path, detail=detail)
        assert (a if not detail or not isinstance(a, dict) else
                {k: _kept(v) for k, v in a.items()}) == b, path
    assert full.exists(path) == front.exists(path), path


def test_front_entries_carry_what_fingerprints_read(pair):
    _, front = pair
    entry = front.info("bkt/dir/a.txt")
    assert {"md5Hash", "crc32c", "generation", "updated", "storageClass", "mtime"} <= set(entry)
    assert entry["size"] == 5 and entry["type"] == "file" and entry["name"] == "bkt/dir/a.txt"
    assert entry["storage_class"] == "STANDARD"
    from omefs.providers.registry import get_provider

    fp = get_provider("gcs").transfer().fingerprint(entry)
    assert fp.md5 == "5d41402abc4b2a76b9719d911017c592" and fp.size == 5
    with pytest.raises(omefs.errors.NotFoundError):
        front.info("bkt/nothing")


def test_options_the_front_cannot_honour_give_the_full_filesystem(gcs_env):
    options = gcs_env.storage_options()
    assert open_front("gs://bkt/a", None, options) is not None
    refused = [
        ("gs://bkt/a", {**options, "requester_pays": True}),
        ("gs://bkt/a#1234", options),  # a generation
        ("gs://bkt/a", {k: v for k, v in options.items() if k != "token"}),  # gcsfs's default chain
        ("gs://bkt/a", {**options, "token": "/a/key/file.json"}),
        ("gs://bkt/a", {**options, "encryption": {"mode": "kms", "key_id": "projects/p/locations/l/"
                                                   "keyRings/r/cryptoKeys/k"}}),
    ]
    for url, opts in refused:
        assert open_front(url, None, opts) is None, (url, sorted(opts))


def test_anonymous_auth_config_opens_the_front(gcs_env):
    auth = {"provider": "gcp", "auth_type": "anonymous",
            "settings": {"endpoint_url": gcs_env.endpoint, "project": "test"}}
    opened = open_front("gs://bkt/x", auth, {})
    assert opened is not None
    front, path = opened
    assert path == "bkt/x" and front.api.credentials is None
    assert front.api.location == gcs_env.endpoint.rstrip("/")


def test_json_api_errors_are_typed(pair, gcs_env):
    _, front = pair
    api: GCSJsonAPI = front.api
    with pytest.raises(FileNotFoundError) as caught:
        api.download("bkt", "missing.bin")
    assert caught.value.http_status == 404  # type: ignore[attr-defined]
    assert omefs.errors.NotFoundError is type(
        omefs.providers.error_mapping.translate(caught.value, "read", "gs://bkt/missing.bin", "gcs"))
    import pickle  # an executor in another process sends errors back pickled

    again = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(again, FileNotFoundError) and again.http_status == 404  # type: ignore[attr-defined]
    assert str(again) == str(caught.value)
    assert api.download("bkt", "dir/sub/b.bin", 10, 20).body == b"b" * 10


# -- the copy engine's reads ----------------------------------------------------------------
def _read(ep: Any, path: str, size: int, *, window: int) -> bytes:
    """The object's bytes through the engine's readers: whole, or ``window`` ranged GETs."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from omefs.transfer.streams import Runtime, iter_chunks, read_whole

    async def go() -> bytes:
        with ThreadPoolExecutor(4) as pool:
            rt = Runtime(pool)
            if window == 0:
                return bytes(await read_whole(rt, ep, path))
            return b"".join([bytes(c) async for c in iter_chunks(rt, ep, path, size, 100, window)])

    return asyncio.run(go())


@pytest.mark.parametrize("front", [True, False])
def test_engine_reads_through_the_json_api(gcs_env, front):
    """Whole and ranged reads go through the JSON API, from the front and from the full
    filesystem alike (server: the GCS emulator behind the fault proxy, which counts GETs)."""
    from omefs.providers.gcp.reads import lean_api
    from omefs.transfer.endpoints import Endpoint
    from tests.servers.corrupting_proxy import CorruptingProxy

    data = bytes(range(256)) * 3
    full = omefs.filesystem("gs", skip_instance_cache=True, **gcs_env.storage_options())
    full.mkdir("rd")
    full.pipe_file("rd/x.bin", data)
    with CorruptingProxy(gcs_env.endpoint) as proxy:
        options = {**gcs_env.storage_options(), "endpoint_url": proxy.endpoint}
        ep = Endpoint.from_uri("gs://rd/x.bin", None, options, front=front)
        assert isinstance(ep.fs, GCSFront) is front and lean_api(ep.fs) is not None
        assert _read(ep, ep.root, len(data), window=0) == data
        assert _read(ep, ep.root, len(data), window=3) == data
        ranged = [r for r in proxy.requests if r[0] == "GET" and r[2] == 206]
        assert len(ranged) == 8  # 768 bytes in ranges of 100
        with pytest.raises(FileNotFoundError):
            _read(ep, "rd/missing.bin", 1, window=0)
    if front:
        assert ep.fs._full is None  # gcsfs never asked


def test_full_filesystem_keeps_its_own_client_for_what_it_alone_handles(gcs_env):
    from omefs.providers.gcp.reads import lean_api

    options = gcs_env.storage_options()
    assert lean_api(omefs.filesystem("gs", skip_instance_cache=True, **options)) is not None
    assert lean_api(omefs.filesystem("gs", skip_instance_cache=True, requester_pays=True,
                                     **options)) is None


def test_listings_follow_page_tokens(pair, monkeypatch):
    """objects.list in pages of 2 (``maxResults``/``pageToken``): the same entries as one page."""
    import omefs.providers.gcp.json_api as json_api

    full, front = pair
    whole = front.find("bkt", detail=True)
    monkeypatch.setattr(json_api, "PAGE", 2)
    assert front.find("bkt", detail=True) == whole
    a, b = _both(full, front, "ls", "bkt/dir/sub", detail=True)
    assert [_kept(e) for e in a] == b and len(b) == 2
    assert full.ls("bkt/dir") == front.ls("bkt/dir")  # names, by default, as gcsfs
