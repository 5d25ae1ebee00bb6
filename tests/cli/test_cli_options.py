"""The CLI's flag parsing and formatting helpers, in-process (no server, no subprocess)."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from omefs.cli.argtypes import size as size_arg
from omefs.cli.options import UsageError, is_remote, load_auth, parse_option_pairs, side_settings
from omefs.cli.output import format_duration, format_time, jsonable
from omefs.errors import ConfigError
from omefs.sizes import format_size, parse_size


@pytest.mark.parametrize(
    "text, expected",
    [("512", 512), ("64K", 64 << 10), ("64M", 64 << 20), ("64MiB", 64 << 20), ("64mb", 64 * 10**6),
     ("1G", 1 << 30), ("1.5G", 3 << 29), ("2T", 2 << 40)],
)
def test_parse_size_is_binary_like_rclone(text, expected):
    # The CLI reads sizes as the API does: K/M/G/T binary (rclone), KB/MB decimal.
    assert parse_size(text) == expected
    assert size_arg(text) == expected


@pytest.mark.parametrize("text", ["", "M", "12Q", "-1M", "1 2"])
def test_parse_size_rejects_garbage(text):
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)
    with pytest.raises(argparse.ArgumentTypeError, match="invalid size"):
        size_arg(text)


def test_format_helpers():
    assert format_size(5) == "5 B"
    assert format_size(1536) == "1.500 KiB"
    assert format_size(3 << 30) == "3.000 GiB"
    assert format_duration(4.44) == "4.4s"
    assert format_duration(125) == "2m05.0s"
    assert format_time(dt.datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02T03:04:05Z"
    assert format_time("2025-01-02T03:04:05.123Z") == "2025-01-02T03:04:05.123000Z"
    assert jsonable({"t": dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), "b": b"\x01", "s": {1}}) == {
        "t": "2025-01-01T00:00:00Z", "b": "01", "s": [1]}


def test_option_pairs_are_typed_and_nested():
    assert parse_option_pairs(["anon=true", "n=3", "x=null", "name=abc", "client_kwargs.region_name=eu-west-1",
                               "client_kwargs.verify=false", "list=[1, 2]"]) == {
        "anon": True, "n": 3, "x": None, "name": "abc", "list": [1, 2],
        "client_kwargs": {"region_name": "eu-west-1", "verify": False}}


@pytest.mark.parametrize("pair", ["novalue", "=x", "a=1 a.b=2"])
def test_option_pairs_reject_bad_syntax(pair):
    with pytest.raises(UsageError):
        parse_option_pairs(pair.split(" "))


def test_secret_options_are_registered_for_redaction():
    from omefs.redact import redact_text

    parse_option_pairs(["account_key=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"])
    assert "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5" not in redact_text("key Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5 refused")


def test_side_settings_prefer_the_sides_own_flags(tmp_path):
    auth_file = tmp_path / "aws.yaml"
    auth_file.write_text("provider: aws\nauth_type: anonymous\n")
    args = argparse.Namespace(
        auth=None, src_auth=str(auth_file), dst_auth=None,
        endpoint_url="http://shared", src_endpoint_url=None, dst_endpoint_url="http://dst",
        option=["a=1"], src_option=["b=2"], dst_option=None,
    )
    src_auth, src_opts = side_settings(args, "src")
    dst_auth, dst_opts = side_settings(args, "dst")
    assert src_auth is not None and src_auth.provider == "aws" and src_auth.auth_type == "anonymous"
    assert src_opts == {"a": 1, "b": 2, "endpoint_url": "http://shared"}
    assert dst_auth is None
    assert dst_opts == {"a": 1, "endpoint_url": "http://dst"}


def test_load_auth_reads_json_and_a_top_level_auth_key(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text('{"auth": {"provider": "gcp", "auth_type": "anonymous"}}')
    assert load_auth(str(path)).provider == "gcp"
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="expected one auth config mapping"):
        load_auth(str(path))
    path.write_text("provider: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML or JSON"):
        load_auth(str(path))


def test_is_remote():
    assert is_remote("s3://b/k") and is_remote("azure://c@a/p")
    assert not is_remote("/tmp/x") and not is_remote("rel/x") and not is_remote("file:///tmp/x")


@pytest.mark.parametrize("verb", ["cp", "sync"])
def test_upload_cutoff_flag_reaches_the_copy(verb):
    from omefs.cli.parser import build_parser
    from omefs.cli.transfer import transfer_kwargs

    args = build_parser().parse_args([verb, "--upload-cutoff", "100M", "a/", "s3://b/c/"])
    assert transfer_kwargs(args)["upload_cutoff"] == 100 << 20
    args = build_parser().parse_args([verb, "a/", "s3://b/c/"])
    assert "upload_cutoff" not in transfer_kwargs(args)  # the destination's default
