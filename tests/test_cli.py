"""The command line: output folder, formats, exit statuses."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import DEMO
from test_validation import make, replace

from optimizer import cli

SUMMARY_KEYS = {"status", "efficiency", "equity", "objective", "mip_gap", "payoff_table",
                "price_of_fairness", "timings"}


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_solve_default_instance_prints_pairings():
    r = invoke("solve")
    assert r.exit_code == 0, r.output
    assert "Pairings" in r.output and "institutional" in r.output
    assert "price of fairness" in r.output
    assert "Why these types" in r.output


def test_out_folder_has_every_file(tmp_path):
    out = tmp_path / "res"
    r = invoke("solve", DEMO, "--out", out, "--gap", "0")
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {"pairings.csv", "allocations.csv", "recipients.csv", "balance.csv",
            "summary.json"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    assert summary["status"] == "optimal"
    assert set(summary["timings"]) >= {"load", "build", "solve", "extract"}
    pairings = pd.read_csv(out / "pairings.csv")
    assert len(pairings) == summary["pairings"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".regcollab")]


def test_out_folder_replaced_whole(tmp_path):
    """A folder solve wrote is replaced whole (a result file it no longer writes goes); a
    folder holding a file regcollab did not write is never touched (test_output_safety.py)."""
    out = tmp_path / "res"
    assert invoke("solve", DEMO, "--out", out).exit_code == 0
    assert (out / "report.html").exists()
    assert invoke("solve", DEMO, "--out", out, "--no-report").exit_code == 0
    assert not (out / "report.html").exists()
    (out / "stale.txt").write_text("old")
    r = invoke("solve", DEMO, "--out", out)
    assert r.exit_code == 2 and "stale.txt" in r.output
    assert (out / "stale.txt").read_text() == "old"


def test_json_format_is_parseable():
    r = invoke("solve", DEMO, "--format", "json", "--quiet")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert SUMMARY_KEYS <= set(data["summary"])
    assert len(data["pairings"]) == data["summary"]["pairings"]


def test_csv_format():
    r = invoke("solve", DEMO, "--format", "csv")
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("partner,partner_name,recipient")
    assert len(lines) == 5


def test_quiet_prints_nothing():
    r = invoke("solve", DEMO, "--quiet")
    assert r.exit_code == 0 and r.output == ""


@pytest.mark.parametrize("args,needle", [
    (["--method", "lexicographic", "--first", "equity"], "first equity"),
    (["--method", "epsilon", "--eps", "0.5"], "eps 0.5"),
    (["--equity", "tail", "--beta", "0.5"], "tail, beta 0.5"),
    (["--weight", "0.9"], "lambda 0.9"),
])
def test_method_options(args, needle):
    r = invoke("solve", DEMO, *args)
    assert r.exit_code == 0, r.output
    assert needle in r.output


def test_infeasible_exit_3_and_nothing_written(tmp_path):
    inst = make(tmp_path, lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 1.0"))
    out = tmp_path / "res"
    r = invoke("solve", inst, "--out", out)
    assert r.exit_code == 3, r.output
    assert "no plan satisfies" in r.output
    assert not out.exists()


def test_soft_rule_makes_infeasible_plan_possible(tmp_path):
    inst = make(tmp_path, lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 1.0"))
    r = invoke("solve", inst, "--soft", "access_floor=100", "--out", tmp_path / "res")
    assert r.exit_code == 0, r.output
    bal = pd.read_csv(tmp_path / "res" / "balance.csv")
    assert (bal.loc[bal.rule == "access_floor", "violation"] > 0).any()


def test_epsilon_without_eps_is_bad_input():
    r = invoke("solve", DEMO, "--method", "epsilon")
    assert r.exit_code == 2 and "--eps" in r.output


def test_epsilon_unreachable_is_infeasible():
    r = invoke("solve", DEMO, "--method", "epsilon", "--eps", "0.9")
    assert r.exit_code == 3
    assert "the most equity any plan can reach is 0.55" in r.output


def test_unknown_solver_is_bad_input():
    r = invoke("solve", DEMO, "--solver", "nosuch")
    assert r.exit_code == 2 and "unknown solver" in r.output


def test_cbc_through_pulp_gives_same_optimum():
    r1 = invoke("solve", DEMO, "--format", "json", "--gap", "0", "--no-why")
    r2 = invoke("solve", DEMO, "--format", "json", "--solver", "cbc", "--gap", "0", "--no-why")
    assert r2.exit_code == 0, r2.output
    s1, s2 = json.loads(r1.output)["summary"], json.loads(r2.output)["summary"]
    assert s2["solver"] == "cbc"
    assert s1["efficiency"] == pytest.approx(s2["efficiency"], rel=1e-6)
    assert s1["equity"] == pytest.approx(s2["equity"], rel=1e-6)


def test_bad_option_values_exit_2():
    for args in (["--gap", "2"], ["--time-limit", "-1"], ["--weight", "1.5"],
                 ["--beta", "0"], ["--soft", "nosuchrule"], ["--threads", "0"]):
        r = invoke("solve", DEMO, *args)
        assert r.exit_code == 2, (args, r.output)
        assert "Traceback" not in r.output


def test_bundled_instance_by_name():
    r = invoke("validate", "demo")
    assert r.exit_code == 0 and "demo: valid" in r.output


def test_tiny_time_limit_is_not_called_optimal(tmp_path):
    """A hard instance with 1 ms: either no plan (exit 4) or a plan marked not optimal."""
    import numpy as np

    rng = np.random.default_rng(0)
    nD, nR = 25, 60
    d = tmp_path / "hard"
    d.mkdir()
    (d / "instance.toml").write_text('name = "hard"\n[balance]\nalpha = 0.1\ngamma = 0.2\n'
                                     '[types.platform]\nsetup = 3.0\n')
    pd.DataFrame({"id": [f"D{i}" for i in range(nD)], "max_partners": rng.integers(2, 5, nD),
                  "supply.funds": rng.uniform(20, 80, nD).round(1)}).to_csv(d / "partners.csv",
                                                                              index=False)
    pd.DataFrame({"id": [f"R{i}" for i in range(nR)],
                  "population": rng.uniform(10, 100, nR).round(1),
                  "baseline": rng.uniform(1, 4, nR).round(2), "target": 6.0,
                  "need.funds": rng.uniform(10, 40, nR).round(1),
                  "prod.funds": rng.uniform(0.5, 2, nR).round(2)}).to_csv(d / "recipients.csv",
                                                                          index=False)
    pd.DataFrame([{"partner": f"D{i}", "recipient": f"R{j}", "pot": rng.choice([0.3, 1.0]),
                   "ben": rng.choice([0.3, 0.5, 0.8])} for i in range(nD) for j in range(nR)]
                 ).to_csv(d / "pairs.csv", index=False)
    out = tmp_path / "res"
    r = invoke("solve", d, "--time-limit", "0.001", "--out", out)
    assert r.exit_code in (0, 4), r.output
    if r.exit_code == 4:
        assert "no plan" in r.output and "within the limits" in r.output
        assert not out.exists()
    else:
        assert "NOT PROVEN OPTIMAL" in r.output
        assert json.loads((out / "summary.json").read_text())["proven_optimal"] is False


def test_write_model_is_the_final_stage(tmp_path):
    """--write-model writes what the method solves last: HiGHS alone on the file reaches the
    plan's own objective."""
    import highspy

    from optimizer import load_instance, solve

    path = tmp_path / "final.mps"
    r = invoke("solve", DEMO, "--gap", "0", "--no-why", "--write-model", path, "--quiet")
    assert r.exit_code == 0 and path.exists()
    sol = solve(load_instance(DEMO), gap=0, why=False)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(
        float(sol.final_problem.objective @ sol.x), rel=1e-7)


