"""Stage 1: read and validate an instance.

An instance is a folder with ``instance.toml``, ``partners.csv``, ``recipients.csv`` and an
optional ``pairs.csv`` (see ``docs/instance-format.md``; the columns come from ``schema.py``).
Every value is checked here, so later stages can trust the arrays they get. Instances are
immutable: :meth:`Instance.with_params` returns a validated copy.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
import time
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .errors import InstanceError
from .schema import (
    BALANCE_RULES,
    DEFAULT_SOFT_PENALTY,
    ID_FORBIDDEN,
    INF,
    PARAM_BY_PATH,
    PARAMS,
    RESOURCE_VALUE,
    SOFT_PENALTY,
    TABLES,
    TYPE_DEFAULTS,
    TYPE_PARAMS,
    Column,
    bad_name_char,
    column_for,
    range_problem,
)

LINE = "_line"  # hidden column: the line of the source file a row came from
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}
META_SECTIONS = ("objective", "balance", "types", "resources", "pairs")
FILES = {"partners": "partners.csv", "recipients": "recipients.csv", "pairs": "pairs.csv"}


# --------------------------------------------------------------------------- reading files
def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InstanceError(f"the file cannot be read ({exc.strerror or exc})",
                            file=path.name) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InstanceError("the file is UTF-16 encoded; save it as UTF-8 (CSV UTF-8 in Excel)",
                            file=path.name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InstanceError(f"line {line} is not valid UTF-8 text; save the file as UTF-8",
                            file=path.name) from None


def read_csv_table(path: Path) -> pd.DataFrame:
    """Read a CSV as strings, keeping each row's line number in the ``_line`` column."""
    text = _read_text(path)
    # strict: an unclosed quote is an error, not the rest of the file read as one value
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InstanceError("the file is empty (it needs a header line)", file=path.name) from None
    except csv.Error as exc:
        raise InstanceError(f"line 1 is not valid CSV: {exc}", file=path.name) from None
    header = [h.strip() for h in header]
    if any(h == "" for h in header):
        pos = header.index("") + 1
        raise InstanceError(f"the header has an empty column name (column {pos})", file=path.name,
                            row="line 1")
    seen = set()
    for h in header:
        if h in seen:
            raise InstanceError(f"the column '{h}' appears twice in the header", file=path.name,
                                row="line 1")
        seen.add(h)
    rows, lines = [], []
    start = reader.line_num + 1  # the line a record starts on (a quoted value may span lines)
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not fields or all(f.strip() == "" for f in fields):
                continue
            if len(fields) != len(header):
                raise InstanceError(
                    f"has {len(fields)} fields but the header has {len(header)}",
                    file=path.name, row=f"line {line}")
            rows.append([f.strip() for f in fields])
            lines.append(line)
    except csv.Error as exc:
        what = ("a quoted value is never closed (a '\"' is missing)"
                if "unexpected end of data" in str(exc) else str(exc))
        raise InstanceError(f"line {start} is not valid CSV: {what}", file=path.name) from None
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df[LINE] = lines
    return df


def read_toml(path: Path) -> dict:
    text = _read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstanceError(f"is not valid TOML: {exc}", file=path.name) from None


# --------------------------------------------------------------------------- parameters
def _get(d: Mapping, path: str, default=None):
    cur: Any = d
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return default
        cur = cur[part]
    return cur


def _set(d: dict, path: str, value) -> None:
    parts = path.split(".")
    cur = d
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value


