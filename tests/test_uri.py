"""Tests for omefs.uri: every accepted form, canonical strings, fsspec URLs,
literal object names, round trips and the errors for malformed URIs."""

from __future__ import annotations

import dataclasses
import pickle
from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from omefs.errors import InvalidURIError, OmefsError
from omefs.uri import ObjectURI, parse_uri

FIELDS = ("provider", "bucket", "path", "namespace", "region", "account", "ref", "form")


def fields(uri: ObjectURI) -> dict[str, object]:
    return {name: getattr(uri, name) for name in FIELDS}


def expect(provider: str, bucket: str, path: str = "", **extra: object) -> dict[str, object]:
    out: dict[str, object] = dict.fromkeys(FIELDS)
    out.update(provider=provider, bucket=bucket, path=path)
    if provider == "github":
        out["form"] = "release"
    out.update(extra)
    return out


OCI_HOST = "https://objectstorage.us-ashburn-1.oraclecloud.com"

# (uri, expected fields, str(uri), uri.fsspec_url)
VALID = [
    # --- oci
    ("oci://ns/bkt/a/b.txt", expect("oci", "bkt", "a/b.txt", namespace="ns"),
     "oci://ns/bkt/a/b.txt", "oci://bkt@ns/a/b.txt"),
    ("oci://ns/bkt", expect("oci", "bkt", namespace="ns"), "oci://ns/bkt", "oci://bkt@ns"),
    ("oci://ns/bkt/", expect("oci", "bkt", namespace="ns"), "oci://ns/bkt", "oci://bkt@ns"),
    ("oci://ns/bkt/dir/", expect("oci", "bkt", "dir/", namespace="ns"),
     "oci://ns/bkt/dir/", "oci://bkt@ns/dir/"),
    ("oci://n/ns/b/bkt/o/a/b.txt", expect("oci", "bkt", "a/b.txt", namespace="ns"),
     "oci://ns/bkt/a/b.txt", "oci://bkt@ns/a/b.txt"),
    ("oci://n/ns/b/bkt", expect("oci", "bkt", namespace="ns"), "oci://ns/bkt", "oci://bkt@ns"),
    ("oci://n/ns/b/bkt/o/", expect("oci", "bkt", namespace="ns"), "oci://ns/bkt", "oci://bkt@ns"),
    ("oci://ns@us-ashburn-1/bkt/a.txt",
     expect("oci", "bkt", "a.txt", namespace="ns", region="us-ashburn-1"),
     "oci://ns@us-ashburn-1/bkt/a.txt", "oci://bkt@ns/a.txt"),
    ("oci://ns@us-gov-ashburn-1/bkt",
     expect("oci", "bkt", namespace="ns", region="us-gov-ashburn-1"),
     "oci://ns@us-gov-ashburn-1/bkt", "oci://bkt@ns"),
    ("oci://bkt@ns/a.txt", expect("oci", "bkt", "a.txt", namespace="ns"),
     "oci://ns/bkt/a.txt", "oci://bkt@ns/a.txt"),
    ("oci://bkt@ns", expect("oci", "bkt", namespace="ns"), "oci://ns/bkt", "oci://bkt@ns"),
    (f"{OCI_HOST}/n/ns/b/bkt/o/dir/a%20b%25.txt",
     expect("oci", "bkt", "dir/a b%.txt", namespace="ns", region="us-ashburn-1"),
     "oci://ns@us-ashburn-1/bkt/dir/a b%.txt", "oci://bkt@ns/dir/a b%.txt"),
    (f"{OCI_HOST}/n/ns/b/bkt/o/dir%2Fa.txt",
     expect("oci", "bkt", "dir/a.txt", namespace="ns", region="us-ashburn-1"),
     "oci://ns@us-ashburn-1/bkt/dir/a.txt", "oci://bkt@ns/dir/a.txt"),
    ("https://objectstorage.eu-frankfurt-1.oraclecloud.com/n/ns/b/bkt",
     expect("oci", "bkt", namespace="ns", region="eu-frankfurt-1"),
     "oci://ns@eu-frankfurt-1/bkt", "oci://bkt@ns"),
    # --- s3
    ("s3://bkt/a/b.txt", expect("s3", "bkt", "a/b.txt"), "s3://bkt/a/b.txt", "s3://bkt/a/b.txt"),
    ("s3://bkt", expect("s3", "bkt"), "s3://bkt", "s3://bkt"),
    ("s3://bkt/dir/", expect("s3", "bkt", "dir/"), "s3://bkt/dir/", "s3://bkt/dir/"),
    ("s3://bkt@eu-west-1/k", expect("s3", "bkt", "k", region="eu-west-1"),
     "s3://bkt@eu-west-1/k", "s3://bkt/k"),
    ("s3a://bkt/k", expect("s3", "bkt", "k"), "s3://bkt/k", "s3://bkt/k"),
    ("S3://bkt/k", expect("s3", "bkt", "k"), "s3://bkt/k", "s3://bkt/k"),
    # --- gcs
    ("gs://bkt/a/b.txt", expect("gcs", "bkt", "a/b.txt"), "gs://bkt/a/b.txt", "gs://bkt/a/b.txt"),
    ("gcs://bkt/a/", expect("gcs", "bkt", "a/"), "gs://bkt/a/", "gs://bkt/a/"),
    ("gs://bkt", expect("gcs", "bkt"), "gs://bkt", "gs://bkt"),
    # --- azure
    ("azure://cont/a/b.txt", expect("azure", "cont", "a/b.txt"),
     "azure://cont/a/b.txt", "az://cont/a/b.txt"),
    ("azure://cont@acct/a.txt", expect("azure", "cont", "a.txt", account="acct"),
     "azure://cont@acct/a.txt", "az://cont/a.txt"),
    ("azure://acct.blob.core.windows.net/cont/a.txt",
     expect("azure", "cont", "a.txt", account="acct"),
     "azure://cont@acct/a.txt", "az://cont/a.txt"),
    ("azure://$web/index.html", expect("azure", "$web", "index.html"),
     "azure://$web/index.html", "az://$web/index.html"),
    ("az://cont/a.txt", expect("azure", "cont", "a.txt"), "azure://cont/a.txt", "az://cont/a.txt"),
    ("abfs://cont/a.txt", expect("azure", "cont", "a.txt"),
     "azure://cont/a.txt", "abfs://cont/a.txt"),
    ("abfss://cont@acct.dfs.core.windows.net/a.txt",
     expect("azure", "cont", "a.txt", account="acct"),
     "azure://cont@acct/a.txt", "abfss://cont@acct.dfs.core.windows.net/a.txt"),
    # --- github
    ("github://own/repo/v1.0/tool.tar.gz",
     expect("github", "repo", "tool.tar.gz", namespace="own", ref="v1.0"),
     "github://own/repo/v1.0/tool.tar.gz", "github://own/repo/v1.0/tool.tar.gz"),
    ("github://own/repo@v1.0/tool.tar.gz",
     expect("github", "repo", "tool.tar.gz", namespace="own", ref="v1.0"),
     "github://own/repo/v1.0/tool.tar.gz", "github://own/repo/v1.0/tool.tar.gz"),
    ("github://own/repo/latest/tool.tar.gz",
     expect("github", "repo", "tool.tar.gz", namespace="own", ref="latest"),
     "github://own/repo/latest/tool.tar.gz", "github://own/repo/latest/tool.tar.gz"),
    ("github://own/repo@latest", expect("github", "repo", namespace="own", ref="latest"),
     "github://own/repo/latest", "github://own/repo/latest"),
    ("github://own/repo", expect("github", "repo", namespace="own"),
     "github://own/repo", "github://own/repo"),
    ("github://own/repo/", expect("github", "repo", namespace="own"),
     "github://own/repo", "github://own/repo"),
    ("github://own/repo/v2", expect("github", "repo", namespace="own", ref="v2"),
     "github://own/repo/v2", "github://own/repo/v2"),
    ("github://own/repo/v2/", expect("github", "repo", namespace="own", ref="v2"),
     "github://own/repo/v2", "github://own/repo/v2"),
    ("github://org:repo@main/src/pkg/mod.py",
     expect("github", "repo", "src/pkg/mod.py", namespace="org", ref="main", form="contents"),
     "github://org:repo@main/src/pkg/mod.py", "github://org:repo@main/src/pkg/mod.py"),
    ("github://org:repo@0123abc",
     expect("github", "repo", namespace="org", ref="0123abc", form="contents"),
     "github://org:repo@0123abc", "github://org:repo@0123abc"),
]


