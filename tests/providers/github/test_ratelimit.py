"""GitHub rate limits: secondary limits waited out within a bound, primary limits reported."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from omefs.errors import RateLimitError
from omefs.providers.github.ratelimit import RateLimitPolicy, classify
from tests.servers.github_fixtures import *  # noqa: F401,F403
from tests.servers.github_fixtures import OWNER, REPO, make_fs


def test_classify():
    assert classify(200, {}, "") is None
    assert classify(403, {"X-RateLimit-Remaining": "4999"}, "Resource not accessible") is None
    s = classify(403, {"Retry-After": "7"}, "You have exceeded a secondary rate limit.")
    assert s is not None and s.kind == "secondary" and s.retry_after == 7
    assert classify(429, {}, "").kind == "secondary"
    p = classify(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2000000000",
                       "x-ratelimit-limit": "5000"}, "API rate limit exceeded for user")
    assert p.kind == "primary" and p.limit == 5000
    assert p.reset_at == datetime.fromtimestamp(2_000_000_000, timezone.utc)
    assert classify(403, {}, "You have exceeded a secondary rate limit. Please wait a few "
                             "minutes before you try again.").kind == "secondary"


def test_policy_never_sleeps_less_than_min_wait():
    slept: list[float] = []
    policy = RateLimitPolicy(max_wait=10, sleep=slept.append)
    limit = classify(429, {"Retry-After": "0"}, "")
    assert policy.wait_or_raise(limit, waited=0, attempt=0, operation="ls", uri=None) == 1.0
    assert slept == [1.0]


def test_secondary_limit_with_retry_after_is_waited_out(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    gh.rate_limit(1, retry_after=1, status=403)
    start = time.monotonic()
    assert gh_fs.ls(f"{OWNER}/{REPO}", detail=False) == [f"{OWNER}/{REPO}/v1"]
    assert time.monotonic() - start >= 1.0
    assert [r.status for r in gh.requests("GET", contains="/releases")] == [403, 200]


def test_429_on_upload_is_waited_out_and_the_body_sent_again(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    gh.rate_limit(1, retry_after=1, status=429, path_contains="/uploads/")
    gh_fs.pipe(f"{OWNER}/{REPO}/v1/w.bin", b"0123456789" * 1000)
    assert gh.asset_bytes(OWNER, REPO, "v1", "w.bin") == b"0123456789" * 1000
    uploads = gh.requests("POST", contains="/uploads/")
    assert [r.status for r in uploads] == [429, 201]


def test_secondary_limit_past_the_bound_raises_without_waiting(gh, gh_token):
    fs = make_fs(gh, token=gh_token, max_rate_limit_wait=0.5)
    gh.rate_limit(1, retry_after=30, status=429)
    start = time.monotonic()
    with pytest.raises(RateLimitError) as err:
        fs.ls(f"{OWNER}/{REPO}")
    assert time.monotonic() - start < 0.5
    assert err.value.kind == "secondary" and err.value.retry_after == 30
    assert "max_rate_limit_wait" in str(err.value)
    assert len(gh.requests()) == 1
    # a secondary limit without Retry-After asks for a minute: over a 5 s bound
    gh.rate_limit(1, retry_after=None, status=403)
    with pytest.raises(RateLimitError, match="secondary"):
        make_fs(gh, token=gh_token, max_rate_limit_wait=5).ls(f"{OWNER}/{REPO}")


def test_repeated_secondary_limits_are_bounded_not_a_hot_loop(gh, gh_token):
    fs = make_fs(gh, token=gh_token, max_rate_limit_wait=2.5)
    gh.rate_limit(10, retry_after=1)
    start = time.monotonic()
    with pytest.raises(RateLimitError):
        fs.ls(f"{OWNER}/{REPO}")
    elapsed = time.monotonic() - start
    assert 2.0 <= elapsed < 2.5  # slept 1 s twice; a third pause would pass the bound
    assert len(gh.requests()) == 3


def test_exhausted_primary_limit_says_when_it_resets(gh, gh_fs):
    gh.create_release(OWNER, REPO, "v1")
    gh.exhaust_primary(reset_in=1800)
    start = time.monotonic()
    with pytest.raises(RateLimitError) as err:
        gh_fs.ls(f"{OWNER}/{REPO}")
    assert time.monotonic() - start < 1.0
    e = err.value
    assert e.kind == "primary" and e.limit == 5000 and e.provider == "github"
    assert e.reset_at is not None and 1700 < e.reset_at.timestamp() - time.time() <= 1800
    assert "resets at" in str(e) and e.reset_at.strftime("%H:%M") in str(e)
    assert len(gh.requests()) == 1  # reported at once, never retried


def test_primary_limit_for_anonymous_suggests_authenticating(gh):
    gh.exhaust_primary(reset_in=600)
    with pytest.raises(RateLimitError, match="authenticate"):
        make_fs(gh, anon=True).ls(f"{OWNER}/{REPO}")
