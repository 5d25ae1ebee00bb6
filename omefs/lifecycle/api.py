"""``omefs.lifecycle.get`` / ``set`` / ``delete``: a bucket's lifecycle rules on any provider.

The bucket URL picks the provider (``s3://bucket``, ``gs://bucket``,
``azure://container@account``, ``oci://bucket@namespace``); ``auth=`` and
storage options reach its filesystem as in :func:`omefs.filesystem`, and
the provider's lifecycle hooks do the rest (see :mod:`omefs.lifecycle.hooks`).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from omefs.errors import ConfigError
from omefs.lifecycle.hooks import LifecycleHooks, LifecycleTarget
from omefs.lifecycle.model import Rule, check_rules, rules_from_data
from omefs.types import AuthLike

__all__ = ["delete", "get", "hooks_for", "set"]


def hooks_for(bucket_url: str) -> LifecycleHooks:
    """The lifecycle hooks of the URL's provider; ConfigError when it has none."""
    from omefs.providers import get_provider
    from omefs.uri import parse_uri

    uri = parse_uri(bucket_url)
    provider = get_provider(uri.provider)
    hooks = provider.lifecycle()
    if hooks is None:
        raise ConfigError(f"{provider.label or provider.name} has no lifecycle rules that omefs can "
                          f"manage", operation="lifecycle", uri=bucket_url, provider=provider.name)
    return hooks  # type: ignore[no-any-return]


def _bucket_uri(bucket_url: str) -> Any:
    """The parsed bucket URL; ConfigError when it names objects inside the bucket."""
    from omefs.uri import parse_uri

    uri = parse_uri(bucket_url)
    if uri.path.strip("/"):
        raise ConfigError(f"lifecycle rules belong to a bucket: give its URL without a path "
                          f"(not {bucket_url!r}); a rule's prefix selects objects",
                          operation="lifecycle", uri=bucket_url, provider=uri.provider)
    return uri


def _target(bucket_url: str, auth: AuthLike, storage_options: dict[str, object]) -> LifecycleTarget:
    """The bucket with its filesystem (built as :func:`omefs.filesystem` builds it)."""
    from omefs.api import url_to_fs

    uri = _bucket_uri(bucket_url)
    fs, _ = url_to_fs(bucket_url, auth=auth, **storage_options)
    return LifecycleTarget(fs=fs, uri=uri, url=bucket_url)


def get(bucket_url: str, *, auth: AuthLike = None,
        **storage_options: object) -> builtins.list[Rule]:
    """The bucket's lifecycle rules, neutral; rules the neutral form cannot express come back
    as read-only extras (``rule.native`` holds the provider's document). No rules: ``[]``."""
    hooks = hooks_for(bucket_url)
    target = _target(bucket_url, auth, storage_options)
    return hooks.from_native(hooks.read(target), target)


def set(  # noqa: A001 - omefs.lifecycle.set, as the interface names it
    bucket_url: str, rules: Iterable[Rule | Mapping[str, object]] | Mapping[str, object], *,
    dry_run: bool = False, auth: AuthLike = None, **storage_options: object,
) -> dict[str, Any]:
    """Replace the bucket's lifecycle rules by ``rules``, keeping its native extras.

    ``rules``: :class:`Rule` objects, their mapping form, or ``{"rules": [...]}``
    (what :func:`omefs.lifecycle.load` reads from YAML or JSON). Every rule is
    checked before anything is sent: a rule the provider cannot express is a
    :class:`~omefs.errors.ConfigError` naming it and what the provider supports.
    Returns the native document sent — with ``dry_run=True``, the one that would
    be sent (the bucket's current rules are read, nothing is written).
    """
    hooks = hooks_for(bucket_url)
    wanted = check_rules(rules_from_data(rules))
    unconnected = LifecycleTarget(fs=None, uri=_bucket_uri(bucket_url), url=bucket_url)
    hooks.to_native(wanted, [], unconnected)  # every check, before any request
    target = _target(bucket_url, auth, storage_options)
    current = hooks.read(target)
    extras = [r for r in hooks.from_native(current, target) if r.read_only]
    document = hooks.to_native(wanted, extras, target, current)
    if not dry_run:
        if wanted or extras:
            hooks.write(target, document)
        else:
            hooks.remove(target, current)
    return document


def delete(bucket_url: str, *, auth: AuthLike = None, **storage_options: object) -> None:
    """Remove every lifecycle rule of the bucket, native extras included."""
    hooks = hooks_for(bucket_url)
    target = _target(bucket_url, auth, storage_options)
    hooks.remove(target, hooks.read(target))
