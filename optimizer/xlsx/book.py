"""An .xlsx file opened for reading its cells (:class:`XlsxBook`): the zip checked against
the limits before any part is read, the structure (sheets, shared strings, date styles), and
each cell's value converted as openpyxl does."""

from __future__ import annotations

import math
import os
import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

from ..errors import InputError, InstanceError
from ..i18n import N_, _
from . import limits
from .cells import Sheet, Unreadable, joined
from .parts import Budget, Rels, SheetTarget, Strings, Styles, Target, WorkbookPart

# what can go wrong inside a damaged zip or XML part (never a bug of ours: our own checks raise
# InstanceError before)
_DAMAGED = (ParseError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
            NotImplementedError, RuntimeError, LookupError, UnicodeError, OverflowError)


class XlsxBook:
    """An .xlsx file opened for reading its cells: ``sheetnames``, :meth:`find`,
    :meth:`read`. Use as a context manager (it holds the zip file open)."""

    def __init__(self, path, label: str | None = None):
        self.path = Path(path)
        self.label = label or self.path.name
        self.budget = Budget(self.label)
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
            raise InstanceError(_("the file cannot be read ({reason})").format(
                reason=exc.strerror or exc), file=self.label) from None
        if size > limits.MAX_FILE_BYTES:
            self._fail(_("is {size} MiB, larger than the {limit} MiB the reader takes").format(
                size=f"{size / 2**20:.0f}", limit=limits.MAX_FILE_BYTES // 2**20))
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            self._fail(_("is not an .xlsx workbook: it is an old .xls file or a workbook with a "
                         "password; save it in Excel as .xlsx without a password"))
        try:
            zf = zipfile.ZipFile(self.path)
        except _DAMAGED as exc:
            raise InstanceError(_("is not a readable .xlsx workbook ({problem})").format(
                problem=_what(exc)), file=self.label) from None
        infos = zf.infolist()
        total = sum(max(i.file_size, 0) for i in infos)
        problem = None
        if len(infos) > limits.MAX_PARTS:
            problem = _("has {n} parts, more than the {limit} the reader takes").format(
                n=f"{len(infos):,}", limit=f"{limits.MAX_PARTS:,}")
        elif total > limits.MAX_UNPACKED_BYTES:
            problem = _("would unpack to {size} MiB, more than the {limit} MiB the reader takes "
                        "(a zip bomb?)").format(size=f"{total / 2**20:,.0f}",
                                                limit=limits.MAX_UNPACKED_BYTES // 2**20)
        elif any(i.flag_bits & 0x1 for i in infos):
            problem = _("is encrypted; save it in Excel without a password")
        if problem:
            zf.close()
            self._fail(problem)
        return zf

    def _parse(self, part: str, target: Target, where: str | None = None):
        """Stream the XML ``part`` into ``target`` (no DTD allowed)."""
        from defusedxml.ElementTree import DefusedXMLParser

        try:
            info = self.zf.getinfo(part)
        except KeyError:
            raise InstanceError(_("the part {part} is missing from the file").format(
                part=repr(part)), file=where or self.label) from None
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
            raise InstanceError(_("is damaged: its part {part} cannot be read ({problem})")
                                .format(part=repr(part), problem=_what(exc)),
                                file=where or self.label) from None
        return target

    def _rels_of(self, part: str) -> dict:
        rels_part = posixpath.join(posixpath.dirname(part), "_rels",
                                   posixpath.basename(part) + ".rels")
        if rels_part not in self.zf.NameToInfo:
            return {}
        return self._parse(rels_part, Rels(self.budget)).rels

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
            self._fail(_("is not an .xlsx workbook (it has no workbook part)"))
        wb = self._parse(wb_part, WorkbookPart(self.budget))
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
                self.strings = self._parse(part, Strings(self.budget)).strings
            elif typ.endswith("/styles") and part in self.zf.NameToInfo:
                self.date_styles, self.duration_styles = self._parse(
                    part, Styles(self.budget)).date_styles()

    # ------------------------------------------------------------------ sheets
    def find(self, name: str) -> str | None:
        """The sheet called ``name`` (case and surrounding spaces ignored), or None."""
        hits = [s for s in self.sheetnames if s.strip().lower() == name.strip().lower()]
        if len(hits) > 1:
            self._fail(_("has {n} sheets named {name}; keep one").format(n=len(hits),
                                                                          name=repr(name)))
        return hits[0] if hits else None

    def read(self, name: str) -> Sheet:
        """The non-empty cells of the sheet ``name`` (as :meth:`find` returns it)."""
        where = _("{book}, sheet {sheet}").format(book=self.label, sheet=name)
        kind, part = self.sheets[name]
        if kind != "worksheet":
            if kind == "missing":
                raise InstanceError(_("the sheet is listed but its part is missing from the "
                                      "file"), file=where)
            what = {"chartsheet": N_("the sheet is a chart sheet, not a table of cells"),
                    "dialogsheet": N_("the sheet is a dialog sheet, not a table of cells"),
                    "xlMacrosheet": N_("the sheet is a macro sheet, not a table of cells")}.get(
                        kind, N_("the sheet is a {kind}, not a table of cells"))
            raise InstanceError(_(what).format(kind=kind), file=where)
        sheet = Sheet(name)
        self._parse(part, SheetTarget(self.budget, self, sheet, where), where=where)
        return sheet

    def _count_cell(self):
        self.cells += 1
        if self.cells > limits.MAX_CELLS:
            self._fail(_("has more than {limit} non-empty cells, more than the reader takes")
                       .format(limit=f"{limits.MAX_CELLS:,}"))

    def _value(self, typ, style, v, formula, inline):
        """A cell's value: text, int, float, bool, datetime (date styles), None (empty) or
        :class:`Unreadable`. A formula gives the value Excel saved with it."""
        if formula and (v is None or (v == "" and typ != "str")):
            return Unreadable(N_("is a formula with no saved value (the workbook was not "
                                 "calculated: open it in Excel and save it, or type the value)"))
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
                return Unreadable(N_("refers to shared text {text}, which the workbook does "
                                     "not have (it has {n})"),
                                  (("text", repr(str(v)[:20])), ("n", len(self.strings))))
            return text
        if typ == "str":
            return joined([v or ""])
        if typ == "inlineStr":
            return joined(inline or [])
        if typ == "b":
            low = (v or "").strip().lower()
            if low in ("1", "true"):
                return True
            if low in ("0", "false"):
                return False
            return None if low == "" else Unreadable(N_("is a TRUE/FALSE cell holding {text}"),
                                                     (("text", repr(low[:20])),))
        if typ == "e":
            return Unreadable(N_("holds the error value {value}"),
                              (("value", (v or "#VALUE!")[:20]),))
        if typ == "d":
            from openpyxl.utils.datetime import from_ISO8601

            try:
                value = from_ISO8601((v or "").strip())
            except _DAMAGED:
                value = None
            return value if value is not None else Unreadable(
                N_("is a date cell holding {text}, which is not a date"),
                (("text", repr(str(v)[:30])),))
        return Unreadable(N_("has the unknown cell type {type}"), (("type", repr(str(typ)[:20])),))

    def _number(self, v: str, style):
        t = v.strip()
        try:
            x = float(t)
        except ValueError:
            return Unreadable(N_("is a number cell holding {text}, which is not a number"),
                              (("text", repr(t[:30])),))
        if not math.isfinite(x):
            return Unreadable(N_("holds {text}, a number no cell of Excel can hold"),
                              (("text", repr(t[:30])),))
        try:
            s = int(style) if style is not None else 0
        except ValueError:
            s = 0
        if s in self.date_styles:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(x, self.epoch, timedelta=s in self.duration_styles)
            except _DAMAGED:
                return Unreadable(N_("is formatted as a date but holds {text}, which is no "
                                     "date Excel can show"), (("text", t[:30]),))
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


def _what(exc: BaseException) -> str:
    """What went wrong inside a damaged part, in a few words."""
    kind = type(exc).__name__
    defused = {"DTDForbidden": N_("it declares a DTD, which a workbook never needs"),
               "EntitiesForbidden": N_("it declares XML entities, which a workbook never needs"),
               "ExternalReferenceForbidden": N_("it refers to an external entity")}
    if kind in defused:
        return _(defused[kind])
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = {"ParseError": N_("the XML is malformed"),
            "BadZipFile": N_("not a zip file")}.get(kind, kind)
    if not text or name.lower() in text.lower():
        said = _(name)  # the exception's own words name it: they are enough in English
        return said if name.lower() not in text.lower() or said != name else text[:120]
    return _("{name}: {text}").format(name=_(name), text=text[:120])


def need_reader() -> None:
    """Reading workbooks needs openpyxl (dates, number formats) and defusedxml (the parser)."""
    try:
        import defusedxml  # noqa: F401
        import openpyxl  # noqa: F401
    except ImportError:
        raise InputError(_("reading workbooks needs openpyxl and defusedxml: "
                           "pip install 'regcollab[report]'")) from None
