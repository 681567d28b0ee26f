"""The balance rules of the paper: opportunity balance (coverage, access floor), capacity
balance (lasting capacity) and outcome balance (floor, spread). Each is a block of ">= rhs"
rows that may be made soft (a slack column with a penalty, added by the model)."""

from __future__ import annotations

import numpy as np

from .base import Rows, Rule, Sets, greater_equal, num, plural, select


def _recipient_names(s: Sets, ents: np.ndarray):
    R = s.R
    return lambda loc: [R[ents[i]] for i in loc]


class Coverage(Rule):
    name = "coverage"
    short = "coverage (min_partners)"
    statement = "coverage (opportunity): every recipient gets at least min_partners partners"
    group = "opportunity"
    soft_ok = True
    side = "lo"
    fix_verb, fix_many = "lower", "min_partners above"

    def build(self, s: Sets) -> Rows | None:
        minp = s.a["min_partners_r"]
        rc = np.flatnonzero(minp > 0)
        sel, local = select(s.pair_r[s.z_pair], rc, s.nR)
        return greater_equal(rc, local, s.Z[sel], np.ones(len(sel)), minp[rc],
                             _recipient_names(s, rc))

    def entity(self, am, ent):
        return {"r": int(ent)}

    def measure(self, q, ents):
        return ents, [""] * len(ents), q.n_part[ents].astype(float), q.a["min_partners_r"][ents]

    def sentence(self, w, e, side):
        r = e["r"]
        v = w.a["min_partners_r"][r]
        return (self.name, f"{w.rname[r]} must get at least {num(v)} {plural(v, 'partner')} "
                f"(coverage: min_partners)", v, False)

    def fix_parts(self, w, bent):
        return [f"{w.rname[e['r']]}'s min_partners from {num(w.a['min_partners_r'][e['r']])} "
                f"to {num(w.a['min_partners_r'][e['r']] - round(v))}" for e, v in bent]

    def change(self, name, who):
        level = f"the number of partners required for {name()} (a soft rule)"
        return f"raising {level} by one", f"lowering {level} by one"

    def binding(self, rn, row, alpha, fmt, paired):
        if not paired:
            return None
        return (f"{rn} must have at least {int(row.bound)} {plural(row.bound, 'partner')} "
                f"(coverage) and has exactly that")


