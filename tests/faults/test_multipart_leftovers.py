"""Multipart uploads through the OME facade leave nothing to list or pay for.

GCS (on its emulator): the facade's parts wait under the bucket's hidden
``.omefs-multipart/`` folder — never in a listing or a glob — and are gone
after completion and after an abort. Azure (on Azurite): an abort discards
the staged blocks of a blob that does not exist yet (Get Block List shows
none afterwards) and leaves no blob.
"""

from __future__ import annotations

import omefs
from omefs.storage import CompletedPart
from tests.transfer.conftest import MiB


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


def test_azure_abort_discards_staged_blocks(side):
    s = side("azure")
    st = omefs.storage("azure", **s.options)
    uri = s.uri("mp/aborted.bin")
    upload = st.initiate_multipart_upload(uri)
    st.upload_part(uri, upload, 1, b"z" * MiB)
    st.upload_part(uri, upload, 2, b"y" * 100)
    fs = s.fs
    container, _, blob = s.path("mp/aborted.bin").partition("/")

    def uncommitted() -> list:
        from azure.core.exceptions import ResourceNotFoundError
        from fsspec.asyn import sync

        async def call():
            client = fs.service_client.get_blob_client(container, blob)
            try:
                return (await client.get_block_list("uncommitted"))[1]
            except ResourceNotFoundError:
                return []

        return sync(fs.loop, call)

    assert len(uncommitted()) == 2
    st.abort_multipart_upload(uri, upload)
    assert uncommitted() == []
    assert not st.exists(uri)
    assert s.listing() == []