@pytest.mark.parametrize(("text", "want", "canonical", "fsspec_url"), VALID, ids=[v[0] for v in VALID])
def test_valid_forms(text: str, want: dict[str, object], canonical: str, fsspec_url: str) -> None:
    uri = parse_uri(text)
    assert fields(uri) == want
    assert str(uri) == canonical
    assert uri.fsspec_url == fsspec_url
    assert parse_uri(canonical) == uri
    assert parse_uri(str(uri)) == uri


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("s3a://b/k", "s3a"), ("gcs://b/k", "gcs"), ("gs://b/k", "gs"), ("az://c1c/k", "az"),
        ("abfss://c1c@acct.dfs.core.windows.net/k", "abfss"), ("azure://c1c/k", "azure"),
        (f"{OCI_HOST}/n/ns/b/b/o/k", "https"), ("oci://ns/b/k", "oci"), ("github://o/r", "github"),
    ],
)
def test_scheme_is_remembered_but_not_compared(text: str, scheme: str) -> None:
    uri = parse_uri(text)
    assert uri.scheme == scheme
    again = parse_uri(str(uri))
    assert again == uri and hash(again) == hash(uri)


# --- oci://X@Y: NS@REGION when Y is a region, else BUCKET@NS ------------------


@pytest.mark.parametrize(
    "region",
    ["us-ashburn-1", "eu-frankfurt-1", "ap-mumbai-1", "us-gov-ashburn-1", "us-langley-1",
     "uk-gov-london-1", "sa-saopaulo-1", "me-dubai-1"],
)
def test_oci_at_region_means_namespace_at_region(region: str) -> None:
    uri = parse_uri(f"oci://ns@{region}/bkt/k")
    assert (uri.namespace, uri.region, uri.bucket, uri.path) == ("ns", region, "bkt", "k")
    assert str(uri) == f"oci://ns@{region}/bkt/k"
    assert uri.fsspec_url == "oci://bkt@ns/k"


