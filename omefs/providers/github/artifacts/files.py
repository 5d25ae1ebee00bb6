"""The file objects of artifact reads: an artifact's zip, and one member of it.

* :class:`ZipReadFile` is the zip itself (``open("…/artifacts/NAME")``):
  fsspec's block cache over ranged reads of the signed URL.
* :class:`MemberFile` is one file inside the zip, a seekable raw stream
  (wrapped in :class:`io.BufferedReader` by :func:`open_member`). Reading
  it in order decompresses as it goes and checks the member's CRC-32 at
  the end; a stored member seeks by ranged reads, a compressed one by
  decompressing again from the start (backwards) or skipping (forwards).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from fsspec.spec import AbstractBufferedFile

from omefs.providers.github.artifacts.remote import RemoteZip
from omefs.providers.github.artifacts.zipindex import Member, ZipIndex

__all__ = ["MemberFile", "ZipReadFile", "open_member"]


class ZipReadFile(AbstractBufferedFile):  # type: ignore[misc]
    """An artifact's zip opened for reading: ranged requests, fsspec's block cache."""

    def __init__(self, fs: Any, path: str, remote: RemoteZip, details: dict[str, Any], *,
                 block_size: int | None = None, cache_type: str = "readahead",
                 cache_options: dict[str, Any] | None = None) -> None:
        self.remote = remote
        super().__init__(fs, path, mode="rb", block_size=block_size or 1 << 20,
                         cache_type=cache_type, cache_options=cache_options, size=remote.size)
        self.details = details

    def _fetch_range(self, start: int, end: int) -> bytes:
        return self.remote.read(start, end)


class MemberFile(io.RawIOBase):
    """One member of an artifact's zip, read-only and seekable."""

    def __init__(self, index: ZipIndex, member: Member, name: str, piece: int | None = None) -> None:
        super().__init__()
        self.piece = piece
        self.index = index
        self.member = member
        self.name = name
        self.size = member.size
        self.pos = 0
        self._it: Iterator[bytes] | None = None
        self._buf = b""
        self._buf_pos = 0  # offset in the member of self._buf[0]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def _restart(self) -> None:
        at = self.pos if self.member.random_access else 0
        self._it = self.index.stream(self.member, at, self.piece)
        self._buf, self._buf_pos = b"", at

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self.pos >= self.size or not len(view):
            if self._it is not None:  # run the stream to its end: that checks the CRC-32
                for _ in self._it:
                    pass
                self._it = None
            return 0
        end = self._buf_pos + len(self._buf)
        if self._it is None or self.pos < self._buf_pos or (
                self.member.random_access and self.pos > end):
            self._restart()
        while self.pos >= self._buf_pos + len(self._buf):
            assert self._it is not None
            self._buf_pos += len(self._buf)
            self._buf = next(self._it, b"")
            if not self._buf:
                self._it = None
                return 0
        off = self.pos - self._buf_pos
        n = min(len(view), len(self._buf) - off)
        view[:n] = self._buf[off:off + n]
        self.pos += n
        return n


def open_member(index: ZipIndex, member: Member, name: str, block_size: int | None = None) -> io.BufferedReader:
    """A buffered, seekable reader of one member."""
    size = max(8192, min(block_size or (1 << 20), 8 << 20))
    return io.BufferedReader(MemberFile(index, member, name, size if block_size else None),
                             buffer_size=size)
