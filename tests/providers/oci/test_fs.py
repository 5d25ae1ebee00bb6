"""omefs's ``oci://`` filesystem against the fake OCI Object Storage: URL forms, listings, pandas."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import fsspec
import pytest

from omefs.errors import InvalidURIError, NotFoundError
from omefs.providers.oci.fs import OCIFileSystem
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options


def _forms(ns: str, bucket: str, region: str, key: str) -> dict[str, str]:
    return {
        "canonical": f"oci://{ns}/{bucket}/{key}",
        "long": f"oci://n/{ns}/b/{bucket}/o/{key}",
        "region": f"oci://{ns}@{region}/{bucket}/{key}",
        "ocifs": f"oci://{bucket}@{ns}/{key}",
        "https": f"https://objectstorage.{region}.oraclecloud.com/n/{ns}/b/{bucket}/o/{key}",
    }


def test_every_form_strips_to_the_ocifs_path():
    forms = _forms("ns1", "bkt", "us-ashburn-1", "dir/a b%20c.txt")
    stripped = {name: OCIFileSystem._strip_protocol(url) for name, url in forms.items()}
    # scheme:// names are literal; only the https form is percent-decoded.
    assert stripped == {
        "canonical": "bkt@ns1/dir/a b%20c.txt",
        "long": "bkt@ns1/dir/a b%20c.txt",
        "region": "bkt@ns1/dir/a b%20c.txt",
        "ocifs": "bkt@ns1/dir/a b%20c.txt",
        "https": "bkt@ns1/dir/a b c.txt",
    }
    # Stripping is idempotent, and namespace roots keep ocifs's "@NS" form.
    assert OCIFileSystem._strip_protocol("bkt@ns1/dir/x") == "bkt@ns1/dir/x"
    assert OCIFileSystem._strip_protocol("oci://ns1") == "@ns1"
    assert OCIFileSystem._strip_protocol("oci://ns1@eu-frankfurt-1/") == "@ns1"
    assert OCIFileSystem._strip_protocol("@ns1") == "@ns1"
    assert OCIFileSystem._url_options(forms["region"]) == {"region": "us-ashburn-1"}
    assert OCIFileSystem._url_options(forms["ocifs"]) == {}


def test_region_rule_for_at_forms():
    # Y in X@Y that looks like a region means NS@REGION; otherwise BUCKET@NS.
    assert OCIFileSystem._strip_protocol("oci://tenant@us-gov-ashburn-1/b/k") == "b@tenant/k"
    assert OCIFileSystem._strip_protocol("oci://models@tenant/k") == "models@tenant/k"


def test_malformed_url_names_the_problem():
    with pytest.raises(InvalidURIError) as info:
        OCIFileSystem._strip_protocol("https://example.com/n/ns/b/bkt/o/x")
    assert "not an OCI Object Storage endpoint" in str(info.value)
    with pytest.raises(InvalidURIError) as info:
        OCIFileSystem._strip_protocol("oci://ns/bad bucket/x")
    assert "bucket" in str(info.value) and "oci://NAMESPACE/BUCKET/PATH" in str(info.value)


def test_all_forms_reach_the_same_object(oci_fs, oci_fake, oci_bucket):
    oci_fs.pipe_file(f"oci://{oci_fake.namespace}/{oci_bucket}/dir/x.bin", b"payload")
    for name, url in _forms(oci_fake.namespace, oci_bucket, oci_fake.region, "dir/x.bin").items():
        assert oci_fs.cat_file(url) == b"payload", name
        assert oci_fs.info(url)["size"] == 7, name


def test_ls_namespace_lists_buckets(oci_fs, oci_fake, oci_bucket):
    oci_fake.create_bucket("zz-other")
    ns = oci_fake.namespace
    assert sorted(oci_fs.ls(f"oci://{ns}")) == sorted([f"{oci_bucket}@{ns}", f"zz-other@{ns}"])
    assert oci_fs.ls(f"oci://n/{ns}/b/{oci_bucket}") == []


def test_listing_matches_ocifs(oci_fs, oci_fake, oci_bucket, oci_user):
    import ocifs

    ns = oci_fake.namespace
    for key in ("a.txt", "dir/b.txt", "dir/sub/c.txt", "dir/sub/d.txt"):
        oci_fake.put(oci_bucket, key, key.encode())
    plain = ocifs.OCIFileSystem(config=str(oci_user.config_path),
                                config_kwargs={"service_endpoint": oci_fake.endpoint},
                                skip_instance_cache=True)
    for url in (f"oci://{oci_bucket}@{ns}", f"oci://{oci_bucket}@{ns}/dir"):
        assert oci_fs.ls(url) == plain.ls(url)
    assert oci_fs.find(f"oci://{ns}/{oci_bucket}") == plain.find(f"oci://{oci_bucket}@{ns}")
    assert oci_fs.info(f"oci://{ns}/{oci_bucket}/dir")["type"] == "directory"


def test_list_pagination_and_delimiter(oci_fs, oci_fake, oci_bucket):
    # The SDK pages with limit/start/nextStartWith; the fake pages the way the service does.
    for i in range(7):
        oci_fake.put(oci_bucket, f"p/{i:02d}", b"x")
    oci_fake.put(oci_bucket, "p/sub/x", b"x")
    client = oci_fs.oci_client
    page = client.list_objects(oci_fake.namespace, oci_bucket, prefix="p/", delimiter="/", limit=3).data
    assert [o.name for o in page.objects] == ["p/00", "p/01", "p/02"]
    assert page.next_start_with == "p/03"
    names, prefixes, start = [], [], None
    while True:
        page = client.list_objects(oci_fake.namespace, oci_bucket, prefix="p/", delimiter="/",
                                   limit=3, start=start, fields="name,size,md5").data
        names += [o.name for o in page.objects]
        prefixes += page.prefixes
        assert all(o.size == 1 and o.md5 for o in page.objects)
        if not page.next_start_with:
            break
        start = page.next_start_with
    assert names == [f"p/{i:02d}" for i in range(7)] and prefixes == ["p/sub/"]
    assert len(oci_fs.find(f"oci://{oci_fake.namespace}/{oci_bucket}/p")) == 8


def test_range_reads(oci_fs, oci_fake, oci_bucket):
    data = bytes(range(256)) * 40
    oci_fake.put(oci_bucket, "r.bin", data)
    url = f"oci://{oci_fake.namespace}/{oci_bucket}/r.bin"
    assert oci_fs.cat_file(url, start=10, end=20) == data[10:20]
    assert oci_fs.cat_file(url, start=-5) == data[-5:]
    with oci_fs.open(url, "rb", block_size=1024) as f:
        f.seek(5000)
        assert f.read(100) == data[5000:5100]


def test_missing_object_is_not_found(oci_fs, oci_fake, oci_bucket):
    url = f"oci://{oci_fake.namespace}/{oci_bucket}/nope"
    with pytest.raises(NotFoundError):
        oci_fs.cat_file(url)
    with pytest.raises(FileNotFoundError):
        oci_fs.info(url)
    assert not oci_fs.exists(url)
    with pytest.raises(NotFoundError):
        oci_fs.ls(f"oci://{oci_fake.namespace}/no-such-bucket/x")


def test_a_write_to_a_path_with_no_object_names_the_forms(oci_fs, oci_fake, oci_bucket):
    """``"bkt/a.txt"`` reads as NAMESPACE/BUCKET: a bucket, no key; the SDK's bare ValueError
    (``objectName cannot be None``) used to escape."""
    from omefs.errors import InvalidURIError

    ns = oci_fake.namespace
    for write in (lambda p: oci_fs.pipe_file(p, b"x"), lambda p: oci_fs.pipe({p: b"x"}),
                  lambda p: oci_fs.open(p, "wb"),
                  lambda p: oci_fs.copy(f"{oci_bucket}@{ns}/src", p)):
        oci_fs.pipe_file(f"{oci_bucket}@{ns}/src", b"s")
        with pytest.raises(InvalidURIError) as caught:
            write(f"{oci_bucket}/a.txt")
        assert "BUCKET@NAMESPACE/KEY" in str(caught.value) and "'a.txt'" in str(caught.value)
    assert oci_fake.objects(oci_bucket) == {"src": b"s"}


def test_mv_within_a_bucket_is_a_rename(oci_fs, oci_fake, oci_bucket):
    ns = oci_fake.namespace
    oci_fs.pipe_file(f"oci://{ns}/{oci_bucket}/old", b"data")
    oci_fs.mv(f"oci://{ns}/{oci_bucket}/old", f"oci://{ns}/{oci_bucket}/new")
    assert oci_fake.objects(oci_bucket) == {"new": b"data"}
    assert oci_fake.calls["RenameObject"] == 1 and oci_fake.calls["CopyObject"] == 0


def test_storage_tier_and_archive(oci_fs, oci_fake, oci_bucket):
    ns = oci_fake.namespace
    with oci_fs.open(f"oci://{ns}/{oci_bucket}/cold", "wb", storage_tier="InfrequentAccess") as f:
        f.write(b"cold data")
    assert oci_fs.info(f"oci://{ns}/{oci_bucket}/cold")["storageTier"] == "InfrequentAccess"
    oci_fake.put(oci_bucket, "frozen", b"ice", tier="Archive")
    assert oci_fs.info(f"oci://{ns}/{oci_bucket}/frozen")["storageTier"] == "Archive"
    with pytest.raises(OSError):
        oci_fs.cat_file(f"oci://{ns}/{oci_bucket}/frozen")


def test_mkdir_and_rm_bucket(oci_fs, oci_fake):
    ns = oci_fake.namespace
    oci_fs.mkdir(f"oci://{ns}/made-here")
    assert "made-here" in oci_fake.namespaces[ns]
    oci_fs.rm(f"oci://{ns}/made-here")
    assert "made-here" not in oci_fake.namespaces[ns]


# -- pandas, in every URL form, and plain ocifs reading the same bytes -----------------------


@pytest.mark.parametrize("form", ["canonical", "long", "region", "ocifs"])
def test_pandas_parquet_round_trip(form, oci_auth, oci_fake, oci_bucket, oci_user):
    pd = pytest.importorskip("pandas")
    import ocifs

    df = pd.DataFrame({"x": range(1000), "y": [f"row {i}" for i in range(1000)]})
    url = _forms(oci_fake.namespace, oci_bucket, oci_fake.region, f"{form}/df.parquet")[form]
    options: dict[str, Any] = {"auth": oci_auth, **oci_fs_options()}
    df.to_parquet(url, storage_options=options)
    back = pd.read_parquet(url, storage_options=options)
    pd.testing.assert_frame_equal(back, df)
    # The same object through plain ocifs gives the same bytes.
    plain = ocifs.OCIFileSystem(config=str(oci_user.config_path),
                                config_kwargs={"service_endpoint": oci_fake.endpoint},
                                skip_instance_cache=True)
    ocifs_url = f"oci://{oci_bucket}@{oci_fake.namespace}/{form}/df.parquet"
    omefs_fs, path = fsspec.core.url_to_fs(url, **options)
    assert isinstance(omefs_fs, OCIFileSystem)
    assert plain.cat(ocifs_url) == omefs_fs.cat_file(path)
    pd.testing.assert_frame_equal(pd.read_parquet(ocifs_url, filesystem=plain), df)


def test_pandas_https_form(oci_fs, oci_fake, oci_bucket):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1.5, 2.5, 3.5]})
    url = _forms(oci_fake.namespace, oci_bucket, oci_fake.region, "web/df.parquet")["https"]
    # https:// goes to fsspec's HTTP filesystem by default; with omefs's filesystem
    # given explicitly, the Object Storage URL works as any other form.
    df.to_parquet(url, filesystem=oci_fs)
    pd.testing.assert_frame_equal(pd.read_parquet(url, filesystem=oci_fs), df)
    assert oci_fake.objects(oci_bucket)["web/df.parquet"][:4] == b"PAR1"


def test_csv_through_fsspec_open(oci_auth, oci_fake, oci_bucket):
    pd = pytest.importorskip("pandas")
    url = f"oci://{oci_fake.namespace}/{oci_bucket}/t.csv"
    options = {"auth": oci_auth, **oci_fs_options()}
    pd.DataFrame({"k": ["a", "b"]}).to_csv(url, index=False, storage_options=options)
    assert pd.read_csv(url, storage_options=options)["k"].tolist() == ["a", "b"]


# -- registration -------------------------------------------------------------------------------


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_oci_resolves_to_omefs_in_a_fresh_interpreter():
    code = ("import fsspec\ncls = fsspec.get_filesystem_class('oci')\n"
            "import ocifs\nprint(cls.__module__, fsspec.get_filesystem_class('oci').__module__)")
    assert _fresh(code) == "omefs.providers.oci.fs omefs.providers.oci.fs"


def test_zero_config_route_serves_every_form(oci_user, oci_fake, oci_bucket, tmp_path, monkeypatch):
    import yaml

    ns = oci_fake.namespace
    routes = tmp_path / "omefs.yaml"
    routes.write_text(yaml.safe_dump({
        "profiles": {"fake-oci": {"provider": "oci", "auth_type": "user_principal", "settings": {
            "config_path": str(oci_user.config_path), "endpoint_url": oci_fake.endpoint}}},
        "routes": {f"oci://{ns}/": "fake-oci"},
    }))
    monkeypatch.setenv("OMEFS_CONFIG", str(routes))
    oci_fake.put(oci_bucket, "r.txt", b"routed")
    forms = _forms(ns, oci_bucket, oci_fake.region, "r.txt")
    for name in ("canonical", "long", "region", "ocifs"):
        with fsspec.open(forms[name], "rb", skip_instance_cache=True) as f:
            assert f.read() == b"routed", name


def test_filesystem_pickles_with_its_auth_config(oci_fs, oci_fake, oci_bucket):
    import pickle

    oci_fake.put(oci_bucket, "p.txt", b"pickled")
    clone = pickle.loads(pickle.dumps(oci_fs))
    assert clone.cat_file(f"oci://{oci_fake.namespace}/{oci_bucket}/p.txt") == b"pickled"


def test_ranged_cat_is_one_request(oci_fs, oci_fake, oci_bucket):
    oci_fake.put(oci_bucket, "r.bin", b"0123456789")
    url = f"oci://{oci_fake.namespace}/{oci_bucket}/r.bin"
    oci_fake.calls.clear()
    assert oci_fs.cat_file(url, start=2, end=5) == b"234"
    assert oci_fs.cat_file(url, start=8, end=100) == b"89"
    assert oci_fs.cat_file(url, start=50) == b""
    assert oci_fs.cat_ranges([url, url], [0, 9], [1, 10]) == [b"0", b"9"]
    assert oci_fake.calls == {"GetObject": 5}


def test_recursive_get_makes_local_folders(oci_fs, oci_fake, oci_bucket, tmp_path):
    for key in ("tree/a.txt", "tree/sub/b.txt"):
        oci_fake.put(oci_bucket, key, key.encode())
    oci_fs.get(f"oci://{oci_fake.namespace}/{oci_bucket}/tree/", str(tmp_path / "out"), recursive=True)
    assert (tmp_path / "out" / "a.txt").read_bytes() == b"tree/a.txt"
    assert (tmp_path / "out" / "sub" / "b.txt").read_bytes() == b"tree/sub/b.txt"


def test_get_of_a_missing_object_is_not_found_and_leaves_nothing(oci_fs, oci_fake, oci_bucket, tmp_path):
    target = tmp_path / "downloads" / "nope"
    with pytest.raises(NotFoundError):
        oci_fs.get_file(f"oci://{oci_fake.namespace}/{oci_bucket}/nope", str(target))
    assert list(target.parent.iterdir()) == []
