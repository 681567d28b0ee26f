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
import numbers
import re
import reprlib
import time
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .errors import InstanceError
from .rules.pairing import scale_source  # noqa: F401 (its home is the scale rule)
from .limits import (
    BYTES_PER_CELL,
    MAX_FLOW_COLUMNS,
    MAX_PAIR_CELLS,
    MAX_PAIR_ROWS,
    MAX_REGIONS,
    gigabytes,
    memory_estimate,
)
from .schema import (
    BALANCE_RULES,
    DEFAULT_SOFT_PENALTY,
    ID_FORBIDDEN,
    INF,
    MAX_COEFFICIENT,
    MAX_COEFFICIENT_SPREAD,
    MAX_KEY_PARTS,
    MAX_TOML_BYTES,
    MAX_TOML_DEPTH,
    MAX_TOML_KEYS,
    MAX_TOTAL_GAIN,
    MIN_COEFFICIENT,
    NAMED_SECTIONS,
    PARAM_BY_PATH,
    PARAMS,
    RESOURCE_PARAMS,
    RESOURCE_VALUE,
    SECTIONS,
    SOFT_PENALTY,
    TABLES,
    TOP_LEVEL,
    TYPE_DEFAULTS,
    TYPE_PARAMS,
    TYPE_TEXT_PARAMS,
    Column,
    all_setting_paths,
    bad_name_char,
    bad_text_char,
    char_words,
    column_for,
    fmt_limit,
    range_problem,
    suggest,
)

LINE = "_line"  # hidden column: the line of the source file a row came from
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}
FILES = {"partners": "partners.csv", "recipients": "recipients.csv", "pairs": "pairs.csv"}


# --------------------------------------------------------------------------- reading files
BOMS = ((b"\x00\x00\xfe\xff", "UTF-32 BE"), (b"\xff\xfe\x00\x00", "UTF-32 LE"),
        (b"\xfe\xff", "UTF-16 BE"), (b"\xff\xfe", "UTF-16 LE"))
"""Byte-order marks of the encodings other than UTF-8 (UTF-32 first: its LE mark begins
with UTF-16's)."""


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    try:
        if limit is not None:
            size = path.stat().st_size
            if size > limit:
                raise InstanceError(f"the file has {size:,} bytes, more than the {limit:,} "
                                    f"this file may have", file=path.name)
        return path.read_bytes()
    except OSError as exc:
        raise InstanceError(f"the file cannot be read ({exc.strerror or exc})",
                            file=path.name) from None


