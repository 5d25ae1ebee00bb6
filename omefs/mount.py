"""Mounting a store's folder as a local folder (FUSE): the operations and the notebook API.

* :func:`ops_class` — fsspec's FUSE operations, made safe for object stores:
  modification times are numbers whatever the filesystem reports (gcsfs
  gives a ``datetime``), and the mount is **read-only** unless it is
  writable; a writable mount buffers each written file in a local
  temporary file and uploads it **whole** when it is closed, through the
  verified copy path (:func:`omefs.copy`): an object is never left
  half-written, and a failed upload leaves no object and fails the
  writer's ``close()`` with ``EIO``.
* :func:`mount` — for notebooks and scripts: runs ``omefs mount`` in a
  child process (so the FUSE loop, its signal handlers and a crash stay out
  of the caller's process, a Jupyter kernel above all) and returns a
  :class:`Mount` handle with :meth:`~Mount.unmount`, usable as a context
  manager::

      with omefs.mount("s3://my-bucket/data/", "/tmp/data") as m:
          print(os.listdir(m.mountpoint))

Needs fusepy (``pip install 'omefs[fuse]'``) and FUSE (``/dev/fuse``, libfuse).
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Mapping
from typing import IO, Any

from omefs.errors import OmefsError
from omefs.types import AuthLike

__all__ = ["Mount", "mount", "ops_class", "timestamp"]

#: Flags of an ``open`` that writes.
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def timestamp(info: Mapping[str, Any]) -> float:
    """The modification time of an fsspec ``info`` as seconds since the epoch (now if none)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "creation_time", "created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, _dt.datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return _dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return time.time()


class _Pending:
    """A file being written through the mount: its local buffer and where it goes."""

    def __init__(self, target: str, rel: str, buffer: IO[bytes]) -> None:
        self.target = target
        self.rel = rel
        self.buffer = buffer
        self.dirty = True


def ops_class(writable: bool = False) -> type:
    """fsspec's FUSE operations class, read-only or with whole-file writes (see the module docs)."""
    from fsspec.fuse import FUSEr
    from fuse import FuseOSError

    class MountOps(FUSEr):  # type: ignore[misc]
        """FUSE operations over an fsspec filesystem; ``upload(local, rel)`` stores a written file."""

        def __init__(self, fs: Any, path: str, upload: Callable[[str, str], None] | None = None,
                     **kwargs: Any) -> None:
            super().__init__(fs, path, **kwargs)
            self.upload = upload
            self.truncated: set[str] = set()

        def _target(self, path: str) -> str:
            return "".join([self.root, path.lstrip("/")]).rstrip("/")

        def _pending(self, path: str) -> _Pending | None:
            target = self._target(path)
            return next((f for f in self.cache.values()
                         if isinstance(f, _Pending) and f.target == target), None)

        def getattr(self, path: str, fh: Any = None) -> dict[str, Any]:
            pending = self._pending(path)
            if pending is not None:
                now = time.time()
                size = os.fstat(pending.buffer.fileno()).st_size
                return {"st_mode": 0o100644, "st_size": size, "st_nlink": 1, "st_uid": os.getuid(),
                        "st_gid": os.getgid(), "st_mtime": now, "st_atime": now, "st_ctime": now}
            data: dict[str, Any] = super().getattr(path, fh)
            if not (self._ready_file and path in ("/.fuse_ready", ".fuse_ready")):
                info = self.fs.info(self._target(path))
                mtime = timestamp(info)
                data.update(st_mtime=mtime, st_atime=mtime, st_ctime=mtime,
                            st_uid=os.getuid(), st_gid=os.getgid())
                data["st_mode"] = (data["st_mode"] & ~0o777) | (0o755 if info["type"] != "file" else
                                                                  (0o644 if writable else 0o444))
            return data

        # -- writes -----------------------------------------------------------------
        def _refuse(self, *args: Any, **kwargs: Any) -> Any:
            raise FuseOSError(errno.EROFS)

        def _new_pending(self, path: str, keep: bool) -> int:
            if not writable or self.upload is None:
                raise FuseOSError(errno.EROFS)
            target = self._target(path)
            buffer = tempfile.TemporaryFile(prefix="omefs-mount-")
            if keep and target not in self.truncated and self.fs.exists(target):
                with self.fs.open(target, "rb") as src:
                    shutil.copyfileobj(src, buffer)
            self.truncated.discard(target)
            fh = int(self.counter)
            self.cache[fh] = _Pending(target, path.lstrip("/"), buffer)
            self.counter += 1
            return fh

        def create(self, path: str, flags: int, fi: Any = None) -> int:
            return self._new_pending(path, keep=False)

        def open(self, path: str, flags: int) -> int:
            if flags & _WRITE_FLAGS:
                return self._new_pending(path, keep=not flags & os.O_TRUNC)
            fh: int = super().open(path, flags)
            return fh

        def write(self, path: str, data: bytes, offset: int, fh: int) -> int:
            pending = self.cache.get(fh)
            if not isinstance(pending, _Pending):
                raise FuseOSError(errno.EBADF)
            pending.buffer.seek(offset)
            pending.buffer.write(data)
            pending.dirty = True
            return len(data)

        def truncate(self, path: str, length: int, fh: Any = None) -> int:
            if not writable:
                raise FuseOSError(errno.EROFS)
            pending = self.cache.get(fh) if fh is not None else self._pending(path)
            if isinstance(pending, _Pending):
                pending.buffer.truncate(length)
                pending.dirty = True
            elif length == 0:
                self.truncated.add(self._target(path))  # the open that follows starts empty
            else:
                raise FuseOSError(errno.EOPNOTSUPP)
            return 0

        def flush(self, path: str, fh: int) -> int:
            pending = self.cache.get(fh)
            if isinstance(pending, _Pending) and pending.dirty:
                pending.buffer.flush()
                try:
                    assert self.upload is not None
                    self.upload(f"/proc/self/fd/{pending.buffer.fileno()}", pending.rel)
                except Exception as exc:  # the writer's close() fails; no object is left
                    raise FuseOSError(errno.EIO) from exc
                finally:
                    pending.dirty = False
                self.fs.invalidate_cache(pending.target)
            return 0

        def release(self, path: str, fh: int) -> int:
            pending = self.cache.pop(fh, None)
            if isinstance(pending, _Pending):
                pending.buffer.close()
                return 0
            if pending is not None:
                self.cache[fh] = pending
            result: int = super().release(path, fh)
            return result

        if not writable:
            create = mkdir = rmdir = unlink = write = truncate = chmod = _refuse

    return MountOps


