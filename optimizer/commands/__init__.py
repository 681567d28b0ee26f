"""Commands of ``regcollab`` beyond ``solve`` and ``validate`` (which are in ``optimizer/cli.py``).

Each module defines click commands and lists them in ``COMMANDS``; :func:`register` adds
them to the group. Add a module's name to ``MODULES`` to make its commands appear.
"""

from __future__ import annotations

import importlib
import importlib.util

MODULES = ["generate", "analysis", "report", "diagnose", "app"]


def register(group) -> None:
    for name in MODULES:
        if importlib.util.find_spec(f"{__name__}.{name}") is None:
            continue  # a command module not written yet
        mod = importlib.import_module(f"{__name__}.{name}")
        for cmd in mod.COMMANDS:
            group.add_command(cmd)
