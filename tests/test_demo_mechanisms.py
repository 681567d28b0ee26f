"""The demo instance with income sharing and with a virtual cluster: optima pinned by hand
(MODEL-v2 sections B and C; the base case is derived in tests/test_demo.py).

Efficiency first, the demo's plan is unique (tests/test_demo.py): E* = 420 with

    pair  type           flows                  gain
    A-X   institutional  funds 80, talent 10    128 + 48 = 176
    A-W   project        funds 20               16
    B-Y   institutional  funds 60, talent 10    144 + 32 = 176
    B-W   platform       talent 10              52

and u = (X 0.7933, Y 1.2533, W 0.475): max-min equity 0.475, W the worst.

Sharing: levels 0 and 0.5 for platform and institutional pairings; funds need a return of
0.3 per unit (return_min). A sends 100 funds (needs 30), B 60 (needs 18). Participation
leaves the 420 plan feasible (below), and 420 is the most without it, so E* = 420 with the
same flows. A's only sharing pairing is A-X (A-W is a project): 0 credits nothing < 30, so
A-X takes 0.5 (credited 88). B can be paid by B-Y at 0.5 (88 >= 18) or B-W at 0.5 (26 >= 18);
with E held at 420 equity comes second, and a share of B-W would take 26 / 80 off W's
outcome (u_W 0.42 < 0.475), so B-W stays at 0 and B-Y takes 0.5. Outcomes:
u_X = (3 + (176 - 88)/100)/6 = 0.646667, u_Y = (4 + (176 - 88)/50)/6 = 0.96,
u_W = 0.475 = Q. Partners: A requires 30, credited 88; B requires 18, credited 88.

Cluster: partner A with recipient W, setup 4, synergy 0.25, min_links 1. A-W (pot 0.5,
ben 0.2) is only a project without it; a formed cluster waives the platform's ben_min, so
A-W can be a platform (mult 1.3) whose flows gain 25% more: funds 0.8 x 1.3 x 1.25 = 1.3 per
unit, talent 4 x 1.3 x 1.25 = 6.5. Talent is a transportation problem with supply 30 =
absorb 30: A to X (48) and B to Y, W (32 + 52) gives 132, A to W (65) with B to X, Y (30 + 32)
only 127 (and A to Y 108), so talent does not move. Funds: B's 60 still fill Y (2.4, the best
coefficient), A's 100 fill X (80 at 1.6) and W (20 at 1.3 now); the exchange B-Y -> B-W,
A-W -> A-Y changes E by -2.4 + 1.04 + 1.95 - 1.3 = -0.71 per unit. So the cluster brings
20 x (1.04 - 0.8) = 4.8 by the platform type and 0.25 x 20.8 = 5.2 synergy, 10 in all:
forming it gives E = 420 + 10 - 4 = 426 > 420 (every rule holds: W's capacity
0.5 x 20.8 + 26 = 36.4 >= 0.3 x 72.8, floors and scale as before). The synergy alone (5.2)
pays the setup 4. Outcome of W: (2 + (20.8 + 5.2 + 52)/80)/6 = 0.495833 = Q (X 0.7933,
Y 1.2533). With setup 11 > 10 the cluster is not worth forming: E* = 420, the plan of
tests/test_demo.py, not formed.
"""

import dataclasses

import pandas as pd
import pytest
from checker import assert_plan

from optimizer import solve
from optimizer.instance.bundled import load_instance


def approx(v):
    return pytest.approx(v, rel=1e-6, abs=1e-6)


def efficiency_first(inst):
    return assert_plan(solve(inst, method="lexicographic", first="efficiency", gap=0))


def test_a_required_return_forces_the_share_levels():
    demo = load_instance("demo").with_params({"sharing.levels": [0.5],
                                              "resources.funds.return_min": 0.3})
    sol = efficiency_first(demo)
    assert sol.efficiency == approx(420.0)
    assert sol.equity == approx(0.475)
    P = sol.pairings.set_index(["partner", "recipient"])
    assert P.loc[("A", "X"), "share"] == 0.5 and P.loc[("A", "X"), "credited"] == approx(88.0)
    assert P.loc[("B", "Y"), "share"] == 0.5 and P.loc[("B", "Y"), "credited"] == approx(88.0)
    assert P.loc[("B", "W"), "share"] == 0.0 and P.loc[("B", "W"), "credited"] == approx(0.0)
    assert pd.isna(P.loc[("A", "W"), "share"]) and P.loc[("A", "W"), "type"] == "project"
    u = sol.recipients.set_index("recipient")["u"]
    assert u["X"] == approx(3.88 / 6) and u["Y"] == approx(0.96) and u["W"] == approx(0.475)
    part = sol.partners.set_index("partner")
    assert part.loc["A", "required"] == approx(30.0) and part.loc["A", "credited"] == approx(88.0)
    assert part.loc["B", "required"] == approx(18.0) and part.loc["B", "credited"] == approx(88.0)


def cluster(setup):
    demo = load_instance("demo")
    cl = pd.DataFrame({"name": ["A with W"], "partners": [("A",)], "recipients": [("W",)],
                       "setup": [setup], "synergy": [0.25], "min_links": [1]},
                      index=pd.Index(["AW"], name="id"))
    return dataclasses.replace(demo, clusters=cl)


def test_a_cluster_waives_ben_min_and_its_synergy_pays_its_setup():
    sol = efficiency_first(cluster(4.0))
    assert sol.efficiency == approx(426.0)
    assert sol.equity == approx(2.975 / 6)
    P = sol.pairings.set_index(["partner", "recipient"])
    assert P.loc[("A", "W"), "type"] == "platform"  # ben 0.2 < 0.4: waived by the cluster
    assert P.loc[("A", "W"), "gain"] == approx(20.8)
    assert P.loc[("A", "W"), "synergy"] == approx(5.2)
    assert P.loc[("A", "W"), "clusters"] == "AW"
    row = sol.clusters.set_index("id").loc["AW"]
    assert bool(row["formed"]) and row["links"] == 1
    assert row["synergy_gain"] == approx(5.2) and row["net"] == approx(1.2)
    flows = sol.allocations.set_index(["partner", "recipient", "resource"])["amount"]
    assert flows[("A", "W", "funds")] == approx(20.0)
    assert flows[("B", "W", "talent")] == approx(10.0)


def test_a_cluster_costing_more_than_it_brings_is_not_formed():
    sol = efficiency_first(cluster(11.0))
    assert sol.efficiency == approx(420.0)
    assert sol.equity == approx(0.475)
    assert not sol.clusters["formed"].any()
    P = sol.pairings.set_index(["partner", "recipient"])
    assert P.loc[("A", "W"), "type"] == "project" and P.loc[("A", "W"), "synergy"] == 0.0
