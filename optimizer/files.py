"""Writing result folders atomically: all files appear at once, or none do.

Results are written into a hidden temporary folder beside the target and renamed into place
at the end. An interrupted or failed run leaves the old folder (if any) untouched and no half
written one; a stale temporary folder is recognisable by its name and removed next time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .errors import InputError

TMP_PREFIX = ".regcollab-tmp-"
OLD_PREFIX = ".regcollab-old-"


def safe_name(name: str) -> str:
    """A file name that stays inside its folder (no separators, no '..')."""
    base = os.path.basename(name.replace("\\", "/"))
    if base in ("", ".", "..") or base != name:
        raise InputError(f"'{name}' is not a plain file name")
    return base


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike):
    """Yield a temporary folder; on success it replaces ``target`` in one rename."""
    target = Path(target).resolve()
    parent = target.parent
    if target.exists() and not target.is_dir():
        raise InputError(f"the output path '{target}' exists and is not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder '{parent}': {exc.strerror}") from None
    for stale in parent.glob(f"{TMP_PREFIX}{target.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{target.name}-", dir=parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{target.name}-", dir=parent))
        os.rmdir(old)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
