"""The sensitivity report: shadow prices and ranging with the pairings held, its objective
value, and what it reports for each kind of row (docs/analysis.md)."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sensitivity_checks import check_data_prices, check_rhs_prices

from optimizer import Instance, cli, solve
from optimizer.methods import hold_tolerance
from optimizer.sensitivity import held_value

METHODS = {
    "weighted": {},
    "weighted-maxmin": {"equity": "maxmin", "weight": 0.3},
    "weighted-lambda-1": {"weight": 1.0},
    "weighted-lambda-0": {"weight": 0.0},
    "epsilon": {"method": "epsilon", "eps": 0.5},
    "lexicographic-efficiency": {"method": "lexicographic", "first": "efficiency"},
    "lexicographic-equity": {"method": "lexicographic", "first": "equity"},
    "soft": {"soft": {"access_floor": 100}, "alpha": 0.9},
    "reference": {"method": "reference", "reference": (400, 0.5)},
    "reference-soft": {"method": "reference", "reference": (400, 0.5),
                       "soft": {"access_floor": 100}, "alpha": 0.9},
}


def one_pair(supply=10.0, absorb=8.0, **params) -> Instance:
    """One partner, one recipient, one resource: the flow is min(supply, absorb), worth
    prod * mult = 1.3 per unit as a platform (the only better type it is eligible for)."""
    partners = pd.DataFrame({"id": ["D"], "supply.funds": [supply]})
    recipients = pd.DataFrame({"id": ["R"], "population": [1.0], "baseline": [1.0],
                               "target": [2.0], "need.funds": [8.0], "absorb.funds": [absorb],
                               "prod.funds": [1.0]})
    pairs = pd.DataFrame([{"partner": "D", "recipient": "R", "pot": 1.0, "ben": 0.5}])
    # pair_floor 0: the flow may fall to 0 (the floor's own range is tested below)
    raw = {"objective": {"method": "lexicographic", "first": "efficiency"},
           "balance": {"alpha": 0.0, "gamma": 0.0, "pair_floor": 0.0}, **params}
    return Instance.from_tables(raw, partners, recipients, pairs)


def test_the_pair_floor_ends_the_allowable_decrease():
    """With the default pair floor (0.05 of the need of 8) the flow may fall only to 0.4: the
    scarce row's price holds from 0.4, not from 0."""
    sol = solve(one_pair(10.0, 8.0, balance={"alpha": 0.0, "gamma": 0.0}), gap=0, why=False)
    row = sol.sensitivity(objective="efficiency").constraints.set_index("rule").loc["absorb"]
    assert row["shadow_price"] == pytest.approx(1.3)
    assert row["allowable_decrease"] == pytest.approx(7.6)


# ----------------------------------------------------------------- 11.3: supply and absorb
@pytest.mark.parametrize("scarce", ["absorb", "supply"])
def test_the_scarce_side_of_a_flow_carries_its_price(scarce):
    """x = min(supply, absorb): the scarcer row binds with price 1.3 (it used to read "not
    binding, price 0, allowable increase 1E+30": the price sat on the link row or the flow's
    bound), up to where the other side binds; beyond that one more unit is worth nothing."""
    inst = one_pair(10.0, 8.0) if scarce == "absorb" else one_pair(8.0, 10.0)
    sol = solve(inst, gap=0, why=False)
    assert len(sol.pairings) == 1 and sol.pairings["type"].iat[0] == "platform"
    rep = sol.sensitivity(objective="efficiency")
    C = rep.constraints.set_index("rule")
    other = "supply" if scarce == "absorb" else "absorb"
    row = C.loc[scarce]
    assert row["binding"] and row["shadow_price"] == pytest.approx(1.3)
    assert row["rhs"] == 8.0 and row["allowable_increase"] == pytest.approx(2.0)
    assert row["allowable_decrease"] == pytest.approx(8.0)
    assert not C.loc[other, "binding"] and C.loc[other, "shadow_price"] == 0
    assert "raises the objective by 1.3 units of efficiency (holds from 0 to 10)" in row["meaning"]
    # one more unit is worth 1.3 when the instance's data move, and nothing beyond the range
    path = ("recipients[R].absorb.funds" if scarce == "absorb" else "partners[D].supply.funds")

    def f(v):
        return held_value(sol, sol.instance.with_params({path: v}), "efficiency")

    assert f(9.0) - f(8.0) == pytest.approx(1.3)
    assert f(10.0) - f(8.0) == pytest.approx(2.6)  # linear up to the allowable increase
    assert f(11.0) == pytest.approx(f(10.0))  # and flat just beyond it
    # the whole solve agrees: this plan is optimal for the changed data too
    assert solve(sol.instance.with_params({path: 9.0}), gap=0, why=False).efficiency == \
        pytest.approx(sol.efficiency + 1.3)
    assert check_data_prices(sol, rep, "efficiency")[scarce] == 1


