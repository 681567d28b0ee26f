"""Recovery: a swap that a killed run left half done is finished or undone by the next run
that writes or reads there, from the journal beside the target."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .base import (
    JOURNAL_PREFIX,
    LEGACY_OLD,
    PREV_PREFIX,
    TMP_PREFIX,
    _absolute,
    _key,
    notify,
    safe_name,
)
from .locks import _locked, _process_alive


def _journal(path: Path) -> Path:
    return path.parent / f"{JOURNAL_PREFIX}{_key(path.name)}.json"


def _legacy_old(path: Path) -> list[Path]:
    """Folders an older version set aside while replacing ``path`` and never restored."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    out = []
    for e in names:
        m = LEGACY_OLD.match(e)
        if m and m["name"] == path.name and (path.parent / e).is_dir():
            out.append(path.parent / e)
    return sorted(out, key=lambda p: p.stat().st_mtime)


def _recover_if_needed(path: Path) -> None:
    if _journal(path).exists() or (not os.path.lexists(path) and _legacy_old(path)):
        with _locked(path.parent) as (_lock, held):
            _recover(path, held)


def recover(folder) -> None:
    """Finish or undo a swap of ``folder`` that a killed run left half done (a note on stderr).

    Commands call this before they read a folder (``report``, an instance) and every write
    does before it writes."""
    _recover_if_needed(_absolute(folder))


def _recover(path: Path, held: bool) -> None:
    """Repair ``path`` after a run died mid-swap (call with the parent locked)."""
    parent, journal = path.parent, _journal(path)
    if journal.exists():
        try:
            j = json.loads(journal.read_text(encoding="utf-8"))
            prev, new = parent / safe_name(j["prev"]), parent / safe_name(j["new"])
            if j["target"] != path.name or not (prev.name.startswith(PREV_PREFIX)
                                                and new.name.startswith(TMP_PREFIX)):
                return
            pid = j.get("pid")
        except (OSError, ValueError, KeyError, TypeError, InputError):
            journal.unlink(missing_ok=True)  # torn before any rename: nothing was moved
            return
        if not held and _process_alive(pid):
            return  # without locks: the writer may still be at it
        if prev.is_dir():
            if not os.path.lexists(path):
                os.rename(prev, path)
                notify(_("restored the previous contents of '{path}': a run was stopped "
                         "while replacing them").format(path=path))
            else:
                shutil.rmtree(prev, ignore_errors=True)
                notify(_("finished replacing '{path}': a run was stopped before removing "
                         "its previous contents").format(path=path))
        if new.is_dir():
            shutil.rmtree(new, ignore_errors=True)
        journal.unlink(missing_ok=True)
    elif not os.path.lexists(path):
        old = _legacy_old(path)
        if old:
            os.rename(old[-1], path)
            notify(_("restored the previous contents of '{path}' (a run of an older version "
                     "was stopped while replacing them)").format(path=path))
