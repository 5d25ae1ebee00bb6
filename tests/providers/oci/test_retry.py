"""The retry policy of omefs's OCI layer, without a server: backoff, Retry-After, one refresh per burst."""

from __future__ import annotations

import email.utils
import io
import threading
import time

import pytest
from oci.exceptions import ServiceError

from omefs.errors import TruncatedBodyError
from omefs.providers.oci.checksum import expected_md5, multipart_md5
from omefs.providers.oci.retry import (
    OCIRetryStrategy,
    RetryPolicy,
    TokenRefresher,
    is_retryable,
)
from omefs.retry import retry_after


def _error(status: int, code: str = "X", headers: dict | None = None) -> ServiceError:
    return ServiceError(status, code, headers or {}, "message")


@pytest.mark.parametrize("status,code,expected", [
    (429, "TooManyRequests", True), (500, "InternalServerError", True), (503, "X", True),
    (501, "MethodNotImplemented", False), (400, "InvalidParameter", False),
    (404, "ObjectNotFound", False), (401, "NotAuthenticated", False),
    (409, "IncorrectState", True), (409, "BucketAlreadyExists", False),
])
def test_what_is_retried(status, code, expected):
    assert is_retryable(_error(status, code)) is expected


def test_connection_errors_and_short_bodies_are_retried():
    assert is_retryable(ConnectionResetError())
    assert is_retryable(TruncatedBodyError("short"))
    assert not is_retryable(ValueError("bad"))


def test_retry_after_seconds_and_dates():
    assert retry_after(_error(429, headers={"retry-after": "2.5"})) == 2.5
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < retry_after(_error(503, headers={"Retry-After": future})) <= 30
    assert retry_after(_error(503)) is None
    policy = RetryPolicy(max_retry_after=5)
    assert policy.delay(_error(429, headers={"retry-after": "3600"}), 1) == 5


def test_backoff_is_full_jitter_under_a_growing_ceiling():
    policy = RetryPolicy(base_delay=1, max_delay=8)
    for attempt, ceiling in ((1, 1), (2, 2), (3, 4), (4, 8), (9, 8)):
        samples = [policy.backoff(attempt) for _ in range(200)]
        assert 0 <= min(samples) and max(samples) <= ceiling
        assert max(samples) > ceiling / 2  # spread out, not a fixed wait


def test_strategy_rewinds_a_file_body_and_stops_after_max_attempts():
    seen: list[bytes] = []

    def call_api(body=None):
        seen.append(body.read())
        raise _error(503)

    strategy = OCIRetryStrategy(RetryPolicy(max_attempts=3, base_delay=0))
    with pytest.raises(ServiceError):
        strategy.make_retrying_call(call_api, body=io.BytesIO(b"part"))
    assert seen == [b"part"] * 3


class _Signer:
    def __init__(self):
        self.refreshes = 0

    def refresh_security_token(self):
        time.sleep(0.05)
        self.refreshes += 1


def test_a_burst_of_401s_refreshes_the_token_once():
    signer = _Signer()
    refresher = TokenRefresher(lambda: signer)
    strategy = OCIRetryStrategy(RetryPolicy(max_attempts=2, base_delay=0), refresher)
    barrier = threading.Barrier(8)
    results = []

    def call():
        state = {"n": 0}

        def api():
            state["n"] += 1
            if state["n"] == 1:
                barrier.wait()
                raise _error(401, "NotAuthenticated")
            return "ok"

        results.append(strategy.make_retrying_call(api))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ok"] * 8 and signer.refreshes == 1


def test_a_second_401_is_final():
    signer = _Signer()
    strategy = OCIRetryStrategy(RetryPolicy(max_attempts=5, base_delay=0), TokenRefresher(lambda: signer))
    calls = []

    def api():
        calls.append(1)
        raise _error(401, "NotAuthenticated")

    with pytest.raises(ServiceError):
        strategy.make_retrying_call(api)
    assert len(calls) == 2 and signer.refreshes == 1


def test_api_key_signers_are_not_refreshed():
    strategy = OCIRetryStrategy(RetryPolicy(max_attempts=5, base_delay=0), TokenRefresher(lambda: object()))
    calls = []

    def api():
        calls.append(1)
        raise _error(401, "NotAuthenticated")

    with pytest.raises(ServiceError):
        strategy.make_retrying_call(api)
    assert len(calls) == 1


def test_md5_forms():
    import base64
    import hashlib

    parts = [b"a" * 10, b"b" * 5]
    digests = [hashlib.md5(p).digest() for p in parts]
    expected = base64.b64encode(hashlib.md5(b"".join(digests)).digest()).decode() + "-2"
    assert multipart_md5(digests) == expected
    assert expected_md5({"Content-MD5": "abc=="}) == ("Content-MD5", "abc==")
    assert expected_md5({"opc-multipart-md5": "x-2", "opc-meta-md5": "w=="}) == ("opc-meta-md5", "w==")
    assert expected_md5({"opc-multipart-md5": "x-2"}) is None