@pytest.mark.parametrize("ns", ["axaxnpcrorw5", "mytenancy", "iad", "ns-1x", "us-ashburn"])
def test_oci_at_non_region_means_bucket_at_namespace(ns: str) -> None:
    uri = parse_uri(f"oci://bkt@{ns}/k")
    assert (uri.namespace, uri.region, uri.bucket, uri.path) == (ns, None, "bkt", "k")
    assert uri.fsspec_url == f"oci://bkt@{ns}/k"


def test_oci_long_form_ambiguity_round_trips() -> None:
    # Namespace "n" with a path starting "b/…" would read back as the
    # n/NS/b/BUCKET form, so str() writes the long form instead.
    uri = ObjectURI("oci", "x", "b/y/o/z", namespace="n")
    assert str(uri) == "oci://n/n/b/x/o/b/y/o/z"
    assert parse_uri(str(uri)) == uri
    root = ObjectURI("oci", "x", "b/", namespace="n")
    assert parse_uri(str(root)) == root
    plain = ObjectURI("oci", "x", "b", namespace="n")
    assert str(plain) == "oci://n/x/b"


# --- literal names and percent-decoding ----------------------------------------


@pytest.mark.parametrize(
    "name", ["a%20b", "100%", "a#frag", "a?x=1", "q?#%", "sp ace/é/日本/😀", "a@b:c", "x//y", "/lead"]
)
@pytest.mark.parametrize("prefix", ["s3://bkt/", "gs://bkt/", "oci://ns/bkt/", "azure://cont/"])
def test_scheme_uri_names_are_literal(prefix: str, name: str) -> None:
    uri = parse_uri(prefix + name)
    assert uri.path == name
    assert str(uri) == prefix + name
    assert uri.fsspec_url.endswith("/" + name)


