"""Sweeps and robustness: local pool, Dask cluster, and what they report."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import DEMO

from optimizer import cli
from optimizer import InputError, solve
from optimizer.robustness import global_sensitivity, robustness
from optimizer.sweep import parse_values, sweep

STABLE = ["scenario", "balance.alpha", "objective.lambda", "status", "efficiency", "equity",
          "price_of_fairness", "pairings", "plan", "added", "removed", "type_changes"]


def test_parse_values():
    assert parse_values("0.1:0.9:9") == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    assert parse_values("0.1,0.5") == [0.1, 0.5]
    assert parse_values("tail,maxmin") == ["tail", "maxmin"]
    assert parse_values("none,0.5") == [None, 0.5]
    with pytest.raises(InputError):
        parse_values("1:2:x")


def test_grid_sweep_matches_single_solves(demo):
    df = sweep(demo, {"balance.alpha": [0.1, 0.5], "objective.lambda": [0.2, 0.8]}, workers=1,
               gap=0)
    assert len(df) == 4
    for _, row in df.iterrows():
        sol = solve(demo.with_params({"balance.alpha": row["balance.alpha"],
                                      "objective.lambda": row["objective.lambda"]}),
                    gap=0, why=False)
        assert row["efficiency"] == pytest.approx(sol.efficiency, rel=1e-9)
        assert row["equity"] == pytest.approx(sol.equity, rel=1e-9)
    # lambda moves the plan along the trade-off: more weight on efficiency, more efficiency
    a = df[df["balance.alpha"] == 0.1].set_index("objective.lambda")
    assert a.loc[0.8, "efficiency"] >= a.loc[0.2, "efficiency"] - 1e-9


def test_bad_value_fails_only_its_scenario(demo):
    df = sweep(demo, {"balance.alpha": [0.3, 1.5]}, workers=1)
    assert list(df["status"]) == ["optimal", "bad input"]
    assert "between 0 and 1" in df["message"].iloc[1]


def test_unknown_parameter_fails_early(demo):
    with pytest.raises(InputError, match="not a parameter"):
        sweep(demo, {"balance.nosuch": [1]}, workers=1)


def test_process_pool_equals_inline(demo):
    grid = {"balance.alpha": [0.1, 0.3, 0.5, 0.7]}
    a = sweep(demo, grid, workers=1, gap=0)
    b = sweep(demo, grid, workers=2, gap=0)
    pd.testing.assert_frame_equal(a[[c for c in STABLE if c in a]], b[[c for c in STABLE if c in b]])


def test_dask_local_cluster_gives_the_same_table(demo):
    distributed = pytest.importorskip("distributed")
    grid = {"balance.alpha": [0.1, 0.5], "objective.lambda": [0.3, 0.7]}
    local = sweep(demo, grid, workers=2, gap=0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = sweep(demo, grid, executor=client, gap=0)
    cols = [c for c in STABLE if c in local]
    pd.testing.assert_frame_equal(local[cols], remote[cols])


def test_sweep_reports_changes(demo):
    df = sweep(demo, {"objective.lambda": [1.0]}, workers=1, gap=0)
    # lambda = 1 is the efficiency-first plan: A pairs with W instead of Y (see test_demo)
    row = df.iloc[0]
    assert "A-W:project" in row["added"]
    assert "A-Y:platform" in row["removed"]
    assert row["n_changes"] >= 2


def test_robustness_stability(demo):
    res = robustness(demo, samples=6, spread=0.1, workers=1, seed=1)
    P = res.pairs.set_index(["partner", "recipient"])
    base = solve(demo, why=False)
    for d, r, t in zip(base.pairings["partner"], base.pairings["recipient"], base.pairings["type"]):
        assert P.loc[(d, r), "recommended_type"] == t
        assert 0 <= P.loc[(d, r), "stability"] <= 1
        assert P.loc[(d, r), "stability"] == pytest.approx(P.loc[(d, r), f"share_{t}"])
    assert (res.samples["status"] == "optimal").all()
    # the type shares of a pair never exceed how often it is chosen
    shares = P[[f"share_{t}" for t in demo.types]].sum(axis=1)
    assert np.allclose(shares, P["chosen_share"])


def test_robustness_zero_spread_like_is_fully_stable(demo):
    res = robustness(demo, samples=3, spread=1e-9, workers=1)
    rec = res.pairs[res.pairs["recommended_type"] != ""]
    assert (rec["stability"] == 1).all()


def test_global_sensitivity_morris(demo):
    pytest.importorskip("SALib")
    g = global_sensitivity(demo, groups=("prod", "supply"), n=3, workers=1)
    assert set(g["group"]) == {"prod", "supply"}
    assert (g["mu_star"] >= 0).all()
    # productivity drives efficiency: a 20% swing in every prod moves E by tens of units
    assert g.set_index(["output", "group"]).loc[("efficiency", "prod"), "mu_star"] > 10


def test_cli_sweep_and_robustness(tmp_path):
    r = CliRunner().invoke(cli.main, ["sweep", str(DEMO), "--param", "balance.alpha",
                                      "--values", "0.1:0.5:3", "--workers", "1",
                                      "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    assert len(pd.read_csv(tmp_path / "s" / "sweep.csv")) == 3
    r = CliRunner().invoke(cli.main, ["robustness", str(DEMO), "--samples", "3", "--workers",
                                      "1", "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    assert {"robustness.csv", "samples.csv"} <= {p.name for p in (tmp_path / "r").iterdir()}
    r = CliRunner().invoke(cli.main, ["sweep", str(DEMO), "--param", "balance.alpha"])
    assert r.exit_code == 2


def test_cli_pareto_and_sensitivity(tmp_path):
    r = CliRunner().invoke(cli.main, ["pareto", str(DEMO), "--points", "4", "--gap", "0",
                                      "--out", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    front = pd.read_csv(tmp_path / "p" / "pareto.csv")
    assert front["efficiency"].iloc[0] == pytest.approx(420, rel=1e-6)
    r = CliRunner().invoke(cli.main, ["sensitivity", str(DEMO), "--objective", "efficiency",
                                      "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("name,rule,entity,sense,final_value,shadow_price")


def test_a_plain_script_without_main_guard_runs_parallel_sweeps(tmp_path):
    """Issue 11.6: the documented example, as a script file with no __main__ guard, in a pool
    of 2 workers: it runs once (workers do not re-run it) and exits cleanly."""
    import subprocess
    import sys

    from conftest import ROOT

    script = tmp_path / "analysis.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from optimizer import load_instance\n"
        "from optimizer.sweep import sweep\n"
        "from optimizer.robustness import robustness\n"
        "print('script body ran', flush=True)\n"
        "inst = load_instance('demo')\n"
        "df = sweep(inst, {'balance.alpha': [0.1, 0.3, 0.5]}, workers=2)\n"
        "print('sweep', len(df), sorted(df['status']))\n"
        "res = robustness(inst, samples=3, workers=2)\n"
        "print('robustness', len(res.samples))\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("script body ran") == 1, proc.stdout
    assert "sweep 3 ['optimal', 'optimal', 'optimal']" in proc.stdout
    assert "robustness 3" in proc.stdout
    assert "Traceback" not in proc.stderr
