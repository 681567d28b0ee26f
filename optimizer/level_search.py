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
    """The levels tried first with plans: the caller's and the start plan's own level (the
    search begins near it). The bracket's two ends follow, by their LP relaxations (a bound
    for every interval at the cost of an LP); then the search splits the interval with the
    highest bound where that bound peaks."""
    first = np.r_[list(levels)]
    if start is not None:
        u = np.sort(am.outcomes(np.asarray(start, float)))
        k = max(1, math.ceil(am.inst.params["objective"]["beta"] * len(u) - 1e-12))
        if len(am.lm.col_blocks["s"]) == 0:  # maximin: the least outcome
            k = 1
        first = np.r_[min(max(float(u[k - 1]), lo), hi), first]
    return first if len(first) else np.r_[(lo + hi) / 2]  # no guess: the bracket's middle


def _interval_bound(c: float, L: float, a: float, b: float, A: float, B: float
                    ) -> tuple[float, float]:
    """A bound on phi over the levels [a, b]: max over t of min(c t + A, c t + B + L (b - t))
    (A, B: proven bounds on G at a and b; L infinite: only the first), and the level where
    it is reached (where a plan would close the interval most)."""
    if not (math.isfinite(L) and math.isfinite(A) and math.isfinite(B)):
        return c * b + A, b
    cands = [a, b, min(max(b + (B - A) / L, a), b)] if L > 0 else [b]
    return max((min(c * t + A, c * t + B + L * (b - t)), t) for t in cands)


KELLEY_STEPS = 3
"""LP relaxations tried at the peak of the tangents' bound before the search's MIP levels."""


def _under_tangents(tangents: list, a: float, b: float) -> tuple[float, float]:
    """The highest value on [a, b] of U(t) = min over the tangents (t_i, B_i, g_i) of
    B_i + g_i (t - t_i), and where (inf, b without tangents). The LP relaxation's optimum
    at a fixed level is concave in the level, each tangent's slope a supergradient from the
    LP's duals, so U bounds phi at every level (a relative 1e-9 of slack for round-off)."""
    if not tangents:
        return math.inf, b
    T = np.array(tangents, float)

    def U(t):
        return float(np.min(T[:, 1] + T[:, 2] * (t - T[:, 0]) + 1e-9 * (1 + np.abs(T[:, 1]))))

    cands = [a, b]
    for i in range(len(T)):
        for j in range(i + 1, len(T)):
            dg = T[i, 2] - T[j, 2]
            if dg != 0:
                t = (T[j, 1] - T[i, 1] + T[i, 2] * T[i, 0] - T[j, 2] * T[j, 0]) / dg
                if a < t < b:
                    cands.append(float(t))
    return max((U(t), t) for t in cands)


def _split(a: float, b: float, peak: float) -> float:
    """Where to split [a, b]: at the bound's peak when it lies well inside, else halfway."""
    margin = 0.05 * (b - a)
    return peak if a + margin <= peak <= b - margin else (a + b) / 2


