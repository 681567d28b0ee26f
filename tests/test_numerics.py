"""Plans called optimal keep every rule, whatever the scale of the data (issue 12).

Legal but far-apart numbers (a need of 1e-6 with prod 1e6, a population of 1e-5) let the
solver's tolerances slip: plans came back "optimal" with negative flows, flows on pairings
that were off, broken access floors, or beating the payoff table's "ideal". Every plan is now
cleaned and checked inside the tool (optimizer/verify.py) and the run repeated with tighter
tolerances when something slipped; the independent checker confirms it here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from checker import check_solution, tail_mean

from optimizer import Instance, load_instance, solve
from optimizer import verify


def extreme(seed: int) -> Instance:
    """A small instance with one badly scaled recipient (tiny need with huge prod, or a tiny
    population, or a tiny need of one resource with a huge prod of it)."""
    rng = np.random.default_rng(seed)
    nD, nR = int(rng.integers(2, 4)), int(rng.integers(2, 5))
    partners = pd.DataFrame({"id": [f"D{i}" for i in range(nD)],
                             "supply.funds": rng.uniform(10, 50, nD).round(2),
                             "supply.talent": rng.uniform(2, 10, nD).round(2)})
    need_f, need_t = rng.uniform(5, 20, nR).round(2), rng.uniform(1, 5, nR).round(2)
    prod_f, prod_t = rng.uniform(0.5, 2, nR).round(3), rng.uniform(0.5, 2, nR).round(3)
    pop = rng.uniform(5, 50, nR).round(1)
    r = int(rng.integers(nR))
    if seed % 3 == 0:
        need_f[r] = need_t[r] = 10.0 ** -rng.integers(5, 8)
        prod_f[r] = prod_t[r] = 10.0 ** rng.integers(5, 8)
    elif seed % 3 == 1:
        pop[r] = 10.0 ** -rng.integers(4, 7)
    else:
        need_f[r] = 10.0 ** -rng.integers(5, 8)
        prod_f[r] = 10.0 ** rng.integers(4, 9)
    recipients = pd.DataFrame({"id": [f"R{i}" for i in range(nR)], "population": pop,
                               "baseline": rng.uniform(1, 3, nR).round(2), "target": 5.0,
                               "need.funds": need_f, "need.talent": need_t,
                               "prod.funds": prod_f, "prod.talent": prod_t})
    params = {"name": f"extreme-{seed}",
              "pairs": {"pot": 1.0, "ben": float(rng.choice([0.3, 0.5, 0.7]))},
              "balance": {"alpha": float(rng.choice([0.3, 0.6, 1.0])), "gamma": 0.1}}
    return Instance.from_tables(params, partners, recipients)


@pytest.mark.parametrize("seed", range(30))
def test_plans_on_badly_scaled_data_keep_every_rule(seed):
    """Before the fix 15 of these 30 plans were called optimal while breaking a rule or
    beating their own ideal (negative flows, flows of pairings that were off)."""
    sol = solve(extreme(seed), why=False)
    if sol.status == "infeasible":
        return
    assert sol.has_plan, sol.summary["message"]
    assert (sol.allocations["amount"] >= 0).all()
    check_solution(sol)
    if sol.status == "optimal":
        ideal = sol.summary["payoff_table"]["ideal"]
        assert sol.efficiency <= ideal["efficiency"] * (1 + 1e-7) + 1e-7
        assert sol.equity <= ideal["equity"] * (1 + 1e-7) + 1e-7


def test_clean_and_violations_find_what_the_solver_let_slip(demo):
    """The in-tool check on its own: a plan with a negative flow and a flow on a pairing that
    is off is cleaned into the bounds; a plan that misses a floor is reported by row name."""
    sol = solve(demo)
    am, x = sol.model, sol.x.copy()
    assert verify.violations(am, x) == []
    xb, zb = am.x, am.z
    off = np.flatnonzero(x[zb.start:zb.stop] < 0.5)
    j = xb.start + int(np.flatnonzero(np.isin(am.x_z, off))[0])
    x[j] = 1e-3  # a flow on a pairing that is off
    x[xb.start] -= 1e-4 + x[xb.start]  # a negative flow
    clean = verify.clean(am, x)
    assert clean[j] == 0 and clean[xb.start] == 0
    lowered = sol.x.copy()
    lowered[xb.start:xb.stop] *= 0.5  # half of every flow: floors are missed
    broken = verify.violations(am, verify.clean(am, lowered))
    assert broken and broken[0].rule in ("access_floor", "capacity", "scale", "coverage")
    assert "must be at least" in broken[0].words()


@pytest.mark.parametrize("name,beta", [("demo", 1e-13), ("guangdong", 1e-13),
                                       ("guangdong", 1e-6), ("guangdong", 0.05)])
def test_tail_mean_with_a_tiny_beta_is_the_minimum(name, beta):
    """`--equity tail --beta 1e-13` (legal) gave equity 0.0 everywhere: the tail mean was cut
    off at 1e-12. Any beta·|R| <= 1 gives the worst outcome, as max-min does."""
    inst = load_instance(name)
    tiny = solve(inst, equity="tail", beta=beta, why=False)
    mm = solve(inst, equity="maxmin", why=False)
    check_solution(tiny)
    assert tiny.summary["payoff_table"]["ideal"]["equity"] == pytest.approx(
        mm.summary["payoff_table"]["ideal"]["equity"], rel=1e-7)
    assert tiny.equity == pytest.approx(tail_mean(tiny.recipients["u"], beta), rel=1e-9)
    assert tiny.equity > 0.2


def test_package_tail_mean_agrees_with_the_checkers_dual_formula():
    from optimizer.equity import tail_mean as package_tail_mean

    rng = np.random.default_rng(1)
    for n in (1, 2, 3, 7, 12, 40):
        for beta in (1e-13, 1e-3, 0.1, 0.25, 1 / 3, 0.5, 0.999, 1.0):
            u = rng.random(n)
            assert package_tail_mean(u, beta) == pytest.approx(tail_mean(u, beta), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 2, 3])
def test_pareto_points_are_cleaned_and_checked(seed):
    from optimizer.pareto import pareto

    front = pareto(extreme(seed), points=4)
    assert "rules_kept" in front.points
    for x, kept in zip(front.solutions, front.points["rules_kept"]):
        assert kept == (verify.violations(front.model, x) == [])
        assert (x >= front.model.lm.col_lower).all() and (x <= front.model.lm.col_upper).all()


def test_a_plan_beating_its_own_ideal_is_not_called_optimal(demo, monkeypatch):
    """When the payoff table is beaten by the final plan even with tight tolerances, the plan
    is reported, not proven optimal, and the terminal says why (not "stopped by a limit")."""
    from click.testing import CliRunner

    from optimizer import cli, pipeline

    calls = []

    def always(table, E, Q):
        calls.append(1)
        return True

    monkeypatch.setattr(pipeline, "beats_ideal", always)
    sol = solve(demo, why=False)
    assert len(calls) == 2  # the run, then its repeat with tight tolerances
    assert sol.status == "time_limit" and sol.has_plan
    assert sol.summary["tolerances"].startswith("tight")
    assert "numerical_note" in sol.summary and "precision" not in sol.summary["message"]
    out = CliRunner().invoke(cli.main, ["solve", "demo", "--no-why"]).output
    assert "NOT PROVEN OPTIMAL (the solver's precision could not prove it" in out
    assert "stopped by a limit" not in out
