"""The rules of separated management and income rights (MODEL-v2 section B): one share level
per sharing pairing, the split of its gain by level, and the partner's participation (its
credited return covers what it requires). The columns are made by :mod:`optimizer.sharing`."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _, ngettext
from .base import INF, Rows, Rule, Sets, join_words, num


def _pair_entity(am, ent: int) -> dict:
    return {"d": int(am.pair_d[ent]), "r": int(am.pair_r[ent]), "pair": int(ent)}


def _pair_names(s: Sets, pairs: np.ndarray):
    D, R = s.D, s.R
    return lambda loc: [f"{D[s.pair_d[pairs[i]]]},{R[s.pair_r[pairs[i]]]}" for i in loc]


def _by_level_equals(s: Sets, by_level: np.ndarray, pair, typ, cols, coef) -> Rows:
    """One row per sharing pair: the sum of its columns ``by_level`` (pairs x levels) equals
    the sum of ``coef`` times the columns ``cols`` (of candidate pair ``pair`` and type
    ``typ``) of its sharing types."""
    c = s.share
    nS, L = by_level.shape
    pos = np.full(len(s.pair_d), -1)
    pos[c.pairs] = np.arange(nS)
    sel = np.flatnonzero(s.a["share_type"][typ] & (pos[pair] >= 0))
    return Rows(c.pairs, np.r_[np.repeat(np.arange(nS), L), pos[pair[sel]]],
                np.r_[by_level.ravel(), cols[sel]], np.r_[np.ones(nS * L), -coef[sel]],
                np.zeros(nS), np.zeros(nS), _pair_names(s, c.pairs))


class ShareLevel(Rule):
    """sum_l w[p,l] = sum_{t in sharing types} z[p,t]: a held sharing pairing has one level."""

    name = "share_level"
    short = N_("one income share per pairing")
    label = N_("{A} - {B} one share level")
    statement = N_("income sharing: a pairing of a sharing type takes exactly one share level")
    reported = False
    implied_when_held = True  # binaries only

    def build(self, s: Sets) -> Rows | None:
        if s.share is None:
            return None
        return _by_level_equals(s, s.share.W, s.z_pair, s.z_type, s.Z, np.ones(len(s.Z)))

    def entity(self, am, ent):
        return _pair_entity(am, ent)


class ShareSplit(Rule):
    """sum_l v[p,l] = sum_{k, t in sharing types} a[p,k,t] x[p,k,t]: the gain split by level."""

    name = "share_split"
    short = N_("gain split by share level")
    label = N_("{A} - {B} gain by share level")
    statement = N_("income sharing: a sharing pairing's gain is credited at its share level")
    reported = False

    def build(self, s: Sets) -> Rows | None:
        if s.share is None:
            return None
        return _by_level_equals(s, s.share.V, s.xp, s.xt, s.X, s.gain)

    def entity(self, am, ent):
        return _pair_entity(am, ent)


class ShareCap(Rule):
    """v[p,l] <= Gmax[p] w[p,l]: only the chosen level carries the gain."""

    name = "share_cap"
    short = N_("gain only at the chosen share")
    reported = False

    def build(self, s: Sets) -> Rows | None:
        c = s.share
        if c is None:
            return None
        n = c.V.size
        L = c.V.shape[1]
        levels = c.levels
        names = _pair_names(s, c.pairs)
        return Rows(np.repeat(c.pairs, L), np.r_[np.arange(n), np.arange(n)],
                    np.r_[c.V.ravel(), c.W.ravel()], np.r_[np.ones(n), -np.repeat(c.gmax, L)],
                    np.full(n, -INF), np.zeros(n),
                    lambda loc: [f"{nm},{levels[i % L]:g}" for nm, i in
                                 zip(names(np.asarray(loc) // L), loc)])

    def entity(self, am, ent):
        return _pair_entity(am, ent)


class Participation(Rule):
    """sum_r (S[d,r] + spillover ben[d,r] G_all[d,r]) >= sum_{r,k,t} return_min[k] value[k]
    x[d,r,k,t]: a partner takes part when its return covers what it requires."""

    name = "participation"
    short = N_("participation (return_min)")
    label = N_("{A} participation (return)")
    statement = N_("participation: a partner's credited income share and spillover cover the "
                 "return it requires on the resources it sends (return_min)")
    group = "participation"
    parameter = "resources.*.return_min"
    soft_ok = True
    side = "lo"
    fix_verb = N_("lower")
    fix_many = N_("the returns required above")

    def build(self, s: Sets) -> Rows | None:
        a, p = s.a, s.p
        need = a["return_min"] * a["value"]
        if not (need > 0).any():
            return None
        spill = p["sharing"]["spillover"]
        coef = spill * a["ben"][s.xd, s.xr] * s.gain - need[s.x_k]
        ds = np.unique(s.xd[need[s.x_k] > 0])
        pos = np.full(s.nD, -1)
        pos[ds] = np.arange(len(ds))
        xs = np.flatnonzero((pos[s.xd] >= 0) & (coef != 0))
        rows, cols, vals = [pos[s.xd[xs]]], [s.X[xs]], [coef[xs]]
        c = s.share
        if c is not None:
            L = c.V.shape[1]
            pd_ = np.repeat(s.pair_d[c.pairs], L)
            vs = np.flatnonzero((pos[pd_] >= 0) & (np.tile(c.levels, len(c.pairs)) > 0))
            rows.append(pos[pd_[vs]])
            cols.append(c.V.ravel()[vs])
            vals.append(np.tile(c.levels, len(c.pairs))[vs])
        D = s.D
        return Rows(ds, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                    np.zeros(len(ds)), np.full(len(ds), INF), lambda loc: [D[ds[i]] for i in loc])

    def entity(self, am, ent):
        return {"d": int(ent)}

    def _required(self, w, d: int) -> str:
        a = w.a
        ks = [k for k in range(len(w.K)) if a["return_min"][k] > 0]
        return join_words([_("{amount} per unit of value of {resource}").format(
            amount=num(a["return_min"][k]), resource=w.K[k]) for k in ks])

    def sentence(self, w, e, side):
        d = e["d"]
        return (self.name, _("{partner} sends resources only for a return of {required} "
                             "(return_min), from its credited income share and "
                             "spillover").format(partner=w.dname[d],
                                                 required=self._required(w, d)), None, False)

    def fix_parts(self, w, bent):
        return [_("the return {partner} requires, by {by} in all").format(
            partner=w.dname[e["d"]], by=num(v)) for e, v in bent]

    def headline(self, h) -> str | None:
        """Partners whose required return no share level can pay on what the conflict needs
        them to send: the best a unit of the resource returns them, against what they ask."""
        rows = h.of(self.name)
        if not rows:
            return None
        w, am, a = h.w, h.am, h.w.a
        ds = sorted({h.di[m.entity["partner"]] for m in rows})
        top = float(max(a["share_levels"], default=0.0)) if len(a["share_levels"]) else 0.0
        spill = w.inst.params["sharing"]["spillover"]
        rate = (top * a["share_type"][am.x_type] + spill * a["ben"][am.x_d, am.x_r]) * am.gain \
            / np.maximum(a["value"][am.x_k], 1e-12)
        short = []
        for k in np.flatnonzero(a["return_min"] > 0):
            sel = np.isin(am.x_d, ds) & (am.x_k == k)
            best = float(rate[sel].max()) if sel.any() else 0.0
            if best < a["return_min"][k] - 1e-9:
                short.append((k, best))
        if not short:
            return ""
        who = join_words([w.dname[d] for d in ds])
        k, best = short[0]
        need = a["return_min"][k]
        return ngettext(
            "{partners} requires a return of {need} per unit of value of {resource}, but even at "
            "the highest share level ({top}) and spillover {spill} a unit of {resource} returns "
            "at most {best}, and the other rules of the conflict need {resource} from it (the "
            "rest of the return must come from the shares of other flows)",
            "{partners} require a return of {need} per unit of value of {resource}, but even at "
            "the highest share level ({top}) and spillover {spill} a unit of {resource} returns "
            "at most {best}, and the other rules of the conflict need {resource} from them (the "
            "rest of the return must come from the shares of other flows)", len(ds)).format(
            partners=who, need=num(need), resource=w.K[k], top=num(top), spill=num(spill),
            best=num(best))

    def largest_setting(self, s, w):
        """The largest return_min of the resource that asks the most that leaves a plan (the
        others as they are)."""
        rm = w.a["return_min"]
        if not (rm > 0).any():
            return None
        k = int(np.argmax(rm))
        path = f"resources.{w.K[k]}.return_min"
        return path, float(rm[k]), s.largest_by_bisection(path, float(rm[k]))

    def change(self, name, who):
        noun = _("return required by {partner}").format(partner=name())
        return (_("one unit more of {noun}").format(noun=noun),
                _("one unit less of {noun}").format(noun=noun))
