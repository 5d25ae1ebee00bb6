"""A cancelled copy leaves no object, whether it was stopped by Ctrl-C or by its callback.

Destinations are the real servers of the fault suite (moto, the GCS
emulator, Azurite, the project's fakes of the OCI and GitHub APIs), each
behind the fault proxy (:mod:`tests.servers.corrupting_proxy`); what is
left is read directly from the server, past the proxy.

* **The API**: the progress callback raises once the first bytes of an
  object were read. For a single-request object the write has started by
  then: it is finished, then removed. A multipart object is stopped
  between parts and its upload aborted, so nothing is committed. The
  caller gets :class:`~omefs.errors.TransferCancelledError`, caused by the
  callback's exception, whose report lists the object as ``cancelled``.
* **The CLI**: ``omefs cp`` gets SIGINT while its upload request is held
  by the proxy (the server commits it only when the hold ends, after the
  client was interrupted — a late commit). The command waits for that
  request, removes what it wrote, names the cancelled object and exits
  with 130.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from fsspec.callbacks import Callback

import omefs
from tests.cli.test_cli_basic import cli_env, omefs_command
from tests.faults.conftest import STORES
from tests.transfer.conftest import MiB, blob

SIZES = {"single": 70_000, "multipart": 6 * MiB}


class StopAfterFirstBytes(Callback):
    """A progress callback that stops the copy at its first byte update."""

    def call(self, *args, **kwargs):
        if self.value:
            raise RuntimeError("stop now")


def _no_uploads_left(dst) -> None:
    """S3: no multipart upload is left open (invisible, but billed)."""
    if dst.name != "s3":
        return
    fs = dst.fs()
    bucket = dst.path("x").split("/")[0]
    assert fs.call_s3("list_multipart_uploads", Bucket=bucket).get("Uploads", []) == []


@pytest.mark.parametrize("kind", sorted(SIZES))
@pytest.mark.parametrize("name", STORES)
def test_callback_cancels_copy_and_leaves_no_object(store, side, name, kind):
    src, dst = side("file"), store(name)
    src.put("c.bin", blob(SIZES[kind], 7))

    with pytest.raises(omefs.TransferCancelledError) as caught:
        omefs.copy(src.uri("c.bin"), dst.uri("c.bin"), dst_options=dst.direct, part_size="5MiB",
                   callback=StopAfterFirstBytes())

    assert isinstance(caught.value.__cause__, RuntimeError)
    assert "progress callback raised RuntimeError: stop now" in str(caught.value)
    report = caught.value.report
    (item,) = report.cancelled
    assert not report.copied and not report.failed and not report.ok
    assert item.dst.endswith("/c.bin") and item.error.startswith("cancelled")
    if kind == "single":  # the write had started: finished, then removed
        assert item.error == "cancelled (the destination object was removed)"
    assert dst.names() == []
    _no_uploads_left(dst)


def _cli_destination(dst, tmp_path) -> tuple[list[str], dict[str, str]]:
    """The CLI flags and environment that reach ``dst`` through its proxy."""
    if dst.name == "s3":
        opts = dst.direct
        env = cli_env(AWS_ACCESS_KEY_ID=opts["key"], AWS_SECRET_ACCESS_KEY=opts["secret"])
        return ["--dst-endpoint-url", dst.options["client_kwargs"]["endpoint_url"]], env
    auth = tmp_path / "azure.yaml"
    auth.write_text("provider: azure\nauth_type: connection_string\nsettings:\n"
                    f"  connection_string: '{dst.options['connection_string']}'\n")
    return ["--dst-auth", str(auth)], cli_env()


#: The request that carries the object's bytes (its first part): (method, path fragment).
UPLOADS = {"s3": ("PUT", "c.bin"), "azure": ("PUT", "c.bin")}


@pytest.mark.parametrize("kind", sorted(SIZES))
@pytest.mark.parametrize("name", sorted(UPLOADS))
def test_sigint_cancels_cli_copy_and_leaves_no_object(store, side, tmp_path, name, kind):
    src, dst = side("file"), store(name)
    src.put("c.bin", blob(SIZES[kind], 8))
    held = dst.proxy.add_rule(*UPLOADS[name], "stall", times=1, delay=1.5)
    flags, env = _cli_destination(dst, tmp_path)

    # As from a terminal: SIGINT at its default. A shell without job control starts a
    # background command (``make test &``) with SIGINT ignored, and that would be inherited:
    # an ignored Ctrl-C is one omefs rightly leaves ignored.
    proc = subprocess.Popen(
        [*omefs_command(), "cp", "--part-size", "5MiB", *flags, src.path("c.bin"),
         dst.uri("c.bin")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not held.hits and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert held.hits, "the upload never reached the proxy"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert proc.returncode == 130, (out, err)
    assert "omefs: interrupted: 0 copied, 0 skipped, 0 failed, 1 cancelled" in err, err
    assert f"cancelled: {src.path('c.bin')} -> {dst.uri('c.bin')}: cancelled" in err, err
    if kind == "single":  # the held request committed late: the command removed it
        assert "(the destination object was removed)" in err, err
    elif name == "azure":  # the block list was never committed: nothing to remove
        assert "removed" not in err, err
    assert dst.names() == []
    _no_uploads_left(dst)
