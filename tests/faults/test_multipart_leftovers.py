"""Multipart uploads through the OME facade leave nothing to list or pay for.

GCS (on its emulator): the facade's parts wait under the bucket's hidden
``.omefs-multipart/`` folder — never in a listing or a glob — and are gone
after completion and after an abort. Azure (on Azurite): staged blocks are in no listing, and
an abort commits nothing, so no blob is ever visible; the blocks stay
uncommitted until the service discards them (seven days).
"""

from __future__ import annotations

import omefs
from omefs.storage import CompletedPart
from tests.transfer.conftest import MiB, blob


def _gcs(side):
    s = side("gcs")
    return omefs.storage("gcs", **s.options), s


def test_gcs_parts_are_hidden_and_removed(side):
    st, s = _gcs(side)
    uri = s.uri("mp/object.bin")
    upload = st.initiate_multipart_upload(uri)
    etags = {n: st.upload_part(uri, upload, n, bytes([n]) * (MiB + n)) for n in (1, 2)}
    fs = s.fs
    bucket = s.path()
    # Waiting parts: in the bucket, but in no listing or glob.
    assert fs.find(f"{bucket}/.omefs-multipart")  # they are there
    fs.invalidate_cache()
    assert fs.ls(bucket) == []
    assert fs.find(bucket) == []
    assert fs.glob(f"{bucket}/**") == []
    assert [o.name for o in st.list(s.uri() + "/")] == []

    st.complete_multipart_upload(uri, upload, [CompletedPart(n, e) for n, e in etags.items()])
    fs.invalidate_cache()
    assert fs.find(bucket) == [s.path("mp/object.bin")]
    assert fs.find(f"{bucket}/.omefs-multipart") == []

    aborted = s.uri("mp/aborted.bin")
    upload = st.initiate_multipart_upload(aborted)
    st.upload_part(aborted, upload, 1, b"z" * MiB)
    st.abort_multipart_upload(aborted, upload)
    fs.invalidate_cache()
    assert fs.find(f"{bucket}/.omefs-multipart") == []
    assert not st.exists(aborted)


def _uncommitted(fs, path: str) -> list:
    """The ids of the blocks staged for ``path`` and not committed (Get Block List)."""
    from azure.core.exceptions import ResourceNotFoundError
    from fsspec.asyn import sync

    container, _, blob = path.partition("/")

    async def call():
        client = fs.service_client.get_blob_client(container, blob)
        try:
            return [b.id for b in (await client.get_block_list("uncommitted"))[1]]
        except ResourceNotFoundError:
            return []

    return sync(fs.loop, call)


def test_azure_aborted_upload_is_never_visible(store):
    """Azurite behind a recording proxy: staged blocks are in no listing, and the abort
    sends nothing (no empty commit that would show a 0-byte blob, however briefly)."""
    dst = store("azure")
    st = omefs.storage("azure", **dst.options)
    uri = dst.uri("mp/aborted.bin")
    upload = st.initiate_multipart_upload(uri)
    st.upload_part(uri, upload, 1, b"z" * MiB)
    st.upload_part(uri, upload, 2, b"y" * 100)
    path = dst.path("mp/aborted.bin")
    # During the upload: two staged blocks, no blob.
    assert len(_uncommitted(dst.fs(), path)) == 2
    assert dst.names() == []
    assert not st.exists(uri)

    sent = len(dst.proxy.requests)
    st.abort_multipart_upload(uri, upload)
    assert dst.proxy.requests[sent:] == []  # no Put Block List, no Delete Blob
    assert dst.names() == []
    assert not st.exists(uri)
    # What Azure cannot remove stays invisible: uncommitted blocks, expired by the service.
    assert len(_uncommitted(dst.fs(), path)) == 2


def test_azure_upload_after_an_abort_commits_only_its_own_blocks(store, side):
    """The blocks an abort left behind have the length of every omefs block id, so a new
    upload of the same name (facade or copy engine) stages and commits beside them."""
    dst = store("azure")
    st = omefs.storage("azure", **dst.options)
    uri = dst.uri("mp/again.bin")
    upload = st.initiate_multipart_upload(uri)
    st.upload_part(uri, upload, 1, b"z" * 100)
    st.abort_multipart_upload(uri, upload)

    src = side("file")
    data = blob(6 * MiB, 5)
    src.put("again.bin", data)
    omefs.copy(src.uri("again.bin"), uri, dst_options=dst.direct, part_size="5MiB")
    assert dst.read("mp/again.bin") == data
    assert _uncommitted(dst.fs(), dst.path("mp/again.bin")) == []  # the commit dropped them
