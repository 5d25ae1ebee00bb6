"""pandas and pyarrow open omefs's URLs through omefs, so that routes and auth configs apply.

Given ``s3://``, ``gs://`` or ``abfs://`` and no filesystem, pyarrow
(``pyarrow.parquet.read_table``/``write_table``, ``pyarrow.dataset``) and
pandas' ``read_parquet``/``to_parquet`` without ``storage_options`` build
pyarrow's *own* S3, GCS or Azure client (``pyarrow.fs.FileSystem.from_uri``).
That client knows nothing of omefs: an ``OMEFS_CONFIG`` route to a local
endpoint is ignored and the request goes to the real cloud, and off Google
Cloud the GCS client waits many minutes for credentials. pandas' other
readers (``read_csv``…) already go through fsspec, hence omefs.

:func:`install` (run by ``import omefs``) makes both resolve such a URL the
way fsspec does: when the URL's scheme is served by an omefs filesystem,
the filesystem is omefs's, wrapped for pyarrow (``PyFileSystem`` over
``FSSpecHandler``, as pyarrow does for any fsspec filesystem it is given).
Left to pyarrow: local paths, schemes omefs does not serve, URLs carrying
pyarrow's own query options (``?endpoint_override=…``), an explicit
``filesystem=`` or ``storage_options``, and everything when the
environment sets ``OMEFS_PYARROW_ROUTES=0``.

pandas and pyarrow are never imported here: what is already imported is
adapted at once, the rest when it is first imported (an import hook).
"""

from __future__ import annotations

import functools
import importlib.machinery
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from omefs.flags import env_flag

__all__ = ["ENV_SWITCH", "install", "omefs_filesystem"]

#: ``0``/``false`` leaves pyarrow's own filesystems in charge of every URL.
ENV_SWITCH = "OMEFS_PYARROW_ROUTES"

#: Query keys of pyarrow's own URL forms (S3, GCS, Azure, HDFS): such a URL means pyarrow's client.
_PYARROW_QUERY_KEYS = frozenset({
    "region", "scheme", "endpoint_override", "allow_bucket_creation", "allow_bucket_deletion",
    "access_key", "secret_key", "session_token", "anonymous", "role_arn", "session_name",
    "external_id", "load_frequency", "default_metadata", "retry_limit_seconds", "project_id",
    "tls_ca_file_path", "account_name", "account_key", "dfs_storage_authority",
    "blob_storage_authority", "enable_tls", "credential_kind", "sas_token", "tenant_id",
    "client_id", "client_secret", "replication", "buffer_size", "default_block_size", "user",
    "kerb_ticket",
})

#: Module -> what to adapt in it once it is imported.
_TARGETS: dict[str, Callable[[types.ModuleType], None]] = {}


def omefs_filesystem(url: object) -> tuple[Any, str] | None:
    """``(fsspec filesystem, path)`` for a URL that omefs serves, or None to leave it to pyarrow."""
    if not isinstance(url, str) or "://" not in url or env_flag(ENV_SWITCH) is False:
        return None
    scheme = url.split("://", 1)[0].lower()
    if any(key in _PYARROW_QUERY_KEYS for key, _ in parse_qsl(urlsplit(url).query)):
        return None
    import fsspec

    from omefs.providers.filesystem import AuthMixin

    try:
        cls = fsspec.get_filesystem_class(scheme)
    except (ValueError, ImportError):
        return None
    if not (isinstance(cls, type) and issubclass(cls, AuthMixin)):
        return None
    fs, path = fsspec.core.url_to_fs(url)
    return fs, path


def _adapt_pyarrow(module: types.ModuleType) -> None:
    """``_resolve_filesystem_and_path`` of ``pyarrow.fs`` (which ``pyarrow.dataset`` looks up
    at each call) and of ``pyarrow.parquet.core`` (which holds its own reference)."""
    name = "_resolve_filesystem_and_path"
    original = getattr(module, name, None)
    if callable(original):  # another pyarrow version may not have it: leave that one alone
        setattr(module, name, _resolving(original))


def _resolving(original: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(original, "_omefs", False):
        return original

    @functools.wraps(original)
    def resolve(path: Any, filesystem: Any = None, *args: Any, **kwargs: Any) -> Any:
        if filesystem is None:
            found = omefs_filesystem(path)
            if found is not None:
                return original(found[1], found[0], *args, **kwargs)
        return original(path, filesystem, *args, **kwargs)

    resolve._omefs = True  # type: ignore[attr-defined]
    return resolve


def _adapt_pandas_parquet(module: types.ModuleType) -> None:
    """pandas' parquet engine asks pyarrow first unless ``storage_options`` is given;
    for a URL omefs serves it goes straight to fsspec (as with ``storage_options={}``)."""
    original = getattr(module, "_get_path_or_handle", None)
    if not callable(original) or getattr(original, "_omefs", False):
        return

    @functools.wraps(original)
    def get_path_or_handle(path: Any, fs: Any, storage_options: Any = None, *args: Any,
                           **kwargs: Any) -> Any:
        if fs is None and storage_options is None and omefs_filesystem(path) is not None:
            storage_options = {}
        return original(path, fs, storage_options, *args, **kwargs)

    get_path_or_handle._omefs = True  # type: ignore[attr-defined]
    setattr(module, "_get_path_or_handle", get_path_or_handle)  # noqa: B010


_TARGETS.update({
    "pyarrow.fs": _adapt_pyarrow,
    "pyarrow.parquet.core": _adapt_pyarrow,
    "pandas.io.parquet": _adapt_pandas_parquet,
})


class _AdaptOnImport:
    """Runs a module's adapter right after the module is first executed.

    A meta path finder is any object with ``find_spec``; ``importlib.abc``'s base
    class is not used, as importing it (``importlib.resources``, ``tempfile``,
    ``random``…) cost every command about 5 ms."""

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        adapt = _TARGETS.get(name)
        if adapt is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            original(module)
            adapt(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_FINDER = _AdaptOnImport()


def install() -> None:
    """Adapt pandas and pyarrow (now where imported, else when imported); idempotent."""
    for name, adapt in _TARGETS.items():
        module = sys.modules.get(name)
        if module is not None:
            adapt(module)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
