"""Instances and results as Excel workbooks (openpyxl), for planners who live in Excel.

An instance workbook holds the tables of an instance folder as sheets:

- ``partners``, ``recipients`` and (optional) ``pairs``: the CSV files, one row per row, the
  header in row 1 (row numbers in messages are the sheet's row numbers);
- ``parameters``: what ``instance.toml`` holds, one setting a row: ``key`` (the dotted path,
  e.g. ``objective.lambda`` or ``types.platform.setup``), ``value``, ``type`` (number,
  integer, text, bool, list, table, date) and a ``description`` that is only for reading;
- any other CSV file of the folder (``provenance.csv``) as a sheet of its name, and the
  folder's ``README.md`` as a sheet ``README`` (one line a row); they come back as files.

:func:`folder_to_workbook` and :func:`workbook_to_folder` convert without loss: every cell keeps
its value (a number whose text is not its shortest form, e.g. ``1.50``, comes back as ``1.5``),
so both give the same instance and the same plans. :func:`read_workbook` is what
``load_instance("x.xlsx")`` calls. :func:`write_results_workbook` turns a results folder into
``results.xlsx``: one sheet per table, the summary, and an Excel Solver-style sensitivity report
when one was computed.

openpyxl (and tomli-w, to write ``instance.toml``) come with the ``report`` extra.
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

TABLE_SHEETS = ("partners", "recipients", "pairs")
PARAM_SHEET = "parameters"
README_SHEET = "README"
PARAM_HEADER = ("key", "value", "type", "description")
LINE = "_line"
EXCEL_INF = 1e30  # Excel Solver's "infinity"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


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
        if value.is_integer() and abs(value) < 1e15:
            return repr(value)
        return repr(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def _input_cell(value):
    """A cell as the instance reader wants it: text stripped, dates as ISO text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return value


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


def _param_value(value, typ: str, where: str):
    typ = (typ or "").strip().lower()
    try:
        if typ == "table":
            return {}
        if typ == "list":
            return json.loads(value) if isinstance(value, str) else [value]
        if typ == "bool":
            if isinstance(value, bool):
                return value
            low = str(value).strip().lower()
            if low in ("true", "false"):
                return low == "true"
            raise ValueError(value)
        if typ == "integer":
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(str(value).strip()) if not isinstance(value, int) else value
        if typ == "number":
            return float(value)
        if typ == "datetime":
            return _dt.datetime.fromisoformat(str(value))
        if typ == "date":
            return _dt.date.fromisoformat(str(value)[:10])
        if typ == "time":
            return _dt.time.fromisoformat(str(value))
        if typ == "text":
            return "" if value is None else text_of(value)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InstanceError(f"{value!r} is not a valid {typ}", file=where[0], row=where[1],
                            column="value") from None
    if typ:
        raise InstanceError(f"the type {typ!r} is not one of number, integer, text, bool, list, "
                            f"table, date", file=where[0], row=where[1], column="type")
    # no type given: what the cell holds
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value
    return value


def _description(key: str) -> str:
    from .schema import PARAM_BY_PATH, TYPE_PARAMS

    if key in PARAM_BY_PATH:
        return PARAM_BY_PATH[key].description
    m = re.fullmatch(r"types\.[^.]+\.([a-z_]+)", key)
    if m:
        for p in TYPE_PARAMS:
            if p.path == m.group(1):
                return p.description
    if re.fullmatch(r"balance\.soft\.[a-z_]+", key):
        return "Penalty per unit of slack of this soft balance rule."
    if re.fullmatch(r"resources\.[^.]+\.value", key):
        return "Common value of one unit of the resource (for scale rules)."
    if re.fullmatch(r"resources\.[^.]+\.unit", key):
        return "Unit of the resource."
    return ""


