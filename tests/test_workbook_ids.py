"""Ids and names are text everywhere: hostile ones survive every output unchanged.

An instance whose ids look like missing values (``NA``, ``null``, ``None``, ``nan``, ``N/A``),
like numbers (``01``, ``1.0``, ``1e0``, ``-1``), like formulas (``=1+1``, ``+A``, ``@x``) or are
unusual (``a;b``, Chinese, 300 characters) goes folder -> ``regcollab convert`` -> workbook ->
instance (the same one) -> solve -> result CSVs, ``summary.json``, ``results.xlsx`` and the
report's reading of the folder, and every id comes out as the same text; no cell of a workbook
we write is a formula.
"""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from checker import check_solution
from click.testing import CliRunner

from optimizer import cli, load_instance, solve
from optimizer.workbook import write_results_workbook
from optimizer.xlsx import unescape

PARTNERS = ["NA", "null", "=1+1", "@x"]
RECIPIENTS = ["None", "nan", "N/A", "01", "1.0", "1e0", "+A", "-1", "a;b", "深圳 Shēnzhèn",
              "L" * 300]
NAMES = {"NA": "=HYPERLINK(\"http://x\")", "null": "#N/A", "=1+1": "TRUE", "@x": "_x0041_",
         "None": "-2", "nan": "+cmd", "N/A": "@SUM(1)", "01": "_x000D_ literal", "1.0": "0.10",
         "1e0": "=", "+A": "line break \\n"}  # (a real line break is refused in names)


def write_instance(folder):
    folder.mkdir()
    (folder / "instance.toml").write_text(
        'name = "hostile ids"\n[objective]\nlambda = 0.5\n[balance]\nalpha = 0.1\ngamma = 0.1\n',
        encoding="utf-8")
    p = pd.DataFrame({"id": PARTNERS, "name": [NAMES.get(i, "") for i in PARTNERS],
                      "max_partners": ["", "4", "", "3"],
                      "supply.funds": ["100", "80", "90", "70"],
                      "supply.talent": ["10", "12", "8", "9"],
                      # extra columns travel as they are
                      "province": ["=cmd|' /C calc'!A0", "Guangdong", "", "-"],
                      "lat": ["23.16", "22.62", "", "1e-3"],
                      "postcode": ["007", "510000", "", "0"]})
    n = len(RECIPIENTS)
    # every optional column: min/max partners, absorptive capacity (some left empty)
    r = pd.DataFrame({"id": RECIPIENTS, "name": [NAMES.get(i, "") for i in RECIPIENTS],
                      "population": [str(10 + i) for i in range(n)],
                      "baseline": ["3"] * n, "target": ["6"] * n,
                      "min_partners": ["1", "0"] + [""] * (n - 2),
                      "max_partners": ["2", ""] + ["3"] * (n - 2),
                      "need.funds": ["20"] * n, "need.talent": ["2"] * n,
                      "absorb.funds": ["30", ""] + ["25.5"] * (n - 2),
                      "absorb.talent": [""] * n,
                      "prod.funds": ["1.0"] * n, "prod.talent": ["3.0"] * n,
                      "source": ["yearbook p. 3"] * (n - 1) + ["+notes"]})
    p.to_csv(folder / "partners.csv", index=False)
    r.to_csv(folder / "recipients.csv", index=False)
    pairs = pd.DataFrame({"partner": ["NA", "=1+1", "@x", "null"],
                          "recipient": ["01", "N/A", "1e0", "-1"],
                          "comp": ["0.2", "", "0.1", "0"], "pot": ["0.9", "0.5", "0.7", ""],
                          "ben": ["0.8", "0.5", "0.7", "0.3"],
                          "allowed": ["true", "", "TRUE", "false"],
                          "fixed": ["true", "false", "", ""], "note": ["=A1", "", "", "-"]})
    pairs.to_csv(folder / "pairs.csv", index=False)
    return folder


