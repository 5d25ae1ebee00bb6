"""A missing bucket, container, repository or object: an omefs error that keeps the service's answer.

Code written against s3fs, gcsfs, adlfs or ocifs catches the built-in the
parent raises (``FileNotFoundError``) and may read ``exc.__cause__`` for
the service's own error. omefs raises :class:`~omefs.errors.NotFoundError`
in its place, which must be both: a ``FileNotFoundError``, and chained
(``__cause__``) to what the parent and its SDK raised.

What "the service's answer" is, per provider: botocore's ``ClientError``
(``s3``), ``azure.core``'s ``ResourceNotFoundError`` (``az``, ``azure``),
the OCI SDK's ``ServiceError`` (``oci``), the GitHub client's HTTP error
(``github``). gcsfs speaks HTTP itself and raises ``FileNotFoundError``
from the 404 with no SDK exception under it, so for ``gs`` the chain holds
gcsfs's own ``FileNotFoundError``. ``testmem`` is fsspec's memory
filesystem, with no service and no omefs error mapping: it is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omefs.errors import NotFoundError, OmefsError
from omefs.providers.error_mapping import exception_chain
from tests.fsspec_abstract.targets import Target


def _service_errors(exc: BaseException) -> list[BaseException]:
    """The links of ``exc``'s chain raised by the parent library or its SDK (not omefs, not built-ins)."""
    return [link for link in exception_chain(exc)
            if not isinstance(link, OmefsError) and type(link).__module__.split(".")[0] != "builtins"]


#: The top-level module of the exception each provider's service answer arrives as.
SERVICE_MODULE = {"s3": "botocore", "az": "azure", "azure": "azure", "oci": "oci",
                  "github": "github"}


def _check(target: Target, call: Callable[[], Any], *, answered: bool = True) -> None:
    """``call`` raises NotFoundError (a FileNotFoundError) chained to the service's answer.

    ``answered=False``: no request was refused (GitHub lists a release's
    assets in one call; a name missing from the list is omefs's own
    finding), so there is no service error to keep, only the type to check.
    """
    if target.scheme == "testmem":
        pytest.skip("fsspec's memory filesystem: no service, and omefs maps none of its errors")
    with pytest.raises(NotFoundError) as info:
        call()
    exc = info.value
    assert isinstance(exc, FileNotFoundError)
    if not answered:
        return
    chain = list(exception_chain(exc))
    assert exc.__cause__ is not None and exc.__cause__ is chain[1]
    parents = [link for link in chain[1:] if not isinstance(link, OmefsError)]
    assert parents, f"nothing under the omefs error: {chain!r}"
    if target.scheme == "gs":
        # gcsfs raises FileNotFoundError from the 404 itself: that is the original.
        assert any(type(link) is FileNotFoundError for link in parents), chain
        return
    modules = {type(link).__module__.split(".")[0] for link in _service_errors(exc)}
    assert SERVICE_MODULE[target.scheme] in modules, (
        f"the service's error is not in the cause chain: {[type(x) for x in chain]}")


def test_missing_bucket(target: Target) -> None:
    _check(target, lambda: target.fs.cat_file(target.missing_bucket))


def test_missing_bucket_listing(target: Target) -> None:
    bucket = target.missing_bucket.rsplit("/", 1)[0]
    _check(target, lambda: target.fs.ls(bucket))


def test_missing_object(target: Target) -> None:
    _check(target, lambda: target.fs.cat_file(target.path("missing.bin")),
           answered=target.scheme != "github")


def test_missing_object_info(target: Target) -> None:
    _check(target, lambda: target.fs.info(target.path("missing.bin")),
           answered=target.scheme != "github")


def test_missing_github_release(target: Target) -> None:
    """GitHub's folder level: a release that does not exist is GitHub's 404, kept as the cause."""
    if target.scheme != "github":
        pytest.skip("GitHub only: its releases are the folders other stores do not have")
    owner_repo = target.base.rsplit("/", 1)[0]
    _check(target, lambda: target.fs.cat_file(f"{owner_repo}/no-such-release/x.bin"))
