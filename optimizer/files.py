"""Writing results without ever losing a user's files.

Every command that writes a folder (``solve --out``, the analyses' ``--out``, ``generate``,
``convert`` into a folder) goes through :func:`atomic_dir`, and files (``convert`` into a
workbook, ``--write-model``) through :class:`AtomicFile`. The rules are the same for all (the
user's side is docs/cli.md, "Where results go and what is never overwritten"):

- **What may be replaced.** Only a folder that regcollab wrote (its manifest ``.regcollab.json``
  names the command and the files it wrote; a folder of an older version that holds nothing
  but result files counts too) or an empty one. A folder holding any file regcollab did not
  write is never touched. A folder written by another command is refused unless ``force``;
  an analysis written into a solve's folder of the same instance is *added* to it: the folder
  is copied, the analysis adds its files, and the copy replaces the folder.
- **Never, even with force:** the input or a folder containing it, the current folder or one
  containing it, the home folder, the root folder, a mount point.
- **Atomic.** The files go into a hidden staging folder beside the target that is renamed
  into place; an existing target is renamed aside first and removed after. A journal beside
  it records the swap, so that a run killed between the two renames is repaired by the next
  one that writes or reads there (the previous folder is restored, with a note on stderr).
  Ctrl-C and SIGTERM are held back for the few instructions of the swap.
- **Concurrent runs.** Each staging folder is locked (``flock``) by its process for as long as
  it lives, and only unlocked ones (their process is gone) are cleaned up; swaps take a lock
  on the parent folder, so the last run to finish wins and the folder is always one run's
  complete output.
- **Permissions.** Folders get the user's umask, like any other tool's (0777 & ~umask).
- **Errors** are one line: a bad place is an :class:`InputError` (exit status 2), a failed write
  (disk full, I/O error) a :class:`WriteError` (exit status 6); nothing is left behind and
  nothing was changed.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ._version import __version__
from .errors import InputError, WriteError
from .results import REPORT_FILES, legacy_command

try:
    import fcntl
except ImportError:  # Windows: no flock; staging folders are then judged by their age
    fcntl = None

MANIFEST = ".regcollab.json"
"""The small file in every folder regcollab writes: command, version, time and files."""
TMP_PREFIX = ".regcollab-tmp-"
PREV_PREFIX = ".regcollab-prev-"
JOURNAL_PREFIX = ".regcollab-swap-"
LEGACY_OLD = re.compile(r"^\.regcollab-old-(?P<name>.+)-[a-z0-9_]{8}$")  # before journals
STAGED_FILE = re.compile(r"^\..+\.tmp-(\d+)-[0-9a-f]{8}(\.[a-z]+)?$")  # AtomicFile.tmp
IN_PLACE_TMP = re.compile(r"^\.(?P<name>.+)\.tmp-\d+(-[0-9a-f]{8})?$")
"""A file being rewritten in place inside a results folder (report.html, results.xlsx, the
manifest): what a run killed meanwhile leaves; it goes with the folder."""
LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})  # what file managers leave
ANALYSES = ("pareto", "sensitivity", "sweep", "robustness")
"""Commands whose ``--out`` into a solve's folder (same instance) adds to it."""
FAULT_ENV = "REGCOLLAB_FAULT"
"""Test hook, read only here: ``between-renames`` or ``before-cleanup`` kills the process
(SIGKILL) at that point of a swap, as a power cut would; with ``:term`` appended it sends
itself SIGTERM there instead."""
STALE_AFTER = 86400.0  # without flock or process ids: a staging folder this old is abandoned
WRITE_FAILED = frozenset({errno.ENOSPC, errno.EIO, errno.EFBIG,
                          getattr(errno, "EDQUOT", errno.ENOSPC)})
REASONS = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "no permission to write there",
    errno.EPERM: "no permission to write there",
    errno.ENAMETOOLONG: "a name in the path is too long",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EBUSY: "it is in use (a mount point?)",
    errno.EEXIST: "a file is in the way",
}

written: list[Path] = []
"""Folders and files this process has written in full (the CLI's interrupt message)."""
_staging: set[Path] = set()  # this process's live staging folders: nested writes go in directly


def notify(text: str) -> None:
    """A note on standard error (a repaired swap)."""
    print(f"note: {text}", file=sys.stderr)


def safe_name(name: str) -> str:
    """A file name that stays inside its folder (no separators, no '..')."""
    base = os.path.basename(name.replace("\\", "/"))
    if base in ("", ".", "..") or base != name:
        raise InputError(f"'{name}' is not a plain file name")
    return base


