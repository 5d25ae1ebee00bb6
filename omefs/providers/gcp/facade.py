"""What the OME facade and the CLI ask of Google Cloud Storage.

GCS has no S3-style multipart API: parts are uploaded as temporary objects
and composed into the object on completion (in rounds of 32, GCS's compose
limit); ``omefs auth check`` fetches a token to fill the identity. The
parts wait under the bucket's ``.omefs-multipart/`` folder, which omefs's
GCS listings and globs skip, and are removed on completion and on abort.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omefs.providers.facade import FacadeHooks, Part, Uploads, local_upload

__all__ = ["GCSFacade"]

#: How many sources one compose request takes.
COMPOSE_LIMIT = 32


class GCSFacade(FacadeHooks):
    """Multipart uploads as parts composed on completion; token-filled identities."""

    def initiate_multipart_upload(self, fs: Any, path: str, *, content_type: str | None,
                                  uploads: Uploads) -> str:
        return local_upload(path, content_type, uploads)

    def upload_part(self, fs: Any, path: str, upload_id: str, part_number: int, body: bytes, *,
                    md5: str, uploads: Uploads) -> str:
        fs.pipe_file(_part_path(path, upload_id, part_number), body)
        return md5

    def complete_multipart_upload(self, fs: Any, path: str, upload_id: str,
                                  parts: Sequence[Part], *, uploads: Uploads) -> None:
        uploads.pop(upload_id, None)
        sources = [_part_path(path, upload_id, p.part_number) for p in parts]
        _compose(fs, path, sources)
        fs.rm(sources)

    def abort_multipart_upload(self, fs: Any, path: str, upload_id: str, *,
                               uploads: Uploads) -> None:
        uploads.pop(upload_id, None)
        prefix = _part_path(path, upload_id, 1).rsplit("/", 1)[0]
        try:
            leftovers = fs.find(prefix)
        except FileNotFoundError:
            leftovers = []
        if leftovers:
            fs.rm(leftovers)

    def describe_identity(self, creds: Any, *, call: bool) -> dict[str, Any]:
        return self.token_identity(creds, call=call)


def _part_path(path: str, upload_id: str, part_number: int) -> str:
    """Where part ``part_number`` of an upload waits: a hidden folder of the bucket."""
    from omefs.providers.gcp.fs import HIDDEN_FOLDER

    bucket = path.partition("/")[0]
    return f"{bucket}/{HIDDEN_FOLDER}/{upload_id}/{part_number:05d}"


def _compose(fs: Any, path: str, sources: list[str]) -> None:
    """Compose ``sources`` into ``path``; more than 32 parts compose in rounds."""
    rounds = 0
    temps: list[str] = []
    try:
        while len(sources) > COMPOSE_LIMIT:
            rounds += 1
            merged = []
            for i in range(0, len(sources), COMPOSE_LIMIT):
                target = f"{sources[0].rsplit('/', 1)[0]}/round{rounds}-{i // COMPOSE_LIMIT:05d}"
                fs.merge(target, sources[i:i + COMPOSE_LIMIT])
                merged.append(target)
                temps.append(target)
            sources = merged
        fs.merge(path, sources)
    finally:
        if temps:
            fs.rm(temps)
