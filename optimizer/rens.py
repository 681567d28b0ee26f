"""A first plan for a part's MIP from its LP relaxation (RENS: Berthold, "RENS: the optimal
rounding", Mathematical Programming Computation 6, 2014).

Each integer column is bounded to the integers around its value in the LP relaxation (a
binary at 0 or 1 in the LP is fixed there; a fractional one stays free) and the sub-MIP so
restricted is solved to a tighter gap than the part's, with a share of its time. The plan it
finds is any plan of the part (its bounds are the part's, narrowed), so it is a valid start;
the part's MIP then only has to prove its bound against it. At the county level most
pairings are 0 in the LP (1,228 of 1,441 binaries in the largest part), so the sub-MIP is
small: measured in docs/performance.md ("A first plan from the LP"), the largest part's
efficiency stage reaches a 1 % gap in 3.5 s with it against 13.7 s without, where HiGHS found
its first plan only after its root cut loop.

HiGHS runs RENS itself, but only after the cut loop at the root; here it runs first. Used by
the parts of a decomposed run only (optimizer/decompose.py): a whole model keeps HiGHS's own
search, so the bundled instances' results do not move.
"""

from __future__ import annotations

import time

import numpy as np

TIME_SHARE = 0.5
"""The share of a part's time limit the LP relaxation and the sub-MIP may use together."""
GAP_SHARE = 1 / 3
"""The sub-MIP's gap as a share of the part's (its plan leaves the rest to the bound)."""
GUIDE_TIE = 1e-4
"""The weight of a guide objective in the LP relaxation, relative to the part's own (by
their sums of absolute coefficients): a tie-break among the LP's optimal vertices."""
INT_TOL = 1e-6


def support_bounds(lp, x_lp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part's column bounds with each integer column narrowed to floor/ceil of its LP
    value (an integral LP value fixes it)."""
    lo, hi = lp.col_lower.copy(), lp.col_upper.copy()
    j = np.flatnonzero(lp.integer)
    v = x_lp[j]
    lo[j] = np.maximum(lo[j], np.floor(v + INT_TOL))
    hi[j] = np.minimum(hi[j], np.ceil(v - INT_TOL))
    return lo, hi


def guided_cost(lp, guide: np.ndarray | None) -> np.ndarray:
    """The LP relaxation's cost: the part's own, plus ``guide`` as a tie-break
    (:data:`GUIDE_TIE`). A stage with the equity level fixed asks each part only to lift its
    recipients to the level, and the LP has many optimal vertices, most with pairings
    spread thin; efficiency as the guide picks a vertex with few pairings, whose support
    holds plans (measured in docs/performance.md)."""
    if guide is None:
        return lp.cost
    guide = np.asarray(guide, float)
    own, other = float(np.abs(lp.cost).sum()), float(np.abs(guide).sum())
    if other == 0.0:
        return lp.cost
    sign = 1.0 if lp.sense == "max" else -1.0
    return lp.cost + sign * GUIDE_TIE * max(own, 1e-12) / other * guide


def rens_plan(lp, gap: float | None, time_limit: float | None, guide: np.ndarray | None = None,
              abs_gap: float | None = None) -> tuple[np.ndarray | None, float, float | None]:
    """A plan of the MIP ``lp`` (an :class:`~optimizer.solver.highs.LpArrays`) from its LP
    relaxation's support, or None (the LP or the sub-MIP found none in time); the seconds
    spent; and the LP relaxation's optimum, a proven bound on the MIP's (None with a guide,
    whose LP optimises another objective). ``gap``, ``abs_gap`` and ``time_limit`` are the
    part's own: the sub-MIP gets a share of each; ``guide``: see :func:`guided_cost`."""
    from .solver.highs import run_lp

    t0 = time.perf_counter()
    budget = None if not time_limit else TIME_SHARE * float(time_limit)
    settings = {} if budget is None else {"time_limit": budget}
    relaxed = lp.but(integer=np.zeros_like(lp.integer), cost=guided_cost(lp, guide))
    outcome, h = run_lp(relaxed.highs_lp(), settings, 1)
    if outcome.status != "optimal":
        return None, time.perf_counter() - t0, None
    x_lp = np.asarray(h.getSolution().col_value, float)
    bound = None if guide is not None else float(lp.cost @ x_lp)
    lo, hi = support_bounds(lp, x_lp)
    settings = {"mip_rel_gap": GAP_SHARE * (1e-4 if gap is None else float(gap))}
    if abs_gap is not None:
        settings["mip_abs_gap"] = GAP_SHARE * float(abs_gap)
    if budget is not None:
        left = budget - (time.perf_counter() - t0)
        if left <= 0.05:
            return None, time.perf_counter() - t0, bound
        settings["time_limit"] = left
    outcome, h = run_lp(lp.but(col_lower=lo, col_upper=hi).highs_lp(), settings, 1)
    x = np.asarray(h.getSolution().col_value, float) if outcome.has_plan else None
    return x, time.perf_counter() - t0, bound


def feasible(lp, x: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether ``x`` keeps every bound and row of ``lp`` and is integral where it must be
    (within ``tol``, scaled by the row's size)."""
    x = np.asarray(x, float)
    if np.any(x < lp.col_lower - tol) or np.any(x > lp.col_upper + tol):
        return False
    j = np.flatnonzero(lp.integer)
    if np.any(np.abs(x[j] - np.round(x[j])) > tol):
        return False
    act = lp.A @ x
    slack = tol * np.maximum(1.0, np.abs(act))
    return bool(np.all(act >= lp.row_lower - slack) and np.all(act <= lp.row_upper + slack))


def better_start(lp, start: np.ndarray | None, plan: np.ndarray | None) -> np.ndarray | None:
    """Of a given start and the RENS plan, the one to hand HiGHS: the start only where it is
    a plan of the part with at least the RENS plan's objective (a start is only a hint)."""
    if plan is None or start is None:
        return start if plan is None else plan
    sign = 1.0 if lp.sense == "max" else -1.0
    start = np.asarray(start, float)
    if sign * float(lp.cost @ start) > sign * float(lp.cost @ plan) and feasible(lp, start):
        return start
    return plan
