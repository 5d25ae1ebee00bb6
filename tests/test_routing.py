"""Zero-config routing: the OMEFS_CONFIG file, prefix matching, and reads with no storage options.

The routed reads use servers that check credentials (moto with IAM
enforced, Azurite), so a read that works proves the route's credentials
and endpoint reached the filesystem.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import fsspec
import pytest

import omefs
from omefs.config import AuthConfig
from omefs.errors import AuthError, ConfigError
from omefs.routing import load_config, load_profile, match, normalize_url, route_for
from tests.servers import clear_fsspec_caches


def write_config(tmp_path: Path, monkeypatch, text: str | dict) -> Path:
    path = tmp_path / "omefs.yaml"
    path.write_text(text if isinstance(text, str) else json.dumps(text))
    monkeypatch.setenv("OMEFS_CONFIG", str(path))
    clear_fsspec_caches()
    return path


BASIC = """
profiles:
  public: {provider: aws, auth_type: anonymous}
  team:   {provider: aws, auth_type: access_key,
           settings: {access_key_id: AKIATEAM000000000001, secret_access_key: team-secret-value}}
  gcs:    {provider: gcp, auth_type: anonymous, settings: {project: p}}
routes:
  "s3://data": public
  "s3://data/private/": team
  "s3://data/private/deeper/x": public
  "gs://bucket/": gcs
"""


# -- the file ------------------------------------------------------------------
def test_longest_prefix_wins_and_buckets_match_whole(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, BASIC)
    assert match("s3://data/file.csv").profile == "public"
    assert match("s3://data").profile == "public"
    assert match("s3://data/private/x.csv").profile == "team"
    assert match("s3://data/private/deeper/xyz").profile == "public"
    assert match("s3://database/x") is None  # "s3://data" is a bucket, not a string prefix
    assert match("s3a://data/private/k").profile == "team"  # s3a is s3
    assert match("gcs://bucket/k").profile == "gcs" and match("gs://bucket/k").prefix == "gs://bucket/"
    assert match("az://data/x") is None
    # A route with its slash also covers the bucket or folder itself: "gs://bucket" is
    # what a bucket-level call (info, ls of the bucket) names, and it must not leave the route.
    assert match("gs://bucket").profile == "gcs"
    assert match("s3://data/private").profile == "team"
    assert match("gs://bucketeer") is None
    hit = match("s3://data/private/k")
    assert hit.config.auth_type == "access_key" and hit.path.endswith("omefs.yaml")
    assert route_for("s3://elsewhere/x") is None
    assert normalize_url("ABFSS://c/x") == "az://c/x"


def test_profiles_reference_each_other(tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, """
profiles:
  base: {provider: aws, auth_type: access_key, settings: {access_key_id: AKIABASE, secret_access_key: base-secret}}
  role:
    provider: aws
    auth_type: assume_role
    settings: {role_arn: "arn:aws:iam::123456789012:role/r", source: base}
    fallback: anon
  anon: {provider: aws, auth_type: anonymous}
