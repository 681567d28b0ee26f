"""The constructive first plan for large instances is feasible for the whole model."""

import numpy as np

from optimizer import build_model
from optimizer.generate import generate, write_instance
from optimizer.heuristic import construct_plan
from optimizer.instance import load_instance
from optimizer.solve import SolverOptions, make_backend


def feasible(lm, x, tol=1e-6):
    act = lm.A @ x
    lo, hi = lm.row_lower, lm.row_upper
    scale = np.maximum(1.0, np.abs(act))
    rows_ok = ((act >= lo - tol * scale) & (act <= hi + tol * scale)).all()
    cols_ok = ((x >= lm.col_lower - tol) & (x <= lm.col_upper + tol)).all()
    ints = x[lm.integer]
    return rows_ok and cols_ok and np.allclose(ints, np.round(ints), atol=1e-6)


def test_construct_plan_is_feasible(tmp_path):
    write_instance(generate(12, 30, 3, seed=4, candidates=4), tmp_path / "g")
    am = build_model(load_instance(tmp_path / "g"))
    be = make_backend(am.lm, SolverOptions())
    for name in ("efficiency", "equity"):
        x = construct_plan(am, be, am.lm.objectives[name])
        assert x is not None
        assert feasible(am.lm, x)
        # every recipient is covered
        zc = np.round(x[am.z.start:am.z.stop]) > 0.5
        assert set(am.pair_r[am.z_pair[zc]]) == set(range(len(am.u0)))


def test_construct_plan_none_when_infeasible(demo):
    am = build_model(demo.with_params({"balance.alpha": 1.0}))
    be = make_backend(am.lm, SolverOptions())
    assert construct_plan(am, be, am.lm.objectives["efficiency"]) is None
