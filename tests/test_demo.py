"""The bundled demo instance: optima pinned by hand.

Data (instances/demo): partners A (funds 100, talent 10) and B (funds 60, talent 20), each
with at most 2 partners; recipients X, Y, W absorb funds 80/60/50 and talent 10/10/10.
Gain per unit a = prod * mult of the best eligible type (comp = 0). Every pair's best type
is also its highest-kappa type, so it is the only one worth using:

    pair  type           funds  talent
    A-X   institutional  1.60   4.80
    A-Y   platform       1.95   2.60
    A-W   project        0.80   4.00
    B-X   project        1.00   3.00
    B-Y   institutional  2.40   3.20
    B-W   platform       1.04   5.20

Efficiency first (E*).  Drop every balance rule: a transportation problem remains.
Talent: supply 30 = absorb 30. A's 10 go to X (4.8, A's best), B's 20 to W (5.2) and Y (3.2):
132. No exchange helps (A-W 4.0 + B-X 3.0 = 7.0 < 4.8 + 5.2).
Funds: B's 60 fill Y (2.4, the best coefficient anywhere); A's 100 fill X (80 at 1.6) and the
rest goes to W (20 at 0.8); exchanging d units B-Y -> B-W against A-W -> A-Y changes E by
d(-2.4 + 1.04 + 1.95 - 0.8) = -0.21d < 0. Funds: 144 + 128 + 16 = 288.
So E* <= 132 + 288 = 420, and this plan meets every rule (A pairs X, W; B pairs Y, W;
floors 0.3*need met; W's capacity 3.2 + 26 = 29.2 >= 0.3*68), so E* = 420.
It is the unique optimum, so equity then is u_W = (2 + 68/80)/6 = 0.475 (X: 0.7933, Y: 1.2533).

Equity first (Q*, max-min of u = y/target).  W starts worst (u0 = 2/6). W can absorb
50 funds and 10 talent; its best sources are B-W (1.04, 5.2), so G_W <= 52 + 52 = 104 and
u_W <= (2 + 104/80)/6 = 0.55. Giving W exactly that leaves B 10 funds and 10 talent; X and Y
then reach well above 0.55 (below), so Q* = 0.55.
Efficiency with Q held at 0.55: B's remaining 10 funds and 10 talent go to Y (2.4, 3.2);
A's talent to X (4.8); A's funds fill Y's remaining 50 (1.95) and 50 to X (1.6):
E = 104 + 24 + 32 + 48 + 97.5 + 80 = 385.5.
Price of fairness = (420 - 385.5) / 420 = 0.082142857...
"""

import pytest
from checker import assert_plan

from optimizer import solve

REL = 1e-6


def approx(v):
    return pytest.approx(v, rel=REL, abs=1e-6)


def test_efficiency_first(demo):
    sol = assert_plan(solve(demo, method="lexicographic", first="efficiency", gap=0))
    assert sol.efficiency == approx(420.0)
    assert sol.equity == approx(0.475)
    flows = sol.allocations.set_index(["partner", "recipient", "resource"])["amount"]
    assert flows[("A", "W", "funds")] == approx(20.0)
    assert flows[("B", "Y", "funds")] == approx(60.0)


def test_equity_first(demo):
    sol = assert_plan(solve(demo, method="lexicographic", first="equity", gap=0))
    assert sol.equity == approx(0.55)
    assert sol.efficiency == pytest.approx(385.5, rel=1e-6)
    u = sol.recipients.set_index("recipient")["u"]
    assert u["W"] == approx(0.55)
    assert sol.price_of_fairness == pytest.approx((420 - 385.5) / 420, rel=1e-5)


def test_weighted_lies_between(demo):
    sol = assert_plan(solve(demo, gap=0))
    pt = sol.summary["payoff_table"]
    assert pt["ideal"]["efficiency"] == approx(420.0)
    assert pt["ideal"]["equity"] == approx(0.55)
    assert 385.5 - 1e-4 <= sol.efficiency <= 420 + 1e-6
    assert 0.475 - 1e-6 <= sol.equity <= 0.55 + 1e-6
    # the weighted objective is at least that of both lexicographic plans
    lam = 0.5
    def w(E, Q):
        return lam * (E - 385.5) / (420 - 385.5) + (1 - lam) * (Q - 0.475) / (0.55 - 0.475)
    assert w(sol.efficiency, sol.equity) >= max(w(420, 0.475), w(385.5, 0.55)) - 1e-6
    assert sol.objective == pytest.approx(w(sol.efficiency, sol.equity), abs=1e-5)


@pytest.mark.parametrize("lam", [0.0, 0.25, 0.75, 1.0])
def test_weight_moves_along_the_tradeoff(demo, lam):
    sol = assert_plan(solve(demo, weight=lam, gap=0))
    if lam == 1.0:
        assert sol.efficiency == approx(420.0)
    if lam == 0.0:
        assert sol.equity == approx(0.55)


def test_reasons_for_types(demo):
    sol = solve(demo, gap=0)
    P = sol.pairings.set_index(["partner", "recipient"])
    # B-W can be project or platform; as project, W's capacity rule cannot hold
    # (kappa 0.2 < gamma 0.3 on every unit W would get), so the loss is infinite.
    assert P.loc[("B", "W"), "type"] == "platform"
    assert P.loc[("B", "W"), "loss_if_project"] == float("inf")
    assert "institutional not eligible (ben 0.50 < 0.60)" in P.loc[("B", "W"), "reason"]
    # every finite loss is non-negative: the chosen type is the best one
    for t in demo.types:
        col = P[f"loss_if_{t}"].dropna()
        assert (col >= -1e-7).all()
