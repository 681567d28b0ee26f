"""Brute force over every pairing and type choice, every share level of every sharing
pairing and every cluster formed or not, an LP per choice, against the MILP (MODEL-v2
sections B and C).

The LPs are written here from MODEL-v2 with scipy.optimize.linprog, not with the package's
model. With every binary fixed the model is linear in the flows: a sharing pairing at level
l credits l x its gain to the partner (the recipient's outcome loses it); a platform or
institutional flow between members of the formed clusters gains sum synergy[g] x its gain
(in efficiency and in the recipient's outcome); participation is one row per partner. What
is decided by the choice itself is checked by counting: eligibility (the platform's ben_min
waived only inside a formed cluster), spans, coverage, a cluster's links. Capacity balance
counts the gain without synergy (as credited shares, it does not move lasting capacity).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from checker import check_solution
from scipy.optimize import linprog
from test_bruteforce import equity_rows, rel_close
from tiny import tiny_mechanism_instance

from optimizer import solve

CLUSTER_TYPES = ("platform", "institutional")


def data(inst):
    """The instance's data as plain arrays, read from its tables and parameters."""
    P, R, p = inst.partners, inst.recipients, inst.params
    D, Rs, K, T = list(P.index), list(R.index), list(inst.resources), list(inst.types)
    nD, nR = len(D), len(Rs)
    pair = {f: np.full((nD, nR), float(p["pairs"].get(f, False)), dtype=float) for f in
            ("comp", "pot", "ben", "allowed", "fixed")}
    for (d, r), row in inst.pairs.iterrows():
        for f in pair:
            pair[f][D.index(d), Rs.index(r)] = float(row[f])
    ty = p["types"]
    cl = inst.clusters
    return dict(
        D=D, R=Rs, K=K, T=T, p=p, **pair,
        supply=P[[f"supply.{k}" for k in K]].to_numpy(float),
        maxd=P["max_partners"].fillna(np.inf).to_numpy(float),
        absorb=R[[f"absorb.{k}" for k in K]].to_numpy(float),
        need=R[[f"need.{k}" for k in K]].to_numpy(float),
        prod=R[[f"prod.{k}" for k in K]].to_numpy(float),
        pop=R["population"].to_numpy(float), y0=R["baseline"].to_numpy(float),
        target=R["target"].to_numpy(float),
        minr=R["min_partners"].to_numpy(float),
        maxr=R["max_partners"].fillna(np.inf).to_numpy(float),
        value=np.array([p["resources"][k]["value"] for k in K]),
        rmin=np.array([p["resources"][k].get("return_min", 0.0) for k in K]),
        ty={t: ty[t] for t in T},
        levels=list(p["sharing"]["levels"]) or [0.0],
        stypes=set(p["sharing"]["types"]) if p["sharing"]["levels"] else set(),
        spill=p["sharing"]["spillover"],
        clusters=[({D.index(d) for d in row["partners"]}, {Rs.index(r) for r in row["recipients"]},
                   float(row["setup"]), float(row["synergy"]), int(row["min_links"]))
                  for _, row in cl.iterrows()] if cl is not None else [],
    )


def type_options(dt, d, r):
    """(type index, needs a formed cluster) of the types pair (d, r) may take."""
    if not dt["allowed"][d, r]:
        return []
    out = []
    for i, t in enumerate(dt["T"]):
        th = dt["ty"][t]
        if dt["pot"][d, r] < th["pot_min"] - 1e-12:
            continue
        if dt["ben"][d, r] >= th["ben_min"] - 1e-12:
            out.append((i, False))
        elif t == "platform" and any(d in g[0] and r in g[1] for g in dt["clusters"]):
            out.append((i, True))  # MODEL-v2 C: ben_min waived inside a formed cluster
    return out