routes: {}
""")
    role = load_profile("role")
    assert role.settings["source"]["auth_type"] == "access_key"
    assert role.fallback.auth_type == "anonymous"
    assert "base-secret" not in repr(role)
    with pytest.raises(ConfigError, match="no profile named 'nope'.*anon, base, role"):
        load_profile("nope")
    assert omefs.filesystem("s3", auth="anon", skip_instance_cache=True).anon is True


@pytest.mark.parametrize("text, where, problem", [
    ("profiles: [1, 2]\n", "profiles", "must be a mapping"),
    ("profiles: {}\nroutes: {'s3://b/': ghost}\n", "routes.'s3://b/'", "names profile 'ghost', which is not defined"),
    ("profiles: {p: {provider: aws}}\nroutes: {'bucket/': p}\n", "routes.'bucket/'", "is not a URL prefix"),
    ("profiles: {p: {provider: gcp}}\nroutes: {'s3://b/': p}\n", "routes.'s3://b/'", "needs a aws profile"),
    ("profiles: {p: {provider: nimbus}}\n", "profiles.p", "unknown provider 'nimbus'"),
    ("profiles: {p: {provider: aws, fallback: q}}\n", "profiles.p.fallback", "names profile 'q'"),
    ("profiles:\n  a: {provider: aws, fallback: b}\n  b: {provider: aws, fallback: a}\n",
     "profiles.", "refers back to itself"),
    ("profiles: {p: {provider: aws, settings: {source: nope}}}\n", "profiles.p.settings.source", "names profile 'nope'"),
    ("profiles: {p: 3}\n", "profiles.p", "must be a mapping"),
    ("routing: {}\n", "routing", "unknown top-level key"),
    ("profiles: {p: {provider: aws}}\nroutes: {'s3://b/': [p]}\n", "routes.'s3://b/'", "must name a profile"),
    ("profiles:\n  p: {provider: aws\n", "", "not valid YAML at line"),
])
def test_errors_name_the_file_the_key_and_the_problem(tmp_path, monkeypatch, text, where, problem):
    path = write_config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert str(path) in message and where in message and problem in message
    # and any URL use of omefs reports it the same way
    with pytest.raises(ConfigError, match="omefs.yaml"):
        fsspec.url_to_fs("s3://b/x")


def test_file_is_reread_when_it_changes_and_absent_file_is_empty(tmp_path, monkeypatch):
    path = write_config(tmp_path, monkeypatch, BASIC)
    assert match("s3://data/x").profile == "public"
    path.write_text(BASIC.replace('"s3://data": public', '"s3://data": team'))
    assert match("s3://data/x").profile == "team"
    monkeypatch.setenv("OMEFS_CONFIG", str(tmp_path / "absent.yaml"))
    assert load_config().routes == [] and match("s3://data/x") is None
    with pytest.raises(ConfigError, match="no such routing config file"):
        load_config(tmp_path / "absent.yaml")


# -- filesystems ------------------------------------------------------------------------
def aws_profile(server, **settings) -> dict:
    return {"provider": "aws", "auth_type": "access_key", "settings": {
        "access_key_id": server.access_key_id, "secret_access_key": server.secret_access_key,
        "endpoint_url": server.endpoint, **settings}}


def test_routed_s3_reads_with_no_storage_options(s3_auth_env, tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    import boto3

    server = s3_auth_env
    boto3.client("s3", **server.boto3_kwargs()).create_bucket(Bucket="routed-bucket")
    write_config(tmp_path, monkeypatch, {"profiles": {"moto": aws_profile(server)},
                                         "routes": {"s3://routed-bucket/": "moto"}})
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    frame.to_csv("s3://routed-bucket/x.csv", index=False)
    pd.testing.assert_frame_equal(pd.read_csv("s3://routed-bucket/x.csv"), frame)
    # parquet: pandas sends s3:// to pyarrow's own S3 unless storage_options is a dict
    frame.to_parquet("s3://routed-bucket/x.parquet", storage_options={})
    pd.testing.assert_frame_equal(pd.read_parquet("s3://routed-bucket/x.parquet", storage_options={}), frame)
    fs, path = fsspec.url_to_fs("s3://routed-bucket/x.csv")
    assert fs.auth_config.auth_type == "access_key" and path == "routed-bucket/x.csv"


def test_explicit_auth_and_credentials_win_over_routes(s3_auth_env, tmp_path, monkeypatch):
    import boto3

    server = s3_auth_env
    boto3.client("s3", **server.boto3_kwargs()).create_bucket(Bucket="routed-bucket")
    bad = aws_profile(server, secret_access_key="route-secret-that-is-wrong")
    write_config(tmp_path, monkeypatch, {"profiles": {"bad": bad}, "routes": {"s3://routed-bucket": "bad"}})
    with pytest.raises(AuthError):
        omefs.open("s3://routed-bucket/k", "wb", skip_instance_cache=True).open().close()
    good = aws_profile(server)
    with omefs.open("s3://routed-bucket/k", "wb", auth=good) as f:  # auth= wins
        f.write(b"via auth=")
    with fsspec.open("s3://routed-bucket/k", key=server.access_key_id, secret=server.secret_access_key,
                     client_kwargs={"endpoint_url": server.endpoint}) as f:  # s3fs's own keys win
        assert f.read() == b"via auth="
    # options that are not credentials merge with the route's (the caller's win)
    fs, _ = fsspec.url_to_fs("s3://routed-bucket/k", endpoint_url="http://127.0.0.1:1",
                             skip_instance_cache=True)
    assert fs.endpoint_url == "http://127.0.0.1:1" and fs.auth_config.fingerprint() == \
        AuthConfig.from_dict(bad).fingerprint()


def test_routed_gcs_reads(gcs_env, tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    write_config(tmp_path, monkeypatch, {
        "profiles": {"emu": {"provider": "gcp", "auth_type": "anonymous",
                             "settings": {"project": "test", "endpoint_url": gcs_env.endpoint}}},
        "routes": {"gs://routed-gcs/": "emu"}})
    omefs.filesystem("gs://routed-gcs/").mkdir("routed-gcs")
    frame = pd.DataFrame({"n": [1.5, 2.5]})
    frame.to_csv("gs://routed-gcs/x.csv", index=False)
    pd.testing.assert_frame_equal(pd.read_csv("gs://routed-gcs/x.csv"), frame)
    frame.to_parquet("gs://routed-gcs/x.parquet", storage_options={})
    pd.testing.assert_frame_equal(pd.read_parquet("gs://routed-gcs/x.parquet", storage_options={}), frame)


def test_routed_azure_reads_with_no_storage_options(azure_env, tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    write_config(tmp_path, monkeypatch, textwrap.dedent(f"""
        profiles:
          azurite:
            provider: azure
            auth_type: connection_string
            settings: {{connection_string: "{azure_env.connection_string}"}}
        routes:
          "azure://routed/": azurite
    """))
    azure_env.blob_service_client().create_container("routed")
    frame = pd.DataFrame({"k": ["a", "b"], "v": [1, 2]})
    frame.to_parquet("azure://routed/x.parquet")
    frame.to_csv("azure://routed/x.csv", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet("azure://routed/x.parquet"), frame)
    pd.testing.assert_frame_equal(pd.read_csv("azure://routed/x.csv"), frame)
    assert azure_env.account_key not in repr(load_profile("azurite"))


def test_routed_azure_account_url_endpoint(azure_env, tmp_path, monkeypatch):
    write_config(tmp_path, monkeypatch, {
        "profiles": {"key": {"provider": "azure", "auth_type": "account_key", "settings": {
            "account_name": azure_env.account_name, "account_key": azure_env.account_key,
            "account_url": azure_env.blob_endpoint}}},
        "routes": {"azure://keyed/": "key"}})
    azure_env.blob_service_client().create_container("keyed")
    with fsspec.open("azure://keyed/a/b.txt", "wb") as f:
        f.write(b"through the route's endpoint")
    with fsspec.open("azure://keyed/a/b.txt") as f:
        assert f.read() == b"through the route's endpoint"


def test_every_scheme_of_a_provider_routes_alike(tmp_path, monkeypatch):
    from omefs.providers import all_providers

    write_config(tmp_path, monkeypatch, """
