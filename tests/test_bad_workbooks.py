"""The catalogue of bad and hostile workbooks: each gets exit status 2 from ``regcollab validate
book.xlsx`` with one message that starts with the file and names the sheet, row and column
where there is one; never a traceback, a hang or a runaway use of memory. The same files raise
``InstanceError`` from the Python API.

Every case edits a copy of the demo instance converted to a workbook (``xlsx_tools``): through
openpyxl, as a planner's Excel would, or by rewriting the XML inside the zip, as a damaged or
malicious file would. The first expected fragment is the start of the message.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import zipfile

import openpyxl
import pytest
from conftest import ROOT
from test_validation import run_cli
from xlsx_tools import SHEET_PART, demo_book, parts, patched, shared_strings, sub_once, write_parts

from optimizer import InstanceError, load_instance
from optimizer import xlsx

P, R, PAIRS, PRM = (SHEET_PART[s] for s in ("partners", "recipients", "pairs", "parameters"))
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
                  + "]>")
FUNDS = "bad.xlsx, sheet partners, row 2 (id A), column 'supply.funds': the cell "
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


# ------------------------------------------------------------------------------ builders
def edit(change):
    """A case made with openpyxl: ``change(wb)`` on the demo workbook."""
    def build(tmp):
        wb = openpyxl.load_workbook(demo_book(tmp))
        change(wb)
        wb.save(tmp / "bad.xlsx")
        return tmp / "bad.xlsx"
    return build


def xml(part, change, shared=False):
    """A case made by rewriting the XML ``part`` inside the zip."""
    def build(tmp):
        book = demo_book(tmp)
        if shared:
            book = shared_strings(book, tmp / "shared.xlsx")
        return patched(book, tmp / "bad.xlsx", part, change)
    return build


def raw(data_of):
    def build(tmp):
        path = tmp / "bad.xlsx"
        path.write_bytes(data_of(tmp))
        return path
    return build


def param(key, value, typ=None):
    def change(wb):
        ws = wb["parameters"]
        for r in ws.iter_rows(min_row=2):
            if r[0].value == key:
                r[1].value, r[2].value = value, typ if typ is not None else r[2].value
                return
        ws.append([key, value, typ])
    return edit(change)


def setter(sheet, ref, value):
    return edit(lambda wb: wb[sheet].__setitem__(ref, value))


def cell_xml(sheet, ref, new):
    """Replace the XML of cell ``ref`` of ``sheet`` by ``new``."""
    return xml(SHEET_PART[sheet], sub_once(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', new))


def clusters_sheet(*rows):
    """A case with a ``clusters`` sheet of ``rows`` (below its header)."""
    def change(wb):
        ws = wb.create_sheet("clusters", 3)
        ws.append(["id", "name", "partners", "recipients", "setup", "synergy", "min_links"])
        for row in rows:
            ws.append(list(row))
    return edit(change)


def chart_named_partners(wb):
    wb.remove(wb["partners"])
    wb.create_chartsheet("partners", 0)


def bomb(tmp):
    content = parts(demo_book(tmp))
    content[P] = content[P].replace(b"<sheetData>", b"<sheetData>" + b" " * (150 * 2**20), 1)
    path = write_parts(tmp / "bomb.xlsx", content)
    assert path.stat().st_size < 2 * 2**20  # a small file that unpacks to 150 MiB
    return path.read_bytes()


def many_parts(tmp):
    content = parts(demo_book(tmp))
    content.update({f"xl/media/x{i}.bin": b"" for i in range(xlsx.MAX_PARTS + 1)})
    return write_parts(tmp / "many.xlsx", content).read_bytes()


def many_merges(tmp):
    content = parts(demo_book(tmp))
    merges = "".join(f'<mergeCell ref="G{2 * i + 1}:G{2 * i + 2}"/>' for i in range(500_000))
    content[P] = content[P].replace(b"</sheetData>", f"</sheetData><mergeCells>{merges}"
                                    "</mergeCells>".encode(), 1)
    return write_parts(tmp / "merges.xlsx", content).read_bytes()


def many_styles(tmp):
    content = parts(demo_book(tmp))
    xfs = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * (xlsx.MAX_ENTRIES + 1)
    content["xl/styles.xml"] = content["xl/styles.xml"].replace(b"</cellXfs>",
                                                                f"{xfs}</cellXfs>".encode(), 1)
    return write_parts(tmp / "styles.xlsx", content).read_bytes()


CASES = {
    # ---------------------------------------------------------------- not a workbook at all
    "text file": (raw(lambda t: b"id,name\nA,B\n"), ["bad.xlsx: is not a readable .xlsx"]),
    "empty file": (raw(lambda t: b""), ["bad.xlsx: is not a readable .xlsx"]),
    "old xls or password": (raw(lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
                            ["bad.xlsx: is not an .xlsx workbook", "password"]),
    "truncated zip": (raw(lambda t: demo_book(t).read_bytes()[:4000]),
                      ["bad.xlsx: is not a readable .xlsx"]),
    "zip bomb": (raw(bomb), ["bad.xlsx: would unpack to", "zip bomb"]),
    "too many parts": (raw(many_parts), ["bad.xlsx: has 2,0", "parts"]),
    "half a million merged ranges": (raw(many_merges),
                                     ["bad.xlsx, sheet partners, row 1, column 'G': the cells G1:G2 "
                                      "are merged"]),
    "too many cell styles": (raw(many_styles), ["bad.xlsx: lists more than 100,000 cell styles"]),
    "no workbook part": (xml("xl/workbook.xml", lambda t: None),
                         ["bad.xlsx: is not an .xlsx workbook (it has no workbook part)"]),
    "missing sheet part": (xml(R, lambda t: None),
                           ["bad.xlsx, sheet recipients: the part 'xl/worksheets/sheet2.xml' is "
                            "missing"]),
    # ---------------------------------------------------------------- malformed XML
    "malformed sheet XML": (xml(P, lambda t: t.replace("</sheetData>", "</sheetDat>")),
                            ["bad.xlsx, sheet partners: is damaged", "malformed"]),
    "malformed workbook XML": (xml("xl/workbook.xml", lambda t: t[:200]),
                               ["bad.xlsx: is damaged", "xl/workbook.xml"]),
    "malformed styles": (xml("xl/styles.xml", lambda t: t + "<x>"),
                         ["bad.xlsx: is damaged", "xl/styles.xml"]),
    "malformed shared strings": (xml("xl/sharedStrings.xml",
                                     lambda t: t.replace("</si>", "<si>", 1), shared=True),
                                 ["bad.xlsx: is damaged", "sharedStrings"]),
    "not UTF-8": (xml(P, lambda t: t.encode("utf-8").replace(b"Harbour", b"Harb\xe9our")),
                  ["bad.xlsx, sheet partners: is damaged"]),
    # ---------------------------------------------------------------- entities
    "billion laughs in a sheet": (xml(P, lambda t: BILLION_LAUGHS + t.replace(
        "<t>Harbour City</t>", "<t>&lol9;</t>")), ["bad.xlsx, sheet partners: is damaged", "DTD"]),
    "billion laughs in the workbook": (xml("xl/workbook.xml", lambda t: BILLION_LAUGHS + t),
                                       ["bad.xlsx: is damaged", "DTD"]),
    "billion laughs in shared strings": (xml("xl/sharedStrings.xml", lambda t: BILLION_LAUGHS + t,
                                             shared=True), ["bad.xlsx: is damaged", "DTD"]),
    "external entity": (xml(P, lambda t: XXE + t.replace("<t>Harbour City</t>", "<t>&xxe;</t>")),
                        ["bad.xlsx, sheet partners: is damaged", "DTD"]),
    "external entity in the relationships": (
        xml("xl/_rels/workbook.xml.rels", lambda t: XXE + t), ["bad.xlsx: is damaged", "DTD"]),
    # ---------------------------------------------------------------- references and indices
    "bad cell reference": (cell_xml("partners", "D3", '<c r="3D" t="n"><v>60</v></c>'),
                           ["bad.xlsx, sheet partners, row 3: the cell reference '3D'"]),
    "cell reference beyond Excel": (
        cell_xml("partners", "D3", '<c r="XFE3" t="n"><v>60</v></c>'),
        ["bad.xlsx, sheet partners, row 3: the cell reference 'XFE3'"]),
    "cell in the wrong row": (cell_xml("partners", "D3", '<c r="D9" t="n"><v>60</v></c>'),
                              ["bad.xlsx, sheet partners, row 3: the cell D9 is stored in row 3"]),
    "cell stored twice": (cell_xml("partners", "E3", '<c r="D3" t="n"><v>6</v></c>'),
                          ["bad.xlsx, sheet partners, row 3, column 'D': the cell D3 is stored "
                           "twice"]),
    "row number not a number": (xml(P, sub_once(r'<row r="3"', '<row r="three"')),
                                ["bad.xlsx, sheet partners, row 2: a row is numbered 'three'"]),
    "bad shared-string index": (
        xml(P, sub_once(r'(<c r="B3"(?: s="\d+")?) t="s"><v>\d+</v>', r'\1 t="s"><v>999</v>'),
            shared=True),
        ["bad.xlsx, sheet partners, row 3 (id B), column 'name': the cell refers to shared text "
         "'999'"]),
    "negative shared-string index": (
        xml(P, sub_once(r'(<c r="A3"(?: s="\d+")?) t="s"><v>\d+</v>', r'\1 t="s"><v>-1</v>'),
            shared=True),
        ["bad.xlsx, sheet partners, row 3, column 'id': the cell refers to shared text '-1'"]),
    "shared string without a table": (
        cell_xml("partners", "B3", '<c r="B3" t="s"><v>0</v></c>'),
        ["bad.xlsx, sheet partners, row 3 (id B), column 'name': the cell refers to shared "
         "text '0', which the workbook does not have (it has 0)"]),
    # ---------------------------------------------------------------- sheets
    "chart sheet named partners": (edit(chart_named_partners),
                                   ["bad.xlsx, sheet partners: the sheet is a chart sheet"]),
    "two sheets named recipients": (
        xml("xl/workbook.xml", sub_once('name="pairs"', 'name="Recipients"')),
        ["bad.xlsx: has 2 sheets named 'recipients'"]),
    "sheet without a relationship": (
        xml("xl/workbook.xml", sub_once('(name="recipients" [^>]*r:id=)"rId2"', r'\1"rId99"')),
        ["bad.xlsx, sheet recipients: the sheet is listed but its part is missing"]),
    # ---------------------------------------------------------------- limits
    "value far below": (setter("partners", "A600000", "x"),
                        ["bad.xlsx, sheet partners, row 600000, column 'A': has a value below row "
                         "500,000"]),
    "value at the last cell of Excel": (setter("partners", "XFD1048576", "x"),
                                        ["bad.xlsx, sheet partners, row 1048576"]),
    "value far right": (setter("recipients", "ALN2", 1),
                        ["bad.xlsx, sheet recipients, row 2, column 'ALN': has a value right of "
                         "column ALL"]),
    "value right of the header": (setter("recipients", "ZZ3", 1),
                                  ["bad.xlsx, sheet recipients, row 3: has a value in column ZZ, "
                                   "which has no header"]),
    "text longer than a cell holds": (
        cell_xml("partners", "B2", '<c r="B2" t="inlineStr"><is><t>'
                 + "x" * (xlsx.MAX_CELL_CHARS + 1) + "</t></is></c>"),
        ["bad.xlsx, sheet partners, row 2 (id A), column 'name': the cell holds more than 32,767"]),
    "number Excel cannot hold": (cell_xml("partners", "D2", f'<c r="D2"><v>{"9" * 400}</v></c>'),
                                 [FUNDS + "holds '999"]),
    "NaN in a number cell": (cell_xml("partners", "D2", '<c r="D2"><v>NaN</v></c>'),
                             [FUNDS + "holds 'NaN', a number no cell"]),
    # ---------------------------------------------------------------- cell types
    "TRUE in a number cell": (setter("partners", "D3", True),
                              ["bad.xlsx, sheet partners, row 3 (id B), column 'supply.funds': the "
                               "cell is TRUE (a logical value), not a number"]),
    "FALSE in max_partners": (setter("partners", "C2", False),
                              ["bad.xlsx, sheet partners, row 2 (id A), column 'max_partners': "
                               "the cell is FALSE"]),
    "TRUE as an id": (setter("recipients", "A3", True),
                      ["bad.xlsx, sheet recipients, row 3, column 'id': the cell is TRUE (a "
                       "logical value), not text"]),
    "date in a number cell": (setter("recipients", "C2", dt.date(2024, 3, 1)),
                              ["bad.xlsx, sheet recipients, row 2 (id X), column 'population': the "
                               "cell is a date or time (2024-03-01"]),
    "date as an id": (setter("partners", "A2", dt.datetime(2024, 1, 2)),
                      ["bad.xlsx, sheet partners, row 2, column 'id': the cell is a date"]),
    "date in a pair's pot": (setter("pairs", "D2", dt.date(2024, 1, 2)),
                             ["bad.xlsx, sheet pairs, row 2 (pair A-X), column 'pot': the cell is "
                              "a date"]),
    "formula without a saved value": (setter("partners", "C2", "=1+1"),
                                      ["bad.xlsx, sheet partners, row 2 (id A), column "
                                       "'max_partners': the cell is a formula with no saved "
                                       "value"]),
    "formula in an id": (setter("recipients", "A4", "=A3"),
                         ["bad.xlsx, sheet recipients, row 4, column 'id': the cell is a formula "
                          "with no saved value"]),
    "error value": (cell_xml("partners", "D2", '<c r="D2" t="e"><v>#DIV/0!</v></c>'),
                    ["bad.xlsx, sheet partners, row 2 (id A), column 'supply.funds': the cell "
                     "holds the error value #DIV/0!"]),
    "error value from a formula": (
        cell_xml("recipients", "E3", '<c r="E3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
        ["bad.xlsx, sheet recipients, row 3 (id Y), column 'target': the cell holds the error "
         "value"]),
    "#N/A in an extra column": (edit(lambda wb: (wb["partners"].__setitem__("F1", "note"),
                                                 wb["partners"].__setitem__("F2", "=NA()"))),
                                ["bad.xlsx, sheet partners, row 2 (id A), column 'note': the cell "
                                 "is a formula with no saved value"]),
    "merged max_partners": (edit(lambda wb: wb["partners"].merge_cells("C2:C3")),
                            ["bad.xlsx, sheet partners, row 2, column 'max_partners': the cells "
                             "C2:C3 are merged"]),
    "merged header": (edit(lambda wb: wb["recipients"].merge_cells("A1:B1")),
                      ["bad.xlsx, sheet recipients, row 1, column 'id': the cells A1:B1 are "
                       "merged"]),
    "merged parameters": (edit(lambda wb: wb["parameters"].merge_cells("B2:B3")),
                          ["bad.xlsx, sheet parameters, row 2, column 'B': the cells B2:B3 are "
                           "merged"]),
    "bad boolean cell": (cell_xml("partners", "D2", '<c r="D2" t="b"><v>7</v></c>'),
                         [FUNDS + "is a TRUE/FALSE cell holding '7'"]),
    "junk in a number cell": (cell_xml("partners", "D2", '<c r="D2"><v>abc</v></c>'),
                              [FUNDS + "is a number cell holding 'abc'"]),
    "unknown cell type": (cell_xml("partners", "D2", '<c r="D2" t="zz"><v>1</v></c>'),
                          [FUNDS + "has the unknown cell type 'zz'"]),
    "bad ISO date cell": (cell_xml("partners", "D2", '<c r="D2" t="d"><v>yesterday</v></c>'),
                          [FUNDS + "is a date cell holding 'yesterday'"]),
    "header formula": (setter("partners", "E1", "=D1"),
                       ["bad.xlsx, sheet partners, row 1, column 'E': the header cell is a "
                        "formula with no saved value"]),
    # ---------------------------------------------------------------- clusters sheet
    "cluster member not a partner": (
        clusters_sheet(["G1", "West", "A;Q", "W", 0, 0.1, 1]),
        ["bad.xlsx, sheet clusters, row 2 (id G1), column 'partners': the partner 'Q' is not "
         "in the partners sheet"]),
    "cluster min_links above its pairs": (
        clusters_sheet(["G1", "West", "A", "W", 0, 0.1, 1], ["G2", None, "A;B", "X", 0, 0, 3]),
        ["bad.xlsx, sheet clusters, row 3 (id G2), column 'min_links': min_links is 3",
         "could never be formed"]),
    "date as cluster synergy": (
        clusters_sheet(["G1", "West", "A", "W", 0, dt.date(2024, 1, 1), 1]),
        ["bad.xlsx, sheet clusters, row 2 (id G1), column 'synergy': the cell is a date"]),
    # ---------------------------------------------------------------- parameters
    "deep list": (param("balance.soft", "[" * 5000 + "]" * 5000, "list"),
                  ["bad.xlsx, sheet parameters, row", "column 'value'", "nested too deep"]),
    "nested list": (param("sources", "[[[[[[[1]]]]]]]", "list"),
                    ["bad.xlsx, sheet parameters, row", "column 'value'", "nested more than 5"]),
    "null in a list": (param("balance.soft", "[null]", "list"),
                       ["bad.xlsx, sheet parameters, row", "column 'value'", "null"]),
    "huge integer": (param("year", "9" * 400, "integer"),
                     ["bad.xlsx, sheet parameters, row", "column 'value'", "not a valid integer"]),
    "integer beyond 64 bits": (param("year", str(2**64), "integer"),
                               ["bad.xlsx, sheet parameters, row", "64-bit"]),
    "huge number": (param("objective.lambda", "1e400", "number"),
                    ["bad.xlsx, sheet parameters, row", "'objective.lambda'"]),
    "TRUE as a number setting": (param("objective.lambda", True, "number"),
                                 ["bad.xlsx, sheet parameters, row", "column 'value'",
                                  "the cell is TRUE (a logical value), not a number"]),
    "date as a number setting": (param("balance.alpha", dt.date(2024, 1, 1), "number"),
                                 ["bad.xlsx, sheet parameters, row", "column 'value'", "a date"]),
    "formula as a setting": (param("objective.lambda", "=0.5*1", "number"),
                             ["bad.xlsx, sheet parameters, row", "column 'value'",
                              "formula with no saved value"]),
    "unknown type": (param("objective.lambda", 0.5, "matrix"),
                     ["bad.xlsx, sheet parameters, row", "column 'type'", "'matrix'"]),
    "number as a type": (param("objective.lambda", 0.5, 7),
                         ["bad.xlsx, sheet parameters, row", "column 'type'"]),
    "number as a key": (edit(lambda wb: wb["parameters"].append([12, 1, "number"])),
                        ["bad.xlsx, sheet parameters, row", "column 'key'", "'12'"]),
    "deep key": (param(".".join(["a"] * 12), 1, "number"),
                 ["bad.xlsx, sheet parameters, row", "column 'key'", "12 parts"]),
    "unbalanced quote in a key": (param('types."my type.mult', 1, "number"),
                                  ["bad.xlsx, sheet parameters, row", "column 'key'"]),
}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    cache = {}

    def get(case):
        if case not in cache:
            tmp = tmp_path_factory.mktemp(case.replace(" ", "_").replace("/", "_")[:40])
            cache[case] = CASES[case][0](tmp)
        return cache[case]
    return get


@pytest.mark.parametrize("case", list(CASES))
def test_bad_workbook_exit_2(books, case):
    book = books(case)
    fragments = CASES[case][1]
    t0 = time.perf_counter()
    code, out = run_cli("validate", book)
    assert time.perf_counter() - t0 < 30, case
    assert code == 2, (case, code, out)
    assert "Traceback" not in out and "internal error" not in out, out
    assert out.startswith(f"error: {fragments[0]}"), out  # names the file (and sheet) first
    assert out.count("\n") == 1, out  # one message
    for frag in fragments:
        assert frag in out, (case, frag, out)
    with pytest.raises(InstanceError) as info:  # the API raises InstanceError
        load_instance(book)
    assert fragments[0].split(": ")[0] in str(info.value)


def test_catalogue_is_large_enough():
    assert len(CASES) >= 60


# ------------------------------------------------------------------------------ accepted
def test_shared_strings_workbook_loads_as_the_same_instance(tmp_path):
    """Excel stores text in a shared-string table (openpyxl inline): both read the same."""
    book = demo_book(tmp_path)
    shared = shared_strings(book, tmp_path / "shared.xlsx")
    assert b"sharedStrings" in shared.read_bytes()
    a, b = load_instance(book), load_instance(shared)
    assert a.partners.equals(b.partners) and a.recipients.equals(b.recipients)
    assert a.pairs.equals(b.pairs) and a.params == b.params


def test_declared_dimension_is_not_trusted(tmp_path):
    """An 8 KB workbook claiming the range A1:XFD1048576 loads at once (it took twenty
    minutes when rows were padded to the declared dimension)."""
    book = patched(demo_book(tmp_path), tmp_path / "dim.xlsx", P,
                   sub_once(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"'))
    assert book.stat().st_size < 16_000
    t0 = time.perf_counter()
    code, out = run_cli("validate", book)
    assert code == 0, out
    assert time.perf_counter() - t0 < 10


def test_formula_with_saved_value_is_read(tmp_path):
    """A formula that Excel calculated is read by the value it saved."""
    book = patched(demo_book(tmp_path), tmp_path / "f.xlsx", P,
                   sub_once(r'<c r="C2"[^>]*>.*?</c>', '<c r="C2"><f>1+0</f><v>1</v></c>'))
    assert load_instance(book).partners.loc["A", "max_partners"] == 1


def test_rich_text_and_phonetic_runs(tmp_path):
    """Rich text is its runs' text; phonetic guides (rPh, East Asian readings) are left out."""
    book = patched(demo_book(tmp_path), tmp_path / "r.xlsx", P, sub_once(
        r'<c r="B2" t="inlineStr"><is><t>Harbour City</t></is></c>',
        '<c r="B2" t="inlineStr"><is><r><t>Harbour </t></r><r><rPr><b/></rPr><t>City</t></r>'
        '<rPh sb="0" eb="1"><t>HARU</t></rPh></is></c>'))
    assert load_instance(book).partners.loc["A", "name"] == "Harbour City"


