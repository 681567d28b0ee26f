"""Cells of an .xlsx sheet: references (``B7``), escaped text, and values that cannot be used."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..i18n import N_, _
from . import limits

# built-in number formats that show dates or times (ECMA-376 18.8.30, with the East Asian ones)
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
TIMEDELTA_FORMAT_IDS = frozenset([46])
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class Unreadable:
    """A cell whose value cannot be used; ``why`` says so in the planner's words (English,
    with ``{placeholders}`` filled from ``args``), :meth:`said` in the current language."""

    why: str
    args: tuple = ()

    def said(self) -> str:
        """``why`` in the current language: "is a formula with no saved value ..."."""
        return _(self.why).format(**dict(self.args))


TOO_LONG = Unreadable(N_("holds more than {n} characters, more than a cell of Excel can hold"),
                      (("n", f"{limits.MAX_CELL_CHARS:,}"),))


@dataclass
class Sheet:
    """The non-empty rows of a sheet: ``rows`` is ``[(row number, values)]`` with values from
    column A (``None`` for an empty cell), ``merged`` the first merged ranges (``"A3:A4"``;
    at most ten are kept)."""

    name: str
    rows: list = field(default_factory=list)
    merged: list = field(default_factory=list)


def column_letter(j: int) -> str:
    """The letters of the 1-based column ``j`` (1 -> A, 28 -> AB)."""
    out = ""
    while j > 0:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_ref(ref: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as ``B7`` (``$B$7``), or None if it is none."""
    m = _REF.fullmatch(ref or "")
    if not m:
        return None
    row, col = int(m.group(2)), _column_number(m.group(1))
    if not (1 <= row <= limits.EXCEL_MAX_ROW and 1 <= col <= limits.EXCEL_MAX_COLUMN):
        return None
    return row, col


def unescape(text: str) -> str:
    """A cell's text as Excel shows it: ``_x000D_`` is a carriage return, ``_x005F_`` an
    underscore (OOXML's escape for characters XML cannot hold; NUL and surrogates are kept
    escaped, as no text may hold them)."""
    if "_x" not in text:
        return text

    def sub(m):
        code = int(m.group(1), 16)
        return m.group(0) if code == 0 or 0xD800 <= code <= 0xDFFF else chr(code)

    return _ESCAPED.sub(sub, text)


def joined(parts: list):
    """The text of a cell made of ``parts`` (runs of rich text), unescaped, or TOO_LONG."""
    if any(p is TOO_LONG for p in parts):
        return TOO_LONG
    s = unescape("".join(parts))
    return TOO_LONG if len(s) > limits.MAX_CELL_CHARS else s


