"""What the planner reads: numbers rounded to the solver's tolerance, unproven numbers called
unproven, time parts that add up, the JSON and CSV forms, and missing optional extras."""

from __future__ import annotations

import json
import re
import sys

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import DEMO
from test_validation import make, replace

from optimizer import cli, load_instance, solve
from optimizer.display import display_text, fmt_number, planner_round
from optimizer.solution import efficiency_loss_words, price_of_fairness_words, time_parts

# a small number written the way a solver's noise shows: 1.005e-07, -1.24e-07
NOISE = re.compile(r"\d(\.\d+)?e-0[5-9]|\d(\.\d+)?e-1\d|9999\d|0000\d")


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


# ------------------------------------------------------------------------- the number helper
@pytest.mark.parametrize("noisy,shown", [
    (385.5000469, "385.5"),  # demo, lexicographic equity first: its efficiency
    (0.54999989945, "0.55"),  # ... and its equity
    (97.49990951, "97.5"),  # a gain of that plan
    (56.0000905, "56"),  # within tolerance of an integer: the integer
    (49.99995359, "50"),
    (1.47e-16, "0"),  # a MIP gap of round-off
    (-1.24e-9, "0"),  # a loss of efficiency that is none
    (-0.0, "0"),
    (0.0846, "0.0846"),  # real digits stay
    (3e-05, "3e-05"),  # a small value is not noise of itself
    (12345.678, "12,345.7"),
    (float("inf"), "∞"),
    (None, "-"),
])
def test_planner_numbers_drop_solver_noise(noisy, shown):
    assert fmt_number(noisy, 6, grouping=True) == shown


def test_differences_are_rounded_at_the_scale_of_what_they_compare():
    # equity +1.005e-07 between two plans of equity 0.55 is no change; a change of 1e-3 is
    assert fmt_number(1.005e-07, 4, scale=0.55, sign=True) == "+0"
    assert fmt_number(-0.001492, 4, scale=0.39, sign=True) == "-0.00149"  # 5 decimals at 1e-6
    # a change of efficiency of 4.7e-05 on 385.5 is within the tolerance; 0.5 is not
    assert fmt_number(4.69e-05, 4, scale=385.5) == "0"
    assert fmt_number(0.5, 4, scale=385.5) == "0.5"
    assert planner_round(-3e-9) == 0.0 and str(planner_round(-3e-9)) == "0.0"


def test_display_text_removes_control_characters():
    assert display_text("Hill\x0bCounty\x00") == "Hill County"
    assert display_text("广州 Guangzhou") == "广州 Guangzhou"
    assert display_text("שלום 🚀") == "שלום 🚀"
    assert display_text("x" * 50, limit=10) == "x" * 9 + "…"


def _report_text(folder) -> str:
    text = (folder / "report.html").read_text(encoding="utf-8")
    return re.sub(r"data:image/png;base64,[^\"]+", "", text)


def test_demo_lexicographic_shows_no_solver_noise(tmp_path):
    """`regcollab solve demo --method lexicographic --first equity` has efficiency 385.5000469,
    equity 0.54999989945, gains 97.49990951 and 56.0000905: the planner reads 385.5, 0.55,
    97.5 and 56, in the terminal, the reasons and the report; the files for programs keep
    every digit."""
    out = tmp_path / "res"
    r = invoke("solve", DEMO, "--method", "lexicographic", "--first", "equity", "--out", out)
    assert r.exit_code == 0, r.output
    assert not NOISE.search(r.output), NOISE.search(r.output)
    assert "MIP gap 0\n" in r.output and "efficiency         385.5 " in r.output
    assert " 97.5\n" in r.output and " 56\n" in r.output and "0.55" in r.output
    html = _report_text(out)
    assert not NOISE.search(html), html[max(0, NOISE.search(html).start() - 200):][:300]
    # full precision where programs read
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["efficiency"] != 385.5 and summary["efficiency"] == pytest.approx(385.5)
    gains = pd.read_csv(out / "pairings.csv")["gain"]
    assert any(g != round(g, 3) for g in gains)
    # the reason texts are display columns: rounded
    reasons = " ".join(pd.read_csv(out / "pairings.csv")["reason"])
    assert not NOISE.search(reasons) and "equity +0)" in reasons


