"""The ``testmem://`` fsspec filesystem: fsspec's memory filesystem with a store of its own.

fsspec finds it through the ``fsspec.specs`` entry point, so
``fsspec.open("testmem://bkt/x.txt")`` works in an interpreter that never
imported omefs. Its objects live in this process only: another process
(a CLI run, say) starts with an empty store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fsspec.implementations.memory import MemoryFileSystem

__all__ = ["TestMemFileSystem"]

#: The only auth type the store knows: it needs no credentials.
AUTH_TYPES = ("anonymous",)


class TestMemFileSystem(MemoryFileSystem):
    """``testmem://BUCKET/PATH`` in memory; ``auth=`` is checked like a real provider would.

    ``store`` and ``pseudo_dirs`` are class attributes of this class, not
    the parent's: ``memory://`` and ``testmem://`` never see each other's
    objects. Paths keep the parent's form, ``/BUCKET/KEY``.
    """

    __test__ = False  # not a pytest test class, despite its name

    protocol = ("testmem",)
    #: The omefs provider that owns instances of this class (``provider_of(fs)``).
    storage_provider = "testmem"
    store: ClassVar[dict[str, Any]] = {}
    pseudo_dirs: ClassVar[list[str]] = [""]

    def __init__(self, *args: Any, auth: Any = None, **kwargs: Any) -> None:
        self.auth_type = _check_auth(auth)
        super().__init__(*args, **kwargs)

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        """``testmem://bkt/x`` → ``/bkt/x``, the parent's path form (it strips only ``memory://``)."""
        if isinstance(path, str):
            path = path.removeprefix("testmem://")
        return super()._strip_protocol(path)


def _check_auth(auth: Any) -> str:
    """The auth type ``auth`` asks for: None, or a mapping or AuthConfig-like object
    naming provider ``testmem`` and auth type ``anonymous``."""
    if auth is None:
        return AUTH_TYPES[0]
    if isinstance(auth, Mapping):
        provider, auth_type = auth.get("provider", "testmem"), auth.get("auth_type", "anonymous")
    else:
        provider = getattr(auth, "provider", None)
        auth_type = getattr(auth, "auth_type", None)
    if provider != "testmem" or auth_type not in AUTH_TYPES:
        from omefs.errors import ConfigError

        raise ConfigError(
            f"testmem takes auth=None or an auth config with provider 'testmem' and auth_type "
            f"{' or '.join(repr(t) for t in AUTH_TYPES)}; got provider {provider!r}, "
            f"auth_type {auth_type!r}",
            operation="connect", provider="testmem",
        )
    return str(auth_type)
