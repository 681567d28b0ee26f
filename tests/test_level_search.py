"""The equity level search of a decomposed run (optimizer/level_search.py): its bracket of
levels, its bound at every step, and where it splits an interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer import decompose as dc
from optimizer import level_search as ls
from optimizer import load_instance
from optimizer.instance.bundled import bundled_instances_dir
from optimizer.model import build_model
from optimizer.solver.highs import LpArrays, run_lp
from test_decompose import two_blocks


@pytest.fixture(scope="module")
def tail_blocks(tmp_path_factory):
    """Two independent demo blocks with the tail mean over 2.4 of 6 recipients (beta 0.4:
    not a whole number, so the weighted quantile rounds up)."""
    folders = two_blocks(bundled_instances_dir() / "demo", tmp_path_factory.mktemp("lv"))
    inst = load_instance(folders[2]).with_params({"objective.equity": "tail",
                                                   "objective.beta": 0.4})
    am = build_model(inst)
    objective = am.lm.objectives["equity"]
    outcome, h = run_lp(LpArrays.of(am.lm, objective).highs_lp(), {"mip_rel_gap": 1e-9}, 1)
    assert outcome.status == "optimal"
    return am, objective, np.asarray(h.getSolution().col_value, float)


def test_the_bracket_holds_the_optimums_level_and_is_narrower(tail_blocks):
    am, objective, best = tail_blocks
    lo, hi = ls.level_range(am, objective)
    old_lo, old_hi = ls.level_range(am)
    assert old_lo <= lo <= hi <= old_hi and (lo, hi) != (old_lo, old_hi)
    u = np.sort(am.outcomes(best))
    k = math.ceil(0.4 * len(u))  # 3 of 6
    assert lo - 1e-9 <= u[k - 1] <= hi + 1e-9
    # the bracket's ends are the quantiles of the baselines and of the highest outcomes
    assert lo == pytest.approx(np.sort(am.u0)[k - 1])
    ub = np.where(np.isfinite(am.lm.col_upper), am.lm.col_upper, 0.0)
    most = ls._most_outcomes(am, ub)
    assert hi == pytest.approx(np.sort(most)[k - 1])
    assert np.all(most >= am.outcomes(best) - 1e-9)  # no plan goes beyond them
    assert np.all(most <= am.outcomes(ub) + 1e-9)


@pytest.mark.parametrize("levels", [1, 2, 3, 40])
def test_the_bound_is_proven_at_every_step(tail_blocks, levels):
    """However few levels the search tries, the bound it reports is at least the optimum
    (or there is none), and its plan at most the optimum."""
    am, objective, best = tail_blocks
    optimum = float(objective @ best)
    lo, hi = ls.level_range(am, objective)
    d = ls.search_level(am, objective, lo, hi, gap=1e-6, max_levels=levels)
    assert d.objective is not None and d.objective <= optimum + 1e-7
    assert d.bound is None or d.bound >= optimum - 1e-7
    if levels == 40:
        assert d.objective == pytest.approx(optimum, abs=1e-5)


@pytest.mark.parametrize("first", ["lo", "hi", "middle"])
def test_the_bound_covers_the_levels_not_yet_tried(tail_blocks, first):
    """Stopped by its time limit after one level, the search still bounds every level of
    the bracket (above the level tried by it, below it by G <= 0 for a pure equity stage):
    never a bound below the optimum."""
    am, objective, best = tail_blocks
    optimum = float(objective @ best)
    lo, hi = ls.level_range(am, objective)
    t = {"lo": lo, "hi": hi, "middle": (lo + hi) / 2}[first]
    d = ls.search_level(am, objective, lo, hi, gap=1e-6, time_limit=1e-3, levels=(t,))
    assert [level for level, _, _ in d.tried] == [t]
    assert d.bound is None or d.bound >= optimum - 1e-7


def test_the_lp_tangents_bound_the_lp_at_every_level(tail_blocks):
    """The LP relaxation at a fixed level with the slope from its duals: a tangent that no
    other level's LP value (nor the optimum) rises above."""
    am, objective, best = tail_blocks
    dec = dc.components(am)
    lo, hi = ls.level_range(am, objective)
    grid = np.linspace(lo, hi, 7)
    lp = {t: dc.at_level(am, objective, float(t), dec, relax=True) for t in grid}
    assert all(d.x is None and d.slope is not None for d in lp.values())
    tangents = [(float(t), d.bound, d.slope) for t, d in lp.items()]
    for t, d in lp.items():
        for t0, b0, g0 in tangents:
            assert d.bound <= b0 + g0 * (t - t0) + 1e-7
        cap, _ = ls._under_tangents(tangents, float(t), float(t))
        assert cap == pytest.approx(d.bound, abs=1e-6)  # its own tangent touches it
    cap, at = ls._under_tangents(tangents, lo, hi)
    assert cap >= float(objective @ best) - 1e-7 and lo <= at <= hi
    assert ls._under_tangents([], lo, hi) == (math.inf, hi)


def test_an_interval_is_split_where_its_bound_peaks():
    # phi <= min(t + 0, t - 1 + 4 (1 - t)) on [0, 1]: the peak is at t = 0.75
    bound, peak = ls._interval_bound(1.0, 4.0, 0.0, 1.0, 0.0, -1.0)
    assert (bound, peak) == pytest.approx((0.75, 0.75))
    assert ls._split(0.0, 1.0, peak) == pytest.approx(0.75)
    assert ls._split(0.0, 1.0, 0.99) == 0.5  # at an end: halfway instead
    assert ls._interval_bound(1.0, math.inf, 0.0, 1.0, 0.2, -1.0) == (1.2, 1.0)


def test_the_level_search_splits_only_the_equity_of_one_round(tail_blocks):
    am, objective, _ = tail_blocks
    wrong = objective.copy()
    wrong[am.lm.col_blocks["eta"].start] = -1.0
    with pytest.raises(dc.NotSeparable):
        ls.search_level(am, wrong, 0.0, 1.0)
