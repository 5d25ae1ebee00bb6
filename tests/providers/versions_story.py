"""The versions story every provider's test runs against its server (issue: Must show 3).

Enable versioning, write three versions, list them newest first, read each by
id (``version_id=``, the neutral ``?version=ID`` and ``open``), delete one,
restore an older one as the live object, and see a made-up id refused with
``NotFoundError`` — never the live bytes.
"""

from __future__ import annotations

from typing import Any

import pytest

import omefs
from omefs.errors import NotFoundError, VersioningNotEnabledError


def run_versions_story(bucket_url: str, bogus_version: str, **options: Any) -> list[Any]:
    """The story on ``bucket_url`` (an existing, empty bucket); returns the final listing.

    ``bogus_version`` is a well-formed version id of the provider that no
    object has.
    """
    url = f"{bucket_url}/data/model.bin"
    fs, path = omefs.url_to_fs(url, **options)
    fs.pipe(path, b"never versioned")
    with pytest.raises(VersioningNotEnabledError, match="omefs versioning"):
        omefs.list_versions(url, **options)
    fs.rm(path)

    assert omefs.versioning(bucket_url, **options) == "disabled"
    assert omefs.versioning(bucket_url, enabled=True, **options) == "enabled"
    assert omefs.versioning(bucket_url, **options) == "enabled"

    bodies = [b"first", b"second!", b"third!!!"]
    for body in bodies:
        fs.pipe(path, body)
    versions = omefs.list_versions(url, **options)
    assert [v.size for v in versions] == [len(b) for b in reversed(bodies)]
    assert [v.is_latest for v in versions] == [True, False, False]
    assert not any(v.delete_marker for v in versions)
    assert len({v.version_id for v in versions}) == 3
    assert fs.info(path)["version_id"] == versions[0].version_id

    for version, body in zip(versions, reversed(bodies), strict=True):
        assert fs.cat(path, version_id=version.version_id) == body
        assert fs.cat_file(path, version_id=version.version_id) == body
        with fs.open(path, "rb", version_id=version.version_id) as f:
            assert f.read() == body
        info = fs.info(path, version_id=version.version_id)
        assert (info["size"], info["version_id"]) == (len(body), version.version_id)
        with omefs.open(version.url, **options) as f:  # the neutral URL spelling
            assert f.read() == body
    listed = fs.ls(path, versions=True)
    assert [e["version_id"] for e in listed] == [v.version_id for v in versions]

    for call in (lambda: fs.cat(path, version_id=bogus_version),
                 lambda: fs.info(path, version_id=bogus_version),
                 lambda: fs.open(path, "rb", version_id=bogus_version).read(),
                 lambda: fs.rm(path, version_id=bogus_version),
                 lambda: omefs.restore_version(url, bogus_version, **options)):
        with pytest.raises(NotFoundError):
            call()

    oldest, middle = versions[2], versions[1]
    fs.rm(path, version_id=middle.version_id)
    after_rm = omefs.list_versions(url, **options)
    assert [v.version_id for v in after_rm] == [versions[0].version_id, oldest.version_id]
    with pytest.raises(NotFoundError):
        fs.cat(path, version_id=middle.version_id)

    live = omefs.restore_version(url, oldest.version_id, **options)
    assert live.is_latest and live.version_id not in {v.version_id for v in versions}
    assert fs.cat(path) == bodies[0]
    final = omefs.list_versions(url, **options)
    assert [v.version_id for v in final] == [live.version_id, versions[0].version_id,
                                             oldest.version_id]
    assert fs.cat(path, version_id=oldest.version_id) == bodies[0]
    assert omefs.versioning(bucket_url, enabled=False, **options) in ("suspended", "disabled")
    return final
