"""Shadow prices and ranging, each checked against a finite difference."""

import math

import numpy as np
import pytest

from optimizer import solve
from optimizer.sensitivity import solve_lp


def resolve_with_bound(lp, row, lower, upper):
    """Solve the report's LP afresh with one row's bounds changed."""
    import highspy

    h = solve_lp(lp)
    h.changeRowBounds(int(row), float(lower), float(upper))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


def check_shadow_prices(rep, min_checked=1):
    lp = rep.lp
    base = rep.objective_value
    lo0, hi0 = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    checked = 0
    for row in rep.constraints.itertuples(index=False):
        i = row.row
        # a step inside the allowable range, upwards if possible
        if row.allowable_increase > 1e-7:
            h = min(row.allowable_increase, max(1e-3, 1e-3 * abs(row.rhs))) / 2
        elif row.allowable_decrease > 1e-7:
            h = -min(row.allowable_decrease, max(1e-3, 1e-3 * abs(row.rhs))) / 2
        else:
            continue
        new = row.rhs + h
        if row.sense == "<=":
            obj = resolve_with_bound(lp, i, lo0[i], new)
        elif row.sense == ">=":
            obj = resolve_with_bound(lp, i, new, hi0[i])
        else:
            continue
        fd = (obj - base) / h
        assert fd == pytest.approx(row.shadow_price, rel=1e-6, abs=1e-7), (row.name, fd,
                                                                          row.shadow_price)
        checked += 1
    assert checked >= min_checked
    return checked


@pytest.mark.parametrize("objective", ["plan", "efficiency", "equity"])
def test_demo_shadow_prices_match_finite_differences(demo, objective):
    sol = solve(demo, gap=0, why=False)
    rep = sol.sensitivity(objective=objective)
    assert rep.objective_value == pytest.approx(
        float(sol.final_problem.objective @ sol.x) if objective == "plan" else rep.objective_value)
    n = check_shadow_prices(rep, min_checked=10)
    assert n == len(rep.constraints[rep.constraints.sense.isin(["<=", ">="])
                                    & ((rep.constraints.allowable_increase > 1e-7)
                                       | (rep.constraints.allowable_decrease > 1e-7))])
    assert (rep.constraints["binding"]).any()


def test_efficiency_shadow_price_of_supply_by_hand(demo):
    """Efficiency-first plan of the demo (see test_demo): B's funds all go to Y at 2.4 per
    unit; one more unit of B's funds would go to W (platform, 1.04) or displace... the LP
    with pairings fixed says exactly what it is worth; check sign and meaning."""
    sol = solve(demo, method="lexicographic", first="efficiency", gap=0, why=False)
    rep = sol.sensitivity(objective="efficiency")
    row = rep.constraints.set_index("name").loc["supply[A,funds]"]
    assert row["binding"] and row["shadow_price"] > 0
    assert "Harbour City's funds supply raises the objective by" in row["meaning"]
    check_shadow_prices(rep)


def test_variable_cells(demo):
    sol = solve(demo, gap=0, why=False)
    rep = sol.sensitivity()
    v = rep.variables
    assert {"final_value", "reduced_cost", "objective_coefficient", "allowable_increase",
            "allowable_decrease"} <= set(v.columns)
    # a flow strictly inside its bounds is basic: reduced cost 0
    inner = v[(v.final_value > 1e-6)]
    assert (inner.reduced_cost.abs() < 1e-7).any()
    # flows equal the plan's allocations
    alloc = sol.allocations.groupby(["partner", "recipient", "resource"])["amount"].sum()
    got = v.groupby(["partner", "recipient", "resource"])["final_value"].sum()
    got = got[got > 1e-9]
    assert np.allclose(alloc.sort_index().to_numpy(), got.sort_index().to_numpy(), rtol=1e-6)


def test_real_instance_shadow_prices():
    from optimizer import load_instance
    from conftest import ROOT

    inst = load_instance(ROOT / "instances" / "guangdong")
    sol = solve(inst, why=False)
    rep = sol.sensitivity()
    check_shadow_prices(rep, min_checked=5)
    assert math.isfinite(rep.efficiency_per_unit)


def test_sensitivity_needs_a_plan(demo):
    from optimizer import InputError

    sol = solve(demo.with_params({"balance.alpha": 1.0}), why=False)
    assert sol.status == "infeasible"
    with pytest.raises(InputError, match="needs a plan"):
        sol.sensitivity()
