"""What the copy engine asks a provider: the default answers, for any fsspec filesystem."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omefs.providers.base import Provider

__all__ = ["TransferHooks", "LocalFileHooks", "MemoryHooks"]


class TransferHooks:
    """The engine's questions to one provider; this base answers for plain fsspec."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider


class LocalFileHooks(TransferHooks):
    """Local files."""


class MemoryHooks(TransferHooks):
    """fsspec's memory filesystem."""
