"""The parts of an .xlsx file, read as streams of XML events into these parser targets.

Each target keeps only what an instance needs (relationships, sheet names, shared strings,
which styles show dates, the cells of a sheet) and checks the limits of :mod:`.limits` as
events come: no tree of the XML is ever built.
"""

from __future__ import annotations

from ..errors import InstanceError
from ..i18n import N_, _
from . import limits
from .cells import (
    DATE_FORMAT_IDS,
    TIMEDELTA_FORMAT_IDS,
    TOO_LONG,
    Sheet,
    column_letter,
    joined,
    parse_ref,
)


ENTRY_WORDS = {
    "relationships": N_("lists more than {limit} relationships; is it an instance workbook?"),
    "sheets": N_("lists more than {limit} sheets; is it an instance workbook?"),
    "number formats": N_("lists more than {limit} number formats; is it an instance workbook?"),
    "cell styles": N_("lists more than {limit} cell styles; is it an instance workbook?")}
"""The message about too many entries of each kind (:func:`room`)."""


def room(entries, where: str, what: str) -> None:
    if len(entries) >= limits.MAX_ENTRIES:
        raise InstanceError(_(ENTRY_WORDS[what]).format(limit=f"{limits.MAX_ENTRIES:,}"),
                            file=where)


def local(tag: str) -> str:
    return tag[tag.rfind("}") + 1:]


def attr(attrib: dict, name: str):
    """An attribute by its local name, in whatever namespace (``r:id``)."""
    for k, v in attrib.items():
        if local(k) == name and k != name:
            return v
    return attrib.get(name)


class Budget:
    """The XML events left for the whole workbook."""

    def __init__(self, where: str):
        self.left = limits.MAX_XML_EVENTS
        self.where = where

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise InstanceError(_("has more XML content than the reader takes ({limit} "
                                  "elements); is it an instance workbook?").format(
                                      limit=f"{limits.MAX_XML_EVENTS:,}"), file=self.where)


class Target:
    """Base of the parser targets: counts events, collects the text of chosen elements."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.text: list | None = None
        self.text_len = 0

    def start(self, tag, attrib):
        self.budget.spend()
        self.open(local(tag), attrib)

    def end(self, tag):
        self.shut(local(tag))

    def data(self, d):
        self.budget.spend()
        if self.text is not None and self.text_len <= limits.RAW_CAP:
            self.text.append(d)
            self.text_len += len(d)

    def collect(self):
        self.text, self.text_len = [], 0

    def collected(self):
        """The text collected since :meth:`collect`, or :data:`TOO_LONG`."""
        out = TOO_LONG if self.text_len > limits.RAW_CAP else "".join(self.text or ())
        self.text = None
        return out

    def close(self):
        return None

    def open(self, tag, attrib):  # pragma: no cover - overridden
        pass

    def shut(self, tag):  # pragma: no cover - overridden
        pass


class Rels(Target):
    def __init__(self, budget):
        super().__init__(budget)
        self.rels: dict[str, tuple[str, str]] = {}

    def open(self, tag, attrib):
        if tag == "Relationship":
            room(self.rels, self.budget.where, "relationships")
            self.rels[attrib.get("Id", "")] = (attrib.get("Type", ""), attrib.get("Target", ""))


class WorkbookPart(Target):
    def __init__(self, budget):
        super().__init__(budget)
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self.date1904 = False

    def open(self, tag, attrib):
        if tag == "sheet":
            room(self.sheets, self.budget.where, "sheets")
            self.sheets.append((attrib.get("name", ""), attr(attrib, "id") or ""))
        elif tag == "workbookPr":
            self.date1904 = str(attrib.get("date1904", "")).lower() in ("1", "true")


class Strings(Target):
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
            if len(self.strings) >= limits.MAX_CELLS:
                raise InstanceError(_("has more than {limit} shared strings").format(
                    limit=f"{limits.MAX_CELLS:,}"),
                                    file=self.budget.where)
            self.strings.append(joined(self.parts))


class Styles(Target):
    """Which cell styles show a date (and which a duration)."""

    def __init__(self, budget):
        super().__init__(budget)
        self.formats: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self.in_xfs = False

    def open(self, tag, attrib):
        if tag == "numFmt":
            room(self.formats, self.budget.where, "number formats")
            try:
                self.formats[int(attrib.get("numFmtId", ""))] = attrib.get("formatCode", "")
            except ValueError:
                pass
        elif tag == "cellXfs":
            self.in_xfs = True
        elif tag == "xf" and self.in_xfs:
            room(self.xf_formats, self.budget.where, "cell styles")
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


class SheetTarget(Target):
    """The cells of one worksheet, row by row, with the limits checked as they come."""

    def __init__(self, budget, book, sheet: Sheet, where: str):
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
        raise InstanceError(message, file=self.where,
                            row=_("row {n}").format(n=row) if row else None,
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
                if not 1 <= n <= limits.EXCEL_MAX_ROW:
                    self.fail(_("a row is numbered {n}, which is not a row of a sheet").format(
                        n=repr(r[:20])),
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
                self.fail(_("the cell reference {ref} is not a cell of a sheet").format(
                    ref=repr(ref[:20])),
                          row=self.row_no, col=None)
            if pos[0] != self.row_no:
                self.fail(_("the cell {ref} is stored in row {n}").format(ref=ref, n=self.row_no),
                          row=self.row_no)
            self.col = pos[1]
        value = (TOO_LONG if self.value is TOO_LONG else
                 self.book._value(typ, style, self.value, self.formula, self.inline))
        if value is None or value == "":
            return
        if self.row_no > limits.MAX_ROWS:
            self.fail(_("has a value below row {limit}, the last row the reader takes").format(
                limit=f"{limits.MAX_ROWS:,}"), row=self.row_no, col=self.col)
        if self.col > limits.MAX_COLUMNS:
            self.fail(_("has a value right of column {column} (the {n}th), the last column the "
                        "reader takes").format(column=column_letter(limits.MAX_COLUMNS),
                                               n=f"{limits.MAX_COLUMNS:,}"),
                      row=self.row_no, col=self.col)
        self.book._count_cell()
        cells = self.row_cells
        if self.col <= len(cells):
            self.fail(_("the cell {ref} is stored twice or out of order").format(
                ref=f"{column_letter(self.col)}{self.row_no}"), row=self.row_no, col=self.col)
        cells.extend([None] * (self.col - 1 - len(cells)))
        cells.append(value)
