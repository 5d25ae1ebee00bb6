"""Matrix legs for OCI Object Storage and GitHub Releases, on the project's fake servers.

OCI: folders of objects both ways (through omefs's OCI filesystem, which
uploads in parts and records MD5s) and server-side ``copyObject`` within a
namespace. GitHub: releases hold a flat list of assets and have no
multipart API, so the legs use flat names, and copies into a release are
single uploads.
"""

from __future__ import annotations

import pytest

import omefs
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import OWNER, REPO
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options
from tests.transfer.conftest import MiB, Side, blob

OBJECTS = {
    "small.txt": blob(1000, 1),
    "empty": b"",
    "sub dir/ünï cödé 名前.bin": blob(100_000, 2),
    "big.bin": blob(3 * MiB + 123, 3),
}
FLAT = {"weights.bin": blob(3 * MiB + 5, 4), "config.json": blob(700, 5),
        "ünï cödé.txt": blob(300, 6)}


@pytest.fixture
def oci_side(oci_fake, oci_auth, oci_bucket) -> Side:
    return Side("oci", f"oci://{oci_fake.namespace}/{oci_bucket}",
                {"auth": oci_auth, **oci_fs_options()})


@pytest.fixture
def gh_side(gh, gh_token) -> Side:
    gh.create_release(OWNER, REPO, "v1")
    return Side("github", f"github://{OWNER}/{REPO}/v1", {"token": gh_token,
                                                          "endpoint_url": gh.endpoint})


@pytest.mark.parametrize("other_name", ["s3", "file", "memory"])
def test_oci_both_ways(side, oci_side, other_name):
    other = side(other_name)
    for rel, data in OBJECTS.items():
        oci_side.put(f"src/{rel}", data)
    out = omefs.copy(oci_side.uri("src/"), other.uri("from-oci/"), recursive=True,
                     src_options=oci_side.options, dst_options=other.options, part_size="1MiB")
    assert out.ok and len(out.copied) == len(OBJECTS)
    back = omefs.copy(other.uri("from-oci/"), oci_side.uri("back/"), recursive=True,
                      src_options=other.options, dst_options=oci_side.options, part_size="1MiB")
    assert back.ok and len(back.copied) == len(OBJECTS)
    for rel, data in OBJECTS.items():
        assert other.read(f"from-oci/{rel}") == data
        assert oci_side.read(f"back/{rel}") == data
    again = omefs.copy(other.uri("from-oci/"), oci_side.uri("back/"), recursive=True,
                       skip_existing=True, src_options=other.options,
                       dst_options=oci_side.options)
    assert len(again.skipped) == len(OBJECTS)


def test_oci_same_namespace_is_server_side(oci_side):
    oci_side.put("a/x.bin", blob(2 * MiB, 7))
    report = omefs.copy(oci_side.uri("a/"), oci_side.uri("b/"), recursive=True,
                        src_options=oci_side.options, dst_options=oci_side.options)
    (item,) = report.copied
    assert item.method == "server-side"
    assert oci_side.read("b/x.bin") == blob(2 * MiB, 7)


@pytest.mark.parametrize("other_name", ["s3", "memory"])
def test_github_release_both_ways(side, gh_side, other_name):
    other = side(other_name)
    for name, data in FLAT.items():
        other.put(f"up/{name}", data)
    up = omefs.copy(other.uri("up/"), gh_side.uri(), recursive=True,
                    src_options=other.options, dst_options=gh_side.options)
    assert up.ok and len(up.copied) == len(FLAT)
    down = omefs.copy(gh_side.uri(), other.uri("down/"), recursive=True,
                      src_options=gh_side.options, dst_options=other.options)
    assert down.ok and len(down.copied) == len(FLAT)
    for name, data in FLAT.items():
        assert other.read(f"down/{name}") == data
    again = omefs.copy(other.uri("up/"), gh_side.uri(), recursive=True, skip_existing=True,
                       src_options=other.options, dst_options=gh_side.options)
    assert len(again.skipped) == len(FLAT)
