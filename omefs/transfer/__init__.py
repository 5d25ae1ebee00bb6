"""Transfers: the cross-filesystem copy/sync engine and bulk download/upload.

* :func:`copy` / :func:`sync` — between any two fsspec filesystems, with
  bounded memory, native multipart, server-side copies within one
  account, verification, retries, resume (``skip_existing``) and progress;
* :func:`bulk_download` / :func:`bulk_upload` — to and from local disk
  with OME's download options;
* :class:`TransferReport` / :class:`TransferItem` — every object's result.

The data plane for S3, GCS and Azure is obstore; every other filesystem
moves through fsspec. See ``docs/transfer.md``.
"""

from omefs.transfer.api import copy, sync
from omefs.transfer.bulk import bulk_download, bulk_upload
from omefs.transfer.report import TransferItem, TransferReport

__all__ = ["copy", "sync", "bulk_download", "bulk_upload", "TransferItem", "TransferReport"]
