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

from dataclasses import dataclass

import numpy as np

from . import equity
from .instance import Instance
from .linear import Block, LinearModel  # noqa: F401 (imported from here by others)
from .rules import RULES, Rows, Sets
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

    def outcomes(self, x: np.ndarray) -> np.ndarray:
        """Normalised outcomes u[r] = (y0 + G/pop) / target of a column vector."""
        xv = x[self.x.start:self.x.stop]
        return self.u0 + np.bincount(self.x_r, weights=self.ucoef * xv,
                                     minlength=len(self.u0))

    def equity(self, x: np.ndarray) -> float:
        """Q of a column vector, computed from the outcomes (see equity.equity_value)."""
        p = self.inst.params["objective"]
        return equity.equity_value(self.outcomes(x), p["equity"], p["beta"])

    def efficiency(self, x: np.ndarray) -> float:
        return float(self.lm.objectives["efficiency"] @ x)

    @property
    def x(self) -> Block:
        return self.lm.col_blocks["x"]

    @property
    def z(self) -> Block:
        return self.lm.col_blocks["z"]


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
    """Formulate MODEL.md for ``inst`` (settings from ``inst.params``)."""
    import time

    t0 = time.perf_counter()
    p = inst.params if params is None else params
    a = inst.arrays
    D, R, K, T = (list(inst.partners.index), list(inst.recipients.index), list(inst.resources),
                  list(inst.types))
    soft = dict(p["balance"]["soft"])
    lm = LinearModel()

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

    # ---- columns
    xb = lm.add_cols("x", np.zeros(len(x_z)), cap[xp, x_k],
                     labels=lambda loc: [f"{D[xd[i]]},{R[xr[i]]},{K[x_k[i]]},{T[xt[i]]}" for i in loc])
    zb = lm.add_cols("z", np.zeros(len(z_pair)), np.ones(len(z_pair)), integer=True,
                     labels=lambda loc: [f"{D[pair_d[z_pair[i]]]},{R[pair_r[z_pair[i]]]},"
                                         f"{T[z_type[i]]}" for i in loc])
    tail = equity.add_columns(lm, p, R)
    rho = p["balance"]["rho"]
    lm.add_cols("ubar", [-INF] if rho is not None else [], INF,
                       labels=lambda loc: ["" for _ in loc])
    X = xb.start + np.arange(len(xb))
    Z = zb.start + np.arange(len(zb))

    # ---- the rules, from the registry, in its order (soft balance rules get a slack column)
    s = Sets(inst=inst, a=a, p=p, D=D, R=R, K=K, T=T, pair_d=pair_d, pair_r=pair_r,
             z_pair=z_pair, z_type=z_type, cap=cap, x_z=x_z, x_k=x_k, gain=gain, u0=u0,
             ucoef=ucoef, lm=lm, X=X, Z=Z, blocks=lm.col_blocks)
    balance_rows = []
    for rule in RULES:
        rows = rule.build(s)
        if rows is None or (rule.soft_ok and not len(rows)):
            continue
        add_rule_rows(lm, rule.name, rows, soft.get(rule.name) if rule.soft_ok else None)
        if rule.soft_ok:
            balance_rows.append(rule.name)

    # ---- the equity measure's rows, and the objectives
    lm.set_objective("efficiency", {"x": gain, "z": -a["setup"][z_type]})
    equity.add_rows_and_objective(lm, s, tail, p["objective"]["beta"])
    pen = {f"slack_{rule}": pen for rule, pen in soft.items() if f"slack_{rule}" in lm.col_blocks}
    lm.set_objective("penalty", pen)

    am = AllocationModel(inst=inst, lm=lm, pair_d=pair_d, pair_r=pair_r, z_pair=z_pair,
                         z_type=z_type, x_z=x_z, x_k=x_k, gain=gain, ucoef=ucoef, u0=u0,
                         balance_rows=balance_rows, soft=soft)
    lm.A  # assemble once, inside the build timing
    am.build_seconds = time.perf_counter() - t0
    return am