def decode_text(data: bytes, name: str) -> str:
    """The text of a file that must be UTF-8 (a UTF-8 byte-order mark is fine)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            raise InstanceError(f"the file is {encoding} encoded (it starts with the {encoding} "
                                "byte-order mark); save it as UTF-8 (CSV UTF-8 in Excel)",
                                file=name)
    head = data[:400]
    if len(head) >= 8 and head.count(0) >= len(head) // 3:
        raise InstanceError("the file looks UTF-16 or UTF-32 encoded (every second or fourth "
                            "byte is zero) but has no byte-order mark; save it as UTF-8",
                            file=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InstanceError(f"line {line} is not valid UTF-8 text; save the file as UTF-8",
                            file=name) from None


def _read_text(path: Path, limit: int | None = None) -> str:
    return decode_text(_read_bytes(path, limit), path.name)


def read_csv_table(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """Read a CSV as strings, keeping each row's line number in the ``_line`` column.
    ``max_rows``: refuse a file with more lines than that before reading its values."""
    data = _read_bytes(path)
    if max_rows is not None:
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        if lines - 1 > max_rows:
            raise InstanceError(f"the file has {lines - 1:,} lines of data, more than the "
                                f"{max_rows:,} regcollab takes (docs/performance.md)",
                                file=path.name)
    text = decode_text(data, path.name)
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


_TOML_TOKENS = re.compile("|".join((
    r'"""(?:[^\\]|\\.)*?"""',  # multi-line basic string
    r"'''.*?'''",  # multi-line literal string
    r'"(?:[^"\\\n]|\\.)*"',  # basic string
    r"'[^'\n]*'",  # literal string
    r"#[^\n]*",  # comment
    r"[\[\]{}=.\n]",  # what the shape is made of
)), re.S)
_KEY_GAP = re.compile(r"[A-Za-z0-9_\- \t]*")


def check_toml_shape(text: str, name: str = "instance.toml") -> None:
    """Refuse, before parsing, TOML whose shape alone is absurd: nesting deeper than
    MAX_TOML_DEPTH, a dotted key of more than MAX_KEY_PARTS parts, more than MAX_TOML_KEYS keys.

    ``tomllib`` fails on such text with a RecursionError (deep nesting) or takes memory that
    grows with the square of a dotted key's length (a 10,000-part key: 0.4 GB; 100,000 parts:
    over 20 GB), so the text is scanned first: strings and comments skipped, brackets counted,
    the dots of each run of key parts counted."""
    depth = keys = dots = 0
    line, last = 1, 0
    for m in _TOML_TOKENS.finditer(text):
        if not _KEY_GAP.fullmatch(text, last, m.start()):
            dots = 0  # something else than key parts and dots between the tokens
        last = m.end()
        tok = m.group()
        if tok in "[{":
            depth += 1
            dots = 0
            if depth > MAX_TOML_DEPTH:
                raise InstanceError(f"line {line} nests arrays or tables more than "
                                    f"{MAX_TOML_DEPTH} deep", file=name)
        elif tok in "]}":
            depth = max(0, depth - 1)
            dots = 0
        elif tok == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                raise InstanceError(f"line {line} has a dotted key of more than "
                                    f"{MAX_KEY_PARTS} parts", file=name)
        elif tok == "=":
            keys += 1
            dots = 0
            if keys > MAX_TOML_KEYS:
                raise InstanceError(f"the file has more than {MAX_TOML_KEYS:,} keys (line "
                                    f"{line})", file=name)
        elif tok == "\n":
            line += 1
            dots = 0
        else:  # a string (part of a key or a value) or a comment
            line += tok.count("\n")
            if tok.startswith("#"):
                dots = 0


def parse_toml(text: str, name: str = "instance.toml") -> dict:
    """``tomllib.loads`` with every failure an InstanceError naming the file."""
    check_toml_shape(text, name)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstanceError(f"is not valid TOML: {exc}", file=name) from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise InstanceError(f"is not valid TOML: a number is too long ({exc})".split(";")[0]
                            + ")", file=name) from None
    except (RecursionError, MemoryError):
        raise InstanceError("is too deeply nested or too large to read", file=name) from None


def read_toml(path: Path) -> dict:
    return parse_toml(_read_text(path, MAX_TOML_BYTES), path.name)


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


_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 60
_SHOW.maxlevel, _SHOW.maxlist, _SHOW.maxdict = 3, 5, 5


def shown(value) -> str:
    """A value as a message quotes it: short, whatever its size or depth."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a whole number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    try:
        return _SHOW.repr(value)
    except (RecursionError, ValueError):  # absurdly deep, or an integer too long to print
        return f"a {type(value).__name__}"


def _what(value) -> str:
    """A value with its kind, for 'must be a number, not ...'."""
    if isinstance(value, Mapping):
        return f"a table ({shown(dict(value))})"
    if isinstance(value, (list, tuple)):
        return f"a list ({shown(list(value))})"
    if isinstance(value, str):
        return f"the text {shown(value)}"
    return shown(value)


def _check_number(value, where: str, lo=-INF, hi=INF, lo_open=False, file="instance.toml",
                  integer=False) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InstanceError(f"{where} must be a number, not {_what(value)}", file=file)
    try:
        v = float(value)
    except OverflowError:  # an integer beyond any float
        raise InstanceError(f"{where} is {shown(value)}; it is too large for a number"
                            + (f" (at most {fmt_limit(hi)})" if hi < INF else ""),
                            file=file) from None
    if not math.isfinite(v):
        raise InstanceError(f"{where} must be a finite number, not {shown(value)}", file=file)
    problem = range_problem(v, lo, hi, lo_open)
    if problem:
        raise InstanceError(f"{where} is {shown(value)}; {problem}", file=file)
    if integer and v != int(v):
        raise InstanceError(f"{where} must be a whole number, not {shown(value)}", file=file)
    return v


