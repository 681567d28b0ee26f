"""Reading the cells of an .xlsx file safely, within fixed limits.

An instance workbook comes from anywhere, so reading one must never crash, hang or exhaust
memory, whatever its bytes: every failure is an :class:`InstanceError` that names the file, and
where there is one the sheet, row and column. openpyxl writes our workbooks, but its reader is
not used for input, for three reasons: its read-only mode pads every row to the *declared*
dimension of a sheet (an 8 KB file claiming ``A1:XFD1048576`` took twenty minutes), it hides
a formula that was never calculated (no saved value: the cell reads as empty) and, in read-only
mode, merged cells; and its errors on a damaged file are whatever exception the damaged part
raises. This module reads the few parts an instance needs (the workbook, its relationships,
the shared strings, the number formats and the sheets) with a streaming XML parser that keeps
no tree, through defusedxml (no DTD, so no entity expansion and no external entities), and
enforces the limits below before and while reading. Values are converted as openpyxl does
(its date and number-format helpers are used), so both agree on every well-formed file.

Limits (documented in docs/instance-format.md): the file at most :data:`MAX_FILE_BYTES`, its
parts at most :data:`MAX_UNPACKED_BYTES` unpacked in all (checked from the zip directory before
any part is read; a part never yields more than its declared size), at most
:data:`MAX_PARTS` parts, :data:`MAX_XML_EVENTS` XML elements and text pieces in all, a value
at most :data:`MAX_ROWS` rows down and :data:`MAX_COLUMNS` columns across, at most
:data:`MAX_CELLS` non-empty cells, a text cell at most :data:`MAX_CELL_CHARS` characters
(Excel's own limit), and at most :data:`MAX_ENTRIES` sheets, relationships, number formats or
cell styles.

Parts: :mod:`.limits` (the limits), :mod:`.cells` (cell references, escaped text, unusable
values), :mod:`.parts` (the XML parser targets), :mod:`.book` (:class:`XlsxBook`).
"""

from __future__ import annotations

from .book import XlsxBook, need_reader
from .cells import TOO_LONG, Sheet, Unreadable, column_letter, parse_ref, unescape
from .limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    MAX_PARTS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_XML_EVENTS,
)

__all__ = ["MAX_CELLS", "MAX_CELL_CHARS", "MAX_COLUMNS", "MAX_ENTRIES", "MAX_FILE_BYTES",
           "MAX_PARTS", "MAX_ROWS", "MAX_UNPACKED_BYTES", "MAX_XML_EVENTS", "TOO_LONG", "Sheet",
           "Unreadable", "XlsxBook", "column_letter", "need_reader", "parse_ref", "unescape"]
