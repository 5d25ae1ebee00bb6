"""The TLS policy (:mod:`omefs.tls`): no credentials in clear, no silent trust, TLS 1.2 at least.

The https servers are the project's fakes of the GitHub and OCI APIs
behind a TLS front (:class:`~tests.servers.corrupting_proxy.CorruptingProxy`
with ``tls=``) whose certificate a throwaway CA signed (made offline with
``cryptography``): not trusted by default, trusted with ``ca_bundle``.
"""

from __future__ import annotations

import logging
import ssl

import pytest

from omefs import tls
from omefs.errors import ConfigError, OmefsError
from tests.servers.corrupting_proxy import CorruptingProxy
from tests.servers.fake_http import make_tls_files
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import OWNER, REPO, make_fs
from tests.servers.oci_fixtures import *  # noqa: F401,F403
from tests.servers.oci_fixtures import oci_fs_options


@pytest.fixture
def tls_files(tmp_path):
    return make_tls_files(tmp_path / "tls")


@pytest.fixture
def https_github(gh, tls_files):
    """The fake GitHub API reached over https (a certificate from an untrusted CA)."""
    gh.create_release(OWNER, REPO, "v1")
    with CorruptingProxy(gh.root, rewrite_urls=True, tls=tls_files) as proxy:
        yield proxy.endpoint + gh.endpoint[len(gh.root):]


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    monkeypatch.setattr(tls, "_warned", set())


def test_self_signed_server_is_refused_by_default(https_github, gh_token):
    fs = make_fs_at(https_github, gh_token)
    with pytest.raises((OmefsError, OSError)) as caught:
        fs.ls(f"{OWNER}/{REPO}/v1")
    assert "CERTIFICATE_VERIFY_FAILED" in repr_chain(caught.value)


def test_self_signed_server_is_accepted_with_ca_bundle(https_github, gh_token, tls_files):
    fs = make_fs_at(https_github, gh_token, ca_bundle=str(tls_files.ca))
    fs.pipe_file(f"{OWNER}/{REPO}/v1/over-tls.txt", b"hello over TLS")
    assert fs.cat_file(f"{OWNER}/{REPO}/v1/over-tls.txt") == b"hello over TLS"
    assert fs.client.verify == str(tls_files.ca)


def test_verify_off_warns_once_naming_the_endpoint(https_github, gh_token, caplog):
    with caplog.at_level(logging.WARNING, logger="omefs.tls"):
        for _ in range(3):
            fs = make_fs_at(https_github, gh_token, verify=False)
        fs.ls(f"{OWNER}/{REPO}/v1")  # works: nothing is checked
    warnings = [r for r in caplog.records if "certificate checks are off" in r.getMessage()]
    assert len(warnings) == 1
    assert https_github.split("://")[1].split("/")[0] in warnings[0].getMessage()
    assert gh_token not in caplog.text


@pytest.fixture
def https_oci(oci_fake, oci_auth, tls_files):
    """omefs's OCI auth pointed at the fake OCI API over https (an untrusted CA)."""
    with CorruptingProxy(oci_fake.endpoint, tls=tls_files) as proxy:
        yield {**oci_auth, "settings": {**oci_auth["settings"], "endpoint_url": proxy.endpoint}}


def test_oci_self_signed_refused_by_default_accepted_with_ca_bundle(https_oci, oci_fake,
                                                                   oci_bucket, tls_files):
    from omefs.providers.oci.fs import OCIFileSystem

    path = f"oci://{oci_bucket}@{oci_fake.namespace}/tls.txt"
    refused = OCIFileSystem(auth=https_oci, **oci_fs_options(retries=0))
    with pytest.raises((OmefsError, OSError)) as caught:
        refused.pipe_file(path, b"x")
    assert "CERTIFICATE_VERIFY_FAILED" in repr_chain(caught.value)
    trusted = OCIFileSystem(auth=https_oci, ca_bundle=str(tls_files.ca), **oci_fs_options())
    trusted.pipe_file(path, b"over TLS")
    assert trusted.cat_file(path) == b"over TLS"


def test_oci_credentials_to_a_remote_http_endpoint_are_refused(oci_auth):
    from omefs.providers.oci.fs import OCIFileSystem

    remote = {**oci_auth, "settings": {**oci_auth["settings"],
                                       "endpoint_url": "http://objectstorage.example.com"}}
    with pytest.raises(ConfigError, match="refusing to send credentials over plain http"):
        OCIFileSystem(auth=remote, **oci_fs_options())


def test_credentials_to_a_remote_http_endpoint_are_refused(gh_token):
    with pytest.raises(ConfigError) as caught:
        make_fs_at("http://github.example.com/api/v3", gh_token)
    text = str(caught.value)
    assert "http://github.example.com/api/v3" in text and "allow_http=True" in text
    assert gh_token not in text
    make_fs_at("http://github.example.com/api/v3", gh_token, allow_http=True)  # said so: allowed
    make_fs_at("http://github.example.com/api/v3", None, anon=True)  # no credentials: allowed


def test_loopback_http_is_allowed(gh, gh_token):
    fs = make_fs(gh, token=gh_token)
    assert fs.endpoint_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("LOCALHOST", True), ("10.0.0.1", False), ("example.com", False),
    ("", False), (None, False),
])
def test_is_loopback(host, loopback):
    assert tls.is_loopback(host) is loopback


def test_verify_setting(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert tls.verify_setting() is True
    assert tls.verify_setting("false") is False
    assert tls.verify_setting(True, str(bundle)) == str(bundle)
    assert tls.verify_setting(str(bundle)) == str(bundle)
    with pytest.raises(ConfigError, match="ca_bundle .* is not a file"):
        tls.verify_setting(None, str(tmp_path / "missing.pem"))


def test_hand_written_clients_require_tls_1_2(tls_files):
    ctx = tls.ssl_context(str(tls_files.ca))
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


# -- helpers ----------------------------------------------------------------

def make_fs_at(endpoint, token, **options):
    from omefs.providers.github.fs import GitHubReleasesFileSystem

    if token is not None:
        options["token"] = token
    return GitHubReleasesFileSystem(skip_instance_cache=True, endpoint_url=endpoint, **options)


def repr_chain(exc: BaseException) -> str:
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(repr(exc))
        exc = exc.__cause__ or exc.__context__
    return " | ".join(parts)


@pytest.mark.parametrize(("url", "options"), [
    ("s3://b", {"key": "AKIAEXAMPLE", "secret": "s3cr3t", "endpoint_url": "http://s3.example.com"}),
    ("gs://b", {"token": None, "endpoint_url": "http://gcs.example.com"}),
    ("az://c", {"connection_string": "DefaultEndpointsProtocol=http;AccountName=acct;"
                "AccountKey=a2V5;BlobEndpoint=http://blob.example.com/acct;"}),
], ids=["s3", "gcs", "azure"])
def test_sdk_providers_refuse_credentials_over_remote_http(url, options):
    import omefs

    with pytest.raises(ConfigError, match="refusing to send credentials over plain http"):
        omefs.filesystem(url, skip_instance_cache=True, **options)
    anonymous = ({"anon": True, "endpoint_url": options["endpoint_url"]} if url.startswith("s3")
                 else {"token": "anon", "endpoint_url": options["endpoint_url"]}
                 if url.startswith("gs") else None)
    if anonymous is not None:  # nothing secret to send: plain http is the caller's choice
        omefs.filesystem(url, skip_instance_cache=True, **anonymous)
    omefs.filesystem(url, skip_instance_cache=True, allow_http=True, **options)
