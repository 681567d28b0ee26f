"""Separated management and income rights (MODEL-v2 section B): the columns of a round.

A pairing of a sharing type (``[sharing] types``) chooses one income share ``level_l`` credited
to its partner: binary w[p,l] (one level per held pairing) and v[p,l] >= 0, the pair's gain in
sharing types split by level (v[p,l] <= Gmax[p] w[p,l]). The partner is credited
S[p] = sum_l level_l v[p,l]; the recipient's outcome loses it (equity and outcome balance use
the recipient's share), efficiency and capacity balance still count the whole gain. The rows
are the rules of :mod:`optimizer.rules.sharing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import rounds


@dataclass
class ShareColumns:
    """The sharing columns of one round: the pairs that may share (``pairs``, candidate pair
    indices), the levels, the most gain each pair can have in sharing types (``gmax``), and the
    global column numbers of w and v, (pairs, levels)."""

    pairs: np.ndarray
    levels: np.ndarray
    gmax: np.ndarray
    W: np.ndarray
    V: np.ndarray


def on(p: dict) -> bool:
    """Whether sharing is on (a list of levels)."""
    return len(p["sharing"]["levels"]) > 0


def add_columns(lm, s) -> ShareColumns | None:
    """The w and v columns of round ``s`` (a :class:`~optimizer.rules.Sets` whose x and z
    columns exist), and the terms they add to the outcomes (``s.ext_*``); None: no sharing."""
    a = s.a
    if not on(s.p):
        return None
    levels = a["share_levels"]
    shared_z = a["share_type"][s.z_type]
    pairs = np.unique(s.z_pair[shared_z])
    if not len(pairs):
        return None
    # the most gain a pair can have in a sharing type: one type per pairing, x <= cap
    xs = a["share_type"][s.xt]
    best = np.zeros((len(s.pair_d), len(s.T)))
    np.add.at(best, (s.xp[xs], s.xt[xs]), s.gain[xs] * s.cap[s.xp[xs], s.x_k[xs]])
    gmax = best.max(axis=1)[pairs]
    L, nS = len(levels), len(pairs)
    D, R = s.D, s.R
    name = lambda loc: [f"{D[s.pair_d[pairs[i // L]]]},{R[s.pair_r[pairs[i // L]]]},"
                        f"{levels[i % L]:g}{s.suffix}" for i in loc]
    wb = lm.add_cols("w" + s.suffix, np.zeros(nS * L), np.ones(nS * L), integer=True,
                     labels=name)
    vb = lm.add_cols("v" + s.suffix, np.zeros(nS * L), np.repeat(gmax, L), labels=name)
    cols = ShareColumns(pairs, levels, gmax, (wb.start + np.arange(nS * L)).reshape(nS, L),
                        (vb.start + np.arange(nS * L)).reshape(nS, L))
    # the recipient loses the credited share: -level_l v[p,l] / (pop target)
    r = s.pair_r[pairs]
    per_unit = 1.0 / (a["pop"][r] * a["target"][r])
    s.add_outcome_terms(np.repeat(r, L), cols.V.ravel(), -np.outer(per_unit, levels).ravel())
    return cols


def credited(am, x: np.ndarray, n: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(share level, credited return S) of every candidate pair in round ``n`` of the plan
    ``x`` (NaN share where the pair does not share)."""
    nP = len(am.pair_d)
    level, S = np.full(nP, np.nan), np.zeros(nP)
    cols = am.share_columns[n] if am.share_columns else None
    if cols is None:
        return level, S
    w = np.round(x[cols.W])
    held = w.sum(axis=1) > 0.5
    level[cols.pairs[held]] = cols.levels[w[held].argmax(axis=1)]
    S[cols.pairs] = x[cols.V] @ cols.levels
    return level, S


def partner_returns(am, x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per partner in round ``n`` of the plan ``x``: the return it requires on what it sends
    (sum of return_min value x), its spillover (spillover ben gain) and the value it sends."""
    a, nD = am.inst.arrays, len(am.inst.partners)
    xb = am.lm.col_blocks["x" + rounds.suffix(n)]
    xv = x[xb.start:xb.stop]
    spill = am.inst.params["sharing"]["spillover"]
    per_d = lambda w: np.bincount(am.x_d, weights=w * xv, minlength=nD)
    return (per_d((a["return_min"] * a["value"])[am.x_k]),
            per_d(spill * a["ben"][am.x_d, am.x_r] * am.gain), per_d(a["value"][am.x_k]))


def partner_table(am, x: np.ndarray) -> pd.DataFrame:
    """Per partner (and round, with rounds): the return it requires on what it sends, its
    credited income share, its spillover, the return in all and the slack of participation."""
    inst = am.inst
    D = inst.partners.index
    parts = []
    for n in range(am.rounds):
        req, spl, sent = partner_returns(am, x, n)
        _, S = credited(am, x, n)
        cred = np.bincount(am.pair_d, weights=S, minlength=len(D))
        parts.append(pd.DataFrame({
            "partner": D.astype(str), "name": inst.partners["name"].to_numpy(),
            "round": n + 1, "sent_value": sent, "required": req, "credited": cred,
            "spillover": spl, "return": cred + spl, "slack": cred + spl - req}))
    out = pd.concat(parts, ignore_index=True)
    return out if am.rounds > 1 else out.drop(columns="round")


def shown(am) -> bool:
    """Whether a plan's tables show income sharing: levels, or a return required."""
    p = am.inst.params
    return on(p) or bool((am.inst.arrays["return_min"] > 0).any())


def least_shares(am, x: np.ndarray) -> np.ndarray:
    """The plan ``x`` with every pairing's share lowered to the least level that keeps its
    partner's participation (largest credited returns first).

    A lower share leaves efficiency and every flow as they are and raises the recipient's
    outcome, so equity, the outcome floor and the method's objective can only gain: a higher
    share than needed is a tie the solver may pick when the recipient is outside the equity
    measure's tail, not a better plan. With the outcome spread rule (rho) a higher outcome
    raises the mean every recipient is held to, so the plan is kept as solved."""
    if not am.share_columns or am.inst.params["balance"]["rho"] is not None:
        return x
    x = np.array(x, float)
    for n, cols in enumerate(am.share_columns):
        need, ret, _ = partner_returns(am, x, n)
        V = x[cols.V]
        G, S = V.sum(axis=1), V @ cols.levels
        np.add.at(ret, am.pair_d[cols.pairs], S)
        level = np.round(x[cols.W]).argmax(axis=1)
        held = np.round(x[cols.W]).sum(axis=1) > 0.5
        for i in sorted(np.flatnonzero(held & (level > 0)), key=lambda i: -S[i]):
            d = am.pair_d[cols.pairs[i]]
            for low in range(level[i]):
                drop = (cols.levels[level[i]] - cols.levels[low]) * G[i]
                if ret[d] - drop >= need[d] - 1e-9 * max(1.0, need[d]):
                    x[cols.V[i]], x[cols.W[i]] = 0.0, 0.0
                    x[cols.V[i, low]], x[cols.W[i, low]] = G[i], 1.0
                    ret[d] -= drop
                    break
    return x
