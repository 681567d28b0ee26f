"""An independent checker: recompute every rule of MODEL.md from the solution tables alone.

It reads only the instance's tables and parameters (not the model's arrays or index maps) and
the solution's ``pairings``, ``allocations``, ``recipients``, ``balance`` and ``summary``.
Every test that solves something calls :func:`check_solution`; a plan of several rounds
(MODEL-v2 section A) is checked by :func:`check_rounds` from its roadmap.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

TOL = 1e-6


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def tail_mean(u: np.ndarray, beta: float) -> float:
    """Ogryczak's tail beta-mean as CVaR's dual (Rockafellar-Uryasev): the maximum over eta of
    eta - sum(max(0, eta - u_i)) / (beta n). The function of eta is concave and piecewise
    linear with its kinks at the u_i, so the maximum is at one of them. A formula of its own,
    independent of the package's (sorting and weights)."""
    u = np.asarray(u, float)
    k = beta * len(u)
    return float(max(eta - np.maximum(0.0, eta - u).sum() / k for eta in u))


def _approx(v, abs_tol, rel_tol=0.0):
    import pytest

    return pytest.approx(v, abs=abs_tol, rel=rel_tol)


def check_rounds(sol, tol=1e-6):
    """Every rule of MODEL-v2 section A, from the solution's tables and instance alone."""
    inst, road = sol.instance, sol.roadmap
    a, st = inst.arrays, inst.params["rounds"]
    T, D, R = list(inst.types), list(inst.partners.index), list(inst.recipients.index)
    N = st["count"]
    keep = 1 - st["trust_decay"]
    gain_t = dict(zip(T, a["trust_gain"]))
    min_t = dict(zip(T, a["trust_min"]))
    for (d, r), g in road.groupby(["partner", "recipient"]):
        g = g.sort_values("round")
        assert list(g["round"]) == list(range(1, N + 1))
        trust = a["trust0"][D.index(d), R.index(r)]
        for _, row in g.iterrows():
            assert row["trust"] == _approx(trust, tol)
            if row["type"]:
                assert trust >= min_t[row["type"]] - tol, (d, r, row["round"])
            trust = keep * trust + (gain_t[row["type"]] if row["type"] else 0.0)
    # fixed pairings are paired in the first round
    first = road[(road["round"] == 1) & (road["type"] != "")]
    held = set(zip(first["partner"], first["recipient"]))
    for d, r in zip(*np.nonzero(a["fixed"])):
        assert (D[d], R[r]) in held
    # outcomes after the last round: every round's gain counts
    G = road.groupby("recipient")["gain"].sum()
    rec = sol.recipients.set_index("recipient")
    for r in R:
        y = a["y0"][R.index(r)] + G.get(r, 0.0) / a["pop"][R.index(r)]
        assert rec.loc[r, "u"] == _approx(y / a["target"][R.index(r)], 1e-9, 1e-7)
    # efficiency: discounted gains less setup costs less the cost of dropped pairings
    disc = st["discount"] ** (road["round"] - 1)
    setup = road["type"].map(lambda t: a["setup"][T.index(t)] if t else 0.0)
    E = float((disc * (road["gain"] - setup)).sum())
    dropped = 0.0
    for _, g in road.groupby(["partner", "recipient"]):
        on = (g.sort_values("round")["type"] != "").to_numpy()
        dropped += sum(st["discount"] ** n for n in range(N - 1) if on[n] and not on[n + 1])
    E -= st["switch_cost"] * dropped
    assert sol.efficiency == _approx(E, 1e-6, 1e-7)
    # every version 1 rule of the flows in every round, with that round's grown data
    K = list(inst.resources)
    for n in range(N):
        g = road[(road["round"] == n + 1) & (road["type"] != "")]
        gs, gn = (1 + st["supply_growth"]) ** n, (1 + st["need_growth"]) ** n
        for k, name in enumerate(K):
            sent = g.groupby("partner")[name].sum()
            got = g.groupby("recipient")[name].sum()
            for d in D:
                assert sent.get(d, 0.0) <= a["supply"][D.index(d), k] * gs * (1 + tol) + tol
            for r in R:
                i = R.index(r)
                assert got.get(r, 0.0) <= a["absorb"][i, k] * gn * (1 + tol) + tol
                if "access_floor" not in inst.params["balance"]["soft"]:
                    floor = inst.params["balance"]["alpha"] * a["need"][i, k] * gn
                    assert got.get(r, 0.0) >= floor * (1 - tol) - tol, (n, r, name)
        for side, ids, span in (("partner", D, a["max_partners_d"]),
                                ("recipient", R, a["max_partners_r"])):
            counts = g[side].value_counts()
            for x in ids:
                assert counts.get(x, 0) <= span[ids.index(x)], (n, x)
    # equity on the outcomes after the last round (or their mean over the rounds)
    if st["equity_at"] == "final":
        obj = inst.params["objective"]
        u = rec.loc[R, "u"].to_numpy(float)
        Q = tail_mean(u, obj["beta"]) if obj["equity"] == "tail" else float(u.min())
        assert sol.equity == _approx(Q, 1e-9, 1e-7)


