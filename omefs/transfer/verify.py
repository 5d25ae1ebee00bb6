"""Checksums: what each store says about an object, what we computed, and whether they agree.

Each provider exposes a different digest (its transfer hooks say how its
``info()`` maps to a :class:`Fingerprint`), and only some pairs compare:

* S3: the ETag is the MD5 of the object for a single-part upload, and
  ``md5(part md5s)-N`` for a multipart upload of N parts (comparable only
  when the part size is known); SSE-KMS and SSE-C ETags are neither.
* GCS: ``md5Hash`` (absent for composite objects) and ``crc32c``, base64.
* Azure: ``Content-MD5`` when the uploader set it (the service computes
  it for single Put Blob uploads).
* OCI: ``Content-MD5`` for single uploads, ``opc-multipart-md5`` for
  multipart ones.
* GitHub release assets: ``digest`` (``sha256:…``) where GitHub gives one.
* Local files and memory: nothing stored; computed when needed.

:class:`Fingerprint` is the store-neutral form of an object's size,
digests and mtime. :class:`StreamHasher` computes, while bytes stream
past, exactly the digests a transfer can compare (MD5, CRC32C, SHA-256,
and per-part MD5s for a multipart ETag). :func:`compare` says whether two
fingerprints agree, disagree, or cannot be compared.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from omefs.errors import IntegrityError

if TYPE_CHECKING:
    from omefs.providers.base import Provider

__all__ = [
    "Fingerprint",
    "StreamHasher",
    "fingerprint_from_info",
    "base_fingerprint",
    "b64_to_hex",
    "crc_from_b64",
    "etag_digest",
    "info_mtime",
    "compare",
    "multipart_etag",
    "IntegrityError",
]

_HEX_MD5 = re.compile(r"^[0-9a-f]{32}$")
_MULTIPART = re.compile(r"^([0-9a-f]{32})-(\d+)$")


@dataclass(frozen=True)
class Fingerprint:
    """What is known of one object's content.

    ``md5`` is a hex MD5 of the whole object; ``crc32c`` an unsigned int;
    ``multipart_etag`` an S3/OCI style ``hex-N``; ``part_size`` the part
    size of that multipart upload when known; ``mtime`` seconds since the
    epoch; ``sha256`` a hex SHA-256 of the whole object.
    """

    size: int | None = None
    md5: str | None = None
    crc32c: int | None = None
    multipart_etag: str | None = None
    part_size: int | None = None
    mtime: float | None = None
    sha256: str | None = None

    @property
    def parts(self) -> int | None:
        """N of a multipart ETag, else None."""
        if self.multipart_etag:
            return int(self.multipart_etag.rsplit("-", 1)[1])
        return None

    def with_(self, **changes: Any) -> Fingerprint:
        return replace(self, **changes)

    def describe(self) -> str:
        """Which digests are known, e.g. ``size+md5``."""
        names = ["size"]
        if self.md5:
            names.append("md5")
        if self.crc32c is not None:
            names.append("crc32c")
        if self.multipart_etag:
            names.append("etag")
        if self.sha256:
            names.append("sha256")
        return "+".join(names)


def b64_to_hex(value: Any, length: int = 16) -> str | None:
    """A digest given as base64 (or hex, or raw bytes) as lower-case hex; None if it is none."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        if len(raw) == length:
            return raw.hex()
        value = raw.decode("ascii", "ignore")
    text = str(value).strip().strip('"')
    if _HEX_MD5.match(text.lower()) and length == 16:
        return text.lower()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == length else None


def crc_from_b64(value: Any) -> int | None:
    """A big-endian base64 CRC32C (as GCS reports it) as an unsigned int, or None."""
    if not value:
        return None
    try:
        raw = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 4:
        return None
    return int(struct.unpack(">I", raw)[0])