def test_equal_supply_and_absorb_is_degenerate():
    """supply = absorb = 8: both rows bind at the same point. One carries the price 1.3,
    valid for less (allowable increase 0); the other is binding with price 0, valid for more
    (allowable decrease 0), as Excel reports it. Each price is the one-sided derivative on
    the side its range opens to."""
    sol = solve(one_pair(8.0, 8.0), gap=0, why=False)
    rep = sol.sensitivity(objective="efficiency")
    C = rep.constraints.set_index("rule").loc[["supply", "absorb"]]
    assert C["binding"].all()
    priced = C[C["shadow_price"] != 0]
    zero = C[C["shadow_price"] == 0]
    assert len(priced) == 1 and len(zero) == 1
    p, z = priced.iloc[0], zero.iloc[0]
    assert p["shadow_price"] == pytest.approx(1.3)
    assert p["allowable_increase"] == 0 and p["allowable_decrease"] == pytest.approx(8.0)
    assert z["allowable_decrease"] == 0 and z["allowable_increase"] == math.inf
    assert "one unit less of" in p["meaning"] and "one unit more is worth less" in p["meaning"]
    assert z["meaning"].startswith("binding with price 0: another rule binds at the same point")
    paths = {"supply": "partners[D].supply.funds", "absorb": "recipients[R].absorb.funds"}
    f0 = rep.objective_value
    for rule, row in C.iterrows():
        up = held_value(sol, sol.instance.with_params({paths[rule]: 9.0}), "efficiency")
        dn = held_value(sol, sol.instance.with_params({paths[rule]: 7.0}), "efficiency")
        assert up - f0 == pytest.approx(0.0, abs=1e-9)  # one more of either is worth nothing
        assert f0 - dn == pytest.approx(1.3)  # one less of either costs 1.3
        # the reported price is the derivative on the side where its range is open
        assert row["shadow_price"] == pytest.approx(
            up - f0 if row["allowable_increase"] > 0 else f0 - dn, abs=1e-9)


def test_the_held_lp_has_no_link_rows_and_no_flow_bounds(demo):
    sol = solve(demo, gap=0, why=False)
    rep = sol.sensitivity(all_rows=True)
    lm = sol.model.lm
    link = lm.row_blocks["link"]
    lp = rep.lp
    assert np.all(np.isinf(np.asarray(lp.row_lower_)[link.start:link.stop]))
    assert np.all(np.isinf(np.asarray(lp.row_upper_)[link.start:link.stop]))
    assert not (rep.constraints["rule"] == "link").any()
    am = sol.model
    on = np.round(sol.x[am.z.start:am.z.stop])[am.x_z] > 0.5
    hi = np.asarray(lp.col_upper_)[am.x.start:am.x.stop]
    assert np.all(np.isinf(hi[on])) and np.all(hi[~on] == 0)
    # all_rows adds the internal rows (one type, equity) to the planner's ones
    assert {"one_type", "equity"} <= set(rep.constraints["rule"])
    assert len(rep.constraints) > len(sol.sensitivity().constraints)


def test_pairing_rows_are_constants_with_the_pairings_held(demo):
    """Span and hard coverage rows hold only pairing decisions: reported with price 0, their
    range being what the held pairings meet; scale rows of pairings that are off are not
    reported."""
    sol = solve(demo, gap=0, why=False)
    rep = sol.sensitivity()
    C = rep.constraints
    held = C[C["rule"].isin(["span_partner", "span_recipient", "coverage"])]
    assert len(held) >= 5
    assert (held["shadow_price"] == 0).all()
    assert held["meaning"].str.startswith("set by the pairings and types").all()
    cov = held[held["rule"] == "coverage"].set_index("entity")
    # Y has two partners and needs one: the rule holds up to 2; X has one
    assert cov.loc["Y", "allowable_increase"] == 1 and not cov.loc["Y", "binding"]
    assert cov.loc["X", "allowable_increase"] == 0 and cov.loc["X", "binding"]
    assert check_data_prices(sol, rep)["coverage"] == 3


def test_scale_rows_of_the_plan_only():
    from optimizer import load_instance

    sol = solve(load_instance("guangdong"), why=False)
    rep = sol.sensitivity()
    scale = rep.constraints[rep.constraints["rule"] == "scale"]
    planned = {f"{p},{r},{t}" for p, r, t in
               sol.pairings[["partner", "recipient", "type"]].itertuples(index=False)}
    assert len(scale) and set(scale["entity"]) <= planned


# ----------------------------------------------------------------- prices by right-hand side
@pytest.mark.parametrize("objective", ["plan", "efficiency", "equity"])
def test_demo_shadow_prices_match_finite_differences(demo, objective):
    sol = solve(demo, gap=0, why=False)
    rep = sol.sensitivity(objective=objective)
    n = check_rhs_prices(rep, min_checked=10)
    assert n == len(rep.constraints[rep.constraints.sense.isin(["<=", ">="])
                                    & ((rep.constraints.allowable_increase > 1e-7)
                                       | (rep.constraints.allowable_decrease > 1e-7))])
    assert (rep.constraints["binding"] & (rep.constraints["shadow_price"] != 0)).any()