def _check_number(value, where: str, lo=-INF, hi=INF, lo_open=False, file="instance.toml",
                  integer=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InstanceError(f"{where} must be a number, not {value!r}", file=file)
    v = float(value)
    if not math.isfinite(v):
        raise InstanceError(f"{where} must be a finite number, not {value!r}", file=file)
    problem = range_problem(v, lo, hi, lo_open)
    if problem:
        raise InstanceError(f"{where} is {value!r}; {problem}", file=file)
    if integer and v != int(v):
        raise InstanceError(f"{where} must be a whole number, not {value!r}", file=file)
    return v


def _validate_param(p, value):
    where = f"'{p.path}'"
    if p.kind == "text":
        if not isinstance(value, str):
            raise InstanceError(f"{where} must be text, not {value!r}", file="instance.toml")
        return value
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise InstanceError(f"{where} must be true or false, not {value!r}", file="instance.toml")
        return value
    if p.kind == "choice":
        if value not in p.choices:
            raise InstanceError(f"{where} is {value!r}; it must be one of {', '.join(p.choices)}",
                                file="instance.toml")
        return value
    if p.kind == "number-or-off":
        if value is None or value is False or value == "off":
            return None
    return _check_number(value, where, p.lo, p.hi, p.lo_open)


def normalise_params(raw: Mapping, resource_columns: list[str]) -> tuple[dict, tuple, tuple]:
    """Check ``instance.toml`` and return (params with defaults, resources, types)."""
    raw = copy.deepcopy(dict(raw))
    for section in META_SECTIONS:
        if section in raw and not isinstance(raw[section], dict):
            raise InstanceError(f"'{section}' must be a table ([{section}])", file="instance.toml")
    known = {p.path for p in PARAMS}
    for section in ("objective", "balance", "pairs"):
        for key in raw.get(section, {}):
            path = f"{section}.{key}"
            if path == "balance.soft":
                continue
            if path not in known:
                raise InstanceError(f"unknown setting '{path}'", file="instance.toml")
    params: dict = {k: v for k, v in raw.items() if k not in META_SECTIONS}
    for p in PARAMS:
        value = _get(raw, p.path, p.default)
        if p.kind == "number-or-off" and _get(raw, p.path, None) is None:
            value = None
        _set(params, p.path, _validate_param(p, value) if value is not None else None)

    soft = _get(raw, "balance.soft", {})
    if isinstance(soft, list):  # soft = ["access_floor", ...] uses the default penalty
        soft = {name: DEFAULT_SOFT_PENALTY for name in soft}
    if not isinstance(soft, dict):
        raise InstanceError("'balance.soft' must be a table of rule = penalty, or a list of rules",
                            file="instance.toml")
    clean_soft = {}
    for rule, pen in soft.items():
        if rule not in BALANCE_RULES:
            raise InstanceError(f"'balance.soft.{rule}' names no balance rule; the rules are "
                                f"{', '.join(BALANCE_RULES)}", file="instance.toml")
        clean_soft[rule] = _check_number(pen, f"'balance.soft.{rule}'", SOFT_PENALTY.lo,
                                         SOFT_PENALTY.hi, SOFT_PENALTY.lo_open)
    params["balance"]["soft"] = clean_soft

    # resources: declared in [resources.<name>] or taken from the supply.<k> columns
    res_section = raw.get("resources", {})
    if res_section:
        resources = tuple(res_section)
    else:
        resources = tuple(resource_columns)
    if not resources:
        raise InstanceError("no resources: give [resources.<name>] sections or supply.<name> "
                            "columns", file="instance.toml")
    res_params = {}
    for k in resources:
        _check_name(k, "the resource name", file="instance.toml" if res_section else "partners.csv",
                    row=None if res_section else "line 1")
        spec = res_section.get(k, {})
        if not isinstance(spec, dict):
            raise InstanceError(f"'resources.{k}' must be a table", file="instance.toml")
        for key in spec:
            if key not in ("unit", "value", "description", "source"):
                raise InstanceError(f"unknown setting 'resources.{k}.{key}'", file="instance.toml")
        res_params[k] = {
            "unit": str(spec.get("unit", "")),
            "value": _check_number(spec.get("value", RESOURCE_VALUE.default),
                                   f"'resources.{k}.value'", RESOURCE_VALUE.lo, RESOURCE_VALUE.hi,
                                   RESOURCE_VALUE.lo_open),
            **({"description": str(spec["description"])} if "description" in spec else {}),
            **({"source": str(spec["source"])} if "source" in spec else {}),
        }
    params["resources"] = res_params

    # types: the three of the paper with their defaults, overridable; extra types allowed
    type_section = raw.get("types", {})
    types = list(TYPE_DEFAULTS)
    for t in type_section:
        if t not in types:
            types.append(t)
    type_params = {}
    for t in types:
        _check_name(t, "the type name", file="instance.toml")
        spec = type_section.get(t, {})
        if not isinstance(spec, dict):
            raise InstanceError(f"'types.{t}' must be a table", file="instance.toml")
        names = {tp.path for tp in TYPE_PARAMS}
        for key in spec:
            if key not in names and key not in ("description", "source"):
                raise InstanceError(f"unknown setting 'types.{t}.{key}'", file="instance.toml")
        vals = {}
        for tp in TYPE_PARAMS:
            v = spec.get(tp.path, TYPE_DEFAULTS.get(t, {}).get(tp.path))
            if v is None:
                raise InstanceError(f"type '{t}' is not one of {', '.join(TYPE_DEFAULTS)}, so "
                                    f"'types.{t}.{tp.path}' must be given", file="instance.toml")
            vals[tp.path] = _check_number(v, f"'types.{t}.{tp.path}'", tp.lo, tp.hi, tp.lo_open)
        if "description" in spec:
            vals["description"] = str(spec["description"])
        type_params[t] = vals
    params["types"] = type_params
    return params, resources, tuple(types)


# --------------------------------------------------------------------------- tables
def _row_label(df: pd.DataFrame, i: int, file: str, id_col: str | None) -> str:
    """A row as the planner sees it: its line in the file, and its id (or pair)."""
    line = df[LINE].iat[i] if LINE in df else None
    label = f"line {line}" if line is not None else f"row {i + 1}"
    if id_col and id_col in df:
        ident = df[id_col].iat[i]
        if isinstance(ident, str) and ident:
            label += f" (id {ident})"
    elif "partner" in df and "recipient" in df:
        d, r = df["partner"].iat[i], df["recipient"].iat[i]
        if isinstance(d, str) and isinstance(r, str):
            label += f" (pair {d.strip()}-{r.strip()})"
    return label


def _is_blank(series: pd.Series) -> np.ndarray:
    # None, "" and a pandas missing value (float NaN, not the text "NaN") are empty cells;
    # the text "NaN" in a file is an error, reported by the caller
    return series.map(lambda v: v is None or (isinstance(v, str) and v.strip() == "")
                      or (isinstance(v, float) and math.isnan(v))).to_numpy(bool)


def _parse_column(df, name: str, col: Column, file: str, id_col, default=None) -> np.ndarray:
    """Parse one column to floats (or bools), with a message naming the first bad row."""
    series = df[name] if name in df else pd.Series([None] * len(df), dtype=object)
    blank = _is_blank(series) if name in df else np.ones(len(df), bool)
    if col.kind == "bool":
        out = np.empty(len(df), bool)
        for i, v in enumerate(series):
            if blank[i]:
                out[i] = bool(default)
                continue
            if isinstance(v, (bool, np.bool_)):
                out[i] = bool(v)
                continue
            s = str(v).strip().lower()
            if s in TRUE_WORDS:
                out[i] = True
            elif s in FALSE_WORDS:
                out[i] = False
            else:
                raise InstanceError(f"{v!r} is not true or false", file=file,
                                    row=_row_label(df, i, file, id_col), column=name)
        return out
    if blank.any() and default is None:
        i = int(np.flatnonzero(blank)[0])
        raise InstanceError("the value is empty but is required", file=file,
                            row=_row_label(df, i, file, id_col), column=name)
    vals = pd.to_numeric(series.where(~blank, None), errors="coerce").to_numpy(float)
    bad = ~blank & np.isnan(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raw = series.iat[i]
        what = (f"{raw!r} is not a number (a missing value must be left empty, and only in an "
                f"optional column)" if str(raw).strip().lower() in ("nan", "na", "n/a", "null")
                else f"{raw!r} is not a number")
        raise InstanceError(what, file=file, row=_row_label(df, i, file, id_col), column=name)
    if blank.any():
        if isinstance(default, np.ndarray):
            vals = np.where(blank, default, vals)
        else:
            vals = np.where(blank, float(default), vals)
    finite = np.isfinite(vals) | (blank & np.isinf(vals))
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise InstanceError(f"{series.iat[i]!r} is not a finite number", file=file,
                            row=_row_label(df, i, file, id_col), column=name)
    out_lo = (vals <= col.lo) if col.lo_open else (vals < col.lo)
    out_range = (out_lo | (vals > col.hi)) & ~blank
    if out_range.any():
        i = int(np.flatnonzero(out_range)[0])
        raise InstanceError(
            f"{series.iat[i]} is out of range: "
            f"{range_problem(vals[i], col.lo, col.hi, col.lo_open)}",
            file=file, row=_row_label(df, i, file, id_col), column=name)
    if col.kind == "integer":
        frac = np.isfinite(vals) & (vals != np.round(vals))
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise InstanceError(f"{series.iat[i]} must be a whole number", file=file,
                                row=_row_label(df, i, file, id_col), column=name)
    return vals


def _check_ids(df: pd.DataFrame, file: str) -> list[str]:
    if "id" not in df:
        raise InstanceError("the required column 'id' is missing", file=file, row="line 1")
    # an empty cell is None, "" or (from a pandas table) a float NaN; the text "NaN" is an id
    ids = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
           for v in df["id"]]
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident == "":
            raise InstanceError("the id is empty", file=file, row=_row_label(df, i, file, None),
                                column="id")
        _check_name(ident, "the id", file=file, row=_row_label(df, i, file, None), column="id")
        if ident in seen:
            raise InstanceError(f"the id '{ident}' is used twice (also on "
                                f"{_row_label(df, seen[ident], file, None)})", file=file,
                                row=_row_label(df, i, file, None), column="id")
        seen[ident] = i
    return ids


def _check_name(name: str, what: str, file: str, row: str | None = None,
                column: str | None = None) -> None:
    """Ids, resource and type names: no separators of row names, no control characters."""
    ch = bad_name_char(name)
    if ch is not None:
        shown = repr(ch) if ch not in ID_FORBIDDEN else f"'{ch}'"
        raise InstanceError(f"{what} {name!r} contains {shown}; ids and names may not contain "
                            f"{' '.join(ID_FORBIDDEN)} or control characters", file=file,
                            row=row, column=column)


def _check_columns(df: pd.DataFrame, table: str, file: str, resources: tuple) -> None:
    cols = [c for c in df.columns if c != LINE]
    for col in TABLES[table]:
        if not col.required:
            continue
        names = [col.name.format(k=k) for k in resources] if "{k}" in col.name else [col.name]
        for n in names:
            if n not in cols:
                if "{k}" in col.name:
                    k = n.split(".", 1)[1]
                    raise InstanceError(
                        f"the column '{n}' is missing: every resource needs it, and '{k}' is a "
                        f"resource of this instance", file=file, row="line 1")
                raise InstanceError(f"the required column '{n}' is missing", file=file,
                                    row="line 1")
    for c in cols:
        spec = column_for(table, c)
        if spec is not None and "{k}" in spec.name:
            k = c[len(spec.name.split("{k}")[0]):]
            if k not in resources:
                raise InstanceError(
                    f"the column '{c}' names resource '{k}', which is not a resource of this "
                    f"instance (resources: {', '.join(resources)})", file=file, row="line 1",
                    column=c)


def _resource_columns(df: pd.DataFrame) -> list[str]:
    return [c.split(".", 1)[1] for c in df.columns if c.startswith("supply.") and len(c) > 7]


# --------------------------------------------------------------------------- the instance
@dataclass(frozen=True)
class Instance:
    """A validated planning instance. Immutable: use :meth:`with_params` for a changed copy.

    ``partners``, ``recipients`` and ``pairs`` are typed tables indexed by id (pairs by
    ``(partner, recipient)``; only the explicitly listed pairs). ``params`` holds the settings
    of ``instance.toml`` with defaults filled in.
    """

    params: dict
    partners: pd.DataFrame
    recipients: pd.DataFrame
    pairs: pd.DataFrame
    resources: tuple
    types: tuple
    path: str | None = None
    warnings: tuple = ()
    load_seconds: float = 0.0
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    lines: dict = field(default_factory=dict, repr=False, compare=False)

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_tables(cls, raw_params: Mapping, partners: pd.DataFrame, recipients: pd.DataFrame,
                    pairs: pd.DataFrame | None = None, path: str | None = None) -> "Instance":
        """Validate raw tables (strings or numbers) and parameters into an instance."""
        t0 = time.perf_counter()
        f_p, f_r, f_pp = FILES["partners"], FILES["recipients"], FILES["pairs"]
        if len(partners) == 0:
            raise InstanceError("has no partners (no rows below the header)", file=f_p)
        if len(recipients) == 0:
            raise InstanceError("has no recipients (no rows below the header)", file=f_r)
        params, resources, types = normalise_params(raw_params, _resource_columns(partners))
        _check_columns(partners, "partners", f_p, resources)
        _check_columns(recipients, "recipients", f_r, resources)

        p_ids = _check_ids(partners, f_p)
        r_ids = _check_ids(recipients, f_r)
        P = pd.DataFrame(index=pd.Index(p_ids, name="id"))
        P["name"] = [n if isinstance(n, str) and n else i for n, i in
                     zip(partners.get("name", pd.Series([""] * len(p_ids))), p_ids)]
        spec = {c.name: c for c in TABLES["partners"]}
        P["max_partners"] = _parse_column(partners, "max_partners", spec["max_partners"], f_p, "id",
                                          default=INF)
        for k in resources:
            P[f"supply.{k}"] = _parse_column(partners, f"supply.{k}", spec["supply.{k}"], f_p, "id")

        R = pd.DataFrame(index=pd.Index(r_ids, name="id"))
        R["name"] = [n if isinstance(n, str) and n else i for n, i in
                     zip(recipients.get("name", pd.Series([""] * len(r_ids))), r_ids)]
        spec = {c.name: c for c in TABLES["recipients"]}
        for c in ("population", "baseline", "target"):
            R[c] = _parse_column(recipients, c, spec[c], f_r, "id")
        R["min_partners"] = _parse_column(recipients, "min_partners", spec["min_partners"], f_r,
                                          "id", default=1)
        R["max_partners"] = _parse_column(recipients, "max_partners", spec["max_partners"], f_r,
                                          "id", default=INF)
        bad = np.flatnonzero(R["min_partners"].to_numpy() > R["max_partners"].to_numpy())
        if len(bad):
            i = int(bad[0])
            raise InstanceError(
                f"min_partners ({R['min_partners'].iat[i]:g}) is larger than max_partners "
                f"({R['max_partners'].iat[i]:g})", file=f_r, row=_row_label(recipients, i, f_r, "id"),
                column="min_partners")
        for k in resources:
            R[f"need.{k}"] = _parse_column(recipients, f"need.{k}", spec["need.{k}"], f_r, "id")
        for k in resources:
            R[f"absorb.{k}"] = _parse_column(recipients, f"absorb.{k}", spec["absorb.{k}"], f_r,
                                             "id", default=R[f"need.{k}"].to_numpy())
        for k in resources:
            R[f"prod.{k}"] = _parse_column(recipients, f"prod.{k}", spec["prod.{k}"], f_r, "id")
        # keep extra columns (province, coordinates, sources...) as given
        for src, dst in ((partners, P), (recipients, R)):
            for c in src.columns:
                if c not in dst.columns and c not in ("id", LINE) and column_for(
                        "partners" if dst is P else "recipients", c) is None:
                    dst[c] = list(src[c])

        # where each row came from, for messages about whole rows (kept beside the tables:
        # pandas deep-copies DataFrame.attrs on every column access)
        lines = {name: [int(v) for v in src[LINE]] for name, src in
                 (("partners", partners), ("recipients", recipients)) if LINE in src}
        PP = cls._validate_pairs(pairs, params, set(p_ids), set(r_ids), f_pp)
        lines["pairs"] = PP.attrs.pop("lines", {})
        inst = cls(params=params, partners=P, recipients=R, pairs=PP, resources=resources,
                   types=types, path=path)
        object.__setattr__(inst, "lines", lines)
        inst._check_consistency()
        warnings = inst._collect_warnings()
        object.__setattr__(inst, "warnings", tuple(warnings))
        object.__setattr__(inst, "raw", {"params": copy.deepcopy(dict(raw_params))})
        object.__setattr__(inst, "load_seconds", time.perf_counter() - t0)
        return inst

    @staticmethod
    def _validate_pairs(pairs, params, p_ids, r_ids, file) -> pd.DataFrame:
        cols = ["comp", "pot", "ben", "allowed", "fixed"]
        if pairs is None or len(pairs) == 0:
            idx = pd.MultiIndex.from_tuples([], names=["partner", "recipient"])
            return pd.DataFrame({c: pd.Series(dtype=bool if c in ("allowed", "fixed") else float)
                                 for c in cols}, index=idx)
        for c in ("partner", "recipient"):
            if c not in pairs:
                raise InstanceError(f"the required column '{c}' is missing", file=file, row="line 1")
        spec = {c.name: c for c in TABLES["pairs"]}
        partner = [str(v).strip() for v in pairs["partner"]]
        recipient = [str(v).strip() for v in pairs["recipient"]]
        seen: dict = {}
        for i, (d, r) in enumerate(zip(partner, recipient)):
            label = _row_label(pairs, i, file, None)
            if d not in p_ids:
                raise InstanceError(f"the partner '{d}' is not in partners.csv", file=file,
                                    row=label, column="partner")
            if r not in r_ids:
                raise InstanceError(f"the recipient '{r}' is not in recipients.csv", file=file,
                                    row=label, column="recipient")
            if (d, r) in seen:
                raise InstanceError(f"the pair {d}-{r} is listed twice (also on {seen[(d, r)]})",
                                    file=file, row=label)
            seen[(d, r)] = label
        out = pd.DataFrame(index=pd.MultiIndex.from_arrays([partner, recipient],
                                                           names=["partner", "recipient"]))
        for c in ("comp", "pot", "ben"):
            out[c] = _parse_column(pairs, c, spec[c], file, None, default=params["pairs"][c])
        # a listed pair is allowed unless it says otherwise ([pairs] allowed is for the rest)
        out["allowed"] = _parse_column(pairs, "allowed", spec["allowed"], file, None, default=True)
        out["fixed"] = _parse_column(pairs, "fixed", spec["fixed"], file, None, default=False)
        bad = np.flatnonzero(out["fixed"].to_numpy() & ~out["allowed"].to_numpy())
        if len(bad):
            i = int(bad[0])
            raise InstanceError("the pair is fixed (must be kept) but not allowed", file=file,
                                row=_row_label(pairs, i, file, None), column="fixed")
        for c in pairs.columns:
            if c not in out.columns and c not in ("partner", "recipient", LINE):
                out[c] = list(pairs[c])
        out.attrs["lines"] = {key: _row_label(pairs, i, file, None)
                              for i, key in enumerate(zip(partner, recipient))}
        return out

    def _check_consistency(self) -> None:
        """Rules that need the whole instance (fixed pairs must be able to take a type)."""
        a = self.arrays
        fixed_no_type = a["fixed"] & ~a["eligible"].any(axis=2)
        if fixed_no_type.any():
            d, r = (int(v[0]) for v in np.nonzero(fixed_no_type))
            key = (self.partners.index[d], self.recipients.index[r])
            row = self.lines.get("pairs", {}).get(key)
            raise InstanceError(
                f"the pair {key[0]}-{key[1]} is fixed but can take no collaboration type: "
                f"pot {a['pot'][d, r]:g} and ben {a['ben'][d, r]:g} are below every type's "
                f"thresholds ({self._threshold_words()})", file=FILES["pairs"], row=row,
                column="fixed")
        # fixed pairings must fit the spans: no plan can keep more than max_partners of them
        for axis, table, ids, col, who in (
                (1, "partners", self.partners.index, "max_partners_d", "partner"),
                (0, "recipients", self.recipients.index, "max_partners_r", "recipient")):
            n_fixed = a["fixed"].sum(axis=axis)
            over = np.flatnonzero(n_fixed > a[col])
            if len(over):
                i = int(over[0])
                keys = [k for k, f in zip(self.pairs.index, self.pairs["fixed"])
                        if f and k[0 if who == "partner" else 1] == ids[i]]
                df = self.partners if who == "partner" else self.recipients
                raise InstanceError(
                    f"the {who} {ids[i]} has {int(n_fixed[i])} fixed pairings "
                    f"({', '.join(f'{d}-{r}' for d, r in keys)}) but max_partners is "
                    f"{a[col][i]:g}: no plan can keep them all", file=FILES[table],
                    row=self._line_of(df, i), column="max_partners")

    def _line_of(self, df: pd.DataFrame, i: int) -> str:
        table = "partners" if df is self.partners else "recipients"
        rows = self.lines.get(table)
        line = rows[i] if rows else None
        return (f"line {line}" if line is not None else f"row {i + 1}") + f" (id {df.index[i]})"

    def _threshold_words(self) -> str:
        return "; ".join(f"{t} needs pot >= {p['pot_min']:g} and ben >= {p['ben_min']:g}"
                         for t, p in self.params["types"].items())

    def _collect_warnings(self) -> list[str]:
        a = self.arrays
        out = []
        reach = (a["eligible"].any(axis=2)).any(axis=0)
        R, D = self.recipients, self.partners

        def who(table, i) -> str:  # the id, and the name when there is one
            name = str(table["name"].iat[i]) if "name" in table else ""
            return f"{table.index[i]} ({name})" if name and name != str(table.index[i]) \
                else str(table.index[i])

        out += _grouped([who(R, r) for r in np.flatnonzero(~reach)],
                        "recipient {} has", "{n} recipients have",
                        "no partner that may pair with it (every pair is not allowed or below "
                        "every type's thresholds)")
        out += _grouped([who(D, d) for d in np.flatnonzero(a["supply"].sum(axis=1) == 0)],
                        "partner {} has", "{n} partners have", "no supply of any resource")
        out += _grouped([who(R, r) for r in np.flatnonzero((a["prod"] == 0).all(axis=1))],
                        "recipient {} gains", "{n} recipients gain",
                        "nothing from any resource (every prod.* is 0)")
        # pairs listed as allowed that can take no type: they silently drop out of the plan
        if len(self.pairs):
            di = D.index.get_indexer(self.pairs.index.get_level_values(0))
            ri = R.index.get_indexer(self.pairs.index.get_level_values(1))
            dead = a["allowed"][di, ri] & ~a["eligible"][di, ri].any(axis=1)
            out += _grouped([f"{D.index[d]}-{R.index[r]}" for d, r in zip(di[dead], ri[dead])],
                            "the pair {} is", "{n} pairs are",
                            "allowed in pairs.csv but below every type's thresholds, so it can "
                            f"never be chosen ({self._threshold_words()})")
        # rules that cannot hold, seen from the data alone (the solve would be infeasible)
        soft = self.params["balance"]["soft"]
        cand = a["eligible"].any(axis=2)
        n_cand = cand.sum(axis=0)
        short = np.flatnonzero(reach & (a["min_partners_r"] > n_cand))
        if "coverage" not in soft:
            out += [f"recipient {who(R, r)} must get at least {a['min_partners_r'][r]:g} partners "
                    f"but only {int(n_cand[r])} may pair with it (min_partners); no plan can "
                    f"meet that unless the coverage rule is soft" for r in short[:5]]
        if "access_floor" not in soft:
            floor = self.params["balance"]["alpha"] * a["need"]
            reachable = np.einsum("dr,dk->rk", cand.astype(float), a["supply"])
            can = np.minimum(a["absorb"], reachable)
            tol = 1e-9 * np.maximum(1.0, floor)
            rr, kk = np.nonzero(reach[:, None] & (floor > can + tol))
            for r, k in list(zip(rr, kk))[:5]:
                why = (f"it can absorb only {a['absorb'][r, k]:g}" if a["absorb"][r, k] < floor[r, k]
                       else f"the partners that may pair with it can send only "
                            f"{reachable[r, k]:g}")
                out.append(f"recipient {who(R, r)}'s access floor for {self.resources[k]} is "
                           f"{floor[r, k]:g} (alpha x need) but {why}; no plan can meet it unless "
                           f"the access_floor rule is soft (regcollab diagnose explains)")
        return out

    # ----------------------------------------------------------------- arrays for the model
    @cached_property
    def arrays(self) -> dict:
        """Dense numpy arrays of the data, in the order of the tables (read-only)."""
        P, R, K = self.partners, self.recipients, self.resources
        nD, nR = len(P), len(R)
        tp = self.params["types"]
        pr = self.params["pairs"]
        out = {
            "supply": P[[f"supply.{k}" for k in K]].to_numpy(float),
            "max_partners_d": P["max_partners"].to_numpy(float),
            "pop": R["population"].to_numpy(float),
            "y0": R["baseline"].to_numpy(float),
            "target": R["target"].to_numpy(float),
            "need": R[[f"need.{k}" for k in K]].to_numpy(float),
            "absorb": R[[f"absorb.{k}" for k in K]].to_numpy(float),
            "prod": R[[f"prod.{k}" for k in K]].to_numpy(float),
            "min_partners_r": R["min_partners"].to_numpy(float),
            "max_partners_r": R["max_partners"].to_numpy(float),
            "value": np.array([self.params["resources"][k]["value"] for k in K], float),
        }
        for name in ("mult", "kappa", "setup", "min_scale", "pot_min", "ben_min"):
            out[name] = np.array([tp[t][name] for t in self.types], float)
        comp = np.full((nD, nR), pr["comp"])
        pot = np.full((nD, nR), pr["pot"])
        ben = np.full((nD, nR), pr["ben"])
        allowed = np.full((nD, nR), bool(pr["allowed"]))
        fixed = np.zeros((nD, nR), bool)
        if len(self.pairs):
            di = P.index.get_indexer(self.pairs.index.get_level_values(0))
            ri = R.index.get_indexer(self.pairs.index.get_level_values(1))
            comp[di, ri] = self.pairs["comp"].to_numpy(float)
            pot[di, ri] = self.pairs["pot"].to_numpy(float)
            ben[di, ri] = self.pairs["ben"].to_numpy(float)
            allowed[di, ri] = self.pairs["allowed"].to_numpy(bool)
            fixed[di, ri] = self.pairs["fixed"].to_numpy(bool)
        out.update(comp=comp, pot=pot, ben=ben, allowed=allowed, fixed=fixed)
        out["eligible"] = (allowed[:, :, None]
                           & (pot[:, :, None] >= out["pot_min"][None, None, :] - 1e-12)
                           & (ben[:, :, None] >= out["ben_min"][None, None, :] - 1e-12))
        for v in out.values():
            v.setflags(write=False)
        return out

    # ----------------------------------------------------------------- convenience
    @property
    def name(self) -> str:
        return self.params.get("name") or (Path(self.path).name if self.path else "instance")

    def param(self, path: str, default=None):
        """A parameter by its dotted path, e.g. ``inst.param("balance.alpha")``."""
        return _get(self.params, path, default)

    def __repr__(self) -> str:
        return (f"Instance({self.name!r}: {len(self.partners)} partners, "
                f"{len(self.recipients)} recipients, resources {list(self.resources)})")

    # ----------------------------------------------------------------- copies with changes
    def with_params(self, changes: Mapping[str, Any]) -> "Instance":
        """A validated copy with some values changed; ``self`` is never modified.

        Keys are dotted paths: settings of ``instance.toml`` (``"balance.alpha"``,
        ``"objective.lambda"``, ``"types.platform.mult"``, ``"resources.funds.value"``,
        ``"balance.soft.access_floor"``) or table cells: ``"partners[SZ].supply.talent"``,
        ``"recipients[MZ].need.funds"``, ``"pairs[SZ,MZ].ben"``; ``[*]`` sets the column for
        every row. A value of ``None`` switches an optional rule off (``"balance.theta"``).
        """
        raw = copy.deepcopy(self.raw.get("params", {}))
        soft = _get(raw, "balance.soft")
        if isinstance(soft, list):
            raw["balance"]["soft"] = {rule: DEFAULT_SOFT_PENALTY for rule in soft}
        P = self._raw_table(self.partners)
        R = self._raw_table(self.recipients)
        PP = self._raw_pairs()
        for key, value in changes.items():
            m = re.fullmatch(r"(partners|recipients|pairs)\[([^\]]+)\]\.(.+)", key)
            if m:
                table, row, column = m.groups()
                if table == "pairs":
                    PP = _set_pair_cell(PP, row, column, value, self)
                else:
                    df = P if table == "partners" else R
                    _set_cell(df, table, row, column, value)
                continue
            if key not in PARAM_BY_PATH and not re.fullmatch(
                    r"(types\.[^.]+\.[a-z_]+|resources\.[^.]+\.(value|unit)|balance\.soft\.[a-z_]+)",
                    key):
                raise InstanceError(f"'{key}' is not a parameter of the instance; use a setting "
                                    f"such as 'balance.alpha' or a cell such as "
                                    f"'partners[ID].supply.RESOURCE'")
            if key.startswith("resources.") and "resources" not in raw:
                raw["resources"] = {k: dict(v) for k, v in self.params["resources"].items()}
            if value is None:
                _del(raw, key)
            else:
                _set(raw, key, value)
        return Instance.from_tables(raw, P, R, PP, path=self.path)

    def with_tables(self, partners: pd.DataFrame | None = None,
                    recipients: pd.DataFrame | None = None,
                    pairs: pd.DataFrame | None = None) -> "Instance":
        """A validated copy with whole tables replaced (same columns as ``self.partners``,
        ``self.recipients``, ``self.pairs``, indexed the same way)."""
        P = self._raw_table(self.partners if partners is None else partners)
        R = self._raw_table(self.recipients if recipients is None else recipients)
        PP = self._raw_pairs() if pairs is None else (
            pairs.reset_index().astype(object) if len(pairs) else
            pd.DataFrame(columns=["partner", "recipient"]))
        return Instance.from_tables(copy.deepcopy(self.raw.get("params", {})), P, R, PP,
                                    path=self.path)

    def all_pairs(self) -> pd.DataFrame:
        """Every allowed pair (listed or not) with its comp, pot, ben and fixed values, as a
        pairs table (indexed by partner, recipient)."""
        a = self.arrays
        d, r = np.nonzero(a["allowed"])
        idx = pd.MultiIndex.from_arrays([self.partners.index[d], self.recipients.index[r]],
                                        names=["partner", "recipient"])
        out = pd.DataFrame({"comp": a["comp"][d, r], "pot": a["pot"][d, r],
                            "ben": a["ben"][d, r], "allowed": True,
                            "fixed": a["fixed"][d, r]}, index=idx)
        if not self.params["pairs"]["allowed"]:
            return out
        # pairs not allowed must stay listed when the default allows the rest
        nd, nr = np.nonzero(~a["allowed"])
        if len(nd):
            idx2 = pd.MultiIndex.from_arrays([self.partners.index[nd], self.recipients.index[nr]],
                                             names=["partner", "recipient"])
            out = pd.concat([out, pd.DataFrame({"comp": a["comp"][nd, nr], "pot": a["pot"][nd, nr],
                                                "ben": a["ben"][nd, nr], "allowed": False,
                                                "fixed": False}, index=idx2)])
        return out

    @staticmethod
    def _raw_table(df: pd.DataFrame) -> pd.DataFrame:
        out = df.reset_index().astype(object)
        for c in ("max_partners",):  # unlimited is written as an empty cell
            out[c] = [None if isinstance(v, float) and math.isinf(v) else v for v in out[c]]
        return out

    def _raw_pairs(self) -> pd.DataFrame:
        if len(self.pairs) == 0:
            return pd.DataFrame(columns=["partner", "recipient"])
        return self.pairs.reset_index().astype(object)


def _grouped(names: list[str], one: str, many: str, what: str, show: int = 5) -> list[str]:
    """One warning for one name, one summarising warning for many."""
    if not names:
        return []
    if len(names) == 1:
        return [f"{one.format(names[0])} {what}"]
    listed = ", ".join(names[:show]) + (f" and {len(names) - show} more" if len(names) > show
                                        else "")
    return [f"{many.format(n=len(names))} {what}: {listed}"]


def _del(d: dict, path: str) -> None:
    parts = path.split(".")
    cur = d
    for part in parts[:-1]:
        cur = cur.get(part, {})
    if isinstance(cur, dict):
        cur.pop(parts[-1], None)
    if path in PARAM_BY_PATH and PARAM_BY_PATH[path].kind != "number-or-off":
        raise InstanceError(f"'{path}' cannot be switched off (None); give a value")


def _set_cell(df: pd.DataFrame, table: str, row: str, column: str, value) -> None:
    if column not in df.columns or column == "id":
        raise InstanceError(f"'{table}[{row}].{column}': {table} have no column '{column}'")
    if row == "*":
        df[column] = [value] * len(df)
        return
    hits = np.flatnonzero(df["id"].astype(str).to_numpy() == row)
    if not len(hits):
        raise InstanceError(f"'{table}[{row}].{column}': there is no {table[:-1]} with id '{row}'")
    df.at[int(hits[0]), column] = value


def _set_pair_cell(PP: pd.DataFrame, row: str, column: str, value, inst: Instance) -> pd.DataFrame:
    if column not in ("comp", "pot", "ben", "allowed", "fixed"):
        raise InstanceError(f"'pairs[{row}].{column}': pairs have no column '{column}'")
    if row == "*":
        raise InstanceError("'pairs[*]' is not supported; set 'pairs.{column}' for the default")
    parts = [s.strip() for s in row.split(",")]
    if len(parts) != 2:
        raise InstanceError(f"'pairs[{row}]' must name a pair as pairs[PARTNER,RECIPIENT]")
    d, r = parts
    if d not in inst.partners.index or r not in inst.recipients.index:
        raise InstanceError(f"'pairs[{row}]': no such partner or recipient")
    PP = PP.copy()
    if column not in PP.columns:
        PP[column] = None
    mask = (PP["partner"].astype(str) == d) & (PP["recipient"].astype(str) == r)
    if mask.any():
        PP.loc[mask, column] = value
    else:
        new = {c: None for c in PP.columns}
        new.update({"partner": d, "recipient": r, column: value})
        PP = pd.concat([PP, pd.DataFrame([new], dtype=object)], ignore_index=True)
    return PP


DEFAULT_INSTANCE = "guangdong"
"""The bundled instance solved when none is named."""


def bundled_instances_dir() -> Path:
    """The folder of the bundled instances: ``instances/`` of a checkout, or the copy installed
    inside the package (``optimizer/bundled``). Each subfolder is one instance, known by its
    folder name (``guangdong``, ``east-west``, ``demo``)."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "instances", here / "bundled"):
        if (cand / DEFAULT_INSTANCE).is_dir():
            return cand
    raise InstanceError("the bundled instances are not installed (reinstall regcollab)")


def resolve_instance(path: str | Path | None) -> Path:
    """An instance path as given, or the name of a bundled instance (``"guangdong"``), or the
    bundled default when ``path`` is None. A path that exists always wins over a bundled name."""
    if path is None:
        return bundled_instances_dir() / DEFAULT_INSTANCE
    p = Path(path)
    if p.exists() or len(p.parts) != 1:
        return p
    try:
        bundled = bundled_instances_dir() / p.name
    except InstanceError:
        return p
    return bundled if bundled.is_dir() else p


def load_instance(path: str | Path | None = None) -> Instance:
    """Load and validate an instance: a folder, an ``.xlsx`` workbook, or the name of a bundled
    instance (``"guangdong"``, ``"east-west"``, ``"demo"``; None: the bundled default).
    Raises :class:`InstanceError` on bad input."""
    t0 = time.perf_counter()
    folder = resolve_instance(path)
    if not folder.exists():
        try:
            names = sorted(p.name for p in bundled_instances_dir().iterdir()
                           if (p / "instance.toml").is_file())
        except InstanceError:
            names = []
        hint = f" (bundled instances: {', '.join(names)})" if names else ""
        raise InstanceError(f"the instance '{path}' does not exist{hint}")
    if folder.is_file():
        if folder.suffix.lower() == ".xlsx":
            from .workbook import load_workbook_instance  # optional extra (report)

            inst = load_workbook_instance(folder)
            object.__setattr__(inst, "load_seconds", time.perf_counter() - t0)
            return inst
        raise InstanceError(f"the instance '{path}' must be a folder (or an .xlsx workbook)")
    toml_path = folder / "instance.toml"
    if not toml_path.is_file():
        raise InstanceError("the file is missing from the instance folder", file="instance.toml")
    raw = read_toml(toml_path)
    tables = {}
    for key, fname in FILES.items():
        fpath = folder / fname
        if not fpath.is_file():
            if key == "pairs":
                tables[key] = None
                continue
            raise InstanceError("the file is missing from the instance folder", file=fname)
        tables[key] = read_csv_table(fpath)
    inst = Instance.from_tables(raw, tables["partners"], tables["recipients"], tables["pairs"],
                                path=str(folder))
    object.__setattr__(inst, "load_seconds", time.perf_counter() - t0)
    return inst
