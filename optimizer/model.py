"""Stage 2: formulate MODEL.md as a mixed-integer linear program, in arrays.

The model is built in bulk with numpy (one vectorised block per rule, never a Python loop over
terms) into a :class:`~optimizer.linear.LinearModel`: bounds, a sparse constraint matrix,
integrality and named objective vectors. The columns and the equity measure are built here;
every rule's rows come from its object in the rule registry (:mod:`optimizer.rules`), in the
registry's order. ``solve.py`` hands the model whole to HiGHS, or turns it into a PuLP problem
for any other solver. ``docs/model.md`` maps every rule to its block.

Exactness of the reductions (same feasible plans, same optimum as MODEL.md):
- no column x[d,r,k,t] or z[d,r,t] for a type the pair is not eligible for (z = 0 there);
- no column x[d,r,k,t] where min(supply[d,k], absorb[r,k]) = 0 (the link forces x = 0);
- a balance row whose right-hand side can never bind (alpha*need = 0, gamma = 0, theta/rho off)
  is left out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from . import clusters, equity, rounds, sharing
from .instance import Instance
from .linear import Block, LinearModel  # noqa: F401 (imported from here by others)
from .methods.registry import get_method
from .rules import BALANCE_GROUPS, ROUND_RULES, RULES, Rows, Sets
from .rules.base import FlowIndex

INF = np.inf


# =========================================================================== the allocation model
@dataclass
class AllocationModel(FlowIndex):
    """The MILP of MODEL.md for one instance, with the index maps to read a solution back."""

    inst: Instance
    lm: LinearModel
    pair_d: np.ndarray  # candidate pairs: partner index
    pair_r: np.ndarray  # candidate pairs: recipient index
    z_pair: np.ndarray  # z columns: pair index
    z_type: np.ndarray  # z columns: type index
    x_z: np.ndarray  # x columns: z column (local) they belong to
    x_k: np.ndarray  # x columns: resource index
    gain: np.ndarray  # x columns: gain coefficient a[d,r,k,t]
    ucoef: np.ndarray  # x columns: contribution to u[r] per unit
    u0: np.ndarray  # recipients: baseline normalised outcome y0/target
    balance_rows: list  # names of the row blocks that are balance rules
    soft: dict  # rule -> penalty
    build_seconds: float = 0.0
    rounds: int = 1  # rounds of the plan (MODEL-v2 section A); x, z are the first round's
    share_columns: list = None  # each round's income-sharing columns (MODEL-v2 B), or None
    cluster_columns: list = None  # each round's cluster columns (MODEL-v2 C), or None
    ext: list = None  # each round's outcome terms beyond the flows (Sets.ext)

    def outcomes(self, x: np.ndarray, upto: int | None = None) -> np.ndarray:
        """Normalised outcomes u[r] = (y0 + G/pop) / target of a column vector, after the
        last round (or after round ``upto``, 0-based)."""
        u = self.u0.copy()
        for n in range(self.rounds if upto is None else upto + 1):
            xb = self.lm.col_blocks["x" + rounds.suffix(n)]
            u += np.bincount(self.x_r, weights=self.ucoef * x[xb.start:xb.stop],
                             minlength=len(self.u0))
            for r, cols, per_unit in (self.ext[n] if self.ext else ()):
                u += np.bincount(r, weights=per_unit * x[cols], minlength=len(self.u0))
        return u

    def equity(self, x: np.ndarray) -> float:
        """Q of a column vector, computed from the outcomes (see equity.equity_value)."""
        p = self.inst.params["objective"]
        if self.rounds > 1 and rounds.settings(self.inst.params)["equity_at"] == "every":
            return float(np.mean([equity.equity_value(self.outcomes(x, n), p["equity"],
                                                      p["beta"]) for n in range(self.rounds)]))
        return equity.equity_value(self.outcomes(x), p["equity"], p["beta"])

    def efficiency(self, x: np.ndarray) -> float:
        return float(self.lm.objectives["efficiency"] @ x)

    @property
    def x(self) -> Block:
        return self.lm.col_blocks["x"]

    @property
    def z(self) -> Block:
        return self.lm.col_blocks["z"]

    def round_blocks(self) -> list[tuple[Block, Block]]:
        """(x, z) blocks of every round, first to last."""
        cb = self.lm.col_blocks
        return [(cb["x" + rounds.suffix(n)], cb["z" + rounds.suffix(n)])
                for n in range(self.rounds)]

    @property
    def binary_columns(self) -> np.ndarray:
        """The model's binaries: the z columns of every round, and the share levels and
        clusters' (MODEL-v2 B, C) when the instance has them."""
        parts = [np.arange(z.start, z.stop) for _, z in self.round_blocks()]
        parts += [c.W.ravel() for c in self.share_columns or ()]
        parts += [c.C for c in self.cluster_columns or ()]
        return np.concatenate(parts)


