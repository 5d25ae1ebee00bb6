"""What the copy engine asks of GCS: MD5/CRC32C digests, part layouts, checked single uploads.

* ``info()`` carries ``md5Hash`` (absent for composed objects) and
  ``crc32c``, both base64.
* gcsfs writes a large object as a resumable upload in 256 KiB-aligned
  pieces; obstore uses the XML multipart API, whose ETag layout is S3's.
* A single gcsfs upload is checked by gcsfs itself (``consistency="md5"``:
  the upload's answer holds the object's MD5), so no metadata GET follows.
* A composed (multipart) object has only a CRC32C, which gcsfs's ``info``
  shows and obstore's ``head`` does not.
* Reads that obstore does not serve (an emulator, a private endpoint) go
  through the JSON API over plain HTTP where nothing needs gcsfs
  (:mod:`omefs.providers.gcp.reads`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omefs.providers.hooks import TransferHooks, etag_layout_part

if TYPE_CHECKING:
    from omefs.transfer.endpoints import Endpoint
    from omefs.transfer.streams import Runtime, WriteResult
    from omefs.transfer.verify import Fingerprint

__all__ = ["GCSTransferHooks"]

MiB = 1 << 20


def _norm(url: Any) -> str | None:
    return str(url).rstrip("/").lower() if url else None


def gcs_identity(fs: Any) -> tuple[Any, ...]:
    """The endpoint and the identity a GCS filesystem signs with."""
    holder = getattr(fs, "credentials", None)
    creds = getattr(holder, "credentials", None)
    config = getattr(fs, "auth_config", None)
    who = (config.fingerprint() if config is not None else None) or (
        id(creds) if creds is not None else getattr(holder, "method", None))
    return _norm(getattr(fs, "_location", None)), who


class GCSTransferHooks(TransferHooks):
    """Google Cloud Storage through gcsfs (and obstore on the public endpoint)."""

    def fingerprint(self, info: dict[str, Any] | None) -> Fingerprint:
        from omefs.transfer.verify import b64_to_hex, base_fingerprint, crc_from_b64

        fp = base_fingerprint(info)
        if not info:
            return fp
        return fp.with_(md5=b64_to_hex(info.get("md5Hash")), crc32c=crc_from_b64(info.get("crc32c")))

    def etag_fingerprint(self, etag: str) -> Fingerprint | None:
        from omefs.transfer.verify import Fingerprint, etag_digest

        md5, multi = etag_digest(etag)
        return Fingerprint(md5=md5, multipart_etag=multi)

    def reported_digests(self, *, multipart: bool, obstore: bool) -> set[str]:
        if obstore:
            return {"crc32c"} if multipart else {"md5"}
        return {"md5", "crc32c"}

    def read_written(self, ep: Endpoint, path: str, *, method: str) -> bool:
        return method == "multipart"

    def part_size(self, size: int, part: int, source_part: int | None, *, obstore: bool) -> int:
        caps = self.provider.capabilities
        if obstore:  # the XML multipart API: S3's layout
            return etag_layout_part(size, part, source_part, min_part=caps.min_part_size or 1,
                                    max_part=caps.max_part_size or 5 * 1024 * MiB,
                                    max_parts=caps.max_parts or 10_000)
        return super().part_size(size, part, source_part, obstore=obstore)

    def build_store(self, fs: Any, bucket: str, *, retries: int) -> Any:
        from omefs.providers.gcp.store import build_gcs_store

        return build_gcs_store(fs, bucket, retries)

    def endpoint_urls(self, fs: Any) -> list[str]:
        location = getattr(fs, "_location", None)
        return super().endpoint_urls(fs) + ([location] if isinstance(location, str) else [])

    def same_account(self, a: Any, b: Any) -> bool:
        return a is b or gcs_identity(a) == gcs_identity(b)

    def _lean(self, ep: Endpoint, path: str) -> Any:
        """The JSON API that reads ``path`` without gcsfs (:mod:`.reads`), or None."""
        if ep.names_version(path):
            return None
        from omefs.providers.gcp.reads import lean_api

        return lean_api(ep.fs)

    async def read_whole(self, rt: Runtime, ep: Endpoint, path: str) -> Any:
        api = self._lean(ep, path)
        if api is None:
            return await super().read_whole(rt, ep, path)
        from omefs.providers.gcp.reads import download

        bucket, key = ep.split(path)
        return await rt.run(download, api, bucket, key)

    async def read_range(self, rt: Runtime, ep: Endpoint, path: str, start: int, end: int) -> Any:
        api = self._lean(ep, path)
        if api is None:
            return await super().read_range(rt, ep, path, start, end)
        from omefs.providers.gcp.reads import download

        bucket, key = ep.split(path)
        return await rt.run(download, api, bucket, key, start, end)

    async def write_whole(self, rt: Runtime, ep: Endpoint, path: str, data: Any,
                          **options: Any) -> WriteResult:
        from omefs.providers.error_mapping import exception_chain
        from omefs.transfer.streams import WriteResult
        from omefs.transfer.verify import IntegrityError

        payload = data if isinstance(data, bytes) else bytes(data)
        try:
            await rt.run(ep.fs.pipe_file, path, payload, consistency="md5", **options)
        except Exception as exc:
            if any(type(e).__name__ == "ChecksumError" for e in exception_chain(exc)):
                raise IntegrityError(f"the upload's MD5 differs from the bytes sent: {exc}") from exc
            raise
        return WriteResult(acknowledged=len(payload), checked="md5")
