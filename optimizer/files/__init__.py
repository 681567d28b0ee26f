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

The modules: ``base.py`` (names, paths as given, one-line errors), ``place.py`` (the rules
above: :func:`check_output`, manifests), ``locks.py`` (locks and stale staging folders),
``recovery.py`` (:func:`recover`) and ``atomic.py`` (:func:`atomic_dir`,
:class:`AtomicFile`, the swap).
"""

from __future__ import annotations

from .atomic import AtomicFile, atomic_dir, note_written
from .base import (
    ANALYSES,
    FAULT_ENV,
    IN_PLACE_TMP,
    JOURNAL_PREFIX,
    LEGACY_OLD,
    LITTER,
    MANIFEST,
    PREV_PREFIX,
    STAGED_FILE,
    STALE_AFTER,
    TMP_PREFIX,
    fcntl,
    notify,
    safe_name,
    writing,
    written,
)
from .place import Target, check_output, read_manifest, read_owner
from .recovery import recover

__all__ = ["ANALYSES", "FAULT_ENV", "IN_PLACE_TMP", "JOURNAL_PREFIX", "LEGACY_OLD", "LITTER",
           "MANIFEST", "PREV_PREFIX", "STAGED_FILE", "STALE_AFTER", "TMP_PREFIX", "AtomicFile",
           "Target", "atomic_dir", "check_output", "fcntl", "note_written", "notify",
           "read_manifest", "read_owner", "recover", "safe_name", "writing", "written"]
