"""The storage-class checks every provider's tests run (issue 12, "Must show" 1 and 2).

Each provider's ``test_storage_classes.py`` passes its filesystem, a URL
maker and the sizes that make a write single or multipart on its server.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

import omefs
from omefs import classes
from omefs.providers.registry import provider_of

__all__ = ["write_read_change", "archived_read_refused"]


def _info(fs: Any, url: str) -> dict[str, Any]:
    fs.invalidate_cache()
    return dict(fs.info(url))


def write_read_change(fs: Any, url: Callable[[str], str], *, auth: Any, multipart_size: int,
                      block_size: int, change_to: dict[str, str],
                      options: dict[str, Any] | None = None) -> list[str]:
    """Write one single and one multipart object in each neutral class the provider has, read
    the class back from ``info()`` and ``ls(detail=True)``, change each in place to
    ``change_to[class]`` with ``omefs.set_storage_class`` and see the change. Returns the
    URLs written."""
    provider = provider_of(fs)
    table = classes.table_of(provider)
    written = []
    for neutral, native in table.neutral.items():
        single, multi = url(f"single-{neutral.lower()}"), url(f"multi-{neutral.lower()}")
        fs.pipe_file(single, b"one request", storage_class=neutral)
        with fs.open(multi, "wb", storage_class=native.lower(), block_size=block_size) as f:
            f.write(os.urandom(multipart_size))
        for target in (single, multi):
            info = _info(fs, target)
            assert (info["storage_class"], info["storage_class_native"]) == (neutral, native), target
            if neutral == "ARCHIVE" and classes.archived(provider, native):
                assert info["restore_state"] == "archived"
        written += [single, multi]
    listed = {e["name"].rstrip("/").rsplit("/", 1)[-1]: e
              for e in fs.ls(url("").rstrip("/"), detail=True)}
    for neutral, native in table.neutral.items():
        entry = listed[f"multi-{neutral.lower()}"]
        assert (entry["storage_class"], entry["storage_class_native"]) == (neutral, native)

    for neutral, target in change_to.items():
        for name in (f"single-{neutral.lower()}", f"multi-{neutral.lower()}"):
            report = omefs.set_storage_class(url(name), target, auth=auth,
                                             storage_options=options)
            assert [i.status for i in report] == ["copied"], report.items
            info = _info(fs, url(name))
            assert (info["storage_class"], info["storage_class_native"]) == (
                target, table.neutral[target]), name
    return written


def archived_read_refused(fs: Any, url: str, *, auth: Any, options: dict[str, Any] | None = None,
                          days: int = 1) -> dict[str, Any]:
    """Reading the archived object at ``url`` raises ArchivedObjectError naming it and its class;
    ``omefs.restore`` starts a restore, visible in ``info()``. Returns the info after it."""
    with pytest.raises(omefs.ArchivedObjectError) as caught:
        fs.cat_file(url)
    text = str(caught.value)
    assert "ARCHIVE" in text and "omefs.restore(" in text and url.split("://", 1)[-1] in text
    assert caught.value.storage_class == "ARCHIVE"
    assert isinstance(caught.value, omefs.OmefsError)
    report = omefs.restore(url, days=days, auth=auth, storage_options=options)
    assert [i.status for i in report] == ["copied"], report.items
    return _info(fs, url)
