"""The engine's pure parts: options, checksums, retry policy, layout and path rules.

These need no server; layout and bad-input cases run on ``memory://`` and
``file://``.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time

import pytest
from fsspec.callbacks import Callback

import omefs
from omefs.errors import ConfigError, InvalidURIError, NotFoundError, TransferError
from omefs.retry import retry_after
from omefs.sizes import parse_size
from omefs.transfer import TransferItem, TransferReport
from omefs.transfer.bulk import join_with_tail_overlap, local_path_for
from omefs.transfer.endpoints import obstore_key_ok
from omefs.transfer.options import TransferOptions
from omefs.transfer.plan import excluded
from omefs.transfer.retry import BACKOFF, is_retryable
from omefs.transfer.verify import (
    Fingerprint,
    IntegrityError,
    StreamHasher,
    compare,
    fingerprint_from_info,
    multipart_etag,
)
from tests.transfer.conftest import MiB, blob

# -- options -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "size"), [
    (1234, 1234), ("8MiB", 8 * MiB), ("8M", 8 * MiB), ("8MB", 8_000_000),
    ("1.5GiB", int(1.5 * 1024**3)),
    ("64 KiB", 65536), ("50MB/s", 50_000_000), ("10", 10),
])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["8XB", "-1", "lots", True, None, [1]])
def test_parse_size_rejects(bad):
    with pytest.raises(ConfigError):
        parse_size(bad, "part_size")


@pytest.mark.parametrize("kwargs", [
    {"max_concurrency": 0}, {"max_concurrency": "4"}, {"part_size": "1KiB"}, {"retries": -1},
    {"exclude": 5}, {"bandwidth": "fast"},
])
def test_bad_options_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        TransferOptions.build(**kwargs)


def test_bad_options_raise_before_any_work(tmp_path):
    with pytest.raises(ConfigError, match="part_size"):
        omefs.copy(str(tmp_path), "memory://x", part_size="huge")
    with pytest.raises(InvalidURIError):
        omefs.copy("", "memory://x")
    with pytest.raises(InvalidURIError):
        omefs.copy("nosuchproto://a/b", "memory://x")


# -- checksums -----------------------------------------------------------------


def test_stream_hasher_digests_and_part_etags():
    data = blob(11 * MiB + 3, 1)
    hasher = StreamHasher(md5=True, crc32c=True, part_sizes=[5 * MiB, 4 * MiB])
    for i in range(0, len(data), 777_777):  # chunk boundaries unrelated to part boundaries
        hasher.update(data[i:i + 777_777])
    fp5 = hasher.fingerprint(5 * MiB)
    assert fp5.size == len(data)
    assert fp5.md5 == hashlib.md5(data).hexdigest()
    import google_crc32c

    assert fp5.crc32c == google_crc32c.value(data)
    parts = [hashlib.md5(data[i:i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB)]
    assert fp5.multipart_etag == multipart_etag(parts) and fp5.multipart_etag.endswith("-3")
    assert hasher.fingerprint(4 * MiB).multipart_etag.endswith("-3")
    assert hasher.fingerprint(4 * MiB).multipart_etag != fp5.multipart_etag


def test_fingerprints_from_each_providers_info():
    md5 = hashlib.md5(b"x").digest()
    s3 = fingerprint_from_info({"ETag": f'"{md5.hex()}"', "size": 1}, "s3")
    assert s3.md5 == md5.hex() and s3.multipart_etag is None
    multi = fingerprint_from_info({"ETag": f'"{md5.hex()}-4"', "size": 9}, "s3")
    assert multi.md5 is None and multi.parts == 4
    kms = fingerprint_from_info({"ETag": f'"{md5.hex()}"', "ServerSideEncryption": "aws:kms"}, "s3")
    assert kms.md5 is None
    gcs = fingerprint_from_info({"md5Hash": base64.b64encode(md5).decode(), "size": 1,
                                 "crc32c": base64.b64encode(struct.pack(">I", 7)).decode()}, "gcs")
    assert gcs.md5 == md5.hex() and gcs.crc32c == 7
    az = fingerprint_from_info({"content_settings": {"content_md5": bytearray(md5)}, "size": 1},
                               "azure")
    assert az.md5 == md5.hex()
    assert fingerprint_from_info({"size": 3, "mtime": 5.0}, "file") == Fingerprint(size=3, mtime=5.0)


def test_compare():
    a = Fingerprint(size=3, md5="a" * 32)
    assert compare(a, Fingerprint(size=3, md5="a" * 32)) == (True, "size+md5")
    assert compare(a, Fingerprint(size=4))[0] is False
    assert compare(a, Fingerprint(size=3, md5="b" * 32))[0] is False
    assert compare(a, Fingerprint(size=3)) == (None, "size")
    # multipart ETags of different part layouts are not comparable; of one layout they are
    e1 = Fingerprint(size=10, multipart_etag="c" * 32 + "-2", part_size=5)
    assert compare(e1, Fingerprint(size=10, multipart_etag="d" * 32 + "-3", part_size=4))[0] is None
    assert compare(e1, Fingerprint(size=10, multipart_etag="d" * 32 + "-2", part_size=5))[0] is False
    assert compare(e1, Fingerprint(multipart_etag="c" * 32 + "-2"))[0] is True


# -- retry policy -----------------------------------------------------------------


def _client_error(code: str, status: int, headers: dict | None = None):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code},
                        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}}},
                       "GetObject")


def test_retryable_classification():
    assert is_retryable(IntegrityError("short body"))
    assert is_retryable(ConnectionResetError("reset by peer"))
    assert is_retryable(TimeoutError())
    assert is_retryable(_client_error("SlowDown", 503))
    assert is_retryable(_client_error("InternalError", 500))
    assert not is_retryable(_client_error("AccessDenied", 403))
    assert not is_retryable(_client_error("NoSuchKey", 404))
    assert not is_retryable(FileNotFoundError("gone"))
    assert not is_retryable(NotFoundError("gone"))
    assert not is_retryable(TypeError("bug"))


def test_retry_after_from_errors():
    assert retry_after(_client_error("SlowDown", 503, {"retry-after": "7"})) == 7.0
    assert retry_after(_client_error("SlowDown", 503)) is None
    # The other form RFC 9110 allows: an HTTP date (here 30 s ahead; the past is no wait).
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= retry_after(_client_error("SlowDown", 503, {"retry-after": when})) <= 31
    assert retry_after(_client_error("SlowDown", 503, {"retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"})) == 0
    assert retry_after(_client_error("SlowDown", 503, {"retry-after": "soon"})) is None
    delay = BACKOFF.delay(1, _client_error("SlowDown", 503, {"retry-after": "3"}))
    assert delay >= 3.0
    assert all(0 <= BACKOFF.delay(n) <= 30 for n in range(1, 12))


# -- layout, exclude, keys ----------------------------------------------------------


def test_exclude_matches_relative_path_key_and_base_name():
    assert excluded(["*.tmp"], "a/b.tmp", "pre/a/b.tmp")
    assert excluded(["b.tmp"], "a/b.tmp", "pre/a/b.tmp")
    assert excluded(["pre/a/*"], "a/b.bin", "pre/a/b.bin")
    assert not excluded(["*.tmp"], "a/b.bin", "pre/a/b.bin")


def test_obstore_key_rules():
    assert obstore_key_ok("a/b c/ü.bin")
    for bad in ("", "/a", "a/", "a//b", "a/./b", "a/../b"):
        assert not obstore_key_ok(bad)


def test_tail_overlap_and_local_paths():
    assert join_with_tail_overlap("/local/data", "data/files/x") == "/local/data/files/x"
    assert join_with_tail_overlap("/a/b/c", "b/c/d") == "/a/b/c/d"
    assert join_with_tail_overlap("/a/b", "x/y") == "/a/b/x/y"
    assert local_path_for("/t", "m/llama/w.bin") == "/t/m/llama/w.bin"
    assert local_path_for("/t", "m/llama/w.bin", base_name_only=True) == "/t/w.bin"
    assert local_path_for("/t", "m/llama/w.bin", strip_prefix="m/") == "/t/llama/w.bin"
    assert local_path_for("/t/m", "m/llama/w.bin", tail_overlap=True) == "/t/m/llama/w.bin"


@pytest.fixture
def mem():
    import fsspec

    fs = fsspec.filesystem("memory")
    root = "/omefs-units"
    fs.pipe({f"{root}/src/a.txt": b"a", f"{root}/src/sub/b.txt": b"bb",
             f"{root}/src/skip.tmp": b"t", f"{root}/one.txt": b"1"})
    fs.mkdir(f"{root}/existing")
    yield f"memory://{root.lstrip('/')}"
    fs.rm(root, recursive=True)


def test_rclone_layout_for_folders(mem):
    for src in (f"{mem}/src", f"{mem}/src/"):
        report = omefs.copy(src, f"{mem}/out/", recursive=True, exclude="*.tmp")
        assert sorted(i.dst for i in report.copied) == [f"{mem}/out/a.txt", f"{mem}/out/sub/b.txt"]


def test_rclone_layout_for_single_objects(mem):
    def dst_of(dst: str) -> str:
        return omefs.copy(f"{mem}/one.txt", dst).copied[0].dst

    assert dst_of(f"{mem}/renamed.txt") == f"{mem}/renamed.txt"
    assert dst_of(f"{mem}/folder/") == f"{mem}/folder/one.txt"
    assert dst_of(f"{mem}/src") == f"{mem}/src/one.txt"  # an existing folder


def test_bad_sources_are_typed_errors(mem):
    with pytest.raises(NotFoundError):
        omefs.copy(f"{mem}/nothing-here", f"{mem}/out")
    with pytest.raises(ConfigError, match="recursive=True"):
        omefs.copy(f"{mem}/src", f"{mem}/out")


def test_dry_run_moves_nothing(mem):
    import fsspec

    report = omefs.copy(f"{mem}/src/", f"{mem}/dry/", recursive=True, dry_run=True)
    assert report.dry_run and len(report.copied) == 3
    assert {i.status for i in report.copied} == {"dry-run"}
    assert not fsspec.filesystem("memory").exists(f"/{mem.split('://')[1]}/dry")


def test_progress_callback_and_item_hook(mem):
    seen: list[TransferItem] = []

    def hook(size, value, item=None):  # fsspec calls every hook on each update, item-less
        if item is not None:
            seen.append(item)

    cb = Callback(hooks={"item": hook})
    report = omefs.copy(f"{mem}/src/", f"{mem}/cb/", recursive=True, callback=cb)
    assert cb.size == 4 and cb.value == 4
    assert sorted(i.dst for i in seen) == sorted(i.dst for i in report.copied)


def test_sync_deletes_only_after_success_and_reports_it(mem):
    omefs.copy(f"{mem}/src/", f"{mem}/mirror/", recursive=True)
    omefs.copy(f"{mem}/one.txt", f"{mem}/mirror/stale.txt")
    kept = omefs.sync(f"{mem}/src/", f"{mem}/mirror/")
    assert kept.deleted == [] and len(kept.skipped) == 3
    dry = omefs.sync(f"{mem}/src/", f"{mem}/mirror/", delete=True, dry_run=True)
    assert [i.dst for i in dry.deleted] == [f"{mem}/mirror/stale.txt"]
    report = omefs.sync(f"{mem}/src/", f"{mem}/mirror/", delete=True, exclude="*.tmp")
    assert [i.dst for i in report.deleted] == [f"{mem}/mirror/stale.txt"]
    import fsspec

    fs = fsspec.filesystem("memory")
    root = "/" + mem.split("://")[1]
    # skip.tmp is excluded: neither copied again nor deleted at the destination
    assert sorted(fs.find(f"{root}/mirror")) == [f"{root}/mirror/a.txt", f"{root}/mirror/skip.tmp",
                                                 f"{root}/mirror/sub/b.txt"]


def test_report_totals_and_error():
    report = TransferReport()
    report.add(TransferItem("a", "b", 10, 1.0, 1, "copied"))
    report.add(TransferItem("c", "d", 5, 0.0, 0, "skipped"))
    report.add(TransferItem("e", "f", 7, 2.0, 3, "failed", error="boom"))
    assert report.bytes == 10 and not report.ok and len(report) == 3
    assert report.to_dict()["failed"][0]["error"] == "boom"
    err = TransferError("x", report=report)
    assert err.report is report
    import pickle

    assert pickle.loads(pickle.dumps(report)).failed[0].error == "boom"


def test_bandwidth_limit_holds(mem, tmp_path):
    import time

    import fsspec

    root = "/" + mem.split("://")[1]
    fsspec.filesystem("memory").pipe(f"{root}/bw/x.bin", b"b" * (3 * MiB))
    started = time.monotonic()
    report = omefs.copy(f"{mem}/bw/x.bin", str(tmp_path / "y.bin"), bandwidth="1MiB")
    assert report.copied[0].method == "single"
    # one second of burst, then 1 MiB/s: 3 MiB take about two seconds
    assert time.monotonic() - started >= 1.8


def test_copy_from_inside_a_running_event_loop(mem):
    """As in Jupyter: the engine runs its own loop in a helper thread."""
    import asyncio

    async def main():
        return omefs.copy(f"{mem}/src/", f"{mem}/from-loop/", recursive=True)

    report = asyncio.run(main())
    assert report.ok and len(report.copied) == 3


def test_progress_bar(mem, capsys):
    report = omefs.copy(f"{mem}/src/", f"{mem}/bar/", recursive=True, progress=True)
    assert report.ok
    assert "copy" in capsys.readouterr().err  # tqdm draws on stderr


def test_slot_weights_follow_the_buffers_an_object_holds(tmp_path):
    """A whole-object read above part_size holds a slot per part it spans (the memory bound)."""
    from omefs.transfer.endpoints import Endpoint
    from omefs.transfer.engine import Engine
    from omefs.transfer.plan import Task
    from omefs.transfer.progress import Progress
    from omefs.transfer.streams import Runtime
    from omefs.transfer.verify import Fingerprint

    src = Endpoint.from_uri("memory://w/src/")
    dst = Endpoint.from_uri(f"file://{tmp_path}/")
    opts = TransferOptions.build(part_size="8MiB", max_concurrency=8, threshold="100MiB")
    engine = Engine(src, dst, opts, Runtime(None), Progress())

    def weight(size: int) -> int:
        return engine._weight(Task("a", "b", size, Fingerprint(size=size)))

    assert weight(0) == 1 and weight(64 * 1024) == 1 and weight(8 * MiB) == 1
    assert weight(8 * MiB + 1) == 2 and weight(40 * MiB) == 5
    assert weight(100 * MiB) == 8  # never more than max_concurrency: it could never start