def test_efficiency_shadow_price_of_supply_by_hand(demo):
    sol = solve(demo, method="lexicographic", first="efficiency", gap=0, why=False)
    rep = sol.sensitivity(objective="efficiency")
    row = rep.constraints.set_index("name").loc["supply[A,funds]"]
    assert row["binding"] and row["shadow_price"] > 0
    assert "Harbour City's funds supply raises the objective by" in row["meaning"]
    check_rhs_prices(rep)


def test_variable_cells(demo):
    sol = solve(demo, gap=0, why=False)
    rep = sol.sensitivity()
    v = rep.variables
    assert {"final_value", "reduced_cost", "objective_coefficient", "allowable_increase",
            "allowable_decrease"} <= set(v.columns)
    inner = v[(v.final_value > 1e-6)]
    assert (inner.reduced_cost.abs() < 1e-7).any()
    alloc = sol.allocations.groupby(["partner", "recipient", "resource"])["amount"].sum()
    got = v.groupby(["partner", "recipient", "resource"])["final_value"].sum()
    got = got[got > 1e-9]
    assert np.allclose(alloc.sort_index().to_numpy(), got.sort_index().to_numpy(), rtol=1e-6)


def test_real_instance_shadow_prices():
    from optimizer import load_instance

    sol = solve(load_instance("guangdong"), why=False)
    rep = sol.sensitivity()
    check_rhs_prices(rep, min_checked=5)
    assert math.isfinite(rep.efficiency_per_unit)


def test_sensitivity_needs_a_plan(demo):
    from optimizer import InputError

    sol = solve(demo.with_params({"balance.alpha": 1.0}), why=False)
    assert sol.status == "infeasible"
    with pytest.raises(InputError, match="needs a plan"):
        sol.sensitivity()


# ----------------------------------------------------------------- 11.8: one objective value
@pytest.mark.parametrize("case", sorted(METHODS))
def test_objective_value_is_the_summarys(demo, case):
    """The plan objective's value is the summary's objective (the weighted score with its
    constant) for every method; efficiency and equity are their best with the pairings held."""
    sol = solve(demo, gap=0, why=False, **METHODS[case])
    rep = sol.sensitivity()
    if case in ("weighted-lambda-1", "weighted-lambda-0"):
        # the plan is the lexicographic optimum: its first objective was held within
        # hold_tolerance of its best, which the held LP of the weighted score recovers
        first = "efficiency" if case.endswith("1") else "equity"
        best = sol.summary["payoff_table"]["ideal"][first]
        rng = sol.payoff.E_range if first == "efficiency" else sol.payoff.Q_range
        slack = hold_tolerance(best) / rng * (1 + 1e-6) + 1e-12
        assert sol.summary["objective"] - 1e-12 <= rep.objective_value \
            <= sol.summary["objective"] + slack
    else:
        assert rep.objective_value == pytest.approx(sol.summary["objective"], rel=1e-9,
                                                    abs=1e-9)
    assert "as in the summary" in rep.objective_label
    pen = sol.summary["penalty"]
    eff = sol.sensitivity(objective="efficiency")
    assert eff.objective_value >= sol.efficiency - pen - 1e-7 * abs(sol.efficiency)
    eq = sol.sensitivity(objective="equity")
    assert eq.objective_value >= sol.equity - pen - 1e-9
    if case == "lexicographic-efficiency":
        assert eff.objective_value == pytest.approx(sol.efficiency - pen, rel=1e-8)  # hold tolerance


def test_cli_states_the_summarys_objective(demo, tmp_path):
    from conftest import DEMO

    sol = solve(demo, gap=0, why=False)
    r = CliRunner().invoke(cli.main, ["sensitivity", str(DEMO), "--gap", "0",
                                      "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert f"= {sol.summary['objective']:.6g}" in first
    assert "the weighted score (lambda = 0.5), as in the summary" in first
    meta = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert meta["objective_value"] == pytest.approx(sol.summary["objective"], rel=1e-9)
    assert meta["objective_label"].startswith("the weighted score")


def test_balance_csv_carries_the_reports_prices(demo, tmp_path):
    sol = solve(demo, gap=0, why=False)
    sol.write(tmp_path / "out")
    bal = pd.read_csv(tmp_path / "out" / "balance.csv")
    sc = pd.read_csv(tmp_path / "out" / "sensitivity_constraints.csv")
    price = dict(zip(sc["row"], sc["shadow_price"]))
    assert bal["shadow_price"].notna().all()
    assert np.allclose(bal["shadow_price"], [price[r] for r in bal["row"]])


def test_participation_is_reported_and_the_choices_are_held():
    """The participation rule (MODEL-v2 B) is a reported row with its own words; the rows on
    share levels and clusters alone are constants once the plan's choices are held."""
    from optimizer.sensitivity import IMPLIED_ROWS, REPORTED_ROWS

    assert "participation" in REPORTED_ROWS
    assert {"share_level", "cluster_links", "cluster_waiver"} <= set(IMPLIED_ROWS)
    from optimizer.rules import BY_NAME

    up, down = BY_NAME["participation"].change(lambda i=0: "Shenzhen", lambda i: "SZ")
    assert up == "one unit more of return required by Shenzhen"
