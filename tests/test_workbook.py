"""Instances as .xlsx workbooks: lossless round trips, messages by sheet and row, results."""

from __future__ import annotations

import json
import re
import tomllib

import numpy as np
import openpyxl
import pandas as pd
import pytest
from checker import check_solution
from click.testing import CliRunner
from conftest import DEMO, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import cli
from optimizer import InstanceError, load_instance, solve
from optimizer.workbook import (
    cell_for,
    flatten_params,
    folder_to_workbook,
    text_of,
    workbook_to_folder,
    write_results_workbook,
)

GUANGDONG = ROOT / "instances" / "guangdong"


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def same_plan(a, b):
    """Two solutions with the same pairings, types, flows and objective values."""
    check_solution(a)
    check_solution(b)
    cols = ["partner", "recipient", "type"]
    pd.testing.assert_frame_equal(a.pairings[cols], b.pairings[cols])
    pd.testing.assert_frame_equal(a.allocations, b.allocations)
    assert a.efficiency == b.efficiency and a.equity == b.equity


def csv_values(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def numeric_equal(x: pd.DataFrame, y: pd.DataFrame) -> bool:
    """Equal cell by cell, numbers by value ('3.0' == '3')."""
    if list(x.columns) != list(y.columns) or x.shape != y.shape:
        return False
    for c in x.columns:
        for u, v in zip(x[c], y[c]):
            if u == v:
                continue
            try:
                if float(u) == float(v):
                    continue
            except ValueError:
                pass
            return False
    return True


@pytest.mark.parametrize("folder", [DEMO, GUANGDONG], ids=["demo", "guangdong"])
def test_round_trip_gives_identical_solutions(folder, tmp_path):
    book = tmp_path / f"{folder.name}.xlsx"
    back = tmp_path / f"{folder.name}-back"
    folder_to_workbook(folder, book)
    workbook_to_folder(book, back)
    # the files: instance.toml means the same, every table cell keeps its value
    assert tomllib.loads((folder / "instance.toml").read_text(encoding="utf-8")) == \
        tomllib.loads((back / "instance.toml").read_text(encoding="utf-8"))
    for f in folder.glob("*.csv"):
        assert numeric_equal(csv_values(f), csv_values(back / f.name)), f.name
    if (folder / "README.md").exists():
        assert (back / "README.md").read_text(encoding="utf-8") == \
            (folder / "README.md").read_text(encoding="utf-8")
    # the instances and their plans
    original, from_book, from_back = (load_instance(p) for p in (folder, book, back))
    assert from_book.params == original.params and from_back.params == original.params
    base = solve(original, why=False, gap=0)
    same_plan(base, solve(from_book, why=False, gap=0))
    same_plan(base, solve(from_back, why=False, gap=0))


def test_workbook_layout(tmp_path):
    book = folder_to_workbook(GUANGDONG, tmp_path / "g.xlsx")
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:4] == ["partners", "recipients", "pairs", "parameters"]
    assert {"provenance", "README"} <= set(wb.sheetnames)
    ws = wb["partners"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["id", "name"] and "supply.funds" in header
    # numbers are numbers (a planner can compute with them), ids stay text
    row = {h: c.value for h, c in zip(header, ws[2])}
    assert row["id"] == "GZ" and isinstance(row["supply.funds"], float)
    prm = [[c.value for c in r] for r in wb["parameters"].iter_rows()]
    assert prm[0] == ["key", "value", "type", "default", "description"]
    rows = {r[0]: dict(zip(prm[0], r)) for r in prm[1:]}
    params = {k: (r["value"], r["type"]) for k, r in rows.items()}
    assert params["objective.lambda"] == (0.5, "number")
    assert params["types.platform.setup"] == (0.5, "number")
    assert params["resources.talent.value"] == (0.3, "number")
    assert params["objective.equity"] == ("tail", "text")
    assert "Weight of efficiency" in rows["objective.lambda"]["description"]
    assert rows["objective.lambda"]["default"] == 0.5


def test_parameters_sheet_lists_every_setting_with_its_default(tmp_path):
    """A planner sees what can be set: every setting of the schema is a row, the ones the
    instance does not give with an empty value, their default and a description; and the
    empty rows change nothing when the workbook is read back."""
    from optimizer.schema import BALANCE_RULES, PARAMS, TYPE_DEFAULTS, TYPE_PARAMS

    book = folder_to_workbook(DEMO, tmp_path / "d.xlsx")
    prm = [[c.value for c in r] for r in openpyxl.load_workbook(book)["parameters"].iter_rows()]
    rows = {r[0]: dict(zip(prm[0], r)) for r in prm[1:]}
    expected = {p.path for p in PARAMS} | {f"balance.soft.{r}" for r in BALANCE_RULES} | {
        f"types.{t}.{p.path}" for t in TYPE_DEFAULTS for p in TYPE_PARAMS} | {
        f"resources.{k}.{a}" for k in ("funds", "talent") for a in ("unit", "value")}
    assert expected <= set(rows), expected - set(rows)
    assert rows["objective.method"]["value"] == "weighted"  # given by the instance
    assert rows["objective.method"]["default"] == "weighted"
    assert rows["objective.beta"]["value"] is None  # not given: its default applies
    assert rows["objective.beta"]["default"] == 0.25
    assert rows["types.institutional.mult"]["default"] == 1.6
    assert rows["balance.theta"]["default"] == "off"
    assert rows["balance.soft.coverage"]["default"] == "hard"
    assert rows["resources.funds.value"]["default"] == 1.0
    assert all(rows[k]["description"] for k in expected)
    original = tomllib.loads((DEMO / "instance.toml").read_text(encoding="utf-8"))
    assert load_instance(book).raw["params"] == original
    # a planner fills in one of the empty rows: it is read as the setting
    wb = openpyxl.load_workbook(book)
    for r in wb["parameters"].iter_rows(min_row=2):
        if r[0].value == "balance.soft.coverage":
            r[1].value = 50
    wb.save(tmp_path / "e.xlsx")
    assert load_instance(tmp_path / "e.xlsx").params["balance"]["soft"] == {"coverage": 50.0}


def test_cli_convert_both_ways(tmp_path):
    book, back = tmp_path / "demo.xlsx", tmp_path / "demo-back"
    r = invoke("convert", "demo", book)
    assert r.exit_code == 0, r.output
    assert "a valid instance: 2 partners, 3 recipients" in r.output
    r = invoke("convert", book, back)
    assert r.exit_code == 0, r.output
    assert (back / "instance.toml").exists()
    r = invoke("convert", "demo", book)  # an existing target is only replaced on request
    assert r.exit_code == 2 and "--force" in r.output
    assert invoke("convert", "demo", book, "--force").exit_code == 0
    r = invoke("convert", "demo", tmp_path / "x.csv")
    assert r.exit_code == 2 and ".xlsx" in r.output
    r = invoke("validate", book)
    assert r.exit_code == 0 and "valid" in r.output
    r = invoke("solve", book, "--quiet")
    assert r.exit_code == 0


def edited(tmp_path, change, name="bad.xlsx"):
    book = folder_to_workbook(DEMO, tmp_path / "demo.xlsx")
    wb = openpyxl.load_workbook(book)
    change(wb)
    wb.save(tmp_path / name)
    return tmp_path / name


def set_param(key, value):
    def change(wb):
        for r in wb["parameters"].iter_rows(min_row=2):
            if r[0].value == key:
                r[1].value = value
                return
        wb["parameters"].append([key, value])
    return change


@pytest.mark.parametrize("change,expected", [
    (lambda wb: wb["partners"].__setitem__("D3", "sixty"),
     "bad.xlsx, sheet partners, row 3 (id B), column 'supply.funds': 'sixty' is not a number"),
    (lambda wb: wb["recipients"].__setitem__("C4", -1),
     "bad.xlsx, sheet recipients, row 4 (id W), column 'population'"),
    (lambda wb: wb["pairs"].__setitem__("A3", "Q"),
     ("bad.xlsx, sheet pairs, row 3 (pair Q-Y), column 'partner': the partner 'Q' is not in "
      "the partners sheet")),
    (set_param("objective.lambda", 2),
     "bad.xlsx, sheet parameters, row "),
    (set_param("balance.nonsense", 1), "unknown setting 'balance.nonsense'"),
    (lambda wb: wb.remove(wb["recipients"]), "bad.xlsx: the sheet 'recipients' is missing"),
    (lambda wb: wb["partners"].__setitem__("B1", "id"),
     "bad.xlsx, sheet partners, row 1: the column 'id' appears twice"),
    (lambda wb: wb["partners"].__setitem__("H2", 5),
     "bad.xlsx, sheet partners, row 2: has a value in column H, which has no header"),
])
def test_messages_name_sheet_row_and_column(tmp_path, change, expected):
    book = edited(tmp_path, change)
    with pytest.raises(InstanceError) as err:
        load_instance(book)
    assert expected in str(err.value)
    r = invoke("validate", book)
    assert r.exit_code == 2 and expected in r.output


def test_lambda_message_names_its_row(tmp_path):
    book = edited(tmp_path, set_param("objective.lambda", 2))
    wb = openpyxl.load_workbook(book)
    row = next(r[0].row for r in wb["parameters"].iter_rows(min_row=2)
               if r[0].value == "objective.lambda")
    with pytest.raises(InstanceError, match=rf"sheet parameters, row {row}: 'objective.lambda'"):
        load_instance(book)


def test_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("not a zip")
    r = invoke("validate", p)
    assert r.exit_code == 2 and "x.xlsx" in r.output and "not a readable .xlsx" in r.output


# ------------------------------------------------------------------------------- cells
@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_cells_keep_their_value(v):
    cell = cell_for(repr(v), "number")
    assert float(text_of(cell)) == v


@pytest.mark.parametrize("text,kind,cell", [
    ("007", None, "007"), ("007", "id", "007"), ("12", "id", "12"), ("12", None, 12),
    ("1.5", None, 1.5), ("1.50", None, "1.50"), ("1.50", "number", 1.5), ("true", "bool", True),
    ("TRUE", None, "TRUE"), ("", "number", None), ("1e3", "number", 1000.0),
    ("0.30000000000000004", "number", "0.30000000000000004"),  # more digits than a cell keeps
])
def test_cell_for(text, kind, cell):
    got = cell_for(text, kind)
    assert got == cell and type(got) is type(cell)


def test_parameters_flatten_and_back(tmp_path):
    raw = {"name": "x", "year": 2024, "flag": True, "objective": {"lambda": 0.5},
           "balance": {"soft": ["access_floor"], "alpha": 0.25}, "empty": {},
           "types": {"my type": {"mult": 1.2}}, "notes": "two\nlines"}
    rows = flatten_params(raw)
    assert ('types."my type".mult', 1.2, "number") in rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "parameters"
    ws.append(["key", "value", "type"])
    for r in rows:
        ws.append(list(r))
    wb.save(tmp_path / "t.xlsx")
    from optimizer.workbook import read_parameters
    from optimizer.xlsx import XlsxBook

    with XlsxBook(tmp_path / "t.xlsx") as book:
        got, _ = read_parameters(book, "t.xlsx, sheet parameters")
    assert got == raw


# ------------------------------------------------------------------------------- results
def sheet_rows(ws) -> list[list]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def block(rows, title) -> list[dict]:
    """The rows of one block of a Solver-style report sheet, as dicts by heading."""
    i = next(k for k, r in enumerate(rows) if r and r[0] == title)
    heads = [h for h in rows[i + 1] if h is not None]
    out = []
    for r in rows[i + 2:]:
        if not any(v is not None for v in r):
            break
        out.append(dict(zip(heads, r)))
    return out


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory):
    sol = solve(load_instance(DEMO))
    check_solution(sol)
    out = sol.write(tmp_path_factory.mktemp("res") / "res")
    write_results_workbook(out)
    return sol, out, openpyxl.load_workbook(out / "results.xlsx")