def test_github_names_are_literal() -> None:
    uri = parse_uri("github://o/r/v1/my asset%20#1?.zip")
    assert uri.path == "my asset%20#1?.zip"
    contents = parse_uri("github://o:r@main/dir/a%2Fb #?.txt")
    assert contents.path == "dir/a%2Fb #?.txt"


def test_only_https_form_is_percent_decoded() -> None:
    https = parse_uri(f"{OCI_HOST}/n/ns/b/bkt/o/a%2Fb%20c%3F%23%25")
    assert https.path == "a/b c?#%"
    literal = parse_uri("oci://ns/bkt/a%2Fb%20c%3F%23%25")
    assert literal.path == "a%2Fb%20c%3F%23%25"


def test_https_form_rejects_query_and_par() -> None:
    with pytest.raises(InvalidURIError, match="query"):
        parse_uri(f"{OCI_HOST}/n/ns/b/bkt/o/a?versionId=1")
    with pytest.raises(InvalidURIError, match="pre-authenticated") as info:
        parse_uri(f"{OCI_HOST}/p/SECRETTOKEN123/n/ns/b/bkt/o/a")
    assert "SECRETTOKEN123" not in str(info.value)


# --- helpers -----------------------------------------------------------------------


def test_object_uri_is_returned_unchanged() -> None:
    uri = parse_uri("s3://bkt/k")
    assert parse_uri(uri) is uri


@pytest.mark.parametrize(
    ("text", "auth"),
    [("oci://ns/b/k", "oci"), ("s3://b/k", "aws"), ("gs://b/k", "gcp"),
     ("azure://cont/k", "azure"), ("github://o/r", "github")],
)
def test_auth_provider(text: str, auth: str) -> None:
    assert parse_uri(text).auth_provider == auth


def test_direct_construction_normalises_and_validates() -> None:
    assert ObjectURI("aws", "bkt", "k") == parse_uri("s3://bkt/k")
    assert ObjectURI("gcp", "bkt").provider == "gcs"
    assert ObjectURI("github", "repo", namespace="o").form == "release"
    with pytest.raises(InvalidURIError, match="bucket"):
        ObjectURI("s3", "")
    with pytest.raises(InvalidURIError, match="namespace"):
        ObjectURI("oci", "bkt")
    with pytest.raises(InvalidURIError, match="region"):
        ObjectURI("oci", "bkt", namespace="ns", region="iad")
    with pytest.raises(InvalidURIError, match="account"):
        ObjectURI("s3", "bkt", account="acct")
    with pytest.raises(InvalidURIError, match="provider"):
        ObjectURI("dropbox", "bkt")
    with pytest.raises(InvalidURIError, match="scheme"):
        ObjectURI("s3", "bkt", scheme="gs")