def shown(v):
    """A cell's text as Excel shows it (openpyxl does not undo OOXML's ``_xHHHH_`` escapes)."""
    return unescape(v) if isinstance(v, str) else v


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def no_formulas(path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (path.name, ws.title, c.coordinate, c.value)
    return wb


def same_cell(u, v) -> bool:
    """Equal values; an extra column's number may be text in a folder ("23.16") and a number
    in a workbook (23.16), and an empty cell "" or missing."""
    def empty(x):
        return x is None or x == "" or (isinstance(x, float) and x != x)

    if empty(u) or empty(v):
        return empty(u) and empty(v)
    if u == v:
        return True
    try:
        return float(u) == float(v)
    except (TypeError, ValueError):
        return False


def same_instance(a, b):
    assert list(a.partners.index) == list(b.partners.index)
    assert list(a.recipients.index) == list(b.recipients.index)
    assert a.params == b.params
    for x, y in ((a.partners, b.partners), (a.recipients, b.recipients)):
        assert list(x.columns) == list(y.columns)
        for c in x.columns:
            for u, v in zip(x[c], y[c]):
                assert same_cell(u, v), (c, u, v)
    pd.testing.assert_frame_equal(a.pairs, b.pairs)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ids")
    folder = write_instance(tmp / "inst")
    book = tmp / "inst.xlsx"
    r = invoke("convert", folder, book)
    assert r.exit_code == 0, r.output
    return tmp, folder, book


def test_convert_keeps_ids_names_and_extra_columns_as_text(hostile):
    tmp, folder, book = hostile
    wb = no_formulas(book)
    ws = wb["partners"]
    header = [c.value for c in ws[1]]
    assert header == ["id", "name", "max_partners", "supply.funds", "supply.talent", "province",
                      "lat", "postcode"]
    ids = [ws.cell(row=i, column=1) for i in range(2, len(PARTNERS) + 2)]
    assert [c.value for c in ids] == PARTNERS and all(c.data_type == "s" for c in ids)
    assert ws["B2"].value == NAMES["NA"] and ws["B2"].quotePrefix  # shown, kept as text
    assert shown(ws["B5"].value) == NAMES["@x"] and ws["B5"].data_type == "s"
    assert ws["F2"].value == "=cmd|' /C calc'!A0" and ws["F2"].data_type == "s"
    assert ws["G2"].value == 23.16 and ws["H2"].value == "007"
    rec = [c.value for c in wb["recipients"]["A"][1:]]
    assert rec == RECIPIENTS
    pairs = [[c.value for c in r] for r in wb["pairs"].iter_rows()]
    assert pairs[0] == ["partner", "recipient", "comp", "pot", "ben", "allowed", "fixed", "note"]
    assert pairs[1] == ["NA", "01", 0.2, 0.9, 0.8, True, True, "=A1"]


def test_workbook_loads_as_the_same_instance(hostile, tmp_path):
    tmp, folder, book = hostile
    original, from_book = load_instance(folder), load_instance(book)
    same_instance(original, from_book)
    assert list(from_book.partners["name"]) == [NAMES.get(i) or i for i in PARTNERS]
    assert list(from_book.partners["postcode"][:2]) == ["007", 510000]
    back = tmp_path / "back"
    assert invoke("convert", book, back).exit_code == 0
    same_instance(original, load_instance(back))
    # the folder written back has the same text in every file
    for f in ("partners.csv", "recipients.csv", "pairs.csv"):
        a = pd.read_csv(folder / f, dtype=str, keep_default_na=False)
        b = pd.read_csv(back / f, dtype=str, keep_default_na=False)
        assert list(a.columns) == list(b.columns)
        for c in a.columns:
            for u, v in zip(a[c], b[c]):
                assert u == v or same_cell(u, v) or u.lower() == v.lower() == "true", (f, c, u, v)
    # and converting that folder again gives a workbook with the same cells
    again = tmp_path / "again.xlsx"
    assert invoke("convert", back, again).exit_code == 0
    for name in ("partners", "recipients", "pairs"):
        x = [[c.value for c in r] for r in openpyxl.load_workbook(book)[name].iter_rows()]
        y = [[c.value for c in r] for r in openpyxl.load_workbook(again)[name].iter_rows()]
        assert x == y, name


def test_results_keep_ids_as_text_everywhere(hostile):
    tmp, folder, book = hostile
    out = tmp / "res"
    r = invoke("solve", book, "--out", out, "--quiet")
    assert r.exit_code == 0, r.output
    sol = solve(load_instance(book), why=False)
    check_solution(sol)
    all_ids = set(PARTNERS) | set(RECIPIENTS)
    # CSV files, read back as text
    csv = {n: pd.read_csv(out / f"{n}.csv", dtype=str, keep_default_na=False)
           for n in ("pairings", "allocations", "recipients", "balance")}
    assert list(csv["recipients"]["recipient"]) == RECIPIENTS
    for n in ("pairings", "allocations"):
        assert set(csv[n]["partner"]) | set(csv[n]["recipient"]) <= all_ids
    assert set(csv["balance"]["recipient"]) == set(RECIPIENTS)
    assert sorted(csv["pairings"]["recipient"]) == sorted(sol.pairings["recipient"])
    json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # results.xlsx: every id cell is the same text, and no cell is a formula
    wb = no_formulas(out / "results.xlsx")
    for n, cols in (("pairings", ("partner", "recipient")),
                    ("allocations", ("partner", "recipient")),
                    ("recipients", ("recipient",)), ("balance", ("recipient",)),
                    ("sensitivity_variables", ("partner", "recipient"))):
        ws = wb[n]
        header = [c.value for c in ws[1]]
        for col in cols:
            j = header.index(col)
            cells = [row[j] for row in ws.iter_rows(min_row=2)]
            assert [c.value for c in cells] == list(csv[n][col]) if n in csv else True
            assert all(c.data_type == "s" and c.value in all_ids for c in cells), (n, col)
    names = [shown(c.value) for c in wb["recipients"]["B"][1:]]
    assert names == [NAMES.get(i) or i for i in RECIPIENTS]
    # the report reads the folder with the ids intact (pandas would read NA as missing)
    from optimizer.report import load_results

    res = load_results(out)
    assert list(res.recipients["recipient"]) == RECIPIENTS
    assert set(res.pairings["partner"]) <= set(PARTNERS)
    assert set(res.sens_variables["recipient"]) <= set(RECIPIENTS)
    # (report.html itself is optimizer/report/'s; its charts warn about the 300-character label)
    write_results_workbook(out)
    no_formulas(out / "results.xlsx")


def test_numbers_typed_in_id_and_name_cells(tmp_path):
    """An id typed as a number in Excel is read as Excel shows it: 1 (not 1.0), 2.5."""
    from conftest import DEMO

    from optimizer.workbook import folder_to_workbook

    book = folder_to_workbook(DEMO, tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["recipients"]
    ws["A2"] = 1.0  # X -> 1
    ws["A3"] = 2.5  # Y -> 2.5
    ws["B4"] = 7  # W's name -> "7"
    wb["pairs"]["B2"] = 1  # the pair A-X -> A-1
    wb["pairs"]["B3"] = "2.5"
    for r in wb["pairs"].iter_rows(min_row=2):
        if r[1].value == "X":
            r[1].value = "1"
        elif r[1].value == "Y":
            r[1].value = 2.5
    wb.save(tmp_path / "n.xlsx")
    inst = load_instance(tmp_path / "n.xlsx")
    assert list(inst.recipients.index) == ["1", "2.5", "W"]
    assert inst.recipients.loc["W", "name"] == "7"
    assert ("A", "1") in inst.pairs.index and ("B", "2.5") in inst.pairs.index


def test_sheet_names_that_are_no_file_names(tmp_path):
    """An extra sheet becomes a file of the folder: a name Excel does not allow (a path such
    as ../x, written into a damaged or hostile file) is an error, nothing is written outside."""
    from conftest import DEMO
    from xlsx_tools import patched, sub_once

    from optimizer.workbook import folder_to_workbook

    wb = openpyxl.Workbook()
    book = folder_to_workbook(DEMO, tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("escape").append(["a"])
    wb.save(tmp_path / "e.xlsx")
    bad = patched(tmp_path / "e.xlsx", tmp_path / "bad.xlsx", "xl/workbook.xml",
                  sub_once('name="escape"', 'name="../../escaped"'))
    assert load_instance(bad).name == "demo"  # the instance itself is fine
    (tmp_path / "deep" / "er").mkdir(parents=True)
    r = invoke("convert", bad, tmp_path / "deep" / "er" / "out")
    assert r.exit_code == 2, r.output
    assert "bad.xlsx: the sheet name '../../escaped' is not one Excel allows" in r.output
    assert not (tmp_path / "escaped.csv").exists()
    assert not (tmp_path / "deep" / "er" / "out").exists()
