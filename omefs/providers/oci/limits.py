"""OCI Object Storage helpers behind omefs's ``oci://`` filesystem.

Small modules, one job each, all driven through the OCI SDK's
``ObjectStorageClient`` (the SDK signs every request):

* :mod:`omefs.providers.oci.paths` — every OCI URL form → ocifs's ``BUCKET@NS/PATH``;
* :mod:`omefs.providers.oci.retry` — exponential backoff with jitter, ``Retry-After``,
  one re-sign with a refreshed token on 401;
* :mod:`omefs.providers.oci.checksum` — the MD5 forms OCI uses (``Content-MD5``,
  ``opc-multipart-md5``, OME's ``opc-meta-md5``);
* :mod:`omefs.providers.oci.multipart` — parallel multipart upload, aborted on failure;
* :mod:`omefs.providers.oci.download` — parallel ranged download, MD5-verified;
* :mod:`omefs.providers.oci.copy` — server-side ``copyObject`` polled through its work request.

Importing this package needs the ``oci`` extra only in the modules that
talk to the service; :mod:`omefs.providers.oci.paths` and :mod:`omefs.providers.oci.checksum`
need nothing beyond omefs itself.
"""

MiB = 1024 * 1024
GiB = 1024 * MiB

#: Default multipart part size: big enough that a 10 GB model shard is a
#: few hundred parts, small enough that ``max_concurrency`` parts in memory
#: stay well under a gigabyte.
DEFAULT_PART_SIZE = 64 * MiB
#: Default number of parts (upload) or ranges (download) in flight at once.
DEFAULT_CONCURRENCY = 8
#: OCI's limits on multipart uploads.
MAX_PARTS = 10_000
MAX_PART_SIZE = 50 * GiB
#: omefs's floor for the part size (OCI itself sets none but each part is a request).
MIN_PART_SIZE = 1 * MiB

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_PART_SIZE",
    "GiB",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MIN_PART_SIZE",
    "MiB",
]
