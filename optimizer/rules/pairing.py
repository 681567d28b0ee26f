"""The rules of the pairing itself: supply, absorptive capacity, flows only in a pairing (and
the capacity of one pairing), one type per pairing (and fixed pairings), the scale of a
pairing, and the spans of partners and recipients (MODEL.md, "Capacity of the pairing")."""

from __future__ import annotations

import math

import numpy as np

from ..i18n import N_, _, ngettext
from ..typology import type_name
from .base import INF, Rows, Rule, Sets, join_words, num, select


def _rk(am, ent: int) -> tuple[int, int]:
    nK = len(am.inst.resources)
    return int(ent) // nK, int(ent) % nK


class _ResourceLimit(Rule):
    """At most the data's amount of each resource per partner (supply) or per recipient
    (absorb): one row per region and resource. Subclasses say which side (``who``: ``d`` or
    ``r``) and the words."""

    who = "d"
    side = "hi"
    fix_verb = N_("raise")

    def build(self, s: Sets) -> Rows:
        nK, K = s.nK, s.K
        ids, of = (s.D, s.xd) if self.who == "d" else (s.R, s.xr)
        n = len(ids) * nK
        return Rows(np.arange(n), of * nK + s.x_k, s.X, np.ones(len(s.X)), np.full(n, -INF),
                    s.a[self.name].ravel(), lambda loc: [f"{ids[i // nK]},{K[i % nK]}"
                                                          for i in loc])

    def entity(self, am, ent):
        i, k = _rk(am, ent)
        return {self.who: i, "k": k}

    # the words, filled in by the methods below: {region} {amount} {resource} {unit} {by} {to}
    says = ""
    fix_words = ""
    change_noun = ""  # {name} the region, {resource} the resource

    def _fill(self, w, e, **more) -> dict:
        d_or_r, k = e[self.who], e["k"]
        region = w.dname[d_or_r] if self.who == "d" else w.rname[d_or_r]
        return {"region": region, "amount": w.a[self.name][d_or_r, k], "resource": w.K[k],
                "unit": w.unit(k), **more}

    def sentence(self, w, e, side):
        f = self._fill(w, e)
        return (self.name, _(self.says).format(**{**f, "amount": num(f["amount"])}), f["amount"],
                False)

    def fix_parts(self, w, bent):
        return [_(self.fix_words).format(**self._fill(w, e, by=num(v), to=num(
            self._fill(w, e)["amount"] + v))) for e, v in bent]

    def change(self, name, who):
        noun = _(self.change_noun).format(name=name(), resource=who(1))
        return (_("one more unit of {noun}").format(noun=noun),
                _("one unit less of {noun}").format(noun=noun))


class Supply(_ResourceLimit):
    name = "supply"
    short = N_("supply")
    label = N_("{A} {b} supply")
    statement = N_("supply: a partner sends at most its supply of each resource")
    fix_many = N_("the supplies above")
    says = N_("{region} can send at most {amount} of {resource}{unit} in all (its supply)")
    fix_words = N_("{region}'s supply of {resource} by {by} (to {to})")
    change_noun = N_("{name}'s {resource} supply")


class Absorb(_ResourceLimit):
    name = "absorb"
    short = N_("absorptive capacity")
    label = N_("{A} {b} absorptive capacity")
    statement = N_("absorptive capacity: a recipient uses at most its absorptive capacity")
    who = "r"
    fix_many = N_("the absorptive capacities above")
    says = N_("{region} can use at most {amount} of {resource} (its absorptive capacity)")
    fix_words = N_("{region}'s absorptive capacity for {resource} by {by} (to {to})")
    change_noun = N_("{name}'s capacity to absorb {resource}")


def _x_entity(am, loc: int) -> dict:
    return {"d": int(am.x_d[loc]), "r": int(am.x_r[loc]), "k": int(am.x_k[loc]),
            "t": int(am.x_type[loc]), "x": int(loc)}


