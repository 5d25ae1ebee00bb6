"""What a provider implements to take part in :mod:`omefs.lifecycle`: :class:`LifecycleHooks`.

A provider that has lifecycle rules names a subclass in its
``lifecycle_hooks`` (``"module:Class"``) and lists the neutral actions it
can express in ``Capabilities.lifecycle``. The subclass turns neutral rules
into the provider's native document and back, and reads, writes and
removes that document. Shared code (:mod:`omefs.lifecycle.api`) calls it in
this order for a ``set``: :meth:`~LifecycleHooks.to_native` with no extras
(every check, before any request), :meth:`~LifecycleHooks.read`,
:meth:`~LifecycleHooks.from_native` (to keep the bucket's native extras),
:meth:`~LifecycleHooks.to_native` again, :meth:`~LifecycleHooks.write`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from omefs.errors import ConfigError
from omefs.lifecycle.model import Rule
from omefs.providers.error_mapping import exception_chain

__all__ = ["LifecycleHooks", "LifecycleTarget"]


@dataclass(frozen=True)
class LifecycleTarget:
    """The bucket whose rules are read or written: its filesystem, parsed URI and name."""

    fs: Any
    uri: Any  # omefs.uri.ObjectURI
    url: str

    @property
    def bucket(self) -> str:
        return str(self.uri.bucket)


class LifecycleHooks:
    """The lifecycle half of a provider (subclass per provider; see the module docstring)."""

    #: Neutral class -> the native class a transition to it uses.
    classes: ClassVar[Mapping[str, str]] = {}
    #: Native class names a transition may also name.
    native_classes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @property
    def label(self) -> str:
        return str(self.provider.label or self.provider.name)

    @property
    def actions(self) -> tuple[str, ...]:
        """The neutral actions the provider can express (its ``Capabilities.lifecycle``)."""
        return tuple(self.provider.capabilities.lifecycle or ())

    # -- checks shared by the providers -------------------------------------------------------
    def accepted_classes(self) -> list[str]:
        """Every class name a transition may use here, neutral first."""
        return [*self.classes, *(c for c in self.native_classes if c not in self.classes)]

    def native_class(self, rule: Rule, name: str) -> str:
        """The native class of a transition to ``name`` (neutral or native, any case)."""
        wanted = name.strip().upper()
        for neutral, native in self.classes.items():
            if wanted == neutral:
                return native
        for native in self.native_classes:
            if wanted == native.upper():
                return native
        raise ConfigError(f"{self.label} cannot express lifecycle rule {rule.id!r}: no storage class "
                          f"{name!r} to move objects to; {self.label} accepts "
                          f"{', '.join(self.accepted_classes())}",
                          operation="lifecycle", provider=self.provider.name)

    def neutral_class(self, native: str) -> str:
        """The name a native class is shown by: the neutral one it stands for, else its own."""
        for neutral, name in self.classes.items():
            if name.upper() == native.upper():
                return neutral
        return native

    def check_actions(self, rule: Rule) -> None:
        """ConfigError when ``rule`` carries an action the provider cannot express."""
        missing = [a for a in rule.actions() if a not in self.actions]
        if missing:
            raise ConfigError(f"{self.label} cannot express lifecycle rule {rule.id!r}: it has no "
                              f"{', '.join(missing)}; {self.label} supports "
                              f"{', '.join(self.actions) or 'no lifecycle actions'}",
                              operation="lifecycle", provider=self.provider.name)

    def refuse(self, rule: Rule, why: str) -> ConfigError:
        """The ConfigError for a rule this provider cannot express, naming the rule."""
        return ConfigError(f"{self.label} cannot express lifecycle rule {rule.id!r}: {why}",
                           operation="lifecycle", provider=self.provider.name)

    def failure(self, exc: BaseException, target: LifecycleTarget, operation: str) -> BaseException:
        """An SDK error of a lifecycle request as an omefs error (raise it ``from`` the SDK's).

        HTTP 400 — the service refused the document — is a :class:`ConfigError`;
        everything else is mapped as every omefs call maps it.
        """
        from omefs.errors import OmefsError, ServiceError
        from omefs.providers.error_mapping import translate

        mapped = translate(exc, operation, target.url, self.provider.name)
        if _status(exc) == 400 and not isinstance(mapped, ConfigError):
            text = mapped.message if isinstance(mapped, OmefsError) else str(exc)
            mapped = ConfigError(f"{self.label} refused the lifecycle rules: {text}",
                                 operation=operation, uri=target.url, provider=self.provider.name)
        if not isinstance(mapped, OmefsError):
            mapped = ServiceError(f"{operation} failed: {type(exc).__name__}: {exc}", operation=operation,
                                  uri=target.url, provider=self.provider.name)
        return mapped

    # -- what each provider implements -------------------------------------------------------
    def to_native(self, rules: Sequence[Rule], extras: Sequence[Rule], target: LifecycleTarget,
                  current: Any = None) -> dict[str, Any]:
        """The native document for ``rules`` plus the bucket's ``extras`` (``current``: what the
        bucket holds now, for providers whose document covers more than the bucket).

        Raises :class:`ConfigError` for a rule the provider cannot express; sends nothing.
        """
        raise NotImplementedError

    def from_native(self, document: Any, target: LifecycleTarget) -> list[Rule]:
        """Neutral rules (and read-only extras) of a native document (``None``: no rules)."""
        raise NotImplementedError

    def read(self, target: LifecycleTarget) -> Any:
        """The bucket's native document, or ``None`` when it has none."""
        raise NotImplementedError

    def write(self, target: LifecycleTarget, document: dict[str, Any]) -> None:
        """Replace the bucket's rules by ``document``."""
        raise NotImplementedError

    def remove(self, target: LifecycleTarget, current: Any = None) -> None:
        """Remove every rule of the bucket (nothing to do when it has none)."""
        raise NotImplementedError


def _status(exc: BaseException) -> int | None:
    """The HTTP status an SDK error carries (OCI ``status``, botocore's response, gcsfs ``code``)."""
    for link in exception_chain(exc):
        response = getattr(link, "response", None)
        if isinstance(response, dict):
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if isinstance(status, int):
                return status
        for name in ("status", "status_code", "code"):
            value = getattr(link, name, None)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None
