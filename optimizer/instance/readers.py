"""Readers of an instance folder: ``instance.toml`` and the CSV tables, as they are written.

A reader checks only what reading needs (the encoding, the CSV and TOML syntax, absurd sizes
and shapes) and returns the raw settings and tables (every cell as text) with their
:class:`~.origin.Origin`; the values are validated once, by :func:`.tables.validate_tables`.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import limits
from ..errors import InstanceError
from ..i18n import N_, _, said
from ..schema import MAX_KEY_PARTS, MAX_TOML_BYTES, MAX_TOML_DEPTH, MAX_TOML_KEYS
from .origin import FILES, FOLDER, LINE, OPTIONAL_TABLES, SETTINGS_FILE, Origin, place


@dataclass(frozen=True)
class RawInstance:
    """An instance as read, before validation: the settings as parsed (nested dicts), the
    tables as cells (text, or numbers and booleans from a workbook) with their ``_line``
    column, ``pairs`` and ``clusters`` None when there are none, and where each came from."""

    settings: dict
    partners: pd.DataFrame
    recipients: pd.DataFrame
    pairs: pd.DataFrame | None
    origin: Origin = FOLDER
    path: str | None = None
    clusters: pd.DataFrame | None = None


BOMS = ((b"\x00\x00\xfe\xff", "UTF-32 BE"), (b"\xff\xfe\x00\x00", "UTF-32 LE"),
        (b"\xfe\xff", "UTF-16 BE"), (b"\xff\xfe", "UTF-16 LE"))
"""Byte-order marks of the encodings other than UTF-8 (UTF-32 first: its LE mark begins
with UTF-16's)."""


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    try:
        if limit is not None:
            size = path.stat().st_size
            if size > limit:
                raise InstanceError(_("the file has {size} bytes, more than the {limit} this "
                                      "file may have").format(size=f"{size:,}",
                                                              limit=f"{limit:,}"),
                                    file=path.name)
        return path.read_bytes()
    except OSError as exc:
        raise InstanceError(_("the file cannot be read ({reason})").format(
            reason=exc.strerror or exc), file=path.name) from None


def decode_text(data: bytes, name: str) -> str:
    """The text of a file that must be UTF-8 (a UTF-8 byte-order mark is fine)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            raise InstanceError(_("the file is {encoding} encoded (it starts with the "
                                  "{encoding} byte-order mark); save it as UTF-8 (CSV UTF-8 "
                                  "in Excel)").format(encoding=encoding), file=name)
    head = data[:400]
    if len(head) >= 8 and head.count(0) >= len(head) // 3:
        raise InstanceError(_("the file looks UTF-16 or UTF-32 encoded (every second or "
                              "fourth byte is zero) but has no byte-order mark; save it as "
                              "UTF-8"), file=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InstanceError(_("line {line} is not valid UTF-8 text; save the file as "
                              "UTF-8").format(line=line), file=name) from None


def _read_text(path: Path, limit: int | None = None) -> str:
    return decode_text(_read_bytes(path, limit), path.name)


def read_csv_table(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """Read a CSV as strings, keeping each row's line number in the ``_line`` column.
    ``max_rows``: refuse a file with more lines than that before reading its values."""
    data = _read_bytes(path)
    if max_rows is not None:
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        if lines - 1 > max_rows:
            raise InstanceError(_("the file has {n} lines of data, more than the {limit} "
                                  "regcollab takes (docs/performance.md)").format(
                                      n=f"{lines - 1:,}", limit=f"{max_rows:,}"),
                                file=path.name)
    text = decode_text(data, path.name)
    # strict: an unclosed quote is an error, not the rest of the file read as one value
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InstanceError(_("the file is empty (it needs a header line)"),
                            file=path.name) from None
    except csv.Error as exc:
        raise InstanceError(_("line {line} is not valid CSV: {problem}").format(
            line=1, problem=exc), file=path.name) from None
    header = [h.strip() for h in header]
    if any(h == "" for h in header):
        pos = header.index("") + 1
        raise InstanceError(_("the header has an empty column name (column {pos})").format(
            pos=pos), file=path.name, row=place("line", 1))
    seen = set()
    for h in header:
        if h in seen:
            raise InstanceError(_("the column '{column}' appears twice in the header").format(
                column=h), file=path.name, row=place("line", 1))
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
                    _("has {n} fields but the header has {m}").format(n=len(fields),
                                                                      m=len(header)),
                    file=path.name, row=place("line", line))
            rows.append([f.strip() for f in fields])
            lines.append(line)
    except csv.Error as exc:
        what = (_("a quoted value is never closed (a '\"' is missing)")
                if "unexpected end of data" in str(exc) else str(exc))
        raise InstanceError(_("line {line} is not valid CSV: {problem}").format(
            line=start, problem=what), file=path.name) from None
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
                raise InstanceError(_("line {line} nests arrays or tables more than {limit} "
                                      "deep").format(line=line, limit=MAX_TOML_DEPTH),
                                    file=name)
        elif tok in "]}":
            depth = max(0, depth - 1)
            dots = 0
        elif tok == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                raise InstanceError(_("line {line} has a dotted key of more than {limit} "
                                      "parts").format(line=line, limit=MAX_KEY_PARTS),
                                    file=name)
        elif tok == "=":
            keys += 1
            dots = 0
            if keys > MAX_TOML_KEYS:
                raise InstanceError(_("the file has more than {limit} keys (line {line})")
                                    .format(limit=f"{MAX_TOML_KEYS:,}", line=line), file=name)
        elif tok == "\n":
            line += 1
            dots = 0
        else:  # a string (part of a key or a value) or a comment
            line += tok.count("\n")
            if tok.startswith("#"):
                dots = 0


TOML_PROBLEMS = (
    N_("Invalid statement"),
    N_("Expected newline or end of document after a statement"),
    N_("Expected ']' at the end of a table declaration"),
    N_("Expected ']]' at the end of an array declaration"),
    N_("Expected '=' after a key in a key/value pair"),
    N_("Expected {what}"),
    N_("Found invalid character {char}"),
    N_("Cannot declare {key} twice"),
    N_("Cannot overwrite a value"),
    N_("Cannot mutate immutable namespace {key}"),
    N_("Cannot redefine namespace {key}"),
    N_("Invalid initial character for a key part"),
    N_("Unclosed array"),
    N_("Duplicate inline table key {key}"),
    N_("Unclosed inline table"),
    N_("Unescaped '\\' in a string"),
    N_("Invalid hex value"),
    N_("Escaped character is not a Unicode scalar value"),
    N_("Unterminated string"),
    N_("Illegal character {char}"),
    N_("Invalid date or datetime"),
    N_("Invalid value"),
)
"""The problems ``tomllib`` reports (its own English words), to say them in the planner's
language."""
_TOML_AT = re.compile(r"(?P<problem>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|"
                      r"(?P<end>end of document))\)", re.S)


def toml_problem(exc: Exception) -> str:
    """What ``tomllib`` says is wrong, in the current language (its own words when they are
    not ones it is known to use)."""
    text = str(exc)
    m = _TOML_AT.fullmatch(text)
    if not m:
        return text
    problem = said(m["problem"], TOML_PROBLEMS)
    if m["end"]:
        return _("{problem} (at end of document)").format(problem=problem)
    return _("{problem} (at line {line}, column {column})").format(
        problem=problem, line=m["line"], column=m["column"])


def parse_toml(text: str, name: str = "instance.toml") -> dict:
    """``tomllib.loads`` with every failure an InstanceError naming the file."""
    check_toml_shape(text, name)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstanceError(_("is not valid TOML: {problem}").format(problem=toml_problem(exc)),
                            file=name) from None
    except ValueError as exc:  # an integer of more than 4300 digits
        detail = str(exc).split(";")[0]
        m = re.fullmatch(r"Exceeds the limit \((\d+) digits\) for integer string conversion: "
                         r"value has (\d+) digits", detail)
        if m:
            detail = _("Exceeds the limit ({limit} digits) for integer string conversion: value "
                       "has {n} digits").format(limit=m[1], n=m[2])
        raise InstanceError(_("is not valid TOML: a number is too long ({problem})").format(
            problem=detail), file=name) from None
    except (RecursionError, MemoryError):
        raise InstanceError(_("is too deeply nested or too large to read"),
                            file=name) from None


def read_toml(path: Path) -> dict:
    return parse_toml(_read_text(path, MAX_TOML_BYTES), path.name)


def read_folder(folder: Path) -> RawInstance:
    """The raw settings and tables of an instance folder (``pairs.csv`` and ``clusters.csv``
    may be missing)."""
    toml_path = folder / SETTINGS_FILE
    if not toml_path.is_file():
        raise InstanceError(_("the file is missing from the instance folder"),
                            file=SETTINGS_FILE)
    settings = read_toml(toml_path)
    tables = {}
    for key, fname in FILES.items():
        fpath = folder / fname
        if not fpath.is_file():
            if key in OPTIONAL_TABLES:
                tables[key] = None
                continue
            raise InstanceError(_("the file is missing from the instance folder"), file=fname)
        tables[key] = read_csv_table(fpath, {"pairs": limits.MAX_PAIR_ROWS,
                                             "clusters": limits.MAX_CLUSTERS}.get(
                                                 key, limits.MAX_REGIONS))
    return RawInstance(settings, tables["partners"], tables["recipients"], tables["pairs"],
                       FOLDER, str(folder), clusters=tables["clusters"])