class Link(Rule):
    """x[d,r,k,t] <= min(supply, absorb) z[d,r,t]: flows only in a pairing (a definition: the
    planner bends the capacity of the pairing, :class:`PairCap`, not the link)."""

    name = "link"
    short = N_("flows need a pairing")
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
        return (self.name, _("{partner} sends {resource} to {recipient} only in a pairing").format(
            partner=w.dname[e["d"]], resource=w.K[e["k"]], recipient=w.rname[e["r"]]), None, True)


class PairCap(Rule):
    """The upper bound min(supply, absorb) of a flow column: what one pairing can carry. Not a
    block of rows (the bound of the x columns); the diagnosis may bend it."""

    name = "pair_cap"
    short = N_("capacity of one pairing")
    side = "hi"
    reported = False

    def entity(self, am, ent):
        return _x_entity(am, ent)

    def sentence(self, w, e, side):
        a = w.a
        d, r, k = e["d"], e["r"], e["k"]
        v = min(a["supply"][d, k], a["absorb"][r, k])
        return (self.name, _("{partner} can send {recipient} at most {amount} of {resource} (the "
                             "smaller of its supply, {supply}, and what {recipient} can use, "
                             "{absorb})").format(
            partner=w.dname[d], recipient=w.rname[r], amount=num(v), resource=w.K[k],
            supply=num(a["supply"][d, k]), absorb=num(a["absorb"][r, k])), v, False)

    def pairing_sentence(self, w, d: int, r: int, per_k: dict) -> str:
        """One sentence for the capacity of a pairing's flows, every resource at once."""
        amounts = join_words([_("{amount} of {resource}").format(amount=num(v), resource=w.K[k])
                              for k, (v, _c) in per_k.items()])
        return _("{partner} can send {recipient} at most {amounts} (its supply, or what "
                 "{recipient} can use if that is less)").format(
            partner=w.dname[d], recipient=w.rname[r], amounts=amounts)


class OneType(Rule):
    """fixed[d,r] <= sum_t z[d,r,t] <= 1: one type per pairing; its lower side is the fixed
    pairing (:class:`Fixed`), which the diagnosis may bend."""

    name = "one_type"
    short = N_("one type per pairing")
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
        return (self.name, _("{partner} and {recipient} pair at most once").format(
            partner=w.dname[e["d"]], recipient=w.rname[e["r"]]), 1.0, True)


class Fixed(Rule):
    """A fixed pairing (pairs.csv ``fixed``): the lower side of the one-type row."""

    name = "fixed"
    short = N_("fixed pairing")
    side = "lo"
    reported = False
    fix_verb = N_("unfix")

    def sentence(self, w, e, side):
        return (self.name, _("the pairing {partner} - {recipient} is fixed: it must be kept "
                             "(pairs.csv)").format(partner=w.dname[e["d"]],
                                                   recipient=w.rname[e["r"]]), 1.0, False)

    def fix_parts(self, w, bent):
        return [_("the pairing {partner} - {recipient} (fixed = false)").format(
            partner=w.dname[e["d"]], recipient=w.rname[e["r"]]) for e, v in bent]

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
        return _("the fixed pairing {partner} - {recipient} needs resources worth at least "
                 "{least} for any type it may take, but {partner} can send {recipient} at most "
                 "{most}").format(partner=w.dname[d], recipient=w.rname[r], least=num(least),
                                  most=num(most))


FIXED = Fixed()


def scale_source(inst, r: int, t: int) -> str:
    """Where the scale rule's floor of a type-t pairing with recipient r comes from, in words:
    the type's min_scale or the pair floor (a share of the recipient's total need)."""
    a = inst.arrays
    tname = inst.types[t]
    if a["min_scale"][t] >= a["pair_floor_value"][r]:
        return f"types.{tname}.min_scale"
    return _("balance.pair_floor {share} of {recipient}'s total need, worth {value}").format(
        share=f"{inst.params['balance']['pair_floor']:g}",
        recipient=inst.recipients["name"].iat[r], value=f"{a['need_value'][r]:.4g}")