def test_frozen_hashable_picklable() -> None:
    uri = parse_uri("abfss://cont@acct.dfs.core.windows.net/a b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        uri.path = "x"  # type: ignore[misc]
    assert {uri: 1}[parse_uri("azure://cont@acct/a b")] == 1
    again = pickle.loads(pickle.dumps(uri))
    assert again == uri and again.fsspec_url == uri.fsspec_url


def test_join_parent_name() -> None:
    root = parse_uri("s3://bkt")
    assert root.name == "bkt"
    assert root.parent == root
    child = root.join("a/b.txt")
    assert str(child) == "s3://bkt/a/b.txt"
    assert child.name == "b.txt"
    assert str(child.parent) == "s3://bkt/a/"
    assert child.parent.name == "a"
    assert child.parent.parent == root
    assert str(parse_uri("s3://bkt/a/").join("b")) == "s3://bkt/a/b"
    assert str(parse_uri("s3://bkt/a").join("/b")) == "s3://bkt/a/b"
    assert parse_uri("s3://bkt/a").join("") == parse_uri("s3://bkt/a")
    # The region and account survive.
    assert str(parse_uri("s3://bkt@eu-west-1/a").join("b")) == "s3://bkt@eu-west-1/a/b"
    assert parse_uri("azure://cont@acct").join("x").account == "acct"


def test_join_parent_name_github() -> None:
    repo = parse_uri("github://o/r")
    tag = repo.join("v1")
    assert (tag.ref, tag.path, tag.name) == ("v1", "", "v1")
    asset = tag.join("tool.zip")
    assert str(asset) == "github://o/r/v1/tool.zip"
    assert repo.join("v1/tool.zip") == asset
    assert asset.parent == tag and tag.parent == repo and repo.parent == repo
    assert repo.name == "r"
    with pytest.raises(InvalidURIError):
        asset.join("more")
    with pytest.raises(InvalidURIError, match="flat"):
        tag.join("a/b")
    contents = parse_uri("github://o:r@main/src")
    assert str(contents.join("x.py")) == "github://o:r@main/src/x.py"
    assert contents.parent == parse_uri("github://o:r@main")


# --- malformed URIs ---------------------------------------------------------------------

# (uri, provider or None for unknown scheme, text the message must contain)
INVALID: list[tuple[object, str | None, str]] = [
    ("", None, "empty"),
    ("   ", None, "whitespace"),
    ("bucket/key", None, "no scheme"),
    ("/local/path", None, "no scheme"),
    ("ftp://host/x", None, "unknown scheme"),
    ("http://objectstorage.us-ashburn-1.oraclecloud.com/n/ns/b/b/o/x", None, "unknown scheme"),
    ("s3:/bkt/k", "s3", "s3://"),
    ("s3://", "s3", "bucket is missing"),
    ("s3:///k", "s3", "bucket is missing"),
    ("s3://my bucket/k", "s3", "'my bucket'"),
    ("s3://bkt@/k", "s3", "region"),
    ("s3://bkt@bad region/k", "s3", "region"),
    ("gs://", "gcs", "bucket is missing"),
    ("gs://bkt@x/k", "gcs", "bucket"),
    ("oci://", "oci", "namespace is missing"),
    ("oci://ns", "oci", "bucket is missing"),
    ("oci://ns/", "oci", "bucket is missing"),
    ("oci://ns@us-ashburn-1", "oci", "bucket is missing"),
    ("oci://ns@us-ashburn-1/", "oci", "bucket is missing"),
    ("oci://@ns/k", "oci", "bucket is missing"),
    ("oci://bkt@/k", "oci", "namespace is missing"),
    ("oci://n/ns/b/", "oci", "bucket is missing"),
    ("oci://n s/bkt/k", "oci", "namespace 'n s'"),
    ("oci://ns/b kt/k", "oci", "bucket 'b kt'"),
    ("https://example.com/n/ns/b/bkt/o/k", "oci", "not an OCI Object Storage endpoint"),
    (f"{OCI_HOST}/n/ns", "oci", "/n/NAMESPACE/b/BUCKET/o/OBJECT"),
    (f"{OCI_HOST}/n/ns/b/bkt/x/k", "oci", "/n/NAMESPACE/b/BUCKET/o/OBJECT"),
    (f"{OCI_HOST}/n/ns/b/bkt/o/k#frag", "oci", "fragment"),
    ("azure://", "azure", "container is missing"),
    ("azure://Cont/k", "azure", "container 'Cont'"),
    ("azure://ab/k", "azure", "container 'ab'"),
    ("azure://cont@/k", "azure", "account"),
    ("azure://cont@Bad_Acct/k", "azure", "storage account 'Bad_Acct'"),
    ("azure://cont@acct.example.com/k", "azure", "account host"),
    ("azure://acct.blob.core.windows.net/", "azure", "container"),
    ("abfss://cont@x.dfs.core.windows.net/k", "azure", "storage account 'x'"),
    ("github://", "github", "owner is missing"),
    ("github://owner", "github", "repository is missing"),
    ("github://owner/", "github", "repository is missing"),
    ("github://owner/repo@/a", "github", "tag"),
    ("github://owner/repo//asset", "github", "tag is missing"),
    ("github://owner/repo/v1/dir/asset", "github", "flat"),
    ("github://own er/repo", "github", "owner 'own er'"),
    ("github://owner/re po", "github", "repository 're po'"),
    ("github://owner/repo/v 1/a", "github", "tag 'v 1'"),
    ("github://org:repo/path", "github", "ref"),
    ("github://org:repo@/path", "github", "ref"),
    ("github://:repo@main/path", "github", "owner is missing"),
    ("github://org:@main/path", "github", "repository is missing"),
    # A trailing newline is not part of a valid name ("$" would let it through).
    ("oci://ns/bkt\n", "oci", "bucket"),
    ("oci://ns@us-ashburn-1\n/bkt", "oci", "namespace"),
    ("azure://cont\n/k", "azure", "container"),
    ("azure://cont@acct\n/k", "azure", "account"),
    ("github://owner/repo\n", "github", "repository"),
    ("s3://bkt@us-east-1\n/k", "s3", "region"),
]


@pytest.mark.parametrize(("text", "provider", "part"), INVALID, ids=[repr(i[0]) for i in INVALID])
def test_malformed(text: str, provider: str | None, part: str) -> None:
    with pytest.raises(InvalidURIError) as info:
        parse_uri(text)
    err = info.value
    message = str(err)
    assert isinstance(err, ValueError) and isinstance(err, OmefsError)
    assert part in message
    if text:
        assert text in message
        assert err.uri == text
    assert err.provider == provider
    assert "accepted" in message
    if provider == "oci":
        assert "oci://NAMESPACE/BUCKET/PATH" in message and "oci://BUCKET@NAMESPACE/PATH" in message
    elif provider == "s3":
        assert "s3://BUCKET@REGION/PATH" in message
    elif provider == "gcs":
        assert "gs://BUCKET/PATH" in message
    elif provider == "azure":
        assert "azure://CONTAINER@ACCOUNT/PATH" in message
    elif provider == "github":
        assert "github://OWNER/REPO/TAG/ASSET" in message
    else:
        for scheme in ("oci://", "s3://", "gs://", "azure://", "abfss://", "github://"):
            assert scheme in message


@pytest.mark.parametrize("value", [None, 42, b"s3://bkt/k", ["s3://bkt/k"]])
def test_non_strings_are_rejected(value: object) -> None:
    with pytest.raises(InvalidURIError, match="expected a URI string"):
        parse_uri(value)  # type: ignore[arg-type]


# --- property tests ---------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)

_special = st.sampled_from(list(" %#?@:&=+~.-_/\\'\"éß日本😀\t") + ["%20", "%2F", "//"])
names = st.lists(st.one_of(_special, st.characters(exclude_categories=("Cs",))), max_size=20).map(
    "".join
)
flat_names = names.map(lambda s: s.replace("/", "_"))
oci_regions = st.sampled_from(
    ["us-ashburn-1", "eu-frankfurt-1", "ap-mumbai-1", "us-gov-ashburn-1", "us-langley-1"]
)
oci_namespaces = st.one_of(st.just("n"), st.from_regex(r"[a-z0-9]{1,14}", fullmatch=True))
oci_buckets = st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True)
oci_paths = st.one_of(names, names.map(lambda s: "b/" + s), names.map(lambda s: "b/x/o/" + s))
loose_buckets = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}", fullmatch=True)
s3_regions = st.one_of(st.none(), st.sampled_from(["us-east-1", "eu-west-1", "minio", "garage_1"]))
containers = st.one_of(
    st.sampled_from(["$root", "$web"]),
    st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True),
)
accounts = st.one_of(st.none(), st.from_regex(r"[a-z0-9]{3,24}", fullmatch=True))
gh_names = st.from_regex(r"[A-Za-z0-9_.-]{1,15}", fullmatch=True).filter(lambda s: s not in (".", ".."))
gh_refs = st.lists(
    st.one_of(
        st.sampled_from(list("v1.0-_@:#?%+é") + ["latest"]),
        st.characters(exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), exclude_characters="/\\"),
    ),
    min_size=1,
    max_size=12,
).map("".join)


