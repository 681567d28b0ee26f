"""Two build paths, one optimum: the bulk model and a plain PuLP model written term by term."""

import pytest
from checker import check_solution
from conftest import ROOT
from tiny import tiny_instance

from optimizer import load_instance, solve
from optimizer.generate import generate, write_instance
from optimizer.reference import solve_reference


def compare(inst):
    ref = solve_reference(inst, gap=0)
    sol = solve(inst, gap=0, why=False)
    if ref["status"] != "optimal":
        assert sol.status == "infeasible"
        return None
    check_solution(sol)
    pt = sol.summary["payoff_table"]
    assert pt["ideal"]["efficiency"] == pytest.approx(ref["E_ideal"], rel=1e-6)
    assert pt["ideal"]["equity"] == pytest.approx(ref["Q_ideal"], rel=1e-6)
    # efficiency at the equity optimum moves with the solvers' feasibility tolerance on the
    # held equity (1e-7) times the slope of the trade-off, hence the looser tolerance
    assert pt["nadir"]["efficiency"] == pytest.approx(ref["E_nadir"], rel=1e-4)
    assert pt["nadir"]["equity"] == pytest.approx(ref["Q_nadir"], rel=1e-5, abs=1e-7)
    # the weighted score is normalised by that nadir, so it inherits the same sensitivity
    assert sol.objective == pytest.approx(ref["objective"], rel=2e-4, abs=1e-6)
    assert sol.efficiency == pytest.approx(ref["efficiency"], rel=1e-4)
    return sol


@pytest.mark.parametrize("name", ["demo", "guangdong",
                                  pytest.param("east-west", marks=pytest.mark.slow)])
def test_bundled_instances(name):
    assert compare(load_instance(ROOT / "instances" / name)) is not None


@pytest.mark.parametrize("seed", range(6))
def test_tiny_instances(seed):
    compare(tiny_instance(seed, max_pairs=6, theta=0.2 if seed % 2 else None,
                          rho=0.4 if seed % 3 == 0 else None,
                          soft={"access_floor": 50.0} if seed == 4 else None))


def test_medium_generated_instance(tmp_path):
    write_instance(generate(5, 10, 3, seed=2, candidates=2), tmp_path / "g")
    assert compare(load_instance(tmp_path / "g")) is not None


@pytest.mark.parametrize("name", ["guangdong", "generated"])
def test_start_plans_do_not_change_the_optima(name, tmp_path, monkeypatch):
    """Large instances start every payoff row and the final stage from constructed plans
    (efficiency, equity with an efficiency tie-break, the final objective); forced on here,
    the optima still equal the naive build's."""
    import optimizer.solver.options

    monkeypatch.setattr(optimizer.solver.options, "MIN_START_BINARIES", 0)
    if name == "generated":
        write_instance(generate(5, 10, 3, seed=2, candidates=2), tmp_path / "g")
        inst = load_instance(tmp_path / "g")
    else:
        inst = load_instance(ROOT / "instances" / name)
    sol = compare(inst)
    assert sol.backend.use_starts
    sh = sol.summary["start_heuristic"]
    assert sh["efficiency"] is not None and sh["equity"] is not None
    # no start beats the proven ideal (up to the solver's feasibility tolerance)
    assert sh["equity"] <= sol.summary["payoff_table"]["ideal"]["equity"] + 1e-6


def test_reference_reports_an_infeasible_instance(demo):
    assert solve_reference(demo.with_params({"balance.alpha": 1.0}))["status"] == "infeasible"


@pytest.mark.slow  # 35 s (a gap-0 solve of a generated instance); the default run stays < 5 min
def test_proven_bounds_are_upper_bounds(tmp_path, monkeypatch):
    """summary['bounds'] bounds the best efficiency and equity; each source of it (the stage's
    dual bound, the start LPs with the tie-break corrected) is above the proven optimum."""
    from dataclasses import replace

    import numpy as np

    import optimizer.solver.options
    from optimizer import build_model
    from optimizer.heuristic import construct_plan
    from optimizer.pipeline import equity_tie_break, proven_bounds
    from optimizer.solve import SolverOptions, make_backend

    monkeypatch.setattr(optimizer.solver.options, "MIN_START_BINARIES", 0)
    write_instance(generate(6, 12, 3, seed=5, candidates=3), tmp_path / "g")
    inst = load_instance(tmp_path / "g")
    sol = solve(inst, gap=0, why=False)
    E, Q = sol.payoff.E_ideal, sol.payoff.Q_ideal  # proven optima (gap 0)
    b = sol.summary["bounds"]
    assert E - 1e-6 <= b["efficiency"] <= E * (1 + 1e-6) + 1e-6
    assert Q - 1e-9 <= b["equity"] <= Q + 1e-6
    # the start LPs alone, with the ideals taken out of the clamp
    am = build_model(inst)
    be = make_backend(am.lm, SolverOptions())
    cE, cQ = am.lm.objectives["efficiency"], am.lm.objectives["equity"]
    e_info, q_info = {}, {}
    start = construct_plan(am, be, cE, info=e_info)
    tie = equity_tie_break(cE, start)
    construct_plan(am, be, cQ + tie * cE, info=q_info)
    blank = replace(sol.payoff, E_bound=None, Q_bound=None, E_ideal=-np.inf, Q_ideal=-np.inf)
    raw = proven_bounds(am, blank, {"efficiency": e_info["lp_bound"],
                                    "equity": q_info["lp_bound"]}, tie)
    assert raw["efficiency"] >= E - 1e-6 and raw["equity"] >= Q - 1e-9
    # with a soft rule the stages bound objective minus penalty: no bound is claimed
    soft = solve(inst, gap=0, why=False, soft="access_floor")
    assert soft.summary["bounds"] == {"efficiency": None, "equity": None}