def _check_text(value, where: str, file, allow: str = "") -> str:
    if not isinstance(value, str):
        raise InstanceError(f"{where} must be text (in quotes), not {_what(value)}", file=file)
    ch = bad_text_char(value, allow)
    if ch is not None:
        raise InstanceError(f"{where} contains {char_words(ch)}, an invisible control "
                            "character; remove it", file=file)
    return value


TEXT_BREAKS = "\n\r\t"
"""Control characters a text setting may hold (a multi-line description)."""


def _validate_param(p, value, where: str | None = None, file: str | None = "instance.toml"):
    """``value`` checked against the schema parameter ``p`` (and returned, as stored)."""
    where = where or f"'{p.path}'"
    if p.kind == "text":
        return _check_text(value, where, file, TEXT_BREAKS)
    if p.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise InstanceError(f"{where} must be true or false, not {_what(value)}", file=file)
        return bool(value)
    if p.kind == "choice":
        if not isinstance(value, str) or value not in p.choices:
            near = suggest(value, p.choices) if isinstance(value, str) else None
            raise InstanceError(f"{where} is {shown(value)}; it must be one of "
                                f"{', '.join(p.choices)}"
                                + (f" (did you mean '{near}'?)" if near else ""), file=file)
        return value
    if p.kind == "number-or-off":
        if value is None or value is False or value == "off":
            return None
    if p.kind == "integer":
        return int(_check_number(value, where, p.lo, p.hi, p.lo_open, file, integer=True))
    return _check_number(value, where, p.lo, p.hi, p.lo_open, file)


def setting_param(path: str):
    """The schema parameter of a dotted setting (``balance.alpha``, ``types.platform.mult``,
    ``resources.funds.value``, ``balance.soft.coverage``), or None when there is none."""
    if path in PARAM_BY_PATH:
        return PARAM_BY_PATH[path]
    parts = path.split(".")
    if len(parts) == 3 and parts[:2] == ["balance", "soft"] and parts[2] in BALANCE_RULES:
        return SOFT_PENALTY
    if len(parts) == 3 and parts[0] == "types":
        return next((p for p in TYPE_PARAMS + TYPE_TEXT_PARAMS if p.path == parts[2]), None)
    if len(parts) == 3 and parts[0] == "resources":
        return next((p for p in RESOURCE_PARAMS if p.path == parts[2]), None)
    return None


def check_setting(path: str, value, where: str | None = None, file: str | None = "instance.toml"):
    """``value`` checked as the setting ``path`` of instance.toml (see :func:`setting_param`);
    ``where`` names it in messages (default: the quoted path)."""
    p = setting_param(path)
    if p is None:
        raise InstanceError(f"'{path}' is not a setting of the instance", file=file)
    return _validate_param(p, value, where or f"'{path}'", file)


# ------------------------------------------------------------------ which keys instance.toml has
def _unknown_key(path: str, value, siblings, file) -> InstanceError:
    """The message for a key the schema does not know, with the likeliest meant one.

    ``siblings`` are the keys allowed where ``path`` stands (its last part is compared with
    them); a setting in the wrong place (``alpha`` at the top, ``lambda`` under [balance]) is
    found by its last part among every setting."""
    parent, _, leaf = path.rpartition(".")
    prefix = parent + "." if parent else ""
    near = suggest(leaf, siblings)
    guess = prefix + near if near else None
    if guess is None:
        by_leaf = {}
        for q in all_setting_paths():
            by_leaf.setdefault(q.rsplit(".", 1)[-1], q)
        hit = suggest(leaf, by_leaf) if len(leaf) > 2 else None
        guess = by_leaf[hit] if hit else None
        if guess is not None and guess.startswith("types.") and prefix.startswith("types."):
            guess = None
    table = isinstance(value, Mapping)
    what = f"unknown section '{path}' ([{path}])" if table else f"unknown setting '{path}'"
    if guess is not None:
        hint = (f"did you mean [{guess}]?" if table and "." not in guess.replace(prefix, "", 1)
                else f"did you mean '{guess}'?")
        if guess.lower() == path.lower():
            hint += " (names are case-sensitive)"
    else:
        where = f"[{parent}]" if parent else "the top level of instance.toml"
        hint = f"{where} may hold {', '.join(siblings)}"
    return InstanceError(f"{what}; {hint}", file=file)