def test_cells_without_references(tmp_path):
    """Cells without an r attribute are in order (some writers leave it out)."""
    book = patched(demo_book(tmp_path), tmp_path / "n.xlsx", P,
                   lambda t: t.replace(' r="D2"', "").replace(' r="E2"', ""))
    assert load_instance(book).partners.loc["A", "supply.talent"] == 10


def test_date_1904_and_east_asian_date_formats(tmp_path):
    """A cell with an East Asian built-in date format (numFmtId 31, yyyy年m月d日) is a date."""
    book = demo_book(tmp_path)
    content = parts(book)
    styles = content["xl/styles.xml"].decode()
    styles = styles.replace("</cellXfs>", '<xf numFmtId="31" fontId="0" fillId="0" borderId="0" '
                            'applyNumberFormat="1"/></cellXfs>')
    n = styles.count("<xf ", styles.index("<cellXfs")) - 1
    content["xl/styles.xml"] = styles.encode()
    content[P] = content[P].replace(b'<c r="D3" t="n"><v>60</v>',
                                    f'<c r="D3" s="{n}" t="n"><v>60</v>'.encode())
    bad = write_parts(tmp_path / "d.xlsx", content)
    with pytest.raises(InstanceError, match=r"row 3 \(id B\), column 'supply.funds': the cell is "
                                            r"a date or time \(1900-02-28"):
        load_instance(bad)


