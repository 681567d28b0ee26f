"""The first plan of a part's MIP from its LP relaxation's support (optimizer/rens.py)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import decompose as dc
from optimizer import load_instance
from optimizer import rens
from optimizer.generate import generate, write_instance
from optimizer.model import build_model
from optimizer.solver.highs import LpArrays, run_lp
from optimizer.verify import clean, violations


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rens") / "g"
    write_instance(generate(6, 12, 2, seed=5), folder)
    am = build_model(load_instance(folder))
    return am, LpArrays.of(am.lm, am.lm.objectives["efficiency"])


@pytest.fixture(scope="module")
def optimum(model):
    """The MIP's optimal plan (HiGHS alone, gap 1e-7), once for the module."""
    _, lp = model
    outcome, h = run_lp(lp.highs_lp(), {"mip_rel_gap": 1e-7}, 1)
    assert outcome.status == "optimal"
    return np.asarray(h.getSolution().col_value, float)


def test_the_support_fixes_integral_lp_values_and_frees_fractional_ones(model):
    _, lp = model
    x = np.zeros(len(lp.cost))
    j = np.flatnonzero(lp.integer)[:3]
    x[j] = [0.0, 1.0, 0.4]
    lo, hi = rens.support_bounds(lp, x)
    assert (lo[j[0]], hi[j[0]]) == (0.0, 0.0)
    assert (lo[j[1]], hi[j[1]]) == (1.0, 1.0)
    assert (lo[j[2]], hi[j[2]]) == (0.0, 1.0)
    cont = np.flatnonzero(~lp.integer)
    assert np.array_equal(lo[cont], lp.col_lower[cont])
    assert np.array_equal(hi[cont], lp.col_upper[cont])


def test_the_rens_plan_keeps_every_rule_and_is_no_better_than_the_optimum(model, optimum):
    am, lp = model
    x, seconds, bound = rens.rens_plan(lp, 0.01, None)
    assert x is not None and seconds > 0
    assert rens.feasible(lp, x)
    assert violations(am, clean(am, x)) == []
    best = float(lp.cost @ optimum)
    assert float(lp.cost @ x) <= best + 1e-6 * abs(best)
    assert bound >= best - 1e-6 * abs(best)  # the LP relaxation's optimum bounds the MIP's
    # the sub-MIP is solved to a third of the gap it was given, over a subset of the plans
    assert float(lp.cost @ x) >= 0.5 * best


def test_a_part_solved_with_the_rens_start_reaches_the_same_optimum(model, optimum):
    am, lp = model
    res = dc.solve_part((lp, {"mip_rel_gap": 1e-7}))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(float(lp.cost @ optimum), rel=2e-7)
    assert violations(am, clean(am, res.x)) == []


def test_feasible_sees_a_broken_row_a_bound_and_a_fraction(model):
    _, lp = model
    x, _, _ = rens.rens_plan(lp, 0.01, None)
    assert rens.feasible(lp, x)
    j = int(np.flatnonzero(lp.integer)[0])
    frac = x.copy()
    frac[j] = 0.5
    assert not rens.feasible(lp, frac)
    over = x.copy()
    k = int(np.flatnonzero(np.isfinite(lp.col_upper) & ~lp.integer)[0])
    over[k] = lp.col_upper[k] + 1.0
    assert not rens.feasible(lp, over)
    row = x * 10.0  # ten times every flow breaks a supply or absorb row
    row[lp.integer] = np.round(x[lp.integer])
    assert not rens.feasible(lp, np.minimum(row, np.where(np.isfinite(lp.col_upper),
                                                          lp.col_upper, row)))


def test_the_start_handed_on_is_the_better_plan(model, optimum):
    _, lp = model
    plan, _, _ = rens.rens_plan(lp, 0.01, None)
    assert rens.better_start(lp, None, plan) is plan
    empty = np.zeros(len(lp.cost))
    assert rens.better_start(lp, empty, None) is empty
    # a hint with a higher objective that breaks a rule loses to the RENS plan
    greedy = plan + 1.0
    assert lp.cost @ greedy > lp.cost @ plan and not rens.feasible(lp, greedy)
    assert rens.better_start(lp, greedy, plan) is plan
    # a plan of the part that is better wins
    best = optimum
    if lp.cost @ best > lp.cost @ plan + 1e-9:
        assert rens.better_start(lp, best, plan) is best
    else:  # the RENS plan was optimal already: an equal start does not replace it
        assert rens.better_start(lp, best, plan) is plan


def test_a_guide_is_only_a_tie_break_in_the_lp(model):
    am, lp = model
    assert rens.guided_cost(lp, None) is lp.cost
    assert rens.guided_cost(lp, np.zeros(len(lp.cost))) is lp.cost
    guide = np.ones(len(lp.cost))
    added = rens.guided_cost(lp, guide) - lp.cost
    assert np.abs(added).sum() == pytest.approx(rens.GUIDE_TIE * np.abs(lp.cost).sum())
    assert np.all(added > 0)  # towards the guide for a maximisation
    x, _, bound = rens.rens_plan(lp, 0.01, None, guide=am.lm.objectives["efficiency"],
                                 abs_gap=1.0)
    assert x is not None and rens.feasible(lp, x)
    assert bound is None  # a guided LP optimises another objective: no bound from it


def test_the_parts_absolute_gaps_at_a_level_add_up_to_the_gap(tmp_path):
    write_instance(generate(6, 12, 2, seed=1), tmp_path / "a")
    am = build_model(load_instance(tmp_path / "a"))
    dec = dc.components(am)
    gaps = [dc._level_abs_gap(dec, i, 0.01, -0.9) for i in range(len(dec.parts))]
    assert sum(gaps) == pytest.approx(0.01 * 0.9)
    assert all(g > 0 for g in gaps)