def test_results_workbook(demo_results):
    sol, out, wb = demo_results
    assert wb.sheetnames[:5] == ["summary", "pairings", "allocations", "recipients", "balance"]
    assert {"Answer Report", "Sensitivity Report"} <= set(wb.sheetnames)
    assert not {"partners", "clusters"} & set(wb.sheetnames)  # no sharing, no clusters
    summary = {r[0].value: r[1].value for r in wb["summary"].iter_rows(min_row=2)}
    assert summary["efficiency"] == pytest.approx(sol.efficiency)
    assert summary["payoff_table.ideal.efficiency"] == pytest.approx(420)
    assert not np.isnan(summary["equity"])
    assert json.loads((out / "summary.json").read_text())["status"] == "optimal"
    ws = wb["pairings"]
    assert ws.max_row == len(sol.pairings) + 1
    rows = sheet_rows(wb["Sensitivity Report"])
    flat = [v for r in rows for v in r if v is not None]
    for head in ("Variable Cells", "Constraints", "Final Value", "Reduced Cost",
                 "Objective Coefficient", "Shadow Price", "Constraint R.H. Side",
                 "Allowable Increase", "Allowable Decrease"):
        assert head in flat, head
    assert 1e30 in flat  # Excel Solver's infinity


def test_sensitivity_sheet_names_cells_in_the_planners_words(demo_results):
    """Cell: the model's name of the row or variable (never a cell address such as $B$12 or
    R12); Name: the same in words, with the regions' names."""
    sol, out, wb = demo_results
    rows = sheet_rows(wb["Sensitivity Report"])
    cons = {r["Cell"]: r for r in block(rows, "Constraints")}
    sens = pd.read_csv(out / "sensitivity_constraints.csv", dtype=str, keep_default_na=False)
    assert set(cons) == set(sens["name"])
    assert cons["supply[A,funds]"]["Name"] == "Harbour City funds supply"
    assert cons["absorb[Y,talent]"]["Name"] == "Lake County talent absorptive capacity"
    assert cons["access_floor[W,funds]"]["Name"] == "Forest County funds access floor"
    assert cons["supply[A,funds]"]["Shadow Price"] == pytest.approx(
        float(sens.set_index("name").loc["supply[A,funds]", "shadow_price"]))
    var = block(rows, "Variable Cells")
    assert {r["Cell"] for r in var} == set(pd.read_csv(out / "sensitivity_variables.csv")["name"])
    first = next(r for r in var if r["Cell"] == "x[A,X,funds,institutional]")
    assert first["Name"] == "Harbour City → Hill County funds (institutional)"
    for r in block(rows, "Constraints") + var:
        assert not re.fullmatch(r"\$?[A-Z]{1,3}\$?\d+|[RC]\d+", str(r["Cell"])), r["Cell"]


