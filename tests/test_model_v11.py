"""MODEL.md version 1.1: the pair floor of the scale rule and the default gamma of 0.2.

Version 1 let a pairing carry nothing and still count for coverage (an instance written from
the docs alone planned "宁波-瑞金 project 0 0 0"), and its default gamma 0.3 made a recipient
served only by projects (kappa 0.2) impossible to plan.
"""

from __future__ import annotations

import pandas as pd
import pytest
from checker import check_solution

from optimizer import Instance, solve
from optimizer.diagnose import diagnose


def _instance(balance=None, supply_b=10.0, fixed=False, ben=0.5, min_partners=2):
    """Two partners and one recipient that needs 2 partners; A alone could fill its need."""
    partners = pd.DataFrame({"id": ["A", "B"], "name": ["宁波", "温州"],
                             "supply.funds": [10.0, supply_b], "supply.talent": [5.0, 5.0]})
    recipients = pd.DataFrame({"id": ["R"], "name": ["瑞金"], "population": [50.0],
                               "baseline": [4.0], "target": [8.0],
                               "min_partners": [min_partners],
                               "need.funds": [10.0], "need.talent": [2.0],
                               "prod.funds": [1.0], "prod.talent": [2.0]})
    pairs = pd.DataFrame({"partner": ["A", "B"], "recipient": ["R", "R"], "comp": [0.5, 0.0],
                          "pot": [1.0, 1.0], "ben": [ben, ben],
                          "fixed": [False, fixed]})
    params = {"name": "docs-defaults", "balance": dict(balance or {})}
    return Instance.from_tables(params, partners, recipients, pairs)


def test_every_pairing_carries_at_least_the_pair_floor():
    inst = _instance()
    assert inst.params["balance"]["pair_floor"] == 0.05
    sol = solve(inst)
    check_solution(sol)
    assert len(sol.pairings) == 2
    need_value = 10.0 + 2.0  # value 1 per unit by default
    assert (sol.pairings["value"] >= 0.05 * need_value - 1e-9).all(), sol.pairings


def test_version_1_let_a_pairing_carry_nothing():
    """The same instance with pair_floor 0 (version 1): the second pairing is empty, which
    the default now forbids (this is what the planners saw)."""
    sol = solve(_instance({"pair_floor": 0.0}))
    check_solution(sol)
    assert len(sol.pairings) == 2
    assert (sol.pairings["value"] < 1e-9).any(), sol.pairings


def test_default_gamma_lets_a_recipient_served_only_by_projects_be_planned():
    inst = _instance(ben=0.0, min_partners=1)  # ben 0: project is the only eligible type
    assert inst.params["balance"]["gamma"] == 0.2
    sol = solve(inst)
    assert sol.has_plan
    check_solution(sol)
    assert set(sol.pairings["type"]) == {"project"}
    assert solve(inst.with_params({"balance.gamma": 0.3})).status == "infeasible"


def test_validation_warns_when_a_partner_cannot_reach_the_pair_floor():
    inst = _instance(supply_b=0.0, min_partners=1)
    inst = inst.with_params({"partners[B].supply.talent": 0.1})  # B can send 0.1 < 0.6
    assert any("A-R" not in w and "B-R" in w and "floor" in w for w in inst.warnings), \
        inst.warnings
    assert not any("floor" in w for w in _instance().warnings)


def test_diagnosis_names_the_pair_floor_and_proposes_lowering_it():
    inst = _instance(supply_b=0.0, fixed=True, min_partners=1).with_params(
        {"partners[B].supply.talent": 0.1})
    sol = solve(inst)
    assert sol.status == "infeasible"
    report = diagnose(inst)
    text = " ".join(c.headline + " " + " ".join(m.text for m in c.rules) + " "
                    + " ".join(f.text for f in c.fixes) for c in report.conflicts)
    assert "pair_floor" in text, text
    # the fix it proposes leaves a plan that satisfies every rule
    fixed_inst = inst.with_params({"balance.pair_floor": 0.008})
    sol2 = solve(fixed_inst)
    assert sol2.has_plan
    check_solution(sol2)


@pytest.mark.parametrize("floor", [0.0, 0.05, 0.3])
def test_pair_floor_never_raises_the_best_efficiency(floor):
    """A floor only removes plans: the best efficiency can only fall as it rises."""
    base = solve(_instance({"pair_floor": 0.0}), weight=1.0).efficiency
    assert solve(_instance({"pair_floor": floor}), weight=1.0).efficiency <= base + 1e-6
