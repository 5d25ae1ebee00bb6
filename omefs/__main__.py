"""``python -m omefs``: the ``omefs`` command line."""

from omefs.cli.main import main

if __name__ == "__main__":
    main()
