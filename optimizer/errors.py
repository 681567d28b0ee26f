"""Errors a planner can act on. The CLI turns each into one message and an exit status."""

from __future__ import annotations


class RegcollabError(Exception):
    """Base class: an expected failure with a message in the planner's words."""

    exit_code = 1


class InputError(RegcollabError):
    """Bad input data or options (exit status 2).

    ``file``, ``row`` and ``column`` locate the problem the way the planner sees it:
    ``row`` is a phrase such as ``"line 4 (id SZ)"``.
    """

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, row: str | None = None,
                 column: str | None = None):
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        where = [w for w in (self.file, self.row) if w]
        if self.column:
            where.append(f"column '{self.column}'")
        return (", ".join(where) + ": " if where else "") + self.message


class WriteError(RegcollabError):
    """The results could not be written (the disk is full, a write failed): exit status 5.

    Nothing was changed: the previous results, if any, are still in place."""

    exit_code = 5


class InstanceError(InputError):
    """An instance that does not load or does not validate."""