def info_mtime(info: dict[str, Any]) -> float | None:
    """The modification time of an ``info()`` entry, whatever the key it is under."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "timeModified",
                "time_modified", "created", "time_created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


def etag_digest(etag: Any) -> tuple[str | None, str | None]:
    """(md5, multipart etag) of an ETag that is ``hex`` or ``hex-N``; (None, None) otherwise."""
    if not etag:
        return None, None
    text = str(etag).strip().strip('"').lower()
    if _HEX_MD5.match(text):
        return text, None
    if _MULTIPART.match(text):
        return None, text
    return None, None


def base_fingerprint(info: dict[str, Any] | None) -> Fingerprint:
    """The size and mtime of an ``info()`` entry: what every store reports."""
    if not info:
        return Fingerprint()
    size = info.get("size", info.get("Size"))
    return Fingerprint(size=int(size) if size is not None else None, mtime=info_mtime(info))


def fingerprint_from_info(info: dict[str, Any] | None, provider: Provider | str) -> Fingerprint:
    """A :class:`Fingerprint` from an fsspec ``info()``/``find(detail=True)`` entry.

    ``provider`` is the provider of the filesystem that produced ``info``
    (its object, or any of its names); the provider's transfer hooks say
    which of the entry's fields are digests. An unknown name contributes
    size and mtime, plus an unambiguous ``md5`` key.
    """
    if isinstance(provider, str):
        from omefs.providers.registry import find_provider

        found = find_provider(provider)
        if found is None:
            from omefs.providers.base import Provider as _Plain
            from omefs.providers.hooks import TransferHooks

            return TransferHooks(_Plain()).fingerprint(info)
        provider = found
    return provider.transfer().fingerprint(info)  # type: ignore[no-any-return]


def multipart_etag(part_md5s: list[bytes]) -> str:
    """The S3 multipart ETag (``hex-N``) of parts with these binary MD5s."""
    return f"{hashlib.md5(b''.join(part_md5s)).hexdigest()}-{len(part_md5s)}"


def _crc32c_extend(crc: int, data: bytes) -> int:
    """CRC32C of ``data`` continuing ``crc``, with google-crc32c or the crc32c package."""
    try:
        import google_crc32c
    except ImportError:
        import crc32c  # gcsfs[crc]

        return int(crc32c.crc32c(data, crc))
    return int(google_crc32c.extend(crc, data))


class _PartHasher:
    __slots__ = ("size", "current", "fill", "digests")

    def __init__(self, size: int) -> None:
        self.size = size
        self.current = hashlib.md5()
        self.fill = 0
        self.digests: list[bytes] = []

    def update(self, view: memoryview) -> None:
        while len(view):
            take = view[: self.size - self.fill]
            self.current.update(take)
            self.fill += len(take)
            view = view[len(take):]
            if self.fill == self.size:
                self.digests.append(self.current.digest())
                self.current = hashlib.md5()
                self.fill = 0

    def etag(self) -> str:
        parts = list(self.digests)
        if self.fill or not parts:
            parts.append(self.current.digest())
        return multipart_etag(parts)


class StreamHasher:
    """Digests of a byte stream, computed as chunks go past.

    ``md5``/``crc32c`` choose whole-object digests; each of ``part_sizes``
    adds per-part MD5s at that boundary (for a multipart ETag). Chunks may
    be any size; part boundaries are found inside them. hashlib drops the
    GIL for large buffers, so the engine runs ``update`` in a worker thread
    for big chunks.
    """

    def __init__(self, *, md5: bool = False, crc32c: bool = False, sha256: bool = False,
                 part_sizes: Iterable[int | None] = ()) -> None:
        self.size = 0
        self._md5 = hashlib.md5() if md5 else None
        self._sha256 = hashlib.sha256() if sha256 else None
        self._crc: int | None = 0 if crc32c else None
        self._parts = {p: _PartHasher(p) for p in part_sizes if p}

    @property
    def active(self) -> bool:
        """Whether any digest is being computed."""
        return (self._md5 is not None or self._crc is not None or self._sha256 is not None
                or bool(self._parts))

    def update(self, data: Any) -> None:
        view = memoryview(data).cast("B")
        self.size += len(view)
        if self._md5 is not None:
            self._md5.update(view)
        if self._sha256 is not None:
            self._sha256.update(view)
        if self._crc is not None:
            self._crc = _crc32c_extend(self._crc, data if isinstance(data, bytes) else bytes(view))
        for hasher in self._parts.values():
            hasher.update(view)

    def part_md5(self, part_size: int, index: int, length: int) -> bytes | None:
        """The MD5 of part ``index`` (0-based) at ``part_size``, ``length`` bytes long, once
        exactly those bytes went past; None when no part MD5s are computed at that size or
        the hashing is not there (yet): the caller then hashes the part itself.

        ``length`` is ``part_size`` but for the last part, which is known
        when the stream has ended.
        """
        hasher = self._parts.get(part_size)
        if hasher is None:
            return None
        if index < len(hasher.digests):
            return hasher.digests[index] if length == part_size else None
        if index == len(hasher.digests) and 0 < length == hasher.fill:
            return hasher.current.copy().digest()
        return None

    def fingerprint(self, part_size: int | None = None) -> Fingerprint:
        """What was computed; ``part_size`` picks which multipart ETag to include."""
        multi = None
        if part_size is None and len(self._parts) == 1:
            part_size = next(iter(self._parts))
        if part_size in self._parts:
            multi = self._parts[part_size].etag()
        return Fingerprint(
            size=self.size,
            md5=self._md5.hexdigest() if self._md5 is not None else None,
            crc32c=self._crc,
            multipart_etag=multi,
            part_size=part_size if multi else None,
            sha256=self._sha256.hexdigest() if self._sha256 is not None else None,
        )


def compare(expected: Fingerprint, actual: Fingerprint) -> tuple[bool | None, str]:
    """Whether two fingerprints describe the same bytes.

    Returns ``(True, what)`` when every comparable digest agrees (``what``
    names them, e.g. ``size+md5``), ``(False, why)`` when a size or digest
    differs, and ``(None, "size")`` when the sizes agree but no digest is
    comparable. Sizes are compared whenever both are known.
    """
    checked = []
    if expected.size is not None and actual.size is not None:
        if expected.size != actual.size:
            return False, f"size {actual.size} != expected {expected.size}"
        checked.append("size")
    if expected.md5 and actual.md5:
        if expected.md5 != actual.md5:
            return False, f"md5 {actual.md5} != expected {expected.md5}"
        checked.append("md5")
    if expected.crc32c is not None and actual.crc32c is not None:
        if expected.crc32c != actual.crc32c:
            return False, f"crc32c {actual.crc32c:08x} != expected {expected.crc32c:08x}"
        checked.append("crc32c")
    if expected.sha256 and actual.sha256:
        if expected.sha256 != actual.sha256:
            return False, f"sha256 {actual.sha256} != expected {expected.sha256}"
        checked.append("sha256")
    if expected.multipart_etag and actual.multipart_etag:
        same_layout = (
            expected.part_size is None or actual.part_size is None
            or expected.part_size == actual.part_size
        ) and expected.parts == actual.parts
        if expected.multipart_etag == actual.multipart_etag:
            checked.append("etag")
        elif same_layout and expected.part_size and actual.part_size:
            return False, f"etag {actual.multipart_etag} != expected {expected.multipart_etag}"
    if any(c != "size" for c in checked):
        return True, "+".join(checked)
    return None, "+".join(checked) or "nothing"
