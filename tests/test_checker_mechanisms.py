"""The checker of MODEL-v2 B and C catches broken tables (each tampering below breaks one
rule), and passes a pair that sits in two formed clusters (its flows gain both synergies)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from checker import check_solution

from optimizer import solve
from optimizer.instance.bundled import load_instance


@pytest.fixture(scope="module")
def sol():
    demo = load_instance("demo")
    cl = pd.DataFrame({"name": ["C1", "C2"], "partners": [("A", "B"), ("A",)],
                       "recipients": [("X", "Y"), ("X", "W")], "setup": [1.0, 2.0],
                       "synergy": [0.2, 0.1], "min_links": [1, 1]},
                      index=pd.Index(["G1", "G2"], name="id"))
    inst = dataclasses.replace(demo, clusters=cl).with_params(
        {"sharing.levels": [0.25, 0.5], "resources.funds.return_min": 0.3,
         "sharing.spillover": 0.1})
    s = solve(inst, method="lexicographic", first="efficiency", gap=0, why=False)
    check_solution(s)
    return s


def test_a_pair_in_two_formed_clusters_gains_both(sol):
    P = sol.pairings.set_index(["partner", "recipient"])
    assert set(P.loc[("A", "X"), "clusters"].split(";")) == {"G1", "G2"}
    assert P.loc[("A", "X"), "synergy"] == pytest.approx(0.3 * P.loc[("A", "X"), "gain"])


def tamper(sol, table, where, column, value):
    t = getattr(sol, table).copy()
    t.loc[where(t), column] = value
    return dataclasses.replace(sol, **{table: t})


def pair(d, r):
    return lambda t: (t["partner"] == d) & (t["recipient"] == r)


@pytest.mark.parametrize("table, where, column, value, words", [
    ("pairings", pair("A", "X"), "share", 0.3, "not one of the levels"),
    ("pairings", pair("A", "X"), "credited", 1.0, "credited"),
    ("pairings", pair("B", "Y"), "share", float("nan"), "not one of the levels"),
    ("pairings", pair("A", "X"), "synergy", 0.0, "synergy"),
    ("partners", lambda t: t["partner"] == "A", "required", 0.0, "required"),
    ("clusters", lambda t: t["id"] == "G2", "links", 0, "links"),
    ("clusters", lambda t: t["id"] == "G2", "formed", False, "synergy"),
    ("clusters", lambda t: t["id"] == "G2", "formed", False, "platform with ben 0.2"),
    ("recipients", lambda t: t["recipient"] == "X", "outcome", 9.0, r"outcome\[X\]"),
])
def test_the_checker_catches(sol, table, where, column, value, words):
    with pytest.raises(AssertionError, match=words):
        check_solution(tamper(sol, table, where, column, value))
