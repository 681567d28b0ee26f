"""Instances and results as Excel workbooks, for planners who live in Excel.

An instance workbook holds the tables of an instance folder as sheets:

- ``partners``, ``recipients`` and (optional) ``pairs``: the CSV files, one row per row, the
  header in row 1 (row numbers in messages are the sheet's row numbers);
- ``parameters``: what ``instance.toml`` holds, one setting a row: ``key`` (the dotted path,
  e.g. ``objective.lambda`` or ``types.platform.setup``), ``value``, ``type`` (number,
  integer, text, bool, list, table, date), and, only for reading, the ``default`` and a
  ``description``. :func:`folder_to_workbook` lists every setting there is, the ones the
  instance does not set with an empty value, so that a planner sees what can be set;
- any other CSV file of the folder (``provenance.csv``) as a sheet of its name, and the
  folder's ``README.md`` as a sheet ``README`` (one line a row); they come back as files.

:func:`folder_to_workbook` and :func:`workbook_to_folder` convert without loss: every cell keeps
its value (a number whose text is not its shortest form, e.g. ``1.50``, comes back as ``1.5``),
ids and names are written as text (never as a formula, however they begin), so both give the
same instance and the same plans. :func:`load_workbook_instance` is what
``load_instance("x.xlsx")`` calls; the cells are read by :mod:`optimizer.xlsx` within fixed
limits, and every cell a table cannot use (a formula never calculated, an error value, a
merged cell, TRUE/FALSE or a date where a number or an id belongs) is an error naming its
sheet, row and column.

:func:`write_results_workbook` turns a results folder into ``results.xlsx``: the summary, one
sheet per table, an **Answer Report** and a **Sensitivity Report** in the layouts of Excel
Solver's.

openpyxl (writing), defusedxml (reading) and tomli-w (``instance.toml``) come with the
``report`` extra.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import os
import re
from pathlib import Path

import pandas as pd

from .errors import InputError, InstanceError
from .files import atomic_dir
from .xlsx import MAX_CELL_CHARS, Sheet, Unreadable, XlsxBook, column_letter, need_reader, parse_ref

TABLE_SHEETS = ("partners", "recipients", "pairs")
PARAM_SHEET = "parameters"
README_SHEET = "README"
PARAM_HEADER = ("key", "value", "type", "default", "description")
PARAM_TYPES = ("number", "integer", "text", "bool", "list", "table", "date", "datetime", "time")
LINE = "_line"
EXCEL_INF = 1e30  # Excel Solver's "infinity"
MAX_KEY_PARTS = 6  # deepest dotted key of the parameters sheet (types."my type".mult is 3)
MAX_LIST_DEPTH = 5  # deepest nesting of a list value
TOML_INT = 2**63  # TOML integers are 64-bit
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_DATES = (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)


def _need_openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise InputError("workbooks need openpyxl: pip install 'regcollab[report]'") from None
    return openpyxl


# =========================================================================== cells
def _float_ok(v: float) -> bool:
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
    if not _float_ok(v):
        return s
    if kind in ("number", "integer") or repr(v) == t:
        if kind == "integer" and v.is_integer() and abs(v) < 10 ** 15:
            return int(v)
        return v
    return s


def text_of(value) -> str:
    """The CSV field of a cell value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def number_text(value) -> str:
    """A number typed where text belongs (an id, a name), as Excel shows it: a whole number
    without decimals (``1``, not ``1.0``), other numbers in their shortest form."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return text_of(value)


# --------------------------------------------------------------------------- writing text
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


# =========================================================================== parameters
def _key_part(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _split_key(key: str) -> list[str]:
    parts, i = [], 0
    while i < len(key):
        if key[i] == '"':
            m = re.match(r'"((?:[^"\\]|\\.)*)"', key[i:])
            if not m:
                raise ValueError(key)
            parts.append(json.loads(m.group(0)))
            i += m.end()
        else:
            j = key.find(".", i)
            j = len(key) if j < 0 else j
            parts.append(key[i:j].strip())
            i = j
        if i < len(key):
            if key[i] != ".":
                raise ValueError(key)
            i += 1
    if not parts or any(p == "" for p in parts):
        raise ValueError(key)
    return parts


def flatten_params(d: dict, prefix: str = "") -> list[tuple[str, object, str]]:
    """``instance.toml`` as rows (key, cell value, type)."""
    rows = []
    for k, v in d.items():
        key = prefix + _key_part(str(k))
        if isinstance(v, dict):
            if v:
                rows += flatten_params(v, key + ".")
            else:
                rows.append((key, None, "table"))
        elif isinstance(v, bool):
            rows.append((key, v, "bool"))
        elif isinstance(v, int):
            rows.append((key, v, "integer"))
        elif isinstance(v, float):
            rows.append((key, v if _float_ok(v) else repr(v), "number"))
        elif isinstance(v, list):
            rows.append((key, json.dumps(v, ensure_ascii=False, default=str), "list"))
        elif isinstance(v, _dt.datetime):
            rows.append((key, v.isoformat(), "datetime"))
        elif isinstance(v, _dt.date):
            rows.append((key, v.isoformat(), "date"))
        elif isinstance(v, _dt.time):
            rows.append((key, v.isoformat(), "time"))
        else:
            rows.append((key, str(v), "text"))
    return rows


class _NotToml(ValueError):
    """A value TOML cannot hold; its message is in the planner's words."""