def test_limits_are_enforced_while_reading(tmp_path, monkeypatch):
    """The XML-event budget and the cell count stop a reading at the limit."""
    book = demo_book(tmp_path)
    monkeypatch.setattr(xlsx.limits, "MAX_XML_EVENTS", 50)
    with pytest.raises(InstanceError, match="more XML content than the reader takes"):
        load_instance(book)
    monkeypatch.setattr(xlsx.limits, "MAX_XML_EVENTS", 12_000_000)
    monkeypatch.setattr(xlsx.limits, "MAX_CELLS", 20)
    with pytest.raises(InstanceError, match="more than 20 non-empty cells"):
        load_instance(book)


def test_file_size_limit(tmp_path):
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(xlsx.MAX_FILE_BYTES + 1)
    code, out = run_cli("validate", big)
    assert code == 2 and "MiB the reader takes" in out


def test_defusedxml_is_active():
    """The workbook reader parses with defusedxml, and openpyxl (which reads our results back
    in tests and in planners' scripts) uses it too once it is installed."""
    import openpyxl as op

    assert op.DEFUSEDXML
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("defusedxml") for d in project["optional-dependencies"]["report"])


HOSTILE_FOR_LIMITS = ("zip bomb", "billion laughs in a sheet", "value at the last cell of Excel",
                      "half a million merged ranges")


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                    reason="resource limits of a child process (Linux)")
def test_hostile_files_in_bounded_memory_and_time(books):
    """The worst files, each read by `regcollab validate` in a child process limited to 1.5 GB
    of address space and 60 s: exit 2 every time, well inside both."""
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))\n"
              "from optimizer.cli import main\n"
              "sys.argv = ['regcollab', 'validate', sys.argv[1]]\n"
              "main()\n")
    for case in HOSTILE_FOR_LIMITS:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", script, str(books(case))], cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 2, (case, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr
        assert time.perf_counter() - t0 < 60


def test_reading_a_zip_never_yields_more_than_declared(tmp_path):
    """A part whose data unpacks to more than its declared size is cut at that size (the
    zip-bomb check trusts the declared sizes): zipfile stops there and reports a damaged file."""
    book = demo_book(tmp_path)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as z:
        info = z.getinfo(P)
    # shrink the declared size of the sheet in the central directory and the local header
    import struct

    off = data.rfind(b"PK\x01\x02", 0, len(data))
    while off >= 0:
        name_len = struct.unpack_from("<H", data, off + 28)[0]
        if bytes(data[off + 46:off + 46 + name_len]).decode() == P:
            struct.pack_into("<I", data, off + 24, 100)
            local = struct.unpack_from("<I", data, off + 42)[0]
            struct.pack_into("<I", data, local + 22, 100)
            break
        off = data.rfind(b"PK\x01\x02", 0, off)
    assert info.file_size > 100
    bad = tmp_path / "short.xlsx"
    bad.write_bytes(bytes(data))
    code, out = run_cli("validate", bad)
    assert code == 2 and "sheet partners: is damaged" in out, out
