"""Azure writes and ``info`` as plain HTTP (omefs.providers.azure.blob_http) on Azurite, and the
``az://``/``azure://`` fronts (omefs.providers.azure.front) that use them without adlfs."""

from __future__ import annotations

import base64
import hashlib

import fsspec
import pytest

import omefs
from omefs.errors import HTTPNotFoundError, HTTPStatusError
from omefs.providers.azure.blob_http import BlobHTTP
from omefs.providers.azure.checked_write import is_md5_refusal
from omefs.providers.front import open_front

DATA = bytes(range(256)) * 64
MD5 = hashlib.md5(DATA).digest()
ODD_NAME = "sub dir/ünï cödé 名前.bin"


@pytest.fixture
def az(azure_env):
    fs = fsspec.filesystem("az", skip_instance_cache=True, **azure_env.storage_options())
    fs.mkdir("lean")
    return fs


def keyed(server) -> BlobHTTP:
    from tests.servers.azurite import ACCOUNT_KEY, ACCOUNT_NAME

    return BlobHTTP(server.blob_endpoint, account_name=ACCOUNT_NAME, account_key=ACCOUNT_KEY)


def test_put_blob_stores_the_md5_the_service_checked(azure_env, az):
    lean = keyed(azure_env)
    answer = lean.put_blob("lean", "a/b.bin", memoryview(DATA), MD5)
    assert base64.b64decode(answer["content-md5"]) == MD5
    assert az.cat("lean/a/b.bin") == DATA
    assert bytes(az.info("lean/a/b.bin")["content_settings"]["content_md5"]) == MD5


def test_a_wrong_md5_is_refused_and_nothing_is_stored(azure_env, az):
    with pytest.raises(HTTPStatusError) as info:
        keyed(azure_env).put_blob("lean", "bad.bin", DATA, hashlib.md5(b"other").digest())
    assert info.value.http_status == 400 and is_md5_refusal(info.value)
    assert not az.exists("lean/bad.bin")


def test_missing_blob_and_container_are_not_found_with_the_service_code(azure_env, az):
    lean = keyed(azure_env)
    with pytest.raises(HTTPNotFoundError) as blob:
        lean.properties("lean", "nothing.bin")
    with pytest.raises(FileNotFoundError) as container:
        lean.put_blob("no-such-container", "x.bin", DATA, MD5)
    assert (blob.value.reason, container.value.reason) == ("BlobNotFound", "ContainerNotFound")


def test_a_sas_token_writes_names_that_need_encoding(azure_env, az):
    from tests.servers.azurite import ACCOUNT_NAME

    sas = azure_env.container_sas("lean", write=True)
    lean = BlobHTTP(azure_env.blob_endpoint, account_name=ACCOUNT_NAME, sas_token=sas)
    assert lean.takes(ODD_NAME)
    lean.put_blob("lean", ODD_NAME, DATA, MD5)
    assert az.cat(f"lean/{ODD_NAME}") == DATA
    assert int(lean.properties("lean", ODD_NAME)["content-length"]) == len(DATA)
    assert sas not in repr(lean)


def test_an_account_key_leaves_names_that_need_encoding_to_the_sdk(azure_env):
    lean = keyed(azure_env)
    assert lean.takes("plain/name-1.bin") and not lean.takes(ODD_NAME)


def test_the_fast_path_steps_aside_for_a_proxy_and_encryption(azure_env, monkeypatch):
    fs = omefs.filesystem("az", skip_instance_cache=True, **azure_env.storage_options())
    assert isinstance(BlobHTTP.for_fs(fs), BlobHTTP)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert BlobHTTP.for_fs(omefs.filesystem("az", skip_instance_cache=True,
                                            **azure_env.storage_options())) is None
    monkeypatch.delenv("HTTP_PROXY")
    scoped = omefs.filesystem("az", skip_instance_cache=True, encryption={"mode": "kms", "key_id": "scope1"},
                              **azure_env.storage_options())
    assert BlobHTTP.for_fs(scoped) is None


@pytest.mark.parametrize("scheme", ["az", "azure"])
def test_the_front_answers_info_as_adlfs_does(azure_env, az, scheme):
    az.pipe({"lean/dir/one.bin": DATA, f"lean/{ODD_NAME}": b"odd"})
    opened = open_front(f"{scheme}://lean/", options=azure_env.storage_options())
    assert opened is not None
    front, _ = opened
    full = az.info("lean/dir/one.bin")
    mine = front.info(f"{scheme}://lean/dir/one.bin")
    for field in ("name", "size", "type", "etag", "last_modified"):
        assert mine[field] == full[field], field
    assert bytes(mine["content_settings"]["content_md5"]) == MD5
    assert front.info("lean/dir")["type"] == "directory"
    assert front.info(f"lean/{ODD_NAME}")["size"] == 3  # signed by the SDK
    with pytest.raises(FileNotFoundError):
        front.info("lean/dir/none.bin")
    assert not front.exists("lean/none") and front.exists("lean/dir/one.bin")
    assert front.find("lean/dir") == ["lean/dir/one.bin"]


def test_an_empty_destination_is_listed_without_adlfs(azure_env, az):
    az.pipe({"lean/full/one.bin": DATA})
    front, _ = open_front("az://lean/", options=azure_env.storage_options())
    assert front.find("lean/new-folder") == [] and front.find("lean/new", detail=True) == {}
    assert front._full is None  # nothing asked of adlfs
    found = front.find("lean/full", detail=True)
    assert bytes(found["lean/full/one.bin"]["content_settings"]["content_md5"]) == MD5


def test_blocks_are_staged_with_their_md5_and_committed_with_the_whole_one(azure_env, az):
    from omefs.providers.azure.checked_write import block_id

    lean = keyed(azure_env)
    pieces = [DATA[i:i + 5000] for i in range(0, len(DATA), 5000)]
    ids = [block_id("0" * 32, i) for i in range(len(pieces))]
    for i, piece in zip(ids, pieces, strict=True):
        # a block may go as the pieces it was cut from, sent one after another
        body = [memoryview(piece)[:100], memoryview(piece)[100:]] if len(piece) > 100 else memoryview(piece)
        lean.put_block("lean", "blocks.bin", i, body, hashlib.md5(piece).digest())
    assert not az.exists("lean/blocks.bin")  # staged blocks are invisible
    with pytest.raises(HTTPStatusError) as bad:
        lean.put_block("lean", "blocks.bin", ids[0], pieces[0], hashlib.md5(b"x").digest())
    assert is_md5_refusal(bad.value)
    lean.put_block_list("lean", "blocks.bin", ids, MD5)
    assert az.cat("lean/blocks.bin") == DATA
    assert bytes(az.info("lean/blocks.bin")["content_settings"]["content_md5"]) == MD5
