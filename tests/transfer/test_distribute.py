"""What a bulk copy hands to an executor, without a cluster (no server: ``memory://`` sides).

* a batch bound for a cluster holds no secret: one in an auth config, a
  storage option, or any value omefs holds as a secret, is refused before
  anything is submitted, with a message that names the setting, not the value;
* a batch the executor fails comes back as one failed item per object, and a
  cancelled copy still reports every object;
* the scan the Dask tests rely on (:mod:`tests.transfer.pickled`) catches a
  secret pickled into a batch, as text or base64.
"""

from __future__ import annotations

import base64
import uuid
from concurrent.futures import Future
from typing import Any

import cloudpickle
import fsspec
import pytest
from fsspec.callbacks import Callback

import omefs
from omefs.config import AuthConfig
from omefs.errors import ConfigError, TransferCancelledError
from omefs.redact import redact_text, register_secret
from omefs.transfer.distribute import Batch, check_no_secrets, run_batch
from omefs.transfer.endpoints import EndpointSpec
from omefs.transfer.options import TransferOptions
from tests.transfer.pickled import RecordingExecutor, assert_not_pickled


def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


def access_key(secret: str) -> AuthConfig:
    return AuthConfig(provider="aws", auth_type="access_key",
                      settings={"access_key_id": "AKIDEXAMPLE", "secret_access_key": secret})


def batch(src: EndpointSpec, dst: EndpointSpec | None = None) -> Batch:
    return Batch(src, dst or EndpointSpec("memory://out"), TransferOptions.build(), [])


@pytest.mark.parametrize("spec, named", [
    (lambda s: EndpointSpec("s3://b/k", access_key(s)), "source auth setting 'secret_access_key'"),
    (lambda s: EndpointSpec("s3://b/k", {"provider": "aws", "auth_type": "access_key",
                                         "access_key_id": "AKIDEXAMPLE", "secret_access_key": s}),
     "source auth setting 'secret_access_key'"),
    (lambda s: EndpointSpec("s3://b/k", AuthConfig(provider="aws", auth_type="anonymous",
                                                    fallback=access_key(s))),
     "source auth fallback 1 setting 'secret_access_key'"),
    (lambda s: EndpointSpec("az://c/k", None, {"connection_string": f"AccountKey={s};"}),
     "source storage option 'connection_string'"),
    (lambda s: EndpointSpec("s3://b/k", None, {"client_kwargs": {"aws_secret_access_key": s}}),
     "source storage option 'client_kwargs.aws_secret_access_key'"),
])
def test_a_secret_bound_for_a_cluster_is_refused_by_name(spec: Any, named: str) -> None:
    secret = canary()
    with pytest.raises(ConfigError) as caught:
        check_no_secrets(batch(spec(secret)), "copy")
    message = str(caught.value)
    assert redact_text(named) in message and "auth='NAME'" in message  # as omefs shows it
    assert secret not in message


def test_a_resolved_secret_anywhere_in_the_batch_is_refused() -> None:
    """A value omefs holds as a secret (resolved, registered) under an innocent-looking key."""
    secret = canary()
    register_secret(secret)
    with pytest.raises(ConfigError, match="resolved credential"):
        check_no_secrets(batch(EndpointSpec("memory://in"),
                               EndpointSpec("s3://b/k", None, {"endpoint_url": f"http://h/?x={secret}"})),
                         "copy")


@pytest.mark.parametrize("auth", [None, "prod-profile",
                                  AuthConfig(provider="aws", auth_type="anonymous"),
                                  {"provider": "aws", "auth_type": "profile", "profile": "lake"}])
def test_credentials_named_not_given_go_to_the_cluster(auth: Any) -> None:
    check_no_secrets(batch(EndpointSpec("s3://b/k", auth, {"endpoint_url": "http://127.0.0.1:9"})),
                     "copy")