def add_rule_rows(lm: LinearModel, name: str, rows: Rows, penalty: float | None) -> None:
    """A rule's rows into the model; with a penalty (a soft rule) each row gets a slack
    column (>= 0) that lets it bend, at that price per unit in every objective."""
    r, c, v = rows.rows, rows.cols, rows.vals
    if penalty is not None:
        n = len(rows)
        sl = lm.add_cols(f"slack_{name}", np.zeros(n), INF, labels=rows.labels)
        r, c, v = np.r_[r, np.arange(n)], np.r_[c, sl.start + np.arange(n)], np.r_[v, np.ones(n)]
    lm.add_rows(name, r, c, v, rows.lower, rows.upper, labels=rows.labels,
                entity=rows.entity, **rows.data)


def build_model(inst: Instance, params: dict | None = None) -> AllocationModel:
    """Formulate MODEL.md for ``inst`` (settings from ``inst.params``); with ``[rounds]``,
    one copy of it per round tied by trust capital and outcomes (MODEL-v2 section A)."""
    import time

    t0 = time.perf_counter()
    p = inst.params if params is None else params
    a = inst.arrays
    D, R, K, T = (list(inst.partners.index), list(inst.recipients.index), list(inst.resources),
                  list(inst.types))
    soft = dict(p["balance"]["soft"])
    lm = LinearModel()
    N = rounds.count(p)

    # ---- sets: candidate pairs, their eligible types, and the resources that can flow
    cand = a["eligible"].any(axis=2)
    pair_d, pair_r = np.nonzero(cand)
    z_pair, z_type = np.nonzero(a["eligible"][pair_d, pair_r, :])
    cap = np.minimum(a["supply"][pair_d, :], a["absorb"][pair_r, :])  # (nP, nK)
    x_z, x_k = np.nonzero(cap[z_pair, :] > 0)
    xp = z_pair[x_z]
    xd, xr, xt = pair_d[xp], pair_r[xp], z_type[x_z]
    gain = a["prod"][xr, x_k] * (1.0 + a["comp"][xd, xr]) * a["mult"][xt]
    u0 = a["y0"] / a["target"]
    ucoef = gain / (a["pop"][xr] * a["target"][xr])

    # ---- columns: flows and pairings of every round, the equity measure's, the mean outcome
    ss = _round_sets(lm, inst, p, dict(D=D, R=R, K=K, T=T, pair_d=pair_d, pair_r=pair_r,
                                       z_pair=z_pair, z_type=z_type, x_z=x_z, x_k=x_k,
                                       gain=gain, u0=u0, ucoef=ucoef))
    for s in ss:  # the mechanisms' columns of every round (off: none)
        s.share, s.cluster = sharing.add_columns(lm, s), clusters.add_columns(lm, s)
    every = N > 1 and rounds.settings(p)["equity_at"] == "every"
    measured = list(range(N)) if every else [N - 1]
    for n in measured:
        tail = equity.add_columns(lm, p, R, rounds.suffix(n) if every else "")
    _free_columns(lm, p, N)
    for n, s in enumerate(ss):
        s.blocks = {**lm.col_blocks, "x": lm.col_blocks["x" + s.suffix],
                    "z": lm.col_blocks["z" + s.suffix], "ubar": lm.col_blocks["ubar" + s.suffix]}

    # ---- the rules, from the registry, in its order (soft balance rules get a slack column)
    balance_rows = []
    for rule in RULES:
        parts = [(n, rule.build(_cumulative(ss, n) if rule.cumulative else s))
                 for n, s in enumerate(ss)]
        rows = rounds_rows(parts)
        if rows is None or (rule.soft_ok and not len(rows)):
            continue
        add_rule_rows(lm, rule.name, rows, soft.get(rule.name) if rule.soft_ok else None)
        if rule.soft_ok and rule.group in BALANCE_GROUPS:
            balance_rows.append(rule.name)
    for rule in ROUND_RULES:
        rows = rule.build_rounds(ss)
        if rows is not None and len(rows):
            add_rule_rows(lm, rule.name, rows, None)

    # ---- the equity measure's rows, and the objectives
    lm.set_objective("efficiency", _efficiency_terms(lm, ss, p, gain, a["setup"][z_type]))
    terms: dict = {}
    for n in measured:
        sfx = rounds.suffix(n) if every else ""
        terms.update(equity.add_rows(lm, _cumulative(ss, n), tail, p["objective"]["beta"],
                                     sfx, 1.0 / len(measured)))
    lm.set_objective("equity", terms)
    pen = {f"slack_{rule}": pen for rule, pen in soft.items() if f"slack_{rule}" in lm.col_blocks}
    lm.set_objective("penalty", pen)

    am = AllocationModel(inst=inst, lm=lm, pair_d=pair_d, pair_r=pair_r, z_pair=z_pair,
                         z_type=z_type, x_z=x_z, x_k=x_k, gain=gain, ucoef=ucoef, u0=u0,
                         balance_rows=balance_rows, soft=soft, rounds=N,
                         share_columns=[s.share for s in ss] if ss[0].share else None,
                         cluster_columns=[s.cluster for s in ss] if ss[0].cluster else None,
                         ext=[s.ext for s in ss])
    lm.A  # assemble once, inside the build timing
    am.build_seconds = time.perf_counter() - t0
    return am


