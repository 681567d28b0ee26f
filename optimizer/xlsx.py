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
"""

from __future__ import annotations

import math
import os
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from .errors import InputError, InstanceError

MAX_FILE_BYTES = 32 * 2**20
"""Largest .xlsx file read (32 MiB; a county-level instance is a few MiB)."""
MAX_UNPACKED_BYTES = 128 * 2**20
"""Largest total size of the parts of the file once unpacked (the zip-bomb check)."""
MAX_PARTS = 2000
"""Most parts (files inside the zip) of a workbook."""
MAX_XML_EVENTS = 12_000_000
"""Most XML elements and text pieces read in all (bounds the reading time, some seconds)."""
MAX_ROWS = 500_000
"""Lowest row that may hold a value."""
MAX_COLUMNS = 1_000
"""Rightmost column that may hold a value (column ALL)."""
MAX_CELLS = 2_000_000
"""Most non-empty cells read from a workbook."""
MAX_CELL_CHARS = 32_767
"""Longest text of a cell (Excel's own limit)."""
MAX_ENTRIES = 100_000
"""Most sheets, relationships, number formats or cell styles a workbook may list (Excel's own
limit on cell styles is 64,000)."""

_RAW_CAP = 7 * MAX_CELL_CHARS  # a cell's stored text (each character may be escaped as _xHHHH_)
EXCEL_MAX_ROW, EXCEL_MAX_COLUMN = 1_048_576, 16_384
# built-in number formats that show dates or times (ECMA-376 18.8.30, with the East Asian ones)
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
TIMEDELTA_FORMAT_IDS = frozenset([46])
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
# what can go wrong inside a damaged zip or XML part (never a bug of ours: our own checks raise
# InstanceError before)
_DAMAGED = (ParseError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
            NotImplementedError, RuntimeError, LookupError, UnicodeError, OverflowError)


@dataclass(frozen=True)
class Unreadable:
    """A cell whose value cannot be used; ``why`` says so in the planner's words."""

    why: str


TOO_LONG = Unreadable(f"holds more than {MAX_CELL_CHARS:,} characters, more than a cell of "
                      f"Excel can hold")


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
    if not (1 <= row <= EXCEL_MAX_ROW and 1 <= col <= EXCEL_MAX_COLUMN):
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


def _room(entries, where: str, what: str) -> None:
    if len(entries) >= MAX_ENTRIES:
        raise InstanceError(f"lists more than {MAX_ENTRIES:,} {what}; is it an instance "
                            f"workbook?", file=where)


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1:]


def _attr(attrib: dict, name: str):
    """An attribute by its local name, in whatever namespace (``r:id``)."""
    for k, v in attrib.items():
        if _local(k) == name and k != name:
            return v
    return attrib.get(name)


class _Budget:
    """The XML events left for the whole workbook."""

    def __init__(self, where: str):
        self.left = MAX_XML_EVENTS
        self.where = where

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise InstanceError(f"has more XML content than the reader takes "
                                f"({MAX_XML_EVENTS:,} elements); is it an instance workbook?",
                                file=self.where)


# =========================================================================== parts
class _Target:
    """Base of the parser targets: counts events, collects the text of chosen elements."""

    def __init__(self, budget: _Budget):
        self.budget = budget
        self.text: list | None = None
        self.text_len = 0

    def start(self, tag, attrib):
        self.budget.spend()
        self.open(_local(tag), attrib)

    def end(self, tag):
        self.shut(_local(tag))

    def data(self, d):
        self.budget.spend()
        if self.text is not None and self.text_len <= _RAW_CAP:
            self.text.append(d)
            self.text_len += len(d)

    def collect(self):
        self.text, self.text_len = [], 0

    def collected(self):
        """The text collected since :meth:`collect`, or :data:`TOO_LONG`."""
        out = TOO_LONG if self.text_len > _RAW_CAP else "".join(self.text or ())
        self.text = None
        return out

    def close(self):
        return None

    def open(self, tag, attrib):  # pragma: no cover - overridden
        pass

    def shut(self, tag):  # pragma: no cover - overridden
        pass