def test_answer_report(demo_results):
    """Excel Solver's Answer Report: objective cells (original = no pairings, final = the
    plan), variable cells, and every supply, absorb and balance-rule row with its status and
    slack."""
    from optimizer.equity import equity_value

    sol, out, wb = demo_results
    rows = sheet_rows(wb["Answer Report"])
    obj = {r["Cell"]: r for r in block(rows, "Objective Cells (Max)")}
    assert obj["efficiency"]["Original Value"] == 0
    assert obj["efficiency"]["Final Value"] == pytest.approx(sol.efficiency)
    u0 = sol.recipients["u_before"].to_numpy()
    assert obj["equity"]["Original Value"] == pytest.approx(equity_value(u0, "maxmin", 0.25))
    assert obj["equity"]["Final Value"] == pytest.approx(sol.equity)
    var = {r["Cell"]: r for r in block(rows, "Variable Cells")}
    assert len(var) == len(sol.pairings) + len(sol.allocations)
    assert var["x[A,X,funds,institutional]"]["Final Value"] == pytest.approx(80)
    assert var["x[A,X,funds,institutional]"]["Integer"] == "Contin"
    assert var["z[A,X,institutional]"]["Final Value"] == 1
    assert var["z[A,X,institutional]"]["Integer"] == "Binary"
    cons = {r["Cell"]: r for r in block(rows, "Constraints")}
    bal = sol.balance
    expected = {f"{r.rule}[{r.recipient},{r.resource}]" if r.resource else
                f"{r.rule}[{r.recipient}]" for r in bal.itertuples()}
    assert expected <= set(cons)
    assert {f"supply[{d},{k}]" for d in "AB" for k in ("funds", "talent")} <= set(cons)
    assert {f"absorb[{r},{k}]" for r in "XYW" for k in ("funds", "talent")} <= set(cons)
    # supply[A,funds] is used up (100 of 100); absorb[W,funds] has 30 left (20 of 50)
    assert cons["supply[A,funds]"]["Status"] == "Binding"
    assert cons["supply[A,funds]"]["Slack"] == pytest.approx(0)
    assert cons["supply[A,funds]"]["Formula"] == "supply[A,funds] <= 100"
    assert cons["absorb[W,funds]"]["Status"] == "Not Binding"
    assert cons["absorb[W,funds]"]["Slack"] == pytest.approx(30)
    # a balance rule in the planner's terms: value against its bound
    acc = bal[(bal.rule == "access_floor") & (bal.recipient == "W") & (bal.resource == "funds")]
    r = cons["access_floor[W,funds]"]
    assert r["Cell Value"] == pytest.approx(acc["value"].iat[0])
    assert r["Slack"] == pytest.approx(acc["slack"].iat[0])
    assert r["Status"] == "Not Binding" and r["Formula"].startswith("access_floor[W,funds] >= ")
    assert cons["coverage[X]"]["Status"] == "Binding"


