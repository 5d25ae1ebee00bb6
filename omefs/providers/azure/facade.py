"""What the OME facade and the CLI ask of Azure Blob Storage.

Multipart uploads are staged blocks committed as a block list, through
adlfs's blob client; ``omefs auth check`` fetches a token to fill the
identity; routes compare every Azure scheme as adlfs's ``az://``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omefs.providers.azure.checked_write import block_id
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
        """Forget the upload; its staged blocks stay uncommitted, and so invisible.

        Azure has no call that deletes uncommitted blocks: only a commit
        (Put Block List) or a Put Blob replaces them, and either makes a blob
        visible, if only for a moment. An abort must show nothing, so it
        commits nothing: the blocks are never listed, never part of a blob,
        and the service discards them seven days after they were staged (or
        at the next commit of that blob name). Their ids have the length of
        every omefs block id (:data:`BLOCK_ID_CHARS`), so a later omefs upload
        of the same name is not refused for mixing block id lengths.
        """
        uploads.pop(upload_id, None)

    def describe_identity(self, creds: Any, *, call: bool) -> dict[str, Any]:
        return self.token_identity(creds, call=call)

    def route_scheme(self) -> str:
        """adlfs's ``az://``: ``azure://``, ``abfs://`` and ``abfss://`` URLs route alike."""
        return "az"


def _block_id(upload_id: str, part_number: int) -> str:
    # Every block id of one blob must have the same length (Azure refuses a
    # Put Block otherwise): the same shape as the engine's block writer's.
    return block_id(upload_id, part_number)


def _blob_call(fs: Any, path: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``method`` of the async blob client of ``path`` on the filesystem's loop."""
    from fsspec.asyn import sync

    container, _, blob = path.partition("/")

    async def call() -> Any:
        client = fs.service_client.get_blob_client(container, blob)
        return await getattr(client, method)(*args, **kwargs)

    return sync(fs.loop, call)