class _Search:
    """The state of one level search: the levels tried (``evals``; ``relaxed`` those bounded
    by their LP only), the LP tangents, the best plan, and the bounds they prove."""

    def __init__(self, am, objective, dec, gap, time_limit, workers, executor, holds, start):
        self.am, self.objective, self.dec, self.gap = am, objective, dec, gap
        self.opts = dict(workers=workers, executor=executor, holds=holds)
        self.start = start
        self.eta = int(dec.coupling_cols[0])
        self.c = float(objective[self.eta])
        self.evals: dict[float, Decomposed] = {}
        self.relaxed: set = set()  # levels bounded by the LP relaxation only (no plan)
        self.tangents: list = []  # (level, LP bound on phi, slope): phi <= each line
        self.best = LevelSearch("infeasible", None, None, None)
        self.deadline = None if not time_limit else time.perf_counter() + time_limit
        # the tail mean: raising the level by d raises every s[r] by at most d, so G falls
        # at most L d, L the weight on all the s columns: G(t) <= Gbar(b) + L (b - t)
        sb = am.lm.col_blocks["s"]
        self.L = float(-objective[sb.start:sb.stop].sum()) if len(sb) else math.inf
        # where the objective weighs nothing but eta up (every other column >= 0 weighed
        # <= 0: the s columns, soft rules' slacks), G <= 0 at every level; otherwise G has
        # no bound below the least level tried
        rest = np.flatnonzero(objective)
        rest = rest[rest != self.eta]
        self.g_top = (0.0 if np.all(objective[rest] <= 0)
                      and np.all(am.lm.col_lower[rest] >= 0) else math.inf)

    def left(self):  # a third of the time left for each level (the first ones matter most)
        if self.deadline is None:
            return None
        return max(0.5, (self.deadline - time.perf_counter()) / 3)

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() > self.deadline - 0.5

    def evaluate(self, t: float, relax: bool = False) -> Decomposed:
        best = self.best
        d = at_level(self.am, self.objective, t, self.dec, gap=self.gap / 4,
                     time_limit=self.left(), start=best.x if best.x is not None else self.start,
                     relax=relax, **self.opts)
        self.evals[t] = d
        (self.relaxed.add if relax else self.relaxed.discard)(t)
        if relax and d.bound is not None and d.slope is not None:
            self.tangents.append((t, d.bound, d.slope))
        best.tried.append((t, d.objective, d.bound))
        if d.x is not None:
            # the plan found at level t at its own best level (the ceil(beta |R|)-th least
            # outcome, or the least): never worse, and often the optimum's level exactly
            x = _set_equity_columns(self.am, d.x.copy())
            value = float(self.objective @ x)
            if value < d.objective:
                x, value = d.x, d.objective
            if best.objective is None or value > best.objective:
                best.x, best.objective, best.level = x, value, float(x[self.eta])
        return d

    def gbar(self, t: float) -> float:  # a proven bound on G(t) = phi(t) - c t (or inf)
        d = self.evals[t]
        return (d.bound - self.c * t) if d.bound is not None else math.inf

    def interval_bound(self, a: float, b: float) -> tuple[float, float]:
        c = self.c
        bound, peak = (_interval_bound(c, self.L, a, b, self.gbar(a), self.gbar(b)) if b > a
                       else (c * a + self.gbar(a), a))
        cap, at = _under_tangents(self.tangents, a, b)
        return (bound, peak) if bound <= cap else (cap, at)

    def top(self, lo: float, hi: float) -> tuple:
        """The highest bound over the bracket: (bound, peak, a, b) of its interval."""
        c, levels = self.c, sorted(self.evals)
        bounds = [(*self.interval_bound(a, b), a, b) for a, b in zip(levels, levels[1:])]
        bounds.append((*self.interval_bound(levels[0], levels[0]), levels[0], levels[0]))
        # the bracket's ends not yet tried: below the least level tried, phi <= c t + g_top;
        # above the highest, G(t) <= Gbar(highest), so phi <= c hi + Gbar(highest); and
        # everywhere, phi is under the LP's tangents
        if levels[0] > lo:
            cap, _ = _under_tangents(self.tangents, lo, levels[0])
            bounds.append((min(c * levels[0] + self.g_top, cap), lo, lo, lo))
        if levels[-1] < hi:
            cap, _ = _under_tangents(self.tangents, levels[-1], hi)
            bounds.append((min(c * hi + self.gbar(levels[-1]), cap), hi, hi, hi))
        return max(bounds)

    def within_gap(self, bound: float) -> bool:
        b = self.best
        return b.objective is not None and bound - b.objective <= self.gap * max(
            abs(b.objective), 1e-10)


def search_level(am: AllocationModel, objective: np.ndarray, lo: float, hi: float,
                 gap: float = 1e-4, time_limit: float | None = None, workers=1, executor=None,
                 dec: Decomposition | None = None, max_levels: int = 40,
                 holds: list | None = None, start: np.ndarray | None = None,
                 levels: tuple = ()) -> LevelSearch:
    """Maximise ``objective`` (weight c >= 0 on eta, <= 0 on the tail's s columns) by a
    search over the level eta in [lo, hi] (the caller's bracket of the optimum's level), every
    level solved part by part (:func:`at_level`). G(t) = phi(t) - c t never rises with t, so
    phi <= c b + Gbar(a) on [a, b] (and, for the tail mean, <= c t + Gbar(b) + L (b - t)),
    and phi is under the LP relaxation's tangents: the interval with the highest bound is
    split until that bound is within ``gap`` of the best plan, ``max_levels`` or the time
    limit (docs/performance.md)."""
    t0 = time.perf_counter()
    dec = dec or components(am)
    objective = np.asarray(objective, float)
    check_level_separable(am, dec, objective)
    run = _Search(am, objective, dec, gap, time_limit, workers, executor, holds, start)
    evals, best = run.evals, run.best
    for t in _first_levels(am, lo, hi, levels, start):
        if float(t) not in evals and not (evals and run.out_of_time()):
            run.evaluate(float(t))
    for t in (hi, lo):
        if float(t) not in evals and not (evals and run.out_of_time()):
            run.evaluate(float(t), relax=True)
    for _ in range(KELLEY_STEPS):  # the LP bound's peak, by tangents (Kelley's cutting planes)
        cap, at = _under_tangents(run.tangents, lo, hi)
        if not run.tangents or run.out_of_time() or any(
                abs(at - t) <= 1e-9 * max(1, abs(t)) for t in run.relaxed):
            break
        run.evaluate(at, relax=True)
    while True:
        top = run.top(lo, hi)
        best.bound = top[0] if math.isfinite(top[0]) else None
        if run.within_gap(top[0]) or len(evals) >= max_levels or run.out_of_time():
            break
        a, b = top[2], top[3]
        if b - a <= 1e-9 * max(1.0, abs(b)):
            if a in evals and a not in run.relaxed:
                break
            run.evaluate(a)  # an end of the bracket, with plans
            continue
        run.evaluate(_split(a, b, top[1]))
    if best.x is not None:
        best.status = ("optimal" if best.bound is not None and run.within_gap(best.bound)
                       else "time_limit")
    best.seconds = time.perf_counter() - t0
    return best


