"""The report and the workbook of a plan of several rounds (issue 14, MODEL-v2 section A):
roadmap.csv in the results folder's schema, its sheet in results.xlsx, and the report's
Roadmap section, the same from memory and from the folder."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import DEMO
from golden import report_text
from test_report import browser  # noqa: F401 - the headless Chromium fixture
from test_report_layer import write_solve

from optimizer import cli, load_instance, solve
from optimizer.commands.report import write_extras
from optimizer.errors import InputError
from optimizer.report import REPORT_FILE, build_html, charts, load_results, sections
from optimizer.report.measures import type_colours
from optimizer.report.rounds import outcomes_by_round, roadmap_grid
from optimizer.results import check_results, read_result_csv
from optimizer.roadmap import ladder

openpyxl = pytest.importorskip("openpyxl")

GATED = {"rounds.count": 3, "types.institutional.trust_min": 0.5}
"""Three rounds of the demo with a trust gate on institutions: a ladder (platform first)."""


@pytest.fixture(scope="module")
def rounds_written(tmp_path_factory):
    """The demo planned over three rounds with a trust gate, written with its report and
    workbook from memory, and the results it was written from."""
    sol = solve(load_instance(DEMO).with_params(GATED))
    out = tmp_path_factory.mktemp("rounds") / "res"
    return sol, out, write_solve(sol, out)


def test_the_plan_climbs_the_ladder(rounds_written):
    """(What the other tests rely on: the gate holds institutions back to the second round.)"""
    _, out, _ = rounds_written
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
            if c == "type" and pd.isna(want):  # not paired that round: an empty cell
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


# ------------------------------------------------------------------------------ the report
def test_the_report_has_a_roadmap_section_for_rounds_only(rounds_written, tmp_path):
    _, out, _ = rounds_written
    text = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert '<h2 id="roadmap">' in text and '<a href="#roadmap">Roadmap</a>' in text
    assert text.index('id="picture"') < text.index('id="roadmap"') < text.index('id="outcomes"')
    assert "The ladder of each pair" in text and "Outcomes round by round" in text
    assert '<th>rule</th><th class="n">round</th>' in text  # balance rows measured per round
    one = solve(load_instance(DEMO))
    assert one.roadmap is None
    plain = one.write(tmp_path / "one", extra=lambda tmp, files: write_extras(
        tmp, workbook=False, quiet=True, files=files))
    text = (plain / REPORT_FILE).read_text(encoding="utf-8")
    assert "roadmap" not in text.lower() and '<th class="n">round</th>' not in text


def test_the_report_of_a_solve_is_the_report_rebuilt_from_its_folder(rounds_written, tmp_path):
    _, out, _ = rounds_written
    from_memory = report_text((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert from_memory == report_text(build_html(load_results(out)))
    folder = tmp_path / "res"  # regcollab report DIR rebuilds it from the files alone
    shutil.copytree(out, folder)
    (folder / REPORT_FILE).unlink()
    result = CliRunner().invoke(cli.main, ["report", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    assert report_text((folder / REPORT_FILE).read_text(encoding="utf-8")) == from_memory


def test_the_figure_draws_the_roadmaps_types_and_trust(rounds_written, monkeypatch):
    """The data the roadmap figure is drawn from, cell by cell, is roadmap.csv's."""
    _, out, _ = rounds_written
    drawn = []
    real = charts.fig_roadmap
    monkeypatch.setattr(charts, "fig_roadmap",
                        lambda grid, colours: drawn.append((grid, colours)) or real(grid, colours))
    build_html(load_results(out))
    (grid, colours), = drawn
    road = read_result_csv(out / "roadmap.csv")
    assert grid["rounds"] == ["1", "2", "3"]
    assert len(grid["pairs"]) == len(road) // 3
    seen = 0
    for r in road.itertuples(index=False):
        i = grid["pairs"].index((r.partner, r.recipient))
        typ = r.type if isinstance(r.type, str) else ""
        assert grid["types"][i][r.round - 1] == typ
        assert grid["trust"][i][r.round - 1] == pytest.approx(r.trust, abs=1e-12)
        seen += 1
    assert seen == sum(len(row) for row in grid["types"])
    # the report's own type colours, the same as in the pairings table and picture
    assert colours == type_colours(["project", "platform", "institutional"])
    assert grid["labels"][grid["pairs"].index(("A", "X"))] == "Harbour City – Hill County"


def test_the_ladder_table_shows_each_pairs_types_and_trust(rounds_written):
    sol, out, _ = rounds_written
    res = load_results(out)
    colours = type_colours(["project", "platform", "institutional"])
    sec = sections.roadmap(res, roadmap_grid(res), colours)
    head = [h["text"] for h in sec["ladder"]["head"]]
    assert head[:4] == ["partner", "recipient", "round 1", "trust, start of round 1"]
    lines = ladder(sol.roadmap)  # what the terminal prints, one line per pair
    assert len(sec["ladder"]["rows"]) == len(lines)
    for row, line in zip(sec["ladder"]["rows"], lines):
        steps = [c["text"] for c in row["cells"][2::2]]
        assert " → ".join(steps) == line.split("  ", 1)[1]
        for c in row["cells"][2::2]:
            assert c["badge"] == colours.get(c["text"])  # '-': not paired, no badge


