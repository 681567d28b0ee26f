"""The rules of what a command may write over: the places never touched, the folders
regcollab wrote (their manifest) and how a target is replaced or added to."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from ..results import REPORT_FILES, legacy_command
from .base import IN_PLACE_TMP, MANIFEST, _absolute, _entries, _few, _name_max, _shown, writing
from .recovery import _recover_if_needed


@dataclass
class Target:
    """Where a command is about to write, and how: ``new``, ``replace`` or ``add``."""

    path: Path  # absolute, links resolved
    shown: str  # as the user gave it
    mode: str
    owner: dict | None = None  # the manifest of the folder there (or what it implies)


def _check_place(path: Path, shown: str, inputs=()) -> None:
    """Places no command ever writes over (``force`` does not change this)."""
    if path.parent == path:
        raise InputError(_("'{path}' is the root folder: choose a new folder for the "
                           "results").format(path=shown))
    _check_path(path, shown)
    guarded = []
    with contextlib.suppress(OSError):
        guarded.append((Path.cwd().resolve(), _("the current folder")))
    with contextlib.suppress(RuntimeError, KeyError, OSError):
        guarded.append((Path.home().resolve(), _("your home folder")))
    guarded += [(_absolute(i), _("the input '{input}'").format(input=i))
                for i in inputs if i is not None]
    for p, what in guarded:
        if path == p:
            raise InputError(_("'{path}' is {what}: writing there would delete it; choose a new "
                               "folder for the results").format(path=shown, what=what))
        if path in p.parents:
            raise InputError(_("'{path}' contains {what}: writing there would delete it; "
                               "choose a new folder for the results").format(path=shown,
                                                                              what=what))
    if path.is_dir() and os.path.ismount(path):
        raise InputError(_("'{path}' is a mount point, which cannot be replaced: write into a "
                           "new folder inside it").format(path=shown))


def _check_path(path: Path, shown: str) -> None:
    """The nearest existing folder above ``path`` is a folder, and no new name is too long."""
    anc = path.parent
    while not os.path.lexists(anc):
        anc = anc.parent
    if not anc.is_dir():
        raise InputError(_("cannot write '{path}': '{above}' is a file, not a folder").format(
            path=shown, above=anc))
    limit = _name_max(anc)
    for part in path.relative_to(anc).parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise InputError(_("cannot write '{path}': the name '{name}...' is too long "
                               "({size} bytes; at most {limit} here)").format(
                path=shown, name=part[:24], size=size, limit=limit))


def read_manifest(folder) -> dict | None:
    """The manifest of a folder regcollab wrote, or None (none, or not one of ours)."""
    try:
        m = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(m, dict) or m.get("written_by") != "regcollab"
            or not isinstance(m.get("files"), list)
            or not all(isinstance(f, str) for f in m["files"])):
        return None
    return m


def read_owner(folder: Path, entries=None) -> dict | None:
    """Who wrote ``folder``: its manifest, or for a folder of an older version holding nothing
    but result files, what they imply (``legacy``); None when regcollab did not write it."""
    m = read_manifest(folder)
    if m is None:
        entries = [e for e in (_entries(folder) if entries is None else entries) if e != MANIFEST]
        cmd = legacy_command(folder, entries)
        if cmd is None:
            return None
        m = {"written_by": "regcollab", "command": cmd, "files": sorted(entries), "legacy": True}
    if m.get("command") == "solve" and not m.get("instance"):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            m["instance"] = json.loads((folder / "summary.json").read_text("utf-8")).get("instance")
    return m


def _decide(path: Path, shown: str, command, force, instance, can_add) -> Target:
    if not os.path.lexists(path):
        return Target(path, shown, "new")
    if not path.is_dir():
        raise InputError(_("'{path}' exists and is not a folder: choose a new folder for the "
                           "results").format(path=shown))
    entries = _entries(path)
    if not entries:
        return Target(path, shown, "replace")
    mine = {MANIFEST, *REPORT_FILES}
    entries = [e for e in entries if not (IN_PLACE_TMP.match(e)
                                          and IN_PLACE_TMP.match(e)["name"] in mine)]
    owner = read_owner(path, entries)
    ours = set(owner["files"]) | mine if owner else set()
    foreign = [e for e in entries if e not in ours
               or ((path / e).is_dir() and not (path / e).is_symlink())]
    if foreign:
        raise InputError(_("'{path}' holds files regcollab did not write ({files}), so it is "
                           "never replaced: choose a new folder for the results").format(
            path=shown, files=_few(foreign)))
    other = owner.get("command")
    if command is None or other is None or other == command:
        return Target(path, shown, "replace", owner)
    if can_add and other == "solve":
        theirs = owner.get("instance")
        if instance is None or theirs is None or theirs == instance:
            return Target(path, shown, "add", owner)
        if not force:
            raise InputError(_("'{path}' holds the results of 'regcollab solve' for the "
                               "instance '{theirs}', not '{instance}': choose another folder, "
                               "or add --force to replace them").format(
                path=shown, theirs=theirs, instance=instance))
        return Target(path, shown, "replace", owner)
    if force:
        return Target(path, shown, "replace", owner)
    raise InputError(_("'{path}' holds the results of 'regcollab {command}': choose another "
                       "folder, or add --force to replace them").format(path=shown,
                                                                         command=other))


def check_output(target, command: str | None = None, inputs=(), force: bool = False,
                 instance: str | None = None, can_add: bool = False) -> Target:
    """Check a folder a command is about to write, before it does any work.

    ``command`` names the writer (recorded in the manifest), ``inputs`` the paths it reads
    (never written over), ``force`` lets it replace another command's folder, ``instance`` and
    ``can_add`` let an analysis add to a solve's folder of that instance. Raises
    :class:`InputError` (exit status 2) with what to do instead."""
    path, shown = _absolute(target), _shown(target)
    with writing(shown):  # (a place that cannot even be looked at says so in one line)
        _check_place(path, shown, inputs)
        _recover_if_needed(path)
        return _decide(path, shown, command, force, instance, can_add)
