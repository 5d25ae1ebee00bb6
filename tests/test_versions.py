"""The provider-neutral version API: copies of one version, bad input, stores without versions.

S3 answers through moto, GCS through the emulator with
tests/servers/gcs_generations.py; each provider's whole story is in
tests/providers/<provider>/test_versions.py.
"""

from __future__ import annotations

import pytest

import omefs
from omefs.errors import ConfigError, NotFoundError
from omefs.providers.versioned import names_version, split_neutral_version


def _versioned_s3(s3_env, bucket="vcopy"):
    options = s3_env.storage_options()
    fs = omefs.filesystem("s3", **options)
    fs.mkdir(bucket)
    omefs.versioning(f"s3://{bucket}", enabled=True, **options)
    fs.pipe(f"{bucket}/w.bin", b"old weights")
    fs.pipe(f"{bucket}/w.bin", b"new weights!")
    return fs, options, omefs.list_versions(f"s3://{bucket}/w.bin", **options)


def test_copy_one_version_across_clouds_and_within_one(s3_env, gcs_env):
    fs, s3_options, (new, old) = _versioned_s3(s3_env)
    gcs_options = gcs_env.storage_options()
    gcs = omefs.filesystem("gs", **gcs_options)
    gcs.mkdir("vdest")
    report = omefs.copy("s3://vcopy/w.bin", "gs://vdest/", version_id=old.version_id,
                        src_options=s3_options, dst_options=gcs_options)
    assert report.ok and gcs.cat("vdest/w.bin") == b"old weights"
    # The URL spelling, and a copy inside S3 (streamed: the version is read through s3fs).
    omefs.copy(old.url, "s3://vcopy/w-old.bin", src_options=s3_options, dst_options=s3_options)
    assert fs.cat("vcopy/w-old.bin") == b"old weights"
    assert fs.cat("vcopy/w.bin") == b"new weights!"
    with pytest.raises(Exception) as info:
        omefs.copy("s3://vcopy/w.bin", "gs://vdest/x.bin", version_id="nope",
                   src_options=s3_options, dst_options=gcs_options)
    assert isinstance(info.value, NotFoundError) or "not found" in str(info.value).lower()
    assert not gcs.exists("vdest/x.bin")


def test_bad_version_arguments_are_config_errors(s3_env):
    fs, options, (new, old) = _versioned_s3(s3_env, "vbad")
    with pytest.raises(ConfigError, match="recursive"):
        omefs.copy("s3://vbad/", "s3://vbad/copy/", version_id=old.version_id, recursive=True,
                   src_options=options, dst_options=options)
    with pytest.raises(ConfigError, match="version_id must be"):
        omefs.copy("s3://vbad/w.bin", "s3://vbad/c.bin", version_id="a/b",
                   src_options=options, dst_options=options)
    with pytest.raises(ConfigError, match="enabled must be"):
        omefs.versioning("s3://vbad", enabled="yes", **options)
    with pytest.raises(ConfigError, match="version_id must be"):
        omefs.restore_version("s3://vbad/w.bin", "", **options)
    with pytest.raises(ValueError, match="two versions"):
        omefs.filesystem("s3", version_aware=True, **options).cat(
            f"vbad/w.bin?version={new.version_id}", version_id=old.version_id)


def test_a_store_without_versions_says_which_have_them(tmp_path):
    (tmp_path / "f.txt").write_bytes(b"x")
    with pytest.raises(ConfigError, match="keeps no object versions.*S3"):
        omefs.list_versions(f"file://{tmp_path}/f.txt")
    with pytest.raises(ConfigError, match="keeps no object versions"):
        omefs.versioning("memory://bucket")


def test_the_neutral_spelling():
    assert split_neutral_version("b/k?version=12") == ("b/k", "12")
    assert split_neutral_version("b/k?version=") == ("b/k?version=", None)
    fs = omefs.filesystem("s3", version_aware=True, skip_instance_cache=True)
    assert names_version(fs, "b/k?version=1") and names_version(fs, "b/k?versionId=1")
    assert not names_version(fs, "b/k")
    plain = omefs.filesystem("s3", skip_instance_cache=True)
    assert not names_version(plain, "b/k?version=1")  # a literal name there


def test_storage_class_names_the_neutral_class_where_the_provider_maps_it():
    from types import SimpleNamespace

    from omefs.versions import VersionHooks

    class Table:  # a provider's class table: native -> neutral
        native = {"Hot": "STANDARD", "Premium": None}

    for table, hot in ((None, "Hot"), ({"STANDARD": "Hot"}, "STANDARD"), (Table(), "STANDARD")):
        hooks = VersionHooks(SimpleNamespace(capabilities=SimpleNamespace(storage_classes=table)))
        assert [hooks.storage_class(n) for n in ("Hot", "Premium", None)] == [hot, "Premium", None]