def choices(dt):
    """Every (chosen pairings [(d, r, t)], formed clusters, levels per pairing) that the
    counting rules allow, with the constant part of efficiency (setups)."""
    nD, nR = dt["allowed"].shape
    pairs = [(d, r) for d in range(nD) for r in range(nR) if type_options(dt, d, r)]
    opts = [[None] + type_options(dt, d, r) for d, r in pairs]
    G = len(dt["clusters"])
    for combo in itertools.product(*opts):
        chosen = [(d, r, o[0], o[1]) for (d, r), o in zip(pairs, combo) if o is not None]
        nd, nr = np.zeros(nD), np.zeros(nR)
        for d, r, _, _ in chosen:
            nd[d] += 1
            nr[r] += 1
        if (nd > dt["maxd"]).any() or (nr > dt["maxr"]).any() or (nr < dt["minr"]).any():
            continue
        if any(dt["fixed"][d, r] and o is None for (d, r), o in zip(pairs, combo)):
            continue
        for formed in itertools.product([False, True], repeat=G):
            ok = True
            for g, f in enumerate(formed):
                ds, rs, _, _, links = dt["clusters"][g]
                n = sum(1 for d, r, t, _ in chosen if d in ds and r in rs
                        and dt["T"][t] in CLUSTER_TYPES)
                if f and n < links:
                    ok = False
            for d, r, t, waived in chosen:
                if waived and not any(f and d in g[0] and r in g[1]
                                       for f, g in zip(formed, dt["clusters"])):
                    ok = False
            if not ok:
                continue
            const = -sum(dt["ty"][dt["T"][t]]["setup"] for _, _, t, _ in chosen) \
                - sum(g[2] for f, g in zip(formed, dt["clusters"]) if f)
            sharing = [i for i, (_, _, t, _) in enumerate(chosen) if dt["T"][t] in dt["stypes"]]
            for lv in itertools.product(dt["levels"], repeat=len(sharing)):
                level = np.zeros(len(chosen))
                level[sharing] = lv
                yield chosen, formed, level, const


def lp_for(dt, plan, discount=1.0):
    """A_ub, b_ub, bounds and the E and Q objective vectors of one choice per round: ``plan``
    is [(chosen, formed, level)] (one item: a plan of one round). Every round has its own
    flows and rules; the outcome rules hold on the outcomes after each round, equity is
    measured after the last (MODEL-v2 A, ``equity_at = final``)."""
    p = dt["p"]
    nD, nR = dt["allowed"].shape
    K = len(dt["K"])
    bal, obj = p["balance"], p["objective"]
    starts = np.cumsum([0] + [len(chosen) * K for chosen, _, _ in plan])
    ETA = nx = starts[-1]
    tail = obj["equity"] == "tail"
    nv = nx + 1 + (nR if tail else 0)
    E, u = np.zeros(nv), np.zeros((nR, nv))
    bounds = [(0.0, None)] * nv
    bounds[ETA] = (None, None)
    rows, rhs = [], []
    u0 = dt["y0"] / dt["target"]
    for n, (chosen, formed, level) in enumerate(plan):
        sent, got, cap = np.zeros((nD, K, nv)), np.zeros((nR, K, nv)), np.zeros((nR, nv))
        part = np.zeros((nD, nv))
        for c, (d, r, t, _) in enumerate(chosen):
            tn = dt["T"][t]
            th = dt["ty"][tn]
            syn = sum(g[3] for f, g in zip(formed, dt["clusters"])
                      if f and d in g[0] and r in g[1]) if tn in CLUSTER_TYPES else 0.0
            for k in range(K):
                j = starts[n] + c * K + k
                a = dt["prod"][r, k] * (1 + dt["comp"][d, r]) * th["mult"]
                E[j] = discount ** n * a * (1 + syn)
                u[r, j] = a * (1 + syn - level[c]) / (dt["pop"][r] * dt["target"][r])
                cap[r, j] = (th["kappa"] - bal["gamma"]) * a
                part[d, j] = level[c] * a + dt["spill"] * dt["ben"][d, r] * a \
                    - dt["rmin"][k] * dt["value"][k]
                sent[d, k, j] = got[r, k, j] = 1.0
                bounds[j] = (0.0, min(dt["supply"][d, k], dt["absorb"][r, k]))
            floor = max(th["min_scale"], bal["pair_floor"] * float(dt["need"][r] @ dt["value"]))
            if floor > 0:
                row = np.zeros(nv)
                row[starts[n] + c * K:starts[n] + (c + 1) * K] = -dt["value"]
                rows.append(row); rhs.append(-floor)
        for d in range(nD):
            for k in range(K):
                rows.append(sent[d, k]); rhs.append(dt["supply"][d, k])
            if (dt["rmin"] > 0).any():
                rows.append(-part[d]); rhs.append(0.0)
        for r in range(nR):
            for k in range(K):
                rows.append(got[r, k]); rhs.append(dt["absorb"][r, k])
                rows.append(-got[r, k]); rhs.append(-bal["alpha"] * dt["need"][r, k])
            if bal["gamma"] > 0:
                rows.append(-cap[r]); rhs.append(0.0)
            if bal["theta"] is not None:
                rows.append(-u[r]); rhs.append(u0[r] - bal["theta"])
            if bal["rho"] is not None:
                rows.append(-(u[r] - bal["rho"] * u.mean(axis=0)))
                rhs.append(u0[r] - bal["rho"] * u0.mean())
    eq_rows, eq_rhs, Q = equity_rows(u, u0, ETA, tail, obj["beta"])
    return dict(A=np.array(rows + eq_rows), b=np.array(rhs + eq_rhs), bounds=bounds, E=E, Q=Q)


