"""``omefs.storage`` with a provider registered at run time: the facade names no provider.

The ``tmem`` provider (:mod:`tests.third_party`) declares only its names,
scheme and filesystem; every operation of the facade works on it, and the
multipart operations, which it does not implement, are refused clearly.
"""

from __future__ import annotations

import io

import pytest

import omefs
from omefs.errors import ConfigError, InvalidURIError
from omefs.storage import Storage
from tests.third_party import registered

BASE = "tmem://bucket"


@pytest.fixture
def st():
    with registered():
        yield omefs.storage(f"{BASE}/")


def test_storage_for_its_uri_and_its_name(st):
    assert isinstance(st, Storage) and st.provider == "tmem"
    assert omefs.storage("tmem").provider == "tmem"
    assert omefs.storage("TMem").provider == "tmem"


def test_objects(st):
    st.put(f"{BASE}/a/x.txt", b"hello")
    st.put(f"{BASE}/b.txt", io.BytesIO(b"world!"))
    st.put(f"{BASE}/sized.txt", io.BytesIO(b"0123456789"), size=4)
    with st.get(f"{BASE}/a/x.txt") as f:
        assert f.read() == b"hello"
    assert st.exists(f"{BASE}/b.txt") and not st.exists(f"{BASE}/absent.txt")
    info = st.stat(f"{BASE}/b.txt")
    assert info.name == f"{BASE}/b.txt" and info.size == 6 and not info.is_multipart
    assert st.get_object_info(f"{BASE}/sized.txt").size == 4
    assert [(o.name, o.size) for o in st.list(f"{BASE}/")] == [
        (f"{BASE}/a/x.txt", 5), (f"{BASE}/b.txt", 6), (f"{BASE}/sized.txt", 4)]
    assert [o.name for o in st.list(f"{BASE}/", recursive=False)] == [
        f"{BASE}/b.txt", f"{BASE}/sized.txt"]
    st.delete(f"{BASE}/b.txt")
    assert not st.exists(f"{BASE}/b.txt")
    with pytest.raises(FileNotFoundError):
        st.stat(f"{BASE}/b.txt")


def test_transfers(st, tmp_path):
    st.put(f"{BASE}/data/one.bin", b"1" * 1000)
    st.put(f"{BASE}/data/two.bin", b"2" * 2000)
    report = st.download(f"{BASE}/data/one.bin", tmp_path / "one.bin")
    assert not report.failed and (tmp_path / "one.bin").read_bytes() == b"1" * 1000
    st.download(f"{BASE}/data/", tmp_path / "all")
    assert sorted(p.name for p in (tmp_path / "all").rglob("*.bin")) == ["one.bin", "two.bin"]
    (tmp_path / "up.txt").write_bytes(b"uploaded")
    st.upload(tmp_path / "up.txt", f"{BASE}/up.txt")
    assert st.get(f"{BASE}/up.txt").read() == b"uploaded"
    st.copy(f"{BASE}/up.txt", f"{BASE}/copy.txt")
    assert st.get(f"{BASE}/copy.txt").read() == b"uploaded"


def test_multipart_is_refused_clearly(st):
    with pytest.raises(ConfigError, match="multipart uploads are not supported by provider TMem; "
                                          "use put/upload, which stream any size"):
        st.initiate_multipart_upload(f"{BASE}/big.bin")
    for call in (lambda: st.upload_part(f"{BASE}/big.bin", "id", 1, b"x"),
                 lambda: st.complete_multipart_upload(f"{BASE}/big.bin", "id", [(1, "e")]),
                 lambda: st.abort_multipart_upload(f"{BASE}/big.bin", "id")):
        with pytest.raises(ConfigError, match="not supported by provider TMem"):
            call()


def test_uris_of_other_providers_are_refused(st):
    with pytest.raises(InvalidURIError, match="is not a tmem URI"):
        st.get("s3://bucket/key")
    with pytest.raises(InvalidURIError):
        st.get("/a/local/path")


def test_unregistered_scheme_is_unknown():
    with pytest.raises(ConfigError, match="unknown storage provider"):
        omefs.storage("tmem://bucket/")