def test_ideals_of_a_limited_run_are_not_called_best_possible(tmp_path):
    """A run stopped by a limit has a payoff table of the best plans known, not proven ideals:
    the summary (and the report) say so."""
    from optimizer import load_instance, solve
    from optimizer.report import build_html, load_results

    sol = solve(load_instance(DEMO), why=False)
    assert "(best possible" in cli.render_solution(sol)
    sol.summary["status"] = "time_limit"
    text = cli.render_solution(sol)
    assert "(best possible" not in text and text.count("(best found, not proven") == 2
    sol.summary["bounds"] = {"efficiency": 500.0, "equity": None}
    text = cli.render_solution(sol)
    assert text.count("no plan exceeds") == 1 and "no plan exceeds 500" in text
    sol.write(tmp_path / "res")
    html = build_html(load_results(tmp_path / "res"))
    assert "best possible" not in html and "best found, not proven" in html


def test_threads_from_the_environment(monkeypatch):
    # REGCOLLAB_THREADS is the default of --threads: unset or 0 lets HiGHS choose, a whole
    # number is used, anything else is bad input (exit 2, one line, no traceback)
    from optimizer.solver.highs import default_threads

    for text, want in (("", 0), ("0", 0), (" 2 ", 2)):
        monkeypatch.setenv("REGCOLLAB_THREADS", text)
        assert default_threads() == want
    monkeypatch.delenv("REGCOLLAB_THREADS")
    assert default_threads() == 0
    assert invoke("solve", DEMO, "--quiet").exit_code == 0
    for bad in ("two", "-1", "1.5"):
        monkeypatch.setenv("REGCOLLAB_THREADS", bad)
        r = invoke("solve", DEMO, "--quiet")
        assert r.exit_code == 2, r.output
        assert "REGCOLLAB_THREADS must be a whole number" in r.output
        assert "Traceback" not in r.output
