"""One suite of tests run against every backend (like PuLP's BaseSolverTest): HiGHS direct and
CBC through PuLP (installed with PuLP). Small hand-checkable models, so it stays fast."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.errors import InputError
from optimizer.model import LinearModel
from optimizer.solve import (MODEL_FORMATS, Backend, SolverOptions, StageResult, Termination,
                             make_backend, option_value, TIGHT_OPTIONS)

INF = np.inf
BACKENDS = ["highs", "cbc"]


@pytest.fixture(params=BACKENDS)
def solver(request):
    return request.param


def lp_model() -> LinearModel:
    """max 3x + 2y  s.t.  x + y <= 4,  x + 3y <= 6,  x, y >= 0: optimum 12 at (4, 0)."""
    lm = LinearModel()
    lm.add_cols("x", [0.0, 0.0], INF)
    lm.add_rows("r", [0, 0, 1, 1], [0, 1, 0, 1], [1.0, 1.0, 1.0, 3.0], [-INF, -INF], [4.0, 6.0])
    return lm


LP_C = np.array([3.0, 2.0])


def knapsack() -> LinearModel:
    """max 10a + 13b + 7c  s.t.  4a + 6b + 3c <= 9, binary: optimum 20 (b, c); the LP
    relaxation 21 1/3 (a, c and a third of b)."""
    lm = LinearModel()
    lm.add_cols("z", np.zeros(3), 1.0, integer=True)
    lm.add_rows("w", [0, 0, 0], [0, 1, 2], [4.0, 6.0, 3.0], [-INF], [9.0])
    return lm


KS_C = np.array([10.0, 13.0, 7.0])


def hard_knapsack(n=150, m=10, seed=1):
    """A multi-dimensional knapsack no solver proves optimal in half a second."""
    r = np.random.default_rng(seed)
    w = r.integers(10, 100, (m, n))
    p = (w.sum(0) + r.integers(0, 20, n)).astype(float)
    lm = LinearModel()
    lm.add_cols("x", np.zeros(n), 1.0, integer=True)
    rows, cols = np.nonzero(np.ones((m, n)))
    lm.add_rows("c", rows, cols, w[rows, cols].astype(float), np.full(m, -INF), w.sum(1) / 2)
    return lm, p


def backend(solver, lm, **opts) -> Backend:
    return make_backend(lm, SolverOptions(solver=solver, **opts))


def feasible(lm, x, tol=1e-6) -> bool:
    act = lm.A @ x
    return bool((act <= lm.row_upper + tol).all() and (act >= lm.row_lower - tol).all()
                and (x >= lm.col_lower - tol).all() and (x <= lm.col_upper + tol).all()
                and np.allclose(x[lm.integer], np.round(x[lm.integer]), atol=1e-6))


# ------------------------------------------------------------------ the interface
def test_every_backend_implements_the_interface(solver):
    be = backend(solver, lp_model())
    assert isinstance(be, Backend) and be.name == solver
    for flag in ("supports_starts", "supports_duals", "supports_recording", "supports_tight"):
        assert isinstance(getattr(be, flag), bool)
    assert not be.use_starts or be.supports_starts


# ------------------------------------------------------------------ optima
def test_lp_optimum(solver):
    res = backend(solver, lp_model()).solve(LP_C)
    assert isinstance(res, StageResult)
    assert res.status == "optimal" and res.ok and res.termination is Termination.OPTIMAL
    assert res.objective == pytest.approx(12.0)
    assert res.x == pytest.approx([4.0, 0.0], abs=1e-7)
    assert res.mip_gap == 0.0


def test_lp_minimised(solver):
    """min x + y  s.t.  x + 2y >= 4,  3x + y >= 6: optimum 2.8 at (1.6, 1.2)."""
    lm = LinearModel()
    lm.add_cols("x", [0.0, 0.0], INF)
    lm.add_rows("r", [0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 3.0, 1.0], [4.0, 6.0], [INF, INF])
    res = backend(solver, lm).solve(np.array([1.0, 1.0]), sense="min")
    assert res.status == "optimal"
    assert res.objective == pytest.approx(2.8)
    assert res.x == pytest.approx([1.6, 1.2], abs=1e-7)


def test_mip_optimum_and_its_relaxation(solver):
    be = backend(solver, knapsack(), gap=0)
    mip = be.solve(KS_C)
    assert mip.status == "optimal" and mip.objective == pytest.approx(20.0)
    assert mip.x == pytest.approx([0.0, 1.0, 1.0], abs=1e-6)
    lp = be.solve(KS_C, relax_integers=True)
    assert lp.status == "optimal" and lp.objective == pytest.approx(21.0 + 1.0 / 3.0)
    # the relaxation is for that solve only
    assert be.solve(KS_C).objective == pytest.approx(20.0)


# ------------------------------------------------------------------ no plan
def test_infeasible(solver):
    """x + y >= 5 with x, y <= 1."""
    lm = LinearModel()
    lm.add_cols("x", [0.0, 0.0], 1.0)
    lm.add_rows("r", [0, 0], [0, 1], [1.0, 1.0], [5.0], [INF])
    res = backend(solver, lm).solve(np.array([1.0, 1.0]))
    assert res.status == "infeasible" and res.termination.infeasible
    assert not res.ok and res.x is None and res.objective is None


def test_unbounded(solver):
    """max x + y  s.t.  x - y <= 1."""
    lm = LinearModel()
    lm.add_cols("x", [0.0, 0.0], INF)
    lm.add_rows("r", [0, 0], [0, 1], [1.0, -1.0], [-INF], [1.0])
    res = backend(solver, lm).solve(np.array([1.0, 1.0]))
    assert res.status == "unbounded" and res.termination is Termination.UNBOUNDED
    assert not res.ok and res.x is None


def test_a_time_limit_returns_the_plan_found_not_proven(solver):
    lm, p = hard_knapsack()
    res = backend(solver, lm, gap=0).solve(p, time_limit=0.5)
    assert res.status == "time_limit" and res.termination.stopped and res.has_plan
    assert res.x is not None and feasible(lm, res.x)
    assert res.objective == pytest.approx(float(p @ res.x))
    assert res.mip_gap != 0.0  # unknown (None) or positive: never claimed proven


# ------------------------------------------------------------------ stages
def test_fixed_columns_hold_for_that_solve_only(solver):
    be = backend(solver, knapsack(), gap=0)
    fixed = be.solve(KS_C, fix=(np.array([0]), np.array([1.0])))
    assert fixed.objective == pytest.approx(17.0) and fixed.x[0] == pytest.approx(1.0)
    assert be.solve(KS_C).objective == pytest.approx(20.0)


def test_extra_rows_hold_for_that_solve_only(solver):
    be = backend(solver, knapsack(), gap=0)
    one = be.solve(KS_C, extra_rows=[(np.ones(3), -INF, 1.0)])
    assert one.objective == pytest.approx(13.0)
    assert one.x == pytest.approx([0.0, 1.0, 0.0], abs=1e-6)
    assert be.solve(KS_C).objective == pytest.approx(20.0)
    # a lower bound row, and two rows at once
    both = be.solve(KS_C, extra_rows=[(np.array([1.0, 0.0, 0.0]), 1.0, INF),
                                      (np.array([0.0, 1.0, 1.0]), -INF, 1.0)])
    assert both.objective == pytest.approx(17.0)


def test_a_start_does_not_change_the_optimum(solver):
    be = backend(solver, knapsack(), gap=0)
    res = be.solve(KS_C, start=np.array([1.0, 0.0, 1.0]))
    assert res.status == "optimal" and res.objective == pytest.approx(20.0)


def test_duals_where_supported(solver):
    """max 3x + 2y with x + y <= 4, x + 3y <= 6 and the extra row x <= 3.5: x = 3.5, y = 0.5;
    shadow prices 2 (first row), 0 (second), 1 (extra row)."""
    be = backend(solver, lp_model())
    res = be.solve(LP_C, extra_rows=[(np.array([1.0, 0.0]), -INF, 3.5)], duals=True)
    assert res.objective == pytest.approx(11.5)
    if not be.supports_duals:
        assert res.row_dual is None and res.extra_dual is None
        return
    assert res.row_dual == pytest.approx([2.0, 0.0], abs=1e-9)
    assert res.extra_dual == pytest.approx([1.0], abs=1e-9)
    assert res.col_dual == pytest.approx([0.0, 0.0], abs=1e-9)


# ------------------------------------------------------------------ writing the model
@pytest.mark.parametrize("ext", MODEL_FORMATS)
def test_written_model_solves_to_the_same_optimum_in_highs(solver, ext, tmp_path):
    """HiGHS alone on the written file (objective maximised, extra rows included) reaches the
    backend's optimum; the backend's model is unchanged afterwards."""
    import highspy

    be = backend(solver, knapsack(), gap=0)
    rows = [(np.array([1.0, 1.0, 0.0]), -INF, 1.0)]
    path = tmp_path / f"model{ext}"
    be.write_model(path, KS_C, rows)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    assert h.readModel(str(path)) != highspy.HighsStatus.kError
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(20.0)
    assert be.solve(KS_C, extra_rows=rows).objective == pytest.approx(20.0)
    assert be.solve(KS_C, extra_rows=[(np.array([0.0, 1.0, 1.0]), -INF, 1.0)]).objective == \
        pytest.approx(17.0)


# ------------------------------------------------------------------ what only some support
def test_recording_where_supported(solver, tmp_path):
    be = backend(solver, knapsack())
    if not be.supports_recording:
        with pytest.raises(InputError, match="highs"):
            be.record(tmp_path)
        return
    be.record(tmp_path)
    be.solve(KS_C, label="one")
    be.solve(KS_C, relax_integers=True, label="two")
    assert [r["label"] for r in be.recorded] == ["one", "two"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00.mps", "01.mps"]


def test_tight_tolerances_for_one_solve_only(solver):
    be = backend(solver, lp_model())
    res = be.solve(LP_C, tight=True)
    assert res.status == "optimal" and res.objective == pytest.approx(12.0)
    if be.supports_tight:
        defaults = backend(solver, lp_model())
        assert [option_value(be.h, o) for o in TIGHT_OPTIONS] == \
            [option_value(defaults.h, o) for o in TIGHT_OPTIONS]
