"""Writing cells and sheets of the workbooks regcollab makes (instance workbooks and
``results.xlsx``), with openpyxl: values as cells, text always as text, styled headers, and
the file replaced atomically."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from ..instance.xlsx_reader import text_of
from ..xlsx import MAX_CELL_CHARS

BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
"""Characters a sheet name may not hold."""


def need_openpyxl():
    """openpyxl, or an InputError naming the extra that installs it."""
    try:
        import openpyxl
    except ImportError:
        raise InputError(_("workbooks need openpyxl: pip install 'regcollab[report]'")) from None
    return openpyxl


def float_ok(v: float) -> bool:
    """A float that an .xlsx file keeps exactly (openpyxl writes 16 significant digits)."""
    return math.isfinite(v) and float(f"{v:.16g}") == v


def cell_for(text, kind: str | None):
    """The cell value of a CSV field: numbers as numbers, true/false as booleans where the
    schema says so, everything else as text (so ``007`` stays ``007``)."""
    if text is None:
        return None
    s = str(text)
    if s.strip() == "":
        return None
    t = s.strip()
    if kind in ("id", "text"):
        return s
    if kind == "bool":
        low = t.lower()
        if low in ("true", "false"):
            return low == "true"
        return s
    if re.fullmatch(r"[+-]?\d+", t) and str(int(t)) == t and abs(int(t)) < 10 ** 15:
        return int(t)
    try:
        v = float(t)
    except ValueError:
        return s
    if not float_ok(v):
        return s
    if kind in ("number", "integer") or repr(v) == t:
        if kind == "integer" and v.is_integer() and abs(v) < 10 ** 15:
            return int(v)
        return v
    return s


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "\n")


def excel_text(s: str) -> str:
    """Text as it is stored in a cell so that Excel (and :mod:`optimizer.xlsx`) shows exactly
    ``s``: a literal ``_x0041_`` gets its underscore escaped, and control characters, which XML
    cannot hold, are written as ``_xHHHH_``."""
    if "_x" in s:
        s = _LITERAL_ESCAPE.sub("_x005F_", s)
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", s)


def _typed_as_other(s: str) -> bool:
    """Text that Excel would turn into a formula, a number or TRUE/FALSE if it were typed."""
    if s.startswith(FORMULA_LEAD):
        return True
    t = s.strip()
    if t.upper() in ("TRUE", "FALSE"):
        return True
    try:
        float(t)
    except ValueError:
        return False
    return True


def append_row(ws, values, limit_text: bool = False) -> None:
    """Append ``values`` as a row of ``ws``. Text is written as text (cell type string: never a
    formula, an error value or a number, whatever it begins with), and text that Excel would
    read as something else if it were typed in gets Excel's quote prefix, so that editing the
    cell keeps it text. ``limit_text`` cuts text longer than a cell holds (results only)."""
    from openpyxl.cell import Cell

    row = []
    for v in values:
        if isinstance(v, str) and v != "":
            if limit_text and len(v) > MAX_CELL_CHARS:
                v = v[:MAX_CELL_CHARS - 1] + "…"
            cell = Cell(ws, value=excel_text(v))
            cell.data_type = "s"
            if _typed_as_other(v):
                cell.quotePrefix = True
            v = cell
        row.append(v)
    ws.append(row)


def style_header(ws, ncols: int, widths: list[int] | None = None) -> None:
    """A bold, shaded, frozen header row, and the column widths."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="DCE6F1")
    for j in range(1, ncols + 1):
        c = ws.cell(row=1, column=j)
        c.font = Font(bold=True)
        c.fill = fill
    ws.freeze_panes = "A2"
    if widths:
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = max(6, min(60, w + 2))


def _width(values) -> int:
    return max((len(text_of(v)) for v in values), default=6)


def add_table(wb, name: str, header: list[str], rows: list[list], limit_text=False) -> None:
    """A sheet ``name`` holding a table: the header, then the rows."""
    ws = wb.create_sheet(name)
    append_row(ws, header, limit_text)
    for r in rows:
        append_row(ws, r, limit_text)
    widths = [max(len(h), _width(r[j] for r in rows[:200])) for j, h in enumerate(header)]
    style_header(ws, len(header), widths)


def save(wb, path: Path) -> Path:
    """Write ``wb`` to ``path``, replacing it atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