class FailingExecutor:
    """Runs batches here, but fails the ``fail``-th one as a lost worker would."""

    def __init__(self, fail: int) -> None:
        self.fail, self.calls = fail, 0

    def submit(self, fn: Any, /, *args: Any) -> Future[Any]:
        self.calls += 1
        future: Future[Any] = Future()
        if self.calls == self.fail:
            future.set_exception(RuntimeError("worker tcp://127.0.0.1:1 died"))
        else:
            future.set_result(fn(*args))
        return future


def test_a_failed_batch_comes_back_as_failed_objects() -> None:
    root = f"memory://dist-{uuid.uuid4().hex[:8]}"
    fsspec.filesystem("memory").pipe({f"{root}/in/{i:02d}": bytes([i]) * (i + 1)
                                      for i in range(20)})
    executor = FailingExecutor(fail=2)
    report = omefs.copy(f"{root}/in", f"{root}/out", recursive=True, executor=executor,
                        raise_on_error=False)
    assert executor.calls > 2
    assert len(report) == 20 and report.failed and report.copied
    assert sorted(i.dst.rsplit("/", 1)[1] for i in report) == [f"{i:02d}" for i in range(20)]
    assert all("did not complete on the executor (RuntimeError: worker" in (i.error or "")
               and "skip_existing=True" in (i.error or "") for i in report.failed)
    again = omefs.copy(f"{root}/in", f"{root}/out", recursive=True, skip_existing=True,
                       executor=FailingExecutor(fail=0))
    assert again.ok and len(again.copied) == len(report.failed)


def test_the_scan_catches_a_secret_pickled_into_a_batch() -> None:
    """A deliberate leak: a batch holding an inline secret, pickled as Dask would."""
    secret = canary()
    leaky = batch(EndpointSpec("s3://b/k", access_key(secret)))
    recorder = RecordingExecutor(FailingExecutor(fail=1))  # pickled, then never run
    recorder.submit(run_batch, leaky)
    with pytest.raises(AssertionError, match="is in the pickled task 0"):
        assert_not_pickled(recorder.payloads, [secret])
    encoded = cloudpickle.dumps({"blob": base64.b64encode(secret.encode())})
    with pytest.raises(AssertionError):
        assert_not_pickled([encoded], [secret])
    assert_not_pickled([cloudpickle.dumps(batch(EndpointSpec("s3://b/k", "prod")))], [secret])
    with pytest.raises(AssertionError, match="nothing was submitted"):
        assert_not_pickled([], [secret])


class FirstOnlyExecutor:
    """Runs the first batch; the others stay pending until cancelled."""

    def __init__(self) -> None:
        self.futures: list[Future[Any]] = []

    def submit(self, fn: Any, /, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if not self.futures:
            future.set_result(fn(*args))
        self.futures.append(future)
        return future


@pytest.mark.timeout(60)
def test_a_cancelled_distributed_copy_reports_every_object() -> None:
    """The progress callback raises on the first batch's bytes: the report still has every
    object, the rest ``cancelled``, and their pending futures are cancelled."""
    root = f"memory://dist-{uuid.uuid4().hex[:8]}"
    fsspec.filesystem("memory").pipe({f"{root}/in/{i:02d}": bytes([i]) * (i + 1)
                                      for i in range(12)})
    executor = FirstOnlyExecutor()

    def stop(size: int, value: int, **kwargs: Any) -> None:
        if value:  # a byte update: the first one stops the copy
            raise RuntimeError("enough")

    with pytest.raises(TransferCancelledError) as caught:
        omefs.copy(f"{root}/in", f"{root}/out", recursive=True, executor=executor,
                   callback=Callback(hooks={"stop": stop}))
    report = caught.value.report
    assert sorted(i.dst.rsplit("/", 1)[1] for i in report) == [f"{i:02d}" for i in range(12)]
    assert report.copied and report.cancelled and not report.failed
    assert all(f.cancelled() for f in executor.futures[1:])
    assert all("skip_existing=True" in (i.error or "") for i in report.cancelled)
