"""Benchmark: solving a large PuLP problem with HiGHS through `optimizer.solve.solve_pulp`
(whole matrix at once) against PuLP's own `pulp.HiGHS` adapter (column by column, row by row).

    python bench/pulp_transfer.py [--agents 60 --jobs 1500]

A generalized-assignment LP relaxation of the given size, built once per path; prints both
times (build excluded) and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pulp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.solve import solve_pulp  # noqa: E402


def build(m, n, seed=0):
    rng = np.random.default_rng(seed)
    cost = rng.integers(10, 50, (m, n))
    res = rng.integers(5, 25, (m, n))
    cap = (res.sum(axis=1) * 0.8 / m).astype(int) + 30
    prob = pulp.LpProblem("gap", pulp.LpMinimize)
    x = [[prob.add_variable(f"x_{i}_{j}", 0, 1) for j in range(n)] for i in range(m)]
    prob += pulp.lpSum(int(cost[i, j]) * x[i][j] for i in range(m) for j in range(n))
    for j in range(n):
        prob += pulp.lpSum(x[i][j] for i in range(m)) == 1, f"a{j}"
    for i in range(m):
        prob += pulp.lpSum(int(res[i, j]) * x[i][j] for j in range(n)) <= int(cap[i]), f"c{i}"
    return prob


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=1500)
    a = ap.parse_args()
    p1 = build(a.agents, a.jobs)
    t0 = time.perf_counter()
    solve_pulp(p1)
    t_ours = time.perf_counter() - t0
    p2 = build(a.agents, a.jobs)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p2.solve(pulp.HiGHS(msg=False))
    t_pulp = time.perf_counter() - t0
    print(f"problem             {a.agents * a.jobs} variables, {a.agents + a.jobs} rows (LP)")
    print(f"solve_pulp          {t_ours:.3f} s  objective {pulp.value(p1.objective):.6g}")
    print(f"pulp.HiGHS adapter  {t_pulp:.3f} s  objective {pulp.value(p2.objective):.6g}")
    print(f"ratio adapter/ours  {t_pulp / t_ours:.2f}")


if __name__ == "__main__":
    main()
