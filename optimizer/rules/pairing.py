"""The rules of the pairing itself: supply, absorptive capacity, flows only in a pairing (and
the capacity of one pairing), one type per pairing (and fixed pairings), the scale of a
pairing, and the spans of partners and recipients (MODEL.md, "Capacity of the pairing")."""

from __future__ import annotations

import math

import numpy as np

from .base import INF, Rows, Rule, Sets, join_words, num, plural, select


def _rk(am, ent: int) -> tuple[int, int]:
    nK = len(am.inst.resources)
    return int(ent) // nK, int(ent) % nK


class Supply(Rule):
    name = "supply"
    short = "supply"
    label = "{A} {b} supply"
    statement = "supply: a partner sends at most its supply of each resource"
    side = "hi"
    fix_verb, fix_many = "raise", "the supplies above"

    def build(self, s: Sets) -> Rows:
        nK, D, K = s.nK, s.D, s.K
        n = s.nD * nK
        return Rows(np.arange(n), s.xd * nK + s.x_k, s.X, np.ones(len(s.X)), np.full(n, -INF),
                    s.a["supply"].ravel(), lambda loc: [f"{D[i // nK]},{K[i % nK]}" for i in loc])

    def entity(self, am, ent):
        d, k = _rk(am, ent)
        return {"d": d, "k": k}

    def sentence(self, w, e, side):
        d, k = e["d"], e["k"]
        v = w.a["supply"][d, k]
        return (self.name, f"{w.dname[d]} can send at most {num(v)} of {w.K[k]}{w.unit(k)} in "
                f"all (its supply)", v, False)

    def fix_parts(self, w, bent):
        return [f"{w.dname[e['d']]}'s supply of {w.K[e['k']]} by {num(v)} (to "
                f"{num(w.a['supply'][e['d'], e['k']] + v)})" for e, v in bent]

    def change(self, name, who):
        noun = f"{name()}'s {who(1)} supply"
        return f"one more unit of {noun}", f"one unit less of {noun}"


class Absorb(Rule):
    name = "absorb"
    short = "absorptive capacity"
    label = "{A} {b} absorptive capacity"
    statement = "absorptive capacity: a recipient uses at most its absorptive capacity"
    side = "hi"
    fix_verb, fix_many = "raise", "the absorptive capacities above"

    def build(self, s: Sets) -> Rows:
        nK, R, K = s.nK, s.R, s.K
        n = s.nR * nK
        return Rows(np.arange(n), s.xr * nK + s.x_k, s.X, np.ones(len(s.X)), np.full(n, -INF),
                    s.a["absorb"].ravel(), lambda loc: [f"{R[i // nK]},{K[i % nK]}" for i in loc])

    def entity(self, am, ent):
        r, k = _rk(am, ent)
        return {"r": r, "k": k}

    def sentence(self, w, e, side):
        r, k = e["r"], e["k"]
        v = w.a["absorb"][r, k]
        return (self.name, f"{w.rname[r]} can use at most {num(v)} of {w.K[k]} (its absorptive "
                f"capacity)", v, False)

    def fix_parts(self, w, bent):
        return [f"{w.rname[e['r']]}'s absorptive capacity for {w.K[e['k']]} by {num(v)} (to "
                f"{num(w.a['absorb'][e['r'], e['k']] + v)})" for e, v in bent]

    def change(self, name, who):
        noun = f"{name()}'s capacity to absorb {who(1)}"
        return f"one more unit of {noun}", f"one unit less of {noun}"


def _x_entity(am, loc: int) -> dict:
    return {"d": int(am.x_d[loc]), "r": int(am.x_r[loc]), "k": int(am.x_k[loc]),
            "t": int(am.x_type[loc]), "x": int(loc)}


class Link(Rule):
    """x[d,r,k,t] <= min(supply, absorb) z[d,r,t]: flows only in a pairing (a definition: the
    planner bends the capacity of the pairing, :class:`PairCap`, not the link)."""

    name = "link"
    short = "flows need a pairing"
    reported = False
    implied_when_held = True  # by supply and absorb: x <= min(supply, absorb) once z = 1

    def build(self, s: Sets) -> Rows:
        nX = len(s.X)
        xb = s.blocks["x"]
        return Rows(np.arange(nX), np.r_[np.arange(nX), np.arange(nX)], np.r_[s.X, s.Z[s.x_z]],
                    np.r_[np.ones(nX), -s.cap[s.xp, s.x_k]], np.full(nX, -INF), np.zeros(nX),
                    xb.labels)

    def entity(self, am, ent):
        return _x_entity(am, ent)

    def sentence(self, w, e, side):
        return (self.name, f"{w.dname[e['d']]} sends {w.K[e['k']]} to {w.rname[e['r']]} only in "
                f"a pairing", None, True)