class _Rels(_Target):
    def __init__(self, budget):
        super().__init__(budget)
        self.rels: dict[str, tuple[str, str]] = {}

    def open(self, tag, attrib):
        if tag == "Relationship":
            _room(self.rels, self.budget.where, "relationships")
            self.rels[attrib.get("Id", "")] = (attrib.get("Type", ""), attrib.get("Target", ""))


class _WorkbookPart(_Target):
    def __init__(self, budget):
        super().__init__(budget)
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self.date1904 = False

    def open(self, tag, attrib):
        if tag == "sheet":
            _room(self.sheets, self.budget.where, "sheets")
            self.sheets.append((attrib.get("name", ""), _attr(attrib, "id") or ""))
        elif tag == "workbookPr":
            self.date1904 = str(attrib.get("date1904", "")).lower() in ("1", "true")


class _Strings(_Target):
    """Shared strings: the text of each ``si``, its phonetic runs (``rPh``) left out."""

    def __init__(self, budget):
        super().__init__(budget)
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.skip = 0

    def open(self, tag, attrib):
        if tag == "si":
            self.parts = []
        elif tag == "rPh":
            self.skip += 1
        elif tag == "t" and not self.skip:
            self.collect()

    def shut(self, tag):
        if tag == "t" and self.text is not None:
            self.parts.append(self.collected())
        elif tag == "rPh":
            self.skip -= 1
        elif tag == "si":
            if len(self.strings) >= MAX_CELLS:
                raise InstanceError(f"has more than {MAX_CELLS:,} shared strings",
                                    file=self.budget.where)
            self.strings.append(_joined(self.parts))


class _Styles(_Target):
    """Which cell styles show a date (and which a duration)."""

    def __init__(self, budget):
        super().__init__(budget)
        self.formats: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self.in_xfs = False

    def open(self, tag, attrib):
        if tag == "numFmt":
            _room(self.formats, self.budget.where, "number formats")
            try:
                self.formats[int(attrib.get("numFmtId", ""))] = attrib.get("formatCode", "")
            except ValueError:
                pass
        elif tag == "cellXfs":
            self.in_xfs = True
        elif tag == "xf" and self.in_xfs:
            _room(self.xf_formats, self.budget.where, "cell styles")
            try:
                self.xf_formats.append(int(attrib.get("numFmtId", "0")))
            except ValueError:
                self.xf_formats.append(0)

    def shut(self, tag):
        if tag == "cellXfs":
            self.in_xfs = False

    def date_styles(self) -> tuple[set, set]:
        from openpyxl.styles.numbers import is_date_format, is_timedelta_format

        dates, durations = set(), set()
        for i, fid in enumerate(self.xf_formats):
            code = self.formats.get(fid)
            if fid in DATE_FORMAT_IDS or (code is not None and is_date_format(code)):
                dates.add(i)
                if fid in TIMEDELTA_FORMAT_IDS or (code and is_timedelta_format(code)):
                    durations.add(i)
        return dates, durations