# -- the notebook API -------------------------------------------------------------------


class Mount:
    """A running mount (a child ``omefs mount`` process): :meth:`unmount`, or use it in ``with``."""

    def __init__(self, url: str, mountpoint: str, process: subprocess.Popen[bytes],
                 read_only: bool) -> None:
        self.url = url
        self.mountpoint = mountpoint
        self.read_only = read_only
        self._process = process

    @property
    def mounted(self) -> bool:
        """Whether the folder is still mounted."""
        return os.path.ismount(self.mountpoint)

    def unmount(self, timeout: float = 20) -> None:
        """Unmount (``fusermount -u``) and wait for the child to end; idempotent."""
        if self._process.poll() is None and self.mounted:
            tool = shutil.which("fusermount3") or shutil.which("fusermount")
            if tool:
                subprocess.run([tool, "-u", self.mountpoint], capture_output=True, timeout=timeout)
        if self._process.poll() is None:
            self._process.terminate()  # libfuse unmounts on SIGTERM
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=timeout)

    def __enter__(self) -> Mount:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unmount()

    def __repr__(self) -> str:
        state = "mounted" if self.mounted else "unmounted"
        return f"Mount({self.url!r} at {self.mountpoint!r}, {'read-only' if self.read_only else 'read-write'}, {state})"


def _option_flags(options: Mapping[str, Any], prefix: str = "") -> list[str]:
    flags: list[str] = []
    for key, value in options.items():
        if isinstance(value, Mapping):
            flags += _option_flags(value, f"{prefix}{key}.")
        else:
            import json

            text = value if isinstance(value, str) else json.dumps(value)
            flags += ["-o", f"{prefix}{key}={text}"]
    return flags


def mount(url: str, mountpoint: str | os.PathLike[str], read_only: bool = True, *,
          auth: AuthLike = None, timeout: float = 30, **storage_options: Any) -> Mount:
    """Mount ``url`` at the existing empty folder ``mountpoint``; returns once it is mounted.

    The FUSE loop runs in a child process, so the caller (a notebook kernel)
    is never blocked or killed by it. ``read_only=False`` allows writes,
    each file uploaded whole when closed. ``auth`` is an auth config, a
    mapping or a profile name; ``storage_options`` go to the filesystem.
    Raises :class:`~omefs.errors.OmefsError` with the child's message
    when it cannot mount.
    """
    from omefs.config import AuthConfig, as_auth_config

    point = os.path.abspath(os.path.expanduser(os.fspath(mountpoint)))
    argv = [sys.executable, "-m", "omefs", "mount", url, point]
    if not read_only:
        argv.append("--read-write")
    argv += _option_flags(storage_options)
    secret_dir = None
    if isinstance(auth, str):
        argv += ["--auth", auth]
    elif auth is not None:
        import yaml

        config = as_auth_config(auth)
        assert isinstance(config, AuthConfig)
        secret_dir = tempfile.mkdtemp(prefix="omefs-mount-")  # 0700: the config holds secrets
        path = os.path.join(secret_dir, "auth.yaml")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            yaml.safe_dump(config.to_dict(redact=False), f)
        argv += ["--auth", path]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    handle = Mount(url, point, process, read_only)
    try:
        deadline = time.monotonic() + timeout
        while not os.path.ismount(point):
            if process.poll() is not None or time.monotonic() > deadline:
                handle.unmount()
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise OmefsError(f"could not mount {url} at {point}: "
                                 f"{err.strip() or 'timed out'}", operation="mount", uri=url)
            time.sleep(0.05)
    finally:
        if secret_dir is not None:
            shutil.rmtree(secret_dir, ignore_errors=True)
    return handle


class _CallableModule(types.ModuleType):
    """``omefs.mount`` is both this module and the :func:`mount` function (as ``omefs.storage``)."""

    def __call__(self, url: str, mountpoint: str | os.PathLike[str], read_only: bool = True,
                 **kwargs: Any) -> Mount:
        return mount(url, mountpoint, read_only, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