def level_range(am: AllocationModel, objective: np.ndarray | None = None) -> tuple[float, float]:
    """Levels between which the optimal equity level lies.

    With ``objective`` (weight c > 0 on eta, w[r] >= 0 down on each s[r]): a plan's best
    level is the weighted quantile of its outcomes, the least t with the weights of the
    outcomes at or below t summing to at least c (phi's slope c - sum of those weights turns
    negative there). The quantile never falls when an outcome rises, and every plan has
    u0[r] <= u[r] <= umax[r] (umax: every column at its upper bound), so the optimum's level
    lies between the quantiles of u0 and of umax (for the tail mean, the ceil(beta |R|)-th
    least baseline and the ceil(beta |R|)-th least umax). Otherwise, or where the weights
    sum to less than c: the least baseline outcome (below it every s[r] is 0 and phi only
    rises) to the largest umax (above it every s[r] is positive and phi falls)."""
    lm = am.lm
    ub = np.where(np.isfinite(lm.col_upper), lm.col_upper, 0.0)
    open_cols = np.where(np.isfinite(lm.col_upper), 0.0, 1.0)
    if np.any(am.outcomes(open_cols) - am.u0 > 0):
        raise NotSeparable("an outcome has no upper bound to search the level within")
    umax = _most_outcomes(am, ub)
    sb = lm.col_blocks.get("s")
    if objective is not None and sb is not None and len(sb) == len(am.u0):
        objective = np.asarray(objective, float)
        c, eta = 0.0, lm.col_blocks.get("eta")
        if eta is not None and len(eta) == 1:
            c = float(objective[eta.start])
        w = -objective[sb.start:sb.stop]
        if c > 0 and np.all(w >= 0) and w.sum() >= c * (1 - 1e-12):
            return _quantile(am.u0, w, c), _quantile(umax, w, c)
    return float(am.u0.min()), float(umax.max())


def _most_outcomes(am: AllocationModel, ub: np.ndarray) -> np.ndarray:
    """Each recipient's highest outcome over all plans, bounded: every column at its upper
    bound, except that the flows of one resource into a recipient add up to at most its
    absorptive capacity (the absorb rule, never soft), each unit at the best gain on offer."""
    most = am.outcomes(ub)
    if "absorb" in (am.soft or {}) or am.rounds > 1:
        return most
    xb = am.lm.col_blocks["x"]
    nK = len(am.inst.resources)
    group = am.x_r * nK + am.x_k
    n = len(am.u0) * nK
    flow = np.minimum(np.bincount(group, weights=ub[xb.start:xb.stop], minlength=n),
                      np.asarray(am.inst.arrays["absorb"], float).ravel())
    best = np.zeros(n)
    np.maximum.at(best, group, am.ucoef)
    at_ub = np.bincount(am.x_r, weights=am.ucoef * ub[xb.start:xb.stop], minlength=len(am.u0))
    absorbed = np.bincount(np.arange(n) // nK, weights=flow * best, minlength=len(am.u0))
    return most - at_ub + np.minimum(at_ub, absorbed)


def _quantile(u: np.ndarray, w: np.ndarray, c: float) -> float:
    """The least value of ``u`` at which the weights of the values at or below it sum to at
    least ``c`` (relatively 1e-12: the tail mean's beta |R| whole)."""
    order = np.argsort(u, kind="stable")
    reach = np.cumsum(w[order]) >= c * (1 - 1e-12)
    return float(u[order][int(np.argmax(reach))])