def check_solution(sol, tol: float = TOL) -> list[str]:
    """Return nothing, or raise AssertionError listing every violated rule (a plan of several
    rounds: :func:`check_rounds`)."""
    if getattr(sol, "roadmap", None) is not None:
        check_rounds(sol)
        return []
    inst = sol.instance
    params = inst.params
    types = params["types"]
    K = list(inst.resources)
    P, R = inst.partners, inst.recipients
    problems: list[str] = []

    def bad(msg):
        problems.append(msg)

    def leq(a, b, what):  # a <= b within a relative tolerance
        if a > b + tol * max(1.0, abs(b)):
            bad(f"{what}: {a} > {b}")

    pairings, alloc = sol.pairings, sol.allocations
    # ---- one type per pair, each pairing eligible
    keys = list(zip(pairings["partner"], pairings["recipient"]))
    if len(set(keys)) != len(keys):
        bad("a pair has more than one type")
    ptype = dict(zip(keys, pairings["type"]))
    pr = params["pairs"]
    explicit = {}
    if len(inst.pairs):
        for (d, r), row in inst.pairs.iterrows():
            explicit[(str(d), str(r))] = row
    for (d, r), t in ptype.items():
        row = explicit.get((d, r))
        pot = row["pot"] if row is not None else pr["pot"]
        ben = row["ben"] if row is not None else pr["ben"]
        allowed = bool(row["allowed"]) if row is not None else bool(pr["allowed"])
        if not allowed:
            bad(f"pairing {d}-{r} is not allowed")
        if pot < types[t]["pot_min"] - 1e-12 or ben < types[t]["ben_min"] - 1e-12:
            bad(f"pairing {d}-{r} takes {t} without pot {pot} >= {types[t]['pot_min']} "
                f"and ben {ben} >= {types[t]['ben_min']}")
    for (d, r), row in explicit.items():
        if bool(row["fixed"]) and (d, r) not in ptype:
            bad(f"fixed pair {d}-{r} is not in the plan")

    # ---- flows only on pairings, with the pairing's type, non-negative
    for row in alloc.itertuples(index=False):
        key = (row.partner, row.recipient)
        if key not in ptype:
            bad(f"flow {row.amount} on {key}, which is not a pairing")
        elif ptype[key] != row.type:
            bad(f"flow on {key} has type {row.type} but the pairing is {ptype[key]}")
        if row.amount < -tol:
            bad(f"negative flow {row.amount} on {key}")

    # ---- supply and absorb
    sent = alloc.groupby(["partner", "resource"])["amount"].sum()
    for (d, k), v in sent.items():
        leq(v, P.loc[d, f"supply.{k}"], f"supply[{d},{k}]")
    got = alloc.groupby(["recipient", "resource"])["amount"].sum()
    for (r, k), v in got.items():
        leq(v, R.loc[r, f"absorb.{k}"], f"absorb[{r},{k}]")

    # ---- gains recomputed from the data
    comp = {key: (row["comp"] if key in explicit else pr["comp"])
            for key, row in ((k_, explicit.get(k_)) for k_ in ptype)}
    gain = np.zeros(len(R))
    capacity = np.zeros(len(R))
    value = {k: params["resources"][k]["value"] for k in K}
    pair_value = {key: 0.0 for key in ptype}
    for row in alloc.itertuples(index=False):
        r = R.index.get_loc(row.recipient)
        a = R.loc[row.recipient, f"prod.{row.resource}"] * (1 + comp[(row.partner, row.recipient)]) \
            * types[row.type]["mult"]
        gain[r] += a * row.amount
        capacity[r] += types[row.type]["kappa"] * a * row.amount
        pair_value[(row.partner, row.recipient)] += value[row.resource] * row.amount

    # ---- scale and spans
    # MODEL.md 1.1: the floor is min_scale or pair_floor x the recipient's total need in value
    pair_floor = params["balance"].get("pair_floor", 0.0)
    for key, t in ptype.items():
        need_value = sum(value[k] * float(R.loc[key[1], f"need.{k}"]) for k in K)
        floor = max(types[t]["min_scale"], pair_floor * need_value)
        if pair_value[key] < floor - tol * max(1.0, floor):
            bad(f"scale of {key}: {pair_value[key]} < {floor}")
    n_d = pairings.groupby("partner").size()
    for d, n in n_d.items():
        leq(n, P.loc[d, "max_partners"], f"max_partners[{d}]")
    n_r = pairings.groupby("recipient").size().reindex(R.index.astype(str), fill_value=0)
    for r, n in n_r.items():
        leq(n, R.loc[r, "max_partners"], f"max_partners_r[{r}]")

    # ---- balance rules (a soft rule may be broken only by its reported violation)
    bal = params["balance"]
    soft = bal["soft"]
    violations = {}
    if len(sol.balance):
        for row in sol.balance.itertuples(index=False):
            violations[(row.rule, row.recipient, row.resource or "")] = row.violation

    def rule(name, r, res, lhs, rhs):
        short = max(0.0, rhs - lhs)
        if name in soft:
            rep = violations.get((name, r, res), 0.0)
            if not close(rep, short, tol) and abs(rep - short) > tol:
                bad(f"{name}[{r},{res}] violation reported {rep}, actual {short}")
        elif short > tol * max(1.0, abs(rhs)):
            bad(f"{name}[{r},{res}]: {lhs} < {rhs}")

    y = R["baseline"].to_numpy(float) + gain / R["population"].to_numpy(float)
    u = y / R["target"].to_numpy(float)
    for i, r in enumerate(R.index):
        rule("coverage", r, "", n_r[r], R.loc[r, "min_partners"])
        for k in K:
            rule("access_floor", r, k, got.get((r, k), 0.0), bal["alpha"] * R.loc[r, f"need.{k}"])
        if bal["gamma"] > 0:
            rule("capacity", r, "", capacity[i], bal["gamma"] * gain[i])
        if bal["theta"] is not None:
            rule("outcome_floor", r, "", u[i], bal["theta"])
        if bal["rho"] is not None:
            rule("outcome_spread", r, "", u[i], bal["rho"] * u.mean())

    # ---- objectives and the recipients table agree with the recomputation
    setup = sum(types[t]["setup"] for t in ptype.values())
    E = gain.sum() - setup
    obj = params["objective"]
    Q = tail_mean(u, obj["beta"]) if obj["equity"] == "tail" else float(u.min())
    s = sol.summary
    if not close(E, s["efficiency"], tol):
        bad(f"efficiency recomputed {E} != reported {s['efficiency']}")
    if not close(Q, s["equity"], tol):
        bad(f"equity recomputed {Q} != reported {s['equity']}")
    rec = sol.recipients.set_index("recipient")
    for i, r in enumerate(R.index):
        if not close(rec.loc[r, "u"], u[i], tol):
            bad(f"u[{r}] reported {rec.loc[r, 'u']} != {u[i]}")
        if not close(rec.loc[r, "gain"], gain[i], tol):
            bad(f"gain[{r}] reported {rec.loc[r, 'gain']} != {gain[i]}")
    pt = s.get("payoff_table")
    if pt:
        ide, nad = pt["ideal"], pt["nadir"]
        if E > ide["efficiency"] + tol * max(1, abs(ide["efficiency"])) and not soft:
            bad(f"efficiency {E} above the ideal {ide['efficiency']}")
        if Q > ide["equity"] + tol * max(1, abs(ide["equity"])) and not soft:
            bad(f"equity {Q} above the ideal {ide['equity']}")
        pof = s.get("price_of_fairness")
        if pof is not None and ide["efficiency"]:
            if not close(pof, (ide["efficiency"] - nad["efficiency"]) / ide["efficiency"], tol):
                bad("price of fairness does not match the payoff table")
    if problems:
        raise AssertionError("solution violates the model:\n  " + "\n  ".join(problems))
    return problems


def assert_plan(sol):
    """A solution with a plan that passes the checker."""
    assert sol.has_plan, sol.summary.get("message")
    check_solution(sol)
    return sol


def frame_of(sol) -> pd.DataFrame:
    return sol.pairings