profiles:
  blob: {provider: azure, auth_type: anonymous}
routes:
  "azure://shared/": blob
""")
    for scheme in ("azure", "az", "abfs", "abfss", "AZ"):
        assert match(f"{scheme}://shared/k").profile == "blob", scheme
    for prov in all_providers():
        folded = {normalize_url(f"{s}://b/k") for s in prov.schemes}
        assert len(folded) == 1, (prov.name, folded)
    assert normalize_url("unknown://b/k") == "unknown://b/k"


def test_a_filesystem_made_without_a_url_takes_the_route_of_its_whole_scheme(tmp_path, monkeypatch, s3_env):
    """``fsspec.filesystem("s3")`` has no URL; a ``"s3://"`` route still sends it to its endpoint (moto)."""
    import boto3
    import fsspec

    write_config(tmp_path, monkeypatch, {
        "profiles": {"local": {"provider": "aws", "auth_type": "access_key",
                               "settings": {"access_key_id": "testing", "secret_access_key": "testing",
                                            "endpoint_url": s3_env.endpoint}},
                     "other": {"provider": "aws", "auth_type": "anonymous"}},
        "routes": {"s3://": "local", "s3://somebody-elses-bucket": "other"},
    })
    fs = fsspec.filesystem("s3")
    assert fs.auth_config is not None and fs.auth_config.auth_type == "access_key"
    fs.mkdir("routed-bucket")
    fs.pipe("routed-bucket/k.txt", b"routed")
    assert boto3.client("s3", **s3_env.boto3_kwargs()).get_object(Bucket="routed-bucket", Key="k.txt")["Body"].read() == b"routed"
    # The caller's own auth still wins over the route.
    assert fsspec.filesystem("s3", auth={"provider": "aws", "auth_type": "anonymous"},
                             skip_instance_cache=True).auth_config.auth_type == "anonymous"