def test_noisy_summary_numbers_are_rounded_in_terminal_and_report(tmp_path):
    from optimizer.report import build_html, load_results

    sol = solve(load_instance(DEMO), why=False)
    sol.summary.update(price_of_fairness=-1.71e-09, efficiency_loss_vs_ideal=-1.24e-09,
                       mip_gap=1.47e-16)
    text = cli.render_solution(sol)
    assert "MIP gap 0\n" in text
    assert "price of fairness  0% of efficiency" in text and "this plan loses 0%" in text
    assert not NOISE.search(text)
    sol.write(tmp_path / "res")
    html = build_html(load_results(tmp_path / "res"))
    html = re.sub(r"data:image/png;base64,[^\"]+", "", html)
    assert not NOISE.search(html) and "<b>0%</b>" in html


# ------------------------------------------------------------------------- unproven numbers
def _limited_summary(**bounds):
    """The summary of a run stopped by a limit (as the county run's): a plan, a payoff table
    of the best plans found, and the solver's bounds."""
    return {"status": "time_limit", "efficiency": 90.0, "equity": 0.4,
            "price_of_fairness": 0.0, "efficiency_loss_vs_ideal": 0.0,
            "payoff_table": {"ideal": {"efficiency": 90.0, "equity": 0.4}},
            "bounds": bounds or None}


def test_unproven_price_of_fairness_is_unknown():
    def pct(v):
        return f"{fmt_number(100 * v, 3)}%"

    s = _limited_summary(efficiency=100.0, equity=0.5)
    assert price_of_fairness_words(s, pct) == "unknown (not proven)"
    # the loss is proven to lie between the best plan found and the solver's bound
    assert efficiency_loss_words(s, pct) == "between 0% and 10% (not proven)"
    assert efficiency_loss_words(_limited_summary(), pct) == "unknown (not proven)"
    s["status"] = "optimal"
    assert price_of_fairness_words(s, pct) == "0%" and efficiency_loss_words(s, pct) == "0%"


def test_unproven_numbers_in_terminal_and_report(tmp_path):
    from optimizer.report import build_html, load_results

    sol = solve(load_instance(DEMO), why=False)
    sol.summary.update(status="time_limit", bounds={"efficiency": 450.0, "equity": None})
    text = cli.render_solution(sol)
    assert "price of fairness  unknown (not proven)" in text
    assert re.search(r"this plan loses between [\d.]+% and [\d.]+% \(not proven\)", text)
    sol.summary["bounds"] = None
    assert "this plan loses unknown (not proven)" in cli.render_solution(sol)
    sol.summary["bounds"] = {"efficiency": 450.0, "equity": None}
    sol.write(tmp_path / "res")
    html = build_html(load_results(tmp_path / "res"))
    assert html.count("unknown (not proven)") >= 2 and "(not proven)" in html
    assert "0% of the best" not in html


# ------------------------------------------------------------------------- time parts
def test_time_parts_add_up_to_the_total():
    sol = solve(load_instance(DEMO))  # with the why re-solves
    t = sol.timings
    parts = time_parts(t)
    labels = [label for label, _ in parts]
    assert labels[-1] == "other" and "why this type" in labels and "polish" in labels
    assert sum(v for _, v in parts) == pytest.approx(t["total"], abs=1e-3)
    line = next(ln for ln in cli.render_solution(sol).splitlines() if "time   " in ln)
    shown = [float(x) for x in re.findall(r" ([\d.]+)(?=[,)])", line)]
    assert sum(shown) == pytest.approx(t["total"], abs=0.003 * len(shown) + 1e-3), line
    # an old summary without 'other': the unaccounted time is named 'other'
    old = {"load": 0.1, "build": 0.2, "solve": 0.3, "extract": 0.1, "total": 1.0}
    assert time_parts(old)[-1] == ("other", pytest.approx(0.3))


@pytest.mark.slow
def test_time_limited_generated_run_says_unproven_and_adds_up(tmp_path):
    """A generated instance with a short time limit (as the county run): the summary says
    the unproven numbers are unknown and its time parts add up to the total."""
    inst = tmp_path / "gen"
    assert invoke("generate", "--partners", "120", "--recipients", "200", "--out", inst,
                  "-q").exit_code == 0
    out = tmp_path / "res"
    r = invoke("solve", inst, "--time-limit", "8", "--out", out, "--no-report")
    assert r.exit_code in (0, 4), r.output
    if r.exit_code == 4:
        pytest.skip("no plan within the limit on this machine")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    t = summary["timings"]
    assert sum(v for _, v in time_parts(t)) == pytest.approx(t["total"], abs=1e-3)
    if summary["status"] != "optimal":
        assert "price of fairness  unknown (not proven)" in r.output
        assert "this plan loses 0%" not in r.output


