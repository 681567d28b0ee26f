"""The report and the workbook of a plan of several rounds (issue 14, MODEL-v2 section A):
roadmap.csv in the results folder's schema, its sheet in results.xlsx, and the report's
Roadmap section, the same from memory and from the folder."""

from __future__ import annotations

import shutil

import pytest
from conftest import DEMO
from golden import report_text

from optimizer import load_instance, solve
from optimizer.commands.report import write_extras
from optimizer.errors import InputError
from optimizer.results import check_results, read_result_csv

openpyxl = pytest.importorskip("openpyxl")

GATED = {"rounds.count": 3, "types.institutional.trust_min": 0.5}
"""Three rounds of the demo with a trust gate on institutions: a ladder (platform first)."""


@pytest.fixture(scope="module")
def rounds_written(tmp_path_factory):
    """The demo planned over three rounds with a trust gate, written with its report and
    workbook from memory, and the results it was written from."""
    sol = solve(load_instance(DEMO).with_params(GATED))
    out = tmp_path_factory.mktemp("rounds") / "res"
    kept = {}

    def extra(tmp, files):
        kept["files"] = files
        write_extras(tmp, quiet=True, files=files)

    sol.write(out, extra=extra)
    return sol, out, kept["files"]


def test_the_plan_climbs_the_ladder(rounds_written):
    """(What the other tests rely on: the gate holds institutions back to the second round.)"""
    sol, out, _ = rounds_written
    road = read_result_csv(out / "roadmap.csv")
    first = road[road["round"] == 1]["type"].fillna("")
    assert "institutional" not in set(first)
    assert "institutional" in set(road["type"].fillna(""))


def test_a_folder_with_a_roadmap_passes_the_check(rounds_written):
    _, out, _ = rounds_written
    check_results(out)


@pytest.mark.parametrize("change, words", [
    (lambda df: df.assign(trust=["high"] + list(df["trust"].iloc[1:])),
     "roadmap.csv, line 2, column 'trust': 'high' is not a number"),
    (lambda df: df.drop(columns="type"), "roadmap.csv: the column 'type' is missing"),
    (lambda df: df.assign(round=[None] + list(df["round"].iloc[1:])),
     "roadmap.csv, line 2, column 'round': an empty cell is not a finite number"),
    (lambda df: df.assign(funds=["lots"] + list(df["funds"].iloc[1:])),
     "roadmap.csv, line 2, column 'funds': 'lots' is not a number"),
])
def test_a_hand_edited_roadmap_is_checked(rounds_written, tmp_path, change, words):
    _, out, _ = rounds_written
    folder = tmp_path / "res"
    shutil.copytree(out, folder)
    change(read_result_csv(folder / "roadmap.csv")).to_csv(folder / "roadmap.csv", index=False)
    with pytest.raises(InputError) as err:
        check_results(folder)
    assert words in str(err.value)


def sheet_frame(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_workbook_has_the_roadmap_as_its_csv_file(rounds_written):
    _, out, _ = rounds_written
    wb = openpyxl.load_workbook(out / "results.xlsx")
    assert wb.sheetnames[:6] == ["summary", "pairings", "allocations", "recipients", "balance",
                                 "roadmap"]
    road = read_result_csv(out / "roadmap.csv")
    rows = sheet_frame(wb["roadmap"])
    assert rows[0] == list(road.columns)
    assert len(rows) == len(road) + 1
    for cells, (_, r) in zip(rows[1:], road.iterrows()):
        for v, c in zip(cells, road.columns):
            want = r[c]
            if c == "type" and want != want:  # not paired that round: an empty cell
                assert v in (None, ""), (c, cells)
            elif isinstance(want, str):
                assert v == want, (c, cells)
            else:
                assert v == pytest.approx(float(want), rel=1e-12, abs=1e-12), (c, cells)


def test_the_workbook_from_the_folder_is_the_workbook_from_memory(rounds_written, tmp_path):
    from optimizer.workbook import write_results_workbook

    _, out, _ = rounds_written
    again = write_results_workbook(out, tmp_path / "again.xlsx")
    a, b = openpyxl.load_workbook(out / "results.xlsx"), openpyxl.load_workbook(again)
    assert a.sheetnames == b.sheetnames
    for x, y in zip(sheet_frame(a["roadmap"]), sheet_frame(b["roadmap"])):
        for v, w in zip(x, y):  # (the CSV files keep 15 significant digits)
            if isinstance(v, float):
                assert v == pytest.approx(w, rel=1e-12), (x, y)
            else:
                assert (v or None) == (w or None), (x, y)
