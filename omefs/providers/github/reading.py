"""Reading GitHub release assets: ``open`` (ranged reads; writes spool and upload on close), ``cat_file``, ``get_file``."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from fsspec.callbacks import DEFAULT_CALLBACK

from omefs.providers.github.files import AssetReadFile, AssetWriteFile
from omefs.providers.github.writing import ReleaseUploads

__all__ = ["ReleaseReading"]


class ReleaseReading(ReleaseUploads):
    """Streams asset bytes: HTTP Range requests for reads, digest-checked downloads."""

    # -- fsspec: reading ----------------------------------------------------------------
    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        if self._contents is not None:
            return self._contents._open(
                path, mode=mode, block_size=block_size, cache_options=cache_options, **kwargs
            )
        actions = self._actions_path(path)
        if actions is not None:
            if mode != "rb":
                from omefs.providers.github.artifacts.access import read_only

                raise read_only(actions, "open")
            return self.artifacts.open(actions, block_size=block_size, cache_options=cache_options, **kwargs)
        p = self._parse(path)
        if mode == "rb":
            asset = self._asset(p)
            return AssetReadFile(
                self, p.path, asset, block_size=block_size or self.blocksize,
                cache_type=kwargs.get("cache_type", "readahead"), cache_options=cache_options,
            )
        if mode in ("wb", "xb"):
            self._check_writable(p, "open")
            create = kwargs.get("create_release")
            if self._wants_create(create) is False:
                # fail now, not after the bytes are written
                self._release_for_write(p, False, "open", refresh=False)
            if mode == "xb" and self.exists(p.path):
                raise FileExistsError(f"{self._uri(p)} exists (mode 'xb')")
            return AssetWriteFile(
                self, p.path, mode, block_size=block_size, autocommit=autocommit,
                content_type=kwargs.get("content_type"), label=kwargs.get("label"),
                create_release=create,
            )
        raise NotImplementedError(
            f"mode {mode!r} is not supported for GitHub release assets; accepted: "
            "'rb', 'wb', 'xb' (assets cannot be appended to or updated in place)"
        )

    def cat_file(self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
        """Bytes ``[start, end)`` of an asset (negative values count from the end), in one ranged request."""
        if self._contents is not None:
            return bytes(self._contents.cat_file(path, start=start, end=end, **kwargs))
        actions = self._actions_path(path)
        if actions is not None:
            return self.artifacts.cat(actions, start, end)
        p = self._parse(path)
        asset = self._asset(p)
        size = int(asset["size"])
        begin = 0 if start is None else (max(0, size + start) if start < 0 else start)
        stop = size if end is None else (max(0, size + end) if end < 0 else min(end, size))
        return self.client.read_range(asset, begin, stop, uri=self._uri(p))

    def get_file(
        self, rpath: str, lpath: Any, callback: Any = DEFAULT_CALLBACK, outfile: Any = None, **kwargs: Any
    ) -> None:
        """Stream an asset to a local file (written to a temporary name, then renamed), checking its digest."""
        if self._contents is not None:
            self._contents.get_file(rpath, lpath, callback=callback, outfile=outfile, **kwargs)
            return None
        actions = self._actions_path(rpath)
        if actions is not None:
            self.artifacts.get(actions, outfile if outfile is not None else lpath, callback)
            return None
        p = self._parse(rpath)
        if outfile is None and hasattr(lpath, "write"):
            outfile = lpath
        if p.level != "asset":
            self.info(rpath)  # the release or repository must exist
            if outfile is None:
                os.makedirs(lpath, exist_ok=True)
            return None
        asset = self._asset(p)
        callback.set_size(int(asset["size"]))
        if outfile is not None:
            self.client.download(asset, outfile, callback=callback, uri=self._uri(p))
            return None
        lpath = os.fspath(lpath)
        folder = os.path.dirname(os.path.abspath(lpath))
        os.makedirs(folder, exist_ok=True)
        fd, part = tempfile.mkstemp(prefix=".omefs-", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                self.client.download(asset, out, callback=callback, uri=self._uri(p))
            os.replace(part, lpath)
        except BaseException:
            try:
                os.unlink(part)
            except OSError:
                pass
            raise
        return None
