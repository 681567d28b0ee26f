"""A plain PuLP formulation of MODEL.md, written term by term: the reference and the baseline.

This is how the model reads when written the straightforward way with PuLP (one
``LpVariable`` per variable, ``lpSum`` per constraint, ``prob.solve(pulp.HiGHS())`` for each
stage). It shares nothing with ``model.py`` but the validated instance, so the tests use it as
an independent second build path (same optimal values on small and medium instances), and
``bench/county_scale.py`` uses it as the naive baseline the fast path is measured against.
It supports the payoff table and the weighted method (enough for both uses); an instance set
to another method is refused rather than silently solved as weighted.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pulp

from .equity import equity_value
from .errors import InputError
from .methods import get_method, hold_tolerance
from .methods.weighted import METHOD as WEIGHTED


def build(inst):
    """The PuLP problem and its variables (dicts keyed by ids)."""
    a = inst.arrays
    p = inst.params
    D, R, K, T = (list(map(str, inst.partners.index)), list(map(str, inst.recipients.index)),
                  list(inst.resources), list(inst.types))
    prob = pulp.LpProblem("regcollab_reference", pulp.LpMaximize)
    add = getattr(prob, "add_variable", None)

    def var(name, lo=0.0, hi=None, cat=pulp.LpContinuous):
        return add(name, lo, hi, cat=cat) if add else pulp.LpVariable(name, lo, hi, cat)

    x, z = {}, {}
    for di, d in enumerate(D):
        for ri, r in enumerate(R):
            for ti, t in enumerate(T):
                if not a["eligible"][di, ri, ti]:
                    continue
                z[d, r, t] = var(f"z_{di}_{ri}_{ti}", 0, 1, pulp.LpBinary)
                for ki, k in enumerate(K):
                    x[d, r, k, t] = var(f"x_{di}_{ri}_{ki}_{ti}", 0)
    idx = {"d": {d: i for i, d in enumerate(D)}, "r": {r: i for i, r in enumerate(R)},
           "k": {k: i for i, k in enumerate(K)}, "t": {t: i for i, t in enumerate(T)}}

    def coef(d, r, k, t):
        return (a["prod"][idx["r"][r], idx["k"][k]] * (1 + a["comp"][idx["d"][d], idx["r"][r]])
                * a["mult"][idx["t"][t]])

    soft = p["balance"]["soft"]
    slacks = []

    def balance(rule, expr, rhs, name):
        if rule in soft:
            s = var(f"slack_{name}", 0)
            slacks.append((s, soft[rule]))
            prob.addConstraint(expr + s >= rhs, name)
        else:
            prob.addConstraint(expr >= rhs, name)

    # index the variables once (as a careful modeller would), then one lpSum per constraint
    from collections import defaultdict

    by_dk, by_rk, by_r, z_d, z_r = (defaultdict(list) for _ in range(5))
    for (d, r, k, t), v in x.items():
        by_dk[d, k].append(v)
        by_rk[r, k].append(v)
        by_r[r].append((coef(d, r, k, t), t, v))
    for (d, r, t), v in z.items():
        z_d[d].append(v)
        z_r[r].append(v)

    # capacity of the pairing itself
    for di, d in enumerate(D):
        for ki, k in enumerate(K):
            prob.addConstraint(pulp.lpSum(by_dk[d, k]) <= a["supply"][di, ki],
                               f"supply_{di}_{ki}")
    for ri, r in enumerate(R):
        for ki, k in enumerate(K):
            prob.addConstraint(pulp.lpSum(by_rk[r, k]) <= a["absorb"][ri, ki],
                               f"absorb_{ri}_{ki}")
    for (d, r, k, t), v in x.items():
        cap = min(a["supply"][idx["d"][d], idx["k"][k]], a["absorb"][idx["r"][r], idx["k"][k]])
        prob.addConstraint(v <= cap * z[d, r, t], f"link_{v.name}")
    pairs = sorted({(d, r) for d, r, t in z})
    for d, r in pairs:
        types = pulp.lpSum(z[d, r, t] for t in T if (d, r, t) in z)
        prob.addConstraint(types <= 1, f"one_{idx['d'][d]}_{idx['r'][r]}")
        if a["fixed"][idx["d"][d], idx["r"][r]]:
            prob.addConstraint(types >= 1, f"fixed_{idx['d'][d]}_{idx['r'][r]}")
    for (d, r, t), zv in z.items():
        ri = idx["r"][r]
        floor = inst.params["balance"]["pair_floor"] * sum(
            a["value"][ki] * a["need"][ri, ki] for ki in range(len(K)))
        ms = max(a["min_scale"][idx["t"][t]], floor)  # MODEL.md 1.1: the pair floor
        if ms > 0:
            prob.addConstraint(pulp.lpSum(a["value"][idx["k"][k]] * x[d, r, k, t] for k in K)
                               >= ms * zv, f"scale_{zv.name}")
    for di, d in enumerate(D):
        if np.isfinite(a["max_partners_d"][di]):
            prob.addConstraint(pulp.lpSum(z_d[d]) <= a["max_partners_d"][di], f"span_d_{di}")
    G, C, U = {}, {}, {}
    gamma = p["balance"]["gamma"]
    for ri, r in enumerate(R):
        zr = pulp.lpSum(z_r[r])
        if np.isfinite(a["max_partners_r"][ri]):
            prob.addConstraint(zr <= a["max_partners_r"][ri], f"span_r_{ri}")
        if a["min_partners_r"][ri] > 0:
            balance("coverage", zr, a["min_partners_r"][ri], f"coverage_{ri}")
        for ki, k in enumerate(K):
            floor = p["balance"]["alpha"] * a["need"][ri, ki]
            if floor > 0:
                balance("access_floor", pulp.lpSum(by_rk[r, k]), floor, f"access_{ri}_{ki}")
        terms = by_r[r]
        G[r] = pulp.lpSum(c * v for c, t, v in terms)
        C[r] = pulp.lpSum(a["kappa"][idx["t"][t]] * c * v for c, t, v in terms)
        U[r] = (a["y0"][ri] + (1.0 / a["pop"][ri]) * G[r]) * (1.0 / a["target"][ri])
        if gamma > 0:
            balance("capacity", C[r] - gamma * G[r], 0.0, f"capacity_{ri}")
        if p["balance"]["theta"] is not None:
            balance("outcome_floor", U[r], p["balance"]["theta"], f"floor_{ri}")
    if p["balance"]["rho"] is not None:
        mean_u = (1.0 / len(R)) * pulp.lpSum(U.values())
        for ri, r in enumerate(R):
            balance("outcome_spread", U[r] - p["balance"]["rho"] * mean_u, 0.0, f"spread_{ri}")
    # equity
    eta = var("eta", None, None)
    if p["objective"]["equity"] == "tail":
        s = {r: var(f"s_{ri}", 0) for ri, r in enumerate(R)}
        for ri, r in enumerate(R):
            prob.addConstraint(s[r] >= eta - U[r], f"tail_{ri}")
        Q = eta - (1.0 / (p["objective"]["beta"] * len(R))) * pulp.lpSum(s.values())
    else:
        for ri, r in enumerate(R):
            prob.addConstraint(eta <= U[r], f"min_{ri}")
        Q = 1.0 * eta
    E = pulp.lpSum(G.values()) - pulp.lpSum(a["setup"][idx["t"][t]] * v
                                             for (d, r, t), v in z.items())
    pen = pulp.lpSum(w * s for s, w in slacks)
    return prob, {"x": x, "z": z, "E": E, "Q": Q, "penalty": pen, "U": U}


def _solve(prob, objective, gap, time_limit, limited=None):
    prob.setObjective(objective)
    kw = {"msg": False}
    if gap is not None:
        kw["gapRel"] = gap
    if time_limit:
        kw["timeLimit"] = time_limit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(pulp.HiGHS(**kw))
    if prob.status != pulp.LpStatusOptimal:
        if prob.status == pulp.LpStatusInfeasible:
            raise _Stopped("infeasible")
        if getattr(prob, "sol_status", None) == pulp.LpSolutionIntegerFeasible:
            if limited is not None:
                limited.append(True)
            return pulp.value(objective)  # stopped by the time limit with a plan
        raise _Stopped("no_solution")  # stopped by the time limit without a plan
    return pulp.value(objective)


class _Stopped(Exception):
    """A stage ended without a plan; its argument is the run's status."""