def check_setting_keys(raw: Mapping, file: str | None = "instance.toml") -> None:
    """Every key of ``raw`` (instance.toml as parsed) is one the schema knows, and every
    section is a table; otherwise an InstanceError naming the key, with a suggestion.

    Looks only as deep as the schema goes, so no shape of input can make it recurse."""
    if not isinstance(raw, Mapping):
        raise InstanceError(f"the settings must be a table of keys, not {_what(raw)}", file=file)
    for key, value in raw.items():
        key = str(key)
        if key in SECTIONS or key in NAMED_SECTIONS:
            if not isinstance(value, Mapping):
                raise InstanceError(f"'{key}' must be a table ([{key}]), not {_what(value)}",
                                    file=file)
            if key in NAMED_SECTIONS:
                allowed = NAMED_SECTIONS[key]
                for name, spec in value.items():
                    if not isinstance(spec, Mapping):
                        raise InstanceError(f"'{key}.{name}' must be a table ([{key}.{name}]), "
                                            f"not {_what(spec)}", file=file)
                    for sub, v in spec.items():
                        if sub not in allowed:
                            raise _unknown_key(f"{key}.{name}.{sub}", v, allowed, file)
                continue
            allowed = [p.path.split(".", 1)[1] for p in PARAMS if p.path.startswith(key + ".")]
            if key == "balance":
                allowed.append("soft")
            for sub, v in value.items():
                if str(sub) not in allowed:
                    raise _unknown_key(f"{key}.{sub}", v, allowed, file)
        elif key not in PARAM_BY_PATH:
            raise _unknown_key(key, value, TOP_LEVEL, file)


def _soft_rules(soft, file) -> dict:
    """``[balance] soft``: a table rule = penalty, or a list of rule names."""
    if isinstance(soft, (list, tuple)):  # soft = ["access_floor", ...]: the default penalty
        for rule in soft:
            if not isinstance(rule, str):
                raise InstanceError(f"'balance.soft' lists {_what(rule)}; give rule names "
                                    f"({', '.join(BALANCE_RULES)})", file=file)
        soft = {name: DEFAULT_SOFT_PENALTY for name in soft}
    if not isinstance(soft, Mapping):
        raise InstanceError("'balance.soft' must be a table of rule = penalty, or a list of "
                            f"rules, not {_what(soft)}", file=file)
    out = {}
    for rule, pen in soft.items():
        if rule not in BALANCE_RULES:
            near = suggest(str(rule), BALANCE_RULES)
            raise InstanceError(f"'balance.soft.{rule}' names no balance rule; the rules are "
                                f"{', '.join(BALANCE_RULES)}"
                                + (f" (did you mean '{near}'?)" if near else ""), file=file)
        out[rule] = check_setting(f"balance.soft.{rule}", pen, file=file)
    return out


