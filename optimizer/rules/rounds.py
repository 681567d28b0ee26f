"""The rules that tie the rounds of a plan together (MODEL-v2 section A): the trust gate and
the cost of dropping a pairing. They are built once over all rounds (``build_rounds``), not
once per round like the other rules.

Trust is an affine expression of the earlier rounds' z (see :mod:`optimizer.rounds`), so the
gate of type t for pair p in round n is one row:

    sum_{m<n} keep^(n-1-m) sum_t' trust_gain[t'] z[p,t',m] - trust_min[t] z[p,t,n]
        >= -keep^(n-1) trust0[p],          keep = 1 - trust_decay.
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from ..typology import type_name
from .. import rounds as rounds_
from .base import INF, Rows, Rule, Sets, num


def _z_entity(am, ent: int) -> dict:
    p = int(am.z_pair[ent])
    return {"d": int(am.pair_d[p]), "r": int(am.pair_r[p]), "t": int(am.z_type[ent]),
            "z": int(ent)}


class TrustGate(Rule):
    name = "trust_gate"
    short = N_("trust gate (trust_min)")
    label = N_("{A} - {B} {c} trust gate")
    statement = N_("trust gate: a pair takes a type only when the trust capital earned in "
                 "earlier rounds reaches the type's trust_min")
    side = "lo"
    per_pairing = True
    implied_when_held = True  # only binaries: a constant once the pairings are held
    fix_verb = N_("lower")
    across_rounds = True

    def build_rounds(self, ss: list[Sets]) -> Rows | None:
        s0 = ss[0]
        a, p = s0.a, s0.p
        tm, gain = a["trust_min"], a["trust_gain"]
        gated = np.flatnonzero(tm[s0.z_type] > 0)
        if not len(gated):
            return None
        keep = 1.0 - rounds_.settings(p)["trust_decay"]
        trust0 = a["trust0"][s0.pair_d, s0.pair_r]
        # the z columns of the same pair as each gated column (z columns are grouped by pair)
        first = np.searchsorted(s0.z_pair, np.arange(len(s0.pair_d)))
        last = np.searchsorted(s0.z_pair, np.arange(len(s0.pair_d)), side="right")
        sib_i, sib_j = [], []
        for off in range(int((last - first).max())):
            j = first[s0.z_pair[gated]] + off
            ok = j < last[s0.z_pair[gated]]
            sib_i.append(np.flatnonzero(ok))
            sib_j.append(j[ok])
        sib_i, sib_j = np.concatenate(sib_i), np.concatenate(sib_j)
        G = len(gated)
        rows, cols, vals, lower = [], [], [], []
        for n, s in enumerate(ss):
            base = n * G
            rows.append(base + np.arange(G))
            cols.append(s.Z[gated])
            vals.append(-tm[s0.z_type[gated]])
            for m in range(n):
                rows.append(base + sib_i)
                cols.append(ss[m].Z[sib_j])
                vals.append(keep ** (n - 1 - m) * gain[s0.z_type[sib_j]])
            lower.append(-(keep ** n) * trust0[s0.z_pair[gated]])
        zl = [s.blocks["z"].labels for s in ss]
        N = len(ss)
        return Rows(np.tile(gated, N), np.concatenate(rows), np.concatenate(cols),
                    np.concatenate(vals), np.concatenate(lower), np.full(G * N, INF),
                    lambda loc: [zl[i // G](gated[[i % G]])[0] for i in loc],
                    {"round": np.repeat(np.arange(N), G)})

    def entity(self, am, ent):
        return _z_entity(am, ent)

    def sentence(self, w, e, side):
        t, d, r = e["t"], e["d"], e["r"]
        need = w.a["trust_min"][t]
        return (self.name, _("{partner} and {recipient} may take {type} only with trust capital "
                             "of at least {need} (trust_min); the pair starts the first round "
                             "with {trust0} (trust0)").format(
            partner=w.dname[d], recipient=w.rname[r], type=type_name(w.T[t]), need=num(need),
            trust0=num(w.a["trust0"][d, r])), need, False)

    def fix_parts(self, w, bent):
        return [_("the trust {type} needs by {by}").format(type=type_name(w.T[e["t"]]),
                                                             by=num(v)) for e, v in bent]

    def change(self, name, who):
        noun = _("the trust capital of {partner} - {recipient} for {type}").format(
            partner=name(0), recipient=name(1), type=type_name(who(2)))
        return (_("one unit less of {noun}").format(noun=noun),
                _("one unit more of {noun}").format(noun=noun))


class Switching(Rule):
    """w[p,n] >= sum_t z[p,t,n] - sum_t z[p,t,n+1]: a pairing dropped after round n costs
    switch_cost (w is in the efficiency objective)."""

    name = "switching"
    short = N_("dropped pairing")
    label = N_("{A} - {B} dropped")
    statement = N_("switching: a pairing held in one round and dropped in the next costs switch_cost")
    reported = False
    implied_when_held = True  # w is set by the held pairings
    across_rounds = True

    def build_rounds(self, ss: list[Sets]) -> Rows | None:
        s0 = ss[0]
        cost = rounds_.settings(s0.p)["switch_cost"]
        N, nP = len(ss), len(s0.pair_d)
        if N < 2 or not cost > 0:
            return None
        D, R = s0.D, s0.R
        wb = s0.lm.add_cols("switch", np.zeros(nP * (N - 1)), INF,
                            labels=lambda loc: [f"{D[s0.pair_d[i % nP]]},{R[s0.pair_r[i % nP]]}"
                                                f"@{i // nP + 1}" for i in loc])
        rows, cols, vals = [], [], []
        nZ = len(s0.z_pair)
        for n in range(N - 1):
            base = n * nP
            rows += [base + np.arange(nP), base + s0.z_pair, base + s0.z_pair]
            cols += [wb.start + base + np.arange(nP), ss[n].Z, ss[n + 1].Z]
            vals += [np.ones(nP), -np.ones(nZ), np.ones(nZ)]
        return Rows(np.tile(np.arange(nP), N - 1), np.concatenate(rows), np.concatenate(cols),
                    np.concatenate(vals), np.zeros(nP * (N - 1)), np.full(nP * (N - 1), INF),
                    wb.labels, {"round": np.repeat(np.arange(N - 1), nP)})

    def entity(self, am, ent):
        return {"d": int(am.pair_d[ent]), "r": int(am.pair_r[ent]), "pair": int(ent)}
