"""AUGMECON2: the exact front of a published bi-objective knapsack, and our own fronts."""

from pathlib import Path

import numpy as np
import pandas as pd
import pulp
import pytest

from optimizer import solve
from optimizer.pareto import augmecon2, nondominated, pareto

DATA = Path(__file__).parent / "data"


def knapsack(case):
    d = DATA / case
    a = pd.read_csv(d / "a.csv", index_col=0).to_numpy()
    b = pd.read_csv(d / "b.csv", index_col=0).to_numpy().ravel()
    c = pd.read_csv(d / "c.csv", index_col=0).to_numpy()
    prob = pulp.LpProblem("kp", pulp.LpMaximize)
    x = [prob.add_variable(f"x{i}", 0, 1, cat="Integer") for i in range(a.shape[1])]
    for r in range(a.shape[0]):
        prob += pulp.lpSum(float(a[r, i]) * x[i] for i in range(a.shape[1])) <= float(b[r]), f"cap{r}"
    objs = [pulp.lpSum(float(c[k, i]) * x[i] for i in range(a.shape[1])) for k in range(c.shape[0])]
    return prob, objs


def test_2kp50_front_point_by_point():
    prob, objs = knapsack("2kp50")
    front = augmecon2(prob, objs, step=1, gap=0)
    got = sorted(map(tuple, front.points.to_numpy().round(6)))
    ref = pd.read_csv(DATA / "2kp50" / "pareto_sols.csv", index_col=0).to_numpy()
    want = sorted(map(tuple, ref.astype(float)))
    assert len(got) == 35
    assert got == want
    payoff = pd.read_csv(DATA / "2kp50" / "payoff_table.csv", index_col=0).to_numpy()
    assert np.allclose(front.payoff.to_numpy(), payoff)
    # the bypass skips most of the 492 grid points
    assert front.solves < 200


def test_nondominated_filter():
    v = np.array([[3, 1], [2, 2], [1, 3], [2, 1], [3, 1]], float)
    assert nondominated(v).tolist() == [True, True, True, False, False]


def test_demo_front_is_monotone_and_nondominated(demo):
    front = pareto(demo, points=8, gap=0)
    df = front.points
    assert len(df) >= 3
    E, Q = df["efficiency"].to_numpy(), df["equity"].to_numpy()
    # sorted by efficiency descending, equity must rise: a monotone trade-off
    assert (np.diff(E) < 0).all() and (np.diff(Q) > 0).all()
    assert nondominated(np.c_[E, Q]).all()
    # the extremes are the lexicographic optima pinned in test_demo
    assert E[0] == pytest.approx(420.0, rel=1e-6)
    assert Q[-1] == pytest.approx(0.55, rel=1e-6)
    assert df["price_of_fairness"].iloc[-1] == pytest.approx((420 - 385.5) / 420, rel=1e-5)
    assert df["knee"].sum() <= 1
    # every point is what the epsilon method gives at its equity level
    for _, row in df.iloc[1:-1].iterrows():
        sol = solve(demo, method="epsilon", eps=row["equity"] - 1e-9, gap=0, why=False)
        assert sol.efficiency == pytest.approx(row["efficiency"], rel=1e-6)


def test_too_few_points(demo):
    from optimizer import InputError

    with pytest.raises(InputError):
        pareto(demo, points=1)
