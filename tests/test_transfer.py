"""Any PuLP problem, handed to HiGHS as one matrix: OR-Library GAP optima and odd shapes."""

from pathlib import Path

import pandas as pd
import pulp
import pytest

from optimizer.model import LinearModel
from optimizer.solve import solve_pulp

GAP = Path(__file__).parent / "data" / "gap"


def read_gap(name):
    tok = list(map(int, (GAP / f"{name}.txt").read_text().split()))
    pos = 1
    problems = []
    for _ in range(tok[0]):
        m, n = tok[pos], tok[pos + 1]
        pos += 2
        cost = [tok[pos + i * n: pos + (i + 1) * n] for i in range(m)]
        pos += m * n
        res = [tok[pos + i * n: pos + (i + 1) * n] for i in range(m)]
        pos += m * n
        cap = tok[pos: pos + m]
        pos += m
        problems.append((m, n, cost, res, cap))
    return problems


def gap_problem(m, n, cost, res, cap, sense):
    prob = pulp.LpProblem("gap", pulp.LpMaximize if sense == "max" else pulp.LpMinimize)
    x = {(i, j): prob.add_variable(f"x_{i}_{j}", 0, 1, cat="Integer")
         for i in range(m) for j in range(n)}
    prob += pulp.lpSum(cost[i][j] * x[i, j] for i in range(m) for j in range(n))
    for j in range(n):
        prob += pulp.lpSum(x[i, j] for i in range(m)) == 1, f"assign_{j}"
    for i in range(m):
        prob += pulp.lpSum(res[i][j] * x[i, j] for j in range(n)) <= cap[i], f"cap_{i}"
    return prob


def optimum(name, k, sense):
    t = pd.read_csv(GAP / "optima.csv")
    row = t[(t.instance == name) & (t.problem_number == k) & (t.min_or_max == sense)]
    return float(row.optimum.iloc[0])


@pytest.mark.parametrize("k", range(1, 6))
@pytest.mark.parametrize("sense", ["max", "min"])
def test_or_library_gap1(k, sense):
    prob = gap_problem(*read_gap("gap1")[k - 1], sense)
    assert solve_pulp(prob, gap=0) == "optimal"
    assert pulp.value(prob.objective) == pytest.approx(optimum("gap1", k, sense))
    assert prob.status == pulp.LpStatusOptimal
    # the values written back satisfy the problem
    for c in (prob.constraints() if callable(prob.constraints) else prob.constraints.values()):
        assert c.valid(1e-6)


def test_or_library_gapa_1():
    prob = gap_problem(*read_gap("gapa")[0], "min")
    assert solve_pulp(prob, gap=0) == "optimal"
    assert pulp.value(prob.objective) == pytest.approx(optimum("gapa", 1, "min"))


def test_same_as_pulps_own_highs_adapter():
    prob = gap_problem(*read_gap("gap12")[0], "max")
    solve_pulp(prob, gap=0)
    ours = pulp.value(prob.objective)
    prob2 = gap_problem(*read_gap("gap12")[0], "max")
    prob2.solve(pulp.HiGHS(msg=False, gapRel=0))
    assert ours == pytest.approx(pulp.value(prob2.objective)) == optimum("gap12", 1, "max")


def test_odd_shapes():
    """Free variables, equality and ranged-by-two rows, constants in the objective, no rows."""
    prob = pulp.LpProblem("odd", pulp.LpMinimize)
    x = prob.add_variable("x", None, None)
    y = prob.add_variable("y", -3, 5)
    prob += 2 * x - y + 7
    prob += x + y >= -1, "a"
    prob += x - y <= 4, "b"
    prob += x + 2 * y == 2, "c"
    assert solve_pulp(prob) == "optimal"
    assert pulp.value(prob.objective) == pytest.approx(2 * x.varValue - y.varValue + 7)
    assert x.varValue == pytest.approx(-4.0) and y.varValue == pytest.approx(3.0)
    lm, _ = LinearModel.from_pulp(prob)
    assert lm.objective_constants["objective"] == 7 and lm.sense == "min"
    empty = pulp.LpProblem("empty", pulp.LpMaximize)
    z = empty.add_variable("z", 0, 3)
    empty += 2 * z
    assert solve_pulp(empty) == "optimal" and z.varValue == pytest.approx(3)


def test_infeasible():
    prob = pulp.LpProblem("bad", pulp.LpMinimize)
    x = prob.add_variable("x", 0, 1)
    prob += x
    prob += x >= 2, "c"
    assert solve_pulp(prob) == "infeasible"
    assert prob.status == pulp.LpStatusInfeasible
