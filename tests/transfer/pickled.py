"""What a copy hands to an executor, as the bytes the executor would ship.

:class:`RecordingExecutor` stands in front of a real executor (a Dask
``distributed.Client``): every ``submit`` is serialised with cloudpickle —
the serializer Dask uses for task functions and arguments — before being
passed on unchanged, so a test can scan exactly what would travel to the
scheduler and the workers. :func:`assert_not_pickled` fails when a secret
appears in those bytes, as text or in the encodings a secret is commonly
carried in (base64, hex).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

import cloudpickle


class RecordingExecutor:
    """Passes ``submit`` on to ``inner`` and keeps the pickled form of each call."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.payloads: list[bytes] = []
        self.futures: list[Any] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.payloads.append(cloudpickle.dumps((fn, args, kwargs)))
        future = self.inner.submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def __getattr__(self, name: str) -> Any:  # scheduler_info and the rest: the inner client's
        return getattr(self.inner, name)


def _forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw), raw.hex().encode(),
            secret.encode("utf-16-le")]


def assert_not_pickled(payloads: Iterable[bytes], secrets: Iterable[str]) -> None:
    """Fail if any of ``secrets`` (or its base64 / hex / UTF-16 form) is in any payload."""
    payloads = list(payloads)
    assert payloads, "nothing was submitted: the scan would prove nothing"
    for secret in secrets:
        assert len(secret) >= 8, "a canary shorter than 8 characters matches by chance"
        for form in _forms(secret):
            for n, payload in enumerate(payloads):
                assert form not in payload, (
                    f"a secret ({secret[:3]}…, {len(secret)} characters) is in the pickled "
                    f"task {n} sent to the executor")