# ================================================================================ the rules
@dataclass
class Target:
    """Where a command is about to write, and how: ``new``, ``replace`` or ``add``."""

    path: Path  # absolute, links resolved
    shown: str  # as the user gave it
    mode: str
    owner: dict | None = None  # the manifest of the folder there (or what it implies)


def _absolute(target) -> Path:
    try:
        return Path(os.path.abspath(target)).resolve()
    except OSError:  # e.g. a name too long to look up: _check_path says so
        return Path(os.path.abspath(target))


def _shown(target) -> str:
    """A path as the user gave it, shortened for a one-line message."""
    text = str(target)
    return text if len(text) <= 80 else f"{text[:40]}...{text[-20:]}"


def _few(names) -> str:
    names = sorted(names)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _entries(folder: Path) -> list[str]:
    return [e for e in os.listdir(folder) if e not in LITTER]


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _check_place(path: Path, shown: str, inputs=()) -> None:
    """Places no command ever writes over (``force`` does not change this)."""
    if path.parent == path:
        raise InputError(f"'{shown}' is the root folder: choose a new folder for the results")
    _check_path(path, shown)
    guarded = []
    with contextlib.suppress(OSError):
        guarded.append((Path.cwd().resolve(), "the current folder"))
    with contextlib.suppress(RuntimeError, KeyError, OSError):
        guarded.append((Path.home().resolve(), "your home folder"))
    guarded += [(_absolute(i), f"the input '{i}'") for i in inputs if i is not None]
    for p, what in guarded:
        if path == p:
            raise InputError(f"'{shown}' is {what}: writing there would delete it; choose a new "
                             "folder for the results")
        if path in p.parents:
            raise InputError(f"'{shown}' contains {what}: writing there would delete it; "
                             "choose a new folder for the results")
    if path.is_dir() and os.path.ismount(path):
        raise InputError(f"'{shown}' is a mount point, which cannot be replaced: write into a "
                         "new folder inside it")


def _check_path(path: Path, shown: str) -> None:
    """The nearest existing folder above ``path`` is a folder, and no new name is too long."""
    anc = path.parent
    while not os.path.lexists(anc):
        anc = anc.parent
    if not anc.is_dir():
        raise InputError(f"cannot write '{shown}': '{anc}' is a file, not a folder")
    limit = _name_max(anc)
    for part in path.relative_to(anc).parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise InputError(f"cannot write '{shown}': the name '{part[:24]}...' is too long "
                             f"({size} bytes; at most {limit} here)")


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
        raise InputError(f"'{shown}' exists and is not a folder: choose a new folder for the "
                         "results")
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
        raise InputError(f"'{shown}' holds files regcollab did not write ({_few(foreign)}), "
                         "so it is never replaced: choose a new folder for the results")
    other = owner.get("command")
    if command is None or other is None or other == command:
        return Target(path, shown, "replace", owner)
    if can_add and other == "solve":
        theirs = owner.get("instance")
        if instance is None or theirs is None or theirs == instance:
            return Target(path, shown, "add", owner)
        if not force:
            raise InputError(f"'{shown}' holds the results of 'regcollab solve' for the "
                             f"instance '{theirs}', not '{instance}': choose another folder, or "
                             "add --force to replace them")
        return Target(path, shown, "replace", owner)
    if force:
        return Target(path, shown, "replace", owner)
    raise InputError(f"'{shown}' holds the results of 'regcollab {other}': choose another "
                     "folder, or add --force to replace them")


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


# ================================================================================ locks
@contextlib.contextmanager
def _locked(parent: Path):
    """An exclusive lock on a folder for a short critical section; yields (fd, held)."""
    fd, held = None, False
    try:
        fd = os.open(parent, os.O_RDONLY)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = True
    except OSError:
        pass  # no lock on this system: best effort, the process ids speak instead
    try:
        yield fd, held
    finally:
        if fd is not None:
            os.close(fd)


