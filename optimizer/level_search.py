"""The equity level search of a decomposed run (issue 16; docs/performance.md,
"Decomposition in the pipeline").

The tail mean and the maximin measure couple the parts of the model only through the level
eta: with eta fixed at a level t, every part is independent
(:func:`optimizer.decompose.at_level`). A stage that weighs eta up and the tail's s columns
down is then phi(t) = c t + G(t), maximised over t by a branch and bound over intervals of
levels (:func:`search_level`), with a proven bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .decompose import (Decomposed, Decomposition, NotSeparable, _set_equity_columns,
                        at_level, components)
from .model import AllocationModel


def check_level_separable(am: AllocationModel, dec: Decomposition,
                          objective: np.ndarray) -> None:
    """Refuse (NotSeparable, in words) a stage the level search cannot split: several rounds,
    or an objective that weighs the level or the tail's s columns in a way the search does
    not bound (it needs a non-negative weight on eta and non-positive weights on s)."""
    lm = am.lm
    if am.rounds > 1:
        raise NotSeparable("the level search splits the equity of one round")
    if len(dec.coupling_cols) != 1 or "s" not in lm.col_blocks:
        raise NotSeparable("the model has no single equity level to search over")
    eta = int(dec.coupling_cols[0])
    sb = lm.col_blocks["s"]
    if objective[eta] < 0 or np.any(objective[sb.start:sb.stop] > 0):
        raise NotSeparable("the objective rewards a lower equity level")


@dataclass
class LevelSearch(Decomposed):
    """The result of :func:`search_level`: the best plan, its objective, the proven bound over
    every level (``gap`` as for a stage), the level of the plan, and the levels tried with
    each one's (objective, bound)."""

    level: float | None = None
    tried: list = field(default_factory=list)  # (level, objective or None, bound or None)


def _first_levels(am: AllocationModel, lo: float, hi: float, levels, start) -> np.ndarray:
    """The levels tried first: the caller's, the start plan's own level (the search begins
    near it), and five across [lo, hi]."""
    first = np.r_[list(levels), np.linspace(lo, hi, 5)]
    if start is not None:
        u = np.sort(am.outcomes(np.asarray(start, float)))
        k = max(1, math.ceil(am.inst.params["objective"]["beta"] * len(u) - 1e-12))
        if len(am.lm.col_blocks["s"]) == 0:  # maximin: the least outcome
            k = 1
        first = np.r_[min(max(float(u[k - 1]), lo), hi), first]
    return first


def _interval_bound(c: float, L: float, a: float, b: float, A: float, B: float) -> float:
    """A bound on phi over the levels [a, b]: max over t of min(c t + A, c t + B + L (b - t))
    (A, B: proven bounds on G at a and b; L infinite: only the first)."""
    if not (math.isfinite(L) and math.isfinite(A) and math.isfinite(B)):
        return c * b + A
    cands = [a, b, min(max(b + (B - A) / L, a), b)] if L > 0 else [b]
    return max(min(c * t + A, c * t + B + L * (b - t)) for t in cands)


def search_level(am: AllocationModel, objective: np.ndarray, lo: float, hi: float,
                 gap: float = 1e-4, time_limit: float | None = None, workers=1, executor=None,
                 dec: Decomposition | None = None, max_levels: int = 40,
                 holds: list | None = None, start: np.ndarray | None = None,
                 levels: tuple = ()) -> LevelSearch:
    """Maximise ``objective`` (weight c >= 0 on eta, <= 0 on the tail's s columns) by a
    search over the level eta in [lo, hi] (the caller's bracket of the optimum's level), every
    level solved part by part (:func:`at_level`). G(t) = phi(t) - c t never rises with t, so
    phi <= c b + Gbar(a) on [a, b] (and, for the tail mean, <= c t + Gbar(b) + L (b - t)):
    the interval with the highest bound is split until that bound is within ``gap`` of the
    best plan, ``max_levels`` or the time limit (docs/performance.md)."""
    t0 = time.perf_counter()
    dec = dec or components(am)
    objective = np.asarray(objective, float)
    check_level_separable(am, dec, objective)
    eta = int(dec.coupling_cols[0])
    c = float(objective[eta])
    evals: dict[float, Decomposed] = {}
    best = LevelSearch("infeasible", None, None, None)
    deadline = None if not time_limit else t0 + time_limit

    def left():  # a third of the time left for each level (the first ones matter most)
        return None if deadline is None else max(0.5, (deadline - time.perf_counter()) / 3)

    def evaluate(t):
        d = at_level(am, objective, t, dec, gap=gap / 4, time_limit=left(), workers=workers,
                     executor=executor, holds=holds,
                     start=best.x if best.x is not None else start)
        evals[t] = d
        best.tried.append((t, d.objective, d.bound))
        if d.x is not None:
            # the plan found at level t at its own best level (the ceil(beta |R|)-th least
            # outcome, or the least): never worse, and often the optimum's level exactly
            x = _set_equity_columns(am, d.x.copy())
            value = float(objective @ x)
            if value < d.objective:
                x, value = d.x, d.objective
            if best.objective is None or value > best.objective:
                best.x, best.objective, best.level = x, value, float(x[eta])
        return d

    def gbar(t):  # a proven bound on G(t) = phi(t) - c t (inf when the solver gave none)
        d = evals[t]
        return (d.bound - c * t) if d.bound is not None else math.inf

    first = _first_levels(am, lo, hi, levels, start)
    # the tail mean: raising the level by d raises every s[r] by at most d, so G falls at
    # most L d, with L the weight on all the s columns: G(t) <= Gbar(b) + L (b - t) as well
    sb = am.lm.col_blocks["s"]
    L = float(-objective[sb.start:sb.stop].sum()) if len(sb) else math.inf

    def interval_bound(a, b):
        return _interval_bound(c, L, a, b, gbar(a), gbar(b))

    def out_of_time():
        return deadline is not None and time.perf_counter() > deadline - 0.5

    for t in first:
        if float(t) not in evals and not (evals and out_of_time()):
            evaluate(float(t))
    while True:
        levels = sorted(evals)
        bounds = [(interval_bound(a, b), a, b) for a, b in zip(levels, levels[1:])]
        bounds.append((c * levels[0] + gbar(levels[0]), levels[0], levels[0]))
        top = max(bounds)
        best.bound = top[0]
        done = (best.objective is not None and
                top[0] - best.objective <= gap * max(abs(best.objective), 1e-10))
        if done or len(evals) >= max_levels or out_of_time():
            break
        a, b = top[1], top[2]
        if b - a <= 1e-9 * max(1.0, abs(b)):
            break
        evaluate((a + b) / 2)
    if best.x is not None:
        best.status = "optimal" if best.bound is not None and (
            best.bound - best.objective <= gap * max(abs(best.objective), 1e-10)) else "time_limit"
    best.seconds = time.perf_counter() - t0
    return best


def level_range(am: AllocationModel) -> tuple[float, float]:
    """Levels between which the optimal equity level lies: the least baseline outcome (below
    it every s[r] can be 0, and phi only rises with the level) and the largest outcome any
    plan could reach with every column at its upper bound (above it every s[r] is positive,
    and phi falls: c (1 - 1/beta) <= 0)."""
    lm = am.lm
    ub = np.where(np.isfinite(lm.col_upper), lm.col_upper, 0.0)
    open_cols = np.where(np.isfinite(lm.col_upper), 0.0, 1.0)
    if np.any(am.outcomes(open_cols) - am.u0 > 0):
        raise NotSeparable("an outcome has no upper bound to search the level within")
    return float(am.u0.min()), float(am.outcomes(ub).max())
