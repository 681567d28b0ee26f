"""Stage 3b: clean a solver's plan to the model's bounds and check it against every hard rule.

A solver answers within its tolerances (HiGHS: 1e-7, absolute, on a scaled model). On badly
scaled data that is not good enough: a recipient with need 1e-6 and prod 1e6 came back with a
flow of -3e-7 and an access floor of 3e-7 unmet, called optimal. So before a plan is reported,
:func:`clean` puts every column inside its bounds (flows of pairings that are off at 0,
binaries at 0 or 1, auxiliaries at their defining values) and :func:`violations` recomputes
every row of the model from the cleaned plan, with a tolerance relative to the row's own
magnitude. The pipeline re-solves a failing plan with tighter tolerances and calls a plan
optimal only when nothing is violated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import rounds
from .model import AllocationModel

FEAS_REL = 1e-6
"""A row may miss its bound by this share of its magnitude (its bound, or the sum of its terms
when that is larger), plus FEAS_ABS."""
FEAS_ABS = 1e-9
AUXILIARY_ROWS = ("equity", "mean_outcome")
"""Rows that define auxiliary columns (the equity measure's eta and s, the mean outcome) rather
than rules of the plan; the reported equity is recomputed from the outcomes, and the mean is
set to its defining value by :func:`clean`."""


@dataclass
class Violation:
    row: str  # the model's row name, e.g. access_floor[MZ,talent]
    rule: str  # its block (the rule)
    value: float
    bound: float
    amount: float  # how far the bound is missed
    tolerance: float

    def words(self) -> str:
        side = "at least" if self.value < self.bound else "at most"
        return (f"{self.row} is {self.value:.6g} but must be {side} {self.bound:.6g} "
                f"(missed by {self.amount:.3g})")


def clean(am: AllocationModel, x: np.ndarray) -> np.ndarray:
    """A copy of ``x`` inside the model's bounds: binaries rounded, flows of pairings that are
    off set to 0, every column clipped to its bounds, the mean outcome and the soft rules'
    slacks set to what their rows define."""
    lm = am.lm
    x = np.clip(np.asarray(x, float).copy(), lm.col_lower, lm.col_upper)
    for xb, z in am.round_blocks():
        zv = np.round(x[z.start:z.stop])
        x[z.start:z.stop] = zv
        flows = x[xb.start:xb.stop]
        flows[zv[am.x_z] < 0.5] = 0.0
        x[xb.start:xb.stop] = flows
    for n in range(am.rounds):
        ubar = lm.col_blocks.get("ubar" + rounds.suffix(n))
        if ubar is not None and len(ubar):
            x[ubar.start] = float(am.outcomes(x, n).mean())
    A = lm.A
    for rule in am.balance_rows:
        name = f"slack_{rule}"
        if name not in lm.col_blocks:
            continue
        sb, rb = lm.col_blocks[name], lm.row_blocks[rule]
        x[sb.start:sb.stop] = 0.0
        act = A[rb.start:rb.stop] @ x
        x[sb.start:sb.stop] = np.maximum(0.0, lm.row_lower[rb.start:rb.stop] - act)
    return x


def violations(am: AllocationModel, x: np.ndarray, limit: int = 10) -> list[Violation]:
    """The rows of the model that ``x`` breaks beyond the tolerance, worst first (at most
    ``limit``); column bounds and integrality are checked too (``clean`` makes them hold)."""
    lm = am.lm
    A = lm.A
    act = A @ x
    size = np.abs(A) @ np.abs(x)
    lo, hi = lm.row_lower, lm.row_upper
    under = np.where(np.isfinite(lo), lo - act, 0.0)
    over = np.where(np.isfinite(hi), act - hi, 0.0)
    bound_mag = np.maximum(np.where(np.isfinite(lo), np.abs(lo), 0.0),
                           np.where(np.isfinite(hi), np.abs(hi), 0.0))
    tol = FEAS_REL * np.maximum(bound_mag, size) + FEAS_ABS
    miss = np.maximum(under, over)
    skip = np.zeros(lm.n_rows, bool)
    for name in AUXILIARY_ROWS:
        if name in lm.row_blocks:
            b = lm.row_blocks[name]
            skip[b.start:b.stop] = True
    bad = np.flatnonzero((miss > tol) & ~skip)
    out = []
    for i in bad[np.argsort(-(miss[bad] / tol[bad]))][:limit]:
        block, local = lm.block_of_row(int(i))
        out.append(Violation(block.names([local])[0], block.name, float(act[i]),
                             float(lo[i] if under[i] >= over[i] else hi[i]), float(miss[i]),
                             float(tol[i])))
    col_bad = (x < lm.col_lower - FEAS_ABS) | (x > lm.col_upper + FEAS_ABS)
    col_bad |= lm.integer & (np.abs(x - np.round(x)) > FEAS_ABS)
    for j in np.flatnonzero(col_bad)[:max(0, limit - len(out))]:
        block, local = lm.block_of_col(int(j))
        bound = lm.col_lower[j] if x[j] < lm.col_lower[j] else lm.col_upper[j]
        out.append(Violation(block.names([local])[0], block.name, float(x[j]), float(bound),
                             float(abs(x[j] - bound)), FEAS_ABS))
    return out