class AccessFloor(Rule):
    name = "access_floor"
    short = "access floor (alpha)"
    statement = ("access floor (opportunity): every recipient gets at least alpha times its "
                 "need of each resource")
    group = "opportunity"
    parameter = "balance.alpha"
    soft_ok = True
    side = "lo"
    fix_verb, fix_many = "lower", "the access floors above"

    def build(self, s: Sets) -> Rows:
        nK, R, K = s.nK, s.R, s.K
        floor = s.p["balance"]["alpha"] * s.a["need"]  # (nR, nK)
        ents = np.flatnonzero(floor.ravel() > 0)
        sel, local = select(s.xr * nK + s.x_k, ents, s.nR * nK)
        return greater_equal(ents, local, s.X[sel], np.ones(len(sel)), floor.ravel()[ents],
                             lambda loc: [f"{R[ents[i] // nK]},{K[ents[i] % nK]}" for i in loc])

    def entity(self, am, ent):
        nK = len(am.inst.resources)
        return {"r": int(ent) // nK, "k": int(ent) % nK}

    def measure(self, q, ents):
        nK = len(q.K)
        rr, kk = ents // nK, ents % nK
        return rr, [q.K[k] for k in kk], q.recv[rr, kk], q.p["alpha"] * q.a["need"][rr, kk]

    def sentence(self, w, e, side):
        r, k = e["r"], e["k"]
        v = w.alpha * w.a["need"][r, k]
        return (self.name, f"{w.rname[r]} must receive at least {num(v)} of {w.K[k]}{w.unit(k)} "
                f"(access floor: alpha {num(w.alpha)} x need {num(w.a['need'][r, k])})", v, False)

    def fix_parts(self, w, bent):
        out = []
        for e, v in bent:
            floor = w.alpha * w.a["need"][e["r"], e["k"]]
            out.append(f"{w.rname[e['r']]}'s access floor for {w.K[e['k']]} by {num(v)} (from "
                       f"{num(floor)} to {num(floor - v)})")
        return out

    def change(self, name, who):
        level = f"{name()}'s access floor for {who(1)}"
        return f"raising {level} by one unit", f"lowering {level} by one unit"

    def binding(self, rn, row, alpha, fmt, paired):
        return (f"{rn} gets exactly its access floor of {row.resource} ({alpha:g} x need = "
                f"{fmt(row.bound)})")


class Capacity(Rule):
    name = "capacity"
    short = "capacity balance (gamma)"
    statement = "capacity balance: lasting capacity is at least gamma times the gain"
    group = "capacity"
    parameter = "balance.gamma"
    soft_ok = True
    side = "lo"
    fix_verb = "lower"

    def build(self, s: Sets) -> Rows | None:
        gamma = s.p["balance"]["gamma"]
        if not gamma > 0:
            return None
        all_r = np.arange(s.nR)
        coef = (s.a["kappa"][s.xt] - gamma) * s.gain
        return greater_equal(all_r, s.xr, s.X, coef, np.zeros(s.nR), _recipient_names(s, all_r))

    def entity(self, am, ent):
        return {"r": int(ent)}

    def measure(self, q, ents):
        return ents, [""] * len(ents), q.C[ents], q.p["gamma"] * q.G[ents]

    def sentence(self, w, e, side):
        return (self.name, f"at least {num(w.gamma)} of {w.rname[e['r']]}'s gain must become "
                f"lasting capacity (capacity balance: gamma)", w.gamma, False)

    def fix_parts(self, w, bent):
        return [f"the lasting capacity {w.rname[e['r']]} must build by {num(v)} (outcome units)"
                for e, v in bent]

    def change(self, name, who):
        noun = f"required lasting capacity in {name()}"
        return f"one more unit of {noun}", f"one unit less of {noun}"

    def binding(self, rn, row, alpha, fmt, paired):
        return (f"{rn}'s lasting capacity is exactly the capacity-balance minimum (gamma x "
                f"gain = {fmt(row.bound)})")


class OutcomeFloor(Rule):
    name = "outcome_floor"
    short = "outcome floor (theta)"
    statement = "outcome floor: every normalised outcome u is at least theta"
    group = "outcome"
    parameter = "balance.theta"
    soft_ok = True
    side = "lo"
    fix_verb, fix_many = "lower", "the outcome floors above"

    def build(self, s: Sets) -> Rows | None:
        theta = s.p["balance"]["theta"]
        if theta is None:
            return None
        all_r = np.arange(s.nR)
        return greater_equal(all_r, s.xr, s.X, s.ucoef, theta - s.u0, _recipient_names(s, all_r))

    def entity(self, am, ent):
        return {"r": int(ent)}

    def measure(self, q, ents):
        return ents, [""] * len(ents), q.u[ents], np.full(len(ents), q.p["theta"])

    def sentence(self, w, e, side):
        r = e["r"]
        tgt = w.a["target"][r]
        return (self.name, f"{w.rname[r]}'s outcome must reach {num(w.theta)} of its target, "
                f"{num(w.theta * tgt)} per person, from a baseline of {num(w.a['y0'][r])} "
                f"(outcome floor: theta)", w.theta, False)

    def fix_parts(self, w, bent):
        return [f"{w.rname[e['r']]}'s outcome floor by {num(v)} (from {num(w.theta)} to "
                f"{num(w.theta - v)} of its target)" for e, v in bent]

    def change(self, name, who):
        level = f"{name()}'s outcome floor"
        return f"raising {level} by one (in u)", f"lowering {level} by one (in u)"

    def binding(self, rn, row, alpha, fmt, paired):
        return f"{rn}'s outcome is at its outcome floor ({fmt(row.bound)})"


class OutcomeSpread(Rule):
    name = "outcome_spread"
    short = "outcome spread (rho)"
    statement = "outcome spread: every u is at least rho times the mean u"
    group = "outcome"
    parameter = "balance.rho"
    soft_ok = True
    side = "lo"
    fix_verb = "lower"

    def build(self, s: Sets) -> Rows | None:
        rho = s.p["balance"]["rho"]
        if rho is None:
            return None
        nR, nX = s.nR, len(s.X)
        ubar = s.blocks["ubar"].start
        # ubar = mean_r u[r]: one row, so that each spread row stays sparse
        s.lm.add_rows("mean_outcome", np.r_[np.zeros(nX, int), 0], np.r_[s.X, ubar],
                      np.r_[-s.ucoef / nR, 1.0], [s.u0.mean()], [s.u0.mean()],
                      labels=lambda loc: ["" for _ in loc])
        all_r = np.arange(nR)
        return greater_equal(all_r, np.r_[s.xr, all_r], np.r_[s.X, np.full(nR, ubar)],
                             np.r_[s.ucoef, np.full(nR, -rho)], -s.u0, _recipient_names(s, all_r))

    def entity(self, am, ent):
        return {"r": int(ent)}

    def measure(self, q, ents):
        return ents, [""] * len(ents), q.u[ents], q.p["rho"] * np.full(len(ents), q.u.mean())

    def sentence(self, w, e, side):
        return (self.name, f"{w.rname[e['r']]}'s normalised outcome must be at least "
                f"{num(w.rho)} times the mean (outcome spread: rho)", w.rho, False)

    def fix_parts(self, w, bent):
        return [f"{w.rname[e['r']]}'s outcome spread by {num(v)} (normalised outcome)"
                for e, v in bent]

    def change(self, name, who):
        level = (f"the margin by which {name()}'s outcome must exceed rho times the mean "
                 "outcome")
        return f"raising {level} by one (in u)", f"lowering {level} by one (in u)"

    def binding(self, rn, row, alpha, fmt, paired):
        return f"{rn}'s outcome is at its outcome spread ({fmt(row.bound)})"