def normalise_params(raw: Mapping, resource_columns: list[str],
                     file: str | None = "instance.toml") -> tuple[dict, tuple, tuple]:
    """Check ``instance.toml`` and return (params with defaults, resources, types).

    Every key must be one the schema knows (:func:`check_setting_keys`) and every value of
    the kind and range the schema gives. ``raw`` is not modified."""
    check_setting_keys(raw, file)
    params: dict = {}
    for p in PARAMS:
        given = _get(raw, p.path, None)
        if given is None:
            if p.default is None and p.kind != "number-or-off":
                continue  # an optional description (sources, year, units): left out
            value = None if p.kind == "number-or-off" else p.default
        else:
            value = given
        _set(params, p.path, _validate_param(p, value, file=file) if value is not None
             else None)
    params["balance"]["soft"] = _soft_rules(_get(raw, "balance.soft", {}), file)

    # resources: declared in [resources.<name>] or taken from the supply.<k> columns
    res_section = raw.get("resources", {})
    resources = tuple(str(k) for k in res_section) if res_section else tuple(resource_columns)
    if not resources:
        raise InstanceError("no resources: give [resources.<name>] sections or supply.<name> "
                            "columns", file=file)
    res_params = {}
    for k in resources:
        _check_name(k, "the resource name", file=file if res_section else "partners.csv",
                    row=None if res_section else "line 1")
        spec = res_section.get(k, {})
        vals = {"unit": "", "value": RESOURCE_VALUE.default}
        vals.update({key: check_setting(f"resources.{k}.{key}", v, file=file)
                     for key, v in spec.items()})
        res_params[k] = vals
    params["resources"] = res_params

    # types: the three of the paper with their defaults, overridable; extra types allowed
    type_section = raw.get("types", {})
    types = list(TYPE_DEFAULTS)
    for t in type_section:
        if t not in types:
            types.append(str(t))
    type_params = {}
    for t in types:
        _check_name(t, "the type name", file=file)
        spec = type_section.get(t, {})
        vals = {}
        for tp in TYPE_PARAMS:
            v = spec.get(tp.path, TYPE_DEFAULTS.get(t, {}).get(tp.path))
            if v is None:
                near = suggest(t, TYPE_DEFAULTS)
                raise InstanceError(
                    f"type '{t}' is not one of {', '.join(TYPE_DEFAULTS)}, so "
                    f"'types.{t}.{tp.path}' must be given"
                    + (f" (or did you mean [types.{near}]?)" if near else ""), file=file)
            vals[tp.path] = check_setting(f"types.{t}.{tp.path}", v, file=file)
        if "description" in spec:
            vals["description"] = check_setting(f"types.{t}.description", spec["description"],
                                                file=file)
        if "source" in spec:
            check_setting(f"types.{t}.source", spec["source"], file=file)
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
    """Ids, resource and type names: no separators of row names, no invisible characters."""
    ch = bad_name_char(name)
    if ch is not None:
        raise InstanceError(f"{what} {shown(name)} contains {char_words(ch)}; ids and names may "
                            f"not contain {' '.join(ID_FORBIDDEN)}, control characters or other "
                            f"invisible characters", file=file, row=row, column=column)


