"""What the OME facade (:mod:`omefs.storage`) and the CLI ask a provider: the default answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omefs.providers.base import Provider

__all__ = ["FacadeHooks"]


class FacadeHooks:
    """The facade's questions to one provider; this base answers for plain fsspec."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