def test_summary_sheet_has_no_json(demo_results):
    """Every dict and list of summary.json is flattened into rows (key path, value)."""
    sol, out, wb = demo_results
    summary = {r[0].value: r[1].value for r in wb["summary"].iter_rows(min_row=2)}
    for key, value in summary.items():
        assert not (isinstance(value, str) and value[:1] in "[{"), (key, value)
    assert summary["stages[1].stage"] == sol.summary["stages"][0]["stage"]
    assert summary["types_used[1]"] == sol.summary["types_used"][0]
    assert summary["resources.funds.unit"] == "100m yuan"


def test_answer_report_marks_violated_soft_rules(tmp_path):
    """A soft rule the plan breaks is 'Violated (soft rule)', with its (negative) slack."""
    inst = load_instance(DEMO).with_params({"balance.alpha": 0.95})
    sol = solve(inst, soft={"access_floor": 1000.0}, why=False)
    check_solution(sol)
    broken = sol.balance[sol.balance["violation"] > 1e-6]
    assert len(broken)  # the partners cannot send 95% of every need
    out = sol.write(tmp_path / "res")
    rows = sheet_rows(openpyxl.load_workbook(write_results_workbook(out))["Answer Report"])
    cons = {r["Cell"]: r for r in block(rows, "Constraints")}
    for r in broken.itertuples():
        row = cons[f"access_floor[{r.recipient},{r.resource}]"]
        assert row["Status"] == "Violated (soft rule)"
        assert row["Slack"] == pytest.approx(r.slack) and row["Slack"] < 0
        assert row["Formula"].endswith("(soft)")