def _toml_value(v, depth: int = 0):
    """Check that a value read from a list cell is one TOML can hold (no null, 64-bit
    integers, not nested absurdly deep)."""
    if depth > MAX_LIST_DEPTH:
        raise _NotToml(f"lists nested more than {MAX_LIST_DEPTH} deep")
    if v is None:
        raise _NotToml("null is not a value")
    if isinstance(v, bool) or isinstance(v, (str, float)):
        return v
    if isinstance(v, int):
        if not -TOML_INT <= v < TOML_INT:
            raise _NotToml("beyond the 64-bit integers TOML holds")
        return v
    if isinstance(v, list):
        return [_toml_value(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {str(k): _toml_value(x, depth + 1) for k, x in v.items()}
    raise _NotToml(f"{_short(v)!r} is not a value")


def _param_value(value, typ: str, where: tuple[str, str]):
    """The setting of one row of the parameters sheet: ``value`` as the cell holds it, read as
    ``typ``; None when the value is empty (the setting is not given)."""
    typ = (typ or "").strip().lower()

    def bad(why: str):
        raise InstanceError(why, file=where[0], row=where[1], column="value")

    if typ == "table":
        return {}
    if value is None or (isinstance(value, str) and value == "" and typ != "text"):
        return None
    if typ and typ not in PARAM_TYPES:
        raise InstanceError(f"the type {typ!r} is not one of {', '.join(PARAM_TYPES)}",
                            file=where[0], row=where[1], column="type")
    if isinstance(value, bool) and typ not in ("", "bool", "list", "text"):
        bad(f"the cell is {'TRUE' if value else 'FALSE'} (a logical value), not a {typ}; "
            f"type the value")
    if isinstance(value, _DATES) and typ not in ("", "date", "datetime", "time", "text"):
        bad(f"the cell is a date or time, not a {typ}; format the cell as Number or Text and "
            f"type the value")
    try:
        if typ == "list":
            if not isinstance(value, str):
                return [value]
            return _toml_value(json.loads(value))
        if typ == "bool":
            if isinstance(value, bool):
                return value
            low = str(value).strip().lower()
            if low in ("true", "false"):
                return low == "true"
            raise ValueError(value)
        if typ == "integer":
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError(value)
                value = int(value)
            n = value if isinstance(value, int) else int(str(value).strip())
            return _toml_value(n)
        if typ == "number":
            return float(value.strip() if isinstance(value, str) else value)
        if typ in ("datetime", "date", "time"):
            if isinstance(value, _dt.timedelta):
                raise ValueError(value)
            if not isinstance(value, str):
                value = value.isoformat()
            if typ == "datetime":
                return _dt.datetime.fromisoformat(value.strip())
            if typ == "date":
                return _dt.date.fromisoformat(value.strip()[:10])
            return _dt.time.fromisoformat(value.strip())
        if typ == "text":
            return number_text(value) if isinstance(value, float) else text_of(value)
    except RecursionError:
        bad(f"the list is nested too deep to be a valid {typ}")
    except (ValueError, TypeError, OverflowError) as exc:
        detail = f" ({exc})" if isinstance(exc, (_NotToml, json.JSONDecodeError)) else ""
        bad(f"{_short(value)!r} is not a valid {typ}{detail}")
    # no type given: what the cell holds (dates as ISO text, text stripped)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, _DATES):
        return value.isoformat() if not isinstance(value, _dt.timedelta) else str(value)
    return value


def _short(value, n: int = 60):
    s = str(value)
    return value if len(s) <= n else s[:n] + "..."


def _description(key: str) -> str:
    from .schema import PARAM_BY_PATH, RESOURCE_VALUE, SOFT_PENALTY, TYPE_PARAMS

    if key in PARAM_BY_PATH:
        return PARAM_BY_PATH[key].description
    m = re.fullmatch(r"types\.[^.]+\.([a-z_]+)", key)
    if m:
        for p in TYPE_PARAMS:
            if p.path == m.group(1):
                return p.description
    m = re.fullmatch(r"balance\.soft\.([a-z_]+)", key)
    if m:
        return (f"{SOFT_PENALTY.description} Empty: the {m.group(1)} rule is hard; "
                f"a value makes it soft.")
    if re.fullmatch(r"resources\.[^.]+\.value", key):
        return RESOURCE_VALUE.description
    if re.fullmatch(r"resources\.[^.]+\.unit", key):
        return "Unit of the resource."
    return ""


def setting_rows(raw: dict, resources) -> list[list]:
    """The parameters sheet: (key, value, type, default, description) of every setting the
    instance gives, then of every other setting there is, with an empty value (its default
    applies), so that a planner sees what can be set."""
    from .schema import (
        BALANCE_RULES,
        PARAMS,
        RESOURCE_VALUE,
        TYPE_DEFAULTS,
        TYPE_PARAMS,
    )

    kind_type = {"text": "text", "choice": "text", "number": "number", "bool": "bool",
                 "number-or-off": "number"}
    known: list[tuple[str, str, object]] = []  # (key, type, default)
    for p in PARAMS:
        default = "off" if p.kind == "number-or-off" and p.default is None else p.default
        known.append((p.path, kind_type.get(p.kind, "text"), default))
    soft = (raw.get("balance") or {}).get("soft") if isinstance(raw.get("balance"), dict) else None
    if not isinstance(soft, list):
        known += [(f"balance.soft.{r}", "number", "hard") for r in BALANCE_RULES]
    for t, vals in TYPE_DEFAULTS.items():
        known += [(f"types.{_key_part(t)}.{p.path}", "number", vals[p.path]) for p in TYPE_PARAMS]
    for k in resources:
        known.append((f"resources.{_key_part(k)}.unit", "text", ""))
        known.append((f"resources.{_key_part(k)}.value", "number", RESOURCE_VALUE.default))
    defaults = {key: d for key, _, d in known}
    rows, given = [], set()
    for key, value, typ in flatten_params(raw):
        given.add(key)
        rows.append([key, value, typ, defaults.get(key), _description(key)])
    for key, typ, default in known:
        if key not in given and not any(g.startswith(key + ".") for g in given):
            rows.append([key, None, typ, default, _description(key)])
    return rows


# =========================================================================== reading
def _open(path: Path) -> XlsxBook:
    need_reader()
    return XlsxBook(path)


def _row_phrase(label: str) -> str:
    """A row label of the instance checks (``line 3 (id B)``) as a sheet row (``row 3 ...``)."""
    return "row " + label[5:] if label.startswith("line ") else label


def _table_kind(table: str | None, column: str) -> str | None:
    from .schema import column_for

    col = column_for(table, column) if table in TABLE_SHEETS else None
    return col.kind if col is not None else None


def _sheet_cell(v, kind: str | None):
    """A cell of a table sheet as the instance checks want it, or the reason it cannot be.

    Returns ``(value, None)`` or ``(None, why)``. Text is stripped; a number in an id or text
    column becomes the text Excel shows for it; a date is ISO text in a column the schema does
    not know and an error in one it does; TRUE/FALSE only where the schema wants true/false
    (or in a column it does not know)."""
    if isinstance(v, Unreadable):
        return None, f"the cell {v.why}"
    if isinstance(v, str):
        return v.strip(), None
    if isinstance(v, bool):
        if kind in (None, "bool"):
            return v, None
        what = "a number" if kind in ("number", "integer") else "text"
        return None, (f"the cell is {'TRUE' if v else 'FALSE'} (a logical value), not {what}; "
                      f"type the value")
    if isinstance(v, _DATES):
        if kind is None:
            return (v.isoformat() if not isinstance(v, _dt.timedelta) else str(v)), None
        what = {"id": "an id", "text": "text", "bool": "true or false"}.get(kind, "a number")
        shown = v if isinstance(v, _dt.timedelta) else text_of(v)
        return None, (f"the cell is a date or time ({shown}), "
                      f"not {what} (Excel may have turned what was typed into a date); format "
                      f"the cell as {'Text' if kind in ('id', 'text') else 'Number'} and type "
                      f"the value")
    if kind in ("id", "text"):
        return number_text(v), None
    return v, None


def _merged_error(sheet: Sheet, where: str, names: list[str] | None = None) -> None:
    """Merged cells hide values (every cell but the first of a merged range reads as empty)."""
    if not sheet.merged:
        return
    ref = sheet.merged[0]
    pos = parse_ref(ref.split(":")[0])
    row = f"row {pos[0]}" if pos else None
    col = None
    if pos:
        col = (names[pos[1] - 1] if names and pos[1] <= len(names) and names[pos[1] - 1]
               else column_letter(pos[1]))
    raise InstanceError(f"the cells {ref[:40]} are merged; a merged cell hides the values of "
                        f"all but its first cell: unmerge them and give each cell its value",
                        file=where, row=row, column=col)


def _header(rows: list, where: str) -> tuple[int, list[str]]:
    """The header row of a table sheet: its row number and column names."""
    if not rows:
        raise InstanceError("the sheet is empty (it needs a header row)", file=where)
    hline, cells = rows[0]
    cells = list(cells)
    while cells and (cells[-1] is None or (isinstance(cells[-1], str) and cells[-1].strip() == "")):
        cells.pop()
    names = []
    for j, h in enumerate(cells):
        if isinstance(h, Unreadable):
            raise InstanceError(f"the header cell {h.why}", file=where, row=f"row {hline}",
                                column=column_letter(j + 1))
        h = "" if h is None else (h.strip() if isinstance(h, str) else number_text(h))
        if h == "":
            raise InstanceError(f"the header has an empty column name (column "
                                f"{column_letter(j + 1)})", file=where, row=f"row {hline}")
        if h in names:
            raise InstanceError(f"the column '{h}' appears twice in the header", file=where,
                                row=f"row {hline}")
        names.append(h)
    return hline, names


def read_sheet(book: XlsxBook, name: str, where: str, table: str | None = None
               ) -> pd.DataFrame | None:
    """One table sheet as a DataFrame of cells (text, numbers, booleans) with ``_line``.

    ``table`` (partners, recipients, pairs) checks each cell against the schema's kind of its
    column (see :func:`_sheet_cell`); every cell a table cannot use is an error naming the
    sheet, row (with the row's id) and column."""
    from .instance import _row_label

    sheet_name = book.find(name)
    if sheet_name is None:
        return None
    sheet = book.read(sheet_name)
    if sheet.merged:  # before anything else: a merge is why cells look empty
        first = sheet.rows[0][1] if sheet.rows else []
        _merged_error(sheet, where, [h.strip() if isinstance(h, str) and h.strip() else None
                                     for h in first])
    hline, names = _header(sheet.rows, where)
    data, lines = [], []
    for line, cells in sheet.rows[1:]:
        if len(cells) > len(names):
            j = len(names) + next(i for i, c in enumerate(cells[len(names):])
                                  if c is not None and not (isinstance(c, str) and c.strip() == ""))
            raise InstanceError(f"has a value in column {column_letter(j + 1)}, which has no "
                                f"header", file=where, row=f"row {line}")
        data.append(list(cells) + [None] * (len(names) - len(cells)))
        lines.append(line)
    df = pd.DataFrame(data, columns=names, dtype=object)
    df[LINE] = lines
    id_col = "id" if "id" in names else None
    for c in names:
        kind = _table_kind(table, c)
        col = df[c].tolist()
        for i, v in enumerate(col):
            if v is None:  # an empty cell, as an empty field of a CSV file
                col[i] = ""
                continue
            if isinstance(v, str):
                col[i] = v.strip()
                continue
            value, why = _sheet_cell(v, kind)
            if why is not None:
                label = _row_phrase(_row_label(df, i, where, id_col))
                raise InstanceError(why, file=where, row=label, column=c)
            col[i] = value
        df[c] = pd.Series(col, index=df.index, dtype=object)
    return df


def read_parameters(book: XlsxBook, where: str) -> tuple[dict, dict]:
    """The parameters sheet as a nested dict (like ``tomllib.load``), and key -> row."""
    name = book.find(PARAM_SHEET)
    if name is None:
        raise InstanceError(f"the sheet '{PARAM_SHEET}' is missing (it holds what "
                            "instance.toml holds: key, value, type)", file=where.split(",")[0])
    sheet = book.read(name)
    _merged_error(sheet, where)
    if not sheet.rows:
        return {}, {}
    hline, header = sheet.rows[0]
    header = [h.strip().lower() if isinstance(h, str) else "" for h in header]
    if "key" not in header or "value" not in header:
        raise InstanceError("the header must have the columns key and value (and type)",
                            file=where, row=f"row {hline}")
    ik, iv = header.index("key"), header.index("value")
    it = header.index("type") if "type" in header else None
    out: dict = {}
    lines: dict = {}
    for line, cells in sheet.rows[1:]:
        cells = list(cells) + [None] * len(header)
        row = f"row {line}"
        for j, column in ((ik, "key"), (iv, "value"), (it, "type")):
            if j is not None and isinstance(cells[j], Unreadable):
                raise InstanceError(f"the cell {cells[j].why}", file=where, row=row,
                                    column=column)
        key, typ = cells[ik], cells[it] if it is not None else None
        if key is None or (isinstance(key, str) and key.strip() == ""):
            if cells[iv] is None:
                continue
            raise InstanceError("the key is empty", file=where, row=row, column="key")
        if not isinstance(key, str):
            raise InstanceError(f"the key {text_of(key)!r} is not a dotted key such as "
                                f"objective.lambda", file=where, row=row, column="key")
        if typ is not None and not isinstance(typ, str):
            raise InstanceError(f"the type {text_of(typ)!r} is not one of "
                                f"{', '.join(PARAM_TYPES)}", file=where, row=row, column="type")
        key = key.strip()
        try:
            parts = _split_key(key)
        except ValueError:
            raise InstanceError(f"{_short(key)!r} is not a dotted key such as objective.lambda",
                                file=where, row=row, column="key") from None
        if len(parts) > MAX_KEY_PARTS:
            raise InstanceError(f"the key {_short(key)!r} has {len(parts)} parts; settings have "
                                f"at most {MAX_KEY_PARTS}", file=where, row=row, column="key")
        value = _param_value(cells[iv], typ or "", (where, row))
        if value is None:
            continue  # an empty value: the setting is not given
        cur = out
        for p in parts[:-1]:
            nxt = cur.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise InstanceError(f"'{key}' is under '{p}', which already has a value",
                                    file=where, row=row, column="key")
            cur = nxt
        if parts[-1] in cur and not (isinstance(cur[parts[-1]], dict) and value == {}):
            raise InstanceError(f"the key '{key}' is given twice (also on "
                                f"{lines.get(key, 'an earlier row')})", file=where,
                                row=row, column="key")
        if isinstance(value, dict):
            cur.setdefault(parts[-1], {})
        else:
            cur[parts[-1]] = value
        lines[key] = row
    return out, lines


def _in_sheet(exc: InstanceError, book: str, param_rows: dict) -> InstanceError:
    """An instance error of the folder format, retold for the workbook's sheets."""
    sheet_of = {"partners.csv": "partners", "recipients.csv": "recipients", "pairs.csv": "pairs",
                "instance.toml": PARAM_SHEET}
    file = exc.file
    row = exc.row
    msg = exc.message
    for fname, sheet in sheet_of.items():
        msg = msg.replace(f"in {fname}", f"in the {sheet} sheet")
    if file in sheet_of:
        sheet = sheet_of[file]
        if sheet == PARAM_SHEET and row is None:
            m = re.search(r"'([^']+)'", msg)
            if m:
                key = m.group(1)
                row = param_rows.get(key) or next(
                    (r for k, r in param_rows.items() if k.startswith(key + ".")), None)
        file = f"{book}, sheet {sheet}"
    elif file is None:
        file = book
    if row:
        row = _row_phrase(row)
    return InstanceError(msg, file=file, row=row, column=exc.column)


def read_workbook(path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Read an instance workbook: (raw parameters, partners, recipients, pairs or None).

    The tables hold the cells (text, numbers, booleans) and a ``_line`` column with the sheet
    row; every cell was checked against its column's kind. The instance itself is validated
    by :func:`load_workbook_instance`."""
    return _read_book(Path(path))[:4]


def _read_book(path: Path):
    with _open(path) as book:
        label = book.label
        raw, param_rows = read_parameters(book, f"{label}, sheet {PARAM_SHEET}")
        tables = {}
        for name in TABLE_SHEETS:
            df = read_sheet(book, name, f"{label}, sheet {name}", table=name)
            if df is None and name != "pairs":
                raise InstanceError(f"the sheet '{name}' is missing", file=label)
            tables[name] = df
    return raw, tables["partners"], tables["recipients"], tables["pairs"], param_rows


def load_workbook_instance(path):
    """The instance of a workbook, validated: what ``load_instance("x.xlsx")`` calls. Messages
    name the sheet, row and column (``guangdong.xlsx, sheet partners, row 3 (id GZ), column
    ...``)."""
    from .instance import Instance

    path = Path(path)
    raw, partners, recipients, pairs, param_rows = _read_book(path)
    try:
        return Instance.from_tables(raw, partners, recipients, pairs, path=str(path))
    except InstanceError as exc:
        raise _in_sheet(exc, path.name, param_rows) from None


def read_extra_sheets(path) -> dict[str, str]:
    """The sheets of an instance workbook that are not instance tables, as files:
    ``{"README.md": text, "provenance.csv": csv text, ...}``."""
    path = Path(path)
    out = {}
    with _open(path) as book:
        known = {*TABLE_SHEETS, PARAM_SHEET}
        for name in book.sheetnames:
            if name.strip().lower() in known or book.sheets[name][0] != "worksheet":
                continue
            where = f"{book.label}, sheet {name}"
            if not _sheet_name_ok(name):  # it becomes a file name: no path, nothing Excel forbids
                raise InstanceError(f"the sheet name {name[:40]!r} is not one Excel allows (1 "
                                    f"to 31 characters, none of [ ] : * ? / \\)",
                                    file=book.label)
            if name == README_SHEET:
                sheet = book.read(name)
                last = max((r for r, _ in sheet.rows), default=1)
                lines = [""] * max(last - 1, 0)
                for r, cells in sheet.rows:
                    if r >= 2 and cells:  # row 1 is the header
                        v = cells[0]
                        if isinstance(v, Unreadable):
                            raise InstanceError(f"the cell {v.why}", file=where, row=f"row {r}",
                                                column="A")
                        lines[r - 2] = number_text(v) if isinstance(v, float) else text_of(v)
                out["README.md"] = "\n".join(lines) + "\n"
                continue
            df = read_sheet(book, name, where)
            if df is None:
                continue
            out[f"{name}.csv"] = _csv_text(df.drop(columns=[LINE]))
    return out


def _sheet_name_ok(name: str) -> bool:
    """A sheet name Excel allows (and so a safe file name): 1 to 31 characters, none of
    ``[]:*?/\\`` or control characters, not starting or ending with an apostrophe."""
    return (0 < len(name) <= 31 and not _BAD_SHEET_CHARS.search(name)
            and not re.search(r"[\x00-\x1f\x7f]", name) and name[0] != "'" and name[-1] != "'"
            and name.strip(". ") != "")


def _csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False):
        w.writerow([text_of(v) for v in row])
    return buf.getvalue()


# =========================================================================== writing
def _style_header(ws, ncols: int, widths: list[int] | None = None) -> None:
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


def _add_table(wb, name: str, header: list[str], rows: list[list], limit_text=False) -> None:
    ws = wb.create_sheet(name)
    append_row(ws, header, limit_text)
    for r in rows:
        append_row(ws, r, limit_text)
    widths = [max(len(h), _width(r[j] for r in rows[:200])) for j, h in enumerate(header)]
    _style_header(ws, len(header), widths)


def _save(wb, path: Path) -> Path:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _csv_rows(f: Path, table: str | None) -> tuple[list[str], list[list]]:
    """The header and the cell values of a CSV file of an instance folder."""
    from .instance import read_csv_table

    df = read_csv_table(f)
    header = [c for c in df.columns if c != LINE]
    kinds = [_table_kind(table, c) for c in header]
    rows = []
    for line, r in zip(df[LINE], df[header].itertuples(index=False)):
        for c, v in zip(header, r):
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                raise InputError(f"the text is longer than the {MAX_CELL_CHARS:,} characters a "
                                 f"cell of Excel holds", file=f.name, row=f"line {line}",
                                 column=c)
        rows.append([cell_for(v, k) for v, k in zip(r, kinds)])
    return header, rows


def folder_to_workbook(folder, path) -> Path:
    """Write the instance folder ``folder`` as one workbook ``path`` (replaced atomically)."""
    openpyxl = _need_openpyxl()
    from .instance import read_toml

    folder = Path(folder)
    if not (folder / "instance.toml").is_file():
        raise InstanceError("the file is missing from the instance folder", file="instance.toml")
    raw = read_toml(folder / "instance.toml")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    resources: list[str] = []
    for name in TABLE_SHEETS:
        f = folder / f"{name}.csv"
        if not f.is_file():
            if name == "pairs":
                continue
            raise InstanceError("the file is missing from the instance folder", file=f.name)
        header, rows = _csv_rows(f, name)
        if name == "partners":
            resources = [c[7:] for c in header if c.startswith("supply.") and len(c) > 7]
        _add_table(wb, name, header, rows)
    res_section = raw.get("resources")
    if isinstance(res_section, dict) and res_section:
        resources = [str(k) for k in res_section]
    _add_table(wb, PARAM_SHEET, list(PARAM_HEADER), setting_rows(raw, resources))
    for f in sorted(folder.glob("*.csv")):
        if f.stem in TABLE_SHEETS or f.stem.lower() in (PARAM_SHEET, README_SHEET.lower()):
            continue
        if len(f.stem) > 31 or _BAD_SHEET_CHARS.search(f.stem):
            continue  # not a possible sheet name; convert_instance reports it
        header, rows = _csv_rows(f, None)
        _add_table(wb, f.stem, header, rows)
    if (folder / "README.md").is_file():
        ws = wb.create_sheet(README_SHEET)
        append_row(ws, ["README.md"])
        for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
            append_row(ws, [line if line != "" else None])
        _style_header(ws, 1, [100])
    return _save(wb, Path(path))


def workbook_to_folder(path, folder) -> Path:
    """Write the instance workbook ``path`` as an instance folder (replaced atomically)."""
    try:
        import tomli_w
    except ImportError:
        raise InputError("writing instance.toml needs tomli-w: pip install "
                         "'regcollab[report]'") from None
    path = Path(path)
    raw, partners, recipients, pairs, _ = _read_book(path)
    extra = read_extra_sheets(path)
    tables = {"partners": partners, "recipients": recipients, "pairs": pairs}
    with atomic_dir(folder) as tmp:
        (tmp / "instance.toml").write_text(tomli_w.dumps(raw, multiline_strings=True),
                                           encoding="utf-8")
        for name, df in tables.items():
            if df is not None:
                (tmp / f"{name}.csv").write_text(_csv_text(df.drop(columns=[LINE])),
                                                 encoding="utf-8")
        for fname, text in extra.items():
            (tmp / fname).write_text(text, encoding="utf-8")
    return Path(folder)


def skipped_files(folder) -> list[str]:
    """CSV files of an instance folder that cannot become a sheet (name too long or odd)."""
    return [f.name for f in sorted(Path(folder).glob("*.csv"))
            if f.stem not in TABLE_SHEETS and (len(f.stem) > 31 or _BAD_SHEET_CHARS.search(f.stem))]


# =========================================================================== results
RESULT_ORDER = ("pairings", "allocations", "recipients", "balance", "pareto",
                "sensitivity_constraints", "sensitivity_variables")
RESULTS_FILE = "results.xlsx"
ANSWER_SHEET = "Answer Report"
SENSITIVITY_SHEET = "Sensitivity Report"


def _result_cell(v):
    """A pandas value as a cell: infinities as Excel Solver's ±1E+30, missing as empty."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if math.isinf(v):
            return EXCEL_INF if v > 0 else -EXCEL_INF
    return v


def summary_rows(d, prefix: str = "") -> list[list]:
    """A summary (nested dicts and lists) as rows (key path, value): every dict and list is
    flattened (``payoff_table.ideal.efficiency``, ``warnings[1]``, ``stages[2].seconds``),
    so that no cell holds JSON."""
    rows = []
    items = d.items() if isinstance(d, dict) else ((f"[{i + 1}]", v) for i, v in enumerate(d))
    for k, v in items:
        key = f"{prefix}{k}" if isinstance(d, list) or not prefix else f"{prefix}.{k}"
        if isinstance(v, (dict, list)) and v:
            rows += summary_rows(v, key)
        elif isinstance(v, (dict, list)):
            rows.append([key, "(none)"])
        else:
            rows.append([key, _result_cell(v)])
    return rows


class _Names:
    """Region names of a results folder (from its pairings and recipients), for labels."""

    def __init__(self, frames: dict):
        self.of: dict[str, str] = {}
        p = frames.get("pairings")
        if p is not None and len(p):
            for col, name in (("partner", "partner_name"), ("recipient", "recipient_name")):
                if col in p and name in p:
                    self.of.update(zip(p[col].astype(str), p[name].astype(str)))
        r = frames.get("recipients")
        if r is not None and len(r) and "recipient" in r and "name" in r:
            self.of.update(zip(r["recipient"].astype(str), r["name"].astype(str)))

    def __call__(self, ident: str) -> str:
        return self.of.get(ident, ident)


def constraint_label(rule: str, entity: str, names) -> str:
    """A row of the model in the planner's words, as Excel Solver's Name column shows it
    (``supply[SZ,funds]``: "Shenzhen funds supply")."""
    parts = str(entity).split(",") if entity else []
    p = [names(x) for x in parts]
    one = p[0] if p else ""
    words = {
        "supply": lambda: f"{one} {parts[1]} supply" if len(parts) > 1 else None,
        "absorb": lambda: f"{one} {parts[1]} absorptive capacity" if len(parts) > 1 else None,
        "access_floor": lambda: f"{one} {parts[1]} access floor" if len(parts) > 1 else None,
        "coverage": lambda: f"{one} coverage (fewest partners)",
        "capacity": lambda: f"{one} lasting capacity",
        "outcome_floor": lambda: f"{one} outcome floor",
        "outcome_spread": lambda: f"{one} outcome spread",
        "span_partner": lambda: f"{one} most recipients",
        "span_recipient": lambda: f"{one} most partners",
        "scale": lambda: (f"{p[0]} - {p[1]} {parts[2]} smallest scale" if len(parts) > 2
                          else None),
        "hold": lambda: f"first objective held ({entity})",
    }
    label = words.get(rule, lambda: None)()
    return label if label else f"{rule} {', '.join(p)}".strip()


def variable_label(partner, recipient, resource, typ, names) -> str:
    """A flow in the planner's words: "Harbour City -> Hill County funds (institutional)"."""
    return f"{names(str(partner))} → {names(str(recipient))} {resource} ({typ})"


def _report_title(ws, title: str, lines: list[str]) -> None:
    from openpyxl.styles import Font

    append_row(ws, [title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
    for line in lines:
        append_row(ws, [line], limit_text=True)
    append_row(ws, [])


def _block(ws, title: str, heads: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    append_row(ws, [title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    append_row(ws, heads)
    for c in range(1, len(heads) + 1):
        ws.cell(row=ws.max_row, column=c).font = Font(bold=True)
    for r in rows:
        append_row(ws, [_result_cell(v) for v in r], limit_text=True)
    append_row(ws, [])


def _widths(ws, widths) -> None:
    from openpyxl.utils import get_column_letter

    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def _sensitivity_sheet(wb, summary: dict, cons: pd.DataFrame | None,
                       var: pd.DataFrame | None, names) -> None:
    ws = wb.create_sheet(SENSITIVITY_SHEET)
    _report_title(ws, "regcollab Sensitivity Report (in the layout of Excel Solver's)", [
        f"Instance: {summary.get('instance', '')}",
        "Duals of the LP with every pairing and type fixed at the plan's values; "
        "1E+30 means infinity. Cell: the model's name of the variable or rule; Name: in words."])
    if var is not None and len(var):
        rows = []
        for r in var.to_dict("records"):
            label = (variable_label(r["partner"], r["recipient"], r["resource"], r["type"], names)
                     if all(k in r for k in ("partner", "recipient", "resource", "type"))
                     else r.get("name"))
            rows.append([r.get("name"), label, r.get("final_value"), r.get("reduced_cost"),
                         r.get("objective_coefficient"), r.get("allowable_increase"),
                         r.get("allowable_decrease")])
        _block(ws, "Variable Cells", ["Cell", "Name", "Final Value", "Reduced Cost",
                                      "Objective Coefficient", "Allowable Increase",
                                      "Allowable Decrease"], rows)
    if cons is not None and len(cons):
        rows = []
        for r in cons.to_dict("records"):
            label = (constraint_label(r["rule"], r.get("entity", ""), names) if "rule" in r
                     else r.get("name"))
            rows.append([r.get("name"), label, r.get("final_value"), r.get("shadow_price"),
                         r.get("rhs"), r.get("allowable_increase"), r.get("allowable_decrease")])
        _block(ws, "Constraints", ["Cell", "Name", "Final Value", "Shadow Price",
                                   "Constraint R.H. Side", "Allowable Increase",
                                   "Allowable Decrease"], rows)
    _widths(ws, (30, 44, 13, 13, 20, 18, 18))


def _slack(value: float, rhs: float, sense: str) -> float:
    if sense == "<=":
        return rhs - value
    if sense == ">=":
        return value - rhs
    return abs(value - rhs)


def _status(slack: float, bound: float, violation: float = 0.0) -> str:
    from .report import BINDING

    if violation > BINDING * max(1.0, abs(bound)):
        return "Violated (soft rule)"
    return "Binding" if abs(slack) <= BINDING * max(1.0, abs(bound)) else "Not Binding"


def _answer_sheet(wb, summary: dict, frames: dict, names) -> None:
    """Excel Solver's Answer Report: the objective cells, the variable cells and the
    constraints with their status (binding or not) and slack. "Original" is the baseline with
    no pairings: efficiency 0 and the equity of the outcomes before the plan."""
    from .methods import equity_value

    ws = wb.create_sheet(ANSWER_SHEET)
    status = summary.get("status", "")
    _report_title(ws, "regcollab Answer Report (in the layout of Excel Solver's)", [
        f"Instance: {summary.get('instance', '')}",
        f"Result: {summary.get('message', status)} (status {status}; method "
        f"{summary.get('method', '')})",
        f"Solver engine: {summary.get('solver', '')}; time "
        f"{(summary.get('timings') or {}).get('total', '')} s",
        "Original values: the baseline with no pairings; Final values: the plan."])
    rec = frames.get("recipients")
    before = None
    measure, beta = summary.get("equity_measure"), summary.get("beta")
    if rec is not None and len(rec) and "u_before" in rec and measure in ("tail", "maxmin"):
        before = equity_value(pd.to_numeric(rec["u_before"]).to_numpy(float), measure,
                              float(beta) if beta is not None else 0.25)
    unit = (summary.get("units") or {}).get("gain", "")
    equity = (f"Equity: mean normalised outcome u of the worst {float(beta):g} share of the "
              f"recipients" if measure == "tail" and beta is not None else
              "Equity: lowest normalised outcome u")
    objective = [
        ["efficiency", f"Efficiency: total gain{f' ({unit})' if unit else ''}", 0.0,
         summary.get("efficiency")],
        ["equity", equity, before, summary.get("equity")],
    ]
    if summary.get("penalty"):
        objective.append(["penalty", "Penalty of broken soft rules", 0.0, summary.get("penalty")])
    _block(ws, "Objective Cells (Max)", ["Cell", "Name", "Original Value", "Final Value"],
           objective)

    variables = []
    pair = frames.get("pairings")
    if pair is not None and len(pair):
        for r in pair.to_dict("records"):
            variables.append([f"z[{r['partner']},{r['recipient']},{r['type']}]",
                              f"{names(str(r['partner']))} - {names(str(r['recipient']))} "
                              f"paired as {r['type']}", 0, 1, "Binary"])
    alloc = frames.get("allocations")
    if alloc is not None and len(alloc):
        for r in alloc.to_dict("records"):
            variables.append([f"x[{r['partner']},{r['recipient']},{r['resource']},{r['type']}]",
                              variable_label(r["partner"], r["recipient"], r["resource"],
                                             r["type"], names), 0.0, r["amount"], "Contin"])
    _block(ws, "Variable Cells", ["Cell", "Name", "Original Value", "Final Value", "Integer"],
           variables)

    constraints = []
    cons = frames.get("sensitivity_constraints")
    bal = frames.get("balance")
    balance_rules = set(bal["rule"]) if bal is not None and len(bal) else set()
    if cons is not None and len(cons):
        for r in cons.to_dict("records"):
            if r.get("rule") in balance_rules:
                continue  # in the planner's terms below, from balance.csv
            sense = r.get("sense", "<=")
            value, rhs = float(r["final_value"]), float(r["rhs"])
            slack = _slack(value, rhs, sense)
            constraints.append([r["name"], constraint_label(r["rule"], r.get("entity", ""), names),
                                value, f"{r['name']} {sense} {rhs:.10g}",
                                _status(slack, rhs), slack])
    if bal is not None and len(bal):
        for r in bal.to_dict("records"):
            res = r.get("resource")
            res = "" if res is None or (isinstance(res, float) and math.isnan(res)) else str(res)
            entity = f"{r['recipient']},{res}" if res else str(r["recipient"])
            cell = f"{r['rule']}[{entity}]"
            value, bound = float(r["value"]), float(r["bound"])
            violation = float(r.get("violation") or 0.0)
            if isinstance(r.get("violation"), float) and math.isnan(r["violation"]):
                violation = 0.0
            soft = str(r.get("soft")).lower() == "true"
            constraints.append([cell, constraint_label(r["rule"], entity, names), value,
                                f"{cell} >= {bound:.10g}" + (" (soft)" if soft else ""),
                                _status(value - bound, bound, violation), value - bound])
    if cons is None:
        constraints.append(["", "(the supply and absorptive-capacity rows come with the "
                            "sensitivity report: regcollab solve INSTANCE --out DIR writes it)",
                            None, None, None, None])
    _block(ws, "Constraints", ["Cell", "Name", "Cell Value", "Formula", "Status", "Slack"],
           constraints)
    _widths(ws, (34, 48, 14, 40, 20, 14))


def _read_result(path: Path) -> pd.DataFrame:
    from .solution import read_result_csv

    try:
        return read_result_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def write_results_workbook(folder, path=None) -> Path:
    """``results.xlsx`` of a results folder: the summary, one sheet per CSV table, Excel
    Solver's Answer Report (for a plan) and Sensitivity Report (when the folder has one).
    Ids and names stay text exactly as in the CSV files. Returns its path."""
    openpyxl = _need_openpyxl()
    folder = Path(folder)
    path = Path(path) if path is not None else folder / RESULTS_FILE
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "summary"
    summary = {}
    sp = folder / "summary.json"
    if sp.is_file():
        summary = json.loads(sp.read_text(encoding="utf-8"))
    append_row(ws, ["key", "value"])
    for r in summary_rows(summary):
        append_row(ws, r, limit_text=True)
    _style_header(ws, 2, [34, 60])
    csvs = {f.stem: f for f in folder.glob("*.csv")}
    names = [n for n in RESULT_ORDER if n in csvs]
    names += sorted(n for n in csvs if n not in RESULT_ORDER)
    frames = {}
    for n in names:
        if len(n) > 31 or _BAD_SHEET_CHARS.search(n) or n in (ANSWER_SHEET, SENSITIVITY_SHEET):
            continue
        df = _read_result(csvs[n])
        frames[n] = df
        rows = [[_result_cell(v) for v in r] for r in df.itertuples(index=False)]
        _add_table(wb, n, [str(c) for c in df.columns], rows, limit_text=True)
    region = _Names(frames)
    if "pairings" in frames and summary.get("status") in ("optimal", "time_limit"):
        _answer_sheet(wb, summary, frames, region)
    if "sensitivity_constraints" in frames or "sensitivity_variables" in frames:
        _sensitivity_sheet(wb, summary, frames.get("sensitivity_constraints"),
                           frames.get("sensitivity_variables"), region)
    return _save(wb, path)