class _SheetTarget(_Target):
    """The cells of one worksheet, row by row, with the limits checked as they come."""

    def __init__(self, budget, book: "XlsxBook", sheet: Sheet, where: str):
        super().__init__(budget)
        self.book, self.sheet, self.where = book, sheet, where
        self.row_no = 0  # the current row (from its r attribute, or counted)
        self.row_cells: list | None = None
        self.col = 0
        self.cell = None  # (ref, type, style) of the current cell
        self.value = None
        self.formula = False
        self.inline: list | None = None
        self.skip = 0

    def fail(self, message, row=None, col=None):
        raise InstanceError(message, file=self.where, row=f"row {row}" if row else None,
                            column=column_letter(col) if col else None)

    def open(self, tag, attrib):
        if tag == "c":
            if self.row_cells is None:
                return  # a cell outside any row is not part of the sheet's data
            self.cell = (attrib.get("r"), attrib.get("t", "n"), attrib.get("s"))
            self.value, self.formula, self.inline = None, False, None
        elif self.cell is not None:
            if tag == "v":
                self.collect()
            elif tag == "f":
                self.formula = True
            elif tag == "is":
                self.inline = []
            elif tag == "rPh":
                self.skip += 1
            elif tag == "t" and self.inline is not None and not self.skip:
                self.collect()
        elif tag == "row":
            r = attrib.get("r")
            if r is None:
                self.row_no += 1
            else:
                try:
                    n = int(r)
                except ValueError:
                    n = 0
                if not 1 <= n <= EXCEL_MAX_ROW:
                    self.fail(f"a row is numbered {r[:20]!r}, which is not a row of a sheet",
                              row=self.row_no or None)
                self.row_no = n
            self.row_cells, self.col = [], 0
        elif tag == "mergeCell":
            if len(self.sheet.merged) < 10:  # the first ones are all a message needs
                self.sheet.merged.append(str(attrib.get("ref", "")))

    def shut(self, tag):
        if self.cell is not None:
            if tag == "v":
                self.value = self.collected()
            elif tag == "t" and self.text is not None:
                self.inline.append(self.collected())
            elif tag == "rPh":
                self.skip -= 1
            elif tag == "c":
                self.add_cell()
        elif tag == "row" and self.row_cells is not None:
            if self.row_cells:
                self.sheet.rows.append((self.row_no, self.row_cells))
            self.row_cells = None

    def add_cell(self):
        ref, typ, style = self.cell
        self.cell = None
        if ref is None:
            self.col += 1
        else:
            pos = parse_ref(ref)
            if pos is None:
                self.fail(f"the cell reference {ref[:20]!r} is not a cell of a sheet",
                          row=self.row_no, col=None)
            if pos[0] != self.row_no:
                self.fail(f"the cell {ref} is stored in row {self.row_no}", row=self.row_no)
            self.col = pos[1]
        value = (TOO_LONG if self.value is TOO_LONG else
                 self.book._value(typ, style, self.value, self.formula, self.inline))
        if value is None or value == "":
            return
        if self.row_no > MAX_ROWS:
            self.fail(f"has a value below row {MAX_ROWS:,}, the last row the reader takes",
                      row=self.row_no, col=self.col)
        if self.col > MAX_COLUMNS:
            self.fail(f"has a value right of column {column_letter(MAX_COLUMNS)} (the "
                      f"{MAX_COLUMNS:,}th), the last column the reader takes",
                      row=self.row_no, col=self.col)
        self.book._count_cell()
        cells = self.row_cells
        if self.col <= len(cells):
            self.fail(f"the cell {column_letter(self.col)}{self.row_no} is stored twice or out "
                      f"of order", row=self.row_no, col=self.col)
        cells.extend([None] * (self.col - 1 - len(cells)))
        cells.append(value)


