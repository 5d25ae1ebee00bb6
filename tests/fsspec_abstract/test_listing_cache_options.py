"""``use_listings_cache`` and ``listings_expiry_time`` on the filesystems omefs writes itself.

s3fs's options, with s3fs's meaning: listings are cached by default (a
change made by someone else shows after ``invalidate_cache()`` or
``refresh=True``); ``use_listings_cache=False`` lists afresh every time;
``listings_expiry_time=SECONDS`` forgets a listing after that long. The
change "by someone else" is made directly in the fake server, so no omefs
write drops the listing. Servers: the fake OCI Object Storage and the fake
GitHub Releases API.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Place:
    make_fs: Callable[..., Any]  # storage options -> a new filesystem (no instance cache)
    folder: str  # the folder to list
    add: Callable[[str], None]  # adds an object of that name directly on the server


@pytest.fixture(params=["oci", "github"])
def place(request: pytest.FixtureRequest) -> Place:
    if request.param == "oci":
        from omefs.providers.oci.fs import OCIFileSystem
        from tests.servers.oci_fixtures import oci_fs_options

        fake = request.getfixturevalue("oci_fake_server")
        auth = request.getfixturevalue("oci_class_auth")
        bucket = f"lc-{uuid.uuid4().hex[:8]}"
        fake.create_bucket(bucket)
        return Place(lambda **kw: OCIFileSystem(auth=auth, **oci_fs_options(**kw)),
                     f"{bucket}@{fake.namespace}",
                     lambda name: fake.put(bucket, name, b"x") and None)
    from omefs.providers.github.fs import GitHubReleasesFileSystem
    from tests.servers.github_fixtures import OWNER, REPO

    gh = request.getfixturevalue("gh")
    token = gh.add_token("ghp_" + uuid.uuid4().hex + "abcd")
    gh.create_release(OWNER, REPO, "v1")
    return Place(lambda **kw: GitHubReleasesFileSystem(token=token, endpoint_url=gh.endpoint,
                                                       skip_instance_cache=True, **kw),
                 f"{OWNER}/{REPO}/v1",
                 lambda name: gh.add_asset(OWNER, REPO, "v1", name, b"x") and None)


def _names(fs: Any, folder: str) -> set[str]:
    return {n.rsplit("/", 1)[-1] for n in fs.ls(folder, detail=False)}


def test_listings_are_cached_by_default(place: Place) -> None:
    place.add("a.bin")
    fs = place.make_fs()
    assert _names(fs, place.folder) == {"a.bin"}
    place.add("b.bin")
    assert _names(fs, place.folder) == {"a.bin"}  # the cached listing
    fs.invalidate_cache(place.folder)
    assert _names(fs, place.folder) == {"a.bin", "b.bin"}


def test_use_listings_cache_false_lists_every_time(place: Place) -> None:
    place.add("a.bin")
    fs = place.make_fs(use_listings_cache=False)
    assert _names(fs, place.folder) == {"a.bin"}
    place.add("b.bin")
    assert _names(fs, place.folder) == {"a.bin", "b.bin"}


def test_listings_expiry_time_forgets_old_listings(place: Place) -> None:
    place.add("a.bin")
    fs = place.make_fs(listings_expiry_time=0.5)
    assert _names(fs, place.folder) == {"a.bin"}
    place.add("b.bin")
    assert _names(fs, place.folder) == {"a.bin"}
    time.sleep(0.6)
    assert _names(fs, place.folder) == {"a.bin", "b.bin"}
