"""What the OME facade asks of OCI Object Storage: multipart uploads through the OCI SDK client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omefs.providers.facade import FacadeHooks, Part, Uploads

__all__ = ["OCIFacade"]


class OCIFacade(FacadeHooks):
    """OCI's native multipart uploads, on the filesystem's SDK client."""

    def initiate_multipart_upload(self, fs: Any, path: str, *, content_type: str | None,
                                  uploads: Uploads) -> str:
        from oci.object_storage.models import CreateMultipartUploadDetails

        bucket, namespace, key = fs.split_path(path)
        details = CreateMultipartUploadDetails(object=key, content_type=content_type)
        return str(fs.oci_client.create_multipart_upload(namespace, bucket, details).data.upload_id)

    def upload_part(self, fs: Any, path: str, upload_id: str, part_number: int, body: bytes, *,
                    md5: str, uploads: Uploads) -> str:
        bucket, namespace, key = fs.split_path(path)
        out = fs.oci_client.upload_part(namespace, bucket, key, upload_id, part_number, body,
                                        content_md5=md5)
        return str(out.headers.get("etag")).strip('"')

    def complete_multipart_upload(self, fs: Any, path: str, upload_id: str,
                                  parts: Sequence[Part], *, uploads: Uploads) -> None:
        from oci.object_storage.models import (
            CommitMultipartUploadDetails,
            CommitMultipartUploadPartDetails,
        )

        bucket, namespace, key = fs.split_path(path)
        details = CommitMultipartUploadDetails(parts_to_commit=[
            CommitMultipartUploadPartDetails(part_num=p.part_number, etag=p.etag) for p in parts])
        fs.oci_client.commit_multipart_upload(namespace, bucket, key, upload_id, details)

    def abort_multipart_upload(self, fs: Any, path: str, upload_id: str, *,
                               uploads: Uploads) -> None:
        bucket, namespace, key = fs.split_path(path)
        fs.oci_client.abort_multipart_upload(namespace, bucket, key, upload_id)