@st.composite
def object_uris(draw: st.DrawFn) -> ObjectURI:
    provider = draw(st.sampled_from(["oci", "s3", "gcs", "azure", "github", "github-contents"]))
    if provider == "oci":
        return ObjectURI(
            "oci", draw(oci_buckets), draw(oci_paths),
            namespace=draw(oci_namespaces), region=draw(st.one_of(st.none(), oci_regions)),
        )
    if provider == "s3":
        return ObjectURI("s3", draw(loose_buckets), draw(names), region=draw(s3_regions),
                         scheme=draw(st.sampled_from(["s3", "s3a"])))
    if provider == "gcs":
        return ObjectURI("gcs", draw(loose_buckets), draw(names))
    if provider == "azure":
        return ObjectURI("azure", draw(containers), draw(names), account=draw(accounts),
                         scheme=draw(st.sampled_from(["azure", "az", "abfs", "abfss"])))
    if provider == "github":
        ref = draw(st.one_of(st.none(), gh_refs))
        asset = draw(flat_names) if ref is not None else ""
        return ObjectURI("github", draw(gh_names), asset, namespace=draw(gh_names), ref=ref)
    return ObjectURI("github", draw(gh_names), draw(names), namespace=draw(gh_names),
                     ref=draw(gh_refs), form="contents")


