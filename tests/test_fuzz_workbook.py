"""Fuzzing the workbook reader with hypothesis: whatever the bytes, loading a workbook gives an
``Instance`` or an ``InstanceError``, never another exception, within seconds.

Three sources of workbooks:

- the XML inside a valid small workbook (the demo, its text in a shared-string table as Excel
  writes it), mutated: slices deleted, duplicated or replaced with XML-ish tokens, attribute
  values (cell references, types, styles, indices, dimensions) and cell values replaced;
- the bytes of that zip file, overwritten at random places (damaged headers and data);
- small random workbooks built with openpyxl: random sheet names, cells of every type
  (numbers, hostile text, booleans, dates, formulas, empty), merged ranges.

Converting a workbook back into a folder (``regcollab convert``) is fuzzed the same way. The
default run is bounded and derandomised like tests/test_fuzz.py; ``REGCOLLAB_FUZZ=N``
multiplies the examples and makes them random (docs/testing.md).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from xlsx_tools import demo_book, parts, shared_strings, write_parts

from optimizer import Instance, InstanceError, load_instance
from optimizer.errors import InputError
from optimizer.workbook import workbook_to_folder

from test_fuzz import fuzz

SECONDS = 10  # the most one example may take (the limits make it well under a second)


_BASE: dict[str, bytes] = {}


def base() -> dict[str, bytes]:
    """The parts of the demo workbook with shared strings (built once)."""
    if not _BASE:
        tmp = Path(tempfile.mkdtemp())
        try:
            _BASE.update(parts(shared_strings(demo_book(tmp), tmp / "shared.xlsx")))
        finally:
            shutil.rmtree(tmp)
    return _BASE


def outcome(path: Path, convert: bool = False, record: bool = True) -> str:
    """Load ``path`` (and convert it to a folder): the kind of outcome, or fail the test."""
    t0 = time.perf_counter()
    try:
        inst = load_instance(path)
        assert isinstance(inst, Instance)
        kind = "instance"
    except InstanceError as exc:
        assert str(exc).startswith(path.name), str(exc)  # names the file first
        assert "\n" not in str(exc)
        kind = "InstanceError"
    if convert:
        try:
            workbook_to_folder(path, path.with_suffix(""))
        except InputError:  # InstanceError, or a setting TOML cannot hold
            pass
    assert time.perf_counter() - t0 < SECONDS, "too slow"
    if record:
        event(kind)
    return kind


# ------------------------------------------------------------------------------ XML mutations
TOKENS = ["<", ">", "</c>", "<c>", '<c r="A1">', "<v>", "</v>", "<f>1+1</f>", "<row>", "</row>",
          '<row r="1048577">', "<is><t>x</t></is>", "<!DOCTYPE x>", '<!ENTITY a "b">', "&amp;",
          "&#0;", "&a;", "]]>", "<![CDATA[x]]>", "<?pi x?>", "<!-- c -->", "\x00", "\xff",
          "_x0000_", "_xD800_", "_x005F_", '"', "'", "=", " ", "é", "深", "\U0001F600",
          '<mergeCell ref="A1:B2"/>', '<mergeCell ref="ZZZ9"/>', "<sheetData/>"]
VALUES = ["A0", "XFD1048576", "XFE1", "A1048577", "$A$1", "1A", "", " ", "-1", "0", "1",
          "999999999", "1e308", "1e400", "NaN", "inf", "-0", "1.5", "s", "n", "b", "e", "str",
          "inlineStr", "d", "zz", "A1:XFD1048576", "A1:A0", "2024-13-45", "#DIV/0!", "TRUE",
          "x" * 40, "9" * 400, "=1+1", "rId99", "/xl/worksheets/sheet9.xml", "../../etc/passwd",
          "true", "1904", "31", "14"]


@st.composite
def mutated_parts(draw):
    content = dict(base())
    xml_parts = [n for n in content if n.endswith((".xml", ".rels"))]
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(xml_parts))
        text = content[name].decode("utf-8")
        how = draw(st.sampled_from(["attribute", "value", "slice", "delete", "duplicate"]))
        if how == "attribute":
            spots = list(re.finditer(r'="([^"]*)"', text))
            if spots:
                m = draw(st.sampled_from(spots))
                new = draw(st.sampled_from(VALUES) | st.text(max_size=8))
                text = text[:m.start(1)] + new.replace('"', "&quot;") + text[m.end(1):]
        elif how == "value":
            spots = list(re.finditer(r"<(v|t)(?: [^>]*)?>([^<]*)</\1>", text))
            if spots:
                m = draw(st.sampled_from(spots))
                new = draw(st.sampled_from(VALUES) | st.text(max_size=8))
                text = text[:m.start(2)] + new.replace("<", "&lt;") + text[m.end(2):]
        else:
            i = draw(st.integers(0, max(len(text) - 1, 0)))
            j = min(len(text), i + draw(st.integers(0, 200)))
            if how == "slice":
                text = text[:i] + draw(st.sampled_from(TOKENS) | st.text(max_size=6)) + text[j:]
            elif how == "delete":
                text = text[:i] + text[j:]
            else:
                text = text[:j] + text[i:j] + text[j:]
        content[name] = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()) and len(content) > 3:  # sometimes a part goes missing
        content.pop(draw(st.sampled_from(sorted(content))))
    return content


@fuzz(150)
@given(mutated_parts(), st.booleans())
def test_mutated_xml_never_crashes(content, convert):
    with tempfile.TemporaryDirectory() as d:
        outcome(write_parts(Path(d) / "m.xlsx", content), convert=convert)


# ------------------------------------------------------------------------------ damaged bytes
@fuzz(60)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
                min_size=1, max_size=5))
def test_damaged_bytes_never_crash(edits):
    with tempfile.TemporaryDirectory() as d:
        data = bytearray(write_parts(Path(d) / "ok.xlsx", base()).read_bytes())
        for pos, chunk in edits:
            pos %= len(data)
            data[pos:pos + len(chunk)] = chunk
        path = Path(d) / "b.xlsx"
        path.write_bytes(bytes(data))
        outcome(path)


# ------------------------------------------------------------------------------ random books
SHEETS = ["partners", "recipients", "pairs", "parameters", "README", "Partners ", "notes"]
HEADERS = ["id", "name", "max_partners", "supply.funds", "population", "baseline", "target",
           "need.funds", "prod.funds", "partner", "recipient", "pot", "key", "value", "type"]
TEXTS = ["A", "X", "NA", "=1+1", "01", "-1", "@x", "true", "number", "objective.lambda",
         "balance.soft", "[1, [2]]", "#N/A", "_x0000_", "深圳", ""]
cells = st.one_of(
    st.none(), st.sampled_from(TEXTS), st.sampled_from(HEADERS), st.booleans(),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)), st.sampled_from(["=A1", "=1/0", "=NA()"]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=10))


@st.composite
def random_books(draw):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in draw(st.lists(st.sampled_from(SHEETS), min_size=1, max_size=5, unique=True)):
        ws = wb.create_sheet(name.strip() if name.strip() in [s.title for s in wb] else name)
        rows = draw(st.lists(st.lists(cells, max_size=7), max_size=6))
        for r in rows:
            ws.append(r)
        if draw(st.booleans()) and rows:
            ws.merge_cells(start_row=1, start_column=1, end_row=draw(st.integers(1, 3)),
                           end_column=draw(st.integers(1, 3)))
    return wb


@fuzz(80)
@given(random_books(), st.booleans())
def test_random_workbooks_never_crash(wb, convert):
    with tempfile.TemporaryDirectory() as d:
        try:
            wb.save(Path(d) / "r.xlsx")
        except (ValueError, TypeError):  # openpyxl cannot write some of what was drawn
            return
        outcome(Path(d) / "r.xlsx", convert=convert)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_every_prefix_of_a_part(tmp_path, part):
    """A part cut off anywhere (a partly written file) gives InstanceError."""
    content = dict(base())
    data = content[part]
    for cut in range(0, len(data), max(1, len(data) // 60)):
        content[part] = data[:cut]
        kind = outcome(write_parts(tmp_path / f"c{cut}.xlsx", content), record=False)
        assert kind == "InstanceError" or cut == 0 and part.endswith("sharedStrings.xml")
