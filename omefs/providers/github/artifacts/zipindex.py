"""An artifact's zip read in place: the central directory, and each member's bytes by ranges.

The central directory sits at the end of a zip; :class:`ZipIndex` reads it
through :mod:`zipfile` over :class:`RangedReader` (a seekable file whose
reads are ranged requests, with one cached block), so listing a 50 MiB zip
moves a few KiB. A member's bytes are then one ranged read of its local
header and ranged reads of its data: stored members are read as they are,
deflated ones through :mod:`zlib` — either way the CRC-32 the zip records
for the member is checked when the whole member has been read
(:class:`~omefs.errors.ChecksumMismatchError` on a mismatch). Other
compression methods are read through :mod:`zipfile` itself, which checks
the CRC the same way.

A byte range of a deflated member needs everything before it decompressed;
so that the copy engine's ranged reads of a large member stay linear, the
index keeps a few resume points per member (the decompressor's state, the
input consumed and the CRC so far) and starts each range from the nearest.
"""

from __future__ import annotations

import io
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from omefs.errors import ChecksumMismatchError, ConfigError, OmefsError
from omefs.providers.github.artifacts.remote import RemoteZip
from omefs.redact import get_logger

__all__ = ["Member", "RangedReader", "ZipIndex", "safe_name"]

log = get_logger(__name__)

_BLOCK = 64 << 10
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_PIECE = 1 << 20
_POINTS_KEPT = 8
_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate",
                zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}


def safe_name(name: str) -> bool:
    """Whether a member name is a plain relative path (no ``..``, ``.`` or empty segment, no
    leading ``/`` or ``\\``): others could land outside the destination of a copy."""
    parts = name.rstrip("/").split("/")
    return not name.startswith(("/", "\\")) and all(p not in ("", ".", "..") for p in parts)


class RangedReader(io.RawIOBase):
    """A read-only, seekable view of a :class:`RemoteZip`; one block of ``block`` bytes is cached."""

    def __init__(self, remote: RemoteZip, block: int = _BLOCK) -> None:
        super().__init__()
        self.remote = remote
        self.block = block
        self.pos = 0
        self._cache = (0, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.remote.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self.remote.size - self.pos)
        if want <= 0:
            return 0
        start, data = self._cache
        if not (start <= self.pos and self.pos + want <= start + len(data)):
            # Fetch at least a block; near the end, the block ending at the end
            # (a zip is read from its end backwards).
            size = max(want, self.block)
            begin = self.pos if self.pos + size <= self.remote.size else max(0, self.remote.size - size)
            data = self.remote.read(begin, min(self.remote.size, begin + size))
            start = begin
            self._cache = (start, data)
        off = self.pos - start
        view[:want] = data[off:off + want]
        self.pos += want
        return want


@dataclass
class _Point:
    """A deflated member's decompression, stopped at output byte ``pos`` and input byte ``cpos``."""

    pos: int
    cpos: int
    inflate: Any
    crc: int


@dataclass
class Member:
    """One file of the zip: its central-directory record, where its data starts, resume points."""

    info: zipfile.ZipInfo
    data_start: int | None = None
    points: list[_Point] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.info.filename

    @property
    def size(self) -> int:
        return int(self.info.file_size)

    @property
    def crc32(self) -> int:
        return int(self.info.CRC)

    @property
    def compression(self) -> str:
        return _COMPRESSION.get(self.info.compress_type, str(self.info.compress_type))

    @property
    def random_access(self) -> bool:
        """Whether any byte range can be read directly (stored, not compressed)."""
        return self.info.compress_type == zipfile.ZIP_STORED


