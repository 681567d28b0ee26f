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

import math
import time
import warnings
from collections import defaultdict

import numpy as np
import pulp

from .equity import equity_value
from .errors import InputError
from .i18n import _
from .methods import get_method, hold_tolerance
from .methods.weighted import METHOD as WEIGHTED


class _Builder:
    """The PuLP problem of one instance, built term by term (see :func:`build`)."""

    def __init__(self, inst):
        self.inst, self.a, self.p = inst, inst.arrays, inst.params
        self.D, self.R = list(map(str, inst.partners.index)), list(map(str, inst.recipients.index))
        self.K, self.T = list(inst.resources), list(inst.types)
        self.prob = pulp.LpProblem("regcollab_reference", pulp.LpMaximize)
        self.add = getattr(self.prob, "add_variable", None)
        self.soft = self.p["balance"]["soft"]
        self.slacks: list = []
        self.idx = {"d": {d: i for i, d in enumerate(self.D)},
                    "r": {r: i for i, r in enumerate(self.R)},
                    "k": {k: i for i, k in enumerate(self.K)},
                    "t": {t: i for i, t in enumerate(self.T)}}

    def var(self, name, lo=0.0, hi=None, cat=pulp.LpContinuous):
        return (self.add(name, lo, hi, cat=cat) if self.add
                else pulp.LpVariable(name, lo, hi, cat))

    def coef(self, d, r, k, t):
        a, idx = self.a, self.idx
        return (a["prod"][idx["r"][r], idx["k"][k]] * (1 + a["comp"][idx["d"][d], idx["r"][r]])
                * a["mult"][idx["t"][t]])

    def balance(self, rule, expr, rhs, name):
        if rule in self.soft:
            s = self.var(f"slack_{name}", 0)
            self.slacks.append((s, self.soft[rule]))
            self.prob.addConstraint(expr + s >= rhs, name)
        else:
            self.prob.addConstraint(expr >= rhs, name)

    def variables(self):
        """x (flows) and z (pairings) of every eligible pair and type."""
        x, z = {}, {}
        for di, d in enumerate(self.D):
            for ri, r in enumerate(self.R):
                for ti, t in enumerate(self.T):
                    if not self.a["eligible"][di, ri, ti]:
                        continue
                    z[d, r, t] = self.var(f"z_{di}_{ri}_{ti}", 0, 1, pulp.LpBinary)
                    for ki, k in enumerate(self.K):
                        x[d, r, k, t] = self.var(f"x_{di}_{ri}_{ki}_{ti}", 0)
        self.x, self.z = x, z
        # index the variables once (as a careful modeller would), then one lpSum per row
        self.by_dk, self.by_rk, self.by_r, self.z_d, self.z_r = (
            defaultdict(list) for _ in range(5))
        for (d, r, k, t), v in x.items():
            self.by_dk[d, k].append(v)
            self.by_rk[r, k].append(v)
            self.by_r[r].append((self.coef(d, r, k, t), t, v))
        for (d, r, t), v in z.items():
            self.z_d[d].append(v)
            self.z_r[r].append(v)

    def pairings(self):
        """Capacity of the pairings: supply, absorptive capacity, links, one type a pair,
        fixed pairs, the scale rule and the partners' spans."""
        a, idx, prob, x, z = self.a, self.idx, self.prob, self.x, self.z
        for di, d in enumerate(self.D):
            for ki, k in enumerate(self.K):
                prob.addConstraint(pulp.lpSum(self.by_dk[d, k]) <= a["supply"][di, ki],
                                   f"supply_{di}_{ki}")
        for ri, r in enumerate(self.R):
            for ki, k in enumerate(self.K):
                prob.addConstraint(pulp.lpSum(self.by_rk[r, k]) <= a["absorb"][ri, ki],
                                   f"absorb_{ri}_{ki}")
        for (d, r, k, t), v in x.items():
            cap = min(a["supply"][idx["d"][d], idx["k"][k]], a["absorb"][idx["r"][r], idx["k"][k]])
            prob.addConstraint(v <= cap * z[d, r, t], f"link_{v.name}")
        for d, r in sorted({(d, r) for d, r, t in z}):
            types = pulp.lpSum(z[d, r, t] for t in self.T if (d, r, t) in z)
            prob.addConstraint(types <= 1, f"one_{idx['d'][d]}_{idx['r'][r]}")
            if a["fixed"][idx["d"][d], idx["r"][r]]:
                prob.addConstraint(types >= 1, f"fixed_{idx['d'][d]}_{idx['r'][r]}")
        for (d, r, t), zv in z.items():
            ri = idx["r"][r]
            floor = self.p["balance"]["pair_floor"] * sum(
                a["value"][ki] * a["need"][ri, ki] for ki in range(len(self.K)))
            ms = max(a["min_scale"][idx["t"][t]], floor)  # MODEL.md 1.1: the pair floor
            if ms > 0:
                prob.addConstraint(pulp.lpSum(a["value"][idx["k"][k]] * x[d, r, k, t]
                                              for k in self.K) >= ms * zv, f"scale_{zv.name}")
        for di, d in enumerate(self.D):
            if np.isfinite(a["max_partners_d"][di]):
                prob.addConstraint(pulp.lpSum(self.z_d[d]) <= a["max_partners_d"][di],
                                   f"span_d_{di}")

    def recipients(self):
        """Spans, coverage, access floors, capacity, outcome floor and spread of the
        recipients. Returns their gains G and normalised outcomes U."""
        a, p, prob = self.a, self.p, self.prob
        G, C, U = {}, {}, {}
        gamma = p["balance"]["gamma"]
        for ri, r in enumerate(self.R):
            zr = pulp.lpSum(self.z_r[r])
            if np.isfinite(a["max_partners_r"][ri]):
                prob.addConstraint(zr <= a["max_partners_r"][ri], f"span_r_{ri}")
            if a["min_partners_r"][ri] > 0:
                self.balance("coverage", zr, a["min_partners_r"][ri], f"coverage_{ri}")
            for ki, k in enumerate(self.K):
                floor = p["balance"]["alpha"] * a["need"][ri, ki]
                if floor > 0:
                    self.balance("access_floor", pulp.lpSum(self.by_rk[r, k]), floor,
                                 f"access_{ri}_{ki}")
            terms = self.by_r[r]
            G[r] = pulp.lpSum(c * v for c, t, v in terms)
            C[r] = pulp.lpSum(a["kappa"][self.idx["t"][t]] * c * v for c, t, v in terms)
            U[r] = (a["y0"][ri] + (1.0 / a["pop"][ri]) * G[r]) * (1.0 / a["target"][ri])
            if gamma > 0:
                self.balance("capacity", C[r] - gamma * G[r], 0.0, f"capacity_{ri}")
            if p["balance"]["theta"] is not None:
                self.balance("outcome_floor", U[r], p["balance"]["theta"], f"floor_{ri}")
        if p["balance"]["rho"] is not None:
            mean_u = (1.0 / len(self.R)) * pulp.lpSum(U.values())
            for ri, r in enumerate(self.R):
                self.balance("outcome_spread", U[r] - p["balance"]["rho"] * mean_u, 0.0,
                             f"spread_{ri}")
        return G, U

    def equity(self, U):
        """The equity measure of the outcomes U: the tail mean or the minimum."""
        obj = self.p["objective"]
        eta = self.var("eta", None, None)
        if obj["equity"] == "tail":
            s = {r: self.var(f"s_{ri}", 0) for ri, r in enumerate(self.R)}
            for ri, r in enumerate(self.R):
                self.prob.addConstraint(s[r] >= eta - U[r], f"tail_{ri}")
            return eta - (1.0 / (obj["beta"] * len(self.R))) * pulp.lpSum(s.values())
        for ri, r in enumerate(self.R):
            self.prob.addConstraint(eta <= U[r], f"min_{ri}")
        return 1.0 * eta


