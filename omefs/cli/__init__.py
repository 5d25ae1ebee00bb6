"""The ``omefs`` command line (``omefs ls|stat|cat|cp|sync|rm|mount|auth``).

Entry point: :func:`omefs.cli.main.main` (the ``omefs`` console script and
``python -m omefs``). See ``docs/cli.md``.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Run the ``omefs`` command line (exits the process)."""
    from omefs.cli.main import main as _main

    _main(argv)
