"""Loading an instance by its path or by the name of a bundled one."""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import InstanceError
from ..i18n import _
from .core import Instance
from .readers import RawInstance, read_folder
from .xlsx_reader import read_workbook

DEFAULT_INSTANCE = "guangdong"
"""The bundled instance solved when none is named."""


def bundled_instances_dir() -> Path:
    """The folder of the bundled instances: ``instances/`` of a checkout, or the copy installed
    inside the package (``optimizer/bundled``). Each subfolder is one instance, known by its
    folder name (``guangdong``, ``east-west``, ``demo``)."""
    package = Path(__file__).resolve().parents[1]
    for cand in (package.parent / "instances", package / "bundled"):
        if (cand / DEFAULT_INSTANCE).is_dir():
            return cand
    raise InstanceError(_("the bundled instances are not installed (reinstall regcollab)"))


def resolve_instance(path: str | Path | None) -> Path:
    """An instance path as given, or the name of a bundled instance (``"guangdong"``), or the
    bundled default when ``path`` is None. A path that exists always wins over a bundled name."""
    if path is None:
        return bundled_instances_dir() / DEFAULT_INSTANCE
    p = Path(path)
    if p.exists() or len(p.parts) != 1:
        return p
    try:
        bundled = bundled_instances_dir() / p.name
    except InstanceError:
        return p
    return bundled if bundled.is_dir() else p


def read_instance(path: str | Path | None = None) -> RawInstance:
    """The raw settings and tables of an instance (a folder, an ``.xlsx`` workbook or a
    bundled name), not yet validated."""
    folder = resolve_instance(path)
    if not folder.exists():
        try:
            names = sorted(p.name for p in bundled_instances_dir().iterdir()
                           if (p / "instance.toml").is_file())
        except InstanceError:
            names = []
        if names:
            raise InstanceError(_("the instance '{path}' does not exist (bundled instances: "
                                  "{names})").format(path=path, names=", ".join(names)))
        raise InstanceError(_("the instance '{path}' does not exist").format(path=path))
    if folder.is_file():
        if folder.suffix.lower() == ".xlsx":
            return read_workbook(folder)
        raise InstanceError(_("the instance '{path}' must be a folder (or an .xlsx workbook)")
                            .format(path=path))
    return read_folder(folder)


def load_instance(path: str | Path | None = None) -> Instance:
    """Load and validate an instance: a folder, an ``.xlsx`` workbook, or the name of a bundled
    instance (``"guangdong"``, ``"east-west"``, ``"demo"``; None: the bundled default).
    Raises :class:`InstanceError` on bad input."""
    t0 = time.perf_counter()
    inst = Instance.from_raw(read_instance(path))
    object.__setattr__(inst, "load_seconds", time.perf_counter() - t0)
    return inst
