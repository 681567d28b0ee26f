"""Run the ``regcollab`` command from a checkout without installing it: ``python cli.py solve``.

The command itself lives in :mod:`optimizer.cli` (installed as the ``regcollab`` entry point),
so that an install puts no top-level module named ``cli`` into site-packages.
"""

from optimizer.cli import main

if __name__ == "__main__":
    main()