def _names(df: pd.DataFrame, ids: list[str], file: str) -> list[str]:
    """The ``name`` column (the id where it is empty); free text, but no control characters
    (a tab, a line break or an escape sequence would garble tables and terminals)."""
    if "name" not in df:
        return list(ids)
    out = []
    for i, (n, ident) in enumerate(zip(df["name"], ids)):
        if not isinstance(n, str):  # empty (None, NaN) or not text: the id
            out.append(ident)
            continue
        ch = bad_text_char(n)
        if ch is not None:
            raise InstanceError(f"the name {shown(n)} contains {char_words(ch)}, a control "
                                "character; names may hold any text but no control characters",
                                file=file, row=_row_label(df, i, file, "id"), column="name")
        out.append(n or ident)
    return out


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
        for table, name, df in (("partners", f_p, partners), ("recipients", f_r, recipients)):
            if len(df) > MAX_REGIONS:
                raise InstanceError(f"has {len(df):,} {table}, more than the {MAX_REGIONS:,} "
                                    "regcollab takes (docs/performance.md)", file=name)
        if len(partners) * len(recipients) > MAX_PAIR_CELLS:
            raise InstanceError(
                f"{len(partners):,} partners x {len(recipients):,} recipients make "
                f"{len(partners) * len(recipients):,} possible pairs, more than the "
                f"{MAX_PAIR_CELLS:,} regcollab holds in memory (about "
                f"{gigabytes(BYTES_PER_CELL * MAX_PAIR_CELLS)}); split the instance (for example "
                "by mandated provinces)", file=f_r)
        params, resources, types = normalise_params(raw_params, _resource_columns(partners))
        _check_columns(partners, "partners", f_p, resources)
        _check_columns(recipients, "recipients", f_r, resources)

        p_ids = _check_ids(partners, f_p)
        r_ids = _check_ids(recipients, f_r)
        P = pd.DataFrame(index=pd.Index(p_ids, name="id"))
        P["name"] = _names(partners, p_ids, f_p)
        spec = {c.name: c for c in TABLES["partners"]}
        P["max_partners"] = _parse_column(partners, "max_partners", spec["max_partners"], f_p, "id",
                                          default=INF)
        for k in resources:
            P[f"supply.{k}"] = _parse_column(partners, f"supply.{k}", spec["supply.{k}"], f_p, "id")

        R = pd.DataFrame(index=pd.Index(r_ids, name="id"))
        R["name"] = _names(recipients, r_ids, f_r)
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
        inst._check_size()
        inst._check_consistency()
        inst._check_numerics()
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

    def flow_columns(self) -> int:
        """Flow columns of the model: eligible (pair, type) x resources that can flow (the
        partner supplies it and the recipient can absorb it), as ``model.py`` makes them."""
        a = self.arrays
        n = 0
        for k in range(len(self.resources)):
            flows = (a["supply"][:, k] > 0)[:, None] & (a["absorb"][:, k] > 0)[None, :]
            n += int((a["eligible"] & flows[:, :, None]).sum())
        return n

    def _check_size(self) -> None:
        n = self.flow_columns()
        if n > MAX_FLOW_COLUMNS:
            cells = len(self.partners) * len(self.recipients)
            raise InstanceError(
                f"the model would have {n:,} flow columns (candidate pairs x eligible types x "
                f"resources), more than the {MAX_FLOW_COLUMNS:,} regcollab solves (about "
                f"{gigabytes(memory_estimate(cells, n))} of memory); list only the candidate "
                "pairs in pairs.csv with [pairs] allowed = false, or split the instance",
                file=FILES["pairs"])

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

    def outcome_coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """The least and the largest rise of each recipient's normalised outcome per unit of
        each resource, over the pairings and types it may get:
        ``prod * (1 + comp) * mult / (population * target)``, the model's coefficients of
        outcomes and equity (``MODEL.md``). Shape (recipients, resources); NaN where no
        resource can raise the outcome (no candidate pair, or prod 0)."""
        a = self.arrays
        cand = a["eligible"].any(axis=2)
        reach = cand.any(axis=0)
        with np.errstate(invalid="ignore"):
            comp_hi = np.where(cand, a["comp"], -INF).max(axis=0)
            comp_lo = np.where(cand, a["comp"], INF).min(axis=0)
            types_r = a["eligible"].any(axis=0)  # (recipients, types)
            mult_hi = np.where(types_r, a["mult"][None, :], -INF).max(axis=1)
            mult_lo = np.where(types_r, a["mult"][None, :], INF).min(axis=1)
            per = 1.0 / (a["pop"] * a["target"])
            hi = a["prod"] * ((1 + comp_hi) * mult_hi * per)[:, None]
            lo = a["prod"] * ((1 + comp_lo) * mult_lo * per)[:, None]
        moves = reach[:, None] & (a["prod"] > 0)
        return np.where(moves, lo, np.nan), np.where(moves, hi, np.nan)

    def _check_numerics(self) -> None:
        """Values each within its range can still combine into a model no solver takes: one
        unit of a resource raising an outcome by more than MAX_COEFFICIENT times its target,
        an outcome that could reach more than MAX_COEFFICIENT times the target, or gains
        that could add up to more than MAX_TOTAL_GAIN (HiGHS then rejects the model or
        loses itself in round-off, e.g. calls it unbounded)."""
        _, hi = self.outcome_coefficients()
        if not np.isfinite(hi).any():
            return
        R = self.recipients
        hi0 = np.where(np.isfinite(hi), hi, 0.0)
        r, k = np.unravel_index(int(np.argmax(hi0)), hi0.shape)
        K = self.resources[k]
        units = (f"(prod.{K} {R[f'prod.{K}'].iat[r]:g} x (1 + comp) x mult / (population "
                 f"{R['population'].iat[r]:g} x target {R['target'].iat[r]:g}))")
        if hi0[r, k] > MAX_COEFFICIENT:
            raise InstanceError(
                f"one unit of {K} would raise the outcome of {R.index[r]} by {hi0[r, k]:.3g} "
                f"times its target {units}; the solver cannot work with coefficients above "
                f"{fmt_limit(MAX_COEFFICIENT)}: express population, target or prod.{K} in "
                f"other units", file=FILES["recipients"], row=self._line_of(R, int(r)),
                column=f"prod.{K}")
        a = self.arrays
        cand = a["eligible"].any(axis=2)
        reachable = np.minimum(a["absorb"], cand.T.astype(float) @ a["supply"])  # (r, k)
        with np.errstate(over="ignore", invalid="ignore"):
            u_max = a["y0"] / a["target"] + (hi0 * reachable).sum(axis=1)
            gain = (hi0 * (a["pop"] * a["target"])[:, None] * reachable).sum()
        r = int(np.argmax(u_max))
        if not u_max[r] <= MAX_COEFFICIENT:
            raise InstanceError(
                f"the outcome of {R.index[r]} could reach {u_max[r]:.3g} times its target "
                f"(baseline / target plus what it can absorb times its prod x (1 + comp) x "
                f"mult / (population x target)); the solver cannot work with numbers above "
                f"{fmt_limit(MAX_COEFFICIENT)}: check the units of population, baseline, "
                f"target, absorb and prod", file=FILES["recipients"], row=self._line_of(R, r))
        if not gain <= MAX_TOTAL_GAIN:
            raise InstanceError(
                f"the gains of a plan could add up to {gain:.3g} (prod x (1 + comp) x mult "
                f"times what the recipients can absorb); the solver cannot work with numbers "
                f"above {fmt_limit(MAX_TOTAL_GAIN)}: express prod, supply or absorb in larger "
                f"units", file=FILES["recipients"])

    def _numeric_warnings(self) -> list[str]:
        """Coefficients the solver drops as zero, or spread wider than its tolerances."""
        lo, hi = self.outcome_coefficients()
        ok = np.isfinite(lo)
        if not ok.any():
            return []
        out = []
        R = self.recipients
        small = np.where(ok, lo, INF)
        r, k = np.unravel_index(int(np.argmin(small)), small.shape)
        if small[r, k] < MIN_COEFFICIENT:
            out.append(
                f"one unit of {self.resources[k]} raises the outcome of {R.index[r]} by only "
                f"{small[r, k]:.3g} times its target; the solver treats coefficients below "
                f"{fmt_limit(MIN_COEFFICIENT)} as zero, so such outcomes (and equity) would not "
                f"move: express population or target in larger units (e.g. 10k people)")
        with np.errstate(over="ignore", divide="ignore"):
            spread = float(np.max(hi[ok]) / np.min(lo[ok]))  # lo > 0 where ok (prod > 0)
        if spread > MAX_COEFFICIENT_SPREAD:
            out.append(
                f"the rises of outcomes per unit of resource span a factor of {spread:.3g} "
                f"(prod x (1 + comp) x mult / (population x target) over recipients and "
                f"resources), more than the solver's tolerances allow "
                f"({fmt_limit(MAX_COEFFICIENT_SPREAD)}): results may be inaccurate; check the "
                f"units of population, target and prod")
        return out

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
        # pairs whose partner cannot send the recipient enough to reach the scale rule's floor
        # (the pair floor or min_scale) in any type they may take: never chosen
        cand = a["eligible"].any(axis=2)
        cd, cr = np.nonzero(cand)
        carry = np.einsum("pk,k->p", np.minimum(a["supply"][cd], a["absorb"][cr]), a["value"])
        floor = np.where(a["eligible"][cd, cr], a["scale_floor"][cr], np.inf).min(axis=1)
        short = np.flatnonzero((floor > 0) & (carry < floor * (1 - 1e-9)))
        out += _grouped([f"{D.index[cd[i]]}-{R.index[cr[i]]} (can carry {carry[i]:.4g}, floor "
                         f"{floor[i]:.4g})" for i in short],
                        "the pair {} is", "{n} pairs are",
                        "below the scale rule's floor: the partner cannot send the recipient "
                        "resources worth the floor (balance.pair_floor of the recipient's total "
                        "need, or the type's min_scale), so the pair can never be chosen")
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
        out += self._numeric_warnings()
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
        # the scale rule's floor of a pairing of type t with recipient r: the type's min_scale
        # or pair_floor of the recipient's total need in value, the larger (MODEL.md 1.1)
        out["need_value"] = out["need"] @ out["value"]
        out["pair_floor_value"] = self.params["balance"]["pair_floor"] * out["need_value"]
        out["scale_floor"] = np.maximum(out["min_scale"][None, :],
                                        out["pair_floor_value"][:, None])
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
            key = self.check_param_path(key)
            m = re.fullmatch(CELL_PATH, key)
            if m:
                table, row, column = m.groups()
                if table == "pairs":
                    PP = _set_pair_cell(PP, row, column, value, self)
                else:
                    df = P if table == "partners" else R
                    _set_cell(df, table, row, column, value)
                continue
            if value is not None:  # a bad value is named as the change, not as instance.toml
                check_setting(key, value, file=None)
            if key.startswith("resources.") and "resources" not in raw:
                raw["resources"] = {k: dict(v) for k, v in self.params["resources"].items()}
            if value is None:
                _del(raw, key)
            else:
                _set(raw, key, value)
        return Instance.from_tables(raw, P, R, PP, path=self.path)

    def check_param_path(self, key) -> str:
        """``key`` if it names a setting or a table cell of this instance (as
        :meth:`with_params` takes them), else an InstanceError that says what is meant."""
        check_param_syntax(key, self.resources)
        parts = key.split(".")
        if parts[0] == "resources" and parts[1] not in self.resources:
            raise InstanceError(f"'{key}': there is no resource '{parts[1]}' (resources: "
                                f"{', '.join(self.resources)})")
        return key

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