# ------------------------------------------------------------------------- JSON and CSV
def test_json_lists_eligible_types_and_alternatives():
    r = invoke("solve", DEMO, "--format", "json", "--gap", "0")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    inst = load_instance(DEMO)
    seen = set()
    for p in data["pairings"]:
        assert isinstance(p["eligible_types"], list) and p["type"] in p["eligible_types"]
        alt = p["alternatives"]
        assert set(alt) == set(inst.types)
        for t, v in alt.items():
            if t == p["type"]:
                assert v == "chosen"
            elif t not in p["eligible_types"]:
                assert v == "not eligible"
            elif v == "infeasible":
                assert p[f"loss_if_{t}"] is None  # inf in JSON is null: the word says it
                assert f"as {t}: infeasible" in p["reason"]
            else:
                assert v == pytest.approx(p[f"loss_if_{t}"])
            seen.add(v if isinstance(v, str) else "number")
    assert {"chosen", "not eligible", "infeasible", "number"} <= seen


def test_alternatives_not_computed_are_said_so():
    r = invoke("solve", DEMO, "--format", "json", "--no-why")
    data = json.loads(r.stdout)
    multi = [p for p in data["pairings"] if len(p["eligible_types"]) > 1]
    assert multi
    for p in multi:
        others = [t for t in p["eligible_types"] if t != p["type"]]
        assert all(p["alternatives"][t] == "not computed" for t in others)
        assert "was not computed" in p["reason"]


def test_csv_keeps_the_reason_column():
    r = invoke("solve", DEMO, "--format", "csv")
    assert r.exit_code == 0
    df = pd.read_csv(__import__("io").StringIO(r.stdout))
    assert "reason" in df and df["reason"].str.contains("eligible for").all()
    assert "alternatives" in df
    assert all(isinstance(json.loads(a), dict) for a in df["alternatives"])
    assert df["eligible_types"].str.contains(r"\|").any()  # the CSV keeps 'a|b'