def build(inst):
    """The PuLP problem and its variables (dicts keyed by ids)."""
    b = _Builder(inst)
    b.variables()
    b.pairings()
    G, U = b.recipients()
    Q = b.equity(U)
    E = pulp.lpSum(G.values()) - pulp.lpSum(b.a["setup"][b.idx["t"][t]] * v
                                             for (d, r, t), v in b.z.items())
    pen = pulp.lpSum(w * s for s, w in b.slacks)
    return b.prob, {"x": b.x, "z": b.z, "E": E, "Q": Q, "penalty": pen, "U": U}


def _proven_gap(prob) -> float | None:
    """The relative gap HiGHS proved for the MIP just solved (through PuLP's HiGHS model)."""
    model = getattr(prob, "solverModel", None)
    try:
        g = float(model.getInfo().mip_gap)
    except (AttributeError, TypeError, ValueError):
        return None
    return g if math.isfinite(g) and g < 1e30 else None


def _solve(prob, objective, gap, time_limit, limited=None, gaps=None):
    prob.setObjective(objective)
    kw = {"msg": False}
    if gap is not None:
        kw["gapRel"] = gap
    if time_limit:
        kw["timeLimit"] = time_limit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(pulp.HiGHS(**kw))
    if gaps is not None:
        gaps.append(_proven_gap(prob))
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
        raise InputError(_("the reference formulation solves the weighted method only, not "
                           "{method}").format(method=method.name))
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
        v1 = _solve(prob, first - P, gap, time_limit, limited, gaps)
        name = f"hold_{tag}"
        prob.addConstraint(first - P >= v1 - hold_tolerance(v1), name)
        _solve(prob, second - P, gap, time_limit, limited, gaps)
        res = (pulp.value(E), true_equity())
        # switch the hold off for later stages (PuLP 3.3 has no public way to delete a row)
        prob.get_constraint_by_name(name).constant = 1e12
        return res

    limited, gaps = [], out.setdefault("stage_gaps", [])  # each stage's proven gap
    try:
        eff = lexi(E, Q, "e")
        eq = lexi(Q, E, "q")
        E_ide, Q_nad = eff
        E_nad, Q_ide = eq
        rE = E_ide - E_nad if E_ide - E_nad > 1e-9 * max(1, abs(E_ide)) else 1.0
        rQ = Q_ide - Q_nad if Q_ide - Q_nad > 1e-9 * max(1, abs(Q_ide)) else 1.0
        lam = inst.params["objective"]["lambda"]
        _solve(prob, lam * E / rE + (1 - lam) * Q / rQ - P, gap, time_limit, limited, gaps)
    except _Stopped as stop:
        out.update(status=stop.args[0], solve=time.perf_counter() - t1)
        return out
    Ev, Qv = pulp.value(E), true_equity()
    out.update(status="time_limit" if limited else "optimal", E_ideal=E_ide, Q_nadir=Q_nad,
               E_nadir=E_nad, Q_ideal=Q_ide, efficiency=Ev, equity=Qv,
               objective=lam * (Ev - E_nad) / rE + (1 - lam) * (Qv - Q_nad) / rQ
               - (pulp.value(P) or 0.0),
               solve=time.perf_counter() - t1)
    return out