class Scale(Rule):
    """sum_k value[k] x[d,r,k,t] >= floor[r,t] z[d,r,t], floor = max(min_scale[t],
    pair_floor x the recipient's total need in value) (MODEL.md 1.1)."""

    name = "scale"
    short = N_("minimum scale")
    label = N_("{A} - {B} {c} smallest scale")
    per_pairing = True
    statement = N_("scale: a pairing carries resources worth at least its type's min_scale and "
                 "pair_floor times its recipient's total need")
    side = "lo"
    fix_verb = N_("lower")

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
        return (self.name, _("a {type} pairing of {partner} and {recipient} needs resources "
                             "worth at least {value} ({source})").format(
            type=type_name(w.T[t]), partner=w.dname[d], recipient=w.rname[r], value=num(v),
            source=scale_source(w.inst, r, t)), v, False)

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
                setting, old = "balance.pair_floor", w.inst.params["balance"]["pair_floor"]
            else:
                setting, old = f"types.{w.T[t]}.min_scale", a["min_scale"][t]
            parts.append(_("{setting} from {old} to {new}").format(
                setting=setting, old=num(old), new=f"{shown:g}"))
        return parts

    def change(self, name, who):
        level = _("the smallest scale of the pairing {partner} - {recipient} ({type})").format(
            partner=name(0), recipient=name(1), type=type_name(who(2)))
        return (_("raising {level} by one unit of value").format(level=level),
                _("lowering {level} by one unit of value").format(level=level))


class _Span(Rule):
    """At most max_partners pairings per partner (``who = "d"``) or per recipient (``"r"``):
    one row per region with a finite span."""

    who = "d"
    side = "hi"
    fix_verb, fix_many = N_("raise"), N_("max_partners above")

    def _of(self, s_or_w):
        """(the spans, the region ids) on this rule's side."""
        if self.who == "d":
            return s_or_w.a["max_partners_d"], s_or_w.D
        return s_or_w.a["max_partners_r"], s_or_w.R

    def build(self, s: Sets) -> Rows | None:
        span, ids = self._of(s)
        rows = np.flatnonzero(np.isfinite(span))
        if not len(rows):
            return None
        owner = s.pair_d if self.who == "d" else s.pair_r
        sel, local = select(owner[s.z_pair], rows, len(ids))
        return Rows(rows, local, s.Z[sel], np.ones(len(sel)), np.full(len(rows), -INF),
                    span[rows], lambda loc: [ids[rows[i]] for i in loc])

    def entity(self, am, ent):
        return {self.who: int(ent)}

    def _region(self, w, e) -> tuple[str, float]:
        i = e[self.who]
        return (w.dname if self.who == "d" else w.rname)[i], self._of(w)[0][i]

    def sentence(self, w, e, side):
        name, v = self._region(w, e)
        n = 1 if v == 1 else 2
        says = (ngettext("{region} may pair with at most {amount} recipient (max_partners)",
                         "{region} may pair with at most {amount} recipients (max_partners)", n)
                if self.who == "d" else
                ngettext("{region} may get at most {amount} partner (max_partners)",
                         "{region} may get at most {amount} partners (max_partners)", n))
        return self.name, says.format(region=name, amount=num(v)), v, False

    def fix_parts(self, w, bent):
        parts = []
        for e, v in bent:
            name, span = self._region(w, e)
            parts.append(_("{region}'s max_partners from {old} to {new}").format(
                region=name, old=num(span), new=num(span + round(v))))
        return parts


class SpanPartner(_Span):
    name = "span_partner"
    short = N_("partner span (max_partners)")
    label = N_("{A} most recipients")
    statement = N_("partner span: a partner pairs with at most max_partners recipients")


class SpanRecipient(_Span):
    name = "span_recipient"
    short = N_("recipient span (max_partners)")
    label = N_("{A} most partners")
    statement = N_("recipient span: a recipient gets at most max_partners partners")
    who = "r"