def test_infeasible_json_carries_the_diagnosis(tmp_path):
    inst = make(tmp_path, lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 1.0"))
    r = invoke("solve", inst, "--format", "json")
    assert r.exit_code == 3
    data = json.loads(r.stdout)
    assert data["summary"]["status"] == "infeasible"
    d = data["diagnosis"]
    assert d["status"] == "infeasible" and d["conflicts"]
    c = d["conflicts"][0]
    assert c["headline"] and c["rules"] and c["fixes"]
    assert all({"rule", "row", "text"} <= set(m) for m in c["rules"])
    assert d["full_report"].startswith("regcollab diagnose")
    assert "why:" not in r.stdout  # the words stay in the terminal form


# ------------------------------------------------------------------------- missing extras
def _without(monkeypatch, *modules):
    """Make ``import module`` (and its submodules) fail, as if it were not installed."""
    for name in list(sys.modules):
        if name.split(".")[0] in modules:
            monkeypatch.setitem(sys.modules, name, None)
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.parametrize("module", ["matplotlib", "jinja2"])
def test_report_without_matplotlib_exits_5(monkeypatch, tmp_path, module):
    out = tmp_path / "res"
    assert invoke("solve", DEMO, "--out", out, "--no-report", "-q").exit_code == 0
    _without(monkeypatch, module)
    r = invoke("report", out)
    assert r.exit_code == 5, r.output
    assert r.output.strip().splitlines() == [
        (f"error: report.html needs the report extra ({module}): pip install "
         "'regcollab[report]'")]


def test_solve_out_without_jinja2_says_so_last(monkeypatch, tmp_path):
    _without(monkeypatch, "jinja2")
    out = tmp_path / "res"
    r = invoke("solve", DEMO, "--out", out, "-q")
    assert r.exit_code == 0, r.output
    assert not (out / "report.html").exists() and (out / "results.xlsx").exists()
    assert r.output.strip().splitlines()[-1] == (
        "note: report.html was not written: it needs the report extra (jinja2): pip "
        "install 'regcollab[report]'")


def test_convert_without_openpyxl_exits_5(monkeypatch, tmp_path):
    _without(monkeypatch, "openpyxl")
    r = invoke("convert", DEMO, tmp_path / "demo.xlsx")
    assert r.exit_code == 5, r.output
    assert "pip install 'regcollab[report]'" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("quiet", [False, True])
def test_solve_out_without_the_extra_says_so_last(monkeypatch, tmp_path, quiet):
    _without(monkeypatch, "matplotlib", "openpyxl")
    out = tmp_path / "res"
    r = invoke("solve", DEMO, "--out", out, *(["-q"] if quiet else []))
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {"pairings.csv", "summary.json", "balance.csv"} <= names
    assert not {"report.html", "results.xlsx"} & names
    last = r.output.strip().splitlines()[-2:]
    assert last == [
        ("note: report.html was not written: it needs the report extra (matplotlib): pip "
         "install 'regcollab[report]'"),
        ("note: results.xlsx was not written: it needs the report extra (openpyxl): pip "
         "install 'regcollab[report]'")]
    if not quiet:
        assert "Pairings (4)" in r.output


def test_missing_extra_is_exit_5_from_any_command(monkeypatch):
    from optimizer.errors import MissingExtra, require

    _without(monkeypatch, "SALib")
    with pytest.raises(MissingExtra) as exc:
        require("SALib", "global sensitivity (--gsa)")
    assert exc.value.exit_code == 5 and "regcollab[analysis]" in str(exc.value)


def test_explain_rounds_its_alternatives():
    """Delta City - Lake County, equity first: forcing project changes equity by 1.005e-07,
    which is no change; `explain` says +0 in its table, its words and its JSON sentence."""
    r = invoke("explain", DEMO, "--method", "lexicographic", "--first", "equity",
               "--pair", "B:Y")
    assert r.exit_code == 0, r.output
    assert not NOISE.search(r.output), NOISE.search(r.output)
    assert "+0" in r.output
    r = invoke("explain", DEMO, "--method", "lexicographic", "--first", "equity",
               "--pair", "B:Y", "--format", "json")
    data = json.loads(r.stdout)
    sentences = " ".join(a["sentence"] for p in data["pairs"] for a in p["alternatives"])
    assert sentences and not NOISE.search(sentences)
    assert all("scales" not in a for p in data["pairs"] for a in p["alternatives"])


# ------------------------------------------------------------------ the solver's stages in words
def test_every_stage_a_solve_names_has_words_in_chinese(monkeypatch):
    """The labels the methods give the solver's stages (summary.json keeps them in English)
    are said in Chinese on the progress line; a label stage_words does not know would stay
    English."""
    from optimizer.display import stage_words
    from optimizer.i18n import use_language
    from optimizer.solver.highs import HighsBackend

    labels = set()
    solve_stage = HighsBackend.solve

    def recording(self, *args, **kw):
        labels.add(kw.get("label", ""))
        return solve_stage(self, *args, **kw)

    monkeypatch.setattr(HighsBackend, "solve", recording)
    inst = load_instance(DEMO)
    for kw in ({}, {"method": "lexicographic"}, {"method": "epsilon", "eps": 0.3},
               {"method": "reference", "settings": {"objective.reference": [300, 0.3]}}):
        solve(inst, why=False, **kw)
    labels |= {"start: LP relaxation", "start: fixed pairings", "start: repair"}  # large ones
    labels.discard("")
    assert {"weighted (lambda = 0.5)", "epsilon (equity >= 0.3)",
            "payoff, efficiency first: second"} <= labels
    for label in labels:
        assert stage_words(label) == label  # English: the label itself
        with use_language("zh"):
            words = stage_words(label)
        assert words != label and not re.search(r"[a-z]{4,}", words.replace("lambda", "")), \
            (label, words)
    assert stage_words("a stage of its own") == "a stage of its own"


def test_yes_and_no_in_the_planners_language():
    from optimizer.i18n import _, use_language

    assert (fmt_number(True), fmt_number(False)) == ("yes", "no")
    with use_language("zh"):
        assert (fmt_number(True), fmt_number(False)) == (_("yes"), _("no")) != ("yes", "no")


def test_the_progress_line_is_the_solvers_in_english_and_chinese_in_chinese():
    from optimizer.display import progress_line
    from optimizer.i18n import use_language
    from optimizer.solver.options import SolveProgress

    english = ["weighted (lambda = 0.5):    3.2 s  best plan 441.5  bound 446.2  gap 1.06%",
               ":    0.1 s  best plan none yet  bound 1e+31  gap -"]
    for p, line in zip((SolveProgress("weighted (lambda = 0.5)", 3.25, 441.5, 446.2, 0.0106),
                        SolveProgress("", 0.1, float("-inf"), 1e31, float("inf"))), english):
        assert progress_line(p) == p.line() == line
        with use_language("zh"):
            text = progress_line(p)
        assert "best plan" not in text and "bound" not in text and "gap" not in text, text
    with use_language("zh"):
        assert progress_line(SolveProgress("payoff, equity first: first", 1.0, 0.5, 0.6,
                                           0.2)).startswith("支付表，公平优先")
