"""The balance rules of the paper: opportunity balance (coverage, access floor), capacity
balance (lasting capacity) and outcome balance (floor, spread). Each is a block of ">= rhs"
rows that may be made soft (a slack column with a penalty, added by the model)."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _, ngettext
from ..typology import type_name
from .base import Rows, Rule, Sets, greater_equal, join_words, num, select


def _recipient_names(s: Sets, ents: np.ndarray):
    R = s.R
    return lambda loc: [R[ents[i]] for i in loc]


class Coverage(Rule):
    name = "coverage"
    short = N_("coverage (min_partners)")
    label = N_("{A} coverage (fewest partners)")
    statement = N_("coverage (opportunity): every recipient gets at least min_partners partners")
    group = "opportunity"
    soft_ok = True
    side = "lo"
    fix_verb, fix_many = N_("lower"), N_("min_partners above")

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
        return (self.name, ngettext(
            "{recipient} must get at least {n} partner (coverage: min_partners)",
            "{recipient} must get at least {n} partners (coverage: min_partners)",
            int(v) if float(v).is_integer() else 2).format(recipient=w.rname[r], n=num(v)),
            v, False)

    def fix_parts(self, w, bent):
        return [_("{recipient}'s min_partners from {old} to {new}").format(
            recipient=w.rname[e["r"]], old=num(w.a["min_partners_r"][e["r"]]),
            new=num(w.a["min_partners_r"][e["r"]] - round(v))) for e, v in bent]

    def change(self, name, who):
        level = _("the number of partners required for {recipient} (a soft rule)").format(
            recipient=name())
        return (_("raising {level} by one").format(level=level),
                _("lowering {level} by one").format(level=level))

    def binding(self, rn, row, alpha, fmt, paired):
        if not paired:
            return None
        return ngettext("{recipient} must have at least {n} partner (coverage) and has "
                        "exactly that",
                        "{recipient} must have at least {n} partners (coverage) and has "
                        "exactly that", int(row.bound)).format(recipient=rn, n=int(row.bound))

    def headline(self, h) -> str | None:
        """Coverage against the partners that may pair, or against their spans."""
        w, a = h.w, h.w.a
        cover = h.of("coverage")
        if not cover or not h.kinds <= {"coverage", "span_partner", "fixed"}:
            return None
        rs = [h.ri[m.entity["recipient"]] for m in cover]
        cand = a["eligible"].any(axis=2)
        ds = sorted({d for d in range(len(w.D)) for r in rs if cand[d, r]})
        mins = sum(a["min_partners_r"][r] for r in rs)
        spans = h.of("span_partner")
        if not spans and len(rs) == 1:
            r = rs[0]
            if not ds:
                return ngettext(
                    "{recipient} must get at least {n} partner, but no partner may pair with it "
                    "(no allowed pair reaches a type's pot and ben thresholds)",
                    "{recipient} must get at least {n} partners, but no partner may pair with "
                    "it (no allowed pair reaches a type's pot and ben thresholds)",
                    2 if mins != 1 else 1).format(recipient=w.rname[r], n=num(mins))
            return _("{recipient} must get at least {n} partners, but only {k} may pair with it "
                     "({partners})").format(recipient=w.rname[r], n=num(mins), k=len(ds),
                                           partners=join_words([w.dname[d] for d in ds]))
        if not spans:
            return None
        cap = sum(m.bound for m in spans)
        sp_ds = [h.di[m.entity["partner"]] for m in spans]
        fixed = h.of("fixed")
        pairs = [w.dname[h.di[m.entity["partner"]]] + " - " + w.rname[h.ri[m.entity["recipient"]]]
                 for m in fixed]
        taken = (_(", and {n} of those places go to fixed pairings ({pairs})").format(
            n=len(fixed), pairs=join_words(pairs)) if fixed else "")
        return _("{recipients} must get at least {partners} in all, but the partners that may "
                 "pair with {who} ({names}) may take at most {capacity} in all "
                 "(max_partners){taken}").format(
            recipients=join_words([w.rname[r] for r in rs]),
            partners=ngettext("{n} partner", "{n} partners", 1 if mins == 1 else 2).format(
                n=num(mins)),
            who=_("it") if len(rs) == 1 else _("them"),
            names=join_words([w.dname[d] for d in sp_ds]),
            capacity=ngettext("{n} recipient", "{n} recipients", 1 if cap == 1 else 2).format(
                n=num(cap)), taken=taken)


class AccessFloor(Rule):
    name = "access_floor"
    short = N_("access floor (alpha)")
    label = N_("{A} {b} access floor")
    statement = N_("access floor (opportunity): every recipient gets at least alpha times its "
                 "need of each resource")
    group = "opportunity"
    parameter = "balance.alpha"
    soft_ok = True
    side = "lo"
    fix_verb, fix_many = N_("lower"), N_("the access floors above")

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

    def recipients(self, am, ents):
        return np.asarray(ents) // len(am.inst.resources)

    def measure(self, q, ents):
        nK = len(q.K)
        rr, kk = ents // nK, ents % nK
        return rr, [q.K[k] for k in kk], q.recv[rr, kk], q.p["alpha"] * q.a["need"][rr, kk]

    def sentence(self, w, e, side):
        r, k = e["r"], e["k"]
        v = w.alpha * w.a["need"][r, k]
        return (self.name, _("{recipient} must receive at least {amount} of {resource}{unit} "
                             "(access floor: alpha {alpha} x need {need})").format(
            recipient=w.rname[r], amount=num(v), resource=w.K[k], unit=w.unit(k),
            alpha=num(w.alpha), need=num(w.a["need"][r, k])), v, False)

    def fix_parts(self, w, bent):
        out = []
        for e, v in bent:
            floor = w.alpha * w.a["need"][e["r"], e["k"]]
            out.append(_("{recipient}'s access floor for {resource} by {by} (from {old} to "
                         "{new})").format(recipient=w.rname[e["r"]], resource=w.K[e["k"]],
                                          by=num(v), old=num(floor), new=num(floor - v)))
        return out

    def change(self, name, who):
        level = _("{recipient}'s access floor for {resource}").format(recipient=name(),
                                                                        resource=who(1))
        return (_("raising {level} by one unit").format(level=level),
                _("lowering {level} by one unit").format(level=level))

    def binding(self, rn, row, alpha, fmt, paired):
        return _("{recipient} gets exactly its access floor of {resource} ({alpha} x need = "
                 "{bound})").format(recipient=rn, resource=row.resource, alpha=f"{alpha:g}",
                                    bound=fmt(row.bound))

    def headline(self, h) -> str | None:
        """Floors of one resource against what the partners can send (or the recipient can
        use); "" when the numbers do not make the conflict plain."""
        w, a, K = h.w, h.w.a, h.w.K
        floors = h.of("access_floor")
        if not floors or not h.kinds <= {"access_floor", "supply", "pair_cap", "absorb"}:
            return None
        res = {m.entity["resource"] for m in floors}
        if len(res) != 1:
            return None
        k = K.index(res.pop())
        rs = [h.ri[m.entity["recipient"]] for m in floors]
        need = sum(m.bound for m in floors)
        ds = sorted({d for d in range(len(w.D)) for r in rs if w.reach[d, r, k]})
        who = w.rname[rs[0]] if len(rs) == 1 else _("them")
        if not ds:
            return _("{recipient}'s access floor for {resource} needs {need} units, but no "
                     "partner that may pair with {recipient} has any {resource}").format(
                recipient=w.rname[rs[0]], resource=K[k], need=num(need))
        sel = np.isin(h.am.x_r, rs) & (h.am.x_k == k)
        most = h.most(sel, np.ones(int(sel.sum())), "access_floor")
        if most is None or most >= need - 1e-9 * max(1.0, need):
            return ""
        subject = (_("{recipient}'s access floor for {resource} needs {need} units").format(
            recipient=w.rname[rs[0]], resource=K[k], need=num(need)) if len(rs) == 1 else
                   _("the access floors for {resource} of {recipients} need {need} units "
                     "together").format(resource=K[k], need=num(need),
                                        recipients=join_words([w.rname[r] for r in rs])))
        if "absorb" in h.kinds and len(rs) == 1 and a["absorb"][rs[0], k] < need:
            return _("{subject}, but {who} can use at most {most}").format(
                subject=subject, who=who, most=num(a["absorb"][rs[0], k]))
        return _("{subject}, but the partners that may pair with {who} ({partners}) can send "
                 "at most {most}").format(subject=subject, who=who, most=num(most),
                                          partners=join_words([w.dname[d] for d in ds]))

    def largest_setting(self, s, w):
        if not w.alpha > 0:
            return None
        b = s.lm.row_blocks[self.name]
        need = w.a["need"].ravel()[b.data["entity"]]
        return (self.parameter, w.alpha,
                s.largest_param(self.name, need, np.zeros(len(b)), w.alpha))

class Capacity(Rule):
    name = "capacity"
    short = N_("capacity balance (gamma)")
    label = N_("{A} lasting capacity")
    statement = N_("capacity balance: lasting capacity is at least gamma times the gain")
    group = "capacity"
    parameter = "balance.gamma"
    soft_ok = True
    side = "lo"
    fix_verb = N_("lower")

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
        return (self.name, _("at least {gamma} of {recipient}'s gain must become lasting "
                             "capacity (capacity balance: gamma)").format(
            gamma=num(w.gamma), recipient=w.rname[e["r"]]), w.gamma, False)

    def fix_parts(self, w, bent):
        return [_("the lasting capacity {recipient} must build by {by} (outcome units)").format(
            recipient=w.rname[e["r"]], by=num(v)) for e, v in bent]

    def change(self, name, who):
        noun = _("required lasting capacity in {recipient}").format(recipient=name())
        return (_("one more unit of {noun}").format(noun=noun),
                _("one unit less of {noun}").format(noun=noun))

    def binding(self, rn, row, alpha, fmt, paired):
        return _("{recipient}'s lasting capacity is exactly the capacity-balance minimum "
                 "(gamma x gain = {bound})").format(recipient=rn, bound=fmt(row.bound))

    def headline(self, h) -> str | None:
        """Capacity balance that no eligible type can meet, against an access floor."""
        w, a = h.w, h.w.a
        caps, floors = h.of("capacity"), h.of("access_floor")
        if len(caps) != 1 or not floors or not h.kinds <= {"capacity", "access_floor",
                                                            "pair_cap", "supply", "absorb"}:
            return None
        r = h.ri[caps[0].entity["recipient"]]
        types = sorted({int(t) for d in range(len(w.D)) for t in np.flatnonzero(a["eligible"][d, r])})
        if not types:
            return None
        kmax = max(a["kappa"][t] for t in types)
        if kmax >= w.gamma:
            return None
        kept = join_words([type_name(w.T[t]) + " " + num(a["kappa"][t]) for t in types])
        asks = join_words([_("{amount} of {resource}").format(
            amount=num(m.bound), resource=m.entity["resource"]) for m in floors])
        return _("at least {gamma} of {recipient}'s gain must become lasting capacity, but the "
                 "types its partners may take keep at most {most} ({kept}), so {recipient} could "
                 "receive nothing; yet its access floor asks for {asks}").format(
            gamma=num(w.gamma), recipient=w.rname[r], most=num(kmax), kept=kept, asks=asks)

    def largest_setting(self, s, w):
        if not w.gamma > 0:
            return None
        return self.parameter, w.gamma, s.largest_by_bisection(self.parameter, w.gamma)

class OutcomeFloor(Rule):
    name = "outcome_floor"
    short = N_("outcome floor (theta)")
    label = N_("{A} outcome floor")
    cumulative = True
    statement = N_("outcome floor: every normalised outcome u is at least theta")
    group = "outcome"
    parameter = "balance.theta"
    soft_ok = True
    side = "lo"
    fix_verb, fix_many = N_("lower"), N_("the outcome floors above")

    def build(self, s: Sets) -> Rows | None:
        theta = s.p["balance"]["theta"]
        if theta is None:
            return None
        all_r = np.arange(s.nR)
        r, c, v = s.outcome_terms()
        return greater_equal(all_r, r, c, v, theta - s.u0, _recipient_names(s, all_r))

    def entity(self, am, ent):
        return {"r": int(ent)}

    def measure(self, q, ents):
        return ents, [""] * len(ents), q.u[ents], np.full(len(ents), q.p["theta"])

    def sentence(self, w, e, side):
        r = e["r"]
        tgt = w.a["target"][r]
        return (self.name, _("{recipient}'s outcome must reach {theta} of its target, {level} "
                             "per person, from a baseline of {baseline} (outcome floor: "
                             "theta)").format(
            recipient=w.rname[r], theta=num(w.theta), level=num(w.theta * tgt),
            baseline=num(w.a["y0"][r])), w.theta, False)

    def fix_parts(self, w, bent):
        return [_("{recipient}'s outcome floor by {by} (from {old} to {new} of its target)").format(
            recipient=w.rname[e["r"]], by=num(v), old=num(w.theta), new=num(w.theta - v))
            for e, v in bent]

    def change(self, name, who):
        level = _("{recipient}'s outcome floor").format(recipient=name())
        return (_("raising {level} by one (in u)").format(level=level),
                _("lowering {level} by one (in u)").format(level=level))

    def binding(self, rn, row, alpha, fmt, paired):
        return _("{recipient}'s outcome is at its outcome floor ({bound})").format(
            recipient=rn, bound=fmt(row.bound))

    def headline(self, h) -> str | None:
        """An outcome floor above what everything the partners can send reaches."""
        w, a = h.w, h.w.a
        ofl = h.of("outcome_floor")
        if len(ofl) != 1 or not h.kinds <= {"outcome_floor", "pair_cap", "supply", "absorb"}:
            return None
        r = h.ri[ofl[0].entity["recipient"]]
        sel = h.am.x_r == r
        most = h.most(sel, h.am.ucoef[sel], "outcome_floor")
        if most is None:
            return None
        u = h.am.u0[r] + most
        if u >= w.theta - 1e-9:
            return None
        return _("{recipient}'s outcome must reach {theta} of its target ({level} per person, "
                 "from {baseline}), but everything the partners that may pair with it can send "
                 "raises it to at most {most} of its target").format(
            recipient=w.rname[r], theta=num(w.theta), level=num(w.theta * a["target"][r]),
            baseline=num(a["y0"][r]), most=f"{u:.4g}")

    def largest_setting(self, s, w):
        if w.theta is None:
            return None
        b = s.lm.row_blocks[self.name]
        return (self.parameter, w.theta,
                s.largest_param(self.name, np.ones(len(b)), -s.am.u0[b.data["entity"]],
                                w.theta))

class OutcomeSpread(Rule):
    name = "outcome_spread"
    short = N_("outcome spread (rho)")
    label = N_("{A} outcome spread")
    cumulative = True
    statement = N_("outcome spread: every u is at least rho times the mean u")
    group = "outcome"
    parameter = "balance.rho"
    soft_ok = True
    side = "lo"
    fix_verb = N_("lower")

    def build(self, s: Sets) -> Rows | None:
        rho = s.p["balance"]["rho"]
        if rho is None:
            return None
        nR = s.nR
        r, c, v = s.outcome_terms()
        ubar = s.blocks["ubar"].start
        # ubar = mean_r u[r]: one row, so that each spread row stays sparse
        s.lm.add_rows("mean_outcome" + s.suffix, np.r_[np.zeros(len(c), int), 0], np.r_[c, ubar],
                      np.r_[-v / nR, 1.0], [s.u0.mean()], [s.u0.mean()],
                      labels=lambda loc: ["" for _ in loc])
        all_r = np.arange(nR)
        return greater_equal(all_r, np.r_[r, all_r], np.r_[c, np.full(nR, ubar)],
                             np.r_[v, np.full(nR, -rho)], -s.u0, _recipient_names(s, all_r))

    def entity(self, am, ent):
        return {"r": int(ent)}

    def measure(self, q, ents):
        return ents, [""] * len(ents), q.u[ents], q.p["rho"] * np.full(len(ents), q.u.mean())

    def sentence(self, w, e, side):
        return (self.name, _("{recipient}'s normalised outcome must be at least {rho} times "
                             "the mean (outcome spread: rho)").format(
            recipient=w.rname[e["r"]], rho=num(w.rho)), w.rho, False)

    def fix_parts(self, w, bent):
        return [_("{recipient}'s outcome spread by {by} (normalised outcome)").format(
            recipient=w.rname[e["r"]], by=num(v)) for e, v in bent]

    def change(self, name, who):
        level = _("the margin by which {recipient}'s outcome must exceed rho times the mean "
                  "outcome").format(recipient=name())
        return (_("raising {level} by one (in u)").format(level=level),
                _("lowering {level} by one (in u)").format(level=level))

    def binding(self, rn, row, alpha, fmt, paired):
        return _("{recipient}'s outcome is at its outcome spread ({bound})").format(
            recipient=rn, bound=fmt(row.bound))

    def largest_setting(self, s, w):
        if w.rho is None:
            return None
        return self.parameter, w.rho, s.largest_by_bisection(self.parameter, w.rho)