CELL_PATH = r"(partners|recipients|pairs)\[([^\]]+)\]\.(.+)"
"""A table cell as :meth:`Instance.with_params` names it: ``partners[SZ].supply.funds``."""


def check_param_syntax(key, resources=()) -> str:
    """``key`` if it has the form of a parameter :meth:`Instance.with_params` takes (a setting
    of instance.toml the schema knows, or a table cell ``partners[ID].COLUMN``), else an
    InstanceError saying what is likely meant. Which ids and resources exist is the
    instance's to check."""
    if not isinstance(key, str):
        raise InstanceError(f"{shown(key)} is not a parameter of the instance; name it by its "
                            "path, e.g. 'balance.alpha'")
    m = re.fullmatch(CELL_PATH, key)
    if m:
        table, _, column = m.groups()
        if table != "pairs" and column != "name" and column_for(table, column) is None:
            known = [c.name.replace("{k}", "RESOURCE") for c in TABLES[table] if c.name != "id"]
            raise InstanceError(f"'{key}': {table} have no column '{column}' (columns: "
                                f"{', '.join(known)})")
        return key
    if setting_param(key) is not None:
        return key
    near = suggest(key, [p for p in all_setting_paths() if "<" not in p]
                   + [f"resources.{k}.value" for k in resources])
    if near is None and re.match(r"(partners|recipients|pairs)\b", key):
        near = {"partners": "partners[ID].supply.RESOURCE",
                "recipients": "recipients[ID].need.RESOURCE",
                "pairs": "pairs[PARTNER,RECIPIENT].ben"}[re.match(r"[a-z]+", key).group()]
    raise InstanceError(f"'{key}' is not a parameter of the instance; "
                        + (f"did you mean '{near}'? " if near else "")
                        + "use a setting such as 'balance.alpha' or a cell such as "
                          "'partners[ID].supply.RESOURCE' or 'pairs[PARTNER,RECIPIENT].ben'")