# =========================================================================== the book
class XlsxBook:
    """An .xlsx file opened for reading its cells: ``sheetnames``, :meth:`find`,
    :meth:`read`. Use as a context manager (it holds the zip file open)."""

    def __init__(self, path, label: str | None = None):
        self.path = Path(path)
        self.label = label or self.path.name
        self.budget = _Budget(self.label)
        self.cells = 0
        self.zf = self._open_zip()
        try:
            self._read_structure()
        except BaseException:
            self.zf.close()
            raise

    # ------------------------------------------------------------------ opening
    def _fail(self, message: str):
        raise InstanceError(message, file=self.label)

    def _open_zip(self) -> zipfile.ZipFile:
        try:
            size = os.path.getsize(self.path)
            with open(self.path, "rb") as fh:
                head = fh.read(8)
        except OSError as exc:
            raise InstanceError(f"the file cannot be read ({exc.strerror or exc})",
                                file=self.label) from None
        if size > MAX_FILE_BYTES:
            self._fail(f"is {size / 2**20:.0f} MiB, larger than the {MAX_FILE_BYTES // 2**20} MiB "
                       f"the reader takes")
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            self._fail("is not an .xlsx workbook: it is an old .xls file or a workbook with a "
                       "password; save it in Excel as .xlsx without a password")
        try:
            zf = zipfile.ZipFile(self.path)
        except _DAMAGED as exc:
            raise InstanceError(f"is not a readable .xlsx workbook ({_what(exc)})",
                                file=self.label) from None
        infos = zf.infolist()
        total = sum(max(i.file_size, 0) for i in infos)
        problem = None
        if len(infos) > MAX_PARTS:
            problem = f"has {len(infos):,} parts, more than the {MAX_PARTS:,} the reader takes"
        elif total > MAX_UNPACKED_BYTES:
            problem = (f"would unpack to {total / 2**20:,.0f} MiB, more than the "
                       f"{MAX_UNPACKED_BYTES // 2**20} MiB the reader takes (a zip bomb?)")
        elif any(i.flag_bits & 0x1 for i in infos):
            problem = "is encrypted; save it in Excel without a password"
        if problem:
            zf.close()
            self._fail(problem)
        return zf

    def _parse(self, part: str, target: _Target, where: str | None = None):
        """Stream the XML ``part`` into ``target`` (no DTD allowed)."""
        from defusedxml.ElementTree import DefusedXMLParser

        try:
            info = self.zf.getinfo(part)
        except KeyError:
            raise InstanceError(f"the part {part!r} is missing from the file",
                                file=where or self.label) from None
        parser = DefusedXMLParser(target=target, forbid_dtd=True)
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 16)
                    if not chunk:
                        break
                    parser.feed(chunk)
            parser.close()
        except InstanceError:
            raise
        except _DAMAGED as exc:
            raise InstanceError(f"is damaged: its part {part!r} cannot be read ({_what(exc)})",
                                file=where or self.label) from None
        return target

    def _rels_of(self, part: str) -> dict:
        rels_part = posixpath.join(posixpath.dirname(part), "_rels",
                                   posixpath.basename(part) + ".rels")
        if rels_part not in self.zf.NameToInfo:
            return {}
        return self._parse(rels_part, _Rels(self.budget)).rels

    @staticmethod
    def _resolve(base: str, target: str) -> str:
        if target.startswith("/"):
            return posixpath.normpath(target.lstrip("/"))
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))

    def _read_structure(self) -> None:
        root_rels = self._rels_of("")  # _rels/.rels
        wb_part = next((self._resolve("", t) for typ, t in root_rels.values()
                        if typ.endswith("/officeDocument")), "xl/workbook.xml")
        if wb_part not in self.zf.NameToInfo:
            self._fail("is not an .xlsx workbook (it has no workbook part)")
        wb = self._parse(wb_part, _WorkbookPart(self.budget))
        rels = self._rels_of(wb_part)
        self.sheets: dict[str, tuple[str, str]] = {}  # name -> (kind, part)
        for name, rid in wb.sheets:
            typ, target = rels.get(rid, ("", ""))
            kind = typ.rsplit("/", 1)[-1] if typ else "missing"
            self.sheets[name] = (kind, self._resolve(wb_part, target) if target else "")
        self.sheetnames = list(self.sheets)
        from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

        self.epoch = MAC_EPOCH if wb.date1904 else WINDOWS_EPOCH
        self.strings: list[str] = []
        self.date_styles: set = set()
        self.duration_styles: set = set()
        for typ, target in rels.values():
            part = self._resolve(wb_part, target)
            if typ.endswith("/sharedStrings") and part in self.zf.NameToInfo:
                self.strings = self._parse(part, _Strings(self.budget)).strings
            elif typ.endswith("/styles") and part in self.zf.NameToInfo:
                self.date_styles, self.duration_styles = self._parse(
                    part, _Styles(self.budget)).date_styles()

    # ------------------------------------------------------------------ sheets
    def find(self, name: str) -> str | None:
        """The sheet called ``name`` (case and surrounding spaces ignored), or None."""
        hits = [s for s in self.sheetnames if s.strip().lower() == name.strip().lower()]
        if len(hits) > 1:
            self._fail(f"has {len(hits)} sheets named {name!r}; keep one")
        return hits[0] if hits else None

    def read(self, name: str) -> Sheet:
        """The non-empty cells of the sheet ``name`` (as :meth:`find` returns it)."""
        where = f"{self.label}, sheet {name}"
        kind, part = self.sheets[name]
        if kind != "worksheet":
            if kind == "missing":
                raise InstanceError("the sheet is listed but its part is missing from the file",
                                    file=where)
            what = {"chartsheet": "a chart sheet", "dialogsheet": "a dialog sheet",
                    "xlMacrosheet": "a macro sheet"}.get(kind, f"a {kind}")
            raise InstanceError(f"the sheet is {what}, not a table of cells", file=where)
        sheet = Sheet(name)
        self._parse(part, _SheetTarget(self.budget, self, sheet, where), where=where)
        return sheet

    def _count_cell(self):
        self.cells += 1
        if self.cells > MAX_CELLS:
            self._fail(f"has more than {MAX_CELLS:,} non-empty cells, more than the reader takes")

    def _value(self, typ, style, v, formula, inline):
        """A cell's value: text, int, float, bool, datetime (date styles), None (empty) or
        :class:`Unreadable`. A formula gives the value Excel saved with it."""
        if formula and (v is None or (v == "" and typ != "str")):
            return Unreadable("is a formula with no saved value (the workbook was not "
                              "calculated: open it in Excel and save it, or type the value)")
        if typ == "n":
            if v is None or v.strip() == "":
                return None
            return self._number(v, style)
        if typ == "s":
            try:
                i = int(v)
                if i < 0:
                    raise IndexError
                text = self.strings[i]
            except (TypeError, ValueError, IndexError):
                return Unreadable(f"refers to shared text {str(v)[:20]!r}, which the workbook "
                                  f"does not have (it has {len(self.strings)})")
            return text
        if typ == "str":
            return _joined([v or ""])
        if typ == "inlineStr":
            return _joined(inline or [])
        if typ == "b":
            low = (v or "").strip().lower()
            if low in ("1", "true"):
                return True
            if low in ("0", "false"):
                return False
            return None if low == "" else Unreadable(f"is a TRUE/FALSE cell holding "
                                                     f"{low[:20]!r}")
        if typ == "e":
            return Unreadable(f"holds the error value {(v or '#VALUE!')[:20]}")
        if typ == "d":
            from openpyxl.utils.datetime import from_ISO8601

            try:
                value = from_ISO8601((v or "").strip())
            except _DAMAGED:
                value = None
            return value if value is not None else Unreadable(
                f"is a date cell holding {str(v)[:30]!r}, which is not a date")
        return Unreadable(f"has the unknown cell type {str(typ)[:20]!r}")

    def _number(self, v: str, style):
        t = v.strip()
        try:
            x = float(t)
        except ValueError:
            return Unreadable(f"is a number cell holding {t[:30]!r}, which is not a number")
        if not math.isfinite(x):
            return Unreadable(f"holds {t[:30]!r}, a number no cell of Excel can hold")
        try:
            s = int(style) if style is not None else 0
        except ValueError:
            s = 0
        if s in self.date_styles:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(x, self.epoch, timedelta=s in self.duration_styles)
            except _DAMAGED:
                return Unreadable(f"is formatted as a date but holds {t[:30]}, which is no "
                                  f"date Excel can show")
        if x.is_integer() and abs(x) < 2**53 and re.fullmatch(r"[+-]?\d+", t):
            return int(t)
        return x

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        self.zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _joined(parts: list):
    """The text of a cell made of ``parts`` (runs of rich text), unescaped, or TOO_LONG."""
    if any(p is TOO_LONG for p in parts):
        return TOO_LONG
    s = unescape("".join(parts))
    return TOO_LONG if len(s) > MAX_CELL_CHARS else s


def _what(exc: BaseException) -> str:
    """What went wrong inside a damaged part, in a few words."""
    kind = type(exc).__name__
    defused = {"DTDForbidden": "it declares a DTD, which a workbook never needs",
               "EntitiesForbidden": "it declares XML entities, which a workbook never needs",
               "ExternalReferenceForbidden": "it refers to an external entity"}
    if kind in defused:
        return defused[kind]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = {"ParseError": "the XML is malformed", "BadZipFile": "not a zip file"}.get(kind, kind)
    if not text or name.lower() in text.lower():
        return name if name.lower() not in text.lower() else text[:120]
    return f"{name}: {text[:120]}"


def need_reader() -> None:
    """Reading workbooks needs openpyxl (dates, number formats) and defusedxml (the parser)."""
    try:
        import defusedxml  # noqa: F401
        import openpyxl  # noqa: F401
    except ImportError:
        raise InputError("reading workbooks needs openpyxl and defusedxml: "
                         "pip install 'regcollab[report]'") from None