def test_outcomes_per_round_are_the_models(rounds_written):
    """Mean and lowest u after each round, recomputed from roadmap.csv and recipients.csv,
    are those of the model's cumulative outcomes u[r, n]."""
    sol, out, _ = rounds_written
    table = outcomes_by_round(load_results(out))
    assert list(table["when"]) == ["before the plan", "after round 1", "after round 2",
                                   "after round 3"]
    am = sol.model
    names = list(sol.recipients["name"])
    for n, row in enumerate(table.iloc[1:].itertuples(index=False)):
        u = am.outcomes(sol.x, n)
        assert row.mean_u == pytest.approx(u.mean(), rel=1e-9)
        assert row.lowest_u == pytest.approx(u.min(), rel=1e-9)
        assert row.worst_off == names[int(np.argmin(u))]
        assert row.at_target == int((u >= 1 - 1e-9).sum())
    first = table.iloc[0]
    assert first.lowest_u == pytest.approx(sol.recipients["u_before"].min())
    last = table.iloc[-1]
    assert last.lowest_u == pytest.approx(sol.recipients["u"].min(), rel=1e-9)
    assert last.lowest_u == pytest.approx(sol.equity, rel=1e-9)  # (maxmin: the lowest u)


def test_the_solver_reports_name_each_round_s_rows_apart(rounds_written):
    """The Answer Report's balance rows of a later round are named as the model names them
    (``coverage[X@2]``), so no two rows share a cell; both reports say the round in words."""
    _, out, _ = rounds_written
    wb = openpyxl.load_workbook(out / "results.xlsx")
    rows = sheet_frame(wb["Answer Report"])
    start = next(i for i, r in enumerate(rows) if r[0] == "Constraints") + 2
    cells = [r[0] for r in rows[start:] if r and r[0]]
    assert len(cells) == len(set(cells))
    named = {r[0]: r[1] for r in rows[start:] if r and r[0]}
    assert named["coverage[X]"] == "Hill County coverage (fewest partners)"
    assert named["coverage[X@2]"] == "Hill County coverage (fewest partners), round 2"
    assert named["access_floor[W,funds@3]"].endswith(", round 3")
    sens = {r[0]: r[1] for r in sheet_frame(wb["Sensitivity Report"]) if r and r[0]}
    assert sens["coverage[Y@3]"] == "Lake County coverage (fewest partners), round 3"


def test_a_round_suffix_is_read_only_in_a_plan_of_rounds():
    from optimizer.workbook import constraint_label

    names = {"X": "Hill County", "a@2": "Odd Id"}.get
    assert constraint_label("coverage", "X@2", lambda i: names(i, i), rounds=True).endswith(
        ", round 2")
    # one round: an id with @ in it is an id
    assert "Odd Id" in constraint_label("coverage", "a@2", lambda i: names(i, i))
    assert "round" not in constraint_label("coverage", "a@2", lambda i: names(i, i))


def test_the_roadmap_renders_in_a_real_browser(rounds_written, request):
    """The report of a plan of rounds in Chromium: every image drawn (the roadmap's too), and
    at 1024 px neither a table nor the page scrolls sideways."""
    _, out, _ = rounds_written
    driver = request.getfixturevalue("browser")  # test_report.py's headless Chromium
    driver.set_window_size(1024, 900)
    driver.get((out / REPORT_FILE).resolve().as_uri())
    images = driver.execute_script(
        "return Array.from(document.images).map(i => "
        "[i.alt, i.complete, i.naturalWidth, i.naturalHeight])")
    assert any(alt.startswith("roadmap") for alt, *_ in images), images
    for alt, complete, w, h in images:
        assert complete and w > 100 and h > 100, f"image '{alt}' did not render: {w}x{h}"
    wide = driver.execute_script(
        "return Array.from(document.querySelectorAll('.scroll')).filter(e => "
        "e.scrollWidth > e.clientWidth + 1).map(e => e.scrollWidth)")
    assert wide == []
    page = driver.execute_script("return [document.documentElement.scrollWidth, "
                                  "document.documentElement.clientWidth]")
    assert page[0] <= page[1], page
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors


def test_rounds_are_shown_by_their_labels_from_memory_and_folder(tmp_path):
    """Labels such as years stay text through roadmap.csv (never the number 2023.0)."""
    sol = solve(load_instance(DEMO).with_params(
        {**GATED, "rounds.labels": ["2023", "2026", "2029"]}))
    out = tmp_path / "res"
    files = write_solve(sol, out)
    res = load_results(out)
    assert roadmap_grid(res)["rounds"] == ["2023", "2026", "2029"]
    text = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert "<th>round 2026</th>" in text and "after round 2029" in text
    assert report_text(text) == report_text(build_html(load_results(out)))
    assert files.tables["roadmap"]["round_label"].tolist() == read_result_csv(
        out / "roadmap.csv")["round_label"].tolist()


def test_a_roadmap_without_pairings_says_so(rounds_written, tmp_path):
    """A plan of rounds with no pairing in any round (an empty roadmap.csv) still builds."""
    _, out, _ = rounds_written
    folder = tmp_path / "res"
    shutil.copytree(out, folder)
    road = read_result_csv(folder / "roadmap.csv")
    road.iloc[:0].to_csv(folder / "roadmap.csv", index=False)
    check_results(folder)
    text = build_html(load_results(folder))
    assert '<h2 id="roadmap">' in text and "No pair is paired in any round." in text
    assert 'alt="roadmap' not in text
    assert "The plan covers 3 rounds (1, 2, 3)" in text and "after round 3" in text


def test_a_hand_edited_rounds_summary_is_checked(rounds_written, tmp_path):
    import json

    _, out, _ = rounds_written
    folder = tmp_path / "res"
    shutil.copytree(out, folder)
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    (folder / "summary.json").write_text(json.dumps({**s, "rounds": 3}), encoding="utf-8")
    with pytest.raises(InputError, match=r"summary.json: 'rounds' must be an object"):
        check_results(folder)
