"""``omefs.storage``: OME's Storage interface on the omefs filesystems, on the local servers."""

from __future__ import annotations

import io

import pytest

import omefs
from omefs.errors import InvalidURIError, NotFoundError, OmefsError
from omefs.storage import CompletedPart, Storage
from tests.servers.oci_fixtures import *  # noqa: F401,F403

MiB = 1024 * 1024


@pytest.fixture(params=["s3", "gcs", "azure"])
def store(request):
    """(Storage, base URI of a fresh bucket) on each server."""
    if request.param == "s3":
        server = request.getfixturevalue("s3_env")
        options, base = server.storage_options(), "s3://facade"
    elif request.param == "gcs":
        server = request.getfixturevalue("gcs_env")
        options, base = server.storage_options(), "gs://facade"
    else:
        server = request.getfixturevalue("azure_env")
        options, base = {"connection_string": server.connection_string}, "azure://facade"
    fs = omefs.filesystem(base, **options)
    fs.mkdir("facade")
    return omefs.storage(base, **options), base


def test_object_operations(store, tmp_path):
    st, base = store
    assert isinstance(st, Storage)
    st.put(f"{base}/a/one.txt", b"hello")
    st.put(f"{base}/a/two.bin", io.BytesIO(b"x" * 1000), size=1000)
    assert st.exists(f"{base}/a/one.txt") and not st.exists(f"{base}/a/none")
    with st.get(f"{base}/a/one.txt") as f:
        assert f.read() == b"hello"
    info = st.stat(f"{base}/a/two.bin")
    assert info.size == 1000
    assert st.stat(f"{base}/a/one.txt").content_md5 == "5d41402abc4b2a76b9719d911017c592"
    assert [o.name for o in st.list(f"{base}/a")] == [f"{base}/a/one.txt", f"{base}/a/two.bin"]

    st.download(f"{base}/a/one.txt", tmp_path / "one.txt")
    assert (tmp_path / "one.txt").read_bytes() == b"hello"
    (tmp_path / "up.bin").write_bytes(b"u" * 300)
    report = st.upload(tmp_path / "up.bin", f"{base}/b/up.bin")
    assert report.ok and st.stat(f"{base}/b/up.bin").size == 300
    copied = st.copy(f"{base}/b/up.bin", f"{base}/c/up.bin")
    assert copied.copied[0].method == "server-side"

    st.delete(f"{base}/a/one.txt")
    assert not st.exists(f"{base}/a/one.txt")
    with pytest.raises(NotFoundError):
        st.stat(f"{base}/a/one.txt")


def test_bulk_with_progress(store, tmp_path):
    st, base = store
    for i in range(3):
        (tmp_path / "src" / f"f{i}").parent.mkdir(exist_ok=True)
        (tmp_path / "src" / f"f{i}").write_bytes(bytes([i]) * 100)
    seen = []
    up = st.bulk_upload(tmp_path / "src", f"{base}/bulk", progress=lambda d, t, i: seen.append((d, t)))
    assert up.ok and seen == [(1, 3), (2, 3), (3, 3)]
    down = st.bulk_download(f"{base}/bulk/", tmp_path / "dl", strip_prefix="bulk/")
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["f0", "f1", "f2"]
    assert down.ok and all(i.status == "copied" for i in down.copied)


def test_multipart_upload(store):
    st, base = store
    uri = f"{base}/mp/object.bin"
    parts_data = [b"a" * (5 * MiB), b"b" * (5 * MiB), b"c" * 1234]
    upload_id = st.initiate_multipart_upload(uri)
    # parts may arrive in any order
    etags = {n: st.upload_part(uri, upload_id, n, parts_data[n - 1]) for n in (2, 1, 3)}
    assert not st.exists(uri)  # nothing visible before completion
    st.complete_multipart_upload(uri, upload_id, [CompletedPart(n, e) for n, e in etags.items()])
    with st.get(uri) as f:
        assert f.read() == b"".join(parts_data)

    aborted = f"{base}/mp/aborted.bin"
    upload_id = st.initiate_multipart_upload(aborted)
    st.upload_part(aborted, upload_id, 1, b"z" * (5 * MiB))
    st.abort_multipart_upload(aborted, upload_id)
    assert not st.exists(aborted)
    assert [o.name for o in st.list(f"{base}/")] == [uri]  # no part left behind anywhere


def test_bad_input_is_typed():
    with pytest.raises(OmefsError):
        omefs.storage("nosuchprovider")
    st = omefs.storage("s3", key="k", secret="s")
    with pytest.raises(InvalidURIError):
        st.exists("gs://bucket/key")
    assert omefs.storage("aws").provider == "s3"


def test_oci_objects_and_multipart(request):
    pytest.importorskip("omefs.providers.oci.fs")
    from tests.servers.oci_fixtures import oci_fs_options

    fake = request.getfixturevalue("oci_fake")
    auth = request.getfixturevalue("oci_auth")
    bucket = request.getfixturevalue("oci_bucket")
    st = omefs.storage("oci", auth=auth, **oci_fs_options())
    base = f"oci://{fake.namespace}/{bucket}"
    st.put(f"{base}/x.txt", b"hello")
    assert st.stat(f"{base}/x.txt").content_md5 == "5d41402abc4b2a76b9719d911017c592"
    uri = f"{base}/mp.bin"
    upload_id = st.initiate_multipart_upload(uri)
    e1 = st.upload_part(uri, upload_id, 1, b"a" * MiB)
    e2 = st.upload_part(uri, upload_id, 2, b"b" * 10)
    st.complete_multipart_upload(uri, upload_id, [(1, e1), (2, e2)])
    with st.get(uri) as f:
        assert f.read() == b"a" * MiB + b"b" * 10
    assert st.stat(uri).is_multipart
    aborted = st.initiate_multipart_upload(f"{base}/gone.bin")
    st.upload_part(f"{base}/gone.bin", aborted, 1, b"z" * 100)
    st.abort_multipart_upload(f"{base}/gone.bin", aborted)
    assert not st.exists(f"{base}/gone.bin")


def test_each_provider_answers_through_its_facade_hooks():
    from omefs.providers import all_providers, get_provider
    from omefs.providers.facade import FacadeHooks

    for prov in all_providers():
        hooks = prov.facade()
        assert isinstance(hooks, FacadeHooks) and hooks.provider is prov
        assert prov.facade() is hooks  # created once
    native = {"s3", "gcs", "azure", "oci"}
    for name in native:
        assert type(get_provider(name).facade()).initiate_multipart_upload \
            is not FacadeHooks.initiate_multipart_upload, name


@pytest.mark.parametrize("name", ["github", "file", "memory"])
def test_providers_without_multipart_refuse_it_clearly(name):
    from omefs.errors import ConfigError
    from omefs.providers import get_provider

    hooks = get_provider(name).facade()
    with pytest.raises(ConfigError, match="multipart uploads are not supported by provider .*"
                                          "use put/upload, which stream any size"):
        hooks.initiate_multipart_upload(None, "bucket/key", content_type=None, uploads={})


def test_storage_of_a_uri_asks_the_uri_grammar():
    assert omefs.storage("s3a://bucket/key").provider == "s3"
    assert omefs.storage("abfs://container/key").provider == "azure"
    assert omefs.storage("https://objectstorage.us-ashburn-1.oraclecloud.com/n/ns/b/bkt/o/k"
                         ).provider == "oci"
    with pytest.raises(InvalidURIError):
        omefs.storage("https://example.com/not-object-storage")
