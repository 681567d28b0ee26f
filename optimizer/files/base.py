"""What the writers share: names and constants of the staging machinery, the paths as the
user gave them, one-line errors for a failed write, fsync and the fault hook of the tests."""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import os
import re
import signal
import sys
import time
from pathlib import Path

from ..errors import InputError, WriteError
from ..i18n import N_, _, gap_after, listing

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
    errno.EROFS: N_("the file system is read-only"),
    errno.EACCES: N_("no permission to write there"),
    errno.EPERM: N_("no permission to write there"),
    errno.ENAMETOOLONG: N_("a name in the path is too long"),
    errno.ENOTDIR: N_("a part of the path is a file, not a folder"),
    errno.EBUSY: N_("it is in use (a mount point?)"),
    errno.EEXIST: N_("a file is in the way"),
}

written: list[Path] = []
"""Folders and files this process has written in full (the CLI's interrupt message)."""
_staging: set[Path] = set()  # this process's live staging folders: nested writes go in directly


def notify(text: str) -> None:
    """A note on standard error (a repaired swap)."""
    print(_("note:") + gap_after(_("note:")) + text, file=sys.stderr)


def safe_name(name: str) -> str:
    """A file name that stays inside its folder (no separators, no '..')."""
    base = os.path.basename(name.replace("\\", "/"))
    if base in ("", ".", "..") or base != name:
        raise InputError(_("'{name}' is not a plain file name").format(name=name))
    return base


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
    more = _(" and {n} more").format(n=len(names) - 3) if len(names) > 3 else ""
    return listing(names[:3]) + more  # as the data warnings list names


def _entries(folder: Path) -> list[str]:
    return [e for e in os.listdir(folder) if e not in LITTER]


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _key(name: str) -> str:
    """A short stand-in for a target's name in the names of its staging folder and journal."""
    raw = os.fsencode(name)
    return name if len(raw) <= 64 else hashlib.sha1(raw).hexdigest()[:16]


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _translate(exc: OSError, shown: str):
    """An OSError while writing as one line: WriteError (exit 6) or InputError (exit 2)."""
    reason = _(REASONS[exc.errno]) if exc.errno in REASONS else (exc.strerror or
                                                                   str(exc)).lower()
    if exc.errno in WRITE_FAILED:
        return WriteError(_("could not write '{path}': {reason}; nothing was changed (free "
                            "some space, or choose another place)").format(path=shown,
                                                                           reason=reason))
    return InputError(_("cannot write '{path}': {reason}; choose another place").format(
        path=shown, reason=reason))


@contextlib.contextmanager
def writing(shown):
    """Turn an OSError of the block into one line (InputError or WriteError)."""
    try:
        yield
    except OSError as exc:
        raise _translate(exc, _shown(shown)) from None


def _fault(point: str) -> None:
    where, _sep, how = os.environ.get(FAULT_ENV, "").partition(":")
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