class PairCap(Rule):
    """The upper bound min(supply, absorb) of a flow column: what one pairing can carry. Not a
    block of rows (the bound of the x columns); the diagnosis may bend it."""

    name = "pair_cap"
    short = "capacity of one pairing"
    side = "hi"
    reported = False

    def entity(self, am, ent):
        return _x_entity(am, ent)

    def sentence(self, w, e, side):
        a = w.a
        d, r, k = e["d"], e["r"], e["k"]
        v = min(a["supply"][d, k], a["absorb"][r, k])
        return (self.name, f"{w.dname[d]} can send {w.rname[r]} at most {num(v)} of {w.K[k]} "
                f"(the smaller of its supply, {num(a['supply'][d, k])}, and what {w.rname[r]} "
                f"can use, {num(a['absorb'][r, k])})", v, False)

    def pairing_sentence(self, w, d: int, r: int, per_k: dict) -> str:
        """One sentence for the capacity of a pairing's flows, every resource at once."""
        amounts = join_words([f"{num(v)} of {w.K[k]}" for k, (v, _) in per_k.items()])
        return (f"{w.dname[d]} can send {w.rname[r]} at most {amounts} (its supply, or what "
                f"{w.rname[r]} can use if that is less)")


class OneType(Rule):
    """fixed[d,r] <= sum_t z[d,r,t] <= 1: one type per pairing; its lower side is the fixed
    pairing (:class:`Fixed`), which the diagnosis may bend."""

    name = "one_type"
    short = "one type per pairing"
    side = "lo"
    reported = False

    def build(self, s: Sets) -> Rows:
        D, R = s.D, s.R
        nP = len(s.pair_d)
        fixed = s.a["fixed"][s.pair_d, s.pair_r].astype(float)
        return Rows(np.arange(nP), s.z_pair, s.Z, np.ones(len(s.Z)), fixed, np.ones(nP),
                    lambda loc: [f"{D[s.pair_d[i]]},{R[s.pair_r[i]]}" for i in loc])

    def entity(self, am, ent):
        return {"d": int(am.pair_d[ent]), "r": int(am.pair_r[ent]), "pair": int(ent)}

    def sentence(self, w, e, side):
        if side == "lo":
            return FIXED.sentence(w, e, side)
        return (self.name, f"{w.dname[e['d']]} and {w.rname[e['r']]} pair at most once", 1.0,
                True)


class Fixed(Rule):
    """A fixed pairing (pairs.csv ``fixed``): the lower side of the one-type row."""

    name = "fixed"
    short = "fixed pairing"
    side = "lo"
    reported = False
    fix_verb = "unfix"

    def sentence(self, w, e, side):
        return (self.name, f"the pairing {w.dname[e['d']]} - {w.rname[e['r']]} is fixed: it "
                f"must be kept (pairs.csv)", 1.0, False)

    def fix_parts(self, w, bent):
        return [f"the pairing {w.dname[e['d']]} - {w.rname[e['r']]} (fixed = false)"
                for e, v in bent]

    def headline(self, h) -> str | None:
        """A fixed pairing whose partner cannot send the least any type asks of it."""
        w, a = h.w, h.w.a
        fixed, scales = h.of("fixed"), h.of("scale")
        if len(fixed) != 1 or not scales or not h.kinds <= {"fixed", "scale", "supply",
                                                             "pair_cap", "absorb"}:
            return None
        m = fixed[0]
        d, r = h.di[m.entity["partner"]], h.ri[m.entity["recipient"]]
        least = min(sc.bound for sc in scales)
        most = float(a["value"] @ np.minimum(a["supply"][d], a["absorb"][r]))
        if most >= least:
            return None
        return (f"the fixed pairing {w.dname[d]} - {w.rname[r]} needs resources worth at least "
                f"{num(least)} for any type it may take, but {w.dname[d]} can send "
                f"{w.rname[r]} at most {num(most)}")


FIXED = Fixed()


def scale_source(inst, r: int, t: int) -> str:
    """Where the scale rule's floor of a type-t pairing with recipient r comes from, in words:
    the type's min_scale or the pair floor (a share of the recipient's total need)."""
    a = inst.arrays
    tname = inst.types[t]
    if a["min_scale"][t] >= a["pair_floor_value"][r]:
        return f"types.{tname}.min_scale"
    return (f"balance.pair_floor {inst.params['balance']['pair_floor']:g} of "
            f"{inst.recipients['name'].iat[r]}'s total need, worth {a['need_value'][r]:.4g}")


