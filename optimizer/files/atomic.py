"""The writers: :func:`atomic_dir` for a folder, :class:`AtomicFile` for a file, the
manifest, and the journaled swap that puts a staging folder in place."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from pathlib import Path

from .._version import __version__
from ..errors import InputError
from ..i18n import N_, _
from .base import (
    MANIFEST,
    PREV_PREFIX,
    TMP_PREFIX,
    _absolute,
    _entries,
    _fault,
    _fsync,
    _key,
    _now,
    _shown,
    _staging,
    _translate,
    writing,
    written,
)
from .locks import _clean_stale, _hold, _locked, _signals_held
from .place import Target, _check_path, _check_place, _decide, read_owner
from .recovery import _journal, _recover


def _make_parents(path: Path, shown: str) -> list[Path]:
    """Create the missing folders above ``path``; returns them (to remove on failure)."""
    missing = []
    p = path.parent
    while not os.path.lexists(p):
        missing.append(p)
        p = p.parent
    made = []
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o777)
            made.append(d)
        except FileExistsError:
            pass
        except OSError as exc:
            _remove_made(made)
            raise _translate(exc, shown) from None
    return made


def _remove_made(made: list[Path]) -> None:
    for d in reversed(made):
        try:
            os.rmdir(d)
        except OSError:
            break


def _stamp(p: Path):
    st = p.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def _write_manifest(tmp: Path, plan: Target, command, instance, copied: dict) -> None:
    files = sorted(e for e in _entries(tmp) if e != MANIFEST)
    if plan.mode == "add":
        m = {k: v for k, v in plan.owner.items() if k != "legacy"}
        changed = [f for f in files if f not in copied or _stamp(tmp / f) != copied[f]]
        m["files"] = files
        m["added"] = [*m.get("added", []), {"command": command, "version": __version__,
                                            "time": _now(), "files": changed}]
    else:
        m = {"written_by": "regcollab", "command": command, "version": __version__,
             "time": _now(), **({"instance": instance} if instance else {}), "files": files}
    (tmp / MANIFEST).write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n",
                                encoding="utf-8")


def note_written(folder, names, command: str) -> None:
    """Record in a folder's manifest that ``command`` (re)wrote ``names`` in it in place
    (``regcollab report``), so that they count as regcollab's own."""
    path = _absolute(folder)
    with _locked(path.parent):
        m = read_owner(path)
        if m is None or (set(names) <= set(m["files"]) and not m.get("legacy")):
            return  # not ours, or nothing new to record
        m.pop("legacy", None)
        m["files"] = sorted(set(m["files"]) | set(names))
        m["added"] = [*m.get("added", []), {"command": command, "time": _now(),
                                            "files": sorted(names)}]
        tmp = path / f".{MANIFEST}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            tmp.write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(tmp, path / MANIFEST)
        finally:
            tmp.unlink(missing_ok=True)