def lp_max(m, c, extra=()):
    A, b = m["A"], m["b"]
    for row, lo in extra:
        A = np.vstack([A, -row]); b = np.r_[b, -lo]
    res = linprog(-c, A_ub=A, b_ub=b, bounds=m["bounds"], method="highs")
    return None if res.status != 0 else res.x


def brute_force(inst, lam=0.5):
    """The payoff table (ideals, nadirs) and the weighted optimum of every choice's LP."""
    dt = data(inst)
    rows = []
    for chosen, formed, level, const in choices(dt):
        m = lp_for(dt, [(chosen, formed, level)])
        x = lp_max(m, m["E"])
        if x is None:
            continue
        y = lp_max(m, m["Q"])
        rows.append((m, const, m["E"] @ x + const, m["Q"] @ y))
    if not rows:
        return None
    E_ide = max(r[2] for r in rows)
    Q_ide = max(r[3] for r in rows)
    Q_nad = E_nad = -np.inf
    for m, const, E1, Q1 in rows:  # the lexicographic second stages, on the ties only
        if E1 >= E_ide - 1e-7 * max(1, abs(E_ide)):
            x = lp_max(m, m["Q"], [(m["E"], E1 - const - 1e-9 * max(1, abs(E1)))])
            Q_nad = max(Q_nad, m["Q"] @ x)
        if Q1 >= Q_ide - 1e-7 * max(1, abs(Q_ide)):
            x = lp_max(m, m["E"], [(m["Q"], Q1 - 1e-9 * max(1, abs(Q1)))])
            E_nad = max(E_nad, m["E"] @ x + const)
    rE = E_ide - E_nad if E_ide - E_nad > 1e-9 * max(1, abs(E_ide)) else 1.0
    rQ = Q_ide - Q_nad if Q_ide - Q_nad > 1e-9 * max(1, abs(Q_ide)) else 1.0
    W = -np.inf
    for m, const, E1, Q1 in sorted(rows, key=lambda r: -(lam * r[2] / rE + (1 - lam) * r[3] / rQ)):
        if lam * E1 / rE + (1 - lam) * Q1 / rQ <= W + 1e-12:
            continue  # its bound (each objective at its own best) cannot beat W
        c = lam * m["E"] / rE + (1 - lam) * m["Q"] / rQ
        x = lp_max(m, c)
        W = max(W, c @ x + lam * const / rE)
    W -= lam * E_nad / rE + (1 - lam) * Q_nad / rQ
    return dict(E_ide=E_ide, Q_ide=Q_ide, E_nad=E_nad, Q_nad=Q_nad, W=W, n=len(rows))


def compare(inst, bf, lam=0.5):
    sol = solve(inst, weight=lam, gap=0, why=False)
    if bf is None:
        assert sol.status == "infeasible", sol.summary["message"]
        return None
    assert sol.status == "optimal", sol.summary["message"]
    check_solution(sol)
    pt = sol.summary["payoff_table"]
    assert rel_close(pt["ideal"]["efficiency"], bf["E_ide"]), (pt, bf)
    assert rel_close(pt["ideal"]["equity"], bf["Q_ide"]), (pt, bf)
    assert rel_close(pt["nadir"]["equity"], bf["Q_nad"], 1e-5), (pt, bf)
    assert rel_close(pt["nadir"]["efficiency"], bf["E_nad"], 1e-5), (pt, bf)
    if bf["E_ide"] - bf["E_nad"] > 1e-6 * max(1, abs(bf["E_ide"])) and \
            bf["Q_ide"] - bf["Q_nad"] > 1e-6 * max(1, abs(bf["Q_ide"])):
        assert rel_close(sol.objective, bf["W"], 1e-5), (sol.objective, bf)
    else:
        # no trade-off: one plan is best for both. (The package's normalised objective is
        # then noise: it takes a range as 1 only below 1e-9, under the solver's tolerance.)
        assert rel_close(sol.efficiency, bf["E_ide"]) and rel_close(sol.equity, bf["Q_ide"])
    return sol


FEASIBLE, FORMED, SHARED = [], [], []
SEEDS = [0, 1, 2, 3, 4, 8, 9, 10, 13, 14, 15, 17]  # the default run (under five minutes)
"""Seeds whose enumeration is small (a few hundred choices at most); 0 and 2 have no plan."""
SLOW_SEEDS = [11, 12, 18, 19, 24, 25, 26, 28, 31, 32, 33, 34, 35, 36, 38]
"""Seeds with 300-1000 choices (several seconds each)."""


@pytest.mark.parametrize("seed", SEEDS + [pytest.param(s, marks=pytest.mark.slow)
                                          for s in SLOW_SEEDS])