@PROPERTY
@given(object_uris())
def test_round_trip_str(uri: ObjectURI) -> None:
    assert parse_uri(str(uri)) == uri
    assert str(parse_uri(str(uri))) == str(uri)


@PROPERTY
@given(object_uris())
def test_round_trip_fsspec_url(uri: ObjectURI) -> None:
    # fsspec_url carries no OCI/S3 region and (except abfs/abfss) no Azure account.
    if uri.provider == "oci":
        assume(parse_uri(f"oci://x@{uri.namespace}").region is None)
    parsed = parse_uri(uri.fsspec_url)
    expected = uri
    if uri.provider in ("oci", "s3"):
        expected = dataclasses.replace(uri, region=None)
    if uri.provider == "azure" and uri.scheme not in ("abfs", "abfss"):
        expected = dataclasses.replace(uri, account=None)
    assert parsed == expected


@PROPERTY
@given(oci_namespaces, oci_buckets, oci_paths, oci_regions)
def test_oci_forms_agree(ns: str, bucket: str, path: str, region: str) -> None:
    canonical = ObjectURI("oci", bucket, path, namespace=ns)
    tail = f"/{path}" if path else ""
    assert parse_uri(f"oci://n/{ns}/b/{bucket}/o/{path}") == canonical
    if ns != "n":
        assert parse_uri(f"oci://{bucket}@{ns}{tail}") == canonical
    with_region = dataclasses.replace(canonical, region=region)
    assert parse_uri(f"oci://{ns}@{region}/{bucket}{tail}") == with_region
    host = f"https://objectstorage.{region}.oraclecloud.com"
    for safe in ("", "/"):
        url = f"{host}/n/{ns}/b/{bucket}/o/{quote(path, safe=safe)}"
        assert parse_uri(url) == with_region


@PROPERTY
@given(containers, st.from_regex(r"[a-z0-9]{3,24}", fullmatch=True), names)
def test_azure_forms_agree(container: str, account: str, path: str) -> None:
    want = ObjectURI("azure", container, path, account=account)
    tail = f"/{path}" if path else ""
    for text in (
        f"azure://{container}@{account}{tail}",
        f"azure://{account}.blob.core.windows.net/{container}{tail}",
        f"abfss://{container}@{account}.dfs.core.windows.net{tail}",
        f"abfs://{container}@{account}.blob.core.windows.net{tail}",
        f"az://{account}.dfs.core.windows.net/{container}{tail}",
    ):
        assert parse_uri(text) == want


@PROPERTY
@given(gh_names, gh_names, gh_refs, flat_names)
def test_github_forms_agree(owner: str, repo: str, tag: str, asset: str) -> None:
    tail = f"/{asset}" if asset else ""
    slash = parse_uri(f"github://{owner}/{repo}/{tag}{tail}")
    at = parse_uri(f"github://{owner}/{repo}@{tag}{tail}")
    assert slash == at
    assert (slash.namespace, slash.bucket, slash.ref, slash.path) == (owner, repo, tag, asset)


@PROPERTY
@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_invalid_uri(text: str) -> None:
    for candidate in (text, "s3://" + text, "oci://" + text, "azure://" + text,
                      "github://" + text, OCI_HOST + "/" + text):
        try:
            uri = parse_uri(candidate)
        except InvalidURIError:
            continue
        assert parse_uri(str(uri)) == uri