def _new_staging(parent: Path, name: str) -> tuple[Path, int | None]:
    while True:
        tmp = parent / f"{TMP_PREFIX}{_key(name)}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(tmp, 0o777)  # the umask applies (tempfile.mkdtemp would make it 0700)
            break
        except FileExistsError:
            continue
    try:
        return tmp, _hold(tmp)
    except OSError:
        os.rmdir(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(target, *, command: str | None = None, inputs=(), force: bool = False,
               instance: str | None = None, can_add: bool = False):
    """Yield a staging folder; at the end it replaces ``target`` in one rename.

    The rules of :func:`check_output` apply (checked again at the end, under a lock). When
    an analysis adds to a solve's folder, the staging folder starts as a copy of it: the
    caller sees the files already there (``summary.json``) and adds its own. Writing into a
    staging folder of this process (a nested call) writes there directly."""
    path = _absolute(target)
    if path in _staging:
        yield path
        return
    shown = _shown(target)
    with writing(shown):
        _check_place(path, shown, inputs)
    parent = path.parent
    made = _make_parents(path, shown)
    fd, tmp = None, None
    try:
        with writing(shown), _locked(parent) as (_lock, held):
            _recover(path, held)
            plan = _decide(path, shown, command, force, instance, can_add)
            _clean_stale(parent)
            tmp, fd = _new_staging(parent, path.name)
            copied = {}
            if plan.mode == "add":
                for e in _entries(path):
                    if e != MANIFEST and (path / e).is_file():
                        shutil.copy2(path / e, tmp / e)
                        copied[e] = _stamp(tmp / e)
        _staging.add(tmp)
        with writing(shown):
            yield tmp
            _write_manifest(tmp, plan, command, instance, copied)
            _swap(tmp, path, shown, (command, force, instance, can_add))
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        _remove_made(made)
        raise
    finally:
        _staging.discard(tmp)
        if fd is not None:
            os.close(fd)


def _swap(tmp: Path, path: Path, shown: str, rules: tuple) -> None:
    """Rename ``tmp`` into ``path``: under the parent's lock, journaled when ``path`` exists."""
    parent = path.parent
    with _locked(parent) as (dirfd, held):
        _recover(path, held)
        _decide(path, shown, *rules)  # it may have changed while we were writing
        for f in tmp.iterdir():
            _fsync(f)
        if not os.path.lexists(path):
            with _signals_held():
                os.rename(tmp, path)
                written.append(path)
            _fsync(parent, directory=True)
            return
        prev = parent / f"{PREV_PREFIX}{_key(path.name)}-{os.getpid()}-{secrets.token_hex(4)}"
        journal = _journal(path)
        swapped = False
        try:
            with _signals_held():  # an interrupt held here acts once the swap is done
                with open(journal, "w", encoding="utf-8") as f:
                    json.dump({"target": path.name, "prev": prev.name, "new": tmp.name,
                               "pid": os.getpid(), "time": _now()}, f)
                    f.flush()
                    os.fsync(f.fileno())
                _fsync(parent, directory=True)
                try:
                    os.rename(path, prev)
                except BaseException:
                    journal.unlink(missing_ok=True)
                    raise
                _fault("between-renames")
                try:
                    os.rename(tmp, path)
                except BaseException:
                    os.rename(prev, path)
                    journal.unlink(missing_ok=True)
                    raise
                swapped = True
                written.append(path)
                _fsync(parent, directory=True)
        finally:
            if swapped:  # (a second interrupt in here leaves it to the journal)
                _fault("before-cleanup")
                shutil.rmtree(prev, ignore_errors=True)
                journal.unlink(missing_ok=True)


class AtomicFile:
    """A file written beside its final name and renamed into place at the end.

    Checked when made (before any work): not a folder, a known format (``suffixes``), not an
    input, an existing file replaced only with ``replace``. ``tmp`` is the path to write (it
    ends in the same suffix, lower case); on a clean exit a non-empty ``tmp`` replaces the
    target and ``committed`` is True; otherwise nothing is left behind."""

    def __init__(self, target, *, suffixes=None, what: str = N_("the output file"), inputs=(),
                 replace: bool = True):
        path = _absolute(target)
        shown = _shown(target)
        with writing(shown):
            self._check(path, shown, suffixes, what, inputs, replace)
        self.path, self.shown = path, shown
        self.tmp: Path | None = None
        self.committed = False
        self._made: list[Path] = []

    @staticmethod
    def _check(path: Path, shown: str, suffixes, what: str, inputs, replace: bool) -> None:
        what = _(what)  # a phrase marked with N_() (an option's name is kept as it is)
        if suffixes and path.suffix.lower() not in suffixes:
            raise InputError(_("{what} '{path}': the format is given by the ending, which must "
                               "be {endings}").format(what=what, path=shown,
                                                      endings=_(" or ").join(suffixes)))
        if path.is_dir():
            raise InputError(_("'{path}' is a folder: {what} must be a file name").format(
                path=shown, what=what))
        for i in inputs:
            if i is not None and _absolute(i) == path:
                raise InputError(_("'{path}' is the input: choose another name for "
                                   "{what}").format(path=shown, what=what))
        if os.path.lexists(path) and not replace:
            raise InputError(_("'{target}' exists; add --force to replace it").format(
                target=shown))
        _check_path(path, shown)

    def __enter__(self) -> "AtomicFile":
        self._made = _make_parents(self.path, self.shown)
        with contextlib.suppress(OSError), _locked(self.path.parent):
            _clean_stale(self.path.parent)
        self.tmp = self.path.with_name(f".{_key(self.path.stem)}.tmp-{os.getpid()}-"
                                       f"{secrets.token_hex(4)}{self.path.suffix.lower()}")
        try:
            os.close(os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except OSError as exc:  # an unwritable place shows now, before the work
            _remove_made(self._made)
            raise _translate(exc, self.shown) from None
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None and self.tmp.exists() and self.tmp.stat().st_size > 0:
                with writing(self.shown):
                    _fsync(self.tmp)
                    os.replace(self.tmp, self.path)
                self.committed = True
                written.append(self.path)
        finally:
            if not self.committed:
                self.tmp.unlink(missing_ok=True)
                _remove_made(self._made)
        return False