class Scale(Rule):
    """sum_k value[k] x[d,r,k,t] >= floor[r,t] z[d,r,t], floor = max(min_scale[t],
    pair_floor x the recipient's total need in value) (MODEL.md 1.1)."""

    name = "scale"
    short = "minimum scale"
    label = "{A} - {B} {c} smallest scale"
    per_pairing = True
    statement = ("scale: a pairing carries resources worth at least its type's min_scale and "
                 "pair_floor times its recipient's total need")
    side = "lo"
    fix_verb = "lower"

    def build(self, s: Sets) -> Rows | None:
        ms = s.a["scale_floor"][s.pair_r[s.z_pair], s.z_type]
        zs = np.flatnonzero(ms > 0)
        if not len(zs):
            return None
        sel, local = select(s.x_z, zs, len(s.Z))
        zlabels = s.blocks["z"].labels
        return Rows(zs, np.r_[local, np.arange(len(zs))], np.r_[s.X[sel], s.Z[zs]],
                    np.r_[s.a["value"][s.x_k[sel]], -ms[zs]], np.zeros(len(zs)),
                    np.full(len(zs), INF), lambda loc: zlabels(zs[loc]), {"floor": ms[zs]})

    def entity(self, am, ent):
        p = int(am.z_pair[ent])
        return {"d": int(am.pair_d[p]), "r": int(am.pair_r[p]), "t": int(am.z_type[ent]),
                "z": int(ent)}

    def sentence(self, w, e, side):
        d, r, t = e["d"], e["r"], e["t"]
        v = w.a["scale_floor"][r, t]
        return (self.name, f"a {w.T[t]} pairing of {w.dname[d]} and {w.rname[r]} needs "
                f"resources worth at least {num(v)} ({scale_source(w.inst, r, t)})", v, False)

    def fix_parts(self, w, bent):
        """A setting, low enough for every pairing bent: the type's min_scale where it binds,
        else the pair floor (its share of the recipient's need)."""
        a = w.a
        to: dict[int, float] = {}
        for e, v in bent:
            r, t = e["r"], e["t"]
            new = max(a["scale_floor"][r, t] - v, 0.0)
            if a["min_scale"][t] >= a["pair_floor_value"][r]:
                to[t] = min(to.get(t, new), new)
            else:
                share = new / a["need_value"][r]
                to[-1] = min(to.get(-1, share), share)
        parts = []
        for t, new in to.items():
            shown = math.floor(new * 1e4 + 1e-6) / 1e4
            if t < 0:
                parts.append(f"balance.pair_floor from "
                             f"{num(w.inst.params['balance']['pair_floor'])} to {shown:g}")
            else:
                parts.append(f"types.{w.T[t]}.min_scale from {num(a['min_scale'][t])} to "
                             f"{shown:g}")
        return parts

    def change(self, name, who):
        level = f"the smallest scale of the pairing {name(0)} - {name(1)} ({who(2)})"
        return f"raising {level} by one unit of value", f"lowering {level} by one unit of value"


class SpanPartner(Rule):
    name = "span_partner"
    short = "partner span (max_partners)"
    label = "{A} most recipients"
    statement = "partner span: a partner pairs with at most max_partners recipients"
    side = "hi"
    fix_verb, fix_many = "raise", "max_partners above"

    def build(self, s: Sets) -> Rows | None:
        md = s.a["max_partners_d"]
        dd = np.flatnonzero(np.isfinite(md))
        if not len(dd):
            return None
        sel, local = select(s.pair_d[s.z_pair], dd, s.nD)
        D = s.D
        return Rows(dd, local, s.Z[sel], np.ones(len(sel)), np.full(len(dd), -INF), md[dd],
                    lambda loc: [D[dd[i]] for i in loc])

    def entity(self, am, ent):
        return {"d": int(ent)}

    def sentence(self, w, e, side):
        d = e["d"]
        v = w.a["max_partners_d"][d]
        return (self.name, f"{w.dname[d]} may pair with at most {num(v)} "
                f"{plural(v, 'recipient')} (max_partners)", v, False)

    def fix_parts(self, w, bent):
        return [f"{w.dname[e['d']]}'s max_partners from {num(w.a['max_partners_d'][e['d']])} to "
                f"{num(w.a['max_partners_d'][e['d']] + round(v))}" for e, v in bent]


class SpanRecipient(Rule):
    name = "span_recipient"
    short = "recipient span (max_partners)"
    label = "{A} most partners"
    statement = "recipient span: a recipient gets at most max_partners partners"
    side = "hi"
    fix_verb, fix_many = "raise", "max_partners above"

    def build(self, s: Sets) -> Rows | None:
        mr = s.a["max_partners_r"]
        rr = np.flatnonzero(np.isfinite(mr))
        if not len(rr):
            return None
        sel, local = select(s.pair_r[s.z_pair], rr, s.nR)
        R = s.R
        return Rows(rr, local, s.Z[sel], np.ones(len(sel)), np.full(len(rr), -INF), mr[rr],
                    lambda loc: [R[rr[i]] for i in loc])

    def entity(self, am, ent):
        return {"r": int(ent)}

    def sentence(self, w, e, side):
        r = e["r"]
        v = w.a["max_partners_r"][r]
        return (self.name, f"{w.rname[r]} may get at most {num(v)} {plural(v, 'partner')} "
                f"(max_partners)", v, False)

    def fix_parts(self, w, bent):
        return [f"{w.rname[e['r']]}'s max_partners from {num(w.a['max_partners_r'][e['r']])} to "
                f"{num(w.a['max_partners_r'][e['r']] + round(v))}" for e, v in bent]