def _hold(folder: Path) -> int | None:
    """Lock a staging folder for the life of this process (released by the kernel even on
    SIGKILL); the returned descriptor is closed when the folder is no longer staging."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY)
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _pid_of(name: str) -> int | None:
    parts = name.rsplit("-", 2)
    try:
        return int(parts[-2]) if len(parts) == 3 else None
    except ValueError:
        return None


def _process_alive(pid: int | None) -> bool | None:
    """Whether a process exists (None: cannot tell here)."""
    if pid is None or os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _alive(staging: Path) -> bool:
    """Whether the process that made a staging folder is still writing it."""
    if fcntl is not None:
        try:
            fd = os.open(staging, os.O_RDONLY)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False  # nobody holds it: its process is gone
        except BlockingIOError:
            return True
        except OSError:
            pass  # no flock on this file system
        finally:
            os.close(fd)
    alive = _process_alive(_pid_of(staging.name))
    if alive is not None:
        return alive
    try:
        return time.time() - staging.stat().st_mtime < STALE_AFTER
    except OSError:
        return True


def _clean_stale(parent: Path) -> None:
    """Remove staging folders and files whose process is gone (call with the parent locked)."""
    for e in os.listdir(parent):
        p = parent / e
        if e.startswith(TMP_PREFIX) and p.is_dir() and not p.is_symlink() and not _alive(p):
            shutil.rmtree(p, ignore_errors=True)
        elif (STAGED_FILE.match(e) and p.is_file() and not p.is_symlink()
              and _process_alive(int(STAGED_FILE.match(e)[1])) is False):
            p.unlink(missing_ok=True)  # an AtomicFile of a process that is gone


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl-C and SIGTERM back for a few instructions (they act right after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught, saved = [], {}
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if s is not None:
            with contextlib.suppress(ValueError, OSError):
                saved[s] = signal.signal(s, lambda n, f: caught.append(n))
    try:
        yield
    finally:
        for s, h in saved.items():
            signal.signal(s, h)
        for n in caught[:1]:
            h = saved.get(n)
            if callable(h):
                h(n, None)
            elif h == signal.SIG_DFL:
                os.kill(os.getpid(), n)


def _fault(point: str) -> None:
    where, _, how = os.environ.get(FAULT_ENV, "").partition(":")
    if where == point:
        if how == "term":
            os.kill(os.getpid(), signal.SIGTERM)
            return
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
        time.sleep(10)


def _fsync(path: Path, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno in WRITE_FAILED and not directory:
            raise
    finally:
        os.close(fd)


# ================================================================================ recovery
def _key(name: str) -> str:
    """A short stand-in for a target's name in the names of its staging folder and journal."""
    raw = os.fsencode(name)
    return name if len(raw) <= 64 else hashlib.sha1(raw).hexdigest()[:16]


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
        with _locked(path.parent) as (_, held):
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
                notify(f"restored the previous contents of '{path}': a run was stopped "
                       "while replacing them")
            else:
                shutil.rmtree(prev, ignore_errors=True)
                notify(f"finished replacing '{path}': a run was stopped before removing its "
                       "previous contents")
        if new.is_dir():
            shutil.rmtree(new, ignore_errors=True)
        journal.unlink(missing_ok=True)
    elif not os.path.lexists(path):
        old = _legacy_old(path)
        if old:
            os.rename(old[-1], path)
            notify(f"restored the previous contents of '{path}' (a run of an older version was "
                   "stopped while replacing them)")


# ================================================================================ writing
def _translate(exc: OSError, shown: str):
    """An OSError while writing as one line: WriteError (exit 6) or InputError (exit 2)."""
    reason = REASONS.get(exc.errno) or (exc.strerror or str(exc)).lower()
    if exc.errno in WRITE_FAILED:
        return WriteError(f"could not write '{shown}': {reason}; nothing was changed (free "
                          "some space, or choose another place)")
    return InputError(f"cannot write '{shown}': {reason}; choose another place")


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


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


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


@contextlib.contextmanager
def writing(shown):
    """Turn an OSError of the block into one line (InputError or WriteError)."""
    try:
        yield
    except OSError as exc:
        raise _translate(exc, _shown(shown)) from None


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
        with writing(shown), _locked(parent) as (_, held):
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

    def __init__(self, target, *, suffixes=None, what: str = "the output file", inputs=(),
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
        if suffixes and path.suffix.lower() not in suffixes:
            raise InputError(f"{what} '{shown}': the format is given by the ending, which must "
                             f"be {' or '.join(suffixes)}")
        if path.is_dir():
            raise InputError(f"'{shown}' is a folder: {what} must be a file name")
        for i in inputs:
            if i is not None and _absolute(i) == path:
                raise InputError(f"'{shown}' is the input: choose another name for {what}")
        if os.path.lexists(path) and not replace:
            raise InputError(f"'{shown}' exists; add --force to replace it")
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
