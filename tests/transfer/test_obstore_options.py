"""obstore stores shared within a process (:func:`omefs.transfer.obstore_options.shared_store`).

Pure logic on a stand-in store class: no server (``tests/cli/test_cli_startup.py`` counts
the real stores one command builds against moto and Azurite).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from omefs.transfer import obstore_options
from omefs.transfer.obstore_options import client_options, retry_config, shared_store


class Built:
    """Records every construction."""

    made: list[tuple[str, dict[str, Any]]] = []

    def __init__(self, bucket: str, *, config: dict[str, Any], **kwargs: Any) -> None:
        Built.made.append((bucket, config))
        self.bucket, self.config, self.kwargs = bucket, config, kwargs


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(obstore_options, "_stores", type(obstore_options._stores)())
    Built.made.clear()


def test_equal_arguments_share_one_store():
    args = {"client_options": client_options("http://127.0.0.1:9000"), "retry_config": retry_config(3)}
    one = shared_store(Built, "b", {"access_key_id": "a", "endpoint": "http://127.0.0.1:9000"}, **args)
    # a config built anew, keys in another order, timedeltas equal: the same store
    two = shared_store(Built, "b", {"endpoint": "http://127.0.0.1:9000", "access_key_id": "a"},
                       client_options=client_options("http://127.0.0.1:9000"), retry_config=retry_config(3))
    assert one is two and len(Built.made) == 1


@pytest.mark.parametrize("change", [
    {"bucket": "other"},
    {"config": {"access_key_id": "b"}},
    {"retry_config": retry_config(5)},
])
def test_any_difference_builds_another(change):
    base = {"bucket": "b", "config": {"access_key_id": "a"}, "retry_config": retry_config(3)}
    first = shared_store(Built, base["bucket"], base["config"], retry_config=base["retry_config"])
    other = {**base, **change}
    second = shared_store(Built, other["bucket"], other["config"], retry_config=other["retry_config"])
    assert first is not second and len(Built.made) == 2


def test_a_credential_provider_is_keyed_by_identity():
    class Provider:
        def __eq__(self, other: object) -> bool:  # equal, yet another identity (and token)
            return True

        __hash__ = object.__hash__

    one, two = Provider(), Provider()
    assert shared_store(Built, "b", {}, credential_provider=one) is \
        shared_store(Built, "b", {}, credential_provider=one)
    assert shared_store(Built, "b", {}, credential_provider=two) is not \
        shared_store(Built, "b", {}, credential_provider=one)


def test_the_least_recently_used_store_goes_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(obstore_options, "SHARED_STORES", 2)
    a = shared_store(Built, "a", {})
    shared_store(Built, "b", {})
    assert shared_store(Built, "a", {}) is a  # a is now the most recent
    shared_store(Built, "c", {})  # b goes
    assert shared_store(Built, "a", {}) is a
    assert [bucket for bucket, _ in Built.made] == ["a", "b", "c"]
    shared_store(Built, "b", {})
    assert [bucket for bucket, _ in Built.made] == ["a", "b", "c", "b"]


def test_threads_asking_at_once_get_one_store():
    start = threading.Barrier(8)
    got: list[Any] = []

    def ask() -> None:
        start.wait()
        got.append(shared_store(Built, "b", {"k": "v"}))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in got}) == 1 and len(Built.made) == 1