# =========================================================================== reading
def _open(path: Path):
    openpyxl = _need_openpyxl()
    import zipfile

    try:
        return openpyxl.load_workbook(path, data_only=True, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InstanceError(f"is not a readable .xlsx workbook ({exc})", file=path.name) from None


def _sheet(wb, name: str):
    for ws_name in wb.sheetnames:
        if ws_name.strip().lower() == name.lower():
            return wb[ws_name]
    return None


def _rows(ws) -> list[tuple[int, list]]:
    """(sheet row number, cells) of the non-empty rows."""
    out = []
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(row)
        if all(c is None or (isinstance(c, str) and c.strip() == "") for c in cells):
            continue
        out.append((i, cells))
    return out


def read_sheet(wb, name: str, where: str) -> pd.DataFrame | None:
    """One table sheet as a DataFrame of cells (text, numbers, booleans) with ``_line``."""
    ws = _sheet(wb, name)
    if ws is None:
        return None
    rows = _rows(ws)
    if not rows:
        raise InstanceError("the sheet is empty (it needs a header row)", file=where)
    hline, header = rows[0]
    while header and (header[-1] is None or str(header[-1]).strip() == ""):
        header = header[:-1]
    names = []
    for j, h in enumerate(header):
        h = "" if h is None else str(h).strip()
        if h == "":
            raise InstanceError(f"the header has an empty column name (column {_col(j)})",
                                file=where, row=f"row {hline}")
        if h in names:
            raise InstanceError(f"the column '{h}' appears twice in the header", file=where,
                                row=f"row {hline}")
        names.append(h)
    data, lines = [], []
    for line, cells in rows[1:]:
        extra = cells[len(names):]
        if any(c is not None and str(c).strip() != "" for c in extra):
            j = len(names) + next(i for i, c in enumerate(extra)
                                  if c is not None and str(c).strip() != "")
            raise InstanceError(f"has a value in column {_col(j)}, which has no header",
                                file=where, row=f"row {line}")
        cells = (cells + [None] * len(names))[:len(names)]
        data.append([_input_cell(c) for c in cells])
        lines.append(line)
    df = pd.DataFrame(data, columns=names, dtype=object)
    df[LINE] = lines
    return df


def _col(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def read_parameters(wb, where: str) -> tuple[dict, dict]:
    """The parameters sheet as a nested dict (like ``tomllib.load``), and key -> row."""
    ws = _sheet(wb, PARAM_SHEET)
    if ws is None:
        raise InstanceError(f"the sheet '{PARAM_SHEET}' is missing (it holds what "
                            "instance.toml holds: key, value, type)", file=where.split(",")[0])
    rows = _rows(ws)
    if not rows:
        return {}, {}
    hline, header = rows[0]
    header = [str(h).strip().lower() if h is not None else "" for h in header]
    if "key" not in header or "value" not in header:
        raise InstanceError("the header must have the columns key and value (and type)",
                            file=where, row=f"row {hline}")
    ik, iv = header.index("key"), header.index("value")
    it = header.index("type") if "type" in header else None
    out: dict = {}
    lines: dict = {}
    for line, cells in rows[1:]:
        cells = cells + [None] * len(header)
        key = cells[ik]
        if key is None or str(key).strip() == "":
            if cells[iv] is None:
                continue
            raise InstanceError("the key is empty", file=where, row=f"row {line}", column="key")
        key = str(key).strip()
        try:
            parts = _split_key(key)
        except ValueError:
            raise InstanceError(f"{key!r} is not a dotted key such as objective.lambda",
                                file=where, row=f"row {line}", column="key") from None
        typ = cells[it] if it is not None else None
        value = _input_cell(cells[iv]) if (typ or "").strip().lower() != "text" else cells[iv]
        value = _param_value(value, typ or "", (where, f"row {line}"))
        if value is None:
            continue  # an empty value: the setting is not given
        cur = out
        for p in parts[:-1]:
            nxt = cur.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise InstanceError(f"'{key}' is under '{p}', which already has a value",
                                    file=where, row=f"row {line}", column="key")
            cur = nxt
        if parts[-1] in cur and not (isinstance(cur[parts[-1]], dict) and value == {}):
            raise InstanceError(f"the key '{key}' is given twice (also on "
                                f"{lines.get(key, 'an earlier row')})", file=where,
                                row=f"row {line}", column="key")
        if isinstance(value, dict):
            cur.setdefault(parts[-1], {})
        else:
            cur[parts[-1]] = value
        lines[key] = f"row {line}"
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
    if row and row.startswith("line "):
        row = "row " + row[5:]
    return InstanceError(msg, file=file, row=row, column=exc.column)


def read_workbook(path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Read an instance workbook: (raw parameters, partners, recipients, pairs or None).

    The tables hold the cells as they are (text, numbers, booleans) and a ``_line`` column
    with the sheet row. The instance is validated here too, so that a bad value is reported by
    sheet, row and column (``guangdong.xlsx, sheet partners, row 3 (id GZ), column ...``).
    """
    from .instance import Instance

    path = Path(path)
    wb = _open(path)
    try:
        book = path.name
        raw, param_rows = read_parameters(wb, f"{book}, sheet {PARAM_SHEET}")
        tables = {}
        for name in TABLE_SHEETS:
            df = read_sheet(wb, name, f"{book}, sheet {name}")
            if df is None and name != "pairs":
                raise InstanceError(f"the sheet '{name}' is missing", file=book)
            tables[name] = df
    finally:
        wb.close()
    try:
        Instance.from_tables(raw, tables["partners"], tables["recipients"], tables["pairs"],
                             path=str(path))
    except InstanceError as exc:
        raise _in_sheet(exc, book, param_rows) from None
    return raw, tables["partners"], tables["recipients"], tables["pairs"]


def read_extra_sheets(path) -> dict[str, str]:
    """The sheets of an instance workbook that are not instance tables, as files:
    ``{"README.md": text, "provenance.csv": csv text, ...}``."""
    path = Path(path)
    wb = _open(path)
    try:
        out = {}
        known = {*TABLE_SHEETS, PARAM_SHEET}
        for name in wb.sheetnames:
            if name.strip().lower() in known:
                continue
            ws = wb[name]
            if name == README_SHEET:
                lines = [text_of(r[0]) if r else "" for r in ws.iter_rows(values_only=True)]
                out["README.md"] = "\n".join(lines[1:]) + "\n"  # row 1 is the header
                continue
            df = read_sheet(wb, name, f"{path.name}, sheet {name}")
            if df is None:
                continue
            out[f"{name}.csv"] = _csv_text(df.drop(columns=[LINE]))
    finally:
        wb.close()
    return out


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


def _add_table(wb, name: str, header: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(name)
    ws.append(header)
    for r in rows:
        ws.append(r)
    widths = [max(len(h), _width(r[j] for r in rows[:200])) for j, h in enumerate(header)]
    _style_header(ws, len(header), widths)


def _table_kind(table: str, column: str) -> str | None:
    from .schema import column_for

    col = column_for(table, column) if table in TABLE_SHEETS else None
    return col.kind if col is not None else None


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


def folder_to_workbook(folder, path) -> Path:
    """Write the instance folder ``folder`` as one workbook ``path`` (replaced atomically)."""
    openpyxl = _need_openpyxl()
    from .instance import read_csv_table, read_toml

    folder = Path(folder)
    if not (folder / "instance.toml").is_file():
        raise InstanceError("the file is missing from the instance folder", file="instance.toml")
    raw = read_toml(folder / "instance.toml")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in TABLE_SHEETS:
        f = folder / f"{name}.csv"
        if not f.is_file():
            if name == "pairs":
                continue
            raise InstanceError("the file is missing from the instance folder", file=f.name)
        df = read_csv_table(f).drop(columns=["_line"])
        kinds = [_table_kind(name, c) for c in df.columns]
        rows = [[cell_for(v, k) for v, k in zip(r, kinds)] for r in df.itertuples(index=False)]
        _add_table(wb, name, list(df.columns), rows)
    prm = [[k, v, t, _description(k)] for k, v, t in flatten_params(raw)]
    _add_table(wb, PARAM_SHEET, list(PARAM_HEADER), prm)
    for f in sorted(folder.glob("*.csv")):
        if f.stem in TABLE_SHEETS or f.stem.lower() in (PARAM_SHEET, README_SHEET.lower()):
            continue
        if len(f.stem) > 31 or _BAD_SHEET_CHARS.search(f.stem):
            continue  # not a possible sheet name; convert_instance reports it
        df = read_csv_table(f).drop(columns=["_line"])
        rows = [[cell_for(v, None) for v in r] for r in df.itertuples(index=False)]
        _add_table(wb, f.stem, list(df.columns), rows)
    if (folder / "README.md").is_file():
        ws = wb.create_sheet(README_SHEET)
        ws.append(["README.md"])
        for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
            ws.append([line if line != "" else None])
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
    wb = _open(path)
    try:
        book = path.name
        raw, _ = read_parameters(wb, f"{book}, sheet {PARAM_SHEET}")
        tables = {name: read_sheet(wb, name, f"{book}, sheet {name}") for name in TABLE_SHEETS}
    finally:
        wb.close()
    for name in ("partners", "recipients"):
        if tables[name] is None:
            raise InstanceError(f"the sheet '{name}' is missing", file=path.name)
    extra = read_extra_sheets(path)
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


def _summary_rows(d, prefix=""):
    rows = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            rows += _summary_rows(v, key + ".")
        elif isinstance(v, (list, dict)):
            rows.append([key, json.dumps(v, ensure_ascii=False, default=str)])
        else:
            rows.append([key, _result_cell(v)])
    return rows


def _sensitivity_sheet(wb, summary: dict, cons: pd.DataFrame | None,
                       var: pd.DataFrame | None) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet("Sensitivity Report")
    ws.append(["regcollab Sensitivity Report (in the layout of Excel Solver's)"])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([f"Instance: {summary.get('instance', '')}"])
    ws.append([("Duals of the LP with every pairing and type fixed at the plan's values; "
                "1E+30 means infinity.")])
    ws.append([])

    def block(title, df, cols, heads):
        ws.append([title])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.append(heads)
        for c in range(1, len(heads) + 1):
            ws.cell(row=ws.max_row, column=c).font = Font(bold=True)
        for _, r in df.iterrows():
            cell = (f"R{int(r['row'])}" if "row" in df and pd.notna(r.get("row")) else
                    f"C{int(r['column'])}" if "column" in df and pd.notna(r.get("column"))
                    else "")
            ws.append([cell, *[_result_cell(r[c]) if c in df else None for c in cols]])
        ws.append([])

    if var is not None and len(var):
        obj = next((c for c in ("objective_coefficient", "objective_coef", "cost") if c in var),
                   "objective_coefficient")
        rc = next((c for c in ("reduced_cost",) if c in var), "reduced_cost")
        block("Variable Cells", var,
              ["name", "final_value", rc, obj, "allowable_increase", "allowable_decrease"],
              ["Cell", "Name", "Final Value", "Reduced Cost", "Objective Coefficient",
               "Allowable Increase", "Allowable Decrease"])
    if cons is not None and len(cons):
        block("Constraints", cons,
              ["name", "final_value", "shadow_price", "rhs", "allowable_increase",
               "allowable_decrease"],
              ["Cell", "Name", "Final Value", "Shadow Price", "Constraint R.H. Side",
               "Allowable Increase", "Allowable Decrease"])
    from openpyxl.utils import get_column_letter

    for j, w in enumerate((8, 34, 13, 13, 20, 18, 18), start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def write_results_workbook(folder, path=None) -> Path:
    """``results.xlsx`` of a results folder: the summary, one sheet per CSV table, and the
    Solver-style sensitivity report when the folder has one. Returns its path."""
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
    ws.append(["key", "value"])
    for r in _summary_rows(summary):
        ws.append(r)
    _style_header(ws, 2, [34, 60])
    csvs = {f.stem: f for f in folder.glob("*.csv")}
    names = [n for n in RESULT_ORDER if n in csvs] + sorted(n for n in csvs if n not in RESULT_ORDER)
    frames = {}
    for n in names:
        if len(n) > 31 or _BAD_SHEET_CHARS.search(n):
            continue
        try:
            df = pd.read_csv(csvs[n])
        except pd.errors.EmptyDataError:
            df = pd.DataFrame()
        frames[n] = df
        rows = [[_result_cell(v) for v in r] for r in df.itertuples(index=False)]
        _add_table(wb, n, [str(c) for c in df.columns], rows)
    if "sensitivity_constraints" in frames or "sensitivity_variables" in frames:
        _sensitivity_sheet(wb, summary, frames.get("sensitivity_constraints"),
                           frames.get("sensitivity_variables"))
    return _save(wb, path)