def solve_reference(inst, gap=None, time_limit=None) -> dict:
    """Payoff table and weighted plan, the plain way. Returns the headline values and timings."""
    method = get_method(inst.params["objective"]["method"])
    if method is not WEIGHTED:
        raise InputError(f"the reference formulation solves the weighted method only, not "
                         f"{method.name}")
    t0 = time.perf_counter()
    prob, v = build(inst)
    t_build = time.perf_counter() - t0
    E, Q, P = v["E"], v["Q"], v["penalty"]
    out = {"build": t_build}
    t1 = time.perf_counter()

    def true_equity():
        p = inst.params["objective"]
        u = np.array([pulp.value(v["U"][r]) for r in v["U"]])
        return equity_value(u, p["equity"], p["beta"])

    def lexi(first, second, tag):
        v1 = _solve(prob, first - P, gap, time_limit, limited)
        name = f"hold_{tag}"
        prob.addConstraint(first - P >= v1 - hold_tolerance(v1), name)
        _solve(prob, second - P, gap, time_limit, limited)
        res = (pulp.value(E), true_equity())
        # switch the hold off for later stages (PuLP 3.3 has no public way to delete a row)
        prob.get_constraint_by_name(name).constant = 1e12
        return res

    limited = []
    try:
        eff = lexi(E, Q, "e")
        eq = lexi(Q, E, "q")
        E_ide, Q_nad = eff
        E_nad, Q_ide = eq
        rE = E_ide - E_nad if E_ide - E_nad > 1e-9 * max(1, abs(E_ide)) else 1.0
        rQ = Q_ide - Q_nad if Q_ide - Q_nad > 1e-9 * max(1, abs(Q_ide)) else 1.0
        lam = inst.params["objective"]["lambda"]
        _solve(prob, lam * E / rE + (1 - lam) * Q / rQ - P, gap, time_limit, limited)
    except _Stopped as stop:
        out.update(status=stop.args[0], solve=time.perf_counter() - t1)
        return out
    Ev, Qv = pulp.value(E), true_equity()
    out.update(status="time_limit" if limited else "optimal", E_ideal=E_ide, Q_nadir=Q_nad, E_nadir=E_nad, Q_ideal=Q_ide,
               efficiency=Ev, equity=Qv,
               objective=lam * (Ev - E_nad) / rE + (1 - lam) * (Qv - Q_nad) / rQ
               - (pulp.value(P) or 0.0),
               solve=time.perf_counter() - t1)
    return out
