"""``python -m govgraph`` is the ``govgraph`` command."""

from govgraph.cli import main

if __name__ == "__main__":
    main()