def _check_cell(table: str, row: str, column: str, value) -> None:
    """A new cell value checked against its column's range, named as the change."""
    spec = column_for(table, column)
    if spec is None or spec.kind not in ("number", "integer"):
        return  # other columns are checked with their table
    if value is None or (isinstance(value, str) and not value.strip()):
        return  # an empty cell: the table says whether that is allowed
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InstanceError(f"'{table}[{row}].{column}': {shown(value)} is not a "
                                "number") from None
    _check_number(value, f"'{table}[{row}].{column}'", spec.lo, spec.hi, spec.lo_open, None,
                  integer=spec.kind == "integer")


def _set_cell(df: pd.DataFrame, table: str, row: str, column: str, value) -> None:
    if column not in df.columns or column == "id":
        raise InstanceError(f"'{table}[{row}].{column}': {table} have no column '{column}'")
    _check_cell(table, row, column, value)
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
        raise InstanceError(f"'pairs[*]' is not supported; set 'pairs.{column}' for the default")
    _check_cell("pairs", row, column, value)
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
        tables[key] = read_csv_table(fpath, MAX_PAIR_ROWS if key == "pairs" else MAX_REGIONS)
    inst = Instance.from_tables(raw, tables["partners"], tables["recipients"], tables["pairs"],
                                path=str(folder))
    object.__setattr__(inst, "load_seconds", time.perf_counter() - t0)
    return inst
