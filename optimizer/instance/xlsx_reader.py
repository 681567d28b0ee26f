"""The reader of instance workbooks: the sheets of an ``.xlsx`` file as raw tables and
settings, like the files of a folder (``readers.py``), with their sheets and rows.

- ``partners``, ``recipients`` and (optional) ``pairs`` and ``clusters``: the CSV files, one
  row per row, the header in the first row that holds a value (row numbers in messages are
  the sheet's);
- ``parameters``: what ``instance.toml`` holds, one setting a row: ``key`` (the dotted path,
  e.g. ``objective.lambda`` or ``types.platform.setup``), ``value`` and ``type`` (number,
  integer, text, bool, list, table, date, datetime, time).

The cells are read by :mod:`optimizer.xlsx` within fixed limits; every cell a table cannot use
(a formula never calculated, an error value, a merged cell, TRUE/FALSE or a date where a
number or an id belongs) is an error naming its sheet, row and column. The values are
validated afterwards, once, by :func:`.tables.validate_tables`, with the workbook's
:class:`~.origin.Origin` (so messages name ``book.xlsx, sheet partners, row 3 (id B)``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path

import pandas as pd

from ..errors import InstanceError
from ..i18n import N_, _
from ..schema import column_for
from ..xlsx import Sheet, Unreadable, XlsxBook, column_letter, need_reader, parse_ref
from .origin import LINE, OPTIONAL_TABLES, TABLES, Origin, place, workbook_origin
from .readers import RawInstance

TABLE_SHEETS = TABLES
PARAM_SHEET = "parameters"
README_SHEET = "README"
PARAM_TYPES = ("number", "integer", "text", "bool", "list", "table", "date", "datetime", "time")
MAX_KEY_PARTS = 6  # deepest dotted key of the parameters sheet (types."my type".mult is 3)
MAX_LIST_DEPTH = 5  # deepest nesting of a list value
TOML_INT = 2**63  # TOML integers are 64-bit
DATES = (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)
SHEET_ROWS = Origin(row_word="row")
"""Rows of a sheet, as messages about single cells name them."""


# =========================================================================== cells
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


# =========================================================================== parameters
def key_part(k: str) -> str:
    """A part of a dotted key of the parameters sheet, quoted where it needs it."""
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


class _NotToml(ValueError):
    """A value TOML cannot hold; its message is in the planner's words."""


