"""Locks and liveness: a lock on the parent folder for a swap, a lock each staging folder
holds for the life of its process, and the clean-up of staging folders whose process is gone."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from pathlib import Path

from .base import STAGED_FILE, STALE_AFTER, TMP_PREFIX, fcntl


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
