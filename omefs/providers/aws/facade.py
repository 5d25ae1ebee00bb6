"""What the OME facade and the CLI ask of S3: multipart uploads through s3fs's ``call_s3``,
the STS identity check, and why a bare ``403`` was refused."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from omefs.providers.facade import FacadeHooks, Part, Uploads, first_line

__all__ = ["S3Facade"]


class S3Facade(FacadeHooks):
    """S3's native multipart uploads and STS ``GetCallerIdentity``."""

    # -- multipart ---------------------------------------------------------------------
    def initiate_multipart_upload(self, fs: Any, path: str, *, content_type: str | None,
                                  uploads: Uploads) -> str:
        bucket, key, _ = fs.split_path(path)
        extra = {"ContentType": content_type} if content_type else {}
        reply = fs.call_s3("create_multipart_upload", Bucket=bucket, Key=key, **extra)
        return str(reply["UploadId"])

    def upload_part(self, fs: Any, path: str, upload_id: str, part_number: int, body: bytes, *,
                    md5: str, uploads: Uploads) -> str:
        bucket, key, _ = fs.split_path(path)
        out = fs.call_s3("upload_part", Bucket=bucket, Key=key, UploadId=upload_id,
                         PartNumber=part_number, Body=body, ContentMD5=md5)
        return str(out["ETag"]).strip('"')

    def complete_multipart_upload(self, fs: Any, path: str, upload_id: str,
                                  parts: Sequence[Part], *, uploads: Uploads) -> None:
        bucket, key, _ = fs.split_path(path)
        fs.call_s3("complete_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id,
                   MultipartUpload={"Parts": [{"PartNumber": p.part_number, "ETag": f'"{p.etag}"'}
                                              for p in parts]})

    def abort_multipart_upload(self, fs: Any, path: str, upload_id: str, *,
                               uploads: Uploads) -> None:
        bucket, key, _ = fs.split_path(path)
        fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id)

    # -- omefs auth check -----------------------------------------------------------------
    def describe_identity(self, creds: Any, *, call: bool) -> dict[str, Any]:
        """The credentials' identity plus, where STS is reachable, who AWS thinks they are."""
        info = dict(creds.identity())
        if call and creds.sdk is not None and _sts_reachable(creds):
            try:
                info.update({k: v for k, v in creds.caller_identity(timeout=5).items() if v})
            except Exception as exc:  # noqa: BLE001 - informative; the check decides
                info["caller_identity_error"] = f"{type(exc).__name__}: {first_line(exc)}"
        return info

    def check_credentials(self, creds: Any, report: dict[str, Any]) -> None:
        if creds.sdk is None:
            super().check_credentials(creds, report)
            return
        if not _sts_reachable(creds):  # a custom endpoint (an emulator, a private store): ask it
            from botocore.config import Config

            report["operation"] = f"s3:ListBuckets at {creds.storage_options()['endpoint_url']}"
            creds.client("s3", config=Config(connect_timeout=5, read_timeout=10,
                                             retries={"total_max_attempts": 1})).list_buckets()
            return
        report["operation"] = "sts:GetCallerIdentity"
        creds.caller_identity(timeout=10)

    def explain_refusal(self, fs: Any, path: str) -> BaseException | None:
        """S3 answers a refused HEAD with a bare 403; a one-key listing says why (bad key or denied)."""
        call = getattr(fs, "call_s3", None)
        if call is None:
            return None
        bucket, _, key = path.partition("/")
        try:
            call("list_objects_v2", Bucket=bucket, Prefix=key, MaxKeys=1)
        except Exception as exc:  # noqa: BLE001 - translated below
            from omefs.providers.error_mapping import translate

            mapped = translate(exc, "list", f"{self.provider.schemes[0]}://{path}", self.provider.name)
            return mapped if mapped is not exc else None
        return None


def _sts_reachable(creds: Any) -> bool:
    """Ask STS only where it is: a configured STS endpoint, or real AWS (no custom S3 endpoint)."""
    if getattr(creds, "sts_endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL_STS") \
            or os.environ.get("AWS_ENDPOINT_URL"):
        return True
    return not creds.storage_options().get("endpoint_url")
