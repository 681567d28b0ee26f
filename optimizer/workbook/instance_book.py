"""Instance workbooks: an instance folder as one ``.xlsx`` file and back.

An instance workbook holds the tables of an instance folder as sheets (read by
:mod:`optimizer.instance.xlsx_reader`):

- ``partners``, ``recipients`` and (optional) ``pairs`` and ``clusters``: the CSV files, one
  row per row, the header in row 1;
- ``parameters``: what ``instance.toml`` holds, one setting a row: ``key``, ``value``,
  ``type`` and, only for reading, the ``default`` and a ``description``.
  :func:`folder_to_workbook` lists every setting there is, the ones the instance does not set
  with an empty value, so that a planner sees what can be set;
- any other CSV file of the folder (``provenance.csv``) as a sheet of its name, and the
  folder's ``README.md`` as a sheet ``README`` (one line a row); they come back as files.

:func:`folder_to_workbook` and :func:`workbook_to_folder` convert without loss: every cell keeps
its value (a number whose text is not its shortest form, e.g. ``1.50``, comes back as ``1.5``),
ids and names are written as text (never as a formula, however they begin), so both give the
same instance and the same plans.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError, InstanceError
from ..files import atomic_dir
from ..i18n import _
from ..instance import Instance, read_csv_table, read_toml
from ..instance.origin import LINE, OPTIONAL_TABLES, place
from ..instance.xlsx_reader import (
    PARAM_SHEET,
    README_SHEET,
    TABLE_SHEETS,
    key_part,
    number_text,
    open_book,
    read_sheet,
    sheet_label,
    table_kind,
    text_of,
)
from ..instance.xlsx_reader import read_workbook as read_raw_workbook
from ..schema import (
    BALANCE_RULES,
    PARAM_BY_PATH,
    PARAMS,
    RESOURCE_VALUE,
    SOFT_PENALTY,
    TYPE_DEFAULTS,
    TYPE_PARAMS,
)
from ..xlsx import MAX_CELL_CHARS, Unreadable
from .cells import (
    BAD_SHEET_CHARS,
    add_table,
    append_row,
    cell_for,
    float_ok,
    need_openpyxl,
    save,
    style_header,
)

PARAM_HEADER = ("key", "value", "type", "default", "description")


def flatten_params(d: dict, prefix: str = "") -> list[tuple[str, object, str]]:
    """``instance.toml`` as rows (key, cell value, type)."""
    rows = []
    for k, v in d.items():
        key = prefix + key_part(str(k))
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
            rows.append((key, v if float_ok(v) else repr(v), "number"))
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


def _description(key: str) -> str:
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
    kind_type = {"text": "text", "choice": "text", "number": "number", "bool": "bool",
                 "number-or-off": "number"}
    known: list[tuple[str, str, object]] = []  # (key, type, default)
    for p in PARAMS:
        default = "off" if p.kind == "number-or-off" and p.default is None else p.default
        if isinstance(default, (list, tuple)):  # a list setting: its items separated by ';'
            default = ";".join(str(v) for v in default)
        known.append((p.path, kind_type.get(p.kind, "text"), default))
    soft = (raw.get("balance") or {}).get("soft") if isinstance(raw.get("balance"), dict) else None
    if not isinstance(soft, list):
        known += [(f"balance.soft.{r}", "number", "hard") for r in BALANCE_RULES]
    for t, vals in TYPE_DEFAULTS.items():
        known += [(f"types.{key_part(t)}.{p.path}", "number", vals[p.path]) for p in TYPE_PARAMS]
    for k in resources:
        known.append((f"resources.{key_part(k)}.unit", "text", ""))
        known.append((f"resources.{key_part(k)}.value", "number", RESOURCE_VALUE.default))
        known.append((f"resources.{key_part(k)}.return_min", "number", 0.0))
    defaults = {key: d for key, _, d in known}
    rows, given = [], set()
    for key, value, typ in flatten_params(raw):
        given.add(key)
        rows.append([key, value, typ, defaults.get(key), _description(key)])
    for key, typ, default in known:
        if key not in given and not any(g.startswith(key + ".") for g in given):
            rows.append([key, None, typ, default, _description(key)])
    return rows


def read_extra_sheets(path) -> dict[str, str]:
    """The sheets of an instance workbook that are not instance tables, as files:
    ``{"README.md": text, "provenance.csv": csv text, ...}``."""
    path = Path(path)
    out = {}
    with open_book(path) as book:
        known = {*TABLE_SHEETS, PARAM_SHEET}
        for name in book.sheetnames:
            if name.strip().lower() in known or book.sheets[name][0] != "worksheet":
                continue
            where = sheet_label(book.label, name)
            if not _sheet_name_ok(name):  # it becomes a file name: no path, nothing Excel forbids
                raise InstanceError(_("the sheet name {name} is not one Excel allows (1 to 31 "
                                      "characters, none of [ ] : * ? / \\)").format(
                                          name=repr(name[:40])), file=book.label)
            if name == README_SHEET:
                sheet = book.read(name)
                last = max((r for r, _ in sheet.rows), default=1)
                lines = [""] * max(last - 1, 0)
                for r, cells in sheet.rows:
                    if r >= 2 and cells:  # row 1 is the header
                        v = cells[0]
                        if isinstance(v, Unreadable):
                            raise InstanceError(_("the cell {why}").format(why=v.said()),
                                                file=where, row=place("row", r), column="A")
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
    return (0 < len(name) <= 31 and not BAD_SHEET_CHARS.search(name)
            and not re.search(r"[\x00-\x1f\x7f]", name) and name[0] != "'" and name[-1] != "'"
            and name.strip(". ") != "")


def _csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False):
        w.writerow([text_of(v) for v in row])
    return buf.getvalue()


def _csv_rows(f: Path, table: str | None) -> tuple[list[str], list[list]]:
    """The header and the cell values of a CSV file of an instance folder."""
    df = read_csv_table(f)
    header = [c for c in df.columns if c != LINE]
    kinds = [table_kind(table, c) for c in header]
    rows = []
    for line, r in zip(df[LINE], df[header].itertuples(index=False)):
        for c, v in zip(header, r):
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                raise InputError(_("the text is longer than the {limit} characters a cell of "
                                   "Excel holds").format(limit=f"{MAX_CELL_CHARS:,}"),
                                 file=f.name, row=place("line", line), column=c)
        rows.append([cell_for(v, k) for v, k in zip(r, kinds)])
    return header, rows


def folder_to_workbook(folder, path) -> Path:
    """Write the instance folder ``folder`` as one workbook ``path`` (replaced atomically)."""
    openpyxl = need_openpyxl()
    folder = Path(folder)
    if not (folder / "instance.toml").is_file():
        raise InstanceError(_("the file is missing from the instance folder"),
                            file="instance.toml")
    raw = read_toml(folder / "instance.toml")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    resources: list[str] = []
    for name in TABLE_SHEETS:
        f = folder / f"{name}.csv"
        if not f.is_file():
            if name in OPTIONAL_TABLES:
                continue
            raise InstanceError(_("the file is missing from the instance folder"), file=f.name)
        header, rows = _csv_rows(f, name)
        if name == "partners":
            resources = [c[7:] for c in header if c.startswith("supply.") and len(c) > 7]
        add_table(wb, name, header, rows)
    res_section = raw.get("resources")
    if isinstance(res_section, dict) and res_section:
        resources = [str(k) for k in res_section]
    add_table(wb, PARAM_SHEET, list(PARAM_HEADER), setting_rows(raw, resources))
    for f in sorted(folder.glob("*.csv")):
        if f.stem in TABLE_SHEETS or f.stem.lower() in (PARAM_SHEET, README_SHEET.lower()):
            continue
        if len(f.stem) > 31 or BAD_SHEET_CHARS.search(f.stem):
            continue  # not a possible sheet name; convert_instance reports it
        header, rows = _csv_rows(f, None)
        add_table(wb, f.stem, header, rows)
    if (folder / "README.md").is_file():
        ws = wb.create_sheet(README_SHEET)
        append_row(ws, ["README.md"])
        for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
            append_row(ws, [line if line != "" else None])
        style_header(ws, 1, [100])
    return save(wb, Path(path))


def workbook_to_folder(path, folder) -> Path:
    """Write the instance workbook ``path`` as an instance folder (replaced atomically)."""
    try:
        import tomli_w
    except ImportError:
        raise InputError(_("writing instance.toml needs tomli-w: pip install "
                           "'regcollab[report]'")) from None
    path = Path(path)
    raw = read_raw_workbook(path)
    extra = read_extra_sheets(path)
    tables = {"partners": raw.partners, "recipients": raw.recipients, "pairs": raw.pairs,
              "clusters": raw.clusters}
    with atomic_dir(folder) as tmp:
        (tmp / "instance.toml").write_text(tomli_w.dumps(raw.settings, multiline_strings=True),
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
            if f.stem not in TABLE_SHEETS
            and (len(f.stem) > 31 or BAD_SHEET_CHARS.search(f.stem))]


def read_workbook(path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Read an instance workbook: (raw parameters, partners, recipients, pairs or None), the
    tables as cells with a ``_line`` column (the sheet row); not validated."""
    raw = read_raw_workbook(path)
    return raw.settings, raw.partners, raw.recipients, raw.pairs


def load_workbook_instance(path) -> Instance:
    """The instance of a workbook, validated (what ``load_instance("x.xlsx")`` does):
    messages name the sheet, row and column (``guangdong.xlsx, sheet partners, row 3 (id
    GZ), column ...``)."""
    return Instance.from_raw(read_raw_workbook(path))