def test_milp_matches_brute_force_with_sharing_and_clusters(seed):
    inst = tiny_mechanism_instance(seed)
    sol = compare(inst, brute_force(inst))
    if sol is not None:
        FEASIBLE.append(seed)
        if sol.clusters["formed"].any():
            FORMED.append(seed)
        if (sol.pairings["credited"] > 1e-9).any():
            SHARED.append(seed)


@pytest.mark.parametrize("seed, theta, rho", [(3, 0.3, 0.5), (5, 0.3, 0.5), (10, None, 0.7),
                                             (14, None, 0.9)])
def test_brute_force_with_outcome_rules(seed, theta, rho):
    """Outcome floor and spread move with the credited shares and the synergy. Seed 10 with
    rho 0.7: a plan would rather not have some synergy of a recipient (it raises the mean
    the spread rule measures against); a flow in a formed cluster gains it all the same."""
    inst = tiny_mechanism_instance(seed, theta=theta, rho=rho)
    compare(inst, brute_force(inst))


def test_brute_force_covered_cases():
    """Enough of the cases above have plans, form clusters and credit shares, or the
    comparison proves little."""
    assert len(FEASIBLE) >= 8, FEASIBLE  # of the 12 seeds of the default run (10 have plans)
    assert len(FORMED) >= 4, FORMED
    assert len(SHARED) >= 3, SHARED


ROUNDS = {"rounds.count": 2, "types.platform.trust_min": 0.3, "rounds.switch_cost": 2.0,
          "rounds.discount": 0.8, "rounds.trust_decay": 0.4, "balance.pair_floor": 0.0}


def brute_force_rounds(inst):
    """The best efficiency and equity of any plan of two rounds: every round's pairings, types,
    share levels and formed clusters (each round's choice as in one round), kept by the trust
    gate (trust starts at trust0 = 0 and grows by the held type's trust_gain); a pairing held
    in round 1 and dropped in round 2 costs switch_cost."""
    dt = data(inst)
    st, ty = dt["p"]["rounds"], dt["ty"]
    per_round = list(choices(dt))
    best_E = best_Q = -np.inf
    for plan in itertools.product(per_round, repeat=st["count"]):
        trust, ok, const = {}, True, 0.0
        for n, (chosen, formed, level, c) in enumerate(plan):
            held = {(d, r): dt["T"][t] for d, r, t, _ in chosen}
            if any(trust.get(key, 0.0) < ty[t]["trust_min"] - 1e-12 for key, t in held.items()):
                ok = False
                break
            const += st["discount"] ** n * c
            if n + 1 < len(plan):
                after = {(d, r) for d, r, _, _ in plan[n + 1][0]}
                const -= st["discount"] ** n * st["switch_cost"] * len(set(held) - after)
            keys = set(trust) | set(held)
            trust = {key: (1 - st["trust_decay"]) * trust.get(key, 0.0)
                     + (ty[held[key]]["trust_gain"] if key in held else 0.0) for key in keys}
        if not ok:
            continue
        m = lp_for(dt, [(chosen, formed, level) for chosen, formed, level, _ in plan],
                   st["discount"])
        x = lp_max(m, m["E"])
        if x is None:
            continue
        best_E = max(best_E, m["E"] @ x + const)
        best_Q = max(best_Q, m["Q"] @ lp_max(m, m["Q"]))
    return None if best_E == -np.inf else (best_E, best_Q)


ROUND_FEASIBLE = []


@pytest.mark.parametrize("seed", [0, 3, 18, 30, 40, 43, 58, 1]
                         + [pytest.param(s, marks=pytest.mark.slow) for s in (9, 15, 29, 35)])
def test_two_rounds_match_brute_force(seed):
    inst = tiny_mechanism_instance(seed, max_pairs=3).with_params(ROUNDS)
    bf = brute_force_rounds(inst)
    sol = solve(inst, gap=0, why=False)
    if bf is None:
        assert sol.status == "infeasible", sol.summary["message"]
        return
    assert sol.status == "optimal", sol.summary["message"]
    check_solution(sol)
    ROUND_FEASIBLE.append(seed)
    ideal = sol.summary["payoff_table"]["ideal"]
    assert rel_close(ideal["efficiency"], bf[0]), (ideal, bf)
    assert rel_close(ideal["equity"], bf[1]), (ideal, bf)


def test_two_rounds_covered_feasible_cases():
    """Most of the cases above have plans of two rounds (1 has none)."""
    assert len(ROUND_FEASIBLE) >= 6, ROUND_FEASIBLE


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20, 26))
def test_bigger_brute_force(seed):
    inst = tiny_mechanism_instance(seed, max_pairs=5, clusters=2)
    compare(inst, brute_force(inst))