def _toml_value(v, depth: int = 0):
    """Check that a value read from a list cell is one TOML can hold (no null, 64-bit
    integers, not nested absurdly deep)."""
    if depth > MAX_LIST_DEPTH:
        raise _NotToml(_("lists nested more than {n} deep").format(n=MAX_LIST_DEPTH))
    if v is None:
        raise _NotToml(_("null is not a value"))
    if isinstance(v, bool) or isinstance(v, (str, float)):
        return v
    if isinstance(v, int):
        if not -TOML_INT <= v < TOML_INT:
            raise _NotToml(_("beyond the 64-bit integers TOML holds"))
        return v
    if isinstance(v, list):
        return [_toml_value(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {str(k): _toml_value(x, depth + 1) for k, x in v.items()}
    raise _NotToml(_("{value} is not a value").format(value=repr(_short(v))))


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
        raise InstanceError(_("the type {type} is not one of {types}").format(
            type=repr(typ), types=", ".join(PARAM_TYPES)),
                            file=where[0], row=where[1], column="type")
    if isinstance(value, bool) and typ not in ("", "bool", "list", "text"):
        bad(_("the cell is {value} (a logical value), not a {type}; type the value").format(
            value="TRUE" if value else "FALSE", type=typ))
    if isinstance(value, DATES) and typ not in ("", "date", "datetime", "time", "text"):
        bad(_("the cell is a date or time, not a {type}; format the cell as Number or Text "
              "and type the value").format(type=typ))
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
        bad(_("the list is nested too deep to be a valid {type}").format(type=typ))
    except (ValueError, TypeError, OverflowError) as exc:
        if isinstance(exc, (_NotToml, json.JSONDecodeError)):
            bad(_("{value} is not a valid {type} ({problem})").format(
                value=repr(_short(value)), type=typ, problem=exc))
        bad(_("{value} is not a valid {type}").format(value=repr(_short(value)), type=typ))
    # no type given: what the cell holds (dates as ISO text, text stripped)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, DATES):
        return value.isoformat() if not isinstance(value, _dt.timedelta) else str(value)
    return value


def _short(value, n: int = 60):
    s = str(value)
    return value if len(s) <= n else s[:n] + "..."


# =========================================================================== sheets
def open_book(path: Path) -> XlsxBook:
    """The workbook ``path`` opened for reading (see :class:`optimizer.xlsx.XlsxBook`)."""
    need_reader()
    return XlsxBook(path)


def table_kind(table: str | None, column: str) -> str | None:
    """The schema's kind of a column of a table (None for a column it does not know)."""
    col = column_for(table, column) if table in TABLE_SHEETS else None
    return col.kind if col is not None else None


DATE_WORDS = {
    "id": N_("the cell is a date or time ({value}), not an id (Excel may have turned what was "
             "typed into a date); format the cell as Text and type the value"),
    "text": N_("the cell is a date or time ({value}), not text (Excel may have turned what was "
               "typed into a date); format the cell as Text and type the value"),
    "bool": N_("the cell is a date or time ({value}), not true or false (Excel may have turned "
               "what was typed into a date); format the cell as Number and type the value"),
    "number": N_("the cell is a date or time ({value}), not a number (Excel may have turned "
                 "what was typed into a date); format the cell as Number and type the value")}
"""The message about a date in a column of each kind (a number for the kinds not listed)."""


def _sheet_cell(v, kind: str | None):
    """A cell of a table sheet as the instance checks want it, or the reason it cannot be.

    Returns ``(value, None)`` or ``(None, why)``. Text is stripped; a number in an id or text
    column becomes the text Excel shows for it; a date is ISO text in a column the schema does
    not know and an error in one it does; TRUE/FALSE only where the schema wants true/false
    (or in a column it does not know)."""
    if isinstance(v, Unreadable):
        return None, _("the cell {why}").format(why=v.said())
    if isinstance(v, str):
        return v.strip(), None
    if isinstance(v, bool):
        if kind in (None, "bool"):
            return v, None
        what = (_("the cell is {value} (a logical value), not a number; type the value")
                if kind in ("number", "integer") else
                _("the cell is {value} (a logical value), not text; type the value"))
        return None, what.format(value="TRUE" if v else "FALSE")
    if isinstance(v, DATES):
        if kind is None:
            return (v.isoformat() if not isinstance(v, _dt.timedelta) else str(v)), None
        shown = v if isinstance(v, _dt.timedelta) else text_of(v)
        return None, _(DATE_WORDS.get(kind, DATE_WORDS["number"])).format(value=shown)
    if kind in ("id", "text"):
        return number_text(v), None
    return v, None


def _merged_error(sheet: Sheet, where: str, names: list[str] | None = None) -> None:
    """Merged cells hide values (every cell but the first of a merged range reads as empty)."""
    if not sheet.merged:
        return
    ref = sheet.merged[0]
    pos = parse_ref(ref.split(":")[0])
    row = place("row", pos[0]) if pos else None
    col = None
    if pos:
        col = (names[pos[1] - 1] if names and pos[1] <= len(names) and names[pos[1] - 1]
               else column_letter(pos[1]))
    raise InstanceError(_("the cells {cells} are merged; a merged cell hides the values of "
                          "all but its first cell: unmerge them and give each cell its value")
                        .format(cells=ref[:40]), file=where, row=row, column=col)


def _header(rows: list, where: str) -> tuple[int, list[str]]:
    """The header row of a table sheet: its row number and column names."""
    if not rows:
        raise InstanceError(_("the sheet is empty (it needs a header row)"), file=where)
    hline, cells = rows[0]
    cells = list(cells)
    while cells and (cells[-1] is None or (isinstance(cells[-1], str) and cells[-1].strip() == "")):
        cells.pop()
    names = []
    for j, h in enumerate(cells):
        if isinstance(h, Unreadable):
            raise InstanceError(_("the header cell {why}").format(why=h.said()), file=where,
                                row=place("row", hline), column=column_letter(j + 1))
        h = "" if h is None else (h.strip() if isinstance(h, str) else number_text(h))
        if h == "":
            raise InstanceError(_("the header has an empty column name (column {pos})").format(
                pos=column_letter(j + 1)), file=where, row=place("row", hline))
        if h in names:
            raise InstanceError(_("the column '{column}' appears twice in the header").format(
                column=h), file=where, row=place("row", hline))
        names.append(h)
    return hline, names


def _rows(sheet: Sheet, names: list, where: str) -> tuple[list, list]:
    """The data rows of a table sheet (padded to the header) and their row numbers."""
    data, lines = [], []
    for line, cells in sheet.rows[1:]:
        if len(cells) > len(names):
            j = len(names) + next(i for i, c in enumerate(cells[len(names):])
                                  if c is not None and not (isinstance(c, str) and c.strip() == ""))
            raise InstanceError(_("has a value in column {column}, which has no header")
                                .format(column=column_letter(j + 1)), file=where,
                                row=place("row", line))
        data.append(list(cells) + [None] * (len(names) - len(cells)))
        lines.append(line)
    return data, lines


def _table_cells(df: pd.DataFrame, table: str | None, where: str) -> None:
    """Each cell of ``df`` as the instance checks want it (see :func:`_sheet_cell`), in place;
    the first cell that cannot be is an error naming its sheet, row and column."""
    id_col = "id" if "id" in df else None
    for c in [c for c in df.columns if c != LINE]:
        kind = table_kind(table, c)
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
                raise InstanceError(why, file=where, row=SHEET_ROWS.row_of(df, i, id_col),
                                    column=c)
            col[i] = value
        df[c] = pd.Series(col, index=df.index, dtype=object)


def read_table(book: XlsxBook, name: str, where: str, table: str | None = None
               ) -> tuple[pd.DataFrame | None, int]:
    """One table sheet as a DataFrame of cells (text, numbers, booleans) with ``_line``, and
    the row of its header; (None, 1) when the book has no such sheet.

    ``table`` (partners, recipients, pairs, clusters) checks each cell against the schema's kind of its
    column (see :func:`_sheet_cell`); every cell a table cannot use is an error naming the
    sheet, row (with the row's id) and column."""
    sheet_name = book.find(name)
    if sheet_name is None:
        return None, 1
    sheet = book.read(sheet_name)
    if sheet.merged:  # before anything else: a merge is why cells look empty
        first = sheet.rows[0][1] if sheet.rows else []
        _merged_error(sheet, where, [h.strip() if isinstance(h, str) and h.strip() else None
                                     for h in first])
    hline, names = _header(sheet.rows, where)
    data, lines = _rows(sheet, names, where)
    df = pd.DataFrame(data, columns=names, dtype=object)
    df[LINE] = lines
    _table_cells(df, table, where)
    return df, hline


def read_sheet(book: XlsxBook, name: str, where: str, table: str | None = None
               ) -> pd.DataFrame | None:
    """One table sheet as a DataFrame of cells with ``_line`` (see :func:`read_table`)."""
    return read_table(book, name, where, table)[0]


def _setting_row(cells: list, cols: tuple, where: str, row: str) -> tuple | None:
    """(key parts, value) of one row of the parameters sheet (``cols``: the positions of key,
    value and type), or None for a row that gives nothing."""
    ik, iv, it = cols
    for j, column in ((ik, "key"), (iv, "value"), (it, "type")):
        if j is not None and isinstance(cells[j], Unreadable):
            raise InstanceError(_("the cell {why}").format(why=cells[j].said()), file=where,
                                row=row, column=column)
    key, typ = cells[ik], cells[it] if it is not None else None
    if key is None or (isinstance(key, str) and key.strip() == ""):
        if cells[iv] is None:
            return None
        raise InstanceError(_("the key is empty"), file=where, row=row, column="key")
    if not isinstance(key, str):
        raise InstanceError(_("the key {key} is not a dotted key such as objective.lambda")
                            .format(key=repr(text_of(key))), file=where, row=row, column="key")
    if typ is not None and not isinstance(typ, str):
        raise InstanceError(_("the type {type} is not one of {types}").format(
            type=repr(text_of(typ)), types=", ".join(PARAM_TYPES)),
                            file=where, row=row, column="type")
    key = key.strip()
    try:
        parts = _split_key(key)
    except ValueError:
        raise InstanceError(_("{key} is not a dotted key such as objective.lambda").format(
            key=repr(_short(key))), file=where, row=row, column="key") from None
    if len(parts) > MAX_KEY_PARTS:
        raise InstanceError(_("the key {key} has {n} parts; settings have at most {limit}")
                            .format(key=repr(_short(key)), n=len(parts), limit=MAX_KEY_PARTS),
                            file=where, row=row, column="key")
    value = _param_value(cells[iv], typ or "", (where, row))
    return None if value is None else (parts, value)  # an empty value: not given


def _put(out: dict, parts: list, value, rows: dict, where: str, row: str) -> None:
    """Set the setting ``parts`` of ``out`` (nested dicts) once; ``rows``: the row of each
    dotted key set so far."""
    key = ".".join(parts)
    cur = out
    for p in parts[:-1]:
        nxt = cur.setdefault(p, {})
        if not isinstance(nxt, dict):
            raise InstanceError(_("'{key}' is under '{parent}', which already has a value")
                                .format(key=key, parent=p), file=where, row=row, column="key")
        cur = nxt
    if parts[-1] in cur and not (isinstance(cur[parts[-1]], dict) and value == {}):
        raise InstanceError(_("the key '{key}' is given twice (also on {row})").format(
            key=key, row=rows.get(key) or _("an earlier row")), file=where, row=row,
                            column="key")
    if isinstance(value, dict):
        cur.setdefault(parts[-1], {})
    else:
        cur[parts[-1]] = value
    rows[key] = row


def read_parameters(book: XlsxBook, where: str) -> tuple[dict, dict]:
    """The parameters sheet as a nested dict (like ``tomllib.load``), and the row of each
    dotted key (``{"objective.lambda": "row 7"}``)."""
    name = book.find(PARAM_SHEET)
    if name is None:
        raise InstanceError(_("the sheet '{sheet}' is missing (it holds what instance.toml "
                              "holds: key, value, type)").format(sheet=PARAM_SHEET),
                            file=book.label)
    sheet = book.read(name)
    _merged_error(sheet, where)
    if not sheet.rows:
        return {}, {}
    hline, header = sheet.rows[0]
    header = [h.strip().lower() if isinstance(h, str) else "" for h in header]
    if "key" not in header or "value" not in header:
        raise InstanceError(_("the header must have the columns key and value (and type)"),
                            file=where, row=place("row", hline))
    cols = (header.index("key"), header.index("value"),
            header.index("type") if "type" in header else None)
    out: dict = {}
    rows: dict = {}
    for line, cells in sheet.rows[1:]:
        row = place("row", line)
        setting = _setting_row(list(cells) + [None] * len(header), cols, where, row)
        if setting is not None:
            _put(out, *setting, rows, where, row)
    return out, rows


def sheet_label(book: str, sheet: str) -> str:
    """``book.xlsx, sheet partners``: where a message about a sheet points (in the current
    language)."""
    return _("{book}, sheet {sheet}").format(book=book, sheet=sheet)


def read_workbook(path) -> RawInstance:
    """The raw settings and tables of an instance workbook, with the workbook's origin (its
    sheets and rows), not yet validated. Each cell was checked against its column's kind."""
    path = Path(path)
    with open_book(path) as book:
        label = book.label
        settings, setting_rows = read_parameters(book, sheet_label(label, PARAM_SHEET))
        tables, headers = {}, {}
        for name in TABLE_SHEETS:
            tables[name], headers[name] = read_table(book, name, sheet_label(label, name),
                                                     table=name)
            if tables[name] is None and name not in OPTIONAL_TABLES:
                raise InstanceError(_("the sheet '{sheet}' is missing").format(sheet=name),
                                    file=label)
    return RawInstance(settings, tables["partners"], tables["recipients"], tables["pairs"],
                       workbook_origin(label, headers, setting_rows), str(path),
                       clusters=tables["clusters"])
