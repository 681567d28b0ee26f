"""Brute force over every pairing and type choice of every round, an LP per choice, against
the MILP of a plan of several rounds (MODEL-v2 section A).

The LPs are written here from MODEL-v2 with scipy.optimize.linprog, not with the package's
model: trust, the trust gate, spans, coverage and the cost of dropped pairings are decided
by the choice itself (so they are checked by counting), the flows of every round are LP
columns, and equity is measured on the outcomes after the last round.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog
from test_bruteforce import rel_close
from test_rounds import check_rounds
from tiny import tiny_instance

from optimizer import solve


def round_choices(inst):
    a = inst.arrays
    nD, nR = a["allowed"].shape
    pairs = [(d, r) for d in range(nD) for r in range(nR) if a["eligible"][d, r].any()]
    options = [[None] + list(np.flatnonzero(a["eligible"][d, r])) for d, r in pairs]
    return pairs, list(itertools.product(*options))


def allowed(inst, pairs, plan) -> tuple[bool, float]:
    """Whether the choices of every round keep the counting rules (spans, coverage, fixed in
    round 1, the trust gate), and the plan's constant part of efficiency (setup, dropped)."""
    a, st = inst.arrays, inst.params["rounds"]
    keep = 1 - st["trust_decay"]
    trust = np.array([a["trust0"][d, r] for d, r in pairs])
    const = 0.0
    for n, combo in enumerate(plan):
        nd, nr = np.zeros(a["allowed"].shape[0]), np.zeros(a["allowed"].shape[1])
        for (d, r), t in zip(pairs, combo):
            if t is not None:
                nd[d] += 1
                nr[r] += 1
        if (nd > a["max_partners_d"]).any() or (nr > a["max_partners_r"]).any():
            return False, 0.0
        if (nr < a["min_partners_r"]).any():
            return False, 0.0
        for i, ((d, r), t) in enumerate(zip(pairs, combo)):
            if n == 0 and a["fixed"][d, r] and t is None:
                return False, 0.0
            if t is not None and trust[i] < a["trust_min"][t] - 1e-12:
                return False, 0.0
            if t is not None:
                const -= st["discount"] ** n * a["setup"][t]
            if n + 1 < len(plan) and t is not None and plan[n + 1][i] is None:
                const -= st["discount"] ** n * st["switch_cost"]
        trust = keep * trust + np.array([a["trust_gain"][t] if t is not None else 0.0
                                         for t in combo])
    return True, const


def lp_for(inst, pairs, plan):
    """max E and max Q over the flows of the choice ``plan`` (one combo per round)."""
    a, p = inst.arrays, inst.params
    nR, K = a["allowed"].shape[1], len(inst.resources)
    chosen = [(n, d, r, t) for n, combo in enumerate(plan)
              for (d, r), t in zip(pairs, combo) if t is not None]
    nx = len(chosen) * K
    tail = p["objective"]["equity"] == "tail" and p["objective"]["beta"] * nR > 1
    ETA, S0 = nx, nx + 1
    nv = nx + 1 + (nR if tail else 0)
    E, ucoef = np.zeros(nv), np.zeros((nR, nv))
    bounds = [(0.0, None)] * nv
    bounds[ETA] = (None, None)
    rows, rhs = [], []

    def le(row, b):
        rows.append(row)
        rhs.append(b)

    per = {}  # (round, kind, entity, k) -> row
    for c, (n, d, r, t) in enumerate(chosen):
        for k in range(K):
            j = c * K + k
            g = a["prod"][r, k] * (1 + a["comp"][d, r]) * a["mult"][t]
            E[j] = p["rounds"]["discount"] ** n * g
            ucoef[r, j] = g / (a["pop"][r] * a["target"][r])
            bounds[j] = (0.0, min(a["supply"][d, k], a["absorb"][r, k]))
            for key in ((n, "s", d, k), (n, "a", r, k)):
                per.setdefault(key, np.zeros(nv))[j] = 1.0
            per.setdefault((n, "cap", r, 0), np.zeros(nv))[j] = \
                (a["kappa"][t] - p["balance"]["gamma"]) * g
        floor = max(a["min_scale"][t], p["balance"]["pair_floor"] * (a["need"][r] @ a["value"]))
        if floor > 0:
            row = np.zeros(nv)
            row[c * K:(c + 1) * K] = -a["value"]
            le(row, -floor)
    for n in range(len(plan)):
        for d in range(a["allowed"].shape[0]):
            for k in range(K):
                if (n, "s", d, k) in per:
                    le(per[n, "s", d, k], a["supply"][d, k])
        for r in range(nR):
            for k in range(K):
                row = per.get((n, "a", r, k), np.zeros(nv))
                le(row, a["absorb"][r, k])
                le(-row, -p["balance"]["alpha"] * a["need"][r, k])
            if p["balance"]["gamma"] > 0 and (n, "cap", r, 0) in per:
                le(-per[n, "cap", r, 0], 0.0)
    u0 = a["y0"] / a["target"]
    for r in range(nR):  # equity on the outcomes after the last round
        row = -ucoef[r].copy()
        row[ETA] = 1.0
        if tail:
            row[S0 + r] = -1.0
        le(row, u0[r])
    Q = np.zeros(nv)
    Q[ETA] = 1.0
    if tail:
        Q[S0:] = -1.0 / (p["objective"]["beta"] * nR)
    return np.array(rows), np.array(rhs), bounds, E, Q


def lp_max(A, b, bounds, c):
    res = linprog(-c, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    return None if res.status != 0 else float(c @ res.x)


def brute_force(inst):
    """The best efficiency and the best equity of any plan of the instance's rounds."""
    pairs, combos = round_choices(inst)
    best_E = best_Q = -np.inf
    for plan in itertools.product(combos, repeat=inst.params["rounds"]["count"]):
        ok, const = allowed(inst, pairs, plan)
        if not ok:
            continue
        A, b, bounds, E, Q = lp_for(inst, pairs, plan)
        e = lp_max(A, b, bounds, E)
        if e is None:
            continue
        best_E = max(best_E, e + const)
        best_Q = max(best_Q, lp_max(A, b, bounds, Q))
    return None if best_E == -np.inf else (best_E, best_Q)


SETTINGS = {"rounds.count": 2, "types.platform.trust_min": 0.3, "rounds.switch_cost": 2.0,
            "rounds.discount": 0.8, "rounds.trust_decay": 0.4, "balance.pair_floor": 0.0}


FEASIBLE = []


@pytest.mark.parametrize("seed", range(8))
def test_the_payoff_table_of_two_rounds_matches_brute_force(seed):
    inst = tiny_instance(seed, max_pairs=3).with_params(SETTINGS)
    bf = brute_force(inst)
    sol = solve(inst, gap=0, why=False)
    if bf is None:
        assert sol.status == "infeasible"
        return
    assert sol.status == "optimal", sol.summary["message"]
    check_rounds(sol)
    FEASIBLE.append(seed)
    ideal = sol.summary.payoff_table["ideal"]
    assert rel_close(ideal["efficiency"], bf[0]), (ideal, bf)
    assert rel_close(ideal["equity"], bf[1]), (ideal, bf)


def test_brute_force_covered_feasible_cases_with_a_ladder():
    """Most of the instances above have plans, or the comparison proves little."""
    assert len(FEASIBLE) >= 4, FEASIBLE
