"""The registered methods: every module of this package that defines ``METHOD`` (a
:class:`~optimizer.methods.base.Method`) adds it, so a new method is one new module here (and
its settings in ``optimizer/schema.py``). Consumers ask :func:`get_method` rather than compare
names."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .base import CliSetting, Method


def _discover() -> dict[str, Method]:
    found = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"{__package__}.{info.name}")
        method = getattr(module, "METHOD", None)
        if isinstance(method, Method):
            found.append(method)
    found.sort(key=lambda m: (m.order, m.name))
    names = [m.name for m in found]
    if len(set(names)) != len(names):
        raise RuntimeError(f"two methods share a name: {names}")
    return {m.name: m for m in found}


METHODS: dict[str, Method] = _discover()
"""Name -> method, in their order (weighted, epsilon, lexicographic, ...)."""


def method_names() -> tuple[str, ...]:
    """The names of the registered methods, in order (the ``--method`` choices)."""
    return tuple(METHODS)


def cli_settings() -> dict[str, CliSetting]:
    """Parameter name -> the command-line settings the methods declare (their options)."""
    return {s.name: s for m in METHODS.values() for s in m.cli_settings}


def get_method(name: str) -> Method:
    """The method called ``name``; an InputError naming the methods for any other name."""
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        near = difflib.get_close_matches(str(name), METHODS, n=1)
        raise InputError((_("unknown method {name}; the methods are {methods} (did you mean "
                            "'{near}'?)") if near else
                          _("unknown method {name}; the methods are {methods}")).format(
            name=repr(name), methods=", ".join(METHODS), near=near[0] if near else None)) from None
