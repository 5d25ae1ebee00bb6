"""The file objects of ``GitHubReleasesFileSystem.open``.

* :class:`AssetReadFile` (``rb``) reads through fsspec's block cache with
  one HTTP Range request per block, so seeking is cheap and memory stays
  near a block or two whatever the asset's size.
* :class:`AssetWriteFile` (``wb``, ``xb``) spools what is written to a
  temporary file (in memory up to a few MiB, then on disk) and uploads it
  when the file is closed — GitHub takes an asset in one request with a
  known ``Content-Length``, and has no multipart upload. A write past
  GitHub's 2 GiB limit fails at once, before any byte is sent; a ``with``
  block that ends in an exception uploads nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from fsspec.spec import AbstractBufferedFile

from omefs.errors import AssetTooLargeError

if TYPE_CHECKING:
    from omefs.providers.github.fs import GitHubReleasesFileSystem

__all__ = ["AssetReadFile", "AssetWriteFile", "SPOOL_MEMORY"]

#: Bytes a file being written keeps in memory before spilling to disk.
SPOOL_MEMORY = 4 << 20


class AssetReadFile(AbstractBufferedFile):  # type: ignore[misc]
    """A release asset opened for reading: ranged requests, fsspec's block cache."""

    def __init__(
        self,
        fs: GitHubReleasesFileSystem,
        path: str,
        asset: dict[str, Any],
        *,
        block_size: int | None = None,
        cache_type: str = "readahead",
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.asset = asset
        super().__init__(
            fs, path, mode="rb", block_size=block_size, cache_type=cache_type,
            cache_options=cache_options, size=int(asset["size"]), **kwargs,
        )
        self.details = asset

    def _fetch_range(self, start: int, end: int) -> bytes:
        data: bytes = self.fs.client.read_range(self.asset, start, end, uri=f"github://{self.path}")
        return data


class AssetWriteFile(AbstractBufferedFile):  # type: ignore[misc]
    """A release asset opened for writing: spooled, uploaded in one request on close.

    ``content_type``, ``label`` and ``create_release`` are passed to
    :meth:`GitHubReleasesFileSystem.upload`. With ``autocommit=False``
    (inside ``fs.transaction``) the upload waits for :meth:`commit`.
    """

    def __init__(
        self,
        fs: GitHubReleasesFileSystem,
        path: str,
        mode: str = "wb",
        *,
        block_size: int | None = None,
        autocommit: bool = True,
        content_type: str | None = None,
        label: str | None = None,
        create_release: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fs, path, mode=mode, block_size=block_size, autocommit=autocommit, **kwargs)
        self._spool: Any = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
        self._content_type = content_type
        self._label = label
        self._create_release = create_release
        self._overwrite = mode != "xb"
        self._limit = int(fs.max_asset_size)
        self.result: dict[str, Any] | None = None

    def write(self, data: Any) -> int:
        """Buffer ``data``; :class:`AssetTooLargeError` at once if the asset would pass GitHub's limit."""
        n = memoryview(data).nbytes
        if self.loc + n > self._limit:
            self.discard()
            self.closed = True
            raise AssetTooLargeError(
                f"write: the asset would be larger than GitHub's limit of {self._limit} bytes "
                f"(release assets must be under 2 GiB); nothing was uploaded",
                operation="write", uri=f"github://{self.path}", provider="github",
            )
        return int(super().write(data))

    def _upload_chunk(self, final: bool = False) -> bool:
        self.buffer.seek(0)
        shutil.copyfileobj(self.buffer, self._spool, 1 << 20)
        if final and self.autocommit:
            self.commit()
        return True

    def commit(self) -> None:
        """Upload what was written (called on close, or by a transaction)."""
        if self._spool is None:
            return
        spool, self._spool = self._spool, None
        try:
            size = spool.tell()
            spool.seek(0)
            self.result = self.fs.upload(
                self.path, spool, size, content_type=self._content_type, label=self._label,
                create_release=self._create_release, overwrite=self._overwrite,
            )
        finally:
            spool.close()

    def discard(self) -> None:
        """Drop what was written; nothing is uploaded."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and not self.closed:
            self.discard()
            self.closed = True
            return
        self.close()
