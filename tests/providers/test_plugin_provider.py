"""A provider that omefs knows only through entry points: ``testmem://`` (tests/plugins).

The distribution ``omefs-testmem`` declares a Provider under the
``omefs.providers`` group and its filesystem under ``fsspec.specs``;
``make setup`` installs it. Nothing here registers it at run time: every
test sees the provider exactly as a third-party package would be seen —
URIs, fsspec, the registry, the copy engine and the storage facade.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import fsspec
import pytest

import omefs
from omefs.errors import InvalidURIError
from tests.third_party import requires_testmem

pytestmark = requires_testmem


@pytest.fixture
def bucket():
    """A fresh testmem bucket name, emptied afterwards (the store lives as long as the process)."""
    name = f"bkt-{uuid.uuid4().hex[:10]}"
    yield name
    fs = fsspec.filesystem("testmem")
    if fs.exists(f"/{name}"):
        fs.rm(f"/{name}", recursive=True)


# -- URIs -------------------------------------------------------------------------

def test_parse_uri_takes_the_default_grammar():
    uri = omefs.parse_uri("testmem://bkt/a/b.txt")
    assert (uri.provider, uri.bucket, uri.path) == ("testmem", "bkt", "a/b.txt")
    assert (uri.namespace, uri.region, uri.account, uri.ref, uri.form) == (None,) * 5
    assert str(uri) == "testmem://bkt/a/b.txt"
    assert uri.fsspec_url == "testmem://bkt/a/b.txt"
    assert omefs.parse_uri(str(uri)) == uri
    assert uri.name == "b.txt"
    assert str(uri.parent) == "testmem://bkt/a/"
    assert str(uri.join("c/d")) == "testmem://bkt/a/b.txt/c/d"
    assert str(omefs.parse_uri("testmem://bkt")) == "testmem://bkt"


@pytest.mark.parametrize("text,wrong", [
    ("testmem://", "bucket is missing"),
    ("testmem:/bkt/x", "expected 'testmem://'"),
    ("testmem://b@d/x", "bucket 'b@d' is not valid"),
])
def test_malformed_uri_names_the_testmem_forms(text, wrong):
    with pytest.raises(InvalidURIError) as caught:
        omefs.parse_uri(text)
    message = str(caught.value)
    assert "invalid TestMem URI" in message
    assert wrong in message
    assert "accepted TestMem forms: testmem://BUCKET/PATH" in message


def test_the_scheme_is_listed_among_the_accepted_ones():
    with pytest.raises(InvalidURIError, match="testmem://"):
        omefs.parse_uri("nosuch://bkt/x")


# -- the registry ----------------------------------------------------------------

def test_registry_finds_it_by_name_and_scheme():
    from omefs.providers import all_providers, get_provider, provider_for_scheme, provider_of

    prov = get_provider("testmem")
    assert prov.name == "testmem" and prov.label == "TestMem"
    assert prov.schemes == ("testmem",)
    assert prov.capabilities.bucketed is True
    assert prov.capabilities.digests == ()
    assert provider_for_scheme("TESTMEM") is prov
    assert prov in all_providers()
    assert type(prov).__module__ == "omefs_testmem"

    cls = prov.filesystem_class()
    assert cls is fsspec.get_filesystem_class("testmem")
    assert provider_of(cls()) is prov


def test_fsspec_finds_the_filesystem_without_importing_omefs():
    code = (
        "import sys, fsspec\n"
        "with fsspec.open('testmem://bkt/x.txt', 'wb') as f:\n"
        "    f.write(b'written through fsspec')\n"
        "with fsspec.open('testmem://bkt/x.txt', 'rb') as f:\n"
        "    print(f.read().decode())\n"
        "print(type(f.fs).__module__)\n"
        "print(fsspec.filesystem('memory').ls('/', detail=False))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["written through fsspec", "omefs_testmem.fs", "[]"]


def test_its_store_is_not_the_memory_store(bucket):
    fsspec.filesystem("testmem").pipe_file(f"/{bucket}/only-here", b"x")
    assert not fsspec.filesystem("memory").exists(f"/{bucket}/only-here")
    assert omefs.filesystem(f"testmem://{bucket}/").cat_file(f"/{bucket}/only-here") == b"x"


def test_auth_is_checked_like_a_real_providers():
    from omefs.errors import ConfigError

    assert omefs.filesystem("testmem://bkt/", auth={"auth_type": "anonymous"}).auth_type == "anonymous"
    with pytest.raises(ConfigError, match="provider 'aws'"):
        omefs.filesystem("testmem://bkt/", auth={"provider": "aws", "auth_type": "access_key"},
                         skip_instance_cache=True)


# -- the copy engine -------------------------------------------------------------

@pytest.fixture
def s3(s3_env):
    """A fresh bucket on moto and the options omefs.copy takes for it."""
    opts = dict(s3_env.storage_options())
    name = f"s3-{uuid.uuid4().hex[:10]}"
    omefs.filesystem(f"s3://{name}", **opts).mkdir(name)
    return name, opts


TREE = {"a.txt": b"alpha", "sub/b.bin": bytes(range(256)) * 400, "sub/deep/c.txt": b"c" * 3}


def test_copy_s3_to_testmem_and_back_recursively(s3, bucket):
    name, opts = s3
    s3fs = omefs.filesystem(f"s3://{name}", **opts)
    for rel, data in TREE.items():
        s3fs.pipe_file(f"{name}/tree/{rel}", data)

    there = omefs.copy(f"s3://{name}/tree/", f"testmem://{bucket}/copy/", recursive=True,
                       src_options=opts)
    assert there.ok and len(there.copied) == len(TREE)
    mem = fsspec.filesystem("testmem")
    for rel, data in TREE.items():
        assert mem.cat_file(f"/{bucket}/copy/{rel}") == data
    pairs = {(i.src, i.dst) for i in there.copied}
    assert pairs == {(f"s3://{name}/tree/{rel}", f"testmem://{bucket}/copy/{rel}") for rel in TREE}

    back = omefs.copy(f"testmem://{bucket}/copy/", f"s3://{name}/back/", recursive=True,
                      dst_options=opts)
    assert back.ok and len(back.copied) == len(TREE)
    s3fs.invalidate_cache()
    for rel, data in TREE.items():
        assert s3fs.cat_file(f"{name}/back/{rel}") == data
    pairs = {(i.src, i.dst) for i in back.copied}
    assert pairs == {(f"testmem://{bucket}/copy/{rel}", f"s3://{name}/back/{rel}") for rel in TREE}

    again = omefs.copy(f"s3://{name}/tree/", f"testmem://{bucket}/copy/", recursive=True,
                       src_options=opts, skip_existing=True)
    assert again.ok and not again.copied and len(again.skipped) == len(TREE)


def test_copy_one_object_to_a_testmem_folder(bucket, tmp_path):
    src = tmp_path / "one.bin"
    src.write_bytes(b"1" * 1000)
    report = omefs.copy(str(src), f"testmem://{bucket}/in/")
    assert report.ok
    [item] = report.copied
    assert item.dst == f"testmem://{bucket}/in/one.bin"
    assert item.bytes == 1000
    assert fsspec.filesystem("testmem").cat_file(f"/{bucket}/in/one.bin") == b"1" * 1000


# -- the storage facade ----------------------------------------------------------

def test_storage_facade_on_testmem(bucket, tmp_path: Path):
    store = omefs.storage(f"testmem://{bucket}/")
    assert store.provider == "testmem"
    base = f"testmem://{bucket}"

    store.put(f"{base}/dir/a.txt", b"hello")
    with open(tmp_path / "b.txt", "wb") as f:
        f.write(b"world!")
    with open(tmp_path / "b.txt", "rb") as f:
        store.put(f"{base}/dir/sub/b.txt", f)
    with store.get(f"{base}/dir/a.txt") as f:
        assert f.read() == b"hello"
    assert store.exists(f"{base}/dir/a.txt")
    assert not store.exists(f"{base}/dir/none.txt")

    info = store.stat(f"{base}/dir/a.txt")
    assert (info.name, info.size, info.content_md5) == (f"{base}/dir/a.txt", 5, None)
    listed = store.list(f"{base}/dir/")
    assert [(i.name, i.size) for i in listed] == [(f"{base}/dir/a.txt", 5),
                                                  (f"{base}/dir/sub/b.txt", 6)]
    assert [i.name for i in store.list(f"{base}/dir/", recursive=False)] == [f"{base}/dir/a.txt"]

    src = tmp_path / "up.bin"
    src.write_bytes(b"u" * 4096)
    assert store.upload(src, f"{base}/up/up.bin").ok
    assert store.stat(f"{base}/up/up.bin").size == 4096
    assert store.download(f"{base}/up/up.bin", tmp_path / "down.bin").ok
    assert (tmp_path / "down.bin").read_bytes() == b"u" * 4096

    store.delete(f"{base}/dir/a.txt")
    assert not store.exists(f"{base}/dir/a.txt")
    with pytest.raises(FileNotFoundError):
        store.stat(f"{base}/dir/a.txt")


def test_storage_facade_downloads_a_testmem_prefix_like_any_bucket(bucket, tmp_path: Path):
    fsspec.filesystem("testmem").pipe({f"/{bucket}/dir/a.txt": b"hello",
                                       f"/{bucket}/dir/sub/b.txt": b"world!"})
    store = omefs.storage(f"testmem://{bucket}/")
    report = store.download(f"testmem://{bucket}/dir/", tmp_path / "tree")
    assert report.ok and len(report.copied) == 2
    # As for every bucketed store: the key, without the bucket, below the target.
    assert (tmp_path / "tree" / "dir" / "a.txt").read_bytes() == b"hello"
    assert (tmp_path / "tree" / "dir" / "sub" / "b.txt").read_bytes() == b"world!"