class ZipIndex:
    """The members of one artifact's zip, from its central directory."""

    def __init__(self, remote: RemoteZip) -> None:
        self.remote = remote
        try:
            with zipfile.ZipFile(RangedReader(remote)) as zf:
                infos = zf.infolist()
        except zipfile.BadZipFile as exc:
            raise OmefsError(f"read artifact: not a readable zip file ({exc})",
                             operation="read artifact", uri=remote.uri, provider="github") from None
        self._lock = threading.Lock()
        unsafe = [i.filename for i in infos if not safe_name(i.filename)]
        if unsafe:
            log.warning("%s: leaving out %d member(s) whose names are not plain relative paths: %s",
                        remote.uri, len(unsafe), ", ".join(repr(n) for n in unsafe[:5]))
        infos = [i for i in infos if safe_name(i.filename)]
        self.members = {i.filename: Member(i) for i in infos if not i.is_dir()}
        dirs = {i.filename.rstrip("/") for i in infos if i.is_dir()}
        for name in self.members:
            parts = name.split("/")[:-1]
            dirs.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
        self.dirs = dirs

    def children(self, folder: str) -> tuple[list[Member], list[str]]:
        """The files and sub-folders right inside ``folder`` (``""``: the zip's root)."""
        prefix = f"{folder}/" if folder else ""
        files = [m for n, m in self.members.items() if n.startswith(prefix) and "/" not in n[len(prefix):]]
        subdirs = sorted(d for d in self.dirs if d.startswith(prefix) and d and "/" not in d[len(prefix):])
        return sorted(files, key=lambda m: m.name), subdirs

    # -- member bytes -----------------------------------------------------------------
    def _data_start(self, m: Member) -> int:
        if m.data_start is None:
            if m.info.flag_bits & 0x1:
                raise ConfigError(f"read artifact: member {m.name!r} is encrypted; omefs reads "
                                  "unencrypted zips only", operation="read artifact",
                                  uri=self.remote.uri, provider="github")
            off = int(m.info.header_offset)
            head = self.remote.read(off, off + _LOCAL_HEADER.size)
            fields = _LOCAL_HEADER.unpack(head) if len(head) == _LOCAL_HEADER.size else None
            if fields is None or fields[0] != b"PK\x03\x04":
                raise OmefsError(f"read artifact: bad local header for member {m.name!r}",
                                 operation="read artifact", uri=self.remote.uri, provider="github")
            m.data_start = off + _LOCAL_HEADER.size + fields[9] + fields[10]
        return m.data_start

    def stream(self, m: Member, offset: int = 0, piece: int | None = None) -> Iterator[bytes]:
        """The member's bytes from ``offset`` (stored members) or from 0 (others), read in
        ranged requests of ``piece`` bytes (default 8 MiB stored, 1 MiB compressed).

        A stream that starts at 0 checks the member's size and CRC-32 when it ends.
        """
        if m.size == 0:
            return
        if m.info.compress_type == zipfile.ZIP_DEFLATED:
            for _, out in self._inflate(m, _Point(0, 0, zlib.decompressobj(-15), 0), piece):
                yield out
            return
        if m.info.compress_type != zipfile.ZIP_STORED:
            yield from self._through_zipfile(m)
            return
        start = self._data_start(m)
        crc, total = 0, 0
        for out in self.remote.iter_range(start + offset, start + int(m.info.compress_size),
                                          piece or 8 * _PIECE):
            crc, total = zlib.crc32(out, crc), total + len(out)
            yield out
        if offset == 0:
            self.check(m, total, crc)

    def _inflate(self, m: Member, point: _Point, piece: int | None) -> Iterator[tuple[_Point, bytes]]:
        """Decompressed pieces from ``point``, each with the point it started at; the CRC-32
        (carried from byte 0 by every point) is checked at the end."""
        start = self._data_start(m)
        inflate, pos, cpos, crc = point.inflate.copy(), point.pos, point.cpos, point.crc
        for raw in self.remote.iter_range(start + cpos, start + int(m.info.compress_size),
                                          piece or _PIECE):
            before = _Point(pos, cpos, inflate.copy(), crc)
            out = inflate.decompress(raw)
            cpos += len(raw)
            crc, pos = zlib.crc32(out, crc), pos + len(out)
            if out:
                yield before, out
        tail = inflate.flush()
        if tail:
            yield _Point(pos, cpos, inflate.copy(), crc), tail
            crc, pos = zlib.crc32(tail, crc), pos + len(tail)
        self.check(m, pos, crc)

    def _nearest_point(self, m: Member, start: int) -> _Point:
        with self._lock:
            usable = [p for p in m.points if p.pos <= start]
        return max(usable, key=lambda p: p.pos) if usable else _Point(0, 0, zlib.decompressobj(-15), 0)

    def _keep_point(self, m: Member, point: _Point) -> None:
        with self._lock:
            if all(p.pos != point.pos for p in m.points):
                m.points.append(point)
                del m.points[:-_POINTS_KEPT]

    def check(self, m: Member, size: int, crc: int) -> None:
        """Raise unless ``size`` and ``crc`` are the member's (as the zip records them)."""
        if size != m.size or crc != m.crc32:
            raise ChecksumMismatchError(
                f"read artifact: member {m.name!r} read as {size} bytes with CRC-32 {crc:08x}; "
                f"the zip records {m.size} bytes with CRC-32 {m.crc32:08x}",
                operation="read artifact", uri=f"{self.remote.uri}/{m.name}", provider="github",
            )

    def _through_zipfile(self, m: Member) -> Iterator[bytes]:
        try:
            with zipfile.ZipFile(RangedReader(self.remote, block=_PIECE)) as zf, zf.open(m.info) as fh:
                while True:
                    piece = fh.read(_PIECE)
                    if not piece:
                        return
                    yield piece
        except zipfile.BadZipFile as exc:
            raise ChecksumMismatchError(f"read artifact: member {m.name!r}: {exc}",
                                        operation="read artifact", uri=self.remote.uri,
                                        provider="github") from None

    def read(self, m: Member, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of a member; the whole member is CRC-checked."""
        end = min(end, m.size)
        if end <= start:
            return b""
        if m.random_access and (start, end) != (0, m.size):
            base = self._data_start(m)
            return self.remote.read(base + start, base + end)
        out = bytearray()
        if m.info.compress_type != zipfile.ZIP_DEFLATED:
            pos = 0
            for piece in self.stream(m):
                out += piece[max(start - pos, 0):max(end - pos, 0)]
                pos += len(piece)
                if pos >= end and end < m.size:
                    break
            return bytes(out)
        size = max(64 << 10, min(_PIECE, end - start))  # requests about as large as the range
        for point, piece in self._inflate(m, self._nearest_point(m, start), size):
            out += piece[max(start - point.pos, 0):max(end - point.pos, 0)]
            if point.pos + len(piece) >= end:
                self._keep_point(m, point)  # the next range starts here or after
                if end < m.size:
                    break
        return bytes(out)