def _free_columns(lm: LinearModel, p: dict, N: int) -> None:
    """The free columns: each round's mean outcome (with rho), and the method's own (the
    reference method's achievement, in no row of the model: only the method's rows)."""
    rho = p["balance"]["rho"]
    for n in range(N):
        lm.add_cols("ubar" + rounds.suffix(n), [-INF] if rho is not None else [], INF,
                    labels=lambda loc: ["" for _ in loc])
    for name in get_method(p["objective"]["method"]).columns:
        lm.add_cols(name, [-INF], INF)


def _round_sets(lm: LinearModel, inst: Instance, p: dict, base: dict) -> list[Sets]:
    """The flow and pairing columns of every round, and each round's sets (its arrays, the
    most each flow can carry, its columns)."""
    a = inst.arrays
    D, R, K, T = base["D"], base["R"], base["K"], base["T"]
    pair_d, pair_r, z_pair, z_type = base["pair_d"], base["pair_r"], base["z_pair"], base["z_type"]
    x_z, x_k = base["x_z"], base["x_k"]
    xp = z_pair[x_z]
    xd, xr, xt = pair_d[xp], pair_r[xp], z_type[x_z]
    ss = []
    for n in range(rounds.count(p)):
        an, sfx = rounds.arrays(a, p, n), rounds.suffix(n)
        cap_n = np.minimum(an["supply"][pair_d, :], an["absorb"][pair_r, :])
        xb = lm.add_cols("x" + sfx, np.zeros(len(x_z)), cap_n[xp, x_k],
                         labels=lambda loc, sfx=sfx: [f"{D[xd[i]]},{R[xr[i]]},{K[x_k[i]]},"
                                                      f"{T[xt[i]]}{sfx}" for i in loc])
        zb = lm.add_cols("z" + sfx, np.zeros(len(z_pair)), np.ones(len(z_pair)), integer=True,
                         labels=lambda loc, sfx=sfx: [f"{D[pair_d[z_pair[i]]]},"
                                                      f"{R[pair_r[z_pair[i]]]},{T[z_type[i]]}{sfx}"
                                                      for i in loc])
        ss.append(Sets(inst=inst, a=an, p=p, cap=cap_n, lm=lm, X=xb.start + np.arange(len(xb)),
                       Z=zb.start + np.arange(len(zb)), suffix=sfx, **base))
    return ss


def _cumulative(ss: list[Sets], n: int) -> Sets:
    """Round ``n``'s sets with the flows of every round up to it: the outcomes so far."""
    if n == 0:
        return ss[0]
    s = ss[n]
    return dataclasses.replace(
        s, X=np.concatenate([t.X for t in ss[:n + 1]]), x_z=np.tile(s.x_z, n + 1),
        x_k=np.tile(s.x_k, n + 1), gain=np.tile(s.gain, n + 1), ucoef=np.tile(s.ucoef, n + 1),
        ext=tuple(e for t in ss[:n + 1] for e in t.ext))


def rounds_rows(parts: list[tuple[int, Rows | None]]) -> Rows | None:
    """One block of rows from a rule's rows in each round (round ``n``'s row names end in its
    suffix, and ``data["round"]`` says which round each row is); one round's rows as built."""
    parts = [(n, r) for n, r in parts if r is not None]
    if not parts:
        return None
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1]
    sizes = np.array([len(r) for _, r in parts])
    offs = np.r_[0, np.cumsum(sizes)]

    def labels(loc):
        loc = np.asarray(loc)
        which = np.searchsorted(offs, loc, side="right") - 1
        out = [""] * len(loc)
        for w in np.unique(which):  # one call per round, not per row
            sel = np.flatnonzero(which == w)
            sfx = rounds.suffix(parts[w][0])
            for i, name in zip(sel, parts[w][1].labels(loc[sel] - offs[w])):
                out[i] = name + sfx
        return out

    data = {k: np.concatenate([r.data[k] for _, r in parts]) for k in parts[0][1].data}
    data["round"] = np.repeat([n for n, _ in parts], sizes)
    return Rows(np.concatenate([r.entity for _, r in parts]),
                np.concatenate([r.rows + off for (_, r), off in zip(parts, offs)]),
                np.concatenate([r.cols for _, r in parts]),
                np.concatenate([r.vals for _, r in parts]),
                np.concatenate([r.lower for _, r in parts]),
                np.concatenate([r.upper for _, r in parts]), labels, data)


def _efficiency_terms(lm: LinearModel, ss: list[Sets], p: dict, gain, setup) -> dict:
    """Efficiency: every round's gain less its setup costs, discounted, less the cost of the
    pairings dropped between rounds."""
    weight = rounds.discounts(p)
    terms = {}
    for n, s in enumerate(ss):
        terms["x" + s.suffix] = weight[n] * gain
        terms["z" + s.suffix] = -weight[n] * setup
        if s.cluster is not None:
            terms.update(clusters.efficiency_terms(s, s.cluster, weight[n]))
    if "switch" in lm.col_blocks:
        nP = len(ss[0].pair_d)
        terms["switch"] = -rounds.settings(p)["switch_cost"] * np.repeat(weight[:-1], nP)
    return terms
