"""What the OME facade and the CLI ask of Azure Blob Storage.

Multipart uploads are staged blocks committed as a block list, through
adlfs's blob client; ``omefs auth check`` fetches a token to fill the
identity; routes compare every Azure scheme as adlfs's ``az://``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from omefs.providers.facade import FacadeHooks, Part, Uploads, local_upload

__all__ = ["AzureFacade"]


class AzureFacade(FacadeHooks):
    """Azure's staged blocks as multipart uploads; token-filled identities."""

    def initiate_multipart_upload(self, fs: Any, path: str, *, content_type: str | None,
                                  uploads: Uploads) -> str:
        return local_upload(path, content_type, uploads)

    def upload_part(self, fs: Any, path: str, upload_id: str, part_number: int, body: bytes, *,
                    md5: str, uploads: Uploads) -> str:
        block_id = _block_id(upload_id, part_number)
        _blob_call(fs, path, "stage_block", block_id=block_id, data=body, length=len(body))
        return block_id

    def complete_multipart_upload(self, fs: Any, path: str, upload_id: str,
                                  parts: Sequence[Part], *, uploads: Uploads) -> None:
        from azure.storage.blob import BlobBlock, ContentSettings

        state = uploads.pop(upload_id, {})
        content_type = state.get("content_type")
        settings = ContentSettings(content_type=content_type) if content_type else None
        _blob_call(fs, path, "commit_block_list", [BlobBlock(block_id=p.etag) for p in parts],
                   content_settings=settings)

    def abort_multipart_upload(self, fs: Any, path: str, upload_id: str, *,
                               uploads: Uploads) -> None:
        """Discard the upload's staged blocks where Azure allows it.

        Azure has no call that deletes uncommitted blocks. When the blob does
        not exist yet and every uncommitted block is this upload's, committing
        an empty block list discards them and the empty blob is deleted at
        once. Otherwise (the blob exists, or another writer staged blocks for
        it) the blocks are left: they are never visible, never part of the
        blob, and the service discards them seven days after they were staged.
        """
        uploads.pop(upload_id, None)
        _discard_blocks(fs, path, upload_id)

    def describe_identity(self, creds: Any, *, call: bool) -> dict[str, Any]:
        return self.token_identity(creds, call=call)

    def route_scheme(self) -> str:
        """adlfs's ``az://``: ``azure://``, ``abfs://`` and ``abfss://`` URLs route alike."""
        return "az"


def _block_id(upload_id: str, part_number: int) -> str:
    # Block ids of one blob must all have the same length.
    return base64.b64encode(f"{upload_id}-{part_number:05d}".encode()).decode()


def _discard_blocks(fs: Any, path: str, upload_id: str) -> bool:
    """Commit-empty-then-delete when only this upload's blocks exist for a blob not there yet;
    whether the blocks were discarded."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        _blob_call(fs, path, "get_blob_properties")
        return False  # a committed blob: an empty commit would replace it
    except ResourceNotFoundError:
        pass
    try:
        _, uncommitted = _blob_call(fs, path, "get_block_list", "uncommitted")
    except ResourceNotFoundError:
        return True  # nothing staged at all
    if not uncommitted or not all(_decoded(b.id).startswith(f"{upload_id}-") for b in uncommitted):
        return not uncommitted
    _blob_call(fs, path, "commit_block_list", [], if_none_match="*")
    _blob_call(fs, path, "delete_blob")
    return True


def _decoded(block_id: Any) -> str:
    try:
        return base64.b64decode(str(block_id)).decode("utf-8", "replace")
    except ValueError:
        return str(block_id)


def _blob_call(fs: Any, path: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``method`` of the async blob client of ``path`` on the filesystem's loop."""
    from fsspec.asyn import sync

    container, _, blob = path.partition("/")

    async def call() -> Any:
        client = fs.service_client.get_blob_client(container, blob)
        return await getattr(client, method)(*args, **kwargs)

    return sync(fs.loop, call)
