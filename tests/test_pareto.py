"""AUGMECON2: the exact front of a published bi-objective knapsack, and our own fronts."""

import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pulp
import pytest

from optimizer import solve
from optimizer.pareto import augmecon2, nondominated, pareto

DATA = Path(__file__).parent / "data"


def benchmark(case):
    """The folder of a benchmark case: tests/data, $REGCOLLAB_BENCHMARKS or the shared data
    beside the checkout (the larger cases are not copied into the repository)."""
    places = [DATA, os.environ.get("REGCOLLAB_BENCHMARKS")]
    places += [up / "shared" / "data" / "benchmarks" for up in Path(__file__).resolve().parents]
    for place in places:
        if place and (Path(place) / case / "a.csv").is_file():
            return Path(place) / case
    pytest.skip(f"benchmark case {case} not found (set REGCOLLAB_BENCHMARKS)")


def reference(case):
    ref = pd.read_csv(benchmark(case) / "pareto_sols.csv", index_col=0).to_numpy()
    return sorted(map(tuple, ref.astype(float)))


def points(front):
    return sorted(map(tuple, front.points.to_numpy(float).round(6)))


def knapsack(case, items=None):
    d = benchmark(case)
    a = pd.read_csv(d / "a.csv", index_col=0).to_numpy()[:, :items]
    b = pd.read_csv(d / "b.csv", index_col=0).to_numpy().ravel()
    c = pd.read_csv(d / "c.csv", index_col=0).to_numpy()[:, :items]
    if items is not None:  # a smaller knapsack: half of its items fit
        b = a.sum(axis=1) // 2
    prob = pulp.LpProblem("kp", pulp.LpMaximize)
    x = [prob.add_variable(f"x{i}", 0, 1, cat="Integer") for i in range(a.shape[1])]
    for r in range(a.shape[0]):
        prob += pulp.lpSum(float(a[r, i]) * x[i] for i in range(a.shape[1])) <= float(b[r]), f"cap{r}"
    objs = [pulp.lpSum(float(c[k, i]) * x[i] for i in range(a.shape[1])) for k in range(c.shape[0])]
    return prob, objs


def test_2kp50_front_point_by_point():
    prob, objs = knapsack("2kp50")
    front = augmecon2(prob, objs, step=1, gap=0)
    assert len(front) == 35
    assert points(front) == reference("2kp50")
    payoff = pd.read_csv(DATA / "2kp50" / "payoff_table.csv", index_col=0).to_numpy()
    assert np.allclose(front.payoff.to_numpy(), payoff)
    # the bypass skips most of the 492 grid points
    assert front.solves < 200


def brute_force_front(case, items):
    """Every 0-1 vector of a small knapsack, its nondominated objective vectors."""
    d = benchmark(case)
    a = pd.read_csv(d / "a.csv", index_col=0).to_numpy(float)[:, :items]
    c = pd.read_csv(d / "c.csv", index_col=0).to_numpy(float)[:, :items]
    X = np.array(list(itertools.product([0, 1], repeat=items)), float)
    X = X[(X @ a.T <= a.sum(axis=1) // 2).all(axis=1)]
    V = np.unique(X @ c.T, axis=0)[::-1]  # lexicographically decreasing: a dominating point
    front = np.zeros((0, V.shape[1]))     # comes before the points it dominates
    for v in V:
        if not (front >= v).all(axis=1).any():
            front = np.vstack([front, v])
    return sorted(map(tuple, front))


@pytest.mark.parametrize("kw", [dict(engine="classic"), dict(), dict(workers=2, chunks=3),
                                dict(warm_start=False, exact_weights=False, highs_options={}),
                                dict(bound_rows=True)],
                         ids=["classic", "sweep", "2 workers", "no levers", "bound rows"])
def test_small_bi_objective_front_equals_brute_force(kw):
    # 14 items of 2kp50: the exact front by enumeration of all 16,384 choices
    prob, objs = knapsack("2kp50", items=14)
    assert points(augmecon2(prob, objs, step=1, gap=0, **kw)) == brute_force_front("2kp50", 14)


@pytest.mark.parametrize("kw", [pytest.param(dict(engine="classic"), marks=pytest.mark.slow),
                                dict(), pytest.param(dict(workers=2), marks=pytest.mark.slow)],
                         ids=["classic", "sweep", "2 workers"])
def test_small_three_objective_front_equals_brute_force(kw):
    # 12 items of 3kp40: the bypass, early exit and AUGMECON-R's reuse across outer rows
    prob, objs = knapsack("3kp40", items=12)
    front = augmecon2(prob, objs, step=1, gap=0, **kw)
    assert points(front) == brute_force_front("3kp40", 12)


@pytest.mark.slow
def test_2kp50_two_workers_same_front_as_one():
    prob, objs = knapsack("2kp50")
    one = augmecon2(prob, objs, step=1, gap=0)
    two = augmecon2(prob, objs, step=1, gap=0, workers=2)
    assert points(two) == points(one) == reference("2kp50")
    assert two.statuses.keys() == {"optimal"}


def test_unknown_engine():
    from optimizer import InputError

    prob, objs = knapsack("2kp50", items=6)
    with pytest.raises(InputError, match="engine"):
        augmecon2(prob, objs, step=1, gap=0, engine="fast")


@pytest.mark.slow
def test_2kp100_front_point_by_point():
    prob, objs = knapsack("2kp100")
    front = augmecon2(prob, objs, step=1, gap=0, workers=2)
    assert len(front) == 121
    assert points(front) == reference("2kp100")


@pytest.mark.slow
def test_3kp40_front_point_by_point():
    # the published front was computed with lower limits on objectives 2 and 3
    prob, objs = knapsack("3kp40")
    front = augmecon2(prob, objs, step=1, gap=0, lower_bounds=[1031, 1069], workers=2)
    assert points(front) == reference("3kp40")


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
